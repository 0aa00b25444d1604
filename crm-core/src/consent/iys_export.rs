//! Writing the consent in force as İYS records.

use super::address::{normalize_email, normalize_phone};
use super::fold::{Consent, When};
use super::index::channel_index;
use super::iys::{
    format_iys_date, iys_start, IysRecipientType, IysRecord, IysSource, IysStatus, IysType, IYS_START, TURKEY,
};
use super::{ConsentError, ConsentPolicy, Ledger};
use crate::model::{ConsentEvent, RecipientType, Store};
use crate::time::Instant;

/// İYS records of the store's marketing consent at `at` under `policy`; see
/// [`Ledger::iys_records`].
///
/// # Errors
/// [`ConsentError::InvalidPolicy`] (and [`ConsentError::TooLarge`]) as [`Ledger::new`].
///
/// ```
/// use crm_core::consent::{export_iys, ConsentPolicy, IysSource, IysStatus};
/// use crm_core::model::Store;
/// use crm_core::time::parse_instant;
/// let store = Store::from_json(r#"{
///   "customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z", "email": "Ayse@Example.com"}],
///   "consents": [{"customer_id": "c1", "channel": "email", "purpose": "marketing",
///                 "status": "granted", "at": "2024-01-05T09:00:00Z", "source": "signup_form"}]}"#)?;
/// let records = export_iys(&store, &ConsentPolicy::default(), parse_instant("2024-02-01T00:00:00Z")?)?;
/// assert_eq!(records[0].recipient, "ayse@example.com");
/// assert_eq!((records[0].status, records[0].source), (IysStatus::Onay, Some(IysSource::HsEortam)));
/// assert_eq!(records[0].consent_date.as_deref(), Some("2024-01-05 12:00:00"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn export_iys(store: &Store, policy: &ConsentPolicy, at: Instant) -> Result<Vec<IysRecord>, ConsentError> {
    Ok(Ledger::new(store, policy)?.iys_records(at))
}

impl Ledger<'_> {
    /// İYS records of the marketing consent in force at `at`: for each store
    /// customer and channel e-mail, SMS and call, the grant in force (`ONAY`)
    /// or the withdrawal (`RET`) that decides the channel under the ledger's
    /// rules, ignoring suppression (İYS records consent, not deliverability).
    ///
    /// Nothing is written for a channel with no consent, a grant still
    /// pending or lapsed, an erased channel, or a customer without a valid
    /// address (e-mail trimmed and in lower case; phone as E.164, see
    /// [`normalize_phone`]). `consentDate` is the event's time in Turkey;
    /// the source is the event's when it is an İYS code valid for the record,
    /// else `HS_EORTAM` (the provider's electronic environment). Events before
    /// 2015-05-01 00:00:00 Turkey time are dated then, and grants among them
    /// get `HS_2015`, as İYS requires. Customers sharing an address give one
    /// record per (recipient, type, recipientType): the latest, `RET` on a
    /// tie. Records are sorted by recipient, type, recipientType.
    ///
    /// ```
    /// use crm_core::consent::{ConsentPolicy, IysStatus, IysType, Ledger};
    /// use crm_core::model::Store;
    /// use crm_core::time::parse_instant;
    /// let store = Store::from_json(r#"{
    ///   "customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z", "phone": "05321234567"}],
    ///   "consents": [{"customer_id": "c1", "channel": "call", "purpose": "marketing",
    ///                 "status": "withdrawn", "at": "2024-01-05T09:00:00Z", "source": "HS_CAGRI_MERKEZI"}]}"#)?;
    /// let ledger = Ledger::new(&store, &ConsentPolicy::default())?;
    /// let r = &ledger.iys_records(parse_instant("2024-02-01T00:00:00Z")?)[0];
    /// assert_eq!((r.recipient.as_str(), r.kind, r.status), ("+905321234567", IysType::Arama, IysStatus::Ret));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn iys_records(&self, at: Instant) -> Vec<IysRecord> {
        let when = When::of(at);
        let mut out: Vec<(IysRecord, Instant)> = Vec::new();
        for c in &self.store.customers {
            let Some(row) = self.row(&c.id) else { continue };
            for kind in [IysType::Eposta, IysType::Mesaj, IysType::Arama] {
                let address = match kind {
                    IysType::Eposta => c.email.as_deref().and_then(normalize_email),
                    _ => c.phone.as_deref().and_then(normalize_phone),
                };
                let Some(recipient) = address else { continue };
                let f = self.fold_row(row, channel_index(kind.channel()), when, true);
                let (status, event) = match (f.erased, f.consent) {
                    (None, Consent::InForce { grant, .. }) => (IysStatus::Onay, grant),
                    (None, Consent::Withdrawn { event }) => (IysStatus::Ret, event),
                    _ => continue,
                };
                let e = &self.store.consents[event as usize];
                let (consent_date, source) = date_and_source(status, e);
                let recipient_type = if e.recipient_type == RecipientType::Merchant {
                    IysRecipientType::Tacir
                } else {
                    IysRecipientType::Bireysel
                };
                let record = IysRecord {
                    recipient,
                    kind,
                    status,
                    source: Some(source),
                    consent_date: Some(consent_date),
                    recipient_type,
                    retailer_code: None,
                    retailer_access: None,
                };
                out.push((record, e.at));
            }
        }
        fn key(r: &IysRecord) -> (&str, &str, &str) {
            (&r.recipient, r.kind.as_str(), r.recipient_type.as_str())
        }
        out.sort_by(|(a, ta), (b, tb)| {
            key(a)
                .cmp(&key(b))
                .then(tb.cmp(ta))
                .then((a.status != IysStatus::Ret).cmp(&(b.status != IysStatus::Ret)))
                .then(a.source.cmp(&b.source))
        });
        out.dedup_by(|later, kept| key(&later.0) == key(&kept.0));
        out.into_iter().map(|(r, _)| r).collect()
    }
}

/// The `consentDate` and `source` of an exported record.
fn date_and_source(status: IysStatus, e: &ConsentEvent) -> (String, IysSource) {
    let early = iys_start().is_some_and(|start| e.at.naive_utc() < start - TURKEY);
    let date = if early { IYS_START.to_string() } else { format_iys_date(e.at) };
    if early && status == IysStatus::Onay {
        return (date, IysSource::Hs2015);
    }
    let recorded = e.source.as_deref().and_then(|s| IysSource::parse(&s.trim().to_ascii_uppercase()));
    let source = match recorded {
        Some(IysSource::HsKarar) if status != IysStatus::Ret => IysSource::HsEortam,
        Some(IysSource::Hs2015) if date != IYS_START => IysSource::HsEortam,
        Some(s) => s,
        None => IysSource::HsEortam,
    };
    (date, source)
}
