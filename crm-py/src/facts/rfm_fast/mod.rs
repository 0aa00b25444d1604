//! RFM straight from Arrow orders, on two threads, without building order columns.
//!
//! `crm_core.rfm` needs one small accumulator per customer, not the loaded
//! order columns of [`super::build::load`]. So this path reads the orders once
//! and aggregates while it interns: every customer belongs to one of the two
//! threads by the top bit of its key's hash, both threads scan every row
//! (hashing a short key costs a few nanoseconds) and each reads, validates and
//! aggregates only the rows of its own customers. Each thread's customers live
//! in 128 small open-addressing tables (by the next hash bits) whose 64-byte
//! slots hold the key's head and the running values together, and a chunk of
//! rows is bucketed by table before the lookups, so that the lookups of a
//! table stay in its cache lines. Order ids are checked for duplicates the
//! same way, split between the threads by their own hash.
//!
//! The path is optimistic: any row the general reader would report (a null,
//! an unknown status or currency, a bad amount, a duplicate order id), mixed
//! currencies, exchange rates or a key type it does not read make it give up,
//! and the caller runs the general reader, which finds and words the errors.
//! Same input, same table: the customers are sorted by key at the end.

mod rows;
mod tables;
mod typed;

use std::sync::Mutex;

use arrow_array::RecordBatch;
use crm_core::column::StrColumn;
use crm_core::model::OrderStatus;
use crm_core::money::Currency;
use crm_core::segment::{rfm_from_accumulators, RfmAccumulator, RfmOptions, RfmScores, RfmWindow};

use super::names::{layout, Names};
use super::Options;
use crate::arrow_in::{IntCol, KeyCol, Kind, StrCol, TimeCol};
use rows::{grid, read_rows, BreakOnPanic, Cols, Decline, Pending, ReadCache, Rendezvous, Shared};
use tables::{distinct, head_of, Part, AHEAD, CHUNK, EMPTY, PARTS};
use typed::{read_typed, Scratch, Typed};

/// What one thread found: its customers (sorted by key) and their currencies.
struct Half<'a> {
    keys: Vec<&'a str>,
    acc: Vec<RfmAccumulator>,
    currencies: Vec<Currency>,
}

/// Thread `me` (0 or 1): reads its half of every chunk's rows, then
/// aggregates the chunk's rows of its own customers (hash top bit `me`).
fn worker<'a>(
    me: usize,
    cols: &[Cols<'a>],
    typed: &[Option<Typed<'_>>],
    opts: &Options,
    window: &RfmWindow,
    shared: &Shared,
) -> Option<Half<'a>> {
    let state = foldhash::fast::FixedState::with_seed(0x5eed_c0de);
    let mut parts: Vec<Part> = (0..PARTS).map(|_| Part::new()).collect();
    let mut currencies: Vec<Currency> = Vec::new();
    let mut cache = ReadCache { status: (b"", OrderStatus::Pending), code: b"", currency: None };
    let mut scratch = Scratch::default();
    // A panic here must not leave the other thread waiting at the rendezvous.
    let _guard = BreakOnPanic(&shared.meet);
    let mut bad = false;
    let timing = std::env::var_os("CRM_PY_TIMING").is_some();
    let mut clock = [std::time::Duration::ZERO; 3];
    let mut t = std::time::Instant::now();
    let mut lap = |k: usize, t: &mut std::time::Instant| {
        if timing {
            clock[k] += t.elapsed();
            *t = std::time::Instant::now();
        }
    };
    for (b, c) in cols.iter().enumerate() {
        let mut start = 0;
        while start < c.rows {
            let end = (start + CHUNK).min(c.rows);
            let mid = start + (end - start) / 2;
            let rows = if me == 0 { start..mid } else { mid..end };
            {
                let locks = (shared.pending[me][0].lock(), shared.pending[me][1].lock(), shared.ids[me].lock());
                match locks {
                    (Ok(mut p0), Ok(mut p1), Ok(mut ids)) => {
                        let done = match typed.get(b).and_then(Option::as_ref) {
                            Some(t) => {
                                read_typed(t, rows.clone(), &state, opts, &mut scratch, [&mut p0, &mut p1], &mut ids)
                            }
                            None => Ok(false),
                        };
                        bad |= match done {
                            Ok(true) => false,
                            Ok(false) => {
                                read_rows(c, rows, &state, opts, &mut cache, [&mut p0, &mut p1], &mut ids).is_err()
                            }
                            Err(_) => true,
                        };
                    }
                    _ => bad = true,
                }
            }
            lap(0, &mut t);
            if !shared.meet.wait(bad) {
                return None;
            }
            match (shared.pending[0][me].lock(), shared.pending[1][me].lock()) {
                (Ok(mut p0), Ok(mut p1)) => {
                    for (k, part) in parts.iter_mut().enumerate() {
                        for bucket in [&mut p0[k], &mut p1[k]] {
                            bad |= aggregate(part, bucket, b, cols, window, &mut currencies).is_err();
                            bucket.clear();
                        }
                    }
                }
                _ => bad = true,
            }
            lap(1, &mut t);
            if !shared.meet.wait(bad) {
                return None;
            }
            start = end;
        }
    }
    let out = sorted_customers(&parts, cols, currencies);
    lap(2, &mut t);
    if timing {
        eprintln!("thread {me}: read {:?}, customers {:?}, sort {:?}", clock[0], clock[1], clock[2]);
    }
    out
}

/// Adds a chunk's rows of one table to its customers.
fn aggregate(
    part: &mut Part,
    bucket: &[Pending],
    batch: usize,
    cols: &[Cols<'_>],
    window: &RfmWindow,
    currencies: &mut Vec<Currency>,
) -> Result<(), Decline> {
    let c = cols.get(batch).ok_or(Decline)?;
    for p in bucket.iter().take(AHEAD) {
        part.prefetch(p.hash);
    }
    let mut last: Option<(Currency, u16)> = None;
    for (j, p) in bucket.iter().enumerate() {
        if let Some(next) = bucket.get(j + AHEAD) {
            part.prefetch(next.hash);
        }
        let cur = match last {
            Some((c, k)) if c == p.currency => k,
            _ => {
                let k = match currencies.iter().position(|c| *c == p.currency) {
                    Some(k) => k,
                    None => {
                        currencies.push(p.currency);
                        currencies.len() - 1
                    }
                } as u16;
                last = Some((p.currency, k));
                k
            }
        };
        let key = c.ids.get(p.row as usize).ok_or(Decline)?;
        let slot = part.slot(key.as_bytes(), p.hash, batch as u32, p.row, cols);
        slot.acc.add(window, p.placed, p.status, p.total, p.refunded, cur);
    }
    Ok(())
}

/// A thread's customers sorted by key: on a 16-byte big-endian prefix
/// taken after the prefix all keys share, ties broken on the whole keys.
fn sorted_customers<'a>(parts: &[Part], cols: &[Cols<'a>], currencies: Vec<Currency>) -> Option<Half<'a>> {
    let mut found: Vec<(&'a str, RfmAccumulator)> = Vec::new();
    for part in parts {
        for s in part.slots.iter().filter(|s| s.len != EMPTY) {
            let key = cols.get(s.batch as usize).and_then(|c| c.ids.get(s.row as usize))?;
            if !s.acc.is_clean() {
                return None;
            }
            found.push((key, s.acc));
        }
    }
    let common = match found.first() {
        None => 0,
        Some((first, _)) => found
            .iter()
            .map(|(k, _)| k.bytes().zip(first.bytes()).take_while(|(a, b)| a == b).count())
            .min()
            .unwrap_or(0),
    };
    let mut order: Vec<(u128, u32)> = found
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (u128::from_be_bytes(head_of(&k.as_bytes()[common..])), i as u32))
        .collect();
    order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| found[a.1 as usize].0.cmp(found[b.1 as usize].0)));
    Some(Half {
        keys: order.iter().map(|&(_, i)| found[i as usize].0).collect(),
        acc: order.iter().map(|&(_, i)| found[i as usize].1).collect(),
        currencies,
    })
}

/// RFM scores of the orders in `batches`, or `None` when the general reader
/// must run (see the module docs).
pub(super) fn try_rfm(batches: &[RecordBatch], names: &Names, opts: &Options, rfm: &RfmOptions) -> Option<RfmScores> {
    if opts.facts.rates.is_some() {
        return None;
    }
    let schema = batches.first()?.schema();
    let l = layout(
        &schema,
        "orders",
        names,
        &[
            ("order_id", Kind::Key, opts.check_duplicates),
            ("customer_id", Kind::Key, true),
            ("placed_at", Kind::Instant, true),
            ("total", Kind::Money, true),
            ("currency", Kind::Text, opts.default_currency.is_none()),
            ("status", Kind::Text, true),
            ("discount", Kind::Money, false),
            ("refunded", Kind::Money, false),
            ("refunded_at", Kind::Instant, false),
        ],
        opts.naive,
    )
    .ok()?;
    let mut cols = Vec::with_capacity(batches.len());
    for batch in batches {
        if batch.schema() != schema {
            return None;
        }
        let col = |field: &str| l.idx(field).map(|i| batch.column(i));
        let ids = match KeyCol::new(col("customer_id")?)? {
            KeyCol::Str(s) => s,
            KeyCol::Int(_) => return None,
        };
        let order_id = match col("order_id").filter(|_| opts.check_duplicates) {
            Some(a) => Some(KeyCol::new(a)?),
            None => None,
        };
        cols.push(Cols {
            ids,
            order_id,
            placed: TimeCol::new(col("placed_at")?)?,
            total: IntCol::new(col("total")?)?,
            currency: col("currency").and_then(StrCol::new),
            status: StrCol::new(col("status")?)?,
            discount: col("discount").and_then(IntCol::new),
            refunded: col("refunded").and_then(IntCol::new),
            refunded_at: col("refunded_at").and_then(TimeCol::new),
            rows: batch.num_rows(),
        });
    }
    let rows: usize = cols.iter().map(|c| c.rows).sum();
    if rows > u32::MAX as usize {
        return None;
    }
    let window = RfmWindow { after: opts.facts.orders_after.unwrap_or(i64::MIN), as_of: opts.as_of };
    let shared = Shared {
        pending: grid(),
        ids: [Mutex::new(Vec::with_capacity(rows / 2 + CHUNK)), Mutex::new(Vec::with_capacity(rows / 2 + CHUNK))],
        meet: Rendezvous::default(),
    };
    let typed: Vec<Option<Typed>> = cols.iter().map(|c| Typed::new(c, opts)).collect();
    let (a, b) = std::thread::scope(|scope| {
        let other = scope.spawn(|| worker(1, &cols, &typed, opts, &window, &shared));
        // A panic (a bug) sends the table to the general reader rather than to the caller.
        let mine =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker(0, &cols, &typed, opts, &window, &shared)));
        (mine, other.join())
    });
    let (a, b) = (a.ok()??, b.ok()??);
    let timing = std::env::var_os("CRM_PY_TIMING").is_some();
    let t0 = std::time::Instant::now();
    if opts.check_duplicates {
        let (i0, i1) = (shared.ids[0].lock().ok()?, shared.ids[1].lock().ok()?);
        let lists = [i0.as_slice(), i1.as_slice()];
        let (d0, d1) = std::thread::scope(|scope| {
            let other = scope.spawn(|| distinct(1, lists));
            (distinct(0, lists), other.join())
        });
        if !(d0 && d1.ok()?) {
            // A repeated order id (or two ids with one hash): the general reader decides.
            return None;
        }
    }
    if timing {
        eprintln!("order ids: {:?}", t0.elapsed());
    }
    let out = merge(a, b, opts.as_of, rfm);
    if timing {
        eprintln!("merge and scores: {:?}", t0.elapsed());
    }
    out
}

/// The two threads' sorted customers as one table, then the scores.
fn merge(a: Half<'_>, b: Half<'_>, as_of: i64, rfm: &RfmOptions) -> Option<RfmScores> {
    let mut currencies = a.currencies.clone();
    let b_map: Vec<u16> = b
        .currencies
        .iter()
        .map(|c| match currencies.iter().position(|x| x == c) {
            Some(i) => i as u16,
            None => {
                currencies.push(*c);
                (currencies.len() - 1) as u16
            }
        })
        .collect();
    let n = a.keys.len() + b.keys.len();
    let bytes = a.keys.iter().chain(&b.keys).map(|k| k.len()).sum();
    let mut ids = StrColumn::with_capacity(n, bytes);
    let mut acc = Vec::with_capacity(n);
    let (mut i, mut j) = (0, 0);
    while i < a.keys.len() || j < b.keys.len() {
        let take_a = j == b.keys.len() || (i < a.keys.len() && a.keys[i] < b.keys[j]);
        if take_a {
            ids.push(a.keys[i]);
            acc.push(a.acc[i]);
            i += 1;
        } else {
            let mut v = b.acc[j];
            if v.currency != RfmAccumulator::NO_CURRENCY {
                v.currency = b_map[v.currency as usize];
            }
            ids.push(b.keys[j]);
            acc.push(v);
            j += 1;
        }
    }
    rfm_from_accumulators(ids, &acc, &currencies, as_of, rfm).ok()
}
