//! The sample-store generator: options, determinism, validity, the shape of
//! the data (shares the docs promise), and agreement of the columnar facts
//! input with the record path.

use std::collections::HashMap;

use crm_core::datasets::{customer_id, order_id, sample_store, SampleOptions, SampleStore, CATEGORY_NAMES, GUEST};
use crm_core::facts::{compute_facts, customer_facts, FactsOptions};
use crm_core::model::{ConsentStatus, EventKind, OrderStatus, Store};
use crm_core::time::from_micros;
use proptest::prelude::*;

fn gen(customers: usize, seed: u64) -> SampleStore {
    match sample_store(&SampleOptions { customers, seed, ..Default::default() }) {
        Ok(s) => s,
        Err(e) => panic!("generation failed: {e}"),
    }
}

fn share(count: usize, of: usize) -> f64 {
    count as f64 / of as f64
}

#[test]
fn options_out_of_range_name_the_option() {
    let cases = [
        (SampleOptions { customers: 0, ..Default::default() }, "customers"),
        (SampleOptions { customers: 2_000_001, ..Default::default() }, "customers"),
        (SampleOptions { days: 0, ..Default::default() }, "days"),
        (SampleOptions { days: 3651, ..Default::default() }, "days"),
        (SampleOptions { start_micros: -1, ..Default::default() }, "start"),
    ];
    for (opt, field) in cases {
        let err = sample_store(&opt).expect_err("must be refused");
        assert_eq!(err.code(), "invalid_option");
        assert!(err.to_string().starts_with(&format!("sample option `{field}`")), "{err}");
    }
    assert!(sample_store(&SampleOptions { customers: 1, days: 1, ..Default::default() }).is_ok());
}

#[test]
fn same_seed_same_data_other_seed_other_data() {
    let a = gen(300, 9);
    assert_eq!(a, gen(300, 9));
    assert_eq!(a.to_store().to_json(), gen(300, 9).to_store().to_json());
    let b = gen(300, 10);
    assert_ne!(a.orders.placed_at, b.orders.placed_at);
    // A bigger store starts with the same customers (one stream per part).
    assert_eq!(gen(301, 9).customers.created_at[..300], a.customers.created_at[..]);
}

#[test]
fn generated_stores_validate_clean() {
    for (n, seed) in [(1, 0), (7, 1), (500, 2), (2000, 3)] {
        let store = gen(n, seed).to_store();
        if let Err(e) = store.validate() {
            panic!("{n} customers, seed {seed}: {e}");
        }
        // And survive a JSON round trip through the validating loader.
        let back = Store::from_json(&store.to_json()).expect("reloads");
        assert_eq!(back, store);
    }
}

#[test]
fn shape_matches_the_documented_shares() {
    let n = 20_000;
    let s = gen(n, 42);
    let o = &s.orders;
    let per_customer = share(o.len(), n);
    assert!((8.0..12.0).contains(&per_customer), "orders per customer {per_customer}");
    for (status, lo, hi) in [
        (OrderStatus::Cancelled, 0.02, 0.04),
        (OrderStatus::Refunded, 0.02, 0.04),
        (OrderStatus::PartiallyRefunded, 0.02, 0.04),
    ] {
        let x = share(o.status.iter().filter(|&&st| st == status).count(), o.len());
        assert!((lo..hi).contains(&x), "{status:?} share {x}");
    }
    let guests = share(o.customer.iter().filter(|&&c| c == GUEST).count(), o.len());
    assert!((0.03..0.07).contains(&guests), "guest share {guests}");
    let k = &s.carts;
    let abandoned = share(k.converted_order.iter().filter(|c| c.is_none()).count(), k.len());
    assert!((0.6..0.8).contains(&abandoned), "abandoned share {abandoned}");
    let discounted = share(o.discount.iter().filter(|&&d| d > 0).count(), o.len());
    assert!((0.15..0.4).contains(&discounted), "discounted share {discounted}");

    // Skew: many customers buy once or never, a few buy a lot.
    let mut per = vec![0usize; n];
    for &c in o.customer.iter().filter(|&&c| c != GUEST) {
        per[c as usize] += 1;
    }
    let never = share(per.iter().filter(|&&x| x == 0).count(), n);
    assert!((0.09..0.16).contains(&never), "prospects {never}");
    assert!(per.iter().filter(|&&x| x == 1).count() > n / 20);
    assert!(per.iter().any(|&x| x >= 50));

    // Every country, with its own currency and a matching zone.
    let currency = HashMap::from([("TR", "TRY"), ("DE", "EUR"), ("US", "USD"), ("GB", "GBP"), ("JP", "JPY")]);
    let c = &s.customers;
    for (i, country) in c.country.iter().enumerate() {
        assert_eq!(c.currency[i].code(), currency[country]);
        let zone_ok = match *country {
            "TR" => c.time_zone[i] == "Europe/Istanbul",
            "DE" => c.time_zone[i] == "Europe/Berlin",
            "GB" => c.time_zone[i] == "Europe/London",
            "JP" => c.time_zone[i] == "Asia/Tokyo",
            _ => c.time_zone[i].starts_with("America/"),
        };
        assert!(zone_ok, "{country} {}", c.time_zone[i]);
    }
    for country in currency.keys() {
        assert!(c.country.contains(country), "{country} missing");
    }
    // Orders are in the customer's currency.
    for (i, &cu) in o.customer.iter().enumerate() {
        if cu != GUEST {
            assert_eq!(o.currency[i], c.currency[cu as usize]);
        }
    }
    // Birthdays: some without a year, some on 29 February.
    assert!(c.birth_date.iter().flatten().any(|b| b.year.is_none()));
    assert!(c.birth_date.iter().flatten().any(|b| (b.month, b.day) == (2, 29) && b.year.is_some()));
    assert!(c.birth_date.iter().any(Option::is_none));
    // All eight categories sell.
    for name in CATEGORY_NAMES {
        assert!(s.order_lines.product.iter().any(|&p| s.catalog.category[p as usize] == name), "{name}");
    }
}

#[test]
fn rows_are_consistent_with_each_other() {
    let s = gen(3000, 5);
    let o = &s.orders;
    let end = SampleOptions::default().end_micros();
    // Lines add up to the subtotal; totals follow the model's rule.
    let mut sums = vec![0i64; o.len()];
    let mut line_disc = vec![0i64; o.len()];
    for i in 0..s.order_lines.len() {
        sums[s.order_lines.order[i] as usize] += s.order_lines.net(i);
        line_disc[s.order_lines.order[i] as usize] += s.order_lines.discount[i];
    }
    for i in 0..o.len() {
        assert_eq!(sums[i], o.subtotal[i], "order {i}");
        assert_eq!(o.discount[i], o.order_discount[i] + line_disc[i]);
        let tax = if o.taxes_included[i] { 0 } else { o.tax[i] };
        assert_eq!(o.total[i], o.subtotal[i] - o.order_discount[i] + o.shipping[i] + tax);
        assert!(o.placed_at[i] >= SampleOptions::default().start_micros && o.placed_at[i] < end);
        match o.refunded_at[i] {
            Some(at) => {
                assert!(at > o.placed_at[i] && at < end);
                assert!(o.refunded[i] > 0 && o.refunded[i] <= o.total[i]);
            }
            None => assert_eq!(o.refunded[i], 0),
        }
        if o.status[i] == OrderStatus::Refunded {
            assert_eq!(o.refunded[i], o.total[i]);
        }
        if o.status[i] == OrderStatus::PartiallyRefunded {
            assert!(o.refunded[i] > 0 && o.refunded[i] < o.total[i]);
        }
        assert_eq!(o.customer[i] == GUEST, o.email[i].is_some());
        if o.customer[i] != GUEST {
            assert!(o.placed_at[i] >= s.customers.created_at[o.customer[i] as usize]);
        }
    }
    // A converted cart names an order of the same owner placed at or after its last update.
    let k = &s.carts;
    for i in 0..k.len() {
        assert!(k.updated_at[i] >= k.created_at[i]);
        if let Some(r) = k.converted_order[i] {
            let r = r as usize;
            assert_eq!(k.customer[i], o.customer[r]);
            assert_eq!(k.email[i], o.email[r]);
            assert!(o.placed_at[r] >= k.updated_at[i]);
            assert_eq!(k.converted_at[i], Some(o.placed_at[r]));
        }
    }
    assert_eq!(order_id(0), "o00000001");
    assert_eq!(customer_id(41), "c0000042");
}

#[test]
fn columnar_facts_equal_the_record_path() {
    let s = gen(1500, 77);
    let store = s.to_store();
    let opts = FactsOptions::default();
    let start = SampleOptions::default().start_micros;
    // Before the data, in the middle (refunds still ahead for some orders), and after the end.
    let end = SampleOptions::default().end_micros();
    for as_of in [start - 1, start + 400 * 86_400_000_000, end - 1, end + 1] {
        let t = from_micros(as_of).expect("in range");
        let columnar = compute_facts(&s.to_facts_input(as_of), as_of, &opts).expect("columnar facts");
        let records = customer_facts(&store, t, &opts).expect("record facts");
        assert_eq!(columnar, records, "as of {as_of}");
    }
}

#[test]
fn customers_have_favourite_categories() {
    // 60 % of a customer's lines come from one favourite category, the rest
    // from the overall mix: among customers with 10 lines or more, the
    // top category's share averages well above an eighth (about 0.65 expected).
    let s = gen(5000, 11);
    let mut counts = vec![[0u32; 8]; s.customers.len()];
    for i in 0..s.order_lines.len() {
        let c = s.orders.customer[s.order_lines.order[i] as usize];
        if c != GUEST {
            let cat = s.catalog.category[s.order_lines.product[i] as usize];
            let k = CATEGORY_NAMES.iter().position(|&n| n == cat).expect("a known category");
            counts[c as usize][k] += 1;
        }
    }
    let shares: Vec<f64> = counts
        .iter()
        .filter(|c| c.iter().sum::<u32>() >= 10)
        .map(|c| f64::from(*c.iter().max().unwrap_or(&0)) / f64::from(c.iter().sum::<u32>()))
        .collect();
    assert!(shares.len() > 500, "{} customers with 10+ lines", shares.len());
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    assert!((0.5..0.8).contains(&mean), "mean top-category share {mean}");
}

#[test]
fn prices_suit_their_currency() {
    let s = gen(3000, 12);
    let l = &s.order_lines;
    let mut seen = HashMap::new();
    for i in 0..l.len() {
        let cur = s.orders.currency[l.order[i] as usize];
        let p = l.unit_price[i];
        *seen.entry(cur.code().to_string()).or_insert(0) += 1;
        match cur.code() {
            // Yen have no minor unit: whole tens of yen, from 10 yen up to about two million.
            "JPY" => assert!(p % 10 == 0 && (10..=2_500_000).contains(&p), "JPY {p}"),
            // Cent currencies: shop prices end in 99 cents (or are under one unit).
            _ => assert!(p % 100 == 99 || p < 100, "{} {p}", cur.code()),
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    // A Turkish price list is about 35 times the euro one: the median lira
    // price is far above the median euro price.
    let median = |code: &str| {
        let mut v: Vec<i64> = (0..l.len())
            .filter(|&i| s.orders.currency[l.order[i] as usize].code() == code)
            .map(|i| l.unit_price[i])
            .collect();
        v.sort_unstable();
        v[v.len() / 2]
    };
    assert!(median("TRY") > 10 * median("EUR"));
}

#[test]
fn consents_and_events_follow_sign_up() {
    let s = gen(3000, 13);
    let g = &s.consents;
    let end = SampleOptions::default().end_micros();
    let mut granted = std::collections::HashSet::new();
    for i in 0..g.len() {
        let c = g.customer[i] as usize;
        assert!(g.at[i] >= s.customers.created_at[c] && g.at[i] < end, "consent {i}");
        match g.status[i] {
            ConsentStatus::Granted => {
                granted.insert((c, g.channel[i]));
            }
            // A withdrawal follows a grant on the same channel.
            ConsentStatus::Withdrawn => assert!(granted.contains(&(c, g.channel[i])), "consent {i}"),
            // The generator writes only grants and withdrawals.
            other => panic!("consent {i}: unexpected status {other:?}"),
        }
    }
    assert!(g.status.contains(&ConsentStatus::Withdrawn));
    let e = &s.events;
    // Events lie in the period, and never before their customer signed up.
    let start = SampleOptions::default().start_micros;
    for i in 0..e.len() {
        assert!(e.at[i] >= start && e.at[i] < end, "event {i}");
        assert!(e.at[i] >= s.customers.created_at[e.customer[i] as usize], "event {i} before sign-up");
    }
    // So do carts: created after sign-up (guests: after the start), updated by the end.
    let k = &s.carts;
    for i in 0..k.len() {
        let earliest = if k.customer[i] == GUEST { start } else { s.customers.created_at[k.customer[i] as usize] };
        assert!(k.created_at[i] >= earliest && k.updated_at[i] < end, "cart {i}");
    }
    for kind in [EventKind::ProductViewed, EventKind::AddedToCart, EventKind::CheckoutStarted, EventKind::MessageOpened]
    {
        assert!(e.kind.contains(&kind), "{kind:?}");
    }
}

#[test]
#[ignore = "timing; run with --release --ignored --nocapture"]
fn time_one_million_customers() {
    let t = std::time::Instant::now();
    let s = gen(1_000_000, 42);
    println!(
        "1,000,000 customers: {} orders, {} lines, {} carts, {} events in {:.2} s",
        s.orders.len(),
        s.order_lines.len(),
        s.carts.len(),
        s.events.len(),
        t.elapsed().as_secs_f64()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_seed_and_size_validates(seed in any::<u64>(), customers in 1usize..50, days in 1u32..800) {
        let s = sample_store(&SampleOptions { customers, seed, days, ..Default::default() }).expect("valid options");
        let store = s.to_store();
        prop_assert!(store.validate().is_ok(), "{:?}", store.validate().err());
        let end = SampleOptions { days, ..Default::default() }.end_micros();
        prop_assert!(s.orders.placed_at.iter().all(|&t| t < end));
    }
}
