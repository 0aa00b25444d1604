//! The facts computation: one pass over each input column.
//!
//! Per-customer running values live in one 64-byte [`Acc`] per customer, so a
//! row touches one cache line of accumulator state however many facts it feeds.

use crate::facts::category::category_spend;
use crate::facts::input::{FactsInput, NEVER};
use crate::facts::output::CustomerFacts;
use crate::facts::{FactsError, FactsOptions};
use crate::model::{OrderStatus, Store};
use crate::money::{div_round_half_even, Currency, Money, MoneyError};
use crate::time::{to_micros, Instant, MICROS_PER_DAY};

/// Facts for every customer of a validated store as of `as_of`.
///
/// # Errors
/// [`FactsError::MixedCurrencies`] when a customer's orders use several
/// currencies and no rates were given; [`FactsError::Money`] on overflow or a
/// missing rate.
pub fn customer_facts(store: &Store, as_of: Instant, options: &FactsOptions) -> Result<CustomerFacts, FactsError> {
    let input = FactsInput::from_store(store, as_of);
    compute_facts(&input, to_micros(as_of), options)
}

const NO_CURRENCY: u16 = u16::MAX;

/// Whether an order counts as a purchase: paid, fulfilled or partially
/// refunded, and not refunded in full.
#[inline]
pub(crate) fn counts(status: OrderStatus, total: i64, refunded: i64) -> bool {
    matches!(status, OrderStatus::Paid | OrderStatus::Fulfilled | OrderStatus::PartiallyRefunded)
        && (refunded < total || total == 0)
}

/// The refunded amount to use: a `refunded` status means refunded in full,
/// even when the amount column does not say so.
#[inline]
pub(crate) fn effective_refund(status: OrderStatus, total: i64, refunded: i64) -> i64 {
    if status == OrderStatus::Refunded {
        refunded.max(total)
    } else {
        refunded
    }
}

fn floor_days(micros: i64) -> i64 {
    micros.div_euclid(MICROS_PER_DAY)
}

/// Running values of one customer (one cache line).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Acc {
    first_order: i64,
    last_order: i64,
    spend: i64,
    refund_amount: i64,
    first_seen: i64,
    last_activity: i64,
    count: u32,
    discounted: u32,
    refund_count: u32,
    currency: u16,
    mixed: bool,
}

impl Acc {
    fn new(created_at: i64, as_of: i64) -> Acc {
        let seen = if created_at <= as_of { created_at } else { NEVER };
        Acc {
            first_order: NEVER,
            last_order: i64::MIN,
            spend: 0,
            refund_amount: 0,
            first_seen: seen,
            last_activity: if seen == NEVER { i64::MIN } else { seen },
            count: 0,
            discounted: 0,
            refund_count: 0,
            currency: NO_CURRENCY,
            mixed: false,
        }
    }

    #[inline]
    fn seen(&mut self, t: i64) {
        self.first_seen = self.first_seen.min(t);
        self.last_activity = self.last_activity.max(t);
    }
}

/// Computes facts from columns as of `as_of` (µs since the epoch, UTC).
/// Records after `as_of` are ignored.
///
/// # Errors
/// As [`customer_facts`], plus [`FactsError::InvalidInput`] when columns have
/// different lengths or indexes point outside their tables.
// The loops index several parallel columns by row, which is the point of the layout.
#[allow(clippy::needless_range_loop)]
pub fn compute_facts(input: &FactsInput, as_of: i64, options: &FactsOptions) -> Result<CustomerFacts, FactsError> {
    check_shapes(input)?;
    let n = input.customer_ids.len();
    let o = &input.orders;
    let target: Option<Currency> = options.rates.as_ref().map(|r| r.target());
    let rates_needed = target.is_some_and(|t| input.currencies.iter().any(|c| *c != t));
    let convert = |cid: u32, cur: u16, amount: i64| -> Result<i64, FactsError> {
        match (&options.rates, rates_needed) {
            (Some(r), true) => {
                r.convert(Money::new(amount, input.currencies[cur as usize])).map(|m| m.amount).map_err(|source| {
                    FactsError::Money { customer_id: input.customer_ids.get(cid as usize).to_string(), source }
                })
            }
            _ => Ok(amount),
        }
    };
    let overflow = |cid: u32| FactsError::Money {
        customer_id: input.customer_ids.get(cid as usize).to_string(),
        source: MoneyError::Overflow { operation: "add" },
    };

    let mut acc: Vec<Acc> = input.customer_created_at.iter().map(|&t| Acc::new(t, as_of)).collect();
    let mut order_counted = vec![false; o.len()];
    let mut any_mixed = false;

    for i in 0..o.len() {
        let t = o.placed_at[i];
        if t > as_of {
            continue;
        }
        let c = o.customer[i];
        let a = &mut acc[c as usize];
        a.seen(t);
        if options.orders_after.is_some_and(|s| t <= s) {
            continue;
        }
        let status = o.status[i];
        let total = o.total[i];
        let refunded = effective_refund(status, total, o.refunded[i]);
        let counted = counts(status, total, refunded);
        if !counted && refunded <= 0 {
            continue;
        }
        let cur = o.currency[i];
        if target.is_none() {
            if a.currency == NO_CURRENCY {
                a.currency = cur;
            } else if a.currency != cur {
                a.mixed = true;
                any_mixed = true;
                continue;
            }
        }
        let (total, refunded) =
            if rates_needed { (convert(c, cur, total)?, convert(c, cur, refunded)?) } else { (total, refunded) };
        if refunded > 0 {
            a.refund_count += 1;
            a.refund_amount = a.refund_amount.checked_add(refunded).ok_or_else(|| overflow(c))?;
        }
        if counted {
            order_counted[i] = true;
            a.count += 1;
            a.spend = a.spend.checked_add(total - refunded).ok_or_else(|| overflow(c))?;
            a.first_order = a.first_order.min(t);
            a.last_order = a.last_order.max(t);
            a.discounted += u32::from(o.discount[i] > 0);
        }
    }
    if any_mixed {
        if let Some(c) = acc.iter().position(|a| a.mixed) {
            return Err(mixed_currencies(input, c as u32, as_of, options.orders_after));
        }
    }

    // Carts: abandoned when idle long enough and not converted by `as_of`.
    let empty = FactsInput::default();
    let others = if options.orders_only { &empty } else { input };
    let k = &others.carts;
    let mut abandoned = vec![0u32; n];
    let mut last_abandoned = vec![i64::MIN; n];
    let idle_cutoff = as_of.saturating_sub(options.abandon_after_micros);
    for i in 0..k.customer.len() {
        let cu = k.customer[i] as usize;
        let a = &mut acc[cu];
        if k.created_at[i] <= as_of {
            a.first_seen = a.first_seen.min(k.created_at[i]);
        }
        let updated = k.updated_at[i];
        if updated <= as_of {
            a.last_activity = a.last_activity.max(updated);
            if updated <= idle_cutoff && k.converted_at[i] > as_of {
                abandoned[cu] += 1;
                last_abandoned[cu] = last_abandoned[cu].max(updated);
            }
        }
    }

    let e = &others.events;
    for i in 0..e.customer.len() {
        let t = e.at[i];
        if t <= as_of {
            acc[e.customer[i] as usize].seen(t);
        }
    }

    let spend = if options.orders_only {
        crate::facts::CategorySpend { offsets: vec![0; n + 1], ..Default::default() }
    } else {
        category_spend(input, &order_counted, convert)?
    };

    let opt = |v: i64, none: i64| if v == none { None } else { Some(v) };
    let mut f = CustomerFacts::with_capacity(n);
    f.customer_id = input.customer_ids.clone();
    for (cu, a) in acc.iter().enumerate() {
        let cnt = a.count;
        f.first_order_at.push(opt(a.first_order, NEVER));
        f.last_order_at.push(opt(a.last_order, i64::MIN));
        f.order_count.push(cnt);
        f.net_spend.push(a.spend);
        f.currency.push(match (target, a.currency) {
            (Some(t), _) => Some(t),
            (None, NO_CURRENCY) => None,
            (None, idx) => Some(input.currencies[idx as usize]),
        });
        f.average_order_value.push((cnt > 0).then(|| div_round_half_even(i128::from(a.spend), i128::from(cnt)) as i64));
        f.days_since_last_order.push(opt(a.last_order, i64::MIN).map(|t| floor_days(as_of - t)));
        f.tenure_days.push(opt(a.first_seen, NEVER).map(|t| floor_days(as_of - t)));
        f.discounted_order_share.push((cnt > 0).then(|| f64::from(a.discounted) / f64::from(cnt)));
        f.refund_count.push(a.refund_count);
        f.refund_amount.push(a.refund_amount);
        f.abandoned_cart_count.push(abandoned[cu]);
        f.last_abandoned_at.push(opt(last_abandoned[cu], i64::MIN));
        f.last_activity_at.push(opt(a.last_activity, i64::MIN));
    }
    f.distinct_categories = spend.offsets.windows(2).map(|w| w[1] - w[0]).collect();
    f.top_category = (0..n).map(|i| spend.top(i)).collect();
    f.spend_by_category = spend;
    Ok(f)
}

/// The error for the first customer (in id order) whose money facts mix
/// currencies, naming their two smallest currency codes, so that the error
/// does not depend on input order.
fn mixed_currencies(input: &FactsInput, customer: u32, as_of: i64, after: Option<i64>) -> FactsError {
    let o = &input.orders;
    let mut seen: Vec<Currency> = (0..o.len())
        .filter(|&i| o.customer[i] == customer && o.placed_at[i] <= as_of && after.is_none_or(|s| o.placed_at[i] > s))
        .filter(|&i| {
            let refunded = effective_refund(o.status[i], o.total[i], o.refunded[i]);
            counts(o.status[i], o.total[i], refunded) || refunded > 0
        })
        .map(|i| input.currencies[o.currency[i] as usize])
        .collect();
    seen.sort_unstable();
    seen.dedup();
    FactsError::MixedCurrencies {
        customer_id: input.customer_ids.get(customer as usize).to_string(),
        first: seen.first().copied().unwrap_or(input.currencies[0]),
        second: seen.get(1).copied().unwrap_or(input.currencies[0]),
    }
}

fn check_shapes(input: &FactsInput) -> Result<(), FactsError> {
    let bad = |field: &str, message: String| Err(FactsError::InvalidInput { field: field.into(), message });
    let n = input.customer_ids.len();
    if input.customer_created_at.len() != n {
        return bad(
            "customer_created_at",
            format!("has {} rows, customer_ids has {n}", input.customer_created_at.len()),
        );
    }
    if n > u32::MAX as usize {
        return bad("customer_ids", format!("{n} customers exceed the limit of {}", u32::MAX));
    }
    let o = &input.orders;
    let m = o.customer.len();
    for (name, len) in [
        ("orders.placed_at", o.placed_at.len()),
        ("orders.total", o.total.len()),
        ("orders.discount", o.discount.len()),
        ("orders.refunded", o.refunded.len()),
        ("orders.status", o.status.len()),
        ("orders.currency", o.currency.len()),
    ] {
        if len != m {
            return bad(name, format!("has {len} rows, orders.customer has {m}"));
        }
    }
    if let Some(c) = o.customer.iter().find(|&&c| c as usize >= n) {
        return bad("orders.customer", format!("index {c} is outside the {n} customers"));
    }
    if let Some(c) = o.currency.iter().find(|&&c| c as usize >= input.currencies.len()) {
        return bad("orders.currency", format!("index {c} is outside the {} currencies", input.currencies.len()));
    }
    let l = &input.lines;
    if l.category.len() != l.order.len() || l.net.len() != l.order.len() {
        return bad("lines", "columns have different lengths".into());
    }
    if let Some(r) = l.order.iter().find(|&&r| r as usize >= m) {
        return bad("lines.order", format!("row {r} is outside the {m} orders"));
    }
    if let Some(c) = l.category.iter().find(|&&c| c != super::NO_CATEGORY && c as usize >= input.categories.len()) {
        return bad("lines.category", format!("index {c} is outside the {} categories", input.categories.len()));
    }
    let k = &input.carts;
    let kn = k.customer.len();
    if k.created_at.len() != kn || k.updated_at.len() != kn || k.converted_at.len() != kn {
        return bad("carts", "columns have different lengths".into());
    }
    if let Some(c) = k.customer.iter().find(|&&c| c as usize >= n) {
        return bad("carts.customer", format!("index {c} is outside the {n} customers"));
    }
    let e = &input.events;
    if e.at.len() != e.customer.len() {
        return bad("events", "columns have different lengths".into());
    }
    if let Some(c) = e.customer.iter().find(|&&c| c as usize >= n) {
        return bad("events.customer", format!("index {c} is outside the {n} customers"));
    }
    Ok(())
}
