//! The customers of one thread of the fast RFM reader, and the short queue
//! of rows on their way to them.

use crm_core::money::Currency;
use crm_core::segment::RfmWindow;

use super::rows::{Cols, Pending};
use super::tables::{part_of, Part, PARTS};

/// Rows between the steps of a lookup. The customers are far more than fit
/// in the cache, so nearly every lookup misses twice (the index entry, then
/// the slot); each is asked for this many rows before it is needed, so that
/// the misses of consecutive rows overlap.
const AHEAD: usize = 16;
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
        self.parts[part_of(p.hash)].prefetch_index(p.hash);
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
        if let Some(q) = self.queue.get_mut(at) {
            let part = &mut self.parts[part_of(q.hash)];
            q.slot = part.find(q.key, q.hash, q.batch, q.row);
            part.prefetch_slot(q.slot);
        }
    }

    #[inline]
    fn add(&mut self, p: &Pending<'a>) {
        let cur = match self.last {
            Some((c, k)) if c == p.currency => k,
            _ => {
                let k = match self.currencies.iter().position(|c| *c == p.currency) {
                    Some(k) => k,
                    None => {
                        self.currencies.push(p.currency);
                        self.currencies.len() - 1
                    }
                } as u16;
                self.last = Some((p.currency, k));
                k
            }
        };
        let slot = self.parts[part_of(p.hash)].slot(p.slot, p.key, p.hash, p.batch, p.row, self.cols);
        slot.acc.add(&self.window, p.placed, p.status, p.total, p.refunded, cur);
    }
}
