//! Deterministic synthetic sample stores: realistic shops to demo, test and
//! benchmark on.
//!
//! [`sample_store`] simulates a shop selling in Turkey, Germany, the US, the
//! UK and Japan (each customer with the country's time zone and currency)
//! over a period (by default 2023–2024): sign-ups, repeat purchases with a
//! BG/NBD-like skew (many one-time buyers, a few heavy buyers, 12 % who never
//! buy), eight product categories with per-customer preferences, coupons and
//! line discounts, cancellations and refunds (about 3 % each of cancelled,
//! refunded and partially refunded), 5 % guest orders, sales channels and
//! UTM attribution, carts (about 70 % abandoned; converted ones name their
//! order), consent grants and withdrawals, behavioural events and birthdays
//! (some without a year, some on 29 February). The distributions are listed
//! in `docs/datasets.md`.
//!
//! The result is columnar ([`SampleStore`]): about 10 orders per customer, so
//! a million customers make about ten million orders. The same options give
//! the same data, byte for byte, on every platform and in every binding: the
//! generator uses its own pseudo-random numbers (xoshiro256**), not a crate's.
//!
//! ```
//! use crm_core::datasets::{sample_store, SampleOptions};
//! let s = sample_store(&SampleOptions { customers: 200, seed: 7, ..Default::default() })?;
//! assert_eq!(s.customers.len(), 200);
//! assert!(s.orders.len() > 1000);
//! let store = s.to_store();
//! assert!(store.validate().is_ok());
//! assert_eq!(store.customers[0].id, "c0000001");
//! # Ok::<(), crm_core::datasets::DatasetError>(())
//! ```

mod catalog;
mod convert;
mod generate;
mod rng;
mod tables;

pub use catalog::{Catalog, CATEGORY_NAMES};
pub use tables::{
    cart_id, customer_id, order_id, CartItemTable, CartTable, ConsentTable, CustomerTable, EventTable, OrderLineTable,
    OrderTable, GUEST,
};

use thiserror::Error;

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

/// 2023-01-01T00:00:00Z in µs since the Unix epoch.
pub const DEFAULT_START_MICROS: i64 = 1_672_531_200_000_000;
/// Most customers one call generates.
pub const MAX_CUSTOMERS: usize = 2_000_000;
/// Longest period, in days.
pub const MAX_DAYS: u32 = 3650;
/// Latest start: 2100-01-01T00:00:00Z.
const MAX_START_MICROS: i64 = 4_102_444_800_000_000;

/// Options of [`sample_store`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleOptions {
    /// Number of customers (accounts), 1 to 2,000,000. Orders are about ten
    /// per customer, plus 5 % guest orders.
    pub customers: usize,
    /// Seed: the same options give the same data.
    pub seed: u64,
    /// Start of the simulated period (µs since the epoch, UTC), 1970 to 2100.
    pub start_micros: i64,
    /// Length of the period in days, 1 to 3650.
    pub days: u32,
}

impl Default for SampleOptions {
    /// 1,000 customers, seed 42, two years from 2023-01-01.
    fn default() -> Self {
        SampleOptions { customers: 1000, seed: 42, start_micros: DEFAULT_START_MICROS, days: 730 }
    }
}

impl SampleOptions {
    /// The end of the period (exclusive), µs since the epoch.
    pub fn end_micros(&self) -> i64 {
        self.start_micros + i64::from(self.days) * crate::time::MICROS_PER_DAY
    }

    fn validate(&self) -> Result<(), DatasetError> {
        let bad = |field: &str, message: String| Err(DatasetError::InvalidOption { field: field.into(), message });
        if self.customers == 0 || self.customers > MAX_CUSTOMERS {
            return bad("customers", format!("must be 1 to {MAX_CUSTOMERS}, got {}", self.customers));
        }
        if self.days == 0 || self.days > MAX_DAYS {
            return bad("days", format!("must be 1 to {MAX_DAYS}, got {}", self.days));
        }
        if !(0..=MAX_START_MICROS).contains(&self.start_micros) {
            return bad("start", format!("must be between 1970-01-01 and 2100-01-01, got {} µs", self.start_micros));
        }
        Ok(())
    }
}

/// A generated store, as columns. Rows refer to each other by row number
/// (see [`OrderTable::customer`], [`OrderLineTable::order`]); ids come from
/// row numbers ([`customer_id`], [`order_id`], [`cart_id`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleStore {
    /// The product catalogue lines, cart items and events refer to.
    pub catalog: Catalog,
    /// Customers; row `r` has id `customer_id(r)`.
    pub customers: CustomerTable,
    /// Orders; row `r` has id `order_id(r)`.
    pub orders: OrderTable,
    /// Order lines, grouped by order.
    pub order_lines: OrderLineTable,
    /// Carts; row `r` has id `cart_id(r)`.
    pub carts: CartTable,
    /// Cart items, grouped by cart.
    pub cart_items: CartItemTable,
    /// Consent events.
    pub consents: ConsentTable,
    /// Behavioural events.
    pub events: EventTable,
}

/// Generates a sample store.
///
/// # Errors
/// [`DatasetError::InvalidOption`] when `customers`, `days` or `start_micros`
/// is out of range.
///
/// ```
/// use crm_core::datasets::{sample_store, SampleOptions};
/// let a = sample_store(&SampleOptions { customers: 30, seed: 1, ..Default::default() })?;
/// let b = sample_store(&SampleOptions { customers: 30, seed: 1, ..Default::default() })?;
/// assert_eq!(a, b); // deterministic
/// let err = sample_store(&SampleOptions { customers: 0, ..Default::default() }).unwrap_err();
/// assert_eq!(err.code(), "invalid_option");
/// # Ok::<(), crm_core::datasets::DatasetError>(())
/// ```
pub fn sample_store(options: &SampleOptions) -> Result<SampleStore, DatasetError> {
    options.validate()?;
    generate::generate(options)
}
