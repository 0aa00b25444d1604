//! The fast RFM reader's path for customer ids that are numbers: integer
//! ids of 0 or more, or text ids made of one shared prefix and a decimal
//! number ("c1042", "cus_000017", "12345"), as shops number their
//! customers. Such an id names its customer's place in an array, so no
//! table is needed: the two threads split the rows (not the customers),
//! each adds its rows up in its own array of accumulators with one entry
//! per number up to the largest it has seen, and the two arrays are then
//! combined. The customers come out in order of their ids' text by walking
//! the numbers in that order (0, 1, 10, 100, 101, …, 11, …, 2, …), with no
//! sort.
//!
//! The ids' shape is read off the first rows: the prefix is the first id
//! without its trailing digits, and the digits are either plain (no
//! leading zero, so that each text has one number) or, when some of those
//! rows' ids start with a 0, all of that one width. An id of another shape,
//! a number of [`limit`] or more (the array would be mostly empty), a
//! batch the typed reader does not take or a chunk in several currencies
//! give [`Fallback::Hash`]: the hashing reader runs. A row or a customer
//! the general reader would report gives [`Fallback::General`].

use std::sync::atomic::{AtomicBool, Ordering};

use crm_core::column::StrColumn;
use crm_core::money::Currency;
use crm_core::segment::{rfm_from_accumulators_with, RfmAccumulator, RfmOptions, RfmScores, RfmWindow};

use super::keys::decimal;
use super::order_ids::{distinct, OrderIdHashes};
use super::pipe::{number_of, AHEAD};
use super::tables::prefetch;
use super::typed::{each_text, Typed, TypedKeys};
use super::CHUNK;
use crate::facts::Options;

/// Why the numbered path did not give the scores.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fallback {
    /// The ids are not numbers this path takes: the hashing reader runs.
    Hash,
    /// A row or customer the general reader reports: it runs.
    General,
}

/// How the digits after the prefix spell a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Digits {
    /// Without leading zeros ("0" itself is one digit).
    Plain,
    /// Exactly this many digits, zeros in front.
    Padded(usize),
}

/// The shape of the customer ids: a prefix, then digits.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shape {
    prefix: String,
    digits: Digits,
}

/// At most this many digits (any number of them fits a `u64`).
const MAX_DIGITS: usize = 19;

impl Shape {
    /// The shape of ids `sample` (the first rows'), `None` when the first
    /// has no trailing digits.
    fn of<'a>(mut sample: impl Iterator<Item = &'a [u8]>) -> Option<Shape> {
        let first = sample.next()?;
        let digits = first.iter().rev().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let prefix = std::str::from_utf8(&first[..first.len() - digits]).ok()?.to_owned();
        let padded = |key: &[u8]| {
            let d = key.strip_prefix(prefix.as_bytes())?;
            (d.len() > 1 && d[0] == b'0').then_some(d.len())
        };
        let digits = match std::iter::once(first).chain(sample).find_map(padded) {
            Some(width) => Digits::Padded(width),
            None => Digits::Plain,
        };
        Some(Shape { prefix, digits })
    }

    /// The number `key` spells, `None` when it has another shape.
    #[inline(always)]
    fn number(&self, key: &[u8]) -> Option<u64> {
        let d = key.strip_prefix(self.prefix.as_bytes())?;
        let fits = match self.digits {
            Digits::Plain => !d.is_empty() && d.len() <= MAX_DIGITS && (d[0] != b'0' || d.len() == 1),
            Digits::Padded(width) => d.len() == width && width <= MAX_DIGITS,
        };
        if !fits {
            return None;
        }
        d.iter().try_fold(0u64, |n, &b| {
            let v = b.wrapping_sub(b'0');
            (v <= 9).then_some(n * 10 + u64::from(v))
        })
    }

    /// Appends the id of number `n` to `out`.
    fn write(&self, n: u64, out: &mut StrColumn, buf: &mut String) {
        buf.clear();
        buf.push_str(&self.prefix);
        let mut text = [0u8; 24];
        let digits = decimal(false, n, &mut text);
        if let Digits::Padded(width) = self.digits {
            buf.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
        }
        buf.extend(digits.iter().map(|&b| char::from(b)));
        out.push(buf);
    }

    /// Calls `f` with the numbers below `len` in order of their ids' text.
    fn in_text_order(&self, len: u64, mut f: impl FnMut(u64)) {
        match self.digits {
            // One width: text order is number order.
            Digits::Padded(_) => (0..len).for_each(f),
            Digits::Plain => {
                if len == 0 {
                    return;
                }
                f(0);
                // Depth first through the tree whose children of n are n0..n9.
                let mut n = 1u64;
                while n < len {
                    f(n);
                    if n.saturating_mul(10) < len {
                        n *= 10;
                        continue;
                    }
                    while n % 10 == 9 || n + 1 >= len {
                        n /= 10;
                        if n == 0 {
                            return;
                        }
                    }
                    n += 1;
                }
            }
        }
    }
}

/// The largest number + 1 the array takes for `rows` rows: with more
/// customers than rows' worth, most entries would stay empty, and the
/// hashing reader is the better one.
fn limit(rows: usize) -> u64 {
    rows.max(1 << 16) as u64
}

/// One thread's rows added up.
struct Tally {
    /// Accumulator of each number.
    acc: Vec<RfmAccumulator>,
    /// Bit `n`: number `n` had a row.
    seen: Vec<u64>,
    currencies: Vec<Currency>,
    ids: OrderIdHashes,
}

impl Tally {
    /// Makes room for number `top` (below `limit`).
    fn room_for(&mut self, top: u64, limit: u64) {
        if top as usize >= self.acc.len() {
            let len = (top as usize + 1).next_power_of_two().min(limit as usize);
            self.acc.resize(len, RfmAccumulator::EMPTY);
            self.seen.resize(len.div_ceil(64), 0);
        }
    }
}

/// The number of each row of a chunk, then the rows.
struct Reader<'a, 'o> {
    shape: &'a Shape,
    opts: &'o Options,
    window: RfmWindow,
    limit: u64,
    state: foldhash::fast::FixedState,
    numbers: Vec<u32>,
}

impl Reader<'_, '_> {
    /// Adds up rows `rows` of batch `t`.
    fn read(&mut self, t: &Typed<'_>, rows: std::ops::Range<usize>, tally: &mut Tally) -> Result<(), Fallback> {
        let cur = match t.currency(rows.clone()) {
            Ok(Some(c)) => number_of(&mut tally.currencies, c),
            Ok(None) => return Err(Fallback::Hash),
            Err(_) => return Err(Fallback::General),
        };
        let numbers = &mut self.numbers;
        numbers.clear();
        let (mut all, mut top) = (true, 0u64);
        let mut file = |n: Option<u64>| {
            all &= n.is_some();
            let n = n.unwrap_or(0);
            top = top.max(n);
            numbers.push(n as u32);
        };
        match t.keys() {
            TypedKeys::Text(s) => each_text(s, rows.clone(), |_, key| file(self.shape.number(key))),
            TypedKeys::Int(k) => rows.clone().for_each(|i| {
                file(k.value(i).and_then(|(negative, n)| (!negative).then_some(n)));
            }),
        }
        if !all || top >= self.limit {
            return Err(Fallback::Hash);
        }
        tally.room_for(top, self.limit);
        let numbers = &self.numbers;
        let mut ok = true;
        for (j, (i, &n)) in rows.zip(numbers).enumerate() {
            if let Some(a) = numbers.get(j + AHEAD).and_then(|&m| tally.acc.get(m as usize)) {
                prefetch(a);
            }
            let n = n as usize;
            match (t.order_of(i, self.opts), tally.acc.get_mut(n), tally.seen.get_mut(n / 64)) {
                (Some((placed, status, total, refunded)), Some(acc), Some(seen)) => {
                    acc.add(&self.window, placed, status, total, refunded, cur);
                    *seen |= 1 << (n % 64);
                    if let Some(h) = t.order_id_hash(i, &self.state) {
                        tally.ids.push(h);
                    }
                }
                _ => ok = false,
            }
        }
        if ok {
            Ok(())
        } else {
            Err(Fallback::General)
        }
    }
}

/// Thread `me` (0 or 1) adds up its half of the rows of `typed`.
fn tally(
    me: usize,
    typed: &[&Typed<'_>],
    reader: &mut Reader<'_, '_>,
    rows: usize,
    stop: &AtomicBool,
) -> Result<Tally, Fallback> {
    let mine = if me == 0 { 0..rows / 2 } else { rows / 2..rows };
    let check = reader.opts.check_duplicates;
    let mut tally = Tally {
        acc: Vec::new(),
        seen: Vec::new(),
        currencies: Vec::new(),
        ids: OrderIdHashes::with_room(if check { mine.len() } else { 0 }),
    };
    let mut at = 0;
    for t in typed {
        let n = t.rows();
        let (lo, hi) = (mine.start.max(at) - at, mine.end.min(at + n).saturating_sub(at));
        at += n;
        let mut start = lo;
        while start < hi {
            if stop.load(Ordering::Relaxed) {
                return Err(Fallback::Hash);
            }
            let end = (start + CHUNK).min(hi);
            if let Err(e) = reader.read(t, start..end, &mut tally) {
                stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
            start = end;
        }
    }
    Ok(tally)
}

/// `b` added into `a`: each number's accumulators combined, `b`'s currency
/// numbers made `a`'s (the order-id hashes are left behind).
fn combine(mut a: Tally, b: Tally) -> Tally {
    if a.acc.len() < b.acc.len() {
        return combine(b, a);
    }
    let map: Vec<u16> = b.currencies.iter().map(|&c| number_of(&mut a.currencies, c)).collect();
    for (w, (&bits, seen)) in b.seen.iter().zip(a.seen.iter_mut()).enumerate() {
        *seen |= bits;
        let mut rest = bits;
        while rest != 0 {
            let n = w * 64 + rest.trailing_zeros() as usize;
            rest &= rest - 1;
            if let (Some(x), Some(&(mut y))) = (a.acc.get_mut(n), b.acc.get(n)) {
                if let Some(&c) = map.get(y.currency as usize) {
                    y.currency = c;
                }
                x.absorb(&y);
            }
        }
    }
    a
}

/// RFM scores of the rows of `typed` (every batch of the table), when the
/// customer ids are numbers (see the module docs).
pub(super) fn try_numbered(
    typed: &[&Typed<'_>],
    opts: &Options,
    window: RfmWindow,
    rfm: &RfmOptions,
) -> Result<RfmScores, Fallback> {
    let first = typed.first().ok_or(Fallback::Hash)?;
    let sample = first.rows().min(CHUNK);
    let shape = match first.keys() {
        TypedKeys::Text(s) => {
            let mut keys = Vec::with_capacity(sample);
            each_text(s, 0..sample, |_, key| keys.push(key));
            Shape::of(keys.into_iter()).ok_or(Fallback::Hash)?
        }
        // Every batch's ids are integers too: the batches share one schema (`columns`).
        TypedKeys::Int(_) => Shape { prefix: String::new(), digits: Digits::Plain },
    };
    let rows: usize = typed.iter().map(|t| t.rows()).sum();
    let timing = std::env::var_os("CRM_PY_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let stop = AtomicBool::new(false);
    let reader = || Reader {
        shape: &shape,
        opts,
        window,
        limit: limit(rows),
        state: crate::intern::fixed_hasher(),
        numbers: Vec::with_capacity(CHUNK),
    };
    let (a, b) = crate::threads::both(
        || tally(0, typed, &mut reader(), rows, &stop),
        || tally(1, typed, &mut reader(), rows, &stop),
    );
    let (a, b) = match (a.map_err(|_| Fallback::General)?, b.map_err(|_| Fallback::General)?) {
        (Ok(a), Ok(b)) => (a, b),
        // The first reason found (the other thread may only have been stopped).
        (Err(Fallback::General), _) | (_, Err(Fallback::General)) => return Err(Fallback::General),
        _ => return Err(Fallback::Hash),
    };
    let t1 = t0.elapsed();
    if opts.check_duplicates {
        let lists = [&a.ids, &b.ids];
        let (d0, d1) = crate::threads::both(|| distinct(0, lists), || distinct(1, lists));
        if !(d0.unwrap_or(false) && d1.unwrap_or(false)) {
            // A repeated order id (or two ids with one hash): the general reader decides.
            return Err(Fallback::General);
        }
    }
    let all = combine(a, b);
    let t2 = t0.elapsed();
    let customers = all.seen.iter().map(|w| w.count_ones() as usize).sum();
    let mut ids = StrColumn::with_capacity(customers, customers * (shape.prefix.len() + 8));
    let mut acc = Vec::with_capacity(customers);
    let mut buf = String::new();
    let mut clean = true;
    shape.in_text_order(all.acc.len() as u64, |n| {
        let n_ = n as usize;
        if all.seen.get(n_ / 64).is_some_and(|w| w >> (n_ % 64) & 1 == 1) {
            if let Some(a) = all.acc.get(n_) {
                clean &= a.is_clean();
                acc.push(*a);
                shape.write(n, &mut ids, &mut buf);
            }
        }
    });
    if !clean {
        return Err(Fallback::General);
    }
    let t3 = t0.elapsed();
    let out = rfm_from_accumulators_with(ids, &acc, &all.currencies, opts.as_of, rfm, &crate::threads::Threads)
        .map_err(|_| Fallback::General);
    if timing {
        eprintln!(
            "numbered: read {t1:?}, order ids and combine {:?}, in order {:?}, scores {:?}",
            t2 - t1,
            t3 - t2,
            t0.elapsed() - t3
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Digits, Shape};

    fn shape(prefix: &str, digits: Digits) -> Shape {
        Shape { prefix: prefix.to_owned(), digits }
    }

    #[test]
    fn the_shape_is_read_off_the_first_ids() {
        let of = |ids: &[&str]| Shape::of(ids.iter().map(|s| s.as_bytes()));
        assert_eq!(of(&["c12", "c7"]), Some(shape("c", Digits::Plain)));
        assert_eq!(of(&["c12", "c007"]), Some(shape("c", Digits::Padded(3))));
        assert_eq!(of(&["0042"]), Some(shape("", Digits::Padded(4))));
        assert_eq!(of(&["gid://shopify/Customer/907"]), Some(shape("gid://shopify/Customer/", Digits::Plain)));
        // The prefix is the first id's: a later id that differs is caught by `number`.
        assert_eq!(of(&["x-1a2", "x-1a3"]), Some(shape("x-1a", Digits::Plain)));
        assert_eq!(of(&["c12x"]), None);
        assert_eq!(of(&[]), None);
    }

    #[test]
    fn only_ids_of_the_shape_are_numbers_and_each_text_has_one() {
        let plain = shape("c", Digits::Plain);
        assert_eq!(plain.number(b"c0"), Some(0));
        assert_eq!(plain.number(b"c907"), Some(907));
        assert_eq!(plain.number(b"c9999999999999999999"), Some(9_999_999_999_999_999_999));
        for other in ["c", "c07", "c00", "d7", "7", "c7 ", "c-7", "c1x", "cc7", "c99999999999999999999"] {
            assert_eq!(plain.number(other.as_bytes()), None, "{other}");
        }
        let padded = shape("", Digits::Padded(4));
        assert_eq!(padded.number(b"0042"), Some(42));
        assert_eq!(padded.number(b"1042"), Some(1042));
        for other in ["42", "00042", "004a", ""] {
            assert_eq!(padded.number(other.as_bytes()), None, "{other}");
        }
    }

    /// Writing a number gives back the id it was read from.
    #[test]
    fn numbers_are_written_as_their_ids() {
        let mut out = crm_core::column::StrColumn::default();
        let mut buf = String::new();
        for (s, id) in [
            (shape("c", Digits::Plain), "c0"),
            (shape("c", Digits::Plain), "c907"),
            (shape("cus_", Digits::Padded(6)), "cus_000017"),
            (shape("", Digits::Padded(2)), "99"),
            (shape("", Digits::Plain), "9223372036854775807"),
        ] {
            let n = s.number(id.as_bytes()).expect("a number");
            s.write(n, &mut out, &mut buf);
            assert_eq!(out.get(out.len() - 1), id);
        }
    }

    /// The walk visits every number below `len` once, in the order of
    /// their ids sorted as text.
    #[test]
    fn the_walk_is_text_order() {
        for len in (0..1200).chain([9_999, 10_000, 10_001, 65_536]) {
            for s in [shape("c", Digits::Plain), shape("c", Digits::Padded(6))] {
                let mut walked = Vec::new();
                s.in_text_order(len, |n| walked.push(n));
                let mut sorted: Vec<u64> = (0..len).collect();
                let text = |n: u64| match s.digits {
                    Digits::Plain => n.to_string(),
                    Digits::Padded(w) => format!("{n:0w$}"),
                };
                sorted.sort_by_key(|&n| text(n));
                assert_eq!(walked, sorted, "len {len} {:?}", s.digits);
            }
        }
    }
}
