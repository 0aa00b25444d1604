//! RFM straight from Arrow orders, on two threads (one after the other with
//! `CRM_CORE_THREADS=1`), without building order columns.
//!
//! `crm_core.rfm` needs one small accumulator per customer, not the loaded
//! order columns of [`super::build::load`]. So this path reads the orders once
//! and aggregates as it reads: every customer belongs to one of the two
//! threads by the top bit of its key's hash. Both threads hash every key
//! (a few nanoseconds for a short key), and each reads, validates and adds up
//! only the rows of its own customers, so the threads share nothing until
//! they are done. Each thread's customers live in 128 open-addressing tables
//! (by the next hash bits) whose 64-byte slots hold the key's head and the
//! running values together; a row's slot is asked for (prefetched) some
//! rows before it is used, so that the cache misses of the lookups overlap.
//! Order ids are checked for duplicates at the end (`order_ids.rs`), split
//! between the threads by their own hash. Integer customer ids are looked
//! up by their value bytes and become their decimal text once the reading
//! is done (`keys.rs`).
//!
//! Customer ids that are numbers (a prefix and a number, or integers of
//! 0 or more) take another path first, `numbered.rs`: the number is the
//! customer's place in an array, the threads split the rows instead, and
//! no key is hashed or looked up. It hands other ids to the path above.
//!
//! The path is optimistic: any row the general reader would report (a null,
//! an unknown status or currency, a bad amount, a duplicate order id), mixed
//! currencies, exchange rates, or integer ids whose text is longer than 16
//! characters make it give up, and the caller runs the general reader, which
//! finds and words the errors.
//! Same input, same table: the customers are sorted by key at the end.

mod keys;
mod merge;
mod numbered;
mod order_ids;
mod pipe;
mod radix;
mod rows;
mod status;
mod tables;
mod typed;

use std::sync::atomic::{AtomicBool, Ordering};

use arrow_array::RecordBatch;
use crm_core::column::StrColumn;
use crm_core::model::OrderStatus;
use crm_core::money::Currency;
use crm_core::segment::{RfmAccumulator, RfmOptions, RfmScores, RfmWindow};

use super::names::{layout, Names};
use super::Options;
use crate::arrow_in::{IntCol, KeyCol, Kind, StrCol, TimeCol};
use keys::{decimal_keys, Keys};
use merge::merge;
use numbered::Fallback;
use order_ids::{distinct, OrderIdHashes};
use pipe::Customers;
use rows::{read_rows, Cols, ReadCache};
use tables::{head_of, Part, HEAD};
use typed::{read_typed, Scratch, Typed};

/// What one thread found: its customers (sorted by key) and their currencies.
struct Half {
    keys: StrColumn,
    acc: Vec<RfmAccumulator>,
    currencies: Vec<Currency>,
}

/// Rows read between two looks at whether the other thread has given up.
const CHUNK: usize = 1 << 16;

/// Thread `me` (0 or 1): reads the rows of its own customers (hash top bit
/// `me`) and adds them up; then sorts its customers. Also returns the hashes
/// of those rows' order ids.
fn worker<'a>(
    me: usize,
    cols: &'a [Cols<'a>],
    typed: &[Option<Typed<'a>>],
    opts: &Options,
    window: &RfmWindow,
    failed: &AtomicBool,
) -> Option<(Half, OrderIdHashes)> {
    // A panic here stops the other thread too.
    let _guard = FailOnPanic(failed);
    let state = crate::intern::fixed_hasher();
    let mut customers = Customers::new(*window, cols);
    let mut cache = ReadCache { status: (b"", OrderStatus::Pending), code: b"", currency: None };
    // About half the rows are this thread's (their order-id hashes, when
    // checked, go to lists with room for a little more).
    let rows: usize = cols.iter().map(|c| c.rows).sum();
    let mut ids = OrderIdHashes::with_room(if opts.check_duplicates { rows / 2 } else { 0 });
    let mut scratch = Scratch::default();
    let timing = std::env::var_os("CRM_PY_TIMING").is_some();
    let t = std::time::Instant::now();
    let me = me as u64;
    for (b, c) in cols.iter().enumerate() {
        let mut start = 0;
        while start < c.rows {
            if failed.load(Ordering::Relaxed) {
                return None;
            }
            let end = (start + CHUNK).min(c.rows);
            let done = match typed.get(b).and_then(Option::as_ref) {
                Some(t) => {
                    read_typed(t, b as u32, start..end, me, &state, opts, &mut scratch, &mut customers, &mut ids)
                }
                None => Ok(false),
            };
            let done = match done {
                Ok(true) => Ok(()),
                Ok(false) => read_rows(c, b as u32, start..end, me, &state, opts, &mut cache, &mut customers, &mut ids),
                Err(e) => Err(e),
            };
            if done.is_err() {
                failed.store(true, Ordering::Relaxed);
                return None;
            }
            start = end;
        }
    }
    customers.finish();
    if let Some(kind) = cols.first().and_then(|c| c.ids.int_kind()) {
        // Integer keys: from here on, their decimal text (all batches share the column's type).
        if decimal_keys(&mut customers.parts, kind).is_none() {
            failed.store(true, Ordering::Relaxed);
            return None;
        }
    }
    let read = t.elapsed();
    let out = sorted_customers(&customers.parts, cols, customers.currencies);
    if timing {
        eprintln!("thread {me}: read and add {read:?}, sort {:?}", t.elapsed() - read);
    }
    out.map(|half| (half, ids))
}

/// Tells the other thread to stop when dropped during a panic.
struct FailOnPanic<'a>(&'a AtomicBool);

impl Drop for FailOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// Bits of a slot's number within its table, in the numbers [`sorted_customers`] sorts.
const SLOT_BITS: u32 = 25;

/// A thread's customers sorted by key, their keys and values copied out in
/// that order. Each customer is sorted as a big-endian prefix of its key
/// taken after the prefix all keys share (from the key heads the slots
/// hold): 8 bytes when every key ends within them, else 16. Ties are broken
/// on the whole keys. `None` when a customer's values cannot be scored
/// (mixed currencies, an overflowing sum) or a table is too large to number.
fn sorted_customers(parts: &[Part], cols: &[Cols<'_>], currencies: Vec<Currency>) -> Option<Half> {
    if parts.iter().any(|p| p.slots.len() >= 1 << SLOT_BITS) || parts.len() > 1 << (32 - SLOT_BITS) {
        return None;
    }
    let slots = || {
        parts.iter().enumerate().flat_map(|(p, part)| {
            part.slots.iter().enumerate().map(move |(i, s)| ((p as u32) << SLOT_BITS | i as u32, s))
        })
    };
    // Table and slot of a number.
    let place = |g: u32| ((g >> SLOT_BITS) as usize, g & ((1 << SLOT_BITS) - 1));
    let slot = |g: u32| {
        let (p, i) = place(g);
        parts.get(p).and_then(|p| p.slots.get(i as usize))
    };
    let key = |g: u32| slot(g).and_then(|s| s.key(cols)).unwrap_or_default();
    let n: usize = parts.iter().map(|p| p.slots.len()).sum();
    let first = slots().next().map_or(0, |(_, s)| s.head());
    // One pass over the slots: the bytes every key head shares with the
    // first, the longest key and the bytes of all keys.
    let (common, longest, bytes) = slots().fold((HEAD, 0, 0), |(common, longest, bytes), (_, s)| {
        let len = s.len as usize;
        (common.min((s.head() ^ first).trailing_zeros() as usize / 8).min(len), longest.max(len), bytes + len)
    });
    let order = if common < HEAD && longest - common <= 8 {
        // Every key ends within 8 bytes of the shared prefix (short ids): an 8-byte prefix sorts them.
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(n);
        pairs.extend(slots().map(|(g, s)| (((s.head() >> (8 * common)).swap_bytes() >> 64) as u64, g)));
        radix::sort_by_prefix(&mut pairs);
        // Equal prefixes (keys that differ only in trailing NUL bytes) in order of their keys.
        for run in pairs.chunk_by_mut(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            run.sort_unstable_by(|a, b| key(a.1).cmp(key(b.1)));
        }
        pairs.into_iter().map(|(_, g)| g).collect()
    } else if common < HEAD {
        by_prefix(n, slots().map(|(g, s)| ((s.head() >> (8 * common)).swap_bytes(), g)), key)
    } else {
        // Every key starts with the same 16 bytes: the prefix is read from the keys.
        let first = slots().next().map_or("", |(g, _)| key(g));
        let common = slots()
            .map(|(g, _)| key(g).bytes().zip(first.bytes()).take_while(|(a, b)| a == b).count())
            .min()
            .unwrap_or(0);
        let prefix = |g: u32| head_of(key(g).as_bytes().get(common..).unwrap_or_default()).swap_bytes();
        by_prefix(n, slots().map(|(g, _)| (prefix(g), g)), key)
    };
    // The slots in key order (a random walk over the tables: each is asked for some rows ahead).
    let mut keys = StrColumn::with_capacity(n, bytes);
    let mut acc = Vec::with_capacity(n);
    for (j, &g) in order.iter().enumerate() {
        if let Some(&ahead) = order.get(j + 8) {
            let (p, i) = place(ahead);
            if let Some(p) = parts.get(p) {
                p.prefetch_slot(i);
            }
        }
        let s = slot(g)?;
        if !s.acc.is_clean() {
            return None;
        }
        keys.push(s.key(cols)?);
        acc.push(s.acc);
    }
    Some(Half { keys, acc, currencies })
}

/// The numbers of the `n` `pairs` (prefix, number) in order of prefix,
/// ties in order of `key`.
fn by_prefix<'k, P: Ord>(n: usize, pairs: impl Iterator<Item = (P, u32)>, key: impl Fn(u32) -> &'k str) -> Vec<u32> {
    let mut sorted: Vec<(P, u32)> = Vec::with_capacity(n);
    sorted.extend(pairs);
    sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| key(a.1).cmp(key(b.1))));
    sorted.into_iter().map(|(_, g)| g).collect()
}

/// The columns of each of `batches` (all of one schema) this reader uses,
/// `None` when one is missing or of a type it does not read.
fn columns<'a>(batches: &'a [RecordBatch], names: &Names, opts: &Options) -> Option<Vec<Cols<'a>>> {
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
        let ids = Keys::new(KeyCol::new(col("customer_id")?)?)?;
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
    Some(cols)
}

/// RFM scores of the orders in `batches`, or `None` when the general reader
/// must run (see the module docs).
pub(super) fn try_rfm(batches: &[RecordBatch], names: &Names, opts: &Options, rfm: &RfmOptions) -> Option<RfmScores> {
    if opts.facts.rates.is_some() {
        return None;
    }
    let cols = columns(batches, names, opts)?;
    let rows: usize = cols.iter().map(|c| c.rows).sum();
    if rows > u32::MAX as usize {
        return None;
    }
    let window = RfmWindow { after: opts.facts.orders_after.unwrap_or(i64::MIN), as_of: opts.as_of };
    let typed: Vec<Option<Typed>> = cols.iter().map(|c| Typed::new(c, opts)).collect();
    if let Some(all) = typed.iter().map(Option::as_ref).collect::<Option<Vec<&Typed>>>() {
        match numbered::try_numbered(&all, opts, window, rfm) {
            Ok(scores) => return Some(scores),
            Err(Fallback::General) => return None,
            Err(Fallback::Hash) => {}
        }
    }
    let failed = AtomicBool::new(false);
    // A panic (a bug) sends the table to the general reader rather than to the caller.
    let (a, b) = crate::threads::both(
        || worker(0, &cols, &typed, opts, &window, &failed),
        || worker(1, &cols, &typed, opts, &window, &failed),
    );
    let ((a, ids_a), (b, ids_b)) = (a.ok()??, b.ok()??);
    let timing = std::env::var_os("CRM_PY_TIMING").is_some();
    let t0 = std::time::Instant::now();
    if opts.check_duplicates {
        let lists = [&ids_a, &ids_b];
        let (d0, d1) = crate::threads::both(|| distinct(0, lists), || distinct(1, lists));
        if !(d0.ok()? && d1.ok()?) {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray, UInt32Array};
    use crm_core::facts::FactsOptions;
    use crm_core::segment::RfmOptions;

    use super::numbered::{self, Fallback};
    use super::{columns, try_rfm, RfmWindow, Typed};
    use crate::arrow_in::Naive;
    use crate::facts::names::Names;
    use crate::facts::Options;
    use crm_core::segment::RfmScores;

    const DAY: i64 = 86_400_000_000;

    /// Orders of customers 12 (paid 500 on day 1 and 700 on day 8), -3
    /// (paid 100 on day 9) and 7 (a cancelled order only), as of day 10,
    /// with the customer ids in `ids`.
    fn batch(ids: ArrayRef) -> RecordBatch {
        let placed = TimestampMicrosecondArray::from(vec![DAY, 8 * DAY, 9 * DAY, 2 * DAY]).with_timezone("UTC");
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("customer_id", ids),
            ("placed_at", Arc::new(placed)),
            ("total", Arc::new(Int64Array::from(vec![500, 700, 100, 900]))),
            ("currency", Arc::new(StringArray::from(vec!["EUR"; 4]))),
            ("status", Arc::new(StringArray::from(vec!["paid", "fulfilled", "paid", "cancelled"]))),
        ];
        RecordBatch::try_from_iter(columns).expect("a batch")
    }

    /// Orders-only options as of day 10, ids not checked, and k = 3.
    fn options() -> (Options, RfmOptions) {
        let opts = Options {
            as_of: 10 * DAY,
            naive: Naive::Reject,
            check_duplicates: false,
            default_currency: None,
            facts: FactsOptions { orders_only: true, ..FactsOptions::default() },
        };
        (opts, RfmOptions { k: 3, ..RfmOptions::default() })
    }

    /// Integer customer ids are read by the fast reader (not handed to the
    /// general one) and come out as their decimal text, in text order: "-3"
    /// before "12" before "7".
    #[test]
    fn integer_ids_are_read_as_their_decimal_text() {
        let (opts, rfm) = options();
        let signed: ArrayRef = Arc::new(Int64Array::from(vec![12, 12, -3, 7]));
        let s = try_rfm(&[batch(signed)], &Names::new(), &opts, &rfm).expect("the fast reader takes int64 ids");
        let ids: Vec<&str> = (0..s.len()).map(|i| s.customer_id.get(i)).collect();
        assert_eq!(ids, ["-3", "12", "7"]);
        assert_eq!(s.recency, [Some(1), Some(2), None]);
        assert_eq!(s.frequency, [1, 2, 0]);
        assert_eq!(s.monetary, [100, 1200, 0]);
        let unsigned: ArrayRef = Arc::new(UInt32Array::from(vec![12, 12, 3, 7]));
        let s = try_rfm(&[batch(unsigned)], &Names::new(), &opts, &rfm).expect("the fast reader takes uint32 ids");
        let ids: Vec<&str> = (0..s.len()).map(|i| s.customer_id.get(i)).collect();
        assert_eq!(ids, ["12", "3", "7"]);
        assert_eq!(s.frequency, [2, 1, 0]);
    }

    /// What the numbered path (numbered.rs) makes of `b`: the scores, or
    /// which reader it hands the table to.
    fn numbered(b: &RecordBatch, opts: &Options, rfm: &RfmOptions) -> Result<RfmScores, Fallback> {
        let batches = std::slice::from_ref(b);
        let cols = columns(batches, &Names::new(), opts).expect("the columns");
        let typed: Vec<Typed> = cols.iter().map(|c| Typed::new(c, opts).expect("a typed batch")).collect();
        let window = RfmWindow { after: i64::MIN, as_of: opts.as_of };
        numbered::try_numbered(&typed.iter().collect::<Vec<_>>(), opts, window, rfm)
    }

    /// Text ids that are a prefix and a number (plain or zero-padded), and
    /// unsigned integer ids, take the numbered path and come out as they
    /// went in, in text order, with their own values. Ids where one text
    /// would not give one number ("c012" beside "c12"), negative numbers
    /// and ids that are no numbers go to the hashing reader, which gives
    /// the same table; a bad row goes to the general reader.
    #[test]
    fn numbered_ids_keep_their_text() {
        let (opts, rfm) = options();
        let text = |ids: [&str; 4]| -> ArrayRef { Arc::new(StringArray::from(ids.to_vec())) };
        let cases: [(ArrayRef, [&str; 3], bool); 8] = [
            (text(["c12", "c12", "c3", "c7"]), ["c12", "c3", "c7"], true),
            (text(["c012", "c012", "c003", "c007"]), ["c003", "c007", "c012"], true),
            (text(["12", "12", "0", "7"]), ["0", "12", "7"], true),
            (
                text(["gid://c/12", "gid://c/12", "gid://c/3", "gid://c/7"]),
                ["gid://c/12", "gid://c/3", "gid://c/7"],
                true,
            ),
            (Arc::new(UInt32Array::from(vec![12, 12, 3, 7])), ["12", "3", "7"], true),
            (text(["c12", "c12", "c012", "c7"]), ["c012", "c12", "c7"], false),
            (Arc::new(Int64Array::from(vec![12, 12, -3, 7])), ["-3", "12", "7"], false),
            (text(["c12x", "c12x", "c3x", "c7x"]), ["c12x", "c3x", "c7x"], false),
        ];
        for (ids, want, is_numbered) in cases {
            let b = batch(ids);
            let keys = crate::arrow_in::KeyCol::new(b.column(0)).expect("a key column");
            let rows: Vec<String> =
                (0..4).map(|i| keys.get(i, &mut String::new()).unwrap_or_default().to_owned()).collect();
            let by_path = numbered(&b, &opts, &rfm);
            assert_eq!(by_path.is_ok(), is_numbered, "{rows:?}");
            if !is_numbered {
                assert_eq!(by_path.err(), Some(Fallback::Hash), "{rows:?}");
            }
            let s = try_rfm(&[b], &Names::new(), &opts, &rfm).expect("a fast reader takes the ids");
            let got: Vec<&str> = (0..s.len()).map(|i| s.customer_id.get(i)).collect();
            assert_eq!(got, want, "{rows:?}");
            let of = |id: &str| got.iter().position(|&x| x == id).expect("a customer");
            let (first, third) = (of(&rows[0]), of(&rows[2]));
            assert_eq!((s.frequency[first], s.monetary[first], s.recency[first]), (2, 1200, Some(2)), "{rows:?}");
            assert_eq!((s.frequency[third], s.monetary[third], s.recency[third]), (1, 100, Some(1)), "{rows:?}");
            assert_eq!(s.frequency[of(&rows[3])], 0);
        }
        // A negative total: the general reader words the error.
        let mut bad = batch(text(["c12", "c12", "c3", "c7"])).columns().to_vec();
        bad[2] = Arc::new(Int64Array::from(vec![500, -700, 100, 900]));
        let bad = RecordBatch::try_new(batch(text(["c1"; 4])).schema(), bad).expect("a batch");
        assert_eq!(numbered(&bad, &opts, &rfm).err(), Some(Fallback::General));
        assert!(try_rfm(&[bad], &Names::new(), &opts, &rfm).is_none());
    }
}
