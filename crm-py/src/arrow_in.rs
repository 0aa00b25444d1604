//! Reading Arrow columns of the types pandas, polars and pyarrow produce.
//!
//! - strings: Utf8, LargeUtf8, Utf8View, and Dictionary of any of these (any key type);
//! - keys (ids): those strings, or any integer type (written in decimal);
//! - instants: Timestamp of every unit, with a zone (the values are UTC) or naive
//!   (rejected, or read as UTC with `naive="utc"`), or RFC 3339 text;
//! - money: Int8..Int64, UInt8..UInt64 (minor units), or Decimal32/64/128/256
//!   (major units, converted exactly to the currency's minor unit); floating point is refused.
//!
//! Every reader is built once per batch from a column whose type was checked
//! against the stream's schema ([`check_type`]), so the per-row accessors never fail
//! on types, only on values (nulls, overflow, inexact decimals).

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, LargeStringArray, PrimitiveArray, StringArray, StringViewArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, TimeUnit};
use crm_core::time::parse_instant;

/// What a column holds, for type checks and messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Text (status, currency, category, e-mail).
    Text,
    /// An id: text or an integer.
    Key,
    /// An instant.
    Instant,
    /// Money: integers (minor units) or decimals.
    Money,
    /// A count (quantity): integers.
    Count,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::Text => "a string column (string, large_string, string_view or dictionary of them)",
            Kind::Key => "a string or integer column",
            Kind::Instant => "a timestamp column with a time zone (any unit), or RFC 3339 strings",
            Kind::Money => "integer minor units (int8..int64, uint8..uint64) or an exact decimal",
            Kind::Count => "an integer column",
        }
    }
}

fn is_string(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
        _ => false,
    }
}

fn is_integer(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

fn is_decimal(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..) | DataType::Decimal256(..)
    )
}

fn is_float(dt: &DataType) -> bool {
    matches!(dt, DataType::Float16 | DataType::Float32 | DataType::Float64)
}

/// How to read a timestamp column that has no time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Naive {
    /// Refuse it (the default: the library never guesses a zone).
    Reject,
    /// Read its wall-clock values as UTC.
    Utc,
}

/// Checks that a column of type `dt` can be read as `kind`. The error message
/// (for `FactsError::InvalidInput` on field `table.column`) says what arrived,
/// what is expected and, for floats and naive timestamps, the one-line fix.
pub(crate) fn check_type(table: &str, column: &str, dt: &DataType, kind: Kind, naive: Naive) -> Result<(), String> {
    let ok = match kind {
        Kind::Text => is_string(dt),
        Kind::Key => is_string(dt) || is_integer(dt),
        Kind::Instant => match dt {
            DataType::Timestamp(_, Some(_)) => true,
            DataType::Timestamp(_, None) => naive == Naive::Utc,
            other => is_string(other),
        },
        Kind::Money => is_integer(dt) || is_decimal(dt),
        Kind::Count => is_integer(dt),
    };
    if ok {
        return Ok(());
    }
    let mut msg = format!("has type {dt}; expected {}", kind.expected());
    if kind == Kind::Money && is_float(dt) {
        msg = format!(
            "has type {dt}: money must be integer minor units (cents, kuruş), never floating point. \
             Convert it once, e.g. with pandas: {table}[\"{column}\"] = ({table}[\"{column}\"] * 100).round().astype(\"int64\") \
             (polars: pl.col(\"{column}\").mul(100).round().cast(pl.Int64); multiply by 10^exponent of the currency: \
             100 for TRY/EUR/USD, 1 for JPY, 1000 for KWD), or pass an exact decimal column"
        );
    } else if kind == Kind::Count && is_float(dt) {
        msg = format!(
            "has type {dt}; expected an integer column (a pandas integer column with missing values becomes float: \
             use the nullable \"Int64\" dtype, e.g. {table}[\"{column}\"] = {table}[\"{column}\"].astype(\"Int64\"))"
        );
    } else if kind == Kind::Instant {
        if let DataType::Timestamp(_, None) = dt {
            msg = format!(
                "is a timestamp without a time zone ({dt}); the library never guesses a zone. \
                 Say which it is, e.g. with pandas: {table}[\"{column}\"] = {table}[\"{column}\"].dt.tz_localize(\"UTC\") \
                 (polars: pl.col(\"{column}\").dt.replace_time_zone(\"UTC\")), or pass naive=\"utc\" to read every \
                 naive timestamp as UTC"
            );
        }
    }
    Err(msg)
}

/// A plain (non-dictionary) string array.
#[derive(Clone, Copy)]
pub(crate) enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    fn new(a: &'a dyn Array) -> Option<Strings<'a>> {
        if let Some(s) = a.as_string_opt::<i32>() {
            Some(Strings::Utf8(s))
        } else if let Some(s) = a.as_string_opt::<i64>() {
            Some(Strings::Large(s))
        } else {
            a.as_string_view_opt().map(Strings::View)
        }
    }

    /// The string at row `i`, `None` when null.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            Strings::Large(a) => (!a.is_null(i)).then(|| a.value(i)),
            Strings::View(a) => (!a.is_null(i)).then(|| a.value(i)),
        }
    }

    /// The bytes at row `i` whatever its null bit, for columns without nulls.
    #[inline(always)]
    pub(crate) fn bytes(&self, i: usize) -> &'a [u8] {
        match self {
            Strings::Utf8(a) => a.value(i).as_bytes(),
            Strings::Large(a) => a.value(i).as_bytes(),
            Strings::View(a) => a.value(i).as_bytes(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Strings::Utf8(a) => a.len(),
            Strings::Large(a) => a.len(),
            Strings::View(a) => a.len(),
        }
    }

    pub(crate) fn null_count(&self) -> usize {
        match self {
            Strings::Utf8(a) => a.null_count(),
            Strings::Large(a) => a.null_count(),
            Strings::View(a) => a.null_count(),
        }
    }
}

/// A string column, plain or dictionary-encoded.
pub(crate) enum StrCol<'a> {
    Plain(Strings<'a>),
    Dict {
        /// Dictionary index per row (arbitrary where the row is null).
        keys: Vec<usize>,
        /// Nulls of the keys.
        nulls: Option<NullBuffer>,
        /// The dictionary.
        values: Strings<'a>,
        /// The dictionary array itself, so a cache can be kept across batches sharing it.
        dict: &'a ArrayRef,
    },
}

impl<'a> StrCol<'a> {
    /// Reads `a` as strings (the type was checked by [`check_type`]).
    pub(crate) fn new(a: &'a ArrayRef) -> Option<StrCol<'a>> {
        if let Some(d) = a.as_any_dictionary_opt() {
            let values = Strings::new(d.values().as_ref())?;
            let keys = if values.len() == 0 { vec![0; d.len()] } else { d.normalized_keys() };
            return Some(StrCol::Dict { keys, nulls: d.keys().logical_nulls(), values, dict: d.values() });
        }
        Strings::new(a.as_ref()).map(StrCol::Plain)
    }

    /// The string at row `i`, `None` when null.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            StrCol::Plain(s) => s.get(i),
            StrCol::Dict { keys, nulls, values, .. } => {
                if nulls.as_ref().is_some_and(|n| n.is_null(i)) || values.len() == 0 {
                    None
                } else {
                    values.get(keys[i])
                }
            }
        }
    }

    /// For a dictionary column: the dictionary index of row `i` (`None` when the
    /// row is null), the dictionary size and its identity.
    #[inline]
    pub(crate) fn dict_key(&self, i: usize) -> Option<Option<usize>> {
        match self {
            StrCol::Plain(_) => None,
            StrCol::Dict { keys, nulls, values, .. } => {
                Some(if nulls.as_ref().is_some_and(|n| n.is_null(i)) || values.len() == 0 {
                    None
                } else {
                    Some(keys[i])
                })
            }
        }
    }

    /// The dictionary, for dictionary columns.
    pub(crate) fn dictionary(&self) -> Option<&'a ArrayRef> {
        match self {
            StrCol::Plain(_) => None,
            StrCol::Dict { dict, .. } => Some(dict),
        }
    }

    /// Dictionary value `k` (for dictionary columns).
    #[inline]
    pub(crate) fn dict_value(&self, k: usize) -> Option<&'a str> {
        match self {
            StrCol::Plain(_) => None,
            StrCol::Dict { values, .. } => values.get(k),
        }
    }
}

/// Per-dictionary cache of a value derived from each dictionary entry
/// (`None` = not computed yet), kept while consecutive batches share one
/// dictionary (the same array: the cache holds it, so it is not confused with
/// a new dictionary allocated at the same address).
pub(crate) struct DictCache<T> {
    dict: Option<ArrayRef>,
    slots: Vec<Option<T>>,
}

impl<T: Copy> DictCache<T> {
    pub(crate) fn new() -> Self {
        DictCache { dict: None, slots: Vec::new() }
    }

    /// Prepares the cache for a column: keeps it when the dictionary is the same.
    pub(crate) fn reset_for(&mut self, col: &StrCol<'_>) {
        if let Some(dict) = col.dictionary() {
            if !self.dict.as_ref().is_some_and(|d| same_memory(d, dict)) {
                self.dict = Some(dict.clone());
                self.slots.clear();
                self.slots.resize(dict.len(), None);
            }
        }
    }

    #[inline]
    pub(crate) fn get(&self, k: usize) -> Option<T> {
        self.slots.get(k).copied().flatten()
    }

    #[inline]
    pub(crate) fn set(&mut self, k: usize, v: T) {
        if let Some(s) = self.slots.get_mut(k) {
            *s = Some(v);
        }
    }
}

/// Whether two arrays are views of the same bytes: the same array, or (as
/// when every batch of an Arrow stream re-imports one shared dictionary) the
/// same type, length, offset and buffers. The cache holds the old array, so
/// its buffers cannot have been freed and reused for different content.
fn same_memory(a: &ArrayRef, b: &ArrayRef) -> bool {
    if std::sync::Arc::ptr_eq(a, b) {
        return true;
    }
    let (a, b) = (a.to_data(), b.to_data());
    let same_buffers = |x: &[arrow_buffer::Buffer], y: &[arrow_buffer::Buffer]| {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.as_ptr() == q.as_ptr() && p.len() == q.len())
    };
    a.data_type() == b.data_type()
        && a.len() == b.len()
        && a.offset() == b.offset()
        && same_buffers(a.buffers(), b.buffers())
        && match (a.nulls(), b.nulls()) {
            (None, None) => true,
            (Some(x), Some(y)) => {
                x.buffer().as_ptr() == y.buffer().as_ptr() && x.offset() == y.offset() && x.len() == y.len()
            }
            _ => false,
        }
        && a.child_data().is_empty()
        && b.child_data().is_empty()
}

/// A key column: strings, or integers written in decimal.
pub(crate) enum KeyCol<'a> {
    Str(StrCol<'a>),
    Int(IntCol<'a>),
}

impl<'a> KeyCol<'a> {
    pub(crate) fn new(a: &'a ArrayRef) -> Option<KeyCol<'a>> {
        if is_integer(a.data_type()) {
            IntCol::new(a).map(KeyCol::Int)
        } else {
            StrCol::new(a).map(KeyCol::Str)
        }
    }

    /// The key of row `i` (`None` when null); integers are written into `buf`.
    #[inline]
    pub(crate) fn get<'s>(&'s self, i: usize, buf: &'s mut String) -> Option<&'s str>
    where
        'a: 's,
    {
        match self {
            KeyCol::Str(s) => s.get(i),
            KeyCol::Int(n) => {
                let v = n.get(i)?;
                buf.clear();
                use std::fmt::Write;
                let _ = write!(buf, "{v}");
                Some(buf.as_str())
            }
        }
    }

    /// The string column, when the keys are strings.
    pub(crate) fn as_str(&self) -> Option<&StrCol<'a>> {
        match self {
            KeyCol::Str(s) => Some(s),
            KeyCol::Int(_) => None,
        }
    }

    /// The integer column, when the keys are integers.
    pub(crate) fn as_int(&self) -> Option<&IntCol<'a>> {
        match self {
            KeyCol::Str(_) => None,
            KeyCol::Int(n) => Some(n),
        }
    }
}

/// An integer or decimal column read as `i128` raw values with a decimal scale.
pub(crate) enum IntCol<'a> {
    I8(&'a PrimitiveArray<Int8Type>),
    I16(&'a PrimitiveArray<Int16Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I64(&'a PrimitiveArray<Int64Type>),
    U8(&'a PrimitiveArray<UInt8Type>),
    U16(&'a PrimitiveArray<UInt16Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
    D32(&'a PrimitiveArray<Decimal32Type>, i8),
    D64(&'a PrimitiveArray<Decimal64Type>, i8),
    D128(&'a PrimitiveArray<Decimal128Type>, i8),
    D256(&'a PrimitiveArray<Decimal256Type>, i8),
}

macro_rules! get_prim {
    ($a:expr, $i:expr) => {
        if $a.is_null($i) {
            None
        } else {
            Some(i128::from($a.value($i)))
        }
    };
}

impl<'a> IntCol<'a> {
    pub(crate) fn new(a: &'a ArrayRef) -> Option<IntCol<'a>> {
        Some(match a.data_type() {
            DataType::Int8 => IntCol::I8(a.as_primitive_opt()?),
            DataType::Int16 => IntCol::I16(a.as_primitive_opt()?),
            DataType::Int32 => IntCol::I32(a.as_primitive_opt()?),
            DataType::Int64 => IntCol::I64(a.as_primitive_opt()?),
            DataType::UInt8 => IntCol::U8(a.as_primitive_opt()?),
            DataType::UInt16 => IntCol::U16(a.as_primitive_opt()?),
            DataType::UInt32 => IntCol::U32(a.as_primitive_opt()?),
            DataType::UInt64 => IntCol::U64(a.as_primitive_opt()?),
            DataType::Decimal32(_, s) => IntCol::D32(a.as_primitive_opt()?, *s),
            DataType::Decimal64(_, s) => IntCol::D64(a.as_primitive_opt()?, *s),
            DataType::Decimal128(_, s) => IntCol::D128(a.as_primitive_opt()?, *s),
            DataType::Decimal256(_, s) => IntCol::D256(a.as_primitive_opt()?, *s),
            _ => return None,
        })
    }

    /// Decimal scale (0 for integers).
    pub(crate) fn scale(&self) -> i8 {
        match self {
            IntCol::D32(_, s) | IntCol::D64(_, s) | IntCol::D128(_, s) | IntCol::D256(_, s) => *s,
            _ => 0,
        }
    }

    /// True for decimal columns (major units with a scale).
    pub(crate) fn is_decimal(&self) -> bool {
        matches!(self, IntCol::D32(..) | IntCol::D64(..) | IntCol::D128(..) | IntCol::D256(..))
    }

    /// The raw value `raw` of this column in minor units of a currency with
    /// `exponent` decimals: integers are minor units already; decimals are
    /// major units and must convert exactly. `None` when inexact or beyond `i64`.
    #[inline]
    pub(crate) fn minor(&self, raw: i128, exponent: u8) -> Option<i64> {
        if self.is_decimal() {
            to_minor(raw, self.scale(), exponent)
        } else {
            i64::try_from(raw).ok()
        }
    }

    /// The raw value at row `i` (`None` when null). A Decimal256 beyond
    /// `i128` reads as `i128::MAX`, which every caller rejects as out of range.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<i128> {
        match self {
            IntCol::I8(a) => get_prim!(a, i),
            IntCol::I16(a) => get_prim!(a, i),
            IntCol::I32(a) => get_prim!(a, i),
            IntCol::I64(a) => get_prim!(a, i),
            IntCol::U8(a) => get_prim!(a, i),
            IntCol::U16(a) => get_prim!(a, i),
            IntCol::U32(a) => get_prim!(a, i),
            IntCol::U64(a) => get_prim!(a, i),
            IntCol::D32(a, _) => get_prim!(a, i),
            IntCol::D64(a, _) => get_prim!(a, i),
            IntCol::D128(a, _) => {
                if a.is_null(i) {
                    None
                } else {
                    Some(a.value(i))
                }
            }
            IntCol::D256(a, _) => {
                if a.is_null(i) {
                    None
                } else {
                    Some(a.value(i).to_i128().unwrap_or(i128::MAX))
                }
            }
        }
    }
}

/// The decimal `raw × 10^-scale` (major units) in minor units of a currency with
/// `exponent` decimals, when exact and within `i64`.
#[inline]
pub(crate) fn to_minor(raw: i128, scale: i8, exponent: u8) -> Option<i64> {
    let shift = i32::from(exponent) - i32::from(scale);
    let v = if shift >= 0 {
        raw.checked_mul(10i128.checked_pow(shift as u32)?)?
    } else {
        let d = 10i128.checked_pow((-shift) as u32)?;
        if raw % d != 0 {
            return None;
        }
        raw / d
    };
    i64::try_from(v).ok()
}

/// Writes the raw decimal `raw × 10^-scale` as text, for messages.
pub(crate) fn decimal_text(raw: i128, scale: i8) -> String {
    if scale <= 0 {
        return format!("{raw}{}", "0".repeat(scale.unsigned_abs() as usize));
    }
    let s = scale as usize;
    let digits = raw.unsigned_abs().to_string();
    let digits = if digits.len() <= s { format!("{}{digits}", "0".repeat(s + 1 - digits.len())) } else { digits };
    let (int, frac) = digits.split_at(digits.len() - s);
    format!("{}{int}.{frac}", if raw < 0 { "-" } else { "" })
}

/// The instants chrono can represent, in µs (years −262 143 to 262 142).
const MIN_MICROS: i64 = -8_334_601_228_800_000_000;
const MAX_MICROS: i64 = 8_210_266_876_799_999_999;

/// A timestamp value of `unit` in µs, floored for nanoseconds; `None` beyond
/// what chrono can represent (about ±262,000 years).
#[inline]
pub(crate) fn micros(v: i64, unit: TimeUnit) -> Option<i64> {
    let us = match unit {
        TimeUnit::Microsecond => Some(v),
        TimeUnit::Nanosecond => Some(v.div_euclid(1000)),
        TimeUnit::Millisecond => v.checked_mul(1000),
        TimeUnit::Second => v.checked_mul(1_000_000),
    }?;
    (MIN_MICROS..=MAX_MICROS).contains(&us).then_some(us)
}

/// An instant column read as µs since the epoch (UTC).
pub(crate) enum TimeCol<'a> {
    Ts { values: &'a [i64], nulls: Option<&'a NullBuffer>, unit: TimeUnit },
    Text(StrCol<'a>),
}

/// Why an instant could not be read.
pub(crate) enum TimeErr<'a> {
    /// Beyond the representable range after conversion to µs.
    OutOfRange(i64),
    /// Text that is not RFC 3339 with a zone.
    Unparsable(&'a str),
}

impl<'a> TimeCol<'a> {
    pub(crate) fn new(a: &'a ArrayRef) -> Option<TimeCol<'a>> {
        let ts = |values: &'a [i64], nulls: Option<&'a NullBuffer>, unit| Some(TimeCol::Ts { values, nulls, unit });
        match a.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => {
                let p = a.as_primitive_opt::<TimestampSecondType>()?;
                ts(p.values(), p.nulls(), TimeUnit::Second)
            }
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                let p = a.as_primitive_opt::<TimestampMillisecondType>()?;
                ts(p.values(), p.nulls(), TimeUnit::Millisecond)
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                let p = a.as_primitive_opt::<TimestampMicrosecondType>()?;
                ts(p.values(), p.nulls(), TimeUnit::Microsecond)
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                let p = a.as_primitive_opt::<TimestampNanosecondType>()?;
                ts(p.values(), p.nulls(), TimeUnit::Nanosecond)
            }
            _ => StrCol::new(a).map(TimeCol::Text),
        }
    }

    /// The instant at row `i` in µs (`Ok(None)` when null). Nanoseconds are
    /// floored to the microsecond.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Result<Option<i64>, TimeErr<'a>> {
        match self {
            TimeCol::Ts { values, nulls, unit } => {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    return Ok(None);
                }
                let v = values[i];
                micros(v, *unit).map(Some).ok_or(TimeErr::OutOfRange(v))
            }
            TimeCol::Text(s) => match s.get(i) {
                None => Ok(None),
                Some(t) => parse_instant(t).map(|t| Some(t.timestamp_micros())).map_err(|_| TimeErr::Unparsable(t)),
            },
        }
    }
}
