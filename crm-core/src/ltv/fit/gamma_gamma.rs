//! The Gamma-Gamma likelihood summed over customers with its gradient, for
//! [`fit_smooth`](super::fit_smooth).
//!
//! Per customer (x repeat transactions of mean m, weight w):
//! ln Γ(px+q) − ln Γ(q) + q ln v − ln Γ(px) + (px−1) ln m + px ln x − (px+q) ln(xm+v)
//! (as `GammaGammaParams::log_likelihood`). The log-gamma terms depend on x
//! only (once per distinct x); Σ w (px − 1) ln m + px ln x = p Σ w x (ln m + ln x) − Σ w ln m
//! is linear in p (two sums taken once); only ln(xm + v) is left per customer.

use super::distinct::Distinct;
use super::dual::Dual;
use super::fit_smooth;
use crate::ltv::optimize::MleFit;
use crate::ltv::LtvError;

/// Rows (x, m, w), grouped for the likelihood.
struct Grouped<'a> {
    rows: Vec<&'a (f64, f64, f64)>,
    xs: Vec<f64>,
    x_weight: Vec<f64>,
    linear_in_p: f64,
    constant: f64,
    weight: f64,
}

impl<'a> Grouped<'a> {
    fn new(all: &'a [(f64, f64, f64)], stride: usize) -> Grouped<'a> {
        let rows: Vec<&(f64, f64, f64)> = all.iter().step_by(stride).collect();
        let xs = Distinct::new(rows.iter().map(|r| r.0));
        let mut x_weight = vec![0.0; xs.values.len()];
        let (mut linear_in_p, mut constant, mut weight) = (0.0, 0.0, 0.0);
        for (i, &&(x, m, w)) in rows.iter().enumerate() {
            x_weight[xs.index[i] as usize] += w;
            linear_in_p += w * x * (m.ln() + x.ln());
            constant -= w * m.ln();
            weight += w;
        }
        Grouped { rows, xs: xs.values, x_weight, linear_in_p, constant, weight }
    }

    fn log_likelihood(&self, theta: &[Dual<3>; 3]) -> Dual<3> {
        let [p, q, v] = *theta;
        let mut total = self.weight * (q * v.ln() - q.ln_gamma()) + p * self.linear_in_p + self.constant;
        for (j, &x) in self.xs.iter().enumerate() {
            total = total + self.x_weight[j] * ((p * x + q).ln_gamma() - (p * x).ln_gamma());
        }
        let mut g = [0.0f64; 4]; // value, ∂/∂p, ∂/∂q, ∂/∂v of −Σ w (px+q) ln(xm+v)
        for &&(x, m, w) in &self.rows {
            let sum = x * m + v.v;
            let (l, shape) = (sum.ln(), p.v * x + q.v);
            g[0] -= w * shape * l;
            g[1] -= w * x * l;
            g[2] -= w * l;
            g[3] -= w * shape / sum;
        }
        total.v += g[0];
        total.d[0] += p.v * g[1];
        total.d[1] += q.v * g[2];
        total.d[2] += v.v * g[3];
        total
    }
}

/// Fits Gamma-Gamma on rows (x ≥ 1, m > 0, w > 0), already validated.
///
/// # Errors
/// As [`fit_smooth`](super::fit_smooth).
pub(crate) fn fit_gamma_gamma_grouped(rows: &[(f64, f64, f64)], penalizer: f64) -> Result<MleFit, LtvError> {
    fit_smooth(rows.len(), penalizer, |stride| {
        let grouped = Grouped::new(rows, stride);
        (grouped.weight, move |theta: &[Dual<3>; 3]| grouped.log_likelihood(theta))
    })
}
