//! Property tests of the rule language: two-valued logic (NOT is the
//! complement, AND is a subset), text and JSON round trips, a parser that
//! never panics, and membership that does not depend on input order.

use chrono::NaiveDate;
use crm_core::datasets::{sample_store, SampleOptions};
use crm_core::money::Currency;
use crm_core::segment::rule::{parse, Arg, CmpOp, Expr, Literal, Operand, Pos, TimeUnit};
use crm_core::segment::{Column, CustomerTable, Rule, TableOptions};
use crm_core::time::{from_micros, parse_instant};
use proptest::prelude::*;

const AS_OF: i64 = 1_718_452_800_000_000; // 2024-06-15T12:00:00Z

fn at() -> Pos {
    Pos::default()
}

fn field(name: &str) -> Operand {
    Operand::Field { name: name.into(), at: at() }
}

fn lit(value: Literal) -> Operand {
    Operand::Literal { value, at: at() }
}

fn eur() -> Currency {
    Currency::new("EUR").expect("EUR")
}

/// A table of `n` customers whose every field may be missing.
fn table_strategy() -> impl Strategy<Value = CustomerTable> {
    let row = (
        proptest::option::of(-5i64..20),
        proptest::option::of(-1.0f64..2.0),
        proptest::option::of(-3000i64..3000),
        proptest::option::of(-100i64..100),
        proptest::option::of(0usize..4),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(0usize..4, 0..3),
    );
    proptest::collection::vec(row, 1..40).prop_map(|rows| {
        let ids: Vec<String> = (0..rows.len()).map(|i| format!("c{i:03}")).collect();
        let mut t = CustomerTable::new(ids.iter().map(String::as_str), AS_OF);
        let words = ["red", "green", "blue", "Red"];
        let day = 86_400_000_000i64;
        let cols = [
            ("n", Column::Int(rows.iter().map(|r| r.0).collect())),
            ("x", Column::Float(rows.iter().map(|r| r.1).collect())),
            (
                "cash",
                Column::Money {
                    minor: rows.iter().map(|r| r.2).collect(),
                    currency: rows.iter().map(|r| r.2.map(|_| eur())).collect(),
                },
            ),
            ("t", Column::Instant(rows.iter().map(|r| r.3.map(|d| AS_OF + d * day)).collect())),
            ("d", Column::Date(rows.iter().map(|r| r.3.map(|d| 19_889 + d as i32)).collect())),
            ("s", Column::text(rows.iter().map(|r| r.4.map(|w| words[w])))),
            ("b", Column::Bool(rows.iter().map(|r| r.5).collect())),
            ("tags", Column::list(rows.iter().map(|r| r.6.iter().map(|&w| words[w])))),
        ];
        for (name, c) in cols {
            t.insert(name, c).expect("same length");
        }
        t
    })
}

fn op() -> impl Strategy<Value = CmpOp> {
    prop_oneof![Just(CmpOp::Eq), Just(CmpOp::Ne), Just(CmpOp::Lt), Just(CmpOp::Le), Just(CmpOp::Gt), Just(CmpOp::Ge)]
}

/// Well-typed leaves over the table of [`table_strategy`].
fn leaf() -> impl Strategy<Value = Expr> {
    let word = prop_oneof![Just("red"), Just("green"), Just("blue"), Just("Red"), Just("re")].prop_map(String::from);
    prop_oneof![
        (op(), -5i64..20).prop_map(|(op, v)| Expr::Compare {
            left: field("n"),
            op,
            right: lit(Literal::Number(v as f64))
        }),
        (op(), -1.0f64..2.0).prop_map(|(op, v)| Expr::Compare { left: lit(Literal::Number(v)), op, right: field("x") }),
        (op(), -3000i64..3000).prop_map(|(op, v)| Expr::Compare {
            left: field("cash"),
            op,
            right: lit(Literal::Money { minor: v, currency: eur() })
        }),
        (op(), -100i64..100).prop_map(|(op, v)| Expr::Compare {
            left: field("t"),
            op,
            right: lit(Literal::Relative { amount: v, unit: TimeUnit::Days })
        }),
        (op(), 0i64..200).prop_map(|(op, v)| Expr::Compare {
            left: field("d"),
            op,
            right: lit(Literal::Date(
                NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default() + chrono::Days::new(v as u64)
            ))
        }),
        (op(), word.clone()).prop_map(|(op, w)| Expr::Compare { left: field("s"), op, right: lit(Literal::Str(w)) }),
        (op(), any::<bool>()).prop_map(|(op, v)| Expr::Compare {
            left: field("b"),
            op: if matches!(op, CmpOp::Eq | CmpOp::Lt | CmpOp::Gt) { CmpOp::Eq } else { CmpOp::Ne },
            right: lit(Literal::Bool(v))
        }),
        (op(), Just(())).prop_map(|(op, _)| Expr::Compare { left: field("n"), op, right: field("n") }),
        (-5i64..10, 0i64..10, any::<bool>()).prop_map(|(lo, w, negated)| Expr::Between {
            operand: field("n"),
            low: lit(Literal::Number(lo as f64)),
            high: lit(Literal::Number((lo + w) as f64)),
            negated
        }),
        (proptest::collection::vec(word.clone(), 1..3), any::<bool>()).prop_map(|(ws, negated)| Expr::In {
            operand: field("s"),
            values: ws.into_iter().map(|w| lit(Literal::Str(w))).collect(),
            negated
        }),
        word.clone().prop_map(|w| Expr::Contains { operand: field("tags"), value: lit(Literal::Str(w)) }),
        word.prop_map(|w| Expr::Contains { operand: field("s"), value: lit(Literal::Str(w)) }),
        (prop_oneof![Just("n"), Just("x"), Just("cash"), Just("t"), Just("s"), Just("b"), Just("tags")], any::<bool>())
            .prop_map(|(f, negated)| Expr::IsNull { operand: field(f), negated }),
        Just(Expr::Truth(field("b"))),
        any::<bool>().prop_map(Expr::Const),
    ]
}

/// Well-typed rules: leaves combined with AND, OR and NOT.
fn typed_rule() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

fn ident() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,6}(\\.[a-z][a-z0-9_]{0,4})?"
        .prop_filter("not a keyword", |s| !crm_core::segment::rule::is_keyword(s))
}

/// Any literal, including strings with quotes, escapes and non-ASCII text.
fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        (-1e9f64..1e9).prop_map(Literal::Number),
        (-1_000_000i64..1_000_000).prop_map(|v| Literal::Number(v as f64)),
        (any::<i32>(), prop_oneof![Just("EUR"), Just("JPY"), Just("TRY"), Just("KWD")])
            .prop_map(|(m, c)| Literal::Money { minor: i64::from(m), currency: Currency::new(c).expect("currency") }),
        (0i64..3_000_000).prop_map(|d| Literal::Date(
            NaiveDate::from_ymd_opt(1000, 1, 1).unwrap_or_default() + chrono::Days::new(d as u64)
        )),
        (-30_000_000_000_000_000i64..250_000_000_000_000_000).prop_map(Literal::Instant),
        (
            -100_000i64..100_000,
            prop_oneof![
                Just(TimeUnit::Hours),
                Just(TimeUnit::Days),
                Just(TimeUnit::Weeks),
                Just(TimeUnit::Months),
                Just(TimeUnit::Years)
            ]
        )
            .prop_map(|(amount, unit)| Literal::Relative { amount, unit }),
        Just(Literal::Today),
        "(\\PC|['\"\\\\\t\n]){0,8}".prop_map(Literal::Str),
        any::<bool>().prop_map(Literal::Bool),
    ]
}

fn operand() -> impl Strategy<Value = Operand> {
    prop_oneof![
        ident().prop_map(|name| Operand::Field { name, at: at() }),
        (ident(), proptest::collection::vec((proptest::option::of(ident()), literal()), 0..3)).prop_map(
            |(name, args)| {
                Operand::Call {
                    name,
                    args: args.into_iter().map(|(name, value)| Arg { name, value, at: at() }).collect(),
                    at: at(),
                }
            }
        ),
        literal().prop_map(|value| Operand::Literal { value, at: at() }),
    ]
}

/// Any syntactically valid tree (types not checked).
fn any_rule() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (operand(), op(), operand()).prop_map(|(left, op, right)| Expr::Compare { left, op, right }),
        (operand(), operand(), operand(), any::<bool>()).prop_map(|(operand, low, high, negated)| Expr::Between {
            operand,
            low,
            high,
            negated
        }),
        (operand(), proptest::collection::vec(operand(), 1..4), any::<bool>())
            .prop_map(|(operand, values, negated)| Expr::In { operand, values, negated }),
        (operand(), operand()).prop_map(|(operand, value)| Expr::Contains { operand, value }),
        (operand(), any::<bool>()).prop_map(|(operand, negated)| Expr::IsNull { operand, negated }),
        operand()
            .prop_filter("a bare TRUE/FALSE is a constant", |o| !matches!(
                o,
                Operand::Literal { value: Literal::Bool(_), .. }
            ))
            .prop_map(Expr::Truth),
        (0i64..=366).prop_map(|days| Expr::BirthdayWithin { days, at: at() }),
        any::<bool>().prop_map(Expr::Const),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

fn eval(e: &Expr, t: &CustomerTable) -> Vec<bool> {
    Rule::from_json(&e.to_json()).and_then(|r| r.evaluate(t)).expect("well-typed rule evaluates")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn not_is_the_complement((t, e) in (table_strategy(), typed_rule())) {
        let yes = eval(&e, &t);
        let no = eval(&Expr::Not(Box::new(e)), &t);
        prop_assert_eq!(yes.len(), t.len());
        for (a, b) in yes.iter().zip(&no) {
            prop_assert_ne!(a, b);
        }
    }

    #[test]
    fn and_is_a_subset_and_or_a_superset((t, a, b) in (table_strategy(), typed_rule(), typed_rule())) {
        let ma = eval(&a, &t);
        let mb = eval(&b, &t);
        let both = eval(&Expr::And(vec![a.clone(), b.clone()]), &t);
        let either = eval(&Expr::Or(vec![a, b]), &t);
        for i in 0..t.len() {
            prop_assert!(!both[i] || ma[i]);
            prop_assert_eq!(both[i], ma[i] && mb[i]);
            prop_assert_eq!(either[i], ma[i] || mb[i]);
        }
    }

    #[test]
    fn a_comparison_with_a_missing_value_is_false((t, e) in (table_strategy(), leaf())) {
        // Every comparison-like leaf (not IS NULL, not constants) is false where its field is missing.
        let field = match &e {
            Expr::Compare { left: Operand::Field { name, .. }, .. }
            | Expr::Compare { right: Operand::Field { name, .. }, .. }
            | Expr::Between { operand: Operand::Field { name, .. }, .. }
            | Expr::In { operand: Operand::Field { name, .. }, .. } => Some(name.clone()),
            _ => None,
        };
        if let Some(name) = field {
            let missing = Rule::parse(&format!("{name} IS NULL")).and_then(|r| r.evaluate(&t)).expect("is null");
            let m = eval(&e, &t);
            for i in 0..t.len() {
                prop_assert!(!(missing[i] && m[i]), "{} holds for a missing value", e);
            }
        }
    }

    #[test]
    fn text_round_trip(e in any_rule()) {
        let text = e.to_string();
        let back = parse(&text);
        prop_assert!(back.is_ok(), "{} does not parse: {:?}", text, back);
        let back = back.expect("checked");
        prop_assert_eq!(&back, &e, "{}", text);
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn json_round_trip(e in any_rule()) {
        prop_assert_eq!(Expr::from_json(&e.to_json()).expect("tree"), e);
    }

    #[test]
    fn the_parser_never_panics(text in "\\PC{0,60}") {
        let _ = parse(&text);
    }

    #[test]
    fn the_parser_never_panics_on_damaged_rules(e in any_rule(), cut in 0usize..200, junk in "[()'\"=<>!,:. a-zA-Z0-9-]{0,4}") {
        let text = e.to_string();
        let chars: Vec<char> = text.chars().collect();
        let k = cut.min(chars.len());
        let damaged: String = chars[..k].iter().chain(junk.chars().collect::<Vec<_>>().iter()).chain(chars[k..].iter()).collect();
        let _ = parse(&damaged);
        let _ = Expr::from_json(&serde_json::json!({"and": [e.to_json(), {"op": junk}]}));
    }
}

fn shuffled<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
    let mut out = v.to_vec();
    let mut s = seed | 1;
    for i in (1..out.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        out.swap(i, (s % (i as u64 + 1)) as usize);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn membership_does_not_depend_on_input_order(seed in any::<u64>(), e in typed_store_rule()) {
        let store = sample_store(&SampleOptions { customers: 60, seed: 5, ..SampleOptions::default() }).expect("sample").to_store();
        let mut other = store.clone();
        other.orders = shuffled(&store.orders, seed);
        other.customers = shuffled(&store.customers, seed ^ 1);
        other.consents = shuffled(&store.consents, seed ^ 2);
        other.carts = shuffled(&store.carts, seed ^ 3);
        let as_of = parse_instant("2025-06-01T00:00:00Z").expect("instant");
        let opts = TableOptions { facts: crm_core::facts::FactsOptions { rates: Some(rates()), ..Default::default() }, ..TableOptions::default() };
        let a = CustomerTable::from_store(&store, as_of, &opts).expect("table");
        let b = CustomerTable::from_store(&other, as_of, &opts).expect("table");
        let rule = Rule::parse(&e).expect("rule");
        prop_assert_eq!(rule.filter(&a).expect("a"), rule.filter(&b).expect("b"));
    }
}

fn rates() -> crm_core::money::ExchangeRates {
    let mut r = crm_core::money::ExchangeRates::new(eur());
    for (c, v) in [("TRY", "0.028"), ("USD", "0.92"), ("GBP", "1.17"), ("JPY", "0.0061")] {
        r.insert(Currency::new(c).expect("currency"), v).expect("rate");
    }
    r
}

/// Rules over the store's own fields and functions.
fn typed_store_rule() -> impl Strategy<Value = String> {
    let parts = prop_oneof![
        (1u32..5).prop_map(|n| format!("order_count >= {n}")),
        (0u32..800).prop_map(|n| format!("net_spend > {n} EUR")),
        (1u32..400).prop_map(|n| format!("last_order_at >= -{n}d")),
        Just("consent.email".to_string()),
        Just("country IN ('TR', 'DE')".to_string()),
        Just("tags CONTAINS 'vip'".to_string()),
        (1u32..4).prop_map(|n| format!("products_purchased(category: 'Electronics') >= {n}")),
        (1u32..3).prop_map(|n| format!("orders_with(since: -180d) >= {n}")),
        Just("segment IN ('VIP', 'Loyal')".to_string()),
        Just("age BETWEEN 25 AND 44".to_string()),
        Just("BIRTHDAY WITHIN 30d".to_string()),
        Just("discounted_order_share >= 0.5".to_string()),
    ];
    (proptest::collection::vec(parts, 1..4), any::<bool>())
        .prop_map(|(p, or)| p.join(if or { " OR " } else { " AND " }))
}

#[test]
fn instants_used_above_are_what_they_say() {
    assert_eq!(from_micros(AS_OF).map(crm_core::time::format_instant).as_deref(), Some("2024-06-15T12:00:00Z"));
    // Day 19 889 after 1970-01-01 is 2024-06-15.
    assert_eq!(crm_core::segment::date_from_days(19_889), NaiveDate::from_ymd_opt(2024, 6, 15));
}
