//! Frequency caps: at most `max` marketing messages per window, counting the
//! send log and the messages already admitted to the plan.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use super::calendar::local_date;
use super::evidence::{Evidence, FullCap};
use super::output::SentMessage;
use super::policy::{Cap, CapWindow};
use crate::model::{Channel, Purpose};
use crate::time::Instant;

/// A message counted by the caps.
pub(crate) struct Counted<'f> {
    pub at: Instant,
    pub channel: Channel,
    pub flow: Option<&'f str>,
}

/// The caps of one recipient: the history and the admitted messages.
pub(crate) struct CapCheck<'c> {
    caps: &'c [Cap],
    zone: Tz,
    /// (instant, channel, flow) of the log's marketing messages and the admitted ones.
    counted: Vec<(Instant, Channel, Option<&'c str>)>,
}

impl<'c> CapCheck<'c> {
    pub fn new(caps: &'c [Cap], zone: Tz, history: &[&'c SentMessage]) -> CapCheck<'c> {
        let counted = history
            .iter()
            .filter(|m| m.purpose == Purpose::Marketing)
            .map(|m| (m.sent_at, m.channel, m.flow.as_deref()))
            .collect();
        CapCheck { caps, zone, counted }
    }

    /// Admits the message when no cap it falls under would be exceeded; else
    /// returns the evidence of the first full cap.
    pub fn admit(&mut self, m: Counted<'c>) -> Result<(), Evidence> {
        for (i, cap) in self.caps.iter().enumerate() {
            if !applies(cap, m.channel, m.flow) {
                continue;
            }
            if let Some(counted) = self.exceeded(cap, m.at) {
                let (channel, max, per, send_at) = (cap.channel, cap.max, cap.per, m.at);
                return Err(Evidence::capped(FullCap { cap: i, channel, max, per, counted, send_at }));
            }
        }
        self.counted.push((m.at, m.channel, m.flow));
        Ok(())
    }

    /// The counted messages that would share a full window of `cap` with a
    /// message at `t`, if there is such a window. Counting comes
    /// first; the list is built only for a full window.
    fn exceeded(&self, cap: &Cap, t: Instant) -> Option<Vec<Instant>> {
        let max = cap.max as usize;
        let same = || self.counted.iter().filter(|&&(_, ch, flow)| applies(cap, ch, flow)).map(|&(q, ..)| q);
        let sorted = |keep: &dyn Fn(Instant) -> bool| {
            let mut v: Vec<Instant> = same().filter(|&q| keep(q)).collect();
            v.sort();
            v
        };
        match cap.per {
            CapWindow::Rolling(span) => {
                // Every window (p − span, p] ending at a message must hold at most
                // `max`. Those holding t end at t or at a counted p in [t, t + span):
                // the first such window (by p) that is over is the evidence.
                let w = span.duration();
                let ends = same().filter(|&p| p >= t && p < t + w).chain(std::iter::once(t));
                let p = ends.filter(|&p| 1 + same().filter(|&q| q > p - w && q <= p).count() > max).min()?;
                Some(sorted(&|q| q > p - w && q <= p))
            }
            period => {
                let id = |x: Instant| period_of(period, local_date(x, self.zone));
                let mine = id(t);
                // In the order counted (the log's, then the plan's).
                (same().filter(|&q| id(q) == mine).count() >= max).then(|| same().filter(|&q| id(q) == mine).collect())
            }
        }
    }
}

fn applies(cap: &Cap, channel: Channel, flow: Option<&str>) -> bool {
    cap.channel.is_none_or(|c| c == channel)
        && match &cap.flows {
            None => true,
            Some(list) => flow.is_some_and(|f| list.iter().any(|x| x == f)),
        }
}

/// A calendar period as a comparable number.
fn period_of(per: CapWindow, d: NaiveDate) -> i64 {
    match per {
        CapWindow::Day => i64::from(d.num_days_from_ce()),
        CapWindow::Week => i64::from(d.num_days_from_ce() - d.weekday().num_days_from_monday() as i32),
        CapWindow::Month => i64::from(d.year()) * 12 + i64::from(d.month0()),
        CapWindow::Rolling(_) => 0,
    }
}
