//! The BG/NBD model (Fader, Hardie & Lee 2005): purchases follow a Poisson
//! process with rate λ ~ Gamma(r, α) while the customer is alive; after each
//! purchase they drop out with probability p ~ Beta(a, b).

use super::fit::{fit_four_grouped, FourParamModel};
use super::special::{beta_dropout_expectation, ln_gamma, log_add_exp};
use super::{LtvError, Summary};

/// BG/NBD parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BgNbdParams {
    /// Shape of the purchase-rate Gamma.
    pub r: f64,
    /// Scale of the purchase-rate Gamma (in periods).
    pub alpha: f64,
    /// Beta shape of the drop-out probability.
    pub a: f64,
    /// Beta shape of the drop-out probability.
    pub b: f64,
}

/// A fitted BG/NBD model.
#[derive(Clone, Debug, PartialEq)]
pub struct BgNbdFit {
    /// The maximum-likelihood parameters.
    pub params: BgNbdParams,
    /// The log-likelihood of the summary at `params` (summed over customers).
    pub log_likelihood: f64,
    /// Optimiser iterations.
    pub iterations: usize,
    /// Standard errors of the parameters, in their order, from the Hessian
    /// (as lifetimes' `standard_errors_`; `None` when the Hessian is singular).
    /// A 95% interval is the parameter ± 1.96 standard errors.
    pub standard_errors: Option<Vec<f64>>,
}

impl BgNbdParams {
    /// The log-likelihood of one customer (frequency `x`, recency `tx`, age `t`):
    /// equation (6) of the paper, in log space.
    ///
    /// ```
    /// use crm_core::ltv::BgNbdParams;
    /// let p = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    /// // A customer with no repeat purchase: ln[ B(a, b)/B(a, b) · (α/(α+T))^r ].
    /// let expected = 0.243 * (4.414f64 / (4.414 + 38.86)).ln();
    /// assert!((p.log_likelihood(0.0, 0.0, 38.86) - expected).abs() < 1e-12);
    /// ```
    pub fn log_likelihood(&self, x: f64, tx: f64, t: f64) -> f64 {
        let BgNbdParams { r, alpha, a, b } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
        let a2 = ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
        let a3 = -(r + x) * (alpha + t).ln();
        let a4 = if x > 0.0 { a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + tx).ln() } else { f64::NEG_INFINITY };
        a1 + a2 + log_add_exp(a3, a4)
    }

    /// Expected purchases in (0, t] of a customer just acquired (paper eq. 9):
    /// (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))], computed
    /// as (a+b−1)/(a−1) · [1 − ₂F₁(r, a−1; a+b−1; −t/α)] (Pfaff), continuous
    /// at a = 1 and a + b = 1 and finite for any t.
    ///
    /// ```
    /// use crm_core::ltv::BgNbdParams;
    /// let p = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    /// assert_eq!(p.expected_purchases(0.0), 0.0);
    /// assert!(p.expected_purchases(78.0) > p.expected_purchases(39.0));
    /// ```
    pub fn expected_purchases(&self, t: f64) -> f64 {
        let BgNbdParams { r, alpha, a, b } = *self;
        beta_dropout_expectation(r, a, b, t / alpha)
    }

    /// Probability that a customer with frequency `x`, recency `tx` and age
    /// `t` is still alive (Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model", 2008):
    /// 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+tx))^(r+x)).
    ///
    /// ```
    /// use crm_core::ltv::BgNbdParams;
    /// let p = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    /// assert_eq!(p.probability_alive(0.0, 0.0, 38.86), 1.0); // never bought again: never dropped out
    /// assert!(p.probability_alive(5.0, 10.0, 38.86) < p.probability_alive(5.0, 38.0, 38.86));
    /// ```
    pub fn probability_alive(&self, x: f64, tx: f64, t: f64) -> f64 {
        if x == 0.0 {
            return 1.0;
        }
        let BgNbdParams { r, alpha, a, b } = *self;
        let log_odds = (r + x) * ((alpha + t) / (alpha + tx)).ln() + (a / (b + x - 1.0)).ln();
        1.0 / (1.0 + log_odds.exp())
    }

    /// Expected purchases in the next `horizon` periods of a customer with
    /// frequency `x`, recency `tx` and age `t` (paper eq. 10).
    ///
    /// ```
    /// use crm_core::ltv::BgNbdParams;
    /// let p = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    /// let busy = p.conditional_expected_purchases(39.0, 10.0, 38.0, 38.86);
    /// let quiet = p.conditional_expected_purchases(39.0, 10.0, 5.0, 38.86);
    /// assert!(busy > quiet && quiet > 0.0);
    /// ```
    pub fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64 {
        // (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+h))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; h/(α+T+h))]
        // is, by Pfaff, the expectation over p ~ Beta(a, b+x) below.
        let BgNbdParams { r, alpha, a, b } = *self;
        beta_dropout_expectation(r + x, a, b + x, horizon / (alpha + t)) * self.probability_alive(x, tx, t)
    }

    /// Probability of exactly `n` purchases in (0, t] for a customer just
    /// acquired (paper eq. 8).
    ///
    /// ```
    /// use crm_core::ltv::BgNbdParams;
    /// let p = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    /// let total: f64 = (0..400).map(|n| p.probability_of_purchases(39.0, n)).sum();
    /// assert!((total - 1.0).abs() < 1e-9);
    /// ```
    pub fn probability_of_purchases(&self, t: f64, n: u32) -> f64 {
        let BgNbdParams { r, alpha, a, b } = *self;
        let nf = f64::from(n);
        let ln_beta = |p: f64, q: f64| ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q);
        let (stay, go) = ((alpha / (alpha + t)).ln(), (t / (alpha + t)).ln());
        let first = (ln_beta(a, b + nf) - ln_beta(a, b) + ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0)
            + r * stay
            + if n > 0 { nf * go } else { 0.0 })
        .exp();
        if n == 0 {
            return first;
        }
        let partial: f64 = (0..n)
            .map(|j| {
                let j = f64::from(j);
                (ln_gamma(r + j) - ln_gamma(r) - ln_gamma(j + 1.0) + if j > 0.0 { j * go } else { 0.0 }).exp()
            })
            .sum();
        let second = (ln_beta(a + 1.0, b + nf - 1.0) - ln_beta(a, b)).exp() * (1.0 - (r * stay).exp() * partial);
        first + second
    }

    /// The summed log-likelihood of a summary.
    pub fn total_log_likelihood(&self, s: &Summary) -> f64 {
        (0..s.len()).map(|i| s.weight(i) * self.log_likelihood(s.frequency[i], s.recency[i], s.t[i])).sum()
    }
}

/// Fits BG/NBD by maximum likelihood: BFGS with the exact gradient on the
/// logarithms of the parameters, minimising −(log-likelihood)/N +
/// `penalizer` × Σ parameter² (lifetimes' objective; `penalizer` 0 is plain
/// maximum likelihood). Large summaries start from a fit on a sample (docs/ltv.md).
///
/// ```
/// use crm_core::ltv::{fit_bgnbd, Summary};
/// let s = Summary::new(vec![0.0, 1.0, 3.0, 0.0, 2.0, 5.0], vec![0.0, 10.0, 30.0, 0.0, 20.0, 35.0],
///                      vec![40.0, 40.0, 40.0, 38.0, 39.0, 40.0])?;
/// let fit = fit_bgnbd(&s, 0.0)?;
/// assert!(fit.log_likelihood.is_finite() && fit.params.r > 0.0);
/// # Ok::<(), crm_core::ltv::LtvError>(())
/// ```
///
/// # Errors
/// [`LtvError::InvalidSummary`], [`LtvError::InvalidOption`] for a negative
/// or non-finite penalizer, [`LtvError::NoFit`] for an empty summary.
pub fn fit_bgnbd(s: &Summary, penalizer: f64) -> Result<BgNbdFit, LtvError> {
    fit_four_grouped(s, penalizer, FourParamModel::BgNbd)
}
