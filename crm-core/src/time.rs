//! Instants and time zones.
//!
//! Instants are UTC (`chrono::DateTime<Utc>`), written as RFC 3339 text with an
//! explicit offset (`2024-05-01T10:00:00Z`, `2024-05-01T13:00:00+03:00`). A
//! timestamp without a zone is rejected: the library never guesses one.
//! Calendars use the customer's IANA zone ([`TimeZone`]).
//!
//! ```
//! use crm_core::time::{parse_instant, format_instant};
//! let t = parse_instant("2024-05-01T13:00:00+03:00")?;
//! assert_eq!(format_instant(t), "2024-05-01T10:00:00Z");
//! assert!(parse_instant("2024-05-01 10:00:00").is_err());
//! # Ok::<(), crm_core::time::TimeError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// An instant in UTC.
pub type Instant = DateTime<Utc>;

/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Errors parsing instants and zones.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimeError {
    /// Not RFC 3339 with a zone.
    #[error("unparsable timestamp `{value}` (expected RFC 3339 with a zone, e.g. 2024-05-01T10:00:00Z)")]
    InvalidTimestamp {
        /// The rejected text.
        value: String,
    },
    /// Not an IANA time-zone name.
    #[error("unknown time zone `{value}` (expected an IANA name such as Europe/Istanbul)")]
    UnknownTimeZone {
        /// The rejected text.
        value: String,
    },
}

impl TimeError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TimeError::InvalidTimestamp { .. } => "invalid_timestamp",
            TimeError::UnknownTimeZone { .. } => "unknown_time_zone",
        }
    }
}

/// Parses RFC 3339 text with an explicit offset into a UTC instant.
///
/// # Errors
/// [`TimeError::InvalidTimestamp`].
pub fn parse_instant(text: &str) -> Result<Instant, TimeError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| TimeError::InvalidTimestamp { value: text.to_string() })
}

/// Formats an instant as RFC 3339 UTC (`Z`), with as many fractional digits as needed.
pub fn format_instant(t: Instant) -> String {
    use std::fmt::Write;
    let nanos = t.nanosecond();
    // Years 0–9999 without a leap second are written directly (the common
    // case, and much faster); anything else the way chrono writes it.
    if !(0..=9999).contains(&t.year()) || nanos >= 1_000_000_000 {
        return t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    }
    let mut out = String::with_capacity(30);
    write_date_time(&mut out, &t);
    // As many fractional digits as needed: none, 3, 6 or 9 (chrono's AutoSi).
    let _ = match nanos {
        0 => Ok(()),
        n if n % 1_000_000 == 0 => write!(out, ".{:03}", n / 1_000_000),
        n if n % 1_000 == 0 => write!(out, ".{:06}", n / 1_000),
        n => write!(out, ".{n:09}"),
    };
    out.push('Z');
    out
}

/// The local date and time of `t` in `zone`, to the second, with the UTC
/// offset (`2026-03-08T08:00:00-04:00`).
///
/// ```
/// use crm_core::time::{format_local, parse_instant};
/// let t = parse_instant("2026-03-08T12:00:00Z")?;
/// assert_eq!(format_local(t, chrono_tz::America::New_York), "2026-03-08T08:00:00-04:00");
/// assert_eq!(format_local(t, chrono_tz::Asia::Kolkata), "2026-03-08T17:30:00+05:30");
/// # Ok::<(), crm_core::time::TimeError>(())
/// ```
pub fn format_local(t: Instant, zone: chrono_tz::Tz) -> String {
    use chrono::Offset;
    use std::fmt::Write;
    let local = t.with_timezone(&zone);
    if !(0..=9999).contains(&local.year()) || local.nanosecond() >= 1_000_000_000 {
        return local.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
    }
    let offset = local.offset().fix().local_minus_utc();
    let (sign, offset) = if offset < 0 { ('-', -offset) } else { ('+', offset) };
    // Whole minutes, rounded as chrono rounds (old local mean times have seconds).
    let minutes = (offset + 30) / 60;
    let mut out = String::with_capacity(25);
    write_date_time(&mut out, &local);
    let _ = write!(out, "{sign}{:02}:{:02}", minutes / 60, minutes % 60);
    out
}

/// `YYYY-MM-DDTHH:MM:SS` (years 0–9999).
fn write_date_time(out: &mut String, t: &(impl Datelike + Timelike)) {
    use std::fmt::Write;
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
}

/// Microseconds since the Unix epoch.
pub fn to_micros(t: Instant) -> i64 {
    t.timestamp_micros()
}

/// The instant `micros` microseconds after the Unix epoch, if representable.
pub fn from_micros(micros: i64) -> Option<Instant> {
    DateTime::from_timestamp_micros(micros)
}

/// Serde adapter for [`Instant`] fields: RFC 3339 text with a zone.
pub mod serde_instant {
    use super::*;

    /// Serialises as RFC 3339 UTC.
    pub fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_instant(*t))
    }

    /// Deserialises RFC 3339 text with a zone.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let s = String::deserialize(d)?;
        parse_instant(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde adapter for `Option<Instant>` fields.
pub mod serde_opt_instant {
    use super::*;

    /// Serialises as RFC 3339 UTC or null.
    pub fn serialize<S: Serializer>(t: &Option<Instant>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_instant(*t)),
            None => s.serialize_none(),
        }
    }

    /// Deserialises RFC 3339 text with a zone, or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Instant>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) => parse_instant(&s).map(Some).map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

/// An IANA time zone such as `Europe/Istanbul`.
///
/// ```
/// use crm_core::time::TimeZone;
/// let tz: TimeZone = "America/New_York".parse()?;
/// assert_eq!(tz.name(), "America/New_York");
/// assert!("Mars/Olympus".parse::<TimeZone>().is_err());
/// # Ok::<(), crm_core::time::TimeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(pub chrono_tz::Tz);

impl TimeZone {
    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeZone({})", self.name())
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TimeZone {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<chrono_tz::Tz>().map(TimeZone).map_err(|_| TimeError::UnknownTimeZone { value: s.to_string() })
    }
}

impl Serialize for TimeZone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` pseudo-random (xorshift) numbers with their position, and the
    /// second in 1900–2200 each one picks.
    fn samples(seed: u64, n: usize) -> impl Iterator<Item = (usize, u64, i64)> {
        (0..n).scan(seed, |x, i| {
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            Some((i, *x, (*x % 9_467_280_000) as i64 - 2_208_988_800))
        })
    }

    #[test]
    fn format_instant_writes_what_chrono_writes() {
        // Instants over 1900–2200 with whole seconds and 3, 6 and 9 fractional digits.
        for (i, x, secs) in samples(0x2545_f491_4f6c_dd1d, 20_000) {
            let nanos = match i % 4 {
                0 => 0,
                1 => (x % 1000) as u32 * 1_000_000,
                2 => (x % 1_000_000) as u32 * 1_000,
                _ => (x % 1_000_000_000) as u32,
            };
            let t = DateTime::from_timestamp(secs, nanos).unwrap();
            assert_eq!(format_instant(t), t.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        }
        let far = DateTime::from_timestamp(253_402_300_800, 0).unwrap(); // 10000-01-01
        assert_eq!(format_instant(far), far.to_rfc3339_opts(SecondsFormat::AutoSi, true));
    }

    #[test]
    fn format_local_writes_what_chrono_writes() {
        use chrono_tz::{America, Asia, Australia, Europe, Pacific};
        let zones = [
            America::New_York,
            America::Sao_Paulo,
            Asia::Kolkata,
            Europe::Istanbul,
            Pacific::Chatham,
            Australia::Lord_Howe,
        ];
        for (i, x, secs) in samples(0x9e37_79b9_7f4a_7c15, 20_000) {
            let t = DateTime::from_timestamp(secs, (x % 1_000_000_000) as u32).unwrap();
            let zone = zones[i % zones.len()];
            let expected = t.with_timezone(&zone).format("%Y-%m-%dT%H:%M:%S%:z").to_string();
            assert_eq!(format_local(t, zone), expected);
        }
    }

    #[test]
    fn offsets_normalise_to_utc() {
        let t = parse_instant("2024-03-31T02:30:00+02:00").unwrap();
        assert_eq!(format_instant(t), "2024-03-31T00:30:00Z");
        assert_eq!(to_micros(t), 1_711_845_000_000_000);
    }

    #[test]
    fn naive_and_garbage_rejected() {
        for bad in ["2024-05-01T10:00:00", "2024-13-01T00:00:00Z", "yesterday", ""] {
            assert_eq!(parse_instant(bad), Err(TimeError::InvalidTimestamp { value: bad.into() }));
        }
    }

    #[test]
    fn fractional_seconds_round_trip() {
        let t = parse_instant("2024-05-01T10:00:00.123456Z").unwrap();
        assert_eq!(format_instant(t), "2024-05-01T10:00:00.123456Z");
    }
}
