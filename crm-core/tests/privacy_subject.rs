//! Export and erasure of one person on a small store whose expected values
//! are worked out by hand (see the comments at each assertion).

use crm_core::facts::FactsOptions;
use crm_core::model::{Channel, ConsentStatus, Contact, Purpose, RecipientType, Store};
use crm_core::money::{Currency, ExchangeRates};
use crm_core::privacy::{
    erase, export, export_with, is_erased_contact, pseudonym, ExportOptions, PrivacyError, EXPORT_FORMAT,
};
use crm_core::time::{parse_instant, Instant};

const SALT: &[u8] = b"privacy-test-salt-0001";
// Computed independently: python3 hmac.new(SALT, value, sha256).hexdigest()[:32].
const ANON_C1: &str = "anon_281ca59f30c914c0bc6c8585fd1021d1";
const ANON_EMAIL: &str = "anon_a7fa25869c413db6ee6c4c5a156a88d6"; // ayse.yilmaz@example.com
const ANON_PHONE: &str = "anon_191ee07a69beae702089fa33d3f2433d"; // 905551112233

fn t(s: &str) -> Instant {
    parse_instant(s).unwrap()
}

/// c1 (Ayşe) has orders o1 and o5, the guest order o3 (her e-mail, other case
/// and a trailing space), cart k1, the guest cart k2 (her phone, other
/// punctuation), event e1, the anonymous e2 (her visitor id) and e3 (her
/// e-mail in a property), consents g1, g3, g4. c2 (Bob) has o2, k3, e4, g2 and
/// the guest records k4 and e5 with his e-mail. o4 belongs to a stranger; p1
/// is a prospect.
const STORE: &str = r#"{
  "customers": [
    {"id": "c1", "created_at": "2024-01-01T00:00:00Z", "email": "Ayse.Yilmaz@Example.com",
     "phone": "+90 555 111 22 33", "first_name": "Ayşe", "last_name": "Yılmaz", "birth_date": "1990-02-28",
     "location": {"city": "İzmir", "country": "TR"}, "tags": ["vip"],
     "attributes": {"note": "prefers evening calls", "shoe_size": 38}},
    {"id": "c2", "created_at": "2024-01-02T00:00:00Z", "email": "bob@example.com", "first_name": "Bob"},
    {"id": "p1", "created_at": "2024-02-01T00:00:00Z", "email": "pat@example.com"}
  ],
  "orders": [
    {"id": "o1", "customer_id": "c1", "placed_at": "2024-02-10T10:00:00Z", "currency": "TRY",
     "status": "partially_refunded", "subtotal": 10000, "total": 10000,
     "refunds": [{"amount": 1000, "at": "2024-02-20T00:00:00Z", "reason": "Ayşe says the box was damaged"}]},
    {"id": "o2", "customer_id": "c2", "placed_at": "2024-02-05T10:00:00Z", "currency": "TRY",
     "status": "paid", "subtotal": 5000, "total": 5000},
    {"id": "o3", "contact": {"email": "ayse.yilmaz@EXAMPLE.com "}, "placed_at": "2024-01-20T10:00:00Z",
     "currency": "TRY", "status": "paid", "subtotal": 2000, "total": 2000},
    {"id": "o4", "contact": {"email": "someone@else.com"}, "placed_at": "2024-01-21T10:00:00Z",
     "currency": "TRY", "status": "paid", "subtotal": 4000, "total": 4000},
    {"id": "o5", "customer_id": "c1", "contact": {"phone": "905551112233"}, "placed_at": "2024-01-15T10:00:00Z",
     "currency": "TRY", "status": "cancelled", "subtotal": 3000, "total": 3000}
  ],
  "carts": [
    {"id": "k1", "customer_id": "c1", "currency": "TRY", "created_at": "2024-02-09T10:00:00Z",
     "updated_at": "2024-02-09T10:05:00Z", "converted_order_id": "o1"},
    {"id": "k2", "contact": {"phone": "+90-555-111-2233"}, "currency": "TRY",
     "created_at": "2024-02-28T10:00:00Z", "updated_at": "2024-02-28T10:00:00Z"},
    {"id": "k3", "customer_id": "c2", "currency": "TRY", "created_at": "2024-02-01T10:00:00Z",
     "updated_at": "2024-02-01T10:00:00Z"},
    {"id": "k4", "contact": {"email": "bob@example.com"}, "currency": "TRY",
     "created_at": "2024-01-10T10:00:00Z", "updated_at": "2024-01-10T10:00:00Z"}
  ],
  "consents": [
    {"id": "g1", "customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "granted",
     "at": "2024-01-01T00:00:00Z", "source": "web_form", "proof": "form-1"},
    {"id": "g2", "customer_id": "c2", "channel": "email", "purpose": "marketing", "status": "granted",
     "at": "2024-01-02T00:00:00Z", "source": "web_form", "proof": "form-2"},
    {"id": "g3", "customer_id": "c1", "channel": "sms", "purpose": "marketing", "status": "granted",
     "at": "2024-01-03T00:00:00Z", "source": "checkout_checkbox", "proof": "sms-ok"},
    {"id": "g4", "customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "withdrawn",
     "at": "2024-01-02T00:00:00Z", "source": "unsubscribe_link"}
  ],
  "events": [
    {"id": "e1", "customer_id": "c1", "anonymous_id": "v-77", "kind": "product_viewed", "at": "2024-02-09T09:00:00Z"},
    {"id": "e2", "anonymous_id": "v-77", "kind": "product_viewed", "at": "2024-02-08T09:00:00Z"},
    {"id": "e3", "anonymous_id": "v-99", "kind": "custom", "name": "newsletter_signup",
     "at": "2024-01-05T09:00:00Z", "properties": {"form": {"email": "AYSE.YILMAZ@example.com"}}},
    {"id": "e4", "customer_id": "c2", "kind": "product_viewed", "at": "2024-02-09T09:00:00Z"},
    {"id": "e5", "anonymous_id": "v-12", "kind": "custom", "name": "newsletter_signup",
     "at": "2024-01-06T09:00:00Z", "properties": {"email": "bob@example.com"}}
  ]
}"#;

fn store() -> Store {
    Store::from_json(STORE).unwrap()
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> Option<&str>) -> Vec<&str> {
    items.iter().map(|x| id(x).unwrap_or("-")).collect()
}

#[test]
fn export_holds_exactly_her_records_sorted_by_time() {
    let doc = export(&store(), "c1", t("2024-03-01T00:00:00Z")).unwrap();
    assert_eq!((doc.format.as_str(), doc.version, doc.customer_id.as_str()), (EXPORT_FORMAT, 1, "c1"));
    assert_eq!(doc.profile.as_ref().map(|c| c.first_name.as_deref()), Some(Some("Ayşe")));
    // o5 (01-15), o3 (01-20, guest with her e-mail), o1 (02-10); not o2 (Bob) nor o4 (stranger).
    assert_eq!(ids(&doc.orders, |o| Some(&o.id)), ["o5", "o3", "o1"]);
    // k1 (02-09), k2 (02-28, guest with her phone); not k3, nor k4 (Bob's e-mail).
    assert_eq!(ids(&doc.carts, |k| Some(&k.id)), ["k1", "k2"]);
    // e3 (01-05, her e-mail in a property), e2 (02-08, her visitor id), e1 (02-09).
    assert_eq!(ids(&doc.events, |e| e.id.as_deref()), ["e3", "e2", "e1"]);
    // g1 (01-01), g4 (01-02), g3 (01-03): timestamp order, not arrival order.
    assert_eq!(ids(&doc.consent, |c| c.id.as_deref()), ["g1", "g4", "g3"]);
    assert_eq!(doc.consent[0].proof.as_deref(), Some("form-1"));
    assert_eq!(doc.consent[0].source.as_deref(), Some("web_form"));
    assert!(doc.unavailable.is_empty());

    let json = doc.to_json();
    for other in ["bob@", "\"c2\"", "\"o2\"", "\"o4\"", "\"k3\"", "\"k4\"", "\"e4\"", "\"e5\"", "someone@else", "p1"] {
        assert!(!json.contains(other), "{other} leaked into the export");
    }
}

#[test]
fn export_facts_and_segments_by_hand() {
    let doc = export(&store(), "c1", t("2024-03-01T00:00:00Z")).unwrap();
    let f = doc.facts.as_ref().unwrap();
    // Counted: o1 only (o5 is cancelled; o3 is a guest order, its own facts row).
    assert_eq!(f["customer_id"], "c1");
    assert_eq!(f["order_count"], 1);
    assert_eq!(f["net_spend"], 9000); // 10000 − the 1000 refund
    assert_eq!((f["refund_count"].clone(), f["refund_amount"].clone()), (1.into(), 1000.into()));
    assert_eq!(f["days_since_last_order"], 19); // 02-10T10:00 → 03-01T00:00 is 19 d 14 h
    assert_eq!(f["tenure_days"], 60); // 2024-01-01 → 2024-03-01: 31 + 29 days
    assert_eq!(f["currency"], "TRY");

    // Scored (k = 5, N = 4): c1 (19 d, 1, 9000), c2 (24 d, 1, 5000), the guests
    // o3 (40 d, 1, 2000) and o4 (39 d, 1, 4000).
    // r: 3 are worse → 1 + ⌊5·3/4⌋ = 4; f: nobody has fewer → 1; m: 3 are lower → 4.
    // seed map: not Lost (19 < 90), not VIP/Loyal (f < 3), New (frequency = 1 and r ≥ 4).
    let s = doc.segments.as_ref().unwrap();
    assert_eq!((s.recency, s.frequency, s.monetary, s.currency.code()), (19, 1, 9000, "TRY"));
    assert_eq!((s.r, s.f, s.m, s.k), (4, 1, 4, 5));
    assert_eq!((s.map.as_str(), s.segment.as_str()), ("seed", "New"));
}

#[test]
fn export_is_deterministic_and_round_trips() {
    let s = store();
    let at = t("2024-03-01T00:00:00Z");
    let a = export(&s, "c1", at).unwrap().to_json();
    assert_eq!(a, export(&s.clone(), "c1", at).unwrap().to_json());
    let back: crm_core::privacy::SubjectExport = serde_json::from_str(&a).unwrap();
    assert_eq!(back.to_json(), a);
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    let mut expected = [
        "format",
        "version",
        "customer_id",
        "exported_at",
        "profile",
        "orders",
        "carts",
        "events",
        "consent",
        "facts",
        "segments",
        "unavailable",
    ];
    expected.sort(); // the parsed map may reorder keys; the text keeps field order (checked below)
    assert_eq!(keys, expected);
    assert!(a.starts_with(r#"{"format":"crm-subject-export","version":1,"customer_id":"c1","exported_at":"2024-03-01T00:00:00Z","profile":{"#));
}

#[test]
fn export_of_a_prospect() {
    let doc = export(&store(), "p1", t("2024-03-01T00:00:00Z")).unwrap();
    assert_eq!(doc.profile.as_ref().map(|c| c.id.as_str()), Some("p1"));
    assert!(doc.orders.is_empty() && doc.carts.is_empty() && doc.events.is_empty() && doc.consent.is_empty());
    let f = doc.facts.as_ref().unwrap();
    assert_eq!((f["order_count"].clone(), f["net_spend"].clone()), (0.into(), 0.into()));
    assert_eq!(f["tenure_days"], 29); // 02-01 → 03-01 in a leap year
    assert!(f["currency"].is_null());
    assert!(doc.segments.is_none());
    assert!(doc.unavailable.is_empty());
    let v: serde_json::Value = serde_json::from_str(&doc.to_json()).unwrap();
    assert!(v["segments"].is_null());
}

#[test]
fn export_of_unknown_and_of_consent_only_ids() {
    let mut s = store();
    let err = export(&s, "c9", t("2024-03-01T00:00:00Z")).unwrap_err();
    assert_eq!(err, PrivacyError::UnknownCustomer { customer_id: "c9".into() });
    assert_eq!(err.code(), "unknown_customer");

    // Known only from a consent event: no profile, no facts row, no segments.
    let mut g = s.consents[0].clone();
    g.customer_id = "c9".into();
    g.id = Some("g9".into());
    s.consents.push(g);
    let doc = export(&s, "c9", t("2024-03-01T00:00:00Z")).unwrap();
    assert!(doc.profile.is_none() && doc.facts.is_none() && doc.segments.is_none());
    assert_eq!(ids(&doc.consent, |c| c.id.as_deref()), ["g9"]);
}

#[test]
fn export_reports_mixed_currencies_and_accepts_rates() {
    let mut s = store();
    let mut o = s.orders[1].clone(); // Bob's second order, in euros
    o.id = "o6".into();
    o.currency = Currency::new("EUR").unwrap();
    s.orders.push(o);
    let at = t("2024-03-01T00:00:00Z");
    let doc = export(&s, "c1", at).unwrap();
    // Her own facts do not depend on Bob's currencies; the ranking does.
    assert_eq!(doc.facts.as_ref().unwrap()["net_spend"], 9000);
    assert!(doc.segments.is_none());
    assert_eq!(doc.unavailable.len(), 1);
    assert_eq!(
        (doc.unavailable[0].section.as_str(), doc.unavailable[0].code.as_str()),
        ("segments", "mixed_currencies")
    );

    let mut rates = ExchangeRates::new(Currency::new("TRY").unwrap());
    rates.insert(Currency::new("EUR").unwrap(), "35").unwrap();
    let options =
        ExportOptions { facts: FactsOptions { rates: Some(rates), ..FactsOptions::default() }, ..Default::default() };
    let doc = export_with(&s, "c1", at, &options).unwrap();
    assert!(doc.unavailable.is_empty());
    // Bob is now at 5000 + 5000 × 35 TRY, above her: m = 1 + ⌊5·2/4⌋ = 3.
    assert_eq!(doc.segments.as_ref().map(|s| s.m), Some(3));
}

#[test]
fn erase_by_hand() {
    let s = store();
    let at = t("2024-06-01T00:00:00Z");
    assert_eq!(pseudonym(SALT, "c1").unwrap(), ANON_C1);
    let e = erase(&s, "c1", SALT, at).unwrap();
    assert!(e.validate().is_ok());

    assert_eq!(ids(&e.customers, |c| Some(&c.id)), ["c2", "p1"]);
    // Every order stays, in place; hers (o1, o3, o5) under the pseudonym without contact or refund reason.
    assert_eq!(ids(&e.orders, |o| Some(&o.id)), ["o1", "o2", "o3", "o4", "o5"]);
    for i in [0, 2, 4] {
        let (before, after) = (&s.orders[i], &e.orders[i]);
        assert_eq!(after.customer_id.as_deref(), Some(ANON_C1));
        assert!(after.contact.is_none());
        assert!(after.refunds.iter().all(|r| r.reason.is_none()));
        assert_eq!(
            (after.total, after.placed_at, after.status, after.currency),
            (before.total, before.placed_at, before.status, before.currency)
        );
        assert_eq!(
            after.refunds.iter().map(|r| (r.amount, r.at)).collect::<Vec<_>>(),
            before.refunds.iter().map(|r| (r.amount, r.at)).collect::<Vec<_>>()
        );
    }
    assert_eq!(e.orders[1], s.orders[1]);
    assert_eq!(e.orders[3], s.orders[3]);
    assert_eq!(e.orders.iter().map(|o| o.total).sum::<i64>(), 24000);
    assert_eq!(ids(&e.carts, |k| Some(&k.id)), ["k3", "k4"]);
    assert_eq!(ids(&e.events, |x| x.id.as_deref()), ["e4", "e5"]);

    // Bob's consent, then the four tombstones.
    assert_eq!(e.consents.len(), 5);
    assert_eq!(e.consents[0], s.consents[1]);
    let proof = format!("email:{ANON_EMAIL};phone:{ANON_PHONE}");
    for (g, channel) in e.consents[1..].iter().zip([Channel::Email, Channel::Sms, Channel::Call, Channel::Push]) {
        assert_eq!(g.customer_id, ANON_C1);
        assert_eq!((g.channel, g.purpose, g.status, g.at), (channel, Purpose::Marketing, ConsentStatus::Erased, at));
        assert_eq!((g.source.as_deref(), g.proof.as_deref()), (Some("erasure_request"), Some(proof.as_str())));
        assert_eq!((g.id.as_ref(), g.recipient_type, g.reason), (None, RecipientType::Individual, None));
    }

    let json = e.to_json().to_lowercase();
    for gone in [
        "\"c1\"",
        "ayse",
        "ayşe",
        "yılmaz",
        "555",
        "1990-02-28",
        "i̇zmir",
        "izmir",
        "evening",
        "shoe_size",
        "v-77",
        "v-99",
        "damaged",
    ] {
        assert!(!json.contains(gone), "{gone} survived the erasure");
    }
}

#[test]
fn erase_is_idempotent_and_salted() {
    let s = store();
    let at = t("2024-06-01T00:00:00Z");
    let once = erase(&s, "c1", SALT, at).unwrap();
    assert_eq!(erase(&once, "c1", SALT, t("2024-07-01T00:00:00Z")).unwrap(), once);
    assert_eq!(erase(&s, "c1", SALT, at).unwrap().to_json(), once.to_json());

    let other = erase(&s, "c1", b"another-salt-of-16+bytes", at).unwrap();
    assert_ne!(other.orders[0].customer_id, once.orders[0].customer_id);
    // Under another salt the erased id is simply unknown.
    let err = erase(&once, "c1", b"another-salt-of-16+bytes", at).unwrap_err();
    assert_eq!(err.code(), "unknown_customer");
    assert_eq!(erase(&s, "nobody", SALT, at).unwrap_err().code(), "unknown_customer");
}

#[test]
fn erase_rejects_short_salts() {
    let s = store();
    let at = t("2024-06-01T00:00:00Z");
    assert_eq!(erase(&s, "c1", b"", at).unwrap_err(), PrivacyError::InvalidSalt { length: 0 });
    let err = erase(&s, "c1", b"fifteen-bytes!!", at).unwrap_err();
    assert_eq!(err, PrivacyError::InvalidSalt { length: 15 });
    assert_eq!(err.code(), "invalid_salt");
    assert_eq!(err.to_string(), "salt must be at least 16 bytes, got 15");
    assert!(erase(&s, "c1", b"sixteen-bytes!!!", at).is_ok());
}

#[test]
fn erased_contacts_are_recognised() {
    let e = erase(&store(), "c1", SALT, t("2024-06-01T00:00:00Z")).unwrap();
    let contact = |email: Option<&str>, phone: Option<&str>| Contact {
        email: email.map(str::to_string),
        phone: phone.map(str::to_string),
    };
    assert!(is_erased_contact(&e, SALT, &contact(Some(" AYSE.yilmaz@example.com"), None)).unwrap());
    assert!(is_erased_contact(&e, SALT, &contact(None, Some("+90 (555) 111 22 33"))).unwrap());
    assert!(!is_erased_contact(&e, SALT, &contact(Some("bob@example.com"), None)).unwrap());
    assert!(!is_erased_contact(&e, SALT, &contact(None, None)).unwrap());
    // Another salt recognises nobody.
    assert!(
        !is_erased_contact(&e, b"another-salt-of-16+bytes", &contact(Some("ayse.yilmaz@example.com"), None)).unwrap()
    );
    assert_eq!(is_erased_contact(&e, b"short", &contact(None, None)).unwrap_err().code(), "invalid_salt");
}

#[test]
fn erase_of_bob_leaves_ayse_untouched() {
    let s = store();
    let e = erase(&s, "c2", SALT, t("2024-06-01T00:00:00Z")).unwrap();
    // Bob's guest cart k4 and anonymous event e5 (his e-mail) go with him.
    assert_eq!(ids(&e.carts, |k| Some(&k.id)), ["k1", "k2"]);
    assert_eq!(ids(&e.events, |x| x.id.as_deref()), ["e1", "e2", "e3"]);
    assert_eq!(e.carts[..], s.carts[..2]);
    assert_eq!(e.events[..], s.events[..3]);
    let hers = |st: &Store| export(st, "c1", t("2024-03-01T00:00:00Z")).unwrap();
    let (before, after) = (hers(&s), hers(&e));
    assert_eq!(after.profile, before.profile);
    assert_eq!(
        (after.orders, after.carts, after.events, after.consent),
        (before.orders, before.carts, before.events, before.consent)
    );
}
