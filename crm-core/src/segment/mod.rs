//! Segmentation: RFM scores over customer facts (the rule language and the
//! named segments build on them).
//!
//! ```
//! use crm_core::facts::{customer_facts, FactsOptions};
//! use crm_core::model::Store;
//! use crm_core::segment::{rfm_scores, RfmOptions};
//! use crm_core::time::parse_instant;
//!
//! let store = Store::from_json(r#"{"orders": [
//!   {"id": "o1", "customer_id": "ann", "placed_at": "2024-02-20T10:00:00Z", "currency": "EUR", "status": "paid", "subtotal": 9000, "total": 9000},
//!   {"id": "o2", "customer_id": "bob", "placed_at": "2023-11-01T10:00:00Z", "currency": "EUR", "status": "paid", "subtotal": 2000, "total": 2000}
//! ]}"#)?;
//! let facts = customer_facts(&store, parse_instant("2024-03-01T00:00:00Z")?, &FactsOptions::default())?;
//! let rfm = rfm_scores(&facts, &RfmOptions { k: 3, ..Default::default() })?;
//! // ann is better on every measure: 1 + floor(3 × 1 / 2) = 2; bob has nobody worse: 1.
//! assert_eq!((rfm.r[0], rfm.f[0], rfm.m[0]), (Some(2), Some(1), Some(2)));
//! assert_eq!((rfm.r[1], rfm.f[1], rfm.m[1]), (Some(1), Some(1), Some(1)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod combos;
mod copurchase;
mod error;
mod map;
mod presets;
mod rank;
mod rfm;
mod rfm_input;
pub mod rule;
mod table;
mod table_build;

pub use copurchase::{
    co_purchase_table, cross_sell, CoPurchaseLevel, CoPurchaseOptions, CoPurchasePair, CoPurchaseTable,
    CrossSellOptions, CrossSellSuggestion,
};
pub use error::SegmentError;
pub use map::{rfm_segment_column, rfm_segment_column_with, rfm_segments, NamedRule, SegmentMap};
pub use presets::{builtin_rule, Builtin, BUILTINS, MAPS};
pub use rfm::{rfm_facts_options, rfm_for_store, rfm_scores, RfmOptions, RfmScores, RfmThresholds};
pub use rfm_input::{rfm_from_accumulators, rfm_from_accumulators_with, rfm_from_input, RfmAccumulator, RfmWindow};
pub use rule::Rule;
pub use table::{date_from_days, days_from_date, Column, CustomerTable, Purchases, Ty};
pub use table_build::{TableOptions, SOUTHERN_COUNTRIES};
