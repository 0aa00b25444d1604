//! Errors of the consent domain.

use std::fmt;

use thiserror::Error;

/// Why a consent policy or an İYS record was refused.
///
/// Errors about an İYS record name its position in the input array
/// (`index`, from 0), the İYS field (`type`, `consentDate` …) and the bad value.
///
/// ```
/// use crm_core::consent::ConsentError;
/// let e = ConsentError::UnknownChannel { index: 2, field: "type".into(), value: "FAKS".into() };
/// assert_eq!(e.code(), "unknown_channel");
/// assert_eq!((e.index(), e.field()), (Some(2), Some("type")));
/// assert_eq!(e.to_string(), "İYS record 2, field `type`: unknown channel `FAKS` (expected MESAJ, ARAMA or EPOSTA)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConsentError {
    /// The İYS document is not JSON, or not an array of records.
    #[error("İYS records: {message}")]
    Malformed {
        /// What is wrong.
        message: String,
    },
    /// A record is not an object, lacks a field, has an unknown field, or a
    /// field breaks an İYS rule (status, recipientType, source, recipient …).
    #[error("İYS record {index}, field `{field}`: {message} (got `{value}`)")]
    InvalidRecord {
        /// Position of the record in the input array, from 0.
        index: usize,
        /// The İYS field name (empty for the record as a whole).
        field: String,
        /// The rejected value as text (JSON text when it is not a string).
        value: String,
        /// What is wrong.
        message: String,
    },
    /// `consentDate` is not `YYYY-MM-DD HH:MM:SS` in Turkey's time (a zone
    /// suffix, a `T`, a missing second, a date that does not exist …).
    #[error("İYS record {index}, field `{field}`: {message} (got `{value}`)")]
    InvalidTimestamp {
        /// Position of the record in the input array, from 0.
        index: usize,
        /// The İYS field name (`consentDate`).
        field: String,
        /// The rejected text.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// The İYS `type` is not `MESAJ`, `ARAMA` or `EPOSTA`.
    #[error("İYS record {index}, field `{field}`: unknown channel `{value}` (expected MESAJ, ARAMA or EPOSTA)")]
    UnknownChannel {
        /// Position of the record in the input array, from 0.
        index: usize,
        /// The İYS field name (`type`).
        field: String,
        /// The rejected value.
        value: String,
    },
    /// No customer of the store has the record's recipient address.
    #[error("İYS record {index}, field `{field}`: no customer has the address `{value}`")]
    UnknownCustomer {
        /// Position of the record in the input array, from 0.
        index: usize,
        /// The İYS field name (`recipient`).
        field: String,
        /// The recipient address as written in the record.
        value: String,
    },
    /// A consent policy option is out of range or malformed.
    #[error("consent policy `{field}`: {message} (got `{value}`)")]
    InvalidPolicy {
        /// The option (`confirm_within_hours`, `double_opt_in.countries[1]` …).
        field: String,
        /// The rejected value as text.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// The store has more consent events or customers than the ledger can index (2³² − 1).
    #[error("consent ledger: {message}")]
    TooLarge {
        /// What is too large.
        message: String,
    },
}

impl ConsentError {
    /// Stable machine-readable code.
    ///
    /// ```
    /// use crm_core::consent::ConsentPolicy;
    /// let err = ConsentPolicy::from_json(r#"{"confirm_within_hours": 0}"#).unwrap_err();
    /// assert_eq!(err.code(), "invalid_policy");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            ConsentError::Malformed { .. } => "malformed",
            ConsentError::InvalidRecord { .. } => "invalid_record",
            ConsentError::InvalidTimestamp { .. } => "invalid_timestamp",
            ConsentError::UnknownChannel { .. } => "unknown_channel",
            ConsentError::UnknownCustomer { .. } => "unknown_customer",
            ConsentError::InvalidPolicy { .. } => "invalid_policy",
            ConsentError::TooLarge { .. } => "too_large",
        }
    }

    /// Position of the İYS record the error is about, if it is about one.
    ///
    /// ```
    /// use crm_core::consent::ConsentError;
    /// assert_eq!(ConsentError::Malformed { message: "not JSON".into() }.index(), None);
    /// ```
    pub fn index(&self) -> Option<usize> {
        match self {
            ConsentError::InvalidRecord { index, .. }
            | ConsentError::InvalidTimestamp { index, .. }
            | ConsentError::UnknownChannel { index, .. }
            | ConsentError::UnknownCustomer { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The İYS field or policy option the error is about, if any.
    ///
    /// ```
    /// use crm_core::consent::ConsentPolicy;
    /// let err = ConsentPolicy::from_json(r#"{"double_opt_in": {"countries": ["tr"]}}"#).unwrap_err();
    /// assert_eq!(err.field(), Some("double_opt_in.countries[0]"));
    /// ```
    pub fn field(&self) -> Option<&str> {
        match self {
            ConsentError::InvalidRecord { field, .. }
            | ConsentError::InvalidTimestamp { field, .. }
            | ConsentError::UnknownChannel { field, .. }
            | ConsentError::UnknownCustomer { field, .. }
            | ConsentError::InvalidPolicy { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The rejected value as text, if the error has one.
    ///
    /// ```
    /// use crm_core::consent::ConsentError;
    /// let e = ConsentError::UnknownCustomer { index: 0, field: "recipient".into(), value: "x@example.com".into() };
    /// assert_eq!(e.value(), Some("x@example.com"));
    /// ```
    pub fn value(&self) -> Option<&str> {
        match self {
            ConsentError::InvalidRecord { value, .. }
            | ConsentError::InvalidTimestamp { value, .. }
            | ConsentError::UnknownChannel { value, .. }
            | ConsentError::UnknownCustomer { value, .. }
            | ConsentError::InvalidPolicy { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// Every error found in a batch of İYS records, in record order (and, within
/// one record, in field order). Nothing is imported when there is any.
///
/// ```
/// use crm_core::consent::import_iys;
/// use crm_core::model::Store;
/// let errs = import_iys(r#"[{"type": "FAKS"}, 7]"#, &Store::default()).unwrap_err();
/// assert_eq!(errs.code(), "unknown_channel");
/// assert!(errs.errors().iter().any(|e| e.index() == Some(1) && e.code() == "invalid_record"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ConsentErrors(pub Vec<ConsentError>);

impl ConsentErrors {
    /// The individual errors.
    ///
    /// ```
    /// use crm_core::consent::{ConsentError, ConsentErrors};
    /// let errs = ConsentErrors::from(ConsentError::Malformed { message: "not JSON".into() });
    /// assert_eq!(errs.errors().len(), 1);
    /// ```
    pub fn errors(&self) -> &[ConsentError] {
        &self.0
    }

    /// Stable code: that of the first error.
    ///
    /// ```
    /// use crm_core::consent::ConsentErrors;
    /// assert_eq!(ConsentErrors(vec![]).code(), "malformed");
    /// ```
    pub fn code(&self) -> &'static str {
        self.0.first().map_or("malformed", ConsentError::code)
    }
}

impl From<ConsentError> for ConsentErrors {
    fn from(e: ConsentError) -> Self {
        ConsentErrors(vec![e])
    }
}

impl fmt::Display for ConsentErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("no errors"),
            [one] => write!(f, "{one}"),
            [first, rest @ ..] => write!(f, "{} errors; first: {first} (and {} more)", self.0.len(), rest.len()),
        }
    }
}
