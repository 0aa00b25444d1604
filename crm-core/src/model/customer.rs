//! Customers: identity, contact, demographics and preferences.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::{Instant, TimeZone};

/// A customer of the shop. Guests (no account) appear only as a [`Contact`] on
/// orders and carts; a `Customer` always has an id.
///
/// ```
/// use crm_core::model::Customer;
/// let c: Customer = serde_json::from_str(r#"{
///     "id": "c1", "created_at": "2024-01-05T09:00:00Z",
///     "email": "ayse@example.com", "time_zone": "Europe/Istanbul",
///     "birth_date": "1990-02-28", "income_tier": "mid"
/// }"#)?;
/// assert_eq!(c.time_zone.unwrap().name(), "Europe/Istanbul");
/// assert_eq!(c.birth_date.unwrap().year, Some(1990));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// The shop's id for the customer; unique within a store.
    pub id: String,
    /// When the account was created.
    #[serde(with = "crate::time::serde_instant")]
    pub created_at: Instant,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number, preferably E.164 (`+905551112233`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Given name, used for personalisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Date of birth; the year may be unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<BirthDate>,
    /// Gender as the customer stated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Where the customer lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// IANA time zone used for calendars and quiet hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<TimeZone>,
    /// BCP 47 locale such as `tr-TR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Free-form labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Shop-defined attributes (`loyalty_tier`, …), any JSON value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, serde_json::Value>,
    /// Income level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub income_tier: Option<IncomeTier>,
    /// Store id in a multi-store set-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
}

/// Gender as stated by the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Non-binary.
    NonBinary,
    /// Any other answer.
    Other,
    /// Chose not to say.
    Undisclosed,
}

/// Income level of a customer or the price tier of a brand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeTier {
    /// Price-sensitive.
    Budget,
    /// Middle.
    Mid,
    /// High spending power.
    Premium,
}

/// City, region and country (ISO 3166-1 alpha-2, upper case).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// City name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Region, province or state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2 country code (`TR`, `DE`, `US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// E-mail and/or phone of a guest (someone without an account).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Contact {
    /// True when neither e-mail nor phone is present (and non-empty).
    pub fn is_empty(&self) -> bool {
        self.email.as_deref().is_none_or(str::is_empty) && self.phone.as_deref().is_none_or(str::is_empty)
    }
}

/// A date of birth, written `YYYY-MM-DD`, or `--MM-DD` when the year is unknown.
///
/// ```
/// use crm_core::model::BirthDate;
/// let d: BirthDate = "--02-29".parse()?;
/// assert_eq!((d.year, d.month, d.day), (None, 2, 29));
/// assert_eq!(d.to_string(), "--02-29");
/// assert!("2023-02-29".parse::<BirthDate>().is_err()); // not a leap year
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate {
    /// Year, when known.
    pub year: Option<i32>,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
}

impl FromStr for BirthDate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("invalid birth date `{s}` (expected YYYY-MM-DD or --MM-DD)");
        if let Some(md) = s.strip_prefix("--") {
            // Validate month/day against a leap year so that --02-29 is allowed.
            let d = NaiveDate::parse_from_str(&format!("2000-{md}"), "%Y-%m-%d").map_err(|_| bad())?;
            if md.len() != 5 {
                return Err(bad());
            }
            Ok(BirthDate { year: None, month: d.month(), day: d.day() })
        } else {
            if s.len() != 10 {
                return Err(bad());
            }
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
            Ok(BirthDate { year: Some(d.year()), month: d.month(), day: d.day() })
        }
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year {
            Some(y) => write!(f, "{y:04}-{:02}-{:02}", self.month, self.day),
            None => write!(f, "--{:02}-{:02}", self.month, self.day),
        }
    }
}

impl Serialize for BirthDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BirthDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
