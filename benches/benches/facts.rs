//! Customer-facts throughput from an in-memory columnar batch.
//!
//! `cargo bench -p crm-benches --bench facts` (set `CRM_BENCH_ORDERS` for other sizes).
//! Criterion reports elements/second = orders per second on one core.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crm_benches::{bench_orders, synthetic_input};
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

criterion_group!(benches, facts);
criterion_main!(benches);
