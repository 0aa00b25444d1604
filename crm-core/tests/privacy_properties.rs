//! Property tests of export and erasure over generated sample stores: after
//! `erase`, no string of the person's personal data appears anywhere in the
//! serialised store, every other record is byte-identical and in order, money
//! is conserved and the pseudonyms depend on the salt only; an export holds
//! exactly the person's records and their row of the shop's facts.

use std::collections::BTreeMap;

use crm_core::datasets::{sample_store, SampleOptions};
use crm_core::facts::{customer_facts, FactsOptions};
use crm_core::model::{BirthDate, Cart, Channel, ConsentStatus, Contact, Event, EventKind, Location, Order, Store};
use crm_core::privacy::{erase, export, pseudonym};
use crm_core::time::{parse_instant, Instant};
use proptest::prelude::*;

const ID: &str = "subjq9x7";
const EMAIL: &str = "Subject.QMarker@Example.ORG";
const EMAIL_NORM: &str = "subject.qmarker@example.org";
const PHONE: &str = "+1 (999) 000-7777";
const PHONE_DIGITS: &str = "19990007777";

/// Every piece of the subject's personal data, lower-cased.
const MARKERS: &[&str] = &[
    ID,
    EMAIL_NORM,
    PHONE,
    PHONE_DIGITS,
    "qfirstmark",
    "qlastmark",
    "1901-07-13",
    "qcitymark",
    "qregionmark",
    "qattrnote",
    "qnickmark",
    "918273645546",
    "qtagmark",
    "qrefundmark",
    "qvisitormark",
    "qanon2mark",
];

fn at() -> Instant {
    parse_instant("2025-06-01T00:00:00Z").unwrap()
}

fn sample(seed: u64, customers: usize) -> Store {
    sample_store(&SampleOptions { customers, seed, days: 365, ..Default::default() }).unwrap().to_store()
}

/// A sample store in which customer `pick` becomes the subject: their id and
/// personal fields replaced by unmistakable markers, plus a guest order, a
/// guest cart and anonymous events that are theirs by contact or visitor id.
fn planted(seed: u64, customers: usize, pick: usize) -> Store {
    let mut s = sample(seed, customers);
    let i = pick % s.customers.len();
    let old = s.customers[i].id.clone();
    let rename = |c: &mut Option<String>| {
        if c.as_deref() == Some(old.as_str()) {
            *c = Some(ID.to_string());
        }
    };
    s.orders.iter_mut().for_each(|o| rename(&mut o.customer_id));
    s.carts.iter_mut().for_each(|k| rename(&mut k.customer_id));
    s.events.iter_mut().for_each(|e| rename(&mut e.customer_id));
    s.consents.iter_mut().filter(|g| g.customer_id == old).for_each(|g| g.customer_id = ID.to_string());

    let c = &mut s.customers[i];
    c.id = ID.into();
    c.email = Some(EMAIL.into());
    c.phone = Some(PHONE.into());
    c.first_name = Some("QFirstMark".into());
    c.last_name = Some("QLastMark".into());
    c.birth_date = Some(BirthDate { year: Some(1901), month: 7, day: 13 });
    c.location = Some(Location { city: Some("QCityMark".into()), region: Some("QRegionMark".into()), country: None });
    c.tags = vec!["QTagMark".into()];
    c.attributes = BTreeMap::from([
        ("note".into(), "QAttrNote: free text about them".into()),
        ("nickname".into(), serde_json::json!(["QNickMark"])),
        ("number".into(), 918_273_645_546i64.into()),
    ]);

    for o in s.orders.iter_mut().filter(|o| o.customer_id.as_deref() == Some(ID)) {
        o.contact = Some(Contact { email: Some(EMAIL_NORM.into()), phone: None });
        o.refunds.iter_mut().for_each(|r| r.reason = Some("QRefundMark".into()));
    }
    // A guest order with their phone (digits only), a copy of the first order.
    if let Some(o) = s.orders.first() {
        let mut guest: Order = o.clone();
        guest.id = "oQguest".into();
        guest.customer_id = None;
        guest.contact = Some(Contact { email: None, phone: Some(PHONE_DIGITS.into()) });
        s.orders.insert(s.orders.len() / 2, guest);
    }
    // A guest cart with their e-mail in another case.
    if let Some(k) = s.carts.first() {
        let mut k: Cart = k.clone();
        k.id = "kQguest".into();
        k.customer_id = None;
        k.converted_order_id = None;
        k.converted_at = None;
        k.contact = Some(Contact { email: Some(format!("  {}", EMAIL.to_uppercase())), phone: None });
        s.carts.insert(s.carts.len() / 2, k);
    }
    // Their visitor id on one of their events and on an anonymous one; their e-mail in an anonymous form.
    let base = Event {
        id: None,
        customer_id: Some(ID.into()),
        anonymous_id: Some("QVisitorMark".into()),
        kind: EventKind::ProductViewed,
        name: None,
        at: at(),
        properties: BTreeMap::new(),
    };
    let anon = Event { customer_id: None, ..base.clone() };
    let form = Event {
        customer_id: None,
        anonymous_id: Some("QAnon2Mark".into()),
        kind: EventKind::Custom,
        name: Some("signup".into()),
        properties: BTreeMap::from([("form".into(), serde_json::json!({"email": EMAIL}))]),
        ..base.clone()
    };
    s.events.insert(0, form);
    s.events.push(base);
    s.events.insert(s.events.len() / 2, anon);
    assert!(s.validate().is_ok());
    s
}

fn is_subjects_order(o: &Order) -> bool {
    o.customer_id.as_deref() == Some(ID) || o.id == "oQguest"
}

fn is_subjects_event(e: &Event) -> bool {
    e.customer_id.as_deref() == Some(ID)
        || matches!(e.anonymous_id.as_deref(), Some("QVisitorMark") | Some("QAnon2Mark"))
}

fn json<T: serde::Serialize>(items: impl IntoIterator<Item = T>) -> String {
    serde_json::to_string(&items.into_iter().collect::<Vec<_>>()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn erase_removes_the_person_and_nothing_else(
        seed in any::<u64>(),
        customers in 3usize..25,
        pick in any::<usize>(),
        salt in proptest::collection::vec(any::<u8>(), 16..40),
    ) {
        let s = planted(seed, customers, pick);
        let e = erase(&s, ID, &salt, at()).unwrap();
        let anon = pseudonym(&salt, ID).unwrap();

        // No marker anywhere.
        let text = e.to_json().to_lowercase();
        for m in MARKERS {
            prop_assert!(!text.contains(&m.to_lowercase()), "`{}` survived the erasure", m);
        }
        prop_assert!(e.validate().is_ok());

        // Everyone else's records: byte-identical, same order.
        prop_assert_eq!(json(s.customers.iter().filter(|c| c.id != ID)), json(&e.customers));
        prop_assert_eq!(
            json(s.orders.iter().filter(|o| !is_subjects_order(o))),
            json(e.orders.iter().filter(|o| o.customer_id.as_deref() != Some(&anon)))
        );
        prop_assert_eq!(json(s.carts.iter().filter(|k| k.customer_id.as_deref() != Some(ID) && k.id != "kQguest")), json(&e.carts));
        prop_assert_eq!(json(s.events.iter().filter(|x| !is_subjects_event(x))), json(&e.events));
        prop_assert_eq!(
            json(s.consents.iter().filter(|g| g.customer_id != ID)),
            json(e.consents.iter().filter(|g| g.customer_id != anon))
        );

        // Their orders: in place, only customer id, contact and refund reasons changed.
        prop_assert_eq!(s.orders.len(), e.orders.len());
        for (before, after) in s.orders.iter().zip(&e.orders) {
            let mut expected = before.clone();
            if is_subjects_order(before) {
                expected.customer_id = Some(anon.clone());
                expected.contact = None;
                expected.refunds.iter_mut().for_each(|r| r.reason = None);
            }
            prop_assert_eq!(&expected, after);
        }
        // Money is conserved.
        let money = |st: &Store| {
            st.orders.iter().fold((0i64, 0i64), |(t, r), o| (t + o.total, r + o.refunds.iter().map(|x| x.amount).sum::<i64>()))
        };
        prop_assert_eq!(money(&s), money(&e));

        // The tombstones: one per channel, with their contacts' pseudonyms.
        let tomb: Vec<_> = e.consents.iter().filter(|g| g.customer_id == anon).collect();
        prop_assert_eq!(tomb.iter().map(|g| g.channel).collect::<Vec<_>>(), [Channel::Email, Channel::Sms, Channel::Call, Channel::Push]);
        let proof = format!("email:{};phone:{}", pseudonym(&salt, EMAIL_NORM).unwrap(), pseudonym(&salt, PHONE_DIGITS).unwrap());
        for g in tomb {
            prop_assert_eq!(g.status, ConsentStatus::Erased);
            prop_assert_eq!(g.proof.as_deref(), Some(proof.as_str()));
        }
    }

    #[test]
    fn pseudonyms_depend_on_the_salt_only(
        seed in any::<u64>(),
        pick in any::<usize>(),
        salt in proptest::collection::vec(any::<u8>(), 16..40),
        other in proptest::collection::vec(any::<u8>(), 16..40),
    ) {
        prop_assume!(salt != other);
        let s = planted(seed, 6, pick);
        let once = erase(&s, ID, &salt, at()).unwrap();
        prop_assert_eq!(&erase(&s, ID, &salt, at()).unwrap(), &once);
        prop_assert_eq!(&erase(&once, ID, &salt, at()).unwrap(), &once);
        let (p, q) = (pseudonym(&salt, ID).unwrap(), pseudonym(&other, ID).unwrap());
        prop_assert_ne!(&p, &q);
        prop_assert!(p.starts_with("anon_") && p.len() == 37);
        prop_assert!(p[5..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let with_other = erase(&s, ID, &other, at()).unwrap();
        prop_assert!(with_other.orders.iter().filter_map(|o| o.customer_id.as_deref()).all(|c| c != p));
    }

    #[test]
    fn export_holds_exactly_their_records(
        seed in any::<u64>(),
        customers in 2usize..20,
        pick in any::<usize>(),
    ) {
        let s = sample(seed, customers);
        let id = s.customers[pick % s.customers.len()].id.clone();
        let as_of = parse_instant("2024-06-01T00:00:00Z").unwrap();
        let doc = export(&s, &id, as_of).unwrap();
        let mine = |c: Option<&str>| c == Some(id.as_str());
        let sorted = |mut v: Vec<String>| { v.sort(); v };
        prop_assert_eq!(
            sorted(doc.orders.iter().map(|o| o.id.clone()).collect()),
            sorted(s.orders.iter().filter(|o| mine(o.customer_id.as_deref())).map(|o| o.id.clone()).collect())
        );
        prop_assert!(doc.orders.windows(2).all(|w| w[0].placed_at <= w[1].placed_at));
        prop_assert_eq!(
            sorted(doc.carts.iter().map(|k| k.id.clone()).collect()),
            sorted(s.carts.iter().filter(|k| mine(k.customer_id.as_deref())).map(|k| k.id.clone()).collect())
        );
        prop_assert_eq!(doc.events.len(), s.events.iter().filter(|e| mine(e.customer_id.as_deref())).count());
        prop_assert!(doc.events.iter().all(|e| mine(e.customer_id.as_deref())));
        prop_assert_eq!(doc.consent.len(), s.consents.iter().filter(|g| g.customer_id == id).count());
        prop_assert!(doc.consent.windows(2).all(|w| w[0].at <= w[1].at));

        // Their facts row is the one of the whole store's facts.
        let all = customer_facts(&s, as_of, &FactsOptions::default()).unwrap();
        let row = all.customer_id.iter().position(|c| c == id).unwrap();
        prop_assert_eq!(doc.facts.map(serde_json::Value::Object), Some(all.row_json(row)));
        prop_assert_eq!(export(&s, &id, as_of).unwrap().to_json(), export(&s, &id, as_of).unwrap().to_json());
    }
}
