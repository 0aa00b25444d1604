//! The evidence of a decision: what decided it, in the JSON shape documented
//! per reason in `docs/campaigns.md`.
//!
//! The two shapes a large plan has most of (the channels tried, for
//! `no_consent`, `no_address`, `suppressed` and `quiet_hours`; and a full
//! cap) are kept typed and written out only when serialised, so that a
//! million-customer plan does not build a JSON tree per decision. The rarer
//! shapes are JSON values from the start.

use chrono_tz::Tz;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::calendar::DailyWindow;
use super::policy::CapWindow;
use crate::consent::ConsentState;
use crate::model::Channel;
use crate::time::{format_instant, format_local, Instant};

/// What decided a [`Decision`](super::Decision). It serialises to the JSON
/// documented per reason; [`to_value`](Evidence::to_value) gives that JSON
/// as a value, and an evidence compares equal to its JSON value.
///
/// ```
/// use crm_core::campaign::{plan, preset, CampaignPolicy, Reason, Span};
/// use crm_core::model::Store;
/// use crm_core::time::parse_instant;
/// // A customer without consent: the welcome message is not sent.
/// let store = Store::from_json(r#"{"customers": [{"id": "c1", "created_at": "2026-05-01T09:00:00Z",
///   "email": "a@example.com"}]}"#)?;
/// let policy = CampaignPolicy { offer_secret: Some("shop-secret".into()), ..CampaignPolicy::default() };
/// let p = plan(&store, &[preset("welcome").unwrap()], &policy, &[],
///              parse_instant("2026-05-01T09:05:00Z")?, Span::hours(1))?;
/// let d = &p.decisions[0];
/// assert_eq!(d.reason, Reason::NoConsent);
/// assert_eq!(d.evidence, serde_json::json!({"channels": [
///     {"channel": "email", "outcome": "no_consent", "at": "2026-05-01T09:05:00Z"}]}));
/// assert_eq!(d.evidence.to_value()["channels"][0]["outcome"], "no_consent");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Evidence(Shape);

#[derive(Clone, Debug)]
enum Shape {
    Json(Value),
    /// `{"channels": [...]}`: each channel of the step and why it was not chosen.
    Channels {
        zone: Tz,
        tried: Vec<(Channel, Tried)>,
    },
    Capped(FullCap),
}

/// A full frequency cap: `{"cap", "channel", "max", "per", "counted", "send_at"}`.
#[derive(Clone, Debug)]
pub(crate) struct FullCap {
    /// The cap's index in the policy.
    pub cap: usize,
    pub channel: Option<Channel>,
    pub max: u32,
    pub per: CapWindow,
    /// The instants already in the window.
    pub counted: Vec<Instant>,
    pub send_at: Instant,
}

/// Why a channel was not chosen.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Tried {
    /// Overdue by more than `max_lateness` on this channel.
    TooLate,
    NoAddress,
    /// The address is on a suppression list.
    Listed,
    /// In quiet hours at `at` (mode skip).
    QuietHours {
        at: Instant,
        allowed: DailyWindow,
    },
    /// The consent state at `at` does not allow the message.
    Consent {
        state: ConsentState,
        at: Instant,
    },
}

impl Evidence {
    /// The evidence as a JSON value.
    pub fn to_value(&self) -> Value {
        match &self.0 {
            Shape::Json(v) => v.clone(),
            _ => serde_json::to_value(self).unwrap_or(Value::Null),
        }
    }

    pub(crate) fn channels(zone: Tz, tried: Vec<(Channel, Tried)>) -> Evidence {
        Evidence(Shape::Channels { zone, tried })
    }

    pub(crate) fn capped(full: FullCap) -> Evidence {
        Evidence(Shape::Capped(full))
    }
}

impl From<Value> for Evidence {
    fn from(v: Value) -> Evidence {
        Evidence(Shape::Json(v))
    }
}

impl PartialEq for Evidence {
    fn eq(&self, other: &Evidence) -> bool {
        self.to_value() == other.to_value()
    }
}

impl PartialEq<Value> for Evidence {
    fn eq(&self, other: &Value) -> bool {
        self.to_value() == *other
    }
}

impl Serialize for Evidence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Shape::Json(v) => v.serialize(s),
            Shape::Channels { zone, tried } => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("channels", &TriedList { zone: *zone, tried })?;
                m.end()
            }
            Shape::Capped(FullCap { cap, channel, max, per, counted, send_at }) => {
                let mut m = s.serialize_map(Some(6))?;
                m.serialize_entry("cap", cap)?;
                m.serialize_entry("channel", channel)?;
                m.serialize_entry("max", max)?;
                m.serialize_entry("per", per)?;
                m.serialize_entry("counted", &Instants(counted))?;
                m.serialize_entry("send_at", &format_instant(*send_at))?;
                m.end()
            }
        }
    }
}

struct TriedList<'a> {
    zone: Tz,
    tried: &'a [(Channel, Tried)],
}

impl Serialize for TriedList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.tried.len()))?;
        for &(channel, tried) in self.tried {
            seq.serialize_element(&OneTried { zone: self.zone, channel, tried })?;
        }
        seq.end()
    }
}

struct OneTried {
    zone: Tz,
    channel: Channel,
    tried: Tried,
}

impl Serialize for OneTried {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("channel", &self.channel)?;
        match self.tried {
            Tried::TooLate => m.serialize_entry("outcome", "too_late")?,
            Tried::NoAddress => m.serialize_entry("outcome", "no_address")?,
            Tried::Listed => {
                m.serialize_entry("outcome", "suppressed")?;
                m.serialize_entry("list", "address")?;
            }
            Tried::QuietHours { at, allowed } => {
                m.serialize_entry("outcome", "quiet_hours")?;
                m.serialize_entry("local_time", &format_local(at, self.zone))?;
                m.serialize_entry("allowed", &allowed.to_string())?;
            }
            Tried::Consent { state, at } => {
                m.serialize_entry("outcome", state.as_str())?;
                m.serialize_entry("at", &format_instant(at))?;
            }
        }
        m.end()
    }
}

struct Instants<'a>(&'a [Instant]);

impl Serialize for Instants<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|&t| format_instant(t)))
    }
}
