//! Discounted customer lifetime value, as `lifetimes`' `customer_lifetime_value`.

use super::{BgNbdParams, GammaGammaParams, LtvError, MbgNbdParams, ParetoNbdParams};
use crate::money::{Currency, Money};

/// A model of repeat purchases that can say how many purchases a customer
/// will make next: BG/NBD, MBG/NBD and Pareto/NBD.
pub trait PurchaseModel {
    /// Expected purchases in the next `horizon` periods of a customer with
    /// frequency `x`, recency `tx` and age `t`.
    fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64;
}

impl PurchaseModel for BgNbdParams {
    fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64 {
        BgNbdParams::conditional_expected_purchases(self, horizon, x, tx, t)
    }
}

impl PurchaseModel for MbgNbdParams {
    fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64 {
        MbgNbdParams::conditional_expected_purchases(self, horizon, x, tx, t)
    }
}

impl PurchaseModel for ParetoNbdParams {
    fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64 {
        ParetoNbdParams::conditional_expected_purchases(self, horizon, x, tx, t)
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
