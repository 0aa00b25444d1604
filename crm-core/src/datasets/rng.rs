//! The generator's own pseudo-random numbers: xoshiro256** seeded through
//! SplitMix64 (Blackman & Vigna), so the data depend on nothing but the seed —
//! not on a crate version or the platform.

/// SplitMix64: expands one 64-bit seed into well-mixed state words.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256**: small, fast and statistically strong for simulation.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator for `seed`, on stream `stream` (independent sequences for
    /// independent parts of the data, so changing one part leaves the others).
    pub(crate) fn new(seed: u64, stream: u64) -> Rng {
        let mut x = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        Rng { s: [splitmix64(&mut x), splitmix64(&mut x), splitmix64(&mut x), splitmix64(&mut x)] }
    }

    /// The next 64 random bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    #[inline]
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `[0, n)` (`n > 0`; Lemire's multiply-shift, bias below 2^-64·n).
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform integer in `[lo, hi]`.
    #[inline]
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `p`.
    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index drawn with the given (unnormalised) weights.
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        self.weighted_by(weights, |&w| w)
    }

    /// An index into `items` drawn with the (unnormalised) weight `weight(item)`.
    pub(crate) fn weighted_by<T>(&mut self, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
        let total: u64 = items.iter().map(|it| u64::from(weight(it))).sum();
        let mut x = self.below(total.max(1));
        for (i, it) in items.iter().enumerate() {
            let w = u64::from(weight(it));
            if x < w {
                return i;
            }
            x -= w;
        }
        items.len() - 1
    }

    /// Exponential with mean 1.
    #[inline]
    pub(crate) fn exp1(&mut self) -> f64 {
        -(1.0 - self.unit()).ln()
    }

    /// Standard normal (Marsaglia's polar method; the second value is dropped
    /// to keep the stream simple).
    fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.unit() - 1.0;
            let v = 2.0 * self.unit() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }

    /// Gamma with shape `k > 0` and scale 1 (Marsaglia & Tsang 2000; for
    /// `k < 1` the boost `Gamma(k+1)·U^(1/k)`).
    pub(crate) fn gamma(&mut self, k: f64) -> f64 {
        if k < 1.0 {
            let u = self.unit().max(f64::MIN_POSITIVE);
            return self.gamma(k + 1.0) * u.powf(1.0 / k);
        }
        let d = k - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.unit();
            if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// Beta(a, b) from two gammas.
    pub(crate) fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        let y = self.gamma(b);
        if x + y > 0.0 {
            x / (x + y)
        } else {
            0.5
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs of SplitMix64 seeded with 0, as published with the
        // reference implementation (Vigna, splitmix64.c).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn moments_are_close_to_theory() {
        let mut r = Rng::new(7, 0);
        let n = 200_000;
        let mean = |f: &mut dyn FnMut() -> f64| (0..n).map(|_| f()).sum::<f64>() / n as f64;
        assert!((mean(&mut || r.unit()) - 0.5).abs() < 0.01);
        assert!((mean(&mut || r.exp1()) - 1.0).abs() < 0.02);
        assert!((mean(&mut || r.gamma(0.5)) - 0.5).abs() < 0.02);
        assert!((mean(&mut || r.gamma(3.0)) - 3.0).abs() < 0.05);
        assert!((mean(&mut || r.beta(1.0, 4.0)) - 0.2).abs() < 0.01);
        assert!((0..n).map(|_| r.below(10)).all(|x| x < 10));
    }
}
