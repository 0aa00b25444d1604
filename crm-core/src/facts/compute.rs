//! The facts computation: one pass over each input column.

use crate::facts::input::{FactsInput, NEVER, NO_CATEGORY};
use crate::facts::output::CustomerFacts;
use crate::facts::{FactsError, FactsOptions};
use crate::model::{OrderStatus, Store};
use crate::money::{div_round_half_even, Currency, Money};
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
fn counts(status: OrderStatus, total: i64, refunded: i64) -> bool {
    matches!(status, OrderStatus::Paid | OrderStatus::Fulfilled | OrderStatus::PartiallyRefunded)
        && (refunded < total || total == 0)
}

/// The refunded amount to use: a `refunded` status means refunded in full,
/// even when the amount column does not say so.
#[inline]
fn effective_refund(status: OrderStatus, total: i64, refunded: i64) -> i64 {
    if status == OrderStatus::Refunded {
        refunded.max(total)
    } else {
        refunded
    }
}

fn floor_days(micros: i64) -> i64 {
    micros.div_euclid(MICROS_PER_DAY)
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

    // Per-currency conversion into the reporting currency, if rates were given.
    let target: Option<Currency> = options.rates.as_ref().map(|r| r.target());
    let convert = |cid: u32, cur: u16, amount: i64| -> Result<i64, FactsError> {
        match &options.rates {
            None => Ok(amount),
            Some(r) => r
                .convert(Money::new(amount, input.currencies[cur as usize]))
                .map(|m| m.amount)
                .map_err(|e| FactsError::Money { customer_id: input.customer_ids[cid as usize].clone(), source: e }),
        }
    };
    let needs_conversion = target.is_some_and(|t| input.currencies.iter().any(|c| *c != t));

    let mut first_order = vec![NEVER; n];
    let mut last_order = vec![i64::MIN; n];
    let mut count = vec![0u32; n];
    let mut spend = vec![0i64; n];
    let mut discounted = vec![0u32; n];
    let mut refund_count = vec![0u32; n];
    let mut refund_amount = vec![0i64; n];
    let mut currency = vec![NO_CURRENCY; n];
    let mut first_seen: Vec<i64> =
        input.customer_created_at.iter().map(|&t| if t <= as_of { t } else { NEVER }).collect();
    let mut last_activity: Vec<i64> = first_seen.iter().map(|&t| if t == NEVER { i64::MIN } else { t }).collect();
    let mut order_counted = vec![false; o.len()];
    let mut mixed: Option<u32> = None;
    let overflow = |cid: u32, operation: &'static str| FactsError::Money {
        customer_id: input.customer_ids[cid as usize].clone(),
        source: crate::money::MoneyError::Overflow { operation },
    };

    for i in 0..o.len() {
        let t = o.placed_at[i];
        if t > as_of {
            continue;
        }
        let c = o.customer[i];
        let cu = c as usize;
        first_seen[cu] = first_seen[cu].min(t);
        last_activity[cu] = last_activity[cu].max(t);
        let total = o.total[i];
        let status = o.status[i];
        let refunded = if status == OrderStatus::Refunded { o.refunded[i].max(total) } else { o.refunded[i] };
        let counted = counts(status, total, refunded);
        if !counted && refunded <= 0 {
            continue;
        }
        let cur = o.currency[i];
        if target.is_none() {
            match currency[cu] {
                NO_CURRENCY => currency[cu] = cur,
                prev if prev != cur => {
                    mixed = Some(mixed.map_or(c, |m: u32| m.min(c)));
                    continue;
                }
                _ => {}
            }
        }
        let (total, refunded) =
            if needs_conversion { (convert(c, cur, total)?, convert(c, cur, refunded)?) } else { (total, refunded) };
        if refunded > 0 {
            refund_count[cu] += 1;
            refund_amount[cu] = refund_amount[cu].checked_add(refunded).ok_or_else(|| overflow(c, "add"))?;
        }
        if counted {
            order_counted[i] = true;
            count[cu] += 1;
            let net = total - refunded;
            spend[cu] = spend[cu].checked_add(net).ok_or_else(|| overflow(c, "add"))?;
            first_order[cu] = first_order[cu].min(t);
            last_order[cu] = last_order[cu].max(t);
            if o.discount[i] > 0 {
                discounted[cu] += 1;
            }
        }
    }

    if let Some(c) = mixed {
        return Err(mixed_currencies(input, c, as_of));
    }

    // Carts: abandoned when idle long enough and not converted by `as_of`.
    let k = &input.carts;
    let mut abandoned = vec![0u32; n];
    let mut last_abandoned = vec![i64::MIN; n];
    let idle_cutoff = as_of.saturating_sub(options.abandon_after_micros);
    for i in 0..k.customer.len() {
        let cu = k.customer[i] as usize;
        if k.created_at[i] <= as_of {
            first_seen[cu] = first_seen[cu].min(k.created_at[i]);
        }
        let updated = k.updated_at[i];
        if updated <= as_of {
            last_activity[cu] = last_activity[cu].max(updated);
            if updated <= idle_cutoff && k.converted_at[i] > as_of {
                abandoned[cu] += 1;
                last_abandoned[cu] = last_abandoned[cu].max(updated);
            }
        }
    }

    let e = &input.events;
    for i in 0..e.customer.len() {
        let t = e.at[i];
        if t <= as_of {
            let cu = e.customer[i] as usize;
            first_seen[cu] = first_seen[cu].min(t);
            last_activity[cu] = last_activity[cu].max(t);
        }
    }

    let (spend_by_category, distinct, top) = category_spend(input, &order_counted, needs_conversion, &convert)?;

    let opt = |v: i64, none: i64| if v == none { None } else { Some(v) };
    let mut f = CustomerFacts { customer_id: input.customer_ids.clone(), ..CustomerFacts::default() };
    for cu in 0..n {
        let cnt = count[cu];
        f.first_order_at.push(opt(first_order[cu], NEVER));
        f.last_order_at.push(opt(last_order[cu], i64::MIN));
        f.order_count.push(cnt);
        f.net_spend.push(spend[cu]);
        f.currency.push(match (target, currency[cu]) {
            (Some(t), _) => Some(t),
            (None, NO_CURRENCY) => None,
            (None, idx) => Some(input.currencies[idx as usize]),
        });
        f.average_order_value
            .push((cnt > 0).then(|| div_round_half_even(i128::from(spend[cu]), i128::from(cnt)) as i64));
        f.days_since_last_order.push(opt(last_order[cu], i64::MIN).map(|t| floor_days(as_of - t)));
        f.tenure_days.push(opt(first_seen[cu], NEVER).map(|t| floor_days(as_of - t)));
        f.discounted_order_share.push((cnt > 0).then(|| f64::from(discounted[cu]) / f64::from(cnt)));
        f.refund_count.push(refund_count[cu]);
        f.refund_amount.push(refund_amount[cu]);
        f.abandoned_cart_count.push(abandoned[cu]);
        f.last_abandoned_at.push(opt(last_abandoned[cu], i64::MIN));
        f.last_activity_at.push(opt(last_activity[cu], i64::MIN));
    }
    f.spend_by_category = spend_by_category;
    f.distinct_categories = distinct;
    f.top_category = top;
    Ok(f)
}

/// The error for the first customer (in id order) whose money facts mix
/// currencies, naming their two smallest currency codes, so that the error
/// does not depend on input order.
fn mixed_currencies(input: &FactsInput, customer: u32, as_of: i64) -> FactsError {
    let o = &input.orders;
    let mut seen: Vec<Currency> = (0..o.len())
        .filter(|&i| o.customer[i] == customer && o.placed_at[i] <= as_of)
        .filter(|&i| {
            let refunded = effective_refund(o.status[i], o.total[i], o.refunded[i]);
            counts(o.status[i], o.total[i], refunded) || refunded > 0
        })
        .map(|i| input.currencies[o.currency[i] as usize])
        .collect();
    seen.sort_unstable();
    seen.dedup();
    FactsError::MixedCurrencies {
        customer_id: input.customer_ids[customer as usize].clone(),
        first: seen.first().copied().unwrap_or(input.currencies[0]),
        second: seen.get(1).copied().unwrap_or(input.currencies[0]),
    }
}

type CategoryColumns = (Vec<Vec<(String, i64)>>, Vec<u32>, Vec<Option<String>>);

/// Line nets of counted orders per (customer, top-level category).
#[allow(clippy::needless_range_loop)]
fn category_spend(
    input: &FactsInput,
    order_counted: &[bool],
    needs_conversion: bool,
    convert: &dyn Fn(u32, u16, i64) -> Result<i64, FactsError>,
) -> Result<CategoryColumns, FactsError> {
    let n = input.customer_ids.len();
    let l = &input.lines;
    // Rank categories by name so that per-customer lists come out name-sorted.
    let mut by_name: Vec<u32> = (0..input.categories.len() as u32).collect();
    by_name.sort_unstable_by(|&a, &b| input.categories[a as usize].cmp(&input.categories[b as usize]));
    let mut rank = vec![0u32; input.categories.len()];
    for (r, &c) in by_name.iter().enumerate() {
        rank[c as usize] = r as u32;
    }
    let mut keyed: Vec<(u64, i64)> = Vec::new();
    for i in 0..l.order.len() {
        let row = l.order[i] as usize;
        let cat = l.category[i];
        if cat == NO_CATEGORY || !order_counted[row] {
            continue;
        }
        let c = input.orders.customer[row];
        let net = if needs_conversion { convert(c, input.orders.currency[row], l.net[i])? } else { l.net[i] };
        keyed.push(((u64::from(c) << 32) | u64::from(rank[cat as usize]), net));
    }
    keyed.sort_unstable_by_key(|&(k, _)| k);
    let mut spend: Vec<Vec<(String, i64)>> = vec![Vec::new(); n];
    let mut j = 0;
    while j < keyed.len() {
        let key = keyed[j].0;
        let mut sum: i64 = 0;
        while j < keyed.len() && keyed[j].0 == key {
            sum = sum.saturating_add(keyed[j].1);
            j += 1;
        }
        let c = (key >> 32) as usize;
        let cat = by_name[(key & 0xffff_ffff) as usize] as usize;
        spend[c].push((input.categories[cat].clone(), sum));
    }
    let distinct = spend.iter().map(|s| s.len() as u32).collect();
    let top = spend
        .iter()
        .map(|s| {
            // Highest spend; on ties the first (smallest) name, since lists are name-sorted.
            s.iter()
                .fold(None::<&(String, i64)>, |best, x| match best {
                    Some(b) if b.1 >= x.1 => Some(b),
                    _ => Some(x),
                })
                .map(|(name, _)| name.clone())
        })
        .collect();
    Ok((spend, distinct, top))
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
    if let Some(c) = l.category.iter().find(|&&c| c != NO_CATEGORY && c as usize >= input.categories.len()) {
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
