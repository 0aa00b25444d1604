//! A store: every record the library knows, loaded and validated as one batch.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::error::{ModelError, ModelErrors, RecordKind, RecordRef};
use crate::model::validate::Record;
use crate::model::{Cart, ConsentEvent, Customer, Event, Order};

/// All records of a shop: customers, orders, carts, consent events and behavioural events.
///
/// Load it with [`Store::from_json`], which validates every record and reports
/// every error, not only the first. Serialising gives the same JSON schema
/// back (`docs/model.md`).
///
/// ```
/// use crm_core::model::Store;
/// let store = Store::from_json(r#"{
///   "customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z"}],
///   "orders": [{"id": "o1", "customer_id": "c1", "placed_at": "2024-02-01T10:00:00Z",
///               "currency": "TRY", "status": "paid", "subtotal": 1000, "total": 1000}]
/// }"#)?;
/// assert_eq!(store.orders.len(), 1);
///
/// let bad = Store::from_json(r#"{"orders": [
///   {"id": "o1", "customer_id": "c1", "placed_at": "yesterday", "currency": "TRY",
///    "status": "paid", "subtotal": 0, "total": 0},
///   {"id": "o2", "customer_id": "c1", "placed_at": "2024-02-01T10:00:00Z", "currency": "XXQ",
///    "status": "paid", "subtotal": 0, "total": 0}
/// ]}"#).unwrap_err();
/// let codes: Vec<_> = bad.errors().iter().map(|e| e.code()).collect();
/// assert_eq!(codes, ["invalid_timestamp", "unknown_currency"]);
/// # Ok::<(), crm_core::model::ModelErrors>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Store {
    /// Customers.
    #[serde(default)]
    pub customers: Vec<Customer>,
    /// Orders.
    #[serde(default)]
    pub orders: Vec<Order>,
    /// Carts and checkouts.
    #[serde(default)]
    pub carts: Vec<Cart>,
    /// Consent events.
    #[serde(default)]
    pub consents: Vec<ConsentEvent>,
    /// Behavioural events.
    #[serde(default)]
    pub events: Vec<Event>,
}

impl Store {
    /// Parses and validates a store document.
    ///
    /// # Errors
    /// [`ModelErrors`] listing every invalid record (JSON shape, currency, time
    /// zone, timestamp, quantity, amounts, totals, duplicate ids …).
    pub fn from_json(text: &str) -> Result<Store, ModelErrors> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            ModelErrors(vec![ModelError::Malformed {
                record: RecordRef::new(RecordKind::Document, 0, None),
                field: String::new(),
                message: format!("invalid JSON: {e}"),
            }])
        })?;
        Store::from_value(value)
    }

    /// Validates a store document already parsed as JSON.
    ///
    /// # Errors
    /// As [`Store::from_json`].
    pub fn from_value(value: Value) -> Result<Store, ModelErrors> {
        let doc = RecordRef::new(RecordKind::Document, 0, None);
        let Value::Object(mut map) = value else {
            return Err(ModelErrors(vec![ModelError::Malformed {
                record: doc,
                field: String::new(),
                message: format!(
                    "expected a JSON object with customers, orders, carts, consents, events; got {}",
                    kind_of(&value)
                ),
            }]));
        };
        let mut errors = Vec::new();
        for key in map.keys() {
            if !["customers", "orders", "carts", "consents", "events"].contains(&key.as_str()) {
                errors.push(ModelError::Malformed {
                    record: doc.clone(),
                    field: key.clone(),
                    message: "unknown collection (expected customers, orders, carts, consents, events)".into(),
                });
            }
        }
        let mut take = |kind: RecordKind| -> Vec<Value> {
            match map.remove(kind.collection()) {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items,
                Some(other) => {
                    errors.push(ModelError::Malformed {
                        record: RecordRef::new(RecordKind::Document, 0, None),
                        field: kind.collection().into(),
                        message: format!("expected an array, got {}", kind_of(&other)),
                    });
                    Vec::new()
                }
            }
        };
        let customers = take(RecordKind::Customer);
        let orders = take(RecordKind::Order);
        let carts = take(RecordKind::Cart);
        let consents = take(RecordKind::Consent);
        let events = take(RecordKind::Event);

        let store = Store {
            customers: parse_all(customers, &mut errors),
            orders: parse_all(orders, &mut errors),
            carts: parse_all(carts, &mut errors),
            consents: parse_all(consents, &mut errors),
            events: parse_all(events, &mut errors),
        };
        if errors.is_empty() {
            Ok(store)
        } else {
            Err(ModelErrors(errors))
        }
    }

    /// Checks every rule of the model on an already-built store (as [`Store::from_json`] does).
    ///
    /// ```
    /// use crm_core::model::Store;
    /// assert!(Store::default().validate().is_ok());
    /// ```
    ///
    /// # Errors
    /// [`ModelErrors`] listing every violation.
    pub fn validate(&self) -> Result<(), ModelErrors> {
        let mut errors = Vec::new();
        validate_all(&self.customers, &mut errors);
        validate_all(&self.orders, &mut errors);
        validate_all(&self.carts, &mut errors);
        validate_all(&self.consents, &mut errors);
        validate_all(&self.events, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ModelErrors(errors))
        }
    }

    /// Serialises the store as JSON (the schema of `docs/model.md`).
    pub fn to_json(&self) -> String {
        // Serialising these types cannot fail: keys are strings, no custom errors.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Checks every record of one collection and the uniqueness of their ids.
fn validate_all<T: Record>(items: &[T], errors: &mut Vec<ModelError>) {
    for (index, item) in items.iter().enumerate() {
        item.validate(&RecordRef::new(T::KIND, index, item.id()), errors);
    }
    check_unique(T::KIND, items.iter().enumerate().map(|(i, r)| (i, r.id())), errors);
}

/// Parses and validates each item independently so one bad record never hides
/// another. Every problem is reported; the result is only used when there are none.
fn parse_all<T: Record + DeserializeOwned>(items: Vec<Value>, errors: &mut Vec<ModelError>) -> Vec<T> {
    let kind = T::KIND;
    let mut out = Vec::with_capacity(items.len());
    let mut ids = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let id = item.get("id").and_then(Value::as_str).map(str::to_string);
        let record = RecordRef { kind, index, id };
        if !item.is_object() {
            errors.push(ModelError::Malformed {
                record,
                field: String::new(),
                message: format!("expected an object, got {}", kind_of(&item)),
            });
            continue;
        }
        match serde_path_to_error::deserialize::<_, T>(item) {
            Ok(v) => {
                v.validate(&record, errors);
                ids.push((index, v.id().map(str::to_string)));
                out.push(v);
            }
            Err(e) => {
                let field = e.path().to_string();
                let field = if field == "." { String::new() } else { field };
                errors.push(classify(record, field, e.into_inner().to_string()));
            }
        }
    }
    check_unique(kind, ids.iter().map(|(i, id)| (*i, id.as_deref())), errors);
    out
}

/// Turns a deserialisation message into a typed error. The messages of the
/// custom deserialisers for currencies, zones and timestamps start with
/// known phrases (see `money` and `time`) and quote the value in backticks.
fn classify(record: RecordRef, field: String, message: String) -> ModelError {
    let quoted = || {
        let start = message.find('`')? + 1;
        let end = start + message[start..].find('`')?;
        Some(message[start..end].to_string())
    };
    let value = quoted();
    match value {
        Some(value) if message.starts_with("unknown currency `") => {
            ModelError::UnknownCurrency { record, field, value }
        }
        Some(value) if message.starts_with("unknown time zone `") => {
            ModelError::UnknownTimeZone { record, field, value }
        }
        Some(value) if message.starts_with("unparsable timestamp `") => {
            ModelError::InvalidTimestamp { record, field, value }
        }
        Some(value) if message.starts_with("invalid birth date `") => ModelError::InvalidValue {
            record,
            field,
            value,
            reason: "expected a real date as YYYY-MM-DD or --MM-DD".into(),
        },
        // serde's path stops at the object that lacks the field; an unknown field's path already names it.
        Some(name) if message.starts_with("missing field `") => {
            let field = if field.is_empty() { name } else { format!("{field}.{name}") };
            ModelError::Malformed { record, field, message }
        }
        _ => ModelError::Malformed { record, field, message },
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Finds duplicate ids: for each repeated id, the error at the later record.
fn check_unique<'a>(
    kind: RecordKind,
    ids: impl Iterator<Item = (usize, Option<&'a str>)>,
    errors: &mut Vec<ModelError>,
) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, id) in ids {
        let Some(id) = id else { continue };
        if let Some(&first_index) = seen.get(id) {
            errors.push(ModelError::DuplicateId {
                record: RecordRef::new(kind, index, Some(id)),
                field: "id".into(),
                value: id.to_string(),
                first_index,
            });
        } else {
            seen.insert(id, index);
        }
    }
}
