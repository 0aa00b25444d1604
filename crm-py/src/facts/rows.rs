//! Bad-row reporting and per-row helpers (guest keys, refunds as of an instant).

use crm_core::error::Error;
use crm_core::facts::{guest_key, status_as_of};
use crm_core::model::{ModelError, ModelErrors, OrderStatus, RecordKind, RecordRef};
use crm_core::money::Currency;

use super::MAX_ERRORS;
use crate::arrow_in::{decimal_text, KeyCol, StrCol, TimeErr};

/// Bad rows, in table order, at most [`MAX_ERRORS`].
#[derive(Default)]
pub(super) struct Errors {
    pub(super) list: Vec<ModelError>,
    pub(super) full: bool,
}

impl Errors {
    pub(super) fn push(&mut self, e: ModelError) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(e);
        } else {
            self.full = true;
        }
    }

    pub(super) fn check(&mut self) -> Result<(), Error> {
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(ModelErrors(std::mem::take(&mut self.list)).into())
        }
    }
}

pub(super) fn rec(kind: RecordKind, row: usize, id: Option<&str>) -> RecordRef {
    RecordRef::new(kind, row, id)
}

pub(super) fn invalid(record: RecordRef, field: &str, value: impl ToString, reason: impl Into<String>) -> ModelError {
    ModelError::InvalidValue { record, field: field.to_string(), value: value.to_string(), reason: reason.into() }
}

/// The customer key of a row: its customer id; for a guest (null id)
/// `guest:` + lower-cased e-mail, else `guest:` + phone.
pub(super) fn owner_key<'k>(
    ids: &'k KeyCol<'_>,
    email: Option<&'k StrCol<'_>>,
    phone: Option<&'k KeyCol<'_>>,
    i: usize,
    buf: &'k mut String,
) -> Option<std::borrow::Cow<'k, str>> {
    if let KeyCol::Str(s) = ids {
        if let Some(v) = s.get(i) {
            return Some(std::borrow::Cow::Borrowed(v));
        }
    } else if let Some(v) = ids.get(i, buf) {
        return Some(std::borrow::Cow::Owned(v.to_string()));
    }
    let email = email.and_then(|e| e.get(i));
    let phone = phone.and_then(|p| p.get(i, buf));
    guest_key(email, phone).map(std::borrow::Cow::Owned)
}

/// Resolves a refund as of `as_of`: the amount counts when its time (if any)
/// is at or before `as_of`; a `refunded`/`partially_refunded` status follows
/// the amount that counts, as the JSON path does for refund records.
pub(super) fn resolve_refund(
    status: OrderStatus,
    total: i64,
    refunded: i64,
    at: Option<i64>,
    as_of: i64,
) -> (OrderStatus, i64) {
    let later = at.is_some_and(|t| t > as_of);
    let r = if later { 0 } else { refunded };
    (status_as_of(status, total, r, refunded > 0), r)
}

pub(super) fn time_error(record: RecordRef, field: &str, e: TimeErr<'_>) -> ModelError {
    match e {
        TimeErr::Unparsable(t) => {
            ModelError::InvalidTimestamp { record, field: field.to_string(), value: t.to_string() }
        }
        TimeErr::OutOfRange(v) => invalid(record, field, v, "timestamp out of range"),
    }
}

pub(super) fn money_error(
    record: RecordRef,
    field: &str,
    raw: i128,
    scale: i8,
    exponent: u8,
    cur: u16,
    currencies: &[Currency],
) -> ModelError {
    let code = currencies.get(cur as usize).map_or("the currency", |c| c.code());
    let reason = if scale == 0 {
        "does not fit in 64-bit minor units".to_string()
    } else {
        format!("not an exact amount of {code} (a whole number of minor units, {exponent} decimals), or out of range")
    };
    invalid(record, field, decimal_text(raw, scale), reason)
}
