//! Special functions the models need: the log-gamma function and a stable
//! `log(exp(a) + exp(b))`.

/// Lanczos coefficients (g = 7, n = 9), as published by Godfrey; relative
/// error below 1e-15 for positive arguments.
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// `ln Γ(x)` for `x > 0` (NaN otherwise).
///
/// ```
/// use crm_core::ltv::ln_gamma;
/// assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-13);       // Γ(5) = 4! = 24
/// assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-13);
/// ```
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(π x).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = LANCZOS[0];
    let t = x + 7.5;
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `ln(exp(a) + exp(b))` without overflow (either may be −∞).
///
/// ```
/// use crm_core::ltv::log_add_exp;
/// assert!((log_add_exp(1000.0, 1000.0) - (1000.0 + 2f64.ln())).abs() < 1e-12);
/// assert_eq!(log_add_exp(f64::NEG_INFINITY, 3.0), 3.0);
/// ```
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// The Gauss hypergeometric function ₂F₁(a, b; c; z) for real `z < 1`.
///
/// For `0 ≤ z < 1` the power series is summed term by term (each term from
/// the previous one by the ratio (a+k)(b+k)/((c+k)(k+1)) z) until a term no
/// longer changes the sum in the last bit; for `z < 0` the Pfaff
/// transformation ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c − b; c; z/(z − 1))
/// brings the argument into [0, 1) first. The models call it with
/// `z = t/(α + T + t)`, well inside the unit interval. Returns NaN for
/// `z ≥ 1`, for `c` a non-positive integer, or when the series has not
/// converged after a million terms (z within about 1e-5 of 1).
///
/// ```
/// use crm_core::ltv::hyp2f1;
/// // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
/// let z = 0.75f64;
/// assert!((hyp2f1(1.0, 1.0, 2.0, z) - (-(1.0 - z).ln() / z)).abs() < 1e-14);
/// // ₂F₁(a, b; b; z) = (1 − z)^(−a)
/// assert!((hyp2f1(0.3, 2.0, 2.0, -3.0) - 4f64.powf(-0.3)).abs() < 1e-14);
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    if [a, b, c, z].iter().any(|v| !v.is_finite()) || z >= 1.0 || (c <= 0.0 && c.fract() == 0.0) {
        return f64::NAN;
    }
    if z < 0.0 {
        return (1.0 - z).powf(-a) * hyp2f1(a, c - b, c, z / (z - 1.0));
    }
    let (mut sum, mut term) = (1.0f64, 1.0f64);
    for k in 0..1_000_000u32 {
        let k = f64::from(k);
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        let next = sum + term;
        if next == sum {
            return sum;
        }
        sum = next;
    }
    f64::NAN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials_and_known_values() {
        let mut fact = 1.0f64;
        for n in 1..30 {
            // Γ(n) = (n − 1)!
            assert!((ln_gamma(n as f64) - fact.ln()).abs() < 1e-12 * fact.ln().abs().max(1.0), "n = {n}");
            fact *= n as f64;
        }
        // Γ(1/3) = 2.678938534707747633… (Abramowitz & Stegun 6.1.10)
        assert!((ln_gamma(1.0 / 3.0) - 2.678_938_534_707_747_6f64.ln()).abs() < 1e-13);
        // Γ(0.1) = 9.513507698668731836…
        assert!((ln_gamma(0.1) - 9.513_507_698_668_732f64.ln()).abs() < 1e-13);
        assert!(ln_gamma(0.0).is_nan() && ln_gamma(-1.0).is_nan());
    }

    #[test]
    fn hyp2f1_matches_closed_forms() {
        // ₂F₁(1/2, 1; 3/2; z²) = atanh(z)/z (Abramowitz & Stegun 15.1.4)
        for z in [0.1f64, 0.5, 0.9, 0.99] {
            let want = z.atanh() / z;
            assert!((hyp2f1(0.5, 1.0, 1.5, z * z) - want).abs() < 1e-12 * want, "z = {z}");
        }
        // ₂F₁(a, b; b; z) = (1 − z)^(−a) on both sides of 0
        for z in [-5.0f64, -0.5, 0.3, 0.95] {
            assert!((hyp2f1(1.7, 3.0, 3.0, z) - (1.0 - z).powf(-1.7)).abs() < 1e-11 * (1.0 - z).powf(-1.7));
        }
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_nan() && hyp2f1(1.0, 1.0, -2.0, 0.5).is_nan());
    }
}
