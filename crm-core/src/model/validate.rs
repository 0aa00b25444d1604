//! The rules every record must follow beyond its JSON shape.

use crate::model::error::{ModelError, RecordKind, RecordRef};
use crate::model::{
    Cart, ConsentEvent, ConsentStatus, Contact, Customer, Event, EventKind, LineItem, Order, OrderStatus,
};
use crate::money::Currency;

/// A record of a store: its kind, its id and its rules.
pub trait Record {
    /// Which collection it belongs to.
    const KIND: RecordKind;
    /// Its id, when it has one.
    fn id(&self) -> Option<&str>;
    /// Appends every rule violation to `errors`.
    fn validate(&self, record: &RecordRef, errors: &mut Vec<ModelError>);
}

fn invalid(record: &RecordRef, field: &str, value: impl ToString, reason: &str) -> ModelError {
    ModelError::InvalidValue {
        record: record.clone(),
        field: field.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn non_negative(record: &RecordRef, field: &str, value: i64, errors: &mut Vec<ModelError>) {
    if value < 0 {
        errors.push(ModelError::NegativeAmount { record: record.clone(), field: field.into(), value });
    }
}

fn non_empty_id(record: &RecordRef, id: &str, errors: &mut Vec<ModelError>) {
    if id.trim().is_empty() {
        errors.push(invalid(record, "id", id, "must not be empty"));
    }
}

/// A customer id, or a contact with an e-mail or phone.
fn owner(record: &RecordRef, customer_id: Option<&str>, contact: Option<&Contact>, errors: &mut Vec<ModelError>) {
    match customer_id {
        Some(id) if id.trim().is_empty() => errors.push(invalid(record, "customer_id", id, "must not be empty")),
        Some(_) => {}
        None if contact.is_some_and(|c| !c.is_empty()) => {}
        None => {
            errors.push(invalid(record, "customer_id", "null", "a guest record needs contact.email or contact.phone"))
        }
    }
}

/// Checks line items; returns the sum of their nets when every line is valid.
fn lines(
    record: &RecordRef,
    prefix: &str,
    items: &[LineItem],
    currency: Currency,
    errors: &mut Vec<ModelError>,
) -> Option<i64> {
    let mut sum: Option<i64> = Some(0);
    for (i, line) in items.iter().enumerate() {
        let f = |name: &str| format!("{prefix}[{i}].{name}");
        let before = errors.len();
        if line.quantity < 1 {
            errors.push(ModelError::InvalidQuantity {
                record: record.clone(),
                field: f("quantity"),
                value: line.quantity,
            });
        }
        non_negative(record, &f("unit_price"), line.unit_price, errors);
        non_negative(record, &f("discount"), line.discount, errors);
        if let Some(c) = line.currency.filter(|c| *c != currency) {
            errors.push(ModelError::CurrencyMismatch {
                record: record.clone(),
                field: f("currency"),
                expected: currency,
                found: c,
            });
        }
        match line.quantity.checked_mul(line.unit_price) {
            Some(gross) if line.discount > gross && errors.len() == before => {
                errors.push(invalid(
                    record,
                    &f("discount"),
                    line.discount,
                    "line discount exceeds quantity × unit_price",
                ));
            }
            None => errors.push(invalid(record, &f("unit_price"), line.unit_price, "quantity × unit_price overflows")),
            _ => {}
        }
        sum = match (sum, line.net()) {
            (Some(s), Some(n)) if errors.len() == before => s.checked_add(n),
            _ => None,
        };
    }
    sum
}

impl Record for Customer {
    const KIND: RecordKind = RecordKind::Customer;

    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }

    fn validate(&self, record: &RecordRef, errors: &mut Vec<ModelError>) {
        non_empty_id(record, &self.id, errors);
        if let Some(country) = self.location.as_ref().and_then(|l| l.country.as_deref()) {
            if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
                errors.push(invalid(
                    record,
                    "location.country",
                    country,
                    "expected an ISO 3166-1 alpha-2 code such as TR",
                ));
            }
        }
        if let Some(email) = self.email.as_deref() {
            if !email.contains('@') {
                errors.push(invalid(record, "email", email, "an e-mail address needs an @"));
            }
        }
    }
}

impl Record for Order {
    const KIND: RecordKind = RecordKind::Order;

    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }

    fn validate(&self, record: &RecordRef, errors: &mut Vec<ModelError>) {
        non_empty_id(record, &self.id, errors);
        owner(record, self.customer_id.as_deref(), self.contact.as_ref(), errors);
        let before = errors.len();
        for (field, value) in [
            ("subtotal", self.subtotal),
            ("discount", self.discount),
            ("shipping", self.shipping),
            ("tax", self.tax),
            ("total", self.total),
        ] {
            non_negative(record, field, value, errors);
        }
        let line_sum = lines(record, "lines", &self.lines, self.currency, errors);
        if let Some(sum) = line_sum.filter(|_| !self.lines.is_empty()) {
            if sum != self.subtotal {
                errors.push(ModelError::TotalsMismatch {
                    record: record.clone(),
                    field: "subtotal".into(),
                    expected: sum,
                    found: self.subtotal,
                });
            }
        }
        if errors.len() == before {
            let tax = if self.taxes_included { 0 } else { self.tax };
            let expected = self
                .subtotal
                .checked_sub(self.discount)
                .and_then(|v| v.checked_add(self.shipping))
                .and_then(|v| v.checked_add(tax));
            match expected {
                Some(expected) if expected != self.total => errors.push(ModelError::TotalsMismatch {
                    record: record.clone(),
                    field: "total".into(),
                    expected,
                    found: self.total,
                }),
                None => {
                    errors.push(invalid(record, "total", self.total, "subtotal − discount + shipping + tax overflows"))
                }
                _ => {}
            }
        }
        let mut refunded: i64 = 0;
        for (i, r) in self.refunds.iter().enumerate() {
            let f = |name: &str| format!("refunds[{i}].{name}");
            if r.amount <= 0 {
                errors.push(invalid(record, &f("amount"), r.amount, "a refund must be positive"));
            }
            if let Some(c) = r.currency.filter(|c| *c != self.currency) {
                errors.push(ModelError::CurrencyMismatch {
                    record: record.clone(),
                    field: f("currency"),
                    expected: self.currency,
                    found: c,
                });
            }
            if r.at < self.placed_at {
                errors.push(invalid(
                    record,
                    &f("at"),
                    crate::time::format_instant(r.at),
                    "a refund cannot precede the order",
                ));
            }
            refunded = refunded.saturating_add(r.amount.max(0));
        }
        if refunded > self.total {
            errors.push(invalid(record, "refunds", refunded, "refunds exceed the order total"));
        }
        let needs_refund = matches!(self.status, OrderStatus::PartiallyRefunded);
        if needs_refund && self.refunds.is_empty() {
            errors.push(invalid(record, "status", self.status.as_str(), "a partially refunded order needs refunds"));
        }
    }
}

impl Record for Cart {
    const KIND: RecordKind = RecordKind::Cart;

    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }

    fn validate(&self, record: &RecordRef, errors: &mut Vec<ModelError>) {
        non_empty_id(record, &self.id, errors);
        owner(record, self.customer_id.as_deref(), self.contact.as_ref(), errors);
        lines(record, "items", &self.items, self.currency, errors);
        if self.updated_at < self.created_at {
            errors.push(invalid(
                record,
                "updated_at",
                crate::time::format_instant(self.updated_at),
                "a cart cannot be updated before it was created",
            ));
        }
        if self.converted_at.is_some() && self.converted_order_id.is_none() {
            errors.push(invalid(record, "converted_at", "set", "converted_at needs converted_order_id"));
        }
    }
}

impl Record for ConsentEvent {
    const KIND: RecordKind = RecordKind::Consent;

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn validate(&self, record: &RecordRef, errors: &mut Vec<ModelError>) {
        if self.customer_id.trim().is_empty() {
            errors.push(invalid(record, "customer_id", &self.customer_id, "must not be empty"));
        }
        match (self.status, self.reason) {
            (ConsentStatus::Suppressed, None) => errors.push(invalid(
                record,
                "reason",
                "null",
                "a suppression needs a reason (hard_bounce, spam_complaint, invalid_number, manual)",
            )),
            (s, Some(_)) if s != ConsentStatus::Suppressed => {
                errors.push(invalid(record, "reason", "set", "only a suppression has a reason"))
            }
            _ => {}
        }
    }
}

impl Record for Event {
    const KIND: RecordKind = RecordKind::Event;

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn validate(&self, record: &RecordRef, errors: &mut Vec<ModelError>) {
        if self.customer_id.is_none() && self.anonymous_id.is_none() {
            errors.push(invalid(record, "customer_id", "null", "an event needs customer_id or anonymous_id"));
        }
        match (self.kind, &self.name) {
            (EventKind::Custom, None) => errors.push(invalid(record, "name", "null", "a custom event needs a name")),
            (k, Some(n)) if k != EventKind::Custom => {
                errors.push(invalid(record, "name", n, "only custom events have a name"))
            }
            _ => {}
        }
    }
}
