//! Wire functions of segmentation: `rule`, `segment`, `segment_map`,
//! `co_purchase`, `cross_sell` and the table options they share.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{facts_options, field_instant, invalid, take_store, RequestError};
use crate::error::Error;
use crate::segment::{
    builtin_rule, co_purchase_table, cross_sell, CoPurchaseOptions, CrossSellOptions, CustomerTable, RfmOptions, Rule,
    SegmentMap, TableOptions,
};
use crate::time::{format_instant, TimeZone};

/// `{"rule": text or tree}` → `{"text": canonical text, "ast": tree}`.
pub(super) fn rule(req: &Map<String, Value>) -> Result<Value, Error> {
    let r = rule_of(req)?;
    Ok(json!({"text": r.to_string(), "ast": r.to_json()}))
}

fn rule_of(req: &Map<String, Value>) -> Result<Rule, Error> {
    match (req.get("rule"), req.get("builtin")) {
        (Some(r), None) => Ok(Rule::from_value(r)?),
        (None, Some(Value::String(b))) => Ok(builtin_rule(b, req.get("params").unwrap_or(&Value::Null))?),
        (None, Some(other)) => Err(invalid("builtin", format!("expected a built-in segment name, got {other}")).into()),
        (Some(_), Some(_)) => Err(invalid("rule", "give either `rule` or `builtin`, not both").into()),
        (None, None) => Err(RequestError::MissingField { field: "rule".into() }.into()),
    }
}

/// The customer table of a request: `store`, `as_of`, `options` (facts),
/// `rfm` and `table` (`time_zone`, `brand_tiers`, `ltv`, `rfm_segments`).
fn table_of(req: &mut Map<String, Value>) -> Result<CustomerTable, Error> {
    let as_of = field_instant(req, "as_of")?;
    let mut opts = TableOptions { facts: facts_options(req.get("options"))?, ..TableOptions::default() };
    if let Some(v) = req.get("rfm").filter(|v| !v.is_null()) {
        opts.rfm = RfmOptions::from_json(v)?;
    }
    if let Some(t) = req.get("table").filter(|v| !v.is_null()) {
        let m = t.as_object().ok_or_else(|| invalid("table", "expected an object"))?;
        for (k, v) in m {
            match k.as_str() {
                "time_zone" => {
                    let name = v.as_str().ok_or_else(|| invalid("table.time_zone", "expected an IANA zone name"))?;
                    let tz = name
                        .parse::<TimeZone>()
                        .map_err(|_| invalid("table.time_zone", format!("unknown time zone `{name}`")))?;
                    opts.time_zone = Some(tz);
                }
                "brand_tiers" => {
                    opts.brand_tiers = serde_json::from_value::<BTreeMap<String, String>>(v.clone())
                        .map_err(|_| invalid("table.brand_tiers", "expected {\"brand\": \"tier\"}"))?;
                }
                "ltv" => {
                    opts.ltv = serde_json::from_value::<BTreeMap<String, BTreeMap<String, f64>>>(v.clone())
                        .map_err(|_| invalid("table.ltv", "expected {\"prediction\": {\"customer id\": number}}"))?;
                }
                "rfm_segments" => opts.segments = Some(SegmentMap::from_json(v)?),
                other => {
                    return Err(invalid(
                        &format!("table.{other}"),
                        "unknown option (expected time_zone, brand_tiers, ltv, rfm_segments)",
                    )
                    .into())
                }
            }
        }
    }
    let store = take_store(req)?;
    CustomerTable::from_store(&store, as_of, &opts)
}

/// Adds the memberships of a `segments` map (for `in_segment`).
fn with_segments(req: &Map<String, Value>, table: &mut CustomerTable) -> Result<Option<SegmentMap>, Error> {
    match req.get("segments").filter(|v| !v.is_null()) {
        Some(v) => {
            let map = SegmentMap::from_json(v)?;
            map.evaluate_all(table)?;
            Ok(Some(map))
        }
        None => Ok(None),
    }
}

/// `segment` with `rules` (`[{"name", "rule"}]`): the members of each rule.
fn many(rules: &Value, table: &CustomerTable) -> Result<Value, Error> {
    let list = rules.as_array().ok_or_else(|| invalid("rules", "expected a list of {\"name\", \"rule\"}"))?;
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(&format!("rules[{i}].name"), "expected a name"))?;
        if let Some(k) = item.as_object().and_then(|m| m.keys().find(|k| *k != "name" && *k != "rule")) {
            return Err(invalid(&format!("rules[{i}].{k}"), "unknown field (expected name, rule)").into());
        }
        let rule = Rule::from_value(
            item.get("rule").ok_or(RequestError::MissingField { field: format!("rules[{i}].rule") })?,
        )?;
        let members = rule.filter(table)?;
        out.push(json!({"name": name, "rule": rule.to_string(), "count": members.len(), "members": members}));
    }
    Ok(Value::Array(out))
}

/// `segment`: the members of one rule (or of each of `rules`), and optionally
/// why one customer is in or out.
pub(super) fn segment(mut req: Map<String, Value>) -> Result<Value, Error> {
    if let Some(rules) = req.get("rules").cloned() {
        if req.contains_key("rule") || req.contains_key("builtin") || req.contains_key("explain") {
            return Err(invalid("rules", "give `rules` alone, without `rule`, `builtin` or `explain`").into());
        }
        let mut table = table_of(&mut req)?;
        with_segments(&req, &mut table)?;
        return Ok(json!({
            "as_of": format_instant(crate::time::from_micros(table.as_of).unwrap_or_default()),
            "segments": many(&rules, &table)?,
        }));
    }
    let rule = rule_of(&req)?;
    let mut table = table_of(&mut req)?;
    with_segments(&req, &mut table)?;
    let members = rule.filter(&table)?;
    let mut out = json!({
        "as_of": format_instant(crate::time::from_micros(table.as_of).unwrap_or_default()),
        "rule": rule.to_string(),
        "count": members.len(),
        "members": members,
    });
    match req.get("explain") {
        None | Some(Value::Null) => {}
        Some(Value::String(id)) => out["explanation"] = rule.explain(&table, id)?,
        Some(other) => return Err(invalid("explain", format!("expected a customer id, got {other}")).into()),
    }
    Ok(out)
}

/// `segment_map`: every customer's first matching segment of a map.
pub(super) fn segment_map(mut req: Map<String, Value>) -> Result<Value, Error> {
    let map =
        SegmentMap::from_json(req.get("segments").ok_or(RequestError::MissingField { field: "segments".into() })?)?;
    let mut table = table_of(&mut req)?;
    let assigned = map.assign(&mut table)?;
    let mut counts: Map<String, Value> = map.segments.iter().map(|s| (s.name.clone(), json!(0))).collect();
    let rows: Vec<Value> = assigned
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if let Some(c) = s.as_ref().and_then(|s| counts.get_mut(s)) {
                *c = json!(c.as_u64().unwrap_or(0) + 1);
            }
            json!({"customer_id": table.customer_id.get(i), "segment": s})
        })
        .collect();
    Ok(json!({
        "as_of": format_instant(crate::time::from_micros(table.as_of).unwrap_or_default()),
        "segments": map.to_json(),
        "counts": counts,
        "assignments": rows,
    }))
}

fn co_purchase_options(req: &Map<String, Value>) -> Result<CoPurchaseOptions, Error> {
    Ok(match req.get("co_purchase").filter(|v| !v.is_null()) {
        Some(v) => CoPurchaseOptions::from_json(v)?,
        None => CoPurchaseOptions::default(),
    })
}

/// `co_purchase`: `{"store", "as_of", "co_purchase"?: {"level", "min_pair_count", "min_confidence"}}`
/// → the co-purchase table.
pub(super) fn co_purchase(mut req: Map<String, Value>) -> Result<Value, Error> {
    let as_of = field_instant(&req, "as_of")?;
    let options = co_purchase_options(&req)?;
    let store = take_store(&mut req)?;
    let table = co_purchase_table(&store, as_of, &options)?;
    let mut out = table.to_json();
    out["as_of"] = json!(format_instant(as_of));
    Ok(out)
}

/// `cross_sell`: `{"store", "as_of", "co_purchase"?: options, "cross_sell"?: {"per_customer",
/// "min_confidence", "min_lift"}}` → `{"as_of", "level", "suggestions": [...]}`.
pub(super) fn cross_sell_request(mut req: Map<String, Value>) -> Result<Value, Error> {
    let as_of = field_instant(&req, "as_of")?;
    let options = co_purchase_options(&req)?;
    let sell = match req.get("cross_sell").filter(|v| !v.is_null()) {
        Some(v) => CrossSellOptions::from_json(v)?,
        None => CrossSellOptions::default(),
    };
    let store = take_store(&mut req)?;
    let table = co_purchase_table(&store, as_of, &options)?;
    let suggestions: Vec<Value> = cross_sell(&store, as_of, &table, &sell)?.iter().map(|s| s.to_json()).collect();
    Ok(json!({"as_of": format_instant(as_of), "level": table.level.as_str(), "suggestions": suggestions}))
}
