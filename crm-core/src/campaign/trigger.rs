//! Flow instances: which triggers of a recipient start an instance, with its
//! subject (the thing it is about) and entry instant.
//!
//! Re-entry cooldown: an occurrence starts an instance unless it falls within
//! the cooldown after the entry of the previous *instance* (an occurrence
//! blocked by the cooldown blocks nothing). The chain is followed through the
//! whole history, so the answer does not depend on how far back a planning
//! run looks. An event without an id is named by its instant
//! (`checkout:@2026-05-01T10:00:00Z`), never by its position in the store;
//! id-less events of one kind at one instant are one occurrence.

use chrono::{Datelike, NaiveDate, TimeDelta};
use chrono_tz::Tz;

use super::calendar::{clock, local_date, local_instant};
use super::flow::{DateField, Delay, Flow, Step, Trigger};
use super::index::StoreIndex;
use crate::model::{Cart, Contact, EventKind, Order};
use crate::time::{format_instant, from_micros, to_micros, Instant};

/// What an instance is about; formatted (`cart:k1`, `birthday:2026`) only
/// when one of its steps is due.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Subject<'a> {
    /// A prefix and a record id (`checkout`, `event`).
    Id(&'static str, &'a str),
    /// A prefix (`order`, `inactive`) and an order, its id read only when compared or printed.
    Order(&'static str, ById<'a, Order>),
    /// A cart (`cart:` and its id), the same way.
    Cart(ById<'a, Cart>),
    /// A prefix and an event instant, for events without an id (`checkout:@2026-05-01T10:00:00Z`).
    At(&'static str, Instant),
    /// A yearly date (`birthday`, `first_order_anniversary`) and its year.
    Year(&'static str, i32),
    /// A segment entry on a UTC day.
    Day(NaiveDate),
    /// The sign-up.
    SignUp,
}

impl std::fmt::Display for Subject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Id(p, id) => write!(f, "{p}:{id}"),
            Subject::Order(p, o) => write!(f, "{p}:{}", o.0.id),
            Subject::Cart(c) => write!(f, "cart:{}", c.0.id),
            Subject::At(p, t) => write!(f, "{p}:@{}", format_instant(*t)),
            Subject::Year(p, y) => write!(f, "{p}:{y}"),
            Subject::Day(d) => write!(f, "segment:{d}"),
            Subject::SignUp => f.write_str("signup"),
        }
    }
}

/// A record with an id.
pub(crate) trait Identified {
    fn id(&self) -> &str;
}

impl Identified for Order {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Identified for Cart {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A record compared by its id, read only when compared or printed.
pub(crate) struct ById<'a, T>(pub &'a T);

impl<T> Clone for ById<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for ById<'_, T> {}

impl<T: Identified> PartialEq for ById<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.id() == other.0.id()
    }
}

impl<T: Identified> Eq for ById<'_, T> {}

impl<T: Identified> PartialOrd for ById<'_, T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Identified> Ord for ById<'_, T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.id().cmp(other.0.id())
    }
}

impl Subject<'_> {
    /// The subject as text, allocated once at its final size where the size is known.
    pub fn render(&self) -> String {
        let join = |prefix: &str, id: &str| {
            let mut s = String::with_capacity(prefix.len() + 1 + id.len());
            s.push_str(prefix);
            s.push(':');
            s.push_str(id);
            s
        };
        match self {
            Subject::Id(p, id) => join(p, id),
            Subject::Order(p, o) => join(p, o.0.id()),
            Subject::Cart(c) => join("cart", c.0.id()),
            other => other.to_string(),
        }
    }
}

/// One run of a flow for one recipient.
pub(crate) struct Instance<'a> {
    pub flow: usize,
    pub subject: Subject<'a>,
    pub entry: Instant,
    pub cart: Option<&'a Cart>,
    pub order: Option<&'a Order>,
}

impl<'a> Instance<'a> {
    /// The contact the instance's record carries (a guest's cart or order).
    pub fn contact(&self) -> Option<&'a Contact> {
        self.cart.and_then(|c| c.contact.as_ref()).or_else(|| self.order.and_then(|o| o.contact.as_ref()))
    }
}

/// Earliest and latest offset (seconds) of any step from entry, widened for
/// zone offsets, local times and send windows.
pub(crate) fn step_offsets(flow: &Flow) -> (i64, i64) {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    for s in &flow.steps {
        let (a, b) = step_bounds(s);
        lo = lo.min(a);
        hi = hi.max(b);
    }
    (lo, hi + 86_400)
}

/// Earliest and latest offset (seconds) of a step's due instant from entry:
/// exact for a relative delay, widened by two days for a calendar delay (zone
/// offsets and local times) and by nine more for a send window.
pub(crate) fn step_bounds(s: &Step) -> (i64, i64) {
    let (a, b) = match s.delay {
        Delay::After(span) => (span.seconds(), span.seconds()),
        Delay::Calendar { days, .. } => (i64::from(days) * 86_400 - 2 * 86_400, i64::from(days) * 86_400 + 2 * 86_400),
    };
    (a, if s.window.is_some() { b + 9 * 86_400 } else { b })
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
    NaiveDate::from_ymd_opt(year, month, day)
        .or_else(|| (month == 2 && day == 29).then(|| NaiveDate::from_ymd_opt(year, 2, 28)).flatten())
}

/// The entries of one flow that can have a step in scope in a planning run.
pub(crate) struct Bounds {
    pub now: Instant,
    /// Entries in `[lo, hi]` can have a step in scope.
    pub lo: Instant,
    pub hi: Instant,
    /// The same in µs.
    now_us: i64,
    lo_us: i64,
    hi_us: i64,
    /// The UTC days before `lo` and after `hi`: local midnights outside them are out of bounds.
    first_day: Option<NaiveDate>,
    last_day: Option<NaiveDate>,
}

impl Bounds {
    pub fn new(now: Instant, lo: Instant, hi: Instant) -> Bounds {
        Bounds {
            now,
            lo,
            hi,
            now_us: to_micros(now),
            lo_us: to_micros(lo),
            hi_us: to_micros(hi),
            first_day: lo.date_naive().pred_opt(),
            last_day: hi.date_naive().succ_opt(),
        }
    }
}

/// Inputs to instance discovery for one recipient and flow.
pub(crate) struct Window<'s> {
    pub bounds: &'s Bounds,
    pub zone: Tz,
    /// Whether the recipient matches a segment trigger's rule now.
    pub member: bool,
    /// Subjects of this flow in the recipient's send log.
    pub logged: &'s [&'s str],
    /// How long an instance runs after entry (last step offset + lateness).
    pub running: TimeDelta,
}

/// The instances of `flow` for recipient `r`, by entry then subject, in
/// `out` (cleared first; a buffer reused across recipients).
pub(crate) fn instances<'a>(
    ix: &StoreIndex<'a>,
    r: usize,
    fi: usize,
    flow: &Flow,
    w: &Window,
    out: &mut Vec<Instance<'a>>,
) {
    out.clear();
    let b = w.bounds;
    let now = b.now;
    // With a cooldown, which instances exist depends on the whole chain of
    // earlier ones (an occurrence blocked by a cooldown blocks nothing), so
    // every occurrence up to `hi` is found and the cooldown applied before
    // keeping those from `lo` on; else the answer would depend on how far
    // back the planning window reaches.
    let chained = flow.cooldown.is_some();
    let inside = |t: Instant| t <= b.hi && (chained || t >= b.lo);
    let lo_us = if chained { i64::MIN } else { b.lo_us };
    let upto_us = b.hi_us.min(b.now_us);
    let customer = ix.recipients[r].customer;
    let mut push = |subject: Subject<'a>, entry: Instant, cart: Option<&'a Cart>, order: Option<&'a Order>| {
        out.push(Instance { flow: fi, subject, entry, cart, order });
    };
    match &flow.trigger {
        Trigger::CartAbandoned { idle } => {
            for c in ix.carts_between(r, lo_us, upto_us) {
                let entry = c.instant();
                // A cart converted before it went idle was never abandoned.
                if c.empty
                    || entry + idle.duration() > now
                    || !inside(entry)
                    || c.conversion_time().is_some_and(|t| t < entry + idle.duration())
                {
                    continue;
                }
                // The cart itself is read only if one of its steps is in scope.
                push(Subject::Cart(ById(ix.cart(c))), entry, Some(ix.cart(c)), None);
            }
        }
        Trigger::OrderPlaced => {
            for o in ix.orders_between(r, lo_us, upto_us) {
                // The order itself is read only if one of its steps is in scope.
                let order = ix.order(o);
                push(Subject::Order("order", ById(order)), o.instant(), None, Some(order));
            }
        }
        Trigger::SignedUp => {
            // The record is read only when its sign-up (to the µs) is near the bounds.
            let t = ix.signup_us[r];
            if t == i64::MIN || t > upto_us.saturating_add(1) || !chained && t < lo_us {
                return;
            }
            if let Some(c) = customer {
                if c.created_at <= now && inside(c.created_at) {
                    push(Subject::SignUp, c.created_at, None, None);
                }
            }
        }
        Trigger::Date { field } => {
            let (month, day, first_year) = match field {
                DateField::Birthday => match ix.birthday[r] {
                    0 => return,
                    packed => (u32::from(packed >> 5), u32::from(packed & 31), i32::MIN),
                },
                DateField::FirstOrderAnniversary => {
                    let Some(first) = ix.orders(r).iter().find(|o| o.paid && o.at <= b.now_us) else {
                        return;
                    };
                    let Some(t) = from_micros(first.at) else { return };
                    let d = local_date(t, w.zone);
                    (d.month(), d.day(), d.year() + 1)
                }
            };
            let name = match field {
                DateField::Birthday => "birthday",
                DateField::FirstOrderAnniversary => "first_order_anniversary",
            };
            // Entries are local midnights: only dates within a day of the bounds can qualify.
            let (first_day, last_day) = (b.first_day, b.last_day);
            let y = now.year();
            for year in (y - 1..=y + 1).filter(|&year| year >= first_year) {
                let Some(date) = yearly(year, month, day) else { continue };
                if first_day.is_some_and(|d| date < d) || last_day.is_some_and(|d| date > d) {
                    continue;
                }
                let entry = local_instant(date, clock(0, 0), w.zone);
                if inside(entry) {
                    push(Subject::Year(name, year), entry, None, None);
                }
            }
        }
        Trigger::Inactive { after } => {
            let (now_us, lo_us, hi_us) = (b.now_us, b.lo_us, b.hi_us);
            let orders = ix.orders(r);
            let Some(pos) = orders.iter().rposition(|o| o.paid && o.at <= now_us) else { return };
            // The inactivity periods (a paid order, then `after` with no order):
            // the current one, up to now, and with a cooldown the earlier ones,
            // which start the chain applied below. Orders are read only for
            // the instances with a step in scope.
            let mut period = |i: usize| {
                let order = ix.order(&orders[i]);
                push(
                    Subject::Order("inactive", ById(order)),
                    orders[i].instant() + after.duration(),
                    None,
                    Some(order),
                );
            };
            let after_us = after.micros();
            // An earlier period: a paid order, and no order until `after` later.
            let ended = |i: usize| {
                let entry_us = orders[i].at.saturating_add(after_us);
                orders[i].paid && orders.get(i + 1).is_none_or(|x| x.at > entry_us) && entry_us <= hi_us
            };
            let entry_us = orders[pos].at.saturating_add(after_us);
            let no_later = orders.get(pos + 1).is_none_or(|o| o.at > now_us);
            let current = entry_us <= now_us && entry_us >= lo_us && entry_us <= hi_us && no_later;
            if chained {
                // Only entries from `lo` on are kept after the chain: without one
                // (orders are in time order, so the scan back stops early), the
                // chain need not be followed.
                let recent = (0..pos).rev().take_while(|&i| orders[i].at.saturating_add(after_us) >= lo_us).any(ended);
                if !recent && !current {
                    return;
                }
                for i in (0..pos).filter(|&i| ended(i)) {
                    period(i);
                }
            }
            if current {
                period(pos);
            }
        }
        Trigger::CheckoutStarted | Trigger::CustomEvent { .. } => {
            for (_, e) in ix.events(r) {
                let wanted = match &flow.trigger {
                    Trigger::CheckoutStarted => e.kind == EventKind::CheckoutStarted,
                    Trigger::CustomEvent { name } => e.kind == EventKind::Custom && e.name.as_deref() == Some(name),
                    _ => false,
                };
                if wanted && e.at <= now && inside(e.at) {
                    // Without an id, the event's instant names it (its position in the
                    // store would change with the order of the records).
                    let prefix = if e.kind == EventKind::CheckoutStarted { "checkout" } else { "event" };
                    let subject = match &e.id {
                        Some(id) => Subject::Id(prefix, id),
                        None => Subject::At(prefix, e.at),
                    };
                    push(subject, e.at, None, None);
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
                    push(Subject::Day(*d), entry, None, None);
                }
                running_one |= entry + w.running >= now;
            }
            let today = now.date_naive();
            let entry = today.and_time(chrono::NaiveTime::MIN).and_utc();
            if w.member && !running_one && !dates.contains(&today) {
                push(Subject::Day(today), entry, None, None);
            }
        }
    }
    out.sort_by(|a, b| (a.entry, a.subject).cmp(&(b.entry, b.subject)));
    // Id-less events of one kind at one instant are one occurrence.
    // (Ids are unique in a valid store, so subjects need comparing only at equal entries.)
    out.dedup_by(|a, b| a.entry == b.entry && a.subject == b.subject);
    if let Some(cool) = flow.cooldown {
        let mut last: Option<Instant> = None;
        out.retain(|i| {
            let ok = last.is_none_or(|l| i.entry >= l + cool.duration());
            if ok {
                last = Some(i.entry);
            }
            ok
        });
        out.retain(|i| i.entry >= b.lo);
    }
}
