//! The Pareto/NBD likelihood summed over a summary with its gradient, for
//! [`fit_smooth`](super::fit_smooth).
//!
//! Per customer (as `ParetoNbdParams::log_likelihood`, Fader & Hardie's note):
//! A(x) + ln(e^S + e^L) with A(x) = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β,
//! S = −(r+x) ln(α+T) − s ln(β+T) and, when tₓ < T,
//! L = ln s − ln(r+s+x) + U(x, tₓ) + ln(1 − e^(U(x, T) − U(x, tₓ))),
//! U(x, t) = ln ₂F₁(r+s+x, τ; r+s+x+1; |α−β|/(m+t)) − (r+s+x) ln(m+t),
//! m = max(α, β), τ = r+x when α < β, else s+1. A depends on x, S and
//! U(x, T) on the pair (x, T), U(x, tₓ) on (x, tₓ): each is computed once
//! per distinct value or pair, the hypergeometric series above all.

use super::distinct::{merge_equal, Distinct};
use super::dual::{hyp2f1_a_plus_one, Dual};
use super::fit_smooth;
use crate::ltv::{LtvError, ParetoNbdFit, ParetoNbdParams, Summary};

/// A customer in the loop: the indices of x, (x, T) and (x, tₓ), whether tₓ < T, and the weight.
struct Row {
    x: u32,
    x_t: u32,
    x_tx: u32,
    left: bool,
    w: f64,
}

/// The summary's rows (every `stride`-th), grouped for the likelihood.
struct Grouped {
    xs: Vec<f64>,
    /// Distinct (x, T) and (x, tₓ) pairs as indices into `xs` and `ages`.
    x_t: Vec<(u32, u32)>,
    x_tx: Vec<(u32, u32)>,
    /// Distinct values of T and tₓ together.
    ages: Vec<f64>,
    rows: Vec<Row>,
    weight: f64,
}

impl Grouped {
    fn new(s: &Summary, stride: usize) -> Grouped {
        let picked: Vec<usize> = (0..s.len()).step_by(stride).filter(|&i| s.weight(i) > 0.0).collect();
        let xs = Distinct::new(picked.iter().map(|&i| s.frequency[i]));
        let ages = Distinct::new(picked.iter().flat_map(|&i| [s.t[i], s.recency[i]]));
        let age = |j: usize| ages.index[j];
        let x_t = Distinct::new((0..picked.len()).map(|j| (xs.index[j], age(2 * j))));
        let x_tx = Distinct::new((0..picked.len()).map(|j| (xs.index[j], age(2 * j + 1))));
        let mut rows: Vec<Row> = picked
            .iter()
            .enumerate()
            .map(|(j, &i)| Row {
                x: xs.index[j],
                x_t: x_t.index[j],
                x_tx: x_tx.index[j],
                left: s.recency[i] < s.t[i],
                w: s.weight(i),
            })
            .collect();
        merge_equal(&mut rows, |r| (r.x_t, r.x_tx), |r| &mut r.w);
        Grouped {
            xs: xs.values,
            x_t: x_t.values,
            x_tx: x_tx.values,
            ages: ages.values,
            rows,
            weight: picked.iter().map(|&i| s.weight(i)).sum(),
        }
    }

    fn log_likelihood(&self, theta: &[Dual<4>; 4]) -> Dual<4> {
        let [r, alpha, s, beta] = *theta;
        let (lo, hi, alpha_below) = if alpha.v < beta.v { (alpha, beta, true) } else { (beta, alpha, false) };
        let common = r * alpha.ln() + s * beta.ln() - r.ln_gamma();
        // Per distinct x: A(x), r+s+x, τ, ln s − ln(r+s+x).
        let per_x: Vec<(Dual<4>, Dual<4>, Dual<4>, Dual<4>)> = self
            .xs
            .iter()
            .map(|&x| {
                let rsx = r + s + x;
                let tau = if alpha_below { r + x } else { s + 1.0 };
                (common + (r + x).ln_gamma(), rsx, tau, s.ln() - rsx.ln())
            })
            .collect();
        let u = |&(xi, ai): &(u32, u32)| -> Dual<4> {
            let (_, rsx, tau, _) = per_x[xi as usize];
            let m_t = hi + self.ages[ai as usize];
            hyp2f1_a_plus_one(rsx, tau, (hi - lo) / m_t).ln() - rsx * m_t.ln()
        };
        // Per (x, T): S and U(x, T); per (x, tₓ): U(x, tₓ).
        let at_t: Vec<(Dual<4>, Dual<4>)> = self
            .x_t
            .iter()
            .map(|pair| {
                let (x, t) = (self.xs[pair.0 as usize], self.ages[pair.1 as usize]);
                (-(r + x) * (alpha + t).ln() - s * (beta + t).ln(), u(pair))
            })
            .collect();
        let at_tx: Vec<Dual<4>> = self.x_tx.iter().map(u).collect();
        let mut total = Dual::constant(0.0);
        for row in &self.rows {
            let (a_x, _, _, left_offset) = per_x[row.x as usize];
            let (stayed, u_t) = at_t[row.x_t as usize];
            let term = if row.left {
                let u_tx = at_tx[row.x_tx as usize];
                stayed.log_add_exp(left_offset + u_tx + (u_t - u_tx).ln_one_minus_exp())
            } else {
                stayed
            };
            total = total + row.w * (a_x + term);
        }
        total
    }
}

/// Fits Pareto/NBD on `s` (see the module docs).
///
/// # Errors
/// As [`fit_pareto_nbd`](crate::ltv::fit_pareto_nbd).
pub(crate) fn fit_pareto_nbd_grouped(s: &Summary, penalizer: f64) -> Result<ParetoNbdFit, LtvError> {
    s.validate()?;
    let fit = fit_smooth(s.len(), penalizer, |stride| {
        let grouped = Grouped::new(s, stride);
        (grouped.weight, move |theta: &[Dual<4>; 4]| grouped.log_likelihood(theta))
    })?;
    let p = &fit.params;
    Ok(ParetoNbdFit {
        params: ParetoNbdParams { r: p[0], alpha: p[1], s: p[2], beta: p[3] },
        log_likelihood: fit.log_likelihood,
        iterations: fit.iterations,
        standard_errors: fit.standard_errors,
    })
}
