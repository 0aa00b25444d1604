//! The demo: load the bundled sample store, validate it, compute customer facts,
//! RFM segments, a few rule-language segments and lifetime value (BG/NBD and
//! Gamma-Gamma fitted on the store's own orders), and print a short summary.
//!
//! ```text
//! cargo run --release -p crm-core --example demo                     # bundled data/sample_store.json
//! cargo run --release -p crm-core --example demo -- path/to/store.json [as_of]
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;

use crm_core::facts::{customer_facts, FactsOptions};
use crm_core::ltv::{
    customer_lifetime_value_money, fit_bgnbd, fit_gamma_gamma, summarize_transactions, Period, Summary, Transaction,
};
use crm_core::model::{OrderStatus, Store};
use crm_core::money::{Currency, ExchangeRates, Money};
use crm_core::segment::{CustomerTable, Rule, TableOptions};
use crm_core::time::{format_instant, parse_instant, to_micros, Instant};

const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/sample_store.json");

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().map_or(BUNDLED, String::as_str);
    match run(path, args.get(1).map(String::as_str)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str, as_of: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let store = Store::from_json(&text)?;
    // The library reads no clock: the demo looks at the store as of its last record.
    let as_of = match as_of {
        Some(t) => parse_instant(t)?,
        None => latest_instant(&store).ok_or("the store has no records")?,
    };
    let facts = customer_facts(&store, as_of, &FactsOptions::default())?;

    println!("crm-core {} demo — {path}", env!("CARGO_PKG_VERSION"));
    println!("as of {}\n", format_instant(as_of));
    let buyers = facts.order_count.iter().filter(|&&c| c > 0).count();
    let guests = store.orders.iter().filter(|o| o.customer_id.is_none()).count();
    println!(
        "customers        {:>9}  ({} people with a counted order, guests included)",
        store.customers.len(),
        buyers
    );
    println!("orders           {:>9}  ({} by guests)", store.orders.len(), guests);
    println!("carts            {:>9}", store.carts.len());
    println!("consent events   {:>9}", store.consents.len());
    println!("behaviour events {:>9}\n", store.events.len());

    let mut revenue: BTreeMap<Currency, (i64, u32)> = BTreeMap::new();
    for i in 0..facts.len() {
        if let Some(c) = facts.currency[i] {
            let r = revenue.entry(c).or_default();
            r.0 += facts.net_spend[i];
            r.1 += facts.order_count[i];
        }
    }
    println!("net revenue by currency (paid orders minus refunds)");
    for (c, (amount, orders)) in &revenue {
        println!("  {:>22}  from {orders} orders", Money::new(*amount, *c).to_string());
    }

    println!("\ntop customers by net spend");
    for c in revenue.keys() {
        let mut rows: Vec<usize> = (0..facts.len()).filter(|&i| facts.currency[i] == Some(*c)).collect();
        rows.sort_by(|&a, &b| facts.net_spend[b].cmp(&facts.net_spend[a]).then(a.cmp(&b)));
        for &i in rows.iter().take(3) {
            println!(
                "  {:<28} {:>18}  {:>3} orders, top category {}",
                facts.customer_id.get(i),
                Money::new(facts.net_spend[i], *c).to_string(),
                facts.order_count[i],
                facts.top_category_name(i).unwrap_or("-")
            );
        }
    }

    let abandoned: u32 = facts.abandoned_cart_count.iter().sum();
    let people = facts.abandoned_cart_count.iter().filter(|&&n| n > 0).count();
    let last_week = facts
        .last_abandoned_at
        .iter()
        .flatten()
        .filter(|&&t| crm_core::time::to_micros(as_of) - t <= 7 * crm_core::time::MICROS_PER_DAY)
        .count();
    println!(
        "\nabandoned carts  {abandoned} by {people} customers ({last_week} customers abandoned one in the last 7 days)"
    );
    segments(&store, as_of)
}

/// RFM segments (seed map) and a few rules, over money converted to EUR.
fn segments(store: &Store, as_of: Instant) -> Result<(), Box<dyn std::error::Error>> {
    let options = TableOptions {
        facts: FactsOptions { rates: Some(demo_rates()?), ..FactsOptions::default() },
        ..Default::default()
    };
    let table = CustomerTable::from_store(store, as_of, &options)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(seg) = table.column("segment") {
        for i in 0..table.len() {
            let name = seg.value_json(i).as_str().unwrap_or("(none)").to_string();
            *counts.entry(name).or_default() += 1;
        }
    }
    println!("\nRFM segments (seed map, money in EUR)");
    for (name, n) in &counts {
        println!("  {name:<18} {n:>4}");
    }
    println!("\nrule segments");
    let rules = [
        "order_count >= 2 AND net_spend > 500 EUR AND consent.email",
        "last_abandoned_at >= -30d AND (last_order_at IS NULL OR last_order_at < last_abandoned_at)",
        "discounted_order_share >= 0.8 AND order_count >= 2",
        "products_purchased(category: 'Electronics', since: -180d) >= 2",
        "BIRTHDAY WITHIN 30d",
    ];
    for text in rules {
        let members = Rule::parse(text)?.filter(&table)?;
        println!("  {:>4}  {text}", members.len());
    }
    let vip = Rule::parse("segment = 'VIP' AND consent.email")?;
    if let Some(first) = vip.filter(&table)?.first() {
        println!("\nwhy {first} is a VIP with e-mail consent: {}", vip.explain(&table, first)?);
    }
    lifetime_value(store, as_of)?;
    campaigns(store, as_of)
}

/// Illustrative fixed rates into EUR, so that customers paying in different currencies compare.
fn demo_rates() -> Result<ExchangeRates, Box<dyn std::error::Error>> {
    let mut rates = ExchangeRates::new(Currency::new("EUR")?);
    for (code, rate) in [("TRY", "0.027"), ("USD", "0.92"), ("GBP", "1.18"), ("JPY", "0.0061")] {
        rates.insert(Currency::new(code)?, rate)?;
    }
    Ok(rates)
}

/// BG/NBD and Gamma-Gamma on the accounts' paid orders (in EUR, weekly
/// periods), then the three highest 12-month CLVs.
fn lifetime_value(store: &Store, as_of: Instant) -> Result<(), Box<dyn std::error::Error>> {
    let counted = [OrderStatus::Paid, OrderStatus::Fulfilled, OrderStatus::PartiallyRefunded];
    let rates = demo_rates()?;
    let currency = Currency::new("EUR")?;
    let mut tx: Vec<Transaction<'_>> = Vec::new();
    for o in store.orders.iter().filter(|o| counted.contains(&o.status)) {
        if let Some(customer) = o.customer_id.as_deref() {
            let value = rates.convert(Money::new(o.total, o.currency))?.amount as f64;
            tx.push(Transaction { customer, at: to_micros(o.placed_at), value });
        }
    }
    let s = summarize_transactions(&tx, to_micros(as_of), Period::Week);
    let summary = Summary::new(s.frequency.clone(), s.recency.clone(), s.t.clone())?;
    let bg = fit_bgnbd(&summary, 0.0)?;
    let gg = fit_gamma_gamma(&s.frequency, &s.monetary_value, None, 0.0)?;
    let p = bg.params;
    println!("\nlifetime value ({} customers, money in EUR, weekly periods)", s.customer_id.len());
    println!(
        "  BG/NBD       r {:.3}  alpha {:.3}  a {:.3}  b {:.3}  (log-likelihood {:.1})",
        p.r, p.alpha, p.a, p.b, bg.log_likelihood
    );
    println!("  Gamma-Gamma  p {:.3}  q {:.3}  v {:.1}", gg.params.p, gg.params.q, gg.params.v);
    let mut clv = Vec::with_capacity(s.customer_id.len());
    for i in 0..s.customer_id.len() {
        let (x, tx, t, m) = (s.frequency[i], s.recency[i], s.t[i], s.monetary_value[i].round() as i64);
        clv.push((customer_lifetime_value_money(&p, &gg.params, x, tx, t, m, currency, 12, 0.01, 4.345)?, i));
    }
    clv.sort_by(|a, b| b.0.amount.cmp(&a.0.amount).then(a.1.cmp(&b.1)));
    println!("  highest 12-month CLV (1% monthly discount):");
    for &(v, i) in clv.iter().take(3) {
        let alive = p.probability_alive(s.frequency[i], s.recency[i], s.t[i]);
        println!("    {:<10} {:>14}   P(alive) {alive:.2}", s.customer_id[i], v.to_string());
    }
    Ok(())
}

/// The campaign plan of every preset flow for the day after `as_of`.
fn campaigns(store: &Store, as_of: Instant) -> Result<(), Box<dyn std::error::Error>> {
    use crm_core::campaign::{plan, presets, CampaignPolicy, Span};
    let policy = CampaignPolicy {
        time_zone: "Europe/Istanbul".parse()?,
        offer_secret: Some("demo-secret".into()),
        ..CampaignPolicy::default()
    };
    let p = plan(store, &presets(), &policy, &[], as_of, Span::hours(24))?;
    println!("\ncampaign plan for the next 24 hours (every preset flow, default policy in Europe/Istanbul)");
    let mut by_flow: std::collections::BTreeMap<&str, (usize, usize)> = std::collections::BTreeMap::new();
    for m in &p.messages {
        by_flow.entry(m.flow.as_str()).or_default().0 += 1;
    }
    for d in &p.decisions {
        by_flow.entry(d.flow.as_str()).or_default().1 += 1;
    }
    for (flow, (messages, decisions)) in &by_flow {
        println!("  {flow:<24} {messages:>4} messages  {decisions:>4} decisions not to send (or deferred)");
    }
    let mut reasons: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for d in &p.decisions {
        *reasons.entry(d.reason.as_str()).or_default() += 1;
    }
    let reasons: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
    println!("  reasons: {}", reasons.join(", "));
    for m in p.messages.iter().filter(|m| m.offer.is_some()).take(3) {
        let code = m.offer.as_ref().and_then(|o| o.code.as_deref()).unwrap_or("-");
        println!(
            "    {}  {:<10} {:<16} {:<6} {code}",
            m.local_time,
            m.customer_id,
            m.flow,
            format!("{:?}", m.channel).to_lowercase()
        );
    }
    Ok(())
}

/// The latest instant of any record: the demo's "now".
fn latest_instant(store: &Store) -> Option<Instant> {
    let orders = store.orders.iter().map(|o| o.placed_at);
    let carts = store.carts.iter().map(|k| k.updated_at);
    let events = store.events.iter().map(|e| e.at);
    let customers = store.customers.iter().map(|c| c.created_at);
    orders.chain(carts).chain(events).chain(customers).max()
}
