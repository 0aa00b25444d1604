//! `crm_core.ltv.utils`' native half: lifetimes' repeat-purchase summaries
//! (`summary_data_from_transaction_data`, `calibration_and_holdout_data`)
//! from an Arrow transactions table, with the GIL released.
//!
//! Columns: the customer id (string, large_string, string_view, dictionary of
//! these, or any integer type), the instant (timestamp of any unit, with a zone
//! or naive = UTC; date32; date64; RFC 3339 text) and optionally the value
//! (any integer, float or decimal type). Ids are interned to dense indexes,
//! ranked (text by bytes, integers by value: lifetimes' row order) and handed to
//! [`crm_core::ltv::summarize_indexed`] / [`crm_core::ltv::calibration_and_holdout_indexed`].
//! Ends arrive as µs (the Python layer parses strings, datetimes, pandas and
//! numpy values).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type, Float16Type, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, LargeStringArray, RecordBatch, RecordBatchReader};
use arrow_schema::{DataType, Field, Schema};
use crm_core::error::Error;
use crm_core::ltv::{
    calibration_and_holdout_indexed, summarize_indexed, IndexedSummary, IndexedTransactions, LtvError, Period,
    SummaryOptions,
};
use crm_core::time::MICROS_PER_DAY;
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;
use pyo3_arrow::PyTable;

use crate::arrow_in::{IntCol, StrCol, TimeCol, TimeErr};
use crate::errors::{invalid_input, CoreResult};
use crate::intern::{Interner, NONE};

/// The period of a lifetimes/pandas `freq` spelling.
fn period_of(freq: &str) -> Result<Period, LtvError> {
    match freq {
        "H" | "h" => Ok(Period::Hour),
        "D" => Ok(Period::Day),
        "W" | "W-SUN" => Ok(Period::Week),
        "M" => Ok(Period::Month),
        other => Err(LtvError::InvalidOption {
            field: "freq".into(),
            message: format!("`{other}` is not supported: use \"H\" (or \"h\"), \"D\", \"W\" or \"M\""),
        }),
    }
}

/// The transactions read from the table, customers numbered by rank.
struct Read {
    customer: Vec<u32>,
    at: Vec<i64>,
    value: Option<Vec<f64>>,
    ids: Ids,
}

/// Distinct customer ids in rank order.
enum Ids {
    Text(Vec<String>),
    Int(Vec<i64>),
}

impl Ids {
    fn len(&self) -> usize {
        match self {
            Ids::Text(v) => v.len(),
            Ids::Int(v) => v.len(),
        }
    }

    /// The ids of the customers where `keep` is true, as an Arrow array.
    fn column(&self, keep: &[bool]) -> ArrayRef {
        match self {
            Ids::Text(v) => Arc::new(LargeStringArray::from_iter_values(
                v.iter().zip(keep).filter(|(_, &k)| k).map(|(s, _)| s.as_str()),
            )),
            Ids::Int(v) => {
                Arc::new(Int64Array::from_iter_values(v.iter().zip(keep).filter(|(_, &k)| k).map(|(x, _)| *x)))
            }
        }
    }
}

/// Checks the column types against the schema, naming the column on failure.
fn check_schema(schema: &Schema, customer_col: &str, datetime_col: &str, value_col: Option<&str>) -> Result<(), Error> {
    let find = |name: &str| {
        schema.field_with_name(name).map(|f| f.data_type().clone()).map_err(|_| {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            invalid_input(name, format!("no such column; the table has {}", names.join(", ")))
        })
    };
    let is_text = |dt: &DataType| match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
        _ => false,
    };
    let c = find(customer_col)?;
    if !(is_text(&c) || c.is_integer()) {
        return Err(invalid_input(customer_col, format!("has type {c}; expected a string or integer column")));
    }
    let t = find(datetime_col)?;
    if !(matches!(t, DataType::Timestamp(..) | DataType::Date32 | DataType::Date64) || is_text(&t)) {
        return Err(invalid_input(
            datetime_col,
            format!("has type {t}; expected a timestamp (any unit, naive = UTC), a date or RFC 3339 text"),
        ));
    }
    if let Some(v) = value_col {
        let dt = find(v)?;
        let numeric = dt.is_integer()
            || dt.is_floating()
            || matches!(
                dt,
                DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..) | DataType::Decimal256(..)
            );
        if !numeric {
            return Err(invalid_input(v, format!("has type {dt}; expected a numeric column")));
        }
    }
    Ok(())
}

/// Reads the instant of row `i` of column `a` in µs.
enum Instants<'a> {
    Time(TimeCol<'a>),
    Date32(&'a arrow_array::Date32Array),
    Date64(&'a arrow_array::Date64Array),
}

impl<'a> Instants<'a> {
    fn new(a: &'a ArrayRef) -> Option<Instants<'a>> {
        match a.data_type() {
            DataType::Date32 => a.as_primitive_opt().map(Instants::Date32),
            DataType::Date64 => a.as_primitive_opt().map(Instants::Date64),
            _ => TimeCol::new(a).map(Instants::Time),
        }
    }

    fn get(&self, i: usize) -> Result<Option<i64>, String> {
        match self {
            Instants::Time(t) => t.get(i).map_err(|e| match e {
                TimeErr::OutOfRange(v) => format!("{v} is out of range"),
                TimeErr::Unparsable(s) => format!("`{s}` is not an RFC 3339 instant (pass datetime_format)"),
            }),
            Instants::Date32(d) => Ok((!d.is_null(i)).then(|| i64::from(d.value(i)) * MICROS_PER_DAY)),
            Instants::Date64(d) => {
                if d.is_null(i) {
                    return Ok(None);
                }
                d.value(i).checked_mul(1000).map(Some).ok_or_else(|| format!("{} ms is out of range", d.value(i)))
            }
        }
    }
}

/// Appends a timestamp column in µs or ns without nulls straight from its
/// buffer; false (nothing appended) for any other column.
fn read_plain_instants(a: &ArrayRef, out: &mut Vec<i64>) -> bool {
    if a.null_count() > 0 {
        return false;
    }
    match a.data_type() {
        DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, _) => a
            .as_primitive_opt::<arrow_array::types::TimestampMicrosecondType>()
            .map(|p| out.extend_from_slice(p.values()))
            .is_some(),
        DataType::Timestamp(arrow_schema::TimeUnit::Nanosecond, _) => a
            .as_primitive_opt::<arrow_array::types::TimestampNanosecondType>()
            .map(|p| out.extend(p.values().iter().map(|v| v.div_euclid(1000))))
            .is_some(),
        _ => false,
    }
}

/// Appends a float64 or int64 column without nulls straight from its
/// buffer; false (nothing appended) for any other column.
fn read_plain_floats(a: &ArrayRef, out: &mut Vec<f64>) -> bool {
    if a.null_count() > 0 {
        return false;
    }
    match a.data_type() {
        DataType::Float64 => a.as_primitive_opt::<Float64Type>().map(|p| out.extend_from_slice(p.values())).is_some(),
        DataType::Int64 => {
            a.as_primitive_opt::<Int64Type>().map(|p| out.extend(p.values().iter().map(|&v| v as f64))).is_some()
        }
        _ => false,
    }
}

/// Reads the value of row `i` as f64 (`None` when null).
fn value_at(a: &ArrayRef, i: usize) -> Option<f64> {
    if a.is_null(i) {
        return None;
    }
    macro_rules! prim {
        ($t:ty) => {
            a.as_primitive_opt::<$t>().map(|p| p.value(i) as f64)
        };
    }
    macro_rules! dec {
        ($t:ty, $s:expr) => {
            a.as_primitive_opt::<$t>().map(|p| p.value(i) as f64 / 10f64.powi(i32::from($s)))
        };
    }
    match a.data_type() {
        DataType::Float64 => prim!(Float64Type),
        DataType::Float32 => prim!(Float32Type),
        DataType::Float16 => a.as_primitive_opt::<Float16Type>().map(|p| f64::from(p.value(i))),
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Decimal32(_, s) => dec!(Decimal32Type, *s),
        DataType::Decimal64(_, s) => dec!(Decimal64Type, *s),
        DataType::Decimal128(_, s) => dec!(Decimal128Type, *s),
        DataType::Decimal256(_, s) => a
            .as_primitive_opt::<Decimal256Type>()
            .and_then(|p| p.value(i).to_i128())
            .map(|v| v as f64 / 10f64.powi(i32::from(*s))),
        _ => None,
    }
}

/// Reads every batch: interns the ids, converts instants and values.
fn read(
    reader: Box<dyn RecordBatchReader + Send>,
    customer_col: &str,
    datetime_col: &str,
    value_col: Option<&str>,
) -> Result<Read, Error> {
    check_schema(&reader.schema(), customer_col, datetime_col, value_col)?;
    let mut customer: Vec<u32> = Vec::new();
    let mut at: Vec<i64> = Vec::new();
    let mut value: Vec<f64> = Vec::new();
    let mut interner = Interner::default();
    let mut ints: hashbrown::HashMap<i64, u32, foldhash::fast::FixedState> =
        hashbrown::HashMap::with_hasher(foldhash::fast::FixedState::with_seed(0x5eed));
    let mut int_keys: Vec<i64> = Vec::new();
    let mut text = None;
    let mut base = 0usize;
    // The last dictionary seen and its values' interned ids (batches often share one).
    let mut dictionary_ids: Option<(ArrayRef, Vec<u32>)> = None;
    for batch in reader {
        let batch: RecordBatch = batch.map_err(|e| invalid_input("transactions", format!("reading failed: {e}")))?;
        let n = batch.num_rows();
        if base.saturating_add(n) >= u32::MAX as usize {
            return Err(LtvError::InvalidOption {
                field: "transactions".into(),
                message: "more than 2^32 − 2 rows are not supported".into(),
            }
            .into());
        }
        let col = |name: &str| {
            batch.column_by_name(name).ok_or_else(|| invalid_input(name, "missing from a batch of the stream"))
        };
        let ids = col(customer_col)?;
        let row_err = |field: &str, i: usize, m: &str| invalid_input(field, format!("row {}: {m}", base + i));
        let first = customer.len();
        if ids.data_type().is_integer() {
            text = Some(false);
            let ints_col = IntCol::new(ids).ok_or_else(|| invalid_input(customer_col, "unreadable column"))?;
            customer.reserve(n);
            for i in 0..n {
                let v = ints_col.get(i).ok_or_else(|| row_err(customer_col, i, "null customer id"))?;
                let v = i64::try_from(v).map_err(|_| row_err(customer_col, i, &format!("{v} is beyond int64")))?;
                let next = int_keys.len() as u32;
                let id = *ints.entry(v).or_insert_with(|| {
                    int_keys.push(v);
                    next
                });
                customer.push(id);
            }
        } else {
            text = Some(true);
            let s = StrCol::new(ids).ok_or_else(|| invalid_input(customer_col, "unreadable column"))?;
            match s.dictionary() {
                // A dictionary no longer than the batch: intern its values once
                // (again only for a new dictionary), then map each row's key.
                Some(dict) if dict.len() <= n => {
                    if !dictionary_ids.as_ref().is_some_and(|(d, _)| Arc::ptr_eq(d, dict)) {
                        let mut mapped = Vec::with_capacity(dict.len());
                        interner.intern_many(dict.len(), |k| s.dict_value(k), &mut mapped);
                        dictionary_ids = Some((Arc::clone(dict), mapped));
                    }
                    let mapped = dictionary_ids.as_ref().map_or(&[][..], |(_, m)| &m[..]);
                    customer.extend((0..n).map(|i| match s.dict_key(i) {
                        Some(Some(k)) => mapped.get(k).copied().unwrap_or(NONE),
                        _ => NONE,
                    }));
                }
                _ => interner.intern_many(n, |i| s.get(i), &mut customer),
            }
            if let Some(i) = customer[first..].iter().position(|&c| c == NONE) {
                return Err(row_err(customer_col, i, "null customer id"));
            }
        }
        let time_col = col(datetime_col)?;
        if !read_plain_instants(time_col, &mut at) {
            let times = Instants::new(time_col).ok_or_else(|| invalid_input(datetime_col, "unreadable column"))?;
            at.reserve(n);
            for i in 0..n {
                match times.get(i) {
                    Ok(Some(t)) => at.push(t),
                    Ok(None) => return Err(row_err(datetime_col, i, "null instant")),
                    Err(m) => return Err(row_err(datetime_col, i, &m)),
                }
            }
        }
        if let Some(vc) = value_col {
            let a = col(vc)?;
            let start = value.len();
            if !read_plain_floats(a, &mut value) {
                value.reserve(n);
                for i in 0..n {
                    match value_at(a, i) {
                        Some(v) => value.push(v),
                        None => return Err(row_err(vc, i, "null value")),
                    }
                }
            }
            if let Some(i) = value[start..].iter().position(|v| !v.is_finite()) {
                return Err(row_err(vc, i, &format!("{} is not a finite number", value[start + i])));
            }
        }
        base += n;
    }
    // Rank the ids: text by bytes, integers by value (lifetimes sorts its rows by id).
    let (rank, ids) = if text == Some(true) {
        // Ids met in sorted order (a sorted dictionary, sorted input) need no sort.
        let met_sorted = (1..interner.len() as u32).all(|i| interner.get(i - 1) < interner.get(i));
        let order = if met_sorted { (0..interner.len() as u32).collect() } else { interner.sorted_order() };
        let mut rank = vec![0u32; order.len()];
        for (r, &old) in order.iter().enumerate() {
            rank[old as usize] = r as u32;
        }
        (rank, Ids::Text(order.iter().map(|&old| interner.get_str(old).to_string()).collect()))
    } else {
        let mut order: Vec<u32> = (0..int_keys.len() as u32).collect();
        order.sort_unstable_by_key(|&i| int_keys[i as usize]);
        let mut rank = vec![0u32; order.len()];
        for (r, &old) in order.iter().enumerate() {
            rank[old as usize] = r as u32;
        }
        (rank, Ids::Int(order.iter().map(|&old| int_keys[old as usize]).collect()))
    };
    for c in customer.iter_mut() {
        *c = rank.get(*c as usize).copied().unwrap_or(0);
    }
    Ok(Read { customer, at, value: value_col.map(|_| value), ids })
}

fn float_column(v: &[f64], keep: &[bool]) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values(v.iter().zip(keep).filter(|(_, &k)| k).map(|(x, _)| *x)))
}

fn summary_columns(s: &IndexedSummary, suffix: &str, out: &mut Vec<(String, ArrayRef)>) {
    let keep = &s.present;
    out.push((format!("frequency{suffix}"), float_column(&s.frequency, keep)));
    out.push((format!("recency{suffix}"), float_column(&s.recency, keep)));
    out.push((format!("T{suffix}"), float_column(&s.t, keep)));
    if !s.monetary_value.is_empty() {
        out.push((format!("monetary_value{suffix}"), float_column(&s.monetary_value, keep)));
    }
}

/// lifetimes' summaries from a transactions table, as a pyarrow Table: the
/// column `id` (customer ids, sorted), then `frequency`, `recency`, `T`
/// [, `monetary_value`], or with `calibration_period_end` the `_cal` columns,
/// `frequency_holdout` [, `monetary_value_holdout`] and `duration_holdout`.
/// Ends are µs since the epoch; `observation_period_end` defaults to the
/// latest instant of the table.
#[pyfunction]
#[pyo3(signature = (
    transactions, customer_id_col, datetime_col, monetary_value_col=None, *,
    freq="D", freq_multiplier=1.0, include_first_transaction=false,
    observation_period_end=None, calibration_period_end=None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn ltv_transaction_summary<'py>(
    py: Python<'py>,
    transactions: &Bound<'py, PyAny>,
    customer_id_col: &str,
    datetime_col: &str,
    monetary_value_col: Option<&str>,
    freq: &str,
    freq_multiplier: f64,
    include_first_transaction: bool,
    observation_period_end: Option<i64>,
    calibration_period_end: Option<i64>,
) -> PyResult<Bound<'py, PyAny>> {
    let period = period_of(freq).py(py)?;
    let options = SummaryOptions { include_first_transaction, freq_multiplier };
    let any: AnyRecordBatch = transactions
        .extract()
        .map_err(|e| {
            invalid_input(
                "transactions",
                format!("expected a table (pandas or polars DataFrame, pyarrow Table …): {e}"),
            )
        })
        .py(py)?;
    let reader = any.into_reader().map_err(|e| invalid_input("transactions", e.to_string())).py(py)?;
    let (customer_col, datetime_col) = (customer_id_col.to_string(), datetime_col.to_string());
    let value_col = monetary_value_col.map(str::to_string);
    let batch = py
        .detach(move || -> Result<RecordBatch, Error> {
            let r = read(reader, &customer_col, &datetime_col, value_col.as_deref())?;
            let tx = IndexedTransactions::new(&r.customer, &r.at, r.value.as_deref(), r.ids.len())?;
            let observation_end = observation_period_end.unwrap_or_else(|| r.at.iter().copied().max().unwrap_or(0));
            let mut cols: Vec<(String, ArrayRef)> = Vec::new();
            match calibration_period_end {
                None => {
                    let s = summarize_indexed(&tx, observation_end, period, options)?;
                    cols.push(("id".into(), r.ids.column(&s.present)));
                    summary_columns(&s, "", &mut cols);
                }
                Some(cal) => {
                    let s = calibration_and_holdout_indexed(&tx, cal, observation_end, period, options)?;
                    let keep = &s.calibration.present;
                    cols.push(("id".into(), r.ids.column(keep)));
                    summary_columns(&s.calibration, "_cal", &mut cols);
                    cols.push(("frequency_holdout".into(), float_column(&s.frequency_holdout, keep)));
                    if !s.monetary_value_holdout.is_empty() {
                        cols.push(("monetary_value_holdout".into(), float_column(&s.monetary_value_holdout, keep)));
                    }
                    let rows = keep.iter().filter(|&&k| k).count();
                    cols.push((
                        "duration_holdout".into(),
                        Arc::new(Float64Array::from(vec![s.duration_holdout; rows])),
                    ));
                }
            }
            let fields: Vec<Field> = cols.iter().map(|(n, a)| Field::new(n, a.data_type().clone(), false)).collect();
            RecordBatch::try_new(Arc::new(Schema::new(fields)), cols.into_iter().map(|(_, a)| a).collect())
                .map_err(|e| invalid_input("transactions", format!("building the table: {e}")))
        })
        .py(py)?;
    let schema = batch.schema();
    PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)
}
