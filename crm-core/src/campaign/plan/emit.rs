//! Frequency caps over one recipient's candidates, then the planned messages
//! with their payloads and offers.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use serde_json::{json, Value};

use super::Planner;
use crate::campaign::caps::{CapCheck, Counted};
use crate::campaign::codes::offer_code;
use crate::campaign::output::{Decision, Plan, PlannedMessage, PlannedOffer, Reason, SentMessage};

use crate::model::{Cart, Channel, Order, Purpose};
use crate::time::{format_local, Instant};

impl<'a> Planner<'a> {
    /// The personalisation of a message: first name, cart, order, recommendations.
    pub(super) fn payload(
        &self,
        r: usize,
        cart: Option<&Cart>,
        order: Option<&Order>,
        recommendations: u8,
    ) -> BTreeMap<String, Value> {
        let rcpt = &self.index.recipients[r];
        let mut p = BTreeMap::new();
        if let Some(name) = rcpt.customer.and_then(|c| c.first_name.as_ref()) {
            p.insert("first_name".into(), json!(name));
        }
        if let Some(cart) = cart {
            p.insert("cart_id".into(), json!(cart.id));
            let items: Vec<Value> = cart
                .items
                .iter()
                .map(|i| {
                    let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
                    if let Some(o) = v.as_object_mut() {
                        o.entry("currency").or_insert(json!(cart.currency));
                    }
                    v
                })
                .collect();
            p.insert("cart_items".into(), Value::Array(items));
            if let Some(v) = cart.value() {
                p.insert("cart_value".into(), json!({"amount": v, "currency": cart.currency}));
            }
        }
        if let Some(order) = order {
            p.insert("order_id".into(), json!(order.id));
        }
        if recommendations > 0 {
            let items = self.recommendations.get(&(r as u32)).map(|v| &v[..v.len().min(recommendations.into())]);
            p.insert("recommendations".into(), json!(items.unwrap_or(&[])));
        }
        p
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
            let customer_id = self.index.recipients[c.recipient].key.to_string();
            if flow.purpose == Purpose::Marketing {
                if let Err(e) = check.admit(Counted { at: c.send_at, channel: c.channel, flow: Some(&flow.id) }) {
                    plan.decisions.push(Decision {
                        customer_id,
                        key: c.key,
                        flow: flow.id.clone(),
                        step: step.id.clone(),
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
                    flow: flow.id.clone(),
                    step: step.id.clone(),
                    subject: c.subject.clone(),
                    due_at: c.due_at,
                    reason: Reason::QuietHoursDeferred,
                    evidence,
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
                flow: flow.id.clone(),
                step: step.id.clone(),
                subject: c.subject,
                send_at: c.send_at,
                local_time: format_local(c.send_at, zone),
                time_zone: zone.name().to_string(),
                channel: c.channel,
                address: c.address,
                purpose: flow.purpose,
                template: step.template.clone(),
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
    pub(super) address: String,
    pub(super) deferred: Option<Value>,
    /// The recipient, and what the payload is built from once the message passes the caps.
    pub(super) recipient: usize,
    pub(super) cart: Option<&'a Cart>,
    pub(super) order: Option<&'a Order>,
}
