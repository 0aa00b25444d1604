//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): purchases
//! follow a Poisson process with rate λ ~ Gamma(r, α) while alive, and the
//! lifetime is exponential with rate μ ~ Gamma(s, β). The likelihood follows
//! Fader & Hardie's note "A Note on Deriving the Pareto/NBD Model and Related
//! Expressions" (2005), with the Gauss hypergeometric function taken at
//! |α − β| / (max(α, β) + t), inside [0, 1).

use super::fit::fit_pareto_nbd_grouped;
use super::special::{gauss_legendre_16, ln_gamma, ln_hyp2f1_parts, log_add_exp, one_minus_pow_over};
use super::{LtvError, Summary};

/// Pareto/NBD parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParetoNbdParams {
    /// Shape of the purchase-rate Gamma.
    pub r: f64,
    /// Scale of the purchase-rate Gamma.
    pub alpha: f64,
    /// Shape of the drop-out-rate Gamma.
    pub s: f64,
    /// Scale of the drop-out-rate Gamma.
    pub beta: f64,
}

/// A fitted Pareto/NBD model.
#[derive(Clone, Debug, PartialEq)]
pub struct ParetoNbdFit {
    /// The maximum-likelihood parameters.
    pub params: ParetoNbdParams,
    /// Log-likelihood of the summary at `params`.
    pub log_likelihood: f64,
    /// Optimiser iterations.
    pub iterations: usize,
    /// Standard errors of the parameters, in their order, from the Hessian
    /// (as lifetimes' `standard_errors_`; `None` when the Hessian is singular).
    /// A 95% interval is the parameter ± 1.96 standard errors.
    pub standard_errors: Option<Vec<f64>>,
}

impl ParetoNbdParams {
    /// ln A₀ of the note: ln[ ₂F₁(r+s+x, τ; r+s+x+1; |α−β|/(m+tx)) / (m+tx)^(r+s+x)
    /// − ₂F₁(…; |α−β|/(m+T)) / (m+T)^(r+s+x) ], m = max(α, β), τ = r+x when
    /// α < β, else s+1. The difference is also (r+s+x) ∫ from tx to T of
    /// (α+τ)^−(r+x) (β+τ)^−(s+1) dτ (Euler's integral for ₂F₁); when the two
    /// terms are within 10% of each other and T − tx ≤ min(α, β) + tx, that
    /// integral is taken by 16-point Gauss–Legendre quadrature instead of
    /// the cancelling difference (the integrand is then smooth and varies
    /// little), so tx → T gives ln A₀ → −∞ smoothly rather than NaN.
    fn log_a0(&self, x: f64, tx: f64, t: f64) -> f64 {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let (lo, hi, tau) = if alpha < beta { (alpha, beta, r + x) } else { (beta, alpha, s + 1.0) };
        let rsx = r + s + x;
        let (q1, q2) = (hi + tx, hi + t);
        let (p1, _) = ln_hyp2f1_parts(rsx, tau, rsx + 1.0, (hi - lo) / q1, (lo + tx) / q1);
        let (p2, _) = ln_hyp2f1_parts(rsx, tau, rsx + 1.0, (hi - lo) / q2, (lo + t) / q2);
        // ln(e^la − e^lb): the first term is the larger.
        let (la, lb) = (p1 - rsx * q1.ln(), p2 - rsx * q2.ln());
        if lb - la < 0.9f64.ln() || t - tx > lo + tx {
            return la + (-(lb - la).exp_m1()).ln();
        }
        let (mid, half) = (0.5 * (tx + t), 0.5 * (t - tx));
        let integral = gauss_legendre_16().iter().fold(f64::NEG_INFINITY, |acc, &(node, weight)| {
            let tau = mid + half * node;
            log_add_exp(acc, weight.ln() - (r + x) * (alpha + tau).ln() - (s + 1.0) * (beta + tau).ln())
        });
        rsx.ln() + half.ln() + integral
    }

    /// Log-likelihood of a customer with frequency `x`, recency `tx`, age `t`.
    ///
    /// ```
    /// use crm_core::ltv::ParetoNbdParams;
    /// let p = ParetoNbdParams { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
    /// assert!(p.log_likelihood(2.0, 30.43, 38.86).is_finite());
    /// assert!(p.log_likelihood(2.0, 38.86, 38.86).is_finite()); // the last purchase on the last day
    /// ```
    pub fn log_likelihood(&self, x: f64, tx: f64, t: f64) -> f64 {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln();
        let stayed = -(r + x) * (alpha + t).ln() - s * (beta + t).ln();
        let left = if tx < t { s.ln() + self.log_a0(x, tx, t) - (r + s + x).ln() } else { f64::NEG_INFINITY };
        a1 + log_add_exp(stayed, left)
    }

    /// Probability that the customer is alive at age `t`.
    ///
    /// ```
    /// use crm_core::ltv::ParetoNbdParams;
    /// let p = ParetoNbdParams { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
    /// assert_eq!(p.probability_alive(3.0, 38.86, 38.86), 1.0);
    /// assert!(p.probability_alive(3.0, 10.0, 38.86) < 1.0);
    /// ```
    pub fn probability_alive(&self, x: f64, tx: f64, t: f64) -> f64 {
        if tx >= t {
            return 1.0;
        }
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let log_odds =
            s.ln() - (r + s + x).ln() + (r + x) * (alpha + t).ln() + s * (beta + t).ln() + self.log_a0(x, tx, t);
        1.0 / (1.0 + log_odds.exp())
    }

    /// Expected purchases in (0, t] of a customer just acquired:
    /// rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)].
    pub fn expected_purchases(&self, t: f64) -> f64 {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        r * beta / alpha * one_minus_pow_over(s - 1.0, (beta / (beta + t)).ln())
    }

    /// Expected purchases in the next `horizon` of a customer with frequency
    /// `x`, recency `tx` and age `t`.
    ///
    /// ```
    /// use crm_core::ltv::ParetoNbdParams;
    /// let p = ParetoNbdParams { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
    /// assert!(p.conditional_expected_purchases(39.0, 5.0, 38.0, 38.86) > p.conditional_expected_purchases(39.0, 5.0, 3.0, 38.86));
    /// ```
    pub fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64 {
        let ParetoNbdParams { r, alpha, s, beta } = *self;
        let ll = self.log_likelihood(x, tx, t);
        let first = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln()
            - (r + x) * (alpha + t).ln()
            - s * (beta + t).ln();
        let second = (r + x).ln() + (beta + t).ln() - (alpha + t).ln();
        let third = one_minus_pow_over(s - 1.0, ((beta + t) / (beta + t + horizon)).ln()).ln();
        (first + second + third - ll).exp()
    }

    /// The summed log-likelihood of a summary.
    pub fn total_log_likelihood(&self, s: &Summary) -> f64 {
        (0..s.len()).map(|i| s.weight(i) * self.log_likelihood(s.frequency[i], s.recency[i], s.t[i])).sum()
    }
}

/// Fits Pareto/NBD by maximum likelihood (as [`fit_bgnbd`](super::fit_bgnbd)).
///
/// # Errors
/// As [`fit_bgnbd`](super::fit_bgnbd).
pub fn fit_pareto_nbd(s: &Summary, penalizer: f64) -> Result<ParetoNbdFit, LtvError> {
    fit_pareto_nbd_grouped(s, penalizer)
}
