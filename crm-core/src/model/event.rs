//! Behavioural events: views, cart adds, checkouts, message opens and clicks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::time::Instant;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A product page was viewed.
    ProductViewed,
    /// An item was added to a cart.
    AddedToCart,
    /// Checkout was started.
    CheckoutStarted,
    /// A message was opened.
    MessageOpened,
    /// A link in a message was clicked.
    MessageClicked,
    /// A shop-defined event, named by `name`.
    Custom,
}

/// One behavioural event of a customer (or an anonymous visitor).
///
/// ```
/// use crm_core::model::{Event, EventKind};
/// let e: Event = serde_json::from_str(r#"{
///   "customer_id": "c1", "kind": "product_viewed", "at": "2024-03-01T10:00:00Z",
///   "properties": {"product_id": "p9", "category": "Electronics"}
/// }"#)?;
/// assert_eq!(e.kind, EventKind::ProductViewed);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Optional event id (unique when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The customer, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// An anonymous visitor id when the customer is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymous_id: Option<String>,
    /// What happened.
    pub kind: EventKind,
    /// Name of a `custom` event (required then, absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When it happened.
    #[serde(with = "crate::time::serde_instant")]
    pub at: Instant,
    /// Event details (product id, category, message id …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, serde_json::Value>,
}
