//! Retention: guest carts and events older than the policy allows are dropped,
//! a record exactly at the limit is kept, and orders, customers, customers'
//! carts and consent events are never dropped.

use crm_core::model::Store;
use crm_core::privacy::{apply_retention, PrivacyError, RetentionPolicy, RetentionReport, MAX_RETENTION_DAYS};
use crm_core::time::{parse_instant, Instant};

fn t(s: &str) -> Instant {
    parse_instant(s).unwrap()
}

const NOW: &str = "2024-03-01T00:00:00Z";

/// Guest carts: g-at-limit updated exactly 30 days before NOW, g-old 1 µs
/// earlier, g-converted long ago; c-old is a customer's. Events: a-at-limit
/// and a-old (anonymous) around NOW − 10 days, a-recent 8 days old, c-2020 and
/// c-at-365 (exactly 365 days before NOW) of a customer.
const STORE: &str = r#"{
  "customers": [{"id": "c1", "created_at": "2019-01-01T00:00:00Z"}],
  "orders": [{"id": "o1", "customer_id": "c1", "placed_at": "2019-02-01T10:00:00Z", "currency": "EUR",
              "status": "paid", "subtotal": 100, "total": 100},
             {"id": "o2", "contact": {"email": "g@example.com"}, "placed_at": "2019-02-01T10:00:00Z",
              "currency": "EUR", "status": "paid", "subtotal": 100, "total": 100}],
  "carts": [
    {"id": "g-at-limit", "contact": {"email": "g@example.com"}, "currency": "EUR",
     "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-31T00:00:00Z"},
    {"id": "c-old", "customer_id": "c1", "currency": "EUR",
     "created_at": "2019-01-02T00:00:00Z", "updated_at": "2019-01-02T00:00:00Z"},
    {"id": "g-old", "contact": {"phone": "+49 1"}, "currency": "EUR",
     "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-30T23:59:59.999999Z"},
    {"id": "g-converted", "contact": {"email": "g@example.com"}, "currency": "EUR",
     "created_at": "2019-02-01T09:00:00Z", "updated_at": "2019-02-01T09:50:00Z", "converted_order_id": "o2"}
  ],
  "consents": [{"customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "granted",
                "at": "2019-01-01T00:00:00Z", "proof": "form-1"}],
  "events": [
    {"id": "a-at-limit", "anonymous_id": "v1", "kind": "product_viewed", "at": "2024-02-20T00:00:00Z"},
    {"id": "c-2020", "customer_id": "c1", "kind": "product_viewed", "at": "2020-05-01T00:00:00Z"},
    {"id": "a-old", "anonymous_id": "v1", "kind": "product_viewed", "at": "2024-02-19T23:59:59.999999Z"},
    {"id": "a-recent", "anonymous_id": "v2", "kind": "product_viewed", "at": "2024-02-22T00:00:00Z"},
    {"id": "c-at-365", "customer_id": "c1", "kind": "product_viewed", "at": "2023-03-02T00:00:00Z"},
    {"id": "c-before-365", "customer_id": "c1", "kind": "product_viewed", "at": "2023-03-01T23:59:59Z"}
  ]
}"#;

fn store() -> Store {
    Store::from_json(STORE).unwrap()
}

fn policy(guest_cart_days: u32, guest_event_days: u32, event_days: Option<u32>) -> RetentionPolicy {
    RetentionPolicy { guest_cart_days, guest_event_days, event_days }
}

fn cart_ids(s: &Store) -> Vec<&str> {
    s.carts.iter().map(|k| k.id.as_str()).collect()
}

fn event_ids(s: &Store) -> Vec<&str> {
    s.events.iter().map(|e| e.id.as_deref().unwrap_or("-")).collect()
}

#[test]
fn the_limit_itself_is_kept() {
    let s = store();
    let (kept, report) = apply_retention(&s, &policy(30, 10, None), t(NOW)).unwrap();
    // Cart limit: NOW − 30 d = 2024-01-31T00:00:00Z; event limit: NOW − 10 d = 2024-02-20T00:00:00Z.
    assert_eq!(cart_ids(&kept), ["g-at-limit", "c-old"]);
    assert_eq!(event_ids(&kept), ["a-at-limit", "c-2020", "a-recent", "c-at-365", "c-before-365"]);
    assert_eq!(report, RetentionReport { carts_removed: 2, events_removed: 1 });
    // Never dropped.
    assert_eq!((&kept.customers, &kept.orders, &kept.consents), (&s.customers, &s.orders, &s.consents));
    // Kept records are unchanged.
    assert_eq!(kept.carts[0], s.carts[0]);
    assert_eq!(kept.events[1], s.events[1]);
}

#[test]
fn event_days_applies_to_every_event() {
    let (kept, report) = apply_retention(&store(), &policy(30, 10, Some(365)), t(NOW)).unwrap();
    // NOW − 365 d = 2023-03-02T00:00:00Z (2024 is a leap year): c-at-365 is kept, the two older go.
    assert_eq!(event_ids(&kept), ["a-at-limit", "a-recent", "c-at-365"]);
    assert_eq!(report.events_removed, 3);
    assert_eq!(report.carts_removed, 2);
}

#[test]
fn the_shorter_period_wins_for_anonymous_events() {
    // event_days 5 < guest_event_days 10: limit 2024-02-25; a-recent (02-22) goes too.
    let (kept, report) = apply_retention(&store(), &policy(30, 10, Some(5)), t(NOW)).unwrap();
    assert!(kept.events.is_empty());
    assert_eq!(report.events_removed, 6);
}

#[test]
fn nothing_to_drop() {
    let s = store();
    let (kept, report) = apply_retention(&s, &policy(MAX_RETENTION_DAYS, MAX_RETENTION_DAYS, None), t(NOW)).unwrap();
    assert_eq!(kept, s);
    assert_eq!(report, RetentionReport::default());
    let (empty, report) = apply_retention(&Store::default(), &policy(1, 1, Some(1)), t(NOW)).unwrap();
    assert_eq!((empty, report), (Store::default(), RetentionReport::default()));
}

#[test]
fn periods_out_of_range_are_rejected() {
    let s = store();
    for (p, field, got) in [
        (policy(0, 10, None), "guest_cart_days", 0),
        (policy(30, 0, None), "guest_event_days", 0),
        (policy(30, 10, Some(0)), "event_days", 0),
        (policy(30, MAX_RETENTION_DAYS + 1, None), "guest_event_days", MAX_RETENTION_DAYS + 1),
    ] {
        let err = apply_retention(&s, &p, t(NOW)).unwrap_err();
        assert_eq!(
            err,
            PrivacyError::InvalidOption { field: field.into(), message: format!("must be 1 to 36500 days, got {got}") }
        );
        assert_eq!(err.code(), "invalid_option");
    }
}

#[test]
fn policy_json() {
    let p =
        RetentionPolicy::from_json(r#"{"guest_cart_days": 30, "guest_event_days": 90, "event_days": 730}"#).unwrap();
    assert_eq!(p, policy(30, 90, Some(730)));
    assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"guest_cart_days":30,"guest_event_days":90,"event_days":730}"#);
    assert_eq!(serde_json::to_string(&policy(1, 2, None)).unwrap(), r#"{"guest_cart_days":1,"guest_event_days":2}"#);
    for bad in [
        r#"{"guest_cart_days": 30}"#,
        r#"{"guest_cart_days": 30, "guest_event_days": 90, "order_days": 1}"#,
        r#"{"guest_cart_days": -1, "guest_event_days": 90}"#,
        r#"{"guest_cart_days": "30", "guest_event_days": 90}"#,
        r#"[30, 90]"#,
        "not json",
    ] {
        let err = RetentionPolicy::from_json(bad).unwrap_err();
        assert!(matches!(&err, PrivacyError::InvalidOption { field, .. } if field == "retention"), "{bad}: {err}");
    }
    let err = RetentionPolicy::from_json(r#"{"guest_cart_days": 0, "guest_event_days": 90}"#).unwrap_err();
    assert!(matches!(&err, PrivacyError::InvalidOption { field, .. } if field == "guest_cart_days"));
}
