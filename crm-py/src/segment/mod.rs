//! `crm_core.Segment`: a rule parsed once, evaluated over an Arrow-compatible
//! facts table (pandas, polars, pyarrow) or over a store document.

use std::sync::Arc;

mod arrow;
mod table;

use arrow::{concat, from_arrow};
pub(crate) use table::Customers;

use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchReader};
use crm_core::error::Error;
use crm_core::segment::{builtin_rule, Column, CustomerTable, Rule, SegmentMap, TableOptions};
use crm_core::time::{from_micros, TimeZone};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3_arrow::input::AnyRecordBatch;
use pyo3_arrow::PyArray;

use crate::arrow_in::StrCol;
use crate::errors::{invalid_input, CoreResult};
use crate::facts::as_of_micros;
use crate::pyjson::{from_py, request_text, to_py_value};

/// A segment rule. See `crm_core.Segment` in `crm_core/__init__.py`.
#[pyclass(module = "crm_core._native", frozen)]
pub(crate) struct Segment {
    rule: Rule,
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

/// Where the customers come from: a store document, a facts table, or a prepared table.
pub(super) enum Source {
    Store(crm_core::model::Store),
    Table(Vec<RecordBatch>, arrow_schema::SchemaRef),
    Prepared(Py<Customers>),
}

pub(super) struct Inputs {
    pub(super) source: Source,
    pub(super) as_of: i64,
    pub(super) zone: Option<TimeZone>,
    pub(super) id_column: String,
    pub(super) segments: Option<SegmentMap>,
}

pub(super) fn inputs(
    facts: &Bound<'_, PyAny>,
    as_of: Option<&Bound<'_, PyAny>>,
    time_zone: Option<&str>,
    customer_id: &str,
    segments: Option<&Bound<'_, PyAny>>,
) -> Result<Inputs, Error> {
    let as_of = match as_of.filter(|a| !a.is_none()) {
        Some(a) => as_of_micros(a)?,
        None => CustomerTable::NO_INSTANT,
    };
    let zone = time_zone
        .map(|z| z.parse::<TimeZone>().map_err(|_| invalid_input("time_zone", format!("unknown time zone `{z}`"))))
        .transpose()?;
    let segments = match segments.filter(|s| !s.is_none()) {
        Some(s) => Some(SegmentMap::from_json(&from_py(s)?)?),
        None => None,
    };
    let source = if let Ok(prepared) = facts.cast::<Customers>() {
        Source::Prepared(prepared.clone().unbind())
    } else if facts.is_instance_of::<PyDict>() || facts.is_instance_of::<PyString>() {
        let text = request_text(facts)?;
        Source::Store(crm_core::model::Store::from_json(&text)?)
    } else {
        let any: AnyRecordBatch = facts.extract().map_err(|e| {
            invalid_input(
                "facts",
                format!(
                    "expected a facts table (pandas or polars DataFrame, pyarrow Table …) or a store dict, got {} ({e})",
                    type_name(facts)
                ),
            )
        })?;
        let reader = any.into_reader().map_err(|e| invalid_input("facts", e.to_string()))?;
        let schema = reader.schema();
        let batches = reader.collect::<Result<Vec<_>, _>>().map_err(|e| invalid_input("facts", e.to_string()))?;
        Source::Table(batches, schema)
    };
    // Tables from customer_facts and rfm carry their instant in the schema metadata.
    let as_of = match &source {
        Source::Table(_, schema) if as_of == CustomerTable::NO_INSTANT => schema
            .metadata()
            .get("crm_core.as_of")
            .and_then(|t| crm_core::time::parse_instant(t).ok())
            .map_or(as_of, |t| t.timestamp_micros()),
        _ => as_of,
    };
    Ok(Inputs { source, as_of, zone, id_column: customer_id.to_string(), segments })
}

/// The customer table for `rule` (only the columns it reads are converted).
/// Runs `f` on the customer table for `rule`: built from a store or from the
/// table's columns the rule reads, or the prepared table itself.
fn with_table<T>(
    inp: &Inputs,
    rule: &Rule,
    with_ids: bool,
    f: impl FnOnce(&CustomerTable) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut table = match &inp.source {
        Source::Store(store) => {
            if inp.as_of == CustomerTable::NO_INSTANT {
                return Err(crm_core::wire::RequestError::MissingField { field: "as_of".into() }.into());
            }
            let at = from_micros(inp.as_of).ok_or_else(|| invalid_input("as_of", "out of range"))?;
            let opts = TableOptions { time_zone: inp.zone, ..TableOptions::default() };
            CustomerTable::from_store(store, at, &opts)?
        }
        Source::Table(batches, schema) => from_arrow(batches, schema, inp, Some(&rule.fields()), with_ids)?,
        Source::Prepared(p) => {
            return p.get().with(|t| {
                if inp.as_of != CustomerTable::NO_INSTANT {
                    t.as_of = inp.as_of;
                }
                if let Some(z) = inp.zone {
                    t.zone = z;
                }
                if let Some(map) = &inp.segments {
                    map.evaluate_all(t)?;
                }
                f(t)
            })
        }
    };
    if let Some(map) = &inp.segments {
        map.evaluate_all(&mut table)?;
    }
    f(&table)
}

/// The first matching segment of `segments` for every row of an RFM (or
/// facts) table, `Prospects` where `r` is null when `rfm` is true. `fm` is
/// derived from `f` and `m` when the table lacks it.
#[pyfunction]
#[pyo3(signature = (table, segments, *, rfm=true))]
pub(crate) fn assign_segments<'py>(
    py: Python<'py>,
    table: &Bound<'py, PyAny>,
    segments: &Bound<'py, PyAny>,
    rfm: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let map = SegmentMap::from_json(&from_py(segments).py(py)?).py(py)?;
    let inp = inputs(table, None, None, "customer_id", None).py(py)?;
    let out = py
        .detach(move || -> Result<Vec<Option<String>>, Error> {
            let Source::Table(batches, schema) = &inp.source else {
                return Err(invalid_input("table", "expected an RFM table (pandas, polars, pyarrow)"));
            };
            let mut wanted: Vec<String> = map.segments.iter().flat_map(|s| s.rule.fields()).collect();
            wanted.extend(["r", "f", "m"].map(String::from));
            let mut t = from_arrow(batches, schema, &inp, Some(&wanted), false)?;
            if t.column("fm").is_none() {
                if let (Some(Column::Int(f)), Some(Column::Int(m))) = (t.column("f"), t.column("m")) {
                    let fm = f.iter().zip(m).map(|(f, m)| Some(((*f)? + (*m)?) as f64 / 2.0)).collect();
                    t.insert("fm", Column::Float(fm))?;
                }
            }
            let mut seg = map.assign(&mut t)?;
            if rfm {
                if let Some(Column::Int(r)) = t.column("r") {
                    for (s, r) in seg.iter_mut().zip(r) {
                        if r.is_none() {
                            *s = Some("Prospects".into());
                        }
                    }
                }
            }
            Ok(seg)
        })
        .py(py)?;
    let arr: ArrayRef = Arc::new(arrow_array::StringArray::from(out));
    let out = PyArray::from_array_ref(arr);
    let unbound = out.to_pyarrow(py)?.unbind();
    Ok(unbound.into_bound(py))
}

#[pymethods]
impl Segment {
    /// Parses rule text, or reads a rule's JSON tree (a dict).
    #[new]
    fn new(py: Python<'_>, rule: &Bound<'_, PyAny>) -> PyResult<Segment> {
        let rule = if let Ok(s) = rule.cast::<PyString>() {
            let text = s.to_str()?.to_string();
            py.detach(move || Rule::parse(&text)).py(py)?
        } else {
            Rule::from_json(&from_py(rule).py(py)?).py(py)?
        };
        Ok(Segment { rule })
    }

    /// A built-in segment with parameters (`Segment.builtin("cart_abandoner", days=3)`).
    #[staticmethod]
    #[pyo3(signature = (name, **params))]
    fn builtin(py: Python<'_>, name: &str, params: Option<&Bound<'_, PyDict>>) -> PyResult<Segment> {
        let params = match params {
            Some(p) => from_py(p.as_any()).py(py)?,
            None => serde_json::Value::Null,
        };
        Ok(Segment { rule: builtin_rule(name, &params).py(py)? })
    }

    /// The canonical text.
    #[getter]
    fn text(&self) -> String {
        self.rule.to_string()
    }

    /// The fields the rule reads.
    #[getter]
    fn fields(&self) -> Vec<String> {
        self.rule.fields()
    }

    fn __str__(&self) -> String {
        self.rule.to_string()
    }

    fn __repr__(&self) -> String {
        format!("Segment({:?})", self.rule.to_string())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Segment>().is_ok_and(|o| o.get().rule == self.rule)
    }

    /// The JSON tree, as a dict.
    fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py_value(py, &self.rule.to_json())
    }

    /// Customer ids of the members, in table order.
    #[pyo3(signature = (facts, *, as_of=None, time_zone=None, customer_id="customer_id", segments=None))]
    fn filter(
        &self,
        py: Python<'_>,
        facts: &Bound<'_, PyAny>,
        as_of: Option<&Bound<'_, PyAny>>,
        time_zone: Option<&str>,
        customer_id: &str,
        segments: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<String>> {
        let inp = inputs(facts, as_of, time_zone, customer_id, segments).py(py)?;
        let rule = self.rule.clone();
        py.detach(move || -> Result<Vec<String>, Error> {
            let Source::Table(batches, schema) = &inp.source else {
                return with_table(&inp, &rule, true, |t| Ok(rule.filter(t)?));
            };
            // Evaluate without the ids, then read only the members' ids.
            let mask = with_table(&inp, &rule, false, |t| Ok(rule.evaluate(t)?))?;
            let idx = schema.index_of(&inp.id_column).map_err(|_| {
                invalid_input(inp.id_column.as_str(), "the facts table has no such column (pass customer_id=\"…\")")
            })?;
            let mut out = Vec::new();
            let mut row = 0;
            for a in concat(batches, idx) {
                let s = StrCol::new(&a)
                    .ok_or_else(|| invalid_input(inp.id_column.as_str(), "customer ids must be strings"))?;
                for i in 0..a.len() {
                    if mask.get(row + i).copied().unwrap_or(false) {
                        out.push(s.get(i).unwrap_or_default().to_string());
                    }
                }
                row += a.len();
            }
            Ok(out)
        })
        .py(py)
    }

    /// Membership per row as a pyarrow BooleanArray (same order as the table).
    #[pyo3(signature = (facts, *, as_of=None, time_zone=None, customer_id="customer_id", segments=None))]
    fn mask<'py>(
        &self,
        py: Python<'py>,
        facts: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        time_zone: Option<&str>,
        customer_id: &str,
        segments: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let inp = inputs(facts, as_of, time_zone, customer_id, segments).py(py)?;
        let rule = self.rule.clone();
        let mask = py
            .detach(move || -> Result<Vec<bool>, Error> { with_table(&inp, &rule, false, |t| Ok(rule.evaluate(t)?)) })
            .py(py)?;
        let arr: ArrayRef = Arc::new(BooleanArray::from(mask));
        let out = PyArray::from_array_ref(arr);
        let unbound = out.to_pyarrow(py)?.unbind();
        Ok(unbound.into_bound(py))
    }

    /// Why one customer is in or out: every clause with its values and truth.
    #[pyo3(signature = (facts, customer, *, as_of=None, time_zone=None, customer_id="customer_id", segments=None))]
    #[allow(clippy::too_many_arguments)]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        facts: &Bound<'py, PyAny>,
        customer: &str,
        as_of: Option<&Bound<'py, PyAny>>,
        time_zone: Option<&str>,
        customer_id: &str,
        segments: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let inp = inputs(facts, as_of, time_zone, customer_id, segments).py(py)?;
        let rule = self.rule.clone();
        let customer = customer.to_string();
        let v = py
            .detach(move || -> Result<serde_json::Value, Error> {
                with_table(&inp, &rule, true, |t| Ok(rule.explain(t, &customer)?))
            })
            .py(py)?;
        to_py_value(py, &v)
    }
}
