//! One flow instance: each step in scope decided (already sent, suppressed,
//! holdout, exited, filtered) or passed on to the channel choice.

use chrono::TimeDelta;
use chrono_tz::Tz;
use serde_json::{json, Value};

use super::emit::Candidate;
use super::{Ctx, FlowRun, Planner, FLOW_FILTER, GOAL, TRIGGER_FILTER};
use crate::campaign::calendar::{clock, next_allowed, DailyWindow};
use crate::campaign::codes::{holdout_bucket, idempotency_key};
use crate::campaign::evidence::Evidence;
use crate::campaign::flow::{Flow, Trigger};
use crate::campaign::output::{Decision, Plan, Reason};
use crate::campaign::trigger::{due, step_bounds, Instance};
use crate::consent::ConsentState;
use crate::model::Purpose;
use crate::time::{format_instant, Instant};

impl<'a> Planner<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn plan_instance(
        &self,
        r: usize,
        zone: Tz,
        inst: &Instance<'a>,
        run: &FlowRun,
        ctx: &Ctx,
        plan: &mut Plan,
        out: &mut Vec<Candidate<'a>>,
    ) {
        let flow = &self.flows[inst.flow];
        let names = &self.names[inst.flow];
        let mut subject = String::new();
        let customer = self.index.key(r);
        let key_of = |step: &str, subject: &str| idempotency_key(customer, &flow.id, step, subject);
        let entered =
            |subject: &str| flow.steps.iter().any(|s| ctx.log.by_key.contains_key(key_of(&s.id, subject).as_str()));
        let marketing = flow.purpose == Purpose::Marketing;
        for (step_index, step) in flow.steps.iter().enumerate() {
            // Out of scope whatever the zone, window or quiet hours (a release
            // comes at most 36 hours after the due instant): no time-zone work.
            let (a, b) = step_bounds(step);
            if inst.entry + TimeDelta::seconds(a) >= ctx.end
                || inst.entry + TimeDelta::seconds(b) + TimeDelta::hours(36) < ctx.earliest
            {
                continue;
            }
            let due_at = due(step.delay, inst.entry, zone);
            let due_at = match step.window {
                Some(w) => match next_allowed(due_at, zone, w.hours.unwrap_or(ALL_DAY), w.weekdays) {
                    Some(t) => t,
                    None => continue,
                },
                None => due_at,
            };
            // Lateness counts from the release of a message held by quiet hours
            // (at most a day and a half after its due instant).
            if due_at >= ctx.end
                || due_at < ctx.earliest
                    && (due_at + TimeDelta::hours(36) < ctx.earliest
                        || self.release(zone, &step.channels, flow.purpose, due_at) < ctx.earliest)
            {
                continue;
            }
            if subject.is_empty() {
                subject = inst.subject.render();
            }
            let key = key_of(&step.id, &subject);
            let decide = |key: String, reason: Reason, evidence: Evidence| Decision {
                key,
                customer_id: customer.to_string(),
                flow: names.id.clone(),
                step: names.steps[step_index].0.clone(),
                subject: subject.clone(),
                due_at,
                reason,
                evidence,
            };
            if let Some(sent) = ctx.log.by_key.get(key.as_str()) {
                plan.decisions.push(decide(
                    key,
                    Reason::AlreadySent,
                    json!({"sent_at": format_instant(sent.sent_at), "channel": sent.channel}).into(),
                ));
                continue;
            }
            if !self.suppressed_customers.is_empty() && self.suppressed_customers.contains(customer) {
                plan.decisions.push(decide(key, Reason::Suppressed, json!({"list": "customers"}).into()));
                continue;
            }
            if marketing {
                if let Some(e) = self.holdout(customer, flow) {
                    plan.decisions.push(decide(key, Reason::Holdout, e.into()));
                    continue;
                }
            }
            if let Some(e) = self.exit(r, inst, flow, run, ctx.now) {
                plan.decisions.push(decide(key, Reason::Exited, e.into()));
                continue;
            }
            if let Some(e) = filtered(flow, run, r, || entered(&subject)) {
                plan.decisions.push(decide(key, Reason::Filtered, e.into()));
                continue;
            }
            match self.choose_channel(r, zone, inst, step.channels.as_slice(), flow.purpose, due_at, ctx) {
                Ok(choice) => {
                    let send_at = choice.send_at.max(ctx.now);
                    if send_at >= ctx.end {
                        continue; // deferred past the horizon: a later run plans it
                    }
                    out.push(Candidate {
                        key,
                        flow: inst.flow,
                        step_index,
                        subject: subject.clone(),
                        due_at,
                        send_at,
                        channel: choice.channel,
                        address: choice.address,
                        deferred: choice.deferred,
                        recipient: r,
                        cart: inst.cart,
                        order: inst.order,
                    });
                }
                Err((reason, evidence)) => plan.decisions.push(decide(key, reason, evidence)),
            }
        }
    }

    pub(super) fn holdout(&self, customer: &str, flow: &Flow) -> Option<Value> {
        let h = &self.policy.holdout;
        if h.percent > 0.0 {
            let b = holdout_bucket(h.key.as_bytes(), "global", customer);
            if b < h.percent / 100.0 {
                return Some(json!({"scope": "global", "percent": h.percent, "bucket": b}));
            }
        }
        if flow.holdout_percent > 0.0 {
            let b = holdout_bucket(h.key.as_bytes(), &flow.id, customer);
            if b < flow.holdout_percent / 100.0 {
                return Some(json!({"scope": "flow", "percent": flow.holdout_percent, "bucket": b}));
            }
        }
        None
    }

    /// Why an instance has stopped as of `now`, if it has.
    pub(super) fn exit(&self, r: usize, inst: &Instance, flow: &Flow, run: &FlowRun, now: Instant) -> Option<Value> {
        if let Some(cart) = inst.cart {
            if let Some(t) = cart.conversion_time().filter(|&t| t <= now) {
                return Some(
                    json!({"exit": "cart_converted", "order_id": cart.converted_order_id, "at": format_instant(t)}),
                );
            }
        }
        if flow.exit_on_order() {
            let (a, b) = (crate::time::to_micros(inst.entry), crate::time::to_micros(now));
            if let Some(o) = self.index.orders(r).iter().find(|o| o.at > a && o.at <= b) {
                let order = self.index.order(o);
                return Some(
                    json!({"exit": "order_placed", "order_id": order.id, "at": format_instant(order.placed_at)}),
                );
            }
        }
        let row = self.ledger_row(r);
        if flow.exit_on_withdrawal()
            && flow.purpose == Purpose::Marketing
            && row.is_some_and(|x| self.ledger.has_events(x))
        {
            for &ch in &run.channels {
                let (state, last) = self.ledger.state_row(row, ch, Purpose::Marketing, now);
                if matches!(state, ConsentState::Withdrawn | ConsentState::Erased) {
                    let store = self.index.store;
                    if let Some(ev) = last.and_then(|i| store.consents.get(i)).filter(|e| e.at > inst.entry) {
                        // The event's id, not its position in the store: the plan must not
                        // depend on the order of the records.
                        let mut e = json!({"exit": "consent_withdrawn", "channel": ch, "state": state.as_str(),
                                           "at": format_instant(ev.at)});
                        if let Some(id) = &ev.id {
                            e["event_id"] = json!(id);
                        }
                        return Some(e);
                    }
                }
            }
        }
        if run.masks[GOAL].as_ref().is_some_and(|m| m[r]) {
            return Some(json!({"exit": "goal", "rule": flow.exits.goal.as_ref().map(ToString::to_string)}));
        }
        None
    }
}

/// Whether the flow filter, or the trigger filter of an instance not yet entered, fails.
pub(super) fn filtered(flow: &Flow, run: &FlowRun, r: usize, entered: impl Fn() -> bool) -> Option<Value> {
    if !matches!(flow.trigger, Trigger::SegmentEntered { .. }) {
        if let (Some(m), Some(rule)) = (&run.masks[TRIGGER_FILTER], &flow.trigger_filter) {
            if !m[r] && !entered() {
                return Some(json!({"filter": "trigger", "rule": rule.to_string()}));
            }
        }
    }
    if let (Some(m), Some(rule)) = (&run.masks[FLOW_FILTER], &flow.filter) {
        if !m[r] {
            return Some(json!({"filter": "flow", "rule": rule.to_string()}));
        }
    }
    None
}

/// The whole day, for a send window with weekdays only.
const ALL_DAY: DailyWindow = DailyWindow { start: clock(0, 0), end: clock(24, 0) };
