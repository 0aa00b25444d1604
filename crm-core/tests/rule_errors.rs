//! Every error kind of the rule language, with its position and message, and
//! the lexical details (case-insensitive keywords, escapes, money, durations).

use crm_core::money::Currency;
use crm_core::segment::rule::{parse, Expr, Literal, Operand, TimeUnit};
use crm_core::segment::{Column, CustomerTable, Rule, SegmentError, SegmentMap};

fn table() -> CustomerTable {
    let eur = Currency::new("EUR").ok();
    let mut t = CustomerTable::new(["a", "b"], 1_718_452_800_000_000);
    t.insert("order_count", Column::Int(vec![Some(1), Some(4)])).expect("col");
    t.insert("net_spend", Column::Money { minor: vec![Some(100), Some(900)], currency: vec![eur, eur] }).expect("col");
    t.insert("last_order_at", Column::Instant(vec![Some(0), None])).expect("col");
    t.insert("tags", Column::list([vec!["vip"], vec![]])).expect("col");
    t.insert("country", Column::text([Some("TR"), None])).expect("col");
    t.insert("consent.sms", Column::Bool(vec![Some(true), Some(false)])).expect("col");
    t
}

fn check_err(rule: &str) -> SegmentError {
    match Rule::parse(rule).and_then(|r| r.evaluate(&table())) {
        Ok(m) => panic!("`{rule}` was accepted: {m:?}"),
        Err(e) => e,
    }
}

fn assert_err(rule: &str, code: &str, pos: (u32, u32), message: &str) {
    let e = check_err(rule);
    assert_eq!((e.code(), e.position()), (code, Some(pos)), "{rule}: {e}");
    assert_eq!(e.to_string(), message, "{rule}");
}

#[test]
fn syntax_errors_say_where_what_was_expected_and_what_was_found() {
    assert_err("order_count >=", "syntax", (1, 15), "1:15: expected a field, function or value, found end of rule");
    assert_err(
        "order_count 2",
        "syntax",
        (1, 13),
        "1:13: expected a comparison (= != < <= > >=), BETWEEN, IN, CONTAINS, IS, AND, OR or `)`, found number 2",
    );
    assert_err("(order_count > 1", "syntax", (1, 17), "1:17: expected `)`, found end of rule");
    assert_err("order_count > 1)", "syntax", (1, 16), "1:16: expected AND, OR or the end of the rule, found `)`");
    assert_err("country = 'TR", "syntax", (1, 11), "1:11: expected a closing ', found end of rule");
    assert_err("country = 'T\\R'", "syntax", (1, 13), "1:13: expected an escape \\' \\\" \\\\ \\n or \\t, found \\R");
    assert_err("x BETWEEN 1 OR 2", "syntax", (1, 13), "1:13: expected AND, found `OR`");
    assert_err("x IN 1", "syntax", (1, 6), "1:6: expected `(`, found number 1");
    assert_err("x IS EMPTY", "syntax", (1, 6), "1:6: expected NULL, found `EMPTY`");
    assert_err("net_spend > 100EUR", "syntax", (1, 13),
        "1:13: expected a number, a duration such as 30d, or a money amount such as 1000 TRY (with a space), found `100EUR`");
    assert_err(
        "net_spend > 10.123 EUR",
        "syntax",
        (1, 13),
        "1:13: expected an amount with at most 2 decimals that fits in 64 bits, found 10.123 EUR",
    );
    assert_err(
        "net_spend > 10 XYZ",
        "syntax",
        (1, 13),
        "1:13: expected an ISO 4217 currency code after the amount, found `XYZ`",
    );
    assert_err(
        "order_count > 1 AND\n  # comment",
        "syntax",
        (2, 3),
        "2:3: expected a field, value, operator or parenthesis, found `#`",
    );
    assert_err("x > 2024-02-30", "syntax", (1, 5), "1:5: expected a date YYYY-MM-DD, found 2024-02-30");
    assert_err(
        "x > 2024-02-03T10:00:00",
        "syntax",
        (1, 5),
        "1:5: expected an RFC 3339 instant with a zone, such as 2024-01-31T10:00:00Z, found 2024-02-03T10:00:00",
    );
    assert_err(
        "BIRTHDAY WITHIN 3w",
        "syntax",
        (1, 17),
        "1:17: expected a number of days such as 3d, found duration 3w",
    );
    assert_err("x = AND", "syntax", (1, 5), "1:5: expected a field, function or value, found keyword AND");
    let deep = format!("{}x = 1{}", "(".repeat(70), ")".repeat(70));
    assert_eq!(check_err(&deep).code(), "syntax");
}

#[test]
fn unknown_names_suggest_the_closest() {
    assert_err(
        "order_cnt >= 2",
        "unknown_field",
        (1, 1),
        "1:1: unknown field `order_cnt` (did you mean `order_count`?)",
    );
    assert_err(
        "ORDER_COUNT >= 2",
        "unknown_field",
        (1, 1),
        "1:1: unknown field `ORDER_COUNT` (did you mean `order_count`?)",
    );
    assert_err("zzz = 1", "unknown_field", (1, 1), "1:1: unknown field `zzz`");
    assert_err(
        "order_count = 1 OR in_segmnt('VIP')",
        "unknown_function",
        (1, 20),
        "1:20: unknown function `in_segmnt` (did you mean `in_segment`?)",
    );
    let mut t = table();
    SegmentMap::from_json(&serde_json::json!([{"name": "VIP", "rule": "order_count >= 3"}]))
        .and_then(|m| m.evaluate_all(&mut t))
        .expect("map");
    let e = Rule::parse("in_segment('vip')").and_then(|r| r.evaluate(&t)).expect_err("unknown segment");
    assert_eq!((e.code(), e.position()), ("unknown_segment", Some((1, 12))));
    assert_eq!(e.to_string(), "1:12: unknown segment `vip` (did you mean `VIP`?)");
}

#[test]
fn type_errors_name_both_sides() {
    assert_err(
        "net_spend > 2024-01-01",
        "type_mismatch",
        (1, 13),
        "1:13: net_spend is money, but 2024-01-01 is a date",
    );
    assert_err(
        "net_spend > 100",
        "type_mismatch",
        (1, 13),
        "1:13: net_spend is money; write the amount with its currency, such as 100 TRY",
    );
    assert_err("order_count > 10 EUR", "type_mismatch", (1, 15), "1:15: order_count is a number, but 10 EUR is money");
    assert_err("last_order_at > 3", "type_mismatch", (1, 17), "1:17: last_order_at is an instant, but 3 is a number");
    assert_err("tags = 'vip'", "type_mismatch", (1, 8), "1:8: tags is a list; use tags CONTAINS 'value'");
    assert_err("country", "type_mismatch", (1, 1), "1:1: country is text, not yes/no; compare it with a value");
    assert_err("consent.sms > TRUE", "type_mismatch", (1, 15), "1:15: consent.sms is yes/no; compare it with = or !=");
    assert_err(
        "order_count > net_spend",
        "type_mismatch",
        (1, 15),
        "1:15: cannot compare order_count (a number) with net_spend (money)",
    );
    assert_err("1 = 1", "type_mismatch", (1, 1), "1:1: compare a field or function with a value, not two values");
    assert_err(
        "order_count CONTAINS 'x'",
        "type_mismatch",
        (1, 1),
        "1:1: CONTAINS needs text or a list, order_count is a number",
    );
    assert_err(
        "order_count BETWEEN 1 AND order_count",
        "type_mismatch",
        (1, 27),
        "1:27: expected a value here (BETWEEN bounds and IN lists are values)",
    );
}

#[test]
fn currency_mismatches_are_caught_before_evaluation() {
    assert_err("net_spend > 10 TRY", "currency_mismatch", (1, 13), "1:13: net_spend is in EUR, but 10 TRY is in TRY");
}

#[test]
fn function_arguments_are_checked() {
    let mut t = table();
    t.purchases = Some(Default::default());
    let err = |rule: &str| Rule::parse(rule).and_then(|r| r.evaluate(&t)).expect_err(rule);
    let e = err("products_purchased('shoes') > 1");
    assert_eq!(
        e.to_string(),
        "1:20: products_purchased: arguments are named: category, brand, product, sku, since, until"
    );
    let e = err("products_purchased(category: 'a', category: 'b') > 1");
    assert_eq!(e.to_string(), "1:35: products_purchased: `category` is given twice");
    let e = err("orders_with(since: 'yesterday') > 1");
    assert_eq!(e.code(), "invalid_argument");
    assert_eq!(e.position(), Some((1, 13)));
    let e = err("category_share() > 0.5");
    assert_eq!(e.to_string(), "1:1: category_share: takes one argument, the category, got 0");
    // Without the orders, the purchase functions are unavailable.
    let e = Rule::parse("spend(brand: 'x') > 1 EUR").and_then(|r| r.evaluate(&table())).expect_err("no purchases");
    assert_eq!(e.code(), "unavailable");
    assert_eq!(
        e.to_string(),
        "1:1: `spend` is not available here: purchase functions need the orders; evaluate over a store"
    );
}

#[test]
fn segment_cycles_are_rejected() {
    let map = SegmentMap::from_json(&serde_json::json!([
        {"name": "A", "rule": "in_segment('B')"},
        {"name": "B", "rule": "in_segment('C') OR order_count > 1"},
        {"name": "C", "rule": "NOT in_segment('A')"}
    ]))
    .expect("map");
    let e = map.evaluate_all(&mut table()).expect_err("cycle");
    assert_eq!(e.code(), "segment_cycle");
    assert_eq!(e.to_string(), "segments refer to each other in a cycle: A -> B -> C -> A");
    let e = SegmentMap::from_json(&serde_json::json!([{"name": "A", "rule": "TRUE"}, {"name": "A", "rule": "FALSE"}]))
        .expect_err("duplicate");
    assert_eq!(e.to_string(), "rule JSON at `/1/name`: segment `A` is defined twice");
}

#[test]
fn json_trees_are_validated_with_paths() {
    let bad = |v: serde_json::Value| Rule::from_json(&v).expect_err("bad tree").to_string();
    assert_eq!(bad(serde_json::json!({"and": [{"const": true}]})), "rule JSON at `/and`: expected at least two rules");
    assert_eq!(
        bad(serde_json::json!({"op": "~", "left": {"field": "a"}, "right": {"number": 1}})),
        "rule JSON at `/op`: expected = != < <= > >=, got \"~\""
    );
    assert_eq!(
        bad(serde_json::json!({"not": {"op": "=", "left": {"field": "and"}, "right": {"number": 1}}})),
        "rule JSON at `/not/left/field`: `and` is not a name (letters, digits, `_` and `.`, not a keyword)"
    );
    assert_eq!(
        bad(serde_json::json!({"op": "=", "left": {"field": "a"}, "right": {"money": "1.234", "currency": "EUR"}})),
        "rule JSON at `/right/money`: expected a decimal amount with at most 2 decimals, got `1.234`"
    );
    assert_eq!(bad(serde_json::json!([1])), "rule JSON at `/`: expected a rule object, got [1]");
}

#[test]
fn lexical_details() {
    // Keywords in any case; both quote styles with escapes; `<>` for `!=`.
    let e = parse("NoT country in ('T\\'R', \"x\\\"y\") aNd tags contains 'a\\\\b' Or x <> 1").expect("parse");
    assert_eq!(e.to_string(), "(NOT country IN ('T\\'R', 'x\"y') AND tags CONTAINS 'a\\\\b') OR x != 1");
    // Money keeps the currency's decimals: JPY has none, KWD three.
    let money = |text: &str| match parse(&format!("x = {text}")).expect("parse") {
        Expr::Compare { right: Operand::Literal { value, .. }, .. } => value,
        other => panic!("{other:?}"),
    };
    assert_eq!(money("1000 JPY"), Literal::Money { minor: 1000, currency: Currency::new("JPY").expect("JPY") });
    assert_eq!(money("1.5 KWD"), Literal::Money { minor: 1500, currency: Currency::new("KWD").expect("KWD") });
    assert_eq!(money("-2.05 EUR").to_string(), "-2.05 EUR");
    assert!(parse("x = 1.5 JPY").is_err());
    assert_eq!(money("-6m"), Literal::Relative { amount: -6, unit: TimeUnit::Months });
    assert_eq!(money("12w").to_string(), "+12w");
    assert_eq!(money("today"), Literal::Today);
    assert_eq!(parse("birthday within 3d").expect("parse").to_string(), "BIRTHDAY WITHIN 3d");
    // `birthday` alone is an ordinary field name.
    assert_eq!(parse("birthday IS NULL").expect("parse").to_string(), "birthday IS NULL");
}
