//! The simple lifetime value of the brief: average order value × purchases
//! per year × expected lifespan in years, with money in integer minor units.

use super::LtvError;
use crate::facts::CustomerFacts;
use crate::money::{Currency, Money};
use crate::time::MICROS_PER_DAY;

/// Days in a year for rates per year (the mean Gregorian year).
pub const DAYS_PER_YEAR: f64 = 365.2425;

/// The three numbers of the simple formula.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimpleLtv {
    /// Average net value of an order.
    pub average_order_value: Money,
    /// Orders per customer per year.
    pub purchases_per_year: f64,
    /// Expected years a customer keeps buying.
    pub lifespan_years: f64,
}

fn round_minor(v: f64) -> Result<i64, LtvError> {
    let r = v.round();
    if r.is_finite() && r.abs() < 9.0e18 {
        Ok(r as i64)
    } else {
        Err(LtvError::InvalidOption { field: "value".into(), message: "out of range".into() })
    }
}

impl SimpleLtv {
    /// Checks the numbers: finite, purchases and lifespan ≥ 0, value ≥ 0.
    ///
    /// # Errors
    /// [`LtvError::InvalidOption`] naming the bad number.
    pub fn validate(&self) -> Result<(), LtvError> {
        let bad = |field: &str| LtvError::InvalidOption {
            field: field.into(),
            message: "must be a finite number ≥ 0".into(),
        };
        if self.average_order_value.amount < 0 {
            return Err(bad("average_order_value"));
        }
        if !(self.purchases_per_year.is_finite() && self.purchases_per_year >= 0.0) {
            return Err(bad("purchases_per_year"));
        }
        if !(self.lifespan_years.is_finite() && self.lifespan_years >= 0.0) {
            return Err(bad("lifespan_years"));
        }
        Ok(())
    }

    /// Customer value per year: average order value × purchases per year,
    /// rounded to the minor unit (half away from zero).
    ///
    /// ```
    /// use crm_core::ltv::SimpleLtv;
    /// use crm_core::money::{Currency, Money};
    /// let try_ = Currency::new("TRY")?;
    /// let s = SimpleLtv { average_order_value: Money::new(45_000, try_), purchases_per_year: 2.5, lifespan_years: 3.0 };
    /// assert_eq!(s.customer_value()?, Money::new(112_500, try_));   // 450.00 × 2.5
    /// assert_eq!(s.value()?, Money::new(337_500, try_));            // × 3 years
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`validate`](Self::validate), or a value beyond `i64`.
    pub fn customer_value(&self) -> Result<Money, LtvError> {
        self.validate()?;
        let v = self.average_order_value.amount as f64 * self.purchases_per_year;
        Ok(Money::new(round_minor(v)?, self.average_order_value.currency))
    }

    /// The lifetime value: average order value × purchases per year × lifespan.
    ///
    /// # Errors
    /// As [`customer_value`](Self::customer_value).
    pub fn value(&self) -> Result<Money, LtvError> {
        self.validate()?;
        let v = self.average_order_value.amount as f64 * self.purchases_per_year * self.lifespan_years;
        Ok(Money::new(round_minor(v)?, self.average_order_value.currency))
    }

    /// Months until a customer's margin repays what acquiring them cost:
    /// `cac` / (customer value per year × `margin` / 12); `None` when the
    /// margin per month is zero.
    ///
    /// ```
    /// use crm_core::ltv::SimpleLtv;
    /// use crm_core::money::{Currency, Money};
    /// let eur = Currency::new("EUR")?;
    /// let s = SimpleLtv { average_order_value: Money::new(6_000, eur), purchases_per_year: 4.0, lifespan_years: 2.0 };
    /// // 60.00 × 4 = 240.00 a year, 30% margin = 6.00 a month; a 30.00 CAC is repaid in 5 months.
    /// assert_eq!(s.payback_months(Money::new(3_000, eur), 0.3)?, Some(5.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`LtvError::InvalidOption`] for a margin outside [0, 1], a negative CAC
    /// or a CAC in another currency.
    pub fn payback_months(&self, cac: Money, margin: f64) -> Result<Option<f64>, LtvError> {
        self.validate()?;
        let bad = |field: &str, message: &str| LtvError::InvalidOption { field: field.into(), message: message.into() };
        if !(0.0..=1.0).contains(&margin) {
            return Err(bad("margin", "must be between 0 and 1"));
        }
        if cac.amount < 0 {
            return Err(bad("cac", "must be ≥ 0"));
        }
        if cac.currency != self.average_order_value.currency {
            return Err(bad("cac", "must be in the currency of the average order value"));
        }
        let per_month = self.average_order_value.amount as f64 * self.purchases_per_year * margin / 12.0;
        Ok((per_month > 0.0).then(|| cac.amount as f64 / per_month))
    }

    /// The three numbers estimated from customer facts in `currency`:
    ///
    /// - average order value = Σ net spend / Σ counted orders;
    /// - purchases per year = Σ counted orders / Σ years from each buyer's
    ///   first order to `as_of` (at least one day each);
    /// - lifespan = 1 / yearly churn, where yearly churn is the share of the
    ///   buyers whose first order is over a year old who have not ordered in
    ///   the last year (`None` when no buyer is that old or none churned).
    ///
    /// ```
    /// use crm_core::facts::{customer_facts, FactsOptions};
    /// use crm_core::ltv::SimpleLtv;
    /// use crm_core::model::Store;
    /// use crm_core::money::Currency;
    /// use crm_core::time::parse_instant;
    /// let store = Store::from_json(r#"{"orders": [
    ///   {"id": "o1", "customer_id": "a", "placed_at": "2022-01-01T00:00:00Z", "currency": "EUR", "status": "paid", "subtotal": 1000, "total": 1000},
    ///   {"id": "o2", "customer_id": "a", "placed_at": "2023-06-01T00:00:00Z", "currency": "EUR", "status": "paid", "subtotal": 3000, "total": 3000},
    ///   {"id": "o3", "customer_id": "b", "placed_at": "2022-01-01T00:00:00Z", "currency": "EUR", "status": "paid", "subtotal": 2000, "total": 2000}
    /// ]}"#)?;
    /// let as_of = parse_instant("2024-01-01T00:00:00Z")?;
    /// let facts = customer_facts(&store, as_of, &FactsOptions::default())?;
    /// let (s, lifespan) = SimpleLtv::estimate(&facts, Currency::new("EUR")?, as_of.timestamp_micros())?;
    /// assert_eq!(s.average_order_value.amount, 2000);               // 6000 / 3 orders
    /// assert!((s.purchases_per_year - 3.0 / (2.0 * 730.0 / 365.2425)).abs() < 1e-12); // 2 buyers × 730 days
    /// assert_eq!(lifespan, Some(2.0));                               // b has not ordered for a year: churn 1/2
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// The returned `SimpleLtv` uses the estimated lifespan, or 1 year when
    /// there is none (the second value says which).
    ///
    /// # Errors
    /// [`LtvError::NoFit`] when no customer has a counted order in `currency`.
    pub fn estimate(
        facts: &CustomerFacts,
        currency: Currency,
        as_of: i64,
    ) -> Result<(SimpleLtv, Option<f64>), LtvError> {
        let year = DAYS_PER_YEAR * MICROS_PER_DAY as f64;
        let (mut orders, mut spend, mut years) = (0u64, 0i128, 0f64);
        let (mut old, mut churned) = (0u64, 0u64);
        for i in 0..facts.len() {
            if facts.order_count[i] == 0 || facts.currency[i] != Some(currency) {
                continue;
            }
            let (Some(first), Some(last)) = (facts.first_order_at[i], facts.last_order_at[i]) else { continue };
            orders += u64::from(facts.order_count[i]);
            spend += i128::from(facts.net_spend[i]);
            years += ((as_of - first) as f64).max(MICROS_PER_DAY as f64) / year;
            if (as_of - first) as f64 > year {
                old += 1;
                if (as_of - last) as f64 > year {
                    churned += 1;
                }
            }
        }
        if orders == 0 {
            return Err(LtvError::NoFit { message: format!("no counted order in {}", currency.code()) });
        }
        let aov = i64::try_from((spend as f64 / orders as f64).round() as i128).map_err(|_| {
            LtvError::InvalidOption { field: "average_order_value".into(), message: "out of range".into() }
        })?;
        let lifespan = (old > 0 && churned > 0).then(|| old as f64 / churned as f64);
        let s = SimpleLtv {
            average_order_value: Money::new(aov, currency),
            purchases_per_year: orders as f64 / years,
            lifespan_years: lifespan.unwrap_or(1.0),
        };
        Ok((s, lifespan))
    }
}
