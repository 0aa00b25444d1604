//! Reading the orders table.

use arrow_array::RecordBatchReader;
use crm_core::error::Error;
use crm_core::facts::NEVER;
use crm_core::model::{ModelError, OrderStatus, RecordKind};

use super::{build::*, names::*, rows::*};
use crate::arrow_in::{DictCache, IntCol, KeyCol, Kind, StrCol, TimeCol};
use crate::errors::invalid_input;
use crate::intern::NONE;

/// Why a row without a customer id cannot be keyed.
const GUEST_CONTACT: &str = "a guest order needs an e-mail (or phone) column value to be keyed by";

impl Build<'_> {
    pub(super) fn read_orders(&mut self, reader: Box<dyn RecordBatchReader + Send>) -> Result<(), Error> {
        let need_ids = self.opts.check_duplicates;
        let read_ids = need_ids || self.read_ids;
        let l = layout(
            &reader.schema(),
            "orders",
            self.names,
            &[
                ("order_id", Kind::Key, need_ids),
                ("customer_id", Kind::Key, true),
                ("email", Kind::Text, false),
                ("phone", Kind::Key, false),
                ("placed_at", Kind::Instant, true),
                ("total", Kind::Money, true),
                ("currency", Kind::Text, self.opts.default_currency.is_none()),
                ("status", Kind::Text, true),
                ("discount", Kind::Money, false),
                ("refunded", Kind::Money, false),
                ("refunded_at", Kind::Instant, false),
            ],
            self.opts.naive,
        )?;
        let default_cur = match self.opts.default_currency {
            Some(c) => Some(self.currency_index(c.code()).map_err(|_| invalid_input("default_currency", c.code()))?),
            None => None,
        };
        let as_of = self.opts.as_of;
        let mut id_cache = DictCache::new();
        let mut status_cache: DictCache<OrderStatus> = DictCache::new();
        let mut cur_cache: DictCache<u16> = DictCache::new();
        let mut idbuf = String::new();
        let mut pre_ids: Vec<u32> = Vec::new();
        let names: Vec<String> = [
            "order_id",
            "placed_at",
            "total",
            "currency",
            "status",
            "discount",
            "refunded",
            "refunded_at",
            "customer_id",
        ]
        .iter()
        .map(|f| l.name(f).to_string())
        .collect();
        let [f_id, f_placed, f_total, f_cur, f_status, f_disc, f_ref, f_ref_at, f_cust] = &names[..] else {
            return Err(invalid_input("orders", "internal: column names"));
        };
        Self::batches(reader, "orders", |batch, base| {
            let col = |field: &str| l.idx(field).map(|i| batch.column(i));
            let bad_col = |field: &str| invalid_input(format!("orders.{}", l.name(field)), "unreadable column");
            let order_id = match col("order_id").filter(|_| read_ids) {
                Some(a) => Some(KeyCol::new(a).ok_or_else(|| bad_col("order_id"))?),
                None => None,
            };
            let ids = KeyCol::new(col("customer_id").ok_or_else(|| bad_col("customer_id"))?)
                .ok_or_else(|| bad_col("customer_id"))?;
            let email = col("email").and_then(StrCol::new);
            let phone = col("phone").and_then(KeyCol::new);
            let placed = TimeCol::new(col("placed_at").ok_or_else(|| bad_col("placed_at"))?)
                .ok_or_else(|| bad_col("placed_at"))?;
            let total = IntCol::new(col("total").ok_or_else(|| bad_col("total"))?).ok_or_else(|| bad_col("total"))?;
            let currency = col("currency").and_then(StrCol::new);
            let status =
                StrCol::new(col("status").ok_or_else(|| bad_col("status"))?).ok_or_else(|| bad_col("status"))?;
            let discount = col("discount").and_then(IntCol::new);
            let refunded = col("refunded").and_then(IntCol::new);
            let refunded_at = col("refunded_at").and_then(TimeCol::new);
            if let Some(KeyCol::Str(s)) = Some(&ids) {
                id_cache.reset_for(s);
            }
            status_cache.reset_for(&status);
            if let Some(c) = &currency {
                cur_cache.reset_for(c);
            }
            let n = batch.num_rows();
            let o = &mut self.orders;
            o.customer.reserve(n);
            o.placed_at.reserve(n);
            o.total.reserve(n);
            o.discount.reserve(n);
            o.refunded.reserve(n);
            o.status.reserve(n);
            o.currency.reserve(n);
            if order_id.is_some() {
                self.order_ids.hashes.reserve(n);
                self.order_ids.offsets.reserve(n + 1);
            }
            // Plain string, dictionary and integer ids are interned on a
            // second thread (a batch at a time, overlapping cache misses)
            // while this one reads the other columns; rows with a null id
            // (guests) are keyed after the join.
            let errors_before = self.errors.list.len();
            let first_row = self.orders.customer.len();
            std::thread::scope(|scope| -> Result<(), Error> {
                let job = match &ids {
                    KeyCol::Str(col @ StrCol::Plain(_)) => {
                        let mut keys = std::mem::take(&mut self.keys);
                        let mut created = std::mem::take(&mut self.created);
                        let mut out = std::mem::take(&mut pre_ids);
                        out.clear();
                        Some(scope.spawn(move || {
                            keys.intern_many(n, |i| col.get(i), &mut out);
                            created.resize(keys.len(), NEVER);
                            (keys, created, out, None, None)
                        }))
                    }
                    // Dictionary ids: each dictionary entry is interned once (the cache is kept
                    // while batches share the dictionary), rows map through it, on this thread too.
                    KeyCol::Str(col @ StrCol::Dict { .. }) => {
                        let mut keys = std::mem::take(&mut self.keys);
                        let mut created = std::mem::take(&mut self.created);
                        let mut out = std::mem::take(&mut pre_ids);
                        let mut cache = std::mem::replace(&mut id_cache, DictCache::new());
                        out.clear();
                        Some(scope.spawn(move || {
                            out.extend((0..n).map(|i| match col.dict_key(i) {
                                Some(Some(k)) => cache.get(k).unwrap_or_else(|| match col.dict_value(k) {
                                    Some(v) => {
                                        let c = keys.intern(v);
                                        cache.set(k, c);
                                        c
                                    }
                                    None => NONE,
                                }),
                                _ => NONE,
                            }));
                            created.resize(keys.len(), NEVER);
                            (keys, created, out, Some(cache), None)
                        }))
                    }
                    // Integer ids: each number's text is interned once, rows map through the numbers.
                    KeyCol::Int(col) => {
                        let mut keys = std::mem::take(&mut self.keys);
                        let mut created = std::mem::take(&mut self.created);
                        let mut out = std::mem::take(&mut pre_ids);
                        let mut by_number = std::mem::take(&mut self.int_keys);
                        out.clear();
                        Some(scope.spawn(move || {
                            out.extend((0..n).map(|i| col.get(i).map_or(NONE, |v| by_number.id(v, &mut keys))));
                            created.resize(keys.len(), NEVER);
                            (keys, created, out, None, Some(by_number))
                        }))
                    }
                };
                let threaded = job.is_some();
                for i in 0..n {
                    let row = base + i;
                    let oid: Option<&str> = match &order_id {
                        Some(k) => {
                            let v = k.get(i, &mut idbuf);
                            match v {
                                Some(v) => {
                                    self.order_ids.push(v);
                                    Some(v)
                                }
                                None => {
                                    self.order_ids.push("");
                                    self.errors.push(invalid(
                                        rec(RecordKind::Order, row, None),
                                        f_id,
                                        "null",
                                        "an order needs an id",
                                    ));
                                    None
                                }
                            }
                        }
                        None => None,
                    };
                    let r = || rec(RecordKind::Order, row, oid);
                    let customer = if threaded {
                        0 // filled in after the join
                    } else {
                        match self.owner(&ids, &mut id_cache, email.as_ref(), phone.as_ref(), i) {
                            Some(c) => c,
                            None => {
                                self.errors.push(invalid(r(), f_cust, "null", GUEST_CONTACT));
                                0
                            }
                        }
                    };
                    let placed_at = match placed.get(i) {
                        Ok(Some(t)) => t,
                        Ok(None) => {
                            self.errors.push(invalid(r(), f_placed, "null", "an order needs placed_at"));
                            0
                        }
                        Err(e) => {
                            self.errors.push(time_error(r(), f_placed, e));
                            0
                        }
                    };
                    let cur = match &currency {
                        Some(c) => {
                            let cached = match c.dict_key(i) {
                                Some(Some(k)) => cur_cache.get(k).map(|v| (v, Some(k))).or(Some((u16::MAX, Some(k)))),
                                _ => None,
                            };
                            match cached {
                                Some((v, _)) if v != u16::MAX => v,
                                other => match c.get(i) {
                                    Some(code) => match self.currency_index(code) {
                                        Ok(v) => {
                                            if let Some((_, Some(k))) = other {
                                                cur_cache.set(k, v);
                                            }
                                            v
                                        }
                                        Err(()) => {
                                            self.errors.push(ModelError::UnknownCurrency {
                                                record: r(),
                                                field: f_cur.clone(),
                                                value: code.to_string(),
                                            });
                                            u16::MAX
                                        }
                                    },
                                    None => match default_cur {
                                        Some(d) => d,
                                        None => {
                                            self.errors.push(invalid(r(), f_cur, "null", "an order needs a currency"));
                                            u16::MAX
                                        }
                                    },
                                },
                            }
                        }
                        None => default_cur.unwrap_or(u16::MAX),
                    };
                    let exponent = self.currencies.get(cur as usize).map_or(2, |c| c.minor_unit_exponent());
                    let st = match status.dict_key(i) {
                        Some(Some(k)) if status_cache.get(k).is_some() => status_cache.get(k),
                        _ => {
                            let parsed = status.get(i).map(|s| (s, OrderStatus::parse(s)));
                            match parsed {
                                Some((_, Some(st))) => {
                                    if let Some(Some(k)) = status.dict_key(i) {
                                        status_cache.set(k, st);
                                    }
                                    Some(st)
                                }
                                Some((s, None)) => {
                                    self.errors.push(invalid(
                                        r(),
                                        f_status,
                                        s,
                                        "unknown order status (expected one of pending, paid, fulfilled, cancelled, \
                                     refunded, partially_refunded)",
                                    ));
                                    None
                                }
                                None => {
                                    self.errors.push(invalid(r(), f_status, "null", "an order needs a status"));
                                    None
                                }
                            }
                        }
                    };
                    let mut money = |col: Option<&IntCol<'_>>, field: &str, required: bool| -> i64 {
                        let Some(c) = col else { return 0 };
                        match c.get(i) {
                            None if required => {
                                self.errors.push(invalid(r(), field, "null", "required"));
                                0
                            }
                            None => 0,
                            Some(raw) => match c.minor(raw, exponent) {
                                Some(v) if v < 0 => {
                                    self.errors.push(ModelError::NegativeAmount {
                                        record: r(),
                                        field: field.to_string(),
                                        value: v,
                                    });
                                    0
                                }
                                Some(v) => v,
                                None => {
                                    self.errors.push(money_error(
                                        r(),
                                        field,
                                        raw,
                                        c.scale(),
                                        exponent,
                                        cur,
                                        &self.currencies,
                                    ));
                                    0
                                }
                            },
                        }
                    };
                    let tot = money(Some(&total), f_total, true);
                    let disc = money(discount.as_ref(), f_disc, false);
                    let refd = money(refunded.as_ref(), f_ref, false);
                    if refd > tot {
                        self.errors.push(invalid(r(), f_ref, refd, "refunds exceed the order total"));
                    }
                    let refund_at = match refunded_at.as_ref().map(|c| c.get(i)) {
                        None | Some(Ok(None)) => None,
                        Some(Ok(Some(t))) => Some(t),
                        Some(Err(e)) => {
                            self.errors.push(time_error(r(), f_ref_at, e));
                            None
                        }
                    };
                    let (status, refd) =
                        resolve_refund(st.unwrap_or(OrderStatus::Pending), tot, refd, refund_at, as_of);
                    let o = &mut self.orders;
                    o.customer.push(customer);
                    o.placed_at.push(placed_at);
                    o.total.push(tot);
                    o.discount.push(disc);
                    o.refunded.push(refd);
                    o.status.push(status);
                    o.currency.push(if cur == u16::MAX { 0 } else { cur });
                }
                if let Some(job) = job {
                    let (keys, created, out, cache, by_number) =
                        job.join().map_err(|_| invalid_input("orders", "internal: interning customer ids failed"))?;
                    self.keys = keys;
                    self.created = created;
                    pre_ids = out;
                    if let Some(cache) = cache {
                        id_cache = cache;
                    }
                    if let Some(by_number) = by_number {
                        self.int_keys = by_number;
                    }
                    for (i, &c) in pre_ids.iter().enumerate() {
                        let c = if c != NONE {
                            c
                        } else if let Some(c) = self.owner(&ids, &mut id_cache, email.as_ref(), phone.as_ref(), i) {
                            c
                        } else {
                            let oid = order_id.as_ref().and_then(|k| k.get(i, &mut idbuf));
                            self.errors.push(invalid(
                                rec(RecordKind::Order, base + i, oid),
                                f_cust,
                                "null",
                                GUEST_CONTACT,
                            ));
                            0
                        };
                        self.orders.customer[first_row + i] = c;
                    }
                    // Guest errors were found after the other columns' errors: back to row order.
                    self.errors.list[errors_before..].sort_by_key(|e| e.record().index);
                }
                Ok(())
            })?;
            if self.errors.full {
                return self.errors.check();
            }
            Ok(())
        })?;
        if self.opts.check_duplicates {
            let td = std::time::Instant::now();
            let dups = self.order_ids.duplicates();
            if std::env::var_os("CRM_PY_TIMING").is_some() {
                eprintln!("duplicates: {:.3}", td.elapsed().as_secs_f64());
            }
            for (row, first) in dups {
                let id = self.order_ids.get_str(row).to_string();
                self.errors.push(ModelError::DuplicateId {
                    record: rec(RecordKind::Order, row, Some(&id)),
                    field: f_id.clone(),
                    value: id,
                    first_index: first,
                });
            }
        }
        if self.orders.customer.len() > u32::MAX as usize {
            return Err(invalid_input("orders", format!("more than {} rows", u32::MAX)));
        }
        self.errors.check()
    }
}
