//! A deterministic quasi-Newton minimiser (BFGS with a backtracking line
//! search) for smooth objectives whose gradient is known, and the Hessian
//! of such an objective by forward differences of its gradient.

use crate::ltv::optimize::Minimum;

/// Minimises `f` (returning the value and the gradient) from `x0`.
///
/// Each iteration steps along −H g, H the BFGS approximation of the inverse
/// Hessian: `h0` when given (say, from a fit on a sample of the data), else
/// the identity, scaled after the first step. The step is halved until the
/// value falls by at least 10⁻⁴ of the predicted decrease (Armijo's rule);
/// steps are capped at 4 along any axis, which keeps log-parameters from
/// overflowing. Stops when every gradient component is within `gtol`, when
/// the decrease a full step predicts (gᵀHg) falls below 10⁻¹³ of the value
/// (its rounding noise), when no step lowers the value any more, or after
/// `max_iter` iterations (`converged` false). Returns the minimum and the
/// gradient there, which the search has already computed.
pub(crate) fn bfgs(
    f: impl Fn(&[f64]) -> (f64, Vec<f64>),
    x0: &[f64],
    h0: Option<Vec<Vec<f64>>>,
    gtol: f64,
    max_iter: usize,
) -> (Minimum, Vec<f64>) {
    let n = x0.len();
    let mut x = x0.to_vec();
    let (mut fx, mut g) = f(&x);
    let scale_after_first_step = h0.is_none();
    let mut h = h0.unwrap_or_else(|| identity(n, 1.0));
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iter {
        if g.iter().all(|v| v.abs() <= gtol) {
            converged = true;
            break;
        }
        iterations += 1;
        let mut p: Vec<f64> = (0..n).map(|i| -dot(&h[i], &g)).collect();
        let mut slope = dot(&g, &p);
        if slope.is_nan() || slope >= 0.0 {
            // Not a descent direction (H lost positive definiteness): restart from steepest descent.
            h = identity(n, 1.0);
            p = g.iter().map(|v| -v).collect();
            slope = dot(&g, &p);
        } else if -slope <= 1e-13 * fx.abs().max(1.0) {
            // The decrease a full step predicts (gᵀHg/2 < gᵀHg) is below what the value's
            // rounding lets us see: the minimum to working precision.
            converged = true;
            break;
        }
        let longest = p.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut step = if longest > 4.0 { 4.0 / longest } else { 1.0 };
        let mut accepted = None;
        for _ in 0..60 {
            let xn: Vec<f64> = x.iter().zip(&p).map(|(a, b)| a + step * b).collect();
            let (fn_, gn) = f(&xn);
            if fn_.is_finite() && fn_ <= fx + 1e-4 * step * slope && gn.iter().all(|v| v.is_finite()) {
                accepted = Some((xn, fn_, gn));
                break;
            }
            step *= 0.5;
        }
        let Some((xn, fn_, gn)) = accepted else {
            // No step lowers the value: we are at the minimum to working precision.
            converged = true;
            break;
        };
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 0.0 {
            if iterations == 1 && scale_after_first_step {
                h = identity(n, sy / dot(&y, &y));
            }
            update_inverse(&mut h, &s, &y, sy);
        }
        let stalled = fx - fn_ <= 1e-16 * fx.abs().max(1.0) && s.iter().all(|v| v.abs() < 1e-12);
        x = xn;
        fx = fn_;
        g = gn;
        if stalled {
            converged = true;
            break;
        }
    }
    (Minimum { x, value: fx, iterations, converged }, g)
}

/// The Hessian of the objective whose gradient is `grad`, at `x` where the
/// gradient is `g`: forward differences of the gradient with step `h`
/// (one gradient per variable), symmetrised.
pub(crate) fn hessian_from_gradient(grad: impl Fn(&[f64]) -> Vec<f64>, x: &[f64], g: &[f64], h: f64) -> Vec<Vec<f64>> {
    let n = x.len();
    let mut hess = vec![vec![0.0; n]; n];
    for j in 0..n {
        let mut up = x.to_vec();
        up[j] += h;
        let gu = grad(&up);
        for i in 0..n {
            hess[i][j] = (gu[i] - g[i]) / h;
        }
    }
    #[allow(clippy::needless_range_loop)] // (i, j) index a symmetric matrix from both sides
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (hess[i][j] + hess[j][i]);
            hess[i][j] = m;
            hess[j][i] = m;
        }
    }
    hess
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn identity(n: usize, scale: f64) -> Vec<Vec<f64>> {
    (0..n).map(|i| (0..n).map(|j| if i == j { scale } else { 0.0 }).collect()).collect()
}

/// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1/(yᵀs).
fn update_inverse(h: &mut [Vec<f64>], s: &[f64], y: &[f64], sy: f64) {
    let n = s.len();
    let rho = 1.0 / sy;
    let hy: Vec<f64> = (0..n).map(|i| dot(&h[i], y)).collect();
    let yhy = dot(y, &hy);
    for i in 0..n {
        for j in 0..n {
            h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let f = |p: &[f64]| {
            let (a, b) = (p[0], p[1]);
            let v = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            (v, vec![-2.0 * (1.0 - a) - 400.0 * a * (b - a * a), 200.0 * (b - a * a)])
        };
        let (m, g) = bfgs(f, &[-1.2, 1.0], None, 1e-10, 1000);
        assert_eq!(g, f(&m.x).1, "the gradient at the minimum");
        assert!(m.converged && (m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] - 1.0).abs() < 1e-8, "{m:?}");
        assert_eq!(bfgs(f, &[-1.2, 1.0], None, 1e-10, 1000).0, m, "deterministic");
        // Started with the exact inverse Hessian at the minimum, from near it: a few steps.
        let (near, _) = bfgs(f, &[1.01, 1.02], Some(vec![vec![0.5, 1.0], vec![1.0, 2.005]]), 1e-10, 1000);
        assert!(near.converged && near.iterations < 10 && (near.x[0] - 1.0).abs() < 1e-8, "{near:?}");
    }

    #[test]
    fn hessian_of_a_quadratic() {
        // f = x² + 3xy + 5y² ⇒ H = [[2, 3], [3, 10]]
        let g = |p: &[f64]| vec![2.0 * p[0] + 3.0 * p[1], 3.0 * p[0] + 10.0 * p[1]];
        let h = hessian_from_gradient(g, &[0.3, -0.7], &g(&[0.3, -0.7]), 1e-4);
        for (got, want) in h.iter().flatten().zip([2.0, 3.0, 3.0, 10.0]) {
            assert!((got - want).abs() < 1e-9);
        }
    }
}
