//! Orders, their line items, refunds and lifecycle.

use serde::{Deserialize, Serialize};

use crate::model::customer::Contact;
use crate::money::{Currency, Money};
use crate::time::Instant;

/// A placed order. Every amount is integer minor units in the order's
/// `currency` (a line or refund may name its own currency only to be checked
/// against it).
///
/// Totals must add up: `subtotal = Σ (quantity × unit_price − line discount)`
/// and `total = subtotal − discount + shipping + tax` (`+ tax` is left out when
/// `taxes_included` is true).
///
/// ```
/// use crm_core::model::{Order, OrderStatus};
/// let o: Order = serde_json::from_str(r#"{
///   "id": "o1", "customer_id": "c1", "placed_at": "2024-03-01T12:00:00Z",
///   "currency": "TRY", "status": "paid",
///   "lines": [{"sku": "TS-1", "category": ["Fashion", "T-Shirts"], "quantity": 2, "unit_price": 25000}],
///   "subtotal": 50000, "shipping": 2999, "total": 52999
/// }"#)?;
/// assert_eq!(o.status, OrderStatus::Paid);
/// assert_eq!(o.total_money().to_string(), "529.99 TRY");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// Order id, unique within a store.
    pub id: String,
    /// The customer's id; `None` for a guest checkout (then `contact` is required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Contact of a guest (or of the customer at checkout time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// When the order was placed.
    #[serde(with = "crate::time::serde_instant")]
    pub placed_at: Instant,
    /// Currency of every amount on the order.
    pub currency: Currency,
    /// Line items.
    #[serde(default)]
    pub lines: Vec<LineItem>,
    /// Sum of line nets.
    pub subtotal: i64,
    /// Order-level discount.
    #[serde(default)]
    pub discount: i64,
    /// Shipping charged.
    #[serde(default)]
    pub shipping: i64,
    /// Tax charged.
    #[serde(default)]
    pub tax: i64,
    /// True when prices already include tax (then `tax` is informational).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub taxes_included: bool,
    /// Amount paid.
    pub total: i64,
    /// Coupon codes applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coupon_codes: Vec<String>,
    /// Lifecycle status.
    pub status: OrderStatus,
    /// Refunds, each with amount and time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refunds: Vec<Refund>,
    /// Where the order was placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<SalesChannel>,
    /// Marketing attribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
    /// Store id in a multi-store set-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
}

impl Order {
    /// The total as [`Money`].
    pub fn total_money(&self) -> Money {
        Money::new(self.total, self.currency)
    }

    /// Sum of refunds made at or before `as_of`, saturating at `i64::MAX`.
    pub fn refunded_as_of(&self, as_of: Instant) -> i64 {
        self.refunds.iter().filter(|r| r.at <= as_of).fold(0i64, |acc, r| acc.saturating_add(r.amount))
    }
}

/// One line of an order or a cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineItem {
    /// Stock-keeping unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// Product title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Category path from the top level down, e.g. `["Electronics", "Phones"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    /// Brand name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Units; at least 1.
    pub quantity: i64,
    /// Price of one unit in minor units.
    pub unit_price: i64,
    /// Discount on this line in minor units.
    #[serde(default)]
    pub discount: i64,
    /// Optional currency, checked against the order's or cart's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
}

impl LineItem {
    /// The top-level category, if any.
    pub fn top_category(&self) -> Option<&str> {
        self.category.first().map(String::as_str)
    }

    /// `quantity × unit_price − discount`, or `None` on overflow.
    pub fn net(&self) -> Option<i64> {
        self.quantity.checked_mul(self.unit_price)?.checked_sub(self.discount)
    }
}

/// A refund of part or all of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refund {
    /// Amount refunded, minor units, positive.
    pub amount: i64,
    /// When the refund was made.
    #[serde(with = "crate::time::serde_instant")]
    pub at: Instant,
    /// Optional currency, checked against the order's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Free-text reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Lifecycle of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum OrderStatus {
    /// Placed, not yet paid.
    Pending = 0,
    /// Paid.
    Paid = 1,
    /// Paid and shipped/delivered.
    Fulfilled = 2,
    /// Cancelled before payment or voided.
    Cancelled = 3,
    /// Fully refunded.
    Refunded = 4,
    /// Paid, then partly refunded.
    PartiallyRefunded = 5,
}

impl OrderStatus {
    /// Every status, in declaration order.
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Fulfilled,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
        OrderStatus::PartiallyRefunded,
    ];

    /// The JSON name (`"partially_refunded"`).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::PartiallyRefunded => "partially_refunded",
        }
    }

    /// Parses the JSON name.
    ///
    /// ```
    /// use crm_core::model::OrderStatus;
    /// assert_eq!(OrderStatus::parse("fulfilled"), Some(OrderStatus::Fulfilled));
    /// assert_eq!(OrderStatus::parse("shipped"), None);
    /// ```
    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::from_bytes(s.as_bytes())
    }

    /// Parses the JSON name from bytes (as a column of text holds it). The
    /// names are compared as fixed-size arrays, which compile to integer
    /// compares: readers call this once per order row.
    ///
    /// ```
    /// use crm_core::model::OrderStatus;
    /// assert_eq!(OrderStatus::from_bytes(b"partially_refunded"), Some(OrderStatus::PartiallyRefunded));
    /// assert!(OrderStatus::ALL.iter().all(|s| OrderStatus::from_bytes(s.as_str().as_bytes()) == Some(*s)));
    /// assert_eq!(OrderStatus::from_bytes(b"Paid"), None);
    /// assert_eq!(OrderStatus::from_bytes(b"paid "), None);
    /// ```
    #[inline]
    pub fn from_bytes(s: &[u8]) -> Option<OrderStatus> {
        fn is<const N: usize>(s: &[u8], name: &[u8; N]) -> bool {
            <[u8; N]>::try_from(s).is_ok_and(|a| a == *name)
        }
        match s.len() {
            4 if is(s, b"paid") => Some(OrderStatus::Paid),
            7 if is(s, b"pending") => Some(OrderStatus::Pending),
            8 if is(s, b"refunded") => Some(OrderStatus::Refunded),
            9 if is(s, b"fulfilled") => Some(OrderStatus::Fulfilled),
            9 if is(s, b"cancelled") => Some(OrderStatus::Cancelled),
            18 if is(s, b"partially_refunded") => Some(OrderStatus::PartiallyRefunded),
            _ => None,
        }
    }
}

/// Where an order was placed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SalesChannel {
    /// The shop's website.
    Web,
    /// The shop's mobile app.
    Mobile,
    /// A marketplace such as Trendyol, Hepsiburada or N11.
    Marketplace {
        /// Marketplace name.
        name: String,
    },
    /// Point of sale or any other channel.
    Other {
        /// Channel name.
        name: String,
    },
}

/// UTM attribution of an order.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribution {
    /// `utm_source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_source: Option<String>,
    /// `utm_medium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_medium: Option<String>,
    /// `utm_campaign`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_campaign: Option<String>,
}
