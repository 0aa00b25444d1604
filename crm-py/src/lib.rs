//! Python binding of the CRM engine: the native module `crm_core._native`.
//!
//! The Python package `crm_core` (in `python/crm_core/`) re-exports what is
//! defined here and adds the exception classes (`errors.py`). Everything
//! heavy runs with the GIL released; every core error is raised as a
//! `crm_core.CrmError` subclass through [`errors::to_py`].

mod arrow_in;
mod datasets;
mod errors;
mod facts;
mod intern;
mod ltv;
mod memory;
mod pyjson;
mod segment;
mod threads;

/// mimalloc keeps freed memory for the next allocation instead of handing it
/// back to the kernel: a call that reads ten million rows allocates a few
/// hundred megabytes, and on these machines every fresh page costs a fault
/// (how long it keeps them: [`memory`]).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crm_core::model::Store;
use crm_core::wire::{self, RequestError};
use pyo3::prelude::*;

use crate::errors::CoreResult;
use crate::pyjson::{request_text, to_py_value};

/// The library version (`crm_core.__version__`).
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Runs a function of the JSON interface (the same functions as the C ABI).
#[pyfunction]
fn call<'py>(py: Python<'py>, function: &str, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let text = request_text(request).py(py)?;
    let function = function.to_string();
    let out = py.detach(move || wire::call(&function, &text)).py(py)?;
    let value: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| RequestError::InvalidJson { message: e.to_string() }).py(py)?;
    to_py_value(py, &value)
}

fn store_from(py: Python<'_>, store: &Bound<'_, PyAny>) -> PyResult<Store> {
    let text = request_text(store).py(py)?;
    py.detach(move || Store::from_json(&text)).py(py)
}

/// Validates a store document; returns the number of records per collection.
#[pyfunction]
fn validate_store<'py>(py: Python<'py>, store: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let s = store_from(py, store)?;
    let counts = serde_json::json!({
        "customers": s.customers.len(),
        "orders": s.orders.len(),
        "carts": s.carts.len(),
        "consents": s.consents.len(),
        "events": s.events.len(),
    });
    to_py_value(py, &counts)
}

/// Validates a store document and returns it normalised (instants in UTC,
/// defaults filled in) as a dict.
#[pyfunction]
fn load_store<'py>(py: Python<'py>, store: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let s = store_from(py, store)?;
    let value = serde_json::to_value(&s)
        .map_err(|e| errors::invalid_input("store", format!("cannot serialise: {e}")))
        .py(py)?;
    to_py_value(py, &value)
}

/// The native module; its name must equal `[lib] name` and pyproject's `module-name`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    memory::keep_freed_memory();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("WIRE_VERSION", wire::WIRE_VERSION)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(call, m)?)?;
    m.add_function(wrap_pyfunction!(validate_store, m)?)?;
    m.add_function(wrap_pyfunction!(load_store, m)?)?;
    m.add_function(wrap_pyfunction!(facts::customer_facts, m)?)?;
    m.add_function(wrap_pyfunction!(datasets::sample_store, m)?)?;
    m.add_class::<datasets::SampleStore>()?;
    m.add_class::<segment::Segment>()?;
    m.add_class::<segment::Customers>()?;
    m.add_class::<facts::LoadedOrders>()?;
    m.add_function(wrap_pyfunction!(segment::assign_segments, m)?)?;
    ltv::register(m)?;
    m.add_function(wrap_pyfunction!(ltv::summary::ltv_transaction_summary, m)?)?;
    Ok(())
}
