//! Reading and validating order rows for the fast RFM reader.

use std::hash::BuildHasher;

use crm_core::model::OrderStatus;
use crm_core::money::Currency;

use super::keys::Keys;
use super::order_ids::OrderIdHashes;
use super::pipe::Customers;
use crate::arrow_in::{IntCol, KeyCol, StrCol, TimeCol};
use crate::facts::rows::resolve_refund;
use crate::facts::Options;

/// The columns of one batch.
pub(super) struct Cols<'a> {
    pub(super) ids: Keys<'a>,
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

/// A row read and validated, on its way to its customer.
pub(super) struct Pending<'a> {
    pub(super) hash: u64,
    pub(super) key: &'a [u8],
    pub(super) batch: u32,
    pub(super) row: u32,
    /// The slot [`super::tables::Part::find`] named (set in the queue).
    pub(super) slot: u32,
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

/// Reads rows `rows` of batch `c` (number `batch`) whose customer belongs to
/// thread `me` (the top bit of the key's hash): validates them, hands them
/// to `customers` and notes the hash of their order id in `ids`.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_rows<'a>(
    c: &Cols<'a>,
    batch: u32,
    rows: std::ops::Range<usize>,
    me: u64,
    state: &foldhash::fast::FixedState,
    opts: &Options,
    cache: &mut ReadCache<'a>,
    customers: &mut Customers<'a>,
    ids: &mut OrderIdHashes,
) -> Result<(), Decline> {
    for i in rows {
        let key = c.ids.get(i).ok_or(Decline)?;
        let hash = state.hash_one(key);
        if hash >> 63 != me {
            continue;
        }
        if let Some(oid) = &c.order_id {
            let h = match oid {
                KeyCol::Int(n) => state.hash_one(n.get(i).ok_or(Decline)?.to_le_bytes()),
                KeyCol::Str(s) => state.hash_one(s.get(i).ok_or(Decline)?.as_bytes()),
            };
            ids.push(h);
        }
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
        customers.push(Pending { hash, key, batch, row: i as u32, slot: 0, currency, status, placed, total, refunded });
    }
    Ok(())
}

/// The last status and currency text read, and what they meant.
pub(super) struct ReadCache<'a> {
    pub(super) status: (&'a [u8], OrderStatus),
    pub(super) code: &'a [u8],
    pub(super) currency: Option<Currency>,
}
