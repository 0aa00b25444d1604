//! Unit tests of the co-purchase table and cross-sell, worked by hand.
use std::hash::{Hash, Hasher};

use super::*;
use crate::time::parse_instant;

fn at(s: &str) -> Instant {
    parse_instant(s).expect("test instant")
}

/// An order of `customer` on 2024-02-`day` with one line per category (100 each).
fn order(id: &str, customer: &str, day: u32, categories: &[&str]) -> Value {
    let lines: Vec<Value> =
        categories.iter().map(|c| json!({"category": [c, "sub"], "quantity": 1, "unit_price": 100})).collect();
    let total = 100 * categories.len() as i64;
    json!({"id": id, "customer_id": customer, "placed_at": format!("2024-02-{day:02}T10:00:00Z"),
           "currency": "EUR", "status": "paid", "subtotal": total, "total": total, "lines": lines})
}

fn store(orders: Vec<Value>) -> Store {
    Store::from_value(json!({ "orders": orders })).expect("valid test store")
}

fn five_baskets() -> Store {
    store(vec![
        order("o1", "ann", 1, &["shoes", "socks"]),
        order("o2", "ann", 2, &["shoes", "socks", "hats"]),
        order("o3", "bob", 3, &["shoes"]),
        order("o4", "bob", 4, &["hats"]),
        order("o5", "cem", 5, &["socks", "hats"]),
    ])
}

fn find<'t>(t: &'t CoPurchaseTable, a: &str, b: &str) -> &'t CoPurchasePair {
    t.pairs.iter().find(|p| p.antecedent == a && p.consequent == b).expect("pair present")
}

#[test]
fn five_baskets_by_hand() {
    let t =
        co_purchase_table(&five_baskets(), at("2024-03-01T00:00:00Z"), &CoPurchaseOptions::default()).expect("table");
    // Each of shoes, socks, hats is in 3 of N = 5 baskets.
    // Together: shoes+socks in o1, o2 (2); shoes+hats in o2 (1); socks+hats in o2, o5 (2).
    assert_eq!(t.baskets, 5);
    assert_eq!(t.len(), 6);
    let p = find(&t, "shoes", "socks");
    assert_eq!((p.pair_count, p.antecedent_count, p.consequent_count), (2, 3, 3));
    assert_eq!(p.support, 2.0 / 5.0);
    assert_eq!(p.confidence, 2.0 / 3.0);
    // (2/3) / (3/5) = 10/9.
    assert!((p.lift - 10.0 / 9.0).abs() < 1e-12);
    let p = find(&t, "hats", "shoes");
    // 1/3 confidence, lift (1/3) / (3/5) = 5/9.
    assert_eq!(p.pair_count, 1);
    assert!((p.lift - 5.0 / 9.0).abs() < 1e-12);
    // Order: count 2 first (all confidence 2/3), by antecedent then consequent; then count 1.
    let order: Vec<(&str, &str)> = t.pairs.iter().map(|p| (p.antecedent.as_str(), p.consequent.as_str())).collect();
    assert_eq!(
        order,
        [
            ("hats", "socks"),
            ("shoes", "socks"),
            ("socks", "hats"),
            ("socks", "shoes"),
            ("hats", "shoes"),
            ("shoes", "hats")
        ]
    );
}

#[test]
fn confidence_ties_broken_exactly() {
    // o1 {x,y,z}, o2 {x,y}, o3 {x}: count(x) = 3, count(y) = 2, count(z) = 1;
    // together x+y 2 (o1, o2), x+z 1 (o1), y+z 1 (o1).
    let s = store(vec![
        order("o1", "a", 1, &["x", "y", "z"]),
        order("o2", "a", 2, &["x", "y"]),
        order("o3", "a", 3, &["x"]),
    ]);
    let t = co_purchase_table(&s, at("2024-03-01T00:00:00Z"), &CoPurchaseOptions::default()).expect("table");
    let order: Vec<(&str, &str)> = t.pairs.iter().map(|p| (p.antecedent.as_str(), p.consequent.as_str())).collect();
    // Count 2: y→x (2/2) before x→y (2/3). Count 1: z→x, z→y (1/1), y→z (1/2), x→z (1/3).
    assert_eq!(order, [("y", "x"), ("x", "y"), ("z", "x"), ("z", "y"), ("y", "z"), ("x", "z")]);
}

#[test]
fn ratio_cmp_is_exact() {
    assert_eq!(ratio_cmp(2, 3, 4, 6), Ordering::Equal);
    assert_eq!(ratio_cmp(1, 3, 1, 2), Ordering::Less);
    assert_eq!(ratio_cmp(u64::MAX, u64::MAX - 1, 1, 1), Ordering::Greater);
}

#[test]
fn options_validate() {
    let e = CoPurchaseOptions { min_confidence: f64::NAN, ..Default::default() }.validate().unwrap_err();
    assert!(matches!(e, SegmentError::InvalidOption { ref field, .. } if field == "min_confidence"));
    let e = CrossSellOptions { min_lift: -1.0, ..Default::default() }.validate().unwrap_err();
    assert!(matches!(e, SegmentError::InvalidOption { ref field, .. } if field == "min_lift"));
    let e = CoPurchaseOptions::from_json(&json!([1])).unwrap_err();
    assert!(matches!(e, SegmentError::InvalidOption { ref field, .. } if field == "options"));
    let o = CoPurchaseOptions::from_json(&json!({"level": null})).expect("null is the default");
    assert_eq!(o, CoPurchaseOptions::default());
}

#[test]
fn cross_sell_because_tie_prefers_smaller_antecedent() {
    // N = 4: {a,c}, {b,c}, {a}, {b}: a→c 1/2, b→c 1/2; count(c) = 2, lift (1/2)/(2/4) = 1.
    // A customer with a and b and no c: candidate c, tie at 1/2, because = "a".
    let s = store(vec![
        order("o1", "x", 1, &["a", "c"]),
        order("o2", "y", 2, &["b", "c"]),
        order("o3", "z", 3, &["a"]),
        order("o4", "z", 4, &["b"]),
    ]);
    let as_of = at("2024-03-01T00:00:00Z");
    let t = co_purchase_table(&s, as_of, &CoPurchaseOptions::default()).expect("table");
    let out = cross_sell(&s, as_of, &t, &CrossSellOptions::default()).expect("suggestions");
    let z: Vec<_> = out.iter().filter(|s| s.customer_id == "z").collect();
    assert_eq!(z.len(), 1);
    assert_eq!((z[0].item.as_str(), z[0].because.as_str(), z[0].score), ("c", "a", 0.5));
}

#[test]
fn hasher_keeps_keys_apart() {
    // Multiplying by an odd constant and xor-shifting are bijections: distinct keys, distinct hashes.
    let h = |k: u64| {
        let mut s = FastHasher::default();
        s.write_u64(k);
        s.finish()
    };
    let mut hashes: Vec<u64> = (0..40u32).flat_map(|a| (a + 1..40).map(move |b| h(pair_key(a, b)))).collect();
    let n = hashes.len();
    hashes.sort_unstable();
    hashes.dedup();
    assert_eq!(hashes.len(), n);
    let hash_str = |t: &str| {
        let mut s = FastHasher::default();
        t.hash(&mut s);
        s.finish()
    };
    let mut hashes: Vec<u64> = (0..2000).map(|i| hash_str(&format!("product-{i}"))).collect();
    hashes.push(hash_str(""));
    hashes.push(hash_str("product-1\0"));
    hashes.sort_unstable();
    hashes.dedup();
    assert_eq!(hashes.len(), 2002);
}
