//! The likelihood of the four-parameter models, BG/NBD and MBG/NBD, summed
//! over a summary with its gradient, for [`fit_smooth`](super::fit_smooth).
//!
//! Per customer (frequency x, recency tₓ, age T) both are
//! A(x) − (r+x) ln(α+T) + ln(1 + eᵈ), d = ln a − ln(b+x−1+k) + (r+x)(ln(α+T) − ln(α+tₓ)),
//! with A(x) = ln Γ(r+x) − ln Γ(r) + r ln α + ln Γ(a+b) + ln Γ(b+x+k) − ln Γ(b) − ln Γ(a+b+x+k);
//! k = 0 for BG/NBD, whose customers without a repeat purchase lack the
//! last term, and k = 1 for MBG/NBD (the same algebra as the per-customer
//! `log_likelihood` of each model). A(x) is computed once per distinct x,
//! the logarithms once per distinct T and tₓ.

use super::distinct::{merge_equal, Distinct};
use super::dual::{softplus, Dual};
use super::fit_smooth;
use crate::ltv::{BgNbdFit, BgNbdParams, LtvError, Summary};

/// Which four-parameter model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FourParamModel {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    BgNbd,
    /// MBG/NBD (Batislam et al. 2007).
    MbgNbd,
}

/// A customer in the loop: indices of x, T and tₓ among the distinct values, and the weight.
struct Row {
    x: u32,
    t: u32,
    tx: u32,
    w: f64,
}

/// The summary's rows (every `stride`-th), grouped for the likelihood.
struct Grouped {
    k: f64,
    xs: Vec<f64>,
    ts: Vec<f64>,
    txs: Vec<f64>,
    x_weight: Vec<f64>,
    /// BG/NBD customers without a repeat purchase contribute A(0) − r ln(α+T): by T.
    zero_weight_by_t: Vec<f64>,
    rows: Vec<Row>,
    weight: f64,
}

impl Grouped {
    fn new(s: &Summary, model: FourParamModel, stride: usize) -> Grouped {
        let pick = |c: &[f64]| c.iter().step_by(stride).copied().collect::<Vec<f64>>();
        let (frequency, recency, t) = (pick(&s.frequency), pick(&s.recency), pick(&s.t));
        let weights: Vec<f64> = (0..s.len()).step_by(stride).map(|i| s.weight(i)).collect();
        let xs = Distinct::new(frequency.iter().copied());
        let ts = Distinct::new(t.iter().copied());
        let txs = Distinct::new(recency.iter().copied());
        let mut x_weight = vec![0.0; xs.values.len()];
        let mut zero_weight_by_t = vec![0.0; ts.values.len()];
        let mut rows = Vec::with_capacity(frequency.len());
        for (i, &w) in weights.iter().enumerate() {
            if w == 0.0 {
                continue;
            }
            x_weight[xs.index[i] as usize] += w;
            if model == FourParamModel::BgNbd && frequency[i] == 0.0 {
                zero_weight_by_t[ts.index[i] as usize] += w;
            } else {
                rows.push(Row { x: xs.index[i], t: ts.index[i], tx: txs.index[i], w });
            }
        }
        // Customers with the same (x, T, tₓ) become one row with their weights summed.
        merge_equal(&mut rows, |r| (r.x, r.t, r.tx), |r| &mut r.w);
        Grouped {
            k: if model == FourParamModel::MbgNbd { 1.0 } else { 0.0 },
            xs: xs.values,
            ts: ts.values,
            txs: txs.values,
            x_weight,
            zero_weight_by_t,
            rows,
            weight: weights.iter().sum(),
        }
    }

    fn log_likelihood(&self, theta: &[Dual<4>; 4]) -> Dual<4> {
        let [r, alpha, a, b] = *theta;
        let k = self.k;
        let common = r * alpha.ln() - r.ln_gamma() + (a + b).ln_gamma() - b.ln_gamma();
        let mut total = Dual::constant(0.0);
        // Per distinct x: (r + x, ln a − ln(b+x−1+k), its derivative in ln b).
        let mut per_x = Vec::with_capacity(self.xs.len());
        for (j, &x) in self.xs.iter().enumerate() {
            let a_x = common + (r + x).ln_gamma() + (b + (x + k)).ln_gamma() - (a + b + (x + k)).ln_gamma();
            total = total + self.x_weight[j] * a_x;
            let bx = b.v + x - 1.0 + k;
            per_x.push((r.v + x, a.v.ln() - bx.ln(), -b.v / bx));
        }
        // Per distinct age: ln(α + v) and its derivative in ln α.
        let logs = |values: &[f64]| -> Vec<(f64, f64)> {
            values.iter().map(|&v| ((alpha.v + v).ln(), alpha.v / (alpha.v + v))).collect()
        };
        let (lt, ltx) = (logs(&self.ts), logs(&self.txs));
        let mut g = [0.0f64; 5]; // value, ∂/∂r, ∂/∂ln α, ∂/∂ln a, ∂/∂ln b
        for (j, &w) in self.zero_weight_by_t.iter().enumerate() {
            let (l, dl) = lt[j];
            g[0] -= w * r.v * l;
            g[1] -= w * l;
            g[2] -= w * r.v * dl;
        }
        for row in &self.rows {
            let (rx, offset, d_offset) = per_x[row.x as usize];
            let ((l, dl), (lx, dlx)) = (lt[row.t as usize], ltx[row.tx as usize]);
            let (sp, sigma) = softplus(offset + rx * (l - lx));
            let w = row.w;
            g[0] += w * (sp - rx * l);
            g[1] += w * (sigma * (l - lx) - l);
            g[2] += w * rx * (sigma * (dl - dlx) - dl);
            g[3] += w * sigma;
            g[4] += w * sigma * d_offset;
        }
        total.v += g[0];
        total.d[0] += r.v * g[1];
        total.d[1] += g[2];
        total.d[2] += g[3];
        total.d[3] += g[4];
        total
    }
}

/// Fits `model` on `s` (see the module docs).
///
/// # Errors
/// As [`fit_bgnbd`](crate::ltv::fit_bgnbd).
pub(crate) fn fit_four_grouped(s: &Summary, penalizer: f64, model: FourParamModel) -> Result<BgNbdFit, LtvError> {
    s.validate()?;
    let fit = fit_smooth(s.len(), penalizer, |stride| {
        let grouped = Grouped::new(s, model, stride);
        (grouped.weight, move |theta: &[Dual<4>; 4]| grouped.log_likelihood(theta))
    })?;
    let p = &fit.params;
    Ok(BgNbdFit {
        params: BgNbdParams { r: p[0], alpha: p[1], a: p[2], b: p[3] },
        log_likelihood: fit.log_likelihood,
        iterations: fit.iterations,
        standard_errors: fit.standard_errors,
    })
}
