//! Consent events: who agreed (or stopped agreeing) to which messages, when, and with what proof.

use serde::{Deserialize, Serialize};

use crate::time::Instant;

/// A message channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail (İYS `EPOSTA`).
    Email,
    /// SMS (İYS `MESAJ`).
    Sms,
    /// Phone call (İYS `ARAMA`).
    Call,
    /// Push notification.
    Push,
}

/// Why a message is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Promotions, newsletters, flows: needs consent.
    Marketing,
    /// Order confirmation, shipping: needs none.
    Transactional,
}

/// What a consent event records.
///
/// `granted` (İYS `ONAY`) and `withdrawn` (İYS `RET`) are the consent itself;
/// `confirmed` completes a double opt-in grant; `suppressed` (a hard bounce,
/// spam complaint or invalid number, named in `reason`) blocks the channel
/// whatever the consent until `unsuppressed`; `erased` is the tombstone left
/// by an erasure request, after which the person is never contacted again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Consent given.
    Granted,
    /// Consent refused or withdrawn.
    Withdrawn,
    /// A double opt-in grant confirmed (the link in the confirmation message followed).
    Confirmed,
    /// The channel is suppressed (hard bounce, spam complaint, invalid number).
    Suppressed,
    /// A suppression lifted explicitly.
    Unsuppressed,
    /// The person was erased: never contact again.
    Erased,
}

/// Why a channel is suppressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    /// The mailbox does not exist (permanent delivery failure).
    HardBounce,
    /// The recipient marked a message as spam.
    SpamComplaint,
    /// The phone number is not a valid, reachable number.
    InvalidNumber,
    /// Suppressed by hand (support, legal request).
    Manual,
}

/// Individual (İYS `BIREYSEL`) or merchant (İYS `TACIR`) recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientType {
    /// A private person.
    #[default]
    Individual,
    /// A merchant.
    Merchant,
}

/// One consent event, appended to the ledger.
///
/// ```
/// use crm_core::model::{ConsentEvent, Channel, ConsentStatus};
/// let e: ConsentEvent = serde_json::from_str(r#"{
///   "customer_id": "c1", "channel": "sms", "purpose": "marketing", "status": "granted",
///   "at": "2024-01-05T09:00:00Z", "source": "web_form", "proof": "form-8812"
/// }"#)?;
/// assert_eq!((e.channel, e.status), (Channel::Sms, ConsentStatus::Granted));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentEvent {
    /// Optional event id (unique when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The customer the consent belongs to.
    pub customer_id: String,
    /// Channel the consent covers.
    pub channel: Channel,
    /// Purpose the consent covers.
    pub purpose: Purpose,
    /// Granted or withdrawn.
    pub status: ConsentStatus,
    /// When it was given or withdrawn.
    #[serde(with = "crate::time::serde_instant")]
    pub at: Instant,
    /// Where it was collected (`web_form`, `HS_WEB`, `call_center` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Evidence: form id, recording reference, signed document id …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
    /// Individual or merchant recipient.
    #[serde(default)]
    pub recipient_type: RecipientType,
    /// Why the channel is suppressed (only with status `suppressed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SuppressionReason>,
}
