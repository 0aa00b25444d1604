//! Reading a chunk of rows column by column, for the layouts orders tables
//! usually have: string keys without nulls, int64 minor units, timestamps of
//! any unit, plain or dictionary statuses and one currency per chunk. Each
//! column is read in its own tight loop over typed slices, instead of one
//! dispatch over every Arrow type per value; the rows then go to the same
//! buckets as those of [`super::rows::read_rows`], which reads every other
//! layout (and every chunk this reader passes on) row by row.

use std::hash::BuildHasher;
use std::ops::Range;

use arrow_array::Array;
use arrow_buffer::NullBuffer;
use arrow_schema::TimeUnit;
use crm_core::model::OrderStatus;
use crm_core::money::Currency;

use super::rows::{Buckets, Cols, Decline, Pending};
use super::tables::part_of;
use crate::arrow_in::{micros, IntCol, KeyCol, StrCol, Strings, TimeCol};
use crate::facts::rows::resolve_refund;
use crate::facts::Options;

/// An int64 column and its nulls (`None` when it has none).
type Ints<'a> = (&'a [i64], Option<&'a NullBuffer>);

/// The columns of one batch, when all of them have a layout this reader takes.
pub(super) struct Typed<'a> {
    ids: Strings<'a>,
    order_id: Option<OrderIds<'a>>,
    placed: (&'a [i64], TimeUnit),
    total: &'a [i64],
    currency: Currencies<'a>,
    status: Statuses<'a>,
    discount: Option<Ints<'a>>,
    refunded: Option<Ints<'a>>,
    refunded_at: Option<(Ints<'a>, TimeUnit)>,
}

enum OrderIds<'a> {
    Str(Strings<'a>),
    Int(&'a [i64]),
}

enum Currencies<'a> {
    /// No currency column: the default currency.
    Default(Currency),
    /// A text column without nulls.
    Text(Strings<'a>),
}

enum Statuses<'a> {
    Text(Strings<'a>),
    /// Dictionary keys and the status of each dictionary entry (`None`: not a status).
    Dict(&'a [usize], Vec<Option<OrderStatus>>),
}

/// The nulls of a column, `None` when it has none.
fn nulls_of(n: Option<&NullBuffer>) -> Option<&NullBuffer> {
    n.filter(|n| n.null_count() > 0)
}

fn ints<'a>(c: &IntCol<'a>) -> Option<Ints<'a>> {
    match c {
        IntCol::I64(a) => {
            let a: &'a arrow_array::Int64Array = a;
            Some((a.values(), nulls_of(a.nulls())))
        }
        _ => None,
    }
}

fn plain<'a>(c: &StrCol<'a>) -> Option<Strings<'a>> {
    match c {
        StrCol::Plain(s) if s.null_count() == 0 => Some(*s),
        _ => None,
    }
}

fn times<'a>(c: &TimeCol<'a>) -> Option<(Ints<'a>, TimeUnit)> {
    match c {
        TimeCol::Ts { values, nulls, unit } => Some(((values, nulls_of(*nulls)), *unit)),
        TimeCol::Text(_) => None,
    }
}

/// The status named by `s`, as [`OrderStatus::parse`] reads it, comparing
/// fixed-size arrays (which compile to integer compares).
#[inline]
fn status_of(s: &[u8]) -> Option<OrderStatus> {
    fn is<const N: usize>(s: &[u8], name: &[u8; N]) -> bool {
        <[u8; N]>::try_from(s).is_ok_and(|a| a == *name)
    }
    match s.len() {
        4 if is(s, b"paid") => Some(OrderStatus::Paid),
        7 if is(s, b"pending") => Some(OrderStatus::Pending),
        8 if is(s, b"refunded") => Some(OrderStatus::Refunded),
        9 if is(s, b"fulfilled") => Some(OrderStatus::Fulfilled),
        9 if is(s, b"cancelled") => Some(OrderStatus::Cancelled),
        18 if is(s, b"partially_refunded") => Some(OrderStatus::PartiallyRefunded),
        _ => None,
    }
}

impl<'a> Typed<'a> {
    /// The typed view of a batch, `None` when some column needs the row reader.
    pub(super) fn new(c: &'a Cols<'a>, opts: &Options) -> Option<Typed<'a>> {
        let order_id = match &c.order_id {
            None => None,
            Some(KeyCol::Str(s)) => Some(OrderIds::Str(plain(s)?)),
            Some(KeyCol::Int(IntCol::I64(a))) if a.null_count() == 0 => Some(OrderIds::Int(a.values())),
            Some(KeyCol::Int(_)) => return None,
        };
        let ((placed, placed_nulls), unit) = times(&c.placed)?;
        let (total, total_nulls) = ints(&c.total)?;
        if placed_nulls.is_some() || total_nulls.is_some() {
            return None;
        }
        let currency = match &c.currency {
            None => Currencies::Default(opts.default_currency?),
            Some(s) => Currencies::Text(plain(s)?),
        };
        let status = match &c.status {
            StrCol::Plain(_) => Statuses::Text(plain(&c.status)?),
            StrCol::Dict { keys, nulls, values, .. } => {
                if nulls_of(nulls.as_ref()).is_some() || values.null_count() > 0 {
                    return None;
                }
                let codes = (0..values.len()).map(|k| values.get(k).and_then(|v| status_of(v.as_bytes()))).collect();
                Statuses::Dict(keys, codes)
            }
        };
        let optional = |c: &Option<IntCol<'a>>| match c {
            None => Some(None),
            Some(c) => ints(c).map(Some),
        };
        Some(Typed {
            ids: plain(&c.ids)?,
            order_id,
            placed: (placed, unit),
            total,
            currency,
            status,
            discount: optional(&c.discount)?,
            refunded: optional(&c.refunded)?,
            refunded_at: match &c.refunded_at {
                None => None,
                Some(t) => Some(times(t)?),
            },
        })
    }
}

/// Per-thread buffers of the chunk being read.
#[derive(Default)]
pub(super) struct Scratch {
    hash: Vec<u64>,
    status: Vec<OrderStatus>,
    placed: Vec<i64>,
}

/// Calls `f` with each row's bytes.
#[inline(always)]
fn each_text(s: &Strings<'_>, rows: Range<usize>, mut f: impl FnMut(&[u8])) {
    match s {
        Strings::Utf8(a) => {
            let (off, data) = (a.value_offsets(), a.value_data());
            for i in rows {
                f(&data[off[i] as usize..off[i + 1] as usize]);
            }
        }
        Strings::Large(a) => {
            let (off, data) = (a.value_offsets(), a.value_data());
            for i in rows {
                f(&data[off[i] as usize..off[i + 1] as usize]);
            }
        }
        Strings::View(a) => {
            for i in rows {
                f(a.value(i).as_bytes());
            }
        }
    }
}

/// The one currency of rows `rows`, `None` when they have several.
fn currency_of(c: &Currencies<'_>, rows: Range<usize>) -> Result<Option<Currency>, Decline> {
    let s = match c {
        Currencies::Default(cur) => return Ok(Some(*cur)),
        Currencies::Text(s) => s,
    };
    let Some(first) = s.get(rows.start) else { return Ok(None) };
    let first = first.as_bytes();
    let mut same = true;
    if let Ok(code) = <[u8; 3]>::try_from(first) {
        each_text(s, rows, |b| same &= <[u8; 3]>::try_from(b).is_ok_and(|b| b == code));
    } else {
        each_text(s, rows, |b| same &= b == first);
    }
    if !same {
        return Ok(None);
    }
    let code = std::str::from_utf8(first).map_err(|_| Decline)?;
    Currency::new(code).map(Some).map_err(|_| Decline)
}

/// True when every valid value is at least zero.
fn none_negative((values, nulls): Ints<'_>, rows: Range<usize>) -> bool {
    let values = &values[rows.clone()];
    match nulls {
        None => values.iter().fold(0i64, |m, &v| m.min(v)) >= 0,
        Some(n) => values.iter().zip(rows).all(|(&v, i)| v >= 0 || n.is_null(i)),
    }
}

/// Reads rows `rows` of a batch through its typed view and files them as
/// [`super::rows::read_rows`] does. `Ok(false)` (nothing filed) when the
/// rows hold several currencies: the row reader takes the chunk.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_typed(
    t: &Typed<'_>,
    rows: Range<usize>,
    state: &foldhash::fast::FixedState,
    opts: &Options,
    scratch: &mut Scratch,
    pending: [&mut Buckets<Pending>; 2],
    ids: &mut Vec<u64>,
) -> Result<bool, Decline> {
    if rows.is_empty() {
        return Ok(true);
    }
    let Some(currency) = currency_of(&t.currency, rows.clone())? else { return Ok(false) };
    let Scratch { hash, status, placed } = scratch;
    status.clear();
    let mut known = true;
    match &t.status {
        Statuses::Text(s) => each_text(s, rows.clone(), |b| match status_of(b) {
            Some(st) => status.push(st),
            None => known = false,
        }),
        Statuses::Dict(keys, codes) => {
            for &k in &keys[rows.clone()] {
                match codes.get(k).copied().flatten() {
                    Some(st) => status.push(st),
                    None => known = false,
                }
            }
        }
    }
    let (values, unit) = t.placed;
    placed.clear();
    let mut in_range = true;
    if unit == TimeUnit::Microsecond {
        placed.extend_from_slice(&values[rows.clone()]);
        let (lo, hi) = placed.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        in_range = micros(lo, unit).is_some() && micros(hi, unit).is_some();
    } else {
        placed.extend(values[rows.clone()].iter().map(|&v| {
            let us = micros(v, unit);
            in_range &= us.is_some();
            us.unwrap_or(0)
        }));
    }
    let total = &t.total[rows.clone()];
    if !known
        || !in_range
        || !none_negative((t.total, None), rows.clone())
        || t.discount.is_some_and(|d| !none_negative(d, rows.clone()))
        || t.refunded.is_some_and(|r| !none_negative(r, rows.clone()))
    {
        return Err(Decline);
    }
    hash.clear();
    each_text(&t.ids, rows.clone(), |b| hash.push(state.hash_one(b)));
    let [p0, p1] = pending;
    for (j, i) in rows.clone().enumerate() {
        let refunded = match t.refunded {
            Some((v, n)) if n.is_none_or(|n| n.is_valid(i)) => v[i],
            _ => 0,
        };
        if refunded > total[j] {
            return Err(Decline);
        }
        let refund_at = match t.refunded_at {
            Some(((v, n), unit)) if n.is_none_or(|n| n.is_valid(i)) => Some(micros(v[i], unit).ok_or(Decline)?),
            _ => None,
        };
        let (st, refunded) = resolve_refund(status[j], total[j], refunded, refund_at, opts.as_of);
        let h = hash[j];
        let bucket = if h >> 63 == 0 { &mut *p0 } else { &mut *p1 };
        bucket[part_of(h)].push(Pending {
            hash: h,
            row: i as u32,
            currency,
            status: st,
            placed: placed[j],
            total: total[j],
            refunded,
        });
    }
    match &t.order_id {
        None => {}
        Some(OrderIds::Str(s)) => each_text(s, rows, |b| ids.push(state.hash_one(b))),
        Some(OrderIds::Int(v)) => ids.extend(v[rows].iter().map(|&v| state.hash_one(i128::from(v).to_le_bytes()))),
    }
    Ok(true)
}
