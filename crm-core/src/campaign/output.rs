//! What the planner reads back (the send log) and what it returns (the plan).

use serde::{Deserialize, Serialize};

use super::evidence::Evidence;
use super::name::Name;
use crate::model::{Channel, LineItem, Purpose};
use crate::money::Money;
use crate::time::{Instant, TimeZone};

/// A message the storefront has sent: the planner never plans its key
/// again, and counts it for frequency caps.
///
/// Messages sent outside the planner (a newsletter) have no key or flow and
/// count for caps only.
///
/// ```
/// use crm_core::campaign::SentMessage;
/// let m: SentMessage = serde_json::from_str(r#"{"customer_id": "c1", "channel": "email",
///   "sent_at": "2026-05-01T10:00:00Z"}"#)?;
/// assert_eq!(m.purpose, crm_core::model::Purpose::Marketing);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentMessage {
    /// The planned message's idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The customer key (customer id, or `guest:` + e-mail or phone).
    pub customer_id: String,
    /// The flow, when it came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    /// The step, when it came from a flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The instance's subject (`cart:k1`, `order:o9`, `birthday:2026` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The channel.
    pub channel: Channel,
    /// Marketing (default; counts for caps) or transactional.
    #[serde(default = "marketing")]
    pub purpose: Purpose,
    /// When it was sent.
    #[serde(with = "crate::time::serde_instant")]
    pub sent_at: Instant,
}

fn marketing() -> Purpose {
    Purpose::Marketing
}

/// A message to send.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedMessage {
    /// Idempotency key ([`idempotency_key`](super::idempotency_key) of customer, flow, step, subject).
    pub key: String,
    /// Customer key.
    pub customer_id: String,
    /// Flow id.
    pub flow: Name,
    /// Step id.
    pub step: Name,
    /// The instance's subject.
    pub subject: String,
    /// When to send, UTC.
    #[serde(with = "crate::time::serde_instant")]
    pub send_at: Instant,
    /// The same instant in the recipient's zone, RFC 3339 with offset.
    pub local_time: String,
    /// The recipient's zone.
    pub time_zone: TimeZone,
    /// The channel chosen.
    pub channel: Channel,
    /// The address on that channel (e-mail, phone, or the customer id for push).
    pub address: String,
    /// Marketing or transactional.
    pub purpose: Purpose,
    /// The template id.
    pub template: Name,
    /// Personalisation: first name, cart, order, recommendations.
    pub payload: Payload,
    /// The offer, with its code and expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<PlannedOffer>,
    /// The instant the step was due, when it differs from `send_at` (quiet hours, lateness).
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::time::serde_opt_instant")]
    pub due_at: Option<Instant>,
}

impl PlannedMessage {
    /// The send-log entry of this message, sent at `sent_at`: what to feed
    /// back to the planner once it has gone out.
    ///
    /// ```
    /// use crm_core::campaign::{plan, preset, CampaignPolicy, Reason, Span};
    /// use crm_core::model::Store;
    /// use crm_core::time::parse_instant;
    /// let store = Store::from_json(r#"{"customers": [{"id": "c1", "created_at": "2026-05-01T09:00:00Z",
    ///   "email": "a@example.com"}], "consents": [{"customer_id": "c1", "channel": "email",
    ///   "purpose": "marketing", "status": "granted", "at": "2026-05-01T09:00:00Z"}]}"#)?;
    /// let flows = [preset("welcome").unwrap()];
    /// let policy = CampaignPolicy { offer_secret: Some("shop-secret".into()), ..CampaignPolicy::default() };
    /// let now = parse_instant("2026-05-01T09:05:00Z")?;
    /// let first = plan(&store, &flows, &policy, &[], now, Span::hours(1))?;
    /// let log: Vec<_> = first.messages.iter().map(|m| m.to_sent(now)).collect();
    /// assert_eq!(log[0].key.as_deref(), Some(first.messages[0].key.as_str()));
    /// let again = plan(&store, &flows, &policy, &log, now, Span::hours(1))?;
    /// assert!(again.messages.is_empty());
    /// assert_eq!(again.decisions[0].reason, Reason::AlreadySent);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_sent(&self, sent_at: Instant) -> SentMessage {
        SentMessage {
            key: Some(self.key.clone()),
            customer_id: self.customer_id.clone(),
            flow: Some(self.flow.to_string()),
            step: Some(self.step.to_string()),
            subject: Some(self.subject.clone()),
            channel: self.channel,
            purpose: self.purpose,
            sent_at,
        }
    }
}

/// The personalisation of a planned message. Each field is present (in
/// JSON: a key is written) only when it applies: the cart fields for a
/// message about a cart, `order_id` for one about an order,
/// `recommendations` for a step that asks for them.
///
/// ```
/// use crm_core::campaign::Payload;
/// let p = Payload { first_name: Some("Ann".into()), order_id: Some("o1".into()), ..Payload::default() };
/// assert_eq!(serde_json::to_string(&p)?, r#"{"first_name":"Ann","order_id":"o1"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Payload {
    /// The cart's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cart_id: Option<String>,
    /// The cart's lines, each with its currency (the cart's when the line has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cart_items: Option<Vec<LineItem>>,
    /// The sum of the line nets (absent on overflow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cart_value: Option<Money>,
    /// The customer's first name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The order's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Recommended items in rank order (empty when the customer has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendations: Option<Vec<String>>,
}

/// An offer as planned for one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedOffer {
    /// Percent off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent_off: Option<u8>,
    /// Free shipping.
    pub free_shipping: bool,
    /// The unique code, when the offer has a prefix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// End of validity (send instant + `valid_for`).
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::time::serde_opt_instant")]
    pub expires_at: Option<Instant>,
}

/// Why a due message is not sent (or not sent when due).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No channel of the step has consent at the send instant.
    NoConsent,
    /// No channel of the step has an address (no e-mail, no phone).
    NoAddress,
    /// Due in quiet hours: moved to the next allowed minute (the message is planned).
    QuietHoursDeferred,
    /// Due in quiet hours with mode `skip`.
    QuietHours,
    /// A frequency cap is full.
    Capped,
    /// The customer is in the global control group or the flow's holdout.
    Holdout,
    /// The instance stopped: an order, a conversion, a withdrawal or the goal.
    Exited,
    /// The flow filter (or trigger filter at entry) does not hold.
    Filtered,
    /// The customer or the address is on the suppression list, or the channel is suppressed or erased.
    Suppressed,
    /// The send log has this key.
    AlreadySent,
}

impl Reason {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NoConsent => "no_consent",
            Reason::NoAddress => "no_address",
            Reason::QuietHoursDeferred => "quiet_hours_deferred",
            Reason::QuietHours => "quiet_hours",
            Reason::Capped => "capped",
            Reason::Holdout => "holdout",
            Reason::Exited => "exited",
            Reason::Filtered => "filtered",
            Reason::Suppressed => "suppressed",
            Reason::AlreadySent => "already_sent",
        }
    }
}

/// A decision about a due message: not sent, or deferred, with the evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// The message's idempotency key.
    pub key: String,
    /// Customer key.
    pub customer_id: String,
    /// Flow id.
    pub flow: Name,
    /// Step id.
    pub step: Name,
    /// The instance's subject.
    pub subject: String,
    /// When the step was due.
    #[serde(with = "crate::time::serde_instant")]
    pub due_at: Instant,
    /// Why.
    pub reason: Reason,
    /// What decided it (shape per reason in `docs/campaigns.md`).
    pub evidence: Evidence,
}

/// The planner's answer: messages in send order and decisions.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    /// Messages to send, ordered by `send_at`, customer, flow, step, subject.
    pub messages: Vec<PlannedMessage>,
    /// Decisions, ordered by customer, flow, subject, due instant, step.
    pub decisions: Vec<Decision>,
}

impl Plan {
    /// The plan as JSON text; the same plan always gives the same bytes.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
