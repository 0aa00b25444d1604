//! A column replaced by indices into its sorted distinct values, so that
//! anything computed from a value is computed once per distinct value.

/// The sorted distinct values of a column and, per row, the index of its value.
pub(crate) struct Distinct<T = f64> {
    /// Sorted distinct values.
    pub(crate) values: Vec<T>,
    /// Per row, the index of its value in `values`.
    pub(crate) index: Vec<u32>,
}

impl<T: Copy + PartialOrd> Distinct<T> {
    /// Indexes `column` (no NaN: callers validate first).
    pub(crate) fn new(column: impl Iterator<Item = T> + Clone) -> Distinct<T> {
        let mut values: Vec<T> = column.clone().collect();
        values.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        values.dedup_by(|a, b| a == b);
        let mut last: Option<(T, u32)> = None;
        let index = column
            .map(|v| match last {
                Some((seen, i)) if seen == v => i,
                _ => {
                    let i = values.partition_point(|w| *w < v) as u32;
                    last = Some((v, i));
                    i
                }
            })
            .collect();
        Distinct { values, index }
    }
}

/// Sorts `rows` by `key` and keeps one row per key, its `weight` the sum of
/// the weights of the rows it stands for (customers alike in everything the
/// likelihood reads count once, with their number).
pub(crate) fn merge_equal<R, K: Ord>(rows: &mut Vec<R>, key: impl Fn(&R) -> K, weight: impl Fn(&mut R) -> &mut f64) {
    rows.sort_unstable_by_key(&key);
    rows.dedup_by(|later, kept| {
        let same = key(later) == key(kept);
        if same {
            let w = *weight(later);
            *weight(kept) += w;
        }
        same
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_rows_with_equal_keys_summing_weights() {
        let mut rows = vec![(2, 1.0), (1, 0.5), (2, 3.0), (1, 1.0), (5, 2.0)];
        merge_equal(&mut rows, |r| r.0, |r| &mut r.1);
        assert_eq!(rows, [(1, 1.5), (2, 4.0), (5, 2.0)]);
    }

    #[test]
    fn indexes_rows_by_sorted_distinct_values() {
        let d = Distinct::new([3.0, 1.0, 3.0, 2.5, 1.0].into_iter());
        assert_eq!(d.values, [1.0, 2.5, 3.0]);
        assert_eq!(d.index, [2, 0, 2, 1, 0]);
    }
}
