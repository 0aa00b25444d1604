//! RFM on a loaded store: 10,000,000 orders over 1,000,000 customers whose ids
//! are already interned (a `FactsInput` in memory), as of one instant.
//!
//! `cargo bench -p crm-benches --bench rfm` (`CRM_BENCH_ORDERS` for other sizes).
//! Criterion reports orders per second on one core.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crm_benches::{bench_orders, synthetic_input};
use crm_core::facts::FactsOptions;
use crm_core::segment::{rfm_from_input, rfm_segment_column, RfmOptions, SegmentMap};

fn rfm(c: &mut Criterion) {
    let n = bench_orders();
    let input = synthetic_input(n);
    let as_of = 365 * 86_400_000_000i64;
    let options = RfmOptions::default();
    let facts_options = FactsOptions::default();
    let map = SegmentMap::preset("seed").ok();
    let mut g = c.benchmark_group("rfm");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("loaded_{n}_orders"), |b| {
        b.iter(|| rfm_from_input(black_box(&input), as_of, &facts_options, &options).map(|s| s.len()))
    });
    g.bench_function(format!("loaded_{n}_orders_with_segments"), |b| {
        b.iter(|| {
            let s = rfm_from_input(black_box(&input), as_of, &facts_options, &options).ok()?;
            rfm_segment_column(&s, map.as_ref()?).ok().map(|c| c.len())
        })
    });
    g.finish();
}

criterion_group!(benches, rfm);
criterion_main!(benches);
