//! Cross-sell suggestions: for each customer, the items that follow from
//! what they bought (by the co-purchase table) and that they have not bought yet.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde_json::{json, Value};

use super::{
    check_unit, invalid, is_counted, json_f64, json_u64, object, owner_key, ratio_cmp, unknown, CoPurchaseTable,
    Interner,
};
use crate::model::Store;
use crate::segment::SegmentError;
use crate::time::Instant;

/// Options of [`cross_sell`].
///
/// ```
/// use crm_core::segment::CrossSellOptions;
/// let o = CrossSellOptions::default();
/// assert_eq!((o.per_customer, o.min_confidence, o.min_lift), (3, 0.0, 1.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CrossSellOptions {
    /// Suggestions per customer at most, 1 to 100 (default 3).
    pub per_customer: usize,
    /// Only pairs whose confidence is at least this (default 0; 0 to 1).
    pub min_confidence: f64,
    /// Only pairs whose lift is at least this (default 1: pairs that lift); finite, at least 0.
    pub min_lift: f64,
}

impl Default for CrossSellOptions {
    fn default() -> Self {
        CrossSellOptions { per_customer: 3, min_confidence: 0.0, min_lift: 1.0 }
    }
}

impl CrossSellOptions {
    /// Options from their JSON form, `{"per_customer": 3, "min_confidence": 0.2, "min_lift": 1.5}`
    /// (every field optional; `null` means the default).
    ///
    /// # Errors
    /// [`SegmentError::InvalidOption`] naming the field: an unknown field, a
    /// wrong type or a value out of range (see [`CrossSellOptions::validate`]);
    /// field `options` when the value is not an object.
    ///
    /// ```
    /// use crm_core::segment::{CrossSellOptions, SegmentError};
    /// let o = CrossSellOptions::from_json(&serde_json::json!({"per_customer": 5, "min_lift": 2}))?;
    /// assert_eq!((o.per_customer, o.min_lift), (5, 2.0));
    /// let e = CrossSellOptions::from_json(&serde_json::json!({"per_customer": 0})).unwrap_err();
    /// assert!(matches!(e, SegmentError::InvalidOption { field, .. } if field == "per_customer"));
    /// # Ok::<(), SegmentError>(())
    /// ```
    pub fn from_json(v: &Value) -> Result<CrossSellOptions, SegmentError> {
        let mut o = CrossSellOptions::default();
        for (key, value) in object(v)? {
            if value.is_null() {
                continue;
            }
            match key.as_str() {
                "per_customer" => {
                    let n = json_u64("per_customer", value)?;
                    o.per_customer = usize::try_from(n).unwrap_or(usize::MAX);
                }
                "min_confidence" => o.min_confidence = json_f64("min_confidence", value)?,
                "min_lift" => o.min_lift = json_f64("min_lift", value)?,
                other => return Err(unknown(other, "per_customer, min_confidence, min_lift")),
            }
        }
        o.validate()?;
        Ok(o)
    }

    /// Checks the ranges: `per_customer` 1 to 100, `min_confidence` finite and
    /// in 0..=1, `min_lift` finite and at least 0.
    ///
    /// # Errors
    /// [`SegmentError::InvalidOption`] naming the field.
    ///
    /// ```
    /// use crm_core::segment::CrossSellOptions;
    /// assert!(CrossSellOptions { per_customer: 101, ..Default::default() }.validate().is_err());
    /// assert!(CrossSellOptions { min_lift: f64::NAN, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), SegmentError> {
        if !(1..=100).contains(&self.per_customer) {
            return Err(invalid("per_customer", format!("must be 1 to 100, got {}", self.per_customer)));
        }
        check_unit("min_confidence", self.min_confidence)?;
        if !self.min_lift.is_finite() || self.min_lift < 0.0 {
            return Err(invalid("min_lift", format!("must be a finite number at least 0, got {}", self.min_lift)));
        }
        Ok(())
    }
}

/// An item to offer a customer, from [`cross_sell`].
///
/// ```
/// use crm_core::segment::CrossSellSuggestion;
/// let s = CrossSellSuggestion { customer_id: "ann".into(), item: "socks".into(), score: 0.5,
///                               because: "shoes".into(), lift: 1.25 };
/// assert_eq!(s.to_json(), serde_json::json!(
///     {"customer_id": "ann", "item": "socks", "score": 0.5, "because": "shoes", "lift": 1.25}));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CrossSellSuggestion {
    /// The customer key (customer id, or `guest:` + e-mail or phone, as in the facts).
    pub customer_id: String,
    /// The item to offer (a category or product, as the table's level).
    pub item: String,
    /// The confidence of the best rule leading to the item.
    pub score: f64,
    /// The antecedent of that rule: an item the customer bought.
    pub because: String,
    /// The lift of that rule.
    pub lift: f64,
}

impl CrossSellSuggestion {
    /// The JSON form: `{"customer_id", "item", "score", "because", "lift"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "customer_id": self.customer_id,
            "item": self.item,
            "score": self.score,
            "because": self.because,
            "lift": self.lift,
        })
    }
}

/// Cross-sell suggestions for every customer of a validated store as of `as_of`.
///
/// A customer's bought items are the items (at the table's level) of all their
/// baskets, counted as for [`co_purchase_table`]; orders are grouped by the
/// facts' customer key (customer id, else `guest:` + lower-cased e-mail, else
/// `guest:` + phone; orders with neither are left out). The candidates are the
/// consequents `B` of the table's pairs `A → B` with `A` bought, `B` not
/// bought, confidence ≥ `min_confidence` and lift ≥ `min_lift`. A candidate's
/// score is its best confidence over those pairs (compared exactly as
/// fractions); on a tie the smaller antecedent is `because`. Each customer
/// keeps the best `per_customer` candidates, by score descending then item
/// ascending. The result is ordered by customer key, then rank; customers
/// without a candidate do not appear.
///
/// The table is usually computed from the same store and instant, but any table works.
///
/// # Errors
/// [`SegmentError::InvalidOption`] when the options are out of range
/// ([`CrossSellOptions::validate`]).
///
/// ```
/// use crm_core::model::Store;
/// use crm_core::segment::{co_purchase_table, cross_sell, CoPurchaseOptions, CrossSellOptions};
/// use crm_core::time::parse_instant;
///
/// let store = Store::from_json(r#"{"orders": [
///   {"id": "o1", "customer_id": "ann", "placed_at": "2024-02-01T10:00:00Z", "currency": "EUR",
///    "status": "paid", "subtotal": 200, "total": 200, "lines": [
///      {"category": ["hats"], "quantity": 1, "unit_price": 100},
///      {"category": ["gloves"], "quantity": 1, "unit_price": 100}]},
///   {"id": "o2", "customer_id": "bob", "placed_at": "2024-02-02T10:00:00Z", "currency": "EUR",
///    "status": "paid", "subtotal": 100, "total": 100, "lines": [
///      {"category": ["scarves"], "quantity": 1, "unit_price": 100}]},
///   {"contact": {"email": "Cem@Example.com"}, "id": "o3", "placed_at": "2024-02-03T10:00:00Z",
///    "currency": "EUR", "status": "paid", "subtotal": 100, "total": 100, "lines": [
///      {"category": ["hats"], "quantity": 1, "unit_price": 100}]}
/// ]}"#)?;
/// let as_of = parse_instant("2024-03-01T00:00:00Z")?;
/// let table = co_purchase_table(&store, as_of, &CoPurchaseOptions::default())?;
/// // hats → gloves: confidence 1/2, lift (1/2) / (1/3) = 1.5.
/// let s = cross_sell(&store, as_of, &table, &CrossSellOptions::default())?;
/// assert_eq!(s.len(), 1);
/// assert_eq!((s[0].customer_id.as_str(), s[0].item.as_str(), s[0].score, s[0].lift),
///            ("guest:cem@example.com", "gloves", 0.5, 1.5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cross_sell(
    store: &Store,
    as_of: Instant,
    table: &CoPurchaseTable,
    options: &CrossSellOptions,
) -> Result<Vec<CrossSellSuggestion>, SegmentError> {
    options.validate()?;
    let pairs = &table.pairs;
    // Only items of the table matter: an antecedent must be in it, and a bought
    // consequent is in it by definition. `usable` holds (pair_count,
    // antecedent_count, antecedent, consequent, index) of the usable pairs.
    let mut names = Interner::default();
    let mut usable: Vec<(u64, u64, u32, u32, u32)> = Vec::new();
    for (i, p) in pairs.iter().enumerate() {
        let ok = p.confidence.is_finite()
            && p.lift.is_finite()
            && p.confidence >= options.min_confidence
            && p.lift >= options.min_lift
            && p.antecedent != p.consequent;
        if ok {
            let i = u32::try_from(i).map_err(|_| invalid("table", "more than 4294967295 pairs".into()))?;
            let (a, b) = (names.intern(&p.antecedent)?, names.intern(&p.consequent)?);
            usable.push((p.pair_count, p.antecedent_count, a, b, i));
        }
    }
    if usable.is_empty() {
        return Ok(Vec::new());
    }
    // Order of preference: confidence descending (exactly), then antecedent
    // ascending, so that the first usable pair into an item is its best one
    // and names the right `because`.
    let name_rank = names.ranks();
    let rank_of = |id: u32| name_rank[id as usize];
    usable.sort_unstable_by(|x, y| {
        ratio_cmp(y.0, y.1, x.0, x.1)
            .then_with(|| rank_of(x.2).cmp(&rank_of(y.2)))
            .then_with(|| rank_of(x.3).cmp(&rank_of(y.3)))
            .then_with(|| x.4.cmp(&y.4))
    });
    // `rules[a]` lists the usable pairs from `a` in order of preference.
    let mut rules: Vec<Vec<Rule>> = vec![Vec::new(); names.len()];
    let mut score_rank: u32 = 0;
    for (rank, (k, u)) in (0u32..).zip(usable.iter().enumerate()) {
        if k > 0 && ratio_cmp(usable[k - 1].0, usable[k - 1].1, u.0, u.1).is_ne() {
            score_rank += 1;
        }
        rules[u.2 as usize].push(Rule { rank, score_rank, consequent: u.3 });
    }

    let mut bought: HashMap<Cow<'_, str>, Vec<u32>> = HashMap::new();
    for o in store.orders.iter().filter(|o| is_counted(o, as_of)) {
        let Some(key) = owner_key(o) else { continue };
        let items = o.lines.iter().filter_map(|l| table.level.item(l)).filter_map(|s| names.get(s));
        bought.entry(key).or_default().extend(items);
    }
    let mut customers: Vec<(Cow<'_, str>, Vec<u32>)> = bought.into_iter().collect();
    customers.sort_unstable_by(|x, y| x.0.cmp(&y.0));

    // Per customer, merge the rule lists of the bought items in order of
    // preference; the first time an unbought item comes up is its best rule.
    // Stop once `per_customer` items are found and the next rule scores lower.
    let keep = options.per_customer;
    let mut seen: Vec<u32> = vec![0; names.len()];
    let mut heap: BinaryHeap<Reverse<(u32, u32, u32)>> = BinaryHeap::new();
    let mut found: Vec<(u32, u32, Rule)> = Vec::new();
    let mut out = Vec::new();
    for (stamp, (customer, mut items)) in (1u32..).zip(customers) {
        items.sort_unstable();
        items.dedup();
        heap.clear();
        found.clear();
        for &a in &items {
            seen[a as usize] = stamp;
            if let Some(first) = rules.get(a as usize).and_then(|r| r.first()) {
                heap.push(Reverse((first.rank, a, 0)));
            }
        }
        while let Some(Reverse((_, a, at))) = heap.pop() {
            let list = &rules[a as usize];
            let r = list[at as usize];
            if found.len() >= keep && found[keep - 1].0 < r.score_rank {
                break;
            }
            if let Some(next) = list.get(at as usize + 1) {
                heap.push(Reverse((next.rank, a, at + 1)));
            }
            let b = r.consequent as usize;
            if seen[b] != stamp {
                seen[b] = stamp;
                found.push((r.score_rank, name_rank[b], r));
            }
        }
        found.sort_unstable_by_key(|&(score, name, _)| (score, name));
        for &(_, _, r) in found.iter().take(keep) {
            let p = &pairs[usable[r.rank as usize].4 as usize];
            out.push(CrossSellSuggestion {
                customer_id: customer.to_string(),
                item: p.consequent.clone(),
                score: p.confidence,
                because: p.antecedent.clone(),
                lift: p.lift,
            });
        }
    }
    Ok(out)
}

/// A usable pair of [`cross_sell`], from its antecedent.
#[derive(Clone, Copy)]
struct Rule {
    /// Place in the order of preference (unique).
    rank: u32,
    /// Dense rank of the confidence (equal confidences share it; smaller is higher).
    score_rank: u32,
    /// The consequent's id.
    consequent: u32,
}
