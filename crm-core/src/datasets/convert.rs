//! From the generated columns to the record model ([`Store`]) and to the
//! facts input ([`FactsInput`]).

use std::collections::BTreeMap;

use crate::facts::{guest_key, status_as_of, FactsInput, FactsInputBuilder, OrderRow};
use crate::model::{
    Attribution, Cart, ConsentEvent, Contact, Customer, Event, LineItem, Location, Order, Refund, SalesChannel, Store,
};
use crate::time::{from_micros, Instant, TimeZone};

use super::tables::{cart_id, customer_id, order_id, GUEST};
use super::SampleStore;

/// An instant of the generated data (always in range: the options are validated).
fn instant(micros: i64) -> Instant {
    from_micros(micros).unwrap_or_default()
}

fn channel(name: &str) -> SalesChannel {
    match name {
        "web" => SalesChannel::Web,
        "mobile" => SalesChannel::Mobile,
        other => match other.strip_prefix("marketplace:") {
            Some(m) => SalesChannel::Marketplace { name: m.to_string() },
            None => SalesChannel::Other { name: other.to_string() },
        },
    }
}

impl SampleStore {
    /// The id of the owner of an order or cart: the customer's id, `None` for a guest.
    fn owner(&self, row: u32) -> Option<String> {
        (row != GUEST).then(|| customer_id(row))
    }

    fn line_item(&self, product: u32, quantity: u32, unit_price: i64, discount: i64) -> LineItem {
        let c = &self.catalog;
        let p = product as usize;
        LineItem {
            sku: Some(c.sku[p].clone()),
            product_id: Some(c.product_id[p].clone()),
            title: Some(c.title[p].clone()),
            category: vec![c.category[p].to_string(), c.subcategory[p].to_string()],
            brand: Some(c.brand[p].to_string()),
            quantity: i64::from(quantity),
            unit_price,
            discount,
            currency: None,
        }
    }

    /// The store as model records. It passes [`Store::validate`]: totals add
    /// up, refunds follow their orders, converted carts name their orders.
    pub fn to_store(&self) -> Store {
        let c = &self.customers;
        let customers = (0..c.len())
            .map(|i| Customer {
                id: customer_id(i as u32),
                created_at: instant(c.created_at[i]),
                email: c.email[i].clone(),
                phone: c.phone[i].clone(),
                first_name: Some(c.first_name[i].to_string()),
                last_name: Some(c.last_name[i].to_string()),
                birth_date: c.birth_date[i],
                gender: c.gender[i],
                location: Some(Location {
                    city: Some(c.city[i].to_string()),
                    region: None,
                    country: Some(c.country[i].to_string()),
                }),
                time_zone: c.time_zone[i].parse::<TimeZone>().ok(),
                locale: Some(c.locale[i].to_string()),
                tags: Vec::new(),
                attributes: BTreeMap::new(),
                income_tier: c.income_tier[i],
                store_id: None,
            })
            .collect();

        let o = &self.orders;
        let mut lines: Vec<Vec<LineItem>> = vec![Vec::new(); o.len()];
        let l = &self.order_lines;
        for i in 0..l.len() {
            lines[l.order[i] as usize].push(self.line_item(
                l.product[i],
                l.quantity[i],
                l.unit_price[i],
                l.discount[i],
            ));
        }
        let orders = lines
            .into_iter()
            .enumerate()
            .map(|(i, lines)| Order {
                id: order_id(i as u32),
                customer_id: self.owner(o.customer[i]),
                contact: o.email[i].as_ref().map(|e| Contact { email: Some(e.clone()), phone: None }),
                placed_at: instant(o.placed_at[i]),
                currency: o.currency[i],
                lines,
                subtotal: o.subtotal[i],
                discount: o.order_discount[i],
                shipping: o.shipping[i],
                tax: o.tax[i],
                taxes_included: o.taxes_included[i],
                total: o.total[i],
                coupon_codes: o.coupon_code[i].iter().map(|s| s.to_string()).collect(),
                status: o.status[i],
                refunds: match o.refunded_at[i] {
                    Some(at) if o.refunded[i] > 0 => {
                        vec![Refund { amount: o.refunded[i], at: instant(at), currency: None, reason: None }]
                    }
                    _ => Vec::new(),
                },
                channel: Some(channel(o.channel[i])),
                attribution: o.utm_source[i].map(|_| Attribution {
                    utm_source: o.utm_source[i].map(str::to_string),
                    utm_medium: o.utm_medium[i].map(str::to_string),
                    utm_campaign: o.utm_campaign[i].map(str::to_string),
                }),
                store_id: None,
            })
            .collect();

        let k = &self.carts;
        let mut items: Vec<Vec<LineItem>> = vec![Vec::new(); k.len()];
        let it = &self.cart_items;
        for i in 0..it.len() {
            items[it.cart[i] as usize].push(self.line_item(it.product[i], it.quantity[i], it.unit_price[i], 0));
        }
        let carts = items
            .into_iter()
            .enumerate()
            .map(|(i, items)| Cart {
                id: cart_id(i as u32),
                customer_id: self.owner(k.customer[i]),
                contact: k.email[i].as_ref().map(|e| Contact { email: Some(e.clone()), phone: None }),
                currency: k.currency[i],
                items,
                created_at: instant(k.created_at[i]),
                updated_at: instant(k.updated_at[i]),
                converted_order_id: k.converted_order[i].map(order_id),
                converted_at: k.converted_at[i].map(instant),
                store_id: None,
            })
            .collect();

        let g = &self.consents;
        let consents = (0..g.len())
            .map(|i| ConsentEvent {
                id: Some(format!("g{:08}", i + 1)),
                customer_id: customer_id(g.customer[i]),
                channel: g.channel[i],
                purpose: g.purpose[i],
                status: g.status[i],
                at: instant(g.at[i]),
                source: Some(g.source[i].to_string()),
                proof: Some(g.proof[i].clone()),
                recipient_type: g.recipient_type[i],
                reason: None,
            })
            .collect();

        let e = &self.events;
        let events = (0..e.len())
            .map(|i| {
                let mut properties = BTreeMap::new();
                if let Some(p) = e.product[i] {
                    properties.insert("product_id".into(), self.catalog.product_id[p as usize].clone().into());
                    properties.insert("category".into(), self.catalog.category[p as usize].into());
                }
                Event {
                    id: None,
                    customer_id: Some(customer_id(e.customer[i])),
                    anonymous_id: None,
                    kind: e.kind[i],
                    name: None,
                    at: instant(e.at[i]),
                    properties,
                }
            })
            .collect();
        Store { customers, orders, carts, consents, events }
    }

    /// The facts input as of `as_of_micros`, straight from the columns (no
    /// records are built). `compute_facts` on it gives the same facts as
    /// `customer_facts(&self.to_store(), as_of, …)`.
    ///
    /// ```
    /// use crm_core::datasets::{sample_store, SampleOptions};
    /// use crm_core::facts::{compute_facts, customer_facts, FactsOptions};
    /// use crm_core::time::{from_micros, parse_instant, to_micros};
    ///
    /// let s = sample_store(&SampleOptions { customers: 50, ..Default::default() })?;
    /// let as_of = parse_instant("2024-06-01T00:00:00Z")?;
    /// let fast = compute_facts(&s.to_facts_input(to_micros(as_of)), to_micros(as_of), &FactsOptions::default())?;
    /// let slow = customer_facts(&s.to_store(), as_of, &FactsOptions::default())?;
    /// assert_eq!(fast.net_spend, slow.net_spend);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_facts_input(&self, as_of_micros: i64) -> FactsInput {
        let mut b = FactsInputBuilder::new();
        let ids: Vec<String> = (0..self.customers.len() as u32).map(customer_id).collect();
        let key = |row: u32, email: Option<&String>| -> String {
            if row == GUEST {
                guest_key(email.map(String::as_str), None).unwrap_or_default()
            } else {
                ids[row as usize].clone()
            }
        };
        for (i, id) in ids.iter().enumerate() {
            b.add_customer(id, Some(self.customers.created_at[i]));
        }
        let o = &self.orders;
        for i in 0..o.len() {
            let has_refund = o.refunded[i] > 0 && o.refunded_at[i].is_some();
            let refunded = match o.refunded_at[i] {
                Some(at) if at <= as_of_micros => o.refunded[i],
                _ => 0,
            };
            let status = status_as_of(o.status[i], o.total[i], refunded, has_refund);
            let owner = key(o.customer[i], o.email[i].as_ref());
            b.add_order(OrderRow {
                customer: &owner,
                placed_at: o.placed_at[i],
                total: o.total[i],
                discount: o.discount[i],
                refunded,
                status,
                currency: o.currency[i],
            });
        }
        let l = &self.order_lines;
        for i in 0..l.len() {
            b.add_line(l.order[i], Some(self.catalog.category[l.product[i] as usize]), l.net(i));
        }
        let k = &self.carts;
        for i in 0..k.len() {
            let owner = key(k.customer[i], k.email[i].as_ref());
            let converted = k.converted_order[i].map(|_| k.converted_at[i].unwrap_or(k.updated_at[i]));
            b.add_cart(&owner, k.created_at[i], k.updated_at[i], converted);
        }
        let e = &self.events;
        for i in 0..e.len() {
            b.add_event(&ids[e.customer[i] as usize], e.at[i]);
        }
        b.finish()
    }
}
