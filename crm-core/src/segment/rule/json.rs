//! The JSON form of a rule, for machines: the same tree as the text form.
//!
//! | node | JSON |
//! |---|---|
//! | `a AND b` / `a OR b` | `{"and": [a, b]}` / `{"or": [a, b]}` |
//! | `NOT a` | `{"not": a}` |
//! | `x >= y` | `{"op": ">=", "left": x, "right": y}` |
//! | `x [NOT] BETWEEN a AND b` | `{"between": x, "low": a, "high": b, "negated": true}` |
//! | `x [NOT] IN (a, b)` | `{"in": x, "values": [a, b], "negated": true}` |
//! | `x CONTAINS y` | `{"contains": x, "value": y}` |
//! | `x IS [NOT] NULL` | `{"is_null": x, "negated": true}` |
//! | a yes/no operand alone | `{"truth": x}` |
//! | `BIRTHDAY WITHIN 3d` | `{"birthday_within_days": 3}` |
//! | `TRUE` | `{"const": true}` |
//!
//! Operands: `{"field": "order_count"}`, `{"call": "in_segment", "args":
//! [{"name": null, "value": {"string": "VIP"}}]}` or a literal: `{"number": 2}`,
//! `{"money": "1000.00", "currency": "TRY"}`, `{"date": "2024-01-31"}`,
//! `{"instant": "2024-01-31T10:00:00Z"}`, `{"relative": "-30d"}`,
//! `{"today": true}`, `{"string": "shoes"}`, `{"bool": true}`. `negated` may be
//! left out when false.

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::ast::{Arg, CmpOp, Expr, Literal, Operand, Pos, TimeUnit};
use super::parser::{is_keyword, money_minor};
use crate::money::Currency;
use crate::segment::SegmentError;
use crate::time::{parse_instant, to_micros};

/// Deepest JSON nesting accepted.
const MAX_DEPTH: usize = 64;

impl Expr {
    /// The JSON form of the rule.
    ///
    /// ```
    /// use crm_core::segment::rule::{parse, Expr};
    /// let e = parse("order_count >= 2 AND NOT consent.sms")?;
    /// let j = e.to_json();
    /// assert_eq!(j["and"][0]["op"], ">=");
    /// assert_eq!(Expr::from_json(&j)?, e);
    /// # Ok::<(), crm_core::segment::SegmentError>(())
    /// ```
    pub fn to_json(&self) -> Value {
        let neg = |mut m: Map<String, Value>, negated: bool| {
            if negated {
                m.insert("negated".into(), Value::Bool(true));
            }
            Value::Object(m)
        };
        match self {
            Expr::And(p) => json!({"and": p.iter().map(Expr::to_json).collect::<Vec<_>>()}),
            Expr::Or(p) => json!({"or": p.iter().map(Expr::to_json).collect::<Vec<_>>()}),
            Expr::Not(e) => json!({"not": e.to_json()}),
            Expr::Compare { left, op, right } => {
                json!({"op": op.as_str(), "left": operand_json(left), "right": operand_json(right)})
            }
            Expr::Between { operand, low, high, negated } => {
                let m = obj(
                    json!({"between": operand_json(operand), "low": operand_json(low), "high": operand_json(high)}),
                );
                neg(m, *negated)
            }
            Expr::In { operand, values, negated } => {
                let vs: Vec<Value> = values.iter().map(operand_json).collect();
                neg(obj(json!({"in": operand_json(operand), "values": vs})), *negated)
            }
            Expr::Contains { operand, value } => {
                json!({"contains": operand_json(operand), "value": operand_json(value)})
            }
            Expr::IsNull { operand, negated } => neg(obj(json!({"is_null": operand_json(operand)})), *negated),
            Expr::Truth(o) => json!({"truth": operand_json(o)}),
            Expr::BirthdayWithin { days, .. } => json!({"birthday_within_days": days}),
            Expr::Const(b) => json!({"const": b}),
        }
    }

    /// A rule from its JSON form.
    ///
    /// # Errors
    /// [`SegmentError::InvalidAst`] naming the path of the bad node (`/and/1/left`).
    pub fn from_json(v: &Value) -> Result<Expr, SegmentError> {
        expr(v, "", 0)
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn operand_json(o: &Operand) -> Value {
    match o {
        Operand::Field { name, .. } => json!({"field": name}),
        Operand::Call { name, args, .. } => {
            let args: Vec<Value> =
                args.iter().map(|a| json!({"name": a.name, "value": literal_json(&a.value)})).collect();
            json!({"call": name, "args": args})
        }
        Operand::Literal { value, .. } => literal_json(value),
    }
}

fn literal_json(l: &Literal) -> Value {
    match l {
        Literal::Number(v) => json!({"number": v}),
        Literal::Money { currency, .. } => {
            let text = l.to_string();
            let amount = text.split(' ').next().unwrap_or_default();
            json!({"money": amount, "currency": currency.code()})
        }
        Literal::Date(_) | Literal::Instant(_) => {
            let key = if matches!(l, Literal::Date(_)) { "date" } else { "instant" };
            json!({ key: l.to_string() })
        }
        Literal::Relative { .. } => json!({"relative": l.to_string()}),
        Literal::Today => json!({"today": true}),
        Literal::Str(s) => json!({"string": s}),
        Literal::Bool(b) => json!({"bool": b}),
    }
}

fn bad(path: &str, message: impl Into<String>) -> SegmentError {
    SegmentError::InvalidAst { path: if path.is_empty() { "/".into() } else { path.into() }, message: message.into() }
}

fn object<'a>(v: &'a Value, path: &str, keys: &[&str]) -> Result<&'a Map<String, Value>, SegmentError> {
    let m = v.as_object().ok_or_else(|| bad(path, format!("expected an object, got {v}")))?;
    if let Some(k) = m.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(bad(path, format!("unexpected key `{k}` (expected: {})", keys.join(", "))));
    }
    Ok(m)
}

fn field<'a>(m: &'a Map<String, Value>, path: &str, key: &str) -> Result<&'a Value, SegmentError> {
    m.get(key).ok_or_else(|| bad(path, format!("missing `{key}`")))
}

fn negated(m: &Map<String, Value>, path: &str) -> Result<bool, SegmentError> {
    match m.get("negated") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(bad(&format!("{path}/negated"), format!("expected true or false, got {v}"))),
    }
}

fn expr(v: &Value, path: &str, depth: usize) -> Result<Expr, SegmentError> {
    if depth > MAX_DEPTH {
        return Err(bad(path, format!("nested deeper than {MAX_DEPTH} levels")));
    }
    let m = v.as_object().ok_or_else(|| bad(path, format!("expected a rule object, got {v}")))?;
    let sub = |key: &str| format!("{path}/{key}");
    let op = |key: &str| -> Result<Operand, SegmentError> { operand(field(m, path, key)?, &sub(key)) };
    let kind = ["and", "or", "not", "op", "between", "in", "contains", "is_null", "truth", "birthday_within_days", "const"]
        .into_iter()
        .find(|k| m.contains_key(*k))
        .ok_or_else(|| bad(path, "expected one of the keys and, or, not, op, between, in, contains, is_null, truth, birthday_within_days, const"))?;
    Ok(match kind {
        "and" | "or" => {
            object(v, path, &[kind])?;
            let parts = m[kind].as_array().ok_or_else(|| bad(&sub(kind), "expected a list of rules"))?;
            if parts.len() < 2 {
                return Err(bad(&sub(kind), "expected at least two rules"));
            }
            let parts = parts
                .iter()
                .enumerate()
                .map(|(i, p)| expr(p, &format!("{path}/{kind}/{i}"), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            if kind == "and" {
                Expr::And(parts)
            } else {
                Expr::Or(parts)
            }
        }
        "not" => {
            object(v, path, &["not"])?;
            Expr::Not(Box::new(expr(&m["not"], &sub("not"), depth + 1)?))
        }
        "op" => {
            object(v, path, &["op", "left", "right"])?;
            let text = m["op"].as_str().unwrap_or_default();
            let cmp = CmpOp::parse(text)
                .ok_or_else(|| bad(&sub("op"), format!("expected = != < <= > >=, got {}", m["op"])))?;
            Expr::Compare { left: op("left")?, op: cmp, right: op("right")? }
        }
        "between" => {
            object(v, path, &["between", "low", "high", "negated"])?;
            Expr::Between { operand: op("between")?, low: op("low")?, high: op("high")?, negated: negated(m, path)? }
        }
        "in" => {
            object(v, path, &["in", "values", "negated"])?;
            let vs = field(m, path, "values")?.as_array().ok_or_else(|| bad(&sub("values"), "expected a list"))?;
            if vs.is_empty() {
                return Err(bad(&sub("values"), "expected at least one value"));
            }
            let values = vs
                .iter()
                .enumerate()
                .map(|(i, x)| operand(x, &format!("{path}/values/{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            Expr::In { operand: op("in")?, values, negated: negated(m, path)? }
        }
        "contains" => {
            object(v, path, &["contains", "value"])?;
            Expr::Contains { operand: op("contains")?, value: op("value")? }
        }
        "is_null" => {
            object(v, path, &["is_null", "negated"])?;
            Expr::IsNull { operand: op("is_null")?, negated: negated(m, path)? }
        }
        "truth" => {
            object(v, path, &["truth"])?;
            match op("truth")? {
                Operand::Literal { value: Literal::Bool(b), .. } => Expr::Const(b),
                o => Expr::Truth(o),
            }
        }
        "birthday_within_days" => {
            object(v, path, &["birthday_within_days"])?;
            let days = m[kind].as_i64().filter(|d| (0..=366).contains(d));
            let days = days.ok_or_else(|| bad(&sub(kind), format!("expected whole days 0 to 366, got {}", m[kind])))?;
            Expr::BirthdayWithin { days, at: Pos::default() }
        }
        _ => {
            object(v, path, &["const"])?;
            Expr::Const(m["const"].as_bool().ok_or_else(|| bad(&sub("const"), "expected true or false"))?)
        }
    })
}

fn ident(v: &Value, path: &str) -> Result<String, SegmentError> {
    let s = v.as_str().ok_or_else(|| bad(path, format!("expected a name, got {v}")))?;
    let mut chars = s.chars();
    let ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && !is_keyword(s);
    if !ok {
        return Err(bad(path, format!("`{s}` is not a name (letters, digits, `_` and `.`, not a keyword)")));
    }
    Ok(s.to_string())
}

fn operand(v: &Value, path: &str) -> Result<Operand, SegmentError> {
    let at = Pos::default();
    let m = v.as_object().ok_or_else(|| bad(path, format!("expected an operand object, got {v}")))?;
    if m.contains_key("field") {
        object(v, path, &["field"])?;
        return Ok(Operand::Field { name: ident(&m["field"], &format!("{path}/field"))?, at });
    }
    if m.contains_key("call") {
        object(v, path, &["call", "args"])?;
        let name = ident(&m["call"], &format!("{path}/call"))?;
        let list = match m.get("args") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(other) => return Err(bad(&format!("{path}/args"), format!("expected a list, got {other}"))),
        };
        let mut args = Vec::with_capacity(list.len());
        for (i, a) in list.iter().enumerate() {
            let p = format!("{path}/args/{i}");
            let am = object(a, &p, &["name", "value"])?;
            let name = match am.get("name") {
                None | Some(Value::Null) => None,
                Some(n) => Some(ident(n, &format!("{p}/name"))?),
            };
            let value = literal(field(am, &p, "value")?, &format!("{p}/value"))?;
            args.push(Arg { name, value, at });
        }
        return Ok(Operand::Call { name, args, at });
    }
    Ok(Operand::Literal { value: literal(v, path)?, at })
}

fn literal(v: &Value, path: &str) -> Result<Literal, SegmentError> {
    let m = v.as_object().ok_or_else(|| bad(path, format!("expected a literal object, got {v}")))?;
    let key = m.keys().next().map(String::as_str).unwrap_or_default();
    let text = |k: &str| -> Result<&str, SegmentError> {
        m.get(k).and_then(Value::as_str).ok_or_else(|| bad(&format!("{path}/{k}"), "expected a string"))
    };
    Ok(match key {
        "number" => {
            object(v, path, &["number"])?;
            Literal::Number(m["number"].as_f64().ok_or_else(|| bad(&format!("{path}/number"), "expected a number"))?)
        }
        "money" | "currency" => {
            object(v, path, &["money", "currency"])?;
            let code = text("currency")?;
            let currency = Currency::new(code).map_err(|e| bad(&format!("{path}/currency"), e.to_string()))?;
            let amount = text("money")?;
            let well_formed = amount.trim_start_matches('-').chars().all(|c| c.is_ascii_digit() || c == '.');
            let minor = money_minor(amount, currency).filter(|_| well_formed).ok_or_else(|| {
                bad(
                    &format!("{path}/money"),
                    format!(
                        "expected a decimal amount with at most {} decimals, got `{amount}`",
                        currency.minor_unit_exponent()
                    ),
                )
            })?;
            Literal::Money { minor, currency }
        }
        "date" => {
            object(v, path, &["date"])?;
            let t = text("date")?;
            let d = NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .filter(|d| t.len() == 10 && (0..=9999).contains(&chrono::Datelike::year(d)));
            Literal::Date(d.ok_or_else(|| bad(&format!("{path}/date"), format!("expected YYYY-MM-DD, got `{t}`")))?)
        }
        "instant" => {
            object(v, path, &["instant"])?;
            let t = text("instant")?;
            let i = parse_instant(t).ok().filter(|i| (0..=9999).contains(&chrono::Datelike::year(i)));
            let i =
                i.ok_or_else(|| bad(&format!("{path}/instant"), format!("expected an RFC 3339 instant, got `{t}`")))?;
            Literal::Instant(to_micros(i))
        }
        "relative" => {
            object(v, path, &["relative"])?;
            let t = text("relative")?;
            relative(t).ok_or_else(|| {
                bad(&format!("{path}/relative"), format!("expected a duration such as -30d, got `{t}`"))
            })?
        }
        "today" => {
            object(v, path, &["today"])?;
            Literal::Today
        }
        "string" => {
            object(v, path, &["string"])?;
            Literal::Str(text("string")?.to_string())
        }
        "bool" => {
            object(v, path, &["bool"])?;
            Literal::Bool(m["bool"].as_bool().ok_or_else(|| bad(&format!("{path}/bool"), "expected true or false"))?)
        }
        _ => {
            return Err(bad(
                path,
                "expected a field, call or literal (number, money, date, instant, relative, today, string, bool)",
            ))
        }
    })
}

fn relative(t: &str) -> Option<Literal> {
    let (sign, rest) = match t.chars().next()? {
        '-' => (-1, &t[1..]),
        '+' => (1, &t[1..]),
        _ => (1, t),
    };
    let unit = TimeUnit::from_letter(rest.chars().last()?)?;
    let digits = &rest[..rest.len() - 1];
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok().filter(|n| *n <= 1_000_000)?;
    Some(Literal::Relative { amount: sign * n, unit })
}
