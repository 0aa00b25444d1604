//! The facts table as Arrow: one row per customer, one column per field of
//! [`CustomerFacts`], in the same order.
//!
//! | column | Arrow type |
//! |---|---|
//! | `customer_id`, `currency`, `top_category` | `string` (the last two nullable) |
//! | `first_order_at`, `last_order_at`, `last_abandoned_at`, `last_activity_at` | `timestamp[us, tz=UTC]`, nullable |
//! | `order_count`, `distinct_categories`, `refund_count`, `abandoned_cart_count` | `uint32` |
//! | `net_spend`, `refund_amount` | `int64` (minor units) |
//! | `average_order_value`, `days_since_last_order`, `tenure_days` | `int64`, nullable |
//! | `spend_by_category` | `map<string, int64>` (keys sorted by name) |
//! | `discounted_order_share` | `float64`, nullable |

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::types::{ArrowPrimitiveType, Int64Type, UInt16Type, UInt8Type};
use arrow_array::{
    ArrayRef, DictionaryArray, Float64Array, Int64Array, LargeStringArray, MapArray, PrimitiveArray, RecordBatch,
    StringArray, StructArray, TimestampMicrosecondArray, UInt32Array,
};
use arrow_buffer::{BooleanBuffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema};
use crm_core::column::StrColumn;
use crm_core::error::Error;
use crm_core::facts::CustomerFacts;
use crm_core::money::Currency;
use crm_core::segment::{rfm_segment_column_with, Column, RfmScores, SegmentMap};

use crate::errors::invalid_input;
use crm_core::time::{format_instant, from_micros};

/// A string column from a [`StrColumn`] (Utf8, or LargeUtf8 past 2 GiB).
pub(crate) fn str_column(c: &StrColumn) -> Result<ArrayRef, ArrowError> {
    let data = arrow_buffer::Buffer::from(c.data().as_bytes());
    if let Ok(offs) = c.offsets().iter().map(|&o| i32::try_from(o)).collect::<Result<Vec<i32>, _>>() {
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offs));
        Ok(Arc::new(StringArray::try_new(offsets, data, None)?))
    } else {
        let offs: Vec<i64> = c.offsets().iter().map(|&o| o as i64).collect();
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offs));
        Ok(Arc::new(LargeStringArray::try_new(offsets, data, None)?))
    }
}

pub(crate) fn instants(v: &[Option<i64>]) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(v.to_vec()).with_timezone("UTC"))
}

/// RFM scores as one record batch: `customer_id`, `recency` (days, nullable),
/// `frequency` (uint32), `monetary` (int64 minor units), `currency`, and the
/// scores `r`, `f`, `m` (uint8, null for prospects), and with `map` the
/// `segment` column (dictionary of names, uint16 keys). The segments of the
/// two halves of the customers are computed on two threads, then the
/// columns in two groups (one after the other with `CRM_CORE_THREADS=1`).
/// `ids` is the customer-id column when already built (a loaded store keeps it).
pub(crate) fn rfm_table(
    scores: &RfmScores,
    map: Option<&SegmentMap>,
    ids: Option<ArrayRef>,
) -> Result<RecordBatch, Error> {
    let segments = map.map(|m| rfm_segment_column_with(scores, m, &crate::threads::Threads)).transpose()?;
    let (first, second) = crate::threads::both(
        || {
            let ids = match ids {
                Some(ids) => ids,
                None => str_column(&scores.customer_id)?,
            };
            Ok::<_, ArrowError>(vec![
                ("customer_id", ids, false),
                ("recency", Arc::new(optional::<Int64Type>(&scores.recency)) as ArrayRef, true),
                ("frequency", Arc::new(UInt32Array::from(scores.frequency.clone())), false),
                ("monetary", Arc::new(Int64Array::from(scores.monetary.clone())), false),
            ])
        },
        || rfm_scores_columns(scores),
    );
    let failed = |_| invalid_input("rfm", "building the table failed");
    let built = |e: ArrowError| invalid_input("rfm", format!("building the table: {e}"));
    let mut cols = first.map_err(failed)?.map_err(built)?;
    cols.extend(second.map_err(failed)?.map_err(built)?);
    rfm_batch_of(cols, segments.as_ref()).map_err(built)
}

/// Named columns: (name, array, nullable).
type Columns = Vec<(&'static str, ArrayRef, bool)>;

/// The columns of [`rfm_table`] after `monetary`, but the segment.
fn rfm_scores_columns(s: &RfmScores) -> Result<Columns, ArrowError> {
    Ok(vec![
        ("currency", Arc::new(codes(&s.currency)?), true),
        ("r", Arc::new(optional::<UInt8Type>(&s.r)), true),
        ("f", Arc::new(optional::<UInt8Type>(&s.f)), true),
        ("m", Arc::new(optional::<UInt8Type>(&s.m)), true),
    ])
}

/// A primitive array from optional values: the values and a validity
/// bitmap, each written in one pass.
fn optional<T: ArrowPrimitiveType>(v: &[Option<T::Native>]) -> PrimitiveArray<T> {
    let values: Vec<T::Native> = v.iter().map(|x| x.unwrap_or_default()).collect();
    let valid = BooleanBuffer::collect_bool(v.len(), |i| v[i].is_some());
    PrimitiveArray::new(ScalarBuffer::from(values), Some(NullBuffer::new(valid)).filter(|n| n.null_count() > 0))
}

/// Currency codes as a string array, written straight into its buffers
/// (every code is three ASCII letters; the text of a run of equal
/// currencies is looked up once).
fn codes(v: &[Option<Currency>]) -> Result<StringArray, ArrowError> {
    if v.len() > i32::MAX as usize / 3 {
        return Err(ArrowError::ComputeError("too many currency codes for one string array".into()));
    }
    let mut offsets = Vec::with_capacity(v.len() + 1);
    let mut data = Vec::with_capacity(3 * v.len());
    offsets.push(0i32);
    let mut last: Option<(Currency, &[u8])> = None;
    for c in v {
        if let Some(c) = c {
            let text = match last {
                Some((l, text)) if l == *c => text,
                _ => c.code().as_bytes(),
            };
            last = Some((*c, text));
            data.extend_from_slice(text);
        }
        offsets.push(data.len() as i32);
    }
    let valid = BooleanBuffer::collect_bool(v.len(), |i| v[i].is_some());
    let nulls = Some(NullBuffer::new(valid)).filter(|n| n.null_count() > 0);
    StringArray::try_new(OffsetBuffer::new(ScalarBuffer::from(offsets)), arrow_buffer::Buffer::from_vec(data), nulls)
}

/// The RFM table from its columns and the segments.
fn rfm_batch_of(mut cols: Columns, segments: Option<&Column>) -> Result<RecordBatch, ArrowError> {
    if let Some(Column::Text { codes, dict }) = segments {
        // Dictionary-encoded: one small dictionary of segment names, a code per customer.
        let keys: Vec<Option<u16>> = codes.iter().map(|c| c.and_then(|c| u16::try_from(c).ok())).collect();
        let keys = optional::<UInt16Type>(&keys);
        let values: ArrayRef = Arc::new(StringArray::from(dict.clone()));
        cols.push(("segment", Arc::new(DictionaryArray::<UInt16Type>::try_new(keys, values)?), true));
    }
    let fields: Vec<Field> =
        cols.iter().map(|(name, a, nullable)| Field::new(*name, a.data_type().clone(), *nullable)).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols.into_iter().map(|(_, a, _)| a).collect())
}

/// The facts as one record batch, with the as-of instant in the schema
/// metadata (`crm_core.as_of`).
pub(crate) fn to_batch(f: &CustomerFacts, as_of: i64) -> Result<RecordBatch, ArrowError> {
    let n = f.len();
    let currency = codes(&f.currency)?;
    let mut top = StringBuilder::with_capacity(n, n * 8);
    for i in 0..n {
        top.append_option(f.top_category_name(i));
    }

    // map<string, int64> straight from the compressed rows.
    let s = &f.spend_by_category;
    let mut keys = StringBuilder::with_capacity(s.category.len(), s.category.len() * 8);
    for &c in &s.category {
        keys.append_value(s.categories.get(c as usize).map_or("", String::as_str));
    }
    let entry_fields =
        Fields::from(vec![Field::new("key", DataType::Utf8, false), Field::new("value", DataType::Int64, false)]);
    let entries = StructArray::try_new(
        entry_fields.clone(),
        vec![Arc::new(keys.finish()) as ArrayRef, Arc::new(Int64Array::from(s.amount.clone()))],
        None,
    )?;
    let offsets: Vec<i32> = s
        .offsets
        .iter()
        .map(|&o| i32::try_from(o).map_err(|_| ArrowError::ComputeError("too many category entries".into())))
        .collect::<Result<_, _>>()?;
    let offsets = if offsets.is_empty() { vec![0] } else { offsets };
    let entries_field = Arc::new(Field::new("entries", DataType::Struct(entry_fields), false));
    let spend =
        MapArray::try_new(entries_field.clone(), OffsetBuffer::new(ScalarBuffer::from(offsets)), entries, None, false)?;

    let ids = str_column(&f.customer_id)?;
    let cols: Vec<(&str, ArrayRef, bool)> = vec![
        ("customer_id", ids, false),
        ("first_order_at", instants(&f.first_order_at), true),
        ("last_order_at", instants(&f.last_order_at), true),
        ("order_count", Arc::new(UInt32Array::from(f.order_count.clone())), false),
        ("net_spend", Arc::new(Int64Array::from(f.net_spend.clone())), false),
        ("currency", Arc::new(currency), true),
        ("average_order_value", Arc::new(Int64Array::from(f.average_order_value.clone())), true),
        ("days_since_last_order", Arc::new(Int64Array::from(f.days_since_last_order.clone())), true),
        ("tenure_days", Arc::new(Int64Array::from(f.tenure_days.clone())), true),
        ("distinct_categories", Arc::new(UInt32Array::from(f.distinct_categories.clone())), false),
        ("spend_by_category", Arc::new(spend), false),
        ("top_category", Arc::new(top.finish()), true),
        ("discounted_order_share", Arc::new(Float64Array::from(f.discounted_order_share.clone())), true),
        ("refund_count", Arc::new(UInt32Array::from(f.refund_count.clone())), false),
        ("refund_amount", Arc::new(Int64Array::from(f.refund_amount.clone())), false),
        ("abandoned_cart_count", Arc::new(UInt32Array::from(f.abandoned_cart_count.clone())), false),
        ("last_abandoned_at", instants(&f.last_abandoned_at), true),
        ("last_activity_at", instants(&f.last_activity_at), true),
    ];
    let fields: Vec<Field> =
        cols.iter().map(|(name, a, nullable)| Field::new(*name, a.data_type().clone(), *nullable)).collect();
    let mut meta = HashMap::new();
    if let Some(t) = from_micros(as_of) {
        meta.insert("crm_core.as_of".to_string(), format_instant(t));
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, meta));
    RecordBatch::try_new(schema, cols.into_iter().map(|(_, a, _)| a).collect())
}
