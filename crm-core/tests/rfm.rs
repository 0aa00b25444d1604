//! Properties of RFM scoring: range, independence of row order, monotonicity,
//! and agreement with a direct count of "strictly worse" customers.

use crm_core::facts::CustomerFacts;
use crm_core::money::Currency;
use crm_core::segment::{rfm_scores, RfmOptions};
use proptest::prelude::*;

fn facts(rows: &[(Option<i64>, u32, i64)], order: &[usize]) -> CustomerFacts {
    let eur = Currency::new("EUR").ok();
    let mut f = CustomerFacts::with_capacity(rows.len());
    for &i in order {
        let (days, count, spend) = rows[i];
        f.customer_id.push(&format!("c{i:04}"));
        f.days_since_last_order.push(if count > 0 { days } else { None });
        f.order_count.push(count);
        f.net_spend.push(if count > 0 { spend } else { 0 });
        f.currency.push(if count > 0 { eur } else { None });
    }
    f
}

fn rows() -> impl Strategy<Value = Vec<(Option<i64>, u32, i64)>> {
    prop::collection::vec((0i64..400, 0u32..6, 0i64..50_000).prop_map(|(d, c, s)| (Some(d), c, s)), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scores_match_the_definition_whatever_the_order(rows in rows(), k in 3u8..=10, seed in any::<u64>()) {
        let n = rows.len();
        let mut order: Vec<usize> = (0..n).collect();
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..n).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            order.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let a = rfm_scores(&facts(&rows, &(0..n).collect::<Vec<_>>()), &RfmOptions { k, ..RfmOptions::default() }).unwrap();
        let b = rfm_scores(&facts(&rows, &order), &RfmOptions { k, ..RfmOptions::default() }).unwrap();
        let scored: Vec<usize> = (0..n).filter(|&i| rows[i].1 > 0).collect();
        let big_n = scored.len() as u64;
        for (pos, &i) in order.iter().enumerate() {
            // Same customer, same scores, wherever its row is.
            prop_assert_eq!((a.r[i], a.f[i], a.m[i]), (b.r[pos], b.f[pos], b.m[pos]));
        }
        for i in 0..n {
            let (d, c, s) = rows[i];
            if c == 0 {
                prop_assert_eq!((a.r[i], a.f[i], a.m[i]), (None, None, None));
                continue;
            }
            let score = |worse: usize| Some((1 + u64::from(k) * worse as u64 / big_n) as u8);
            let worse_r = scored.iter().filter(|&&j| rows[j].0 > d).count();
            let worse_f = scored.iter().filter(|&&j| rows[j].1 < c).count();
            let worse_m = scored.iter().filter(|&&j| rows[j].2 < s).count();
            prop_assert_eq!(a.r[i], score(worse_r));
            prop_assert_eq!(a.f[i], score(worse_f));
            prop_assert_eq!(a.m[i], score(worse_m));
            for x in [a.r[i], a.f[i], a.m[i]].into_iter().flatten() {
                prop_assert!((1..=k).contains(&x));
            }
            // Monotone: a strictly better value never scores lower.
            for &j in &scored {
                if rows[j].2 > s {
                    prop_assert!(a.m[j] >= a.m[i]);
                }
            }
        }
    }
}

/// Orders of a few customers: (customer, day, total, refunded, status, currency index).
fn orders() -> impl Strategy<Value = Vec<(u8, i64, i64, i64, u8, u8)>> {
    prop::collection::vec((0u8..12, 0i64..60, 0i64..5000, 0i64..6000, 0u8..6, 0u8..3), 0..80)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// RFM straight from loaded columns equals RFM of the full facts, windows,
    /// zero totals, refunds, mixed currencies (an error) and rates included.
    #[test]
    fn rfm_from_input_equals_rfm_of_the_facts(rows in orders(), window in prop::option::of(1u32..40), rates in any::<bool>(), two_currencies in any::<bool>()) {
        use crm_core::facts::{compute_facts, FactsInputBuilder, FactsOptions, OrderRow};
        use crm_core::model::OrderStatus;
        use crm_core::money::ExchangeRates;
        use crm_core::segment::{rfm_facts_options, rfm_from_input};
        let day = 86_400_000_000i64;
        let codes = ["EUR", "TRY", "USD"];
        let statuses = [OrderStatus::Paid, OrderStatus::Fulfilled, OrderStatus::PartiallyRefunded, OrderStatus::Refunded, OrderStatus::Cancelled, OrderStatus::Pending];
        let mut b = FactsInputBuilder::new();
        for (c, d, total, refunded, st, cur) in &rows {
            let cur = if two_currencies { *cur } else { 0 };
            b.add_order(OrderRow {
                customer: &format!("c{c:02}"), placed_at: d * day, total: *total, discount: 0,
                refunded: (*refunded).min(*total), status: statuses[*st as usize],
                currency: Currency::new(codes[cur as usize]).unwrap(),
            });
        }
        let input = b.finish();
        let mut facts = FactsOptions::default();
        if rates {
            let mut r = ExchangeRates::new(Currency::new("EUR").unwrap());
            r.insert(Currency::new("TRY").unwrap(), "0.03").unwrap();
            r.insert(Currency::new("USD").unwrap(), "0.9").unwrap();
            facts.rates = Some(r);
        }
        let options = RfmOptions { window_days: window, ..RfmOptions::default() };
        let as_of = 50 * day;
        let fast = rfm_from_input(&input, as_of, &facts, &options);
        let slow = rfm_facts_options(&facts, &options, as_of)
            .map_err(crm_core::error::Error::from)
            .and_then(|o| Ok(compute_facts(&input, as_of, &o)?))
            .and_then(|f| Ok(rfm_scores(&f, &options)?));
        prop_assert_eq!(fast.map_err(|e| e.to_string()), slow.map_err(|e| e.to_string()));
    }
}

/// One row of `s` as scores of its own.
fn row_of(s: &crm_core::segment::RfmScores, i: usize) -> crm_core::segment::RfmScores {
    let mut one = crm_core::segment::RfmScores::default();
    one.customer_id.push(s.customer_id.get(i));
    one.recency.push(s.recency[i]);
    one.frequency.push(s.frequency[i]);
    one.monetary.push(s.monetary[i]);
    one.currency.push(s.currency[i]);
    one.r.push(s.r[i]);
    one.f.push(s.f[i]);
    one.m.push(s.m[i]);
    one
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The segment column is evaluated in two halves: each customer's segment
    /// must be the one it gets alone, for the presets and for a map that reads
    /// every RFM field.
    #[test]
    fn segments_equal_each_customer_alone(rows in rows(), k in 3u8..=10) {
        use crm_core::segment::{rfm_segment_column, rfm_segments, SegmentMap};
        let n = rows.len();
        let s = rfm_scores(&facts(&rows, &(0..n).collect::<Vec<_>>()), &RfmOptions { k, ..RfmOptions::default() }).unwrap();
        let every_field = SegmentMap::from_json(&serde_json::json!([
            {"name": "Big", "rule": "monetary >= 20000 EUR AND frequency >= 3"},
            {"name": "Even", "rule": "fm >= 3 AND r IN (2, 4)"},
            {"name": "Old", "rule": "recency > 200 OR m = 1"},
            {"name": "Rest", "rule": "f >= 1"}
        ])).unwrap();
        let maps = ["seed", "classic", "shopify"].map(|p| SegmentMap::preset(p).unwrap());
        for map in maps.iter().chain([&every_field]) {
            let whole = rfm_segments(&s, map).unwrap();
            for (i, segment) in whole.iter().enumerate() {
                prop_assert_eq!(segment, &rfm_segments(&row_of(&s, i), map).unwrap()[0]);
            }
            prop_assert_eq!(rfm_segment_column(&s, map).unwrap().len(), n);
        }
    }
}
