//! The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee,
//! "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis", 2005;
//! Colombo & Jiang 1999): a customer's transaction values are Gamma(p, ν)
//! around their mean, and ν varies across customers as Gamma(q, γ).

use super::fit::fit_gamma_gamma_grouped;
use super::special::ln_gamma;
use super::summary::is_whole;
use super::LtvError;

/// Gamma-Gamma parameters (`v` is γ, the scale of ν; `lifetimes` names it `v`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GammaGammaParams {
    /// Shape of each customer's transaction-value Gamma.
    pub p: f64,
    /// Shape of ν across customers.
    pub q: f64,
    /// Scale of ν across customers (γ).
    pub v: f64,
}

/// A fitted Gamma-Gamma model.
#[derive(Clone, Debug, PartialEq)]
pub struct GammaGammaFit {
    /// The maximum-likelihood parameters.
    pub params: GammaGammaParams,
    /// Log-likelihood of the data at `params`, summed over customers.
    pub log_likelihood: f64,
    /// Optimiser iterations.
    pub iterations: usize,
    /// Standard errors of the parameters, in their order, from the Hessian
    /// (as lifetimes' `standard_errors_`; `None` when the Hessian is singular).
    /// A 95% interval is the parameter ± 1.96 standard errors.
    pub standard_errors: Option<Vec<f64>>,
}

impl GammaGammaParams {
    /// Log-likelihood of a customer with `x` ≥ 1 repeat transactions of mean value `m` > 0.
    ///
    /// ```
    /// use crm_core::ltv::GammaGammaParams;
    /// let g = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44 };
    /// assert!(g.log_likelihood(2.0, 22.35).is_finite());
    /// ```
    pub fn log_likelihood(&self, x: f64, m: f64) -> f64 {
        let GammaGammaParams { p, q, v } = *self;
        ln_gamma(p * x + q) - ln_gamma(q) + q * v.ln() - ln_gamma(p * x) + (p * x - 1.0) * m.ln() + p * x * x.ln()
            - (p * x + q) * (x * m + v).ln()
    }

    /// The expected mean transaction value of a customer with `x` repeat
    /// transactions of mean `m` (a weighted mean of theirs and the
    /// population's, p γ/(q − 1)); for `x` = 0 the population mean.
    ///
    /// ```
    /// use crm_core::ltv::GammaGammaParams;
    /// let g = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44 };
    /// let population = 6.25 * 15.44 / 2.74;
    /// assert!((g.conditional_expected_average_profit(0.0, 0.0) - population).abs() < 1e-12);
    /// ```
    pub fn conditional_expected_average_profit(&self, x: f64, m: f64) -> f64 {
        let GammaGammaParams { p, q, v } = *self;
        let weight = p * x / (p * x + q - 1.0);
        (1.0 - weight) * (v * p / (q - 1.0)) + weight * m
    }
}

/// Checks Gamma-Gamma customer `index`: `x` repeat transactions (a whole
/// number ≥ 0) of mean value `m` (finite, ≥ 0). Fitting asks more (m > 0
/// when x > 0).
///
/// ```
/// use crm_core::ltv::check_spend;
/// assert!(check_spend(0, 2.0, 22.35).is_ok());
/// assert!(check_spend(0, 2.0, -1.0).is_err());
/// ```
///
/// # Errors
/// [`LtvError::InvalidSummary`] naming the field.
pub fn check_spend(index: usize, x: f64, m: f64) -> Result<(), LtvError> {
    if !is_whole(x) {
        return Err(LtvError::summary(index, "frequency", "must be a whole number ≥ 0"));
    }
    if !(m.is_finite() && m >= 0.0) {
        return Err(LtvError::summary(index, "monetary_value", "must be a finite number ≥ 0"));
    }
    Ok(())
}

/// Fits Gamma-Gamma on the customers with at least one repeat transaction
/// (`frequency[i]` ≥ 1; rows with frequency 0 are skipped, as lifetimes
/// asks its users to do; a row with frequency ≥ 1 and monetary value 0 is
/// refused, as lifetimes refuses it), minimising −(log-likelihood)/N + `penalizer` ×
/// (p² + q² + v²) with BFGS on the logarithms (as [`fit_bgnbd`](super::fit_bgnbd)). `weights[i]`, when
/// given, is how many customers row i stands for (lifetimes' `weights`).
///
/// # Errors
/// [`LtvError::InvalidSummary`] for a negative, fractional or non-finite
/// frequency, a negative monetary value or weight, a monetary value of 0
/// with frequency ≥ 1, columns of different lengths; [`LtvError::InvalidOption`] for
/// a bad penalizer; [`LtvError::NoFit`] when no customer repeats.
pub fn fit_gamma_gamma(
    frequency: &[f64],
    monetary: &[f64],
    weights: Option<&[f64]>,
    penalizer: f64,
) -> Result<GammaGammaFit, LtvError> {
    LtvError::check_penalizer(penalizer)?;
    let bad = LtvError::summary;
    if frequency.len() != monetary.len() {
        return Err(bad(frequency.len().min(monetary.len()), "monetary_value", "columns of different lengths"));
    }
    if let Some(w) = weights {
        if w.len() != frequency.len() {
            return Err(bad(frequency.len().min(w.len()), "weights", "columns of different lengths"));
        }
    }
    let mut rows = Vec::new();
    for (i, (&x, &m)) in frequency.iter().zip(monetary).enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        if !(w.is_finite() && w >= 0.0) {
            return Err(bad(i, "weights", "must be a finite number ≥ 0"));
        }
        check_spend(i, x, m)?;
        if x >= 1.0 && m == 0.0 {
            // ln m of the likelihood: no spend model fits repeat purchases worth nothing.
            return Err(bad(
                i,
                "monetary_value",
                "must be > 0 when frequency > 0 (repeat purchases of no value: leave the row out)",
            ));
        }
        if x >= 1.0 && m > 0.0 && w > 0.0 {
            rows.push((x, m, w));
        }
    }
    if rows.is_empty() {
        return Err(LtvError::NoFit { message: "no customer with a repeat transaction".into() });
    }
    let fit = fit_gamma_gamma_grouped(&rows, penalizer)?;
    Ok(GammaGammaFit {
        params: GammaGammaParams { p: fit.params[0], q: fit.params[1], v: fit.params[2] },
        log_likelihood: fit.log_likelihood,
        iterations: fit.iterations,
        standard_errors: fit.standard_errors,
    })
}
