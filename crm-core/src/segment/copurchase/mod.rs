//! Co-purchase table ("bought this, also bought") and cross-sell suggestions.
//!
//! A *basket* is one counted order as of an instant: placed at or before it,
//! with a status (after refunds up to the instant, as in the facts) of paid,
//! fulfilled or partially refunded, not refunded in full, and with at least
//! one item at the chosen [`CoPurchaseLevel`]. Its items are the distinct
//! top-level categories of its lines, or the distinct products.
//!
//! For every ordered pair of items `A → B` bought together in at least one
//! basket, with `N` baskets in all:
//!
//! - `pair_count` = baskets containing both `A` and `B`;
//! - `support = pair_count / N`;
//! - `confidence = pair_count / count(A)` (the share of `A`'s baskets that also have `B`);
//! - `lift = confidence / (count(B) / N)` (above 1: `B` is likelier with `A` than without).
//!
//! [`cross_sell`] then proposes to each customer the items that follow from
//! what they have bought and that they have not bought yet.
//!
//! ```
//! use crm_core::model::Store;
//! use crm_core::segment::{co_purchase_table, cross_sell, CoPurchaseOptions, CrossSellOptions};
//! use crm_core::time::parse_instant;
//!
//! let store = Store::from_json(r#"{"orders": [
//!   {"id": "o1", "customer_id": "ann", "placed_at": "2024-02-01T10:00:00Z", "currency": "EUR",
//!    "status": "paid", "subtotal": 300, "total": 300, "lines": [
//!      {"category": ["shoes"], "quantity": 1, "unit_price": 200},
//!      {"category": ["socks"], "quantity": 1, "unit_price": 100}]},
//!   {"id": "o2", "customer_id": "bob", "placed_at": "2024-02-02T10:00:00Z", "currency": "EUR",
//!    "status": "paid", "subtotal": 200, "total": 200, "lines": [
//!      {"category": ["shoes"], "quantity": 1, "unit_price": 200}]}
//! ]}"#)?;
//! let as_of = parse_instant("2024-03-01T00:00:00Z")?;
//! let table = co_purchase_table(&store, as_of, &CoPurchaseOptions::default())?;
//! // N = 2; shoes in 2 baskets, socks in 1; together in 1.
//! // socks → shoes: confidence 1/1, lift 1 / (2/2) = 1; shoes → socks: 1/2, lift (1/2) / (1/2) = 1.
//! assert_eq!(table.baskets, 2);
//! assert_eq!(table.pairs[0].antecedent, "socks");
//! assert_eq!(table.pairs[1].confidence, 0.5);
//! // bob bought shoes, not socks: socks is suggested because of shoes.
//! let s = cross_sell(&store, as_of, &table, &CrossSellOptions::default())?;
//! assert_eq!((s[0].customer_id.as_str(), s[0].item.as_str(), s[0].because.as_str()), ("bob", "socks", "shoes"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use serde_json::{json, Map, Value};

use crate::facts::{guest_key, status_as_of};
use crate::hash::FastHasher;
use crate::model::{LineItem, Order, OrderStatus, Store};
use crate::time::Instant;

mod cross_sell;

pub use cross_sell::{cross_sell, CrossSellOptions, CrossSellSuggestion};

use super::SegmentError;

/// What the items of a basket are.
///
/// ```
/// use crm_core::segment::CoPurchaseLevel;
/// assert_eq!(CoPurchaseLevel::parse("product"), Some(CoPurchaseLevel::Product));
/// assert_eq!(CoPurchaseLevel::default().as_str(), "category");
/// assert_eq!(CoPurchaseLevel::parse("brand"), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CoPurchaseLevel {
    /// The top-level category of each line (`category[0]`); lines without a
    /// category (or with an empty top level) are left out.
    #[default]
    Category,
    /// The product of each line: `product_id`, else `sku`; lines with neither
    /// (or only empty ones) are left out.
    Product,
}

impl CoPurchaseLevel {
    /// The JSON name: `"category"` or `"product"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CoPurchaseLevel::Category => "category",
            CoPurchaseLevel::Product => "product",
        }
    }

    /// Parses the JSON name.
    pub fn parse(s: &str) -> Option<CoPurchaseLevel> {
        match s {
            "category" => Some(CoPurchaseLevel::Category),
            "product" => Some(CoPurchaseLevel::Product),
            _ => None,
        }
    }

    /// The item a line contributes at this level, if any.
    fn item(self, line: &LineItem) -> Option<&str> {
        let non_empty = |s: &&str| !s.is_empty();
        match self {
            CoPurchaseLevel::Category => line.top_category().filter(non_empty),
            CoPurchaseLevel::Product => {
                line.product_id.as_deref().filter(non_empty).or_else(|| line.sku.as_deref().filter(non_empty))
            }
        }
    }
}

/// Options of [`co_purchase_table`].
///
/// ```
/// use crm_core::segment::{CoPurchaseLevel, CoPurchaseOptions};
/// let o = CoPurchaseOptions::default();
/// assert_eq!((o.level, o.min_pair_count, o.min_confidence), (CoPurchaseLevel::Category, 1, 0.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CoPurchaseOptions {
    /// What the items are (default [`CoPurchaseLevel::Category`]).
    pub level: CoPurchaseLevel,
    /// Keep only pairs bought together in at least this many baskets (default 1; at least 1).
    pub min_pair_count: u64,
    /// Keep only pairs whose confidence is at least this (default 0; 0 to 1).
    pub min_confidence: f64,
}

impl Default for CoPurchaseOptions {
    fn default() -> Self {
        CoPurchaseOptions { level: CoPurchaseLevel::Category, min_pair_count: 1, min_confidence: 0.0 }
    }
}

impl CoPurchaseOptions {
    /// Options from their JSON form, `{"level": "category" | "product",
    /// "min_pair_count": 2, "min_confidence": 0.1}` (every field optional; `null` means the default).
    ///
    /// # Errors
    /// [`SegmentError::InvalidOption`] naming the field: an unknown field, a
    /// wrong type or a value out of range (see [`CoPurchaseOptions::validate`]);
    /// field `options` when the value is not an object.
    ///
    /// ```
    /// use crm_core::segment::{CoPurchaseLevel, CoPurchaseOptions, SegmentError};
    /// let o = CoPurchaseOptions::from_json(&serde_json::json!({"level": "product", "min_pair_count": 3}))?;
    /// assert_eq!((o.level, o.min_pair_count), (CoPurchaseLevel::Product, 3));
    /// let e = CoPurchaseOptions::from_json(&serde_json::json!({"levle": "product"})).unwrap_err();
    /// assert!(matches!(e, SegmentError::InvalidOption { field, .. } if field == "levle"));
    /// # Ok::<(), SegmentError>(())
    /// ```
    pub fn from_json(v: &Value) -> Result<CoPurchaseOptions, SegmentError> {
        let mut o = CoPurchaseOptions::default();
        for (key, value) in object(v)? {
            if value.is_null() {
                continue;
            }
            match key.as_str() {
                "level" => {
                    o.level = value
                        .as_str()
                        .and_then(CoPurchaseLevel::parse)
                        .ok_or_else(|| invalid("level", format!("expected \"category\" or \"product\", got {value}")))?
                }
                "min_pair_count" => o.min_pair_count = json_u64("min_pair_count", value)?,
                "min_confidence" => o.min_confidence = json_f64("min_confidence", value)?,
                other => return Err(unknown(other, "level, min_pair_count, min_confidence")),
            }
        }
        o.validate()?;
        Ok(o)
    }

    /// Checks the ranges: `min_pair_count ≥ 1`, `min_confidence` finite and in 0..=1.
    ///
    /// # Errors
    /// [`SegmentError::InvalidOption`] naming the field.
    ///
    /// ```
    /// use crm_core::segment::CoPurchaseOptions;
    /// assert!(CoPurchaseOptions { min_pair_count: 0, ..Default::default() }.validate().is_err());
    /// assert!(CoPurchaseOptions { min_confidence: 1.5, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), SegmentError> {
        if self.min_pair_count < 1 {
            return Err(invalid("min_pair_count", "must be at least 1, got 0".into()));
        }
        check_unit("min_confidence", self.min_confidence)
    }
}

/// One rule `antecedent → consequent` of a [`CoPurchaseTable`].
///
/// ```
/// use crm_core::segment::CoPurchasePair;
/// // 2 of the 3 baskets with shoes also have socks; socks are in 3 of 5 baskets.
/// let p = CoPurchasePair { antecedent: "shoes".into(), consequent: "socks".into(), pair_count: 2,
///     antecedent_count: 3, consequent_count: 3, support: 0.4, confidence: 2.0 / 3.0, lift: 10.0 / 9.0 };
/// assert_eq!(p.to_json()["lift"], 10.0 / 9.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CoPurchasePair {
    /// The item bought (`A`).
    pub antecedent: String,
    /// The item also bought (`B`).
    pub consequent: String,
    /// Baskets containing both.
    pub pair_count: u64,
    /// Baskets containing the antecedent.
    pub antecedent_count: u64,
    /// Baskets containing the consequent.
    pub consequent_count: u64,
    /// `pair_count / N`.
    pub support: f64,
    /// `pair_count / antecedent_count`.
    pub confidence: f64,
    /// `confidence / (consequent_count / N)`.
    pub lift: f64,
}

impl CoPurchasePair {
    /// The JSON form: an object with every field.
    pub fn to_json(&self) -> Value {
        json!({
            "antecedent": self.antecedent,
            "consequent": self.consequent,
            "pair_count": self.pair_count,
            "antecedent_count": self.antecedent_count,
            "consequent_count": self.consequent_count,
            "support": self.support,
            "confidence": self.confidence,
            "lift": self.lift,
        })
    }
}

/// The co-purchase rules of a store, from [`co_purchase_table`].
///
/// Pairs are ordered by `pair_count` descending, then confidence descending
/// (compared exactly as fractions), then antecedent and consequent ascending
/// (byte order), so the same store always gives the same table.
///
/// ```
/// use crm_core::segment::{CoPurchaseLevel, CoPurchaseTable};
/// let t = CoPurchaseTable { level: CoPurchaseLevel::Product, baskets: 0, pairs: vec![] };
/// assert!(t.is_empty());
/// assert_eq!(t.to_json(), serde_json::json!({"level": "product", "baskets": 0, "pairs": []}));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CoPurchaseTable {
    /// What the items are.
    pub level: CoPurchaseLevel,
    /// `N`: the counted orders with at least one item at `level`.
    pub baskets: u64,
    /// The pairs that pass the options' filters.
    pub pairs: Vec<CoPurchasePair>,
}

impl CoPurchaseTable {
    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The JSON form: `{"level": "category", "baskets": N, "pairs": [{"antecedent", "consequent",
    /// "pair_count", "antecedent_count", "consequent_count", "support", "confidence", "lift"}, …]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "level": self.level.as_str(),
            "baskets": self.baskets,
            "pairs": self.pairs.iter().map(CoPurchasePair::to_json).collect::<Vec<_>>(),
        })
    }
}

/// The co-purchase table of a validated store as of `as_of`.
///
/// `N` (`baskets`) is the number of counted orders (see the module
/// documentation) having at least one item at `options.level`; orders without
/// such an item count nowhere. A basket with one item counts towards `N` and
/// its item's count but makes no pair. An order's items are deduplicated, so
/// two lines of the same category count once. Orders whose owner has neither a
/// customer id nor a contact still count (the table does not need the owner).
///
/// Takes time linear in the lines plus the pairs of each basket (`k(k − 1)/2`
/// for `k` items), and memory for the distinct pairs.
///
/// # Errors
/// [`SegmentError::InvalidOption`] when the options are out of range
/// ([`CoPurchaseOptions::validate`]).
///
/// ```
/// use crm_core::model::Store;
/// use crm_core::segment::{co_purchase_table, CoPurchaseLevel, CoPurchaseOptions};
/// use crm_core::time::parse_instant;
///
/// let store = Store::from_json(r#"{"orders": [
///   {"id": "o1", "customer_id": "ann", "placed_at": "2024-02-01T10:00:00Z", "currency": "EUR",
///    "status": "paid", "subtotal": 300, "total": 300, "lines": [
///      {"product_id": "p1", "quantity": 1, "unit_price": 100},
///      {"sku": "S-2", "quantity": 2, "unit_price": 100}]},
///   {"id": "o2", "customer_id": "ann", "placed_at": "2024-02-02T10:00:00Z", "currency": "EUR",
///    "status": "cancelled", "subtotal": 100, "total": 100, "lines": [
///      {"product_id": "p1", "quantity": 1, "unit_price": 100}]}
/// ]}"#)?;
/// let options = CoPurchaseOptions { level: CoPurchaseLevel::Product, ..Default::default() };
/// let table = co_purchase_table(&store, parse_instant("2024-03-01T00:00:00Z")?, &options)?;
/// // The cancelled order is no basket: N = 1, and p1 and S-2 are always together.
/// assert_eq!(table.baskets, 1);
/// let pairs: Vec<_> = table.pairs.iter().map(|p| (p.antecedent.as_str(), p.consequent.as_str(), p.lift)).collect();
/// assert_eq!(pairs, [("S-2", "p1", 1.0), ("p1", "S-2", 1.0)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn co_purchase_table(
    store: &Store,
    as_of: Instant,
    options: &CoPurchaseOptions,
) -> Result<CoPurchaseTable, SegmentError> {
    options.validate()?;
    let level = options.level;
    let mut names = Interner::default();
    let mut item_count: Vec<u64> = Vec::new();
    let mut pair_count: HashMap<u64, u64, BuildHasherDefault<FastHasher>> = HashMap::default();
    let mut baskets: u64 = 0;
    let mut basket: Vec<u32> = Vec::new();
    for o in store.orders.iter().filter(|o| is_counted(o, as_of)) {
        basket.clear();
        for item in o.lines.iter().filter_map(|l| level.item(l)) {
            basket.push(names.intern(item)?);
        }
        if basket.is_empty() {
            continue;
        }
        basket.sort_unstable();
        basket.dedup();
        baskets += 1;
        item_count.resize(names.len(), 0);
        for (i, &a) in basket.iter().enumerate() {
            item_count[a as usize] += 1;
            for &b in &basket[i + 1..] {
                *pair_count.entry(pair_key(a, b)).or_insert(0) += 1;
            }
        }
    }

    // Order the kept pairs on integers (counts, and each item's place in byte
    // order) before making strings.
    let name_rank = names.ranks();
    let mut kept: Vec<(u64, u32, u32)> = Vec::new();
    for (&key, &together) in &pair_count {
        let (lo, hi) = ((key >> 32) as u32, key as u32);
        for (a, b) in [(lo, hi), (hi, lo)] {
            let confidence = together as f64 / item_count[a as usize] as f64;
            if together >= options.min_pair_count && confidence >= options.min_confidence {
                kept.push((together, a, b));
            }
        }
    }
    kept.sort_unstable_by(|&(n1, a1, b1), &(n2, a2, b2)| {
        n2.cmp(&n1)
            .then_with(|| ratio_cmp(n2, item_count[a2 as usize], n1, item_count[a1 as usize]))
            .then_with(|| name_rank[a1 as usize].cmp(&name_rank[a2 as usize]))
            .then_with(|| name_rank[b1 as usize].cmp(&name_rank[b2 as usize]))
    });
    let n = baskets;
    let pairs = kept
        .into_iter()
        .map(|(together, a, b)| {
            let (count_a, count_b) = (item_count[a as usize], item_count[b as usize]);
            CoPurchasePair {
                antecedent: names.name(a).to_string(),
                consequent: names.name(b).to_string(),
                pair_count: together,
                antecedent_count: count_a,
                consequent_count: count_b,
                support: together as f64 / n as f64,
                confidence: together as f64 / count_a as f64,
                // pair_count × N / (count(A) × count(B)), with one rounding.
                lift: (u128::from(together) * u128::from(n)) as f64
                    / (u128::from(count_a) * u128::from(count_b)) as f64,
            }
        })
        .collect();
    Ok(CoPurchaseTable { level, baskets, pairs })
}

/// Whether an order is counted as of `as_of`, as in the facts: placed by then,
/// and (after the refunds made by then) paid, fulfilled or partially refunded,
/// and not refunded in full.
fn is_counted(o: &Order, as_of: Instant) -> bool {
    if o.placed_at > as_of {
        return false;
    }
    let refunded = o.refunded_as_of(as_of);
    let status = status_as_of(o.status, o.total, refunded, !o.refunds.is_empty());
    matches!(status, OrderStatus::Paid | OrderStatus::Fulfilled | OrderStatus::PartiallyRefunded)
        && (refunded < o.total || o.total == 0)
}

/// The facts key of an order's owner: the customer id, else the guest key.
fn owner_key(o: &Order) -> Option<Cow<'_, str>> {
    if let Some(id) = o.customer_id.as_deref() {
        return Some(Cow::Borrowed(id));
    }
    let c = o.contact.as_ref()?;
    guest_key(c.email.as_deref(), c.phone.as_deref()).map(Cow::Owned)
}

/// Item names interned to dense ids, in order of first appearance.
#[derive(Default)]
struct Interner<'a> {
    ids: HashMap<&'a str, u32, BuildHasherDefault<FastHasher>>,
    names: Vec<&'a str>,
}

impl<'a> Interner<'a> {
    fn intern(&mut self, s: &'a str) -> Result<u32, SegmentError> {
        if let Some(&id) = self.ids.get(s) {
            return Ok(id);
        }
        let id = u32::try_from(self.names.len())
            .map_err(|_| invalid("level", "more than 4294967295 distinct items".into()))?;
        self.ids.insert(s, id);
        self.names.push(s);
        Ok(id)
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    fn name(&self, id: u32) -> &'a str {
        self.names[id as usize]
    }

    fn len(&self) -> usize {
        self.names.len()
    }

    /// Each id's place among the names in byte order.
    fn ranks(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = (0..self.names.len() as u32).collect();
        ids.sort_unstable_by_key(|&i| self.names[i as usize]);
        let mut rank = vec![0u32; ids.len()];
        for (r, &i) in (0u32..).zip(&ids) {
            rank[i as usize] = r;
        }
        rank
    }
}

/// The key of an unordered pair `a < b`.
fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// `n1 / d1` against `n2 / d2`, exactly (by cross-multiplication).
fn ratio_cmp(n1: u64, d1: u64, n2: u64, d2: u64) -> Ordering {
    (u128::from(n1) * u128::from(d2)).cmp(&(u128::from(n2) * u128::from(d1)))
}

fn object(v: &Value) -> Result<&Map<String, Value>, SegmentError> {
    v.as_object().ok_or_else(|| invalid("options", format!("expected a JSON object, got {v}")))
}

fn json_u64(field: &str, v: &Value) -> Result<u64, SegmentError> {
    v.as_u64().ok_or_else(|| invalid(field, format!("expected a non-negative integer, got {v}")))
}

fn json_f64(field: &str, v: &Value) -> Result<f64, SegmentError> {
    v.as_f64().ok_or_else(|| invalid(field, format!("expected a number, got {v}")))
}

fn check_unit(field: &str, x: f64) -> Result<(), SegmentError> {
    if x.is_finite() && (0.0..=1.0).contains(&x) {
        Ok(())
    } else {
        Err(invalid(field, format!("must be a number from 0 to 1, got {x}")))
    }
}

fn unknown(field: &str, known: &str) -> SegmentError {
    invalid(field, format!("unknown option (expected {known})"))
}

fn invalid(field: &str, message: String) -> SegmentError {
    SegmentError::InvalidOption { field: field.into(), message }
}

#[cfg(test)]
mod tests;
