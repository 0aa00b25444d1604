//! Data subject rights: export everything held on a person, erase a person,
//! and drop guest data past its retention period.
//!
//! ```
//! use crm_core::model::Store;
//! use crm_core::privacy::{erase, export, is_erased_contact, pseudonym};
//! use crm_core::time::parse_instant;
//!
//! let store = Store::from_json(r#"{
//!   "customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z",
//!                  "email": "ayse@example.com", "phone": "+90 555 111 22 33"}],
//!   "orders": [{"id": "o1", "customer_id": "c1", "placed_at": "2024-02-01T10:00:00Z",
//!               "currency": "TRY", "status": "paid", "subtotal": 1000, "total": 1000}],
//!   "consents": [{"customer_id": "c1", "channel": "sms", "purpose": "marketing",
//!                 "status": "granted", "at": "2024-01-01T00:00:00Z", "source": "web_form", "proof": "form-8812"}]
//! }"#)?;
//! let now = parse_instant("2024-06-01T00:00:00Z")?;
//!
//! // Access and portability: one JSON document.
//! let doc = export(&store, "c1", now)?;
//! assert_eq!((doc.orders.len(), doc.consent.len()), (1, 1));
//!
//! // Erasure: the order stays under a salted pseudonym, the person is gone.
//! let salt = b"the shop's secret salt";
//! let erased = erase(&store, "c1", salt, now)?;
//! assert_eq!(erased.orders[0].customer_id, Some(pseudonym(salt, "c1")?));
//! assert!(!erased.to_json().contains("ayse@example.com"));
//! // … and recognised if they come back.
//! assert!(is_erased_contact(&erased, salt, &crm_core::model::Contact {
//!     email: None, phone: Some("905551112233".into()) })?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Everything here is pure: each function takes a store and returns a new
//! one (or a document); nothing reads a clock, `as_of`/`at`/`now` are passed in.
//!
//! # Whose records
//!
//! One rule decides what belongs to the person with customer id `id`, for both
//! [`export`] and [`erase`]:
//!
//! - *contacts*: the e-mail and phone of their customer record and of the
//!   `contact` of orders and carts carrying their id; e-mails compared trimmed
//!   and lower-cased ([`normalize_email`]), phones by their digits only
//!   ([`normalize_phone`]);
//! - *orders* and *carts*: those with `customer_id = id`, and guest ones (no
//!   `customer_id`) whose contact has one of their e-mails or phones;
//! - *events*: those with `customer_id = id`, and anonymous ones (no
//!   `customer_id`) whose `anonymous_id` appears on one of their own events
//!   or whose `properties` hold one of their contacts (a string with `@`
//!   equal to an e-mail, or a string of digits, spaces and `+-().` equal to a
//!   phone, at any depth);
//! - *consent events*: those with `customer_id = id`, or whose `customer_id` is
//!   one of their e-mail addresses;
//! - a record of *another customer* is never theirs, even when it carries one
//!   of their contacts.
//!
//! The id is *unknown* ([`PrivacyError::UnknownCustomer`]) when there is no
//! customer record with it and no order, cart, event or consent event names it.
//!
//! # Export
//!
//! [`export`] (or [`export_with`] for exchange rates and RFM options) returns a
//! [`SubjectExport`]; [`SubjectExport::to_json`] gives the document. Its keys,
//! always all present and in this order:
//!
//! | key | content |
//! |---|---|
//! | `format` | `"crm-subject-export"` ([`EXPORT_FORMAT`]) |
//! | `version` | `1` ([`EXPORT_VERSION`]) |
//! | `customer_id` | the id asked for |
//! | `exported_at` | the `as_of` instant, RFC 3339 UTC |
//! | `profile` | the customer record as in the store document, or `null` when there is none |
//! | `orders` | their orders, whole, by `placed_at` |
//! | `carts` | their carts, whole, by `created_at` |
//! | `events` | their behavioural events, whole, by `at` |
//! | `consent` | their consent ledger: every event with all its fields (source, proof, recipient type, reason), by `at` |
//! | `facts` | their row of the customer facts as of `exported_at` (the wire form of `crate::facts::CustomerFacts::row_json`), or `null` |
//! | `segments` | `{map, k, recency, frequency, monetary, currency, r, f, m, segment}`, or `null` for a prospect (no counted order) |
//! | `unavailable` | `[{section, code, message}]`: a derived section that could not be computed |
//!
//! Records appear with the same fields as in the store document
//! (`docs/model.md`). Sorts are stable: records with equal times keep their
//! store order, so the same input always gives byte-identical JSON.
//!
//! `facts` is computed from their own records (those with their id), so it is
//! the row the shop's facts table has for them. `segments` ranks them among
//! every customer of the store with [`RfmOptions`](crate::segment::RfmOptions)
//! (default k = 5) and names their segment in the `seed` map; a shop selling in
//! several currencies passes rates in [`ExportOptions::facts`], else the section
//! is `null` with an `unavailable` entry (code `mixed_currencies`). A derived
//! section never makes the export fail.
//!
//! # Erase
//!
//! [`erase`] returns a new store; the input is not changed.
//!
//! - The *salt* is at least [`MIN_SALT_LEN`] (16) bytes, secret, and kept by
//!   the shop: the same salt gives the same pseudonyms.
//! - The *pseudonym* of a value is `anon_` + the first 32 hex digits of
//!   HMAC-SHA256(key = salt, message = value) ([`pseudonym`]); contacts are
//!   normalised first ([`email_pseudonym`], [`phone_pseudonym`]).
//! - The *customer record* is removed entirely (name, contacts, birth date,
//!   location, locale, tags and every attribute: shop attributes may be free
//!   text about the person). No stub is left: the orders carry the pseudonym.
//! - *Their orders* stay in place for the shop's accounting: id, dates,
//!   currency, lines (products), amounts, coupons, status, refunds, sales
//!   channel and attribution are kept; `customer_id` becomes the pseudonym of
//!   the id, `contact` is cleared and every refund's free-text `reason` is
//!   cleared. Totals, and so revenue, are unchanged.
//! - *Their carts and events* are deleted, guest carts and anonymous events
//!   linked to them included.
//! - *Their consent events* are deleted and one tombstone per channel (email,
//!   sms, call, push: all four, so that no channel can be used again) is
//!   appended: `{customer_id: <pseudonym of id>, channel, purpose: marketing,
//!   status: erased, at, source: "erasure_request", proof:
//!   "email:anon_…;phone:anon_…", recipient_type: individual}`. The proof lists
//!   the pseudonym of each of their contacts, e-mails then phones, each sorted;
//!   it is absent when they had none.
//! - *Everything else* (other customers and their orders, carts, events and
//!   consent events, guest records not theirs) is byte-identical and in the
//!   same order.
//!
//! To honour the erasure later, the shop hashes a new sign-up's, import's or
//! guest's e-mail and phone with the same salt and looks them up among the
//! tombstones' proofs: [`is_erased_contact`].
//!
//! What erasure does *not* touch, by design: product data on order lines
//! (titles, SKUs, brands), coupon codes (a shop that issues one-off personal
//! codes must treat them itself), UTM attribution, and records of *other*
//! customers, even one that carries the erased person's e-mail (such a record
//! is that customer's data). Phones are compared by digits, so a number stored
//! once with and once without its country code is two numbers.
//!
//! Erasing is idempotent: when the id is unknown but a tombstone with its
//! pseudonym under this salt exists, [`erase`] returns the store unchanged. An
//! id never seen (or erased under another salt) is
//! [`PrivacyError::UnknownCustomer`].
//!
//! # Retention
//!
//! [`apply_retention`] drops, as of `now`, with periods of whole 24-hour days:
//!
//! - guest carts (no `customer_id`) whose `updated_at` is *strictly* before
//!   `now − guest_cart_days`;
//! - anonymous events (no `customer_id`) whose `at` is strictly before
//!   `now − min(guest_event_days, event_days)`;
//! - when `event_days` is set, every other event strictly before `now − event_days`.
//!
//! A record exactly at the limit is kept. Orders, customers, customers' carts
//! and consent events are never dropped (consent events are the shop's proof).
//! Every period must be 1 to [`MAX_RETENTION_DAYS`] days: 0 would drop
//! everything at once and is rejected as [`PrivacyError::InvalidOption`].

mod erase;
mod error;
mod export;
mod pseudonym;
mod retention;
mod subject;

pub use erase::{erase, ERASURE_SOURCE, TOMBSTONE_CHANNELS};
pub use error::PrivacyError;
pub use export::{
    export, export_with, ExportOptions, SubjectExport, SubjectSegments, Unavailable, EXPORT_FORMAT, EXPORT_SEGMENT_MAP,
    EXPORT_VERSION,
};
pub use pseudonym::{
    email_pseudonym, is_erased_contact, normalize_email, normalize_phone, phone_pseudonym, pseudonym, MIN_SALT_LEN,
    PSEUDONYM_PREFIX,
};
pub use retention::{apply_retention, RetentionPolicy, RetentionReport, MAX_RETENTION_DAYS};
