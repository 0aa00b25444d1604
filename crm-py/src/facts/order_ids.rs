//! Order ids in one buffer: the duplicate check and the order of a line.

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Order ids in one buffer, with their hashes, for the duplicate check and
/// for finding the order of a line.
#[derive(Default)]
pub(super) struct OrderIds {
    pub(super) data: Vec<u8>,
    pub(super) offsets: Vec<usize>,
    pub(super) hashes: Vec<u64>,
    pub(super) table: Option<HashTable<u32>>,
    pub(super) state: foldhash::fast::FixedState,
}

impl OrderIds {
    pub(super) fn push(&mut self, id: &str) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.hashes.push(self.state.hash_one(id.as_bytes()));
        self.data.extend_from_slice(id.as_bytes());
        self.offsets.push(self.data.len());
    }

    pub(super) fn len(&self) -> usize {
        self.hashes.len()
    }

    pub(super) fn get(&self, r: usize) -> &[u8] {
        &self.data[self.offsets[r]..self.offsets[r + 1]]
    }

    pub(super) fn get_str(&self, r: usize) -> &str {
        std::str::from_utf8(self.get(r)).unwrap_or("")
    }

    /// `(row, first row with the same id)` for every repeated id, by row.
    ///
    /// Rows are bucketed by the top byte of their hash, then each bucket
    /// (small enough for the cache) goes through its own open-addressing table
    /// of `(hash, first row)`; only rows whose 64-bit hashes are equal have their
    /// bytes compared.
    pub(super) fn duplicates(&self) -> Vec<(usize, usize)> {
        let n = self.len();
        let bucket = |h: u64| (h >> 56) as usize;
        let mut start = vec![0usize; 257];
        for &h in &self.hashes {
            start[bucket(h) + 1] += 1;
        }
        for b in 0..256 {
            start[b + 1] += start[b];
        }
        let mut next = start.clone();
        let mut rows = vec![0u32; n];
        for (r, &h) in self.hashes.iter().enumerate() {
            rows[next[bucket(h)]] = r as u32;
            next[bucket(h)] += 1;
        }
        let mut out = Vec::new();
        let mut table: Vec<(u64, u32)> = Vec::new();
        for b in 0..256 {
            let part = &rows[start[b]..start[b + 1]];
            let cap = (part.len() * 2).next_power_of_two().max(16);
            let mask = cap - 1;
            table.clear();
            table.resize(cap, (0, u32::MAX));
            // Rows ascend within a bucket, so the first row with an id is the one kept.
            for &r in part {
                let h = self.hashes[r as usize];
                let mut i = h as usize & mask;
                loop {
                    let (th, tr) = table[i];
                    if tr == u32::MAX {
                        table[i] = (h, r);
                        break;
                    }
                    if th == h && self.get(tr as usize) == self.get(r as usize) {
                        out.push((r as usize, tr as usize));
                        break;
                    }
                    i = (i + 1) & mask;
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The row of the order `id`, trying `hint` and `hint + 1` first (lines
    /// usually come grouped by order, in order).
    pub(super) fn find(&mut self, id: &str, hint: usize) -> Option<usize> {
        let key = id.as_bytes();
        let n = self.len();
        if hint < n && self.get(hint) == key {
            return Some(hint);
        }
        if hint + 1 < n && self.get(hint + 1) == key {
            return Some(hint + 1);
        }
        if self.table.is_none() {
            let mut t = HashTable::with_capacity(n);
            for r in 0..n {
                let h = self.hashes[r];
                // Later duplicates (only possible with check_duplicates=False) map to the first row.
                if t.find(h, |&x: &u32| self.get(x as usize) == self.get(r)).is_none() {
                    t.insert_unique(h, r as u32, |&x: &u32| self.hashes[x as usize]);
                }
            }
            self.table = Some(t);
        }
        let h = self.state.hash_one(key);
        self.table.as_ref()?.find(h, |&x| self.get(x as usize) == key).map(|&x| x as usize)
    }
}
