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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_rows_by_sorted_distinct_values() {
        let d = Distinct::new([3.0, 1.0, 3.0, 2.5, 1.0].into_iter());
        assert_eq!(d.values, [1.0, 2.5, 3.0]);
        assert_eq!(d.index, [2, 0, 2, 1, 0]);
    }
}
