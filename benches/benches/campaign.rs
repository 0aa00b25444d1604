//! Campaign planning: every preset flow for the sample store of
//! 1,000,000 customers (`CRM_BENCH_CUSTOMERS` for other sizes), planned at
//! the end of its period with a one-hour horizon.
//!
//! `cargo bench -p crm-benches --bench campaign` (add `--features mimalloc`
//! for the allocator crm-py uses). Criterion reports customers per second
//! for `Planner::plan` on a built planner (the call a storefront repeats
//! every few minutes) and for `Planner::new` (consent ledger and store
//! index). The first lines printed give the sizes and one timed run of each
//! part, recommendations included.
//!
//! Memory: the whole sample store of 1,000,000 customers as model records
//! takes about 28 GB. No preset reads behavioural events or order lines, so
//! the store planned over has neither; the recommendations (which need the
//! order lines) are computed first, from a store without carts.

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::time::Instant as Clock;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crm_core::campaign::{presets, CampaignPolicy, Planner, Span};
use crm_core::datasets::{sample_store, SampleOptions};
use crm_core::model::Store;
use crm_core::segment::{co_purchase_table, cross_sell, CoPurchaseOptions, CrossSellOptions, CrossSellSuggestion};
use crm_core::time::{from_micros, Instant};

fn bench_customers() -> usize {
    std::env::var("CRM_BENCH_CUSTOMERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

/// The store to plan over (no events, no order lines), the recommendations
/// (three per customer, from the co-purchase table of the full orders) and
/// the end of the sample period.
fn store() -> (Store, Vec<CrossSellSuggestion>, Instant) {
    let options = SampleOptions { customers: bench_customers(), ..SampleOptions::default() };
    let mut sample = sample_store(&options).unwrap_or_else(|e| panic!("{e}"));
    let now = from_micros(options.end_micros()).unwrap_or_default();
    sample.events = Default::default();
    let carts = std::mem::take(&mut sample.carts);
    let items = std::mem::take(&mut sample.cart_items);
    let suggestions = {
        let with_lines = sample.to_store();
        let table =
            co_purchase_table(&with_lines, now, &CoPurchaseOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        // The generated baskets rarely mix categories, so every pair's lift is
        // below 1: keep pairs of any lift, so that payloads carry recommendations.
        let options = CrossSellOptions { per_customer: 3, min_lift: 0.0, ..CrossSellOptions::default() };
        cross_sell(&with_lines, now, &table, &options).unwrap_or_else(|e| panic!("{e}"))
    };
    sample.carts = carts;
    sample.cart_items = items;
    sample.order_lines = Default::default();
    (sample.to_store(), suggestions, now)
}

/// Resident memory of the process in MiB (Linux), for the printed sizes.
fn rss_mib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096 / (1 << 20)
}

fn bench(c: &mut Criterion) {
    let t = Clock::now();
    let (store, suggestions, now) = store();
    let n = store.customers.len();
    println!(
        "store: {n} customers, {} orders, {} carts, {} consent events, {} recommendations \
         ({:.1} s to build, {} MiB resident)",
        store.orders.len(),
        store.carts.len(),
        store.consents.len(),
        suggestions.len(),
        t.elapsed().as_secs_f64(),
        rss_mib()
    );
    let flows = presets();
    let policy = CampaignPolicy { offer_secret: Some("bench-secret".into()), ..CampaignPolicy::default() };
    let horizon = Span::hours(1);

    let t = Clock::now();
    let planner = Planner::new(&store, &flows, &policy).unwrap_or_else(|e| panic!("{e}"));
    let t_new = t.elapsed().as_secs_f64();
    let planner = planner.with_recommendations(&suggestions);
    let t = Clock::now();
    let plan = planner.plan(&[], now, horizon).unwrap_or_else(|e| panic!("{e}"));
    let t_plan = t.elapsed().as_secs_f64();
    println!(
        "one run: Planner::new {t_new:.3} s, plan {t_plan:.3} s: {} messages, {} decisions ({} MiB resident)",
        plan.messages.len(),
        plan.decisions.len(),
        rss_mib()
    );
    drop(plan);

    let mut g = c.benchmark_group("campaign");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("plan_all_presets_{n}_customers"), |b| {
        b.iter(|| black_box(planner.plan(&[], now, horizon).map(|p| p.messages.len()).unwrap_or(0)))
    });
    g.bench_function(format!("planner_new_{n}_customers"), |b| {
        b.iter(|| black_box(Planner::new(&store, &flows, &policy).map(|_| 0).unwrap_or(1)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
