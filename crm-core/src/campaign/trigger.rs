//! Flow instances: which triggers of a recipient start an instance, with its
//! subject (the thing it is about) and entry instant.

use chrono::{Datelike, NaiveDate, TimeDelta};
use chrono_tz::Tz;

use super::calendar::{clock, local_date, local_instant};
use super::flow::{DateField, Delay, Flow, Trigger};
use super::index::StoreIndex;
use crate::model::{Cart, Contact, EventKind, Order};
use crate::time::{from_micros, to_micros, Instant};

/// One run of a flow for one recipient.
pub(crate) struct Instance<'a> {
    pub flow: usize,
    pub subject: String,
    pub entry: Instant,
    pub cart: Option<&'a Cart>,
    pub order: Option<&'a Order>,
}

impl Instance<'_> {
    /// The contact the instance's record carries (a guest's cart or order).
    pub fn contact(&self) -> Option<&Contact> {
        self.cart.and_then(|c| c.contact.as_ref()).or_else(|| self.order.and_then(|o| o.contact.as_ref()))
    }
}

/// Earliest and latest offset (seconds) of any step from entry, widened for
/// zone offsets, local times and send windows.
pub(crate) fn step_offsets(flow: &Flow) -> (i64, i64) {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    for s in &flow.steps {
        let (a, b) = match s.delay {
            Delay::After(span) => (span.seconds(), span.seconds()),
            Delay::Calendar { days, .. } => (i64::from(days) * 86_400 - 2 * 86_400, i64::from(days) * 86_400 + 2 * 86_400),
        };
        let b = if s.window.is_some() { b + 9 * 86_400 } else { b };
        lo = lo.min(a);
        hi = hi.max(b);
    }
    (lo, hi + 86_400)
}

/// The due instant of a step of an instance, before windows and quiet hours.
pub(crate) fn due(delay: Delay, entry: Instant, zone: Tz) -> Instant {
    match delay {
        Delay::After(span) => entry + span.duration(),
        Delay::Calendar { days, at } => {
            let d = local_date(entry, zone);
            let d = d.checked_add_signed(TimeDelta::days(i64::from(days))).unwrap_or(d);
            local_instant(d, at, zone)
        }
    }
}

/// The date `month`/`day` in `year`; 29 February is 28 February in other years.
pub(crate) fn yearly(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day).or_else(|| {
        (month == 2 && day == 29).then(|| NaiveDate::from_ymd_opt(year, 2, 28)).flatten()
    })
}

/// Inputs to instance discovery for one recipient and flow.
pub(crate) struct Window<'s> {
    pub now: Instant,
    /// Entries in `[lo, hi]` can have a step in scope (or block one by cooldown).
    pub lo: Instant,
    pub hi: Instant,
    pub zone: Tz,
    /// Whether the recipient matches a segment trigger's rule now.
    pub member: bool,
    /// Subjects of this flow in the recipient's send log.
    pub logged: &'s [&'s str],
    /// How long an instance runs after entry (last step offset + lateness).
    pub running: TimeDelta,
}

/// The instances of `flow` for recipient `r`, by entry then subject.
pub(crate) fn instances<'a>(ix: &StoreIndex<'a>, r: usize, fi: usize, flow: &Flow, w: &Window) -> Vec<Instance<'a>> {
    let mut out = Vec::new();
    let now = w.now;
    let inside = |t: Instant| t >= w.lo && t <= w.hi;
    let customer = ix.recipients[r].customer;
    let mut push = |subject: String, entry: Instant, cart: Option<&'a Cart>, order: Option<&'a Order>| {
        out.push(Instance { flow: fi, subject, entry, cart, order });
    };
    match &flow.trigger {
        Trigger::CartAbandoned { idle } => {
            for (_, cart) in ix.carts(r) {
                let entry = cart.updated_at;
                if cart.items.is_empty() || entry + idle.duration() > now || !inside(entry) {
                    continue;
                }
                // A cart converted before it went idle was never abandoned.
                if cart.conversion_time().is_some_and(|c| c < entry + idle.duration()) {
                    continue;
                }
                push(format!("cart:{}", cart.id), entry, Some(cart), None);
            }
        }
        Trigger::OrderPlaced => {
            for o in ix.orders(r) {
                let order = ix.order(o);
                if order.placed_at <= now && inside(order.placed_at) {
                    push(format!("order:{}", order.id), order.placed_at, None, Some(order));
                }
            }
        }
        Trigger::SignedUp => {
            if let Some(c) = customer {
                if c.created_at <= now && inside(c.created_at) {
                    push("signup".into(), c.created_at, None, None);
                }
            }
        }
        Trigger::Date { field } => {
            let (month, day, first_year) = match field {
                DateField::Birthday => match customer.and_then(|c| c.birth_date) {
                    Some(b) => (b.month, b.day, i32::MIN),
                    None => return out,
                },
                DateField::FirstOrderAnniversary => {
                    let Some(first) = ix.orders(r).iter().find(|o| o.paid && o.at <= to_micros(now)) else { return out };
                    let Some(t) = from_micros(first.at) else { return out };
                    let d = local_date(t, w.zone);
                    (d.month(), d.day(), d.year() + 1)
                }
            };
            let name = match field {
                DateField::Birthday => "birthday",
                DateField::FirstOrderAnniversary => "first_order_anniversary",
            };
            let y = local_date(now, w.zone).year();
            for year in (y - 1..=y + 1).filter(|&year| year >= first_year) {
                let Some(date) = yearly(year, month, day) else { continue };
                let entry = local_instant(date, clock(0, 0), w.zone);
                if inside(entry) {
                    push(format!("{name}:{year}"), entry, None, None);
                }
            }
        }
        Trigger::Inactive { after } => {
            let now_us = to_micros(now);
            if let Some(last) = ix.orders(r).iter().rev().find(|o| o.paid && o.at <= now_us) {
                let order = ix.order(last);
                let entry = order.placed_at + after.duration();
                if entry <= now && inside(entry) && !ix.orders(r).iter().any(|o| o.at > last.at && o.at <= now_us) {
                    push(format!("inactive:{}", order.id), entry, None, Some(order));
                }
            }
        }
        Trigger::CheckoutStarted | Trigger::CustomEvent { .. } => {
            for (i, e) in ix.events(r) {
                let wanted = match &flow.trigger {
                    Trigger::CheckoutStarted => e.kind == EventKind::CheckoutStarted,
                    Trigger::CustomEvent { name } => e.kind == EventKind::Custom && e.name.as_deref() == Some(name),
                    _ => false,
                };
                if wanted && e.at <= now && inside(e.at) {
                    let id = e.id.clone().unwrap_or_else(|| format!("#{i}"));
                    let prefix = if e.kind == EventKind::CheckoutStarted { "checkout" } else { "event" };
                    push(format!("{prefix}:{id}"), e.at, None, None);
                }
            }
        }
        Trigger::SegmentEntered { .. } => {
            // Instances already started are known from the send log.
            let mut dates: Vec<NaiveDate> = w
                .logged
                .iter()
                .filter_map(|s| s.strip_prefix("segment:"))
                .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .collect();
            dates.sort();
            dates.dedup();
            let mut running_one = false;
            for d in &dates {
                let entry = d.and_time(chrono::NaiveTime::MIN).and_utc();
                if inside(entry) {
                    push(format!("segment:{d}"), entry, None, None);
                }
                running_one |= entry + w.running >= now;
            }
            let today = now.date_naive();
            let entry = today.and_time(chrono::NaiveTime::MIN).and_utc();
            if w.member && !running_one && !dates.contains(&today) {
                push(format!("segment:{today}"), entry, None, None);
            }
        }
    }
    out.sort_by(|a, b| (a.entry, &a.subject).cmp(&(b.entry, &b.subject)));
    if let Some(cool) = flow.cooldown {
        let mut last: Option<Instant> = None;
        out.retain(|i| {
            let ok = last.is_none_or(|l| i.entry >= l + cool.duration());
            if ok {
                last = Some(i.entry);
            }
            ok
        });
    }
    out
}
