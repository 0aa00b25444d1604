//! Repeat-purchase summaries from transactions, as `lifetimes`'
//! `summary_data_from_transaction_data` and `calibration_and_holdout_data`
//! define them.
//!
//! Instants are cut into periods in UTC: an hour, a day, a week from Monday
//! 00:00 (pandas' `W`), or a calendar month. Purchases in one period count as
//! one, with their values summed. Per customer:
//!
//! - `frequency`: periods with a purchase, minus one (the first);
//! - `recency`: from the first period with a purchase to the last, in periods;
//! - `T`: from the first period to the period of the observation end;
//! - `monetary_value`: the mean of the per-period sums after the first period
//!   (0 for a customer without a repeat purchase).
//!
//! Lengths count whole periods between period starts. For hours, days and
//! weeks this is what lifetimes computes; for months lifetimes divides the
//! span in days by a month length that depends on the numpy and pandas
//! versions (31 days with pandas 2.0), and we count calendar months instead.
//!
//! Both functions intern their keys and run the column-oriented fast path,
//! [`summarize_indexed`](super::summarize_indexed) and
//! [`calibration_and_holdout_indexed`](super::calibration_and_holdout_indexed).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate};

use super::indexed_transactions::{
    calibration_and_holdout_checked, period_index, summarize_checked, IndexedTransactions, SummaryOptions,
};
use crate::time::MICROS_PER_DAY;

/// The period transactions are counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// An hour.
    Hour,
    /// A day.
    Day,
    /// A week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
}

const MICROS_PER_HOUR: i64 = 3_600_000_000;

impl Period {
    /// The start (µs, UTC) of the period holding `t`.
    ///
    /// ```
    /// use crm_core::ltv::Period;
    /// let day = 86_400_000_000i64;
    /// // 1970-01-08 is a Thursday; its week starts on Monday 1970-01-05.
    /// assert_eq!(Period::Week.start(7 * day + 5), 4 * day);
    /// ```
    pub fn start(self, t: i64) -> i64 {
        match self {
            Period::Hour => t.div_euclid(MICROS_PER_HOUR) * MICROS_PER_HOUR,
            Period::Day => t.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY,
            Period::Week => {
                let d = t.div_euclid(MICROS_PER_DAY);
                (d - (d + 3).rem_euclid(7)) * MICROS_PER_DAY
            }
            Period::Month => month_index_start(month_index(t)),
        }
    }

    /// Whole periods from the one holding `a` to the one holding `b`.
    pub fn count_between(self, a: i64, b: i64) -> i64 {
        match self {
            Period::Month => month_index(b) - month_index(a),
            Period::Week => (self.start(b) - self.start(a)) / (7 * MICROS_PER_DAY),
            Period::Day => (self.start(b) - self.start(a)) / MICROS_PER_DAY,
            Period::Hour => (self.start(b) - self.start(a)) / MICROS_PER_HOUR,
        }
    }
}

fn month_index(t: i64) -> i64 {
    let date = DateTime::from_timestamp_micros(t).map_or(NaiveDate::MIN, |d| d.date_naive());
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

fn month_index_start(m: i64) -> i64 {
    let (y, m0) = (m.div_euclid(12), m.rem_euclid(12));
    NaiveDate::from_ymd_opt(y as i32, m0 as u32 + 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(i64::MIN, |d| d.and_utc().timestamp_micros())
}

/// One purchase: who, when (µs since the epoch, UTC), and its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transaction<'a> {
    /// The customer key.
    pub customer: &'a str,
    /// The instant, µs since the epoch.
    pub at: i64,
    /// The value (any unit; summed per period).
    pub value: f64,
}

/// The summary of every customer with a purchase, sorted by customer key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransactionSummary {
    /// Customer keys, sorted.
    pub customer_id: Vec<String>,
    /// Repeat purchase periods.
    pub frequency: Vec<f64>,
    /// First to last purchase, in periods.
    pub recency: Vec<f64>,
    /// First purchase to the observation end, in periods (lifetimes' `T`).
    pub t: Vec<f64>,
    /// Mean value of the repeat purchase periods.
    pub monetary_value: Vec<f64>,
}

/// Summarises `transactions` up to the period of `end` (see the module docs).
///
/// ```
/// use crm_core::ltv::{summarize_transactions, Period, Transaction};
/// let day = 86_400_000_000i64;
/// let tx = [Transaction { customer: "a", at: 0, value: 10.0 },
///           Transaction { customer: "a", at: 3 * day, value: 20.0 },
///           Transaction { customer: "a", at: 3 * day + 5, value: 4.0 },   // same day: one purchase of 24
///           Transaction { customer: "b", at: 2 * day, value: 7.0 }];
/// let s = summarize_transactions(&tx, 9 * day, Period::Day);
/// assert_eq!(s.customer_id, ["a", "b"]);
/// assert_eq!((s.frequency[0], s.recency[0], s.t[0], s.monetary_value[0]), (1.0, 3.0, 9.0, 24.0));
/// assert_eq!((s.frequency[1], s.recency[1], s.t[1], s.monetary_value[1]), (0.0, 0.0, 7.0, 0.0));
/// ```
pub fn summarize_transactions(transactions: &[Transaction<'_>], end: i64, period: Period) -> TransactionSummary {
    let ranked = Ranked::new(transactions);
    let mut out = TransactionSummary::default();
    ranked.for_each_chunk(transactions, |base, tx| {
        let s = summarize_checked(tx, end, period, SummaryOptions::default());
        for (c, _) in s.present.iter().enumerate().filter(|(_, &p)| p) {
            out.customer_id.push(ranked.keys[base + c].to_string());
            out.frequency.push(s.frequency[c]);
            out.recency.push(s.recency[c]);
            out.t.push(s.t[c]);
            out.monetary_value.push(s.monetary_value[c]);
        }
    });
    out
}

/// A calibration summary and what each of its customers did in the holdout.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CalibrationHoldout {
    /// The summary of the transactions up to `calibration_end`.
    pub calibration: TransactionSummary,
    /// Purchase periods in (calibration end, observation end], per calibration customer.
    pub frequency_holdout: Vec<f64>,
    /// Mean value of the holdout purchases themselves (not of per-period
    /// sums: lifetimes averages the transactions here), 0 when none.
    pub monetary_value_holdout: Vec<f64>,
    /// Whole periods from the calibration end to the observation end.
    pub duration_holdout: f64,
}

/// Splits transactions at `calibration_end` (as lifetimes'
/// `calibration_and_holdout_data`): the calibration summary covers purchases
/// at or before it; the holdout counts each calibration customer's purchase
/// periods after it and at or before `observation_end`, and averages those
/// purchases' values (per purchase, as lifetimes does, where the calibration
/// averages per period).
///
/// ```
/// use crm_core::ltv::{calibration_and_holdout, Period, Transaction};
/// let day = 86_400_000_000i64;
/// let tx = [Transaction { customer: "a", at: 0, value: 10.0 },
///           Transaction { customer: "a", at: 12 * day, value: 30.0 },
///           Transaction { customer: "b", at: 15 * day, value: 7.0 }];  // new in the holdout: not counted
/// let s = calibration_and_holdout(&tx, 10 * day, 20 * day, Period::Day);
/// assert_eq!(s.calibration.customer_id, ["a"]);
/// assert_eq!((s.frequency_holdout[0], s.monetary_value_holdout[0], s.duration_holdout), (1.0, 30.0, 10.0));
/// ```
pub fn calibration_and_holdout(
    transactions: &[Transaction<'_>],
    calibration_end: i64,
    observation_end: i64,
    period: Period,
) -> CalibrationHoldout {
    let ranked = Ranked::new(transactions);
    let mut out = CalibrationHoldout {
        duration_holdout: (period_index(period, observation_end) - period_index(period, calibration_end)) as f64,
        ..CalibrationHoldout::default()
    };
    ranked.for_each_chunk(transactions, |base, tx| {
        let s =
            calibration_and_holdout_checked(tx, calibration_end, observation_end, period, SummaryOptions::default());
        let cal = &s.calibration;
        for (c, _) in cal.present.iter().enumerate().filter(|(_, &p)| p) {
            out.calibration.customer_id.push(ranked.keys[base + c].to_string());
            out.calibration.frequency.push(cal.frequency[c]);
            out.calibration.recency.push(cal.recency[c]);
            out.calibration.t.push(cal.t[c]);
            out.calibration.monetary_value.push(cal.monetary_value[c]);
            out.frequency_holdout.push(s.frequency_holdout[c]);
            out.monetary_value_holdout.push(s.monetary_value_holdout[c]);
        }
    });
    out
}

/// Customer keys ranked in byte order, and each transaction's rank.
struct Ranked<'a> {
    /// Distinct keys, sorted.
    keys: Vec<&'a str>,
    /// Rank of each transaction's key.
    rank: Vec<usize>,
}

impl<'a> Ranked<'a> {
    fn new(transactions: &[Transaction<'a>]) -> Ranked<'a> {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut keys: Vec<&str> = Vec::new();
        let first: Vec<usize> = transactions
            .iter()
            .map(|t| {
                *ids.entry(t.customer).or_insert_with(|| {
                    keys.push(t.customer);
                    keys.len() - 1
                })
            })
            .collect();
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_unstable_by_key(|&i| keys[i]);
        let mut rank_of = vec![0usize; keys.len()];
        for (r, &i) in order.iter().enumerate() {
            rank_of[i] = r;
        }
        Ranked { keys: order.iter().map(|&i| keys[i]).collect(), rank: first.iter().map(|&i| rank_of[i]).collect() }
    }

    /// Calls `f(base, columns)` for each run of at most 2^32 customers (ranks
    /// `base..`), as the indexed summary numbers customers with `u32`; in
    /// practice there is one.
    fn for_each_chunk(&self, transactions: &[Transaction<'_>], mut f: impl FnMut(usize, &IndexedTransactions<'_>)) {
        let chunk = usize::try_from(1u64 << 32).unwrap_or(usize::MAX);
        let mut base = 0;
        while base < self.keys.len() {
            let customers = (self.keys.len() - base).min(chunk);
            let (mut customer, mut at, mut value) = (Vec::new(), Vec::new(), Vec::new());
            for (t, &r) in transactions.iter().zip(&self.rank) {
                if (base..base + customers).contains(&r) {
                    customer.push((r - base) as u32);
                    at.push(t.at);
                    value.push(t.value);
                }
            }
            f(base, &IndexedTransactions::from_parts(&customer, &at, Some(&value), customers));
            base += customers;
        }
    }
}
