//! The customers of one thread of the fast RFM reader, and the short queue
//! of rows on their way to them.

use crm_core::model::OrderStatus;
use crm_core::money::Currency;
use crm_core::segment::RfmWindow;

use super::rows::{Cols, Pending};
use super::tables::{part_of, Part, PARTS};

/// Rows between the steps of a lookup. The customers are far more than fit
/// in the cache, so nearly every lookup misses twice (the index entry, then
/// the slot); each is asked for this many rows before it is needed, so that
/// the misses of consecutive rows overlap.
pub(super) const AHEAD: usize = 16;
const QUEUE: usize = 2 * AHEAD;

/// A thread's customers, in [`PARTS`] tables by hash bits, and the rows
/// waiting to be added to them.
pub(super) struct Customers<'a> {
    pub(super) parts: Vec<Part>,
    /// The currencies seen, in the order first seen (the accumulators hold indices).
    pub(super) currencies: Vec<Currency>,
    last: Option<(Currency, u16)>,
    /// Row `t` (counting from 0) waits at `t % QUEUE`.
    queue: Vec<Pending<'a>>,
    pushed: usize,
    window: RfmWindow,
    cols: &'a [Cols<'a>],
}

impl<'a> Customers<'a> {
    pub(super) fn new(window: RfmWindow, cols: &'a [Cols<'a>]) -> Customers<'a> {
        Customers {
            parts: (0..PARTS).map(|_| Part::new()).collect(),
            currencies: Vec::new(),
            last: None,
            queue: Vec::with_capacity(QUEUE),
            pushed: 0,
            window,
            cols,
        }
    }

    /// Takes row `t`: asks for its index entry, finds the slot of row
    /// `t - AHEAD` (and asks for it), and adds row `t - QUEUE` to its customer.
    #[inline(always)]
    pub(super) fn push(&mut self, p: Pending<'a>) {
        self.ask_index(p.hash);
        let t = self.pushed;
        self.pushed += 1;
        if t < QUEUE {
            self.queue.push(p);
        } else {
            let due = std::mem::replace(&mut self.queue[t % QUEUE], p);
            self.add(&due);
        }
        if t >= AHEAD {
            self.find((t - AHEAD) % QUEUE);
        }
    }

    /// Adds the rows still waiting (the order of additions changes nothing).
    pub(super) fn finish(&mut self) {
        let t = self.pushed;
        for s in t.saturating_sub(AHEAD)..t {
            self.find(s % QUEUE);
        }
        let queue = std::mem::take(&mut self.queue);
        for p in &queue {
            self.add(p);
        }
        self.pushed = 0;
    }

    #[inline(always)]
    fn find(&mut self, at: usize) {
        if let Some(q) = self.queue.get(at) {
            let n = self.ask_slot(q.key, q.hash, q.batch, q.row);
            if let Some(q) = self.queue.get_mut(at) {
                q.slot = n;
            }
        }
    }

    #[inline]
    fn add(&mut self, p: &Pending<'a>) {
        let cur = self.currency_number(p.currency);
        self.add_order(p.slot, p.key, p.hash, p.batch, p.row, cur, (p.placed, p.status, p.total, p.refunded));
    }

    /// The number the accumulators use for `c`.
    #[inline]
    pub(super) fn currency_number(&mut self, c: Currency) -> u16 {
        match self.last {
            Some((l, k)) if l == c => k,
            _ => {
                let k = number_of(&mut self.currencies, c);
                self.last = Some((c, k));
                k
            }
        }
    }

    /// The first step of a lookup: asks for the index entry of `hash`.
    #[inline(always)]
    pub(super) fn ask_index(&self, hash: u64) {
        self.parts[part_of(hash)].prefetch_index(hash);
    }

    /// The second step: the slot [`Part::find`] names for the key (a new
    /// customer is added here), asked for.
    #[inline(always)]
    pub(super) fn ask_slot(&mut self, key: &[u8], hash: u64, batch: u32, row: u32) -> u32 {
        let part = &mut self.parts[part_of(hash)];
        let n = part.find(key, hash, batch, row);
        part.prefetch_slot(n);
        n
    }

    /// The last step: adds an order (placed, status, total, refunded) in
    /// currency number `cur` to the customer of the key, whose slot the
    /// second step named `n`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn add_order(
        &mut self,
        n: u32,
        key: &[u8],
        hash: u64,
        batch: u32,
        row: u32,
        cur: u16,
        (placed, status, total, refunded): (i64, OrderStatus, i64, i64),
    ) {
        let slot = self.parts[part_of(hash)].slot(n, key, hash, batch, row, self.cols);
        slot.acc.add(&self.window, placed, status, total, refunded, cur);
    }
}

/// The place of `c` in `list`, added at the end when new.
pub(super) fn number_of(list: &mut Vec<Currency>, c: Currency) -> u16 {
    match list.iter().position(|x| *x == c) {
        Some(k) => k as u16,
        None => {
            list.push(c);
            (list.len() - 1) as u16
        }
    }
}
