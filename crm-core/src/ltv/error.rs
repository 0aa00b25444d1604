//! Errors of the lifetime-value domain.

use thiserror::Error;

/// Why a lifetime-value computation was refused.
///
/// ```
/// use crm_core::ltv::LtvError;
/// let e = LtvError::InvalidSummary { index: 3, field: "recency".into(), message: "greater than T".into() };
/// assert_eq!(e.code(), "invalid_summary");
/// assert_eq!(e.to_string(), "customer 3, `recency`: greater than T");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LtvError {
    /// A row of a repeat-purchase summary breaks its definition.
    #[error("customer {index}, `{field}`: {message}")]
    InvalidSummary {
        /// Row of the summary, from 0.
        index: usize,
        /// `frequency`, `recency` or `T`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// An option is out of range.
    #[error("option `{field}`: {message}")]
    InvalidOption {
        /// The option.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The optimiser found no finite likelihood (no data, or data no parameter fits).
    #[error("the model could not be fitted: {message}")]
    NoFit {
        /// What happened.
        message: String,
    },
}

impl LtvError {
    /// [`LtvError::InvalidSummary`] for row `index`, `field`.
    pub(crate) fn summary(index: usize, field: &str, message: &str) -> LtvError {
        LtvError::InvalidSummary { index, field: field.into(), message: message.into() }
    }

    /// Refuses a negative or non-finite L2 penalizer.
    pub(crate) fn check_penalizer(penalizer: f64) -> Result<(), LtvError> {
        if penalizer.is_finite() && penalizer >= 0.0 {
            Ok(())
        } else {
            Err(LtvError::InvalidOption { field: "penalizer".into(), message: "must be a finite number ≥ 0".into() })
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            LtvError::InvalidSummary { .. } => "invalid_summary",
            LtvError::InvalidOption { .. } => "invalid_option",
            LtvError::NoFit { .. } => "no_fit",
        }
    }
}
