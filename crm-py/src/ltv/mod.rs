//! The native half of `crm_core.ltv`: lifetimes-style fitters over float64
//! Arrow columns.
//!
//! The Python classes (`crm_core/ltv/fitters.py`) turn pandas, numpy,
//! polars and pyarrow inputs into float64 pyarrow arrays and call:
//!
//! - [`fit::ltv_fit`]: fits one model, returning its parameters in lifetimes'
//!   order, the log-likelihood, the standard errors and the iterations;
//! - [`predict::ltv_predict`]: one prediction over broadcast columns (length 1 or N);
//! - [`predict::ltv_clv`]: discounted lifetime value from a purchase model and Gamma-Gamma.
//!
//! Every call releases the GIL around the Rust work; bad rows raise
//! `crm_core.LtvError` naming the column (`field`) and the row (`value`).

mod columns;
mod fit;
mod model;
mod predict;
pub(crate) mod summary;

use pyo3::prelude::*;

/// Adds the LTV functions to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fit::ltv_fit, m)?)?;
    m.add_function(wrap_pyfunction!(predict::ltv_predict, m)?)?;
    m.add_function(wrap_pyfunction!(predict::ltv_clv, m)?)?;
    Ok(())
}
