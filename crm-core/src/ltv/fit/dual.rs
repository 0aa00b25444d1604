//! Forward-mode automatic differentiation: a value with its gradient with
//! respect to `N` variables, carried through arithmetic and the special
//! functions the likelihoods use. The fits get exact gradients from it for
//! the quasi-Newton search.

use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::ltv::special::ln_gamma;

/// A value and its partial derivatives with respect to `N` variables.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Dual<const N: usize> {
    /// The value.
    pub(crate) v: f64,
    /// ∂value/∂variableᵢ.
    pub(crate) d: [f64; N],
}

impl<const N: usize> Dual<N> {
    /// A constant: every derivative 0.
    pub(crate) fn constant(v: f64) -> Self {
        Dual { v, d: [0.0; N] }
    }

    /// Variable `i` with value `v`.
    pub(crate) fn variable(v: f64, i: usize) -> Self {
        let mut d = [0.0; N];
        d[i] = 1.0;
        Dual { v, d }
    }

    /// f(self) given f(v) and f'(v) (the chain rule).
    fn chain(self, value: f64, slope: f64) -> Self {
        let mut d = self.d;
        d.iter_mut().for_each(|x| *x *= slope);
        Dual { v: value, d }
    }

    pub(crate) fn ln(self) -> Self {
        self.chain(self.v.ln(), 1.0 / self.v)
    }

    pub(crate) fn exp(self) -> Self {
        let e = self.v.exp();
        self.chain(e, e)
    }

    pub(crate) fn ln_gamma(self) -> Self {
        self.chain(ln_gamma(self.v), digamma(self.v))
    }

    /// ln(e^self + e^other), without overflow.
    pub(crate) fn log_add_exp(self, other: Self) -> Self {
        let (hi, lo) = if self.v >= other.v { (self, other) } else { (other, self) };
        if lo.v == f64::NEG_INFINITY {
            return hi;
        }
        hi + (lo - hi).softplus_of_log()
    }

    /// ln(1 − e^self) for self < 0.
    pub(crate) fn ln_one_minus_exp(self) -> Self {
        let e = self.v.exp();
        self.chain((-self.v.exp_m1()).ln(), -e / (1.0 - e))
    }

    /// ln(1 + e^self) for self ≤ 0 (the tail of `log_add_exp`).
    fn softplus_of_log(self) -> Self {
        let e = self.v.exp();
        self.chain(e.ln_1p(), e / (1.0 + e))
    }
}

/// ₂F₁(a, b; a + 1; z) for 0 ≤ z < 1 with its derivatives: the form the
/// Pareto/NBD likelihood needs. The power series Σ Tₖ (T₀ = 1, Tₖ₊₁ = Tₖ
/// (a+k)(b+k)/((a+1+k)(k+1)) z) is summed in plain numbers together with
/// Σ Tₖ Aₖ, Σ Tₖ Bₖ and Σ k Tₖ, where ∂ln Tₖ/∂a = Aₖ = 1/a − 1/(a+k) (the
/// ratios telescope), ∂ln Tₖ/∂b = Bₖ = Σⱼ₍ₖ 1/(b+j) and ∂ln Tₖ/∂z = k/z;
/// the gradient follows by the chain rule. Stops when a term changes none
/// of the four sums; NaN when z is outside [0, 1) or after a million terms.
pub(crate) fn hyp2f1_a_plus_one<const N: usize>(a: Dual<N>, b: Dual<N>, z: Dual<N>) -> Dual<N> {
    if !(z.v >= 0.0 && z.v < 1.0) {
        return Dual::constant(f64::NAN);
    }
    let (av, bv, zv) = (a.v, b.v, z.v);
    let (mut term, mut beta_sum) = (1.0f64, 0.0f64);
    let (mut sum, mut sum_a, mut sum_b, mut sum_k) = (1.0f64, 0.0f64, 0.0f64, 0.0f64);
    for k in 0..1_000_000u32 {
        let k = f64::from(k);
        term *= (av + k) * (bv + k) * zv / ((av + 1.0 + k) * (k + 1.0));
        beta_sum += 1.0 / (bv + k);
        let (k1, alpha_k) = (k + 1.0, 1.0 / av - 1.0 / (av + k + 1.0));
        let (ta, tb, tk) = (term * alpha_k, term * beta_sum, term * k1);
        let negligible = |t: f64, s: f64| t.abs() <= 1e-17 * s.abs().max(sum);
        let done = negligible(term, sum) && negligible(ta, sum_a) && negligible(tb, sum_b) && negligible(tk, sum_k);
        sum += term;
        sum_a += ta;
        sum_b += tb;
        sum_k += tk;
        if done {
            let mut d = [0.0; N];
            for (i, di) in d.iter_mut().enumerate() {
                *di = a.d[i] * sum_a + b.d[i] * sum_b + if zv > 0.0 { z.d[i] * sum_k / zv } else { 0.0 };
            }
            return Dual { v: sum, d };
        }
    }
    Dual::constant(f64::NAN)
}

/// ln(1 + eˣ) and its derivative, the logistic function, without overflow.
///
/// ln(1 + e) is taken as `(1 + e).ln()` rather than `ln_1p`: the absolute
/// error stays below 2.3e-16, which is all a sum of log-likelihoods can
/// see, and it is several times faster in the fits' inner loops.
pub(crate) fn softplus(x: f64) -> (f64, f64) {
    if x > 0.0 {
        let e = (-x).exp();
        (x + (1.0 + e).ln(), 1.0 / (1.0 + e))
    } else {
        let e = x.exp();
        ((1.0 + e).ln(), e / (1.0 + e))
    }
}

/// The digamma function ψ(x) = d ln Γ(x)/dx for x > 0: the recurrence
/// ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic series
/// ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) (Abramowitz & Stegun 6.3.18).
pub(crate) fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let (mut x, mut shift) = (x, 0.0);
    while x < 10.0 {
        shift -= 1.0 / x;
        x += 1.0;
    }
    let z = 1.0 / (x * x);
    let series = z
        * (1.0 / 12.0
            - z * (1.0 / 120.0 - z * (1.0 / 252.0 - z * (1.0 / 240.0 - z * (1.0 / 132.0 - z * 691.0 / 32760.0)))));
    shift + x.ln() - 0.5 / x - series
}

macro_rules! binary {
    ($trait:ident, $method:ident, $value:expr, $deriv:expr) => {
        impl<const N: usize> $trait for Dual<N> {
            type Output = Dual<N>;
            fn $method(self, o: Dual<N>) -> Dual<N> {
                let f: fn(f64, f64, f64, f64) -> f64 = $deriv;
                let mut d = [0.0; N];
                for i in 0..N {
                    d[i] = f(self.v, self.d[i], o.v, o.d[i]);
                }
                Dual { v: $value(self.v, o.v), d }
            }
        }
        impl<const N: usize> $trait<f64> for Dual<N> {
            type Output = Dual<N>;
            fn $method(self, o: f64) -> Dual<N> {
                self.$method(Dual::constant(o))
            }
        }
        impl<const N: usize> $trait<Dual<N>> for f64 {
            type Output = Dual<N>;
            fn $method(self, o: Dual<N>) -> Dual<N> {
                Dual::constant(self).$method(o)
            }
        }
    };
}

binary!(Add, add, |a: f64, b: f64| a + b, |_, da, _, db| da + db);
binary!(Sub, sub, |a: f64, b: f64| a - b, |_, da, _, db| da - db);
binary!(Mul, mul, |a: f64, b: f64| a * b, |a, da, b, db| da * b + a * db);
binary!(Div, div, |a: f64, b: f64| a / b, |a, da, b, db| (da * b - a * db) / (b * b));

impl<const N: usize> Neg for Dual<N> {
    type Output = Dual<N>;
    fn neg(self) -> Dual<N> {
        self.chain(-self.v, -1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digamma_matches_known_values() {
        // ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2 (A&S 6.3.2, 6.3.3); ψ(n+1) = ψ(n) + 1/n.
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 1e-14);
        assert!((digamma(0.5) + euler + 2.0 * 2f64.ln()).abs() < 1e-14);
        assert!((digamma(11.0) - (digamma(10.0) + 0.1)).abs() < 1e-14);
        assert!(digamma(0.0).is_nan());
    }

    #[test]
    fn hyp2f1_a_plus_one_matches_the_plain_series_and_its_differences() {
        let f = |a: Dual<2>, z: Dual<2>| hyp2f1_a_plus_one(a, a * 0.5 + 0.1, z);
        let (a0, z0, h) = (2.4, 0.35, 1e-6);
        let got = f(Dual::variable(a0, 0), Dual::variable(z0, 1));
        assert!((got.v - crate::ltv::hyp2f1(a0, 0.5 * a0 + 0.1, a0 + 1.0, z0)).abs() < 1e-15 * got.v);
        let at = |a: f64, z: f64| f(Dual::constant(a), Dual::constant(z)).v;
        let da = (at(a0 + h, z0) - at(a0 - h, z0)) / (2.0 * h);
        let dz = (at(a0, z0 + h) - at(a0, z0 - h)) / (2.0 * h);
        assert!((got.d[0] - da).abs() < 1e-8 * da.abs().max(1.0) && (got.d[1] - dz).abs() < 1e-8 * dz.abs().max(1.0));
        assert!(f(Dual::constant(1.0), Dual::constant(1.0)).v.is_nan());
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let f =
            |x: Dual<2>, y: Dual<2>| (x * y + x.ln_gamma() / y).exp() + x.log_add_exp(-y) + (-x * y).ln_one_minus_exp();
        let (x0, y0, h) = (1.7, 0.8, 1e-6);
        let at = |x: f64, y: f64| f(Dual::constant(x), Dual::constant(y)).v;
        let got = f(Dual::variable(x0, 0), Dual::variable(y0, 1));
        let dx = (at(x0 + h, y0) - at(x0 - h, y0)) / (2.0 * h);
        let dy = (at(x0, y0 + h) - at(x0, y0 - h)) / (2.0 * h);
        assert!((got.d[0] - dx).abs() < 1e-7 * dx.abs().max(1.0), "{} vs {dx}", got.d[0]);
        assert!((got.d[1] - dy).abs() < 1e-7 * dy.abs().max(1.0), "{} vs {dy}", got.d[1]);
    }
}
