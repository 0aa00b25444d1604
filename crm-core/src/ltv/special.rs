//! Special functions the models need: the log-gamma function, a stable
//! `log(exp(a) + exp(b))` and the Gauss hypergeometric function.

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

/// The Gauss hypergeometric function ₂F₁(a, b; c; z) for real `z < 1`
/// (the value of [`ln_hyp2f1`] with its sign; ±∞ where the value overflows).
///
/// Near 0 the power series is summed; for `z < 0` the Pfaff transformation
/// ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c − b; c; z/(z − 1)) brings the
/// argument into [0, 1); above 1/2 the linear transformation to 1 − z
/// (Abramowitz & Stegun 15.3.6) is used when it is well conditioned, else
/// the series (after Euler's transformation when c − a − b < 0). Where
/// c − a − b is within 1e-3 of an integer, 15.3.6 is evaluated at six values
/// of `b` placing c − a − b at the integer ± 2e-3, 4e-3, 6e-3 and
/// interpolated (degree 5; ₂F₁ is analytic in `b`), instead of the limiting
/// forms 15.3.10–15.3.12; the error of that interpolation grows like
/// (0.006 · ln(1 − z))⁶ (about 1e-12 relative at 1 − z = 1e-4, 4e-11 at
/// 1e-9; elsewhere ~1e-12, less as ln Γ of parameters in the thousands
/// loses digits). Returns NaN for `z ≥ 1`, non-finite arguments or
/// `c` a non-positive integer.
///
/// ```
/// use crm_core::ltv::hyp2f1;
/// // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
/// let z = 0.75f64;
/// assert!((hyp2f1(1.0, 1.0, 2.0, z) - (-(1.0 - z).ln() / z)).abs() < 1e-14);
/// // ₂F₁(a, b; b; z) = (1 − z)^(−a)
/// assert!((hyp2f1(0.3, 2.0, 2.0, -3.0) - 4f64.powf(-0.3)).abs() < 1e-14);
/// // close to 1, where the series alone would need billions of terms
/// let z = 1.0 - 1e-9;
/// let rel = hyp2f1(1.0, 1.0, 2.0, z) / (-(1.0 - z).ln() / z) - 1.0;
/// assert!(rel.abs() < 1e-10, "{rel:e}"); // 4e-11: interpolated across c − a − b = 0
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (ln, sign) = ln_hyp2f1(a, b, c, z);
    sign * ln.exp()
}

/// `(ln |₂F₁(a, b; c; z)|, sign)` for real `z < 1`: [`hyp2f1`] in log space,
/// for values that overflow (large parameters near z = 1). The sign is 0 for
/// a zero value; both are NaN where [`hyp2f1`] is NaN.
///
/// ```
/// use crm_core::ltv::ln_hyp2f1;
/// // ₂F₁(a, b; b; z) = (1 − z)^(−a): (1e-8)^(−1000) overflows, its log does not.
/// let (ln, sign) = ln_hyp2f1(1000.0, 2.0, 2.0, 1.0 - 1e-8);
/// assert_eq!(sign, 1.0);
/// assert!((ln - 1000.0 * 1e8f64.ln()).abs() < 1e-9 * ln);
/// ```
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> (f64, f64) {
    ln_hyp2f1_parts(a, b, c, z, 1.0 - z)
}

/// [`ln_hyp2f1`] with `y = 1 − z` given by the caller, who may know it more
/// precisely than `1 − z` rounds (z close to 1).
pub(crate) fn ln_hyp2f1_parts(a: f64, b: f64, c: f64, z: f64, y: f64) -> (f64, f64) {
    match ln_hyp2f1_scaled(a, b, c, z, y) {
        Some((ln, sign, _)) => (ln, sign),
        None => (f64::NAN, f64::NAN),
    }
}

/// [`ln_hyp2f1_parts`] with the condition of the evaluation.
fn ln_hyp2f1_scaled(a: f64, b: f64, c: f64, z: f64, y: f64) -> Option<Scaled> {
    if [a, b, c, z, y].iter().any(|v| !v.is_finite()) || z >= 1.0 || y <= 0.0 || (c <= 0.0 && c.fract() == 0.0) {
        return None;
    }
    if z < 0.0 {
        // Pfaff: the argument z/(z − 1) = 1 − 1/(1 − z), with 1 − z = y.
        return unit_interval(a, c - b, c, -z / y, 1.0 / y).map(|(ln, sign, k)| (ln - a * y.ln(), sign, k));
    }
    unit_interval(a, b, c, z, y)
}

/// A value as (ln |v|, sign, condition), the condition being the sum of the
/// magnitudes that went into it over its magnitude (1 without cancellation).
type Scaled = (f64, f64, f64);

/// Beyond this condition a formula is not trusted while another may do better.
const WELL_CONDITIONED: f64 = 1e3;

/// ₂F₁ for 0 ≤ z < 1 (y = 1 − z): the series, or 15.3.6, whichever is better
/// conditioned.
fn unit_interval(a: f64, b: f64, c: f64, z: f64, y: f64) -> Option<Scaled> {
    let m = c - a - b;
    let direct = |budget: u32| {
        if m >= 0.0 || z <= 0.5 {
            series(a, b, c, z, budget)
        } else {
            // Euler: (1 − z)^(c−a−b) ₂F₁(c − a, c − b; c; z), which stays finite at z = 1.
            series(c - a, c - b, c, z, budget).map(|(ln, sign, k)| (ln + m * y.ln(), sign, k))
        }
    };
    if z <= 0.5 {
        return direct(4_000_000);
    }
    let better = |best: Option<Scaled>, v: Option<Scaled>| match (best, v) {
        (Some(b), Some(v)) if v.2.is_finite() && v.2 < b.2 => Some(v),
        (None, Some(v)) if v.2.is_finite() => Some(v),
        _ => best,
    };
    let good = |best: Option<Scaled>| best.is_some_and(|b| b.2 <= WELL_CONDITIONED);
    let mut best = None;
    if z < 0.9 {
        best = better(best, direct(100_000));
        if m < 0.0 {
            // Euler's form may cancel where the plain series does not.
            best = better(best, series(a, b, c, z, 100_000));
        }
        if good(best) {
            return best;
        }
    }
    best = better(best, one_minus_z(a, b, c, y));
    if good(best) {
        return best;
    }
    better(best, direct(4_000_000))
}

/// Abramowitz & Stegun 15.3.6, interpolated across integer c − a − b.
fn one_minus_z(a: f64, b: f64, c: f64, y: f64) -> Option<Scaled> {
    let m = c - a - b;
    let n = m.round();
    if (m - n).abs() >= 1e-3 {
        return one_minus_z_raw(a, b, c, y);
    }
    // Nodes at c − a − b = n + j·h, moving b; Lagrange interpolation at m.
    let h = 2e-3;
    let js = [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0];
    let mut vals = [(0.0, 0.0, 0.0); 6];
    for (v, j) in vals.iter_mut().zip(js) {
        *v = one_minus_z_raw(a, c - a - (n + j * h), c, y)?;
    }
    let top = vals.iter().map(|v| v.0).fold(f64::NEG_INFINITY, f64::max);
    let x = (m - n) / h;
    let (mut sum, mut abs) = (0.0, 0.0);
    for (i, (ji, vi)) in js.iter().zip(&vals).enumerate() {
        let weight: f64 = js.iter().enumerate().filter(|&(k, _)| k != i).map(|(_, jk)| (x - jk) / (ji - jk)).product();
        let v = (vi.0 - top).exp();
        sum += weight * vi.1 * v;
        abs += (weight * v).abs() * vi.2;
    }
    Some((top + sum.abs().ln(), sum.signum(), abs / sum.abs()))
}

/// 15.3.6: ₂F₁(a, b; c; z) = Γ(c)Γ(m)/(Γ(c−a)Γ(c−b)) ₂F₁(a, b; 1−m; y)
/// + y^m Γ(c)Γ(−m)/(Γ(a)Γ(b)) ₂F₁(c−a, c−b; 1+m; y), m = c − a − b ∉ ℤ, y = 1 − z.
fn one_minus_z_raw(a: f64, b: f64, c: f64, y: f64) -> Option<Scaled> {
    let m = c - a - b;
    let (gc, sc) = ln_gamma_signed(c);
    let (gm, sm) = ln_gamma_signed(m);
    let (gnm, snm) = ln_gamma_signed(-m);
    let (gca, sca) = ln_gamma_signed(c - a);
    let (gcb, scb) = ln_gamma_signed(c - b);
    let (ga, sa) = ln_gamma_signed(a);
    let (gb, sb) = ln_gamma_signed(b);
    let term = |coef: f64, sign: f64, f: Scaled| -> Scaled {
        if sign == 0.0 {
            (f64::NEG_INFINITY, 0.0, 0.0) // 1/Γ at a pole: the term vanishes
        } else {
            (coef + f.0, sign * f.1, f.2)
        }
    };
    let t1 = term(gc + gm - gca - gcb, sc * sm * sca * scb, series(a, b, 1.0 - m, y, 4_000_000)?);
    let t2 = term(m * y.ln() + gc + gnm - ga - gb, sc * snm * sa * sb, series(c - a, c - b, 1.0 + m, y, 4_000_000)?);
    let top = t1.0.max(t2.0);
    if top == f64::NEG_INFINITY {
        return Some((top, 0.0, 1.0));
    }
    let (v1, v2) = ((t1.0 - top).exp(), (t2.0 - top).exp());
    let sum = t1.1 * v1 + t2.1 * v2;
    Some((top + sum.abs().ln(), sum.signum(), (v1 * t1.2 + v2 * t2.2) / sum.abs()))
}

/// The power series Σ (a)ₖ(b)ₖ/((c)ₖ k!) zᵏ for 0 ≤ z < 1, rescaled as it
/// grows, summed until a bound on the rest of the series (once every factor
/// is positive) is below half an ulp of the sum; `None` after `budget` terms.
fn series(a: f64, b: f64, c: f64, z: f64, budget: u32) -> Option<Scaled> {
    const BIG: f64 = 1e200;
    let (mut sum, mut term, mut abs, mut scale) = (1.0f64, 1.0f64, 1.0f64, 0.0f64);
    let done = |sum: f64, abs: f64, scale: f64| Some((scale + sum.abs().ln(), sum.signum(), abs / sum.abs()));
    for k in 0..budget {
        let k = f64::from(k);
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        abs += term.abs();
        if term == 0.0 {
            return done(sum, abs, scale);
        }
        if !term.is_finite() {
            return None;
        }
        if abs > BIG {
            (sum, term, abs, scale) = (sum / BIG, term / BIG, abs / BIG, scale + BIG.ln());
        }
        // The next ratios are at most ρ once a + j, b + j, c + j > 0 (each
        // factor (a+j)/(j+1), (b+j)/(c+j) above 1 decreases towards 1).
        let j = k + 1.0;
        if a + j > 0.0 && b + j > 0.0 && c + j > 0.0 {
            let rho = z * ((a + j) / (j + 1.0)).max(1.0) * ((b + j) / (c + j)).max(1.0);
            if rho < 1.0 && term.abs() * rho / (1.0 - rho) <= 0.5 * f64::EPSILON * sum.abs() {
                return done(sum, abs, scale);
            }
        }
    }
    None
}

/// `(ln |Γ(x)|, sign of Γ(x))` for any real `x`; `(∞, 0)` at the poles, so
/// that a 1/Γ there is 0.
fn ln_gamma_signed(x: f64) -> (f64, f64) {
    if x > 0.0 {
        return (ln_gamma(x), 1.0);
    }
    if x == x.floor() {
        return (f64::INFINITY, 0.0);
    }
    // Reflection: Γ(x) = π / (sin(πx) Γ(1 − x)), sin(πx) = (−1)^n sin(π(x − n)).
    let n = x.round();
    let sin = (std::f64::consts::PI * (x - n)).sin() * if n.rem_euclid(2.0) == 0.0 { 1.0 } else { -1.0 };
    (std::f64::consts::PI.ln() - sin.abs().ln() - ln_gamma(1.0 - x), sin.signum())
}

/// E[(1 − (1 + p u)^(−A)) / p] for p ~ Beta(a, β): the purchases a customer
/// makes before dropping out in the BG/NBD family, with A the Gamma shape of
/// the purchase rate and u the horizon over its scale. Equal to
/// (a+β−1)/(a−1) · [1 − ₂F₁(A, a−1; a+β−1; −u)], which is 0/0 at a = 1 and
/// ∞·0 at a + β = 1, where the straight line through nearby values is used
/// ([`across_one`]). For small u (u, A·u ≤ 1/4) the alternating series
/// Σₖ (−1)^(k+1) (A)ₖ (a)ₖ₋₁ uᵏ / ((a+β)ₖ₋₁ k!) avoids the cancellation in 1 − ₂F₁.
pub(crate) fn beta_dropout_expectation(big_a: f64, a: f64, beta: f64, u: f64) -> f64 {
    if u == 0.0 {
        return 0.0;
    }
    if u <= 0.25 && big_a * u <= 0.25 {
        let (mut sum, mut term) = (big_a * u, big_a * u);
        for k in 1..400u32 {
            let k = f64::from(k);
            term *= -(big_a + k) * (a + k - 1.0) * u / ((a + beta + k - 1.0) * (k + 1.0));
            let next = sum + term;
            if next == sum {
                break;
            }
            sum = next;
        }
        return sum;
    }
    if (a - 1.0).abs() < NEAR_ONE {
        return across_one(a, |a| beta_dropout_expectation(big_a, a, beta, u));
    }
    let c = a + beta - 1.0;
    if c.abs() < NEAR_ONE && a < 1.0 - 2.5 * NEAR_ONE {
        return across_one(a + beta, |sum| beta_dropout_expectation(big_a, a, sum - a, u));
    }
    let g = match ln_hyp2f1_scaled(big_a, a - 1.0, c, -u, 1.0 + u) {
        // Too much cancellation (r far above a + b with many purchases): for
        // a > 2 the Beta integral below, whose integrand has an inner peak.
        Some((_, _, k)) if k * f64::EPSILON > 1e-9 && a > 2.0 && beta > 1.0 => beta_integral(big_a, a - 1.0, beta, u),
        Some((ln, sign, _)) => sign * ln.exp(),
        None => f64::NAN,
    };
    let e = c / (a - 1.0) * (1.0 - g);
    if e < 0.0 {
        0.0 // rounding below an exact zero
    } else {
        e
    }
}

/// ₂F₁(A, b; b+β; −u) = E[(1 + p u)^(−A)] for p ~ Beta(b, β), b, β > 1
/// (Euler's integral), by Gauss–Legendre quadrature on 8 panels over
/// ±12 standard deviations of the Laplace approximation around the peak of
/// the integrand; accurate for the large parameters where the series cancel.
fn beta_integral(big_a: f64, b: f64, beta: f64, u: f64) -> f64 {
    let phi = |p: f64| (b - 1.0) * p.ln() + (beta - 1.0) * (-p).ln_1p() - big_a * (p * u).ln_1p();
    let slope = |p: f64| (b - 1.0) / p - (beta - 1.0) / (1.0 - p) - big_a * u / (1.0 + p * u);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if slope(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mode = 0.5 * (lo + hi);
    let curvature = (b - 1.0) / (mode * mode) + (beta - 1.0) / ((1.0 - mode) * (1.0 - mode))
        - big_a * u * u / ((1.0 + mode * u) * (1.0 + mode * u));
    let sd = if curvature > 0.0 { curvature.sqrt().recip() } else { 0.1 };
    let (from, to) = ((mode - 12.0 * sd).max(0.0), (mode + 12.0 * sd).min(1.0));
    let (top, panels) = (phi(mode), 8);
    let width = (to - from) / f64::from(panels);
    let mut sum = 0.0;
    for i in 0..panels {
        let centre = from + width * (f64::from(i) + 0.5);
        for &(node, weight) in gauss_legendre_16() {
            sum += weight * 0.5 * width * (phi(centre + 0.5 * width * node) - top).exp();
        }
    }
    let ln_beta = ln_gamma(b) + ln_gamma(beta) - ln_gamma(b + beta);
    (top + sum.ln() - ln_beta).exp()
}

/// Nodes and weights of 16-point Gauss–Legendre quadrature on [−1, 1]
/// (Newton's method on the Legendre recurrence; computed once).
pub(crate) fn gauss_legendre_16() -> &'static [(f64, f64); 16] {
    static RULE: std::sync::OnceLock<[(f64, f64); 16]> = std::sync::OnceLock::new();
    RULE.get_or_init(|| {
        const N: usize = 16;
        let mut rule = [(0.0, 0.0); N];
        for (i, node) in rule.iter_mut().enumerate() {
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (N as f64 + 0.5)).cos();
            let mut derivative = 1.0;
            for _ in 0..100 {
                // P_N(x) and P_N'(x) by the three-term recurrence.
                let (mut p0, mut p1) = (1.0f64, x);
                for k in 2..=N {
                    let k = k as f64;
                    (p0, p1) = (p1, ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k);
                }
                derivative = N as f64 * (x * p1 - p0) / (x * x - 1.0);
                let step = p1 / derivative;
                x -= step;
                if step.abs() < 1e-16 {
                    break;
                }
            }
            *node = (x, 2.0 / ((1.0 - x * x) * derivative * derivative));
        }
        rule
    })
}

/// Within this distance of 1 a parameter is taken through [`across_one`].
pub(crate) const NEAR_ONE: f64 = 5e-5;

/// `f(v)` for `v` within [`NEAR_ONE`] of 1, where `f` is a ratio 0/0 at
/// exactly 1 (BG/NBD's (a+b−1)/(a−1) · [1 − …] at a = 1, BG/BB's γ = 1): the
/// straight line through f(1 − h) and f(1 + h), h = 2 · [`NEAR_ONE`] (outside
/// the interval, so `f` does not come back here), which differs from the
/// smooth limit by O(h²), about 1e-8 relative.
pub(crate) fn across_one(v: f64, f: impl Fn(f64) -> f64) -> f64 {
    let h = 2.0 * NEAR_ONE;
    let (lo, hi) = (f(1.0 - h), f(1.0 + h));
    lo + (hi - lo) * (v - (1.0 - h)) / (2.0 * h)
}

/// (1 − exp(d · l)) / d, continuous at d = 0 where it is −l: Pareto/NBD's
/// (1 − x^(s−1))/(s−1) with l = ln x, which tends to −ln x as s → 1.
pub(crate) fn one_minus_pow_over(d: f64, l: f64) -> f64 {
    if d == 0.0 {
        -l
    } else {
        -(d * l).exp_m1() / d
    }
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

    /// Reference values from mpmath 1.3 at 50 digits, `mp.dps = 50;
    /// hyp2f1(mpf(a), mpf(b), mpf(c), mpf(z))` and its `log(abs(…))`, with
    /// the arguments as the f64 values below (`mpf(0.999999)`, not the decimal:
    /// near 1, ln ₂F₁ moves by (c−a−b)·δz/(1−z)).
    #[test]
    fn hyp2f1_matches_mpmath_near_one_and_for_large_parameters() {
        let values = [
            // (a, b, c, z, ₂F₁)
            (0.5, 0.3, 1.7, 0.99999, 1.191_868_789_778_822),
            (1.0, 1.0, 2.0, 0.99, 4.651_687_056_553_627_6), // c − a − b = 0
            (0.5, 1.5, 3.0, 0.999, 1.689_980_460_427_862_7), // c − a − b = 1
            (2.0, 3.0, 4.0, 0.9999, 29_953.722_876_052_53), // c − a − b = −1
            (1.5, 2.000_000_000_1, 2.5, 0.9999, 14_993.551_531_517_729), // c − a − b = −1 − 1e-10
            (1.3, 0.7, 2.2, -1e6, 1.301_170_983_415_070_8e-4),
            (0.001, -0.5, 0.5, -3.6416e7, 19.912_697_984_409_365), // BG/NBD, t ≫ α
        ];
        for (a, b, c, z, want) in values {
            let got = hyp2f1(a, b, c, z);
            // Near-integer c − a − b goes through interpolation: 1.3e-12 there.
            assert!((got - want).abs() <= 2e-12 * want.abs(), "₂F₁({a}, {b}; {c}; {z}) = {got}, mpmath {want}");
        }
        // BG/NBD at x = 3000: ln Γ(3000) ≈ 2.1e4 carries ~1e-11 absolute error
        // into the connection coefficients, hence 2e-11 here.
        let got = hyp2f1(3000.24, -0.21, 3001.22, -1e4);
        assert!((got / 6.917_980_498_670_702 - 1.0).abs() <= 2e-11, "{got}");
        // Overflowing values, by their logarithm: (a, b, c, z, ln ₂F₁).
        for (a, b, c, z, want) in [
            (1000.3, 999.5, 1001.3, 0.999_999, 13_794.789_093_177_946), // Pareto/NBD, x = 1000
            (250.5, 1.3, 3.1, 0.7, 291.032_529_630_293_76),
        ] {
            let (got, sign) = ln_hyp2f1(a, b, c, z);
            assert!(
                sign == 1.0 && (got - want).abs() <= 1e-12 * want.abs(),
                "ln ₂F₁({a}, {b}; {c}; {z}) = {got}, mpmath {want}"
            );
        }
    }

    #[test]
    fn gauss_legendre_integrates_polynomials() {
        let rule = gauss_legendre_16();
        assert!((rule.iter().map(|w| w.1).sum::<f64>() - 2.0).abs() < 1e-14);
        // ∫ x³⁰ over [−1, 1] = 2/31: exact for degree ≤ 31.
        let got: f64 = rule.iter().map(|&(x, w)| w * x.powi(30)).sum();
        assert!((got - 2.0 / 31.0).abs() < 1e-15);
    }
}
