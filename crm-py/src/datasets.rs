//! `crm_core.datasets.sample_store` (placeholder until the generator lands).

use crm_core::datasets::{self as core, SampleOptions};
use pyo3::prelude::*;

use crate::errors::CoreResult;
use crate::pyjson::to_py_value;

/// A generated store.
#[pyclass(module = "crm_core._native", frozen)]
pub(crate) struct SampleStore {
    inner: core::SampleStore,
}

#[pymethods]
impl SampleStore {
    /// The store as a dict.
    fn store_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = serde_json::to_value(self.inner.to_store()).unwrap_or(serde_json::Value::Null);
        to_py_value(py, &v)
    }
}

/// Generates a store.
#[pyfunction]
#[pyo3(signature = (customers=1000, seed=42))]
pub(crate) fn sample_store(py: Python<'_>, customers: usize, seed: u64) -> PyResult<SampleStore> {
    let inner = py.detach(|| core::sample_store(&SampleOptions { customers, seed })).py(py)?;
    Ok(SampleStore { inner })
}
