//! The send log, indexed by idempotency key and by customer.

use std::collections::HashMap;

use crate::campaign::output::SentMessage;
use crate::campaign::CampaignError;

/// The send log by key and by customer.
pub(super) struct LogIndex<'l> {
    pub(super) by_key: HashMap<&'l str, &'l SentMessage>,
    pub(super) by_customer: HashMap<&'l str, Vec<&'l SentMessage>>,
}

impl<'l> LogIndex<'l> {
    pub(super) fn new(log: &'l [SentMessage]) -> Result<LogIndex<'l>, CampaignError> {
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
