//! Salted pseudonyms of ids and contacts, and the look-up of erased contacts.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::model::{ConsentStatus, Contact, Store};

use super::PrivacyError;

/// Shortest salt accepted, in bytes.
///
/// ```
/// use crm_core::privacy::{pseudonym, MIN_SALT_LEN};
/// assert!(pseudonym(&[1; MIN_SALT_LEN], "c1").is_ok());
/// assert!(pseudonym(&[1; MIN_SALT_LEN - 1], "c1").is_err());
/// ```
pub const MIN_SALT_LEN: usize = 16;

/// Every pseudonym starts with this.
///
/// ```
/// use crm_core::privacy::{pseudonym, PSEUDONYM_PREFIX};
/// assert!(pseudonym(b"0123456789abcdef", "c1")?.starts_with(PSEUDONYM_PREFIX));
/// # Ok::<(), crm_core::privacy::PrivacyError>(())
/// ```
pub const PSEUDONYM_PREFIX: &str = "anon_";

/// Hex digits kept from the HMAC (128 bits).
const HEX_LEN: usize = 32;

/// Checks the salt: at least [`MIN_SALT_LEN`] bytes.
pub(crate) fn check_salt(salt: &[u8]) -> Result<(), PrivacyError> {
    if salt.len() < MIN_SALT_LEN {
        return Err(PrivacyError::InvalidSalt { length: salt.len() });
    }
    Ok(())
}

/// The pseudonym of `value` under `salt`: `anon_` followed by the first 32
/// lower-case hex digits of HMAC-SHA256 (key = salt, message = the UTF-8 bytes
/// of `value`). The value is hashed as given: normalise contacts first (or use
/// [`email_pseudonym`] / [`phone_pseudonym`]).
///
/// The same salt and value always give the same pseudonym; without the salt
/// it cannot be recomputed, so keep the salt secret and keep it: it is what
/// lets the shop recognise an erased person later.
///
/// # Errors
/// [`PrivacyError::InvalidSalt`] when the salt is shorter than [`MIN_SALT_LEN`] bytes.
///
/// # Example
/// ```
/// use crm_core::privacy::pseudonym;
/// let salt = b"0123456789abcdef";
/// let p = pseudonym(salt, "c1")?;
/// assert_eq!(p, "anon_e13ed6f9e1b47fabad93d9b773b1a5e4");
/// assert_eq!(p, pseudonym(salt, "c1")?);
/// assert_ne!(p, pseudonym(b"another salt, 16+ bytes", "c1")?);
/// assert!(pseudonym(b"short", "c1").is_err());
/// # Ok::<(), crm_core::privacy::PrivacyError>(())
/// ```
pub fn pseudonym(salt: &[u8], value: &str) -> Result<String, PrivacyError> {
    check_salt(salt)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(salt).map_err(|_| PrivacyError::InvalidSalt { length: salt.len() })?;
    mac.update(value.as_bytes());
    let digest = mac.finalize().into_bytes();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(PSEUDONYM_PREFIX.len() + HEX_LEN);
    out.push_str(PSEUDONYM_PREFIX);
    for b in digest.iter().take(HEX_LEN / 2) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    Ok(out)
}

/// An e-mail address as compared and hashed: trimmed and lower-cased
/// (Unicode lower case); `None` when nothing is left.
///
/// ```
/// use crm_core::privacy::normalize_email;
/// assert_eq!(normalize_email("  Ayse@Example.COM ").as_deref(), Some("ayse@example.com"));
/// assert_eq!(normalize_email("   "), None);
/// ```
pub fn normalize_email(email: &str) -> Option<String> {
    let e = email.trim();
    (!e.is_empty()).then(|| e.to_lowercase())
}

/// A phone number as compared and hashed: its ASCII digits only (so
/// `+90 555 111 22 33` and `90-555-1112233` are the same number); `None` when
/// it has no digit. Numbers written with and without the country code differ.
///
/// ```
/// use crm_core::privacy::normalize_phone;
/// assert_eq!(normalize_phone("+90 (555) 111-22-33").as_deref(), Some("905551112233"));
/// assert_eq!(normalize_phone("n/a"), None);
/// ```
pub fn normalize_phone(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// The pseudonym of a normalised e-mail address ([`normalize_email`], then
/// [`pseudonym`]); `None` for a blank address.
///
/// # Errors
/// [`PrivacyError::InvalidSalt`].
///
/// # Example
/// ```
/// use crm_core::privacy::{email_pseudonym, pseudonym};
/// let salt = b"0123456789abcdef";
/// assert_eq!(email_pseudonym(salt, " Ayse@Example.com")?, Some(pseudonym(salt, "ayse@example.com")?));
/// assert_eq!(email_pseudonym(salt, "")?, None);
/// # Ok::<(), crm_core::privacy::PrivacyError>(())
/// ```
pub fn email_pseudonym(salt: &[u8], email: &str) -> Result<Option<String>, PrivacyError> {
    check_salt(salt)?;
    normalize_email(email).map(|e| pseudonym(salt, &e)).transpose()
}

/// The pseudonym of a normalised phone number ([`normalize_phone`], then
/// [`pseudonym`]); `None` for a number without digits.
///
/// # Errors
/// [`PrivacyError::InvalidSalt`].
///
/// # Example
/// ```
/// use crm_core::privacy::{phone_pseudonym, pseudonym};
/// let salt = b"0123456789abcdef";
/// assert_eq!(phone_pseudonym(salt, "+90 555 111 22 33")?, Some(pseudonym(salt, "905551112233")?));
/// # Ok::<(), crm_core::privacy::PrivacyError>(())
/// ```
pub fn phone_pseudonym(salt: &[u8], phone: &str) -> Result<Option<String>, PrivacyError> {
    check_salt(salt)?;
    normalize_phone(phone).map(|p| pseudonym(salt, &p)).transpose()
}

/// The `proof` text of an erasure tombstone: `email:<pseudonym>` for each
/// normalised e-mail, then `phone:<pseudonym>` for each phone, each list
/// sorted, joined with `;`. `None` when the person had no contact.
pub(crate) fn tombstone_proof<'a>(
    salt: &[u8],
    emails: impl IntoIterator<Item = &'a String>,
    phones: impl IntoIterator<Item = &'a String>,
) -> Result<Option<String>, PrivacyError> {
    let mut parts = Vec::new();
    for (kind, values) in [("email", emails.into_iter().collect::<Vec<_>>()), ("phone", phones.into_iter().collect())] {
        let mut hashed = values.into_iter().map(|v| pseudonym(salt, v)).collect::<Result<Vec<_>, _>>()?;
        hashed.sort();
        hashed.dedup();
        parts.extend(hashed.into_iter().map(|h| format!("{kind}:{h}")));
    }
    Ok((!parts.is_empty()).then(|| parts.join(";")))
}

/// Whether someone with this contact was erased from `store` under `salt`:
/// true when an `erased` consent event's `proof` lists the pseudonym of the
/// contact's normalised e-mail (`email:anon_…`) or phone (`phone:anon_…`).
///
/// This is how a shop keeps its promise never to contact an erased person
/// again: before adding a sign-up, an imported list or a guest checkout to
/// marketing, it asks with the same salt it erased with.
///
/// # Errors
/// [`PrivacyError::InvalidSalt`].
///
/// # Example
/// ```
/// use crm_core::model::{Contact, Store};
/// use crm_core::privacy::{erase, is_erased_contact};
/// use crm_core::time::parse_instant;
///
/// let store = Store::from_json(r#"{"customers": [
///   {"id": "c1", "created_at": "2024-01-01T00:00:00Z", "email": "ayse@example.com"}]}"#)?;
/// let salt = b"a secret salt, 16+ bytes";
/// let erased = erase(&store, "c1", salt, parse_instant("2024-06-01T00:00:00Z")?)?;
/// let again = Contact { email: Some("AYSE@example.com ".into()), phone: None };
/// assert!(is_erased_contact(&erased, salt, &again)?);
/// assert!(!is_erased_contact(&store, salt, &again)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn is_erased_contact(store: &Store, salt: &[u8], contact: &Contact) -> Result<bool, PrivacyError> {
    check_salt(salt)?;
    let mut wanted = Vec::new();
    if let Some(p) = contact.email.as_deref().map(|e| email_pseudonym(salt, e)).transpose()?.flatten() {
        wanted.push(format!("email:{p}"));
    }
    if let Some(p) = contact.phone.as_deref().map(|e| phone_pseudonym(salt, e)).transpose()?.flatten() {
        wanted.push(format!("phone:{p}"));
    }
    Ok(store
        .consents
        .iter()
        .filter(|c| c.status == ConsentStatus::Erased)
        .any(|c| c.proof.as_deref().is_some_and(|proof| proof.split(';').any(|part| wanted.iter().any(|w| w == part)))))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: &[u8] = b"0123456789abcdef";

    #[test]
    fn proof_lists_emails_then_phones_each_sorted_once() {
        let emails = ["b@example.com".to_string(), "a@example.com".to_string()];
        let phones = ["905551112233".to_string(), "905551112233".to_string()];
        let proof = tombstone_proof(SALT, &emails, &phones).unwrap().unwrap();
        let parts: Vec<&str> = proof.split(';').collect();
        assert_eq!(parts.len(), 3);
        let mut hashed = [pseudonym(SALT, "a@example.com").unwrap(), pseudonym(SALT, "b@example.com").unwrap()];
        hashed.sort();
        assert_eq!(parts[0], format!("email:{}", hashed[0]));
        assert_eq!(parts[1], format!("email:{}", hashed[1]));
        assert_eq!(parts[2], format!("phone:{}", pseudonym(SALT, "905551112233").unwrap()));
        assert_eq!(tombstone_proof(SALT, &[], &[]).unwrap(), None);
    }

    #[test]
    fn pseudonym_matches_an_independent_hmac() {
        // python3: hmac.new(b"0123456789abcdef", b"c1", hashlib.sha256).hexdigest()[:32]
        assert_eq!(pseudonym(SALT, "c1").unwrap(), "anon_e13ed6f9e1b47fabad93d9b773b1a5e4");
        assert_eq!(pseudonym(&[7u8; 16], "").unwrap().len(), 37);
        assert_eq!(pseudonym(&[7u8; 15], "c1"), Err(PrivacyError::InvalidSalt { length: 15 }));
    }
}
