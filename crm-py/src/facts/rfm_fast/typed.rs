//! Reading a chunk of rows over typed slices, for the layouts orders tables
//! usually have: string keys without nulls, int64 minor units, timestamps of
//! any unit, plain or dictionary statuses and one currency per chunk. The
//! column types are matched once per batch instead of once per value, the
//! keys are hashed in one tight loop, and the rows then go to the thread's
//! customers as those of [`super::rows::read_rows`] do, which reads every
//! other layout (and every chunk this reader passes on) row by row.

use std::hash::BuildHasher;
use std::ops::Range;

use arrow_array::Array;
use arrow_buffer::NullBuffer;
use arrow_schema::TimeUnit;
use crm_core::model::OrderStatus;
use crm_core::money::Currency;

use super::keys::{IntKeys, Keys};
use super::order_ids::OrderIdHashes;
use super::pipe::{Customers, AHEAD};
use super::rows::{Cols, Decline};
use super::status::StatusText;
use crate::arrow_in::{micros, IntCol, KeyCol, StrCol, Strings, TimeCol};
use crate::facts::rows::resolve_refund;
use crate::facts::Options;

/// An int64 column and its nulls (`None` when it has none).
type Ints<'a> = (&'a [i64], Option<&'a NullBuffer>);

/// The columns of one batch, when all of them have a layout this reader takes.
pub(super) struct Typed<'a> {
    rows: usize,
    ids: TypedKeys<'a>,
    order_id: Option<OrderIds<'a>>,
    placed: (&'a [i64], TimeUnit),
    total: &'a [i64],
    currency: Currencies<'a>,
    status: Statuses<'a>,
    discount: Option<Ints<'a>>,
    refunded: Option<Ints<'a>>,
    refunded_at: Option<(Ints<'a>, TimeUnit)>,
}

/// Customer ids without nulls.
pub(super) enum TypedKeys<'a> {
    Text(Strings<'a>),
    Int(IntKeys<'a>),
}

impl<'a> TypedKeys<'a> {
    /// The key of row `i` (in the batch).
    #[inline(always)]
    fn bytes(&self, i: usize) -> &'a [u8] {
        match self {
            TypedKeys::Text(s) => s.bytes(i),
            TypedKeys::Int(k) => k.bytes(i).unwrap_or_default(),
        }
    }
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
    Utf8(StatusText<'a, i32>),
    Large(StatusText<'a, i64>),
    /// String views.
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
            StrCol::Plain(_) => match plain(&c.status)? {
                Strings::Utf8(a) => Statuses::Utf8(StatusText::new(a.value_offsets(), a.value_data())),
                Strings::Large(a) => Statuses::Large(StatusText::new(a.value_offsets(), a.value_data())),
                views => Statuses::Text(views),
            },
            StrCol::Dict { keys, nulls, values, .. } => {
                if nulls_of(nulls.as_ref()).is_some() || values.null_count() > 0 {
                    return None;
                }
                let codes = (0..values.len())
                    .map(|k| values.get(k).and_then(|v| OrderStatus::from_bytes(v.as_bytes())))
                    .collect();
                Statuses::Dict(keys, codes)
            }
        };
        let optional_ints = |c: &Option<IntCol<'a>>| match c {
            None => Some(None),
            Some(c) => ints(c).map(Some),
        };
        let ids = match &c.ids {
            Keys::Text(s) => TypedKeys::Text(plain(s)?),
            Keys::Int(k) if k.without_nulls() => TypedKeys::Int(*k),
            Keys::Int(_) => return None,
        };
        Some(Typed {
            rows: c.rows,
            ids,
            order_id,
            placed: (placed, unit),
            total,
            currency,
            status,
            discount: optional_ints(&c.discount)?,
            refunded: optional_ints(&c.refunded)?,
            refunded_at: match &c.refunded_at {
                None => None,
                Some(t) => Some(times(t)?),
            },
        })
    }
}

impl<'a> Typed<'a> {
    /// The batch's rows.
    pub(super) fn rows(&self) -> usize {
        self.rows
    }

    /// The customer ids.
    pub(super) fn keys(&self) -> &TypedKeys<'a> {
        &self.ids
    }

    /// The currency of rows `rows`, `None` when they have several.
    pub(super) fn currency(&self, rows: Range<usize>) -> Result<Option<Currency>, Decline> {
        currency_of(&self.currency, rows)
    }

    /// Row `i` as its customer adds it up: placed (µs), status, total and
    /// the amount refunded as of the instant; `None` when the row is one
    /// the general reader reports.
    #[inline(always)]
    pub(super) fn order_of(&self, i: usize, opts: &Options) -> Option<(i64, OrderStatus, i64, i64)> {
        let status = match &self.status {
            Statuses::Utf8(s) => s.get(i),
            Statuses::Large(s) => s.get(i),
            Statuses::Text(s) => OrderStatus::from_bytes(s.bytes(i)),
            Statuses::Dict(keys, codes) => codes.get(keys[i]).copied().flatten(),
        };
        let (placed_at, unit) = self.placed;
        let placed = micros(placed_at[i], unit);
        let total = self.total[i];
        let discount_ok = optional(self.discount, i).is_none_or(|d| d.is_none_or(|d| d >= 0));
        let refunded = optional(self.refunded, i).flatten().unwrap_or(0);
        let refund_at = match self.refunded_at {
            None => Some(None),
            Some((c, unit)) => match optional(Some(c), i).flatten() {
                None => Some(None),
                Some(v) => micros(v, unit).map(Some),
            },
        };
        match (status, placed, refund_at) {
            (Some(status), Some(placed), Some(refund_at))
                if total >= 0 && discount_ok && refunded >= 0 && refunded <= total =>
            {
                let (status, refunded) = resolve_refund(status, total, refunded, refund_at, opts.as_of);
                Some((placed, status, total, refunded))
            }
            _ => None,
        }
    }

    /// The hash of row `i`'s order id, `None` when the ids are not checked.
    #[inline(always)]
    pub(super) fn order_id_hash(&self, i: usize, state: &foldhash::fast::FixedState) -> Option<u64> {
        match &self.order_id {
            None => None,
            Some(OrderIds::Str(s)) => Some(state.hash_one(s.bytes(i))),
            Some(OrderIds::Int(v)) => Some(state.hash_one(i128::from(v[i]).to_le_bytes())),
        }
    }
}

/// Per-thread buffers of the chunk being read.
#[derive(Default)]
pub(super) struct Scratch {
    /// The rows of this thread's customers, with their keys' hashes.
    own: Vec<(u32, u64)>,
    /// The slot named for each of those rows.
    slots: Vec<u32>,
}

/// Calls `f` with each row number and its bytes (the type matched once).
#[inline(always)]
pub(super) fn each_text<'a>(s: &Strings<'a>, rows: Range<usize>, mut f: impl FnMut(usize, &'a [u8])) {
    match s {
        Strings::Utf8(a) => rows.for_each(|i| f(i, a.value(i).as_bytes())),
        Strings::Large(a) => rows.for_each(|i| f(i, a.value(i).as_bytes())),
        Strings::View(a) => rows.for_each(|i| f(i, a.value(i).as_bytes())),
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
    let same = match s {
        // Contiguous values: every length equals the first's and the bytes
        // repeat the first value (compared in blocks, which is a memcmp).
        Strings::Utf8(a) => repeats(&a.value_offsets()[rows.start..=rows.end], a.value_data(), first),
        Strings::Large(a) => repeats(&a.value_offsets()[rows.start..=rows.end], a.value_data(), first),
        Strings::View(_) => {
            let mut same = true;
            each_text(s, rows, |_, b| same &= b == first);
            same
        }
    };
    if !same {
        return Ok(None);
    }
    let code = std::str::from_utf8(first).map_err(|_| Decline)?;
    Currency::new(code).map(Some).map_err(|_| Decline)
}

/// True when the values at `offsets` are each `value`.
fn repeats<O: Copy + Into<i64>>(offsets: &[O], data: &[u8], value: &[u8]) -> bool {
    let w = value.len() as i64;
    let (Some(&lo), Some(&hi)) = (offsets.first(), offsets.last()) else { return true };
    // Equal lengths: the offsets step by `w`. Checked block by block, each
    // without a branch per value (which lets the compiler vectorize it).
    let lo_at = lo.into();
    let steps = offsets.chunks(1024).enumerate().all(|(c, block)| {
        let base = lo_at + (c * 1024) as i64 * w;
        block.iter().zip(0i64..).fold(true, |ok, (&o, k)| ok & (o.into() == base + k * w))
    });
    if !steps {
        return false;
    }
    if w == 0 {
        return true;
    }
    let Some(bytes) = data.get(lo.into() as usize..hi.into() as usize) else { return false };
    let block: Vec<u8> = value.iter().copied().cycle().take(value.len() * 64).collect();
    bytes.chunks(block.len()).all(|c| c == &block[..c.len()])
}

/// The value of row `i` of an optional column: `Some(None)` when null or
/// absent. The value is read even when the row is null, so that the reads of
/// a sparse column stay sequential.
#[inline(always)]
fn optional(c: Option<Ints<'_>>, i: usize) -> Option<Option<i64>> {
    let (values, nulls) = c?;
    let v = values[i];
    Some(nulls.is_none_or(|n| n.is_valid(i)).then_some(v))
}

/// Reads rows `rows` of a batch (number `batch`) through its typed view,
/// as [`super::rows::read_rows`] does: the rows of customers of thread `me`
/// go to `customers`, the hashes of their order ids to `ids`. `Ok(false)`
/// (nothing read) when the rows hold several currencies: the row reader
/// takes the chunk.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_typed<'a>(
    t: &Typed<'a>,
    batch: u32,
    rows: Range<usize>,
    me: u64,
    state: &foldhash::fast::FixedState,
    opts: &Options,
    scratch: &mut Scratch,
    customers: &mut Customers<'a>,
    ids: &mut OrderIdHashes,
) -> Result<bool, Decline> {
    if rows.is_empty() {
        return Ok(true);
    }
    let Some(currency) = currency_of(&t.currency, rows.clone())? else { return Ok(false) };
    // First the hashes of every key and the rows of this thread's customers
    // (kept without a branch: half the rows are ours, at random), then those
    // rows alone.
    let own = &mut scratch.own;
    own.clear();
    own.resize(rows.len(), (0, 0));
    let mut n = 0;
    let mut file = |i: usize, key: &[u8]| {
        let hash = state.hash_one(key);
        if let Some(o) = own.get_mut(n) {
            *o = (i as u32, hash);
        }
        n += usize::from(hash >> 63 == me);
    };
    match &t.ids {
        TypedKeys::Text(s) => each_text(s, rows, file),
        TypedKeys::Int(k) => rows.for_each(|i| file(i, k.bytes(i).unwrap_or_default())),
    }
    // Each own row's customer is looked up in three steps, prefetched
    // AHEAD rows apart (see pipe.rs): index entry, slot, then the update.
    let own = &own[..n];
    let slots = &mut scratch.slots;
    slots.clear();
    slots.resize(n, 0);
    let key_of = |i: u32| t.ids.bytes(i as usize);
    for &(_, h) in own.iter().take(2 * AHEAD) {
        customers.ask_index(h);
    }
    for (s, &(r, h)) in slots.iter_mut().zip(own).take(AHEAD) {
        *s = customers.ask_slot(key_of(r), h, batch, r);
    }
    let cur = customers.currency_number(currency);
    let mut ok = true;
    for (j, &(i, hash)) in own.iter().enumerate() {
        if let Some(&(_, h)) = own.get(j + 2 * AHEAD) {
            customers.ask_index(h);
        }
        if let Some(&(r, h)) = own.get(j + AHEAD) {
            let n = customers.ask_slot(key_of(r), h, batch, r);
            if let Some(s) = slots.get_mut(j + AHEAD) {
                *s = n;
            }
        }
        let i = i as usize;
        match t.order_of(i, opts) {
            Some(order) => {
                customers.add_order(slots[j], t.ids.bytes(i), hash, batch, i as u32, cur, order);
                if let Some(h) = t.order_id_hash(i, state) {
                    ids.push(h);
                }
            }
            None => ok = false,
        }
    }
    if ok {
        Ok(true)
    } else {
        Err(Decline)
    }
}

#[cfg(test)]
mod tests {
    use super::repeats;

    /// Offsets and bytes of `values` laid end to end, as an Arrow column holds them.
    fn column(values: &[&str]) -> (Vec<i32>, Vec<u8>) {
        let mut offsets = vec![0i32];
        let mut data = Vec::new();
        for v in values {
            data.extend_from_slice(v.as_bytes());
            offsets.push(data.len() as i32);
        }
        (offsets, data)
    }

    /// True only when every value equals the first: a value of another
    /// length anywhere in a long run (across the blocks of the length check,
    /// even when the bytes still line up), or another value of the same
    /// length, makes it false.
    #[test]
    fn repeats_finds_any_other_value() {
        let same = vec!["EUR"; 3000];
        let (o, d) = column(&same);
        assert!(repeats(&o, &d, b"EUR"));
        for at in [1, 1022, 1023, 1024, 2998] {
            // "EU" then "REUR": the bytes still spell EUR EUR, the lengths do not.
            let mut v = same.clone();
            v[at] = "EU";
            v[at + 1] = "REUR";
            let (o, d) = column(&v);
            assert_eq!(d, column(&same).1);
            assert!(!repeats(&o, &d, b"EUR"), "lengths at {at}");
            let mut v = same.clone();
            v[at] = "USD";
            let (o, d) = column(&v);
            assert!(!repeats(&o, &d, b"EUR"), "bytes at {at}");
        }
        let (o, d) = column(&["", "", ""]);
        assert!(repeats(&o, &d, b""));
    }
}
