//! Property tests of the lifetime-value models: every prediction and
//! log-likelihood stays finite over frequencies 0..10,000, ages up to 100,000
//! periods and extreme parameters; probabilities stay in [0, 1]; expected
//! purchases never decrease with the horizon; CLV is finite and ≥ 0; the
//! transaction summary does not depend on the order of its input; bad input
//! gives typed errors.

use crm_core::ltv::{
    customer_lifetime_value, fit_bgnbd, fit_gamma_gamma, summarize_transactions, BgBbParams, BgNbdParams,
    GammaGammaParams, LtvError, MbgNbdParams, ParetoNbdParams, Period, Summary, Transaction,
};
use proptest::prelude::*;

/// A positive parameter from 1e-3 to 1e3 (log-uniform), or one of the edge values.
fn param() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => (-3.0f64..3.0).prop_map(|e| 10f64.powf(e)),
        1 => prop::sample::select(vec![1e-3, 0.5, 1.0, 1.0 + 1e-9, 1.0 - 1e-9, 1.0 + 1e-6, 2.0, 1e3]),
    ]
}

/// (x, tx, T): frequency 0..=10,000, T up to 100,000 periods, 0 ≤ tx ≤ T
/// (tx = 0 without repeats; often tx = T).
fn customer() -> impl Strategy<Value = (f64, f64, f64)> {
    (0u32..=10_000, prop_oneof![(-2.0f64..5.0).prop_map(|e| 10f64.powf(e)), Just(100_000.0)], 0u8..4, 0.0f64..1.0)
        .prop_map(|(x, t, kind, u)| {
            let x = f64::from(x);
            let tx = match (x == 0.0, kind) {
                (true, _) => 0.0,
                (false, 0) => t,
                (false, 1) => t * (1.0 - 1e-9),
                _ => t * u,
            };
            (x, tx, t)
        })
}

fn horizons() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec((-3.0f64..5.0).prop_map(|e| 10f64.powf(e)), 2..6).prop_map(|mut v| {
        v.sort_by(f64::total_cmp);
        v
    })
}

/// Non-decreasing up to rounding (a few ulps relative).
fn non_decreasing(values: &[f64]) -> bool {
    values.windows(2).all(|w| w[1] >= w[0] - 1e-9 * w[0].abs().max(1e-300))
}

/// The predictions the three continuous-time models share.
trait Model {
    fn log_likelihood(&self, x: f64, tx: f64, t: f64) -> f64;
    fn probability_alive(&self, x: f64, tx: f64, t: f64) -> f64;
    fn conditional_expected_purchases(&self, h: f64, x: f64, tx: f64, t: f64) -> f64;
    fn expected_purchases(&self, h: f64) -> f64;
}

macro_rules! model {
    ($t:ty) => {
        impl Model for $t {
            fn log_likelihood(&self, x: f64, tx: f64, t: f64) -> f64 {
                <$t>::log_likelihood(self, x, tx, t)
            }
            fn probability_alive(&self, x: f64, tx: f64, t: f64) -> f64 {
                <$t>::probability_alive(self, x, tx, t)
            }
            fn conditional_expected_purchases(&self, h: f64, x: f64, tx: f64, t: f64) -> f64 {
                <$t>::conditional_expected_purchases(self, h, x, tx, t)
            }
            fn expected_purchases(&self, h: f64) -> f64 {
                <$t>::expected_purchases(self, h)
            }
        }
    };
}
model!(BgNbdParams);
model!(MbgNbdParams);
model!(ParetoNbdParams);

/// A finite log-likelihood (a density in recency: it may exceed 0), P(alive)
/// in [0, 1], conditional and population expectations finite, ≥ 0 and
/// non-decreasing over the sorted horizons `hs`.
fn check_model(p: &impl Model, x: f64, tx: f64, t: f64, hs: &[f64]) -> Result<(), TestCaseError> {
    let ll = p.log_likelihood(x, tx, t);
    prop_assert!(ll.is_finite(), "ll {ll}");
    let alive = p.probability_alive(x, tx, t);
    prop_assert!((0.0..=1.0).contains(&alive), "P(alive) {alive}");
    let cond: Vec<f64> = hs.iter().map(|&h| p.conditional_expected_purchases(h, x, tx, t)).collect();
    prop_assert!(cond.iter().all(|c| c.is_finite() && *c >= 0.0), "conditional {cond:?}");
    prop_assert!(non_decreasing(&cond), "conditional not monotone {cond:?}");
    let pop: Vec<f64> = hs.iter().map(|&h| p.expected_purchases(h)).collect();
    prop_assert!(pop.iter().all(|c| c.is_finite() && *c >= 0.0), "population {pop:?}");
    prop_assert!(non_decreasing(&pop), "population not monotone {pop:?}");
    Ok(())
}

fn four() -> impl Strategy<Value = (f64, f64, f64, f64)> {
    (param(), param(), param(), param())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn bgnbd_is_finite_and_consistent((r, alpha, a, b) in four(), (x, tx, t) in customer(), hs in horizons()) {
        check_model(&BgNbdParams { r, alpha, a, b }, x, tx, t, &hs)?;
    }

    #[test]
    fn mbgnbd_is_finite_and_consistent((r, alpha, a, b) in four(), (x, tx, t) in customer(), hs in horizons()) {
        check_model(&MbgNbdParams(BgNbdParams { r, alpha, a, b }), x, tx, t, &hs)?;
    }

    #[test]
    fn pareto_nbd_is_finite_and_consistent((r, alpha, s, beta) in four(), (x, tx, t) in customer(), hs in horizons()) {
        check_model(&ParetoNbdParams { r, alpha, s, beta }, x, tx, t, &hs)?;
    }

    #[test]
    fn bgbb_is_finite_and_consistent(
        (alpha, beta, gamma, delta) in four(),
        n in prop_oneof![1u32..20, 1u32..=2_000],
        xu in 0.0f64..1.0, txu in 0.0f64..1.0, ms in prop::collection::vec(0u32..200, 2..5),
    ) {
        let p = BgBbParams { alpha, beta, gamma, delta };
        let nf = f64::from(n);
        let x = (xu * nf).floor();
        let tx = if x == 0.0 { 0.0 } else { (x + (txu * (nf - x + 1.0)).floor()).min(nf) };
        let ll = p.log_likelihood(x, tx, nf);
        prop_assert!(ll.is_finite() && ll <= 1e-9, "ll {ll} at {x} {tx} {nf}");
        let mut ms = ms;
        ms.sort_unstable();
        for &m in &ms {
            let alive = p.probability_alive(m, x, tx, nf);
            prop_assert!((0.0..=1.0 + 1e-12).contains(&alive), "P(alive) {alive}");
        }
        let cond: Vec<f64> = ms.iter().map(|&m| p.conditional_expected_purchases(m, x, tx, nf)).collect();
        prop_assert!(cond.iter().all(|c| c.is_finite() && *c >= 0.0), "conditional {cond:?}");
        prop_assert!(non_decreasing(&cond), "conditional not monotone {cond:?}");
    }

    #[test]
    fn gamma_gamma_and_clv_are_finite(
        (r, alpha, a, b) in four(), (gp, gv) in (param(), param()), q in (0.0f64..3.0).prop_map(|e| 1.0 + 10f64.powf(e - 2.0)),
        (x, tx, t) in customer(), m in (-2.0f64..6.0).prop_map(|e| 10f64.powf(e)),
    ) {
        let gg = GammaGammaParams { p: gp, q, v: gv };
        if x >= 1.0 {
            prop_assert!(gg.log_likelihood(x, m).is_finite());
        }
        let profit = gg.conditional_expected_average_profit(x, if x == 0.0 { 0.0 } else { m });
        prop_assert!(profit.is_finite() && profit >= 0.0, "profit {profit}");
        let bg = BgNbdParams { r, alpha, a, b };
        for model_clv in [
            customer_lifetime_value(&bg, &gg, x, tx, t, m, 12, 0.01, 30.0),
            customer_lifetime_value(&MbgNbdParams(bg), &gg, x, tx, t, m, 12, 0.01, 4.345),
            customer_lifetime_value(&ParetoNbdParams { r, alpha, s: a, beta: b }, &gg, x, tx, t, m, 12, 0.0, 1.0),
        ] {
            prop_assert!(model_clv.is_finite() && model_clv >= 0.0, "clv {model_clv}");
        }
    }

    #[test]
    fn summary_ignores_input_order(
        txs in prop::collection::vec((0usize..5, 0i64..400 * 86_400, 0u32..10_000), 0..40),
        seed in any::<u64>(),
        period in prop::sample::select(vec![Period::Hour, Period::Day, Period::Week, Period::Month]),
    ) {
        let names = ["a", "b", "c", "d", "e"];
        let list: Vec<Transaction<'_>> = txs
            .iter()
            .map(|&(c, s, v)| Transaction { customer: names[c], at: s * 1_000_000, value: f64::from(v) / 100.0 })
            .collect();
        let mut shuffled = list.clone();
        // A deterministic Fisher–Yates shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let end = 380 * 86_400_000_000i64;
        let (one, two) = (summarize_transactions(&list, end, period), summarize_transactions(&shuffled, end, period));
        prop_assert_eq!(&one.customer_id, &two.customer_id);
        prop_assert_eq!(&one.frequency, &two.frequency);
        prop_assert_eq!(&one.recency, &two.recency);
        prop_assert_eq!(&one.t, &two.t);
        for (m1, m2) in one.monetary_value.iter().zip(&two.monetary_value) {
            // Sums of the same values in another order: equal to rounding.
            prop_assert!((m1 - m2).abs() <= 1e-9 * m1.abs().max(1.0));
        }
    }
}

fn is_invalid(r: Result<Summary, LtvError>, field: &str) -> bool {
    matches!(r, Err(LtvError::InvalidSummary { field: f, .. }) if f == field)
}

#[test]
fn bad_rows_give_typed_errors() {
    assert!(is_invalid(Summary::new(vec![1.0], vec![-1.0], vec![5.0]), "recency"));
    assert!(is_invalid(Summary::new(vec![1.0], vec![6.0], vec![5.0]), "recency"));
    assert!(is_invalid(Summary::new(vec![-1.0], vec![0.0], vec![5.0]), "frequency"));
    assert!(is_invalid(Summary::new(vec![0.0], vec![0.0], vec![-1.0]), "T"));
    assert!(Summary::new(vec![0.0], vec![0.0], vec![0.0]).is_ok()); // first purchase in the last period
    assert!(matches!(
        fit_gamma_gamma(&[2.0, 3.0], &[10.0, 0.0], None, 0.0),
        Err(LtvError::InvalidSummary { index: 1, ref field, .. }) if field == "monetary_value"
    ));
    // Frequency 0 with monetary value 0 is what a summary holds for a one-off buyer: skipped.
    assert!(fit_gamma_gamma(&[0.0, 2.0, 3.0, 1.0], &[0.0, 10.0, 12.0, 30.0], None, 0.0).is_ok());
    let empty = Summary::new(vec![], vec![], vec![]).map(|s| fit_bgnbd(&s, 0.0));
    assert!(matches!(empty, Ok(Err(LtvError::NoFit { .. }))));
    assert!(matches!(fit_gamma_gamma(&[], &[], None, 0.0), Err(LtvError::NoFit { .. })));
}

#[test]
fn limits_are_continuous() {
    // Pareto/NBD at s = 1: (1 − x^(s−1))/(s−1) → −ln x.
    let near = ParetoNbdParams { r: 0.55, alpha: 10.6, s: 1.0 + 1e-10, beta: 11.7 };
    let at = ParetoNbdParams { s: 1.0, ..near };
    for t in [1.0, 39.0, 1e4] {
        let (a, b) = (near.expected_purchases(t), at.expected_purchases(t));
        assert!(b.is_finite() && (a - b).abs() <= 1e-6 * b, "E[X({t})] {a} vs {b}");
        let (a, b) = (
            near.conditional_expected_purchases(t, 3.0, 20.0, 38.0),
            at.conditional_expected_purchases(t, 3.0, 20.0, 38.0),
        );
        assert!(b.is_finite() && (a - b).abs() <= 1e-6 * b, "conditional {a} vs {b}");
    }
    // BG/NBD at a = 1: the expected purchases have a finite limit.
    let near = BgNbdParams { r: 0.24, alpha: 4.4, a: 1.0 + 1e-9, b: 2.4 };
    let at = BgNbdParams { a: 1.0, ..near };
    for t in [1.0, 39.0, 1e4] {
        let (a, b) = (near.expected_purchases(t), at.expected_purchases(t));
        assert!(b.is_finite() && (a - b).abs() <= 1e-5 * b, "E[X({t})] {a} vs {b}");
        let (a, b) = (
            near.conditional_expected_purchases(t, 3.0, 20.0, 38.0),
            at.conditional_expected_purchases(t, 3.0, 20.0, 38.0),
        );
        assert!(b.is_finite() && (a - b).abs() <= 1e-5 * b, "conditional {a} vs {b}");
    }
}
