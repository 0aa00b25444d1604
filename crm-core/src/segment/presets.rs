//! Shipped segment maps and built-in segments, all written in the rule
//! language (`docs/segments.md` lists them). The RFM maps assume k = 5;
//! `fm` is the mean of the f and m scores. Customers with no paid order are
//! `Prospects` before any map applies.

use serde_json::{Map, Value};

use super::rule::{Literal, Rule};
use super::SegmentError;

/// Names of the shipped maps.
pub const MAPS: &[&str] = &["seed", "classic", "shopify", "age_groups"];

/// The brief's map: VIP, Loyal, Potential Loyal, At Risk, Lost (no order for 90+ days), New, Others.
pub const SEED: &[(&str, &str)] = &[
    ("Lost", "recency >= 90"),
    ("VIP", "f >= 4 AND m >= 4 AND r >= 3"),
    ("Loyal", "f >= 3 AND r >= 3"),
    ("New", "frequency = 1 AND r >= 4"),
    ("Potential Loyal", "r >= 4 AND f >= 2"),
    ("At Risk", "r <= 2"),
    ("Others", "TRUE"),
];

/// The classic eleven RFM segments over r and fm.
pub const CLASSIC: &[(&str, &str)] = &[
    ("Champions", "r >= 4 AND fm >= 4"),
    ("Loyal Customers", "r >= 3 AND fm >= 3"),
    ("New Customers", "r = 5 AND frequency = 1"),
    ("Potential Loyalist", "r >= 4 AND fm >= 2"),
    ("Promising", "r >= 4"),
    ("Need Attention", "r = 3 AND fm >= 2"),
    ("About To Sleep", "r = 3"),
    ("Can't Lose Them", "r = 1 AND fm >= 4"),
    ("At Risk", "r <= 2 AND fm >= 3"),
    ("Hibernating", "r = 2"),
    ("Lost", "TRUE"),
];

/// The groups Shopify names (Shopify publishes no rules; these are ours).
pub const SHOPIFY: &[(&str, &str)] = &[
    ("Champions", "r >= 4 AND f >= 4 AND m >= 4"),
    ("Loyal", "r >= 3 AND f >= 4"),
    ("New", "r >= 4 AND frequency = 1"),
    ("Active", "r >= 4 AND f >= 2"),
    ("Promising", "r >= 4"),
    ("Needs Attention", "r = 3"),
    ("Previously Loyal", "r <= 2 AND f >= 4"),
    ("At Risk", "r = 2 AND f >= 2"),
    ("Almost Lost", "r = 2"),
    ("Dormant", "TRUE"),
];

/// Age groups as of the evaluation instant.
pub const AGE_GROUPS: &[(&str, &str)] = &[
    ("18-24", "age BETWEEN 18 AND 24"),
    ("25-34", "age BETWEEN 25 AND 34"),
    ("35-44", "age BETWEEN 35 AND 44"),
    ("45+", "age >= 45"),
];

/// The rules of a shipped map.
pub fn map(name: &str) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match name {
        "seed" => SEED,
        "classic" => CLASSIC,
        "shopify" => SHOPIFY,
        "age_groups" => AGE_GROUPS,
        _ => return None,
    })
}

/// A built-in segment: name, parameters with their defaults, rule template.
pub type Builtin = (&'static str, &'static [(&'static str, &'static str)], &'static str);

/// Built-in segments. `{p}` in a template is replaced by parameter `p`
/// (defaults in quotes take strings, bare-word defaults take names, the rest numbers).
pub const BUILTINS: &[Builtin] = &[
    ("first_time_buyer", &[], "order_count = 1"),
    ("repeat_buyer", &[("min_orders", "2")], "order_count >= {min_orders}"),
    (
        "cart_abandoner",
        &[("days", "7")],
        "last_abandoned_at >= -{days}d AND (last_order_at IS NULL OR last_order_at < last_abandoned_at)",
    ),
    (
        "category_lover",
        &[("share", "0.6"), ("min_orders", "2")],
        "top_category_share >= {share} AND order_count >= {min_orders}",
    ),
    (
        "discount_hunter",
        &[("share", "0.8"), ("min_orders", "2")],
        "discounted_order_share >= {share} AND order_count >= {min_orders}",
    ),
    ("age_group", &[("min", "18"), ("max", "24")], "age BETWEEN {min} AND {max}"),
    ("gender", &[("gender", "'female'")], "gender = {gender}"),
    ("country", &[("country", "'TR'")], "country = {country}"),
    ("city", &[("city", "'Istanbul'")], "city = {city}"),
    ("region", &[("region", "'Marmara'")], "region = {region}"),
    ("income_tier", &[("tier", "'premium'")], "income_tier = {tier}"),
    ("brand_tier", &[("tier", "premium"), ("share", "0.5")], "{tier}_brand_share >= {share}"),
    (
        "season_buyer",
        &[("season", "summer"), ("share", "0.5"), ("min_orders", "2")],
        "{season}_order_share >= {share} AND order_count >= {min_orders}",
    ),
    ("birthday_soon", &[("days", "7")], "BIRTHDAY WITHIN {days}d"),
    ("lapsed", &[("days", "60")], "days_since_last_order >= {days}"),
];

/// The rule of a built-in segment with parameters (others keep their defaults).
///
/// # Errors
/// [`SegmentError::InvalidOption`] for an unknown segment or parameter, or a
/// parameter of the wrong kind; parse errors of the filled template.
///
/// ```
/// use crm_core::segment::builtin_rule;
/// let r = builtin_rule("cart_abandoner", &serde_json::json!({"days": 3}))?;
/// assert_eq!(r.to_string(), "last_abandoned_at >= -3d AND (last_order_at IS NULL OR last_order_at < last_abandoned_at)");
/// let r = builtin_rule("gender", &serde_json::json!({"gender": "male"}))?;
/// assert_eq!(r.to_string(), "gender = 'male'");
/// # Ok::<(), crm_core::segment::SegmentError>(())
/// ```
pub fn builtin_rule(name: &str, params: &Value) -> Result<Rule, SegmentError> {
    let invalid = |field: String, message: String| SegmentError::InvalidOption { field, message };
    let Some((_, defaults, template)) = BUILTINS.iter().find(|(n, _, _)| *n == name) else {
        let names: Vec<&str> = BUILTINS.iter().map(|(n, _, _)| *n).collect();
        return Err(invalid(
            "builtin".into(),
            format!("unknown built-in segment `{name}` (expected one of: {})", names.join(", ")),
        ));
    };
    let empty = Map::new();
    let given = match params {
        Value::Null => &empty,
        Value::Object(m) => m,
        other => return Err(invalid("params".into(), format!("expected an object, got {other}"))),
    };
    if let Some(k) = given.keys().find(|k| !defaults.iter().any(|(d, _)| d == k)) {
        let known: Vec<&str> = defaults.iter().map(|(d, _)| *d).collect();
        return Err(invalid(
            format!("params.{k}"),
            format!("`{name}` has no such parameter (expected: {})", known.join(", ")),
        ));
    }
    let mut text = (*template).to_string();
    for (p, default) in defaults.iter() {
        let quoted = default.starts_with('\'');
        let ident = !quoted && default.chars().all(|c| c.is_ascii_alphabetic());
        let value = match given.get(*p) {
            None => (*default).to_string(),
            Some(Value::String(s)) if quoted => Literal::Str(s.clone()).to_string(),
            Some(Value::String(s))
                if ident && !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                s.clone()
            }
            Some(Value::Number(x)) if !quoted && !ident => {
                let v = x.as_f64().filter(|v| v.is_finite() && *v >= 0.0);
                v.map(|v| v.to_string())
                    .ok_or_else(|| invalid(format!("params.{p}"), format!("expected a number ≥ 0, got {x}")))?
            }
            Some(other) => {
                let kind = if quoted {
                    "a string"
                } else if ident {
                    "a name (letters, digits, _)"
                } else {
                    "a number"
                };
                return Err(invalid(format!("params.{p}"), format!("expected {kind}, got {other}")));
            }
        };
        text = text.replace(&format!("{{{p}}}"), &value);
    }
    Rule::parse(&text)
}
