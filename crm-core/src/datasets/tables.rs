//! The generated tables: one struct of columns per kind of record.
//!
//! Rows refer to each other by row number (`u32`): an order line to its order,
//! an order to its customer ([`GUEST`] for a guest), a line to its product in
//! the [`Catalog`](super::Catalog). Ids are derived from row numbers
//! ([`customer_id`], [`order_id`], [`cart_id`]). Instants are µs since the
//! Unix epoch (UTC); money is integer minor units of the row's currency.

use crate::model::{
    BirthDate, Channel, ConsentStatus, EventKind, Gender, IncomeTier, OrderStatus, Purpose, RecipientType,
};
use crate::money::Currency;

/// The customer row of a guest order or cart (no account; keyed by e-mail).
pub const GUEST: u32 = u32::MAX;

/// The id of customer row `row`: `c0000001` for row 0.
pub fn customer_id(row: u32) -> String {
    format!("c{:07}", u64::from(row) + 1)
}

/// The id of order row `row`: `o00000001` for row 0.
pub fn order_id(row: u32) -> String {
    format!("o{:08}", u64::from(row) + 1)
}

/// The id of cart row `row`: `k00000001` for row 0.
pub fn cart_id(row: u32) -> String {
    format!("k{:08}", u64::from(row) + 1)
}

/// Customers (accounts).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomerTable {
    /// Sign-up time.
    pub created_at: Vec<i64>,
    /// E-mail address (some customers have none).
    pub email: Vec<Option<String>>,
    /// Phone number.
    pub phone: Vec<Option<String>>,
    /// Given name.
    pub first_name: Vec<&'static str>,
    /// Family name.
    pub last_name: Vec<&'static str>,
    /// Birth date; some without a year (`--MM-DD`), some on 29 February.
    pub birth_date: Vec<Option<BirthDate>>,
    /// Gender, when given.
    pub gender: Vec<Option<Gender>>,
    /// City.
    pub city: Vec<&'static str>,
    /// ISO 3166-1 alpha-2 country: TR, DE, US, GB or JP.
    pub country: Vec<&'static str>,
    /// IANA time zone matching the country.
    pub time_zone: Vec<&'static str>,
    /// Locale, e.g. `tr-TR`.
    pub locale: Vec<&'static str>,
    /// The currency the customer buys in (the country's).
    pub currency: Vec<Currency>,
    /// Income tier, when known.
    pub income_tier: Vec<Option<IncomeTier>>,
}

impl CustomerTable {
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.created_at.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.created_at.is_empty()
    }
}

/// Orders. Money columns satisfy the model's rule
/// `total = subtotal − order_discount + shipping + (tax unless taxes_included)`,
/// and `subtotal` is the sum of the order's line nets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrderTable {
    /// Customer row, or [`GUEST`].
    pub customer: Vec<u32>,
    /// Contact e-mail of a guest order (`None` for customers).
    pub email: Vec<Option<String>>,
    /// When placed.
    pub placed_at: Vec<i64>,
    /// Currency.
    pub currency: Vec<Currency>,
    /// Sum of line nets (after line discounts).
    pub subtotal: Vec<i64>,
    /// All discounts: the order-level discount plus the line discounts (the
    /// `discount` of customer facts).
    pub discount: Vec<i64>,
    /// The order-level (coupon) discount alone.
    pub order_discount: Vec<i64>,
    /// Shipping charged.
    pub shipping: Vec<i64>,
    /// Tax (included in the prices, or added, per `taxes_included`).
    pub tax: Vec<i64>,
    /// Whether prices include the tax.
    pub taxes_included: Vec<bool>,
    /// Grand total.
    pub total: Vec<i64>,
    /// Lifecycle status.
    pub status: Vec<OrderStatus>,
    /// Amount refunded (0 when none).
    pub refunded: Vec<i64>,
    /// When refunded (strictly after `placed_at`), `None` when not refunded.
    pub refunded_at: Vec<Option<i64>>,
    /// Coupon code used, if any.
    pub coupon_code: Vec<Option<&'static str>>,
    /// Sales channel: `web`, `mobile` or `marketplace:<name>`.
    pub channel: Vec<&'static str>,
    /// Attribution `utm_source`.
    pub utm_source: Vec<Option<&'static str>>,
    /// Attribution `utm_medium`.
    pub utm_medium: Vec<Option<&'static str>>,
    /// Attribution `utm_campaign`.
    pub utm_campaign: Vec<Option<&'static str>>,
}

impl OrderTable {
    /// Number of orders.
    pub fn len(&self) -> usize {
        self.placed_at.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.placed_at.is_empty()
    }
}

/// Order lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderLineTable {
    /// Row of the order.
    pub order: Vec<u32>,
    /// Row of the product in the catalogue.
    pub product: Vec<u32>,
    /// Quantity (≥ 1).
    pub quantity: Vec<u32>,
    /// Unit price in the order's currency.
    pub unit_price: Vec<i64>,
    /// Line discount (≤ quantity × unit_price).
    pub discount: Vec<i64>,
}

impl OrderLineTable {
    /// Number of lines.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// `quantity × unit_price − discount` of line `i`.
    pub fn net(&self, i: usize) -> i64 {
        i64::from(self.quantity[i]) * self.unit_price[i] - self.discount[i]
    }
}

/// Carts (checkouts): converted ones point at their order, the others are abandoned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CartTable {
    /// Customer row, or [`GUEST`].
    pub customer: Vec<u32>,
    /// Contact e-mail of a guest cart.
    pub email: Vec<Option<String>>,
    /// Currency.
    pub currency: Vec<Currency>,
    /// Created.
    pub created_at: Vec<i64>,
    /// Last updated (≥ `created_at`).
    pub updated_at: Vec<i64>,
    /// The order row it converted into (same owner, placed at or after `updated_at`).
    pub converted_order: Vec<Option<u32>>,
    /// When it converted (the order's `placed_at`).
    pub converted_at: Vec<Option<i64>>,
}

impl CartTable {
    /// Number of carts.
    pub fn len(&self) -> usize {
        self.created_at.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.created_at.is_empty()
    }
}

/// Cart items.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CartItemTable {
    /// Row of the cart.
    pub cart: Vec<u32>,
    /// Row of the product.
    pub product: Vec<u32>,
    /// Quantity (≥ 1).
    pub quantity: Vec<u32>,
    /// Unit price in the cart's currency.
    pub unit_price: Vec<i64>,
}

impl CartItemTable {
    /// Number of items.
    pub fn len(&self) -> usize {
        self.cart.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.cart.is_empty()
    }
}

/// Consent events (grants and withdrawals), in time order per customer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsentTable {
    /// Customer row.
    pub customer: Vec<u32>,
    /// Channel.
    pub channel: Vec<Channel>,
    /// Purpose.
    pub purpose: Vec<Purpose>,
    /// Granted or withdrawn.
    pub status: Vec<ConsentStatus>,
    /// When.
    pub at: Vec<i64>,
    /// Where it was collected, e.g. `signup_form`.
    pub source: Vec<&'static str>,
    /// Proof reference.
    pub proof: Vec<String>,
    /// Individual or merchant recipient.
    pub recipient_type: Vec<RecipientType>,
}

impl ConsentTable {
    /// Number of consent events.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }
}

/// Behavioural events of customers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventTable {
    /// Customer row.
    pub customer: Vec<u32>,
    /// What happened.
    pub kind: Vec<EventKind>,
    /// When.
    pub at: Vec<i64>,
    /// The product concerned, if any.
    pub product: Vec<Option<u32>>,
}

impl EventTable {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }
}
