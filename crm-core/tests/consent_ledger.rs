//! The consent ledger, rule by rule, with expected states and evidence worked
//! out by hand from the events of each test.

use crm_core::consent::{ConsentPolicy, ConsentState, Decision, DoubleOptIn, Ledger};
use crm_core::model::{
    Channel, ConsentEvent, ConsentStatus, Customer, Location, Purpose, RecipientType, Store, SuppressionReason,
};
use crm_core::segment::{CustomerTable, TableOptions};
use crm_core::time::{parse_instant, Instant};

use ConsentState::*;
use ConsentStatus as St;

fn t(s: &str) -> Instant {
    parse_instant(s).expect("instant")
}

fn ev(customer: &str, channel: Channel, status: ConsentStatus, at: &str) -> ConsentEvent {
    ConsentEvent {
        id: None,
        customer_id: customer.into(),
        channel,
        purpose: Purpose::Marketing,
        status,
        at: t(at),
        source: None,
        proof: None,
        recipient_type: RecipientType::Individual,
        reason: (status == St::Suppressed).then_some(SuppressionReason::HardBounce),
    }
}

fn customer(id: &str, country: Option<&str>, store_id: Option<&str>) -> Customer {
    Customer {
        id: id.into(),
        created_at: t("2024-01-01T00:00:00Z"),
        email: None,
        phone: None,
        first_name: None,
        last_name: None,
        birth_date: None,
        gender: None,
        location: country.map(|c| Location { country: Some(c.into()), ..Location::default() }),
        time_zone: None,
        locale: None,
        tags: vec![],
        attributes: Default::default(),
        income_tier: None,
        store_id: store_id.map(str::to_string),
    }
}

fn store(consents: Vec<ConsentEvent>) -> Store {
    Store { consents, ..Store::default() }
}

/// State and evidence positions of one decision.
fn summary(d: &Decision) -> (bool, ConsentState, Vec<usize>) {
    (d.allowed, d.state, d.evidence.iter().map(|e| e.event_index).collect())
}

fn marketing(ledger: &Ledger, customer: &str, channel: Channel, at: &str) -> (bool, ConsentState, Vec<usize>) {
    summary(&ledger.decide(customer, channel, Purpose::Marketing, t(at)))
}

fn doi(countries: &[&str], hours: u32) -> ConsentPolicy {
    ConsentPolicy {
        double_opt_in: DoubleOptIn {
            countries: countries.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        },
        confirm_within_hours: hours,
        merchant_exempt: false,
    }
}

#[test]
fn events_apply_in_time_order_not_arrival_order() {
    let s = store(vec![
        ev("c1", Channel::Sms, St::Withdrawn, "2024-03-10T12:00:00Z"), // 0
        ev("c1", Channel::Sms, St::Granted, "2024-03-01T12:00:00Z"),   // 1
        ev("c1", Channel::Sms, St::Granted, "2024-03-20T12:00:00Z"),   // 2
    ]);
    let l = Ledger::new(&s, &ConsentPolicy::default()).expect("ledger");
    assert_eq!(marketing(&l, "c1", Channel::Sms, "2024-03-01T11:59:59Z"), (false, NoConsent, vec![]));
    assert_eq!(marketing(&l, "c1", Channel::Sms, "2024-03-01T12:00:00Z"), (true, Granted, vec![1]));
    assert_eq!(marketing(&l, "c1", Channel::Sms, "2024-03-10T11:59:59Z"), (true, Granted, vec![1]));
    assert_eq!(marketing(&l, "c1", Channel::Sms, "2024-03-10T12:00:00Z"), (false, Withdrawn, vec![0]));
    assert_eq!(marketing(&l, "c1", Channel::Sms, "2024-03-20T12:00:00Z"), (true, Granted, vec![2]));
    // Other channels and customers are untouched.
    assert_eq!(marketing(&l, "c1", Channel::Email, "2024-03-05T00:00:00Z"), (false, NoConsent, vec![]));
    assert_eq!(marketing(&l, "c2", Channel::Sms, "2024-03-05T00:00:00Z"), (false, NoConsent, vec![]));
}

#[test]
fn a_late_arriving_event_changes_answers_from_its_own_timestamp_on() {
    let mut s = store(vec![ev("c1", Channel::Email, St::Granted, "2024-03-01T00:00:00Z")]);
    let before = Ledger::new(&s, &ConsentPolicy::default()).expect("ledger");
    assert_eq!(marketing(&before, "c1", Channel::Email, "2024-03-15T00:00:00Z").1, Granted);
    // The withdrawal of 10 March reaches the shop after everything else.
    s.consents.push(ev("c1", Channel::Email, St::Withdrawn, "2024-03-10T00:00:00Z"));
    let after = Ledger::new(&s, &ConsentPolicy::default()).expect("ledger");
    assert_eq!(marketing(&after, "c1", Channel::Email, "2024-03-09T23:59:59Z"), (true, Granted, vec![0]));
    assert_eq!(marketing(&after, "c1", Channel::Email, "2024-03-15T00:00:00Z"), (false, Withdrawn, vec![1]));
}

#[test]
fn on_equal_timestamps_the_withdrawal_wins_whatever_the_order() {
    let at = "2024-05-01T10:00:00Z";
    for events in [
        vec![ev("c1", Channel::Email, St::Granted, at), ev("c1", Channel::Email, St::Withdrawn, at)],
        vec![ev("c1", Channel::Email, St::Withdrawn, at), ev("c1", Channel::Email, St::Granted, at)],
    ] {
        let withdrawal = events.iter().position(|e| e.status == St::Withdrawn).expect("withdrawal");
        let s = store(events);
        let l = Ledger::new(&s, &ConsentPolicy::default()).expect("ledger");
        assert_eq!(marketing(&l, "c1", Channel::Email, at), (false, Withdrawn, vec![withdrawal]));
    }
}

#[test]
fn on_equal_timestamps_suppression_beats_its_lifting_and_erasure_beats_all() {
    let at = "2024-05-01T10:00:00Z";
    let s = store(vec![
        ev("c1", Channel::Sms, St::Unsuppressed, at), // 0
        ev("c1", Channel::Sms, St::Granted, "2024-04-01T00:00:00Z"),
        ev("c1", Channel::Sms, St::Suppressed, at), // 2
        ev("c2", Channel::Sms, St::Granted, at),
        ev("c2", Channel::Sms, St::Erased, at), // 4
        ev("c2", Channel::Sms, St::Withdrawn, at),
    ]);
    let l = Ledger::new(&s, &ConsentPolicy::default()).expect("ledger");
    assert_eq!(marketing(&l, "c1", Channel::Sms, at), (false, Suppressed, vec![2]));
    assert_eq!(marketing(&l, "c2", Channel::Sms, at), (false, Erased, vec![4]));
}

#[test]
fn double_opt_in_grant_is_in_force_from_its_confirmation() {
    let mut s = store(vec![
        ev("de", Channel::Email, St::Granted, "2024-03-01T10:00:00Z"), // 0
        ev("de", Channel::Email, St::Confirmed, "2024-03-01T12:00:00Z"), // 1
        ev("tr", Channel::Email, St::Granted, "2024-03-01T10:00:00Z"), // 2
    ]);
    s.customers = vec![customer("de", Some("DE"), None), customer("tr", Some("TR"), None)];
    let l = Ledger::new(&s, &doi(&["DE"], 72)).expect("ledger");
    assert_eq!(marketing(&l, "de", Channel::Email, "2024-03-01T11:00:00Z"), (false, PendingConfirmation, vec![0]));
    assert_eq!(marketing(&l, "de", Channel::Email, "2024-03-01T12:00:00Z"), (true, Granted, vec![0, 1]));
    // A Turkish customer is not under the German rule.
    assert_eq!(marketing(&l, "tr", Channel::Email, "2024-03-01T10:00:00Z"), (true, Granted, vec![2]));
    // Without double opt-in the confirmation is just noise: the grant alone decides.
    let plain = Ledger::new(&s, &ConsentPolicy::default()).expect("ledger");
    assert_eq!(marketing(&plain, "de", Channel::Email, "2024-03-01T11:00:00Z"), (true, Granted, vec![0]));
}

#[test]
fn double_opt_in_window_is_inclusive_and_then_lapses() {
    // Grant at 1 March 10:00; 72 hours later is 4 March 10:00.
    let mut s = store(vec![
        ev("a", Channel::Sms, St::Granted, "2024-03-01T10:00:00Z"),
        ev("a", Channel::Sms, St::Confirmed, "2024-03-04T10:00:00Z"), // exactly on the boundary: counts
        ev("b", Channel::Sms, St::Granted, "2024-03-01T10:00:00Z"),
        ev("b", Channel::Sms, St::Confirmed, "2024-03-04T10:00:01Z"), // one second late: ignored
    ]);
    s.customers = vec![customer("a", Some("DE"), None), customer("b", Some("DE"), None)];
    let l = Ledger::new(&s, &doi(&["DE"], 72)).expect("ledger");
    assert_eq!(marketing(&l, "a", Channel::Sms, "2024-03-04T10:00:00Z"), (true, Granted, vec![0, 1]));
    assert_eq!(marketing(&l, "b", Channel::Sms, "2024-03-04T10:00:00Z"), (false, PendingConfirmation, vec![2]));
    assert_eq!(marketing(&l, "b", Channel::Sms, "2024-03-04T10:00:01Z"), (false, Lapsed, vec![2]));
    assert_eq!(marketing(&l, "b", Channel::Sms, "2024-06-01T00:00:00Z"), (false, Lapsed, vec![2]));
}

#[test]
fn double_opt_in_by_store_for_everyone_and_repeated_grants() {
    let mut s = store(vec![
        ev("shop", Channel::Email, St::Granted, "2024-03-01T00:00:00Z"), // 0
        ev("ghost", Channel::Email, St::Granted, "2024-03-01T00:00:00Z"), // 1: no customer record
        ev("x", Channel::Email, St::Confirmed, "2024-03-01T00:00:00Z"),  // 2: confirms nothing yet
        ev("x", Channel::Email, St::Granted, "2024-03-01T01:00:00Z"),    // 3
        ev("y", Channel::Email, St::Granted, "2024-03-01T00:00:00Z"),    // 4
        ev("y", Channel::Email, St::Granted, "2024-03-02T00:00:00Z"),    // 5: restarts the 24 h window
        ev("z", Channel::Email, St::Granted, "2024-03-01T00:00:00Z"),    // 6
        ev("z", Channel::Email, St::Confirmed, "2024-03-01T00:00:00Z"),  // 7: same instant confirms
        ev("z", Channel::Email, St::Granted, "2024-03-05T00:00:00Z"),    // 8: in force already
    ]);
    s.customers = vec![
        customer("shop", None, Some("de-shop")),
        customer("x", None, Some("de-shop")),
        customer("y", None, Some("de-shop")),
        customer("z", None, Some("de-shop")),
    ];
    let by_store = ConsentPolicy {
        double_opt_in: DoubleOptIn { stores: vec!["de-shop".into()], ..Default::default() },
        confirm_within_hours: 24,
        merchant_exempt: false,
    };
    let l = Ledger::new(&s, &by_store).expect("ledger");
    assert_eq!(marketing(&l, "shop", Channel::Email, "2024-03-01T12:00:00Z").1, PendingConfirmation);
    assert_eq!(marketing(&l, "ghost", Channel::Email, "2024-03-01T12:00:00Z"), (true, Granted, vec![1]));
    assert_eq!(marketing(&l, "x", Channel::Email, "2024-03-01T12:00:00Z"), (false, PendingConfirmation, vec![3]));
    assert_eq!(marketing(&l, "y", Channel::Email, "2024-03-02T12:00:00Z"), (false, PendingConfirmation, vec![5]));
    assert_eq!(marketing(&l, "y", Channel::Email, "2024-03-03T00:00:00Z"), (false, PendingConfirmation, vec![5]));
    assert_eq!(marketing(&l, "y", Channel::Email, "2024-03-03T00:00:01Z"), (false, Lapsed, vec![5]));
    assert_eq!(marketing(&l, "z", Channel::Email, "2024-03-06T00:00:00Z"), (true, Granted, vec![6, 7]));
    // `all` covers customers without a record too.
    let all = ConsentPolicy { double_opt_in: DoubleOptIn { all: true, ..Default::default() }, ..by_store };
    let l = Ledger::new(&s, &all).expect("ledger");
    assert_eq!(marketing(&l, "ghost", Channel::Email, "2024-03-01T12:00:00Z"), (false, PendingConfirmation, vec![1]));
}

#[test]
fn withdrawal_then_new_grant_needs_a_new_confirmation() {
    let mut s = store(vec![
        ev("c1", Channel::Email, St::Granted, "2024-03-01T00:00:00Z"),
        ev("c1", Channel::Email, St::Confirmed, "2024-03-01T01:00:00Z"),
        ev("c1", Channel::Email, St::Withdrawn, "2024-03-02T00:00:00Z"),
        ev("c1", Channel::Email, St::Granted, "2024-03-03T00:00:00Z"), // 3
    ]);
    s.customers = vec![customer("c1", Some("AT"), None)];
    let l = Ledger::new(&s, &doi(&["AT"], 72)).expect("ledger");
    assert_eq!(marketing(&l, "c1", Channel::Email, "2024-03-03T01:00:00Z"), (false, PendingConfirmation, vec![3]));
}

#[test]
fn suppression_overrides_consent_for_every_purpose_until_lifted() {
    let mut suppressed_tx = ev("c1", Channel::Email, St::Suppressed, "2024-03-02T00:00:00Z"); // 1
    suppressed_tx.purpose = Purpose::Transactional; // the purpose of a suppression is ignored
    suppressed_tx.reason = Some(SuppressionReason::SpamComplaint);
    let s = store(vec![
        ev("c1", Channel::Email, St::Granted, "2024-03-01T00:00:00Z"), // 0
        suppressed_tx,
        ev("c1", Channel::Email, St::Unsuppressed, "2024-03-03T00:00:00Z"), // 2
        ev("c1", Channel::Sms, St::Granted, "2024-03-01T00:00:00Z"),        // 3
        ev("c2", Channel::Sms, St::Unsuppressed, "2024-03-01T00:00:00Z"),   // lifts nothing
    ]);
    let l = Ledger::new(&s, &ConsentPolicy::default()).expect("ledger");
    let d = l.decide("c1", Channel::Email, Purpose::Marketing, t("2024-03-02T12:00:00Z"));
    assert_eq!(summary(&d), (false, Suppressed, vec![1]));
    assert_eq!(d.evidence[0].reason, Some(SuppressionReason::SpamComplaint));
    let tx = l.decide("c1", Channel::Email, Purpose::Transactional, t("2024-03-02T12:00:00Z"));
    assert_eq!(summary(&tx), (false, Suppressed, vec![1]));
    // Another channel is not suppressed.
    assert_eq!(marketing(&l, "c1", Channel::Sms, "2024-03-02T12:00:00Z"), (true, Granted, vec![3]));
    // Lifted: the grant underneath is in force again.
    assert_eq!(marketing(&l, "c1", Channel::Email, "2024-03-03T00:00:00Z"), (true, Granted, vec![0]));
    assert_eq!(marketing(&l, "c2", Channel::Sms, "2024-03-03T00:00:00Z"), (false, NoConsent, vec![]));
}

#[test]
fn merchants_are_exempt_only_when_the_policy_says_so() {
    let merchant = |mut e: ConsentEvent| {
        e.recipient_type = RecipientType::Merchant;
        e
    };
    let mut account = merchant(ev("m1", Channel::Call, St::Granted, "2024-03-01T00:00:00Z")); // 0
    account.purpose = Purpose::Transactional; // a business account: no marketing consent event
    let s = store(vec![
        account,
        merchant(ev("m2", Channel::Email, St::Granted, "2024-03-01T00:00:00Z")), // 1: unconfirmed under DOI
        merchant(ev("m3", Channel::Sms, St::Granted, "2024-03-01T00:00:00Z")),
        merchant(ev("m3", Channel::Sms, St::Withdrawn, "2024-03-02T00:00:00Z")), // 3
        ev("i1", Channel::Call, St::Granted, "2024-03-01T00:00:00Z"),            // 4: an individual
    ]);
    let exempt = ConsentPolicy {
        double_opt_in: DoubleOptIn { all: true, ..Default::default() },
        merchant_exempt: true,
        ..ConsentPolicy::default()
    };
    let at = "2024-03-10T00:00:00Z";
    let on = Ledger::new(&s, &exempt).expect("ledger");
    assert_eq!(marketing(&on, "m1", Channel::Call, at), (true, MerchantExempt, vec![0]));
    assert_eq!(marketing(&on, "m2", Channel::Email, at), (true, MerchantExempt, vec![1]));
    assert_eq!(marketing(&on, "m3", Channel::Sms, at), (false, Withdrawn, vec![3]));
    assert_eq!(marketing(&on, "i1", Channel::Call, at), (false, Lapsed, vec![4]));
    let off = Ledger::new(&s, &ConsentPolicy { merchant_exempt: false, ..exempt }).expect("ledger");
    assert_eq!(marketing(&off, "m1", Channel::Call, at), (false, NoConsent, vec![]));
    assert_eq!(marketing(&off, "m2", Channel::Email, at), (false, Lapsed, vec![1]));
    assert_eq!(marketing(&off, "m3", Channel::Sms, at), (false, Withdrawn, vec![3]));
}

#[test]
fn transactional_messages_need_no_consent() {
    let s = store(vec![ev("c1", Channel::Email, St::Withdrawn, "2024-03-01T00:00:00Z")]);
    let l = Ledger::new(&s, &ConsentPolicy::default()).expect("ledger");
    let at = t("2024-03-02T00:00:00Z");
    for (who, channel) in [("c1", Channel::Email), ("c1", Channel::Push), ("nobody", Channel::Sms)] {
        let d = l.decide(who, channel, Purpose::Transactional, at);
        assert_eq!(summary(&d), (true, Transactional, vec![]), "{who} {channel:?}");
    }
}

#[test]
fn erasure_blocks_everything_on_its_channels_and_is_final() {
    let s = store(vec![
        ev("c1", Channel::Email, St::Granted, "2024-03-01T00:00:00Z"),
        ev("c1", Channel::Sms, St::Granted, "2024-03-01T00:00:00Z"), // 1
        ev("c1", Channel::Email, St::Erased, "2024-03-02T00:00:00Z"), // 2
        ev("c1", Channel::Email, St::Granted, "2024-03-03T00:00:00Z"),
        ev("c1", Channel::Email, St::Erased, "2024-03-04T00:00:00Z"),
    ]);
    let l = Ledger::new(&s, &ConsentPolicy::default()).expect("ledger");
    assert_eq!(marketing(&l, "c1", Channel::Email, "2024-03-01T12:00:00Z").1, Granted);
    assert_eq!(marketing(&l, "c1", Channel::Email, "2024-03-05T00:00:00Z"), (false, Erased, vec![2]));
    let tx = l.decide("c1", Channel::Email, Purpose::Transactional, t("2024-03-05T00:00:00Z"));
    assert_eq!(summary(&tx), (false, Erased, vec![2]));
    // The tombstone covers only the channels it is written for.
    assert_eq!(marketing(&l, "c1", Channel::Sms, "2024-03-05T00:00:00Z"), (true, Granted, vec![1]));
}

#[test]
fn evidence_carries_source_proof_and_time() {
    let mut g = ev("c1", Channel::Call, St::Granted, "2024-03-01T09:30:00Z");
    g.id = Some("ev-7".into());
    g.source = Some("HS_CAGRI_MERKEZI".into());
    g.proof = Some("recording-991".into());
    let s = store(vec![g.clone()]);
    let l = Ledger::new(&s, &ConsentPolicy::default()).expect("ledger");
    let d = l.decide("c1", Channel::Call, Purpose::Marketing, t("2024-04-01T00:00:00Z"));
    let e = &d.evidence[0];
    assert_eq!(e.id.as_deref(), Some("ev-7"));
    assert_eq!((e.source.as_deref(), e.proof.as_deref()), (Some("HS_CAGRI_MERKEZI"), Some("recording-991")));
    assert_eq!((e.at, e.status, e.purpose), (g.at, St::Granted, Purpose::Marketing));
    let json = serde_json::to_value(&d).expect("json");
    assert_eq!(json["state"], "granted");
    assert_eq!(json["evidence"][0]["at"], "2024-03-01T09:30:00Z");
    assert_eq!(l.history("c1").len(), 1);
}

#[test]
fn bulk_states_equal_single_decisions() {
    let mut s = store(vec![
        ev("b", Channel::Email, St::Granted, "2024-03-01T00:00:00Z"),
        ev("b", Channel::Sms, St::Suppressed, "2024-03-01T00:00:00Z"),
        ev("a", Channel::Push, St::Withdrawn, "2024-03-01T00:00:00Z"),
        ev("d", Channel::Call, St::Granted, "2024-03-01T00:00:00Z"),
    ]);
    s.customers = vec![customer("c", None, None), customer("d", Some("DE"), None)];
    let l = Ledger::new(&s, &doi(&["DE"], 72)).expect("ledger");
    let at = t("2024-03-02T00:00:00Z");
    let table = l.states_at(at, Purpose::Marketing);
    assert_eq!(table.customer_id, ["a", "b", "c", "d"]);
    assert_eq!(table.email, [NoConsent, Granted, NoConsent, NoConsent]);
    assert_eq!(table.sms, [NoConsent, Suppressed, NoConsent, NoConsent]);
    assert_eq!(table.call, [NoConsent, NoConsent, NoConsent, PendingConfirmation]);
    assert_eq!(table.push, [Withdrawn, NoConsent, NoConsent, NoConsent]);
    let tx = l.states_at(at, Purpose::Transactional);
    assert_eq!(tx.sms, [Transactional, Suppressed, Transactional, Transactional]);
}

#[test]
fn segment_field_consent_is_marketing_allowed_now() {
    let mut s = store(vec![
        ev("c1", Channel::Email, St::Granted, "2024-03-01T00:00:00Z"),
        ev("c1", Channel::Email, St::Suppressed, "2024-03-02T00:00:00Z"),
        ev("c2", Channel::Email, St::Granted, "2024-03-01T00:00:00Z"),
        ev("c2", Channel::Sms, St::Granted, "2024-03-01T00:00:00Z"),
        ev("c2", Channel::Sms, St::Withdrawn, "2024-03-01T00:00:00Z"),
    ]);
    s.customers = vec![customer("c1", None, None), customer("c2", None, None)];
    let table = CustomerTable::from_store(&s, t("2024-03-03T00:00:00Z"), &TableOptions::default()).expect("table");
    let value = |id: &str, field: &str| {
        let row = table.row_of(id).expect("row");
        table.column(field).map(|c| c.value_json(row))
    };
    assert_eq!(value("c1", "consent.email"), Some(serde_json::json!(false))); // suppressed
    assert_eq!(value("c2", "consent.email"), Some(serde_json::json!(true)));
    assert_eq!(value("c2", "consent.sms"), Some(serde_json::json!(false))); // withdrawn on the same instant
}

#[test]
fn policy_validation_names_the_option() {
    let cases = [
        (r#"{"confirm_within_hours": 0}"#, "confirm_within_hours"),
        (r#"{"double_opt_in": {"countries": ["DE", "deu"]}}"#, "double_opt_in.countries[1]"),
        (r#"{"double_opt_in": {"countries": ["tr"]}}"#, "double_opt_in.countries[0]"),
        (r#"{"double_opt_in": {"stores": [" "]}}"#, "double_opt_in.stores[0]"),
        (r#"{"double_opt_in": {"every": true}}"#, "double_opt_in.every"),
        (r#"{"merchant_exempt": "yes"}"#, "merchant_exempt"),
        (r#"{"merchants": true}"#, "merchants"),
    ];
    for (json, field) in cases {
        let err = ConsentPolicy::from_json(json).expect_err(json);
        assert_eq!((err.code(), err.field()), ("invalid_policy", Some(field)), "{json}: {err}");
    }
    assert_eq!(ConsentPolicy::from_json("{").expect_err("eof").code(), "invalid_policy");
    let p = ConsentPolicy::from_json(r#"{"double_opt_in": {"all": true}, "confirm_within_hours": 1}"#).expect("ok");
    assert!(p.double_opt_in.all);
    assert_eq!(p.confirm_within_hours, 1);
}
