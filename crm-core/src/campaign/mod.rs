//! The campaign planner: which message goes to whom, on which channel and when.
//!
//! [`plan`] is a pure function of the store, the flows, the policy, the send
//! log and `now`: the same input gives the same plan, byte for byte, and
//! feeding the sent messages back never plans one twice. `docs/campaigns.md`
//! is the guide; this is the shape:
//!
//! - A [`Flow`] has a [`Trigger`] (cart abandoned, order placed, sign-up,
//!   birthday, inactivity, entering a segment, a custom event …), filters in
//!   the rule language, [`Exits`] and [`Step`]s with a [`Delay`], an optional
//!   [`SendWindow`], channels in order of preference, a template and an [`Offer`].
//!   [`preset`] gives the flows of the product brief.
//! - Each trigger occurrence is an *instance* with a subject (`cart:k1`,
//!   `order:o9`, `birthday:2026` …). A step of an instance is *due* at its
//!   delay after entry, moved into its send window.
//! - The [`CampaignPolicy`] sets quiet hours, caps, holdouts, suppression and
//!   lateness. The plan holds the messages due in `[now, now + horizon)` (late
//!   ones by at most `max_lateness` go at `now`), each with an idempotency key,
//!   and a [`Decision`] with a [`Reason`] and evidence for every due message
//!   not sent or deferred.
//!
//! ```
//! use crm_core::campaign::{plan, preset, CampaignPolicy, Span};
//! use crm_core::model::Store;
//! use crm_core::time::parse_instant;
//! let store = Store::from_json(r#"{
//!   "customers": [{"id": "c1", "created_at": "2026-01-01T00:00:00Z", "email": "ann@example.com",
//!                  "first_name": "Ann", "time_zone": "Europe/Istanbul"}],
//!   "carts": [{"id": "k1", "customer_id": "c1", "currency": "TRY", "created_at": "2026-05-01T09:00:00Z",
//!              "updated_at": "2026-05-01T09:10:00Z",
//!              "items": [{"title": "Shoes", "quantity": 1, "unit_price": 150000}]}],
//!   "consents": [{"customer_id": "c1", "channel": "email", "purpose": "marketing",
//!                 "status": "granted", "at": "2026-01-01T00:00:00Z"}]}"#)?;
//! let flows = [preset("cart_recovery").unwrap()];
//! let now = parse_instant("2026-05-01T10:10:00Z")?; // one hour after the last update
//! let policy = CampaignPolicy { offer_secret: Some("shop-secret".into()), ..CampaignPolicy::default() };
//! let p = plan(&store, &flows, &policy, &[], now, Span::hours(1))?;
//! assert_eq!(p.messages.len(), 1);
//! let m = &p.messages[0];
//! assert_eq!((m.step.as_str(), m.address.as_str(), m.local_time.as_str()),
//!            ("reminder", "ann@example.com", "2026-05-01T13:10:00+03:00"));
//! assert_eq!(serde_json::to_value(m.payload.cart_value)?, serde_json::json!({"amount": 150000, "currency": "TRY"}));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod builder;
mod calendar;
mod caps;
mod codes;
mod error;
mod evidence;
mod flow;
mod index;
mod name;
mod output;
mod plan;
mod policy;
mod presets;
mod span;
mod trigger;

pub use builder::FlowBuilder;
pub use calendar::{is_allowed, local_date, local_instant, next_allowed, DailyWindow, LocalTime, Weekdays};
pub use codes::{holdout_bucket, idempotency_key, offer_code};
pub use error::CampaignError;
pub use evidence::Evidence;
pub use flow::{DateField, Delay, Exits, Flow, Offer, SendWindow, Step, Trigger};
pub use name::Name;
pub use output::{Decision, Payload, Plan, PlannedMessage, PlannedOffer, Reason, SentMessage};
pub use plan::Planner;
pub use policy::{CampaignPolicy, Cap, CapWindow, Holdout, QuietHours, QuietMode, Suppression};
pub use presets::{preset, presets, PRESETS};
pub use span::Span;

use crate::error::Error;
use crate::model::Store;
use crate::segment::{co_purchase_table, cross_sell, CoPurchaseOptions, CrossSellOptions};
use crate::time::Instant;

/// Plans every flow for every recipient of the store: [`Planner::new`], the
/// recommendations when a step asks for them (co-purchase table of the
/// store's categories as of `now`, then [`cross_sell`]), and [`Planner::plan`].
///
/// # Errors
/// As [`Planner::new`] and [`Planner::plan`].
pub fn plan(
    store: &Store,
    flows: &[Flow],
    policy: &CampaignPolicy,
    send_log: &[SentMessage],
    now: Instant,
    horizon: Span,
) -> Result<Plan, Error> {
    let planner = Planner::new(store, flows, policy)?;
    let wanted = flows.iter().flat_map(|f| &f.steps).map(|s| s.recommendations).max().unwrap_or(0);
    let planner = if wanted > 0 {
        let table = co_purchase_table(store, now, &CoPurchaseOptions::default())?;
        let options = CrossSellOptions { per_customer: usize::from(wanted), ..CrossSellOptions::default() };
        planner.with_recommendations(&cross_sell(store, now, &table, &options)?)
    } else {
        planner
    };
    planner.plan(send_log, now, horizon)
}
