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

use std::collections::HashSet;

use chrono::TimeDelta;
use chrono_tz::Tz;

use super::flow::{check_flows, Flow, Trigger};
use super::index::StoreIndex;
use super::name::Name;
use super::output::{Plan, SentMessage};
use super::policy::{phone_key, CampaignPolicy};
use super::span::Span;
use super::trigger::{instances, step_offsets, Bounds, Instance, Window};
use super::CampaignError;
use crate::consent::Ledger;
use crate::error::Error;
use crate::hash::FastMap;
use crate::model::{Channel, Store};
use crate::segment::{CrossSellSuggestion, CustomerTable, Rule, TableOptions};
use crate::time::Instant;

mod channel;
mod emit;
mod log;
mod step;

use emit::Candidate;
use log::LogIndex;

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
    /// Each recipient's time zone (the store's for guests and customers without one).
    zones: Vec<Tz>,
    /// Each flow's id and its steps' ids and templates, shared by the plan's records.
    names: Vec<FlowNames>,
    /// Each recipient's position in key order: the plan is sorted by customer
    /// key, and comparing positions spares comparing the keys.
    ranks: Vec<u32>,
    recommendations: FastMap<u32, Vec<String>>,
    suppressed_customers: HashSet<&'a str>,
    suppressed_emails: HashSet<String>,
    suppressed_phones: HashSet<String>,
}

/// A flow's id and, per step, its id and template.
struct FlowNames {
    id: Name,
    steps: Vec<(Name, Name)>,
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
        let ledger_rows = (0..index.recipients.len()).map(|r| ledger.row(index.key(r)).map(|row| row as u32)).collect();
        let zones = index
            .recipients
            .iter()
            .map(|r| r.customer.and_then(|c| c.time_zone).unwrap_or(policy.time_zone).0)
            .collect();
        let ranks = key_ranks(&index);
        let names = flows
            .iter()
            .map(|f| FlowNames {
                id: Name::from(f.id.as_str()),
                steps: f.steps.iter().map(|s| (Name::from(s.id.as_str()), Name::from(s.template.as_str()))).collect(),
            })
            .collect();
        Ok(Planner {
            flows,
            policy,
            ledger,
            index,
            ledger_rows,
            zones,
            names,
            ranks,
            recommendations: FastMap::default(),
            suppressed_customers: s.customers.iter().map(String::as_str).collect(),
            suppressed_emails: s.emails.iter().map(|e| e.trim().to_lowercase()).collect(),
            suppressed_phones: s.phones.iter().map(|p| phone_key(p)).collect(),
        })
    }

    /// Recommended items per customer key (from [`cross_sell`](crate::segment::cross_sell)),
    /// in rank order, for steps with `recommendations`.
    pub fn with_recommendations(mut self, suggestions: &[CrossSellSuggestion]) -> Planner<'a> {
        // By recipient: a customer the store does not know receives nothing.
        let mut map: FastMap<u32, Vec<String>> = FastMap::default();
        for s in suggestions {
            if let Some(r) = self.index.recipient(&s.customer_id) {
                map.entry(r).or_default().push(s.item.clone());
            }
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
        let log = LogIndex::new(send_log, &self.index)?;
        let runs = self.flow_runs(now, now + horizon.duration())?;
        let mut plan = Plan::default();
        let mut ctx =
            Ctx { now, end: now + horizon.duration(), earliest: now - self.policy.max_lateness.duration(), log: &log };
        let mut found = Vec::new();
        // The key rank of each message's and each decision's recipient.
        let (mut message_ranks, mut decision_ranks) = (Vec::new(), Vec::new());
        for r in 0..self.index.recipients.len() {
            self.plan_recipient(r, &runs, &mut ctx, &mut found, &mut plan);
            message_ranks.resize(plan.messages.len(), self.ranks[r]);
            decision_ranks.resize(plan.decisions.len(), self.ranks[r]);
        }
        // By send instant, customer key, flow, step, subject (the rank stands for the key).
        let (m, k) = (&plan.messages, &message_ranks);
        let order = sorted_order(m.len(), |a, b| {
            let (x, y) = (&m[a], &m[b]);
            (x.send_at, k[a], &x.flow, &x.step, &x.subject).cmp(&(y.send_at, k[b], &y.flow, &y.step, &y.subject))
        });
        permute(&mut plan.messages, order);
        // By customer key, flow, subject, due instant, step, reason.
        let (d, k) = (&plan.decisions, &decision_ranks);
        let order = sorted_order(d.len(), |a, b| {
            let (x, y) = (&d[a], &d[b]);
            (k[a], &x.flow, &x.subject, x.due_at, &x.step, x.reason)
                .cmp(&(k[b], &y.flow, &y.subject, y.due_at, &y.step, y.reason))
        });
        permute(&mut plan.decisions, order);
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
        (0..self.index.recipients.len()).map(|r| t.row_of(self.index.key(r)).is_some_and(|row| mask[row])).collect()
    }

    fn zone(&self, r: usize) -> Tz {
        self.zones[r]
    }

    fn ledger_row(&self, r: usize) -> Option<usize> {
        self.ledger_rows[r].map(|row| row as usize)
    }

    fn plan_recipient(
        &self,
        r: usize,
        runs: &[FlowRun],
        ctx: &mut Ctx,
        found: &mut Vec<Instance<'a>>,
        plan: &mut Plan,
    ) {
        let zone = self.zone(r);
        let history = ctx.log.history(r);
        let mut candidates: Vec<Candidate<'a>> = Vec::new();
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
            instances(&self.index, r, fi, flow, &w, found);
            for inst in found.iter() {
                self.plan_instance(r, zone, inst, run, ctx, plan, &mut candidates);
            }
        }
        if candidates.is_empty() {
            return;
        }
        self.apply_caps(zone, history, candidates, plan);
    }
}

/// One planning run's instants and send log.
struct Ctx<'l> {
    now: Instant,
    /// End of the horizon (exclusive).
    end: Instant,
    /// Steps due before this are dropped.
    earliest: Instant,
    log: &'l LogIndex<'l>,
}

/// Each recipient's position among the recipients sorted by key (a
/// customer id or a guest key; keys are unique). Stores usually list
/// customers in key order, and then no sort is needed.
fn key_ranks(index: &StoreIndex) -> Vec<u32> {
    let n = index.recipients.len();
    let key = |r: u32| index.key(r as usize);
    let mut order: Vec<u32> = (0..n as u32).collect();
    if !(1..n as u32).all(|r| key(r - 1) < key(r)) {
        order.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
    }
    let mut ranks = vec![0u32; n];
    for (position, &r) in order.iter().enumerate() {
        ranks[r as usize] = position as u32;
    }
    ranks
}

/// The positions `0..n` in the stable order of `cmp` on positions.
fn sorted_order(n: usize, cmp: impl Fn(usize, usize) -> std::cmp::Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Puts the element now at `order[i]` at position `i`, in place, moving each
/// element once: a large element is never copied to a second buffer. Each
/// cycle of the permutation is walked once, marking visited positions with
/// `usize::MAX`.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        if order[start] == usize::MAX {
            continue;
        }
        let mut i = start;
        loop {
            let from = order[i];
            order[i] = usize::MAX;
            if from == start {
                break;
            }
            items.swap(i, from);
            i = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{permute, sorted_order};

    /// Sorts in place through `sorted_order` and `permute`.
    fn sort_in_place<T>(items: &mut [T], cmp: impl Fn(&T, &T) -> std::cmp::Ordering) {
        let order = sorted_order(items.len(), |a, b| cmp(&items[a], &items[b]));
        permute(items, order);
    }

    #[test]
    fn sorted_order_and_permute_make_a_stable_sort() {
        // Pairs sorted by the first field only: equal keys keep their order.
        let mut v: Vec<(u8, char)> = "dcbaedcbaa".chars().enumerate().map(|(i, c)| ((i % 3) as u8, c)).collect();
        let mut expected = v.clone();
        expected.sort_by_key(|p| p.0);
        sort_in_place(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, expected);
        let mut w: Vec<u32> = (0..100).map(|i| (i * 37 + 11) % 101).collect();
        let mut sorted = w.clone();
        sorted.sort();
        sort_in_place(&mut w, |a, b| a.cmp(b));
        assert_eq!(w, sorted);
    }
}
