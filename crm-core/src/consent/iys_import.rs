//! Reading İYS records as consent events, every bad record and field reported.

use std::collections::HashMap;

use serde_json::Value;

use super::address::{normalize_email, normalize_phone};
use super::iys::{iys_start, parse_iys_date, IysRecipientType, IysSource, IysStatus, IysType, FIELDS, IYS_START};
use super::{ConsentError, ConsentErrors};
use crate::model::{ConsentEvent, ConsentStatus, Purpose, RecipientType, Store};

/// Customers by normalised e-mail and phone, ids sorted.
struct Directory<'a> {
    emails: HashMap<String, Vec<&'a str>>,
    phones: HashMap<String, Vec<&'a str>>,
}

impl<'a> Directory<'a> {
    fn new(store: &'a Store) -> Self {
        let mut emails: HashMap<String, Vec<&str>> = HashMap::new();
        let mut phones: HashMap<String, Vec<&str>> = HashMap::new();
        for c in &store.customers {
            if let Some(e) = c.email.as_deref().and_then(normalize_email) {
                emails.entry(e).or_default().push(&c.id);
            }
            if let Some(p) = c.phone.as_deref().and_then(normalize_phone) {
                phones.entry(p).or_default().push(&c.id);
            }
        }
        for ids in emails.values_mut().chain(phones.values_mut()) {
            ids.sort_unstable();
            ids.dedup();
        }
        Directory { emails, phones }
    }
}

/// Reads İYS records (a JSON array) as consent events of `store`'s customers.
///
/// Each record becomes, for every customer whose address matches its
/// `recipient` (e-mail case-insensitively for `EPOSTA`; phone on its
/// normalised digits, see [`normalize_phone`], for `MESAJ`/`ARAMA`), one
/// marketing event: `ONAY` → granted, `RET` → withdrawn, at `consentDate`
/// read in Turkey's time, `source` kept as the İYS code, `TACIR` → merchant.
/// Events come in record order, customers by id within a record.
///
/// # Errors
/// [`ConsentErrors`] listing every bad record and field (nothing is imported
/// then): `malformed` (not a JSON array), `invalid_record` (not an object,
/// unknown or missing field, bad status, recipientType, source, recipient,
/// retailer fields; `HS_KARAR` without `RET`, `HS_2015` not dated
/// 2015-05-01 00:00:00), `unknown_channel` (type), `invalid_timestamp`
/// (consentDate not `YYYY-MM-DD HH:MM:SS`, a zone suffix, before
/// 2015-05-01 00:00:00), `unknown_customer` (no customer has the recipient).
///
/// ```
/// use crm_core::consent::import_iys;
/// use crm_core::model::{Channel, ConsentStatus, Store};
/// let store = Store::from_json(r#"{"customers": [
///   {"id": "c1", "created_at": "2024-01-01T00:00:00Z", "phone": "0532 123 45 67"}]}"#)?;
/// let events = import_iys(r#"[{"recipient": "+905321234567", "type": "MESAJ", "status": "ONAY",
///   "source": "HS_WEB", "consentDate": "2024-02-01 12:00:00", "recipientType": "BIREYSEL"}]"#, &store)?;
/// assert_eq!((events[0].customer_id.as_str(), events[0].channel), ("c1", Channel::Sms));
/// assert_eq!(events[0].status, ConsentStatus::Granted);
/// assert_eq!(crm_core::time::format_instant(events[0].at), "2024-02-01T09:00:00Z");
///
/// let errs = import_iys(r#"[{"recipient": "+905321234567", "type": "MESAJ", "status": "ONAY",
///   "source": "HS_WEB", "consentDate": "2024-02-01T12:00:00Z", "recipientType": "BIREYSEL"}]"#, &store).unwrap_err();
/// let e = &errs.errors()[0];
/// assert_eq!((e.code(), e.index(), e.field()), ("invalid_timestamp", Some(0), Some("consentDate")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn import_iys(json: &str, store: &Store) -> Result<Vec<ConsentEvent>, ConsentErrors> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| ConsentError::Malformed { message: format!("invalid JSON: {e}") })?;
    let Value::Array(records) = value else {
        return Err(ConsentError::Malformed { message: "expected a JSON array of İYS records".into() }.into());
    };
    let directory = Directory::new(store);
    let mut errors = Vec::new();
    let mut events = Vec::new();
    for (index, record) in records.iter().enumerate() {
        read_record(index, record, &directory, &mut errors, &mut events);
    }
    if errors.is_empty() {
        Ok(events)
    } else {
        Err(ConsentErrors(errors))
    }
}

/// A field of a record: absent (or null), not a string, or its text.
enum Field<'v> {
    Missing,
    Invalid,
    Text(&'v str),
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn read_record(
    index: usize,
    record: &Value,
    dir: &Directory,
    errors: &mut Vec<ConsentError>,
    out: &mut Vec<ConsentEvent>,
) {
    let bad = |field: &str, value: &str, message: &str| ConsentError::InvalidRecord {
        index,
        field: field.into(),
        value: value.into(),
        message: message.into(),
    };
    let Some(obj) = record.as_object() else {
        errors.push(bad("", &shown(record), "expected an object"));
        return;
    };
    let before = errors.len();
    for (key, v) in obj {
        if !FIELDS.contains(&key.as_str()) {
            errors.push(bad(key, &shown(v), &format!("unknown field (expected one of {})", FIELDS.join(", "))));
        }
    }
    let mut text = |name: &str| match obj.get(name) {
        None | Some(Value::Null) => Field::Missing,
        Some(Value::String(s)) => Field::Text(s.as_str()),
        Some(other) => {
            errors.push(bad(name, &other.to_string(), "expected a string"));
            Field::Invalid
        }
    };
    let (recipient, kind, status, source, date, rtype) =
        (text("recipient"), text("type"), text("status"), text("source"), text("consentDate"), text("recipientType"));
    let missing = |name: &str, why: &str| bad(name, "", &format!("required field is missing{why}"));
    let kind = match kind {
        Field::Text(s) => IysType::parse(s).or_else(|| {
            errors.push(ConsentError::UnknownChannel { index, field: "type".into(), value: s.into() });
            None
        }),
        Field::Missing => {
            errors.push(missing("type", ""));
            None
        }
        Field::Invalid => None,
    };
    let mut code_field = |field: Field, name: &str, parse: &dyn Fn(&str) -> bool, expected: &str| match field {
        Field::Text(s) if parse(s) => Some(s.to_string()),
        Field::Text(s) => {
            errors.push(bad(name, s, expected));
            None
        }
        Field::Missing => {
            errors.push(missing(name, ""));
            None
        }
        Field::Invalid => None,
    };
    let status = code_field(status, "status", &|s| IysStatus::parse(s).is_some(), "expected ONAY or RET")
        .and_then(|s| IysStatus::parse(&s));
    let rtype =
        code_field(rtype, "recipientType", &|s| IysRecipientType::parse(s).is_some(), "expected BIREYSEL or TACIR")
            .and_then(|s| IysRecipientType::parse(&s));
    let source = match source {
        Field::Text(s) => match IysSource::parse(s) {
            Some(src) => Some(src),
            None => {
                let codes: Vec<&str> = IysSource::ALL.iter().map(|c| c.as_str()).collect();
                errors.push(bad("source", s, &format!("unknown İYS source (expected one of {})", codes.join(", "))));
                None
            }
        },
        Field::Missing if rtype != Some(IysRecipientType::Tacir) => {
            errors.push(missing("source", " (optional only for TACIR recipients)"));
            None
        }
        _ => None,
    };
    let date = match date {
        Field::Text(s) => match parse_iys_date(s) {
            Ok((local, _)) if iys_start().is_some_and(|start| local < start) => {
                errors.push(ConsentError::InvalidTimestamp {
                    index,
                    field: "consentDate".into(),
                    value: s.into(),
                    message: format!("İYS accepts no consent date before {IYS_START}"),
                });
                None
            }
            Ok((local, at)) => Some((local, at)),
            Err(message) => {
                errors.push(ConsentError::InvalidTimestamp {
                    index,
                    field: "consentDate".into(),
                    value: s.into(),
                    message: message.into(),
                });
                None
            }
        },
        Field::Missing => {
            errors.push(missing("consentDate", " (the ledger places every event in time)"));
            None
        }
        Field::Invalid => None,
    };
    let address = match (recipient, kind) {
        (Field::Text(s), Some(k)) => {
            let (norm, what) = match k {
                IysType::Eposta => (normalize_email(s), "not an e-mail address"),
                _ => (normalize_phone(s), "not a phone number (expected +90XXXXXXXXXX or another E.164 number)"),
            };
            if norm.is_none() {
                errors.push(bad("recipient", s, what));
            }
            norm.map(|n| (s, n))
        }
        (Field::Missing, _) => {
            errors.push(missing("recipient", ""));
            None
        }
        _ => None,
    };
    check_retailer(obj, index, errors);
    if source == Some(IysSource::HsKarar) && status == Some(IysStatus::Onay) {
        errors.push(bad("source", "HS_KARAR", "HS_KARAR (the provider's own decision) is only used with status RET"));
    }
    if source == Some(IysSource::Hs2015) && date.is_some_and(|(local, _)| Some(local) != iys_start()) {
        errors.push(bad("source", "HS_2015", &format!("HS_2015 is only used with consentDate {IYS_START}")));
    }
    if errors.len() > before {
        return;
    }
    let (Some(kind), Some(status), Some(rtype), Some((_, at)), Some((written, address))) =
        (kind, status, rtype, date, address)
    else {
        return;
    };
    let book = if kind == IysType::Eposta { &dir.emails } else { &dir.phones };
    let Some(ids) = book.get(&address) else {
        errors.push(ConsentError::UnknownCustomer { index, field: "recipient".into(), value: written.into() });
        return;
    };
    for id in ids {
        out.push(ConsentEvent {
            id: None,
            customer_id: (*id).to_string(),
            channel: kind.channel(),
            purpose: Purpose::Marketing,
            status: if status == IysStatus::Onay { ConsentStatus::Granted } else { ConsentStatus::Withdrawn },
            at,
            source: source.map(|s| s.as_str().to_string()),
            proof: None,
            recipient_type: if rtype == IysRecipientType::Tacir {
                RecipientType::Merchant
            } else {
                RecipientType::Individual
            },
            reason: None,
        });
    }
}

/// `retailerCode`: a non-negative integer; `retailerAccess`: a list of them (both optional).
fn check_retailer(obj: &serde_json::Map<String, Value>, index: usize, errors: &mut Vec<ConsentError>) {
    let bad = |field: &str, v: &Value, message: &str| ConsentError::InvalidRecord {
        index,
        field: field.into(),
        value: v.to_string(),
        message: message.into(),
    };
    if let Some(v) = obj.get("retailerCode").filter(|v| !v.is_null() && v.as_u64().is_none()) {
        errors.push(bad("retailerCode", v, "expected an İYS number (a non-negative integer)"));
    }
    if let Some(v) = obj.get("retailerAccess").filter(|v| !v.is_null()) {
        let ok = v.as_array().is_some_and(|a| a.iter().all(|x| x.as_u64().is_some()));
        if !ok {
            errors.push(bad("retailerAccess", v, "expected a list of İYS numbers (non-negative integers)"));
        }
    }
}
