//! `crm_core.CustomerTable`: a facts table read once into the core's columns,
//! so that many rules evaluate over it without reading Arrow again.

use std::sync::RwLock;

use crm_core::error::Error;
use crm_core::segment::{CustomerTable, TableOptions};
use pyo3::prelude::*;

use super::arrow::from_arrow;
use super::{inputs, Source};
use crate::errors::{invalid_input, CoreResult};
use crate::pyjson::from_py;

/// A prepared customer table. See `crm_core.CustomerTable` in `crm_core/segment.py`.
#[pyclass(module = "crm_core._native", frozen, name = "CustomerTable")]
pub(crate) struct Customers {
    pub(super) table: RwLock<CustomerTable>,
}

impl Customers {
    /// Runs `f` on the table (a write lock: `in_segment` memberships and `as_of` may be set).
    pub(super) fn with<T>(&self, f: impl FnOnce(&mut CustomerTable) -> Result<T, Error>) -> Result<T, Error> {
        let mut guard =
            self.table.write().map_err(|_| invalid_input("table", "a previous call panicked while using it"))?;
        f(&mut guard)
    }
}

#[pymethods]
impl Customers {
    /// Reads every supported column of a facts table (pandas, polars, pyarrow),
    /// or computes every field of a store document (`as_of` required).
    #[new]
    #[pyo3(signature = (facts, *, as_of=None, time_zone=None, customer_id="customer_id", brand_tiers=None, ltv=None))]
    fn new(
        py: Python<'_>,
        facts: &Bound<'_, PyAny>,
        as_of: Option<&Bound<'_, PyAny>>,
        time_zone: Option<&str>,
        customer_id: &str,
        brand_tiers: Option<&Bound<'_, PyAny>>,
        ltv: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Customers> {
        let inp = inputs(facts, as_of, time_zone, customer_id, None).py(py)?;
        let mut opts = TableOptions { time_zone: inp.zone, ..TableOptions::default() };
        let parse =
            |obj: Option<&Bound<'_, PyAny>>, field: &str, hint: &str| -> Result<Option<serde_json::Value>, Error> {
                match obj.filter(|o| !o.is_none()) {
                    Some(o) if matches!(inp.source, Source::Store(_)) => Ok(Some(from_py(o)?)),
                    Some(_) => Err(invalid_input(
                        field,
                        format!("{hint} apply to a store; a facts table carries its own columns"),
                    )),
                    None => Ok(None),
                }
            };
        if let Some(v) = parse(brand_tiers, "brand_tiers", "brand tiers").py(py)? {
            opts.brand_tiers = serde_json::from_value(v)
                .map_err(|_| invalid_input("brand_tiers", "expected a dict of brand -> tier name"))
                .py(py)?;
        }
        if let Some(v) = parse(ltv, "ltv", "LTV predictions").py(py)? {
            opts.ltv = serde_json::from_value(v)
                .map_err(|_| invalid_input("ltv", "expected {\"prediction\": {\"customer id\": number}}"))
                .py(py)?;
        }
        let table = py
            .detach(move || -> Result<CustomerTable, Error> {
                match &inp.source {
                    Source::Table(batches, schema) => from_arrow(batches, schema, &inp, None, true),
                    Source::Store(store) => {
                        let at = crm_core::time::from_micros(inp.as_of)
                            .filter(|_| inp.as_of != CustomerTable::NO_INSTANT)
                            .ok_or_else(|| invalid_input("as_of", "a store needs the instant as_of"))?;
                        CustomerTable::from_store(store, at, &opts)
                    }
                    Source::Prepared(_) => Err(invalid_input("facts", "already a CustomerTable")),
                }
            })
            .py(py)?;
        Ok(Customers { table: RwLock::new(table) })
    }

    /// Number of customers.
    fn __len__(&self) -> usize {
        self.table.read().map(|t| t.len()).unwrap_or(0)
    }

    /// The field names, sorted.
    #[getter]
    fn fields(&self) -> Vec<String> {
        self.table.read().map(|t| t.fields().map(str::to_string).collect()).unwrap_or_default()
    }

    fn __repr__(&self) -> String {
        let (n, f) = self.table.read().map(|t| (t.len(), t.fields().count())).unwrap_or((0, 0));
        format!("CustomerTable({n} customers, {f} fields)")
    }
}
