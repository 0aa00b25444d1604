//! Lifetime value on a synthetic shop of 1,000,000 customers and about
//! 10,000,000 transactions over two years: the daily repeat-purchase summary,
//! the BG/NBD, Gamma-Gamma and Pareto/NBD fits, and the 12-month CLV of
//! everyone, each on one core.
//!
//! `cargo bench -p crm-benches --bench ltv` (`CRM_BENCH_LTV_CUSTOMERS` for
//! other sizes; Pareto/NBD is fitted on a tenth of the customers, as in
//! benches/ltv_compare.py, which times the same steps against lifetimes).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crm_core::ltv::{
    customer_lifetime_values, fit_bgnbd, fit_gamma_gamma, fit_pareto_nbd, summarize_indexed, IndexedTransactions,
    Period, Summary, SummaryOptions,
};

const DAY: i64 = 86_400_000_000;
const DAYS: f64 = 730.0;

fn bench_customers() -> usize {
    std::env::var("CRM_BENCH_LTV_CUSTOMERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

/// Transactions (customer, instant, value) of `customers` customers, from a
/// fixed-seed generator following BG/NBD's story: each customer buys first on
/// a uniform day, then at exponential gaps with a rate of their own (mean
/// gap 5 to 90 days) and drops out after each purchase with a probability of
/// their own (0 to 12%); values are log-normal around 40 with a customer level.
fn synthetic_transactions(customers: usize) -> (Vec<u32>, Vec<i64>, Vec<f64>) {
    let mut s: u64 = 0x5DEE_CE66_D1CE_4E5B;
    let mut uniform = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let (mut customer, mut at, mut value) = (Vec::new(), Vec::new(), Vec::new());
    for c in 0..customers as u32 {
        let mean_gap = 5.0 + 85.0 * uniform();
        let drop = 0.12 * uniform();
        let level = 40.0 * (0.5 * (uniform() + uniform() + uniform() - 1.5)).exp();
        let mut day = DAYS * uniform();
        while day < DAYS {
            customer.push(c);
            at.push((day * DAY as f64) as i64);
            value.push(level * (0.3 * (uniform() + uniform() - 1.0)).exp());
            if uniform() < drop {
                break;
            }
            day += -mean_gap * uniform().ln();
        }
    }
    (customer, at, value)
}

fn ltv(c: &mut Criterion) {
    let customers = bench_customers();
    let (customer, at, value) = synthetic_transactions(customers);
    let tx = IndexedTransactions::new(&customer, &at, Some(&value), customers).expect("valid transactions");
    let end = (DAYS as i64) * DAY - 1;
    let summarize = || summarize_indexed(&tx, end, Period::Day, SummaryOptions::default()).expect("summarised");
    let s = summarize();
    let keep: Vec<usize> = (0..customers).filter(|&i| s.present[i] && s.t[i] > 0.0).collect();
    let col = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let (x, tx_, t, m) = (col(&s.frequency), col(&s.recency), col(&s.t), col(&s.monetary_value));
    let summary = Summary::new(x.clone(), tx_.clone(), t.clone()).expect("valid summary");
    let tenth = keep.len() / 10;
    let pareto_summary = Summary::new(x[..tenth].to_vec(), tx_[..tenth].to_vec(), t[..tenth].to_vec()).expect("valid");

    let mut g = c.benchmark_group("ltv");
    g.sample_size(10);
    g.throughput(Throughput::Elements(at.len() as u64));
    g.bench_function(format!("summary, {} transactions", at.len()), |b| b.iter(|| black_box(summarize())));
    g.throughput(Throughput::Elements(keep.len() as u64));
    g.bench_function(format!("BG/NBD fit, {} customers", keep.len()), |b| {
        b.iter(|| black_box(fit_bgnbd(&summary, 0.0).expect("fits")))
    });
    let bg = fit_bgnbd(&summary, 0.0).expect("fits").params;
    g.bench_function(format!("Gamma-Gamma fit, {} customers", keep.len()), |b| {
        b.iter(|| black_box(fit_gamma_gamma(&x, &m, None, 0.0).expect("fits")))
    });
    let gg = fit_gamma_gamma(&x, &m, None, 0.0).expect("fits").params;
    g.bench_function(format!("12-month CLV, {} customers", keep.len()), |b| {
        b.iter(|| black_box(customer_lifetime_values(&bg, &gg, &x, &tx_, &t, &m, 12, 0.01, 30.0)))
    });
    g.throughput(Throughput::Elements(tenth as u64));
    g.bench_function(format!("Pareto/NBD fit, {tenth} customers"), |b| {
        b.iter(|| black_box(fit_pareto_nbd(&pareto_summary, 0.0).expect("fits")))
    });
    g.finish();
}

criterion_group!(benches, ltv);
criterion_main!(benches);
