//! The fast repeat-purchase summary (`summarize_indexed`,
//! `calibration_and_holdout_indexed`): small cases worked by hand, lifetimes'
//! options, refused input, and equality with the plain BTreeMap definition
//! (kept here as the oracle) on random input, in any input order.

use std::collections::{BTreeMap, BTreeSet};

use crm_core::ltv::{
    calibration_and_holdout, calibration_and_holdout_indexed, summarize_indexed, summarize_transactions,
    IndexedSummary, IndexedTransactions, LtvError, Period, SummaryOptions, Transaction,
};
use crm_core::time::parse_instant;
use proptest::prelude::*;

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 86_400_000_000;

fn at(text: &str) -> i64 {
    parse_instant(text).expect("instant").timestamp_micros()
}

fn row(s: &IndexedSummary, c: usize) -> (f64, f64, f64, f64) {
    (s.frequency[c], s.recency[c], s.t[c], s.monetary_value.get(c).copied().unwrap_or(f64::NAN))
}

fn opts(include_first_transaction: bool, freq_multiplier: f64) -> SummaryOptions {
    SummaryOptions { include_first_transaction, freq_multiplier }
}

fn summarize(
    c: &[u32],
    t: &[i64],
    v: &[f64],
    n: usize,
    end: i64,
    p: Period,
    o: SummaryOptions,
) -> Result<IndexedSummary, LtvError> {
    summarize_indexed(&IndexedTransactions::new(c, t, Some(v), n)?, end, p, o)
}

// ---------------------------------------------------------------------------
// By hand.

/// Customer 0 buys on day 0 (10), day 3 (20 and 4: one purchase of 24) and day
/// 5 (6); customer 1 on day 12 only, after the end (day 9): absent; customer
/// 2 never: absent.
fn days_case() -> (Vec<u32>, Vec<i64>, Vec<f64>) {
    (vec![0, 0, 1, 0, 0], vec![0, 3 * DAY, 12 * DAY, 3 * DAY + 5, 5 * DAY + 7], vec![10.0, 20.0, 99.0, 4.0, 6.0])
}

#[test]
fn days_by_hand() {
    let (c, t, v) = days_case();
    let s = summarize(&c, &t, &v, 3, 9 * DAY + 1, Period::Day, SummaryOptions::default()).expect("summary");
    assert_eq!(s.present, [true, false, false]);
    // Periods {0: 10, 3: 24, 5: 6}: frequency 3 − 1 = 2, recency 5 − 0 = 5,
    // T 9 − 0 = 9, monetary (24 + 6) / 2 = 15.
    assert_eq!(row(&s, 0), (2.0, 5.0, 9.0, 15.0));
    assert_eq!(row(&s, 1), (0.0, 0.0, 0.0, 0.0));
    assert_eq!(s.present_count(), 1);
}

#[test]
fn include_first_transaction_by_hand() {
    let (c, t, v) = days_case();
    let s = summarize(&c, &t, &v, 3, 9 * DAY, Period::Day, opts(true, 1.0)).expect("summary");
    // lifetimes: frequency = the count of purchase periods = 3; monetary value =
    // mean of every period's sum = (10 + 24 + 6) / 3 = 40 / 3.
    assert_eq!(row(&s, 0), (3.0, 5.0, 9.0, 40.0 / 3.0));
    // One purchase only: frequency 1 and its own value as the mean.
    let s = summarize(&[0], &[2 * DAY], &[7.5], 1, 4 * DAY, Period::Day, opts(true, 1.0)).expect("summary");
    assert_eq!(row(&s, 0), (1.0, 0.0, 2.0, 7.5));
}

#[test]
fn freq_multiplier_by_hand() {
    // lifetimes' own example: hours with freq_multiplier 24 give days to the hour.
    // Purchases at hour 0 (00:30) and hour 36 (day 1, 12:10); end at hour 77
    // (day 3, 05:59): recency 36 / 24 = 1.5, T 77 / 24.
    let t = [30 * 60 * 1_000_000, DAY + 12 * HOUR + 10 * 60 * 1_000_000];
    let end = 3 * DAY + 5 * HOUR + 59 * 60 * 1_000_000;
    let s = summarize(&[0, 0], &t, &[1.0, 2.0], 1, end, Period::Hour, opts(false, 24.0)).expect("summary");
    assert_eq!(row(&s, 0), (1.0, 1.5, 77.0 / 24.0, 2.0));
    // Days with a multiplier of 2: recency 5 / 2, T 9 / 2; counts unchanged.
    let (c, t, v) = days_case();
    let s = summarize(&c, &t, &v, 3, 9 * DAY, Period::Day, opts(false, 2.0)).expect("summary");
    assert_eq!(row(&s, 0), (2.0, 2.5, 4.5, 15.0));
}

#[test]
fn weeks_start_on_monday() {
    // 1970-01-01 (day 0) is a Thursday of the week from Monday 1969-12-29;
    // day 4 is Monday 1970-01-05 and day 10 Sunday 1970-01-11 (one week);
    // the end, day 20 (Wednesday 1970-01-21), is in the week of day 18: week 3.
    let s = summarize(
        &[0, 0, 0],
        &[0, 4 * DAY, 10 * DAY + 5],
        &[1.0, 2.0, 3.0],
        1,
        20 * DAY,
        Period::Week,
        opts(false, 1.0),
    )
    .expect("summary");
    // Weeks {0: 1, 1: 2 + 3}: frequency 1, recency 1, T 3, monetary 5.
    assert_eq!(row(&s, 0), (1.0, 1.0, 3.0, 5.0));
}

#[test]
fn calendar_months() {
    // 31 Jan 23:00, 1 Feb 00:00 and 15 Mar: three months, Jan → Mar = 2,
    // Jan → May (the end's month) = 4; monetary (2 + 3) / 2.
    let t = [at("2024-01-31T23:00:00Z"), at("2024-02-01T00:00:00Z"), at("2024-03-15T12:00:00Z")];
    let s = summarize(&[0, 0, 0], &t, &[1.0, 2.0, 3.0], 1, at("2024-05-02T00:00:00Z"), Period::Month, opts(false, 1.0))
        .expect("summary");
    assert_eq!(row(&s, 0), (2.0, 2.0, 4.0, 2.5));
    // A leap day and a year boundary: Dec 1999 → Feb 2000 = 2 months.
    let t = [at("1999-12-31T23:59:59Z"), at("2000-02-29T00:00:00Z")];
    let s = summarize(&[0, 0], &t, &[1.0, 2.0], 1, at("2000-02-29T12:00:00Z"), Period::Month, opts(false, 1.0))
        .expect("summary");
    assert_eq!(row(&s, 0), (1.0, 2.0, 2.0, 2.0));
}

#[test]
fn the_ends_period_counts_whole() {
    // The end is day 9 at 01:00; a purchase the same day at 23:00 is in its
    // period, so it counts (as in lifetimes, which compares period starts);
    // one on day 10 does not.
    let t = [0, 9 * DAY + 23 * HOUR, 10 * DAY];
    let s =
        summarize(&[0, 0, 0], &t, &[1.0, 2.0, 4.0], 1, 9 * DAY + HOUR, Period::Day, opts(false, 1.0)).expect("summary");
    assert_eq!(row(&s, 0), (1.0, 9.0, 9.0, 2.0));
}

#[test]
fn before_the_epoch() {
    // Day −1 is 1969-12-31 and day −8 is 1969-12-24; the end is day 0.
    let t = [-8 * DAY + 5, -1, -DAY];
    let s = summarize(&[0, 0, 0], &t, &[3.0, 1.0, 2.0], 1, 0, Period::Day, opts(false, 1.0)).expect("summary");
    // Periods {−8: 3, −1: 1 + 2}: frequency 1, recency 7, T 8, monetary 3.
    assert_eq!(row(&s, 0), (1.0, 7.0, 8.0, 3.0));
}

#[test]
fn without_values() {
    let (c, t, _) = days_case();
    let tx = IndexedTransactions::new(&c, &t, None, 3).expect("columns");
    let s = summarize_indexed(&tx, 9 * DAY, Period::Day, SummaryOptions::default()).expect("summary");
    assert!(s.monetary_value.is_empty());
    assert_eq!((s.frequency[0], s.recency[0], s.t[0]), (2.0, 5.0, 9.0));
}

#[test]
fn empty_input() {
    let tx = IndexedTransactions::new(&[], &[], None, 3).expect("columns");
    assert!(tx.is_empty());
    let s = summarize_indexed(&tx, 0, Period::Day, SummaryOptions::default()).expect("summary");
    assert_eq!(s.present, [false; 3]);
    let tx = IndexedTransactions::new(&[], &[], Some(&[]), 0).expect("columns");
    let s = summarize_indexed(&tx, 0, Period::Month, SummaryOptions::default()).expect("summary");
    assert!(s.present.is_empty() && s.monetary_value.is_empty());
    let s = calibration_and_holdout_indexed(&tx, 0, DAY, Period::Day, SummaryOptions::default()).expect("split");
    assert_eq!(s.duration_holdout, 1.0);
    assert_eq!(summarize_transactions(&[], 0, Period::Day), Default::default());
}

#[test]
fn extreme_instants_do_not_panic() {
    let t = [i64::MIN, i64::MAX, -1, 0, i64::MIN + 1, i64::MAX - 1];
    let c = [0, 0, 1, 1, 2, 2];
    for p in [Period::Hour, Period::Day, Period::Week, Period::Month] {
        for end in [i64::MIN, 0, i64::MAX] {
            let s = summarize(&c, &t, &[1.0; 6], 3, end, p, opts(true, 1.0)).expect("summary");
            assert!(s.recency.iter().chain(&s.t).all(|x| x.is_finite()));
            let tx = IndexedTransactions::new(&c, &t, None, 3).expect("columns");
            let h = calibration_and_holdout_indexed(&tx, end, i64::MAX, p, opts(false, 3.0)).expect("split");
            assert!(h.duration_holdout.is_finite());
        }
    }
    // With the end at i64::MAX every transaction counts: customer 0 spans
    // i64::MIN to i64::MAX, about 584,542 years.
    let s = summarize(&c, &t, &[1.0; 6], 3, i64::MAX, Period::Day, opts(false, 1.0)).expect("summary");
    assert_eq!(s.recency[0], (i64::MAX / DAY - i64::MIN.div_euclid(DAY)) as f64);
}

#[test]
fn refused_input() {
    let field = |e: LtvError| match e {
        LtvError::InvalidOption { field, .. } => field,
        other => panic!("unexpected {other:?}"),
    };
    let e = IndexedTransactions::new(&[0, 3], &[0, 0], None, 3).expect_err("index 3 of 3");
    assert_eq!((e.code(), field(e)), ("invalid_option", "customer".to_string()));
    let e = IndexedTransactions::new(&[0, 1], &[0], None, 3).expect_err("lengths");
    assert_eq!(field(e), "at");
    let e = IndexedTransactions::new(&[0], &[0], Some(&[1.0, 2.0]), 3).expect_err("lengths");
    assert_eq!(field(e), "value");
    let e = IndexedTransactions::new(&[0], &[0], Some(&[f64::NAN]), 3).expect_err("NaN");
    assert_eq!(field(e), "value");
    if let Ok(too_many) = usize::try_from((1u64 << 32) + 1) {
        let e = IndexedTransactions::new(&[], &[], None, too_many).expect_err("more than 2^32 customers");
        assert_eq!(field(e), "customers");
        assert!(IndexedTransactions::new(&[u32::MAX], &[0], None, too_many - 1).is_ok());
    }
    let tx = IndexedTransactions::new(&[0], &[0], None, 1).expect("columns");
    for m in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = summarize_indexed(&tx, 0, Period::Day, opts(false, m)).expect_err("multiplier");
        assert_eq!(field(e), "freq_multiplier");
        let e = calibration_and_holdout_indexed(&tx, 0, 1, Period::Day, opts(false, m)).expect_err("multiplier");
        assert_eq!(field(e), "freq_multiplier");
    }
}

#[test]
fn calibration_and_holdout_by_hand() {
    // Calibration end: day 10 at 12:00; observation end: day 20 at 00:00.
    // Customer 0: days 0 (10) and 4 (6) in calibration; day 10 at 18:00 (8),
    // day 12 (30 and 2) and day 20 at 06:00 (100, after the observation end)
    // in the holdout. Customer 1: only day 15 (new in the holdout: absent).
    let c = [0, 0, 0, 0, 0, 0, 1];
    let t = [0, 4 * DAY, 10 * DAY + 18 * HOUR, 12 * DAY, 12 * DAY + 1, 20 * DAY + 6 * HOUR, 15 * DAY];
    let v = [10.0, 6.0, 8.0, 30.0, 2.0, 100.0, 7.0];
    let tx = IndexedTransactions::new(&c, &t, Some(&v), 2).expect("columns");
    let (cal, obs) = (10 * DAY + 12 * HOUR, 20 * DAY);
    let s = calibration_and_holdout_indexed(&tx, cal, obs, Period::Day, SummaryOptions::default()).expect("split");
    assert_eq!(s.calibration.present, [true, false]);
    // Calibration periods {0: 10, 4: 6}; T from day 0 to the calibration end's day 10.
    assert_eq!(row(&s.calibration, 0), (1.0, 4.0, 10.0, 6.0));
    // Holdout purchases 8 (day 10), 30 and 2 (day 12): periods {10, 12} = 2,
    // mean per purchase (8 + 30 + 2) / 3 = 40 / 3; duration 20 − 10 = 10.
    assert_eq!((s.frequency_holdout[0], s.monetary_value_holdout[0]), (2.0, 40.0 / 3.0));
    assert_eq!(s.duration_holdout, 10.0);
    // include_first_transaction and freq_multiplier 2: frequency 2, monetary
    // (10 + 6) / 2 = 8, recency 4 / 2, T 10 / 2, duration 10 / 2; the holdout
    // counts do not change.
    let s = calibration_and_holdout_indexed(&tx, cal, obs, Period::Day, opts(true, 2.0)).expect("split");
    assert_eq!(row(&s.calibration, 0), (2.0, 2.0, 5.0, 8.0));
    assert_eq!((s.frequency_holdout[0], s.monetary_value_holdout[0], s.duration_holdout), (2.0, 40.0 / 3.0, 5.0));
    // An observation end before the calibration end: empty holdout, negative duration.
    let s = calibration_and_holdout_indexed(&tx, cal, 5 * DAY, Period::Day, SummaryOptions::default()).expect("split");
    assert_eq!((s.frequency_holdout[0], s.monetary_value_holdout[0], s.duration_holdout), (0.0, 0.0, -5.0));
    assert_eq!(row(&s.calibration, 0), (1.0, 4.0, 10.0, 6.0));
}

// ---------------------------------------------------------------------------
// Against the plain definition.

/// The original BTreeMap implementation, extended with lifetimes' options: the oracle.
#[allow(clippy::type_complexity)]
fn oracle(tx: &[(u32, i64, f64)], end: i64, period: Period, o: SummaryOptions) -> BTreeMap<u32, (f64, f64, f64, f64)> {
    let end_start = period.start(end);
    let mut by: BTreeMap<u32, BTreeMap<i64, f64>> = BTreeMap::new();
    for &(c, t, v) in tx {
        let p = period.start(t);
        if p <= end_start {
            *by.entry(c).or_default().entry(p).or_insert(0.0) += v;
        }
    }
    by.into_iter()
        .map(|(c, periods)| {
            let first = *periods.keys().next().expect("a period");
            let last = *periods.keys().next_back().expect("a period");
            let skip = usize::from(!o.include_first_transaction);
            let sums: Vec<f64> = periods.values().skip(skip).copied().collect();
            let m = if sums.is_empty() { 0.0 } else { sums.iter().sum::<f64>() / sums.len() as f64 };
            let f = o.freq_multiplier;
            let row = (
                sums.len() as f64,
                period.count_between(first, last) as f64 / f,
                period.count_between(first, end_start) as f64 / f,
                m,
            );
            (c, row)
        })
        .collect()
}

fn period_strategy() -> impl Strategy<Value = Period> {
    prop_oneof![Just(Period::Hour), Just(Period::Day), Just(Period::Week), Just(Period::Month)]
}

/// Transactions of up to 6 customers over about 3 years around the epoch;
/// values are quarters, so that every sum is exact in any order.
fn tx_strategy() -> impl Strategy<Value = Vec<(u32, i64, f64)>> {
    prop::collection::vec((0u32..6, -500 * DAY..600 * DAY, -40i32..200), 0..60)
        .prop_map(|v| v.into_iter().map(|(c, t, q)| (c, t, f64::from(q) / 4.0)).collect())
}

fn columns(tx: &[(u32, i64, f64)]) -> (Vec<u32>, Vec<i64>, Vec<f64>) {
    (tx.iter().map(|t| t.0).collect(), tx.iter().map(|t| t.1).collect(), tx.iter().map(|t| t.2).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn equals_the_plain_definition(
        tx in tx_strategy(),
        end in -300 * DAY..700 * DAY,
        period in period_strategy(),
        include_first in any::<bool>(),
        mult in prop_oneof![Just(1.0), Just(24.0), Just(7.0), Just(0.5)],
    ) {
        let o = opts(include_first, mult);
        let (c, t, v) = columns(&tx);
        let s = summarize(&c, &t, &v, 7, end, period, o).expect("summary");
        let want = oracle(&tx, end, period, o);
        for c in 0..7u32 {
            match want.get(&c) {
                Some(w) => {
                    prop_assert!(s.present[c as usize]);
                    prop_assert_eq!(row(&s, c as usize), *w);
                }
                None => prop_assert!(!s.present[c as usize]),
            }
        }
        // The keyed entry point gives the same rows, sorted by key.
        let names = ["a", "b", "c", "d", "e", "f", "g"];
        let keyed: Vec<Transaction<'_>> =
            tx.iter().map(|&(c, at, value)| Transaction { customer: names[c as usize], at, value }).collect();
        if o == SummaryOptions::default() {
            let k = summarize_transactions(&keyed, end, period);
            let ids: Vec<String> = want.keys().map(|&c| names[c as usize].to_string()).collect();
            prop_assert_eq!(&k.customer_id, &ids);
            for (i, w) in want.values().enumerate() {
                prop_assert_eq!((k.frequency[i], k.recency[i], k.t[i], k.monetary_value[i]), *w);
            }
        }
    }

    #[test]
    fn calibration_equals_the_plain_definition(
        tx in tx_strategy(),
        cal in -300 * DAY..500 * DAY,
        span in -10 * DAY..300 * DAY,
        period in period_strategy(),
    ) {
        let obs = cal + span;
        let (c, t, v) = columns(&tx);
        let idx = IndexedTransactions::new(&c, &t, Some(&v), 6).expect("columns");
        let s = calibration_and_holdout_indexed(&idx, cal, obs, period, SummaryOptions::default()).expect("split");
        let before: Vec<_> = tx.iter().copied().filter(|t| t.1 <= cal).collect();
        let want = oracle(&before, cal, period, SummaryOptions::default());
        let mut holdout: BTreeMap<u32, (BTreeSet<i64>, f64, usize)> = BTreeMap::new();
        for &(c, at, v) in tx.iter().filter(|t| t.1 > cal && t.1 <= obs) {
            let h = holdout.entry(c).or_default();
            h.0.insert(period.start(at));
            h.1 += v;
            h.2 += 1;
        }
        for c in 0..6u32 {
            let i = c as usize;
            prop_assert_eq!(s.calibration.present[i], want.contains_key(&c));
            if let Some(w) = want.get(&c) {
                prop_assert_eq!(row(&s.calibration, i), *w);
            }
            let (f, m) = holdout.get(&c).map_or((0.0, 0.0), |h| (h.0.len() as f64, h.1 / h.2 as f64));
            prop_assert_eq!((s.frequency_holdout[i], s.monetary_value_holdout[i]), (f, m));
        }
        prop_assert_eq!(s.duration_holdout, period.count_between(cal, obs) as f64);
        // The keyed entry point: the same, for the calibration's customers in key order.
        let names = ["a", "b", "c", "d", "e", "f"];
        let keyed: Vec<Transaction<'_>> =
            tx.iter().map(|&(c, at, value)| Transaction { customer: names[c as usize], at, value }).collect();
        let k = calibration_and_holdout(&keyed, cal, obs, period);
        prop_assert_eq!(k.calibration.customer_id.len(), want.len());
        for (i, c) in want.keys().enumerate() {
            prop_assert_eq!(&k.calibration.customer_id[i], names[*c as usize]);
            prop_assert_eq!(k.frequency_holdout[i], s.frequency_holdout[*c as usize]);
            prop_assert_eq!(k.monetary_value_holdout[i], s.monetary_value_holdout[*c as usize]);
        }
    }

    /// Any float values, in any input order: the same bits.
    #[test]
    fn input_order_does_not_matter(
        tx in prop::collection::vec((0u32..5, -50 * DAY..50 * DAY, -1e6f64..1e6), 0..80)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        end in -20 * DAY..60 * DAY,
        period in period_strategy(),
        include_first in any::<bool>(),
    ) {
        let (a, b) = tx;
        let o = opts(include_first, 1.0);
        let (c1, t1, v1) = columns(&a);
        let (c2, t2, v2) = columns(&b);
        let s1 = summarize(&c1, &t1, &v1, 5, end, period, o).expect("summary");
        let s2 = summarize(&c2, &t2, &v2, 5, end, period, o).expect("summary");
        let bits = |s: &IndexedSummary| -> Vec<u64> { s.monetary_value.iter().map(|x| x.to_bits()).collect() };
        prop_assert_eq!(bits(&s1), bits(&s2));
        prop_assert_eq!(&s1, &s2);
        let i1 = IndexedTransactions::new(&c1, &t1, Some(&v1), 5).expect("columns");
        let i2 = IndexedTransactions::new(&c2, &t2, Some(&v2), 5).expect("columns");
        let h1 = calibration_and_holdout_indexed(&i1, end, end + 20 * DAY, period, o).expect("split");
        let h2 = calibration_and_holdout_indexed(&i2, end, end + 20 * DAY, period, o).expect("split");
        let hbits = |h: &[f64]| -> Vec<u64> { h.iter().map(|x| x.to_bits()).collect() };
        prop_assert_eq!(hbits(&h1.monetary_value_holdout), hbits(&h2.monetary_value_holdout));
        prop_assert_eq!(h1, h2);
    }
}
