//! The customers of one thread of the fast RFM reader, and the short queue
//! of rows on their way to them.

use crm_core::money::Currency;
use crm_core::segment::RfmWindow;

use super::rows::{Cols, Pending};
use super::tables::{part_of, Part, PARTS};

/// Rows whose customer's slot has been asked for and not yet used. The
/// customers are far more than fit in the cache, so nearly every lookup
/// misses; asked for this many rows ahead, the misses overlap.
const AHEAD: usize = 16;

/// A thread's customers, in [`PARTS`] tables by hash bits, and the rows
/// waiting to be added to them.
pub(super) struct Customers<'a> {
    pub(super) parts: Vec<Part>,
    /// The currencies seen, in the order first seen (the accumulators hold indices).
    pub(super) currencies: Vec<Currency>,
    last: Option<(Currency, u16)>,
    queue: Vec<Pending<'a>>,
    next: usize,
    window: RfmWindow,
    cols: &'a [Cols<'a>],
}

impl<'a> Customers<'a> {
    pub(super) fn new(window: RfmWindow, cols: &'a [Cols<'a>]) -> Customers<'a> {
        Customers {
            parts: (0..PARTS).map(|_| Part::new()).collect(),
            currencies: Vec::new(),
            last: None,
            queue: Vec::with_capacity(AHEAD),
            next: 0,
            window,
            cols,
        }
    }

    /// Takes a row: asks for its customer's slot, and adds the row that
    /// arrived [`AHEAD`] rows before it.
    #[inline(always)]
    pub(super) fn push(&mut self, p: Pending<'a>) {
        self.parts[part_of(p.hash)].prefetch(p.hash);
        if self.queue.len() < AHEAD {
            self.queue.push(p);
            return;
        }
        let due = std::mem::replace(&mut self.queue[self.next], p);
        self.next = (self.next + 1) % AHEAD;
        self.add(&due);
    }

    /// Adds the rows still waiting (the order of additions changes nothing).
    pub(super) fn finish(&mut self) {
        let queue = std::mem::take(&mut self.queue);
        for p in &queue {
            self.add(p);
        }
        self.next = 0;
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
        let slot = self.parts[part_of(p.hash)].slot(p.key, p.hash, p.batch, p.row, self.cols);
        slot.acc.add(&self.window, p.placed, p.status, p.total, p.refunded, cur);
    }
}
