//! Compact columns shared by the columnar parts of the library.

/// A column of strings stored as one buffer plus offsets (the layout of an
/// Arrow string array): cloning and dropping a million ids is two allocations,
/// not a million.
///
/// ```
/// use crm_core::column::StrColumn;
/// let ids: StrColumn = ["c1", "c2", "guest:a@b.c"].into_iter().collect();
/// assert_eq!(ids.len(), 3);
/// assert_eq!(ids.get(2), "guest:a@b.c");
/// assert_eq!(ids.offsets(), [0, 2, 4, 15]);
/// assert_eq!(ids.to_vec(), ["c1", "c2", "guest:a@b.c"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StrColumn {
    offsets: Vec<usize>,
    data: String,
}

impl Default for StrColumn {
    fn default() -> Self {
        StrColumn { offsets: vec![0], data: String::new() }
    }
}

impl StrColumn {
    /// An empty column.
    pub fn new() -> Self {
        StrColumn::default()
    }

    /// An empty column with room for `rows` strings of `bytes` bytes in all.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        StrColumn { offsets, data: String::with_capacity(bytes) }
    }

    /// Appends a string.
    pub fn push(&mut self, s: &str) {
        self.data.push_str(s);
        self.offsets.push(self.data.len());
    }

    /// Appends every string of `other`, in order (one copy of its bytes).
    ///
    /// ```
    /// use crm_core::column::StrColumn;
    /// let mut a: StrColumn = ["x", "yy"].into_iter().collect();
    /// a.append(&["", "zzz"].into_iter().collect());
    /// assert_eq!(a.to_vec(), ["x", "yy", "", "zzz"]);
    /// ```
    pub fn append(&mut self, other: &StrColumn) {
        let base = self.data.len();
        self.data.push_str(&other.data);
        self.offsets.extend(other.offsets.iter().skip(1).map(|&o| base + o));
    }

    /// The string at row `i`.
    ///
    /// # Panics
    /// When `i >= self.len()`.
    pub fn get(&self, i: usize) -> &str {
        &self.data[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when there are no strings.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The strings in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.offsets.windows(2).map(|w| &self.data[w[0]..w[1]])
    }

    /// Byte offsets: string `i` is `data()[offsets()[i]..offsets()[i + 1]]`.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// All strings, concatenated.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The strings as owned `String`s.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl<'a> FromIterator<&'a str> for StrColumn {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut c = StrColumn::new();
        for s in iter {
            c.push(s);
        }
        c
    }
}
