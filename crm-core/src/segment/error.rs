//! Errors of the segmentation domain.

use thiserror::Error;

use crate::money::Currency;

/// Why segments or scores could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SegmentError {
    /// An option is out of range or inconsistent.
    #[error("segment option `{field}`: {message}")]
    InvalidOption {
        /// The option.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Scored customers' money is in several currencies, which cannot be
    /// ranked together without exchange rates.
    #[error("customers' net spend is in {first} and {second}; pass exchange rates to rank them together")]
    MixedCurrencies {
        /// The smaller currency code.
        first: Currency,
        /// The next currency code.
        second: Currency,
    },
}

impl SegmentError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SegmentError::InvalidOption { .. } => "invalid_option",
            SegmentError::MixedCurrencies { .. } => "mixed_currencies",
        }
    }
}
