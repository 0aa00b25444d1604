//! The simple formula: values worked out by hand, rounding and refusals.

use crm_core::ltv::SimpleLtv;
use crm_core::money::{Currency, Money};

fn eur(amount: i64) -> Money {
    Money::new(amount, Currency::new("EUR").expect("EUR"))
}

#[test]
fn values_round_half_away_from_zero_to_the_cent() {
    // 33.33 × 1.5 = 49.995 → 50.00; × 2 years = 99.99
    let s = SimpleLtv { average_order_value: eur(3_333), purchases_per_year: 1.5, lifespan_years: 2.0 };
    assert_eq!(s.customer_value().expect("value"), eur(5_000));
    assert_eq!(s.value().expect("value"), eur(9_999));
    let none = SimpleLtv { purchases_per_year: 0.0, ..s };
    assert_eq!(none.value().expect("value"), eur(0));
    assert_eq!(none.payback_months(eur(1_000), 0.5).expect("months"), None);
}

#[test]
fn bad_numbers_are_refused_by_name() {
    let s = SimpleLtv { average_order_value: eur(1_000), purchases_per_year: 2.0, lifespan_years: 1.0 };
    let field = |r: Result<Money, crm_core::ltv::LtvError>| match r {
        Err(crm_core::ltv::LtvError::InvalidOption { field, .. }) => field,
        other => panic!("expected an invalid option, got {other:?}"),
    };
    assert_eq!(field(SimpleLtv { purchases_per_year: f64::NAN, ..s }.value()), "purchases_per_year");
    assert_eq!(field(SimpleLtv { lifespan_years: -1.0, ..s }.value()), "lifespan_years");
    assert_eq!(field(SimpleLtv { average_order_value: eur(-1), ..s }.value()), "average_order_value");
    assert_eq!(field(SimpleLtv { purchases_per_year: 1e300, ..s }.value()), "value");
    assert!(s.payback_months(eur(100), 1.5).is_err());
    assert!(s.payback_months(Money::new(100, Currency::new("TRY").expect("TRY")), 0.5).is_err());
}
