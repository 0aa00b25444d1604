//! The rules: folding the sorted events of one (customer, channel) up to an
//! instant into a consent state. Shared by [`Ledger::decide`](super::Ledger::decide),
//! the bulk [`Ledger::states_at`](super::Ledger::states_at) and the İYS export,
//! so they cannot disagree.

use std::cmp::Ordering;

use super::ConsentState;
use crate::model::{ConsentEvent, ConsentStatus, Purpose, RecipientType};
use crate::time::Instant;

/// Rank of a status in the order of application on equal timestamps: the
/// higher rank is applied later and so wins.
pub(crate) const GRANTED: u8 = 0;
pub(crate) const CONFIRMED: u8 = 1;
pub(crate) const UNSUPPRESSED: u8 = 2;
pub(crate) const WITHDRAWN: u8 = 3;
pub(crate) const SUPPRESSED: u8 = 4;
pub(crate) const ERASED: u8 = 5;
const RANK: u8 = 7;
/// Code bit: the event's purpose is transactional.
const TRANSACTIONAL: u8 = 8;
/// Code bit: the event names a merchant recipient.
const MERCHANT: u8 = 16;

/// Rank, purpose and recipient type of an event in one byte.
pub(crate) fn code(e: &ConsentEvent) -> u8 {
    let rank = match e.status {
        ConsentStatus::Granted => GRANTED,
        ConsentStatus::Confirmed => CONFIRMED,
        ConsentStatus::Unsuppressed => UNSUPPRESSED,
        ConsentStatus::Withdrawn => WITHDRAWN,
        ConsentStatus::Suppressed => SUPPRESSED,
        ConsentStatus::Erased => ERASED,
    };
    let purpose = if e.purpose == Purpose::Transactional { TRANSACTIONAL } else { 0 };
    let merchant = if e.recipient_type == RecipientType::Merchant { MERCHANT } else { 0 };
    rank | purpose | merchant
}

/// An instant as seconds and nanoseconds since the epoch, ordered as instants are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct When {
    secs: i64,
    nanos: u32,
}

impl When {
    pub(crate) fn of(t: Instant) -> When {
        When { secs: t.timestamp(), nanos: t.timestamp_subsec_nanos() }
    }

    fn plus_secs(self, secs: i64) -> When {
        When { secs: self.secs.saturating_add(secs), nanos: self.nanos }
    }
}

/// One event in the ledger's order: when, and its position in `Store::consents`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Slot {
    pub(crate) when: When,
    pub(crate) index: u32,
}

/// The total order of events within one (customer, channel): time, then
/// status rank, then the event's content, so that arrival order never matters.
/// Events equal in content are interchangeable; their positions break the tie.
pub(crate) fn order(a: (Slot, u8), b: (Slot, u8), events: &[ConsentEvent]) -> Ordering {
    a.0.when.cmp(&b.0.when).then((a.1 & RANK).cmp(&(b.1 & RANK))).then_with(|| {
        let (x, y) = (&events[a.0.index as usize], &events[b.0.index as usize]);
        (x.purpose, x.recipient_type, x.reason, &x.id, &x.source, &x.proof)
            .cmp(&(y.purpose, y.recipient_type, y.reason, &y.id, &y.source, &y.proof))
            .then(a.0.index.cmp(&b.0.index))
    })
}

/// The marketing consent of one (customer, channel) after the events so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Consent {
    /// No grant or withdrawal yet.
    #[default]
    None,
    /// A grant in force, with its confirmation under double opt-in.
    InForce { grant: u32, confirm: Option<u32> },
    /// An unconfirmed double opt-in grant and the last instant its confirmation counts.
    Pending { grant: u32, deadline: When },
    /// Withdrawn.
    Withdrawn { event: u32 },
}

/// Everything the events of one (customer, channel) say up to an instant.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Folded {
    /// The first erasure (erasure is final).
    pub(crate) erased: Option<u32>,
    /// The suppression in force.
    pub(crate) suppressed: Option<u32>,
    /// The marketing consent.
    pub(crate) consent: Consent,
    /// The latest event of any status and purpose, and whether it names a merchant.
    pub(crate) latest: Option<(u32, bool)>,
}

/// Applies the events (sorted by [`order`]) with `when <= at`.
/// `marketing`: whether to follow marketing consent at all; `double_opt_in`:
/// whether grants need a confirmation within `window` seconds.
pub(crate) fn fold(
    slots: &[Slot],
    codes: &[u8],
    at: When,
    marketing: bool,
    double_opt_in: bool,
    window: i64,
) -> Folded {
    let mut f = Folded::default();
    for (s, &c) in slots.iter().zip(codes) {
        if s.when > at {
            break;
        }
        let event = s.index;
        f.latest = Some((event, c & MERCHANT != 0));
        let rank = c & RANK;
        match rank {
            ERASED => {
                f.erased = Some(event);
                return f;
            }
            SUPPRESSED => f.suppressed = Some(event),
            UNSUPPRESSED => f.suppressed = None,
            _ if !marketing || c & TRANSACTIONAL != 0 => {}
            GRANTED => {
                f.consent = match f.consent {
                    Consent::InForce { .. } if double_opt_in => f.consent,
                    _ if double_opt_in => Consent::Pending { grant: event, deadline: s.when.plus_secs(window) },
                    _ => Consent::InForce { grant: event, confirm: None },
                }
            }
            CONFIRMED => {
                if let Consent::Pending { grant, deadline } = f.consent {
                    if s.when <= deadline {
                        f.consent = Consent::InForce { grant, confirm: Some(event) };
                    }
                }
            }
            WITHDRAWN => f.consent = Consent::Withdrawn { event },
            _ => {}
        }
    }
    f
}

/// The state for `purpose` at `at` of what [`fold`] found, and the events
/// that decided it (at most two).
pub(crate) fn outcome(
    f: &Folded,
    purpose: Purpose,
    merchant_exempt: bool,
    at: When,
) -> (ConsentState, [Option<u32>; 2]) {
    if let Some(e) = f.erased {
        return (ConsentState::Erased, [Some(e), None]);
    }
    if let Some(s) = f.suppressed {
        return (ConsentState::Suppressed, [Some(s), None]);
    }
    if purpose == Purpose::Transactional {
        return (ConsentState::Transactional, [None, None]);
    }
    match f.consent {
        Consent::InForce { grant, confirm } => (ConsentState::Granted, [Some(grant), confirm]),
        Consent::Withdrawn { event } => (ConsentState::Withdrawn, [Some(event), None]),
        _ if merchant_exempt && f.latest.is_some_and(|(_, m)| m) => {
            (ConsentState::MerchantExempt, [f.latest.map(|(e, _)| e), None])
        }
        Consent::Pending { grant, deadline } if at > deadline => (ConsentState::Lapsed, [Some(grant), None]),
        Consent::Pending { grant, .. } => (ConsentState::PendingConfirmation, [Some(grant), None]),
        Consent::None => (ConsentState::NoConsent, [None, None]),
    }
}
