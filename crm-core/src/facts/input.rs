//! The columnar input of the facts computation and its builder.

use std::collections::HashMap;

use crate::column::StrColumn;
use crate::model::{OrderStatus, Store};
use crate::money::Currency;
use crate::time::{to_micros, Instant};

/// Category index meaning "no category".
pub const NO_CATEGORY: u32 = u32::MAX;
/// Timestamp meaning "never" (e.g. a cart that never converted).
pub const NEVER: i64 = i64::MAX;

/// One row per order. Customer ids are dense indexes into [`FactsInput::customer_ids`];
/// instants are µs since the Unix epoch (UTC); money is minor units.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderColumns {
    /// Dense customer index.
    pub customer: Vec<u32>,
    /// When the order was placed (µs).
    pub placed_at: Vec<i64>,
    /// Order total.
    pub total: Vec<i64>,
    /// Discount on the order (order level plus line level).
    pub discount: Vec<i64>,
    /// Amount refunded as of the facts instant.
    pub refunded: Vec<i64>,
    /// Lifecycle status.
    pub status: Vec<OrderStatus>,
    /// Index into [`FactsInput::currencies`].
    pub currency: Vec<u16>,
}

impl OrderColumns {
    /// Number of orders.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True when there are no orders.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }
}

/// One row per order line: which order (row in [`OrderColumns`]), top-level category, net amount.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineColumns {
    /// Row of the order in [`OrderColumns`].
    pub order: Vec<u32>,
    /// Index into [`FactsInput::categories`], or [`NO_CATEGORY`].
    pub category: Vec<u32>,
    /// `quantity × unit_price − line discount`.
    pub net: Vec<i64>,
}

/// One row per cart of a known customer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CartColumns {
    /// Dense customer index.
    pub customer: Vec<u32>,
    /// Creation time (µs).
    pub created_at: Vec<i64>,
    /// Last update (µs).
    pub updated_at: Vec<i64>,
    /// Conversion time (µs), or [`NEVER`].
    pub converted_at: Vec<i64>,
}

/// One row per behavioural event of a known customer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventColumns {
    /// Dense customer index.
    pub customer: Vec<u32>,
    /// When it happened (µs).
    pub at: Vec<i64>,
}

/// Everything the facts computation reads, as columns.
///
/// `customer_ids` is sorted and unique, so dense index order is id order and the
/// output needs no sort. Build it with [`FactsInputBuilder`], which also groups
/// orders, carts and events by customer and lines by order: the computation is
/// correct for rows in any order, and fastest (sequential memory access) when
/// they are grouped so.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FactsInput {
    /// Customer keys, sorted ascending (byte order), unique.
    pub customer_ids: StrColumn,
    /// Account creation time per customer (µs), or [`NEVER`] when unknown.
    pub customer_created_at: Vec<i64>,
    /// Orders.
    pub orders: OrderColumns,
    /// Order lines.
    pub lines: LineColumns,
    /// Carts.
    pub carts: CartColumns,
    /// Events.
    pub events: EventColumns,
    /// Top-level category names, indexed by [`LineColumns::category`].
    pub categories: Vec<String>,
    /// Currencies, indexed by [`OrderColumns::currency`].
    pub currencies: Vec<Currency>,
}

/// One order for [`FactsInputBuilder::add_order`].
#[derive(Clone, Copy, Debug)]
pub struct OrderRow<'a> {
    /// Customer key (a guest's key is `guest:` + e-mail or phone).
    pub customer: &'a str,
    /// When placed (µs).
    pub placed_at: i64,
    /// Total.
    pub total: i64,
    /// Discount (order plus lines).
    pub discount: i64,
    /// Refunded as of the facts instant.
    pub refunded: i64,
    /// Status.
    pub status: OrderStatus,
    /// Currency.
    pub currency: Currency,
}

/// Builds a [`FactsInput`], interning customer keys, categories and currencies.
///
/// ```
/// use crm_core::facts::{FactsInputBuilder, OrderRow};
/// use crm_core::model::OrderStatus;
/// use crm_core::money::Currency;
/// let eur = Currency::new("EUR")?;
/// let mut b = FactsInputBuilder::new();
/// let row = b.add_order(OrderRow { customer: "zoe", placed_at: 0, total: 100, discount: 0,
///                                  refunded: 0, status: OrderStatus::Paid, currency: eur });
/// b.add_line(row, Some("Home"), 100);
/// b.add_customer("adam", None);
/// let input = b.finish();
/// assert_eq!(input.customer_ids.to_vec(), ["adam", "zoe"]);
/// assert_eq!(input.orders.customer, [1]);
/// # Ok::<(), crm_core::money::MoneyError>(())
/// ```
#[derive(Debug, Default)]
pub struct FactsInputBuilder {
    ids: HashMap<String, u32>,
    keys: Vec<String>,
    input: FactsInput,
    category_ids: HashMap<String, u32>,
}

impl FactsInputBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        FactsInputBuilder::default()
    }

    /// The dense index of `key`, interning it if new.
    pub fn customer(&mut self, key: &str) -> u32 {
        if let Some(&i) = self.ids.get(key) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.ids.insert(key.to_string(), i);
        self.keys.push(key.to_string());
        self.input.customer_created_at.push(NEVER);
        i
    }

    /// Registers a customer record (so customers without activity get a row too).
    pub fn add_customer(&mut self, key: &str, created_at: Option<i64>) -> u32 {
        let i = self.customer(key);
        if let Some(t) = created_at {
            let slot = &mut self.input.customer_created_at[i as usize];
            *slot = (*slot).min(t);
        }
        i
    }

    fn currency(&mut self, c: Currency) -> u16 {
        match self.input.currencies.iter().position(|x| *x == c) {
            Some(i) => i as u16,
            None => {
                self.input.currencies.push(c);
                (self.input.currencies.len() - 1) as u16
            }
        }
    }

    /// The index of a top-level category, interning it if new.
    pub fn category(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.category_ids.get(name) {
            return i;
        }
        let i = self.input.categories.len() as u32;
        self.category_ids.insert(name.to_string(), i);
        self.input.categories.push(name.to_string());
        i
    }

    /// Adds an order; returns its row (for [`FactsInputBuilder::add_line`]).
    pub fn add_order(&mut self, row: OrderRow<'_>) -> u32 {
        let c = self.customer(row.customer);
        let cur = self.currency(row.currency);
        let o = &mut self.input.orders;
        o.customer.push(c);
        o.placed_at.push(row.placed_at);
        o.total.push(row.total);
        o.discount.push(row.discount);
        o.refunded.push(row.refunded);
        o.status.push(row.status);
        o.currency.push(cur);
        (o.customer.len() - 1) as u32
    }

    /// Adds a line of order `order_row` with its top-level category and net amount.
    pub fn add_line(&mut self, order_row: u32, category: Option<&str>, net: i64) {
        let cat = category.map_or(NO_CATEGORY, |c| self.category(c));
        let l = &mut self.input.lines;
        l.order.push(order_row);
        l.category.push(cat);
        l.net.push(net);
    }

    /// Adds a cart of a customer; `converted_at` is `None` when it never converted.
    pub fn add_cart(&mut self, customer: &str, created_at: i64, updated_at: i64, converted_at: Option<i64>) {
        let c = self.customer(customer);
        let k = &mut self.input.carts;
        k.customer.push(c);
        k.created_at.push(created_at);
        k.updated_at.push(updated_at);
        k.converted_at.push(converted_at.unwrap_or(NEVER));
    }

    /// Adds a behavioural event of a customer.
    pub fn add_event(&mut self, customer: &str, at: i64) {
        let c = self.customer(customer);
        self.input.events.customer.push(c);
        self.input.events.at.push(at);
    }

    /// Sorts the customer keys, renumbers every customer column to match, and
    /// groups orders, carts and events by customer and lines by order (stably).
    pub fn finish(self) -> FactsInput {
        let FactsInputBuilder { keys, mut input, .. } = self;
        let n = keys.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
        let mut remap = vec![0u32; n];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        let mut ids = StrColumn::with_capacity(n, keys.iter().map(String::len).sum());
        for &old in &order {
            ids.push(&keys[old as usize]);
        }
        input.customer_ids = ids;
        input.customer_created_at = order.iter().map(|&old| input.customer_created_at[old as usize]).collect();
        for col in [&mut input.orders.customer, &mut input.carts.customer, &mut input.events.customer] {
            for c in col.iter_mut() {
                *c = remap[*c as usize];
            }
        }

        input.group_by_customer();
        input
    }
}

impl FactsInput {
    /// Groups orders, carts and events by customer and lines by order
    /// (stable counting sorts), as [`FactsInputBuilder::finish`] leaves them:
    /// passes over customers then read memory in order. Results do not change.
    pub fn group_by_customer(&mut self) {
        let n = self.customer_ids.len();
        if let Some(perm) = grouping(&self.orders.customer, n) {
            let o = &mut self.orders;
            permute(&mut o.customer, &perm);
            permute(&mut o.placed_at, &perm);
            permute(&mut o.total, &perm);
            permute(&mut o.discount, &perm);
            permute(&mut o.refunded, &perm);
            permute(&mut o.status, &perm);
            permute(&mut o.currency, &perm);
            let mut new_row = vec![0u32; perm.len()];
            for (new, &old) in perm.iter().enumerate() {
                new_row[old as usize] = new as u32;
            }
            for r in self.lines.order.iter_mut() {
                *r = new_row[*r as usize];
            }
        }
        if let Some(perm) = grouping(&self.lines.order, self.orders.len()) {
            let l = &mut self.lines;
            permute(&mut l.order, &perm);
            permute(&mut l.category, &perm);
            permute(&mut l.net, &perm);
        }
        if let Some(perm) = grouping(&self.carts.customer, n) {
            let k = &mut self.carts;
            permute(&mut k.customer, &perm);
            permute(&mut k.created_at, &perm);
            permute(&mut k.updated_at, &perm);
            permute(&mut k.converted_at, &perm);
        }
        if let Some(perm) = grouping(&self.events.customer, n) {
            permute(&mut self.events.customer, &perm);
            permute(&mut self.events.at, &perm);
        }
    }
}

/// The stable permutation (new row → old row) that groups `keys` (each below
/// `buckets`) in ascending order, by counting sort; `None` when already grouped.
fn grouping(keys: &[u32], buckets: usize) -> Option<Vec<u32>> {
    if keys.windows(2).all(|w| w[0] <= w[1]) {
        return None;
    }
    let mut start = vec![0u32; buckets + 1];
    for &k in keys {
        start[k as usize + 1] += 1;
    }
    for i in 0..buckets {
        start[i + 1] += start[i];
    }
    let mut perm = vec![0u32; keys.len()];
    for (row, &k) in keys.iter().enumerate() {
        let slot = &mut start[k as usize];
        perm[*slot as usize] = row as u32;
        *slot += 1;
    }
    Some(perm)
}

fn permute<T: Copy>(col: &mut Vec<T>, perm: &[u32]) {
    *col = perm.iter().map(|&old| col[old as usize]).collect();
}

/// The status of an order as of an instant, given `refunded_by_then` (the
/// refunds made at or before it) and whether the order has refunds at all:
/// refunds that reach the total make it `refunded`, smaller ones `partially_refunded`,
/// and a refunded order whose refunds all come later was simply `paid` then.
/// Other statuses, and a `refunded` order without refund records, stay as they are.
///
/// ```
/// use crm_core::facts::status_as_of;
/// use crm_core::model::OrderStatus::*;
/// assert_eq!(status_as_of(Refunded, 1000, 400, true), PartiallyRefunded); // only 400 refunded so far
/// assert_eq!(status_as_of(PartiallyRefunded, 1000, 0, true), Paid);      // the refund comes later
/// assert_eq!(status_as_of(Refunded, 1000, 0, false), Refunded);           // no records: taken as in full
/// ```
pub fn status_as_of(status: OrderStatus, total: i64, refunded_by_then: i64, has_refunds: bool) -> OrderStatus {
    match status {
        OrderStatus::Refunded | OrderStatus::PartiallyRefunded if refunded_by_then > 0 => {
            if refunded_by_then >= total {
                OrderStatus::Refunded
            } else {
                OrderStatus::PartiallyRefunded
            }
        }
        OrderStatus::Refunded | OrderStatus::PartiallyRefunded if has_refunds => OrderStatus::Paid,
        s => s,
    }
}

/// The facts key of an order or cart owner: the customer id, else
/// `guest:` + lower-cased e-mail, else `guest:` + phone.
pub(crate) fn owner_key(customer_id: Option<&str>, contact: Option<&crate::model::Contact>) -> Option<String> {
    if let Some(id) = customer_id {
        return Some(id.to_string());
    }
    let c = contact?;
    guest_key(c.email.as_deref(), c.phone.as_deref())
}

/// The facts key of a guest (an order or cart without a customer id):
/// `guest:` + the lower-cased e-mail, else `guest:` + the phone; `None`
/// when both are missing or empty.
///
/// ```
/// use crm_core::facts::guest_key;
/// assert_eq!(guest_key(Some("Ayse@Example.COM"), Some("+90 555")).as_deref(), Some("guest:ayse@example.com"));
/// assert_eq!(guest_key(Some(""), Some("+90 555")).as_deref(), Some("guest:+90 555"));
/// assert_eq!(guest_key(None, None), None);
/// ```
pub fn guest_key(email: Option<&str>, phone: Option<&str>) -> Option<String> {
    if let Some(e) = email.filter(|e| !e.is_empty()) {
        return Some(format!("guest:{}", e.to_lowercase()));
    }
    phone.filter(|p| !p.is_empty()).map(|p| format!("guest:{p}"))
}

impl FactsInput {
    /// Columns from a validated store, with refunds and status resolved as of `as_of`:
    /// an order whose refunds at or before `as_of` reach its total is fully refunded,
    /// one with some refunds then is partially refunded, and a refunded order
    /// whose refunds all come later was simply paid at `as_of`.
    pub fn from_store(store: &Store, as_of: Instant) -> FactsInput {
        let mut b = FactsInputBuilder::new();
        for c in &store.customers {
            b.add_customer(&c.id, Some(to_micros(c.created_at)));
        }
        for o in &store.orders {
            let Some(key) = owner_key(o.customer_id.as_deref(), o.contact.as_ref()) else {
                continue;
            };
            let refunded = o.refunded_as_of(as_of);
            let status = status_as_of(o.status, o.total, refunded, !o.refunds.is_empty());
            let line_discount = o.lines.iter().fold(0i64, |a, l| a.saturating_add(l.discount));
            let row = b.add_order(OrderRow {
                customer: &key,
                placed_at: to_micros(o.placed_at),
                total: o.total,
                discount: o.discount.saturating_add(line_discount),
                refunded,
                status,
                currency: o.currency,
            });
            for l in &o.lines {
                b.add_line(row, l.top_category(), l.net().unwrap_or(0));
            }
        }
        for k in &store.carts {
            let Some(key) = owner_key(k.customer_id.as_deref(), k.contact.as_ref()) else {
                continue;
            };
            b.add_cart(&key, to_micros(k.created_at), to_micros(k.updated_at), k.conversion_time().map(to_micros));
        }
        for e in &store.events {
            if let Some(c) = e.customer_id.as_deref() {
                b.add_event(c, to_micros(e.at));
            }
        }
        b.finish()
    }
}
