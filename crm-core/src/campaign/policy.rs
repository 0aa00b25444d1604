//! The rules every flow is planned under: quiet hours, frequency caps,
//! holdouts, suppression, lateness, the offer secret and the consent policy.

use serde::{Deserialize, Serialize};

use super::calendar::DailyWindow;
use super::span::Span;
use super::CampaignError;
use crate::consent::ConsentPolicy;
use crate::model::Channel;
use crate::time::TimeZone;

/// The planning policy; JSON in `docs/campaigns.md`. Every field has a default:
/// `CampaignPolicy::default()` is UTC as the store zone, TCPA quiet hours for
/// SMS and calls, Klaviyo-style smart sending caps (one marketing e-mail per
/// 16 hours, one marketing SMS per 24 hours), no holdout, no suppression and
/// 24 hours of lateness.
///
/// ```
/// use crm_core::campaign::{CampaignPolicy, QuietMode};
/// let p = CampaignPolicy::from_json(r#"{"time_zone": "Europe/Istanbul",
///   "quiet_hours": [{"channels": ["sms"], "allowed": "09:00-20:00", "mode": "skip"}], "caps": []}"#)?;
/// assert_eq!(p.quiet_hours[0].mode, QuietMode::Skip);
/// assert!(p.caps.is_empty());
/// assert_eq!(CampaignPolicy::default().caps.len(), 2);
/// # Ok::<(), crm_core::campaign::CampaignError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignPolicy {
    /// The store's zone: for customers without `time_zone` and for guests.
    #[serde(default = "utc")]
    pub time_zone: TimeZone,
    /// Quiet hours per channel, for marketing messages (default: [`QuietHours::tcpa`]).
    #[serde(default = "QuietHours::tcpa")]
    pub quiet_hours: Vec<QuietHours>,
    /// Frequency caps on marketing messages (default: [`Cap::smart_sending`]).
    #[serde(default = "Cap::smart_sending")]
    pub caps: Vec<Cap>,
    /// The global control group.
    #[serde(default)]
    pub holdout: Holdout,
    /// Customers and addresses never to contact.
    #[serde(default)]
    pub suppression: Suppression,
    /// A step more than this overdue at planning is dropped (default 24 h);
    /// one less overdue is sent at `now`. A message held by quiet hours is
    /// overdue from its release (the window's opening), not its due instant.
    #[serde(default = "day")]
    pub max_lateness: Span,
    /// Secret (text) of the HMAC behind offer codes; required when an offer has a `code_prefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_secret: Option<String>,
    /// Consent rules (double opt-in, merchants), as for the consent ledger.
    #[serde(default)]
    pub consent: ConsentPolicy,
}

fn utc() -> TimeZone {
    TimeZone(chrono_tz::UTC)
}

fn day() -> Span {
    Span::hours(24)
}

impl Default for CampaignPolicy {
    fn default() -> Self {
        CampaignPolicy {
            time_zone: utc(),
            quiet_hours: QuietHours::tcpa(),
            caps: Cap::smart_sending(),
            holdout: Holdout::default(),
            suppression: Suppression::default(),
            max_lateness: day(),
            offer_secret: None,
            consent: ConsentPolicy::default(),
        }
    }
}

/// Hours a channel may carry marketing messages, in the recipient's zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// The channels this applies to.
    pub channels: Vec<Channel>,
    /// The allowed local hours (`"08:00-21:00"`); the rest of the day is quiet.
    pub allowed: DailyWindow,
    /// Defer a message to the next allowed minute (default) or skip it.
    #[serde(default)]
    pub mode: QuietMode,
}

impl QuietHours {
    /// The TCPA preset: SMS and calls only from 08:00 to 21:00 local, deferred.
    pub fn tcpa() -> Vec<QuietHours> {
        let allowed = DailyWindow { start: hm(8), end: hm(21) };
        vec![QuietHours { channels: vec![Channel::Sms, Channel::Call], allowed, mode: QuietMode::Defer }]
    }
}

fn hm(h: u16) -> super::LocalTime {
    super::calendar::clock(h, 0)
}

/// What happens to a message due in quiet hours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuietMode {
    /// Hold it and send at the next allowed minute.
    #[default]
    Defer,
    /// Do not send it.
    Skip,
}

/// At most `max` marketing messages per window, on one channel or on all,
/// counting the send log and the plan together.
///
/// ```
/// use crm_core::campaign::{Cap, CapWindow};
/// let c: Cap = serde_json::from_str(r#"{"channel": "sms", "max": 2, "per": "week"}"#)?;
/// assert_eq!(c.per, CapWindow::Week);
/// let c: Cap = serde_json::from_str(r#"{"max": 1, "per": "16h"}"#)?;
/// assert!(matches!(c.per, CapWindow::Rolling(_)) && c.channel.is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    /// The channel counted (none: every channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Only messages of these flows count and are capped (none: all flows and
    /// log entries without a flow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flows: Option<Vec<String>>,
    /// Messages allowed per window (at least 1).
    pub max: u32,
    /// The window.
    pub per: CapWindow,
}

impl Cap {
    /// Smart sending: one marketing e-mail per 16 hours and one marketing SMS per 24 hours.
    pub fn smart_sending() -> Vec<Cap> {
        vec![
            Cap { channel: Some(Channel::Email), flows: None, max: 1, per: CapWindow::Rolling(Span::hours(16)) },
            Cap { channel: Some(Channel::Sms), flows: None, max: 1, per: CapWindow::Rolling(Span::hours(24)) },
        ]
    }
}

/// A cap's window: a rolling span (`"24h"`: any 24 hours) or a calendar
/// period in the recipient's zone (`"day"`, `"week"` from Monday, `"month"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapWindow {
    /// Any span of this length.
    Rolling(Span),
    /// A local calendar day.
    Day,
    /// A local calendar week, Monday to Sunday.
    Week,
    /// A local calendar month.
    Month,
}

impl Serialize for CapWindow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CapWindow::Rolling(span) => s.collect_str(span),
            CapWindow::Day => s.serialize_str("day"),
            CapWindow::Week => s.serialize_str("week"),
            CapWindow::Month => s.serialize_str("month"),
        }
    }
}

impl<'de> Deserialize<'de> for CapWindow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CapWindow, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "day" => Ok(CapWindow::Day),
            "week" => Ok(CapWindow::Week),
            "month" => Ok(CapWindow::Month),
            other => match other.parse::<Span>() {
                Ok(span) if span.seconds() > 0 => Ok(CapWindow::Rolling(span)),
                Ok(_) => Err(serde::de::Error::custom("a rolling window must be positive")),
                Err(_) => Err(serde::de::Error::custom(format!(
                    "invalid cap window `{other}` (expected a span such as `24h`, or day, week or month)"
                ))),
            },
        }
    }
}

/// The global control group: `percent` of customers, chosen by
/// [`holdout_bucket`](super::holdout_bucket) under `key`, get no marketing message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holdout {
    /// Percentage 0–100 (default 0).
    #[serde(default)]
    pub percent: f64,
    /// The hash key (default empty). Changing it draws a new group.
    #[serde(default)]
    pub key: String,
}

/// Customers and addresses that get no message at all, transactional included.
/// E-mails match case-insensitively; phones match after removing everything but digits and a leading `+`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// Customer ids.
    #[serde(default)]
    pub customers: Vec<String>,
    /// E-mail addresses.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Phone numbers.
    #[serde(default)]
    pub phones: Vec<String>,
}

/// The comparable form of a phone number: digits, with a leading `+` kept.
pub(crate) fn phone_key(p: &str) -> String {
    let t = p.trim();
    let mut out = String::with_capacity(t.len());
    if t.starts_with('+') {
        out.push('+');
    }
    out.extend(t.chars().filter(char::is_ascii_digit));
    out
}

impl CampaignPolicy {
    /// Reads and checks a policy from JSON.
    ///
    /// # Errors
    /// [`CampaignError::InvalidPolicy`] with the path of the bad value.
    pub fn from_json(text: &str) -> Result<CampaignPolicy, CampaignError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let p: CampaignPolicy = serde_path_to_error::deserialize(&mut de).map_err(policy_error)?;
        p.validate()?;
        Ok(p)
    }

    /// Reads and checks a policy from a parsed JSON value.
    ///
    /// # Errors
    /// As [`CampaignPolicy::from_json`].
    pub fn from_value(v: serde_json::Value) -> Result<CampaignPolicy, CampaignError> {
        let p: CampaignPolicy = serde_path_to_error::deserialize(v).map_err(policy_error)?;
        p.validate()?;
        Ok(p)
    }

    /// Checks ranges: caps at least 1, percentages 0–100, lateness not negative, the consent policy.
    ///
    /// # Errors
    /// [`CampaignError::InvalidPolicy`] naming the field.
    pub fn validate(&self) -> Result<(), CampaignError> {
        for (i, c) in self.caps.iter().enumerate() {
            if c.max == 0 {
                return Err(CampaignError::policy(format!("policy.caps[{i}].max"), "at least 1"));
            }
        }
        for (i, q) in self.quiet_hours.iter().enumerate() {
            if q.channels.is_empty() {
                return Err(CampaignError::policy(format!("policy.quiet_hours[{i}].channels"), "at least one channel"));
            }
        }
        if !(0.0..=100.0).contains(&self.holdout.percent) {
            return Err(CampaignError::policy("policy.holdout.percent", "a percentage from 0 to 100"));
        }
        if self.max_lateness.seconds() < 0 {
            return Err(CampaignError::policy("policy.max_lateness", "cannot be negative"));
        }
        if self.offer_secret.as_deref().is_some_and(str::is_empty) {
            return Err(CampaignError::policy("policy.offer_secret", "an empty secret makes guessable codes"));
        }
        self.consent.validate().map_err(|e| CampaignError::policy("policy.consent", e.to_string()))
    }
}

fn policy_error(e: serde_path_to_error::Error<serde_json::Error>) -> CampaignError {
    let path = e.path().to_string();
    let field = if path == "." { "policy".to_string() } else { format!("policy.{path}").replace(".[", "[") };
    CampaignError::policy(field, e.into_inner().to_string())
}
