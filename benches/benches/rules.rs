//! Rule evaluation throughput: a 10-clause rule over 1,000,000 customers.
//!
//! `cargo bench -p crm-benches --bench rules`. The table holds the facts of
//! the synthetic batch (`CRM_BENCH_ORDERS`, default 10,000,000 orders over
//! 1,000,000 customers) plus country, tags, e-mail consent and age columns
//! drawn from a fixed-seed generator. Criterion reports customers per second
//! on one core (= customer-rule evaluations per second); `parse_and_check`
//! measures compiling the rule alone.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crm_benches::{bench_orders, synthetic_input};
use crm_core::facts::{compute_facts, FactsOptions};
use crm_core::segment::{Column, CustomerTable, Rule};

/// The benchmark's rule: ten clauses over numbers, money, instants, text, a list and yes/no.
pub const RULE: &str = "order_count >= 2 AND net_spend > 100 TRY AND last_order_at >= -90d \
    AND country IN ('TR', 'DE') AND NOT tags CONTAINS 'b2b' AND consent.email \
    AND discounted_order_share < 0.5 AND age BETWEEN 25 AND 54 AND days_since_last_order <= 60 \
    AND top_category != 'Books'";

fn table() -> CustomerTable {
    let input = synthetic_input(bench_orders());
    let as_of = 365 * 86_400_000_000i64;
    let facts = compute_facts(&input, as_of, &FactsOptions::default()).unwrap_or_default();
    let mut t = CustomerTable::from_facts(&facts, as_of).unwrap_or_else(|_| CustomerTable::new([], as_of));
    let n = t.len();
    let mut s: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let countries = ["TR", "DE", "US", "GB", "JP"];
    let country: Vec<Option<&str>> = (0..n).map(|_| Some(countries[(next() % 5) as usize])).collect();
    let tags: Vec<Vec<&str>> = (0..n)
        .map(|_| match next() % 10 {
            0 => vec!["b2b"],
            1 | 2 => vec!["vip"],
            3 => vec!["vip", "newsletter"],
            _ => vec![],
        })
        .collect();
    let consent: Vec<Option<bool>> = (0..n).map(|_| Some(next() % 3 != 0)).collect();
    let age: Vec<Option<i64>> = (0..n).map(|_| (next() % 8 != 0).then(|| 18 + (next() % 60) as i64)).collect();
    let cols = [
        ("country", Column::text(country)),
        ("tags", Column::list(tags)),
        ("consent.email", Column::Bool(consent)),
        ("age", Column::Int(age)),
    ];
    for (name, c) in cols {
        if let Err(e) = t.insert(name, c) {
            eprintln!("{e}");
        }
    }
    t
}

fn rules(c: &mut Criterion) {
    let t = table();
    let rule = match Rule::parse(RULE) {
        Ok(r) => r,
        Err(e) => panic!("the benchmark rule does not parse: {e}"),
    };
    let members = rule.evaluate(&t).map(|m| m.iter().filter(|&&x| x).count());
    eprintln!("{} customers, {:?} members", t.len(), members);
    let mut g = c.benchmark_group("rules");
    g.sample_size(20);
    g.throughput(Throughput::Elements(t.len() as u64));
    g.bench_function(format!("ten_clauses_{}_customers", t.len()), |b| {
        b.iter(|| rule.evaluate(black_box(&t)).map(|m| m.len()))
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_and_check", |b| b.iter(|| Rule::parse(black_box(RULE)).and_then(|r| r.check(&t))));
    g.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
