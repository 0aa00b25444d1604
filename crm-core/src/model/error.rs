//! Validation errors of the model domain.

use std::fmt;

use thiserror::Error;

use crate::money::Currency;

/// The kind of record an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// A [`Customer`](crate::model::Customer).
    Customer,
    /// An [`Order`](crate::model::Order).
    Order,
    /// A [`Cart`](crate::model::Cart).
    Cart,
    /// A [`ConsentEvent`](crate::model::ConsentEvent).
    Consent,
    /// An [`Event`](crate::model::Event).
    Event,
    /// The document as a whole.
    Document,
}

impl RecordKind {
    /// Singular name (`order`).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Customer => "customer",
            RecordKind::Order => "order",
            RecordKind::Cart => "cart",
            RecordKind::Consent => "consent",
            RecordKind::Event => "event",
            RecordKind::Document => "document",
        }
    }

    /// Name of the collection in a store document (`orders`).
    pub fn collection(self) -> &'static str {
        match self {
            RecordKind::Customer => "customers",
            RecordKind::Order => "orders",
            RecordKind::Cart => "carts",
            RecordKind::Consent => "consents",
            RecordKind::Event => "events",
            RecordKind::Document => "document",
        }
    }
}

/// Which record an error is about: kind, position in its collection, and id when known.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecordRef {
    /// Kind of record.
    pub kind: RecordKind,
    /// Position in the collection (0-based).
    pub index: usize,
    /// The record's id, when it could be read.
    pub id: Option<String>,
}

impl RecordRef {
    /// A reference to record `index` of `kind`, with its id if known.
    pub fn new(kind: RecordKind, index: usize, id: Option<&str>) -> Self {
        RecordRef { kind, index, id: id.map(str::to_string) }
    }
}

impl fmt::Display for RecordRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == RecordKind::Document {
            return f.write_str("document");
        }
        match &self.id {
            Some(id) => write!(f, "{} {:?} ({}[{}])", self.kind.as_str(), id, self.kind.collection(), self.index),
            None => write!(f, "{} at {}[{}]", self.kind.as_str(), self.kind.collection(), self.index),
        }
    }
}

/// Where an error is: the record, and the field when there is one.
struct Loc<'a>(&'a RecordRef, &'a str);

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1.is_empty() {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{}: field `{}`", self.0, self.1)
        }
    }
}

/// One thing wrong with one record. Every variant names the record, the field
/// (a path such as `lines[1].quantity`) and the bad value.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ModelError {
    /// The input is not JSON, or not of the expected shape (wrong type, missing or unknown field).
    #[error("{loc}: {message}", loc = Loc(.record, .field))]
    Malformed {
        /// The record.
        record: RecordRef,
        /// The field path.
        field: String,
        /// What was wrong.
        message: String,
    },
    /// A currency code that is not ISO 4217.
    #[error("{loc}: unknown currency `{value}`", loc = Loc(.record, .field))]
    UnknownCurrency {
        /// The record.
        record: RecordRef,
        /// The field path.
        field: String,
        /// The rejected code.
        value: String,
    },
    /// A time-zone name that is not in the IANA database.
    #[error("{loc}: unknown time zone `{value}`", loc = Loc(.record, .field))]
    UnknownTimeZone {
        /// The record.
        record: RecordRef,
        /// The field path.
        field: String,
        /// The rejected name.
        value: String,
    },
    /// A timestamp that is not RFC 3339 with a zone.
    #[error("{loc}: unparsable timestamp `{value}` (expected RFC 3339 with a zone, e.g. 2024-05-01T10:00:00Z)", loc = Loc(.record, .field))]
    InvalidTimestamp {
        /// The record.
        record: RecordRef,
        /// The field path.
        field: String,
        /// The rejected text.
        value: String,
    },
    /// A quantity below 1.
    #[error("{loc}: quantity must be at least 1, got {value}", loc = Loc(.record, .field))]
    InvalidQuantity {
        /// The record.
        record: RecordRef,
        /// The field path.
        field: String,
        /// The rejected quantity.
        value: i64,
    },
    /// A negative amount where only zero or more makes sense.
    #[error("{loc}: amount must not be negative, got {value}", loc = Loc(.record, .field))]
    NegativeAmount {
        /// The record.
        record: RecordRef,
        /// The field path.
        field: String,
        /// The rejected amount.
        value: i64,
    },
    /// A line or refund in another currency than its order or cart.
    #[error("{loc}: currency {found} differs from the record's currency {expected}", loc = Loc(.record, .field))]
    CurrencyMismatch {
        /// The record.
        record: RecordRef,
        /// The field path.
        field: String,
        /// The record's currency.
        expected: Currency,
        /// The differing currency.
        found: Currency,
    },
    /// Subtotal or total that does not equal the sum of its parts.
    #[error("{loc}: totals do not add up: expected {expected}, got {found}", loc = Loc(.record, .field))]
    TotalsMismatch {
        /// The record.
        record: RecordRef,
        /// The field path.
        field: String,
        /// The value computed from the parts.
        expected: i64,
        /// The value given.
        found: i64,
    },
    /// An id used by an earlier record of the same kind.
    #[error("{loc}: duplicate id `{value}` (first used at index {first_index})", loc = Loc(.record, .field))]
    DuplicateId {
        /// The record.
        record: RecordRef,
        /// The field path.
        field: String,
        /// The repeated id.
        value: String,
        /// Index of the first record with this id.
        first_index: usize,
    },
    /// Any other value that breaks a documented rule.
    #[error("{loc}: invalid value `{value}`: {reason}", loc = Loc(.record, .field))]
    InvalidValue {
        /// The record.
        record: RecordRef,
        /// The field path.
        field: String,
        /// The rejected value, as text.
        value: String,
        /// The rule it breaks.
        reason: String,
    },
}

impl ModelError {
    /// Stable machine-readable code.
    ///
    /// ```
    /// use crm_core::model::Store;
    /// let err = Store::from_json(r#"{"orders": 5}"#).unwrap_err();
    /// assert_eq!(err.errors()[0].code(), "malformed");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            ModelError::Malformed { .. } => "malformed",
            ModelError::UnknownCurrency { .. } => "unknown_currency",
            ModelError::UnknownTimeZone { .. } => "unknown_time_zone",
            ModelError::InvalidTimestamp { .. } => "invalid_timestamp",
            ModelError::InvalidQuantity { .. } => "invalid_quantity",
            ModelError::NegativeAmount { .. } => "negative_amount",
            ModelError::CurrencyMismatch { .. } => "currency_mismatch",
            ModelError::TotalsMismatch { .. } => "totals_mismatch",
            ModelError::DuplicateId { .. } => "duplicate_id",
            ModelError::InvalidValue { .. } => "invalid_value",
        }
    }

    /// The record the error is about.
    pub fn record(&self) -> &RecordRef {
        match self {
            ModelError::Malformed { record, .. }
            | ModelError::UnknownCurrency { record, .. }
            | ModelError::UnknownTimeZone { record, .. }
            | ModelError::InvalidTimestamp { record, .. }
            | ModelError::InvalidQuantity { record, .. }
            | ModelError::NegativeAmount { record, .. }
            | ModelError::CurrencyMismatch { record, .. }
            | ModelError::TotalsMismatch { record, .. }
            | ModelError::DuplicateId { record, .. }
            | ModelError::InvalidValue { record, .. } => record,
        }
    }

    /// The field path the error is about.
    pub fn field(&self) -> &str {
        match self {
            ModelError::Malformed { field, .. }
            | ModelError::UnknownCurrency { field, .. }
            | ModelError::UnknownTimeZone { field, .. }
            | ModelError::InvalidTimestamp { field, .. }
            | ModelError::InvalidQuantity { field, .. }
            | ModelError::NegativeAmount { field, .. }
            | ModelError::CurrencyMismatch { field, .. }
            | ModelError::TotalsMismatch { field, .. }
            | ModelError::DuplicateId { field, .. }
            | ModelError::InvalidValue { field, .. } => field,
        }
    }

    /// The offending value as text.
    pub fn value(&self) -> String {
        match self {
            ModelError::Malformed { message, .. } => message.clone(),
            ModelError::UnknownCurrency { value, .. }
            | ModelError::UnknownTimeZone { value, .. }
            | ModelError::InvalidTimestamp { value, .. }
            | ModelError::DuplicateId { value, .. }
            | ModelError::InvalidValue { value, .. } => value.clone(),
            ModelError::InvalidQuantity { value, .. } | ModelError::NegativeAmount { value, .. } => value.to_string(),
            ModelError::CurrencyMismatch { found, .. } => found.to_string(),
            ModelError::TotalsMismatch { found, .. } => found.to_string(),
        }
    }
}

/// Every error found in a batch, in document order (customers, orders, carts,
/// consents, events; by index within each).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub struct ModelErrors(pub Vec<ModelError>);

impl ModelErrors {
    /// The individual errors.
    pub fn errors(&self) -> &[ModelError] {
        &self.0
    }

    /// Stable code: that of the first error.
    pub fn code(&self) -> &'static str {
        self.0.first().map_or("malformed", ModelError::code)
    }
}

impl fmt::Display for ModelErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("no errors"),
            [one] => write!(f, "{one}"),
            [first, rest @ ..] => write!(f, "{} errors; first: {first} (and {} more)", self.0.len(), rest.len()),
        }
    }
}
