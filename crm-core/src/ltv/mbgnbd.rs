//! The modified BG/NBD model (Batislam, Denizel & Filiztekin 2007): as
//! BG/NBD, but a customer may also drop out right after their first
//! purchase, so customers with no repeat purchase are not certain to be alive.

use super::bgnbd::fit_four;
use super::special::{hyp2f1, ln_gamma};
use super::{BgNbdFit, BgNbdParams, LtvError, Summary};

/// MBG/NBD parameters: the same four as BG/NBD (r, α, a, b), another likelihood.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MbgNbdParams(pub BgNbdParams);

impl MbgNbdParams {
    /// Log-likelihood of one customer (frequency `x`, recency `tx`, age `t`).
    ///
    /// ```
    /// use crm_core::ltv::{BgNbdParams, MbgNbdParams};
    /// let m = MbgNbdParams(BgNbdParams { r: 0.5, alpha: 5.0, a: 0.8, b: 2.5 });
    /// assert!(m.log_likelihood(0.0, 0.0, 38.86) < 0.0);
    /// ```
    pub fn log_likelihood(&self, x: f64, tx: f64, t: f64) -> f64 {
        mbg_log_likelihood(&self.0, x, tx, t)
    }

    /// Expected purchases in (0, t] of a customer just acquired:
    /// b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))].
    pub fn expected_purchases(&self, t: f64) -> f64 {
        let BgNbdParams { r, alpha, a, b } = self.0;
        b / (a - 1.0) * (1.0 - hyp2f1(r, b + 1.0, a + b, t / (alpha + t)) * (alpha / (alpha + t)).powf(r))
    }

    /// Probability that the customer is alive: 1 / (1 + a/(b+x) · ((α+T)/(α+tx))^(r+x)).
    pub fn probability_alive(&self, x: f64, tx: f64, t: f64) -> f64 {
        let BgNbdParams { r, alpha, a, b } = self.0;
        1.0 / (1.0 + a / (b + x) * ((alpha + t) / (alpha + tx)).powf(r + x))
    }

    /// Expected purchases in the next `horizon` periods of a customer with
    /// frequency `x`, recency `tx` and age `t`.
    ///
    /// ```
    /// use crm_core::ltv::{BgNbdParams, MbgNbdParams};
    /// let m = MbgNbdParams(BgNbdParams { r: 0.5, alpha: 5.0, a: 0.8, b: 2.5 });
    /// assert!(m.conditional_expected_purchases(39.0, 5.0, 38.0, 38.86) > m.conditional_expected_purchases(39.0, 5.0, 3.0, 38.86));
    /// ```
    pub fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64 {
        let BgNbdParams { r, alpha, a, b } = self.0;
        let hyp = hyp2f1(r + x, b + x + 1.0, a + b + x, horizon / (alpha + t + horizon));
        let first = (a + b + x) / (a - 1.0);
        let second = 1.0 - hyp * ((alpha + t) / (alpha + horizon + t)).powf(r + x);
        first * second / (1.0 + a / (b + x) * ((alpha + t) / (alpha + tx)).powf(r + x))
    }
}

fn mbg_log_likelihood(p: &BgNbdParams, x: f64, tx: f64, t: f64) -> f64 {
    let BgNbdParams { r, alpha, a, b } = *p;
    let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
    let a2 = ln_gamma(a + b) + ln_gamma(b + x + 1.0) - ln_gamma(b) - ln_gamma(a + b + x + 1.0);
    let a3 = -(r + x) * (alpha + t).ln();
    let a4 = a.ln() - (b + x).ln() + (r + x) * ((alpha + t).ln() - (alpha + tx).ln());
    a1 + a2 + a3 + super::special::log_add_exp(a4, 0.0)
}

/// Fits MBG/NBD by maximum likelihood (as [`fit_bgnbd`](super::fit_bgnbd)).
///
/// # Errors
/// As [`fit_bgnbd`](super::fit_bgnbd).
pub fn fit_mbgnbd(s: &Summary, penalizer: f64) -> Result<BgNbdFit, LtvError> {
    fit_four(s, penalizer, mbg_log_likelihood)
}
