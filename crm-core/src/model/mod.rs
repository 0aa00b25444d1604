//! The domain model: customers, orders, carts, consent events and behavioural events.
//!
//! Every type is serde-(de)serialisable as JSON with the schema documented in
//! `docs/model.md`. Load a whole batch with [`Store::from_json`], which checks
//! every rule and reports every bad record.

mod cart;
mod consent;
mod customer;
mod error;
mod event;
mod order;
mod store;
mod validate;

pub use cart::Cart;
pub use consent::{Channel, ConsentEvent, ConsentStatus, Purpose, RecipientType, SuppressionReason};
pub use customer::{BirthDate, Contact, Customer, Gender, IncomeTier, Location};
pub use error::{ModelError, ModelErrors, RecordKind, RecordRef};
pub use event::{Event, EventKind};
pub use order::{Attribution, LineItem, Order, OrderStatus, Refund, SalesChannel};
pub use store::Store;
pub use validate::Record;
