//! String interning for the hot path: customer keys to dense ids.
//!
//! Ten million order rows over a million customers make the interner the cost
//! of `customer_facts`, and that cost is cache and TLB misses: a table for a
//! million keys is tens of megabytes, and every lookup lands somewhere random
//! in it. So the table is split in 256 partitions by the top bits of the hash,
//! and a column is interned a chunk at a time: the rows of a chunk are first
//! bucketed by partition (hashing, sequential writes), then each partition's
//! rows are looked up together, so the lookups of a partition stay inside its
//! own small table.
//!
//! Each partition is a flat open-addressing array of 32-byte slots (linear
//! probing, at most half full) holding the key's length, its id, its offset in
//! the key buffer and its first 16 bytes: a key of up to 16 bytes is found with
//! one memory access, a longer one with one more (its tail). Keys live in one
//! byte buffer with offsets (no allocation per key).

use std::hash::BuildHasher;

const HEAD: usize = 16;
const EMPTY: u32 = u32::MAX;
const PART_BITS: u32 = 8;
const PARTS: usize = 1 << PART_BITS;
/// Rows bucketed per round: the chunk's keys stay in cache while they are looked up.
const CHUNK: usize = 1 << 16;

/// "No id" in the output of [`Interner::intern_many`] (a null key).
pub(crate) const NONE: u32 = u32::MAX;

#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    len: u32,
    id: u32,
    off: u64,
    head: [u8; HEAD],
}

const EMPTY_SLOT: Slot = Slot { len: EMPTY, id: 0, off: 0, head: [0; HEAD] };

#[inline]
fn head_of(key: &[u8]) -> [u8; HEAD] {
    let mut h = [0u8; HEAD];
    let m = key.len().min(HEAD);
    h[..m].copy_from_slice(&key[..m]);
    h
}

/// One partition's table.
struct Part {
    slots: Vec<Slot>,
    mask: usize,
    count: usize,
}

impl Part {
    fn new() -> Part {
        Part { slots: vec![EMPTY_SLOT; 8], mask: 7, count: 0 }
    }

    /// Loads the slot of `hash` (its value is not needed: the point is to have
    /// many such loads in flight at once).
    #[inline]
    fn touch(&self, hash: u64) -> u32 {
        self.slots[hash as usize & self.mask].len
    }

    /// The id of `key` (hash `hash`), inserting it with the next id when new.
    #[inline]
    fn find_or_insert(&mut self, key: &[u8], hash: u64, keys: &mut Keys) -> u32 {
        let head = head_of(key);
        let len = key.len() as u32;
        let mut i = hash as usize & self.mask;
        loop {
            let s = &self.slots[i];
            if s.len == EMPTY {
                break;
            }
            if s.len == len
                && s.head == head
                && (key.len() <= HEAD || keys.data[s.off as usize + HEAD..s.off as usize + key.len()] == key[HEAD..])
            {
                return s.id;
            }
            i = (i + 1) & self.mask;
        }
        let (id, off) = keys.push(key, hash);
        self.slots[i] = Slot { len, id, off, head };
        self.count += 1;
        if self.count * 2 > self.slots.len() {
            self.grow(keys);
        }
        id
    }

    fn grow(&mut self, keys: &Keys) {
        let cap = self.slots.len() * 2;
        let mask = cap - 1;
        let mut slots = vec![EMPTY_SLOT; cap];
        for s in self.slots.iter().filter(|s| s.len != EMPTY) {
            let mut i = keys.hashes[s.id as usize] as usize & mask;
            while slots[i].len != EMPTY {
                i = (i + 1) & mask;
            }
            slots[i] = *s;
        }
        self.slots = slots;
        self.mask = mask;
    }
}

/// The distinct keys in id order: bytes, offsets and hashes.
struct Keys {
    offsets: Vec<usize>,
    data: Vec<u8>,
    hashes: Vec<u64>,
}

impl Keys {
    fn push(&mut self, key: &[u8], hash: u64) -> (u32, u64) {
        let id = self.hashes.len() as u32;
        let off = self.data.len() as u64;
        self.data.extend_from_slice(key);
        self.offsets.push(self.data.len());
        self.hashes.push(hash);
        (id, off)
    }
}

/// The hasher of customer keys and order ids, with one fixed seed, so that
/// every run (and every thread) hashes a key alike.
pub(crate) fn fixed_hasher() -> foldhash::fast::FixedState {
    foldhash::fast::FixedState::with_seed(0x5eed_c0de)
}

/// Dense ids for strings (ids are dense, not in first-seen order).
pub(crate) struct Interner {
    parts: Vec<Part>,
    keys: Keys,
    state: foldhash::fast::FixedState,
    /// Per-partition `(row in chunk, hash)` of the current chunk.
    buckets: Vec<Vec<(u32, u64)>>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            parts: (0..PARTS).map(|_| Part::new()).collect(),
            keys: Keys { offsets: vec![0], data: Vec::new(), hashes: Vec::new() },
            state: fixed_hasher(),
            buckets: Vec::new(),
        }
    }
}

impl Interner {
    /// Number of distinct keys.
    pub(crate) fn len(&self) -> usize {
        self.keys.hashes.len()
    }

    /// Key `i`.
    #[inline]
    pub(crate) fn get(&self, i: u32) -> &[u8] {
        let i = i as usize;
        &self.keys.data[self.keys.offsets[i]..self.keys.offsets[i + 1]]
    }

    /// Key `i` as text (keys are always interned from `&str`).
    pub(crate) fn get_str(&self, i: u32) -> &str {
        std::str::from_utf8(self.get(i)).unwrap_or("")
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        self.state.hash_one(key)
    }

    /// The id of `key`, interning it when new.
    #[inline]
    pub(crate) fn intern(&mut self, key: &str) -> u32 {
        let key = key.as_bytes();
        let h = self.hash(key);
        let Interner { parts, keys, .. } = self;
        parts[(h >> (64 - PART_BITS)) as usize].find_or_insert(key, h, keys)
    }

    /// Appends the ids of rows `0..n` to `out` ([`NONE`] where `get` gives `None`).
    ///
    /// A row equal to the row before it reuses its id without a lookup, so
    /// tables grouped by customer cost one comparison per row.
    pub(crate) fn intern_many<'k>(&mut self, n: usize, get: impl Fn(usize) -> Option<&'k str>, out: &mut Vec<u32>) {
        const REPEAT: u32 = u32::MAX - 1;
        if self.buckets.len() != PARTS {
            self.buckets = (0..PARTS).map(|_| Vec::new()).collect();
        }
        let base = out.len();
        out.resize(base + n, NONE);
        let mut start = 0;
        while start < n {
            let m = CHUNK.min(n - start);
            let out = &mut out[base + start..base + start + m];
            for b in self.buckets.iter_mut() {
                b.clear();
            }
            // Bucket the chunk's rows by partition.
            let mut prev: Option<&str> = None;
            for (j, slot) in out.iter_mut().enumerate() {
                let k = get(start + j);
                match k {
                    None => {}
                    Some(k) if prev == Some(k) => *slot = REPEAT,
                    Some(k) => {
                        let h = self.hash(k.as_bytes());
                        self.buckets[(h >> (64 - PART_BITS)) as usize].push((j as u32, h));
                    }
                }
                prev = k;
            }
            // Look each partition's rows up together, loading the slots of a
            // block first so that their misses overlap.
            let Interner { parts, keys, buckets, .. } = self;
            let mut sink = 0u32;
            for (part, bucket) in parts.iter_mut().zip(buckets.iter()) {
                for block in bucket.chunks(16) {
                    for &(_, h) in block {
                        sink = sink.wrapping_add(part.touch(h));
                    }
                    for &(j, h) in block {
                        if let Some(k) = get(start + j as usize) {
                            out[j as usize] = part.find_or_insert(k.as_bytes(), h, keys);
                        }
                    }
                }
            }
            std::hint::black_box(sink);
            for j in 1..m {
                if out[j] == REPEAT {
                    out[j] = out[j - 1];
                }
            }
            start += m;
        }
    }

    /// Ids ordered by key bytes: `order[rank] = id`.
    pub(crate) fn sorted_order(&self) -> Vec<u32> {
        let n = self.len();
        // Sort on a 16-byte big-endian prefix taken after the prefix all keys
        // share (ids such as "cust_0000123" differ late), and break ties on the
        // full keys. Zero padding keeps prefix order consistent with byte order.
        let first = if n > 0 { self.get(0) } else { &[][..] };
        let mut common = first.len();
        for i in 1..n as u32 {
            let k = self.get(i);
            common = common.min(k.iter().zip(first).take_while(|(a, b)| a == b).count());
            if common == 0 {
                break;
            }
        }
        let mut keyed: Vec<(u128, u32)> = (0..n as u32)
            .map(|i| {
                let k = &self.get(i)[common..];
                (u128::from_be_bytes(head_of(k)), i)
            })
            .collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| self.get(a.1).cmp(self.get(b.1))));
        keyed.into_iter().map(|(_, i)| i).collect()
    }
}
