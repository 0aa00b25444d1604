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

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate};

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
    let end_start = period.start(end);
    let mut by_customer: BTreeMap<&str, BTreeMap<i64, f64>> = BTreeMap::new();
    for tx in transactions {
        let p = period.start(tx.at);
        if p <= end_start {
            *by_customer.entry(tx.customer).or_default().entry(p).or_insert(0.0) += tx.value;
        }
    }
    let mut out = TransactionSummary::default();
    for (customer, periods) in by_customer {
        let (Some((&first, _)), Some((&last, _))) = (periods.first_key_value(), periods.last_key_value()) else {
            continue;
        };
        let repeats: Vec<f64> = periods.values().skip(1).copied().collect();
        out.customer_id.push(customer.to_string());
        out.frequency.push(repeats.len() as f64);
        out.recency.push(period.count_between(first, last) as f64);
        out.t.push(period.count_between(first, end_start) as f64);
        out.monetary_value.push(if repeats.is_empty() {
            0.0
        } else {
            repeats.iter().sum::<f64>() / repeats.len() as f64
        });
    }
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
    let before: Vec<Transaction<'_>> = transactions.iter().filter(|t| t.at <= calibration_end).copied().collect();
    let calibration = summarize_transactions(&before, calibration_end, period);
    // Per customer: the periods with a purchase, and the sum and count of the purchases.
    let mut holdout: BTreeMap<&str, (BTreeSet<i64>, f64, usize)> = BTreeMap::new();
    for tx in transactions.iter().filter(|t| t.at > calibration_end && t.at <= observation_end) {
        let h = holdout.entry(tx.customer).or_default();
        h.0.insert(period.start(tx.at));
        h.1 += tx.value;
        h.2 += 1;
    }
    let (mut frequency_holdout, mut monetary_value_holdout) = (Vec::new(), Vec::new());
    for id in &calibration.customer_id {
        match holdout.get(id.as_str()) {
            Some((periods, sum, count)) if *count > 0 => {
                frequency_holdout.push(periods.len() as f64);
                monetary_value_holdout.push(sum / *count as f64);
            }
            _ => {
                frequency_holdout.push(0.0);
                monetary_value_holdout.push(0.0);
            }
        }
    }
    let duration_holdout = period.count_between(calibration_end, observation_end) as f64;
    CalibrationHoldout { calibration, frequency_holdout, monetary_value_holdout, duration_holdout }
}
