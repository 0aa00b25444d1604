//! Discounted customer lifetime value, as `lifetimes`' `customer_lifetime_value`.

use super::{BgNbdParams, GammaGammaParams};

/// CLV over `months` months of a customer with frequency `x`, recency `tx`,
/// age `t` (in periods) and repeat-purchase mean value `m`: for each month
/// k = 1..months, the purchases BG/NBD expects in that month times the
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
    bg: &BgNbdParams,
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
    for k in 1..=months {
        let end = f64::from(k) * periods_per_month;
        let start = end - periods_per_month;
        let purchases =
            bg.conditional_expected_purchases(end, x, tx, t) - bg.conditional_expected_purchases(start, x, tx, t);
        clv += value * purchases / (1.0 + monthly_discount).powf(f64::from(k));
    }
    clv
}
