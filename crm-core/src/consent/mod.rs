//! Consent ledger: consent state with evidence, double opt-in, suppression, İYS records.
//!
//! A shop may send a marketing message only to someone who agreed to it on
//! that channel, must stop when they withdraw, and must be able to prove
//! either. The store's [`ConsentEvent`](crate::model::ConsentEvent)s are an
//! append-only log; a [`Ledger`] sorts them once and answers, for a customer,
//! a channel (email, sms, call, push), a purpose (marketing, transactional)
//! and an instant, whether a message may be sent, in which [`ConsentState`],
//! and with which events as [`Evidence`].
//!
//! ```
//! use crm_core::consent::{ConsentPolicy, ConsentState, Ledger};
//! use crm_core::model::{Channel, Purpose, Store};
//! use crm_core::time::parse_instant;
//! let store = Store::from_json(r#"{
//!   "customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z",
//!                  "location": {"country": "DE"}}],
//!   "consents": [
//!     {"customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "granted",
//!      "at": "2024-03-01T10:00:00Z", "source": "web_form", "proof": "form-42"},
//!     {"customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "confirmed",
//!      "at": "2024-03-01T10:05:00Z", "proof": "click-42"}
//!   ]}"#)?;
//! let policy = ConsentPolicy::from_json(r#"{"double_opt_in": {"countries": ["DE"]}}"#)?;
//! let ledger = Ledger::new(&store, &policy)?;
//! let at = |t| parse_instant(t);
//! let d = ledger.decide("c1", Channel::Email, Purpose::Marketing, at("2024-03-01T10:01:00Z")?);
//! assert_eq!((d.allowed, d.state), (false, ConsentState::PendingConfirmation));
//! let d = ledger.decide("c1", Channel::Email, Purpose::Marketing, at("2024-03-02T00:00:00Z")?);
//! assert_eq!((d.allowed, d.state), (true, ConsentState::Granted));
//! let proofs: Vec<_> = d.evidence.iter().map(|e| e.proof.as_deref()).collect();
//! assert_eq!(proofs, [Some("form-42"), Some("click-42")]); // the grant and its confirmation
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Rules
//!
//! - **Time, not arrival.** Events apply in timestamp order, whatever their
//!   position in `Store::consents`. Only events at or before the asked instant
//!   count, so adding later events never changes an earlier answer, and an
//!   event appended late changes answers from its own timestamp on.
//! - **Equal timestamps.** The precedence is erased > suppressed > withdrawn >
//!   unsuppressed > confirmed > granted: the stronger status applies last and
//!   wins (a withdrawal beats a grant at the same instant; a confirmation at
//!   the grant's own instant confirms it). Remaining ties are ordered by the
//!   event's content (purpose, recipient type, reason, id, source, proof), so
//!   shuffling the events never changes a state or the content of its evidence.
//! - **Scope.** Consent (granted, withdrawn, confirmed) is per (customer,
//!   channel, purpose); consent events of the transactional purpose are kept
//!   but never needed. Suppression and erasure are per (customer, channel):
//!   their purpose is ignored. An erasure is written for each channel it
//!   covers.
//! - **Erasure** blocks the channel for every purpose from its instant on, and
//!   is final: later events of that customer and channel change nothing (a
//!   returning person is a new customer). State `erased`.
//! - **Suppression** (hard bounce, spam complaint, invalid number, manual)
//!   blocks the channel for every purpose, transactional included, because the
//!   address does not work or must not be used, until an `unsuppressed` event
//!   lifts it; consent is unchanged underneath. An `unsuppressed` without a
//!   suppression does nothing. State `suppressed`.
//! - **Transactional** messages need no consent: allowed unless erased or
//!   suppressed. State `transactional`.
//! - **Marketing** needs a grant in force. Without any grant or withdrawal:
//!   `no_consent`. The latest of grant and withdrawal decides: a withdrawal
//!   gives `withdrawn`; a grant gives `granted`.
//! - **Double opt-in** applies to a customer when the policy says so for
//!   everyone, for their country (`location.country`) or for their
//!   `store_id` (see [`ConsentPolicy`]); a customer without a record only
//!   under `all`. A grant is then in force only from a `confirmed` event of
//!   the same customer, channel and purpose at or after the grant and at most
//!   `confirm_within_hours` after it (inclusive). Until then it is
//!   `pending_confirmation`; strictly after the window, unconfirmed, it is
//!   `lapsed`. A confirmation with no pending grant does nothing; a new grant
//!   while one is pending restarts the window; a new grant while one is in
//!   force keeps the confirmed one.
//! - **Merchants.** With `merchant_exempt`, when the latest event of the
//!   (customer, channel) at or before the instant, of any status or purpose,
//!   names a merchant recipient (İYS `TACIR`), marketing is allowed unless
//!   the consent is withdrawn: state `merchant_exempt` (a grant in force
//!   still reports `granted`). Record `recipient_type` on every event of a
//!   merchant: an event without it counts as an individual.
//! - **Unknown customers** (no record, no event) have no consent and no suppression.
//!
//! # Bulk
//!
//! [`Ledger::states_at`] gives every customer's state on every channel at one
//! instant as a [`ConsentTable`], row for row what [`Ledger::decide`] answers.
//! The segment field `consent.<channel>` is the marketing `allowed` of this
//! table under the default policy.
//!
//! # İYS
//!
//! [`import_iys`] reads records of Turkey's İYS registry (`recipient`, `type`
//! `MESAJ`/`ARAMA`/`EPOSTA`, `status` `ONAY`/`RET`, `source`, `consentDate`
//! `YYYY-MM-DD HH:MM:SS` in Turkey's time, `recipientType`
//! `BIREYSEL`/`TACIR`) as consent events, reporting every bad record and
//! field. [`export_iys`] writes the consent in force as İYS records. İYS
//! dates are read and written at UTC+03:00, the offset İYS states for every
//! consent (and Europe/Istanbul's since September 2016). Importing an export
//! gives the same consent states back for customers with their own
//! addresses, at instants from 2015-05-01 on, where no double opt-in applies
//! (İYS records carry no confirmation).

mod address;
mod bulk;
mod error;
mod fold;
mod index;
mod iys;
mod iys_export;
mod iys_import;
mod ledger;
mod policy;
mod state;

pub use address::{normalize_email, normalize_phone};
pub use bulk::ConsentTable;
pub use error::{ConsentError, ConsentErrors};
pub use iys::{format_iys_date, IysRecipientType, IysRecord, IysSource, IysStatus, IysType};
pub use iys_export::export_iys;
pub use iys_import::import_iys;
pub use ledger::Ledger;
pub use policy::{ConsentPolicy, DoubleOptIn};
pub use state::{ConsentState, Decision, Evidence};
