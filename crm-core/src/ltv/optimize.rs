//! A deterministic minimiser: Nelder–Mead over unconstrained parameters.
//!
//! The models fit the logarithms of their (positive) parameters, so the
//! search is unconstrained. The simplex starts at `x0` with steps of 0.5
//! along each axis, uses the standard coefficients (reflection 1, expansion
//! 2, contraction ½, shrink ½) and stops when the simplex's values and
//! points have all come within the tolerances, or after `max_iter`
//! iterations. No randomness: the same input gives the same result, bit for
//! bit.

/// Result of a minimisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    /// The best point found.
    pub x: Vec<f64>,
    /// The function's value there.
    pub value: f64,
    /// Iterations used.
    pub iterations: usize,
    /// True when the tolerances were met before `max_iter`.
    pub converged: bool,
}

/// Minimises `f` from `x0` (see the module docs).
///
/// ```
/// use crm_core::ltv::nelder_mead;
/// // Rosenbrock's function, minimum 0 at (1, 1).
/// let m = nelder_mead(|p| (1.0 - p[0]).powi(2) + 100.0 * (p[1] - p[0] * p[0]).powi(2), &[-1.2, 1.0], 1e-14, 20_000);
/// assert!(m.converged && (m.x[0] - 1.0).abs() < 1e-5 && (m.x[1] - 1.0).abs() < 1e-5);
/// ```
pub fn nelder_mead(f: impl Fn(&[f64]) -> f64, x0: &[f64], tolerance: f64, max_iter: usize) -> Minimum {
    let n = x0.len();
    let eval = |x: &[f64]| {
        let v = f(x);
        if v.is_nan() {
            f64::INFINITY
        } else {
            v
        }
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((x0.to_vec(), eval(x0)));
    for i in 0..n {
        let mut x = x0.to_vec();
        x[i] += 0.5;
        let v = eval(&x);
        simplex.push((x, v));
    }
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iter {
        // Order by value; ties by position in the simplex (stable sort), so runs are reproducible.
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[n].1);
        let spread = simplex.iter().skip(1).flat_map(|(x, _)| x.iter().zip(&simplex[0].0).map(|(a, b)| (a - b).abs()));
        let size = spread.fold(0.0f64, f64::max);
        if (worst - best).abs() <= tolerance * (1.0 + best.abs()) && size <= tolerance.sqrt() {
            converged = true;
            break;
        }
        iterations += 1;
        let centroid: Vec<f64> =
            (0..n).map(|j| simplex[..n].iter().map(|(x, _)| x[j]).sum::<f64>() / n as f64).collect();
        let towards =
            |t: f64| -> Vec<f64> { centroid.iter().zip(&simplex[n].0).map(|(c, w)| c + t * (w - c)).collect() };
        let reflected = towards(-1.0);
        let fr = eval(&reflected);
        if fr < simplex[0].1 {
            let expanded = towards(-2.0);
            let fe = eval(&expanded);
            simplex[n] = if fe < fr { (expanded, fe) } else { (reflected, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
        } else {
            let contracted = if fr < simplex[n].1 { towards(-0.5) } else { towards(0.5) };
            let fc = eval(&contracted);
            if fc < simplex[n].1.min(fr) {
                simplex[n] = (contracted, fc);
            } else {
                let x_best = simplex[0].0.clone();
                for (x, v) in simplex.iter_mut().skip(1) {
                    for (xi, bi) in x.iter_mut().zip(&x_best) {
                        *xi = bi + 0.5 * (*xi - bi);
                    }
                    *v = eval(x);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, value) = simplex.swap_remove(0);
    Minimum { x, value, iterations, converged }
}

/// Standard errors of positive parameters fitted in log space, as lifetimes
/// reports them: with H the Hessian of the mean negative log-likelihood `f`
/// at the log-parameters `x` (central differences), the variance of
/// parameter i is θᵢ² (H⁻¹)ᵢᵢ / `n` (the delta method from log θ to θ).
/// `None` when H is singular or a variance is not positive.
///
/// ```
/// use crm_core::ltv::log_space_standard_errors;
/// // f(u) = (u − ln 2)² / 2 ⇒ H = 1, θ = 2, se = 2 · sqrt(1 / 100) = 0.2
/// let se = log_space_standard_errors(|u| (u[0] - 2f64.ln()).powi(2) / 2.0, &[2f64.ln()], 100.0).unwrap();
/// assert!((se[0] - 0.2).abs() < 1e-6);
/// ```
pub fn log_space_standard_errors(f: impl Fn(&[f64]) -> f64, x: &[f64], n: f64) -> Option<Vec<f64>> {
    let k = x.len();
    let h = 1e-4;
    let at = |di: usize, si: f64, dj: usize, sj: f64| {
        let mut p = x.to_vec();
        p[di] += si * h;
        p[dj] += sj * h;
        f(&p)
    };
    let mut hess = vec![vec![0.0; k]; k];
    #[allow(clippy::needless_range_loop)] // (i, j) index a symmetric matrix from both sides
    for i in 0..k {
        for j in i..k {
            let v = if i == j {
                let mut p = x.to_vec();
                p[i] += 2.0 * h;
                let up = f(&p);
                p[i] -= 4.0 * h;
                let down = f(&p);
                (up - 2.0 * f(x) + down) / (4.0 * h * h)
            } else {
                (at(i, 1.0, j, 1.0) - at(i, 1.0, j, -1.0) - at(i, -1.0, j, 1.0) + at(i, -1.0, j, -1.0)) / (4.0 * h * h)
            };
            hess[i][j] = v;
            hess[j][i] = v;
        }
    }
    standard_errors_from_hessian(hess, x, n)
}

/// Standard errors of positive parameters from the Hessian `hess` of the
/// mean negative log-likelihood at their logarithms `x` (as
/// [`log_space_standard_errors`]); `None` when it is singular or a variance
/// is not positive.
pub(crate) fn standard_errors_from_hessian(hess: Vec<Vec<f64>>, x: &[f64], n: f64) -> Option<Vec<f64>> {
    let inv = invert(hess)?;
    (0..x.len())
        .map(|i| {
            let var = x[i].exp().powi(2) * inv[i][i] / n;
            (var > 0.0 && var.is_finite()).then(|| var.sqrt())
        })
        .collect()
}

/// The inverse of a small square matrix (Gauss–Jordan with partial pivoting).
pub(crate) fn invert(mut a: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let k = a.len();
    let mut inv: Vec<Vec<f64>> = (0..k).map(|i| (0..k).map(|j| f64::from(u8::from(i == j))).collect()).collect();
    for c in 0..k {
        let pivot = (c..k).max_by(|&p, &q| a[p][c].abs().total_cmp(&a[q][c].abs()))?;
        if a[pivot][c].abs() < 1e-300 {
            return None;
        }
        a.swap(c, pivot);
        inv.swap(c, pivot);
        let d = a[c][c];
        for j in 0..k {
            a[c][j] /= d;
            inv[c][j] /= d;
        }
        for r in 0..k {
            if r != c {
                let m = a[r][c];
                for j in 0..k {
                    a[r][j] -= m * a[c][j];
                    inv[r][j] -= m * inv[c][j];
                }
            }
        }
    }
    Some(inv)
}

/// A maximum-likelihood fit of positive parameters.
pub(super) struct MleFit {
    /// The parameters (natural scale).
    pub(super) params: Vec<f64>,
    /// The log-likelihood at `params`.
    pub(super) log_likelihood: f64,
    /// Optimiser iterations.
    pub(super) iterations: usize,
    /// Standard errors, as [`log_space_standard_errors`].
    pub(super) standard_errors: Option<Vec<f64>>,
}

/// Fits `dim` positive parameters by maximum likelihood, as BG/BB does
/// (the other models use the gradient-based fits of `ltv::fit`): Nelder–Mead from 0 on their logarithms, minimising
/// −`log_likelihood`(θ)/`n` + `penalizer` × Σ θ² (lifetimes' objective), then
/// the standard errors at the optimum.
///
/// # Errors
/// [`LtvError::InvalidOption`] for a negative or non-finite penalizer;
/// [`LtvError::NoFit`] when `n` is not positive or the optimum's likelihood is not finite.
pub(super) fn fit_positive(
    dim: usize,
    n: f64,
    penalizer: f64,
    log_likelihood: impl Fn(&[f64]) -> f64 + Copy,
) -> Result<MleFit, super::LtvError> {
    use super::LtvError;
    LtvError::check_penalizer(penalizer)?;
    if n <= 0.0 {
        return Err(LtvError::NoFit { message: "no customers".into() });
    }
    let objective = move |l: &[f64]| {
        let p: Vec<f64> = l.iter().map(|v| v.exp()).collect();
        -log_likelihood(&p) / n + penalizer * p.iter().map(|v| v * v).sum::<f64>()
    };
    let m = nelder_mead(objective, &vec![0.0; dim], 1e-12, 20_000);
    let params: Vec<f64> = m.x.iter().map(|v| v.exp()).collect();
    let ll = log_likelihood(&params);
    if !ll.is_finite() {
        return Err(LtvError::NoFit { message: "no parameters give a finite likelihood".into() });
    }
    let standard_errors = log_space_standard_errors(objective, &m.x, n);
    Ok(MleFit { params, log_likelihood: ll, iterations: m.iterations, standard_errors })
}
