//! Scores 1..k as cut points passed: tie-fair scores need only the k − 1
//! order statistics where the score changes, found by a histogram when the
//! values span a short range (days, order counts) and by selection otherwise
//! (no sort), and fixed thresholds are cut points already.
//!
//! Tie-fair, "more is better": `1 + floor(k × worse / n)` with `worse` the
//! values strictly below `x`. `floor(k × worse / n) ≥ s` exactly when
//! `worse ≥ t = ceil(s × n / k)`, and at least `t` values are below `x`
//! exactly when `x` is above the `t`-th smallest value. So the score is one
//! plus the number of cuts `sorted[t_s − 1]` (s = 1..k − 1) that `x` is
//! above. "Less is better" mirrors it: `x` must be below the `t`-th largest
//! value, `sorted[n − t_s]`.

/// How a value passes a cut point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// `x > cut`
    Above,
    /// `x < cut`
    Below,
    /// `x >= cut`
    AtLeast,
    /// `x <= cut`
    AtMost,
}

/// A map from values to scores 1..=k: one plus the cut points the value passes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scorer {
    cuts: Vec<i64>,
    pass: Pass,
}

impl Scorer {
    /// Tie-fair scores of `values` (reordered in place): `1 + floor(k × worse / n)`,
    /// where `worse` counts the values strictly smaller (`more_is_better`) or
    /// strictly larger (otherwise).
    pub(crate) fn tie_fair(k: u8, values: &mut [i64], more_is_better: bool) -> Scorer {
        let n = values.len();
        let k = usize::from(k);
        let mut cuts = Vec::with_capacity(k.saturating_sub(1));
        if let (Some(&min), Some(&max)) = (values.iter().min(), values.iter().max()) {
            // The positions of the cuts in sorted order, ascending.
            let mut at: Vec<usize> =
                (1..k).map(|s| (s * n).div_ceil(k)).map(|t| if more_is_better { t - 1 } else { n - t }).collect();
            at.sort_unstable();
            let range = (i128::from(max) - i128::from(min)) as u128;
            if range <= (n + 1024) as u128 {
                // Few distinct values (days, order counts): a histogram finds the cuts in one pass.
                let mut counts = vec![0usize; range as usize + 1];
                for &v in values.iter() {
                    counts[(v - min) as usize] += 1;
                }
                let (mut below, mut next) = (0, 0);
                for (offset, &count) in counts.iter().enumerate() {
                    while next < at.len() && at[next] < below + count {
                        cuts.push(min + offset as i64);
                        next += 1;
                    }
                    below += count;
                }
            } else {
                // Each cut selected in the part right of the one before.
                let mut done = 0;
                for &p in &at {
                    if p >= done {
                        let (_, &mut v, _) = values[done..].select_nth_unstable(p - done);
                        cuts.push(v);
                        done = p + 1;
                    } else {
                        // The same position as the cut before (n < k).
                        cuts.push(values[p]);
                    }
                }
            }
        }
        Scorer { cuts, pass: if more_is_better { Pass::Above } else { Pass::Below } }
    }

    /// Fixed thresholds where reaching a cut (`x >= cut`) raises the score.
    pub(crate) fn at_least(cuts: &[i64]) -> Scorer {
        Scorer { cuts: cuts.to_vec(), pass: Pass::AtLeast }
    }

    /// Fixed thresholds where staying within a cut (`x <= cut`) raises the score.
    pub(crate) fn at_most(cuts: &[i64]) -> Scorer {
        Scorer { cuts: cuts.to_vec(), pass: Pass::AtMost }
    }

    /// The score of `x`.
    #[inline]
    pub(crate) fn score(&self, x: i64) -> u8 {
        let passed = match self.pass {
            Pass::Above => self.cuts.iter().filter(|&&c| x > c).count(),
            Pass::Below => self.cuts.iter().filter(|&&c| x < c).count(),
            Pass::AtLeast => self.cuts.iter().filter(|&&c| x >= c).count(),
            Pass::AtMost => self.cuts.iter().filter(|&&c| x <= c).count(),
        };
        1 + passed as u8
    }
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

    fn tie_fair_scores(k: u8, values: &[i64], more_is_better: bool) -> Vec<u8> {
        let s = Scorer::tie_fair(k, &mut values.to_vec(), more_is_better);
        values.iter().map(|&x| s.score(x)).collect()
    }

    #[test]
    fn cut_points_equal_the_definition() {
        let mut s: u64 = 88172645463325252;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for round in 0..200 {
            let n = 1 + (next() % 300) as usize;
            // Narrow ranges (many ties), wide ranges and extremes.
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
