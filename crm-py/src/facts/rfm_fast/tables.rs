//! The customer tables of the fast RFM reader and its order-id check.

use crm_core::segment::RfmAccumulator;

use super::rows::Cols;

pub(super) const HEAD: usize = 16;
/// Tables per thread (hash bits 56..63).
pub(super) const PARTS: usize = 128;

/// One customer: the key's hash, length, place and first bytes, and its values.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(super) struct Slot {
    pub(super) hash: u64,
    pub(super) len: u32,
    pub(super) row: u32,
    pub(super) batch: u32,
    /// [`head_of`] the key, as bytes: a `u128` would align the slot to 16 and make it two cache lines.
    head: [u8; HEAD],
    pub(super) acc: RfmAccumulator,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 64);

/// Asks for the cache line at `p` ahead of its use (the lookups of a chunk
/// land at random in tables far larger than the cache; started early, their
/// misses overlap).
#[inline(always)]
pub(super) fn prefetch<T>(p: &T) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unused_unsafe)]
    // SAFETY: a prefetch is a hint that never faults, and `p` is a valid reference.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((p as *const T).cast::<i8>())
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The first 16 bytes of `key`, zero-padded, as a little-endian number, put
/// together in registers (a byte copy into a stack buffer read back as one
/// number stalls on store forwarding, once per row).
#[inline]
pub(super) fn head_of(key: &[u8]) -> u128 {
    fn word(b: &[u8], at: usize) -> u64 {
        b.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()).map_or(0, u64::from_le_bytes)
    }
    fn half(b: &[u8], at: usize) -> u64 {
        b.get(at..at + 4).and_then(|w| <[u8; 4]>::try_from(w).ok()).map_or(0, |w| u64::from(u32::from_le_bytes(w)))
    }
    let n = key.len();
    let (lo, hi) = if n >= 16 {
        (word(key, 0), word(key, 8))
    } else if n > 8 {
        // The last eight bytes, shifted down so that byte 8 lands at the bottom.
        (word(key, 0), word(key, n - 8) >> (8 * (16 - n)))
    } else if n == 8 {
        (word(key, 0), 0)
    } else if n >= 4 {
        // Two overlapping four-byte reads: the shared bytes are the same.
        (half(key, 0) | half(key, n - 4) << (8 * (n - 4)), 0)
    } else {
        (key.iter().enumerate().fold(0u64, |w, (i, &b)| w | u64::from(b) << (8 * i)), 0)
    };
    u128::from(lo) | u128::from(hi) << 64
}

/// Which table of a thread a hash goes to.
#[inline]
pub(super) fn part_of(h: u64) -> usize {
    ((h >> 56) & (PARTS as u64 - 1)) as usize
}

/// The tag of a hash in an index entry: 32 bits that choose neither the
/// thread, the table nor (in tables below 2^24 entries) the home position.
#[inline]
fn tag(hash: u64) -> u64 {
    (hash >> 24) & 0xFFFF_FFFF
}

/// One table of customers: their slots in order of arrival, and an
/// open-addressing index of them, at most half full, whose entries are a
/// hash tag and a slot number + 1 (0: empty). A lookup runs in two steps,
/// so that each can be prefetched: [`Part::find`] reads the index (8 entries
/// per cache line) and names a slot, [`Part::slot`] checks the key there.
pub(super) struct Part {
    pub(super) slots: Vec<Slot>,
    index: Vec<u64>,
    mask: usize,
}

impl Slot {
    /// [`head_of`] the key.
    pub(super) fn head(&self) -> u128 {
        u128::from_le_bytes(self.head)
    }

    /// The key: from the slot when it is short, else from its column.
    pub(super) fn key<'a>(&'a self, cols: &[Cols<'a>]) -> Option<&'a str> {
        match self.key_bytes() {
            Some(whole) => std::str::from_utf8(whole).ok(),
            None => cols.get(self.batch as usize)?.ids.text(self.row as usize),
        }
    }

    /// The key's bytes when the slot holds them whole (keys of up to [`HEAD`] bytes).
    pub(super) fn key_bytes(&self) -> Option<&[u8]> {
        self.head.get(..self.len as usize)
    }

    /// Makes `key` (of up to [`HEAD`] bytes) the slot's key, `None` when it
    /// is longer. The hash stays that of the old key: only the reading,
    /// which is over, looks customers up.
    pub(super) fn set_key(&mut self, key: &[u8]) -> Option<()> {
        if key.len() > HEAD {
            return None;
        }
        self.head = head_of(key).to_le_bytes();
        self.len = key.len() as u32;
        Some(())
    }

    /// True when this is the slot of `key` (whose hash is `hash`).
    #[inline]
    fn holds(&self, key: &[u8], hash: u64, cols: &[Cols<'_>]) -> bool {
        self.hash == hash
            && self.len as usize == key.len()
            && self.head == head_of(key).to_le_bytes()
            && (key.len() <= HEAD || self.key(cols).map(str::as_bytes) == Some(key))
    }
}

impl Part {
    pub(super) fn new() -> Part {
        Part { slots: Vec::new(), index: vec![0; 16], mask: 15 }
    }

    #[inline]
    pub(super) fn prefetch_index(&self, hash: u64) {
        if let Some(e) = self.index.get(hash as usize & self.mask) {
            prefetch(e);
        }
    }

    #[inline]
    pub(super) fn prefetch_slot(&self, n: u32) {
        if let Some(s) = self.slots.get(n as usize) {
            prefetch(s);
        }
    }

    /// The slot number of the first customer whose hash tag is that of
    /// `hash`; when there is none, a new slot for the key at (`batch`,
    /// `row`). Two customers can share a tag: [`Part::slot`] checks the key.
    #[inline]
    pub(super) fn find(&mut self, key: &[u8], hash: u64, batch: u32, row: u32) -> u32 {
        let t = tag(hash);
        let mut i = hash as usize & self.mask;
        while let Some(&e) = self.index.get(i) {
            if e == 0 {
                break;
            }
            if e >> 32 == t {
                return (e as u32).wrapping_sub(1);
            }
            i = (i + 1) & self.mask;
        }
        self.insert(i, key, hash, batch, row)
    }

    /// Adds a slot for the key and files it at index position `at` (empty).
    fn insert(&mut self, at: usize, key: &[u8], hash: u64, batch: u32, row: u32) -> u32 {
        let n = self.slots.len() as u32;
        let head = head_of(key).to_le_bytes();
        self.slots.push(Slot { hash, len: key.len() as u32, row, batch, head, acc: RfmAccumulator::EMPTY });
        if let Some(e) = self.index.get_mut(at) {
            *e = tag(hash) << 32 | (u64::from(n) + 1);
        }
        if self.slots.len() * 2 > self.index.len() {
            self.grow();
        }
        n
    }

    /// The slot of `key`: slot `n` (from [`Part::find`]) when it holds the
    /// key, else the one found by comparing keys (or a new one).
    #[inline]
    pub(super) fn slot(&mut self, n: u32, key: &[u8], hash: u64, batch: u32, row: u32, cols: &[Cols<'_>]) -> &mut Slot {
        let n = match self.slots.get(n as usize) {
            Some(s) if s.holds(key, hash, cols) => n,
            _ => self.find_exact(key, hash, batch, row, cols),
        };
        // Always a slot: `find` and `find_exact` name existing slots or add
        // one (a bug here panics, and the caller's catch sends the table to
        // the general reader, rather than adding to the wrong customer).
        &mut self.slots[n as usize]
    }

    /// [`Part::find`], comparing keys: for customers whose hash tags are equal.
    #[cold]
    fn find_exact(&mut self, key: &[u8], hash: u64, batch: u32, row: u32, cols: &[Cols<'_>]) -> u32 {
        let t = tag(hash);
        let mut i = hash as usize & self.mask;
        while let Some(&e) = self.index.get(i) {
            if e == 0 {
                break;
            }
            let n = (e as u32).wrapping_sub(1);
            if e >> 32 == t && self.slots.get(n as usize).is_some_and(|s| s.holds(key, hash, cols)) {
                return n;
            }
            i = (i + 1) & self.mask;
        }
        self.insert(i, key, hash, batch, row)
    }

    fn grow(&mut self) {
        let cap = self.index.len() * 2;
        let mask = cap - 1;
        let mut index = vec![0u64; cap];
        for (n, s) in self.slots.iter().enumerate() {
            let mut i = s.hash as usize & mask;
            while index[i] != 0 {
                i = (i + 1) & mask;
            }
            index[i] = tag(s.hash) << 32 | (n as u64 + 1);
        }
        self.index = index;
        self.mask = mask;
    }
}

#[cfg(test)]
mod tests {
    use super::{head_of, Part};

    /// The row a lookup of `key` lands on (a new customer takes `row`).
    fn lookup(part: &mut Part, key: &str, hash: u64, row: u32) -> u32 {
        let n = part.find(key.as_bytes(), hash, 0, row);
        part.slot(n, key.as_bytes(), hash, 0, row, &[]).row
    }

    /// Keys whose hashes share a tag, or are equal, stay separate customers.
    #[test]
    fn customers_sharing_a_tag_or_a_hash_are_told_apart() {
        let mut part = Part::new();
        let h = 0x0012_3456_7800_0005u64;
        let same_tag = h ^ (1 << 60); // differs only in the table bits
        assert_eq!(lookup(&mut part, "a", h, 1), 1);
        assert_eq!(lookup(&mut part, "b", same_tag, 2), 2);
        assert_eq!(lookup(&mut part, "c", h, 3), 3); // a 64-bit collision
        for _ in 0..3 {
            assert_eq!(lookup(&mut part, "a", h, 9), 1);
            assert_eq!(lookup(&mut part, "b", same_tag, 9), 2);
            assert_eq!(lookup(&mut part, "c", h, 9), 3);
        }
        assert_eq!(part.slots.len(), 3);
    }

    /// Through many growths every key keeps its slot, found by its first row.
    #[test]
    fn keys_keep_their_slots_as_the_table_grows() {
        let mut part = Part::new();
        let keys: Vec<(String, u64)> =
            (0..5000u64).map(|i| (format!("k{i}"), i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | (i % 7))).collect();
        for round in 0..2 {
            for (i, (k, h)) in keys.iter().enumerate() {
                let row = if round == 0 { i as u32 } else { u32::MAX };
                assert_eq!(lookup(&mut part, k, *h, row), i as u32, "{k}");
            }
        }
        assert_eq!(part.slots.len(), keys.len());
    }

    /// `head_of` equals the zero-padded first 16 bytes read as a
    /// little-endian number, at every key length.
    #[test]
    fn head_is_the_padded_prefix() {
        let bytes: Vec<u8> = (1..=40u8).map(|b| b.wrapping_mul(37)).collect();
        for n in 0..=40 {
            let key = &bytes[..n];
            let mut padded = [0u8; 16];
            let m = n.min(16);
            padded[..m].copy_from_slice(&key[..m]);
            assert_eq!(head_of(key), u128::from_le_bytes(padded), "length {n}");
        }
    }
}
