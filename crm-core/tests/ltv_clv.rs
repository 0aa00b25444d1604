//! Customer lifetime value of many customers at once equals the one-customer
//! definition (lifetimes' `customer_lifetime_value`, which
//! crm-core/tests/ltv_lifetimes.rs checks against lifetimes itself), for
//! every purchase model, on random customers.

use crm_core::ltv::{
    customer_lifetime_value, customer_lifetime_values, BgNbdParams, GammaGammaParams, MbgNbdParams, ParetoNbdParams,
    PurchaseModel,
};
use proptest::prelude::*;

/// Customers (x, tₓ, T, m) with few distinct ages, so that many share a pair.
fn customers() -> impl Strategy<Value = Vec<(f64, f64, f64, f64)>> {
    prop::collection::vec((0u32..30, 0.0f64..=1.0, 1u32..6, 1.0f64..500.0), 1..200).prop_map(|rows| {
        rows.into_iter()
            .map(|(x, share, age, m)| {
                let t = f64::from(age) * 13.0;
                let tx = if x == 0 { 0.0 } else { (share * t).round() };
                (f64::from(x), tx, t, if x == 0 { 0.0 } else { m })
            })
            .collect()
    })
}

fn check(model: &impl PurchaseModel, rows: &[(f64, f64, f64, f64)]) {
    let gg = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44 };
    let col = |f: fn(&(f64, f64, f64, f64)) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    let (x, tx, t, m) = (col(|r| r.0), col(|r| r.1), col(|r| r.2), col(|r| r.3));
    let all = customer_lifetime_values(model, &gg, &x, &tx, &t, &m, 12, 0.01, 4.345);
    assert_eq!(all.len(), rows.len());
    for (i, got) in all.iter().enumerate() {
        let want = customer_lifetime_value(model, &gg, x[i], tx[i], t[i], m[i], 12, 0.01, 4.345);
        assert!((got - want).abs() <= 1e-10 * want.abs().max(1e-12), "row {i} {:?}: {got} vs {want}", rows[i]);
    }
}

proptest! {
    #[test]
    fn many_at_once_equals_one_by_one(rows in customers()) {
        let four = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
        check(&four, &rows);
        check(&MbgNbdParams(BgNbdParams { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 }), &rows);
        check(&ParetoNbdParams { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 }, &rows);
    }
}
