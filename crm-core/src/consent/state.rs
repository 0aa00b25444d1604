//! What the ledger answers: the consent state of one (customer, channel,
//! purpose) at an instant, whether a message may be sent, and the evidence.

use serde::{Deserialize, Serialize};

use crate::model::{ConsentEvent, ConsentStatus, Purpose, RecipientType, SuppressionReason};
use crate::time::Instant;

/// The consent state of one customer on one channel for one purpose at an instant.
///
/// Only [`Transactional`](ConsentState::Transactional),
/// [`Granted`](ConsentState::Granted) and
/// [`MerchantExempt`](ConsentState::MerchantExempt) allow a message
/// ([`ConsentState::is_allowed`]). Serialised in snake case (`no_consent`).
///
/// ```
/// use crm_core::consent::ConsentState;
/// assert!(ConsentState::MerchantExempt.is_allowed());
/// assert!(!ConsentState::PendingConfirmation.is_allowed());
/// assert_eq!(ConsentState::NoConsent.as_str(), "no_consent");
/// assert_eq!(serde_json::to_string(&ConsentState::PendingConfirmation)?, r#""pending_confirmation""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentState {
    /// Transactional purpose: no consent needed, and the channel is neither suppressed nor erased.
    Transactional,
    /// A marketing grant is in force (confirmed, where double opt-in applies).
    Granted,
    /// The latest marketing consent event is a withdrawal.
    Withdrawn,
    /// No marketing consent event at all.
    NoConsent,
    /// A double opt-in grant awaits its confirmation, and the window is still open.
    PendingConfirmation,
    /// A double opt-in grant was not confirmed within the window.
    Lapsed,
    /// The channel is suppressed (hard bounce, spam complaint, invalid number, manual).
    Suppressed,
    /// A merchant recipient, exempt by policy, who has not withdrawn.
    MerchantExempt,
    /// The person was erased: never contact again.
    Erased,
}

impl ConsentState {
    /// Whether a message of the asked purpose may be sent.
    ///
    /// ```
    /// use crm_core::consent::ConsentState;
    /// assert!(ConsentState::Transactional.is_allowed());
    /// assert!(!ConsentState::Suppressed.is_allowed());
    /// ```
    pub fn is_allowed(self) -> bool {
        matches!(self, ConsentState::Transactional | ConsentState::Granted | ConsentState::MerchantExempt)
    }

    /// The snake-case name (`pending_confirmation`).
    ///
    /// ```
    /// use crm_core::consent::ConsentState;
    /// assert_eq!(ConsentState::MerchantExempt.as_str(), "merchant_exempt");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentState::Transactional => "transactional",
            ConsentState::Granted => "granted",
            ConsentState::Withdrawn => "withdrawn",
            ConsentState::NoConsent => "no_consent",
            ConsentState::PendingConfirmation => "pending_confirmation",
            ConsentState::Lapsed => "lapsed",
            ConsentState::Suppressed => "suppressed",
            ConsentState::MerchantExempt => "merchant_exempt",
            ConsentState::Erased => "erased",
        }
    }
}

/// One consent event that decided an answer, copied from the store.
///
/// ```
/// use crm_core::consent::{ConsentPolicy, Ledger};
/// use crm_core::model::{Channel, Purpose, Store};
/// use crm_core::time::parse_instant;
/// let store = Store::from_json(r#"{"consents": [{"customer_id": "c1", "channel": "email",
///   "purpose": "marketing", "status": "granted", "at": "2024-01-05T09:00:00Z",
///   "source": "HS_WEB", "proof": "form-8812"}]}"#)?;
/// let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
/// let d = ledger.decide("c1", Channel::Email, Purpose::Marketing, parse_instant("2024-02-01T00:00:00Z")?);
/// let e = &d.evidence[0];
/// assert_eq!((e.event_index, e.source.as_deref(), e.proof.as_deref()), (0, Some("HS_WEB"), Some("form-8812")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Position of the event in `Store::consents`.
    pub event_index: usize,
    /// The event's id, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What the event records.
    pub status: ConsentStatus,
    /// The purpose it was recorded for.
    pub purpose: Purpose,
    /// When it happened.
    #[serde(with = "crate::time::serde_instant")]
    pub at: Instant,
    /// Where it was collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The proof reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
    /// Individual or merchant recipient.
    pub recipient_type: RecipientType,
    /// Why the channel was suppressed (suppressions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SuppressionReason>,
}

impl Evidence {
    /// The evidence of event `event_index`, copied from `event`.
    ///
    /// ```
    /// use crm_core::consent::Evidence;
    /// use crm_core::model::{ConsentEvent, ConsentStatus};
    /// let e: ConsentEvent = serde_json::from_str(r#"{"customer_id": "c1", "channel": "sms",
    ///   "purpose": "marketing", "status": "withdrawn", "at": "2024-01-05T09:00:00Z"}"#)?;
    /// assert_eq!(Evidence::of(3, &e).status, ConsentStatus::Withdrawn);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn of(event_index: usize, event: &ConsentEvent) -> Evidence {
        Evidence {
            event_index,
            id: event.id.clone(),
            status: event.status,
            purpose: event.purpose,
            at: event.at,
            source: event.source.clone(),
            proof: event.proof.clone(),
            recipient_type: event.recipient_type,
            reason: event.reason,
        }
    }
}

/// The answer of [`Ledger::decide`](super::Ledger::decide): may a message be
/// sent, in which state is the consent, and which events decided it.
///
/// The evidence is, by state: `granted`: the grant, then its confirmation
/// where double opt-in applies; `withdrawn`: the withdrawal;
/// `pending_confirmation` and `lapsed`: the unconfirmed grant; `suppressed`:
/// the suppression in force; `erased`: the first erasure; `merchant_exempt`:
/// the latest event of the channel, which names a merchant recipient;
/// `transactional` and `no_consent`: none.
///
/// ```
/// use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
/// use crm_core::model::{Channel, Purpose, Store};
/// use crm_core::time::parse_instant;
/// let store = Store::default();
/// let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
/// let d = ledger.decide("nobody", Channel::Sms, Purpose::Marketing, parse_instant("2024-01-01T00:00:00Z")?);
/// assert_eq!((d.allowed, d.state, d.evidence.len()), (false, ConsentState::NoConsent, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Whether the message may be sent (`state.is_allowed()`).
    pub allowed: bool,
    /// The consent state.
    pub state: ConsentState,
    /// The event(s) that decided it, oldest first.
    pub evidence: Vec<Evidence>,
}
