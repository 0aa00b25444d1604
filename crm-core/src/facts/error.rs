//! Errors of the facts domain.

use thiserror::Error;

use crate::money::{Currency, MoneyError};

/// Why facts could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FactsError {
    /// A customer's orders use several currencies and no exchange rates were given
    /// (the first such customer in id order).
    #[error("customer `{customer_id}` has orders in {first} and {second}; pass exchange rates to sum them")]
    MixedCurrencies {
        /// The customer.
        customer_id: String,
        /// The smaller currency code.
        first: Currency,
        /// The next currency code.
        second: Currency,
    },
    /// A conversion or sum failed (missing rate, overflow).
    #[error("customer `{customer_id}`: {source}")]
    Money {
        /// The customer.
        customer_id: String,
        /// The money error.
        #[source]
        source: MoneyError,
    },
    /// An input column is unusable (wrong length, bad value, wrong type).
    #[error("input `{field}`: {message}")]
    InvalidInput {
        /// The column or option.
        field: String,
        /// What is wrong, with the value.
        message: String,
    },
}

impl FactsError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            FactsError::MixedCurrencies { .. } => "mixed_currencies",
            FactsError::Money { source, .. } => source.code(),
            FactsError::InvalidInput { .. } => "invalid_input",
        }
    }
}
