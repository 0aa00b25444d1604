//! Fast maximum likelihood: exact gradients (forward-mode differentiation
//! and hand-derived sums over distinct values) and a quasi-Newton search.
//!
//! The likelihoods of BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma are sums
//! over customers whose costly parts (log-gamma functions, logarithms of
//! α + T) depend on few distinct values of frequency, recency and T; the
//! fits compute those once per evaluation and leave a short loop per
//! customer. With the gradient exact, BFGS needs a few dozen evaluations
//! where Nelder–Mead needs hundreds.

mod bfgs;
mod distinct;
pub(crate) mod dual;
mod four;
mod gamma_gamma;
mod pareto_nbd;

pub(crate) use four::{fit_four_grouped, FourParamModel};
pub(crate) use gamma_gamma::fit_gamma_gamma_grouped;
pub(crate) use pareto_nbd::fit_pareto_nbd_grouped;

use self::bfgs::{bfgs, hessian_from_gradient};
use self::dual::Dual;
use super::optimize::{invert, standard_errors_from_hessian, MleFit};
use super::LtvError;

/// Rows above which a fit first runs on a sample: every k-th row, k = rows / `SAMPLE_ROWS`.
const SAMPLE_ROWS: usize = 20_000;

/// Fits `N` positive parameters θ by maximum likelihood: BFGS on u = ln θ,
/// minimising −log-likelihood(θ)/n + `penalizer` × Σ θ² (lifetimes'
/// objective), then the standard errors from the Hessian (differences of
/// the exact gradient).
///
/// `build(k)` gives the likelihood of every k-th of the `rows` rows (k = 1:
/// all) with the number of customers n they stand for; the likelihood
/// receives θ as duals carrying ∂θ/∂u and returns the summed log-likelihood
/// with its gradient. Up to 2 × `SAMPLE_ROWS` rows the search starts at
/// θ = 1; above, it first fits a sample of about `SAMPLE_ROWS` rows from
/// θ = 1 and starts from that optimum with the sample's inverse Hessian,
/// which leaves a few iterations over all rows. Either way the result is a
/// function of the data alone.
///
/// # Errors
/// [`LtvError::InvalidOption`] for a bad penalizer, [`LtvError::NoFit`] when
/// n is not positive or the optimum's likelihood is not finite.
pub(crate) fn fit_smooth<const N: usize, L: Fn(&[Dual<N>; N]) -> Dual<N>>(
    rows: usize,
    penalizer: f64,
    build: impl Fn(usize) -> (f64, L),
) -> Result<MleFit, LtvError> {
    LtvError::check_penalizer(penalizer)?;
    let mut start: (Vec<f64>, Option<Vec<Vec<f64>>>) = (vec![0.0; N], None);
    let stride = rows / SAMPLE_ROWS;
    if stride >= 2 {
        let (n, sample) = build(stride);
        if n > 0.0 {
            let objective = objective(n, penalizer, &sample);
            let (m, g) = bfgs(&objective, &[0.0; N], None, 1e-7, 500);
            if m.value.is_finite() {
                let inverse = invert(hessian_from_gradient(|u| objective(u).1, &m.x, &g, 1e-6));
                let positive = inverse.as_ref().is_some_and(|h| (0..N).all(|i| h[i][i] > 0.0));
                start = (m.x, inverse.filter(|_| positive));
            }
        }
    }
    let (n, log_likelihood) = build(1);
    if n.is_nan() || n <= 0.0 {
        return Err(LtvError::NoFit { message: "no customers".into() });
    }
    let objective = objective(n, penalizer, &log_likelihood);
    let (m, g) = bfgs(&objective, &start.0, start.1, 1e-9, 500);
    let params: Vec<f64> = m.x.iter().map(|v| v.exp()).collect();
    let ll = -(m.value - penalizer * params.iter().map(|v| v * v).sum::<f64>()) * n;
    if !ll.is_finite() {
        return Err(LtvError::NoFit { message: "no parameters give a finite likelihood".into() });
    }
    let hessian = hessian_from_gradient(|u| objective(u).1, &m.x, &g, 1e-6);
    let standard_errors = standard_errors_from_hessian(hessian, &m.x, n);
    Ok(MleFit { params, log_likelihood: ll, iterations: m.iterations, standard_errors })
}

/// u ↦ (−log-likelihood(e^u)/n + penalizer × Σ e^(2u), its gradient).
fn objective<const N: usize>(
    n: f64,
    penalizer: f64,
    log_likelihood: &impl Fn(&[Dual<N>; N]) -> Dual<N>,
) -> impl Fn(&[f64]) -> (f64, Vec<f64>) + '_ {
    move |u: &[f64]| {
        let theta: [Dual<N>; N] = std::array::from_fn(|i| Dual::variable(u[i], i).exp());
        let mut value = -log_likelihood(&theta) / n;
        for t in &theta {
            value = value + penalizer * *t * *t;
        }
        (value.v, value.d.to_vec())
    }
}
