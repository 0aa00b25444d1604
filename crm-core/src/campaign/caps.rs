//! Frequency caps: at most `max` marketing messages per window, counting the
//! send log and the messages already admitted to the plan.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use serde_json::{json, Value};

use super::calendar::local_date;
use super::output::SentMessage;
use super::policy::{Cap, CapWindow};
use crate::model::{Channel, Purpose};
use crate::time::{format_instant, Instant};

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
    pub fn admit(&mut self, m: Counted<'c>) -> Result<(), Value> {
        for (i, cap) in self.caps.iter().enumerate() {
            if !applies(cap, m.channel, m.flow) {
                continue;
            }
            let same: Vec<Instant> =
                self.counted.iter().filter(|&&(_, ch, flow)| applies(cap, ch, flow)).map(|(t, ..)| *t).collect();
            if let Some(counted) = self.exceeded(cap, &same, m.at) {
                return Err(json!({
                    "cap": i,
                    "channel": cap.channel,
                    "max": cap.max,
                    "per": cap.per,
                    "counted": counted.iter().map(|t| format_instant(*t)).collect::<Vec<_>>(),
                    "send_at": format_instant(m.at),
                }));
            }
        }
        self.counted.push((m.at, m.channel, m.flow));
        Ok(())
    }

    /// The messages that would share a full window with a message at `t`, if any.
    fn exceeded(&self, cap: &Cap, same: &[Instant], t: Instant) -> Option<Vec<Instant>> {
        let max = cap.max as usize;
        match cap.per {
            CapWindow::Rolling(span) => {
                // Every window (p − span, p] ending at a message must hold at most `max`.
                let w = span.duration();
                let mut all: Vec<Instant> = same.iter().copied().filter(|&q| q > t - w && q < t + w).collect();
                all.push(t);
                all.sort();
                for &p in &all {
                    let mut inside: Vec<Instant> = all.iter().copied().filter(|&q| q > p - w && q <= p).collect();
                    if inside.len() > max {
                        if let Some(pos) = inside.iter().position(|&q| q == t) {
                            inside.remove(pos);
                            return Some(inside);
                        }
                    }
                }
                None
            }
            period => {
                let id = |x: Instant| period_of(period, local_date(x, self.zone));
                let mine = id(t);
                let inside: Vec<Instant> = same.iter().copied().filter(|&q| id(q) == mine).collect();
                (inside.len() >= max).then_some(inside)
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
