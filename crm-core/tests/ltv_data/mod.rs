//! The LTV test data sets (tests/data), read once here for every LTV test file.
#![allow(dead_code)] // each test file uses some of them

use crm_core::ltv::Summary;

/// The numeric columns of a CSV text after the header, `skip` leading columns dropped.
fn csv(text: &str, skip: usize) -> Vec<Vec<f64>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').skip(skip).map(|v| v.trim().parse().unwrap_or(f64::NAN)).collect())
        .collect()
}

/// The CDNOW 39-week calibration summary (2,357 customers, weeks).
pub fn cdnow() -> Summary {
    let rows = csv(include_str!("../../../tests/data/cdnow/cdnow_customers_summary.csv"), 1);
    Summary::new(
        rows.iter().map(|r| r[0]).collect(),
        rows.iter().map(|r| r[1]).collect(),
        rows.iter().map(|r| r[2]).collect(),
    )
    .expect("the CDNOW summary is valid")
}

/// CDNOW frequency and mean repeat-purchase value (`x`, `zbar`).
pub fn cdnow_values() -> (Vec<f64>, Vec<f64>) {
    let rows = csv(include_str!("../../../tests/data/cdnow/cdnow_customers_summary_with_transactions.csv"), 1);
    (rows.iter().map(|r| r[0]).collect(), rows.iter().map(|r| r[3]).collect())
}

/// The donations data as (frequency, recency, opportunities, donors).
pub fn donations() -> Vec<(f64, f64, f64, f64)> {
    csv(include_str!("../../../tests/data/donations/donations.csv"), 0)
        .iter()
        .map(|v| (v[0], v[1], v[2], v[3]))
        .collect()
}
