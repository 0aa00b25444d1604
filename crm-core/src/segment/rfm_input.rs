//! RFM straight from loaded order columns (a [`FactsInput`] whose customer ids
//! are interned): one pass over the orders with a small accumulator per
//! customer, then the scores. Gives exactly what [`rfm_scores`] gives on the
//! facts of the same input.

use super::{rfm_facts_options, rfm_scores, RfmOptions, RfmScores};
use crate::error::Error;
use crate::facts::{compute_facts, CustomerFacts, FactsInput, FactsOptions};
use crate::time::MICROS_PER_DAY;

#[derive(Clone, Copy)]
struct Acc {
    last: i64,
    spend: i64,
    count: u32,
    currency: u16,
    mixed: bool,
}

const NO_CURRENCY: u16 = u16::MAX;

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
    let after = fo.orders_after.unwrap_or(i64::MIN);
    let mut acc = vec![Acc { last: i64::MIN, spend: 0, count: 0, currency: NO_CURRENCY, mixed: false }; n];
    for i in 0..o.customer.len() {
        let t = o.placed_at[i];
        if t > as_of || t <= after {
            continue;
        }
        let (status, total) = (o.status[i], o.total[i]);
        let refunded = crate::facts::compute::effective_refund(status, total, o.refunded[i]);
        let counted = crate::facts::compute::counts(status, total, refunded);
        if !counted && refunded <= 0 {
            continue;
        }
        let a = &mut acc[o.customer[i] as usize];
        let cur = o.currency[i];
        if target.is_none() && a.currency != cur {
            if a.currency != NO_CURRENCY {
                a.mixed = true;
                continue;
            }
            a.currency = cur;
        }
        if counted {
            a.count += 1;
            a.spend = a.spend.saturating_add(total - refunded);
            a.last = a.last.max(t);
        }
    }
    if acc.iter().any(|a| a.mixed || a.spend == i64::MAX || a.spend == i64::MIN) {
        // The facts' own error (mixed currencies, overflow), with its wording.
        return Ok(rfm_scores(&compute_facts(input, as_of, &fo)?, options)?);
    }
    let mut f = CustomerFacts { customer_id: input.customer_ids.clone(), ..CustomerFacts::default() };
    f.order_count = acc.iter().map(|a| a.count).collect();
    f.net_spend = acc.iter().map(|a| a.spend).collect();
    f.days_since_last_order =
        acc.iter().map(|a| (a.last != i64::MIN).then(|| (as_of - a.last).div_euclid(MICROS_PER_DAY))).collect();
    f.currency = acc
        .iter()
        .map(|a| match (target, a.currency) {
            (Some(t), _) => Some(t),
            (None, NO_CURRENCY) => None,
            (None, c) => Some(input.currencies[c as usize]),
        })
        .collect();
    Ok(super::rfm::rfm_scores_owned(f, options)?)
}
