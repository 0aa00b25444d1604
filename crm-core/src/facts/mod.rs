//! Customer facts: one row per customer, computed *as of* an instant from
//! orders, order lines, carts, events and customer records.
//!
//! This is the table that segmentation, campaigns and lifetime value read.
//! It is columnar: [`FactsInput`] holds the inputs as plain column vectors with
//! customers interned to dense ids, and [`compute_facts`] makes one pass over
//! each input column. Every definition is in `docs/facts.md`.
//!
//! ```
//! use crm_core::facts::{compute_facts, FactsInputBuilder, FactsOptions, OrderRow};
//! use crm_core::model::OrderStatus;
//! use crm_core::money::Currency;
//!
//! let try_ = Currency::new("TRY")?;
//! let mut b = FactsInputBuilder::new();
//! let day = 86_400_000_000i64; // µs
//! b.add_order(OrderRow { customer: "c1", placed_at: 10 * day, total: 500_00, discount: 0,
//!                        refunded: 0, status: OrderStatus::Paid, currency: try_ });
//! b.add_order(OrderRow { customer: "c1", placed_at: 20 * day, total: 300_00, discount: 50_00,
//!                        refunded: 100_00, status: OrderStatus::PartiallyRefunded, currency: try_ });
//! let input = b.finish();
//! let facts = compute_facts(&input, 30 * day, &FactsOptions::default())?;
//! assert_eq!(facts.net_spend[0], 700_00);
//! assert_eq!(facts.average_order_value[0], Some(350_00));
//! assert_eq!(facts.days_since_last_order[0], Some(10));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod category;
pub(crate) mod compute;
mod error;
mod input;
mod output;

pub use category::CategorySpend;
pub use compute::{compute_facts, customer_facts};
pub use error::FactsError;
pub use input::{
    guest_key, status_as_of, CartColumns, EventColumns, FactsInput, FactsInputBuilder, LineColumns, OrderColumns,
    OrderRow, NEVER, NO_CATEGORY,
};
pub use output::CustomerFacts;

use crate::money::ExchangeRates;

/// Options of the facts computation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactsOptions {
    /// A cart not converted and idle for at least this long (µs) counts as abandoned. Default 1 hour.
    pub abandon_after_micros: i64,
    /// Rates into one reporting currency; without them a customer whose orders
    /// use several currencies is an error.
    pub rates: Option<ExchangeRates>,
    /// Orders placed at or before this instant (µs) are left out of the order
    /// facts (counts, spend, first/last order, refunds): an RFM window. They
    /// still count as activity. Default: none.
    pub orders_after: Option<i64>,
    /// Compute only the order facts: category spend, carts and events are not
    /// read, so `distinct_categories` is 0, `top_category` and
    /// `last_abandoned_at` are `None` and activity comes from orders and
    /// sign-ups only. For RFM, which needs nothing else. Default: false.
    pub orders_only: bool,
}

impl Default for FactsOptions {
    fn default() -> Self {
        FactsOptions { abandon_after_micros: 3_600_000_000, rates: None, orders_after: None, orders_only: false }
    }
}
