//! The store regrouped per recipient (a customer, or a guest known by a
//! contact), built once and independent of the planning instant.

use std::borrow::Cow;

use crate::facts::guest_key;
use crate::hash::FastMap;
use crate::model::{Cart, Contact, Customer, EventKind, Order, OrderStatus, Store};
use crate::time::{from_micros, to_micros, Instant};

use chrono::TimeDelta;

/// One recipient: a store customer, an unknown customer id named by a record,
/// or a guest (`guest:` + e-mail or phone, as in the facts). Its key is
/// [`StoreIndex::key`].
pub(crate) struct Recipient<'a> {
    pub customer: Option<&'a Customer>,
}

/// An order of a recipient, in time order.
#[derive(Clone, Copy)]
pub(crate) struct OrderRef {
    /// The order's instant in µs (floored) and the nanoseconds beyond.
    pub at: i64,
    nanos: u16,
    pub index: u32,
    pub paid: bool,
}

impl OrderRef {
    /// The instant the order was placed, exactly.
    pub fn instant(&self) -> Instant {
        exact(self.at, self.nanos)
    }
}

/// A cart of a recipient: what instance discovery needs without reading the cart.
#[derive(Clone, Copy)]
pub(crate) struct CartRef {
    /// The last update in µs (floored) and the nanoseconds beyond.
    pub at: i64,
    nanos: u16,
    /// Whether the cart has no items.
    pub empty: bool,
    index: u32,
    /// [`Cart::conversion_time`] in µs (floored; `i64::MAX` when it did not
    /// convert) and the nanoseconds beyond.
    converted_at: i64,
    converted_nanos: u16,
}

impl CartRef {
    /// The instant of the last update, exactly.
    pub fn instant(&self) -> Instant {
        exact(self.at, self.nanos)
    }

    /// When the cart converted, if it did, exactly.
    pub fn conversion_time(&self) -> Option<Instant> {
        (self.converted_at != i64::MAX).then(|| exact(self.converted_at, self.converted_nanos))
    }
}

/// An instant from floored µs and the nanoseconds beyond.
fn exact(micros: i64, nanos: u16) -> Instant {
    from_micros(micros).unwrap_or_default() + TimeDelta::nanoseconds(i64::from(nanos))
}

/// Floored µs and the nanoseconds beyond.
fn split(t: Instant) -> (i64, u16) {
    (to_micros(t), (t.timestamp_subsec_nanos() % 1000) as u16)
}

/// Records per recipient, each list in time order (ties of orders by id, others by position in the store).
pub(crate) struct StoreIndex<'a> {
    pub store: &'a Store,
    pub recipients: Vec<Recipient<'a>>,
    /// Recipient by key.
    by_key: FastMap<Cow<'a, str>, u32>,
    /// The recipients' keys one after the other
    /// (`key_text[key_start[r]..key_start[r + 1]]`): the planner reads them in
    /// recipient order, from one block of memory rather than from each
    /// customer's own allocation.
    key_text: String,
    key_start: Vec<usize>,
    /// Per recipient, so that the planner reads customer records only for
    /// the instances it keeps: sign-up (µs, floored; `i64::MIN` without a
    /// customer record) and birthday (`month << 5 | day`, 0 when unknown).
    pub signup_us: Vec<i64>,
    pub birthday: Vec<u16>,
    /// Per recipient, the last update of any cart (µs; `i64::MIN` without
    /// carts): most recipients have no recent cart, and their cart lists are not read.
    cart_last: Vec<i64>,
    /// Non-cancelled orders: `orders[order_start[r]..order_start[r + 1]]`.
    order_start: Vec<u32>,
    orders: Vec<OrderRef>,
    cart_start: Vec<u32>,
    /// Carts: `carts[cart_start[r]..cart_start[r + 1]]`, by update time.
    carts: Vec<CartRef>,
    event_start: Vec<u32>,
    events: Vec<u32>,
}

struct Keys<'a> {
    map: FastMap<Cow<'a, str>, u32>,
    recipients: Vec<Recipient<'a>>,
    /// The keys in recipient order, as in [`StoreIndex`].
    key_text: String,
    key_start: Vec<usize>,
    last: Option<(&'a str, u32)>,
}

impl<'a> Keys<'a> {
    fn id(&mut self, id: &'a str) -> u32 {
        if let Some((k, r)) = self.last {
            if k == id {
                return r;
            }
        }
        let r = match self.map.get(id) {
            Some(&r) => r,
            None => self.insert(Cow::Borrowed(id)),
        };
        self.last = Some((id, r));
        r
    }

    fn guest(&mut self, contact: Option<&Contact>) -> Option<u32> {
        let c = contact?;
        let key = guest_key(c.email.as_deref(), c.phone.as_deref())?;
        Some(match self.map.get(key.as_str()) {
            Some(&r) => r,
            None => self.insert(Cow::Owned(key)),
        })
    }

    fn insert(&mut self, key: Cow<'a, str>) -> u32 {
        let r = self.recipients.len() as u32;
        self.recipients.push(Recipient { customer: None });
        self.key_text.push_str(&key);
        self.key_start.push(self.key_text.len());
        self.map.insert(key, r);
        r
    }

    fn of(&mut self, customer_id: Option<&'a str>, contact: Option<&Contact>) -> Option<u32> {
        match customer_id {
            Some(id) => Some(self.id(id)),
            None => self.guest(contact),
        }
    }
}

/// The positions of the times in `[lo, hi]` among `n` times in ascending
/// order. Planning looks at recent records, so the scan runs backwards from
/// the last (the lists are laid out recipient after recipient, and a short
/// backward scan reads memory in order, where a binary search would jump).
fn recent_range(n: usize, at: impl Fn(usize) -> i64, lo: i64, hi: i64) -> std::ops::Range<usize> {
    let mut b = n;
    while b > 0 && at(b - 1) > hi {
        b -= 1;
    }
    let mut a = b;
    while a > 0 && at(a - 1) >= lo {
        a -= 1;
    }
    a..b
}

/// Groups `items` (record index, recipient) into offsets and indices per recipient.
fn group(n: usize, pairs: &[(u32, u32)]) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n + 1];
    for &(_, r) in pairs {
        start[r as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut out = vec![0u32; pairs.len()];
    for &(i, r) in pairs {
        out[fill[r as usize] as usize] = i;
        fill[r as usize] += 1;
    }
    (start, out)
}

impl<'a> StoreIndex<'a> {
    /// Indexes the store. `events` says whether behavioural events are needed
    /// (checkout and custom-event triggers).
    pub fn new(store: &'a Store, events: bool) -> StoreIndex<'a> {
        let mut keys = Keys {
            map: FastMap::with_capacity_and_hasher(store.customers.len(), Default::default()),
            recipients: Vec::new(),
            key_text: String::new(),
            key_start: vec![0],
            last: None,
        };
        for c in &store.customers {
            let r = keys.id(&c.id);
            keys.recipients[r as usize].customer = Some(c);
        }
        keys.last = None;
        let mut order_pairs = Vec::with_capacity(store.orders.len());
        for (i, o) in store.orders.iter().enumerate() {
            if o.status == OrderStatus::Cancelled {
                continue;
            }
            if let Some(r) = keys.of(o.customer_id.as_deref(), o.contact.as_ref()) {
                order_pairs.push((i as u32, r));
            }
        }
        let mut cart_pairs = Vec::new();
        for (i, c) in store.carts.iter().enumerate() {
            if let Some(r) = keys.of(c.customer_id.as_deref(), c.contact.as_ref()) {
                cart_pairs.push((i as u32, r));
            }
        }
        let mut event_pairs = Vec::new();
        if events {
            for (i, e) in store.events.iter().enumerate() {
                if matches!(e.kind, EventKind::CheckoutStarted | EventKind::Custom) {
                    if let Some(id) = e.customer_id.as_deref() {
                        event_pairs.push((i as u32, keys.id(id)));
                    }
                }
            }
        }
        let n = keys.recipients.len();
        let (order_start, order_idx) = group(n, &order_pairs);
        let mut orders: Vec<OrderRef> = order_idx
            .iter()
            .map(|&i| {
                let o = &store.orders[i as usize];
                let paid =
                    matches!(o.status, OrderStatus::Paid | OrderStatus::Fulfilled | OrderStatus::PartiallyRefunded);
                let (at, nanos) = split(o.placed_at);
                OrderRef { at, nanos, index: i, paid }
            })
            .collect();
        for r in 0..n {
            let (a, b) = (order_start[r] as usize, order_start[r + 1] as usize);
            // Equal instants by id, not by position: the plan must not depend on record order.
            orders[a..b].sort_by(|x, y| {
                let id = |o: &OrderRef| store.orders[o.index as usize].id.as_str();
                (x.at, id(x), x.index).cmp(&(y.at, id(y), y.index))
            });
        }
        let (cart_start, cart_idx) = group(n, &cart_pairs);
        let mut carts: Vec<CartRef> = cart_idx
            .iter()
            .map(|&i| {
                let c = &store.carts[i as usize];
                let (at, nanos) = split(c.updated_at);
                let (converted_at, converted_nanos) = c.conversion_time().map_or((i64::MAX, 0), split);
                CartRef { at, nanos, empty: c.items.is_empty(), index: i, converted_at, converted_nanos }
            })
            .collect();
        for r in 0..n {
            carts[cart_start[r] as usize..cart_start[r + 1] as usize]
                .sort_unstable_by_key(|c| (c.at, c.nanos, c.index));
        }
        let (event_start, mut events) = group(n, &event_pairs);
        for r in 0..n {
            let (a, b) = (event_start[r] as usize, event_start[r + 1] as usize);
            events[a..b].sort_by_key(|&i| (store.events[i as usize].at, i));
        }
        let signup_us =
            keys.recipients.iter().map(|r| r.customer.map_or(i64::MIN, |c| to_micros(c.created_at))).collect();
        let birthday = keys
            .recipients
            .iter()
            .map(|r| match r.customer.and_then(|c| c.birth_date) {
                Some(b) if (1..=12).contains(&b.month) && (1..=31).contains(&b.day) => (b.month << 5 | b.day) as u16,
                _ => 0,
            })
            .collect();
        let cart_last = (0..n)
            .map(
                |r| if cart_start[r] < cart_start[r + 1] { carts[cart_start[r + 1] as usize - 1].at } else { i64::MIN },
            )
            .collect();
        StoreIndex {
            cart_last,
            key_text: keys.key_text,
            key_start: keys.key_start,
            store,
            recipients: keys.recipients,
            by_key: keys.map,
            signup_us,
            birthday,
            order_start,
            orders,
            cart_start,
            carts,
            event_start,
            events,
        }
    }

    /// The recipient with this key (a customer id or a guest key), if any.
    pub fn recipient(&self, key: &str) -> Option<u32> {
        self.by_key.get(key).copied()
    }

    /// The key of recipient `r` (its customer id or guest key).
    pub fn key(&self, r: usize) -> &str {
        &self.key_text[self.key_start[r]..self.key_start[r + 1]]
    }

    pub fn orders(&self, r: usize) -> &[OrderRef] {
        &self.orders[self.order_start[r] as usize..self.order_start[r + 1] as usize]
    }

    /// The orders of a recipient placed in `[lo, hi]` (µs), in time order.
    pub fn orders_between(&self, r: usize, lo: i64, hi: i64) -> &[OrderRef] {
        let orders = self.orders(r);
        &orders[recent_range(orders.len(), |i| orders[i].at, lo, hi)]
    }

    pub fn order(&self, o: &OrderRef) -> &'a Order {
        &self.store.orders[o.index as usize]
    }

    /// The carts of a recipient last updated in `[lo, hi]` (µs), by update time.
    pub fn carts_between(&self, r: usize, lo: i64, hi: i64) -> &[CartRef] {
        if self.cart_last[r] < lo {
            return &[];
        }
        let carts = &self.carts[self.cart_start[r] as usize..self.cart_start[r + 1] as usize];
        &carts[recent_range(carts.len(), |i| carts[i].at, lo, hi)]
    }

    pub fn cart(&self, c: &CartRef) -> &'a Cart {
        &self.store.carts[c.index as usize]
    }

    pub fn events(&self, r: usize) -> impl Iterator<Item = (u32, &'a crate::model::Event)> + '_ {
        self.events[self.event_start[r] as usize..self.event_start[r + 1] as usize]
            .iter()
            .map(|&i| (i, &self.store.events[i as usize]))
    }
}
