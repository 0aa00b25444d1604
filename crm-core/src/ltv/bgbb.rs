//! The BG/BB model (Fader, Hardie & Shang 2010) for discrete opportunities
//! to buy (yearly donations, annual events): at each of `n` opportunities an
//! alive customer buys with probability p ~ Beta(α, β) and, after it, drops
//! out for good with probability θ ~ Beta(γ, δ).

use super::optimize::fit_positive;
use super::special::{across_one, ln_gamma, log_add_exp, NEAR_ONE};
use super::summary::is_whole;
use super::LtvError;

/// BG/BB parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BgBbParams {
    /// Beta shape of the purchase probability.
    pub alpha: f64,
    /// Beta shape of the purchase probability.
    pub beta: f64,
    /// Beta shape of the drop-out probability.
    pub gamma: f64,
    /// Beta shape of the drop-out probability.
    pub delta: f64,
}

/// A fitted BG/BB model.
#[derive(Clone, Debug, PartialEq)]
pub struct BgBbFit {
    /// The maximum-likelihood parameters.
    pub params: BgBbParams,
    /// Log-likelihood at `params`, weighted and summed.
    pub log_likelihood: f64,
    /// Optimiser iterations.
    pub iterations: usize,
    /// Standard errors of the parameters, in their order, from the Hessian
    /// (as lifetimes' `standard_errors_`; `None` when the Hessian is singular).
    /// A 95% interval is the parameter ± 1.96 standard errors.
    pub standard_errors: Option<Vec<f64>>,
}

fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

impl BgBbParams {
    /// Log-likelihood of a customer who bought at `x` of `n` opportunities,
    /// the last at opportunity `tx` (paper eq. 5, the sum in log space).
    ///
    /// ```
    /// use crm_core::ltv::BgBbParams;
    /// let p = BgBbParams { alpha: 1.204, beta: 0.750, gamma: 0.657, delta: 2.783 };
    /// // Never bought in 6: alive all along without buying, or gone after some opportunity.
    /// assert!(p.log_likelihood(0.0, 0.0, 6.0) < 0.0);
    /// ```
    pub fn log_likelihood(&self, x: f64, tx: f64, n: f64) -> f64 {
        let BgBbParams { alpha, beta, gamma, delta } = *self;
        let (lab, lgd) = (ln_beta(alpha, beta), ln_beta(gamma, delta));
        let a = ln_beta(alpha + x, beta + n - x) - lab + ln_beta(gamma, delta + n) - lgd;
        let mut b = f64::NEG_INFINITY;
        let last = (n - tx - 1.0).max(-1.0) as i64;
        for j in 0..=last {
            let j = j as f64;
            b = log_add_exp(b, ln_beta(alpha + x, beta + tx - x + j) + ln_beta(gamma + 1.0, delta + tx + j));
        }
        log_add_exp(a, b - lab - lgd)
    }

    /// Probability that a customer with `x` purchases in `n` opportunities
    /// (the last at `tx`) is alive at opportunity `n + m`.
    ///
    /// ```
    /// use crm_core::ltv::BgBbParams;
    /// let p = BgBbParams { alpha: 1.204, beta: 0.750, gamma: 0.657, delta: 2.783 };
    /// // Two gifts, the last in the 6th year, against the last in the 2nd: the first is likelier alive.
    /// assert!(p.probability_alive(0, 2.0, 6.0, 6.0) > p.probability_alive(0, 2.0, 2.0, 6.0));
    /// ```
    pub fn probability_alive(&self, m: u32, x: f64, tx: f64, n: f64) -> f64 {
        let BgBbParams { alpha, beta, gamma, delta } = *self;
        let p1 = ln_beta(alpha + x, beta + n - x) - ln_beta(alpha, beta);
        let p2 = ln_beta(gamma, delta + n + f64::from(m)) - ln_beta(gamma, delta);
        (p1 + p2 - self.log_likelihood(x, tx, n)).exp()
    }

    /// Expected purchases in the next `m` opportunities of a customer with
    /// `x` purchases in `n` opportunities, the last at `tx` (paper eq. 13).
    ///
    /// ```
    /// use crm_core::ltv::BgBbParams;
    /// let p = BgBbParams { alpha: 1.204, beta: 0.750, gamma: 0.657, delta: 2.783 };
    /// assert!(p.conditional_expected_purchases(5, 6.0, 6.0, 6.0) > p.conditional_expected_purchases(5, 1.0, 1.0, 6.0));
    /// ```
    pub fn conditional_expected_purchases(&self, m: u32, x: f64, tx: f64, n: f64) -> f64 {
        if (self.gamma - 1.0).abs() < NEAR_ONE {
            // δ/(γ−1) · (p4 − p5) is 0/0 at γ = 1.
            return across_one(self.gamma, |gamma| {
                BgBbParams { gamma, ..*self }.conditional_expected_purchases(m, x, tx, n)
            });
        }
        let BgBbParams { alpha, beta, gamma, delta } = *self;
        let m = f64::from(m);
        // p1 · p2 · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ) · (p4 − p5) in log space (each factor may
        // overflow alone): p4 − p5 has the sign of 1 − γ, so the product is |…| · |…|.
        let ln_p4 = ln_gamma(1.0 + delta + n) - ln_gamma(gamma + delta + n);
        let ln_p5 = ln_gamma(1.0 + delta + n + m) - ln_gamma(gamma + delta + n + m);
        let ln_rest = -self.log_likelihood(x, tx, n) + ln_beta(alpha + x + 1.0, beta + n - x) - ln_beta(alpha, beta)
            + delta.ln()
            - (gamma - 1.0).abs().ln()
            + ln_gamma(gamma + delta)
            - ln_gamma(1.0 + delta);
        (ln_rest + ln_p4).exp() * (ln_p5 - ln_p4).exp_m1().abs()
    }
}

/// Checks BG/BB customer `index`: `n` opportunities (a whole number ≥ 1),
/// purchases in `x` of them and the last in opportunity `tx` (whole numbers,
/// x ≤ tx ≤ n; tx = 0 without purchases).
///
/// ```
/// use crm_core::ltv::check_opportunities;
/// assert!(check_opportunities(0, 3.0, 5.0, 6.0).is_ok());
/// assert!(check_opportunities(0, 3.0, 2.0, 6.0).is_err()); // the last purchase before the third
/// ```
///
/// # Errors
/// [`LtvError::InvalidSummary`] naming the field.
pub fn check_opportunities(index: usize, x: f64, tx: f64, n: f64) -> Result<(), LtvError> {
    let bad = LtvError::summary;
    if !is_whole(n) || n < 1.0 {
        return Err(bad(index, "n_periods", "must be a whole number ≥ 1"));
    }
    if !is_whole(x) || x > n {
        return Err(bad(index, "frequency", "must be a whole number from 0 to n_periods"));
    }
    if !is_whole(tx) || tx > n || (x > 0.0 && tx < x) || (x == 0.0 && tx != 0.0) {
        return Err(bad(index, "recency", "must be a whole number from frequency to n_periods (0 without purchases)"));
    }
    Ok(())
}

/// Fits BG/BB on rows of (frequency, recency, opportunities, weight): the
/// weight is how many customers share the row (the donation data come this
/// way). Minimises −(weighted log-likelihood)/Σ weights + `penalizer` × Σ parameter².
///
/// # Errors
/// [`LtvError::InvalidSummary`] for a row with x > n, tx > n, x > 0 with
/// tx = 0, fractional values or a negative weight; [`LtvError::InvalidOption`]
/// for a bad penalizer; [`LtvError::NoFit`] with no weight.
pub fn fit_bgbb(rows: &[(f64, f64, f64, f64)], penalizer: f64) -> Result<BgBbFit, LtvError> {
    LtvError::check_penalizer(penalizer)?;
    let bad = LtvError::summary;
    for (i, &(x, tx, n, w)) in rows.iter().enumerate() {
        check_opportunities(i, x, tx, n)?;
        if !(w.is_finite() && w >= 0.0) {
            return Err(bad(i, "weights", "must be a finite number ≥ 0"));
        }
    }
    let weight: f64 = rows.iter().map(|r| r.3).sum();
    let of = |p: &[f64]| BgBbParams { alpha: p[0], beta: p[1], gamma: p[2], delta: p[3] };
    let total = |p: &[f64]| -> f64 {
        let q = of(p);
        rows.iter().map(|&(x, tx, n, w)| w * q.log_likelihood(x, tx, n)).sum()
    };
    let fit = fit_positive(4, weight, penalizer, total)?;
    Ok(BgBbFit {
        params: of(&fit.params),
        log_likelihood: fit.log_likelihood,
        iterations: fit.iterations,
        standard_errors: fit.standard_errors,
    })
}

impl BgBbParams {
    /// Probability that a customer just acquired buys at exactly `x` of the
    /// first `n` opportunities (paper eq. 7):
    /// C(n, x) B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ) plus
    /// Σ_{i=x}^{n−1} C(i, x) B(α+x, β+i−x)/B(α, β) · B(γ+1, δ+i)/B(γ, δ).
    /// Times the number of customers, the expected count with frequency `x`
    /// (lifetimes' `expected_number_of_transactions_in_first_n_periods`).
    ///
    /// ```
    /// use crm_core::ltv::BgBbParams;
    /// let p = BgBbParams { alpha: 1.204, beta: 0.750, gamma: 0.657, delta: 2.783 };
    /// let total: f64 = (0..=6).map(|x| p.probability_of_purchases(6, x)).sum();
    /// assert!((total - 1.0).abs() < 1e-12);
    /// assert_eq!(p.probability_of_purchases(6, 7), 0.0);
    /// ```
    pub fn probability_of_purchases(&self, n: u32, x: u32) -> f64 {
        if x > n {
            return 0.0;
        }
        let BgBbParams { alpha, beta, gamma, delta } = *self;
        let (lab, lgd) = (ln_beta(alpha, beta), ln_beta(gamma, delta));
        let xf = f64::from(x);
        let ln_choose = |i: f64| ln_gamma(i + 1.0) - ln_gamma(xf + 1.0) - ln_gamma(i - xf + 1.0);
        let nf = f64::from(n);
        let mut total = ln_choose(nf) + ln_beta(alpha + xf, beta + nf - xf) - lab + ln_beta(gamma, delta + nf) - lgd;
        for i in x..n {
            let i = f64::from(i);
            let term = ln_choose(i) + ln_beta(alpha + xf, beta + i - xf) - lab + ln_beta(gamma + 1.0, delta + i) - lgd;
            total = log_add_exp(total, term);
        }
        total.exp()
    }
}
