//! `crm_core.Segment`: a rule parsed once, evaluated over an Arrow-compatible
//! facts table (pandas, polars, pyarrow) or over a store document.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchReader};
use arrow_schema::DataType;
use crm_core::error::Error;
use crm_core::facts::CategorySpend;
use crm_core::money::Currency;
use crm_core::segment::{builtin_rule, Column, CustomerTable, Rule, SegmentMap, TableOptions};
use crm_core::time::{from_micros, TimeZone};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3_arrow::input::AnyRecordBatch;
use pyo3_arrow::PyArray;

use crate::arrow_in::{StrCol, TimeCol};
use crate::errors::{invalid_input, CoreResult};
use crate::facts::as_of_micros;
use crate::pyjson::{from_py, request_text, to_py_value};

/// Money columns of the facts and RFM tables: integers in minor units of the `currency` column.
const MONEY: &[&str] = &["net_spend", "average_order_value", "refund_amount", "monetary"];

/// A segment rule. See `crm_core.Segment` in `crm_core/__init__.py`.
#[pyclass(module = "crm_core._native", frozen)]
pub(crate) struct Segment {
    rule: Rule,
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

/// Where the customers come from: a store document, or a facts table.
enum Source {
    Store(crm_core::model::Store),
    Table(Vec<RecordBatch>, arrow_schema::SchemaRef),
}

struct Inputs {
    source: Source,
    as_of: i64,
    zone: Option<TimeZone>,
    id_column: String,
    segments: Option<SegmentMap>,
}

fn inputs(
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
    let source = if facts.is_instance_of::<PyDict>() || facts.is_instance_of::<PyString>() {
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
fn build_table(inp: &Inputs, rule: &Rule, with_ids: bool) -> Result<CustomerTable, Error> {
    let mut table = match &inp.source {
        Source::Store(store) => {
            if inp.as_of == CustomerTable::NO_INSTANT {
                return Err(crm_core::wire::RequestError::MissingField { field: "as_of".into() }.into());
            }
            let at = from_micros(inp.as_of).ok_or_else(|| invalid_input("as_of", "out of range"))?;
            let opts = TableOptions { time_zone: inp.zone, ..TableOptions::default() };
            CustomerTable::from_store(store, at, &opts)?
        }
        Source::Table(batches, schema) => from_arrow(batches, schema, inp, &rule.fields(), with_ids)?,
    };
    if let Some(map) = &inp.segments {
        map.evaluate_all(&mut table)?;
    }
    Ok(table)
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
                return Err(invalid_input("table", "expected an RFM table"));
            };
            let mut wanted: Vec<String> = map.segments.iter().flat_map(|s| s.rule.fields()).collect();
            wanted.extend(["r", "f", "m"].map(String::from));
            let mut t = from_arrow(batches, schema, &inp, &wanted, false)?;
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

fn concat(batches: &[RecordBatch], i: usize) -> Vec<ArrayRef> {
    batches.iter().map(|b| b.column(i).clone()).collect()
}

fn from_arrow(
    batches: &[RecordBatch],
    schema: &arrow_schema::SchemaRef,
    inp: &Inputs,
    wanted: &[String],
    with_ids: bool,
) -> Result<CustomerTable, Error> {
    let n: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let mut table = if with_ids {
        let idx = schema.index_of(&inp.id_column).map_err(|_| {
            invalid_input(inp.id_column.as_str(), "the facts table has no such column (pass customer_id=\"…\")")
        })?;
        let arrays = concat(batches, idx);
        let mut ids: Vec<&str> = Vec::with_capacity(n);
        for a in &arrays {
            let s =
                StrCol::new(a).ok_or_else(|| invalid_input(inp.id_column.as_str(), "customer ids must be strings"))?;
            ids.extend((0..a.len()).map(|i| s.get(i).unwrap_or_default()));
        }
        CustomerTable::new(ids, inp.as_of)
    } else {
        CustomerTable::new(std::iter::repeat_n("", n), inp.as_of)
    };
    if let Some(z) = inp.zone {
        table.zone = z;
    }
    for (i, field) in schema.fields().iter().enumerate() {
        let name = field.name();
        if !wanted.iter().any(|w| w == name) {
            // Known for "did you mean", not converted.
            table.unavailable.insert(name.clone(), "not loaded".into());
            continue;
        }
        let arrays = concat(batches, i);
        if name == "spend_by_category" {
            match category_spend(&arrays) {
                Some(s) => table.category_spend = Some(s),
                None => {
                    table.unavailable.insert(name.clone(), "expected a map<string, int64> column".into());
                }
            }
            continue;
        }
        match column(&arrays, field.data_type()) {
            Some(mut col) => {
                if MONEY.contains(&name.as_str()) {
                    if let (Column::Int(v), Some(cur)) = (&col, currency_column(batches, schema)?) {
                        col = Column::Money { minor: v.clone(), currency: cur };
                    }
                }
                table.insert(name, col)?;
            }
            None => {
                table
                    .unavailable
                    .insert(name.clone(), format!("columns of type {} are not supported", field.data_type()));
            }
        }
    }
    Ok(table)
}

fn currency_column(
    batches: &[RecordBatch],
    schema: &arrow_schema::SchemaRef,
) -> Result<Option<Vec<Option<Currency>>>, Error> {
    let Ok(i) = schema.index_of("currency") else { return Ok(None) };
    let arrays = concat(batches, i);
    let mut out = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    let mut seen: std::collections::HashMap<&str, Currency> = std::collections::HashMap::new();
    for a in &arrays {
        let s = StrCol::new(a).ok_or_else(|| invalid_input("currency", "expected currency codes as strings"))?;
        for r in 0..a.len() {
            out.push(match s.get(r) {
                None => None,
                Some(code) => Some(match seen.get(code) {
                    Some(c) => *c,
                    None => {
                        let c = Currency::new(code)?;
                        seen.insert(code, c);
                        c
                    }
                }),
            });
        }
    }
    Ok(Some(out))
}

/// Interns strings borrowed from Arrow arrays into a column dictionary.
struct Dict<'a> {
    index: std::collections::HashMap<&'a str, u32>,
    values: Vec<String>,
}

impl<'a> Dict<'a> {
    fn new() -> Self {
        Dict { index: std::collections::HashMap::new(), values: Vec::new() }
    }

    fn code(&mut self, s: &'a str) -> u32 {
        if let Some(&c) = self.index.get(s) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(s.to_string());
        self.index.insert(s, c);
        c
    }

    /// Codes of every row of a string array (dictionary entries are interned once).
    fn codes(&mut self, a: &'a ArrayRef, out: &mut Vec<Option<u32>>) -> Option<()> {
        let s = StrCol::new(a)?;
        match s.dictionary() {
            Some(d) => {
                let entries: Vec<Option<u32>> = (0..d.len()).map(|k| s.dict_value(k).map(|v| self.code(v))).collect();
                out.extend(
                    (0..a.len()).map(|i| s.dict_key(i).flatten().and_then(|k| entries.get(k).copied().flatten())),
                );
            }
            None => out.extend((0..a.len()).map(|i| s.get(i).map(|v| self.code(v)))),
        }
        Some(())
    }
}

fn ints(arrays: &[ArrayRef], f: impl Fn(&ArrayRef) -> Option<Vec<Option<i64>>>) -> Option<Vec<Option<i64>>> {
    let mut out = Vec::new();
    for a in arrays {
        out.extend(f(a)?);
    }
    Some(out)
}

macro_rules! prim {
    ($arrays:expr, $t:ty) => {
        ints($arrays, |a| {
            let p = a.as_primitive_opt::<$t>()?;
            Some(p.iter().map(|v| v.and_then(|v| i64::try_from(v).ok())).collect())
        })
    };
}

/// A typed column from Arrow arrays (`None` for unsupported types).
fn column(arrays: &[ArrayRef], dt: &DataType) -> Option<Column> {
    Some(match dt {
        DataType::Int8 => Column::Int(prim!(arrays, Int8Type)?),
        DataType::Int16 => Column::Int(prim!(arrays, Int16Type)?),
        DataType::Int32 => Column::Int(prim!(arrays, Int32Type)?),
        DataType::Int64 => Column::Int(prim!(arrays, Int64Type)?),
        DataType::UInt8 => Column::Int(prim!(arrays, UInt8Type)?),
        DataType::UInt16 => Column::Int(prim!(arrays, UInt16Type)?),
        DataType::UInt32 => Column::Int(prim!(arrays, UInt32Type)?),
        DataType::UInt64 => Column::Int(prim!(arrays, UInt64Type)?),
        DataType::Float32 | DataType::Float64 => {
            let mut out = Vec::new();
            for a in arrays {
                if let Some(p) = a.as_primitive_opt::<Float64Type>() {
                    out.extend(p.iter().map(|v| v.filter(|x| !x.is_nan())));
                } else {
                    let p = a.as_primitive_opt::<Float32Type>()?;
                    out.extend(p.iter().map(|v| v.map(f64::from).filter(|x| !x.is_nan())));
                }
            }
            Column::Float(out)
        }
        DataType::Boolean => {
            let mut out = Vec::new();
            for a in arrays {
                out.extend(a.as_boolean_opt()?.iter());
            }
            Column::Bool(out)
        }
        DataType::Timestamp(_, _) => {
            let mut out = Vec::new();
            for a in arrays {
                let t = TimeCol::new(a)?;
                for i in 0..a.len() {
                    out.push(t.get(i).ok().flatten());
                }
            }
            Column::Instant(out)
        }
        DataType::Date32 | DataType::Date64 => {
            let mut out = Vec::new();
            for a in arrays {
                if let Some(p) = a.as_primitive_opt::<Date32Type>() {
                    out.extend(p.iter());
                } else {
                    let p = a.as_primitive_opt::<Date64Type>()?;
                    out.extend(p.iter().map(|v| v.and_then(|ms| i32::try_from(ms.div_euclid(86_400_000)).ok())));
                }
            }
            Column::Date(out)
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(_, _) => {
            let mut dict = Dict::new();
            let mut codes = Vec::new();
            for a in arrays {
                dict.codes(a, &mut codes)?;
            }
            Column::Text { codes, dict: dict.values }
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let mut dict = Dict::new();
            let mut offsets = vec![0u32];
            let mut values: Vec<u32> = Vec::new();
            for a in arrays {
                let (child, bounds): (&ArrayRef, Vec<(usize, usize)>) = if let Some(l) = a.as_list_opt::<i32>() {
                    let o = l.value_offsets();
                    (
                        l.values(),
                        (0..l.len())
                            .map(|i| if l.is_valid(i) { (o[i] as usize, o[i + 1] as usize) } else { (0, 0) })
                            .collect(),
                    )
                } else {
                    let l = a.as_list_opt::<i64>()?;
                    let o = l.value_offsets();
                    (
                        l.values(),
                        (0..l.len())
                            .map(|i| if l.is_valid(i) { (o[i] as usize, o[i + 1] as usize) } else { (0, 0) })
                            .collect(),
                    )
                };
                let mut codes = Vec::with_capacity(child.len());
                dict.codes(child, &mut codes)?;
                for (from, to) in bounds {
                    values.extend(codes[from..to].iter().flatten());
                    offsets.push(values.len() as u32);
                }
            }
            Column::List { offsets, values, dict: dict.values }
        }
        _ => return None,
    })
}

/// `spend_by_category` (map<string, int64>) as [`CategorySpend`].
fn category_spend(arrays: &[ArrayRef]) -> Option<CategorySpend> {
    let mut rows: Vec<Vec<(String, i64)>> = Vec::new();
    for a in arrays {
        let m = a.as_map_opt()?;
        for i in 0..m.len() {
            let mut row = Vec::new();
            if m.is_valid(i) {
                let entries = m.value(i);
                let keys = StrCol::new(entries.column(0))?;
                let vals = entries.column(1).as_primitive_opt::<Int64Type>()?;
                for j in 0..entries.len() {
                    if let (Some(k), true) = (keys.get(j), vals.is_valid(j)) {
                        row.push((k.to_string(), vals.value(j)));
                    }
                }
            }
            rows.push(row);
        }
    }
    let mut names: Vec<String> = rows.iter().flatten().map(|(k, _)| k.clone()).collect();
    names.sort();
    names.dedup();
    let mut s = CategorySpend { categories: names, offsets: vec![0], ..CategorySpend::default() };
    for mut row in rows {
        row.sort();
        for (k, v) in row {
            let c = s.categories.binary_search(&k).ok()? as u32;
            s.category.push(c);
            s.amount.push(v);
        }
        s.offsets.push(s.category.len() as u32);
    }
    Some(s)
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
                return Ok(rule.filter(&build_table(&inp, &rule, true)?)?);
            };
            // Evaluate without the ids, then read only the members' ids.
            let mask = rule.evaluate(&build_table(&inp, &rule, false)?)?;
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
            .detach(move || -> Result<Vec<bool>, Error> { Ok(rule.evaluate(&build_table(&inp, &rule, false)?)?) })
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
                Ok(rule.explain(&build_table(&inp, &rule, true)?, &customer)?)
            })
            .py(py)?;
        to_py_value(py, &v)
    }
}
