//! Wire functions of the campaign planner: `campaign_plan` and `campaign_presets`.

use serde_json::{json, Map, Value};

use super::{field_instant, field_str, invalid, take_store, RequestError};
use crate::campaign::{plan, preset, presets, CampaignError, CampaignPolicy, Flow, SentMessage, Span, PRESETS};
use crate::error::Error;
use crate::time::format_instant;

/// `flows`: an array of flow objects and preset names (`"cart_recovery"`).
fn flows(req: &Map<String, Value>) -> Result<Vec<Flow>, Error> {
    let Some(Value::Array(items)) = req.get("flows") else {
        return match req.get("flows") {
            None | Some(Value::Null) => Err(RequestError::MissingField { field: "flows".into() }.into()),
            Some(_) => Err(invalid("flows", "expected an array of flows and preset names").into()),
        };
    };
    let mut expanded = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(name) => {
                let f = preset(name).ok_or_else(|| {
                    CampaignError::flow(
                        format!("flows[{i}]"),
                        format!("unknown preset `{name}` (expected one of: {})", PRESETS.join(", ")),
                    )
                })?;
                expanded.push(serde_json::to_value(f).map_err(|e| invalid("flows", e.to_string()))?);
            }
            other => expanded.push(other.clone()),
        }
    }
    Ok(Flow::list_from_value(Value::Array(expanded))?)
}

/// `{store, flows, policy?, send_log?, now, horizon?}` → the plan.
pub(super) fn campaign_plan(mut req: Map<String, Value>) -> Result<Value, Error> {
    let store = take_store(&mut req)?;
    let flows = flows(&req)?;
    let policy = match req.remove("policy").filter(|v| !v.is_null()) {
        None => CampaignPolicy::default(),
        Some(v) => CampaignPolicy::from_value(v)?,
    };
    let log: Vec<SentMessage> = match req.remove("send_log").filter(|v| !v.is_null()) {
        None => Vec::new(),
        Some(v) => serde_path_to_error::deserialize(v).map_err(|e| {
            let path = e.path().to_string();
            Error::from(CampaignError::InvalidSendLog {
                field: format!("send_log{}", if path == "." { "" } else { path.as_str() }),
                message: e.into_inner().to_string(),
            })
        })?,
    };
    let now = field_instant(&req, "now")?;
    let horizon = match req.get("horizon").filter(|v| !v.is_null()) {
        None => Span::hours(1),
        Some(_) => field_str(&req, "horizon")?
            .parse::<Span>()
            .map_err(|m| Error::from(CampaignError::InvalidOption { field: "horizon".into(), message: m }))?,
    };
    let p = plan(&store, &flows, &policy, &log, now, horizon)?;
    let mut v = serde_json::to_value(&p).map_err(|e| invalid("result", e.to_string()))?;
    if let Some(o) = v.as_object_mut() {
        o.insert("now".into(), json!(format_instant(now)));
        o.insert("horizon".into(), json!(horizon.to_string()));
    }
    Ok(v)
}

/// `{}` → `{"flows": [every preset]}`.
pub(super) fn campaign_presets() -> Result<Value, Error> {
    Ok(json!({"flows": serde_json::to_value(presets()).map_err(|e| invalid("result", e.to_string()))?}))
}
