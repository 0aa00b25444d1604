//! Errors of the privacy domain (export, erasure, retention).

use thiserror::Error;

/// Why a data-subject request or a retention run could not be carried out.
///
/// ```
/// use crm_core::privacy::{export, PrivacyError};
/// use crm_core::model::Store;
/// use crm_core::time::parse_instant;
///
/// let err = export(&Store::default(), "c404", parse_instant("2024-03-01T00:00:00Z")?).unwrap_err();
/// assert_eq!(err, PrivacyError::UnknownCustomer { customer_id: "c404".into() });
/// assert_eq!(err.code(), "unknown_customer");
/// assert_eq!(err.to_string(), "unknown customer `c404`: no customer record and no order, cart, event or consent event names it");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PrivacyError {
    /// No record of the store names this customer id (and, for an erasure,
    /// no erasure tombstone of it under the given salt exists either).
    #[error(
        "unknown customer `{customer_id}`: no customer record and no order, cart, event or consent event names it"
    )]
    UnknownCustomer {
        /// The id asked for.
        customer_id: String,
    },
    /// The salt is shorter than [`MIN_SALT_LEN`](super::MIN_SALT_LEN) bytes (or empty).
    #[error("salt must be at least {min} bytes, got {length}", min = super::MIN_SALT_LEN)]
    InvalidSalt {
        /// Length of the salt given, in bytes.
        length: usize,
    },
    /// An option or policy field is out of range or malformed.
    #[error("privacy option `{field}`: {message}")]
    InvalidOption {
        /// The option (`guest_cart_days`, `retention` …).
        field: String,
        /// What is wrong, with the value.
        message: String,
    },
}

impl PrivacyError {
    /// Stable machine-readable code: `unknown_customer`, `invalid_salt` or `invalid_option`.
    ///
    /// ```
    /// use crm_core::privacy::PrivacyError;
    /// assert_eq!(PrivacyError::InvalidSalt { length: 3 }.code(), "invalid_salt");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            PrivacyError::UnknownCustomer { .. } => "unknown_customer",
            PrivacyError::InvalidSalt { .. } => "invalid_salt",
            PrivacyError::InvalidOption { .. } => "invalid_option",
        }
    }
}
