//! Consent ledger: 5,000,000 consent events over 1,000,000 customers, indexed
//! once, then the state of every customer on all 4 channels at one instant.
//!
//! `cargo bench -p crm-benches --bench consent` (`CRM_BENCH_CONSENTS` for
//! other sizes; customers are a fifth of the events). Criterion reports events
//! per second for building the ledger and customer-channel states per second
//! for the bulk query, on one core.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crm_core::consent::{ConsentPolicy, DoubleOptIn, Ledger};
use crm_core::model::{
    Channel, ConsentEvent, ConsentStatus, Customer, Location, Purpose, RecipientType, Store, SuppressionReason,
};
use crm_core::time::{from_micros, Instant};

fn bench_events() -> usize {
    std::env::var("CRM_BENCH_CONSENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000_000)
}

fn at(micros: i64) -> Instant {
    from_micros(micros).unwrap_or_default()
}

/// A store of `events` consent events over `events / 5` customers (a fifth
/// of them in Germany, under double opt-in), from a fixed-seed generator:
/// customers, channels and times uniform over three years, arriving in random
/// order; statuses about half grants, a quarter withdrawals, then
/// confirmations, suppressions and their lifting, and a few erasures.
fn synthetic_store(events: usize) -> Store {
    let customers = (events / 5).max(1);
    let mut s: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        s >> 16
    };
    let start = 1_640_995_200_000_000i64; // 2022-01-01T00:00:00Z
    let span = 3 * 365 * 86_400_000_000u64;
    let ids: Vec<String> = (0..customers).map(|i| format!("c{i:08}")).collect();
    let customers: Vec<Customer> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| Customer {
            id: id.clone(),
            created_at: at(start),
            email: None,
            phone: None,
            first_name: None,
            last_name: None,
            birth_date: None,
            gender: None,
            location: Some(Location {
                country: Some(if i % 5 == 0 { "DE" } else { "TR" }.into()),
                ..Location::default()
            }),
            time_zone: None,
            locale: None,
            tags: vec![],
            attributes: Default::default(),
            income_tier: None,
            store_id: None,
        })
        .collect();
    let channels = [Channel::Email, Channel::Email, Channel::Sms, Channel::Sms, Channel::Call, Channel::Push];
    let consents = (0..events)
        .map(|_| {
            let r = next();
            let status = match r % 1000 {
                0..=499 => ConsentStatus::Granted,
                500..=749 => ConsentStatus::Withdrawn,
                750..=869 => ConsentStatus::Confirmed,
                870..=939 => ConsentStatus::Suppressed,
                940..=998 => ConsentStatus::Unsuppressed,
                _ => ConsentStatus::Erased,
            };
            ConsentEvent {
                id: None,
                customer_id: ids[(next() % ids.len() as u64) as usize].clone(),
                channel: channels[(r >> 12) as usize % channels.len()],
                purpose: if (r >> 20) % 10 == 0 { Purpose::Transactional } else { Purpose::Marketing },
                status,
                at: at(start + (next() % span) as i64),
                source: (status == ConsentStatus::Granted).then(|| "HS_WEB".to_string()),
                proof: None,
                recipient_type: if (r >> 24) % 50 == 0 { RecipientType::Merchant } else { RecipientType::Individual },
                reason: (status == ConsentStatus::Suppressed).then_some(SuppressionReason::HardBounce),
            }
        })
        .collect();
    Store { customers, consents, ..Store::default() }
}

fn consent(c: &mut Criterion) {
    let n = bench_events();
    let store = synthetic_store(n);
    let policy = ConsentPolicy {
        double_opt_in: DoubleOptIn { countries: vec!["DE".into()], ..DoubleOptIn::default() },
        merchant_exempt: true,
        ..ConsentPolicy::default()
    };
    let instant = at(1_718_452_800_000_000); // 2024-06-15T12:00:00Z
    let Ok(ledger) = Ledger::new(&store, &policy) else { return };
    let cells = 4 * ledger.customer_ids().len() as u64;
    let mut g = c.benchmark_group("consent");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("ledger_from_{n}_events"), |b| {
        b.iter(|| Ledger::new(black_box(&store), &policy).map(|l| l.customer_ids().len()))
    });
    g.throughput(Throughput::Elements(cells));
    g.bench_function(format!("states_at_{}_customers_x4_channels", cells / 4), |b| {
        b.iter(|| black_box(&ledger).states_at(instant, Purpose::Marketing).len())
    });
    g.throughput(Throughput::Elements(cells));
    g.bench_function(format!("ledger_and_states_at_{}_customers_x4_channels", cells / 4), |b| {
        b.iter(|| Ledger::new(black_box(&store), &policy).map(|l| l.states_at(instant, Purpose::Marketing).len()))
    });
    g.finish();
}

criterion_group!(benches, consent);
criterion_main!(benches);
