//! Tie-fair scores without a search per value: counting for small value
//! ranges (days, order counts), a radix sort of (value, row) pairs otherwise.

/// `1 + floor(k × worse / n)` for every value, where `worse` counts the values
/// strictly smaller (`more_is_better`) or strictly larger (otherwise).
pub(crate) fn tie_fair_scores(k: u8, values: &[i64], more_is_better: bool) -> Vec<u8> {
    let n = values.len();
    let (Some(&min), Some(&max)) = (values.iter().min(), values.iter().max()) else { return Vec::new() };
    let score = |worse: usize| (1 + u64::from(k) * worse as u64 / n as u64) as u8;
    let range = (i128::from(max) - i128::from(min)) as u128;
    if range <= (4 * n + 1024) as u128 {
        // Counting: less[v] = values below v.
        let mut counts = vec![0u32; range as usize + 2];
        for &v in values {
            counts[(v - min) as usize + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        // counts[j] = values < min + j; counts[j + 1] = values ≤ min + j.
        return values
            .iter()
            .map(|&v| {
                let j = (v - min) as usize;
                score(if more_is_better { counts[j] as usize } else { n - counts[j + 1] as usize })
            })
            .collect();
    }
    let sorted = sort_pairs(values);
    let mut out = vec![0u8; n];
    let mut start = 0;
    while start < n {
        let key = sorted[start].0;
        let mut end = start;
        while end < n && sorted[end].0 == key {
            end += 1;
        }
        let s = score(if more_is_better { start } else { n - end });
        for &(_, row) in &sorted[start..end] {
            out[row as usize] = s;
        }
        start = end;
    }
    out
}

/// (order-preserving key, row) pairs sorted by key: LSD radix sort on 16-bit digits.
fn sort_pairs(values: &[i64]) -> Vec<(u64, u32)> {
    let mut a: Vec<(u64, u32)> = values.iter().enumerate().map(|(i, &v)| ((v as u64) ^ (1 << 63), i as u32)).collect();
    let mut b = vec![(0u64, 0u32); a.len()];
    for pass in 0..4 {
        let shift = pass * 16;
        let mut counts = vec![0usize; 1 << 16];
        for &(k, _) in &a {
            counts[((k >> shift) & 0xFFFF) as usize] += 1;
        }
        if counts.contains(&a.len()) {
            continue; // every key has the same digit here
        }
        let mut pos = 0;
        for c in counts.iter_mut() {
            let here = *c;
            *c = pos;
            pos += here;
        }
        for &(k, r) in &a {
            let d = ((k >> shift) & 0xFFFF) as usize;
            b[counts[d]] = (k, r);
            counts[d] += 1;
        }
        std::mem::swap(&mut a, &mut b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, one value at a time.
    fn naive(k: u8, values: &[i64], more_is_better: bool) -> Vec<u8> {
        let n = values.len() as u64;
        values
            .iter()
            .map(|&x| {
                let worse = values.iter().filter(|&&v| if more_is_better { v < x } else { v > x }).count() as u64;
                (1 + u64::from(k) * worse / n) as u8
            })
            .collect()
    }

    #[test]
    fn both_methods_equal_the_definition() {
        let mut s: u64 = 88172645463325252;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for round in 0..200 {
            let n = 1 + (next() % 300) as usize;
            // Small ranges use counting, wide ranges (and extremes) the radix sort.
            let values: Vec<i64> = (0..n)
                .map(|_| match round % 3 {
                    0 => (next() % 40) as i64 - 5,
                    1 => next() as i64,
                    _ => [i64::MIN, i64::MAX, 0, -1, 1][(next() % 5) as usize],
                })
                .collect();
            for k in [3u8, 5, 10] {
                for better in [true, false] {
                    assert_eq!(tie_fair_scores(k, &values, better), naive(k, &values, better), "{values:?}");
                }
            }
        }
        assert!(tie_fair_scores(5, &[], true).is_empty());
    }
}
