//! The modified BG/NBD model (Batislam, Denizel & Filiztekin 2007): as
//! BG/NBD, but a customer may also drop out right after their first
//! purchase, so customers with no repeat purchase are not certain to be alive.

use super::fit::{fit_four_grouped, FourParamModel};
use super::special::{beta_dropout_expectation, ln_gamma};
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
    /// b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))], computed as
    /// b/(a+b) times the expectation over p ~ Beta(a, b+1) of
    /// (1 − (1 + p t/α)^(−r))/p (Pfaff), continuous at a = 1.
    pub fn expected_purchases(&self, t: f64) -> f64 {
        let BgNbdParams { r, alpha, a, b } = self.0;
        b / (a + b) * beta_dropout_expectation(r, a, b + 1.0, t / alpha)
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
        // (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+h))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; h/(α+T+h))]
        // is, by Pfaff, the expectation over p ~ Beta(a, b+x+1) below.
        let BgNbdParams { r, alpha, a, b } = self.0;
        beta_dropout_expectation(r + x, a, b + x + 1.0, horizon / (alpha + t)) * self.probability_alive(x, tx, t)
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
    fit_four_grouped(s, penalizer, FourParamModel::MbgNbd)
}

impl MbgNbdParams {
    /// Probability of exactly `n` purchases in (0, t] for a customer just
    /// acquired (lifetimes' `probability_of_n_purchases_up_to_time`):
    /// B(a, b+n+1)/B(a, b) · Γ(r+n)/(Γ(r) n!) · (α/(α+t))^r (t/(α+t))^n plus
    /// B(a+1, b+n)/B(a, b) · [1 − (α/(α+t))^r Σ_{j<n} Γ(r+j)/(Γ(r) j!) (t/(α+t))^j].
    /// Unlike BG/NBD, a customer may drop out at once, so P(0) includes a/(a+b).
    ///
    /// ```
    /// use crm_core::ltv::{BgNbdParams, MbgNbdParams};
    /// let m = MbgNbdParams(BgNbdParams { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 });
    /// let total: f64 = (0..400).map(|n| m.probability_of_purchases(39.0, n)).sum();
    /// assert!((total - 1.0).abs() < 1e-9);
    /// assert!((m.probability_of_purchases(0.0, 0) - 1.0).abs() < 1e-12); // nobody buys in no time
    /// ```
    pub fn probability_of_purchases(&self, t: f64, n: u32) -> f64 {
        let BgNbdParams { r, alpha, a, b } = self.0;
        let nf = f64::from(n);
        let ln_beta = |p: f64, q: f64| ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q);
        let (stay, go) = ((alpha / (alpha + t)).ln(), (t / (alpha + t)).ln());
        let first = (ln_beta(a, b + nf + 1.0) - ln_beta(a, b) + ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0)
            + r * stay
            + if n > 0 { nf * go } else { 0.0 })
        .exp();
        let partial: f64 = (0..n)
            .map(|j| {
                let j = f64::from(j);
                (ln_gamma(r + j) - ln_gamma(r) - ln_gamma(j + 1.0) + if j > 0.0 { j * go } else { 0.0 }).exp()
            })
            .sum();
        let second = (ln_beta(a + 1.0, b + nf) - ln_beta(a, b)).exp() * (1.0 - (r * stay).exp() * partial);
        first + second
    }
}
