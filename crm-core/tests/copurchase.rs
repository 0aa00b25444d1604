//! Co-purchase tables and cross-sell suggestions on small stores whose every
//! number is worked out by hand in the comments, plus agreement with a direct
//! (quadratic) count on a generated store and independence of the order of orders.

use std::collections::{BTreeMap, BTreeSet};

use crm_core::model::Store;
use crm_core::segment::{
    co_purchase_table, cross_sell, CoPurchaseLevel, CoPurchaseOptions, CoPurchasePair, CoPurchaseTable,
    CrossSellOptions, CrossSellSuggestion, SegmentError,
};
use crm_core::time::{parse_instant, Instant};
use serde_json::{json, Value};

fn as_of() -> Instant {
    parse_instant("2024-03-01T00:00:00Z").unwrap()
}

/// A line of 100 in a top-level category (with a sub-category below it).
fn cat(c: &str) -> Value {
    json!({"category": [c, "sub"], "quantity": 1, "unit_price": 100})
}

/// An order of `owner` (a customer id, or a contact object for a guest) placed at `placed_at`;
/// subtotal and total are the sum of the lines (100 per unit).
fn order(id: &str, owner: Value, placed_at: &str, status: &str, lines: Vec<Value>) -> Value {
    let total: i64 = lines.iter().map(|l| l["quantity"].as_i64().unwrap() * l["unit_price"].as_i64().unwrap()).sum();
    let mut o = json!({"id": id, "placed_at": placed_at, "currency": "EUR", "status": status,
                       "subtotal": total, "total": total, "lines": lines});
    match owner {
        Value::String(c) => o["customer_id"] = json!(c),
        contact => o["contact"] = contact,
    }
    o
}

/// A paid order of customer `c` in February with one line per category.
fn paid(id: &str, c: &str, day: u32, cats: &[&str]) -> Value {
    order(id, json!(c), &format!("2024-02-{day:02}T10:00:00Z"), "paid", cats.iter().map(|c| cat(c)).collect())
}

fn store(orders: Vec<Value>) -> Store {
    Store::from_value(json!({ "orders": orders })).unwrap()
}

fn table(s: &Store, options: &CoPurchaseOptions) -> CoPurchaseTable {
    co_purchase_table(s, as_of(), options).unwrap()
}

fn names(t: &CoPurchaseTable) -> Vec<(&str, &str)> {
    t.pairs.iter().map(|p| (p.antecedent.as_str(), p.consequent.as_str())).collect()
}

fn pair<'t>(t: &'t CoPurchaseTable, a: &str, b: &str) -> &'t CoPurchasePair {
    t.pairs.iter().find(|p| p.antecedent == a && p.consequent == b).unwrap()
}

fn summary(s: &[CrossSellSuggestion]) -> Vec<(&str, &str, &str, f64, f64)> {
    s.iter().map(|s| (s.customer_id.as_str(), s.item.as_str(), s.because.as_str(), s.score, s.lift)).collect()
}

/// Baskets {shoes, socks}, {shoes, socks, hats}, {shoes}, {hats}, {socks, hats}.
fn five_baskets() -> Store {
    store(vec![
        paid("o1", "ann", 1, &["shoes", "socks"]),
        paid("o2", "ann", 2, &["shoes", "socks", "hats"]),
        paid("o3", "bob", 3, &["shoes"]),
        paid("o4", "bob", 4, &["hats"]),
        paid("o5", "cem", 5, &["socks", "hats"]),
    ])
}

#[test]
fn five_baskets_worked_by_hand() {
    let t = table(&five_baskets(), &CoPurchaseOptions::default());
    // N = 5; shoes in o1, o2, o3 (3); socks in o1, o2, o5 (3); hats in o2, o4, o5 (3).
    // shoes+socks: o1, o2 (2); socks+hats: o2, o5 (2); shoes+hats: o2 (1).
    assert_eq!((t.level, t.baskets, t.len()), (CoPurchaseLevel::Category, 5, 6));
    // Count 2 first; the four have confidence 2/3, so antecedent then consequent ascending;
    // then count 1 (confidence 1/3), same rule.
    assert_eq!(
        names(&t),
        [
            ("hats", "socks"),
            ("shoes", "socks"),
            ("socks", "hats"),
            ("socks", "shoes"),
            ("hats", "shoes"),
            ("shoes", "hats"),
        ]
    );
    let p = pair(&t, "shoes", "socks");
    assert_eq!((p.pair_count, p.antecedent_count, p.consequent_count), (2, 3, 3));
    // support 2/5; confidence 2/3; lift (2/3) / (3/5) = 10/9. The lift is computed as
    // 2·5 / (3·3) with one correctly rounded division, so it equals 10.0 / 9.0 exactly.
    assert_eq!((p.support, p.confidence, p.lift), (2.0 / 5.0, 2.0 / 3.0, 10.0 / 9.0));
    let p = pair(&t, "hats", "shoes");
    // support 1/5; confidence 1/3; lift (1/3) / (3/5) = 5/9.
    assert_eq!((p.pair_count, p.support, p.confidence, p.lift), (1, 1.0 / 5.0, 1.0 / 3.0, 5.0 / 9.0));

    let j = t.to_json();
    assert_eq!(j["level"], "category");
    assert_eq!(j["baskets"], 5);
    assert_eq!(j["pairs"].as_array().unwrap().len(), 6);
    assert_eq!(
        j["pairs"][1],
        json!({"antecedent": "shoes", "consequent": "socks", "pair_count": 2, "antecedent_count": 3,
               "consequent_count": 3, "support": 0.4, "confidence": 2.0 / 3.0, "lift": 10.0 / 9.0})
    );
}

/// Orders in every state, as of 2024-03-01.
fn mixed_states() -> Store {
    let refund = |amount: i64, at: &str| json!([{"amount": amount, "at": at}]);
    let mut refunded_in_full = order("o3", json!("bob"), "2024-02-03T10:00:00Z", "refunded", vec![cat("x"), cat("y")]);
    refunded_in_full["refunds"] = refund(200, "2024-02-10T10:00:00Z");
    let mut refunded_later = order("o5", json!("cem"), "2024-02-05T10:00:00Z", "refunded", vec![cat("x"), cat("z")]);
    refunded_later["refunds"] = refund(200, "2024-03-10T10:00:00Z");
    let mut partly = order("o6", json!("cem"), "2024-02-06T10:00:00Z", "partially_refunded", vec![cat("y"), cat("z")]);
    partly["refunds"] = refund(50, "2024-02-07T10:00:00Z");
    let mut paid_but_refunded = order("o11", json!("eve"), "2024-02-11T10:00:00Z", "paid", vec![cat("y"), cat("z")]);
    paid_but_refunded["refunds"] = refund(200, "2024-02-12T10:00:00Z");
    let no_category = json!({"title": "gift card", "quantity": 1, "unit_price": 100});
    store(vec![
        paid("o1", "ann", 1, &["x", "y"]),
        order("o2", json!("ann"), "2024-02-02T10:00:00Z", "cancelled", vec![cat("x"), cat("y")]),
        refunded_in_full,
        order("o4", json!("bob"), "2024-03-05T10:00:00Z", "paid", vec![cat("x"), cat("y")]),
        refunded_later,
        partly,
        order("o7", json!("dan"), "2024-02-07T10:00:00Z", "pending", vec![cat("x")]),
        order("o8", json!("dan"), "2024-02-08T10:00:00Z", "fulfilled", vec![cat("x")]),
        order("o9", json!("dan"), "2024-02-09T10:00:00Z", "paid", vec![no_category]),
        order("o10", json!({"phone": "+90 555"}), "2024-02-10T10:00:00Z", "paid", vec![cat("x"), cat("y"), cat("x")]),
        paid_but_refunded,
    ])
}

#[test]
fn only_counted_orders_are_baskets() {
    let t = table(&mixed_states(), &CoPurchaseOptions::default());
    // Baskets: o1 {x,y} paid; o5 {x,z} refunded only on 03-10, so paid on 03-01; o6 {y,z}
    // partially refunded; o8 {x} fulfilled; o10 {x,y} a guest's, x twice counts once.
    // Not baskets: o2 cancelled, o3 refunded in full by then, o4 placed after as_of, o7 pending,
    // o9 has no categorised line, o11 paid but refunded in full by then (as in the facts).
    // N = 5; x: o1, o5, o8, o10 (4); y: o1, o6, o10 (3); z: o5, o6 (2).
    // x+y: o1, o10 (2); x+z: o5 (1); y+z: o6 (1).
    assert_eq!(t.baskets, 5);
    // Count 2: y→x 2/3 before x→y 2/4. Count 1: z→x 1/2 and z→y 1/2 (tie: consequent x < y),
    // then y→z 1/3, then x→z 1/4.
    assert_eq!(names(&t), [("y", "x"), ("x", "y"), ("z", "x"), ("z", "y"), ("y", "z"), ("x", "z")]);
    let counts: Vec<(u64, u64, u64)> =
        t.pairs.iter().map(|p| (p.pair_count, p.antecedent_count, p.consequent_count)).collect();
    assert_eq!(counts, [(2, 3, 4), (2, 4, 3), (1, 2, 4), (1, 2, 3), (1, 3, 2), (1, 4, 2)]);
    // Lifts, pair_count·N / (count(A)·count(B)): x↔y 2·5/12 = 5/6; x↔z 5/8; y↔z 5/6.
    let lifts: Vec<f64> = t.pairs.iter().map(|p| p.lift).collect();
    assert_eq!(lifts, [10.0 / 12.0, 10.0 / 12.0, 5.0 / 8.0, 5.0 / 6.0, 5.0 / 6.0, 5.0 / 8.0]);
    assert_eq!(pair(&t, "z", "y").support, 1.0 / 5.0);

    // On 03-31: o4 (placed 03-05) counts, o5 (refunded in full on 03-10) no longer does.
    // Baskets o1 {x,y}, o4 {x,y}, o6 {y,z}, o8 {x}, o10 {x,y}: N = 5, x+y 3, y+z 1.
    let later = co_purchase_table(&mixed_states(), parse_instant("2024-03-31T00:00:00Z").unwrap(), &Default::default())
        .unwrap();
    assert_eq!(later.baskets, 5);
    assert_eq!(names(&later), [("x", "y"), ("y", "x"), ("z", "y"), ("y", "z")]);
    assert_eq!(pair(&later, "x", "y").pair_count, 3);
}

#[test]
fn product_level_uses_product_id_then_sku() {
    let line = |v: Value| {
        let mut l = json!({"quantity": 1, "unit_price": 100});
        l.as_object_mut().unwrap().extend(v.as_object().unwrap().clone());
        l
    };
    let owner = || json!("ann");
    let s = store(vec![
        // product_id p1 (its sku is ignored) twice, sku-only S2, a line with neither: items {p1, S2}.
        order(
            "o1",
            owner(),
            "2024-02-01T10:00:00Z",
            "paid",
            vec![
                line(json!({"product_id": "p1", "sku": "S1"})),
                line(json!({"product_id": "p1", "sku": "S1-b"})),
                line(json!({"sku": "S2"})),
                line(json!({"category": ["shoes"]})),
            ],
        ),
        // product_id wins over the sku S2: items {p2, S2}.
        order(
            "o2",
            owner(),
            "2024-02-02T10:00:00Z",
            "paid",
            vec![line(json!({"product_id": "p2", "sku": "S2"})), line(json!({"sku": "S2"}))],
        ),
        // No product at all: a basket at category level only.
        order("o3", owner(), "2024-02-03T10:00:00Z", "paid", vec![cat("shoes")]),
        // An empty product id falls back to the sku: items {p1}.
        order(
            "o4",
            owner(),
            "2024-02-04T10:00:00Z",
            "paid",
            vec![line(json!({"product_id": "p1"})), line(json!({"product_id": "", "sku": "p1"}))],
        ),
    ]);
    let t = table(&s, &CoPurchaseOptions { level: CoPurchaseLevel::Product, ..Default::default() });
    // N = 3 (o1, o2, o4); p1 in o1, o4 (2); S2 in o1, o2 (2); p2 in o2 (1).
    // p1+S2: o1 (1); p2+S2: o2 (1). Confidences: p2→S2 1/1; S2→p1, S2→p2, p1→S2 1/2.
    // Ties by antecedent in byte order ("S2" < "p1"), then consequent ("p1" < "p2").
    assert_eq!(t.baskets, 3);
    assert_eq!(names(&t), [("p2", "S2"), ("S2", "p1"), ("S2", "p2"), ("p1", "S2")]);
    // Lifts: p2→S2 1·3/(1·2) = 3/2; S2→p1 1·3/(2·2) = 3/4; S2→p2 3/2; p1→S2 3/4.
    let lifts: Vec<f64> = t.pairs.iter().map(|p| p.lift).collect();
    assert_eq!(lifts, [1.5, 0.75, 1.5, 0.75]);
    assert_eq!(t.to_json()["level"], "product");

    // At category level only o1 ({shoes}) and o3 ({shoes}) are baskets, and there is no pair.
    let c = table(&s, &CoPurchaseOptions::default());
    assert_eq!((c.baskets, c.is_empty()), (2, true));
}

#[test]
fn min_pair_count_and_min_confidence_filter() {
    let s = mixed_states();
    // The pairs of `only_counted_orders_are_baskets`: y→x 2 (2/3), x→y 2 (1/2), z→x 1 (1/2),
    // z→y 1 (1/2), y→z 1 (1/3), x→z 1 (1/4).
    let t = table(&s, &CoPurchaseOptions { min_pair_count: 2, ..Default::default() });
    assert_eq!(names(&t), [("y", "x"), ("x", "y")]);
    // Confidence 1/2 is kept at a minimum of 0.5.
    let t = table(&s, &CoPurchaseOptions { min_confidence: 0.5, ..Default::default() });
    assert_eq!(names(&t), [("y", "x"), ("x", "y"), ("z", "x"), ("z", "y")]);
    let t = table(&s, &CoPurchaseOptions { min_pair_count: 2, min_confidence: 0.6, ..Default::default() });
    assert_eq!(names(&t), [("y", "x")]);
    // Filters drop pairs, never baskets.
    let t = table(&s, &CoPurchaseOptions { min_confidence: 1.0, ..Default::default() });
    assert_eq!((t.baskets, t.len()), (5, 0));
    let t = table(&s, &CoPurchaseOptions { min_pair_count: 3, ..Default::default() });
    assert_eq!((t.baskets, t.len()), (5, 0));
    assert_eq!(t.to_json(), json!({"level": "category", "baskets": 5, "pairs": []}));
}

/// Baskets ann {a,b}, ann {a,c}, guest Bob {a,d}, cem {a}, dan {b,c}; plus a cancelled
/// order of cem {d} and an order of dan {a} after as_of, which count nowhere.
fn shop() -> Store {
    store(vec![
        paid("o1", "ann", 1, &["a", "b"]),
        paid("o2", "ann", 2, &["a", "c"]),
        order("o3", json!({"email": "Bob@Example.COM"}), "2024-02-03T10:00:00Z", "paid", vec![cat("a"), cat("d")]),
        paid("o4", "cem", 4, &["a"]),
        paid("o5", "dan", 5, &["b", "c"]),
        order("o6", json!("cem"), "2024-02-06T10:00:00Z", "cancelled", vec![cat("d")]),
        order("o7", json!("dan"), "2024-03-07T10:00:00Z", "paid", vec![cat("a")]),
    ])
}

// The table of `shop`: N = 5; a 4, b 2, c 2, d 1; a+b 1, a+c 1, a+d 1, b+c 1.
// a→b, a→c, a→d: confidence 1/4; lifts 1·5/(4·2) = 5/8, 5/8, 1·5/(4·1) = 5/4.
// b→a, c→a: 1/2, lift 5/8; d→a: 1/1, lift 5/4; b→c, c→b: 1/2, lift 1·5/(2·2) = 5/4.
// Bought: ann {a,b,c}, guest:bob@example.com {a,d}, cem {a} (the cancelled d does not count),
// dan {b,c} (the March order of a does not count).

#[test]
fn shop_table() {
    let t = table(&shop(), &CoPurchaseOptions::default());
    assert_eq!(t.baskets, 5);
    // All count 1: d→a (1); b→a, b→c, c→a, c→b (1/2); a→b, a→c, a→d (1/4).
    assert_eq!(
        names(&t),
        [("d", "a"), ("b", "a"), ("b", "c"), ("c", "a"), ("c", "b"), ("a", "b"), ("a", "c"), ("a", "d")]
    );
}

#[test]
fn cross_sell_with_default_options_keeps_pairs_that_lift() {
    let s = shop();
    let t = table(&s, &CoPurchaseOptions::default());
    let out = cross_sell(&s, as_of(), &t, &CrossSellOptions::default()).unwrap();
    // Lift ≥ 1 leaves a→d, d→a, b→c, c→b.
    // ann {a,b,c}: d via a (1/4, lift 5/4). guest bob {a,d}: a and d both bought, nothing.
    // cem {a}: d via a. dan {b,c}: c and b both bought, nothing.
    assert_eq!(summary(&out), [("ann", "d", "a", 0.25, 1.25), ("cem", "d", "a", 0.25, 1.25)]);
    assert_eq!(
        out[0].to_json(),
        json!({"customer_id": "ann", "item": "d", "score": 0.25, "because": "a", "lift": 1.25})
    );
}

#[test]
fn cross_sell_ranks_cuts_and_breaks_ties() {
    let s = shop();
    let t = table(&s, &CoPurchaseOptions::default());
    let options = CrossSellOptions { per_customer: 2, min_lift: 0.0, ..Default::default() };
    let out = cross_sell(&s, as_of(), &t, &options).unwrap();
    // ann {a,b,c}: d via a (1/4).
    // cem {a}: b, c, d via a, all 1/4: item order b, c, d, cut to b, c.
    // dan {b,c}: a via b (1/2) and via c (1/2): the tie goes to the smaller antecedent, b.
    // guest:bob@example.com {a,d}: b, c via a (1/4, lift 5/8). Keys sort "ann" < "cem" < "dan" < "guest:…".
    assert_eq!(
        summary(&out),
        [
            ("ann", "d", "a", 0.25, 1.25),
            ("cem", "b", "a", 0.25, 0.625),
            ("cem", "c", "a", 0.25, 0.625),
            ("dan", "a", "b", 0.5, 0.625),
            ("guest:bob@example.com", "b", "a", 0.25, 0.625),
            ("guest:bob@example.com", "c", "a", 0.25, 0.625),
        ]
    );
    // One per customer: cem keeps b only.
    let one = cross_sell(&s, as_of(), &t, &CrossSellOptions { per_customer: 1, ..options.clone() }).unwrap();
    let cem: Vec<&str> = one.iter().filter(|s| s.customer_id == "cem").map(|s| s.item.as_str()).collect();
    assert_eq!((one.len(), cem), (4, vec!["b"]));
    // Confidence ≥ 0.3 leaves b→a, c→a, d→a, b→c, c→b: only dan has an unbought consequent (a).
    let strict = cross_sell(&s, as_of(), &t, &CrossSellOptions { min_confidence: 0.3, ..options }).unwrap();
    assert_eq!(summary(&strict), [("dan", "a", "b", 0.5, 0.625)]);
}

#[test]
fn cross_sell_prefers_the_higher_confidence_over_the_smaller_antecedent() {
    // Five baskets: cem {socks, hats} gets shoes via socks (2/3, lift 10/9), not via
    // hats (1/3, lift 5/9, which also fails the default lift); bob {shoes, hats} gets socks
    // via hats or shoes, both 2/3 with lift 10/9: the tie goes to hats. ann has everything.
    let s = five_baskets();
    let t = table(&s, &CoPurchaseOptions::default());
    let out = cross_sell(&s, as_of(), &t, &CrossSellOptions { min_lift: 0.0, ..Default::default() }).unwrap();
    assert_eq!(
        summary(&out),
        [("bob", "socks", "hats", 2.0 / 3.0, 10.0 / 9.0), ("cem", "shoes", "socks", 2.0 / 3.0, 10.0 / 9.0)]
    );
}

#[test]
fn cross_sell_at_product_level_follows_the_table() {
    // ann bought p1 and p2 together; bob bought p1 alone twice (one basket each), cem p2 alone.
    // Product level: N = 4; p1 3, p2 2; p1→p2 1/3, lift 1·4/(3·2) = 2/3; p2→p1 1/2, lift 1·4/(2·3) = 2/3.
    let line = |p: &str| json!({"product_id": p, "category": ["same"], "quantity": 1, "unit_price": 100});
    let s = store(vec![
        order("o1", json!("ann"), "2024-02-01T10:00:00Z", "paid", vec![line("p1"), line("p2")]),
        order("o2", json!("bob"), "2024-02-02T10:00:00Z", "paid", vec![line("p1")]),
        order("o3", json!("bob"), "2024-02-03T10:00:00Z", "paid", vec![line("p1")]),
        order("o4", json!("cem"), "2024-02-04T10:00:00Z", "paid", vec![line("p2")]),
    ]);
    let t = table(&s, &CoPurchaseOptions { level: CoPurchaseLevel::Product, ..Default::default() });
    assert_eq!(names(&t), [("p2", "p1"), ("p1", "p2")]);
    let options = CrossSellOptions { min_lift: 0.5, ..Default::default() };
    let out = cross_sell(&s, as_of(), &t, &options).unwrap();
    assert_eq!(summary(&out), [("bob", "p2", "p1", 1.0 / 3.0, 2.0 / 3.0), ("cem", "p1", "p2", 0.5, 2.0 / 3.0)]);
    // The category table has one item, so no pair and no suggestion.
    let c = table(&s, &CoPurchaseOptions::default());
    assert!(cross_sell(&s, as_of(), &c, &options).unwrap().is_empty());
}

fn invalid_option(e: SegmentError) -> (String, String) {
    match e {
        SegmentError::InvalidOption { field, message } => (field, message),
        other => panic!("expected InvalidOption, got {other:?}"),
    }
}

#[test]
fn options_from_json() {
    let o = CoPurchaseOptions::from_json(&json!({"level": "product", "min_pair_count": 2, "min_confidence": 0.25}))
        .unwrap();
    assert_eq!(o, CoPurchaseOptions { level: CoPurchaseLevel::Product, min_pair_count: 2, min_confidence: 0.25 });
    assert_eq!(CoPurchaseOptions::from_json(&json!({})).unwrap(), CoPurchaseOptions::default());
    let o = CrossSellOptions::from_json(&json!({"per_customer": 100, "min_confidence": 1, "min_lift": 0})).unwrap();
    assert_eq!(o, CrossSellOptions { per_customer: 100, min_confidence: 1.0, min_lift: 0.0 });
    assert_eq!(CrossSellOptions::from_json(&json!({})).unwrap(), CrossSellOptions::default());
}

#[test]
fn invalid_options_name_the_field() {
    let co = |v: Value| invalid_option(CoPurchaseOptions::from_json(&v).unwrap_err());
    let cs = |v: Value| invalid_option(CrossSellOptions::from_json(&v).unwrap_err());
    let owned = |f: &str, m: &str| (f.to_string(), m.to_string());
    assert_eq!(
        co(json!({"colour": "red"})),
        owned("colour", "unknown option (expected level, min_pair_count, min_confidence)")
    );
    assert_eq!(co(json!({"level": "brand"})), owned("level", r#"expected "category" or "product", got "brand""#));
    assert_eq!(co(json!({"level": 1})), owned("level", r#"expected "category" or "product", got 1"#));
    assert_eq!(co(json!({"min_pair_count": 0})), owned("min_pair_count", "must be at least 1, got 0"));
    assert_eq!(co(json!({"min_pair_count": -1})), owned("min_pair_count", "expected a non-negative integer, got -1"));
    assert_eq!(co(json!({"min_pair_count": 1.5})), owned("min_pair_count", "expected a non-negative integer, got 1.5"));
    assert_eq!(co(json!({"min_confidence": 1.5})), owned("min_confidence", "must be a number from 0 to 1, got 1.5"));
    assert_eq!(co(json!({"min_confidence": -0.1})), owned("min_confidence", "must be a number from 0 to 1, got -0.1"));
    assert_eq!(co(json!({"min_confidence": "high"})), owned("min_confidence", r#"expected a number, got "high""#));
    assert_eq!(co(json!("category")), owned("options", r#"expected a JSON object, got "category""#));
    assert_eq!(cs(json!({"top": 3})), owned("top", "unknown option (expected per_customer, min_confidence, min_lift)"));
    assert_eq!(cs(json!({"per_customer": 0})), owned("per_customer", "must be 1 to 100, got 0"));
    assert_eq!(cs(json!({"per_customer": 101})), owned("per_customer", "must be 1 to 100, got 101"));
    assert_eq!(cs(json!({"min_confidence": 2})), owned("min_confidence", "must be a number from 0 to 1, got 2"));
    assert_eq!(cs(json!({"min_lift": -1})), owned("min_lift", "must be a finite number at least 0, got -1"));

    // The computations check options built in Rust too; the Display form names the field.
    let s = five_baskets();
    let bad = CoPurchaseOptions { min_pair_count: 0, ..Default::default() };
    let e = co_purchase_table(&s, as_of(), &bad).unwrap_err();
    assert_eq!(e.code(), "invalid_option");
    assert_eq!(e.to_string(), "segment option `min_pair_count`: must be at least 1, got 0");
    let bad = CoPurchaseOptions { min_confidence: f64::INFINITY, ..Default::default() };
    assert_eq!(invalid_option(co_purchase_table(&s, as_of(), &bad).unwrap_err()).0, "min_confidence");
    let t = table(&s, &CoPurchaseOptions::default());
    let bad = CrossSellOptions { min_lift: f64::NAN, ..Default::default() };
    assert_eq!(
        invalid_option(cross_sell(&s, as_of(), &t, &bad).unwrap_err()),
        owned("min_lift", "must be a finite number at least 0, got NaN")
    );
    let bad = CrossSellOptions { per_customer: 0, ..Default::default() };
    assert_eq!(invalid_option(cross_sell(&s, as_of(), &t, &bad).unwrap_err()).0, "per_customer");
}

#[test]
fn empty_store_gives_empty_results() {
    let s = Store::default();
    let t = table(&s, &CoPurchaseOptions::default());
    assert_eq!((t.baskets, t.len()), (0, 0));
    assert!(cross_sell(&s, as_of(), &t, &CrossSellOptions::default()).unwrap().is_empty());
}

/// A deterministic xorshift permutation of `0..n`.
fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut s = seed | 1;
    for i in (1..n).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        order.swap(i, (s % (i as u64 + 1)) as usize);
    }
    order
}

fn permuted(s: &Store, order: &[usize]) -> Store {
    Store { orders: order.iter().map(|&i| s.orders[i].clone()).collect(), ..s.clone() }
}

#[test]
fn results_do_not_depend_on_the_order_of_orders() {
    for s in [shop(), five_baskets(), mixed_states(), generated(300)] {
        for level in [CoPurchaseLevel::Category, CoPurchaseLevel::Product] {
            let co = CoPurchaseOptions { level, ..Default::default() };
            let cs = CrossSellOptions { min_lift: 0.0, per_customer: 2, ..Default::default() };
            let t = table(&s, &co);
            let out = cross_sell(&s, as_of(), &t, &cs).unwrap();
            let n = s.orders.len();
            let mut orders: Vec<Vec<usize>> = (1..6).map(|seed| shuffled(n, seed * 7919)).collect();
            orders.push((0..n).rev().collect());
            for order in orders {
                let p = permuted(&s, &order);
                let tp = table(&p, &co);
                assert_eq!(tp, t);
                assert_eq!(tp.to_json().to_string(), t.to_json().to_string());
                assert_eq!(cross_sell(&p, as_of(), &tp, &cs).unwrap(), out);
            }
        }
    }
}

/// A store of `n` orders over 600 customers (some guests), 12 categories and 25 products,
/// 1 to 5 lines each, in various states, from a fixed xorshift sequence.
fn generated(n: usize) -> Store {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |m: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % m
    };
    let statuses = ["paid", "paid", "paid", "fulfilled", "cancelled", "pending", "refunded"];
    let orders = (0..n)
        .map(|i| {
            let c = next(600);
            let owner = if c < 540 { json!(format!("c{c:02}")) } else { json!({"email": format!("G{c}@x.com")}) };
            let lines: Vec<Value> = (0..1 + next(5))
                .map(|_| {
                    let mut l = json!({"quantity": 1 + next(3) as i64, "unit_price": 100});
                    if next(8) > 0 {
                        l["category"] = json!([format!("cat{:02}", next(12)), "sub"]);
                    }
                    match next(4) {
                        0 => l["sku"] = json!(format!("S{}", next(25))),
                        1 => {}
                        _ => l["product_id"] = json!(format!("p{}", next(25))),
                    }
                    l
                })
                .collect();
            let day = 1 + next(40);
            let placed = if day <= 28 {
                format!("2024-02-{day:02}T10:00:00Z")
            } else {
                format!("2024-03-{:02}T10:00:00Z", day - 28)
            };
            order(&format!("o{i}"), owner, &placed, statuses[next(statuses.len() as u64) as usize], lines)
        })
        .collect();
    store(orders)
}

/// The items of an order at a level, directly.
fn items(o: &crm_core::model::Order, level: CoPurchaseLevel) -> BTreeSet<String> {
    o.lines
        .iter()
        .filter_map(|l| match level {
            CoPurchaseLevel::Category => l.category.first().cloned(),
            CoPurchaseLevel::Product => l.product_id.clone().or_else(|| l.sku.clone()),
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Counted as of 2024-03-01 in `generated`: placed by then and paid or fulfilled
/// (its refunded orders have no refund records, so they stay refunded).
fn counted(o: &crm_core::model::Order) -> bool {
    o.placed_at <= as_of() && matches!(o.status.as_str(), "paid" | "fulfilled")
}

#[test]
fn agrees_with_a_direct_count() {
    let s = generated(2000);
    for level in [CoPurchaseLevel::Category, CoPurchaseLevel::Product] {
        let baskets: Vec<BTreeSet<String>> =
            s.orders.iter().filter(|o| counted(o)).map(|o| items(o, level)).filter(|b| !b.is_empty()).collect();
        let n = baskets.len() as u64;
        let count = |x: &str| baskets.iter().filter(|b| b.contains(x)).count() as u64;
        let t = table(&s, &CoPurchaseOptions { level, min_pair_count: 2, min_confidence: 0.05 });
        assert_eq!(t.baskets, n);
        let all: BTreeSet<&String> = baskets.iter().flatten().collect();
        let mut expected = BTreeMap::new();
        for &a in &all {
            for &b in &all {
                let both = baskets.iter().filter(|k| k.contains(a) && k.contains(b)).count() as u64;
                let (ca, cb) = (count(a), count(b));
                if a != b && both >= 2 && both as f64 / ca as f64 >= 0.05 {
                    expected.insert((a.clone(), b.clone()), (both, ca, cb));
                }
            }
        }
        assert!(expected.len() > 20, "the generated store should have pairs, got {}", expected.len());
        let got: BTreeMap<(String, String), (u64, u64, u64)> = t
            .pairs
            .iter()
            .map(|p| {
                ((p.antecedent.clone(), p.consequent.clone()), (p.pair_count, p.antecedent_count, p.consequent_count))
            })
            .collect();
        assert_eq!(got, expected);
        for w in t.pairs.windows(2) {
            let (x, y) = (&w[0], &w[1]);
            // Confidences compared by cross-multiplication.
            let (cx, cy) = (x.pair_count * y.antecedent_count, y.pair_count * x.antecedent_count);
            let in_order = x.pair_count > y.pair_count
                || (x.pair_count == y.pair_count && cx > cy)
                || (x.pair_count == y.pair_count
                    && cx == cy
                    && (&x.antecedent, &x.consequent) < (&y.antecedent, &y.consequent));
            assert!(in_order, "{x:?} before {y:?}");
        }
        for p in &t.pairs {
            let (c, a, b) = (p.pair_count as f64, p.antecedent_count as f64, p.consequent_count as f64);
            assert!(p.support.is_finite() && p.confidence.is_finite() && p.lift.is_finite());
            assert!((p.support - c / n as f64).abs() < 1e-12);
            assert!((p.confidence - c / a).abs() < 1e-12);
            assert!((p.lift - (c / a) / (b / n as f64)).abs() < 1e-9);
        }

        // Cross-sell, directly: per customer, the best rule into each unbought item.
        let mut bought: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for o in s.orders.iter().filter(|o| counted(o)) {
            let key = match &o.customer_id {
                Some(id) => id.clone(),
                None => format!("guest:{}", o.contact.as_ref().unwrap().email.as_ref().unwrap().to_lowercase()),
            };
            bought.entry(key).or_default().extend(items(o, level));
        }
        for keep in [1, 2, 4, 100] {
            let options = CrossSellOptions { per_customer: keep, min_confidence: 0.1, min_lift: 0.9 };
            let out = cross_sell(&s, as_of(), &t, &options).unwrap();
            let mut expected = Vec::new();
            for (customer, have) in &bought {
                let mut best: BTreeMap<&str, &CoPurchasePair> = BTreeMap::new();
                for p in &t.pairs {
                    let usable = p.confidence >= 0.1 && p.lift >= 0.9;
                    if !usable || !have.contains(&p.antecedent) || have.contains(&p.consequent) {
                        continue;
                    }
                    let e = best.entry(p.consequent.as_str()).or_insert(p);
                    let better = p.pair_count * e.antecedent_count > e.pair_count * p.antecedent_count
                        || (p.pair_count * e.antecedent_count == e.pair_count * p.antecedent_count
                            && p.antecedent < e.antecedent);
                    if better {
                        *e = p;
                    }
                }
                let mut ranked: Vec<(&str, &CoPurchasePair)> = best.into_iter().collect();
                // Stable sort by score descending keeps the item order among equal scores.
                ranked.sort_by(|x, y| {
                    (y.1.pair_count * x.1.antecedent_count).cmp(&(x.1.pair_count * y.1.antecedent_count))
                });
                for (item, p) in ranked.into_iter().take(keep) {
                    expected.push(CrossSellSuggestion {
                        customer_id: customer.clone(),
                        item: item.to_string(),
                        score: p.confidence,
                        because: p.antecedent.clone(),
                        lift: p.lift,
                    });
                }
            }
            assert!(
                expected.len() > 10 * keep.min(2),
                "the generated store should give suggestions, got {}",
                expected.len()
            );
            assert_eq!(out, expected);
            assert!(out.iter().all(|s| s.score.is_finite() && s.lift.is_finite()));
        }
    }
}
