//! `crm_core.customer_facts` on Arrow tables (pandas, polars, pyarrow …).
//!
//! The tables are streamed batch by batch through the Arrow C stream interface
//! with the GIL released; no Python object is created per row. Customer keys
//! are interned to dense ids ([`Interner`]), sorted once at the end, and the
//! columns handed to [`crm_core::facts::compute_facts`] as a [`FactsInput`].
//! Rules (which columns, which types, guests, refunds) are documented in
//! `docs/python.md` and on the Python function.

mod build;
mod loaded;

pub(crate) use loaded::LoadedOrders;
mod names;
mod order_ids;
mod output;
mod read_orders;
mod read_others;
mod rfm_fast;
mod rows;

use arrow_array::{RecordBatch, RecordBatchReader};
use crm_core::error::Error;
use crm_core::facts::FactsOptions;
use crm_core::money::{Currency, ExchangeRates};
use crm_core::time::parse_instant;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3_arrow::input::AnyRecordBatch;
use pyo3_arrow::PyTable;

use crate::arrow_in::Naive;
use crate::errors::{invalid_input, CoreResult};
use crate::pyjson::from_py;
use build::run;
use crm_core::segment::{RfmOptions, SegmentMap};
use names::read_error;
use names::Names;

/// At most this many bad rows are listed in one `ModelError`.
pub(super) const MAX_ERRORS: usize = 100;

/// The tables of one call, as Arrow streams.
pub(crate) struct Tables {
    pub(crate) orders: Box<dyn RecordBatchReader + Send>,
    pub(crate) order_lines: Option<Box<dyn RecordBatchReader + Send>>,
    pub(crate) carts: Option<Box<dyn RecordBatchReader + Send>>,
    pub(crate) events: Option<Box<dyn RecordBatchReader + Send>>,
    pub(crate) customers: Option<Box<dyn RecordBatchReader + Send>>,
}

/// Options of one call.
pub(crate) struct Options {
    /// The facts instant (µs).
    pub(crate) as_of: i64,
    pub(crate) naive: Naive,
    pub(crate) check_duplicates: bool,
    pub(crate) default_currency: Option<Currency>,
    pub(crate) facts: FactsOptions,
}

// ---------------------------------------------------------------------------
// The Python function.

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

/// Opens a table argument as an Arrow stream.
fn stream(obj: &Bound<'_, PyAny>, table: &str) -> Result<Box<dyn RecordBatchReader + Send>, Error> {
    let any: AnyRecordBatch = obj.extract().map_err(|e| {
        invalid_input(
            table,
            format!(
                "expected a table (pandas or polars DataFrame, pyarrow Table, RecordBatch or RecordBatchReader, \
                 or any object with __arrow_c_stream__), got {} ({e})",
                type_name(obj)
            ),
        )
    })?;
    any.into_reader().map_err(|e| read_error(table, e))
}

fn opt_stream(obj: Option<&Bound<'_, PyAny>>, table: &str) -> Result<Option<Box<dyn RecordBatchReader + Send>>, Error> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => stream(o, table).map(Some),
    }
}

/// A segment map from Python (a preset name or a list of `{"name", "rule"}`), if given.
pub(crate) fn segment_map(obj: Option<&Bound<'_, PyAny>>) -> Result<Option<SegmentMap>, Error> {
    match obj.filter(|s| !s.is_none()) {
        Some(s) => Ok(Some(SegmentMap::from_json(&from_py(s)?)?)),
        None => Ok(None),
    }
}

/// `as_of` as µs: an RFC 3339 string, or a time-zone-aware `datetime`
/// (pandas `Timestamp` included). A naive datetime is refused.
pub(crate) fn as_of_micros(obj: &Bound<'_, PyAny>) -> Result<i64, Error> {
    let py = obj.py();
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_str().map_err(|e| invalid_input("as_of", e.to_string()))?;
        return Ok(parse_instant(text)?.timestamp_micros());
    }
    let text = obj.str().map(|s| s.to_string()).unwrap_or_default();
    let dt = py.import("datetime").map_err(|e| invalid_input("as_of", e.to_string()))?;
    let is_datetime =
        obj.is_instance(&dt.getattr("datetime").map_err(|e| invalid_input("as_of", e.to_string()))?).unwrap_or(false);
    if !is_datetime {
        return Err(invalid_input(
            "as_of",
            format!("expected a time-zone-aware datetime or an RFC 3339 string, got {} `{text}`", type_name(obj)),
        ));
    }
    let offset = obj.call_method0("utcoffset").map_err(|e| invalid_input("as_of", e.to_string()))?;
    if offset.is_none() {
        // The core's own message: a timestamp needs a zone.
        return Err(crm_core::time::TimeError::InvalidTimestamp { value: text }.into());
    }
    // (as_of − epoch) // 1 µs, exact for datetime and pandas Timestamp (ns floored).
    let f = || -> PyResult<i64> {
        let utc = dt.getattr("timezone")?.getattr("utc")?;
        let epoch = dt.getattr("datetime")?.call1((1970, 1, 1, 0, 0, 0, 0, utc))?;
        let one = dt.getattr("timedelta")?.call((), Some(&[("microseconds", 1)].into_py_dict(py)?))?;
        obj.sub(epoch)?.floor_div(one)?.extract::<i64>()
    };
    f().map_err(|e| invalid_input("as_of", format!("cannot convert `{text}`: {e}")))
}

use pyo3::types::IntoPyDict;

/// `abandon_after` as µs: a `timedelta` (pandas `Timedelta` included), ≥ 0.
fn duration_micros(obj: &Bound<'_, PyAny>) -> Result<i64, Error> {
    let py = obj.py();
    let f = || -> PyResult<i64> {
        let dt = py.import("datetime")?;
        if !obj.is_instance(&dt.getattr("timedelta")?)? {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "expected a timedelta, got {}",
                type_name(obj)
            )));
        }
        let one = dt.getattr("timedelta")?.call((), Some(&[("microseconds", 1)].into_py_dict(py)?))?;
        obj.floor_div(one)?.extract::<i64>()
    };
    match f() {
        Ok(v) if v >= 0 => Ok(v),
        Ok(v) => Err(invalid_input("abandon_after", format!("must not be negative, got {v} µs"))),
        Err(e) => Err(invalid_input("abandon_after", e.to_string())),
    }
}

/// `rates={"target": "TRY", "rates": {"USD": "34.5"}}` as in the JSON options.
fn rates(obj: &Bound<'_, PyAny>) -> Result<ExchangeRates, Error> {
    let d =
        obj.cast::<PyDict>().map_err(|_| invalid_input("rates", "expected a dict {\"target\": …, \"rates\": {…}}"))?;
    for k in d.keys() {
        let k = k.str().map(|s| s.to_string()).unwrap_or_default();
        if k != "target" && k != "rates" {
            return Err(invalid_input("rates", format!("unknown key `{k}` (expected target, rates)")));
        }
    }
    let target: String = d
        .get_item("target")
        .ok()
        .flatten()
        .and_then(|t| t.extract().ok())
        .ok_or_else(|| invalid_input("rates.target", "expected a currency code"))?;
    let mut out = ExchangeRates::new(Currency::new(&target)?);
    if let Some(rs) = d.get_item("rates").ok().flatten() {
        let rs = rs.cast::<PyDict>().map_err(|_| invalid_input("rates.rates", "expected a dict of code → rate"))?;
        for (code, rate) in rs.iter() {
            let code: String =
                code.extract().map_err(|_| invalid_input("rates.rates", "currency codes must be str"))?;
            let is_float = rate.is_instance_of::<pyo3::types::PyFloat>();
            let text = if is_float {
                None
            } else if let Ok(s) = rate.cast::<PyString>() {
                s.to_str().ok().map(str::to_string)
            } else {
                // int or decimal.Decimal: their str() is exact.
                rate.str().ok().map(|s| s.to_string())
            };
            let text = text.ok_or_else(|| {
                invalid_input(
                    format!("rates.rates.{code}"),
                    "give the rate as a decimal string such as \"34.5\" (not a float)",
                )
            })?;
            out.insert(Currency::new(&code)?, &text)?;
        }
    }
    Ok(out)
}

/// Customer facts from tables; see the Python docstring in `crm_core/__init__.py`.
#[pyfunction]
#[pyo3(signature = (
    orders, *, as_of, carts=None, events=None, customers=None, order_lines=None,
    abandon_after=None, rates=None, order_id="order_id", customer_id="customer_id",
    placed_at="placed_at", total="total", currency="currency", status="status",
    discount="discount", refunded="refunded", refunded_at="refunded_at", email="email",
    phone="phone", columns=None, check_duplicates=true, naive="reject", default_currency=None, rfm=None, segments=None, load=false
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn customer_facts<'py>(
    py: Python<'py>,
    orders: &Bound<'py, PyAny>,
    as_of: &Bound<'py, PyAny>,
    carts: Option<&Bound<'py, PyAny>>,
    events: Option<&Bound<'py, PyAny>>,
    customers: Option<&Bound<'py, PyAny>>,
    order_lines: Option<&Bound<'py, PyAny>>,
    abandon_after: Option<&Bound<'py, PyAny>>,
    rates: Option<&Bound<'py, PyAny>>,
    order_id: &str,
    customer_id: &str,
    placed_at: &str,
    total: &str,
    currency: &str,
    status: &str,
    discount: &str,
    refunded: &str,
    refunded_at: &str,
    email: &str,
    phone: &str,
    columns: Option<&Bound<'py, PyDict>>,
    check_duplicates: bool,
    naive: &str,
    default_currency: Option<&str>,
    rfm: Option<&Bound<'py, PyAny>>,
    segments: Option<&Bound<'py, PyAny>>,
    load: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let map = segment_map(segments).py(py)?;
    // `rfm` (a dict of RFM options, passed by `crm_core.rfm`): return RFM scores instead of the facts.
    let rfm = match rfm.filter(|r| !r.is_none()) {
        Some(r) => Some(RfmOptions::from_json(&from_py(r).py(py)?).py(py)?),
        None => None,
    };
    let prepare = || -> Result<(Tables, Names, Options), Error> {
        let as_of = as_of_micros(as_of)?;
        let mut facts = FactsOptions::default();
        if let Some(a) = abandon_after.filter(|a| !a.is_none()) {
            facts.abandon_after_micros = duration_micros(a)?;
        }
        if let Some(r) = rates.filter(|r| !r.is_none()) {
            facts.rates = Some(self::rates(r)?);
        }
        let naive = match naive {
            "reject" => Naive::Reject,
            "utc" => Naive::Utc,
            other => return Err(invalid_input("naive", format!("expected \"reject\" or \"utc\", got `{other}`"))),
        };
        let default_currency = default_currency.map(Currency::new).transpose()?;
        let mut names = Names::new();
        names.set_everywhere("order_id", order_id);
        names.set_everywhere("customer_id", customer_id);
        names.set_everywhere("email", email);
        names.set_everywhere("phone", phone);
        for (field, v) in [
            ("placed_at", placed_at),
            ("total", total),
            ("currency", currency),
            ("status", status),
            ("discount", discount),
            ("refunded", refunded),
            ("refunded_at", refunded_at),
        ] {
            names.set(&format!("orders.{field}"), v)?;
        }
        if let Some(cols) = columns {
            for (k, v) in cols.iter() {
                let k: String = k
                    .extract()
                    .map_err(|_| invalid_input("columns", "keys must be str such as \"carts.updated_at\""))?;
                let v: String =
                    v.extract().map_err(|_| invalid_input(format!("columns.{k}"), "column names must be str"))?;
                names.set(&k, &v)?;
            }
        }
        let tables = Tables {
            orders: stream(orders, "orders")?,
            order_lines: opt_stream(order_lines, "order_lines")?,
            carts: opt_stream(carts, "carts")?,
            events: opt_stream(events, "events")?,
            customers: opt_stream(customers, "customers")?,
        };
        // RFM needs only the order facts, over its window.
        let facts = match &rfm {
            Some(o) => crm_core::segment::rfm_facts_options(&facts, o, as_of)?,
            None => facts,
        };
        Ok((tables, names, Options { as_of, naive, check_duplicates, default_currency, facts }))
    };
    let (tables, names, opts) = prepare().py(py)?;
    if load {
        // `load=True` (from `crm_core.load_orders`): keep the loaded columns.
        let (as_of, facts) = (opts.as_of, opts.facts.clone());
        let input = py
            .detach(move || {
                // Grouped once here, so that every RFM pass reads the orders in customer order.
                build::load(tables, &names, &opts).map(|mut i| {
                    i.group_by_customer();
                    i
                })
            })
            .py(py)?;
        let ids = output::str_column(&input.customer_ids)
            .map_err(|e| invalid_input("orders", format!("building the id column: {e}")))
            .py(py)?;
        return Ok(Bound::new(py, loaded::LoadedOrders { input, as_of, facts, ids })?.into_any());
    }
    let batch = py
        .detach(move || -> Result<RecordBatch, Error> {
            match &rfm {
                Some(o) => output::rfm_table(&build::run_rfm(tables, &names, &opts, o)?, map.as_ref(), None),
                None => output::to_batch(&run(tables, &names, &opts)?, opts.as_of)
                    .map_err(|e| invalid_input("facts", format!("building the table: {e}"))),
            }
        })
        .py(py)?;
    let schema = batch.schema();
    PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)
}
