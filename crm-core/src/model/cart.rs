//! Carts and checkouts.

use serde::{Deserialize, Serialize};

use crate::model::customer::Contact;
use crate::model::order::LineItem;
use crate::money::Currency;
use crate::time::Instant;

/// A cart or checkout, of a customer or of a guest with a known contact.
///
/// A cart is *converted* when `converted_order_id` is set; the conversion time
/// is `converted_at` (or `updated_at` when absent).
///
/// ```
/// use crm_core::model::Cart;
/// let cart: Cart = serde_json::from_str(r#"{
///   "id": "k1", "contact": {"email": "guest@example.com"}, "currency": "EUR",
///   "items": [{"sku": "MUG", "quantity": 1, "unit_price": 1200}],
///   "created_at": "2024-03-01T10:00:00Z", "updated_at": "2024-03-01T10:05:00Z"
/// }"#)?;
/// assert!(cart.customer_id.is_none());
/// assert_eq!(cart.value(), Some(1200));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cart {
    /// Cart id, unique within a store.
    pub id: String,
    /// The customer's id; `None` for a guest (then `contact` is required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Contact of a guest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// Currency of the item prices.
    pub currency: Currency,
    /// Items in the cart.
    #[serde(default)]
    pub items: Vec<LineItem>,
    /// When the cart was created.
    #[serde(with = "crate::time::serde_instant")]
    pub created_at: Instant,
    /// Last change to the cart (the start of idleness).
    #[serde(with = "crate::time::serde_instant")]
    pub updated_at: Instant,
    /// The order this cart became, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_order_id: Option<String>,
    /// When it converted (defaults to `updated_at`).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::time::serde_opt_instant")]
    pub converted_at: Option<Instant>,
    /// Store id in a multi-store set-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
}

impl Cart {
    /// Sum of the item nets in minor units, or `None` on overflow.
    pub fn value(&self) -> Option<i64> {
        self.items.iter().try_fold(0i64, |acc, i| acc.checked_add(i.net()?))
    }

    /// When the cart converted, if it did.
    pub fn conversion_time(&self) -> Option<Instant> {
        self.converted_order_id.as_ref().map(|_| self.converted_at.unwrap_or(self.updated_at))
    }
}
