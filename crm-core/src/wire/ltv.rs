//! Wire functions of lifetime value: `ltv_summary`, `ltv_fit`,
//! `ltv_predict`, `ltv_clv` and `ltv_simple` (docs/ltv.md, docs/c-php.md).
//!
//! Every one of them takes `"significant_digits"` (1 to 17, optional): every
//! float of the result is then rounded to that many significant digits, so
//! that golden vectors can hold independently computed values exactly.
//! Whole numbers (counts, money in minor units) are never rounded.

use serde_json::{json, Map, Value};

use super::{facts_options, field_instant, field_str, invalid, take_store, RequestError};
use crate::error::Error;
use crate::facts::customer_facts;
use crate::ltv::{
    calibration_and_holdout, check_opportunities, check_spend, customer_lifetime_value_money, fit_bgbb, fit_bgnbd,
    fit_gamma_gamma, fit_mbgnbd, fit_pareto_nbd, summarize_transactions, BgBbParams, BgNbdParams, GammaGammaParams,
    LtvError, MbgNbdParams, ParetoNbdParams, Period, PurchaseModel, SimpleLtv, Summary, Transaction,
    TransactionSummary,
};
use crate::money::{Currency, Money};
use crate::time::{format_instant, parse_instant, to_micros};

/// The request fields of each LTV function (for the unknown-field check).
pub(super) fn allowed(function: &str) -> Option<&'static [&'static str]> {
    Some(match function {
        "ltv_summary" => &["transactions", "observation_end", "period", "calibration_end", "significant_digits"],
        "ltv_fit" => &["model", "customers", "penalizer", "significant_digits"],
        "ltv_predict" => &["model", "params", "customers", "horizon", "times", "purchase_counts", "significant_digits"],
        "ltv_clv" => &[
            "model",
            "params",
            "gamma_gamma",
            "customers",
            "currency",
            "months",
            "monthly_discount",
            "period",
            "significant_digits",
        ],
        "ltv_simple" => &[
            "store",
            "as_of",
            "options",
            "currency",
            "average_order_value",
            "purchases_per_year",
            "lifespan_years",
            "cac",
            "margin",
            "significant_digits",
        ],
        _ => return None,
    })
}

/// Runs one LTV function and rounds the floats of its result when asked.
pub(super) fn call(function: &str, mut req: Map<String, Value>) -> Result<Value, Error> {
    let digits = significant_digits(&req)?;
    let mut out = match function {
        "ltv_summary" => summary(&req)?,
        "ltv_fit" => fit(&req)?,
        "ltv_predict" => predict(&req)?,
        "ltv_clv" => clv(&req)?,
        _ => simple(&mut req)?,
    };
    if let Some(d) = digits {
        round_floats(&mut out, d);
    }
    Ok(out)
}

fn significant_digits(req: &Map<String, Value>) -> Result<Option<usize>, RequestError> {
    match req.get("significant_digits") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().filter(|d| (1..=17).contains(d)) {
            Some(d) => Ok(Some(d as usize)),
            None => Err(invalid("significant_digits", format!("expected a whole number from 1 to 17, got {v}"))),
        },
    }
}

/// Rounds `x` to `digits` significant digits (the nearest double to the
/// correctly rounded decimal, as Python's `float(f"{x:.{digits - 1}e}")`).
fn round_significant(x: f64, digits: usize) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{:.*e}", digits - 1, x).parse().unwrap_or(x)
}

/// Rounds every float (not integer) number in `v`.
fn round_floats(v: &mut Value, digits: usize) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64() {
                *v = json!(round_significant(x, digits));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| round_floats(x, digits)),
        Value::Object(map) => map.values_mut().for_each(|x| round_floats(x, digits)),
        _ => {}
    }
}

fn missing(field: &str) -> RequestError {
    RequestError::MissingField { field: field.into() }
}

/// A number field of `map` (`path` names it in errors): `None` when absent or null.
fn opt_number(map: &Map<String, Value>, key: &str, path: &str) -> Result<Option<f64>, RequestError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(invalid(path, format!("expected a number, got {v}"))),
        },
    }
}

fn number(map: &Map<String, Value>, key: &str, path: &str) -> Result<f64, RequestError> {
    opt_number(map, key, path)?.ok_or_else(|| missing(path))
}

/// A whole number ≥ 0 (u32) field, `default` when absent.
fn opt_count(map: &Map<String, Value>, key: &str, default: u32) -> Result<u32, RequestError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| invalid(key, format!("expected a whole number ≥ 0, got {v}"))),
    }
}

fn list<'a>(req: &'a Map<String, Value>, field: &str) -> Result<&'a [Value], RequestError> {
    match req.get(field) {
        None | Some(Value::Null) => Err(missing(field)),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(invalid(field, format!("expected a list, got {other}"))),
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, RequestError> {
    v.as_object().ok_or_else(|| invalid(path, format!("expected an object, got {v}")))
}

fn period_of(req: &Map<String, Value>, default: Option<Period>) -> Result<Period, RequestError> {
    let text = match (req.get("period"), default) {
        (None | Some(Value::Null), Some(p)) => return Ok(p),
        _ => field_str(req, "period")?,
    };
    match text {
        "hour" => Ok(Period::Hour),
        "day" => Ok(Period::Day),
        "week" => Ok(Period::Week),
        "month" => Ok(Period::Month),
        other => Err(invalid("period", format!("unknown period `{other}` (expected hour, day, week or month)"))),
    }
}

fn period_name(p: Period) -> &'static str {
    match p {
        Period::Hour => "hour",
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    }
}

/// `ltv_summary`: `{transactions: [{customer_id, at, value?}], observation_end,
/// period, calibration_end?}` → `{period, observation_end, calibration_end?, customers: [row…]}`.
fn summary(req: &Map<String, Value>) -> Result<Value, Error> {
    let period = period_of(req, None)?;
    let end = field_instant(req, "observation_end")?;
    let calibration_end = match req.get("calibration_end") {
        None | Some(Value::Null) => None,
        Some(_) => Some(field_instant(req, "calibration_end")?),
    };
    if calibration_end.is_some_and(|c| c > end) {
        return Err(invalid("calibration_end", "must not be after observation_end").into());
    }
    let items = list(req, "transactions")?;
    let mut parsed = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("transactions[{i}]");
        let m = object(item, &path)?;
        if let Some(k) = m.keys().find(|k| !["customer_id", "at", "value"].contains(&k.as_str())) {
            return Err(invalid(&format!("{path}.{k}"), "unknown field (expected customer_id, at, value)").into());
        }
        let customer = match m.get("customer_id") {
            None | Some(Value::Null) => return Err(missing(&format!("{path}.customer_id")).into()),
            Some(Value::String(s)) => s.as_str(),
            Some(v) => {
                return Err(invalid(&format!("{path}.customer_id"), format!("expected a string, got {v}")).into())
            }
        };
        let at = match m.get("at") {
            None | Some(Value::Null) => return Err(missing(&format!("{path}.at")).into()),
            Some(Value::String(s)) => to_micros(parse_instant(s)?),
            Some(v) => {
                return Err(invalid(&format!("{path}.at"), format!("expected an RFC 3339 instant, got {v}")).into())
            }
        };
        let value = opt_number(m, "value", &format!("{path}.value"))?.unwrap_or(0.0);
        parsed.push(Transaction { customer, at, value });
    }
    let mut out = json!({"period": period_name(period), "observation_end": format_instant(end)});
    let rows: Vec<Value> = match calibration_end {
        None => {
            let s = summarize_transactions(&parsed, to_micros(end), period);
            (0..s.customer_id.len()).map(|i| summary_row(&s, i)).collect()
        }
        Some(c) => {
            out["calibration_end"] = json!(format_instant(c));
            let ch = calibration_and_holdout(&parsed, to_micros(c), to_micros(end), period);
            (0..ch.calibration.customer_id.len())
                .map(|i| {
                    let mut row = summary_row(&ch.calibration, i);
                    row["frequency_holdout"] = json!(ch.frequency_holdout[i] as i64);
                    row["monetary_value_holdout"] = json!(ch.monetary_value_holdout[i]);
                    row["duration_holdout"] = json!(ch.duration_holdout as i64);
                    row
                })
                .collect()
        }
    };
    out["customers"] = Value::Array(rows);
    Ok(out)
}

fn summary_row(s: &TransactionSummary, i: usize) -> Value {
    json!({
        "customer_id": s.customer_id[i],
        "frequency": s.frequency[i] as i64,
        "recency": s.recency[i] as i64,
        "T": s.t[i] as i64,
        "monetary_value": s.monetary_value[i],
    })
}

/// The models the wire knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Model {
    BgNbd,
    MbgNbd,
    ParetoNbd,
    BgBb,
    GammaGamma,
}

impl Model {
    fn of(req: &Map<String, Value>) -> Result<Model, RequestError> {
        match field_str(req, "model")? {
            "bgnbd" => Ok(Model::BgNbd),
            "mbgnbd" => Ok(Model::MbgNbd),
            "pareto_nbd" => Ok(Model::ParetoNbd),
            "bgbb" => Ok(Model::BgBb),
            "gamma_gamma" => Ok(Model::GammaGamma),
            other => Err(invalid(
                "model",
                format!("unknown model `{other}` (expected bgnbd, mbgnbd, pareto_nbd, bgbb or gamma_gamma)"),
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Model::BgNbd => "bgnbd",
            Model::MbgNbd => "mbgnbd",
            Model::ParetoNbd => "pareto_nbd",
            Model::BgBb => "bgbb",
            Model::GammaGamma => "gamma_gamma",
        }
    }

    fn params(self) -> &'static [&'static str] {
        match self {
            Model::BgNbd | Model::MbgNbd => &["r", "alpha", "a", "b"],
            Model::ParetoNbd => &["r", "alpha", "s", "beta"],
            Model::BgBb => &["alpha", "beta", "gamma", "delta"],
            Model::GammaGamma => &["p", "q", "v"],
        }
    }
}

/// One customer row: frequency `x`, recency `tx`, `t` (T, or n_periods for
/// BG/BB), monetary value `m`, weight `w`.
struct Row {
    id: Option<String>,
    x: f64,
    tx: f64,
    t: f64,
    m: f64,
    w: f64,
}

const ROW_COLUMNS: &[&str] = &[
    "customer_id",
    "frequency",
    "recency",
    "T",
    "n_periods",
    "monetary_value",
    "weight",
    "frequency_holdout",
    "monetary_value_holdout",
    "duration_holdout",
];

/// The `customers` rows the model needs: frequency always; recency and T
/// (n_periods for BG/BB) for the purchase models; monetary_value for
/// Gamma-Gamma (and CLV); weight optional (1).
fn customer_rows(req: &Map<String, Value>, model: Model, money: bool, required: bool) -> Result<Vec<Row>, Error> {
    let items = match req.get("customers") {
        None | Some(Value::Null) if !required => return Ok(Vec::new()),
        _ => list(req, "customers")?,
    };
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("customers[{i}]");
        let map = object(item, &path)?;
        if let Some(k) = map.keys().find(|k| !ROW_COLUMNS.contains(&k.as_str())) {
            return Err(invalid(
                &format!("{path}.{k}"),
                format!("unknown column (expected {})", ROW_COLUMNS.join(", ")),
            )
            .into());
        }
        let at = |key: &str| format!("{path}.{key}");
        let id = match map.get("customer_id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(v) => return Err(invalid(&at("customer_id"), format!("expected a string, got {v}")).into()),
        };
        let x = number(map, "frequency", &at("frequency"))?;
        let (tx, t) = match model {
            Model::GammaGamma => (0.0, 1.0),
            Model::BgBb => (number(map, "recency", &at("recency"))?, number(map, "n_periods", &at("n_periods"))?),
            _ => (number(map, "recency", &at("recency"))?, number(map, "T", &at("T"))?),
        };
        let m = if model == Model::GammaGamma || money {
            number(map, "monetary_value", &at("monetary_value"))?
        } else {
            0.0
        };
        let w = opt_number(map, "weight", &at("weight"))?.unwrap_or(1.0);
        rows.push(Row { id, x, tx, t, m, w });
    }
    Ok(rows)
}

/// The rows as a validated summary (purchase models).
fn summary_of(rows: &[Row]) -> Result<Summary, LtvError> {
    let s = Summary::new(
        rows.iter().map(|r| r.x).collect(),
        rows.iter().map(|r| r.tx).collect(),
        rows.iter().map(|r| r.t).collect(),
    )?;
    if rows.iter().any(|r| r.w != 1.0) {
        return s.with_weights(rows.iter().map(|r| r.w).collect());
    }
    Ok(s)
}

/// BG/BB rows, as `fit_bgbb` checks them.
fn check_bgbb(rows: &[Row]) -> Result<(), LtvError> {
    rows.iter().enumerate().try_for_each(|(i, r)| check_opportunities(i, r.x, r.tx, r.t))
}

/// Gamma-Gamma rows: frequency a whole number ≥ 0, monetary value ≥ 0.
fn check_spend_rows(rows: &[Row]) -> Result<(), LtvError> {
    rows.iter().enumerate().try_for_each(|(i, r)| check_spend(i, r.x, r.m))
}

/// `{name: value}` of a parameter vector, or of standard errors.
fn named(model: Model, values: &[f64]) -> Value {
    Value::Object(model.params().iter().zip(values).map(|(k, v)| (k.to_string(), json!(v))).collect())
}

/// `ltv_fit`: `{model, customers, penalizer?}` → `{model, params, log_likelihood,
/// standard_errors, intervals_95}`.
fn fit(req: &Map<String, Value>) -> Result<Value, Error> {
    let model = Model::of(req)?;
    let penalizer = opt_number(req, "penalizer", "penalizer")?.unwrap_or(0.0);
    let rows = customer_rows(req, model, false, true)?;
    if rows.is_empty() {
        return Err(LtvError::NoFit { message: "no customers".into() }.into());
    }
    let (params, ll, se): (Vec<f64>, f64, Option<Vec<f64>>) = match model {
        Model::BgNbd | Model::MbgNbd => {
            let s = summary_of(&rows)?;
            let f = if model == Model::BgNbd { fit_bgnbd(&s, penalizer)? } else { fit_mbgnbd(&s, penalizer)? };
            let p = f.params;
            (vec![p.r, p.alpha, p.a, p.b], f.log_likelihood, f.standard_errors)
        }
        Model::ParetoNbd => {
            let f = fit_pareto_nbd(&summary_of(&rows)?, penalizer)?;
            let p = f.params;
            (vec![p.r, p.alpha, p.s, p.beta], f.log_likelihood, f.standard_errors)
        }
        Model::BgBb => {
            let tuples: Vec<(f64, f64, f64, f64)> = rows.iter().map(|r| (r.x, r.tx, r.t, r.w)).collect();
            let f = fit_bgbb(&tuples, penalizer)?;
            let p = f.params;
            (vec![p.alpha, p.beta, p.gamma, p.delta], f.log_likelihood, f.standard_errors)
        }
        Model::GammaGamma => {
            let (x, m): (Vec<f64>, Vec<f64>) = rows.iter().map(|r| (r.x, r.m)).unzip();
            let w: Vec<f64> = rows.iter().map(|r| r.w).collect();
            let f = fit_gamma_gamma(&x, &m, Some(&w), penalizer)?;
            let p = f.params;
            (vec![p.p, p.q, p.v], f.log_likelihood, f.standard_errors)
        }
    };
    let intervals = se.as_ref().map(|se| {
        let bounds: Vec<Value> = params.iter().zip(se).map(|(p, e)| json!([p - 1.96 * e, p + 1.96 * e])).collect();
        Value::Object(model.params().iter().map(|k| k.to_string()).zip(bounds).collect())
    });
    Ok(json!({
        "model": model.name(),
        "params": named(model, &params),
        "log_likelihood": ll,
        "standard_errors": se.as_ref().map(|se| named(model, se)),
        "intervals_95": intervals,
    }))
}

/// The parameters in `field` (an object with each name of `model`), each a finite number > 0.
fn params_of(req: &Map<String, Value>, field: &str, model: Model) -> Result<Vec<f64>, RequestError> {
    let map = object(req.get(field).filter(|v| !v.is_null()).ok_or_else(|| missing(field))?, field)?;
    if let Some(k) = map.keys().find(|k| !model.params().contains(&k.as_str())) {
        return Err(invalid(
            &format!("{field}.{k}"),
            format!("unknown parameter of {} (expected {})", model.name(), model.params().join(", ")),
        ));
    }
    model
        .params()
        .iter()
        .map(|k| {
            let path = format!("{field}.{k}");
            let v = number(map, k, &path)?;
            if v > 0.0 {
                Ok(v)
            } else {
                Err(invalid(&path, format!("must be a number > 0, got {v}")))
            }
        })
        .collect()
}

/// A purchase model (BG/NBD, MBG/NBD, Pareto/NBD) with its parameters.
enum Purchases {
    Bg(BgNbdParams),
    Mbg(MbgNbdParams),
    Pareto(ParetoNbdParams),
}

impl Purchases {
    fn new(model: Model, p: &[f64]) -> Option<Purchases> {
        let four = BgNbdParams { r: p[0], alpha: p[1], a: p[2], b: p[3] };
        match model {
            Model::BgNbd => Some(Purchases::Bg(four)),
            Model::MbgNbd => Some(Purchases::Mbg(MbgNbdParams(four))),
            Model::ParetoNbd => Some(Purchases::Pareto(ParetoNbdParams { r: p[0], alpha: p[1], s: p[2], beta: p[3] })),
            Model::BgBb | Model::GammaGamma => None,
        }
    }

    fn expected_purchases(&self, t: f64) -> f64 {
        match self {
            Purchases::Bg(p) => p.expected_purchases(t),
            Purchases::Mbg(p) => p.expected_purchases(t),
            Purchases::Pareto(p) => p.expected_purchases(t),
        }
    }
}

impl PurchaseModel for Purchases {
    fn conditional_expected_purchases(&self, horizon: f64, x: f64, tx: f64, t: f64) -> f64 {
        match self {
            Purchases::Bg(p) => p.conditional_expected_purchases(horizon, x, tx, t),
            Purchases::Mbg(p) => p.conditional_expected_purchases(horizon, x, tx, t),
            Purchases::Pareto(p) => p.conditional_expected_purchases(horizon, x, tx, t),
        }
    }

    fn probability_alive(&self, x: f64, tx: f64, t: f64) -> f64 {
        match self {
            Purchases::Bg(p) => p.probability_alive(x, tx, t),
            Purchases::Mbg(p) => p.probability_alive(x, tx, t),
            Purchases::Pareto(p) => p.probability_alive(x, tx, t),
        }
    }
}

fn with_id(id: &Option<String>, mut row: Value) -> Value {
    if let Some(id) = id {
        row["customer_id"] = json!(id);
    }
    row
}

/// `ltv_predict`: `{model, params, customers?, horizon?, times?, purchase_counts?}`
/// → `{model, customers: [prediction…], expected_purchases?: [{t, expected_purchases,
/// probability_of_purchases?}]}`.
fn predict(req: &Map<String, Value>) -> Result<Value, Error> {
    let model = Model::of(req)?;
    let p = params_of(req, "params", model)?;
    let horizon = opt_number(req, "horizon", "horizon")?;
    if horizon.is_some_and(|h| h < 0.0) {
        return Err(invalid("horizon", "must be a number ≥ 0").into());
    }
    let times: Vec<f64> = match req.get("times") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) => list(req, "times")?
            .iter()
            .enumerate()
            .map(|(i, v)| match v.as_f64() {
                Some(t) if t.is_finite() && t >= 0.0 => Ok(t),
                _ => Err(invalid(&format!("times[{i}]"), format!("expected a number ≥ 0, got {v}"))),
            })
            .collect::<Result<_, _>>()?,
    };
    let counts: Option<Vec<u32>> = match req.get("purchase_counts") {
        None | Some(Value::Null) => None,
        Some(_) if model != Model::BgNbd => {
            return Err(invalid("purchase_counts", "only the bgnbd model gives purchase-count probabilities").into())
        }
        Some(_) => Some(
            list(req, "purchase_counts")?
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                        invalid(&format!("purchase_counts[{i}]"), format!("expected a whole number ≥ 0, got {v}"))
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    let rows = customer_rows(req, model, false, false)?;
    let mut out = json!({"model": model.name()});
    let customers: Vec<Value> = match model {
        Model::BgBb => {
            if !times.is_empty() {
                return Err(invalid("times", "bgbb gives no population-level expected purchases").into());
            }
            let m = match horizon {
                None => None,
                Some(h) if h.fract() == 0.0 && h <= f64::from(u32::MAX) => Some(h as u32),
                Some(h) => return Err(invalid("horizon", format!("bgbb counts whole opportunities, got {h}")).into()),
            };
            check_bgbb(&rows)?;
            let bb = BgBbParams { alpha: p[0], beta: p[1], gamma: p[2], delta: p[3] };
            rows.iter()
                .map(|r| {
                    let mut row = json!({"probability_alive": bb.probability_alive(0, r.x, r.tx, r.t)});
                    if let Some(m) = m {
                        row["expected_purchases"] = json!(bb.conditional_expected_purchases(m, r.x, r.tx, r.t));
                        row["probability_alive_after_horizon"] = json!(bb.probability_alive(m, r.x, r.tx, r.t));
                    }
                    with_id(&r.id, row)
                })
                .collect()
        }
        Model::GammaGamma => {
            if horizon.is_some() || !times.is_empty() {
                return Err(invalid(
                    if horizon.is_some() { "horizon" } else { "times" },
                    "gamma_gamma predicts spend per purchase, not purchases",
                )
                .into());
            }
            let gg = gamma_gamma_params(&p, "params")?;
            check_spend_rows(&rows)?;
            rows.iter()
                .map(|r| {
                    with_id(&r.id, json!({"expected_average_profit": gg.conditional_expected_average_profit(r.x, r.m)}))
                })
                .collect()
        }
        _ => {
            let pm = Purchases::new(model, &p).ok_or_else(|| invalid("model", "not a purchase model"))?;
            summary_of(&rows)?;
            if !times.is_empty() {
                let population: Vec<Value> = times
                    .iter()
                    .map(|&t| {
                        let mut e = json!({"t": t, "expected_purchases": pm.expected_purchases(t)});
                        if let (Some(ns), Purchases::Bg(bg)) = (&counts, &pm) {
                            e["probability_of_purchases"] =
                                ns.iter().map(|&n| json!(bg.probability_of_purchases(t, n))).collect();
                        }
                        e
                    })
                    .collect();
                out["expected_purchases"] = Value::Array(population);
            }
            rows.iter()
                .map(|r| {
                    let mut row = json!({"probability_alive": pm.probability_alive(r.x, r.tx, r.t)});
                    if let Some(h) = horizon {
                        row["expected_purchases"] = json!(pm.conditional_expected_purchases(h, r.x, r.tx, r.t));
                    }
                    with_id(&r.id, row)
                })
                .collect()
        }
    };
    out["customers"] = Value::Array(customers);
    Ok(out)
}

/// Gamma-Gamma parameters; q must exceed 1 for the mean spend to be finite.
fn gamma_gamma_params(p: &[f64], field: &str) -> Result<GammaGammaParams, RequestError> {
    if p[1] <= 1.0 {
        return Err(invalid(
            &format!("{field}.q"),
            format!("must be > 1 (the mean spend is infinite otherwise), got {}", p[1]),
        ));
    }
    Ok(GammaGammaParams { p: p[0], q: p[1], v: p[2] })
}

/// `ltv_clv`: `{model, params, gamma_gamma, customers (monetary_value in minor
/// units), currency, months?, monthly_discount?, period?}` → `{currency, months,
/// monthly_discount, period, customers: [{customer_id?, clv: {amount, currency}}]}`.
fn clv(req: &Map<String, Value>) -> Result<Value, Error> {
    let model = Model::of(req)?;
    let p = params_of(req, "params", model)?;
    let pm = Purchases::new(model, &p)
        .ok_or_else(|| invalid("model", "CLV needs a purchase model (bgnbd, mbgnbd or pareto_nbd)"))?;
    let gg = gamma_gamma_params(&params_of(req, "gamma_gamma", Model::GammaGamma)?, "gamma_gamma")?;
    let currency = Currency::new(field_str(req, "currency")?)?;
    let months = opt_count(req, "months", 12)?;
    let discount = opt_number(req, "monthly_discount", "monthly_discount")?.unwrap_or(0.01);
    let period = period_of(req, Some(Period::Day))?;
    let per_month = match period {
        Period::Hour => 720.0,
        Period::Day => 30.0,
        Period::Week => 4.345,
        Period::Month => 1.0,
    };
    let rows = customer_rows(req, model, true, true)?;
    summary_of(&rows)?;
    let mut customers = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        if !(r.m >= 0.0 && r.m.fract() == 0.0 && r.m < 9.0e18) {
            return Err(invalid(
                &format!("customers[{i}].monetary_value"),
                format!("expected a whole number ≥ 0 of minor units, got {}", r.m),
            )
            .into());
        }
        let value =
            customer_lifetime_value_money(&pm, &gg, r.x, r.tx, r.t, r.m as i64, currency, months, discount, per_month)?;
        customers.push(with_id(&r.id, json!({"clv": value})));
    }
    Ok(json!({
        "model": model.name(),
        "currency": currency,
        "months": months,
        "monthly_discount": discount,
        "period": period_name(period),
        "customers": customers,
    }))
}

/// A money object `{amount, currency}` in `field`, `None` when absent.
fn opt_money(req: &Map<String, Value>, field: &str) -> Result<Option<Money>, Error> {
    let Some(v) = req.get(field).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let m = object(v, field)?;
    if let Some(k) = m.keys().find(|k| *k != "amount" && *k != "currency") {
        return Err(invalid(&format!("{field}.{k}"), "unknown field (expected amount, currency)").into());
    }
    let amount = match m.get("amount") {
        None | Some(Value::Null) => return Err(missing(&format!("{field}.amount")).into()),
        Some(a) => a.as_i64().ok_or_else(|| {
            invalid(&format!("{field}.amount"), format!("expected a whole number of minor units, got {a}"))
        })?,
    };
    let code = field_str(m, "currency").map_err(|_| match m.get("currency") {
        None | Some(Value::Null) => missing(&format!("{field}.currency")),
        Some(c) => invalid(&format!("{field}.currency"), format!("expected a currency code, got {c}")),
    })?;
    Ok(Some(Money::new(amount, Currency::new(code)?)))
}

/// `ltv_simple`: from `{average_order_value: money, purchases_per_year,
/// lifespan_years}` or from `{store, as_of, currency, options?}`, with
/// `cac`/`margin` optional → the value, the customer value per year and the
/// CAC payback in months.
fn simple(req: &mut Map<String, Value>) -> Result<Value, Error> {
    let given = ["average_order_value", "purchases_per_year", "lifespan_years"];
    let from_store = req.contains_key("store");
    let mut out = json!({});
    let s = if from_store {
        if let Some(k) = given.iter().find(|k| req.contains_key(**k)) {
            return Err(invalid(k, "give either `store` (to estimate) or the three numbers, not both").into());
        }
        let as_of = field_instant(req, "as_of")?;
        let currency = Currency::new(field_str(req, "currency")?)?;
        let options = facts_options(req.get("options"))?;
        let store = take_store(req)?;
        let facts = customer_facts(&store, as_of, &options)?;
        let (s, lifespan) = SimpleLtv::estimate(&facts, currency, to_micros(as_of))?;
        out["as_of"] = json!(format_instant(as_of));
        out["estimated_lifespan_years"] = json!(lifespan);
        s
    } else {
        for k in ["as_of", "currency", "options"] {
            if req.contains_key(k) {
                return Err(invalid(k, "only with `store`").into());
            }
        }
        let aov = opt_money(req, "average_order_value")?.ok_or_else(|| missing("average_order_value"))?;
        SimpleLtv {
            average_order_value: aov,
            purchases_per_year: number(req, "purchases_per_year", "purchases_per_year")?,
            lifespan_years: number(req, "lifespan_years", "lifespan_years")?,
        }
    };
    out["average_order_value"] = json!(s.average_order_value);
    out["purchases_per_year"] = json!(s.purchases_per_year);
    out["lifespan_years"] = json!(s.lifespan_years);
    out["customer_value_per_year"] = json!(s.customer_value()?);
    out["value"] = json!(s.value()?);
    match (opt_money(req, "cac")?, opt_number(req, "margin", "margin")?) {
        (None, None) => {}
        (Some(cac), Some(margin)) => out["payback_months"] = json!(s.payback_months(cac, margin)?),
        (Some(_), None) => return Err(missing("margin").into()),
        (None, Some(_)) => return Err(missing("cac").into()),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::round_significant;

    #[test]
    fn rounding_keeps_digits_and_specials() {
        assert_eq!(round_significant(0.212_227_388, 4), 0.2122);
        assert_eq!(round_significant(-9582.4255, 6), -9582.43);
        assert_eq!(round_significant(123_456.0, 2), 120_000.0);
        assert_eq!(round_significant(0.0, 3), 0.0);
        assert!(round_significant(f64::NAN, 3).is_nan());
    }
}
