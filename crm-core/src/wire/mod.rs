//! The JSON interface shared by the C ABI, the golden vectors and any caller
//! that prefers JSON: `call(function, request) → result`, versioned here and
//! only here.
//!
//! | function | request | result |
//! |---|---|---|
//! | `version` | `{}` | `{"version", "wire_version"}` |
//! | `validate_store` | `{"store"}` | counts per collection |
//! | `customer_facts` | `{"store", "as_of", "options"?}` | `{"as_of", "facts": [row…]}` |
//! | `rfm` | `{"store", "as_of", "options"?, "rfm"?: {"k"?, "thresholds"?}, "segments"?}` | `{"as_of", "k", "rfm": [row…]}` |
//! | `rule` | `{"rule": text or tree}` or `{"builtin", "params"?}` | `{"text", "ast"}` |
//! | `segment` | `{"store", "as_of", "rule" or "builtin"/"params", "options"?, "rfm"?, "table"?, "segments"?, "explain"?}` | `{"as_of", "rule", "count", "members", "explanation"?}` |
//! | `segment` (many) | `{"store", "as_of", "rules": [{"name", "rule"}], …}` | `{"as_of", "segments": [{"name", "rule", "count", "members"}]}` |
//! | `segment_map` | `{"store", "as_of", "segments", "options"?, "rfm"?, "table"?}` | `{"as_of", "segments", "counts", "assignments"}` |
//! | `co_purchase` | `{"store", "as_of", "co_purchase"?: {"level", "min_pair_count", "min_confidence"}}` | `{"as_of", "level", "baskets", "pairs"}` |
//! | `cross_sell` | `{"store", "as_of", "co_purchase"?, "cross_sell"?: {"per_customer", "min_confidence", "min_lift"}}` | `{"as_of", "level", "suggestions"}` |
//! | `consent` | `{"store", "customer_id", "channel", "purpose"?, "at", "policy"?}` | `{"allowed", "state", "evidence"}` |
//! | `consent_table` | `{"store", "at", "purpose"?, "policy"?}` | `{"at", "purpose", "customers": [{"customer_id", "email": {"state", "allowed"}, …}]}` |
//! | `iys_import` | `{"store", "records": [İYS record…]}` | `{"events": [consent event…]}` |
//! | `iys_export` | `{"store", "at", "policy"?}` | `{"records": [İYS record…]}` |
//! | `subject_export` | `{"store", "customer_id", "as_of", "options"?, "rfm"?}` | the export document (docs/consent.md) |
//! | `erase` | `{"store", "customer_id", "salt", "at"}` | `{"store"}` |
//! | `retention` | `{"store", "policy", "now"}` | `{"store", "report"}` |
//! | `sample_store` | `{"customers"?, "seed"?, "start"?, "days"?}` | a store document |
//! | `ltv_summary` | `{"transactions": [{"customer_id", "at", "value"?}], "observation_end", "period", "calibration_end"?}` | `{"period", "observation_end", "calibration_end"?, "customers": [{"customer_id", "frequency", "recency", "T", "monetary_value", holdout columns?}]}` |
//! | `ltv_fit` | `{"model", "customers": [{"frequency", "recency", "T" or "n_periods", "monetary_value"?, "weight"?}], "penalizer"?}` | `{"model", "params", "log_likelihood", "standard_errors", "intervals_95"}` |
//! | `ltv_predict` | `{"model", "params", "customers"?, "horizon"?, "times"?, "purchase_counts"?}` | `{"model", "customers": [{"customer_id"?, "probability_alive", "expected_purchases"?, …}], "expected_purchases"?: [{"t", "expected_purchases", "probability_of_purchases"?}]}` |
//! | `ltv_clv` | `{"model", "params", "gamma_gamma", "customers", "currency", "months"?, "monthly_discount"?, "period"?}` | `{"model", "currency", "months", "monthly_discount", "period", "customers": [{"customer_id"?, "clv": {"amount", "currency"}}]}` |
//! | `ltv_simple` | `{"average_order_value": {"amount", "currency"}, "purchases_per_year", "lifespan_years"}` or `{"store", "as_of", "currency", "options"?}`, with `"cac"?`, `"margin"?` | `{"average_order_value", "purchases_per_year", "lifespan_years", "customer_value_per_year", "value", "payback_months"?, "as_of"?, "estimated_lifespan_years"?}` |
//! | `campaign_plan` | `{"store", "flows": [flow or preset name…], "policy"?, "send_log"?, "now", "horizon"?}` | `{"now", "horizon", "messages", "decisions"}` (docs/campaigns.md) |
//! | `campaign_presets` | `{}` | `{"flows": [flow…]}` |
//!
//! Every `ltv_*` function takes `"significant_digits"` (1 to 17): every float
//! of its result is then rounded to that many significant digits.
//!
//! ```
//! use crm_core::wire;
//! let out = wire::call_envelope("customer_facts", r#"{
//!   "as_of": "2024-03-01T00:00:00Z",
//!   "store": {"orders": [{"id": "o1", "customer_id": "c1", "placed_at": "2024-02-01T00:00:00Z",
//!             "currency": "EUR", "status": "paid", "subtotal": 1999, "total": 1999}]}
//! }"#);
//! let v: serde_json::Value = serde_json::from_str(&out).unwrap();
//! assert_eq!(v["ok"], true);
//! assert_eq!(v["result"]["facts"][0]["net_spend"], 1999);
//! assert_eq!(v["result"]["facts"][0]["days_since_last_order"], 29);
//! ```

use serde_json::{json, Map, Value};
use thiserror::Error as ThisError;

mod campaign;
mod consent;
mod ltv;
mod segment;

use crate::datasets::{sample_store, SampleOptions};
use crate::error::Error;
use crate::facts::{customer_facts, FactsOptions};
use crate::model::Store;
use crate::money::{Currency, ExchangeRates};
use crate::segment::{rfm_for_store, rfm_segments, RfmOptions, SegmentMap};
use crate::time::{format_instant, parse_instant, to_micros};

/// Version of the JSON request/response formats.
pub const WIRE_VERSION: u32 = 1;

/// Errors in the shape of a request (not in the records it carries).
#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
pub enum RequestError {
    /// The request is not valid JSON (or nests too deep, or has a number out of range).
    #[error("request is not valid JSON: {message}")]
    InvalidJson {
        /// The parser's message with line and column.
        message: String,
    },
    /// The request is JSON but not an object.
    #[error("the request must be a JSON object, got `{got}`")]
    NotAnObject {
        /// The start of what was given.
        got: String,
    },
    /// A required field is absent.
    #[error("request field `{field}` is required")]
    MissingField {
        /// The field.
        field: String,
    },
    /// A field has the wrong type or an impossible value.
    #[error("request field `{field}`: {message}")]
    InvalidField {
        /// The field.
        field: String,
        /// What is wrong, with the value.
        message: String,
    },
    /// No such function.
    #[error("unknown function `{name}` (expected one of: {})", FUNCTIONS.join(", "))]
    UnknownFunction {
        /// The name given.
        name: String,
    },
}

impl RequestError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::InvalidJson { .. } => "invalid_json",
            RequestError::NotAnObject { .. } => "not_an_object",
            RequestError::MissingField { .. } => "missing_field",
            RequestError::InvalidField { .. } => "invalid_field",
            RequestError::UnknownFunction { .. } => "unknown_function",
        }
    }
}

/// The functions [`call`] knows.
pub const FUNCTIONS: &[&str] = &[
    "version",
    "validate_store",
    "customer_facts",
    "rfm",
    "rule",
    "segment",
    "segment_map",
    "co_purchase",
    "cross_sell",
    "consent",
    "consent_table",
    "iys_import",
    "iys_export",
    "subject_export",
    "erase",
    "retention",
    "sample_store",
    "ltv_summary",
    "ltv_fit",
    "ltv_predict",
    "ltv_clv",
    "ltv_simple",
    "campaign_plan",
    "campaign_presets",
];

/// Runs `function` on a JSON request and returns the JSON result.
///
/// # Errors
/// [`Error::Request`] for a malformed request; the domain error of the function otherwise.
pub fn call(function: &str, request: &str) -> Result<String, Error> {
    let req: Value = serde_json::from_str(request).map_err(|e| RequestError::InvalidJson { message: e.to_string() })?;
    let Value::Object(req) = req else {
        return Err(RequestError::NotAnObject { got: req.to_string().chars().take(40).collect() }.into());
    };
    let allowed: &[&str] = match function {
        "version" => &[],
        "validate_store" => &["store"],
        "customer_facts" => &["store", "as_of", "options"],
        "rfm" => &["store", "as_of", "options", "rfm", "segments"],
        "rule" => &["rule", "builtin", "params"],
        "segment" => {
            &["store", "as_of", "options", "rfm", "table", "rule", "rules", "builtin", "params", "segments", "explain"]
        }
        "segment_map" => &["store", "as_of", "options", "rfm", "table", "segments"],
        "co_purchase" => &["store", "as_of", "co_purchase"],
        "cross_sell" => &["store", "as_of", "co_purchase", "cross_sell"],
        "consent" => &["store", "policy", "customer_id", "channel", "purpose", "at"],
        "consent_table" => &["store", "policy", "purpose", "at"],
        "iys_import" => &["store", "records"],
        "iys_export" => &["store", "policy", "at"],
        "subject_export" => &["store", "customer_id", "as_of", "options", "rfm"],
        "erase" => &["store", "customer_id", "salt", "at"],
        "retention" => &["store", "policy", "now"],
        "sample_store" => &["customers", "seed", "start", "days"],
        "campaign_plan" => &["store", "flows", "policy", "send_log", "now", "horizon"],
        "campaign_presets" => &[],
        other => match ltv::allowed(other) {
            Some(fields) => fields,
            None => return Err(RequestError::UnknownFunction { name: other.to_string() }.into()),
        },
    };
    if let Some(k) = req.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(k, format!("unknown field for `{function}` (expected: {})", allowed.join(", "))).into());
    }
    let result = match function {
        "version" => version(),
        "validate_store" => validate_store(req)?,
        "customer_facts" => facts(req)?,
        "rfm" => rfm(req)?,
        "rule" => segment::rule(&req)?,
        "segment" => segment::segment(req)?,
        "segment_map" => segment::segment_map(req)?,
        "co_purchase" => segment::co_purchase(req)?,
        "cross_sell" => segment::cross_sell_request(req)?,
        "consent" => consent::consent(req)?,
        "consent_table" => consent::consent_table(req)?,
        "iys_import" => consent::iys_import(req)?,
        "iys_export" => consent::iys_export(req)?,
        "subject_export" => consent::subject_export(req)?,
        "erase" => consent::erase(req)?,
        "retention" => consent::retention(req)?,
        "sample_store" => sample(&req)?,
        "campaign_plan" => campaign::campaign_plan(req)?,
        "campaign_presets" => campaign::campaign_presets()?,
        "ltv_summary" | "ltv_fit" | "ltv_predict" | "ltv_clv" | "ltv_simple" => ltv::call(function, req)?,
        other => return Err(RequestError::UnknownFunction { name: other.to_string() }.into()),
    };
    Ok(result.to_string())
}

/// Like [`call`], but never fails: returns `{"ok":true,"result":…}` or
/// `{"ok":false,"error":{"domain","code","message","details"}}`.
pub fn call_envelope(function: &str, request: &str) -> String {
    match call(function, request) {
        Ok(result) => format!("{{\"ok\":true,\"result\":{result}}}"),
        Err(e) => json!({"ok": false, "error": e.to_json()}).to_string(),
    }
}

/// `{"version": crate version, "wire_version": WIRE_VERSION}`.
pub fn version() -> Value {
    json!({"version": env!("CARGO_PKG_VERSION"), "wire_version": WIRE_VERSION})
}

pub(crate) fn take_store(req: &mut Map<String, Value>) -> Result<Store, Error> {
    let store = req.remove("store").ok_or(RequestError::MissingField { field: "store".into() })?;
    Ok(Store::from_value(store)?)
}

fn validate_store(mut req: Map<String, Value>) -> Result<Value, Error> {
    let s = take_store(&mut req)?;
    Ok(json!({
        "customers": s.customers.len(),
        "orders": s.orders.len(),
        "carts": s.carts.len(),
        "consents": s.consents.len(),
        "events": s.events.len(),
    }))
}

/// The instant in string field `field` (RFC 3339 with a zone).
pub(crate) fn field_instant(req: &Map<String, Value>, field: &str) -> Result<crate::time::Instant, Error> {
    Ok(parse_instant(field_str(req, field)?)?)
}

pub(crate) fn field_str<'a>(req: &'a Map<String, Value>, field: &str) -> Result<&'a str, RequestError> {
    match req.get(field) {
        None | Some(Value::Null) => Err(RequestError::MissingField { field: field.into() }),
        Some(Value::String(s)) => Ok(s),
        Some(other) => {
            Err(RequestError::InvalidField { field: field.into(), message: format!("expected a string, got {other}") })
        }
    }
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> RequestError {
    RequestError::InvalidField { field: field.into(), message: message.into() }
}

/// Parses `options` of `customer_facts`: `abandon_after_minutes` (integer ≥ 0)
/// and `rates` (`{"target": "TRY", "rates": {"USD": "34.5"}}`).
pub(crate) fn facts_options(v: Option<&Value>) -> Result<FactsOptions, Error> {
    let mut opts = FactsOptions::default();
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(opts);
    };
    let Value::Object(map) = v else {
        return Err(invalid("options", "expected an object").into());
    };
    for (k, v) in map {
        match k.as_str() {
            "abandon_after_minutes" => {
                let m = v.as_i64().filter(|m| (0..=525_600 * 100).contains(m)).ok_or_else(|| {
                    invalid("options.abandon_after_minutes", format!("expected a whole number of minutes ≥ 0, got {v}"))
                })?;
                opts.abandon_after_micros = m * 60_000_000;
            }
            "rates" => {
                let target = v
                    .get("target")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid("options.rates.target", "expected a currency code"))?;
                let mut rates = ExchangeRates::new(Currency::new(target)?);
                if let Some(Value::Object(rs)) = v.get("rates") {
                    for (code, rate) in rs {
                        let text = match rate {
                            Value::String(s) => s.clone(),
                            other => {
                                return Err(invalid(
                                    &format!("options.rates.rates.{code}"),
                                    format!("give the rate as a decimal string, got {other}"),
                                )
                                .into())
                            }
                        };
                        rates.insert(Currency::new(code)?, &text)?;
                    }
                }
                opts.rates = Some(rates);
            }
            other => {
                return Err(invalid(
                    &format!("options.{other}"),
                    "unknown option (expected abandon_after_minutes, rates)",
                )
                .into())
            }
        }
    }
    Ok(opts)
}

fn facts(mut req: Map<String, Value>) -> Result<Value, Error> {
    let as_of = field_instant(&req, "as_of")?;
    let options = facts_options(req.get("options"))?;
    let store = take_store(&mut req)?;
    let f = customer_facts(&store, as_of, &options)?;
    Ok(json!({"as_of": format_instant(as_of), "facts": f.to_json_rows()}))
}

fn rfm(mut req: Map<String, Value>) -> Result<Value, Error> {
    let as_of = field_instant(&req, "as_of")?;
    let options = facts_options(req.get("options"))?;
    let rfm = match req.get("rfm").filter(|v| !v.is_null()) {
        Some(v) => RfmOptions::from_json(v)?,
        None => RfmOptions::default(),
    };
    let store = take_store(&mut req)?;
    let scores = rfm_for_store(&store, as_of, &options, &rfm)?;
    let map = match req.get("segments").filter(|v| !v.is_null()) {
        Some(v) => SegmentMap::from_json(v)?,
        None => SegmentMap::preset("seed")?,
    };
    let segments = rfm_segments(&scores, &map)?;
    let rows: Vec<Value> = (0..scores.len())
        .map(|i| {
            let mut row = scores.row_json(i);
            row["segment"] = json!(segments[i]);
            row
        })
        .collect();
    Ok(json!({"as_of": format_instant(as_of), "k": rfm.k, "rfm": rows}))
}

fn sample(req: &Map<String, Value>) -> Result<Value, Error> {
    let int = |field: &str, default: u64| -> Result<u64, RequestError> {
        match req.get(field) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_u64().ok_or_else(|| invalid(field, format!("expected a non-negative integer, got {v}"))),
        }
    };
    let defaults = SampleOptions::default();
    let customers = int("customers", 100)?;
    let seed = int("seed", defaults.seed)?;
    let days = int("days", u64::from(defaults.days))?;
    if customers > 10_000 {
        return Err(invalid("customers", format!("at most 10000 through JSON, got {customers}")).into());
    }
    let start_micros = match req.get("start") {
        None | Some(Value::Null) => defaults.start_micros,
        Some(Value::String(s)) => to_micros(parse_instant(s)?),
        Some(v) => return Err(invalid("start", format!("expected an RFC 3339 instant, got {v}")).into()),
    };
    let options = SampleOptions {
        customers: customers as usize,
        seed,
        start_micros,
        days: u32::try_from(days).unwrap_or(u32::MAX),
    };
    let store = sample_store(&options)?.to_store();
    Ok(serde_json::to_value(store).unwrap_or(Value::Null))
}
