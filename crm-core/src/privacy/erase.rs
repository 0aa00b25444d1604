//! Erasure: the store without one person's personal data (GDPR Art. 17,
//! KVKK Art. 7). The rules are listed in the [module docs](super#erase).

use crate::model::{Channel, ConsentEvent, ConsentStatus, Order, Purpose, RecipientType, Store};
use crate::time::Instant;

use super::pseudonym::{check_salt, pseudonym, tombstone_proof};
use super::subject::Subject;
use super::PrivacyError;

/// The `source` of an erasure tombstone.
///
/// ```
/// assert_eq!(crm_core::privacy::ERASURE_SOURCE, "erasure_request");
/// ```
pub const ERASURE_SOURCE: &str = "erasure_request";

/// The channels a tombstone is written for: all of them, in this order.
///
/// ```
/// use crm_core::model::Channel;
/// assert_eq!(crm_core::privacy::TOMBSTONE_CHANNELS, [Channel::Email, Channel::Sms, Channel::Call, Channel::Push]);
/// ```
pub const TOMBSTONE_CHANNELS: [Channel; 4] = [Channel::Email, Channel::Sms, Channel::Call, Channel::Push];

/// The store with `customer_id`'s personal data removed or pseudonymised.
///
/// - the customer record is removed;
/// - their orders (their id, or guest orders with one of their contacts) stay,
///   in place, under `customer_id = pseudonym(salt, customer_id)`, with
///   `contact` and refund reasons cleared; every amount, date, status, line,
///   coupon, channel and attribution is kept;
/// - their carts and events (including guest carts and anonymous events
///   linked to them) are deleted;
/// - their consent events are replaced by one `erased` tombstone per channel
///   ([`TOMBSTONE_CHANNELS`]), appended at the end of `consents`: customer
///   id = the pseudonym, purpose `marketing`, `at`, source [`ERASURE_SOURCE`],
///   proof = the pseudonyms of their e-mails and phones
///   (`email:anon_…;phone:anon_…`, see [`is_erased_contact`](super::is_erased_contact));
/// - every other record is left exactly as it was, in the same order.
///
/// Erasing is idempotent under one salt: when no record names the id but its
/// tombstone (under this salt) is there, the store is returned unchanged.
///
/// # Errors
/// [`PrivacyError::InvalidSalt`] for a salt shorter than
/// [`MIN_SALT_LEN`](super::MIN_SALT_LEN) bytes; [`PrivacyError::UnknownCustomer`]
/// when no record names the id and it was not erased under this salt.
///
/// # Example
/// ```
/// use crm_core::model::{ConsentStatus, Store};
/// use crm_core::privacy::{erase, pseudonym};
/// use crm_core::time::parse_instant;
///
/// let store = Store::from_json(r#"{
///   "customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z", "email": "ayse@example.com",
///                  "first_name": "Ayşe"}],
///   "orders": [{"id": "o1", "customer_id": "c1", "contact": {"email": "ayse@example.com"},
///               "placed_at": "2024-02-01T10:00:00Z", "currency": "TRY", "status": "paid",
///               "subtotal": 1000, "total": 1000}],
///   "consents": [{"customer_id": "c1", "channel": "email", "purpose": "marketing",
///                 "status": "granted", "at": "2024-01-01T00:00:00Z", "proof": "form-1"}]
/// }"#)?;
/// let salt = b"a secret salt, 16+ bytes";
/// let at = parse_instant("2024-06-01T00:00:00Z")?;
/// let erased = erase(&store, "c1", salt, at)?;
/// let anon = pseudonym(salt, "c1")?;
/// assert!(erased.customers.is_empty());
/// assert_eq!(erased.orders[0].customer_id.as_deref(), Some(anon.as_str()));
/// assert_eq!((erased.orders[0].total, erased.orders[0].contact.is_none()), (1000, true));
/// assert_eq!(erased.consents.len(), 4);
/// assert!(erased.consents.iter().all(|c| c.status == ConsentStatus::Erased && c.customer_id == anon));
/// assert!(!erased.to_json().contains("ayse") && !erased.to_json().contains("Ayşe"));
/// assert_eq!(erase(&erased, "c1", salt, at)?, erased); // a second erasure changes nothing
/// assert!(erase(&store, "c2", salt, at).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn erase(store: &Store, customer_id: &str, salt: &[u8], at: Instant) -> Result<Store, PrivacyError> {
    check_salt(salt)?;
    let anon = pseudonym(salt, customer_id)?;
    let subject = Subject::find(store, customer_id);
    if !subject.known {
        let erased_before = store.consents.iter().any(|c| c.customer_id == anon && c.status == ConsentStatus::Erased);
        return if erased_before {
            Ok(store.clone())
        } else {
            Err(PrivacyError::UnknownCustomer { customer_id: customer_id.to_string() })
        };
    }
    let proof = tombstone_proof(salt, &subject.emails, &subject.phones)?;

    let customers = store.customers.iter().filter(|c| c.id != customer_id).cloned().collect();
    let orders = store
        .orders
        .iter()
        .map(|o| if subject.owns_order(o) { pseudonymise_order(o, &anon) } else { o.clone() })
        .collect();
    let carts = store.carts.iter().filter(|k| !subject.owns_cart(k)).cloned().collect();
    let events = store.events.iter().filter(|e| !subject.owns_event(e)).cloned().collect();
    let mut consents: Vec<ConsentEvent> = store.consents.iter().filter(|c| !subject.owns_consent(c)).cloned().collect();
    consents.extend(TOMBSTONE_CHANNELS.iter().map(|&channel| ConsentEvent {
        id: None,
        customer_id: anon.clone(),
        channel,
        purpose: Purpose::Marketing,
        status: ConsentStatus::Erased,
        at,
        source: Some(ERASURE_SOURCE.to_string()),
        proof: proof.clone(),
        recipient_type: RecipientType::Individual,
        reason: None,
    }));
    Ok(Store { customers, orders, carts, consents, events })
}

/// The order under the pseudonym, without its personal fields.
fn pseudonymise_order(o: &Order, anon: &str) -> Order {
    let mut o = o.clone();
    o.customer_id = Some(anon.to_string());
    o.contact = None;
    for r in &mut o.refunds {
        r.reason = None;
    }
    o
}
