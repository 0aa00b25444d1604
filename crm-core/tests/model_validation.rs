//! One test per validation rule of the model: each bad input yields the typed
//! error naming the record, the field and the value.

use crm_core::model::{ModelError, RecordKind, RecordRef, Store};
use crm_core::money::Currency;

fn errors(doc: &str) -> Vec<ModelError> {
    Store::from_json(doc).expect_err("the document is invalid").0
}

fn order_ref(index: usize, id: &str) -> RecordRef {
    RecordRef::new(RecordKind::Order, index, Some(id))
}

const GOOD_ORDER: &str = r#"{"id": "o1", "customer_id": "c1", "placed_at": "2024-01-01T10:00:00Z",
    "currency": "TRY", "status": "paid", "lines": [{"sku": "A", "quantity": 2, "unit_price": 1500}],
    "subtotal": 3000, "shipping": 500, "tax": 0, "total": 3500}"#;

fn with(field: &str, value: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(GOOD_ORDER).unwrap();
    let patch: serde_json::Value = serde_json::from_str(value).unwrap();
    let mut target = &mut v;
    let parts: Vec<&str> = field.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        target = match p.parse::<usize>() {
            Ok(i) => &mut target[i],
            Err(_) => &mut target[*p],
        };
    }
    target[parts[parts.len() - 1]] = patch;
    format!(r#"{{"orders": [{v}]}}"#)
}

#[test]
fn a_good_order_validates() {
    let s = Store::from_json(&format!(r#"{{"orders": [{GOOD_ORDER}]}}"#)).unwrap();
    assert_eq!(s.orders[0].total, 3500);
}

#[test]
fn negative_quantity() {
    let e = errors(&with("lines.0.quantity", "-1"));
    assert_eq!(
        e,
        [ModelError::InvalidQuantity { record: order_ref(0, "o1"), field: "lines[0].quantity".into(), value: -1 }]
    );
    assert_eq!(
        e[0].to_string(),
        "order \"o1\" (orders[0]): field `lines[0].quantity`: quantity must be at least 1, got -1"
    );
}

#[test]
fn zero_quantity_is_invalid_too() {
    assert_eq!(errors(&with("lines.0.quantity", "0"))[0].code(), "invalid_quantity");
}

#[test]
fn negative_amounts() {
    let e = errors(&with("shipping", "-500"));
    assert!(e.contains(&ModelError::NegativeAmount {
        record: order_ref(0, "o1"),
        field: "shipping".into(),
        value: -500
    }));
    let e = errors(&with("lines.0.unit_price", "-1"));
    assert_eq!(
        e[0],
        ModelError::NegativeAmount { record: order_ref(0, "o1"), field: "lines[0].unit_price".into(), value: -1 }
    );
}

#[test]
fn unknown_currency() {
    let e = errors(&with("currency", "\"TL\""));
    assert_eq!(
        e,
        [ModelError::UnknownCurrency { record: order_ref(0, "o1"), field: "currency".into(), value: "TL".into() }]
    );
}

#[test]
fn currency_mismatch_inside_an_order() {
    let e = errors(&with("lines.0.currency", "\"USD\""));
    assert_eq!(
        e,
        [ModelError::CurrencyMismatch {
            record: order_ref(0, "o1"),
            field: "lines[0].currency".into(),
            expected: Currency::new("TRY").unwrap(),
            found: Currency::new("USD").unwrap(),
        }]
    );
}

#[test]
fn refund_in_another_currency() {
    let doc = with("refunds", r#"[{"amount": 100, "at": "2024-01-02T00:00:00Z", "currency": "EUR"}]"#);
    assert_eq!(errors(&doc)[0].code(), "currency_mismatch");
    assert_eq!(errors(&doc)[0].field(), "refunds[0].currency");
}

#[test]
fn totals_that_do_not_add_up() {
    // 2 × 1500 = 3000 + 500 shipping = 3500; 3600 is wrong.
    let e = errors(&with("total", "3600"));
    assert_eq!(
        e,
        [ModelError::TotalsMismatch { record: order_ref(0, "o1"), field: "total".into(), expected: 3500, found: 3600 }]
    );
    // Tax is added unless prices include it: 3000 + 500 + 630 = 4130.
    let mut v: serde_json::Value = serde_json::from_str(GOOD_ORDER).unwrap();
    v["tax"] = 630.into();
    v["total"] = 4130.into();
    assert!(Store::from_json(&format!(r#"{{"orders": [{v}]}}"#)).is_ok());
    v["taxes_included"] = true.into();
    let e = errors(&format!(r#"{{"orders": [{v}]}}"#));
    assert_eq!(
        e[0],
        ModelError::TotalsMismatch { record: order_ref(0, "o1"), field: "total".into(), expected: 3500, found: 4130 }
    );
}

#[test]
fn subtotal_must_equal_line_nets() {
    let e = errors(&with("lines.0.discount", "100"));
    assert_eq!(
        e,
        [ModelError::TotalsMismatch {
            record: order_ref(0, "o1"),
            field: "subtotal".into(),
            expected: 2900,
            found: 3000
        }]
    );
}

#[test]
fn unknown_time_zone() {
    let e =
        errors(r#"{"customers": [{"id": "c9", "created_at": "2024-01-01T00:00:00Z", "time_zone": "Europe/Ankara"}]}"#);
    assert_eq!(
        e,
        [ModelError::UnknownTimeZone {
            record: RecordRef::new(RecordKind::Customer, 0, Some("c9")),
            field: "time_zone".into(),
            value: "Europe/Ankara".into(),
        }]
    );
}

#[test]
fn unparsable_timestamps() {
    for bad in ["2024-01-01", "2024-01-01T10:00:00", "01/02/2024 10:00", "2024-02-30T00:00:00Z"] {
        let e = errors(&with("placed_at", &format!("\"{bad}\"")));
        assert_eq!(
            e,
            [ModelError::InvalidTimestamp { record: order_ref(0, "o1"), field: "placed_at".into(), value: bad.into() }],
            "{bad}"
        );
    }
    let e = errors(&with("refunds", r#"[{"amount": 100, "at": "soon"}]"#));
    assert_eq!(e[0].field(), "refunds[0].at");
}

#[test]
fn duplicate_ids() {
    let doc = format!(r#"{{"orders": [{GOOD_ORDER}, {GOOD_ORDER}, {GOOD_ORDER}]}}"#);
    let e = errors(&doc);
    assert_eq!(e.len(), 2);
    assert_eq!(
        e[1],
        ModelError::DuplicateId { record: order_ref(2, "o1"), field: "id".into(), value: "o1".into(), first_index: 0 }
    );
}

#[test]
fn every_bad_record_is_reported_and_good_ones_are_not_blamed() {
    let bad_tz = r#"{"id": "c1", "created_at": "2024-01-01T00:00:00Z", "time_zone": "Nowhere"}"#;
    let good = r#"{"id": "c2", "created_at": "2024-01-01T00:00:00Z"}"#;
    let bad_ts = r#"{"id": "c3", "created_at": "never"}"#;
    let e = errors(&format!(
        r#"{{"customers": [{bad_tz}, {good}, {bad_ts}], "orders": [{}]}}"#,
        with("total", "1").trim_start_matches(r#"{"orders": ["#).trim_end_matches("]}")
    ));
    let where_: Vec<(RecordKind, usize, &str)> =
        e.iter().map(|e| (e.record().kind, e.record().index, e.code())).collect();
    assert_eq!(
        where_,
        [
            (RecordKind::Customer, 0, "unknown_time_zone"),
            (RecordKind::Customer, 2, "invalid_timestamp"),
            (RecordKind::Order, 0, "totals_mismatch"),
        ]
    );
}

#[test]
fn guests_need_a_contact() {
    let mut v: serde_json::Value = serde_json::from_str(GOOD_ORDER).unwrap();
    v.as_object_mut().unwrap().remove("customer_id");
    let e = errors(&format!(r#"{{"orders": [{v}]}}"#));
    assert_eq!(e[0].code(), "invalid_value");
    assert_eq!(e[0].field(), "customer_id");
    v["contact"] = serde_json::json!({"email": "guest@example.com"});
    assert!(Store::from_json(&format!(r#"{{"orders": [{v}]}}"#)).is_ok());
}

#[test]
fn refunds_cannot_exceed_the_total_or_precede_the_order() {
    let e = errors(&with(
        "refunds",
        r#"[{"amount": 3000, "at": "2024-01-02T00:00:00Z"}, {"amount": 600, "at": "2024-01-03T00:00:00Z"}]"#,
    ));
    assert_eq!((e[0].code(), e[0].field(), e[0].value()), ("invalid_value", "refunds", "3600".to_string()));
    let e = errors(&with("refunds", r#"[{"amount": 100, "at": "2023-12-31T00:00:00Z"}]"#));
    assert_eq!(e[0].field(), "refunds[0].at");
}

#[test]
fn wrong_json_shapes_name_the_field() {
    let e = errors(&with("total", "\"3500\""));
    assert_eq!((e[0].code(), e[0].field()), ("malformed", "total"));
    let e = errors(&with("status", "\"shipped\""));
    assert_eq!((e[0].code(), e[0].field()), ("malformed", "status"));
    let e = errors(&with("totl", "1"));
    assert_eq!((e[0].code(), e[0].field()), ("malformed", "totl"));
    let e = errors(r#"{"orders": [1, "x"]}"#);
    assert_eq!(e.len(), 2);
    let e = errors("[");
    assert!(e[0].to_string().starts_with("document: invalid JSON"), "{}", e[0]);
    let e = errors(&format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)));
    assert_eq!(e[0].code(), "malformed");
}

#[test]
fn huge_numbers_are_errors_not_wraparound() {
    let e = errors(&with("total", "99999999999999999999"));
    assert_eq!((e[0].code(), e[0].field()), ("malformed", "total"));
    // quantity × unit_price overflowing i64
    let e = errors(&with("lines.0.unit_price", "9223372036854775807"));
    assert!(e.iter().any(|e| e.field() == "lines[0].unit_price" && e.code() == "invalid_value"), "{e:?}");
}

#[test]
fn birth_dates_and_countries() {
    let e = errors(
        r#"{"customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z", "birth_date": "2023-02-29",
                       "location": {"country": "tr"}}]}"#,
    );
    assert_eq!(e[0].code(), "invalid_value");
    assert_eq!(e[0].field(), "birth_date");
    let ok = Store::from_json(
        r#"{"customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z", "birth_date": "--02-29",
                       "location": {"country": "TR"}}]}"#,
    );
    assert!(ok.is_ok());
}

#[test]
fn cart_and_event_rules() {
    let e = errors(
        r#"{"carts": [{"id": "k1", "customer_id": "c1", "currency": "EUR",
        "created_at": "2024-01-02T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}]}"#,
    );
    assert_eq!((e[0].code(), e[0].field()), ("invalid_value", "updated_at"));
    let e = errors(r#"{"events": [{"kind": "custom", "at": "2024-01-01T00:00:00Z", "customer_id": "c1"}]}"#);
    assert_eq!((e[0].code(), e[0].field()), ("invalid_value", "name"));
    let e = errors(r#"{"events": [{"kind": "product_viewed", "at": "2024-01-01T00:00:00Z"}]}"#);
    assert_eq!((e[0].code(), e[0].field()), ("invalid_value", "customer_id"));
}
