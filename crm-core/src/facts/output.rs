//! The facts table: one row per customer, as columns.

use serde_json::{json, Map, Value};

use crate::column::StrColumn;
use crate::facts::category::CategorySpend;
use crate::money::Currency;
use crate::time::{format_instant, from_micros};

/// Customer facts as columns; row `i` of every column is customer `customer_id[i]`.
/// Rows are sorted by customer id. Instants are µs since the Unix epoch (UTC).
/// Definitions: `docs/facts.md`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomerFacts {
    /// Customer key (guests: `guest:` + e-mail or phone).
    pub customer_id: StrColumn,
    /// First counted order (µs).
    pub first_order_at: Vec<Option<i64>>,
    /// Last counted order (µs).
    pub last_order_at: Vec<Option<i64>>,
    /// Counted (paid, not fully refunded, not cancelled or pending) orders.
    pub order_count: Vec<u32>,
    /// Sum of counted totals minus their refunds, minor units.
    pub net_spend: Vec<i64>,
    /// Currency of the money columns; `None` for a customer without money facts.
    pub currency: Vec<Option<Currency>>,
    /// `net_spend / order_count` rounded half to even.
    pub average_order_value: Vec<Option<i64>>,
    /// Whole days from the last counted order to the instant.
    pub days_since_last_order: Vec<Option<i64>>,
    /// Whole days from the first sign of the customer to the instant.
    pub tenure_days: Vec<Option<i64>>,
    /// Distinct top-level categories over counted orders' lines.
    pub distinct_categories: Vec<u32>,
    /// Line net per top-level category over counted orders, sorted by category name.
    pub spend_by_category: CategorySpend,
    /// Index into `spend_by_category.categories` of the category with the
    /// highest spend (ties: the smaller name).
    pub top_category: Vec<Option<u32>>,
    /// Share of counted orders with a discount.
    pub discounted_order_share: Vec<Option<f64>>,
    /// Orders with a refund at or before the instant.
    pub refund_count: Vec<u32>,
    /// Sum of those refunds.
    pub refund_amount: Vec<i64>,
    /// Carts abandoned as of the instant.
    pub abandoned_cart_count: Vec<u32>,
    /// Last update of the most recent abandoned cart (µs).
    pub last_abandoned_at: Vec<Option<i64>>,
    /// Latest order, cart update, event or sign-up at or before the instant (µs).
    pub last_activity_at: Vec<Option<i64>>,
}

fn instant(v: Option<i64>) -> Value {
    v.and_then(from_micros).map_or(Value::Null, |t| Value::String(format_instant(t)))
}

impl CustomerFacts {
    /// Empty columns with room for `n` customers.
    pub fn with_capacity(n: usize) -> Self {
        CustomerFacts {
            customer_id: StrColumn::new(),
            first_order_at: Vec::with_capacity(n),
            last_order_at: Vec::with_capacity(n),
            order_count: Vec::with_capacity(n),
            net_spend: Vec::with_capacity(n),
            currency: Vec::with_capacity(n),
            average_order_value: Vec::with_capacity(n),
            days_since_last_order: Vec::with_capacity(n),
            tenure_days: Vec::with_capacity(n),
            distinct_categories: Vec::with_capacity(n),
            spend_by_category: CategorySpend::default(),
            top_category: Vec::with_capacity(n),
            discounted_order_share: Vec::with_capacity(n),
            refund_count: Vec::with_capacity(n),
            refund_amount: Vec::with_capacity(n),
            abandoned_cart_count: Vec::with_capacity(n),
            last_abandoned_at: Vec::with_capacity(n),
            last_activity_at: Vec::with_capacity(n),
        }
    }

    /// Name of customer `i`'s top category.
    pub fn top_category_name(&self, i: usize) -> Option<&str> {
        self.top_category[i].map(|c| self.spend_by_category.categories[c as usize].as_str())
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customer_id.len()
    }

    /// True when there are no customers.
    pub fn is_empty(&self) -> bool {
        self.customer_id.is_empty()
    }

    /// Row `i` as a JSON object (instants as RFC 3339 text), the wire form.
    pub fn row_json(&self, i: usize) -> Value {
        let spend: Map<String, Value> = self.spend_by_category.row(i).map(|(k, v)| (k.to_string(), json!(v))).collect();
        json!({
            "customer_id": self.customer_id.get(i),
            "first_order_at": instant(self.first_order_at[i]),
            "last_order_at": instant(self.last_order_at[i]),
            "order_count": self.order_count[i],
            "net_spend": self.net_spend[i],
            "currency": self.currency[i].map(|c| c.code().to_string()),
            "average_order_value": self.average_order_value[i],
            "days_since_last_order": self.days_since_last_order[i],
            "tenure_days": self.tenure_days[i],
            "distinct_categories": self.distinct_categories[i],
            "spend_by_category": spend,
            "top_category": self.top_category_name(i),
            "discounted_order_share": self.discounted_order_share[i],
            "refund_count": self.refund_count[i],
            "refund_amount": self.refund_amount[i],
            "abandoned_cart_count": self.abandoned_cart_count[i],
            "last_abandoned_at": instant(self.last_abandoned_at[i]),
            "last_activity_at": instant(self.last_activity_at[i]),
        })
    }

    /// Every row as JSON, in customer-id order.
    pub fn to_json_rows(&self) -> Vec<Value> {
        (0..self.len()).map(|i| self.row_json(i)).collect()
    }
}
