//! Reading the order-line, cart, event and customer tables.

use arrow_array::RecordBatchReader;
use crm_core::error::Error;
use crm_core::facts::{NEVER, NO_CATEGORY};
use crm_core::model::{ModelError, RecordKind};

use super::{build::*, names::*, rows::*};
use crate::arrow_in::{DictCache, IntCol, KeyCol, Kind, StrCol, TimeCol};
use crate::errors::invalid_input;

impl Build<'_> {
    pub(super) fn read_lines(&mut self, reader: Box<dyn RecordBatchReader + Send>) -> Result<(), Error> {
        let l = layout(
            &reader.schema(),
            "order_lines",
            self.names,
            &[
                ("order_id", Kind::Key, true),
                ("category", Kind::Text, false),
                ("quantity", Kind::Count, true),
                ("unit_price", Kind::Money, true),
                ("discount", Kind::Money, false),
            ],
            self.opts.naive,
        )?;
        if self.order_ids.len() != self.orders.customer.len() {
            let name = self.names.get("orders", "order_id");
            return Err(invalid_input(
                format!("orders.{name}"),
                format!("column `{name}` is needed to match order_lines to orders"),
            ));
        }
        let (f_oid, f_q, f_p, f_d) = (
            l.name("order_id").to_string(),
            l.name("quantity").to_string(),
            l.name("unit_price").to_string(),
            l.name("discount").to_string(),
        );
        let mut cat_cache: DictCache<u32> = DictCache::new();
        let mut idbuf = String::new();
        let mut hint = 0usize;
        Self::batches(reader, "order_lines", |batch, base| {
            let col = |field: &str| l.idx(field).map(|i| batch.column(i));
            let bad_col = |field: &str| invalid_input(format!("order_lines.{}", l.name(field)), "unreadable column");
            let oid =
                KeyCol::new(col("order_id").ok_or_else(|| bad_col("order_id"))?).ok_or_else(|| bad_col("order_id"))?;
            let category = col("category").and_then(StrCol::new);
            let qty =
                IntCol::new(col("quantity").ok_or_else(|| bad_col("quantity"))?).ok_or_else(|| bad_col("quantity"))?;
            let price = IntCol::new(col("unit_price").ok_or_else(|| bad_col("unit_price"))?)
                .ok_or_else(|| bad_col("unit_price"))?;
            let disc = col("discount").and_then(IntCol::new);
            if let Some(c) = &category {
                cat_cache.reset_for(c);
            }
            for i in 0..batch.num_rows() {
                let row = base + i;
                let field = |name: &str| format!("order_lines[{row}].{name}");
                let Some(id) = oid.get(i, &mut idbuf) else {
                    self.errors.push(invalid(
                        rec(RecordKind::Document, 0, None),
                        &field(&f_oid),
                        "null",
                        "a line needs an order id",
                    ));
                    continue;
                };
                let Some(order) = self.order_ids.find(id, hint) else {
                    self.errors.push(invalid(
                        rec(RecordKind::Document, 0, None),
                        &field(&f_oid),
                        id,
                        "no order with this id in `orders`",
                    ));
                    continue;
                };
                hint = order;
                let r = || rec(RecordKind::Order, order, std::str::from_utf8(self.order_ids.get(order)).ok());
                let cur = self.orders.currency[order];
                let exponent = self.currencies.get(cur as usize).map_or(2, |c| c.minor_unit_exponent());
                let q = match qty.get(i) {
                    Some(q) if q >= 1 => q as i64,
                    Some(q) => {
                        self.errors.push(ModelError::InvalidQuantity {
                            record: r(),
                            field: field(&f_q),
                            value: i64::try_from(q).unwrap_or(i64::MIN),
                        });
                        continue;
                    }
                    None => {
                        self.errors.push(invalid(r(), &field(&f_q), "null", "a line needs a quantity"));
                        continue;
                    }
                };
                let mut money = |c: Option<&IntCol<'_>>, name: &str, required: bool| -> Option<i64> {
                    let Some(c) = c else { return Some(0) };
                    match c.get(i) {
                        None if required => {
                            self.errors.push(invalid(r(), &field(name), "null", "required"));
                            None
                        }
                        None => Some(0),
                        Some(raw) => match c.minor(raw, exponent) {
                            Some(v) if v < 0 => {
                                self.errors.push(ModelError::NegativeAmount {
                                    record: r(),
                                    field: field(name),
                                    value: v,
                                });
                                None
                            }
                            Some(v) => Some(v),
                            None => {
                                self.errors.push(money_error(
                                    r(),
                                    &field(name),
                                    raw,
                                    c.scale(),
                                    exponent,
                                    cur,
                                    &self.currencies,
                                ));
                                None
                            }
                        },
                    }
                };
                let (Some(p), Some(d)) = (money(Some(&price), &f_p, true), money(disc.as_ref(), &f_d, false)) else {
                    continue;
                };
                let Some(net) = q.checked_mul(p).and_then(|g| g.checked_sub(d)) else {
                    self.errors.push(invalid(r(), &field(&f_p), p, "quantity × unit_price overflows"));
                    continue;
                };
                let cat = match &category {
                    None => NO_CATEGORY,
                    Some(c) => match c.dict_key(i) {
                        Some(None) => NO_CATEGORY,
                        Some(Some(k)) => match cat_cache.get(k) {
                            Some(v) => v,
                            None => {
                                let v = c.dict_value(k).map_or(NO_CATEGORY, |s| self.categories.intern(s));
                                cat_cache.set(k, v);
                                v
                            }
                        },
                        None => c.get(i).map_or(NO_CATEGORY, |s| self.categories.intern(s)),
                    },
                };
                self.lines.order.push(order as u32);
                self.lines.category.push(cat);
                self.lines.net.push(net);
            }
            if self.errors.full {
                return self.errors.check();
            }
            Ok(())
        })?;
        self.errors.check()
    }

    pub(super) fn read_carts(&mut self, reader: Box<dyn RecordBatchReader + Send>) -> Result<(), Error> {
        let l = layout(
            &reader.schema(),
            "carts",
            self.names,
            &[
                ("customer_id", Kind::Key, true),
                ("email", Kind::Text, false),
                ("phone", Kind::Key, false),
                ("created_at", Kind::Instant, true),
                ("updated_at", Kind::Instant, true),
                ("converted_at", Kind::Instant, false),
                ("converted_order_id", Kind::Key, false),
            ],
            self.opts.naive,
        )?;
        let (f_cust, f_c, f_u, f_k) = (
            l.name("customer_id").to_string(),
            l.name("created_at").to_string(),
            l.name("updated_at").to_string(),
            l.name("converted_at").to_string(),
        );
        let mut cache = DictCache::new();
        let mut idbuf = String::new();
        Self::batches(reader, "carts", |batch, base| {
            let col = |field: &str| l.idx(field).map(|i| batch.column(i));
            let bad_col = |field: &str| invalid_input(format!("carts.{}", l.name(field)), "unreadable column");
            let ids = KeyCol::new(col("customer_id").ok_or_else(|| bad_col("customer_id"))?)
                .ok_or_else(|| bad_col("customer_id"))?;
            let email = col("email").and_then(StrCol::new);
            let phone = col("phone").and_then(KeyCol::new);
            let created = TimeCol::new(col("created_at").ok_or_else(|| bad_col("created_at"))?)
                .ok_or_else(|| bad_col("created_at"))?;
            let updated = TimeCol::new(col("updated_at").ok_or_else(|| bad_col("updated_at"))?)
                .ok_or_else(|| bad_col("updated_at"))?;
            let converted = col("converted_at").and_then(TimeCol::new);
            let converted_id = col("converted_order_id").and_then(KeyCol::new);
            if let KeyCol::Str(s) = &ids {
                cache.reset_for(s);
            }
            for i in 0..batch.num_rows() {
                let row = base + i;
                let r = || rec(RecordKind::Cart, row, None);
                let Some(c) = self.owner(&ids, &mut cache, email.as_ref(), phone.as_ref(), i) else {
                    self.errors.push(invalid(
                        r(),
                        &f_cust,
                        "null",
                        "a guest cart needs an e-mail (or phone) to be keyed by",
                    ));
                    continue;
                };
                let mut time = |col: &TimeCol<'_>, field: &str| match col.get(i) {
                    Ok(Some(t)) => Some(t),
                    Ok(None) => {
                        self.errors.push(invalid(r(), field, "null", "required"));
                        None
                    }
                    Err(e) => {
                        self.errors.push(time_error(r(), field, e));
                        None
                    }
                };
                let (Some(c_at), Some(u_at)) = (time(&created, &f_c), time(&updated, &f_u)) else { continue };
                if u_at < c_at {
                    self.errors.push(invalid(r(), &f_u, u_at, "a cart cannot be updated before it was created"));
                    continue;
                }
                let conv_time = match converted.as_ref().map(|c| c.get(i)) {
                    None | Some(Ok(None)) => None,
                    Some(Ok(Some(t))) => Some(t),
                    Some(Err(e)) => {
                        self.errors.push(time_error(r(), &f_k, e));
                        continue;
                    }
                };
                // With a converted_order_id column, a cart converted when it is set
                // (at converted_at, else updated_at); without one, when converted_at is set.
                let conv = match &converted_id {
                    Some(k) => k.get(i, &mut idbuf).map(|_| conv_time.unwrap_or(u_at)),
                    None => conv_time,
                };
                let k = &mut self.carts;
                k.customer.push(c);
                k.created_at.push(c_at);
                k.updated_at.push(u_at);
                k.converted_at.push(conv.unwrap_or(NEVER));
            }
            if self.errors.full {
                return self.errors.check();
            }
            Ok(())
        })?;
        self.errors.check()
    }

    pub(super) fn read_events(&mut self, reader: Box<dyn RecordBatchReader + Send>) -> Result<(), Error> {
        let l = layout(
            &reader.schema(),
            "events",
            self.names,
            &[("customer_id", Kind::Key, true), ("at", Kind::Instant, true)],
            self.opts.naive,
        )?;
        let f_at = l.name("at").to_string();
        let mut cache = DictCache::new();
        Self::batches(reader, "events", |batch, base| {
            let col = |field: &str| l.idx(field).map(|i| batch.column(i));
            let bad_col = |field: &str| invalid_input(format!("events.{}", l.name(field)), "unreadable column");
            let ids = KeyCol::new(col("customer_id").ok_or_else(|| bad_col("customer_id"))?)
                .ok_or_else(|| bad_col("customer_id"))?;
            let at = TimeCol::new(col("at").ok_or_else(|| bad_col("at"))?).ok_or_else(|| bad_col("at"))?;
            if let KeyCol::Str(s) = &ids {
                cache.reset_for(s);
            }
            for i in 0..batch.num_rows() {
                // Events of anonymous visitors are not attributed.
                let Some(c) = self.owner(&ids, &mut cache, None, None, i) else { continue };
                match at.get(i) {
                    Ok(Some(t)) => {
                        self.events.customer.push(c);
                        self.events.at.push(t);
                    }
                    Ok(None) => {
                        self.errors.push(invalid(rec(RecordKind::Event, base + i, None), &f_at, "null", "required"))
                    }
                    Err(e) => self.errors.push(time_error(rec(RecordKind::Event, base + i, None), &f_at, e)),
                }
            }
            if self.errors.full {
                return self.errors.check();
            }
            Ok(())
        })?;
        self.errors.check()
    }

    pub(super) fn read_customers(&mut self, reader: Box<dyn RecordBatchReader + Send>) -> Result<(), Error> {
        let l = layout(
            &reader.schema(),
            "customers",
            self.names,
            &[("customer_id", Kind::Key, true), ("created_at", Kind::Instant, false)],
            self.opts.naive,
        )?;
        let (f_id, f_c) = (l.name("customer_id").to_string(), l.name("created_at").to_string());
        let mut cache = DictCache::new();
        Self::batches(reader, "customers", |batch, base| {
            let col = |field: &str| l.idx(field).map(|i| batch.column(i));
            let bad_col = |field: &str| invalid_input(format!("customers.{}", l.name(field)), "unreadable column");
            let ids = KeyCol::new(col("customer_id").ok_or_else(|| bad_col("customer_id"))?)
                .ok_or_else(|| bad_col("customer_id"))?;
            let created = col("created_at").and_then(TimeCol::new);
            if let KeyCol::Str(s) = &ids {
                cache.reset_for(s);
            }
            for i in 0..batch.num_rows() {
                let r = || rec(RecordKind::Customer, base + i, None);
                let Some(c) = self.owner(&ids, &mut cache, None, None, i) else {
                    self.errors.push(invalid(r(), &f_id, "null", "a customer needs an id"));
                    continue;
                };
                match created.as_ref().map(|t| t.get(i)) {
                    None | Some(Ok(None)) => {}
                    Some(Ok(Some(t))) => {
                        let slot = &mut self.created[c as usize];
                        *slot = (*slot).min(t);
                    }
                    Some(Err(e)) => self.errors.push(time_error(r(), &f_c, e)),
                }
            }
            if self.errors.full {
                return self.errors.check();
            }
            Ok(())
        })?;
        self.errors.check()
    }
}
