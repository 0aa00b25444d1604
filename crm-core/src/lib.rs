//! # crm-core
//!
//! A pure-logic e-commerce CRM engine: customers, orders, carts, consent and
//! behaviour in; customer facts, segments, campaign plans and lifetime value out.
//! No network, no database, no clock: every function takes `as_of`/`now`
//! explicitly, and the same input gives the same output, byte for byte.
//!
//! ```
//! use crm_core::model::Store;
//! use crm_core::facts::{customer_facts, FactsOptions};
//! use crm_core::time::parse_instant;
//!
//! let store = Store::from_json(r#"{
//!   "orders": [
//!     {"id": "o1", "customer_id": "c1", "placed_at": "2024-01-10T10:00:00Z",
//!      "currency": "TRY", "status": "paid", "subtotal": 50000, "total": 50000},
//!     {"id": "o2", "customer_id": "c1", "placed_at": "2024-02-10T10:00:00Z",
//!      "currency": "TRY", "status": "cancelled", "subtotal": 9000, "total": 9000}
//!   ]
//! }"#)?;
//! let as_of = parse_instant("2024-03-01T00:00:00Z")?;
//! let facts = customer_facts(&store, as_of, &FactsOptions::default())?;
//! assert_eq!(facts.customer_id.to_vec(), ["c1"]);
//! assert_eq!(facts.order_count[0], 1); // the cancelled order does not count
//! assert_eq!(facts.net_spend[0], 50000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod campaign;
pub mod column;
pub mod consent;
pub mod datasets;
pub mod error;
pub mod facts;
pub mod guide;
mod hash;
pub mod join;
pub mod ltv;
pub mod model;
pub mod money;
pub mod privacy;
pub mod segment;
pub mod time;
pub mod wire;
