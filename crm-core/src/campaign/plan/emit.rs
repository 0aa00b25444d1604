//! Frequency caps over one recipient's candidates, then the planned messages
//! with their payloads and offers.

use chrono_tz::Tz;
use serde_json::Value;

use super::Planner;
use crate::campaign::caps::{CapCheck, Counted};
use crate::campaign::codes::offer_code;
use crate::campaign::output::{Decision, Payload, Plan, PlannedMessage, PlannedOffer, Reason, SentMessage};

use crate::model::{Cart, Channel, Order, Purpose};
use crate::money::Money;
use crate::time::{format_local, Instant, TimeZone};

impl<'a> Planner<'a> {
    /// The personalisation of a message: first name, cart, order, recommendations.
    pub(super) fn payload(&self, r: usize, cart: Option<&Cart>, order: Option<&Order>, recommendations: u8) -> Payload {
        let rcpt = &self.index.recipients[r];
        let items = |cart: &Cart| {
            let mut items = cart.items.clone();
            for i in &mut items {
                i.currency.get_or_insert(cart.currency);
            }
            items
        };
        Payload {
            cart_id: cart.map(|c| c.id.clone()),
            cart_items: cart.map(items),
            cart_value: cart.and_then(|c| Some(Money::new(c.value()?, c.currency))),
            first_name: rcpt.customer.and_then(|c| c.first_name.clone()),
            order_id: order.map(|o| o.id.clone()),
            recommendations: (recommendations > 0).then(|| {
                let all = self.recommendations.get(&(r as u32)).map_or(&[][..], Vec::as_slice);
                all[..all.len().min(recommendations.into())].to_vec()
            }),
        }
    }

    /// Frequency caps over this recipient's marketing candidates, then the plan entries.
    pub(super) fn apply_caps(
        &self,
        zone: Tz,
        history: &[&SentMessage],
        mut candidates: Vec<Candidate<'a>>,
        plan: &mut Plan,
    ) {
        candidates.sort_by(|a, b| {
            let fa = &self.flows[a.flow];
            let fb = &self.flows[b.flow];
            (std::cmp::Reverse(fa.priority), a.send_at, &fa.id, a.step_index, &a.subject).cmp(&(
                std::cmp::Reverse(fb.priority),
                b.send_at,
                &fb.id,
                b.step_index,
                &b.subject,
            ))
        });
        let mut check = CapCheck::new(&self.policy.caps, zone, history);
        for c in candidates {
            let flow = &self.flows[c.flow];
            let step = &flow.steps[c.step_index];
            let names = &self.names[c.flow];
            let customer_id = self.index.key(c.recipient).to_string();
            if flow.purpose == Purpose::Marketing {
                if let Err(e) = check.admit(Counted { at: c.send_at, channel: c.channel, flow: Some(&flow.id) }) {
                    plan.decisions.push(Decision {
                        customer_id,
                        key: c.key,
                        flow: names.id.clone(),
                        step: names.steps[c.step_index].0.clone(),
                        subject: c.subject,
                        due_at: c.due_at,
                        reason: Reason::Capped,
                        evidence: e,
                    });
                    continue;
                }
            }
            if let Some(evidence) = c.deferred {
                plan.decisions.push(Decision {
                    key: c.key.clone(),
                    customer_id: customer_id.clone(),
                    flow: names.id.clone(),
                    step: names.steps[c.step_index].0.clone(),
                    subject: c.subject.clone(),
                    due_at: c.due_at,
                    reason: Reason::QuietHoursDeferred,
                    evidence: evidence.into(),
                });
            }
            let offer = step.offer.as_ref().map(|o| PlannedOffer {
                percent_off: o.percent_off,
                free_shipping: o.free_shipping,
                code: o.code_prefix.as_ref().map(|p| {
                    offer_code(
                        self.policy.offer_secret.as_deref().unwrap_or("").as_bytes(),
                        p,
                        &c.key,
                        o.code_length.into(),
                    )
                }),
                expires_at: o.valid_for.map(|v| c.send_at + v.duration()),
            });
            plan.messages.push(PlannedMessage {
                key: c.key,
                customer_id,
                flow: names.id.clone(),
                step: names.steps[c.step_index].0.clone(),
                subject: c.subject,
                send_at: c.send_at,
                local_time: format_local(c.send_at, zone),
                time_zone: TimeZone(zone),
                channel: c.channel,
                address: c.address.to_string(),
                purpose: flow.purpose,
                template: names.steps[c.step_index].1.clone(),
                payload: self.payload(c.recipient, c.cart, c.order, step.recommendations),
                offer,
                due_at: (c.due_at != c.send_at).then_some(c.due_at),
            });
        }
    }
}

/// A message that passed every check but the caps.
pub(super) struct Candidate<'a> {
    pub(super) key: String,
    /// The flow and step, by position.
    pub(super) flow: usize,
    pub(super) step_index: usize,
    pub(super) subject: String,
    pub(super) due_at: Instant,
    pub(super) send_at: Instant,
    pub(super) channel: Channel,
    pub(super) address: &'a str,
    pub(super) deferred: Option<Value>,
    /// The recipient, and what the payload is built from once the message passes the caps.
    pub(super) recipient: usize,
    pub(super) cart: Option<&'a Cart>,
    pub(super) order: Option<&'a Order>,
}
