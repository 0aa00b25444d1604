//! The channel of a step: address, suppression lists, quiet hours and consent
//! at the send instant, in the step's fallback order.

use chrono_tz::Tz;
use serde_json::{json, Value};

use super::{Ctx, Planner};
use crate::campaign::calendar::{next_allowed, Weekdays};
use crate::campaign::evidence::{Evidence, Tried};
use crate::campaign::output::Reason;
use crate::campaign::policy::{phone_key, QuietMode};
use crate::campaign::trigger::Instance;
use crate::consent::ConsentState;
use crate::model::{Channel, Purpose};
use crate::time::{format_instant, format_local, Instant};

impl<'a> Planner<'a> {
    /// The latest instant over `channels` at which a step due at `due_at` is
    /// released: its due instant, or for a marketing message held by quiet
    /// hours (mode defer), the window's next opening. Lateness counts from it.
    pub(super) fn release(&self, zone: Tz, channels: &[Channel], purpose: Purpose, due_at: Instant) -> Instant {
        if purpose != Purpose::Marketing {
            return due_at;
        }
        channels
            .iter()
            .map(|ch| match self.policy.quiet_hours.iter().find(|q| q.channels.contains(ch)) {
                Some(q) if q.mode == QuietMode::Defer => {
                    next_allowed(due_at, zone, q.allowed, Weekdays::ALL).unwrap_or(due_at)
                }
                _ => due_at,
            })
            .max()
            .unwrap_or(due_at)
    }

    /// The first channel with an address, no suppression, no quiet-hours skip and consent at its send instant.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn choose_channel(
        &self,
        r: usize,
        zone: Tz,
        inst: &Instance<'a>,
        channels: &[Channel],
        purpose: Purpose,
        due_at: Instant,
        ctx: &Ctx,
    ) -> Result<Choice<'a>, (Reason, Evidence)> {
        let now = ctx.now;
        // What each channel gave, turned into evidence only when none is chosen
        // (no allocation when the first channel is).
        let mut tried: Vec<(Channel, Tried)> = Vec::new();
        for &ch in channels {
            if due_at < ctx.earliest && self.release(zone, &[ch], purpose, due_at) < ctx.earliest {
                // Overdue by more than max_lateness on this channel (another one holds it by quiet hours).
                tried.push((ch, Tried::TooLate));
                continue;
            }
            let Some(address) = self.address(r, inst, ch) else {
                tried.push((ch, Tried::NoAddress));
                continue;
            };
            let listed = match ch {
                Channel::Email => {
                    !self.suppressed_emails.is_empty() && self.suppressed_emails.contains(&address.to_lowercase())
                }
                Channel::Sms | Channel::Call => {
                    !self.suppressed_phones.is_empty() && self.suppressed_phones.contains(&phone_key(address))
                }
                Channel::Push => false,
            };
            if listed {
                tried.push((ch, Tried::Listed));
                continue;
            }
            let mut send_at = due_at;
            let mut deferred = None;
            if purpose == Purpose::Marketing {
                if let Some(q) = self.policy.quiet_hours.iter().find(|q| q.channels.contains(&ch)) {
                    let at = due_at.max(now);
                    if let Some(open) = next_allowed(at, zone, q.allowed, Weekdays::ALL).filter(|&t| t != at) {
                        if q.mode == QuietMode::Skip {
                            tried.push((ch, Tried::QuietHours { at, allowed: q.allowed }));
                            continue;
                        }
                        deferred = Some(json!({"channel": ch, "local_time": format_local(at, zone),
                                               "allowed": q.allowed.to_string(), "send_at": format_instant(open)}));
                        send_at = open;
                    }
                }
            }
            let (state, _) = self.ledger.state_row(self.ledger_row(r), ch, purpose, send_at.max(now));
            if state.is_allowed() {
                return Ok(Choice { channel: ch, address, send_at, deferred });
            }
            tried.push((ch, Tried::Consent { state, at: send_at.max(now) }));
        }
        let reason = TELLING
            .into_iter()
            .find(|&t| tried.iter().any(|(_, x)| reason_of(x) == Some(t)))
            .unwrap_or(Reason::NoAddress);
        Err((reason, Evidence::channels(zone, tried)))
    }

    /// The address of a channel: the customer's, else the contact on the instance's record.
    pub(super) fn address(&self, r: usize, inst: &Instance<'a>, ch: Channel) -> Option<&'a str> {
        let c = self.index.recipients[r].customer;
        let contact = inst.contact();
        let pick = |a: Option<&'a String>, b: Option<&'a String>| a.or(b).filter(|s| !s.is_empty()).map(String::as_str);
        match ch {
            Channel::Email => pick(c.and_then(|c| c.email.as_ref()), contact.and_then(|k| k.email.as_ref())),
            Channel::Sms | Channel::Call => {
                pick(c.and_then(|c| c.phone.as_ref()), contact.and_then(|k| k.phone.as_ref()))
            }
            Channel::Push => c.map(|c| c.id.as_str()),
        }
    }
}

pub(super) struct Choice<'a> {
    pub(super) channel: Channel,
    pub(super) address: &'a str,
    pub(super) send_at: Instant,
    pub(super) deferred: Option<Value>,
}

/// The reason a channel's outcome stands for (`too_late` stands for none).
fn reason_of(t: &Tried) -> Option<Reason> {
    match t {
        Tried::TooLate => None,
        Tried::NoAddress => Some(Reason::NoAddress),
        Tried::Listed => Some(Reason::Suppressed),
        Tried::QuietHours { .. } => Some(Reason::QuietHours),
        Tried::Consent { state: ConsentState::Suppressed | ConsentState::Erased, .. } => Some(Reason::Suppressed),
        Tried::Consent { .. } => Some(Reason::NoConsent),
    }
}

/// The most telling reason first: consent beats suppression beats quiet hours beats no address.
const TELLING: [Reason; 4] = [Reason::NoConsent, Reason::Suppressed, Reason::QuietHours, Reason::NoAddress];
