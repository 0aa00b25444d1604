//! Wire functions of consent and privacy: `consent`, `consent_table`,
//! `iys_import`, `iys_export`, `subject_export`, `erase` and `retention`.

use serde_json::{json, Map, Value};

use super::{facts_options, field_instant, field_str, invalid, take_store, RequestError};
use crate::consent::{export_iys, import_iys, ConsentPolicy, ConsentState, Ledger};
use crate::error::Error;
use crate::model::{Channel, Purpose};
use crate::privacy::{apply_retention, erase as erase_subject, export_with, ExportOptions, RetentionPolicy};
use crate::segment::RfmOptions;
use crate::time::format_instant;

/// `policy` (optional): a consent policy object.
fn policy(req: &Map<String, Value>) -> Result<ConsentPolicy, Error> {
    match req.get("policy").filter(|v| !v.is_null()) {
        None => Ok(ConsentPolicy::default()),
        Some(v) => Ok(ConsentPolicy::from_json(&v.to_string())?),
    }
}

fn named<T: serde::de::DeserializeOwned>(req: &Map<String, Value>, field: &str, expected: &str) -> Result<T, Error> {
    let v = req.get(field).filter(|v| !v.is_null()).ok_or(RequestError::MissingField { field: field.into() })?;
    serde_json::from_value(v.clone()).map_err(|_| invalid(field, format!("expected {expected}, got {v}")).into())
}

fn purpose(req: &Map<String, Value>) -> Result<Purpose, Error> {
    match req.get("purpose").filter(|v| !v.is_null()) {
        None => Ok(Purpose::Marketing),
        Some(_) => named(req, "purpose", "\"marketing\" or \"transactional\""),
    }
}

/// `{store, policy?, customer_id, channel, purpose?, at}` → `{allowed, state, evidence}`.
pub(super) fn consent(mut req: Map<String, Value>) -> Result<Value, Error> {
    let store = take_store(&mut req)?;
    let ledger = Ledger::new(&store, &policy(&req)?)?;
    let channel: Channel = named(&req, "channel", "\"email\", \"sms\", \"call\" or \"push\"")?;
    let decision = ledger.decide(field_str(&req, "customer_id")?, channel, purpose(&req)?, field_instant(&req, "at")?);
    Ok(serde_json::to_value(decision).map_err(|e| invalid("result", e.to_string()))?)
}

/// `{store, policy?, purpose?, at}` → `{at, purpose, customers: [{customer_id,
/// email, sms, call, push}]}`, each channel `{state, allowed}`.
pub(super) fn consent_table(mut req: Map<String, Value>) -> Result<Value, Error> {
    let store = take_store(&mut req)?;
    let ledger = Ledger::new(&store, &policy(&req)?)?;
    let (at, purpose) = (field_instant(&req, "at")?, purpose(&req)?);
    let t = ledger.states_at(at, purpose);
    let cell = |s: ConsentState| json!({"state": s, "allowed": s.is_allowed()});
    let customers: Vec<Value> = (0..t.len())
        .map(|i| {
            json!({
                "customer_id": t.customer_id[i],
                "email": cell(t.email[i]),
                "sms": cell(t.sms[i]),
                "call": cell(t.call[i]),
                "push": cell(t.push[i]),
            })
        })
        .collect();
    Ok(json!({"at": format_instant(at), "purpose": purpose, "customers": customers}))
}

/// `{store, records: [İYS records]}` → `{events: [consent events]}`.
pub(super) fn iys_import(mut req: Map<String, Value>) -> Result<Value, Error> {
    let store = take_store(&mut req)?;
    let records = req.get("records").ok_or(RequestError::MissingField { field: "records".into() })?;
    let events = import_iys(&records.to_string(), &store)?;
    Ok(json!({"events": events}))
}

/// `{store, policy?, at}` → `{records: [İYS records]}`.
pub(super) fn iys_export(mut req: Map<String, Value>) -> Result<Value, Error> {
    let store = take_store(&mut req)?;
    let records = export_iys(&store, &policy(&req)?, field_instant(&req, "at")?)?;
    Ok(json!({"records": records}))
}

/// `{store, customer_id, as_of, options?, rfm?}` → the subject export document.
pub(super) fn subject_export(mut req: Map<String, Value>) -> Result<Value, Error> {
    let store = take_store(&mut req)?;
    let mut options = ExportOptions { facts: facts_options(req.get("options"))?, ..ExportOptions::default() };
    if let Some(v) = req.get("rfm").filter(|v| !v.is_null()) {
        options.rfm = RfmOptions::from_json(v)?;
    }
    let doc = export_with(&store, field_str(&req, "customer_id")?, field_instant(&req, "as_of")?, &options)?;
    Ok(serde_json::to_value(doc).map_err(|e| invalid("result", e.to_string()))?)
}

/// `{store, customer_id, salt, at}` → `{store}` without that person.
pub(super) fn erase(mut req: Map<String, Value>) -> Result<Value, Error> {
    let store = take_store(&mut req)?;
    let salt = field_str(&req, "salt")?;
    let out = erase_subject(&store, field_str(&req, "customer_id")?, salt.as_bytes(), field_instant(&req, "at")?)?;
    Ok(json!({"store": serde_json::to_value(out).map_err(|e| invalid("result", e.to_string()))?}))
}

/// `{store, policy, now}` → `{store, report: {carts_removed, events_removed}}`.
pub(super) fn retention(mut req: Map<String, Value>) -> Result<Value, Error> {
    let store = take_store(&mut req)?;
    let policy = req.get("policy").ok_or(RequestError::MissingField { field: "policy".into() })?;
    let policy = RetentionPolicy::from_json(&policy.to_string())?;
    let (out, report) = apply_retention(&store, &policy, field_instant(&req, "now")?)?;
    Ok(json!({
        "store": serde_json::to_value(out).map_err(|e| invalid("result", e.to_string()))?,
        "report": report,
    }))
}
