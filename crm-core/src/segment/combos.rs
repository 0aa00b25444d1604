//! The distinct combinations of the RFM values a segment map reads.
//!
//! A customer's RFM segment depends on that customer's values alone, and a
//! map that reads only `recency`, `frequency`, `r`, `f`, `m` and `fm` sees
//! few distinct combinations of them: days since the last order, order
//! counts and scores of 1 to 10. [`Combinations`] numbers those
//! combinations, so that the map is evaluated once per combination instead
//! of once per customer.
//!
//! A score is a function of its value (tie-fair or fixed thresholds alike),
//! so `r` rides on `recency` and `f` on `frequency`; this is checked as the
//! combinations are numbered, and scores that break it (hand-built
//! [`RfmScores`]) make [`Combinations::new`] decline.

use std::ops::Range;

use super::RfmScores;

/// At most this many possible combinations (the table of their numbers is 4 bytes each).
const MAX_COMBINATIONS: usize = 1 << 21;
/// Marks a combination not yet seen, and a customer with no scores.
const NONE: u32 = u32::MAX;

/// The combination of each scored customer of some rows, and one customer
/// (a row number) showing each combination.
pub(super) struct Combinations {
    /// Combination number per customer of the rows; [`NONE`] for customers without scores.
    of_customer: Vec<u32>,
    /// A row holding each combination, in order of first appearance.
    pub(super) representatives: Vec<usize>,
}

/// The values of one field the key is made of: `value - low` for values
/// in `low..low + span`, and the score each value goes with.
struct Axis {
    low: i64,
    span: usize,
    score: Vec<u8>,
}

impl Axis {
    /// The axis over the values of the scored customers (one place when
    /// there are none), `None` when it would be too long.
    fn over(values: impl Iterator<Item = i64>) -> Option<Axis> {
        let (low, high) = values
            .fold(None, |acc: Option<(i64, i64)>, v| match acc {
                None => Some((v, v)),
                Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
            })
            .unwrap_or((0, 0));
        let span = usize::try_from(high.checked_sub(low)?).ok()?.checked_add(1)?;
        (span <= MAX_COMBINATIONS).then(|| Axis { low, span, score: vec![0; span] })
    }

    /// The place of `v`, noting `score` as the one of that value; `None`
    /// when the value already went with another score.
    #[inline]
    fn place(&mut self, v: i64, score: u8) -> Option<usize> {
        if score == 0 {
            return None;
        }
        let at = usize::try_from(v.checked_sub(self.low)?).ok()?;
        let seen = self.score.get_mut(at)?;
        if *seen != score {
            if *seen != 0 {
                return None;
            }
            *seen = score;
        }
        Some(at)
    }
}

impl Combinations {
    /// The combinations of `fields` (as [`super::SegmentMap::rules_fields`]
    /// lists them) over customers `rows`; `None` when the map reads another
    /// field, the combinations could be too many, or a score is not a
    /// function of its value.
    pub(super) fn new(scores: &RfmScores, fields: &[String], rows: Range<usize>) -> Option<Combinations> {
        let reads = |f: &str| fields.iter().any(|x| x == f);
        if !fields.iter().all(|f| ["recency", "frequency", "r", "f", "m", "fm"].contains(&f.as_str())) {
            return None;
        }
        let (recency, frequency, r, f, m) = (
            scores.recency.get(rows.clone())?,
            scores.frequency.get(rows.clone())?,
            scores.r.get(rows.clone())?,
            scores.f.get(rows.clone())?,
            scores.m.get(rows.clone())?,
        );
        let scored = || r.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| i);
        // An axis for each value the key is made of (`None`: not read).
        let mut by_recency = match reads("recency") || reads("r") {
            true => Some(Axis::over(scored().map(|i| recency.get(i).copied().flatten().unwrap_or(i64::MIN)))?),
            false => None,
        };
        let mut by_frequency = match reads("frequency") || reads("f") || reads("fm") {
            true => Some(Axis::over(scored().map(|i| frequency.get(i).map_or(-1, |&x| i64::from(x))))?),
            false => None,
        };
        let m_span = if reads("m") || reads("fm") { 11 } else { 1 };
        let span = |a: &Option<Axis>| a.as_ref().map_or(1, |a| a.span);
        let f_span = span(&by_frequency);
        let total = span(&by_recency).checked_mul(f_span)?.checked_mul(m_span)?;
        if total > MAX_COMBINATIONS {
            return None;
        }
        let mut number = vec![NONE; total];
        let mut of_customer = vec![NONE; r.len()];
        let mut representatives = Vec::new();
        for (i, slot) in of_customer.iter_mut().enumerate() {
            let Some(&Some(rs)) = r.get(i) else { continue };
            let (Some(&Some(fs)), Some(&Some(ms))) = (f.get(i), m.get(i)) else { return None };
            let at_r = match &mut by_recency {
                Some(a) => a.place(recency.get(i).copied().flatten()?, rs)?,
                None => 0,
            };
            let at_f = match &mut by_frequency {
                Some(a) => a.place(i64::from(*frequency.get(i)?), fs)?,
                None => 0,
            };
            let at_m = if m_span > 1 { usize::from(ms) } else { 0 };
            if at_m >= m_span {
                return None;
            }
            let n = number.get_mut((at_r * f_span + at_f) * m_span + at_m)?;
            if *n == NONE {
                *n = u32::try_from(representatives.len()).ok()?;
                representatives.push(rows.start + i);
            }
            *slot = *n;
        }
        Some(Combinations { of_customer, representatives })
    }

    /// Each customer's code: that of its combination (`codes[n]` for
    /// combination `n`), `None` for customers without scores.
    pub(super) fn spread(&self, codes: &[Option<u32>]) -> Vec<Option<u32>> {
        self.of_customer.iter().map(|&n| codes.get(n as usize).copied().flatten()).collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::map::{codes_of, segment_codes, Rows};
    use super::super::{RfmScores, SegmentMap};
    use super::Combinations;

    /// Rules over the fields combinations cover, singly and combined.
    const RULES: &[&str] = &[
        "recency >= 7",
        "recency < 3 OR f = 2",
        "frequency = 1 AND r >= 3",
        "fm >= 3.5",
        "m <= 2 AND NOT (r = 1)",
        "f BETWEEN 2 AND 4 OR recency IN (0, 5, 9)",
        "TRUE",
    ];

    /// Scores of `rows` (recency, frequency, m; `None`: a prospect) whose
    /// r and f follow recency and frequency, as real scores do.
    fn scores(rows: &[Option<(i64, u32, u8)>]) -> RfmScores {
        let mut s = RfmScores::default();
        for (i, row) in rows.iter().enumerate() {
            s.customer_id.push(&format!("c{i}"));
            s.recency.push(row.map(|(d, _, _)| d));
            s.frequency.push(row.map_or(0, |(_, n, _)| n));
            s.monetary.push(100);
            s.currency.push(None);
            s.r.push(row.map(|(d, _, _)| 5 - (d / 4).min(4) as u8));
            s.f.push(row.map(|(_, n, _)| n.min(5) as u8));
            s.m.push(row.map(|(_, _, m)| m));
        }
        s
    }

    fn map_of(picks: &[usize]) -> SegmentMap {
        let list: Vec<_> = picks
            .iter()
            .enumerate()
            .map(|(i, &k)| serde_json::json!({"name": format!("s{i}"), "rule": RULES[k % RULES.len()]}))
            .collect();
        SegmentMap::from_json(&serde_json::Value::Array(list)).expect("valid rules")
    }

    proptest! {
        /// Every scored customer gets the segment the map gives it when
        /// evaluated customer by customer; customers without scores get none.
        #[test]
        fn codes_by_combination_equal_codes_by_customer(
            rows in proptest::collection::vec(proptest::option::weighted(0.8, (0i64..20, 1u32..8, 1u8..=5)), 0..80),
            picks in proptest::collection::vec(0usize..100, 1..5),
            preset in 0usize..4,
        ) {
            let s = scores(&rows);
            let map = match preset {
                0 => map_of(&picks),
                p => SegmentMap::preset(["seed", "classic", "shopify"][p - 1]).expect("preset"),
            };
            let fields = map.rules_fields();
            prop_assert!(Combinations::new(&s, &fields, 0..rows.len()).is_some());
            let fast = segment_codes(&s, &map, 0..rows.len()).expect("evaluates");
            let slow = codes_of(&s, &map, &fields, &Rows::Range(0..rows.len())).expect("evaluates");
            for (i, row) in rows.iter().enumerate() {
                prop_assert_eq!(fast[i], if row.is_some() { slow[i] } else { None }, "customer {}", i);
            }
        }
    }

    /// A score that is not a function of its value, a field outside the
    /// RFM values, and too many combinations each send the map customer by
    /// customer.
    #[test]
    fn declines_what_it_cannot_number() {
        let fields = |v: &[&str]| v.iter().map(|f| f.to_string()).collect::<Vec<_>>();
        let mut s = scores(&[Some((3, 1, 2)), Some((3, 2, 2))]);
        assert!(Combinations::new(&s, &fields(&["r", "f"]), 0..2).is_some());
        s.r[1] = Some(1); // the same recency with another score
        assert!(Combinations::new(&s, &fields(&["r"]), 0..2).is_none());
        assert!(Combinations::new(&s, &fields(&["f"]), 0..2).is_some());
        assert!(Combinations::new(&s, &fields(&["monetary"]), 0..2).is_none());
        let wide = scores(&[Some((0, 1, 2)), Some((1 << 40, 1, 2))]);
        assert!(Combinations::new(&wide, &fields(&["recency"]), 0..2).is_none());
        let c = Combinations::new(&scores(&[Some((3, 1, 2)), None, Some((3, 1, 2))]), &fields(&["r"]), 0..3);
        let c = c.expect("numbered");
        assert_eq!(c.representatives, [0]);
        assert_eq!(c.spread(&[Some(7)]), [Some(7), None, Some(7)]);
    }
}
