//! The two threads' sorted customers as one table: the first and second
//! half of the merged order are merged on two threads, from the point where
//! the first half ends in each thread's list.

use crm_core::column::StrColumn;
use crm_core::segment::{rfm_from_accumulators_with, RfmAccumulator, RfmOptions, RfmScores};

use super::pipe::number_of;
use super::Half;

/// The two threads' sorted customers as one table, then the scores.
pub(super) fn merge(a: Half, b: Half, as_of: i64, rfm: &RfmOptions) -> Option<RfmScores> {
    let mut currencies = a.currencies.clone();
    let b_map: Vec<u16> = b.currencies.iter().map(|&c| number_of(&mut currencies, c)).collect();
    let n = a.keys.len() + b.keys.len();
    let (i, j) = split_point(&a.keys, &b.keys, n / 2);
    let (first, second) = crate::threads::both(
        || merge_range(&a, &b, 0..i, 0..j, &b_map),
        || merge_range(&a, &b, i..a.keys.len(), j..b.keys.len(), &b_map),
    );
    let ((mut ids, mut acc), (ids_2, acc_2)) = (first.ok()?, second.ok()?);
    ids.append(&ids_2);
    acc.extend(acc_2);
    let t = std::time::Instant::now();
    let out = rfm_from_accumulators_with(ids, &acc, &currencies, as_of, rfm, &crate::threads::Threads).ok();
    if std::env::var_os("CRM_PY_TIMING").is_some() {
        eprintln!("scores {:?}", t.elapsed());
    }
    out
}

/// `(i, j)` with `i + j = k` such that `a[..i]` and `b[..j]` are the `k`
/// smallest keys of two sorted lists that share no key.
fn split_point(a: &StrColumn, b: &StrColumn, k: usize) -> (usize, usize) {
    // The first i at which a[i] no longer comes before b[k - i - 1].
    let (mut lo, mut hi) = (k.saturating_sub(b.len()), k.min(a.len()));
    while lo < hi {
        let i = (lo + hi) / 2;
        if a.get(i) < b.get(k - i - 1) {
            lo = i + 1;
        } else {
            hi = i;
        }
    }
    (lo, k - lo)
}

/// Customers `ra` of `a` and `rb` of `b` merged by key; `b`'s currency
/// numbers become those of `b_map`.
fn merge_range(
    a: &Half,
    b: &Half,
    ra: std::ops::Range<usize>,
    rb: std::ops::Range<usize>,
    b_map: &[u16],
) -> (StrColumn, Vec<RfmAccumulator>) {
    let n = ra.len() + rb.len();
    let bytes =
        a.keys.offsets()[ra.end] - a.keys.offsets()[ra.start] + b.keys.offsets()[rb.end] - b.keys.offsets()[rb.start];
    let mut ids = StrColumn::with_capacity(n, bytes);
    let mut acc = Vec::with_capacity(n);
    let (mut i, mut j) = (ra.start, rb.start);
    while i < ra.end || j < rb.end {
        let take_a = j == rb.end || (i < ra.end && a.keys.get(i) < b.keys.get(j));
        if take_a {
            ids.push(a.keys.get(i));
            acc.push(a.acc[i]);
            i += 1;
        } else {
            let mut v = b.acc[j];
            if v.currency != RfmAccumulator::NO_CURRENCY {
                v.currency = b_map[v.currency as usize];
            }
            ids.push(b.keys.get(j));
            acc.push(v);
            j += 1;
        }
    }
    (ids, acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_ends_the_first_k_of_the_merge() {
        let lists: [&[&str]; 5] = [&[], &["b"], &["a", "c", "e"], &["b", "d", "f", "g"], &["h", "i"]];
        for a in lists {
            for b in lists {
                if a.iter().any(|x| b.contains(x)) {
                    continue;
                }
                let mut merged: Vec<&str> = a.iter().chain(b.iter()).copied().collect();
                merged.sort_unstable();
                let (ca, cb): (StrColumn, StrColumn) = (a.iter().copied().collect(), b.iter().copied().collect());
                for k in 0..=merged.len() {
                    let (i, j) = split_point(&ca, &cb, k);
                    assert_eq!(i + j, k);
                    let mut first: Vec<&str> = a[..i].iter().chain(&b[..j]).copied().collect();
                    first.sort_unstable();
                    assert_eq!(first, merged[..k], "a {a:?} b {b:?} k {k}");
                }
            }
        }
    }
}
