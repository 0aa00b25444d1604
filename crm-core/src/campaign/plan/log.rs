//! The send log, indexed by idempotency key and by recipient.

use std::collections::HashMap;

use crate::campaign::index::StoreIndex;
use crate::campaign::output::SentMessage;
use crate::campaign::CampaignError;
use crate::hash::FastMap;

/// The send log by key and by recipient (entries of customers the store does not know play no part).
pub(super) struct LogIndex<'l> {
    pub(super) by_key: HashMap<&'l str, &'l SentMessage>,
    by_recipient: FastMap<u32, Vec<&'l SentMessage>>,
}

impl<'l> LogIndex<'l> {
    pub(super) fn new(log: &'l [SentMessage], index: &StoreIndex) -> Result<LogIndex<'l>, CampaignError> {
        let mut by_key = HashMap::new();
        let mut by_recipient: FastMap<u32, Vec<&SentMessage>> = FastMap::default();
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
            if let Some(r) = index.recipient(&m.customer_id) {
                by_recipient.entry(r).or_default().push(m);
            }
        }
        for v in by_recipient.values_mut() {
            v.sort_by_key(|m| m.sent_at);
        }
        Ok(LogIndex { by_key, by_recipient })
    }

    /// The messages sent to recipient `r`, by time.
    pub(super) fn history(&self, r: usize) -> &[&'l SentMessage] {
        if self.by_recipient.is_empty() {
            return &[];
        }
        self.by_recipient.get(&(r as u32)).map(Vec::as_slice).unwrap_or(&[])
    }
}
