//! Reading and validating order rows for the fast RFM reader.

use std::hash::BuildHasher;
use std::sync::{Condvar, Mutex};

use crm_core::model::OrderStatus;
use crm_core::money::Currency;

use super::tables::{part_of, PARTS};
use crate::arrow_in::{IntCol, KeyCol, StrCol, TimeCol};
use crate::facts::rows::resolve_refund;
use crate::facts::Options;

/// The columns of one batch.
pub(super) struct Cols<'a> {
    pub(super) ids: StrCol<'a>,
    pub(super) order_id: Option<KeyCol<'a>>,
    pub(super) placed: TimeCol<'a>,
    pub(super) total: IntCol<'a>,
    pub(super) currency: Option<StrCol<'a>>,
    pub(super) status: StrCol<'a>,
    pub(super) discount: Option<IntCol<'a>>,
    pub(super) refunded: Option<IntCol<'a>>,
    pub(super) refunded_at: Option<TimeCol<'a>>,
    pub(super) rows: usize,
}

/// A row read and validated, waiting for its customer's lookup.
pub(super) struct Pending {
    pub(super) hash: u64,
    pub(super) row: u32,
    pub(super) currency: Currency,
    pub(super) status: OrderStatus,
    pub(super) placed: i64,
    pub(super) total: i64,
    pub(super) refunded: i64,
}

/// The fast path gave up; the general reader takes over.
pub(super) struct Decline;

/// Reads one row's amount in minor units; `None` for null, `Err` when invalid.
#[inline]
pub(super) fn money(col: &IntCol<'_>, i: usize, exponent: u8) -> Result<Option<i64>, Decline> {
    match col.get(i) {
        None => Ok(None),
        Some(raw) => match col.minor(raw, exponent) {
            Some(v) if v >= 0 => Ok(Some(v)),
            _ => Err(Decline),
        },
    }
}

/// Rows read by one thread for one owner thread, by table.
pub(super) type Buckets<T> = Vec<Vec<T>>;

/// `[reader][owner]`: in the read phase a reader locks its two, in the
/// aggregation phase an owner locks its two, so the threads never wait on a lock.
pub(super) type Grid<T> = [[Mutex<Buckets<T>>; 2]; 2];

pub(super) fn grid<T>() -> Grid<T> {
    let b = || Mutex::new((0..PARTS).map(|_| Vec::new()).collect());
    [[b(), b()], [b(), b()]]
}

/// What the two threads share: the rows each has read for the other, per
/// chunk, and the order-id hashes of the whole table.
pub(super) struct Shared {
    pub(super) pending: Grid<Pending>,
    /// Each reader's order-id hashes, in its row order.
    pub(super) ids: [Mutex<Vec<u64>>; 2],
    pub(super) meet: Rendezvous,
}

/// Reads rows `rows` of batch `c`: validates them and files each under the
/// thread and table of its customer (and its order id under those of its hash).
#[allow(clippy::too_many_arguments)]
pub(super) fn read_rows<'a>(
    c: &Cols<'a>,
    rows: std::ops::Range<usize>,
    state: &foldhash::fast::FixedState,
    opts: &Options,
    cache: &mut ReadCache<'a>,
    pending: [&mut Buckets<Pending>; 2],
    ids: &mut Vec<u64>,
) -> Result<(), Decline> {
    for i in rows {
        if let Some(oid) = &c.order_id {
            let h = match oid {
                KeyCol::Int(n) => state.hash_one(n.get(i).ok_or(Decline)?.to_le_bytes()),
                KeyCol::Str(s) => state.hash_one(s.get(i).ok_or(Decline)?.as_bytes()),
            };
            ids.push(h);
        }
        let key = c.ids.get(i).ok_or(Decline)?;
        let hash = state.hash_one(key.as_bytes());
        let placed = c.placed.get(i).map_err(|_| Decline)?.ok_or(Decline)?;
        let currency = match c.currency.as_ref().and_then(|s| s.get(i)) {
            Some(code) if code.as_bytes() == cache.code => cache.currency.ok_or(Decline)?,
            Some(code) => {
                let cur = Currency::new(code).map_err(|_| Decline)?;
                cache.code = code.as_bytes();
                cache.currency = Some(cur);
                cur
            }
            None => opts.default_currency.ok_or(Decline)?,
        };
        let exponent = currency.minor_unit_exponent();
        let st = c.status.get(i).ok_or(Decline)?;
        let status = if st.as_bytes() == cache.status.0 {
            cache.status.1
        } else {
            let s = OrderStatus::parse(st).ok_or(Decline)?;
            cache.status = (st.as_bytes(), s);
            s
        };
        let total = money(&c.total, i, exponent)?.ok_or(Decline)?;
        if let Some(d) = &c.discount {
            money(d, i, exponent)?;
        }
        let refunded = match &c.refunded {
            Some(r) => money(r, i, exponent)?.unwrap_or(0),
            None => 0,
        };
        if refunded > total {
            return Err(Decline);
        }
        let refund_at = match &c.refunded_at {
            Some(t) => t.get(i).map_err(|_| Decline)?,
            None => None,
        };
        let (status, refunded) = resolve_refund(status, total, refunded, refund_at, opts.as_of);
        pending[(hash >> 63) as usize][part_of(hash)].push(Pending {
            hash,
            row: i as u32,
            currency,
            status,
            placed,
            total,
            refunded,
        });
    }
    Ok(())
}

/// The last status and currency text read, and what they meant.
pub(super) struct ReadCache<'a> {
    pub(super) status: (&'a [u8], OrderStatus),
    pub(super) code: &'a [u8],
    pub(super) currency: Option<Currency>,
}

/// Where the two threads meet between the phases of a chunk. Each says
/// whether it failed; both learn the same answer for the same meeting (carry
/// on only when neither has ever failed), so they stop together. A thread
/// that panics breaks the rendezvous and the other stops instead of waiting.
#[derive(Default)]
pub(super) struct Rendezvous {
    state: Mutex<Meeting>,
    turn: Condvar,
}

#[derive(Default)]
struct Meeting {
    arrived: usize,
    round: u64,
    /// Someone has failed (sticky).
    failed: bool,
    /// The answer of the last completed round: read by the thread that waited,
    /// which cannot be overtaken (the next round needs it to arrive).
    carry_on: bool,
    broken: bool,
}

impl Rendezvous {
    /// Waits for the other thread; true when both may carry on.
    pub(super) fn wait(&self, failed: bool) -> bool {
        let Ok(mut m) = self.state.lock() else { return false };
        m.failed |= failed;
        m.arrived += 1;
        if m.arrived == 2 {
            m.arrived = 0;
            m.round += 1;
            m.carry_on = !m.failed && !m.broken;
            self.turn.notify_all();
            return m.carry_on;
        }
        let round = m.round;
        while m.round == round && !m.broken {
            m = match self.turn.wait(m) {
                Ok(m) => m,
                Err(_) => return false,
            };
        }
        m.round != round && m.carry_on
    }

    fn break_up(&self) {
        if let Ok(mut m) = self.state.lock() {
            m.broken = true;
        }
        self.turn.notify_all();
    }
}

/// Breaks the rendezvous when dropped during a panic.
pub(super) struct BreakOnPanic<'a>(pub(super) &'a Rendezvous);

impl Drop for BreakOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.break_up();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rendezvous;

    /// Two threads meeting round after round, one failing at a chosen round:
    /// both stop after the same meeting, whatever the timing.
    #[test]
    fn both_threads_stop_at_the_same_meeting() {
        for fail_at in [0usize, 1, 7, 500, 4999] {
            for failing in [0usize, 1] {
                let meet = Rendezvous::default();
                let run = |me: usize| {
                    let mut rounds = 0usize;
                    for round in 0..5000 {
                        rounds += 1;
                        if !meet.wait(me == failing && round == fail_at) {
                            break;
                        }
                    }
                    rounds
                };
                let (a, b) = std::thread::scope(|s| {
                    let other = s.spawn(|| run(1));
                    (run(0), other.join().unwrap_or(0))
                });
                assert_eq!((a, b), (fail_at + 1, fail_at + 1), "fail at {fail_at} by {failing}");
            }
        }
    }
}
