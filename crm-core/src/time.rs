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

use chrono::{DateTime, SecondsFormat, Utc};
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
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    let nanos = t.nanosecond();
    // Years 0–9999 without a leap second are written directly (the common
    // case, and much faster); anything else the way chrono writes it.
    if !(0..=9999).contains(&t.year()) || nanos >= 1_000_000_000 {
        return t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    }
    let mut out = String::with_capacity(30);
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

    #[test]
    fn format_instant_writes_what_chrono_writes() {
        // Instants over 1900–2200 with whole seconds and 3, 6 and 9 fractional digits.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for i in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = (x % 9_467_280_000) as i64 - 2_208_988_800;
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
