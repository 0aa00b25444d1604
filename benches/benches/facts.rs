//! Customer-facts throughput from an in-memory columnar batch.
//!
//! `cargo bench -p crm-benches --bench facts` (set `CRM_BENCH_ORDERS` for other sizes).
//! Criterion reports elements/second = orders per second on one core. The second
//! benchmark runs on `crm_core::datasets` data (`CRM_BENCH_CUSTOMERS`, default 1,000,000).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crm_benches::{bench_orders, synthetic_input};
use crm_core::datasets::{sample_store, SampleOptions};
use crm_core::facts::{compute_facts, FactsOptions};

fn facts(c: &mut Criterion) {
    let n = bench_orders();
    let input = synthetic_input(n);
    let as_of = 365 * 86_400_000_000i64;
    let opts = FactsOptions::default();
    let mut g = c.benchmark_group("customer_facts");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("columnar_{n}_orders"), |b| {
        b.iter(|| compute_facts(black_box(&input), as_of, &opts).map(|f| f.len()))
    });
    g.finish();
}

/// The same computation on the sample generator's data (realistic skew,
/// refunds, guests, carts and events), as of the end of its period.
fn facts_on_sample_store(c: &mut Criterion) {
    let customers: usize = std::env::var("CRM_BENCH_CUSTOMERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let options = SampleOptions { customers, ..Default::default() };
    let Ok(store) = sample_store(&options) else {
        eprintln!("CRM_BENCH_CUSTOMERS={customers} is out of range");
        return;
    };
    let as_of = options.end_micros();
    let input = store.to_facts_input(as_of);
    let opts = FactsOptions::default();
    let mut g = c.benchmark_group("customer_facts");
    g.sample_size(10);
    g.throughput(Throughput::Elements(input.orders.len() as u64));
    g.bench_function(format!("sample_store_{customers}_customers_{}_orders", input.orders.len()), |b| {
        b.iter(|| compute_facts(black_box(&input), as_of, &opts).map(|f| f.len()))
    });
    g.finish();
}

criterion_group!(benches, facts, facts_on_sample_store);
criterion_main!(benches);
