//! Deterministic synthetic sample stores (placeholder: being written).

use thiserror::Error;

use crate::model::Store;

/// Errors of sample-data generation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DatasetError {
    /// An option is out of range.
    #[error("sample option `{field}`: {message}")]
    InvalidOption {
        /// The option.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl DatasetError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DatasetError::InvalidOption { .. } => "invalid_option",
        }
    }
}

/// Options of [`sample_store`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleOptions {
    /// Number of customers.
    pub customers: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions { customers: 1000, seed: 42 }
    }
}

/// A generated store.
#[derive(Clone, Debug, Default)]
pub struct SampleStore {}

impl SampleStore {
    /// As model records.
    pub fn to_store(&self) -> Store {
        Store::default()
    }
}

/// Generates a store.
///
/// # Errors
/// [`DatasetError::InvalidOption`].
pub fn sample_store(options: &SampleOptions) -> Result<SampleStore, DatasetError> {
    let _ = options;
    Ok(SampleStore {})
}
