//! Property tests: serde round-trips of every model type, facts invariant to
//! input order, and net spend = Σ counted totals − refunds at or before as_of.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use crm_core::facts::{customer_facts, FactsOptions};
use crm_core::model::*;
use crm_core::money::Currency;
use proptest::prelude::*;

const T0: i64 = 1_704_067_200_000_000; // 2024-01-01T00:00:00Z in µs
const YEAR: i64 = 366 * 86_400_000_000;

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0..YEAR).prop_map(|d| DateTime::from_timestamp_micros(T0 + d).unwrap())
}

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec!["TRY", "EUR", "USD", "JPY", "KWD"]).prop_map(|c| Currency::new(c).unwrap())
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 çğıöşüÇĞİÖŞÜ@._-]{0,12}"
}

fn opt<T: std::fmt::Debug + Clone>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        any::<i64>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
    ]
}

fn customer() -> impl Strategy<Value = Customer> {
    (
        ("[a-z0-9]{1,6}", instant(), opt("[a-z]{1,5}@example\\.com"), opt("\\+90[0-9]{10}"), opt(text()), opt(text())),
        (
            opt((opt(1900i32..2020), 1u32..=12, 1u32..=28)),
            opt(prop::sample::select(vec![
                Gender::Female,
                Gender::Male,
                Gender::NonBinary,
                Gender::Other,
                Gender::Undisclosed,
            ])),
            opt((opt(text()), opt(text()), opt("[A-Z]{2}"))),
            opt(prop::sample::select(vec!["Europe/Istanbul", "America/New_York", "Asia/Tokyo", "UTC"])),
        ),
        (
            prop::collection::vec(text(), 0..3),
            prop::collection::btree_map("[a-z_]{1,8}", json_value(), 0..3),
            opt(prop::sample::select(vec![IncomeTier::Budget, IncomeTier::Mid, IncomeTier::Premium])),
            opt("[a-z]{1,4}"),
            opt("[a-z]{2}-[A-Z]{2}"),
        ),
    )
        .prop_map(
            |(
                (id, created_at, email, phone, first_name, last_name),
                (bd, gender, loc, tz),
                (tags, attributes, income_tier, store_id, locale),
            )| Customer {
                id,
                created_at,
                email,
                phone,
                first_name,
                last_name,
                birth_date: bd.map(|(year, month, day)| BirthDate { year, month, day }),
                gender,
                location: loc.map(|(city, region, country)| Location { city, region, country }),
                time_zone: tz.map(|t| t.parse().unwrap()),
                locale,
                tags,
                attributes,
                income_tier,
                store_id,
            },
        )
}

fn line() -> impl Strategy<Value = LineItem> {
    (
        opt("[A-Z]{2}-[0-9]{2}"),
        prop::collection::vec("[A-Z][a-z]{2,6}", 0..3),
        opt(text()),
        1i64..5,
        0i64..100_000,
        0i64..100,
    )
        .prop_map(|(sku, category, brand, quantity, unit_price, discount)| LineItem {
            product_id: sku.as_ref().map(|s| format!("p-{s}")),
            title: sku.clone(),
            sku,
            category,
            brand,
            quantity,
            unit_price,
            discount: discount.min(quantity * unit_price),
            currency: None,
        })
}

const STATUSES: [OrderStatus; 6] = OrderStatus::ALL;

/// A valid order of customer `c{0..customers}` (or a guest) with consistent totals and refunds.
fn order(customers: u32) -> impl Strategy<Value = Order> {
    (
        (0..customers + 1, instant(), currency(), prop::collection::vec(line(), 0..4), 0i64..2_000),
        (
            0i64..3_000,
            0i64..5_000,
            prop::sample::select(STATUSES.to_vec()),
            prop::collection::vec((1i64..=100, 0..YEAR / 4), 0..3),
        ),
    )
        .prop_map(move |((c, placed_at, currency, lines, discount), (shipping, tax, status, refund_parts))| {
            let subtotal: i64 = lines.iter().map(|l| l.net().unwrap()).sum();
            let discount = discount.min(subtotal);
            let total = subtotal - discount + shipping + tax;
            // Refunds are percentages of the total that sum to at most 100%.
            let mut left = 100i64;
            let mut refunds = Vec::new();
            if matches!(status, OrderStatus::Refunded | OrderStatus::PartiallyRefunded) || !refund_parts.is_empty() {
                for (pct, delay) in refund_parts {
                    let pct = pct.min(left);
                    left -= pct;
                    let amount = total * pct / 100;
                    if amount > 0 {
                        refunds.push(Refund {
                            amount,
                            at: placed_at + chrono::Duration::microseconds(delay),
                            currency: None,
                            reason: None,
                        });
                    }
                }
            }
            let status = match status {
                OrderStatus::PartiallyRefunded if refunds.is_empty() => OrderStatus::Paid,
                s => s,
            };
            let (customer_id, contact) = if c == customers {
                (None, Some(Contact { email: Some("Guest@Example.com".into()), phone: None }))
            } else {
                (Some(format!("c{c}")), None)
            };
            Order {
                id: String::new(),
                customer_id,
                contact,
                placed_at,
                currency,
                lines,
                subtotal,
                discount,
                shipping,
                tax,
                taxes_included: false,
                total,
                coupon_codes: if discount > 0 { vec!["SEPET15".into()] } else { vec![] },
                status,
                refunds,
                channel: None,
                attribution: None,
                store_id: None,
            }
        })
}

fn cart(customers: u32) -> impl Strategy<Value = Cart> {
    (0..customers, instant(), 0..YEAR / 12, opt(0..YEAR / 12), currency(), prop::collection::vec(line(), 0..3))
        .prop_map(|(c, created_at, idle, conv, currency, items)| {
            let updated_at = created_at + chrono::Duration::microseconds(idle);
            Cart {
                id: String::new(),
                customer_id: Some(format!("c{c}")),
                contact: None,
                currency,
                items,
                created_at,
                updated_at,
                converted_order_id: conv.map(|_| "ox".into()),
                converted_at: conv.map(|d| updated_at + chrono::Duration::microseconds(d)),
                store_id: None,
            }
        })
}

fn consent() -> impl Strategy<Value = ConsentEvent> {
    (
        opt("[a-z0-9]{1,6}"),
        "c[0-9]{1,2}",
        prop::sample::select(vec![Channel::Email, Channel::Sms, Channel::Call, Channel::Push]),
        prop::sample::select(vec![Purpose::Marketing, Purpose::Transactional]),
        prop::sample::select(vec![
            (ConsentStatus::Granted, None),
            (ConsentStatus::Withdrawn, None),
            (ConsentStatus::Confirmed, None),
            (ConsentStatus::Suppressed, Some(SuppressionReason::HardBounce)),
            (ConsentStatus::Suppressed, Some(SuppressionReason::SpamComplaint)),
            (ConsentStatus::Unsuppressed, None),
            (ConsentStatus::Erased, None),
        ]),
        instant(),
        (opt(text()), opt(text()), prop::sample::select(vec![RecipientType::Individual, RecipientType::Merchant])),
    )
        .prop_map(|(id, customer_id, channel, purpose, (status, reason), at, (source, proof, recipient_type))| {
            ConsentEvent { id, customer_id, channel, purpose, status, at, source, proof, recipient_type, reason }
        })
}

fn event(customers: u32) -> impl Strategy<Value = Event> {
    (
        0..customers,
        prop::sample::select(vec![
            EventKind::ProductViewed,
            EventKind::AddedToCart,
            EventKind::CheckoutStarted,
            EventKind::MessageOpened,
            EventKind::MessageClicked,
            EventKind::Custom,
        ]),
        instant(),
        prop::collection::btree_map("[a-z_]{1,8}", json_value(), 0..3),
    )
        .prop_map(|(c, kind, at, properties)| Event {
            id: None,
            customer_id: Some(format!("c{c}")),
            anonymous_id: None,
            kind,
            name: (kind == EventKind::Custom).then(|| "wishlist_added".to_string()),
            at,
            properties,
        })
}

/// A valid single-currency-per-customer store (currencies are fixed per customer by index).
fn store() -> impl Strategy<Value = Store> {
    (1u32..8).prop_flat_map(|n| {
        (
            prop::collection::vec(customer(), 0..4),
            prop::collection::vec(order(n), 0..25),
            prop::collection::vec(cart(n), 0..6),
            prop::collection::vec(event(n), 0..6),
        )
            .prop_map(|(mut customers, mut orders, mut carts, events)| {
                for (i, c) in customers.iter_mut().enumerate() {
                    c.id = format!("c{i}");
                }
                let cur = ["TRY", "EUR", "JPY", "USD", "KWD", "TRY", "EUR", "USD", "JPY"];
                for (i, o) in orders.iter_mut().enumerate() {
                    o.id = format!("o{i}");
                    let k = o.customer_id.as_deref().map_or(8, |c| c[1..].parse::<usize>().unwrap());
                    o.currency = Currency::new(cur[k]).unwrap();
                }
                for (i, k) in carts.iter_mut().enumerate() {
                    k.id = format!("k{i}");
                }
                Store { customers, orders, carts, consents: vec![], events }
            })
    })
}

fn shuffled<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
    // A deterministic Fisher–Yates with a small LCG, enough to reorder records.
    let mut out = v.to_vec();
    let mut s = seed | 1;
    for i in (1..out.len()).rev() {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let j = (s >> 33) as usize % (i + 1);
        out.swap(i, j);
    }
    out
}

fn round_trip<T>(v: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn customers_round_trip(c in customer()) {
        prop_assert_eq!(round_trip(&c), c);
    }

    #[test]
    fn orders_round_trip(o in order(5)) {
        prop_assert_eq!(round_trip(&o), o);
    }

    #[test]
    fn carts_round_trip(k in cart(5)) {
        prop_assert_eq!(round_trip(&k), k);
    }

    #[test]
    fn consents_round_trip(e in consent()) {
        prop_assert_eq!(round_trip(&e), e);
    }

    #[test]
    fn events_round_trip(e in event(5)) {
        prop_assert_eq!(round_trip(&e), e);
    }

    #[test]
    fn stores_round_trip_and_validate(s in store()) {
        prop_assert!(s.validate().is_ok(), "{:?}", s.validate());
        let back = Store::from_json(&s.to_json()).unwrap();
        prop_assert_eq!(back, s);
    }

    #[test]
    fn facts_are_invariant_to_input_order(s in store(), seed in any::<u64>(), at in 0..YEAR) {
        let as_of = DateTime::from_timestamp_micros(T0 + at).unwrap();
        let opts = FactsOptions::default();
        let a = customer_facts(&s, as_of, &opts).unwrap();
        let t = Store {
            customers: shuffled(&s.customers, seed),
            orders: shuffled(&s.orders, seed ^ 1),
            carts: shuffled(&s.carts, seed ^ 2),
            consents: vec![],
            events: shuffled(&s.events, seed ^ 3),
        };
        let b = customer_facts(&t, as_of, &opts).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn net_spend_is_counted_totals_minus_refunds(s in store(), at in 0..YEAR) {
        let as_of = DateTime::from_timestamp_micros(T0 + at).unwrap();
        let f = customer_facts(&s, as_of, &FactsOptions::default()).unwrap();
        // Oracle written from the definition in docs/facts.md.
        let mut expected: BTreeMap<String, (i64, u32)> = BTreeMap::new();
        for o in &s.orders {
            if o.placed_at > as_of {
                continue;
            }
            let key = o.customer_id.clone().unwrap_or_else(|| "guest:guest@example.com".into());
            let refunded: i64 = o.refunds.iter().filter(|r| r.at <= as_of).map(|r| r.amount).sum();
            let paid_like = matches!(o.status, OrderStatus::Paid | OrderStatus::Fulfilled | OrderStatus::PartiallyRefunded)
                || (o.status == OrderStatus::Refunded && !o.refunds.is_empty());
            let full = if o.status == OrderStatus::Refunded && o.refunds.is_empty() { true } else { refunded >= o.total && o.total > 0 };
            let e = expected.entry(key).or_default();
            if paid_like && !full {
                e.0 += o.total - refunded;
                e.1 += 1;
            }
        }
        for (i, id) in f.customer_id.iter().enumerate() {
            let (spend, count) = expected.get(id).copied().unwrap_or_default();
            prop_assert_eq!(f.net_spend[i], spend, "customer {}", id);
            prop_assert_eq!(f.order_count[i], count, "customer {}", id);
        }
    }
}
