//! Repeat-purchase summaries of the CDNOW transaction log against
//! `lifetimes` 0.11.3 (tests/reference/lifetimes_0.11.3.json): every
//! customer's frequency, recency, T and monetary value by day and by week,
//! and the calibration/holdout split by day, exactly.

use crm_core::ltv::{calibration_and_holdout, summarize_transactions, Period, Transaction};
use crm_core::time::parse_instant;
use serde_json::Value;

fn log() -> Vec<(String, i64, f64)> {
    include_str!("../../tests/data/cdnow/CDNOW_sample.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let d = f[2];
            let at = parse_instant(&format!("{}-{}-{}T00:00:00Z", &d[..4], &d[4..6], &d[6..8])).expect("date");
            let customer = f[1].trim_start_matches('0').to_string();
            (customer, at.timestamp_micros(), f[4].parse().expect("value"))
        })
        .collect()
}

fn end_of(day: &str) -> i64 {
    parse_instant(&format!("{day}T00:00:00Z")).expect("date").timestamp_micros()
}

fn reference() -> Value {
    serde_json::from_str(include_str!("../../tests/reference/lifetimes_0.11.3.json")).expect("reference JSON")
}

fn same(got: f64, want: &Value, what: &str) {
    let want = want.as_f64().expect("number");
    assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "{what}: ours {got}, lifetimes {want}");
}

#[test]
fn summaries_by_day_and_week_equal_lifetimes() {
    let log = log();
    let tx: Vec<Transaction<'_>> =
        log.iter().map(|(c, at, v)| Transaction { customer: c, at: *at, value: *v }).collect();
    let reference = reference();
    for (key, period) in [("D", Period::Day), ("W", Period::Week)] {
        let r = &reference["summary_data_from_transaction_data"][key];
        let s = summarize_transactions(&tx, end_of(r["end"].as_str().expect("end")), period);
        let rows = r["rows"].as_array().expect("rows");
        // lifetimes sorts ids as text; so do we.
        assert_eq!(s.customer_id.len(), rows.len(), "{key}");
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(s.customer_id[i], row[0].as_str().expect("id"), "{key} row {i}");
            same(s.frequency[i], &row[1], &format!("{key} frequency of {}", row[0]));
            same(s.recency[i], &row[2], &format!("{key} recency of {}", row[0]));
            same(s.t[i], &row[3], &format!("{key} T of {}", row[0]));
            same(s.monetary_value[i], &row[4], &format!("{key} monetary value of {}", row[0]));
        }
    }
}

#[test]
fn calibration_and_holdout_by_day_equal_lifetimes() {
    let log = log();
    let tx: Vec<Transaction<'_>> =
        log.iter().map(|(c, at, v)| Transaction { customer: c, at: *at, value: *v }).collect();
    let reference = reference();
    let r = &reference["calibration_and_holdout_data"];
    let s = calibration_and_holdout(&tx, end_of("1997-09-30"), end_of("1998-06-30"), Period::Day);
    let rows = r["rows"].as_array().expect("rows");
    assert_eq!(s.calibration.customer_id.len(), rows.len());
    for (i, row) in rows.iter().enumerate() {
        let c = &s.calibration;
        assert_eq!(c.customer_id[i], row[0].as_str().expect("id"));
        let ours = [
            c.frequency[i],
            c.recency[i],
            c.t[i],
            c.monetary_value[i],
            s.frequency_holdout[i],
            s.monetary_value_holdout[i],
            s.duration_holdout,
        ];
        for (k, v) in ours.iter().enumerate() {
            same(*v, &row[k + 1], &format!("column {k} of {}", row[0]));
        }
    }
}
