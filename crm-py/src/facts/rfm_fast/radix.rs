//! A least-significant-digit radix sort of (prefix, number) pairs, for the
//! 8-byte key prefixes of [`super::sorted_customers`]: one counting pass,
//! then one stable pass per prefix byte that is not the same in every pair.

/// Sorts `pairs` by prefix, keeping the order of pairs with equal prefixes.
pub(super) fn sort_by_prefix(pairs: &mut Vec<(u64, u32)>) {
    let n = pairs.len();
    let mut counts = vec![[0usize; 256]; 8];
    for &(p, _) in pairs.iter() {
        for (byte, c) in counts.iter_mut().enumerate() {
            c[((p >> (8 * byte)) & 0xFF) as usize] += 1;
        }
    }
    let mut spare = vec![(0u64, 0u32); n];
    for (byte, c) in counts.iter().enumerate() {
        if c.contains(&n) {
            // Every prefix has the same byte here: the pass would change nothing.
            continue;
        }
        let mut next = [0usize; 256];
        let mut sum = 0;
        for (d, &k) in c.iter().enumerate() {
            next[d] = sum;
            sum += k;
        }
        for &pair in pairs.iter() {
            let d = ((pair.0 >> (8 * byte)) & 0xFF) as usize;
            if let Some(to) = spare.get_mut(next[d]) {
                *to = pair;
            }
            next[d] += 1;
        }
        std::mem::swap(pairs, &mut spare);
    }
}

#[cfg(test)]
mod tests {
    use super::sort_by_prefix;

    /// The result equals a stable comparison sort, for prefixes that differ
    /// in few or many bytes, with ties, at several lengths.
    #[test]
    fn equals_a_stable_sort() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for (n, mask) in
            [(0, u64::MAX), (1, u64::MAX), (300, 0xFF00), (5000, 0x00FF_0000_0000_00FF), (20_000, u64::MAX)]
        {
            let mut pairs: Vec<(u64, u32)> = (0..n).map(|i| (next() & mask, i as u32)).collect();
            // Ties: a fifth of the pairs repeat an earlier prefix.
            for i in (5..pairs.len()).step_by(5) {
                pairs[i].0 = pairs[i / 2].0;
            }
            let mut expected = pairs.clone();
            expected.sort_by_key(|p| p.0);
            sort_by_prefix(&mut pairs);
            assert_eq!(pairs, expected, "{n} pairs, mask {mask:x}");
        }
    }
}
