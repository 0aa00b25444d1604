//! The planner: every due message of every flow instance, decided under
//! consent, exits, filters, holdouts, suppression, quiet hours and caps.
//!
//! Lateness and quiet hours: a step more than `max_lateness` overdue is
//! dropped, but a marketing message held by quiet hours (mode `defer`) is
//! overdue only from its release, the window's next opening after its due
//! instant, channel by channel (a channel released too long ago is tried as
//! `too_late`). Otherwise a message held longer than `max_lateness`, and so
//! left to a later run, would be lost.
//!
//! Ties never depend on the position of a record: orders at one instant are
//! taken by id, a key logged twice at one instant by channel, and a consent
//! exit names the event by its id, not its index.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::TimeDelta;
use chrono_tz::Tz;
use serde_json::{json, Value};

use super::calendar::{clock, next_allowed, DailyWindow};
use super::caps::{CapCheck, Counted};
use super::codes::{holdout_bucket, idempotency_key, offer_code};
use super::flow::{check_flows, Flow, Trigger};
use super::index::StoreIndex;
use super::output::{Decision, Plan, PlannedMessage, PlannedOffer, Reason, SentMessage};
use super::policy::{phone_key, CampaignPolicy, QuietMode};
use super::span::Span;
use super::trigger::{due, instances, step_bounds, step_offsets, Bounds, Instance, Window};
use super::CampaignError;
use crate::consent::{ConsentState, Ledger};
use crate::error::Error;
use crate::model::{Channel, Purpose, Store};
use crate::segment::{CrossSellSuggestion, CustomerTable, Rule, TableOptions};
use crate::time::{format_instant, Instant};

/// A planner over one store, flows and policy. Build it once ([`Planner::new`]
/// validates everything and indexes the store); call [`Planner::plan`] as
/// often as needed with the send log and the instant.
pub struct Planner<'a> {
    flows: &'a [Flow],
    policy: &'a CampaignPolicy,
    ledger: Ledger<'a>,
    index: StoreIndex<'a>,
    /// Each recipient's row in the ledger (looked up once, not per decision).
    ledger_rows: Vec<Option<u32>>,
    recommendations: HashMap<String, Vec<String>>,
    suppressed_customers: HashSet<&'a str>,
    suppressed_emails: HashSet<String>,
    suppressed_phones: HashSet<String>,
}

/// Per-flow data fixed for one planning run.
struct FlowRun {
    /// Entries in `[lo, hi]` can have a step in scope, and the UTC days around them.
    bounds: Bounds,
    /// How long an instance runs after entry (last step offset + lateness).
    running: TimeDelta,
    masks: [Option<Vec<bool>>; 3],
    /// The channels of the flow's steps, sorted and unique.
    channels: Vec<Channel>,
}

const TRIGGER_FILTER: usize = 0;
const FLOW_FILTER: usize = 1;
const GOAL: usize = 2;

impl<'a> Planner<'a> {
    /// Checks the flows and policy, builds the consent ledger and indexes the store.
    ///
    /// # Errors
    /// [`CampaignError`] for bad flows or policy (`Error::Campaign`); consent
    /// errors from the ledger.
    pub fn new(store: &'a Store, flows: &'a [Flow], policy: &'a CampaignPolicy) -> Result<Planner<'a>, Error> {
        check_flows(flows)?;
        policy.validate()?;
        let codes = flows.iter().enumerate().flat_map(|(i, f)| {
            f.steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.offer.as_ref().is_some_and(|o| o.code_prefix.is_some()))
                .map(move |(j, _)| (i, j))
        });
        if let Some((i, j)) = codes.into_iter().next() {
            if policy.offer_secret.is_none() {
                return Err(CampaignError::flow(
                    format!("flows[{i}].steps[{j}].offer.code_prefix"),
                    "offer codes need `offer_secret` in the policy",
                )
                .into());
            }
        }
        let events = flows.iter().any(|f| matches!(f.trigger, Trigger::CheckoutStarted | Trigger::CustomEvent { .. }));
        let s = &policy.suppression;
        let ledger = Ledger::new(store, &policy.consent)?;
        let index = StoreIndex::new(store, events);
        let ledger_rows = index.recipients.iter().map(|r| ledger.row(&r.key).map(|row| row as u32)).collect();
        Ok(Planner {
            flows,
            policy,
            ledger,
            index,
            ledger_rows,
            recommendations: HashMap::new(),
            suppressed_customers: s.customers.iter().map(String::as_str).collect(),
            suppressed_emails: s.emails.iter().map(|e| e.trim().to_lowercase()).collect(),
            suppressed_phones: s.phones.iter().map(|p| phone_key(p)).collect(),
        })
    }

    /// Recommended items per customer key (from [`cross_sell`](crate::segment::cross_sell)),
    /// in rank order, for steps with `recommendations`.
    pub fn with_recommendations(mut self, suggestions: &[CrossSellSuggestion]) -> Planner<'a> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for s in suggestions {
            map.entry(s.customer_id.clone()).or_default().push(s.item.clone());
        }
        self.recommendations = map;
        self
    }

    /// Plans the messages due in `[now, now + horizon)` (and those overdue by
    /// at most the policy's `max_lateness`, sent at `now`), with a decision
    /// for every due message not sent or deferred.
    ///
    /// # Errors
    /// [`CampaignError::InvalidOption`] for a negative horizon,
    /// [`CampaignError::InvalidSendLog`] for a bad log entry,
    /// [`CampaignError::InvalidRule`] for a rule that does not check against
    /// the customer fields; facts errors while building them.
    pub fn plan(&self, send_log: &[SentMessage], now: Instant, horizon: Span) -> Result<Plan, Error> {
        if horizon.seconds() < 0 {
            return Err(
                CampaignError::InvalidOption { field: "horizon".into(), message: "cannot be negative".into() }.into()
            );
        }
        let log = LogIndex::new(send_log)?;
        let runs = self.flow_runs(now, now + horizon.duration())?;
        let mut plan = Plan::default();
        let mut ctx =
            Ctx { now, end: now + horizon.duration(), earliest: now - self.policy.max_lateness.duration(), log: &log };
        for r in 0..self.index.recipients.len() {
            self.plan_recipient(r, &runs, &mut ctx, &mut plan);
        }
        plan.messages.sort_by(|a, b| {
            (a.send_at, &a.customer_id, &a.flow, &a.step, &a.subject).cmp(&(
                b.send_at,
                &b.customer_id,
                &b.flow,
                &b.step,
                &b.subject,
            ))
        });
        plan.decisions.sort_by(|a, b| {
            (&a.customer_id, &a.flow, &a.subject, a.due_at, &a.step, a.reason).cmp(&(
                &b.customer_id,
                &b.flow,
                &b.subject,
                b.due_at,
                &b.step,
                b.reason,
            ))
        });
        Ok(plan)
    }

    /// Offsets and rule masks per flow; the customer table is built only when a flow has a rule.
    fn flow_runs(&self, now: Instant, end: Instant) -> Result<Vec<FlowRun>, Error> {
        let has_rules = self.flows.iter().any(|f| {
            f.trigger_filter.is_some()
                || f.filter.is_some()
                || f.exits.goal.is_some()
                || matches!(f.trigger, Trigger::SegmentEntered { .. })
        });
        let table = if has_rules {
            let options = TableOptions { time_zone: Some(self.policy.time_zone), ..TableOptions::default() };
            Some(CustomerTable::from_store(self.index.store, now, &options)?)
        } else {
            None
        };
        let mut runs = Vec::with_capacity(self.flows.len());
        for (i, f) in self.flows.iter().enumerate() {
            let eval = |rule: Option<&Rule>, field: &str| -> Result<Option<Vec<bool>>, Error> {
                match (rule, &table) {
                    (Some(rule), Some(t)) => {
                        rule.evaluate(t).map(|m| Some(self.by_recipient(t, &m))).map_err(|error| {
                            CampaignError::InvalidRule { field: format!("flows[{i}].{field}"), error }.into()
                        })
                    }
                    _ => Ok(None),
                }
            };
            let trigger = match &f.trigger {
                Trigger::SegmentEntered { rule } => eval(Some(rule), "trigger.rule")?,
                _ => eval(f.trigger_filter.as_ref(), "trigger_filter")?,
            };
            let masks = [trigger, eval(f.filter.as_ref(), "filter")?, eval(f.exits.goal.as_ref(), "exits.goal")?];
            let (first, last) = step_offsets(f);
            let lateness = self.policy.max_lateness.seconds();
            runs.push(FlowRun {
                // A flow with a cooldown finds its instances over all history (trigger.rs).
                bounds: Bounds::new(now, now - TimeDelta::seconds(lateness + last), end - TimeDelta::seconds(first)),
                running: TimeDelta::seconds(last + lateness),
                masks,
                channels: {
                    let mut c: Vec<Channel> = f.steps.iter().flat_map(|s| s.channels.iter().copied()).collect();
                    c.sort();
                    c.dedup();
                    c
                },
            });
        }
        Ok(runs)
    }

    /// A table mask re-indexed by recipient (false for a recipient not in the table).
    fn by_recipient(&self, t: &CustomerTable, mask: &[bool]) -> Vec<bool> {
        self.index.recipients.iter().map(|r| t.row_of(&r.key).is_some_and(|row| mask[row])).collect()
    }

    fn zone(&self, r: usize) -> Tz {
        self.index.recipients[r].customer.and_then(|c| c.time_zone).unwrap_or(self.policy.time_zone).0
    }

    fn plan_recipient(&self, r: usize, runs: &[FlowRun], ctx: &mut Ctx, plan: &mut Plan) {
        let key = self.index.recipients[r].key.as_ref();
        let zone = self.zone(r);
        let history = ctx.log.by_customer.get(key).map(Vec::as_slice).unwrap_or(&[]);
        let mut candidates: Vec<Candidate> = Vec::new();
        for (fi, flow) in self.flows.iter().enumerate() {
            let run = &runs[fi];
            let logged: Vec<&str> = if history.is_empty() {
                Vec::new()
            } else {
                history
                    .iter()
                    .filter(|m| m.flow.as_deref() == Some(flow.id.as_str()))
                    .filter_map(|m| m.subject.as_deref())
                    .collect()
            };
            let w = Window {
                bounds: &run.bounds,
                zone,
                member: run.masks[TRIGGER_FILTER].as_ref().is_some_and(|m| m[r]),
                logged: &logged,
                running: run.running,
            };
            for inst in instances(&self.index, r, fi, flow, &w) {
                self.plan_instance(r, zone, &inst, run, ctx, plan, &mut candidates);
            }
        }
        if candidates.is_empty() {
            return;
        }
        self.apply_caps(zone, history, candidates, plan);
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_instance(
        &self,
        r: usize,
        zone: Tz,
        inst: &Instance,
        run: &FlowRun,
        ctx: &Ctx,
        plan: &mut Plan,
        out: &mut Vec<Candidate>,
    ) {
        let flow = &self.flows[inst.flow];
        let rcpt = &self.index.recipients[r];
        let mut subject = String::new();
        let key_of = |step: &str, subject: &str| idempotency_key(&rcpt.key, &flow.id, step, subject);
        let entered =
            |subject: &str| flow.steps.iter().any(|s| ctx.log.by_key.contains_key(key_of(&s.id, subject).as_str()));
        let marketing = flow.purpose == Purpose::Marketing;
        for step in &flow.steps {
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
                subject = inst.subject.to_string();
            }
            let key = key_of(&step.id, &subject);
            let decide = |reason: Reason, evidence: Value| Decision {
                key: key.clone(),
                customer_id: rcpt.key.to_string(),
                flow: flow.id.clone(),
                step: step.id.clone(),
                subject: subject.clone(),
                due_at,
                reason,
                evidence,
            };
            if let Some(sent) = ctx.log.by_key.get(key.as_str()) {
                plan.decisions.push(decide(
                    Reason::AlreadySent,
                    json!({"sent_at": format_instant(sent.sent_at), "channel": sent.channel}),
                ));
                continue;
            }
            if self.suppressed_customers.contains(rcpt.key.as_ref()) {
                plan.decisions.push(decide(Reason::Suppressed, json!({"list": "customers"})));
                continue;
            }
            if marketing {
                if let Some(e) = self.holdout(&rcpt.key, flow) {
                    plan.decisions.push(decide(Reason::Holdout, e));
                    continue;
                }
            }
            if let Some(e) = self.exit(r, inst, flow, run, ctx.now) {
                plan.decisions.push(decide(Reason::Exited, e));
                continue;
            }
            if let Some(e) = filtered(flow, run, r, || entered(&subject)) {
                plan.decisions.push(decide(Reason::Filtered, e));
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
                        customer: rcpt.key.to_string(),
                        flow: inst.flow,
                        step: step.id.clone(),
                        step_index: flow.steps.iter().position(|s| s.id == step.id).unwrap_or(0),
                        subject: subject.clone(),
                        due_at,
                        send_at,
                        channel: choice.channel,
                        address: choice.address,
                        deferred: choice.deferred,
                        payload: self.payload(r, inst, step.recommendations),
                    });
                }
                Err((reason, evidence)) => plan.decisions.push(decide(reason, evidence)),
            }
        }
    }

    fn holdout(&self, customer: &str, flow: &Flow) -> Option<Value> {
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
    fn exit(&self, r: usize, inst: &Instance, flow: &Flow, run: &FlowRun, now: Instant) -> Option<Value> {
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
        let row = self.ledger_rows[r].map(|row| row as usize);
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

    /// The latest instant over `channels` at which a step due at `due_at` is
    /// released: its due instant, or for a marketing message held by quiet
    /// hours (mode defer), the window's next opening. Lateness counts from it.
    fn release(&self, zone: Tz, channels: &[Channel], purpose: Purpose, due_at: Instant) -> Instant {
        if purpose != Purpose::Marketing {
            return due_at;
        }
        channels
            .iter()
            .map(|ch| match self.policy.quiet_hours.iter().find(|q| q.channels.contains(ch)) {
                Some(q) if q.mode == QuietMode::Defer => {
                    next_allowed(due_at, zone, q.allowed, super::Weekdays::ALL).unwrap_or(due_at)
                }
                _ => due_at,
            })
            .max()
            .unwrap_or(due_at)
    }

    /// The first channel with an address, no suppression, no quiet-hours skip and consent at its send instant.
    #[allow(clippy::too_many_arguments)]
    fn choose_channel(
        &self,
        r: usize,
        zone: Tz,
        inst: &Instance,
        channels: &[Channel],
        purpose: Purpose,
        due_at: Instant,
        ctx: &Ctx,
    ) -> Result<Choice, (Reason, Value)> {
        let now = ctx.now;
        let mut tried = Vec::with_capacity(channels.len());
        let mut reasons = Vec::with_capacity(channels.len());
        for &ch in channels {
            if due_at < ctx.earliest && self.release(zone, &[ch], purpose, due_at) < ctx.earliest {
                // Overdue by more than max_lateness on this channel (another one holds it by quiet hours).
                tried.push(json!({"channel": ch, "outcome": "too_late"}));
                continue;
            }
            let Some(address) = self.address(r, inst, ch) else {
                tried.push(json!({"channel": ch, "outcome": "no_address"}));
                reasons.push(Reason::NoAddress);
                continue;
            };
            let listed = match ch {
                Channel::Email => {
                    !self.suppressed_emails.is_empty() && self.suppressed_emails.contains(&address.to_lowercase())
                }
                Channel::Sms | Channel::Call => {
                    !self.suppressed_phones.is_empty() && self.suppressed_phones.contains(&phone_key(&address))
                }
                Channel::Push => false,
            };
            if listed {
                tried.push(json!({"channel": ch, "outcome": "suppressed", "list": "address"}));
                reasons.push(Reason::Suppressed);
                continue;
            }
            let mut send_at = due_at;
            let mut deferred = None;
            if purpose == Purpose::Marketing {
                if let Some(q) = self.policy.quiet_hours.iter().find(|q| q.channels.contains(&ch)) {
                    let at = due_at.max(now);
                    if let Some(open) = next_allowed(at, zone, q.allowed, super::Weekdays::ALL).filter(|&t| t != at) {
                        let local = local_time(at, zone);
                        if q.mode == QuietMode::Skip {
                            tried.push(json!({"channel": ch, "outcome": "quiet_hours", "local_time": local, "allowed": q.allowed.to_string()}));
                            reasons.push(Reason::QuietHours);
                            continue;
                        }
                        deferred = Some(json!({"channel": ch, "local_time": local, "allowed": q.allowed.to_string(),
                                               "send_at": format_instant(open)}));
                        send_at = open;
                    }
                }
            }
            let (state, _) =
                self.ledger.state_row(self.ledger_rows[r].map(|x| x as usize), ch, purpose, send_at.max(now));
            if state.is_allowed() {
                return Ok(Choice { channel: ch, address, send_at, deferred });
            }
            let reason = if matches!(state, ConsentState::Suppressed | ConsentState::Erased) {
                Reason::Suppressed
            } else {
                Reason::NoConsent
            };
            tried.push(json!({"channel": ch, "outcome": state.as_str(), "at": format_instant(send_at.max(now))}));
            reasons.push(reason);
        }
        // The most telling reason: consent beats suppression beats quiet hours beats no address.
        let order = [Reason::NoConsent, Reason::Suppressed, Reason::QuietHours, Reason::NoAddress];
        let reason = order.into_iter().find(|r| reasons.contains(r)).unwrap_or(Reason::NoAddress);
        Err((reason, json!({"channels": tried})))
    }

    fn address(&self, r: usize, inst: &Instance, ch: Channel) -> Option<String> {
        let rcpt = &self.index.recipients[r];
        let c = rcpt.customer;
        let contact = inst.contact();
        let pick = |a: Option<&String>, b: Option<&String>| a.or(b).filter(|s| !s.is_empty()).cloned();
        match ch {
            Channel::Email => pick(c.and_then(|c| c.email.as_ref()), contact.and_then(|k| k.email.as_ref())),
            Channel::Sms | Channel::Call => {
                pick(c.and_then(|c| c.phone.as_ref()), contact.and_then(|k| k.phone.as_ref()))
            }
            Channel::Push => c.map(|c| c.id.clone()),
        }
    }

    fn payload(&self, r: usize, inst: &Instance, recommendations: u8) -> BTreeMap<String, Value> {
        let rcpt = &self.index.recipients[r];
        let mut p = BTreeMap::new();
        if let Some(name) = rcpt.customer.and_then(|c| c.first_name.as_ref()) {
            p.insert("first_name".into(), json!(name));
        }
        if let Some(cart) = inst.cart {
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
        if let Some(order) = inst.order {
            p.insert("order_id".into(), json!(order.id));
        }
        if recommendations > 0 {
            let items = self.recommendations.get(rcpt.key.as_ref()).map(|v| &v[..v.len().min(recommendations.into())]);
            p.insert("recommendations".into(), json!(items.unwrap_or(&[])));
        }
        p
    }

    /// Frequency caps over this recipient's marketing candidates, then the plan entries.
    fn apply_caps(&self, zone: Tz, history: &[&SentMessage], mut candidates: Vec<Candidate>, plan: &mut Plan) {
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
            if flow.purpose == Purpose::Marketing {
                if let Err(e) =
                    check.admit(Counted { at: c.send_at, channel: c.channel, flow: Some(&flow.id), key: c.key.clone() })
                {
                    plan.decisions.push(Decision {
                        customer_id: c.customer,
                        key: c.key,
                        flow: flow.id.clone(),
                        step: c.step,
                        subject: c.subject,
                        due_at: c.due_at,
                        reason: Reason::Capped,
                        evidence: e,
                    });
                    continue;
                }
            }
            let customer_id = c.customer.clone();
            if let Some(d) = &c.deferred {
                plan.decisions.push(Decision {
                    key: c.key.clone(),
                    customer_id: customer_id.clone(),
                    flow: flow.id.clone(),
                    step: c.step.clone(),
                    subject: c.subject.clone(),
                    due_at: c.due_at,
                    reason: Reason::QuietHoursDeferred,
                    evidence: d.clone(),
                });
            }
            let step = &flow.steps[c.step_index];
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
                step: c.step,
                subject: c.subject,
                send_at: c.send_at,
                local_time: local_time(c.send_at, zone),
                time_zone: zone.name().to_string(),
                channel: c.channel,
                address: c.address,
                purpose: flow.purpose,
                template: step.template.clone(),
                payload: c.payload,
                offer,
                due_at: (c.due_at != c.send_at).then_some(c.due_at),
            });
        }
    }
}

/// The whole day, for a send window with weekdays only.
const ALL_DAY: DailyWindow = DailyWindow { start: clock(0, 0), end: clock(24, 0) };

/// One planning run's instants and send log.
struct Ctx<'l> {
    now: Instant,
    /// End of the horizon (exclusive).
    end: Instant,
    /// Steps due before this are dropped.
    earliest: Instant,
    log: &'l LogIndex<'l>,
}

/// A message that passed every check but the caps.
struct Candidate {
    key: String,
    customer: String,
    flow: usize,
    step: String,
    step_index: usize,
    subject: String,
    due_at: Instant,
    send_at: Instant,
    channel: Channel,
    address: String,
    deferred: Option<Value>,
    payload: BTreeMap<String, Value>,
}

struct Choice {
    channel: Channel,
    address: String,
    send_at: Instant,
    deferred: Option<Value>,
}

/// The send log by key and by customer.
struct LogIndex<'l> {
    by_key: HashMap<&'l str, &'l SentMessage>,
    by_customer: HashMap<&'l str, Vec<&'l SentMessage>>,
}

impl<'l> LogIndex<'l> {
    fn new(log: &'l [SentMessage]) -> Result<LogIndex<'l>, CampaignError> {
        let mut by_key = HashMap::new();
        let mut by_customer: HashMap<&str, Vec<&SentMessage>> = HashMap::new();
        for (i, m) in log.iter().enumerate() {
            let bad = |field: &str, message: &str| CampaignError::InvalidSendLog {
                field: format!("send_log[{i}].{field}"),
                message: message.into(),
            };
            if m.customer_id.is_empty() {
                return Err(bad("customer_id", "a customer key is required"));
            }
            if let Some(k) = &m.key {
                if k.is_empty() {
                    return Err(bad("key", "an empty key (leave it out for messages sent outside the planner)"));
                }
                // The earliest send wins when a key is logged twice (equal
                // instants by channel, never by position in the log).
                let e = by_key.entry(k.as_str()).or_insert(m);
                if (m.sent_at, m.channel) < (e.sent_at, e.channel) {
                    *e = m;
                }
            }
            by_customer.entry(m.customer_id.as_str()).or_default().push(m);
        }
        for v in by_customer.values_mut() {
            v.sort_by_key(|m| m.sent_at);
        }
        Ok(LogIndex { by_key, by_customer })
    }
}

/// Whether the flow filter, or the trigger filter of an instance not yet entered, fails.
fn filtered(flow: &Flow, run: &FlowRun, r: usize, entered: impl Fn() -> bool) -> Option<Value> {
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

/// `t` as local date and time with its UTC offset (`2026-03-08T08:00:00-04:00`).
fn local_time(t: Instant, zone: Tz) -> String {
    use chrono::{Datelike, Offset, Timelike};
    use std::fmt::Write;
    let local = t.with_timezone(&zone);
    let offset = local.offset().fix().local_minus_utc();
    let (sign, offset) = if offset < 0 { ('-', -offset) } else { ('+', offset) };
    let mut out = String::with_capacity(25);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        offset / 3600,
        offset / 60 % 60
    );
    out
}
