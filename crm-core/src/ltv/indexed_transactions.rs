//! The fast repeat-purchase summary: columns of transactions over customers
//! already numbered `0..customers`, summarised in linear time.
//!
//! The semantics are those of [`summarize_transactions`](super::summarize_transactions)
//! and [`calibration_and_holdout`](super::calibration_and_holdout) (which call
//! this module), plus two options of `lifetimes`:
//! `include_first_transaction` (the first purchase period counts in
//! `frequency` and `monetary_value`) and `freq_multiplier` (`recency`, `T`
//! and `duration_holdout` are divided by it).
//!
//! How: one pass counts the transactions of each customer, a second places
//! them grouped by customer (a counting sort: one write per transaction), then
//! each customer's few transactions are sorted by (instant, value) and scanned
//! once. Sorting by value too makes the per-period sums, hence the output bits,
//! independent of the input order. Periods are numbered with integer
//! arithmetic only (days since the epoch, then the civil calendar for months),
//! so no input instant can overflow or panic.

use super::error::LtvError;
use super::transactions::Period;
use crate::time::MICROS_PER_DAY;

const MICROS_PER_HOUR: i64 = 3_600_000_000;
/// Customers a `u32` index can number.
const MAX_CUSTOMERS: u64 = 1 << 32;
/// Groups up to this long are sorted by insertion.
const INSERTION_MAX: usize = 24;

/// Options of the summary, as `lifetimes` names them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SummaryOptions {
    /// Count the first purchase period in `frequency` (then the number of
    /// purchase periods) and in `monetary_value` (then the mean of every
    /// period's sum). Off by default, as the models need.
    pub include_first_transaction: bool,
    /// `recency`, `T` and `duration_holdout` are whole periods divided by
    /// this (finite, > 0; 1 by default). E.g. hours with 24 give days with
    /// hour precision.
    pub freq_multiplier: f64,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions { include_first_transaction: false, freq_multiplier: 1.0 }
    }
}

impl SummaryOptions {
    fn check(&self) -> Result<(), LtvError> {
        if self.freq_multiplier.is_finite() && self.freq_multiplier > 0.0 {
            Ok(())
        } else {
            Err(LtvError::InvalidOption {
                field: "freq_multiplier".into(),
                message: format!("must be a finite number > 0, got {}", self.freq_multiplier),
            })
        }
    }
}

/// Transactions as columns: the customer index (`0..customers`), the instant
/// (µs since the epoch, UTC) and optionally the value of each. Checked once by
/// [`IndexedTransactions::new`].
#[derive(Clone, Copy, Debug)]
pub struct IndexedTransactions<'a> {
    customer: &'a [u32],
    at: &'a [i64],
    value: Option<&'a [f64]>,
    customers: usize,
}

impl<'a> IndexedTransactions<'a> {
    /// Checks the columns: equal lengths, `customers` at most 2³², every index
    /// below `customers`, every value finite.
    ///
    /// # Errors
    ///
    /// [`LtvError::InvalidOption`] naming the column (`customer`, `at`,
    /// `value`, `customers`) and the first bad row.
    ///
    /// # Example
    ///
    /// ```
    /// use crm_core::ltv::IndexedTransactions;
    /// assert!(IndexedTransactions::new(&[0, 1], &[5, 6], None, 2).is_ok());
    /// let e = IndexedTransactions::new(&[0, 2], &[5, 6], None, 2).unwrap_err();
    /// assert_eq!(e.code(), "invalid_option");
    /// ```
    pub fn new(
        customer: &'a [u32],
        at: &'a [i64],
        value: Option<&'a [f64]>,
        customers: usize,
    ) -> Result<IndexedTransactions<'a>, LtvError> {
        let bad = |field: &str, message: String| LtvError::InvalidOption { field: field.into(), message };
        if u64::try_from(customers).map_or(true, |c| c > MAX_CUSTOMERS) {
            return Err(bad("customers", format!("{customers} customers: at most 2^32 can be indexed by u32")));
        }
        if at.len() != customer.len() {
            return Err(bad("at", format!("{} instants for {} customer indexes", at.len(), customer.len())));
        }
        if let Some(v) = value {
            if v.len() != customer.len() {
                return Err(bad("value", format!("{} values for {} customer indexes", v.len(), customer.len())));
            }
            if let Some(row) = v.iter().position(|x| !x.is_finite()) {
                return Err(bad("value", format!("row {row}: {} is not a finite number", v[row])));
            }
        }
        if let Some(row) = customer.iter().position(|&c| c as usize >= customers) {
            return Err(bad("customer", format!("row {row}: index {} is not below {customers}", customer[row])));
        }
        Ok(IndexedTransactions { customer, at, value, customers })
    }

    /// The columns as they are, for callers that built them valid (indexes
    /// below `customers` ≤ 2³²; values may be any float).
    pub(super) fn from_parts(
        customer: &'a [u32],
        at: &'a [i64],
        value: Option<&'a [f64]>,
        customers: usize,
    ) -> IndexedTransactions<'a> {
        IndexedTransactions { customer, at, value, customers }
    }

    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True without transactions.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// Number of customers (the length of every output column).
    pub fn customers(&self) -> usize {
        self.customers
    }
}

/// The summary per customer index. Every column has one entry per customer;
/// a customer without a transaction in the window is not `present` (and has
/// zeros).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexedSummary {
    /// The customer has a purchase at or before the end's period.
    pub present: Vec<bool>,
    /// Purchase periods minus one (or all of them with `include_first_transaction`).
    pub frequency: Vec<f64>,
    /// First to last purchase period, in periods / `freq_multiplier`.
    pub recency: Vec<f64>,
    /// First purchase period to the end's period, in periods / `freq_multiplier`.
    pub t: Vec<f64>,
    /// Mean of the per-period sums after the first (or of all of them with
    /// `include_first_transaction`), 0 without such a period. Empty when the
    /// transactions have no values.
    pub monetary_value: Vec<f64>,
}

impl IndexedSummary {
    fn zeros(customers: usize, values: bool) -> IndexedSummary {
        IndexedSummary {
            present: vec![false; customers],
            frequency: vec![0.0; customers],
            recency: vec![0.0; customers],
            t: vec![0.0; customers],
            monetary_value: if values { vec![0.0; customers] } else { Vec::new() },
        }
    }

    /// Number of present customers.
    pub fn present_count(&self) -> usize {
        self.present.iter().filter(|&&p| p).count()
    }
}

/// A calibration summary and the holdout of every customer, by customer index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexedCalibrationHoldout {
    /// The summary of the transactions at or before the calibration end.
    pub calibration: IndexedSummary,
    /// Purchase periods after the calibration end, up to the observation end.
    /// Given for every customer (lifetimes keeps only the calibration's).
    pub frequency_holdout: Vec<f64>,
    /// Mean value of those purchases themselves (per transaction, as
    /// lifetimes), 0 when none. Empty when the transactions have no values.
    pub monetary_value_holdout: Vec<f64>,
    /// Whole periods from the calibration end's to the observation end's, / `freq_multiplier`.
    pub duration_holdout: f64,
}

/// Summarises transactions up to the period of `end` (µs, UTC): the fast
/// form of [`summarize_transactions`](super::summarize_transactions), with
/// lifetimes' options.
///
/// # Errors
///
/// [`LtvError::InvalidOption`] for a `freq_multiplier` that is not finite and > 0.
///
/// # Example
///
/// ```
/// use crm_core::ltv::{summarize_indexed, IndexedTransactions, Period, SummaryOptions};
/// let day = 86_400_000_000i64;
/// // Customer 0 buys on days 0, 3 and 3 again (one period of 20 + 4); customer 2 never.
/// let at = [0, 3 * day, 2 * day, 3 * day + 5];
/// let tx = IndexedTransactions::new(&[0, 0, 1, 0], &at, Some(&[10.0, 20.0, 7.0, 4.0]), 3)?;
/// let s = summarize_indexed(&tx, 9 * day, Period::Day, SummaryOptions::default())?;
/// assert_eq!(s.present, [true, true, false]);
/// assert_eq!((s.frequency[0], s.recency[0], s.t[0], s.monetary_value[0]), (1.0, 3.0, 9.0, 24.0));
/// assert_eq!((s.frequency[1], s.recency[1], s.t[1], s.monetary_value[1]), (0.0, 0.0, 7.0, 0.0));
/// # Ok::<(), crm_core::ltv::LtvError>(())
/// ```
pub fn summarize_indexed(
    tx: &IndexedTransactions<'_>,
    end: i64,
    period: Period,
    options: SummaryOptions,
) -> Result<IndexedSummary, LtvError> {
    options.check()?;
    Ok(summarize_checked(tx, end, period, options))
}

/// Splits transactions at `calibration_end`, as lifetimes'
/// `calibration_and_holdout_data`: the calibration summary covers the
/// purchases at or before it (with `options`); the holdout counts each
/// customer's purchase periods after it and at or before `observation_end`
/// and averages those purchases' values. An observation end before the
/// calibration end leaves the holdout empty (and the duration negative).
///
/// # Errors
///
/// [`LtvError::InvalidOption`] for a `freq_multiplier` that is not finite and > 0.
///
/// # Example
///
/// ```
/// use crm_core::ltv::{calibration_and_holdout_indexed, IndexedTransactions, Period, SummaryOptions};
/// let day = 86_400_000_000i64;
/// let at = [0, 12 * day, 15 * day];
/// let tx = IndexedTransactions::new(&[0, 0, 1], &at, Some(&[10.0, 30.0, 7.0]), 2)?;
/// let s = calibration_and_holdout_indexed(&tx, 10 * day, 20 * day, Period::Day, SummaryOptions::default())?;
/// assert_eq!(s.calibration.present, [true, false]); // customer 1 is new in the holdout
/// assert_eq!((s.frequency_holdout[0], s.monetary_value_holdout[0], s.duration_holdout), (1.0, 30.0, 10.0));
/// # Ok::<(), crm_core::ltv::LtvError>(())
/// ```
pub fn calibration_and_holdout_indexed(
    tx: &IndexedTransactions<'_>,
    calibration_end: i64,
    observation_end: i64,
    period: Period,
    options: SummaryOptions,
) -> Result<IndexedCalibrationHoldout, LtvError> {
    options.check()?;
    Ok(calibration_and_holdout_checked(tx, calibration_end, observation_end, period, options))
}

/// [`summarize_indexed`] once the options are known to be valid.
pub(super) fn summarize_checked(
    tx: &IndexedTransactions<'_>,
    end: i64,
    period: Period,
    options: SummaryOptions,
) -> IndexedSummary {
    let end_p = period_index(period, end);
    let groups = Groups::build(tx, last_instant_of(period, end_p));
    let mut out = IndexedSummary::zeros(tx.customers, tx.value.is_some());
    for c in 0..tx.customers {
        let g = groups.sorted(c);
        out.set(c, &calibration_scan(g, period, end_p, options));
    }
    out
}

/// [`calibration_and_holdout_indexed`] once the options are known to be valid.
pub(super) fn calibration_and_holdout_checked(
    tx: &IndexedTransactions<'_>,
    calibration_end: i64,
    observation_end: i64,
    period: Period,
    options: SummaryOptions,
) -> IndexedCalibrationHoldout {
    let cal_p = period_index(period, calibration_end);
    let groups = Groups::build(tx, calibration_end.max(observation_end));
    let values = tx.value.is_some();
    let n = tx.customers;
    let mut calibration = IndexedSummary::zeros(n, values);
    let mut frequency_holdout = vec![0.0; n];
    let mut monetary_value_holdout = if values { vec![0.0; n] } else { Vec::new() };
    for (c, freq) in frequency_holdout.iter_mut().enumerate() {
        let g = groups.sorted(c);
        // Sorted by instant: the calibration is a prefix, the rest is the holdout.
        let k = g.partition_point(|&(at, _)| at <= calibration_end);
        calibration.set(c, &calibration_scan(&g[..k], period, cal_p, options));
        let holdout = &g[k..];
        if !holdout.is_empty() {
            let mut periods = 0u64;
            let mut last = None;
            let mut sum = 0.0;
            for &(at, v) in holdout {
                let p = period_index(period, at);
                if last != Some(p) {
                    periods += 1;
                    last = Some(p);
                }
                sum += v;
            }
            *freq = periods as f64;
            if let Some(m) = monetary_value_holdout.get_mut(c) {
                *m = sum / holdout.len() as f64;
            }
        }
    }
    let duration = period_index(period, observation_end) - cal_p;
    IndexedCalibrationHoldout {
        calibration,
        frequency_holdout,
        monetary_value_holdout,
        duration_holdout: duration as f64 / options.freq_multiplier,
    }
}

/// One customer's summary, before it is written into the columns.
struct Row {
    present: bool,
    frequency: f64,
    recency: f64,
    t: f64,
    monetary_value: f64,
}

impl IndexedSummary {
    fn set(&mut self, c: usize, r: &Row) {
        if !r.present {
            return;
        }
        if let (Some(p), Some(f), Some(rec), Some(t)) =
            (self.present.get_mut(c), self.frequency.get_mut(c), self.recency.get_mut(c), self.t.get_mut(c))
        {
            (*p, *f, *rec, *t) = (true, r.frequency, r.recency, r.t);
        }
        if let Some(m) = self.monetary_value.get_mut(c) {
            *m = r.monetary_value;
        }
    }
}

/// The summary of one customer's transactions, sorted by (instant, value),
/// all in periods at or before `end_p`.
fn calibration_scan(g: &[(i64, f64)], period: Period, end_p: i64, options: SummaryOptions) -> Row {
    let Some(&(first_at, _)) = g.first() else {
        return Row { present: false, frequency: 0.0, recency: 0.0, t: 0.0, monetary_value: 0.0 };
    };
    let first_p = period_index(period, first_at);
    let mut periods = 1u64;
    let mut cur_p = first_p;
    let mut cur_sum = 0.0;
    // Sum and number of the period sums that enter the mean.
    let (mut mean_sum, mut mean_n) = (0.0, 0u64);
    let mut counted = options.include_first_transaction;
    for &(at, v) in g {
        let p = period_index(period, at);
        if p != cur_p {
            if counted {
                mean_sum += cur_sum;
                mean_n += 1;
            }
            counted = true;
            periods += 1;
            cur_p = p;
            cur_sum = 0.0;
        }
        cur_sum += v;
    }
    if counted {
        mean_sum += cur_sum;
        mean_n += 1;
    }
    let frequency = if options.include_first_transaction { periods } else { periods - 1 };
    let m = options.freq_multiplier;
    Row {
        present: true,
        frequency: frequency as f64,
        recency: (cur_p - first_p) as f64 / m,
        t: (end_p - first_p) as f64 / m,
        monetary_value: if mean_n == 0 { 0.0 } else { mean_sum / mean_n as f64 },
    }
}

/// The transactions at or before a limit, grouped by customer (counting sort).
struct Groups {
    /// `starts[c]..starts[c + 1]` are customer `c`'s entries.
    starts: Vec<usize>,
    /// (instant, value); value 0 when the transactions have none.
    entries: Vec<(i64, f64)>,
}

impl Groups {
    fn build(tx: &IndexedTransactions<'_>, limit: i64) -> Groups {
        let mut starts = vec![0usize; tx.customers + 1];
        for (&c, &at) in tx.customer.iter().zip(tx.at) {
            if at <= limit {
                if let Some(s) = starts.get_mut(c as usize + 1) {
                    *s += 1;
                }
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let total = starts.last().copied().unwrap_or(0);
        let mut entries = vec![(0i64, 0.0f64); total];
        let mut next = starts.clone();
        let mut place = |c: u32, at: i64, v: f64| {
            if let Some(n) = next.get_mut(c as usize) {
                if let Some(e) = entries.get_mut(*n) {
                    *e = (at, v);
                }
                *n += 1;
            }
        };
        match tx.value {
            Some(values) => {
                for ((&c, &at), &v) in tx.customer.iter().zip(tx.at).zip(values) {
                    if at <= limit {
                        place(c, at, v);
                    }
                }
            }
            None => {
                for (&c, &at) in tx.customer.iter().zip(tx.at) {
                    if at <= limit {
                        place(c, at, 0.0);
                    }
                }
            }
        }
        let mut groups = Groups { starts, entries };
        groups.sort_all();
        groups
    }

    /// Customer `c`'s entries, sorted by (instant, value).
    fn sorted(&self, c: usize) -> &[(i64, f64)] {
        match (self.starts.get(c), self.starts.get(c + 1)) {
            (Some(&a), Some(&b)) => self.entries.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }
}

impl Groups {
    /// Sorts every group in place.
    fn sort_all(&mut self) {
        let Groups { starts, entries } = self;
        for w in starts.windows(2) {
            if let Some(g) = entries.get_mut(w[0]..w[1]) {
                sort_group(g);
            }
        }
    }
}

/// Sorts by (instant, value in IEEE total order): a deterministic order for
/// any input order.
fn sort_group(g: &mut [(i64, f64)]) {
    let less = |a: &(i64, f64), b: &(i64, f64)| a.0 < b.0 || (a.0 == b.0 && a.1.total_cmp(&b.1).is_lt());
    if g.len() <= INSERTION_MAX {
        for i in 1..g.len() {
            let mut j = i;
            while j > 0 && less(&g[j], &g[j - 1]) {
                g.swap(j, j - 1);
                j -= 1;
            }
        }
    } else {
        g.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.total_cmp(&b.1)));
    }
}

/// The number of the period holding `t` (µs): hours, days since the epoch,
/// weeks from Monday (week 0 holds 1970-01-01), or `year × 12 + month − 1`.
pub(super) fn period_index(period: Period, t: i64) -> i64 {
    match period {
        Period::Hour => t.div_euclid(MICROS_PER_HOUR),
        Period::Day => t.div_euclid(MICROS_PER_DAY),
        // Day 4 (1970-01-05) is a Monday.
        Period::Week => (t.div_euclid(MICROS_PER_DAY) + 3).div_euclid(7),
        Period::Month => {
            let (y, m) = civil_from_days(t.div_euclid(MICROS_PER_DAY));
            y * 12 + m - 1
        }
    }
}

/// The last instant (µs) of period `p`, or `i64::MAX` past the representable range.
fn last_instant_of(period: Period, p: i64) -> i64 {
    let next_start = p.checked_add(1).and_then(|q| match period {
        Period::Hour => q.checked_mul(MICROS_PER_HOUR),
        Period::Day => q.checked_mul(MICROS_PER_DAY),
        Period::Week => q.checked_mul(7).and_then(|d| d.checked_sub(3)).and_then(|d| d.checked_mul(MICROS_PER_DAY)),
        Period::Month => days_from_civil(q.div_euclid(12), q.rem_euclid(12) + 1).checked_mul(MICROS_PER_DAY),
    });
    next_start.map_or(i64::MAX, |s| s.saturating_sub(1))
}

/// (year, month 1..=12) of a day counted from 1970-01-01, proleptic Gregorian
/// (H. Hinnant's `civil_from_days`). Exact for every day an `i64` of µs reaches.
fn civil_from_days(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m)
}

/// Days from 1970-01-01 to the first of month `m` (1..=12) of year `y`
/// (Hinnant's `days_from_civil`); `y` is within a few hundred thousand years.
fn days_from_civil(y: i64, m: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_match_chrono() {
        use chrono::{Datelike, NaiveDate};
        for days in (-800_000i64..800_000).step_by(97) {
            let d =
                NaiveDate::from_ymd_opt(1970, 1, 1).and_then(|e| e.checked_add_signed(chrono::Duration::days(days)));
            let Some(d) = d else { continue };
            assert_eq!(civil_from_days(days), (i64::from(d.year()), i64::from(d.month())), "day {days}");
            let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).map(|f| (f - NaiveDate::default()).num_days());
            assert_eq!(Some(days_from_civil(i64::from(d.year()), i64::from(d.month()))), first);
        }
    }

    #[test]
    fn last_instant_is_the_period_boundary() {
        let day = MICROS_PER_DAY;
        for period in [Period::Hour, Period::Day, Period::Week, Period::Month] {
            for t in [-400 * day - 7, -1, 0, 1, 3 * day + 5, 10_000 * day, 40_000 * day + 17] {
                let p = period_index(period, t);
                let last = last_instant_of(period, p);
                assert_eq!(period_index(period, last), p, "{period:?} {t}");
                assert_eq!(period_index(period, last + 1), p + 1, "{period:?} {t}");
            }
            for t in [i64::MIN, i64::MAX] {
                let p = period_index(period, t);
                assert!(last_instant_of(period, p) >= t);
            }
        }
    }
}
