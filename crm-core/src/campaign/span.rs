//! Spans of time written as `90s`, `15m`, `1h`, `30d` or `2w`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A fixed length of time, in whole seconds, written as a number and a unit:
/// `s`, `m` (minutes), `h`, `d` (24 hours exactly) or `w` (7 days). Calendar
/// steps ("3 days later at 10:00") use [`Delay::Calendar`](super::Delay) instead.
///
/// ```
/// use crm_core::campaign::Span;
/// let s: Span = "36h".parse()?;
/// assert_eq!(s.seconds(), 129_600);
/// assert_eq!(s.to_string(), "36h");
/// assert_eq!("48h".parse::<Span>()?.to_string(), "2d"); // canonical: the largest whole unit
/// assert!("1.5h".parse::<Span>().is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span(i64);

/// The longest span accepted: 10 years of seconds.
const MAX_SECONDS: i64 = 10 * 366 * 86_400;

impl Span {
    /// A span of whole seconds (negative allowed).
    pub const fn seconds_of(s: i64) -> Span {
        Span(s)
    }
    /// Minutes.
    pub const fn minutes(m: i64) -> Span {
        Span(m * 60)
    }
    /// Hours.
    pub const fn hours(h: i64) -> Span {
        Span(h * 3600)
    }
    /// Days of exactly 24 hours.
    pub const fn days(d: i64) -> Span {
        Span(d * 86_400)
    }
    /// The length in seconds.
    pub const fn seconds(self) -> i64 {
        self.0
    }
    /// The length in microseconds.
    pub const fn micros(self) -> i64 {
        self.0 * 1_000_000
    }
    /// As a chrono duration.
    pub fn duration(self) -> chrono::TimeDelta {
        chrono::TimeDelta::seconds(self.0)
    }
}

impl FromStr for Span {
    type Err = String;
    fn from_str(s: &str) -> Result<Span, String> {
        let bad = || format!("invalid span `{s}` (expected a whole number and a unit s, m, h, d or w, such as `24h`)");
        let t = s.trim();
        let (sign, t) = match t.strip_prefix('-') {
            Some(rest) => (-1, rest),
            None => (1, t),
        };
        let unit = t.chars().last().ok_or_else(bad)?;
        let digits = &t[..t.len() - unit.len_utf8()];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 12 {
            return Err(bad());
        }
        let n: i64 = digits.parse().map_err(|_| bad())?;
        let mult = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        let secs = n
            .checked_mul(mult)
            .filter(|v| *v <= MAX_SECONDS)
            .ok_or_else(|| format!("span `{s}` is longer than 10 years"))?;
        Ok(Span(sign * secs))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        for (unit, n) in [('w', 7 * 86_400), ('d', 86_400), ('h', 3600), ('m', 60)] {
            if v != 0 && v % n == 0 {
                return write!(f, "{}{unit}", v / n);
            }
        }
        write!(f, "{v}s")
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Span, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (text, secs, canon) in [
            ("90s", 90, "90s"),
            ("15m", 900, "15m"),
            ("60m", 3600, "1h"),
            ("7d", 604_800, "1w"),
            ("-3d", -259_200, "-3d"),
            ("0h", 0, "0s"),
        ] {
            let s: Span = text.parse().unwrap();
            assert_eq!((s.seconds(), s.to_string().as_str()), (secs, canon), "{text}");
        }
        for bad in ["", "h", "1", "1y", "1.5h", "+1h", "1 h", "99999999999999d", "4000d"] {
            assert!(bad.parse::<Span>().is_err(), "{bad}");
        }
    }
}
