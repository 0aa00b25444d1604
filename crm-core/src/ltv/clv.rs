//! Discounted customer lifetime value, as `lifetimes`' `customer_lifetime_value`.

use std::collections::HashMap;

use super::{BgNbdParams, GammaGammaParams, LtvError, MbgNbdParams, ParetoNbdParams};
use crate::money::{Currency, Money};

/// A model of repeat purchases that can say how many purchases a customer
/// will make next: BG/NBD, MBG/NBD and Pareto/NBD.
pub trait PurchaseModel {
    /// Expected purchases in the next `horizon` periods of a customer with
    /// frequency `x`, recency `tx` and age `t`.
    fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64;

    /// Probability that a customer with frequency `x`, recency `tx` and age `t` is alive.
    fn probability_alive(&self, x: f64, tx: f64, t: f64) -> f64;
}

impl PurchaseModel for BgNbdParams {
    fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64 {
        BgNbdParams::conditional_expected_purchases(self, horizon, x, tx, t)
    }

    fn probability_alive(&self, x: f64, tx: f64, t: f64) -> f64 {
        BgNbdParams::probability_alive(self, x, tx, t)
    }
}

impl PurchaseModel for MbgNbdParams {
    fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64 {
        MbgNbdParams::conditional_expected_purchases(self, horizon, x, tx, t)
    }

    fn probability_alive(&self, x: f64, tx: f64, t: f64) -> f64 {
        MbgNbdParams::probability_alive(self, x, tx, t)
    }
}

impl PurchaseModel for ParetoNbdParams {
    fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64 {
        ParetoNbdParams::conditional_expected_purchases(self, horizon, x, tx, t)
    }

    fn probability_alive(&self, x: f64, tx: f64, t: f64) -> f64 {
        ParetoNbdParams::probability_alive(self, x, tx, t)
    }
}

/// CLV over `months` months of a customer with frequency `x`, recency `tx`,
/// age `t` (in periods) and repeat-purchase mean value `m`: for each month
/// k = 1..months, the purchases `model` expects in that month times the
/// Gamma-Gamma expected value per purchase, discounted by
/// (1 + `monthly_discount`)^k. `periods_per_month` converts months to the
/// summary's period: 30 for days, 4.345 for weeks, 1 for months, 720 for
/// hours (lifetimes' factors).
///
/// ```
/// use crm_core::ltv::{customer_lifetime_value, BgNbdParams, GammaGammaParams};
/// let bg = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
/// let gg = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44 };
/// let loyal = customer_lifetime_value(&bg, &gg, 10.0, 38.0, 38.86, 30.0, 12, 0.01, 4.345);
/// let gone = customer_lifetime_value(&bg, &gg, 10.0, 5.0, 38.86, 30.0, 12, 0.01, 4.345);
/// assert!(loyal > gone && gone > 0.0);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn customer_lifetime_value(
    model: &impl PurchaseModel,
    gg: &GammaGammaParams,
    x: f64,
    tx: f64,
    t: f64,
    m: f64,
    months: u32,
    monthly_discount: f64,
    periods_per_month: f64,
) -> f64 {
    let value = gg.conditional_expected_average_profit(x, m);
    let mut clv = 0.0;
    let mut before = 0.0;
    for k in 1..=months {
        let upto = model.conditional_expected_purchases(f64::from(k) * periods_per_month, x, tx, t);
        clv += value * (upto - before) / (1.0 + monthly_discount).powf(f64::from(k));
        before = upto;
    }
    clv
}

/// [`customer_lifetime_value`] of many customers (columns `x`, `tx`, `t`,
/// `m` of one length), faster than one call per customer.
///
/// In BG/NBD, MBG/NBD and Pareto/NBD a customer's expected purchases are
/// P(alive | x, tₓ, T) × what an alive customer of frequency x and age T
/// buys, and the second factor does not depend on tₓ. So the discounted
/// monthly purchases of an alive customer are computed once per distinct
/// (x, T) (from the model's own conditional expectation at tₓ = T, divided
/// by P(alive | x, T, T)), and each customer adds only P(alive) and the
/// Gamma-Gamma value. The results equal [`customer_lifetime_value`]'s to
/// rounding (a few units in the last place); a pair whose P(alive | x, T, T)
/// is not positive is computed customer by customer.
///
/// ```
/// use crm_core::ltv::{customer_lifetime_value, customer_lifetime_values, BgNbdParams, GammaGammaParams};
/// let bg = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
/// let gg = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44 };
/// let (x, tx, t, m) = ([2.0, 2.0, 0.0], [30.43, 10.0, 0.0], [38.86, 38.86, 38.86], [22.35, 40.0, 0.0]);
/// let all = customer_lifetime_values(&bg, &gg, &x, &tx, &t, &m, 12, 0.01, 4.345);
/// for i in 0..3 {
///     let one = customer_lifetime_value(&bg, &gg, x[i], tx[i], t[i], m[i], 12, 0.01, 4.345);
///     assert!((all[i] - one).abs() <= 1e-12 * one.abs());
/// }
/// ```
#[allow(clippy::too_many_arguments)]
pub fn customer_lifetime_values(
    model: &impl PurchaseModel,
    gg: &GammaGammaParams,
    x: &[f64],
    tx: &[f64],
    t: &[f64],
    m: &[f64],
    months: u32,
    monthly_discount: f64,
    periods_per_month: f64,
) -> Vec<f64> {
    let n = x.len().min(tx.len()).min(t.len()).min(m.len());
    // Per distinct (x, T): the discounted monthly purchases of an alive customer and P(alive | x, T, T).
    let mut alive_value: HashMap<(u64, u64), Option<(f64, f64)>> = HashMap::new();
    (0..n)
        .map(|i| {
            let per_pair = *alive_value.entry((x[i].to_bits(), t[i].to_bits())).or_insert_with(|| {
                let at_end = model.probability_alive(x[i], t[i], t[i]);
                if !(at_end > 0.0 && at_end.is_finite()) {
                    return None;
                }
                let (mut sum, mut before) = (0.0, 0.0);
                for k in 1..=months {
                    let upto = model.conditional_expected_purchases(f64::from(k) * periods_per_month, x[i], t[i], t[i]);
                    sum += (upto - before) / (1.0 + monthly_discount).powf(f64::from(k));
                    before = upto;
                }
                Some((sum, at_end))
            });
            match per_pair {
                Some((discounted, at_end)) => {
                    let alive = model.probability_alive(x[i], tx[i], t[i]);
                    gg.conditional_expected_average_profit(x[i], m[i]) * discounted * (alive / at_end)
                }
                None => customer_lifetime_value(
                    model,
                    gg,
                    x[i],
                    tx[i],
                    t[i],
                    m[i],
                    months,
                    monthly_discount,
                    periods_per_month,
                ),
            }
        })
        .collect()
}

/// [`customer_lifetime_value`] in money: `m`, the mean value of the
/// customer's repeat purchases, is given in `currency`'s minor units (as
/// facts and orders carry it), and the value comes back in minor units of
/// the same currency, rounded half away from zero.
///
/// ```
/// use crm_core::ltv::{customer_lifetime_value_money, BgNbdParams, GammaGammaParams};
/// use crm_core::money::Currency;
/// let bg = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
/// let gg = GammaGammaParams { p: 6.25, q: 3.74, v: 1544.0 }; // v in minor units
/// let try_ = Currency::new("TRY")?;
/// let clv = customer_lifetime_value_money(&bg, &gg, 10.0, 38.0, 38.86, 3000, try_, 12, 0.01, 4.345)?;
/// assert_eq!(clv.currency, try_);
/// assert!(clv.amount > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`LtvError::InvalidOption`] for a negative or non-finite discount or
/// period length, or a value beyond the range of money.
#[allow(clippy::too_many_arguments)]
pub fn customer_lifetime_value_money(
    model: &impl PurchaseModel,
    gg: &GammaGammaParams,
    x: f64,
    tx: f64,
    t: f64,
    m: i64,
    currency: Currency,
    months: u32,
    monthly_discount: f64,
    periods_per_month: f64,
) -> Result<Money, LtvError> {
    let option = |field: &str, message: &str| LtvError::InvalidOption { field: field.into(), message: message.into() };
    if !(monthly_discount.is_finite() && monthly_discount >= 0.0) {
        return Err(option("monthly_discount", "must be a finite number ≥ 0"));
    }
    if !(periods_per_month.is_finite() && periods_per_month > 0.0) {
        return Err(option("periods_per_month", "must be a finite number > 0"));
    }
    let value = customer_lifetime_value(model, gg, x, tx, t, m as f64, months, monthly_discount, periods_per_month);
    let rounded = value.round();
    if !rounded.is_finite() || rounded.abs() >= 9.0e18 {
        return Err(option("monetary_value", "the lifetime value is beyond the range of money"));
    }
    Ok(Money::new(rounded as i64, currency))
}
