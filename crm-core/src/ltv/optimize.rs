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
