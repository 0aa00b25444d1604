//! Property tests of the consent ledger: answers at an instant depend only on
//! events at or before it, never on arrival order; the bulk table agrees with
//! single decisions; İYS export and import round-trip.

use crm_core::consent::{export_iys, import_iys, ConsentPolicy, Decision, DoubleOptIn, Evidence, Ledger};
use crm_core::model::{
    Channel, ConsentEvent, ConsentStatus, Customer, Location, Purpose, RecipientType, Store, SuppressionReason,
};
use crm_core::time::{from_micros, Instant};
use proptest::prelude::*;

const BASE: i64 = 1_709_251_200_000_000; // 2024-03-01T00:00:00Z
const HOUR: i64 = 3_600_000_000;
const CUSTOMERS: [&str; 4] = ["c0", "c1", "c2", "c3"];
const CHANNELS: [Channel; 4] = [Channel::Email, Channel::Sms, Channel::Call, Channel::Push];
const STATUSES: [ConsentStatus; 6] = [
    ConsentStatus::Granted,
    ConsentStatus::Withdrawn,
    ConsentStatus::Confirmed,
    ConsentStatus::Suppressed,
    ConsentStatus::Unsuppressed,
    ConsentStatus::Erased,
];

fn instant(hours: i64) -> Instant {
    from_micros(BASE + hours * HOUR).unwrap_or_default()
}

/// Events over a few customers and a coarse clock, so that equal timestamps
/// and every status meet often. Erasure is rare, or it would hide the rest.
fn event() -> impl Strategy<Value = ConsentEvent> {
    (
        0usize..5, // c4 has no customer record
        0usize..4,
        any::<bool>(),
        prop_oneof![8 => 0usize..5, 1 => Just(5usize)],
        0i64..120,
        any::<bool>(),
        proptest::option::of(0u8..3),
        proptest::option::of(0u8..2),
    )
        .prop_map(|(c, ch, tx, st, h, merchant, source, id)| {
            let status = STATUSES[st];
            ConsentEvent {
                id: id.map(|i| format!("e{i}")),
                customer_id: format!("c{c}"),
                channel: CHANNELS[ch],
                purpose: if tx && status != ConsentStatus::Granted {
                    Purpose::Transactional
                } else {
                    Purpose::Marketing
                },
                status,
                at: instant(h),
                source: source.map(|s| ["HS_WEB", "web_form", "HS_MOBIL"][s as usize].to_string()),
                proof: None,
                recipient_type: if merchant { RecipientType::Merchant } else { RecipientType::Individual },
                reason: (status == ConsentStatus::Suppressed).then_some(SuppressionReason::HardBounce),
            }
        })
}

fn policy() -> impl Strategy<Value = ConsentPolicy> {
    (0u8..3, 1u32..48, any::<bool>()).prop_map(|(d, hours, merchant_exempt)| ConsentPolicy {
        double_opt_in: match d {
            0 => DoubleOptIn::default(),
            1 => DoubleOptIn { countries: vec!["DE".into()], ..DoubleOptIn::default() },
            _ => DoubleOptIn { all: true, ..DoubleOptIn::default() },
        },
        confirm_within_hours: hours,
        merchant_exempt,
    })
}

fn customers() -> Vec<Customer> {
    CUSTOMERS
        .iter()
        .enumerate()
        .map(|(i, id)| Customer {
            id: id.to_string(),
            created_at: instant(0),
            email: Some(format!("{id}@example.com")),
            phone: Some(format!("0532 000 00 0{i}")),
            first_name: None,
            last_name: None,
            birth_date: None,
            gender: None,
            location: Some(Location {
                country: Some(if i % 2 == 0 { "DE" } else { "TR" }.into()),
                ..Location::default()
            }),
            time_zone: None,
            locale: None,
            tags: vec![],
            attributes: Default::default(),
            income_tier: None,
            store_id: None,
        })
        .collect()
}

fn store(consents: Vec<ConsentEvent>) -> Store {
    Store { customers: customers(), consents, ..Store::default() }
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

/// Every question worth asking at `at`.
fn all_decisions(ledger: &Ledger, at: Instant) -> Vec<Decision> {
    let mut out = Vec::new();
    for id in ["c0", "c1", "c2", "c3", "c4", "c9"] {
        for ch in CHANNELS {
            for purpose in [Purpose::Marketing, Purpose::Transactional] {
                out.push(ledger.decide(id, ch, purpose, at));
            }
        }
    }
    out
}

/// A decision with evidence compared by content, not by position in the store.
fn by_content(d: &Decision) -> (bool, String, Vec<Evidence>) {
    let evidence = d.evidence.iter().map(|e| Evidence { event_index: 0, ..e.clone() }).collect();
    (d.allowed, d.state.as_str().to_string(), evidence)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn later_events_never_change_an_answer(
        events in proptest::collection::vec(event(), 0..40),
        later in proptest::collection::vec(event(), 1..10),
        cut in 0i64..120,
        policy in policy(),
    ) {
        let at = instant(cut);
        let before = store(events.clone());
        // The later events arrive last and out of order, strictly after the instant.
        let mut more = events;
        more.extend(later.into_iter().map(|mut e| {
            e.at = instant(cut + 1 + (e.at.timestamp() / 3600) % 50);
            e
        }));
        let after = store(more);
        let (a, b) = (Ledger::new(&before, &policy).expect("ledger"), Ledger::new(&after, &policy).expect("ledger"));
        prop_assert_eq!(all_decisions(&a, at), all_decisions(&b, at));
        // The bulk table too; a customer first named by a later event has no consent yet.
        let (ta, tb) = (a.states_at(at, Purpose::Marketing), b.states_at(at, Purpose::Marketing));
        for (row, id) in tb.customer_id.iter().enumerate() {
            for ch in CHANNELS {
                let earlier = ta.get(id, ch).unwrap_or(crm_core::consent::ConsentState::NoConsent);
                prop_assert_eq!(tb.column(ch)[row], earlier);
            }
        }
    }

    #[test]
    fn arrival_order_never_changes_an_answer(
        events in proptest::collection::vec(event(), 0..40),
        seed in any::<u64>(),
        cut in 0i64..130,
        policy in policy(),
    ) {
        let at = instant(cut);
        let (s1, s2) = (store(events.clone()), store(shuffled(&events, seed)));
        let (a, b) = (Ledger::new(&s1, &policy).expect("ledger"), Ledger::new(&s2, &policy).expect("ledger"));
        let (da, db) = (all_decisions(&a, at), all_decisions(&b, at));
        for (x, y) in da.iter().zip(&db) {
            prop_assert_eq!(by_content(x), by_content(y));
            // Evidence points at the event it describes.
            for e in &y.evidence {
                let ev = &s2.consents[e.event_index];
                prop_assert_eq!((ev.at, ev.status, &ev.source, &ev.id), (e.at, e.status, &e.source, &e.id));
            }
        }
    }

    #[test]
    fn bulk_states_equal_single_decisions(
        events in proptest::collection::vec(event(), 0..60),
        cut in 0i64..130,
        policy in policy(),
    ) {
        let s = store(events);
        let ledger = Ledger::new(&s, &policy).expect("ledger");
        let at = instant(cut);
        for purpose in [Purpose::Marketing, Purpose::Transactional] {
            let table = ledger.states_at(at, purpose);
            prop_assert_eq!(&table.customer_id, &ledger.customer_ids().to_vec());
            for (row, id) in table.customer_id.iter().enumerate() {
                for ch in CHANNELS {
                    prop_assert_eq!(table.column(ch)[row], ledger.decide(id, ch, purpose, at).state);
                }
            }
        }
    }

    #[test]
    fn iys_export_then_import_round_trips(
        events in proptest::collection::vec(event(), 0..40),
        cut in 0i64..130,
    ) {
        let policy = ConsentPolicy::default();
        let s = store(events);
        let at = instant(cut);
        let records = export_iys(&s, &policy, at).expect("export");
        let text = serde_json::to_string(&records).expect("json");
        let imported = Store { consents: import_iys(&text, &s).expect("import"), ..s.clone() };
        prop_assert_eq!(export_iys(&imported, &policy, at).expect("export"), records);
        let (a, b) = (Ledger::new(&s, &policy).expect("ledger"), Ledger::new(&imported, &policy).expect("ledger"));
        for id in CUSTOMERS {
            for ch in [Channel::Email, Channel::Sms, Channel::Call] {
                let x = a.decide(id, ch, Purpose::Marketing, at).state;
                let y = b.decide(id, ch, Purpose::Marketing, at).state;
                use crm_core::consent::ConsentState::*;
                // İYS carries consent only: suppression and erasure stay behind.
                let consent_only = !matches!(x, Suppressed | Erased);
                if consent_only {
                    prop_assert_eq!(x, y, "{} {:?}", id, ch);
                }
            }
        }
    }

    #[test]
    fn import_never_panics(text in "\\PC{0,200}") {
        let _ = import_iys(&text, &store(vec![]));
    }
}
