//! Shared set-up for the criterion benchmarks in `benches/benches/`.
//!
//! Run them with `cargo bench -p crm-benches`; `CRM_BENCH_ORDERS` sets the
//! number of orders (default 10,000,000).

use crm_core::facts::{FactsInput, FactsInputBuilder, OrderRow};
use crm_core::model::OrderStatus;
use crm_core::money::Currency;

/// Number of orders to benchmark with, from `CRM_BENCH_ORDERS` (default 10,000,000).
pub fn bench_orders() -> usize {
    std::env::var("CRM_BENCH_ORDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000)
}

/// A columnar facts input with `orders` orders over `orders / 10` customers,
/// two lines per order over eight categories, a cart per two customers and an
/// event per order, from a fixed-seed generator.
pub fn synthetic_input(orders: usize) -> FactsInput {
    let customers = (orders / 10).max(1);
    let mut b = FactsInputBuilder::new();
    let try_ = Currency::new("TRY").unwrap_or_else(|_| unreachable!());
    let ids: Vec<String> = (0..customers).map(|i| format!("c{i:08}")).collect();
    for id in &ids {
        b.add_customer(id, Some(0));
    }
    let cats = ["Electronics", "Fashion", "Home", "Sport", "Beauty", "Books", "Toys", "Grocery"];
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        s >> 16
    };
    let year = 365 * 86_400_000_000i64;
    for _ in 0..orders {
        let r = next();
        let c = &ids[(r % customers as u64) as usize];
        let status = match r % 100 {
            0..=2 => OrderStatus::Cancelled,
            3..=5 => OrderStatus::Refunded,
            6..=8 => OrderStatus::PartiallyRefunded,
            _ => OrderStatus::Paid,
        };
        let total = 1_000 + (next() % 200_000) as i64;
        let row = b.add_order(OrderRow {
            customer: c,
            placed_at: (next() % year as u64) as i64,
            total,
            discount: if r % 3 == 0 { total / 10 } else { 0 },
            refunded: if status == OrderStatus::PartiallyRefunded { total / 4 } else { 0 },
            status,
            currency: try_,
        });
        b.add_line(row, Some(cats[(r >> 8) as usize % 8]), total / 2);
        b.add_line(row, Some(cats[(r >> 12) as usize % 8]), total - total / 2);
    }
    for (i, id) in ids.iter().enumerate().step_by(2) {
        let t = (i as i64 * 7_919) % year;
        b.add_cart(id, t, t + 600_000_000, if i % 4 == 0 { Some(t + 700_000_000) } else { None });
    }
    for i in 0..orders {
        b.add_event(&ids[i % customers], (i as i64 * 104_729) % year);
    }
    b.finish()
}
