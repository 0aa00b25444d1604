//! Scenario tests of the campaign planner. Every expected value is worked out
//! by hand from the documented rules (the working is in the comments: UTC and
//! local instants, and why each message is or is not planned); none is copied
//! from the planner's output.

use crm_core::campaign::{
    idempotency_key, plan, preset, CampaignPolicy, Decision, Flow, Plan, PlannedMessage, Reason, SentMessage, Span,
};
use crm_core::model::{Channel, Purpose, Store};
use crm_core::time::{format_instant, parse_instant, Instant};
use serde_json::{json, Value};

// ---------------------------------------------------------------- helpers

fn at(s: &str) -> Instant {
    parse_instant(s).expect("a valid instant")
}

fn ts(t: Instant) -> String {
    format_instant(t)
}

fn store(v: Value) -> Store {
    Store::from_value(v).expect("a valid store")
}

fn flow(v: Value) -> Flow {
    Flow::from_json(&v.to_string()).expect("a valid flow")
}

fn policy(v: Value) -> CampaignPolicy {
    CampaignPolicy::from_json(&v.to_string()).expect("a valid policy")
}

fn preset_flow(name: &str) -> Flow {
    preset(name).expect("a preset")
}

/// The default policy with an offer secret (the presets carry code prefixes).
fn default_policy() -> CampaignPolicy {
    CampaignPolicy { offer_secret: Some("shop-secret".into()), ..CampaignPolicy::default() }
}

fn run(s: &Store, flows: &[Flow], p: &CampaignPolicy, log: &[SentMessage], now: &str, horizon: Span) -> Plan {
    plan(s, flows, p, log, at(now), horizon).expect("planning succeeds")
}

fn msg<'a>(p: &'a Plan, customer: &str, flow: &str, step: &str) -> &'a PlannedMessage {
    p.messages
        .iter()
        .find(|m| m.customer_id == customer && m.flow == flow && m.step == step)
        .unwrap_or_else(|| panic!("no message {customer}/{flow}/{step} in {}", p.to_json()))
}

fn decision<'a>(p: &'a Plan, customer: &str, flow: &str, step: &str) -> &'a Decision {
    let found: Vec<&Decision> =
        p.decisions.iter().filter(|d| d.customer_id == customer && d.flow == flow && d.step == step).collect();
    assert_eq!(found.len(), 1, "one decision {customer}/{flow}/{step} in {}", p.to_json());
    found[0]
}

fn steps_planned(p: &Plan) -> Vec<(String, String, String)> {
    p.messages.iter().map(|m| (m.customer_id.clone(), m.flow.to_string(), m.step.to_string())).collect()
}

fn triple(c: &str, f: &str, s: &str) -> (String, String, String) {
    (c.into(), f.into(), s.into())
}

/// The send-log entry of a planned message, sent at its `send_at`.
fn sent(m: &PlannedMessage) -> SentMessage {
    m.to_sent(m.send_at)
}

/// A marketing message sent outside the planner (a newsletter): counts for caps only.
fn newsletter(customer: &str, channel: Channel, sent_at: &str) -> SentMessage {
    SentMessage {
        key: None,
        customer_id: customer.into(),
        flow: None,
        step: None,
        subject: None,
        channel,
        purpose: Purpose::Marketing,
        sent_at: at(sent_at),
    }
}

fn grant(customer: &str, channel: &str, t: &str) -> Value {
    json!({"customer_id": customer, "channel": channel, "purpose": "marketing", "status": "granted", "at": t})
}

fn customer(id: &str, zone: Option<&str>, email: Option<&str>, phone: Option<&str>) -> Value {
    let mut c = json!({"id": id, "created_at": "2026-01-01T00:00:00Z", "first_name": "Ann"});
    if let Some(z) = zone {
        c["time_zone"] = json!(z);
    }
    if let Some(e) = email {
        c["email"] = json!(e);
    }
    if let Some(p) = phone {
        c["phone"] = json!(p);
    }
    c
}

fn cart(id: &str, customer: &str, updated: &str) -> Value {
    json!({"id": id, "customer_id": customer, "currency": "TRY", "created_at": updated,
           "updated_at": updated, "items": [{"title": "Shoes", "quantity": 1, "unit_price": 150000}]})
}

fn order(id: &str, customer: &str, placed: &str) -> Value {
    json!({"id": id, "customer_id": customer, "placed_at": placed, "currency": "TRY", "status": "paid",
           "subtotal": 150000, "total": 150000})
}

/// Ann (c1): Istanbul (UTC+3 all year), e-mail only, marketing e-mail consent
/// since 1 January; her cart k1 was last updated on Monday 2026-05-04 at
/// 09:00Z (12:00 local). An order o0 at 08:00Z, before the cart's last
/// update, must not stop the cart flow.
///
/// Cart recovery (idle 1 h): entry = 09:00Z; reminder due 10:00Z (13:00
/// local), discount 2026-05-05T09:00Z, last chance 2026-05-07T09:00Z.
fn ann(extra_orders: &[Value], cart_fields: Value, extra_consents: &[Value]) -> Store {
    let mut k1 = cart("k1", "c1", "2026-05-04T09:00:00Z");
    if let (Some(o), Some(extra)) = (k1.as_object_mut(), cart_fields.as_object()) {
        o.extend(extra.clone());
    }
    let mut orders = vec![order("o0", "c1", "2026-05-04T08:00:00Z")];
    orders.extend_from_slice(extra_orders);
    let mut consents = vec![grant("c1", "email", "2026-01-01T00:00:00Z")];
    consents.extend_from_slice(extra_consents);
    store(json!({
        "customers": [customer("c1", Some("Europe/Istanbul"), Some("ann@example.com"), None)],
        "carts": [k1], "orders": orders, "consents": consents,
    }))
}

// ------------------------------------------------------- cart recovery exits

#[test]
fn cart_converting_between_steps_exits_the_flow() {
    let flows = [preset_flow("cart_recovery")];
    let p = default_policy();

    // Run 1 at 10:00Z for one hour: [10:00Z, 11:00Z). The reminder is due at
    // 10:00Z: e-mail (first channel, address and consent), 13:00 Istanbul.
    // o0 (08:00Z) is before the entry (09:00Z): no exit. Steps 2 and 3 are
    // after the horizon: neither planned nor decided.
    let s1 = ann(&[], json!({}), &[]);
    let run1 = run(&s1, &flows, &p, &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&run1), [triple("c1", "cart_recovery", "reminder")]);
    assert!(run1.decisions.is_empty(), "{}", run1.to_json());
    let m = msg(&run1, "c1", "cart_recovery", "reminder");
    assert_eq!(ts(m.send_at), "2026-05-04T10:00:00Z");
    assert_eq!(m.local_time, "2026-05-04T13:00:00+03:00");
    assert_eq!(
        (m.channel, m.address.as_str(), m.template.as_str()),
        (Channel::Email, "ann@example.com", "cart_reminder")
    );
    assert_eq!(m.subject, "cart:k1");
    assert_eq!(m.due_at, None);
    assert_eq!(m.payload.cart_id.as_deref(), Some("k1"));
    assert_eq!(m.payload.first_name.as_deref(), Some("Ann"));
    let log = vec![sent(m)];

    // Run 2 at 16:00Z for 7 days, after the cart converted into o1 at 15:00Z.
    // - reminder: due 10:00Z, 6 h before now, within the 24 h lateness, key in
    //   the log -> already_sent (sent 10:00Z by e-mail);
    // - discount (2026-05-05T09:00Z) and last chance (2026-05-07T09:00Z): the
    //   cart's conversion (15:00Z <= now) stops the instance -> exited,
    //   cart_converted, order o1 at 15:00Z.
    let s2 = ann(
        &[order("o1", "c1", "2026-05-04T15:00:00Z")],
        json!({"converted_order_id": "o1", "converted_at": "2026-05-04T15:00:00Z"}),
        &[],
    );
    let run2 = run(&s2, &flows, &p, &log, "2026-05-04T16:00:00Z", Span::days(7));
    assert!(run2.messages.is_empty(), "{}", run2.to_json());
    assert_eq!(run2.decisions.len(), 3, "{}", run2.to_json());
    let d = decision(&run2, "c1", "cart_recovery", "reminder");
    assert_eq!(d.reason, Reason::AlreadySent);
    assert_eq!(d.evidence, json!({"sent_at": "2026-05-04T10:00:00Z", "channel": "email"}));
    assert_eq!(d.key, log[0].key.clone().unwrap_or_default());
    // The same key logged twice at one instant (e-mail and SMS), in either
    // order: the same already_sent evidence (the earliest send; ties by channel).
    let mut twice = log[0].clone();
    twice.channel = Channel::Sms;
    let a = run(&s2, &flows, &p, &[log[0].clone(), twice.clone()], "2026-05-04T16:00:00Z", Span::days(7));
    let b = run(&s2, &flows, &p, &[twice, log[0].clone()], "2026-05-04T16:00:00Z", Span::days(7));
    assert_eq!(a.to_json(), b.to_json());
    assert_eq!(decision(&a, "c1", "cart_recovery", "reminder").evidence.to_value()["channel"], json!("email"));
    for (step, due) in [("discount", "2026-05-05T09:00:00Z"), ("last_chance", "2026-05-07T09:00:00Z")] {
        let d = decision(&run2, "c1", "cart_recovery", step);
        assert_eq!((d.reason, ts(d.due_at).as_str()), (Reason::Exited, due));
        assert_eq!(d.evidence, json!({"exit": "cart_converted", "order_id": "o1", "at": "2026-05-04T15:00:00Z"}));
    }

    // Run 2': the cart stays unconverted but Ann places another order o2 at
    // 15:00Z (after the entry 09:00Z, before now): the cart flow exits on
    // any order placed since entering (default on for cart triggers).
    let s3 = ann(&[order("o2", "c1", "2026-05-04T15:00:00Z")], json!({}), &[]);
    let run3 = run(&s3, &flows, &p, &log, "2026-05-04T16:00:00Z", Span::days(7));
    assert!(run3.messages.is_empty(), "{}", run3.to_json());
    for step in ["discount", "last_chance"] {
        let d = decision(&run3, "c1", "cart_recovery", step);
        assert_eq!(d.reason, Reason::Exited);
        assert_eq!(d.evidence, json!({"exit": "order_placed", "order_id": "o2", "at": "2026-05-04T15:00:00Z"}));
    }

    // Control: with no order after the entry, the discount (due 2026-05-05T09:00Z,
    // 12:00 local) and the last chance (2026-05-07T09:00Z) are planned; 2 days
    // apart, so the 16 h e-mail cap holds.
    let run4 = run(&s1, &flows, &p, &log, "2026-05-04T16:00:00Z", Span::days(7));
    assert_eq!(
        steps_planned(&run4),
        [triple("c1", "cart_recovery", "discount"), triple("c1", "cart_recovery", "last_chance")]
    );
}

#[test]
fn consent_withdrawn_between_runs_stops_the_flow() {
    let flows = [preset_flow("cart_recovery")];
    let p = default_policy();
    // Run 1 as above: the reminder at 10:00Z.
    let s1 = ann(&[], json!({}), &[]);
    let run1 = run(&s1, &flows, &p, &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&run1), [triple("c1", "cart_recovery", "reminder")]);
    let log = vec![sent(&run1.messages[0])];

    // Ann withdraws marketing e-mail at 12:00Z (after the entry 09:00Z).
    // Run 2 at 13:00Z for 7 days: reminder already_sent; discount and last
    // chance exited, consent_withdrawn on e-mail at 12:00Z, nothing planned.
    let withdrawn = json!({"id": "w1", "customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "withdrawn",
               "at": "2026-05-04T12:00:00Z"});
    let s2 = ann(&[], json!({}), std::slice::from_ref(&withdrawn));
    let run2 = run(&s2, &flows, &p, &log, "2026-05-04T13:00:00Z", Span::days(7));
    assert!(run2.messages.is_empty(), "{}", run2.to_json());
    assert_eq!(decision(&run2, "c1", "cart_recovery", "reminder").reason, Reason::AlreadySent);
    for step in ["discount", "last_chance"] {
        let d = decision(&run2, "c1", "cart_recovery", step);
        assert_eq!(d.reason, Reason::Exited);
        assert_eq!(d.evidence.to_value()["exit"], json!("consent_withdrawn"));
        assert_eq!(d.evidence.to_value()["channel"], json!("email"));
        assert_eq!(d.evidence.to_value()["state"], json!("withdrawn"));
        assert_eq!(d.evidence.to_value()["at"], json!("2026-05-04T12:00:00Z"));
        // The withdrawal is named by its id (its position in the store would
        // change with the order of the records).
        assert_eq!(d.evidence.to_value()["event_id"], json!("w1"));
        assert!(d.evidence.to_value().get("event_index").is_none());
    }

    // The same flow with `consent_withdrawn: false` does not exit: each step
    // is still refused at its send instant for want of consent (no_consent).
    let f = flow(json!({"id": "cart_no_exit", "trigger": {"type": "cart_abandoned"},
        "exits": {"consent_withdrawn": false},
        "steps": [{"id": "later", "delay": {"after": "24h"}, "channels": ["email"], "template": "t"}]}));
    let run3 = run(&s2, &[f], &p, &[], "2026-05-04T13:00:00Z", Span::days(7));
    assert!(run3.messages.is_empty());
    assert_eq!(decision(&run3, "c1", "cart_no_exit", "later").reason, Reason::NoConsent);
}

// ------------------------------------------------------ quiet hours and DST

fn sms_customer_store(id: &str, zone: &str, created: &str) -> Store {
    let mut c = customer(id, Some(zone), None, Some("+12125550100"));
    c["created_at"] = json!(created);
    store(json!({"customers": [c], "consents": [grant(id, "sms", "2026-01-01T00:00:00Z")]}))
}

fn sms_signup_flow(delay: Value) -> Flow {
    flow(json!({"id": "sms_signup", "trigger": {"type": "signed_up"},
        "steps": [{"id": "night", "delay": delay, "channels": ["sms"], "template": "sms_t"}]}))
}

fn assert_deferred(p: &Plan, id: &str, send_at: &str, local: &str, due: &str, due_local: &str) {
    assert_eq!(p.messages.len(), 1, "{}", p.to_json());
    let m = msg(p, id, "sms_signup", "night");
    assert_eq!(m.channel, Channel::Sms);
    assert_eq!((ts(m.send_at).as_str(), m.local_time.as_str()), (send_at, local));
    assert_eq!(m.due_at.map(ts).as_deref(), Some(due));
    let d = decision(p, id, "sms_signup", "night");
    assert_eq!(d.reason, Reason::QuietHoursDeferred);
    assert_eq!(ts(d.due_at), due);
    assert_eq!(
        d.evidence,
        json!({"channel": "sms", "local_time": due_local, "allowed": "08:00-21:00", "send_at": send_at})
    );
}

#[test]
fn sms_quiet_hours_on_spring_forward_day_in_new_york() {
    // Sign-up 2026-03-07T15:00Z = 10:00 EST on 7 March. Step {"days": 1, "at":
    // "02:30"}: 8 March at 02:30, which does not exist (02:00 EST jumps to
    // 03:00 EDT). Documented rule: read with the offset before the gap (EST,
    // UTC-5): 02:30 + 5 h = 07:30Z = 03:30 EDT. That is quiet for SMS (TCPA
    // 08:00-21:00, defer): released at 08:00 EDT (UTC-4) = 12:00Z.
    let s = sms_customer_store("n1", "America/New_York", "2026-03-07T15:00:00Z");
    let f = sms_signup_flow(json!({"days": 1, "at": "02:30"}));
    let p = run(&s, &[f], &CampaignPolicy::default(), &[], "2026-03-08T00:00:00Z", Span::days(1));
    assert_deferred(
        &p,
        "n1",
        "2026-03-08T12:00:00Z",
        "2026-03-08T08:00:00-04:00",
        "2026-03-08T07:30:00Z",
        "2026-03-08T03:30:00-04:00",
    );

    // A relative step landing in the night: sign-up 2026-03-08T03:00Z (22:00
    // EST on 7 March) + 4 h = 07:00Z = 03:00 EDT (the first minute after the
    // gap): quiet, released at 08:00 EDT = 12:00Z.
    let s = sms_customer_store("n2", "America/New_York", "2026-03-08T03:00:00Z");
    let f = sms_signup_flow(json!({"after": "4h"}));
    let p = run(&s, &[f], &CampaignPolicy::default(), &[], "2026-03-08T03:00:00Z", Span::days(1));
    assert_deferred(
        &p,
        "n2",
        "2026-03-08T12:00:00Z",
        "2026-03-08T08:00:00-04:00",
        "2026-03-08T07:00:00Z",
        "2026-03-08T03:00:00-04:00",
    );
}

#[test]
fn sms_quiet_hours_on_fall_back_day_in_new_york() {
    // Sign-up 2026-10-31T14:00Z = 10:00 EDT. Step {"days": 1, "at": "01:30"}:
    // 1 November 01:30 happens twice (EDT, then EST); documented rule: the
    // first, 01:30 EDT = 05:30Z. Quiet; released at 08:00 on 1 November,
    // which is EST by then (UTC-5): 13:00Z.
    let s = sms_customer_store("f1", "America/New_York", "2026-10-31T14:00:00Z");
    let f = sms_signup_flow(json!({"days": 1, "at": "01:30"}));
    let p = run(&s, &[f], &CampaignPolicy::default(), &[], "2026-11-01T00:00:00Z", Span::days(1));
    assert_deferred(
        &p,
        "f1",
        "2026-11-01T13:00:00Z",
        "2026-11-01T08:00:00-05:00",
        "2026-11-01T05:30:00Z",
        "2026-11-01T01:30:00-04:00",
    );

    // Relative: sign-up 2026-11-01T03:00Z (23:00 EDT on 31 October) + 3 h =
    // 06:00Z, the second 01:00 (EST). Quiet; released at 08:00 EST = 13:00Z.
    let s = sms_customer_store("f2", "America/New_York", "2026-11-01T03:00:00Z");
    let f = sms_signup_flow(json!({"after": "3h"}));
    let p = run(&s, &[f], &CampaignPolicy::default(), &[], "2026-11-01T03:00:00Z", Span::days(1));
    assert_deferred(
        &p,
        "f2",
        "2026-11-01T13:00:00Z",
        "2026-11-01T08:00:00-05:00",
        "2026-11-01T06:00:00Z",
        "2026-11-01T01:00:00-05:00",
    );
}

#[test]
fn sms_quiet_hours_in_istanbul_with_the_store_zone_fallback() {
    // i1 has no time_zone: the policy's store zone Europe/Istanbul (UTC+3, no
    // DST) applies. Phone only. Cart updated 2026-05-04T17:00Z (20:00 local);
    // reminder due 18:00Z = 21:00 local, the first quiet minute (the window is
    // [08:00, 21:00)). E-mail has no address, SMS is next: deferred to 08:00
    // local on 5 May = 05:00Z. Horizon 12 h (to 06:00Z on 5 May) keeps the
    // discount (17:00Z on 5 May) out.
    let s = store(json!({
        "customers": [customer("i1", None, None, Some("+905321112233"))],
        "carts": [cart("k1", "i1", "2026-05-04T17:00:00Z")],
        "consents": [grant("i1", "sms", "2026-01-01T00:00:00Z")],
    }));
    let flows = [preset_flow("cart_recovery")];
    let pol = policy(json!({"time_zone": "Europe/Istanbul", "offer_secret": "s"}));
    let p = run(&s, &flows, &pol, &[], "2026-05-04T18:00:00Z", Span::hours(12));
    assert_eq!(p.messages.len(), 1, "{}", p.to_json());
    let m = msg(&p, "i1", "cart_recovery", "reminder");
    assert_eq!((m.channel, m.address.as_str()), (Channel::Sms, "+905321112233"));
    assert_eq!(ts(m.send_at), "2026-05-05T05:00:00Z");
    assert_eq!((m.local_time.as_str(), m.time_zone.name()), ("2026-05-05T08:00:00+03:00", "Europe/Istanbul"));
    assert_eq!(m.due_at.map(ts).as_deref(), Some("2026-05-04T18:00:00Z"));
    let d = decision(&p, "i1", "cart_recovery", "reminder");
    assert_eq!(d.reason, Reason::QuietHoursDeferred);
    assert_eq!(d.evidence.to_value()["local_time"], json!("2026-05-04T21:00:00+03:00"));

    // Mode skip: not sent. E-mail had no address, SMS was quiet: the step's
    // reason is quiet_hours (it beats no_address), with both channels tried.
    let pol = policy(json!({"time_zone": "Europe/Istanbul", "offer_secret": "s",
        "quiet_hours": [{"channels": ["sms"], "allowed": "08:00-21:00", "mode": "skip"}]}));
    let p = run(&s, &flows, &pol, &[], "2026-05-04T18:00:00Z", Span::hours(12));
    assert!(p.messages.is_empty(), "{}", p.to_json());
    let d = decision(&p, "i1", "cart_recovery", "reminder");
    assert_eq!(d.reason, Reason::QuietHours);
    assert_eq!(
        d.evidence,
        json!({"channels": [{"channel": "email", "outcome": "no_address"},
            {"channel": "sms", "outcome": "quiet_hours", "local_time": "2026-05-04T21:00:00+03:00", "allowed": "08:00-21:00"}]})
    );

    // One minute earlier (cart updated 16:59Z, reminder 17:59Z = 20:59 local):
    // inside the window, sent when due.
    let s = store(json!({
        "customers": [customer("i1", None, None, Some("+905321112233"))],
        "carts": [cart("k1", "i1", "2026-05-04T16:59:00Z")],
        "consents": [grant("i1", "sms", "2026-01-01T00:00:00Z")],
    }));
    let p = run(&s, &flows, &pol, &[], "2026-05-04T17:59:00Z", Span::hours(12));
    let m = msg(&p, "i1", "cart_recovery", "reminder");
    assert_eq!((ts(m.send_at).as_str(), m.local_time.as_str()), ("2026-05-04T17:59:00Z", "2026-05-04T20:59:00+03:00"));
    assert!(p.decisions.is_empty());
}

#[test]
fn a_message_held_by_quiet_hours_is_not_overdue_before_its_release() {
    // As above: i1 (Istanbul via the store zone), SMS only; the reminder is
    // due 2026-05-04T18:00Z = 21:00 local, held until 08:00 local = 05:00Z.
    // max_lateness is 1 h. Run 1 at 18:00Z for 1 h: the release is after the
    // horizon, so a later run plans it. Run 2 at 05:00Z: the message was held,
    // not late: lateness counts from its release (05:00Z), so it goes now,
    // with due_at 18:00Z. (Reading the rule as "11 h overdue > 1 h, drop"
    // would lose every message held longer than max_lateness.)
    let s = store(json!({
        "customers": [customer("i1", None, None, Some("+905321112233"))],
        "carts": [cart("k1", "i1", "2026-05-04T17:00:00Z")],
        "consents": [grant("i1", "sms", "2026-01-01T00:00:00Z")],
    }));
    let flows = [preset_flow("cart_recovery")];
    let pol = policy(json!({"time_zone": "Europe/Istanbul", "offer_secret": "s", "max_lateness": "1h"}));
    let p = run(&s, &flows, &pol, &[], "2026-05-04T18:00:00Z", Span::hours(1));
    assert!(p.messages.is_empty(), "{}", p.to_json());
    let p = run(&s, &flows, &pol, &[], "2026-05-05T05:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&p), [triple("i1", "cart_recovery", "reminder")], "{}", p.to_json());
    let m = &p.messages[0];
    assert_eq!((ts(m.send_at).as_str(), m.local_time.as_str()), ("2026-05-05T05:00:00Z", "2026-05-05T08:00:00+03:00"));
    assert_eq!(m.due_at.map(ts).as_deref(), Some("2026-05-04T18:00:00Z"));
    // 1 h after the release it is still in; 1 h 1 min after, it is late.
    let p = run(&s, &flows, &pol, &[], "2026-05-05T06:00:00Z", Span::hours(1));
    assert_eq!(p.messages.len(), 1, "{}", p.to_json());
    let p = run(&s, &flows, &pol, &[], "2026-05-05T06:01:00Z", Span::hours(1));
    assert!(p.messages.is_empty(), "{}", p.to_json());
    // E-mail has no quiet hours: an e-mail step due at 18:00Z is simply
    // 11 h late at 05:00Z and dropped.
    let s = store(json!({
        "customers": [customer("i1", None, Some("i1@example.com"), None)],
        "carts": [cart("k1", "i1", "2026-05-04T17:00:00Z")],
        "consents": [grant("i1", "email", "2026-01-01T00:00:00Z")],
    }));
    let p = run(&s, &flows, &pol, &[], "2026-05-05T05:00:00Z", Span::hours(1));
    assert!(p.messages.is_empty(), "{}", p.to_json());
}

// ----------------------------------------------------------------- birthday

#[test]
fn birthday_on_29_february_in_a_non_leap_year() {
    // b1 was born on 29 February; Istanbul; e-mail with consent. In 2027 (not
    // a leap year) the birthday is kept on 28 February: entry 00:00 local
    // 2027-02-28 = 2027-02-27T21:00Z. The preset's step is 3 days before at
    // 10:00 local: 25 February 10:00 local = 07:00Z. Subject birthday:2027.
    // Offer: 20% + free shipping, code valid 7 days -> expires 2027-03-04T07:00Z.
    let mut c = customer("b1", Some("Europe/Istanbul"), Some("bea@example.com"), None);
    c["birth_date"] = json!("--02-29");
    let s = store(json!({"customers": [c], "consents": [grant("b1", "email", "2026-01-01T00:00:00Z")]}));
    let flows = [preset_flow("birthday")];
    let p = run(&s, &flows, &default_policy(), &[], "2027-02-25T00:00:00Z", Span::days(1));
    assert_eq!(p.messages.len(), 1, "{}", p.to_json());
    let m = msg(&p, "b1", "birthday", "birthday_gift");
    assert_eq!(m.subject, "birthday:2027");
    assert_eq!((ts(m.send_at).as_str(), m.local_time.as_str()), ("2027-02-25T07:00:00Z", "2027-02-25T10:00:00+03:00"));
    assert_eq!(m.channel, Channel::Email);
    // The key, worked out in Python (SHA-256 over the length-prefixed fields):
    //   f = b''.join(len(p).to_bytes(8,'big') + p for p in
    //                [b'b1', b'birthday', b'birthday_gift', b'birthday:2027'])
    //   hashlib.sha256(f).hexdigest()[:32]
    assert_eq!(m.key, idempotency_key("b1", "birthday", "birthday_gift", "birthday:2027"));
    let offer = m.offer.as_ref().expect("an offer");
    assert_eq!((offer.percent_off, offer.free_shipping), (Some(20), true));
    assert_eq!(offer.expires_at.map(ts).as_deref(), Some("2027-03-04T07:00:00Z"));
    // Code over the idempotency key "d00f8225d904ed6a4bf279800c871bbe" with Python:
    //   key = 'd00f8225d904ed6a4bf279800c871bbe'
    //   d = hmac.new(b'shop-secret', key.encode(), hashlib.sha256).digest(); n = int.from_bytes(d, 'big')
    //   A = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
    //   'DOGUMGUNU20-' + ''.join(A[(n >> (256 - 5 * (i + 1))) & 31] for i in range(8))
    assert_eq!(m.key, "d00f8225d904ed6a4bf279800c871bbe");
    assert_eq!(offer.code.as_deref(), Some("DOGUMGUNU20-MNMEM8GT"));

    // In the leap year 2028 the birthday is 29 February: step on 26 February
    // at 10:00 local = 07:00Z, subject birthday:2028.
    let p = run(&s, &flows, &default_policy(), &[], "2028-02-26T00:00:00Z", Span::days(1));
    assert_eq!(p.messages.len(), 1, "{}", p.to_json());
    let m = msg(&p, "b1", "birthday", "birthday_gift");
    assert_eq!((m.subject.as_str(), ts(m.send_at).as_str()), ("birthday:2028", "2028-02-26T07:00:00Z"));
}

// -------------------------------------------------------------------- caps

/// c1 (UTC by default): signed up 2026-05-04T08:00Z, e-mail consent, cart k1
/// last updated 2026-05-03T09:00Z. Cart recovery: reminder 2026-05-03T10:00Z
/// (in the send log), discount 2026-05-04T09:00Z; welcome's first step is due
/// at the sign-up, 08:00Z. c2 has no consent at all.
fn collide_store(orders: &[Value]) -> Store {
    let mut c = customer("c1", None, Some("ann@example.com"), None);
    c["created_at"] = json!("2026-05-04T08:00:00Z");
    let mut c2 = customer("c2", None, Some("bob@example.com"), None);
    c2["created_at"] = json!("2025-01-01T00:00:00Z");
    store(json!({"customers": [c, c2], "carts": [cart("k1", "c1", "2026-05-03T09:00:00Z")], "orders": orders,
        "consents": [grant("c1", "email", "2026-01-01T00:00:00Z")]}))
}

/// The reminder of k1, sent when due.
fn reminder_sent() -> SentMessage {
    SentMessage {
        key: Some(idempotency_key("c1", "cart_recovery", "reminder", "cart:k1")),
        customer_id: "c1".into(),
        flow: Some("cart_recovery".into()),
        step: Some("reminder".into()),
        subject: Some("cart:k1".into()),
        channel: Channel::Email,
        purpose: Purpose::Marketing,
        sent_at: at("2026-05-03T10:00:00Z"),
    }
}

#[test]
fn two_flows_under_a_cap_the_higher_priority_wins() {
    let pol = policy(json!({"caps": [{"channel": "email", "max": 1, "per": "16h"}], "offer_secret": "s"}));
    let s = collide_store(&[]);
    // Plan from 08:00Z for 2 h. The logged reminder (2026-05-03T10:00Z) is
    // 22 h before 08:00Z: outside every 16 h window here. Candidates:
    // welcome/welcome at 08:00Z (priority 20) and cart_recovery/discount at
    // 09:00Z (priority 30). The cart flow is admitted first although later;
    // the welcome e-mail at 08:00Z would put two e-mails in the 16 h window
    // ending 09:00Z -> capped, counting 09:00Z.
    let flows = [preset_flow("welcome"), preset_flow("cart_recovery")];
    let log = [reminder_sent()];
    let p = run(&s, &flows, &pol, &log, "2026-05-04T08:00:00Z", Span::hours(2));
    assert_eq!(steps_planned(&p), [triple("c1", "cart_recovery", "discount")]);
    assert_eq!(ts(p.messages[0].send_at), "2026-05-04T09:00:00Z");
    assert_eq!(decision(&p, "c1", "cart_recovery", "reminder").reason, Reason::AlreadySent);
    let d = decision(&p, "c1", "welcome", "welcome");
    assert_eq!(d.reason, Reason::Capped);
    assert_eq!(
        d.evidence,
        json!({"cap": 0, "channel": "email", "max": 1, "per": "16h", "counted": ["2026-05-04T09:00:00Z"],
               "send_at": "2026-05-04T08:00:00Z"})
    );

    // Welcome raised to priority 50: now it wins; the discount is capped
    // counting 08:00Z.
    let mut welcome = preset_flow("welcome");
    welcome.priority = 50;
    let flows = [welcome, preset_flow("cart_recovery")];
    let p = run(&s, &flows, &pol, &log, "2026-05-04T08:00:00Z", Span::hours(2));
    assert_eq!(steps_planned(&p), [triple("c1", "welcome", "welcome")]);
    let d = decision(&p, "c1", "cart_recovery", "discount");
    assert_eq!(d.reason, Reason::Capped);
    assert_eq!(d.evidence.to_value()["counted"], json!(["2026-05-04T08:00:00Z"]));
}

#[test]
fn the_send_log_counts_against_caps_and_transactional_bypasses_them() {
    let pol = policy(json!({"caps": [{"channel": "email", "max": 1, "per": "16h"}], "offer_secret": "s"}));
    let s = collide_store(&[]);
    let flows = [preset_flow("cart_recovery")];
    // A newsletter at 2026-05-03T17:30Z is 15.5 h before the discount at
    // 09:00Z: inside the window (17:00Z, 09:00Z] -> capped, counting only it
    // (the reminder at 10:00Z the day before is 23 h earlier).
    let log = [reminder_sent(), newsletter("c1", Channel::Email, "2026-05-03T17:30:00Z")];
    let p = run(&s, &flows, &pol, &log, "2026-05-04T08:00:00Z", Span::hours(2));
    assert!(p.messages.is_empty(), "{}", p.to_json());
    let d = decision(&p, "c1", "cart_recovery", "discount");
    assert_eq!(d.reason, Reason::Capped);
    assert_eq!(d.evidence.to_value()["counted"], json!(["2026-05-03T17:30:00Z"]));
    // Exactly 16 h before (17:00Z) is outside the window: planned.
    let log = [reminder_sent(), newsletter("c1", Channel::Email, "2026-05-03T17:00:00Z")];
    let p = run(&s, &flows, &pol, &log, "2026-05-04T08:00:00Z", Span::hours(2));
    assert_eq!(steps_planned(&p), [triple("c1", "cart_recovery", "discount")]);
    // An SMS newsletter does not count for an e-mail cap; a transactional
    // e-mail in the log does not count either.
    let mut tx = newsletter("c1", Channel::Email, "2026-05-04T08:30:00Z");
    tx.purpose = Purpose::Transactional;
    let log = [reminder_sent(), newsletter("c1", Channel::Sms, "2026-05-04T08:30:00Z"), tx];
    let p = run(&s, &flows, &pol, &log, "2026-05-04T08:00:00Z", Span::hours(2));
    assert_eq!(steps_planned(&p), [triple("c1", "cart_recovery", "discount")]);

    // Transactional bypasses caps (and needs no consent). Plan from 10:00Z:
    // c1's welcome (due 08:00Z) is 2 h overdue -> at 10:00Z; the confirmation
    // of o1 (placed 09:45Z) -> at 10:00Z too, despite 1 e-mail per 16 h; c2
    // has no consent and still gets the confirmation of o2 (09:50Z).
    let s = collide_store(&[order("o1", "c1", "2026-05-04T09:45:00Z"), order("o2", "c2", "2026-05-04T09:50:00Z")]);
    let flows = [preset_flow("welcome"), preset_flow("order_confirmation")];
    let p = run(&s, &flows, &pol, &[], "2026-05-04T10:00:00Z", Span::hours(2));
    let mut got = steps_planned(&p);
    got.sort();
    assert_eq!(
        got,
        [
            triple("c1", "order_confirmation", "confirmation"),
            triple("c1", "welcome", "welcome"),
            triple("c2", "order_confirmation", "confirmation")
        ]
    );
    assert!(p.decisions.is_empty(), "{}", p.to_json());
    for m in &p.messages {
        assert_eq!(ts(m.send_at), "2026-05-04T10:00:00Z");
    }
    let m = msg(&p, "c2", "order_confirmation", "confirmation");
    assert_eq!((m.purpose, m.address.as_str()), (Purpose::Transactional, "bob@example.com"));
    assert_eq!(m.due_at.map(ts).as_deref(), Some("2026-05-04T09:50:00Z"));
    assert_eq!(m.payload.order_id.as_deref(), Some("o2"));
}

#[test]
fn calendar_caps_use_the_recipients_local_day() {
    // Istanbul customer, cap 1 e-mail per local day. Two custom-event flows
    // on events at 2026-05-04T10:00Z: fa (priority 2) 10 h 30 min later =
    // 20:30Z = 23:30 local on 4 May; fb (priority 1) 11 h 30 min later =
    // 21:30Z = 00:30 local on 5 May. Different local days -> both planned
    // although 1 h apart. In UTC both are on 4 May: fa wins, fb capped.
    let s = store(json!({
        "customers": [customer("c1", Some("Europe/Istanbul"), Some("ann@example.com"), None)],
        "consents": [grant("c1", "email", "2026-01-01T00:00:00Z")],
        "events": [
            {"id": "e1", "customer_id": "c1", "kind": "custom", "name": "a", "at": "2026-05-04T10:00:00Z"},
            {"id": "e2", "customer_id": "c1", "kind": "custom", "name": "b", "at": "2026-05-04T10:00:00Z"}]}));
    let mk = |id: &str, name: &str, prio: i32, after: &str| {
        flow(json!({"id": id, "priority": prio, "trigger": {"type": "custom_event", "name": name},
            "steps": [{"id": "s", "delay": {"after": after}, "channels": ["email"], "template": "t"}]}))
    };
    let flows = [mk("fa", "a", 2, "630m"), mk("fb", "b", 1, "690m")];
    let pol = policy(json!({"caps": [{"channel": "email", "max": 1, "per": "day"}]}));
    let p = run(&s, &flows, &pol, &[], "2026-05-04T12:00:00Z", Span::hours(12));
    assert_eq!(steps_planned(&p), [triple("c1", "fa", "s"), triple("c1", "fb", "s")], "{}", p.to_json());
    assert_eq!(ts(p.messages[1].send_at), "2026-05-04T21:30:00Z");
    let mut s_utc = s.clone();
    s_utc.customers[0].time_zone = None;
    let p = run(&s_utc, &flows, &pol, &[], "2026-05-04T12:00:00Z", Span::hours(12));
    assert_eq!(steps_planned(&p), [triple("c1", "fa", "s")]);
    let d = decision(&p, "c1", "fb", "s");
    assert_eq!(d.reason, Reason::Capped);
    assert_eq!(d.evidence.to_value()["counted"], json!(["2026-05-04T20:30:00Z"]));
}

// ---------------------------------------------------------------- guests

#[test]
fn guest_cart_with_email_only() {
    // Cart k9 has no customer, contact e-mail "Guest@Example.COM": recipient
    // key guest:guest@example.com (lower-cased), where its consent is recorded.
    // Zone: the store zone (UTC). Reminder at 10:00Z by e-mail to the address
    // as written.
    let guest = |id: &str, email: &str| {
        json!({"id": id, "contact": {"email": email}, "currency": "TRY", "created_at": "2026-05-04T08:00:00Z",
               "updated_at": "2026-05-04T09:00:00Z", "items": [{"sku": "MUG", "quantity": 2, "unit_price": 1200}]})
    };
    let s = store(json!({
        "carts": [guest("k9", "Guest@Example.COM"), guest("k8", "nobody@example.com")],
        "consents": [grant("guest:guest@example.com", "email", "2026-05-01T00:00:00Z")]}));
    let p = run(&s, &[preset_flow("cart_recovery")], &default_policy(), &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&p), [triple("guest:guest@example.com", "cart_recovery", "reminder")]);
    let m = &p.messages[0];
    assert_eq!((m.address.as_str(), m.channel, m.subject.as_str()), ("Guest@Example.COM", Channel::Email, "cart:k9"));
    assert_eq!((m.time_zone.name(), m.local_time.as_str()), ("UTC", "2026-05-04T10:00:00+00:00"));
    // Python: sha256 of the framed ('guest:guest@example.com', 'cart_recovery', 'reminder', 'cart:k9'), first 16 bytes.
    assert_eq!(m.key, "8779cc8e356ad7cc866a924ec8b8568f");
    assert_eq!(json!(m.payload.cart_value), json!({"amount": 2400, "currency": "TRY"}));
    assert!(m.payload.first_name.is_none());
    // The second guest has an e-mail but no consent, and no phone: e-mail
    // refused (no_consent at 10:00Z), SMS impossible (no_address). The step's
    // reason: no channel has consent -> no_consent, both channels in evidence.
    let d = decision(&p, "guest:nobody@example.com", "cart_recovery", "reminder");
    assert_eq!(d.reason, Reason::NoConsent);
    assert_eq!(
        d.evidence,
        json!({"channels": [{"channel": "email", "outcome": "no_consent", "at": "2026-05-04T10:00:00Z"},
                            {"channel": "sms", "outcome": "no_address"}]})
    );
    // An SMS-only flow for the e-mail-only guests: no channel has an address.
    let f = flow(json!({"id": "sms_cart", "trigger": {"type": "cart_abandoned"},
        "steps": [{"id": "s", "delay": {"after": "1h"}, "channels": ["sms"], "template": "t"}]}));
    let p = run(&s, &[f], &default_policy(), &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert!(p.messages.is_empty());
    for g in ["guest:guest@example.com", "guest:nobody@example.com"] {
        let d = decision(&p, g, "sms_cart", "s");
        assert_eq!(d.reason, Reason::NoAddress);
        assert_eq!(d.evidence, json!({"channels": [{"channel": "sms", "outcome": "no_address"}]}));
    }
}

// --------------------------------------------------------- out-of-order input

fn busy_store(reverse: bool) -> Store {
    let mut customers = vec![
        customer("c1", Some("Europe/Istanbul"), Some("ann@example.com"), Some("+905321112233")),
        customer("c2", Some("America/New_York"), Some("bob@example.com"), Some("+12125550100")),
        customer("c3", None, Some("cem@example.com"), None),
    ];
    let mut carts = vec![
        cart("k1", "c1", "2026-05-04T09:00:00Z"),
        cart("k2", "c2", "2026-05-04T05:00:00Z"),
        cart("k3", "c3", "2026-05-03T12:00:00Z"),
    ];
    let mut orders = vec![
        order("o1", "c3", "2026-05-03T20:00:00Z"),
        order("o2", "c2", "2026-04-01T10:00:00Z"),
        order("o3", "c1", "2026-05-04T09:30:00Z"),
    ];
    let mut consents = vec![
        grant("c1", "email", "2026-01-01T00:00:00Z"),
        grant("c1", "sms", "2026-01-01T00:00:00Z"),
        grant("c2", "sms", "2026-01-01T00:00:00Z"),
        json!({"customer_id": "c2", "channel": "sms", "purpose": "marketing", "status": "withdrawn", "at": "2026-01-01T00:00:00Z"}),
        grant("c3", "email", "2026-05-04T06:00:00Z"),
    ];
    if reverse {
        customers.reverse();
        carts.reverse();
        orders.reverse();
        consents.reverse();
    }
    store(json!({"customers": customers, "carts": carts, "orders": orders, "consents": consents}))
}

#[test]
fn shuffled_records_give_the_same_bytes_and_a_late_order_exits() {
    let flows = [preset_flow("cart_recovery"), preset_flow("order_confirmation"), preset_flow("post_purchase")];
    let a = run(&busy_store(false), &flows, &default_policy(), &[], "2026-05-04T10:00:00Z", Span::days(3));
    let b = run(&busy_store(true), &flows, &default_policy(), &[], "2026-05-04T10:00:00Z", Span::days(3));
    assert_eq!(a.to_json(), b.to_json());
    // Worked checks on that plan:
    // - c1: o3 at 09:30Z, after the cart entry 09:00Z: the cart flow exits;
    //   its order confirmation is due 09:30Z, 30 min overdue -> at 10:00Z.
    assert_eq!(decision(&a, "c1", "cart_recovery", "reminder").reason, Reason::Exited);
    let m = msg(&a, "c1", "order_confirmation", "confirmation");
    assert_eq!(
        (ts(m.send_at).as_str(), m.due_at.map(ts)),
        ("2026-05-04T10:00:00Z", Some("2026-05-04T09:30:00Z".into()))
    );
    // - c2 (New York, 06:00 EDT entry 05:00Z = 01:00 EDT): reminder due 06:00Z
    //   is 4 h overdue; e-mail has no consent, SMS was withdrawn (same instant
    //   as the grant: the withdrawal wins) -> no_consent.
    assert_eq!(decision(&a, "c2", "cart_recovery", "reminder").reason, Reason::NoConsent);
    // - c3 (UTC): cart entry 2026-05-03T12:00Z, o1 at 20:00Z after it -> exited.
    assert_eq!(decision(&a, "c3", "cart_recovery", "discount").reason, Reason::Exited);

    // A late-arriving order: k1 with the reminder sent; at 2026-05-05T09:00Z
    // the discount is due. Without an order: planned. An order o5 placed at
    // 2026-05-04T20:00Z but appended last (after a later order o6) exits it.
    let flows = [preset_flow("cart_recovery")];
    let base = ann(&[], json!({}), &[]);
    let first = run(&base, &flows, &default_policy(), &[], "2026-05-04T10:00:00Z", Span::hours(1));
    let log = vec![sent(&first.messages[0])];
    let p = run(&base, &flows, &default_policy(), &log, "2026-05-05T09:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&p), [triple("c1", "cart_recovery", "discount")]);
    let late =
        ann(&[order("o6", "c1", "2026-05-05T08:00:00Z"), order("o5", "c1", "2026-05-04T20:00:00Z")], json!({}), &[]);
    let p = run(&late, &flows, &default_policy(), &log, "2026-05-05T09:00:00Z", Span::hours(1));
    assert!(p.messages.is_empty());
    let d = decision(&p, "c1", "cart_recovery", "discount");
    assert_eq!(d.reason, Reason::Exited);
    // The first order after the entry in time (not in arrival) order: o5.
    assert_eq!(d.evidence, json!({"exit": "order_placed", "order_id": "o5", "at": "2026-05-04T20:00:00Z"}));

    // Two orders at the same instant, listed either way: the same evidence
    // (ties are broken by content, never by position).
    let tie = |first: &str, second: &str| {
        ann(&[order(first, "c1", "2026-05-04T20:00:00Z"), order(second, "c1", "2026-05-04T20:00:00Z")], json!({}), &[])
    };
    let a = run(&tie("o7", "o8"), &flows, &default_policy(), &log, "2026-05-05T09:00:00Z", Span::hours(1));
    let b = run(&tie("o8", "o7"), &flows, &default_policy(), &log, "2026-05-05T09:00:00Z", Span::hours(1));
    assert_eq!(a.to_json(), b.to_json());
    // Id-less checkout events, listed either way: the same plan.
    let checkout = flow(json!({"id": "checkout", "trigger": {"type": "checkout_started"},
        "steps": [{"id": "nudge", "delay": {"after": "1h"}, "channels": ["email"], "template": "t"}]}));
    let events = |reverse: bool| {
        let mut e = vec![
            json!({"customer_id": "c1", "kind": "checkout_started", "at": "2026-05-05T07:30:00Z"}),
            json!({"customer_id": "c1", "kind": "checkout_started", "at": "2026-05-05T08:00:00Z"}),
        ];
        if reverse {
            e.reverse();
        }
        let mut s = base.clone();
        s.events = serde_json::from_value(json!(e)).expect("events");
        s
    };
    let pol = policy(json!({"caps": []}));
    let a = run(&events(false), std::slice::from_ref(&checkout), &pol, &[], "2026-05-05T09:00:00Z", Span::hours(1));
    let b = run(&events(true), std::slice::from_ref(&checkout), &pol, &[], "2026-05-05T09:00:00Z", Span::hours(1));
    assert_eq!(a.messages.len(), 2, "{}", a.to_json());
    assert_eq!(a.to_json(), b.to_json());
}

// ----------------------------------------------------- holdout, suppression

#[test]
fn global_holdout_of_100_percent_holds_out_every_marketing_message() {
    // c1: cart k1 (reminder due 10:00Z) and order o0 at 08:00Z (before the
    // cart entry: no exit); its confirmation is 2 h overdue -> sent at 10:00Z.
    let s = ann(&[], json!({}), &[]);
    let flows = [preset_flow("cart_recovery"), preset_flow("order_confirmation")];
    let mut pol = default_policy();
    pol.holdout.percent = 100.0;
    let p = run(&s, &flows, &pol, &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&p), [triple("c1", "order_confirmation", "confirmation")]);
    let d = decision(&p, "c1", "cart_recovery", "reminder");
    assert_eq!(d.reason, Reason::Holdout);
    // Bucket by Python: framed = len-prefixed (b'global', b'c1');
    //   d = hmac.new(b'', framed, hashlib.sha256).digest()
    //   (int.from_bytes(d[:8], 'big') >> 11) / 2**53 = 0.8753298567755304
    assert_eq!(d.evidence, json!({"scope": "global", "percent": 100.0, "bucket": 0.8753298567755304}));
    // So 87% keeps c1 in (0.8753 >= 0.87) and 88% holds c1 out (0.8753 < 0.88).
    pol.holdout.percent = 87.0;
    let p = run(&s, &flows, &pol, &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert_eq!(p.messages.len(), 2, "{}", p.to_json());
    pol.holdout.percent = 88.0;
    let p = run(&s, &flows, &pol, &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert_eq!(p.messages.len(), 1);
    // A flow's own holdout of 100%: scope flow.
    let mut cr = preset_flow("cart_recovery");
    cr.holdout_percent = 100.0;
    let p = run(&s, &[cr], &default_policy(), &[], "2026-05-04T10:00:00Z", Span::hours(1));
    let d = decision(&p, "c1", "cart_recovery", "reminder");
    assert_eq!((d.reason, &d.evidence.to_value()["scope"]), (Reason::Holdout, &json!("flow")));
}

#[test]
fn suppression_lists_and_suppressed_channels() {
    // c1 in Istanbul with e-mail and phone, consent on both; reminder at
    // 10:00Z = 13:00 local (SMS allowed then). Confirmation of o0 overdue.
    let mk = |consents: Vec<Value>| {
        store(json!({
            "customers": [customer("c1", Some("Europe/Istanbul"), Some("ann@example.com"), Some("+905321112233"))],
            "carts": [cart("k1", "c1", "2026-05-04T09:00:00Z")],
            "orders": [order("o0", "c1", "2026-05-04T08:00:00Z")],
            "consents": consents}))
    };
    let s = mk(vec![grant("c1", "email", "2026-01-01T00:00:00Z"), grant("c1", "sms", "2026-01-01T00:00:00Z")]);
    let flows = [preset_flow("cart_recovery"), preset_flow("order_confirmation")];
    // Customer list: nothing at all, transactional included.
    let mut pol = default_policy();
    pol.suppression.customers = vec!["c1".into()];
    let p = run(&s, &flows, &pol, &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert!(p.messages.is_empty());
    for (f, st) in [("cart_recovery", "reminder"), ("order_confirmation", "confirmation")] {
        let d = decision(&p, "c1", f, st);
        assert_eq!((d.reason, d.evidence.to_value()), (Reason::Suppressed, json!({"list": "customers"})));
    }
    // E-mail list, matched case-insensitively: the reminder falls back to SMS.
    let mut pol = default_policy();
    pol.suppression.emails = vec!["ANN@Example.com".into()];
    let p = run(&s, &[preset_flow("cart_recovery")], &pol, &[], "2026-05-04T10:00:00Z", Span::hours(1));
    let m = msg(&p, "c1", "cart_recovery", "reminder");
    assert_eq!(
        (m.channel, m.address.as_str(), m.local_time.as_str()),
        (Channel::Sms, "+905321112233", "2026-05-04T13:00:00+03:00")
    );
    // Both addresses listed (the phone written differently): suppressed.
    pol.suppression.phones = vec!["+90 (532) 111-22-33".into()];
    let p = run(&s, &[preset_flow("cart_recovery")], &pol, &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert!(p.messages.is_empty());
    let d = decision(&p, "c1", "cart_recovery", "reminder");
    assert_eq!(d.reason, Reason::Suppressed);
    assert_eq!(
        d.evidence,
        json!({"channels": [{"channel": "email", "outcome": "suppressed", "list": "address"},
                            {"channel": "sms", "outcome": "suppressed", "list": "address"}]})
    );
    // A hard bounce in the consent ledger suppresses e-mail for every purpose
    // (the confirmation then goes by SMS); marketing SMS has no grant here.
    let bounce = json!({"customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "suppressed",
                        "reason": "hard_bounce", "at": "2026-05-02T00:00:00Z"});
    let s = mk(vec![grant("c1", "email", "2026-01-01T00:00:00Z"), bounce]);
    let p = run(&s, &flows, &default_policy(), &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&p), [triple("c1", "order_confirmation", "confirmation")]);
    assert_eq!(p.messages[0].channel, Channel::Sms);
    // Reminder: e-mail suppressed, SMS no consent -> no_consent beats suppressed.
    assert_eq!(decision(&p, "c1", "cart_recovery", "reminder").reason, Reason::NoConsent);
}

// ------------------------------------------------------------ offer codes

#[test]
fn offer_codes_and_expiry() {
    // The discount step of k1 is due 2026-05-05T09:00Z (12:00 local); the
    // reminder (sent 2026-05-04T10:00Z) is 23 h before: outside the 16 h cap.
    let s = ann(&[], json!({}), &[]);
    let flows = [preset_flow("cart_recovery")];
    let first = run(&s, &flows, &default_policy(), &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert!(first.messages[0].offer.is_none(), "the reminder has no offer");
    let log = vec![sent(&first.messages[0])];
    let p = run(&s, &flows, &default_policy(), &log, "2026-05-05T09:00:00Z", Span::hours(1));
    let m = msg(&p, "c1", "cart_recovery", "discount");
    assert_eq!(ts(m.send_at), "2026-05-05T09:00:00Z");
    // Python: key = sha256(framed(b'c1', b'cart_recovery', b'discount', b'cart:k1')).hexdigest()[:32]
    assert_eq!(m.key, "3e46170a4f13bf5a7f2a7543db476ac1");
    let o = m.offer.as_ref().expect("an offer");
    // Python: d = hmac.new(b'shop-secret', b'3e46170a4f13bf5a7f2a7543db476ac1', hashlib.sha256).digest()
    //         n = int.from_bytes(d, 'big'); 'SEPET15-' + ''.join(A[(n >> (256-5*(i+1))) & 31] for i in range(8))
    assert_eq!(o.code.as_deref(), Some("SEPET15-BPN5D8WR"));
    let code = o.code.as_deref().unwrap_or_default();
    let tail = code.strip_prefix("SEPET15-").unwrap_or_default();
    assert!(tail.len() == 8 && tail.bytes().all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)));
    assert_eq!((o.percent_off, o.free_shipping), (Some(15), false));
    // Valid 24 h from the send instant.
    assert_eq!(o.expires_at.map(ts).as_deref(), Some("2026-05-06T09:00:00Z"));
    // Sent late (at 15:00Z, 6 h overdue): the expiry follows the send instant.
    let p = run(&s, &flows, &default_policy(), &log, "2026-05-05T15:00:00Z", Span::hours(1));
    let m = msg(&p, "c1", "cart_recovery", "discount");
    assert_eq!(m.offer.as_ref().and_then(|o| o.expires_at).map(ts).as_deref(), Some("2026-05-06T15:00:00Z"));
    assert_eq!(m.offer.as_ref().and_then(|o| o.code.clone()).as_deref(), Some("SEPET15-BPN5D8WR"));
}

// --------------------------------------------------------------- lateness

#[test]
fn max_lateness_sends_overdue_steps_at_now() {
    let s = ann(&[], json!({}), &[]);
    let flows = [preset_flow("cart_recovery")];
    // At 20:00Z the reminder (due 10:00Z) is 10 h overdue, within 24 h: sent
    // at now, 23:00 local, with due_at 10:00Z.
    let p = run(&s, &flows, &default_policy(), &[], "2026-05-04T20:00:00Z", Span::hours(1));
    let m = msg(&p, "c1", "cart_recovery", "reminder");
    assert_eq!((ts(m.send_at).as_str(), m.local_time.as_str()), ("2026-05-04T20:00:00Z", "2026-05-04T23:00:00+03:00"));
    assert_eq!(m.due_at.map(ts).as_deref(), Some("2026-05-04T10:00:00Z"));
    // With max_lateness 6 h it is dropped: no message.
    let mut pol = default_policy();
    pol.max_lateness = Span::hours(6);
    let p = run(&s, &flows, &pol, &[], "2026-05-04T20:00:00Z", Span::hours(1));
    assert!(p.messages.is_empty(), "{}", p.to_json());
    // Exactly 24 h overdue (2026-05-05T10:00Z) is still in; 24 h + 1 s is not.
    let p = run(&s, &flows, &default_policy(), &[], "2026-05-05T10:00:00Z", Span::hours(1));
    assert_eq!(p.messages.iter().filter(|m| m.step == "reminder").count(), 1);
    let p = run(&s, &flows, &default_policy(), &[], "2026-05-05T10:00:01Z", Span::hours(1));
    assert_eq!(p.messages.iter().filter(|m| m.step == "reminder").count(), 0);
}

// ----------------------------------------------------------- send windows

#[test]
fn send_windows_move_a_step_to_the_next_opening() {
    // Weekdays 09:00-17:00 local. w1 (Istanbul) signs up on Friday 2026-05-08
    // at 15:00Z = 18:00 local: after hours; Saturday and Sunday are closed ->
    // Monday 2026-05-11 09:00 local = 06:00Z. w2 signs up Monday 2026-05-04
    // 07:00Z = 10:00 local: inside, sent at once.
    let mut w1 = customer("w1", Some("Europe/Istanbul"), Some("w1@example.com"), None);
    w1["created_at"] = json!("2026-05-08T15:00:00Z");
    let mut w2 = customer("w2", Some("Europe/Istanbul"), Some("w2@example.com"), None);
    w2["created_at"] = json!("2026-05-04T07:00:00Z");
    let s = store(json!({"customers": [w1, w2], "consents": [grant("w1", "email", "2026-01-01T00:00:00Z"),
        grant("w2", "email", "2026-01-01T00:00:00Z")]}));
    let f = flow(json!({"id": "office", "trigger": {"type": "signed_up"},
        "steps": [{"id": "hi", "delay": {"after": "0s"}, "channels": ["email"], "template": "t",
                   "window": {"hours": "09:00-17:00", "weekdays": ["mon", "tue", "wed", "thu", "fri"]}}]}));
    let p = run(&s, std::slice::from_ref(&f), &default_policy(), &[], "2026-05-08T15:00:00Z", Span::days(4));
    let m = msg(&p, "w1", "office", "hi");
    assert_eq!((ts(m.send_at).as_str(), m.local_time.as_str()), ("2026-05-11T06:00:00Z", "2026-05-11T09:00:00+03:00"));
    assert_eq!(m.due_at, None, "the window sets the due instant itself");
    assert!(p.decisions.is_empty());
    let p = run(&s, &[f], &default_policy(), &[], "2026-05-04T07:00:00Z", Span::hours(1));
    let m = msg(&p, "w2", "office", "hi");
    assert_eq!(ts(m.send_at), "2026-05-04T07:00:00Z");
}

// ----------------------------------------------------------------- cooldown

#[test]
fn cooldown_blocks_re_entry_counted_from_the_previous_instance() {
    // Checkout events e0 (1 May), e1 (6 May), e2 (11 May), 10:00Z each; step
    // 1 h later. Cooldown 7 d: e0 starts an instance; e1 is 5 d after it
    // (blocked); e2 is 10 d after e0, the previous instance (e1 never was
    // one) -> an instance.
    let s = store(json!({
        "customers": [customer("c1", None, Some("ann@example.com"), None)],
        "consents": [grant("c1", "email", "2026-01-01T00:00:00Z")],
        "events": [
            {"id": "e0", "customer_id": "c1", "kind": "checkout_started", "at": "2026-05-01T10:00:00Z"},
            {"id": "e1", "customer_id": "c1", "kind": "checkout_started", "at": "2026-05-06T10:00:00Z"},
            {"id": "e2", "customer_id": "c1", "kind": "checkout_started", "at": "2026-05-11T10:00:00Z"}]}));
    let mk = |cooldown: Option<&str>| {
        let mut v = json!({"id": "checkout", "trigger": {"type": "checkout_started"},
            "steps": [{"id": "nudge", "delay": {"after": "1h"}, "channels": ["email"], "template": "t"}]});
        if let Some(c) = cooldown {
            v["cooldown"] = json!(c);
        }
        flow(v)
    };
    // e1's step is due 2026-05-06T11:00Z.
    let p = run(&s, &[mk(None)], &default_policy(), &[], "2026-05-06T11:00:00Z", Span::hours(1));
    assert_eq!(msg(&p, "c1", "checkout", "nudge").subject, "checkout:e1");
    let p = run(&s, &[mk(Some("7d"))], &default_policy(), &[], "2026-05-06T11:00:00Z", Span::hours(1));
    assert!(p.messages.is_empty() && p.decisions.is_empty(), "{}", p.to_json());
    // e2's step is due 2026-05-11T11:00Z: planned, whatever the planning
    // window's reach into the past.
    let p = run(&s, &[mk(Some("7d"))], &default_policy(), &[], "2026-05-11T11:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&p), [triple("c1", "checkout", "nudge")], "{}", p.to_json());
    assert_eq!(p.messages[0].subject, "checkout:e2");
}

// ------------------------------------------------------------------ filters

#[test]
fn trigger_filter_at_entry_and_flow_filter_before_every_step() {
    let f = flow(json!({"id": "vip_cart", "trigger": {"type": "cart_abandoned"},
        "trigger_filter": "tags CONTAINS 'vip'", "filter": "country = 'TR'",
        "steps": [{"id": "one", "delay": {"after": "1h"}, "channels": ["email"], "template": "a"},
                  {"id": "two", "delay": {"after": "3h"}, "channels": ["email"], "template": "b"}]}));
    let pol = policy(json!({"caps": []}));
    let person = |id: &str, vip: bool, country: &str| {
        let mut c = customer(id, None, Some(&format!("{id}@example.com")), None);
        c["location"] = json!({"country": country});
        if vip {
            c["tags"] = json!(["vip"]);
        }
        c
    };
    let mk = |v1_vip: bool, v1_country: &str| {
        store(json!({
            "customers": [person("v1", v1_vip, v1_country), person("v2", false, "TR"), person("v3", true, "DE")],
            "carts": [cart("k1", "v1", "2026-05-04T09:00:00Z"), cart("k2", "v2", "2026-05-04T09:00:00Z"),
                      cart("k3", "v3", "2026-05-04T09:00:00Z")],
            "consents": [grant("v1", "email", "2026-01-01T00:00:00Z"), grant("v2", "email", "2026-01-01T00:00:00Z"),
                         grant("v3", "email", "2026-01-01T00:00:00Z")]}))
    };
    // Step one at 10:00Z: v1 (vip, TR) planned; v2 not vip -> filtered
    // (trigger); v3 vip but DE -> filtered (flow).
    let s = mk(true, "TR");
    let p = run(&s, std::slice::from_ref(&f), &pol, &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&p), [triple("v1", "vip_cart", "one")]);
    let d = decision(&p, "v2", "vip_cart", "one");
    assert_eq!((d.reason, &d.evidence.to_value()["filter"]), (Reason::Filtered, &json!("trigger")));
    assert!(d.evidence.to_value()["rule"].as_str().is_some_and(|r| r.contains("vip")));
    let d = decision(&p, "v3", "vip_cart", "one");
    assert_eq!((d.reason, &d.evidence.to_value()["filter"]), (Reason::Filtered, &json!("flow")));
    let log = vec![sent(&p.messages[0])];
    // Step two at 12:00Z. v1 lost the vip tag since entering: the trigger
    // filter is only checked at entry -> still planned.
    let p = run(&mk(false, "TR"), std::slice::from_ref(&f), &pol, &log, "2026-05-04T12:00:00Z", Span::hours(1));
    assert!(p.messages.iter().any(|m| m.customer_id == "v1" && m.step == "two"), "{}", p.to_json());
    // v1 moved to DE: the flow filter is checked before every step -> filtered.
    let p = run(&mk(true, "DE"), std::slice::from_ref(&f), &pol, &log, "2026-05-04T12:00:00Z", Span::hours(1));
    let d = decision(&p, "v1", "vip_cart", "two");
    assert_eq!((d.reason, &d.evidence.to_value()["filter"]), (Reason::Filtered, &json!("flow")));
}

#[test]
fn goal_reached_exits() {
    // Sign-up at 08:00Z, step 2 h later (10:00Z). g1 has a paid order (the
    // goal `order_count >= 1` holds at planning) -> exited goal; g2 has none.
    let f = flow(json!({"id": "nurture", "trigger": {"type": "signed_up"}, "exits": {"goal": "order_count >= 1"},
        "steps": [{"id": "s", "delay": {"after": "2h"}, "channels": ["email"], "template": "t"}]}));
    let mut g1 = customer("g1", None, Some("g1@example.com"), None);
    g1["created_at"] = json!("2026-05-04T08:00:00Z");
    let mut g2 = customer("g2", None, Some("g2@example.com"), None);
    g2["created_at"] = json!("2026-05-04T08:00:00Z");
    let s = store(json!({"customers": [g1, g2], "orders": [order("o1", "g1", "2026-05-04T09:00:00Z")],
        "consents": [grant("g1", "email", "2026-01-01T00:00:00Z"), grant("g2", "email", "2026-01-01T00:00:00Z")]}));
    let p = run(&s, &[f], &default_policy(), &[], "2026-05-04T10:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&p), [triple("g2", "nurture", "s")]);
    let d = decision(&p, "g1", "nurture", "s");
    assert_eq!((d.reason, &d.evidence.to_value()["exit"]), (Reason::Exited, &json!("goal")));
    assert!(d.evidence.to_value()["rule"].as_str().is_some_and(|r| r.contains("order_count")));
}

// ------------------------------------------------------- other triggers

#[test]
fn inactivity_win_back() {
    // wb1 (Istanbul): last paid order o1 at 2026-03-01T12:00Z; 60 days later
    // (March has 31 days) is 2026-04-30T12:00Z = 15:00 local: the win-back
    // step (at once) with 25% and a code valid 14 days -> 2026-05-14T12:00Z.
    // wb2 ordered again on 1 April: not inactive on 30 April.
    let s = store(json!({
        "customers": [customer("wb1", Some("Europe/Istanbul"), Some("wb1@example.com"), None),
                      customer("wb2", Some("Europe/Istanbul"), Some("wb2@example.com"), None)],
        "orders": [order("o1", "wb1", "2026-03-01T12:00:00Z"), order("o2", "wb2", "2026-03-01T12:00:00Z"),
                   order("o3", "wb2", "2026-04-01T12:00:00Z")],
        "consents": [grant("wb1", "email", "2026-01-01T00:00:00Z"), grant("wb2", "email", "2026-01-01T00:00:00Z")]}));
    let p = run(&s, &[preset_flow("win_back")], &default_policy(), &[], "2026-04-30T12:00:00Z", Span::hours(1));
    assert_eq!(steps_planned(&p), [triple("wb1", "win_back", "we_missed_you")], "{}", p.to_json());
    let m = &p.messages[0];
    assert_eq!((m.subject.as_str(), ts(m.send_at).as_str()), ("inactive:o1", "2026-04-30T12:00:00Z"));
    assert_eq!(m.local_time, "2026-04-30T15:00:00+03:00");
    assert_eq!(m.payload.order_id.as_deref(), Some("o1"));
    assert_eq!(m.payload.recommendations, Some(Vec::new()), "no recommendations were given");
    let o = m.offer.as_ref().expect("an offer");
    assert_eq!(o.percent_off, Some(25));
    assert!(o.code.as_deref().is_some_and(|c| c.starts_with("GERIDON25-") && c.len() == 18));
    assert_eq!(o.expires_at.map(ts).as_deref(), Some("2026-05-14T12:00:00Z"));
    // One hour earlier the 60 days are not over: nothing yet.
    let p = run(&s, &[preset_flow("win_back")], &default_policy(), &[], "2026-04-30T11:00:00Z", Span::minutes(30));
    assert!(p.messages.is_empty());
}

#[test]
fn win_back_cooldown_counts_the_previous_inactivity() {
    // o1 paid 2026-01-01T12:00Z: 60 days later, 2026-03-02T12:00Z, a win-back
    // instance starts (and was sent). o2 paid 2026-03-05T12:00Z: 60 days
    // later, 2026-05-04T12:00Z, the customer is inactive again; that is 63
    // days after the previous instance's entry, inside the preset's 90-day
    // cooldown -> no new instance, nothing planned, no decision.
    let s = store(json!({
        "customers": [customer("wb1", None, Some("wb1@example.com"), None)],
        "orders": [order("o1", "wb1", "2026-01-01T12:00:00Z"), order("o2", "wb1", "2026-03-05T12:00:00Z")],
        "consents": [grant("wb1", "email", "2025-01-01T00:00:00Z")]}));
    let wb = preset_flow("win_back");
    let p = run(&s, std::slice::from_ref(&wb), &default_policy(), &[], "2026-03-02T12:00:00Z", Span::hours(1));
    assert_eq!(p.messages.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(), ["inactive:o1"]);
    let log = vec![sent(&p.messages[0])];
    let p = run(&s, std::slice::from_ref(&wb), &default_policy(), &log, "2026-05-04T12:00:00Z", Span::hours(1));
    assert!(p.messages.is_empty() && p.decisions.is_empty(), "{}", p.to_json());
    // A 60-day cooldown is over after 63 days: inactive:o2 is planned.
    let mut short = wb.clone();
    short.cooldown = Some(Span::days(60));
    let p = run(&s, &[short], &default_policy(), &log, "2026-05-04T12:00:00Z", Span::hours(1));
    assert_eq!(p.messages.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(), ["inactive:o2"]);
}

#[test]
fn segment_entered_trigger() {
    // Rule `tags CONTAINS 'vip'`; entry is 00:00 UTC of the first planning day
    // the customer matches (2026-05-04T00:00Z). Step at once: due 00:00Z,
    // 10.5 h overdue at 10:30Z (within 24 h) -> sent at now with due_at.
    let f = flow(json!({"id": "vip_welcome", "trigger": {"type": "segment_entered", "rule": "tags CONTAINS 'vip'"},
        "steps": [{"id": "s", "delay": {"after": "0s"}, "channels": ["email"], "template": "t"}]}));
    let mut c1 = customer("s1", None, Some("s1@example.com"), None);
    c1["tags"] = json!(["vip"]);
    let c2 = customer("s2", None, Some("s2@example.com"), None);
    let s = store(json!({"customers": [c1, c2],
        "consents": [grant("s1", "email", "2026-01-01T00:00:00Z"), grant("s2", "email", "2026-01-01T00:00:00Z")]}));
    let p = run(&s, std::slice::from_ref(&f), &default_policy(), &[], "2026-05-04T10:30:00Z", Span::hours(1));
    assert_eq!(steps_planned(&p), [triple("s1", "vip_welcome", "s")]);
    let m = &p.messages[0];
    assert_eq!((m.subject.as_str(), ts(m.send_at).as_str()), ("segment:2026-05-04", "2026-05-04T10:30:00Z"));
    assert_eq!(m.due_at.map(ts).as_deref(), Some("2026-05-04T00:00:00Z"));
    // The next day, with the message in the log, the instance is still live
    // (entered yesterday): no new instance, nothing planned twice.
    let log = vec![sent(m)];
    let p = run(&s, &[f], &default_policy(), &log, "2026-05-05T10:30:00Z", Span::hours(1));
    assert!(p.messages.is_empty(), "{}", p.to_json());
}
