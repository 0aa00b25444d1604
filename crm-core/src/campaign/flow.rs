//! Flows as data: a trigger, filters, exits and timed steps on channels.
//!
//! The JSON form is documented in `docs/campaigns.md`; [`Flow::from_json`]
//! reads it and checks every rule, [`FlowBuilder`](super::FlowBuilder) builds
//! the same value in Rust.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::calendar::{DailyWindow, LocalTime, Weekdays};
use super::span::Span;
use super::CampaignError;
use crate::model::{Channel, Purpose};
use crate::segment::Rule;

/// An automated flow: who enters it (trigger and trigger filter), who stays
/// in it (flow filter, exits) and what they receive when (steps).
///
/// ```
/// use crm_core::campaign::{Flow, Trigger};
/// let f = Flow::from_json(r#"{
///   "id": "welcome", "trigger": {"type": "signed_up"},
///   "steps": [{"id": "hello", "delay": {"after": "0s"}, "channels": ["email"], "template": "welcome_1"}]
/// }"#)?;
/// assert_eq!(f.trigger, Trigger::SignedUp);
/// assert_eq!(f.exit_on_order(), false); // only cart, checkout and inactivity flows stop on an order by default
/// # Ok::<(), crm_core::campaign::CampaignError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Identifier: 1–64 characters of `a-z`, `0-9`, `_` and `-`; part of every idempotency key.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Marketing (default: consent, quiet hours, caps and holdouts apply) or
    /// transactional (none of them; suppression and erasure still do).
    #[serde(default = "marketing")]
    pub purpose: Purpose,
    /// Who wins under a frequency cap: higher first (default 0).
    #[serde(default)]
    pub priority: i32,
    /// What starts an instance of the flow.
    pub trigger: Trigger,
    /// Rule checked when an instance enters (the run that plans its first message).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_rule")]
    pub trigger_filter: Option<Rule>,
    /// Rule checked at entry and again before every step.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_rule")]
    pub filter: Option<Rule>,
    /// When an instance stops early.
    #[serde(default)]
    pub exits: Exits,
    /// No new instance within this span after the previous one's entry (re-entry cooldown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<Span>,
    /// Percentage of customers (0–100) held out of this flow, by a keyed hash.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub holdout_percent: f64,
    /// The messages, in order.
    pub steps: Vec<Step>,
}

fn marketing() -> Purpose {
    Purpose::Marketing
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// What starts an instance of a flow; JSON `{"type": "cart_abandoned", "idle": "1h"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// A cart with items, not converted, with no update for `idle`. Entry is
    /// the cart's last update; guests count when the cart has a contact.
    CartAbandoned {
        /// Idle time before a cart counts as abandoned (default 1 h).
        #[serde(default = "one_hour")]
        idle: Span,
    },
    /// A `checkout_started` event of a customer. Entry is the event.
    CheckoutStarted,
    /// An order that is not cancelled. Entry is its `placed_at`.
    OrderPlaced,
    /// The customer's sign-up (`created_at`).
    SignedUp,
    /// A yearly date of the customer: entry is 00:00 local on the date.
    Date {
        /// Which date.
        field: DateField,
    },
    /// `after` since the customer's last paid order with no order since.
    Inactive {
        /// Time without an order (such as `60d`).
        after: Span,
    },
    /// A customer matches a rule. Entry is 00:00 UTC of the first planning day
    /// they match with no live instance and no cooldown.
    SegmentEntered {
        /// The rule (text or JSON tree).
        #[serde(with = "req_rule")]
        rule: Rule,
    },
    /// A custom event of the customer with this name. Entry is the event.
    CustomEvent {
        /// The event's `name`.
        name: String,
    },
}

fn one_hour() -> Span {
    Span::hours(1)
}

/// The yearly dates a [`Trigger::Date`] can follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateField {
    /// `birth_date` (month and day). 29 February is kept on 28 February in other years.
    Birthday,
    /// The local date of the first paid order, from its first anniversary on.
    FirstOrderAnniversary,
}

/// When an instance stops early. Every exit is checked against the records
/// known at planning (`now`), for the steps not sent yet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exits {
    /// Stop when the customer places an order after entering (a recovered cart
    /// also stops its own flow). Default: on for cart, checkout and inactivity
    /// triggers, off for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_placed: Option<bool>,
    /// Stop when the customer withdraws marketing consent on a channel of the
    /// flow after entering (default on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_withdrawn: Option<bool>,
    /// Stop when this rule holds (the goal is reached).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_rule")]
    pub goal: Option<Rule>,
}

/// One message of a flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Identifier, unique in the flow (1–64 of `a-z`, `0-9`, `_`, `-`).
    pub id: String,
    /// When, from the instance's entry.
    pub delay: Delay,
    /// Local hours and weekdays the message may go out in; a time outside
    /// moves to the window's next opening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<SendWindow>,
    /// Channels in order of preference: the first with an address, consent and
    /// no suppression is used.
    pub channels: Vec<Channel>,
    /// The storefront's template id.
    pub template: String,
    /// A discount or gift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<Offer>,
    /// How many recommended categories (from the co-purchase table) to put in
    /// the payload, 0–20 (default 0).
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub recommendations: u8,
}

fn is_zero_u8(x: &u8) -> bool {
    *x == 0
}

/// When a step is due, measured from the instance's entry.
///
/// JSON `{"after": "24h"}` (a fixed span) or `{"days": 3, "at": "10:00"}`
/// (the local date of entry plus `days`, at that local time; `days` may be
/// negative: `{"days": -3, "at": "10:00"}` is 3 days before a date trigger).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delay {
    /// A fixed span after entry.
    After(Span),
    /// A local calendar day relative to entry, at a local time.
    Calendar {
        /// Days after (negative: before) the local date of entry.
        days: i32,
        /// Local time of day.
        at: LocalTime,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DelayForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<Span>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    days: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<LocalTime>,
}

impl Serialize for Delay {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Delay::After(a) => DelayForm { after: Some(a), days: None, at: None },
            Delay::Calendar { days, at } => DelayForm { after: None, days: Some(days), at: Some(at) },
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Delay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Delay, D::Error> {
        let f = DelayForm::deserialize(d)?;
        match (f.after, f.days, f.at) {
            (Some(a), None, None) => Ok(Delay::After(a)),
            (None, Some(days), Some(at)) if days.abs() <= 3660 => Ok(Delay::Calendar { days, at }),
            (None, Some(_), Some(_)) => Err(serde::de::Error::custom("`days` must be within ±3660")),
            _ => Err(serde::de::Error::custom("a delay is {\"after\": \"1h\"} or {\"days\": 3, \"at\": \"10:00\"}")),
        }
    }
}

/// Local hours and weekdays a step may be sent in: `{"hours": "09:00-20:00", "weekdays": ["mon", "tue"]}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendWindow {
    /// Daily hours (default all day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<DailyWindow>,
    /// Days (default every day).
    #[serde(default)]
    pub weekdays: Weekdays,
}

/// An offer attached to a step.
///
/// ```
/// use crm_core::campaign::Offer;
/// let o: Offer = serde_json::from_str(r#"{"percent_off": 15, "code_prefix": "SEPET15", "valid_for": "24h"}"#)?;
/// assert_eq!((o.percent_off, o.free_shipping, o.code_length), (Some(15), false, 8));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    /// Percent off, 1–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_off: Option<u8>,
    /// Free shipping.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub free_shipping: bool,
    /// With a prefix (`A-Z`, `0-9`, 1–20 characters) every message gets a unique code `PREFIX-XXXXXXXX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_prefix: Option<String>,
    /// Characters after the prefix, 6–16 (default 8; see [`offer_code`](super::offer_code)).
    #[serde(default = "eight")]
    pub code_length: u8,
    /// How long the offer is valid from the send instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_for: Option<Span>,
}

fn eight() -> u8 {
    8
}

mod opt_rule {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::segment::Rule;

    pub fn serialize<S: Serializer>(r: &Option<Rule>, s: S) -> Result<S::Ok, S::Error> {
        match r {
            Some(r) => s.collect_str(r),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Rule>, D::Error> {
        let v = Option::<serde_json::Value>::deserialize(d)?;
        match v {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => Rule::from_value(&v).map(Some).map_err(serde::de::Error::custom),
        }
    }
}

mod req_rule {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::segment::Rule;

    pub fn serialize<S: Serializer>(r: &Rule, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(r)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Rule::from_value(&v).map_err(serde::de::Error::custom)
    }
}

fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Flow {
    /// Reads one flow from JSON and checks it ([`Flow::validate`]).
    ///
    /// # Errors
    /// [`CampaignError::InvalidFlow`] with the path of the bad value;
    /// [`CampaignError::InvalidRule`] for a rule that does not parse.
    pub fn from_json(text: &str) -> Result<Flow, CampaignError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| CampaignError::flow("flow", format!("invalid JSON: {e}")))?;
        check_rules(&v, "flow")?;
        let flow: Flow = serde_path_to_error::deserialize(v).map_err(|e| de_error("flow", e))?;
        flow.validate("flow")?;
        Ok(flow)
    }

    /// Reads a JSON array of flows and checks each one and that ids are unique.
    ///
    /// # Errors
    /// As [`Flow::from_json`], with paths `flows[i]…`.
    pub fn list_from_value(v: serde_json::Value) -> Result<Vec<Flow>, CampaignError> {
        if let serde_json::Value::Array(items) = &v {
            for (i, item) in items.iter().enumerate() {
                check_rules(item, &format!("flows[{i}]"))?;
            }
        }
        let flows: Vec<Flow> = serde_path_to_error::deserialize(v).map_err(|e| de_error("flows", e))?;
        check_flows(&flows)?;
        Ok(flows)
    }

    /// Whether an order after entry stops an instance ([`Exits::order_placed`] or its default).
    pub fn exit_on_order(&self) -> bool {
        self.exits.order_placed.unwrap_or(matches!(
            self.trigger,
            Trigger::CartAbandoned { .. } | Trigger::CheckoutStarted | Trigger::Inactive { .. }
        ))
    }

    /// Whether a withdrawal after entry stops an instance (default on).
    pub fn exit_on_withdrawal(&self) -> bool {
        self.exits.consent_withdrawn.unwrap_or(true)
    }

    /// Checks ids, steps, channels, offers and ranges. `path` prefixes the error paths.
    ///
    /// # Errors
    /// [`CampaignError::InvalidFlow`] naming the bad value.
    pub fn validate(&self, path: &str) -> Result<(), CampaignError> {
        let err = |field: String, m: &str| Err(CampaignError::flow(format!("{path}.{field}"), m));
        if !valid_id(&self.id) {
            return err("id".into(), "an id is 1 to 64 characters of a-z, 0-9, `_` and `-`");
        }
        if self.steps.is_empty() {
            return err("steps".into(), "a flow needs at least one step");
        }
        if !(0.0..=100.0).contains(&self.holdout_percent) {
            return err("holdout_percent".into(), "a percentage from 0 to 100");
        }
        if self.cooldown.is_some_and(|c| c.seconds() < 0) {
            return err("cooldown".into(), "a cooldown cannot be negative");
        }
        match &self.trigger {
            Trigger::CartAbandoned { idle } if idle.seconds() < 0 => {
                return err("trigger.idle".into(), "cannot be negative")
            }
            Trigger::Inactive { after } if after.seconds() <= 0 => {
                return err("trigger.after".into(), "must be positive")
            }
            Trigger::CustomEvent { name } if name.is_empty() => {
                return err("trigger.name".into(), "an event name is required")
            }
            _ => {}
        }
        for (i, s) in self.steps.iter().enumerate() {
            let at = |f: &str| format!("steps[{i}].{f}");
            if !valid_id(&s.id) {
                return err(at("id"), "an id is 1 to 64 characters of a-z, 0-9, `_` and `-`");
            }
            if self.steps[..i].iter().any(|o| o.id == s.id) {
                return err(at("id"), &format!("step id `{}` is used twice", s.id));
            }
            if s.channels.is_empty() {
                return err(at("channels"), "a step needs at least one channel");
            }
            if s.channels.iter().enumerate().any(|(j, c)| s.channels[..j].contains(c)) {
                return err(at("channels"), "a channel is listed twice");
            }
            if s.template.is_empty() {
                return err(at("template"), "a template id is required");
            }
            if s.recommendations > 20 {
                return err(at("recommendations"), "at most 20");
            }
            if let Delay::After(a) = s.delay {
                if a.seconds() < 0 {
                    return err(
                        at("delay.after"),
                        "cannot be negative (use {\"days\": -3, \"at\": \"10:00\"} before a date)",
                    );
                }
            }
            if let Delay::Calendar { days, .. } = s.delay {
                if days < 0 && !matches!(self.trigger, Trigger::Date { .. }) {
                    return err(at("delay.days"), "negative days only make sense for a date trigger");
                }
            }
            if let Some(o) = &s.offer {
                if o.percent_off.is_some_and(|p| p == 0 || p > 100) {
                    return err(at("offer.percent_off"), "a percentage from 1 to 100");
                }
                if let Some(p) = &o.code_prefix {
                    if !(1..=20).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    {
                        return err(at("offer.code_prefix"), "1 to 20 characters of A-Z and 0-9");
                    }
                }
                if !(6..=16).contains(&o.code_length) {
                    return err(at("offer.code_length"), "from 6 to 16");
                }
                if o.valid_for.is_some_and(|v| v.seconds() <= 0) {
                    return err(at("offer.valid_for"), "must be positive");
                }
            }
        }
        Ok(())
    }
}

/// Parses the rules of a flow's JSON first, so that a bad rule is reported
/// as [`CampaignError::InvalidRule`] with its line and column (serde would
/// keep only the message).
fn check_rules(v: &serde_json::Value, path: &str) -> Result<(), CampaignError> {
    let at = |pointer: &str| v.pointer(pointer).filter(|r| !r.is_null());
    for (pointer, field) in [
        ("/trigger_filter", "trigger_filter"),
        ("/filter", "filter"),
        ("/exits/goal", "exits.goal"),
        ("/trigger/rule", "trigger.rule"),
    ] {
        if let Some(rule) = at(pointer) {
            Rule::from_value(rule)
                .map_err(|error| CampaignError::InvalidRule { field: format!("{path}.{field}"), error })?;
        }
    }
    Ok(())
}

/// Checks a list of flows: each valid, ids unique.
pub(crate) fn check_flows(flows: &[Flow]) -> Result<(), CampaignError> {
    for (i, f) in flows.iter().enumerate() {
        f.validate(&format!("flows[{i}]"))?;
        if flows[..i].iter().any(|o| o.id == f.id) {
            return Err(CampaignError::flow(format!("flows[{i}].id"), format!("flow id `{}` is used twice", f.id)));
        }
    }
    Ok(())
}

pub(crate) fn de_error(root: &str, e: serde_path_to_error::Error<serde_json::Error>) -> CampaignError {
    let path = e.path().to_string();
    let field = if path == "." { root.to_string() } else { format!("{root}.{path}").replace(".[", "[") };
    CampaignError::flow(field, e.into_inner().to_string())
}
