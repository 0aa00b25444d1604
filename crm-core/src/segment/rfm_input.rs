//! RFM straight from loaded order columns (a [`FactsInput`] whose customer ids
//! are interned): one pass over the orders with a small accumulator per
//! customer, then the scores. Gives exactly what [`rfm_scores`] gives on the
//! facts of the same input.

use super::rfm::{check_options, one_currency, scorers};
use super::{rfm_facts_options, rfm_scores, RfmOptions, RfmScores, SegmentError};
use crate::column::StrColumn;
use crate::error::Error;
use crate::facts::compute::{counts, effective_refund};
use crate::facts::{compute_facts, FactsInput, FactsOptions};
use crate::join::{Join, Sequential};
use crate::model::OrderStatus;
use crate::money::Currency;
use crate::time::MICROS_PER_DAY;

/// One customer's running RFM values: the last counted order, net spend,
/// counted orders and the one currency they are in. Readers that aggregate
/// orders themselves (the Python binding reads Arrow tables straight into
/// these) use it so that every path counts an order the same way.
///
/// ```
/// use crm_core::model::OrderStatus;
/// use crm_core::segment::{RfmAccumulator, RfmWindow};
/// let w = RfmWindow { after: i64::MIN, as_of: 100 };
/// let mut a = RfmAccumulator::EMPTY;
/// a.add(&w, 10, OrderStatus::Paid, 500, 0, 0);
/// a.add(&w, 20, OrderStatus::PartiallyRefunded, 700, 200, 0);
/// a.add(&w, 30, OrderStatus::Cancelled, 900, 0, 0); // not a purchase
/// a.add(&w, 200, OrderStatus::Paid, 900, 0, 0); // after as_of
/// assert_eq!((a.count, a.spend, a.last), (2, 1000, 20));
/// assert!(a.is_clean());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RfmAccumulator {
    /// The latest counted order (µs), `i64::MIN` when none.
    pub last: i64,
    /// Net spend of the counted orders (saturating; see [`is_clean`](Self::is_clean)).
    pub spend: i64,
    /// Counted orders.
    pub count: u32,
    /// Index of the currency of the orders seen, [`RfmAccumulator::NO_CURRENCY`] when none.
    pub currency: u16,
    /// Orders in more than one currency were seen.
    pub mixed: bool,
}

/// The orders an RFM pass counts: placed after `after` and at or before `as_of` (µs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RfmWindow {
    /// Orders placed at or before this instant are outside the window (`i64::MIN`: all history).
    pub after: i64,
    /// The instant of the scores.
    pub as_of: i64,
}

impl RfmAccumulator {
    /// No currency seen yet.
    pub const NO_CURRENCY: u16 = u16::MAX;
    /// A customer with no order.
    pub const EMPTY: RfmAccumulator =
        RfmAccumulator { last: i64::MIN, spend: 0, count: 0, currency: Self::NO_CURRENCY, mixed: false };

    /// Adds one order: placed at `placed_at` (µs), with its status and the
    /// amount refunded as of the window's instant, in currency number `currency`.
    /// Orders outside the window, and orders that are neither a purchase nor
    /// refunded, change nothing; a refunded order still fixes the currency.
    #[inline]
    pub fn add(
        &mut self,
        window: &RfmWindow,
        placed_at: i64,
        status: OrderStatus,
        total: i64,
        refunded: i64,
        currency: u16,
    ) {
        if placed_at > window.as_of || placed_at <= window.after {
            return;
        }
        let refunded = effective_refund(status, total, refunded);
        let counted = counts(status, total, refunded);
        if !counted && refunded <= 0 {
            return;
        }
        if self.currency != currency {
            if self.currency != Self::NO_CURRENCY {
                self.mixed = true;
                return;
            }
            self.currency = currency;
        }
        if counted {
            self.count += 1;
            self.spend = self.spend.saturating_add(total - refunded);
            self.last = self.last.max(placed_at);
        }
    }

    /// Adds the orders `other` has added up, as if they had been added here
    /// one by one: readers that split the orders between threads combine
    /// their accumulators this way. `other` must number currencies as `self`
    /// does. Two different currencies make the customer mixed.
    ///
    /// ```
    /// use crm_core::model::OrderStatus;
    /// use crm_core::segment::{RfmAccumulator, RfmWindow};
    /// let w = RfmWindow { after: i64::MIN, as_of: 100 };
    /// let (mut a, mut b) = (RfmAccumulator::EMPTY, RfmAccumulator::EMPTY);
    /// a.add(&w, 10, OrderStatus::Paid, 500, 0, 0);
    /// b.add(&w, 30, OrderStatus::Fulfilled, 700, 0, 0);
    /// b.add(&w, 20, OrderStatus::Paid, 100, 0, 0);
    /// a.absorb(&b);
    /// assert_eq!((a.count, a.spend, a.last), (3, 1300, 30));
    /// let mut c = RfmAccumulator::EMPTY;
    /// c.add(&w, 40, OrderStatus::Paid, 100, 0, 1); // another currency
    /// a.absorb(&c);
    /// assert!(!a.is_clean());
    /// ```
    #[inline]
    pub fn absorb(&mut self, other: &RfmAccumulator) {
        self.mixed |= other.mixed;
        if other.currency == Self::NO_CURRENCY {
            return;
        }
        if self.currency == Self::NO_CURRENCY {
            self.currency = other.currency;
        } else if self.currency != other.currency {
            self.mixed = true;
            return;
        }
        self.count += other.count;
        self.spend = self.spend.saturating_add(other.spend);
        self.last = self.last.max(other.last);
    }

    /// Neither mixed currencies nor an overflowing spend: the values can be scored.
    pub fn is_clean(&self) -> bool {
        !self.mixed && self.spend != i64::MAX && self.spend != i64::MIN
    }
}

/// RFM values and scores from accumulated customers: `ids[i]` owns `acc[i]`,
/// whose currency indexes `currencies`. Every accumulator must be
/// [clean](RfmAccumulator::is_clean) (the caller reports mixed currencies).
///
/// # Errors
/// As [`rfm_scores`].
///
/// ```
/// use crm_core::column::StrColumn;
/// use crm_core::money::Currency;
/// use crm_core::segment::{rfm_from_accumulators, RfmAccumulator, RfmOptions};
/// let day = 86_400_000_000i64;
/// let a = RfmAccumulator { last: 8 * day, spend: 1200, count: 2, currency: 0, mixed: false };
/// let b = RfmAccumulator { last: 9 * day, spend: 100, count: 1, currency: 0, mixed: false };
/// let ids: StrColumn = ["a", "b", "p"].into_iter().collect();
/// let s = rfm_from_accumulators(ids, &[a, b, RfmAccumulator::EMPTY], &[Currency::new("EUR")?], 10 * day,
///                               &RfmOptions { k: 3, ..Default::default() })?;
/// assert_eq!((s.recency[0], s.r[0], s.f[0]), (Some(2), Some(1), Some(2)));
/// assert_eq!((s.recency[2], s.r[2]), (None, None)); // a prospect
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rfm_from_accumulators(
    ids: StrColumn,
    acc: &[RfmAccumulator],
    currencies: &[Currency],
    as_of: i64,
    options: &RfmOptions,
) -> Result<RfmScores, SegmentError> {
    rfm_from_accumulators_with(ids, acc, currencies, as_of, options, &Sequential)
}

/// [`rfm_from_accumulators`], with the monetary scores computed beside the
/// recency and frequency scores when `join` runs its two halves at once.
/// The result does not depend on `join`.
///
/// # Errors
/// As [`rfm_scores`].
///
/// ```
/// use crm_core::column::StrColumn;
/// use crm_core::join::Sequential;
/// use crm_core::money::Currency;
/// use crm_core::segment::{rfm_from_accumulators_with, RfmAccumulator, RfmOptions};
/// let a = RfmAccumulator { last: 5, spend: 700, count: 1, currency: 0, mixed: false };
/// let ids: StrColumn = ["a", "p"].into_iter().collect();
/// let s = rfm_from_accumulators_with(ids, &[a, RfmAccumulator::EMPTY], &[Currency::new("EUR")?], 10,
///                                    &RfmOptions::default(), &Sequential)?;
/// assert_eq!((s.recency[0], s.monetary[0], s.m[0]), (Some(0), 700, Some(1)));
/// assert_eq!((s.frequency[1], s.currency[1], s.m[1]), (0, None, None));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rfm_from_accumulators_with(
    ids: StrColumn,
    acc: &[RfmAccumulator],
    currencies: &[Currency],
    as_of: i64,
    options: &RfmOptions,
    join: &impl Join,
) -> Result<RfmScores, SegmentError> {
    check_options(options)?;
    let n = acc.len();
    let currency_of = |a: &RfmAccumulator| currencies.get(usize::from(a.currency)).copied();
    let days = |a: &RfmAccumulator| (as_of - a.last).div_euclid(MICROS_PER_DAY);
    // The scored customers' (those with a counted order) values and currencies.
    let mut seen = vec![false; currencies.len()];
    let mut values = [Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n)];
    for a in acc.iter().filter(|a| a.count > 0) {
        if let Some(s) = seen.get_mut(usize::from(a.currency)) {
            *s = true;
        }
        values[0].push(days(a));
        values[1].push(i64::from(a.count));
        values[2].push(a.spend);
    }
    one_currency(currencies.iter().zip(&seen).filter(|(_, &s)| s).map(|(&c, _)| c))?;
    let [sr, sf, sm] = scorers(options, values, join);
    // The columns, in two groups of one pass each.
    let ((recency, r, frequency, f), (monetary, m, currency)) = join.join(
        || {
            let (mut recency, mut r) = (Vec::with_capacity(n), Vec::with_capacity(n));
            let (mut frequency, mut f) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for a in acc {
                let d = (a.count > 0).then(|| days(a));
                recency.push(d);
                r.push(d.map(|d| sr.score(d)));
                frequency.push(a.count);
                f.push((a.count > 0).then(|| sf.score(i64::from(a.count))));
            }
            (recency, r, frequency, f)
        },
        || {
            let (mut monetary, mut m, mut currency) =
                (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
            for a in acc {
                monetary.push(a.spend);
                m.push((a.count > 0).then(|| sm.score(a.spend)));
                currency.push(if a.count > 0 { currency_of(a) } else { None });
            }
            (monetary, m, currency)
        },
    );
    Ok(RfmScores { customer_id: ids, recency, frequency, monetary, currency, r, f, m })
}

/// RFM values and scores of every customer of a loaded input as of `as_of`
/// (µs), over the options' window.
///
/// # Errors
/// As [`compute_facts`] (mixed currencies without rates …) and [`rfm_scores`].
///
/// ```
/// use crm_core::facts::{FactsInputBuilder, FactsOptions, OrderRow};
/// use crm_core::model::OrderStatus;
/// use crm_core::money::Currency;
/// use crm_core::segment::{rfm_from_input, RfmOptions};
/// let eur = Currency::new("EUR")?;
/// let day = 86_400_000_000i64;
/// let mut b = FactsInputBuilder::new();
/// for (who, at, total) in [("a", 1, 500), ("a", 8, 700), ("b", 9, 100)] {
///     b.add_order(OrderRow { customer: who, placed_at: at * day, total, discount: 0, refunded: 0,
///                            status: OrderStatus::Paid, currency: eur });
/// }
/// let s = rfm_from_input(&b.finish(), 10 * day, &FactsOptions::default(), &RfmOptions { k: 3, ..Default::default() })?;
/// assert_eq!((s.recency[0], s.frequency[0], s.monetary[0]), (Some(2), 2, 1200));
/// assert_eq!((s.r[0], s.f[0], s.m[0]), (Some(1), Some(2), Some(2)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rfm_from_input(
    input: &FactsInput,
    as_of: i64,
    facts: &FactsOptions,
    options: &RfmOptions,
) -> Result<RfmScores, Error> {
    let fo = rfm_facts_options(facts, options, as_of)?;
    let target = fo.rates.as_ref().map(|r| r.target());
    let converting = target.is_some_and(|t| input.currencies.iter().any(|c| *c != t));
    let n = input.customer_ids.len();
    let o = &input.orders;
    let shapes_ok = [o.placed_at.len(), o.total.len(), o.refunded.len(), o.status.len(), o.currency.len()]
        .iter()
        .all(|&l| l == o.customer.len())
        && o.customer.iter().all(|&c| (c as usize) < n)
        && o.currency.iter().all(|&c| (c as usize) < input.currencies.len());
    if converting || !shapes_ok {
        // Conversion (and the error for malformed input) as the facts compute it.
        return Ok(rfm_scores(&compute_facts(input, as_of, &fo)?, options)?);
    }
    if let Some(t) = target {
        // Every order is already in the target currency: count them all as one.
        let Some(i) = input.currencies.iter().position(|c| *c == t) else {
            return Ok(rfm_scores(&compute_facts(input, as_of, &fo)?, options)?);
        };
        return rfm_pass(input, as_of, &fo, options, |_| i as u16);
    }
    rfm_pass(input, as_of, &fo, options, |c| c)
}

fn rfm_pass(
    input: &FactsInput,
    as_of: i64,
    fo: &FactsOptions,
    options: &RfmOptions,
    currency: impl Fn(u16) -> u16,
) -> Result<RfmScores, Error> {
    let window = RfmWindow { after: fo.orders_after.unwrap_or(i64::MIN), as_of };
    let o = &input.orders;
    let mut acc = vec![RfmAccumulator::EMPTY; input.customer_ids.len()];
    for i in 0..o.customer.len() {
        acc[o.customer[i] as usize].add(
            &window,
            o.placed_at[i],
            o.status[i],
            o.total[i],
            o.refunded[i],
            currency(o.currency[i]),
        );
    }
    if !acc.iter().all(RfmAccumulator::is_clean) {
        // The facts' own error (mixed currencies, overflow), with its wording.
        return Ok(rfm_scores(&compute_facts(input, as_of, fo)?, options)?);
    }
    Ok(rfm_from_accumulators(input.customer_ids.clone(), &acc, &input.currencies, as_of, options)?)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{RfmAccumulator, RfmWindow};
    use crate::model::OrderStatus;

    const STATUSES: [OrderStatus; 5] = [
        OrderStatus::Paid,
        OrderStatus::Fulfilled,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
        OrderStatus::PartiallyRefunded,
    ];

    /// (placed, status, total, refunded, currency, which half)
    type Order = (i64, OrderStatus, i64, i64, u16, bool);

    fn orders() -> impl Strategy<Value = Vec<Order>> {
        let order = (0i64..300, 0usize..5, 0i64..1000, 0i64..1000, 0u16..3, 0u8..10, any::<bool>()).prop_map(
            |(placed, s, total, r, c, one_currency, half)| {
                // Mostly one currency, so that most cases are clean.
                let currency = if one_currency < 8 { 0 } else { c };
                (placed, STATUSES[s], total, r.min(total), currency, half)
            },
        );
        prop::collection::vec(order, 0..40)
    }

    fn add_all<'a>(w: &RfmWindow, orders: impl Iterator<Item = &'a Order>) -> RfmAccumulator {
        let mut a = RfmAccumulator::EMPTY;
        for &(placed, status, total, refunded, currency, _) in orders {
            a.add(w, placed, status, total, refunded, currency);
        }
        a
    }

    proptest! {
        /// Orders split in two halves, each added up, then one absorbing the
        /// other (either way round), give what adding them all one by one
        /// gives; mixed currencies are found either way.
        #[test]
        fn absorbing_a_split_equals_adding_in_sequence(orders in orders(), after in prop::option::of(0i64..100)) {
            let w = RfmWindow { after: after.unwrap_or(i64::MIN), as_of: 200 };
            let all = add_all(&w, orders.iter());
            let first = add_all(&w, orders.iter().filter(|o| o.5));
            let second = add_all(&w, orders.iter().filter(|o| !o.5));
            for (mut x, y) in [(first, second), (second, first)] {
                x.absorb(&y);
                prop_assert_eq!(x.is_clean(), all.is_clean());
                if all.is_clean() {
                    prop_assert_eq!(x, all);
                }
            }
        }
    }
}
