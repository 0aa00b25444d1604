//! Retention: dropping guest carts and behavioural events past their age
//! (storage limitation, GDPR Art. 5(1)(e)). The rules are listed in the
//! [module docs](super#retention).

use serde::{Deserialize, Serialize};

use crate::model::Store;
use crate::time::{to_micros, Instant, MICROS_PER_DAY};

use super::PrivacyError;

/// Longest retention period accepted, in days (100 years).
///
/// ```
/// use crm_core::privacy::{RetentionPolicy, MAX_RETENTION_DAYS};
/// let p = RetentionPolicy { guest_cart_days: MAX_RETENTION_DAYS + 1, guest_event_days: 1, event_days: None };
/// assert!(p.validate().is_err());
/// ```
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// How long guest carts and behavioural events are kept, in days of 24 hours.
///
/// JSON: `{"guest_cart_days": 30, "guest_event_days": 90, "event_days": 730}`
/// (`event_days` optional; unknown fields rejected).
///
/// ```
/// use crm_core::privacy::RetentionPolicy;
/// let p = RetentionPolicy::from_json(r#"{"guest_cart_days": 30, "guest_event_days": 90}"#)?;
/// assert_eq!((p.guest_cart_days, p.guest_event_days, p.event_days), (30, 90, None));
/// assert!(RetentionPolicy::from_json(r#"{"guest_cart_days": 0, "guest_event_days": 90}"#).is_err());
/// # Ok::<(), crm_core::privacy::PrivacyError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicy {
    /// Guest carts (no `customer_id`) are kept this many days after their `updated_at`.
    pub guest_cart_days: u32,
    /// Anonymous events (no `customer_id`) are kept this many days after their `at`.
    pub guest_event_days: u32,
    /// When set, every behavioural event is kept at most this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_days: Option<u32>,
}

impl RetentionPolicy {
    /// Checks every period: 1 to [`MAX_RETENTION_DAYS`] days.
    ///
    /// # Errors
    /// [`PrivacyError::InvalidOption`] naming the first field out of range.
    ///
    /// # Example
    /// ```
    /// use crm_core::privacy::RetentionPolicy;
    /// let p = RetentionPolicy { guest_cart_days: 30, guest_event_days: 90, event_days: Some(0) };
    /// assert_eq!(p.validate().unwrap_err().to_string(),
    ///            "privacy option `event_days`: must be 1 to 36500 days, got 0");
    /// ```
    pub fn validate(&self) -> Result<(), PrivacyError> {
        let fields = [
            ("guest_cart_days", Some(self.guest_cart_days)),
            ("guest_event_days", Some(self.guest_event_days)),
            ("event_days", self.event_days),
        ];
        for (field, days) in fields {
            if let Some(d) = days.filter(|d| !(1..=MAX_RETENTION_DAYS).contains(d)) {
                return Err(PrivacyError::InvalidOption {
                    field: field.into(),
                    message: format!("must be 1 to {MAX_RETENTION_DAYS} days, got {d}"),
                });
            }
        }
        Ok(())
    }

    /// Parses and validates the JSON form.
    ///
    /// # Errors
    /// [`PrivacyError::InvalidOption`] (field `retention`) for malformed JSON,
    /// anything but an object, a missing or unknown field or a wrong type; as [`RetentionPolicy::validate`]
    /// for a period out of range.
    ///
    /// # Example
    /// ```
    /// use crm_core::privacy::RetentionPolicy;
    /// let e = RetentionPolicy::from_json(r#"{"guest_cart_days": 30, "guest_event_days": 90, "days": 1}"#).unwrap_err();
    /// assert_eq!(e.code(), "invalid_option");
    /// ```
    pub fn from_json(text: &str) -> Result<RetentionPolicy, PrivacyError> {
        let bad = |message: String| PrivacyError::InvalidOption { field: "retention".into(), message };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if !value.is_object() {
            return Err(bad(format!("expected a JSON object, got `{value}`")));
        }
        let policy: RetentionPolicy = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        policy.validate()?;
        Ok(policy)
    }
}

/// What [`apply_retention`] dropped.
///
/// ```
/// use crm_core::privacy::RetentionReport;
/// assert_eq!(RetentionReport::default(), RetentionReport { carts_removed: 0, events_removed: 0 });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionReport {
    /// Guest carts dropped.
    pub carts_removed: usize,
    /// Behavioural events dropped.
    pub events_removed: usize,
}

/// The start of the kept period: `now − days × 24 h` in µs.
fn cutoff(now: i64, days: u32) -> i64 {
    now.saturating_sub(i64::from(days) * MICROS_PER_DAY)
}

/// The store without guest carts and events older than `policy` allows at `now`.
///
/// A record is dropped when its time is *strictly* before `now − days × 24 h`;
/// one exactly at the limit is kept. Guest carts are judged by `updated_at`,
/// events by `at`. Anonymous events are kept at most
/// `min(guest_event_days, event_days)`. Orders, customers, carts of
/// customers and consent events are never dropped; kept records stay in order.
///
/// # Errors
/// As [`RetentionPolicy::validate`].
///
/// # Example
/// ```
/// use crm_core::model::Store;
/// use crm_core::privacy::{apply_retention, RetentionPolicy};
/// use crm_core::time::parse_instant;
///
/// let store = Store::from_json(r#"{"carts": [
///   {"id": "k1", "contact": {"email": "g@example.com"}, "currency": "EUR",
///    "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-31T00:00:00Z"},
///   {"id": "k2", "contact": {"email": "g@example.com"}, "currency": "EUR",
///    "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-30T23:59:59Z"}
/// ]}"#)?;
/// let policy = RetentionPolicy { guest_cart_days: 30, guest_event_days: 30, event_days: None };
/// let (kept, report) = apply_retention(&store, &policy, parse_instant("2024-03-01T00:00:00Z")?)?;
/// assert_eq!(kept.carts.len(), 1); // k1 is exactly 30 days old: kept
/// assert_eq!(kept.carts[0].id, "k1");
/// assert_eq!((report.carts_removed, report.events_removed), (1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply_retention(
    store: &Store,
    policy: &RetentionPolicy,
    now: Instant,
) -> Result<(Store, RetentionReport), PrivacyError> {
    policy.validate()?;
    let now = to_micros(now);
    let cart_limit = cutoff(now, policy.guest_cart_days);
    let event_limit = policy.event_days.map(|d| cutoff(now, d));
    let guest_event_limit = cutoff(now, policy.guest_event_days).max(event_limit.unwrap_or(i64::MIN));

    let carts: Vec<_> = store
        .carts
        .iter()
        .filter(|k| k.customer_id.is_some() || to_micros(k.updated_at) >= cart_limit)
        .cloned()
        .collect();
    let events: Vec<_> = store
        .events
        .iter()
        .filter(|e| {
            let limit = if e.customer_id.is_some() { event_limit.unwrap_or(i64::MIN) } else { guest_event_limit };
            to_micros(e.at) >= limit
        })
        .cloned()
        .collect();
    let report = RetentionReport {
        carts_removed: store.carts.len() - carts.len(),
        events_removed: store.events.len() - events.len(),
    };
    let kept = Store {
        customers: store.customers.clone(),
        orders: store.orders.clone(),
        carts,
        consents: store.consents.clone(),
        events,
    };
    Ok((kept, report))
}
