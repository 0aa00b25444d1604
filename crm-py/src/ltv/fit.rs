//! `ltv_fit`: maximum-likelihood fits of the LTV models through the core's
//! `fit_*` functions.

use crm_core::ltv::{fit_bgbb, fit_bgnbd, fit_gamma_gamma, fit_mbgnbd, fit_pareto_nbd, LtvError, Summary};
use pyo3::prelude::*;
use pyo3_arrow::PyArray;

use super::columns::{bad_row, read_all, Column};
use super::model::Kind;
use crate::errors::CoreResult;

/// What a fit returns to Python: parameters (lifetimes' order), the summed
/// log-likelihood of the data at them, standard errors (`None` when the
/// Hessian is singular) and optimiser iterations.
type FitOut = (Vec<f64>, f64, Option<Vec<f64>>, usize);

/// Fits `model` (`bgnbd`, `mbgnbd`, `pareto_nbd`: columns frequency,
/// recency, T; `bgbb`: frequency, recency, n_periods; `gamma_gamma`:
/// frequency, monetary_value) with optional row weights and lifetimes' L2
/// `penalizer`. The GIL is released during the fit.
///
/// # Errors
/// `LtvError`: a bad row (`invalid_summary`, naming column and row), a bad
/// option, or no fit (`no_fit`: no rows, no repeat buyer for Gamma-Gamma).
#[pyfunction]
#[pyo3(signature = (model, columns, weights=None, penalizer=0.0))]
pub(super) fn ltv_fit(
    py: Python<'_>,
    model: &str,
    columns: Vec<PyArray>,
    weights: Option<PyArray>,
    penalizer: f64,
) -> PyResult<FitOut> {
    let kind = Kind::parse(model).py(py)?;
    let names: &[&'static str] = match kind {
        Kind::BgNbd | Kind::MbgNbd | Kind::ParetoNbd => &["frequency", "recency", "T"],
        Kind::BgBb => &["frequency", "recency", "n_periods"],
        Kind::GammaGamma => &["frequency", "monetary_value"],
    };
    let cols = read_all(names, columns).py(py)?;
    let weights = weights.map(|w| Column::read("weights", w)).transpose().py(py)?;
    py.detach(move || fit(kind, &cols, weights.as_ref(), penalizer)).py(py)
}

fn fit(kind: Kind, cols: &[Column], weights: Option<&Column>, penalizer: f64) -> Result<FitOut, LtvError> {
    let col = |i: usize| cols[i].values().to_vec();
    let summary = || -> Result<Summary, LtvError> {
        let s = Summary::new(col(0), col(1), col(2))?;
        match weights {
            Some(w) => s.with_weights(w.values().to_vec()),
            None => Ok(s),
        }
    };
    Ok(match kind {
        Kind::BgNbd | Kind::MbgNbd => {
            let f = if kind == Kind::BgNbd {
                fit_bgnbd(&summary()?, penalizer)?
            } else {
                fit_mbgnbd(&summary()?, penalizer)?
            };
            let p = f.params;
            (vec![p.r, p.alpha, p.a, p.b], f.log_likelihood, f.standard_errors, f.iterations)
        }
        Kind::ParetoNbd => {
            let f = fit_pareto_nbd(&summary()?, penalizer)?;
            let p = f.params;
            (vec![p.r, p.alpha, p.s, p.beta], f.log_likelihood, f.standard_errors, f.iterations)
        }
        Kind::BgBb => {
            let (x, tx, n) = (cols[0].values(), cols[1].values(), cols[2].values());
            if tx.len() != x.len() || n.len() != x.len() {
                return Err(bad_row(x.len().min(tx.len()).min(n.len()), "n_periods", "columns of different lengths"));
            }
            if let Some(w) = weights.filter(|w| w.values().len() != x.len()) {
                return Err(bad_row(x.len().min(w.values().len()), "weights", "columns of different lengths"));
            }
            let rows: Vec<(f64, f64, f64, f64)> =
                (0..x.len()).map(|i| (x[i], tx[i], n[i], weights.map_or(1.0, |w| w.values()[i]))).collect();
            let f = fit_bgbb(&rows, penalizer)?;
            let p = f.params;
            (vec![p.alpha, p.beta, p.gamma, p.delta], f.log_likelihood, f.standard_errors, f.iterations)
        }
        Kind::GammaGamma => {
            let (x, m) = (cols[0].values(), cols[1].values());
            // The core refuses repeat purchases worth 0 (lifetimes refuses every value ≤ 0).
            let f = fit_gamma_gamma(x, m, weights.map(Column::values), penalizer)?;
            let p = f.params;
            (vec![p.p, p.q, p.v], f.log_likelihood, f.standard_errors, f.iterations)
        }
    })
}
