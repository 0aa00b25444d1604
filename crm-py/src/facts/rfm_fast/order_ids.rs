//! The order-id check of the fast RFM reader: no two rows may share an
//! order id. Each reading thread files the hashes of its rows' order ids in
//! 256 lists by their top byte as it reads; at the end each thread takes
//! the half of the lists whose top bit is its own and checks them list by
//! list, each through one reused open-addressing table sized for it, which
//! stays in the cache.

/// The lists, by the hash's top byte.
const LISTS: usize = 256;

/// One reading thread's order-id hashes.
pub(super) struct OrderIdHashes {
    lists: Vec<Vec<u64>>,
}

impl OrderIdHashes {
    /// Lists with room for about `expected` hashes in all (none allocated
    /// when `expected` is 0: the ids are not checked).
    pub(super) fn with_room(expected: usize) -> OrderIdHashes {
        // The hashes spread evenly over the lists; a little room beyond the
        // mean keeps most lists from being copied as they grow.
        let each = if expected == 0 { 0 } else { expected / LISTS + expected / LISTS / 8 + 16 };
        OrderIdHashes { lists: (0..LISTS).map(|_| Vec::with_capacity(each)).collect() }
    }

    #[inline(always)]
    pub(super) fn push(&mut self, hash: u64) {
        if let Some(list) = self.lists.get_mut((hash >> 56) as usize) {
            list.push(hash);
        }
    }
}

/// True when no two hashes whose top bit is `bit` are equal, over both
/// threads' lists.
pub(super) fn distinct(bit: u64, both: [&OrderIdHashes; 2]) -> bool {
    let mut table: Vec<u64> = Vec::new();
    let half = LISTS / 2;
    for k in (bit as usize * half)..(bit as usize + 1) * half {
        let lists = both.map(|h| h.lists.get(k).map_or(&[][..], Vec::as_slice));
        let n: usize = lists.iter().map(|l| l.len()).sum();
        let cap = (n * 2).next_power_of_two().max(16);
        let mask = cap - 1;
        table.clear();
        table.resize(cap, 0);
        for &h in lists.iter().flat_map(|l| l.iter()) {
            // 0 marks an empty slot: store 0 as 1 (a collision only sends the
            // rows to the general reader, which compares the ids themselves).
            let h = h.max(1);
            let mut i = h as usize & mask;
            loop {
                match table.get_mut(i) {
                    Some(e) if *e == 0 => {
                        *e = h;
                        break;
                    }
                    Some(e) if *e == h => return false,
                    Some(_) => i = (i + 1) & mask,
                    None => return false,
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{distinct, OrderIdHashes};

    fn hashes(values: &[u64]) -> OrderIdHashes {
        let mut h = OrderIdHashes::with_room(values.len());
        values.iter().for_each(|&v| h.push(v));
        h
    }

    /// A hash repeated within one thread's lists or across the two
    /// threads' is found by the half whose top bit it has, and only there;
    /// distinct hashes (0 among them) pass.
    #[test]
    fn finds_a_repeat_in_its_own_half() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut values: Vec<u64> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            })
            .collect();
        values.push(0);
        let (a, b) = values.split_at(values.len() / 2);
        let (ha, hb) = (hashes(a), hashes(b));
        assert!(distinct(0, [&ha, &hb]) && distinct(1, [&ha, &hb]));
        let low = *a.iter().find(|&&v| v >> 63 == 0).expect("a low hash");
        let high = *a.iter().find(|&&v| v >> 63 == 1).expect("a high hash");
        for repeat in [low, high] {
            let top = repeat >> 63;
            let within = hashes(&[a, &[repeat]].concat());
            assert!(!distinct(top, [&within, &hb]), "within one thread, {repeat:x}");
            assert!(distinct(1 - top, [&within, &hb]), "the other half, {repeat:x}");
            let across = hashes(&[b, &[repeat]].concat());
            assert!(!distinct(top, [&ha, &across]), "across the threads, {repeat:x}");
            assert!(distinct(1 - top, [&ha, &across]), "the other half, {repeat:x}");
        }
    }
}
