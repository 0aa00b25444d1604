//! RFM: recency, frequency and monetary value per customer, scored 1..k.
//!
//! - recency = whole days since the last paid order (`days_since_last_order`
//!   of the facts: floor of the elapsed time / 24 h);
//! - frequency = paid orders (`order_count`: paid, fulfilled or partially
//!   refunded, not refunded in full);
//! - monetary = net spend (`net_spend`: totals minus refunds), in one currency.
//!
//! Customers without a paid order get no scores (they are the prospects).
//!
//! Default scoring is tie-fair and independent of input order:
//! `score = 1 + floor(k × (number of scored customers with a strictly worse
//! value) / N)`, where a worse recency is *more* days and a worse frequency or
//! monetary value is *less*. This is `1 + floor(k * (rank() OVER (ORDER BY x)
//! - 1) / count(*) OVER ())` in SQL, with the order reversed for recency.
//! Fixed thresholds ([`RfmThresholds`]) are the alternative.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::column::StrColumn;
use crate::facts::CustomerFacts;
use crate::join::{Join, Sequential};
use crate::money::Currency;

use super::rank::Scorer;
use super::SegmentError;

/// Fixed score thresholds: `k − 1` strictly ascending cut points per measure.
///
/// - recency: a customer whose recency is at most `recency_days[0]` scores `k`,
///   at most `recency_days[1]` scores `k − 1`, …, above the last cut scores 1;
/// - frequency and monetary: the score is 1 plus the number of cuts the value
///   reaches (`≥`).
///
/// ```
/// use crm_core::segment::RfmThresholds;
/// // k = 5: ≤ 30 days → 5, ≤ 90 → 4, ≤ 180 → 3, ≤ 365 → 2, older → 1; 2 orders → 2, … 10+ → 5.
/// let t = RfmThresholds { recency_days: vec![30, 90, 180, 365], frequency: vec![2, 3, 5, 10],
///                         monetary: vec![10_000, 50_000, 100_000, 500_000] };
/// # let _ = t;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfmThresholds {
    /// Upper bounds of recency (days) for scores k, k − 1, …, 2.
    pub recency_days: Vec<i64>,
    /// Lower bounds of frequency (orders) for scores 2, …, k.
    pub frequency: Vec<i64>,
    /// Lower bounds of monetary value (minor units) for scores 2, …, k.
    pub monetary: Vec<i64>,
}

/// Options of [`rfm_scores`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RfmOptions {
    /// Number of scores, 3 to 10 (default 5).
    pub k: u8,
    /// Fixed thresholds instead of the tie-fair ranking.
    pub thresholds: Option<RfmThresholds>,
    /// Only orders placed in the last `window_days` × 24 h before the
    /// instant count (default: all history). 1 to 36 500.
    pub window_days: Option<u32>,
}

impl RfmOptions {
    /// Options from their JSON form, `{"k": 5, "thresholds": {"recency_days": […],
    /// "frequency": […], "monetary": […]}, "window_days": 365}` (every field optional).
    ///
    /// # Errors
    /// [`SegmentError::InvalidOption`] (field `rfm`) for unknown fields or wrong types.
    ///
    /// ```
    /// use crm_core::segment::RfmOptions;
    /// let o = RfmOptions::from_json(&serde_json::json!({"k": 4}))?;
    /// assert_eq!((o.k, o.thresholds), (4, None));
    /// assert!(RfmOptions::from_json(&serde_json::json!({"kk": 4})).is_err());
    /// # Ok::<(), crm_core::segment::SegmentError>(())
    /// ```
    pub fn from_json(v: &Value) -> Result<RfmOptions, SegmentError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Options {
            k: Option<u8>,
            thresholds: Option<RfmThresholds>,
            window_days: Option<u32>,
        }
        let o: Options = serde_json::from_value(v.clone()).map_err(|e| invalid("rfm", e.to_string()))?;
        Ok(RfmOptions {
            k: o.k.unwrap_or(RfmOptions::default().k),
            thresholds: o.thresholds,
            window_days: o.window_days,
        })
    }

    /// The window's start (µs, exclusive) for an instant, when there is a window.
    ///
    /// # Errors
    /// [`SegmentError::InvalidOption`] when `window_days` is outside 1..=36500.
    ///
    /// ```
    /// use crm_core::segment::RfmOptions;
    /// let o = RfmOptions { window_days: Some(2), ..RfmOptions::default() };
    /// assert_eq!(o.window_start(10 * 86_400_000_000)?, Some(8 * 86_400_000_000));
    /// # Ok::<(), crm_core::segment::SegmentError>(())
    /// ```
    pub fn window_start(&self, as_of: i64) -> Result<Option<i64>, SegmentError> {
        match self.window_days {
            None => Ok(None),
            Some(d) if (1..=36_500).contains(&d) => Ok(Some(as_of.saturating_sub(i64::from(d) * 86_400_000_000))),
            Some(d) => Err(invalid("window_days", format!("must be 1 to 36500 days, got {d}"))),
        }
    }
}

impl Default for RfmOptions {
    fn default() -> Self {
        RfmOptions { k: 5, thresholds: None, window_days: None }
    }
}

/// RFM values and scores, one row per customer of the facts, in the same order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RfmScores {
    /// Customer keys (as in the facts).
    pub customer_id: StrColumn,
    /// Days since the last paid order; `None` for prospects.
    pub recency: Vec<Option<i64>>,
    /// Paid orders.
    pub frequency: Vec<u32>,
    /// Net spend in minor units of `currency`.
    pub monetary: Vec<i64>,
    /// The currency of `monetary`, `None` for prospects.
    pub currency: Vec<Option<Currency>>,
    /// Recency score 1..k; `None` for prospects.
    pub r: Vec<Option<u8>>,
    /// Frequency score 1..k; `None` for prospects.
    pub f: Vec<Option<u8>>,
    /// Monetary score 1..k; `None` for prospects.
    pub m: Vec<Option<u8>>,
}

impl RfmScores {
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customer_id.len()
    }

    /// True when there are no customers.
    pub fn is_empty(&self) -> bool {
        self.customer_id.is_empty()
    }

    /// Row `i` as a JSON object, the wire form.
    pub fn row_json(&self, i: usize) -> Value {
        json!({
            "customer_id": self.customer_id.get(i),
            "recency": self.recency[i],
            "frequency": self.frequency[i],
            "monetary": self.monetary[i],
            "currency": self.currency[i].map(|c| c.code().to_string()),
            "r": self.r[i],
            "f": self.f[i],
            "m": self.m[i],
        })
    }
}

fn invalid(field: &str, message: String) -> SegmentError {
    SegmentError::InvalidOption { field: field.into(), message }
}

fn check_cuts(field: &str, cuts: &[i64], k: u8) -> Result<(), SegmentError> {
    if cuts.len() != usize::from(k) - 1 {
        return Err(invalid(field, format!("needs k − 1 = {} cut points, got {}", k - 1, cuts.len())));
    }
    if let Some(w) = cuts.windows(2).find(|w| w[0] >= w[1]) {
        return Err(invalid(field, format!("cut points must be strictly ascending, got {} then {}", w[0], w[1])));
    }
    Ok(())
}

/// RFM values and scores from customer facts. For a window, compute the
/// facts with [`FactsOptions::orders_after`](crate::facts::FactsOptions::orders_after)
/// set to [`RfmOptions::window_start`] (and `orders_only`, which is all RFM
/// needs); [`rfm_for_store`] does both.
///
/// # Errors
/// [`SegmentError::InvalidOption`] when `k` is outside 3..=10, thresholds
/// are malformed or the window is out of range; [`SegmentError::MixedCurrencies`]
/// when scored customers' net spend is in several currencies (compute the
/// facts with exchange rates).
pub fn rfm_scores(facts: &CustomerFacts, options: &RfmOptions) -> Result<RfmScores, SegmentError> {
    check_options(options)?;
    let n = facts.len();
    let bought = |i: usize| facts.order_count[i] > 0;
    one_currency((0..n).filter(|&i| bought(i)).filter_map(|i| facts.currency[i]))?;
    let recency_of = |i: usize| facts.days_since_last_order[i].unwrap_or(0);
    let scored = || (0..n).filter(|&i| bought(i));
    let values = [
        scored().map(recency_of).collect(),
        scored().map(|i| i64::from(facts.order_count[i])).collect(),
        scored().map(|i| facts.net_spend[i]).collect(),
    ];
    let [r, f, m] = scorers(options, values, &Sequential);
    let score = |s: &Scorer, x: &dyn Fn(usize) -> i64| (0..n).map(|i| bought(i).then(|| s.score(x(i)))).collect();
    Ok(RfmScores {
        customer_id: facts.customer_id.clone(),
        recency: (0..n).map(|i| facts.days_since_last_order[i].filter(|_| bought(i))).collect(),
        frequency: facts.order_count.clone(),
        monetary: facts.net_spend.clone(),
        currency: (0..n).map(|i| facts.currency[i].filter(|_| bought(i))).collect(),
        r: score(&r, &recency_of),
        f: score(&f, &|i| i64::from(facts.order_count[i])),
        m: score(&m, &|i| facts.net_spend[i]),
    })
}

/// Checks `k`, the thresholds and the window of the options.
pub(super) fn check_options(options: &RfmOptions) -> Result<(), SegmentError> {
    let k = options.k;
    if !(3..=10).contains(&k) {
        return Err(invalid("k", format!("must be 3 to 10, got {k}")));
    }
    options.window_start(0)?;
    if let Some(t) = &options.thresholds {
        check_cuts("thresholds.recency_days", &t.recency_days, k)?;
        check_cuts("thresholds.frequency", &t.frequency, k)?;
        check_cuts("thresholds.monetary", &t.monetary, k)?;
    }
    Ok(())
}

/// [`SegmentError::MixedCurrencies`], naming the two smallest, when the
/// scored customers' currencies are not all one.
pub(super) fn one_currency(currencies: impl Iterator<Item = Currency>) -> Result<(), SegmentError> {
    let (mut first, mut second): (Option<Currency>, Option<Currency>) = (None, None);
    for c in currencies {
        match first {
            None => first = Some(c),
            Some(f) if c < f => {
                second = Some(f);
                first = Some(c);
            }
            Some(f) if c > f && second.is_none_or(|s| c < s) => second = Some(c),
            _ => {}
        }
    }
    match (first, second) {
        (Some(first), Some(second)) => Err(SegmentError::MixedCurrencies { first, second }),
        _ => Ok(()),
    }
}

/// The scorers of recency (days), frequency and monetary value, from the
/// scored customers' values (reordered in place). Tie-fair, the monetary
/// cut points are selected beside the other two.
pub(super) fn scorers(
    options: &RfmOptions,
    [mut recency, mut frequency, mut monetary]: [Vec<i64>; 3],
    join: &impl Join,
) -> [Scorer; 3] {
    let k = options.k;
    match &options.thresholds {
        None => {
            let ((r, f), m) = join.join(
                || (Scorer::tie_fair(k, &mut recency, false), Scorer::tie_fair(k, &mut frequency, true)),
                || Scorer::tie_fair(k, &mut monetary, true),
            );
            [r, f, m]
        }
        Some(t) => [Scorer::at_most(&t.recency_days), Scorer::at_least(&t.frequency), Scorer::at_least(&t.monetary)],
    }
}

/// RFM of a store as of an instant: the order facts (over the window when
/// there is one) and their scores.
///
/// # Errors
/// The facts errors, and as [`rfm_scores`].
///
/// ```
/// use crm_core::facts::FactsOptions;
/// use crm_core::model::Store;
/// use crm_core::segment::{rfm_for_store, RfmOptions};
/// use crm_core::time::parse_instant;
/// let store = Store::from_json(r#"{"orders": [
///   {"id": "o1", "customer_id": "a", "placed_at": "2024-02-25T00:00:00Z", "currency": "EUR", "status": "paid", "subtotal": 100, "total": 100},
///   {"id": "o2", "customer_id": "a", "placed_at": "2023-02-25T00:00:00Z", "currency": "EUR", "status": "paid", "subtotal": 100, "total": 100}
/// ]}"#)?;
/// let opts = RfmOptions { window_days: Some(30), ..RfmOptions::default() };
/// let s = rfm_for_store(&store, parse_instant("2024-03-01T00:00:00Z")?, &FactsOptions::default(), &opts)?;
/// assert_eq!((s.frequency[0], s.monetary[0]), (1, 100)); // the 2023 order is outside the window
/// # Ok::<(), crm_core::error::Error>(())
/// ```
pub fn rfm_for_store(
    store: &crate::model::Store,
    as_of: crate::time::Instant,
    facts: &crate::facts::FactsOptions,
    options: &RfmOptions,
) -> Result<RfmScores, crate::error::Error> {
    let f =
        crate::facts::customer_facts(store, as_of, &rfm_facts_options(facts, options, crate::time::to_micros(as_of))?)?;
    Ok(rfm_scores(&f, options)?)
}

/// The facts options RFM needs: order facts only, over the window.
///
/// # Errors
/// As [`RfmOptions::window_start`].
pub fn rfm_facts_options(
    facts: &crate::facts::FactsOptions,
    options: &RfmOptions,
    as_of: i64,
) -> Result<crate::facts::FactsOptions, SegmentError> {
    Ok(crate::facts::FactsOptions { orders_after: options.window_start(as_of)?, orders_only: true, ..facts.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Facts with only the columns RFM reads.
    fn facts(rows: &[(&str, Option<i64>, u32, i64)]) -> CustomerFacts {
        let eur = Currency::new("EUR").ok();
        let mut f = CustomerFacts::with_capacity(rows.len());
        for &(id, days, count, spend) in rows {
            f.customer_id.push(id);
            f.days_since_last_order.push(days);
            f.order_count.push(count);
            f.net_spend.push(spend);
            f.currency.push(if count > 0 { eur } else { None });
        }
        f
    }

    #[test]
    fn ranked_scores_by_hand() {
        // Five buyers and a prospect, k = 5, N = 5.
        // recency days: a 3, b 10, c 10, d 40, e 200 → worse (more days): a 4, b 2, c 2, d 1, e 0
        //   → 1 + floor(5·4/5) = 5, 1 + floor(5·2/5) = 3, 3, 1 + floor(5/5) = 2, 1.
        // frequency: a 1, b 4, c 2, d 2, e 9 → worse (fewer): a 0, b 3, c 1, d 1, e 4 → 1, 4, 2, 2, 5.
        // monetary: a 500, b 500, c 100, d 9000, e 700 → worse: a 1, b 1, c 0, d 4, e 3 → 2, 2, 1, 5, 4.
        let f = facts(&[
            ("a", Some(3), 1, 500),
            ("b", Some(10), 4, 500),
            ("c", Some(10), 2, 100),
            ("d", Some(40), 2, 9000),
            ("e", Some(200), 9, 700),
            ("p", None, 0, 0),
        ]);
        let s = rfm_scores(&f, &RfmOptions::default()).expect("scores");
        let col = |v: &[Option<u8>]| v.to_vec();
        assert_eq!(col(&s.r), [Some(5), Some(3), Some(3), Some(2), Some(1), None]);
        assert_eq!(col(&s.f), [Some(1), Some(4), Some(2), Some(2), Some(5), None]);
        assert_eq!(col(&s.m), [Some(2), Some(2), Some(1), Some(5), Some(4), None]);
        assert_eq!(s.recency[5], None);
        assert_eq!(s.currency[5], None);
    }

    #[test]
    fn thresholds_by_hand() {
        let t = RfmThresholds { recency_days: vec![30, 90], frequency: vec![2, 5], monetary: vec![1000, 5000] };
        let f = facts(&[("a", Some(30), 1, 999), ("b", Some(31), 2, 1000), ("c", Some(91), 5, 5000)]);
        let s = rfm_scores(&f, &RfmOptions { k: 3, thresholds: Some(t), window_days: None }).expect("scores");
        assert_eq!(s.r, [Some(3), Some(2), Some(1)]);
        assert_eq!(s.f, [Some(1), Some(2), Some(3)]);
        assert_eq!(s.m, [Some(1), Some(2), Some(3)]);
    }

    #[test]
    fn bad_options_and_mixed_currencies() {
        let f = facts(&[("a", Some(1), 1, 1)]);
        let err = rfm_scores(&f, &RfmOptions { k: 2, ..RfmOptions::default() }).expect_err("k");
        assert_eq!(err.to_string(), "segment option `k`: must be 3 to 10, got 2");
        let t = RfmThresholds { recency_days: vec![30, 30], frequency: vec![1, 2], monetary: vec![1, 2] };
        let err = rfm_scores(&f, &RfmOptions { k: 3, thresholds: Some(t), window_days: None }).expect_err("cuts");
        assert_eq!(
            err.to_string(),
            "segment option `thresholds.recency_days`: cut points must be strictly ascending, got 30 then 30"
        );
        let mut g = facts(&[("a", Some(1), 1, 1), ("b", Some(1), 1, 1)]);
        g.currency[1] = Currency::new("TRY").ok();
        let err = rfm_scores(&g, &RfmOptions::default()).expect_err("currencies");
        assert_eq!(err.code(), "mixed_currencies");
        assert_eq!(
            err.to_string(),
            "customers' net spend is in EUR and TRY; pass exchange rates to rank them together"
        );
    }
}
