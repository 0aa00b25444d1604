//! Named segment maps: ordered (name, rule) lists, first match wins, and
//! `in_segment` references between segments (cycles rejected).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::combos::Combinations;
use super::presets;
use super::rule::Rule;
use super::table::{Column, CustomerTable};
use super::SegmentError;
use crate::join::{Join, Sequential};

/// One named segment.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedRule {
    /// The segment's name (shown to people; rename freely).
    pub name: String,
    /// Who belongs.
    pub rule: Rule,
}

/// An ordered list of named segments. Each customer gets the first segment
/// whose rule holds; a rule may test another segment's own rule with
/// `in_segment('name')`.
///
/// ```
/// use crm_core::segment::{Column, CustomerTable, SegmentMap};
/// let mut t = CustomerTable::new(["a", "b", "c"], 0);
/// t.insert("order_count", Column::Int(vec![Some(5), Some(1), Some(0)]))?;
/// let map = SegmentMap::from_json(&serde_json::json!([
///     {"name": "Big", "rule": "order_count >= 5"},
///     {"name": "Some", "rule": "order_count >= 1 AND NOT in_segment('Big')"},
///     {"name": "Rest", "rule": "TRUE"}
/// ]))?;
/// assert_eq!(map.assign(&mut t)?, [Some("Big".to_string()), Some("Some".into()), Some("Rest".into())]);
/// # Ok::<(), crm_core::segment::SegmentError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentMap {
    /// Segments in priority order.
    pub segments: Vec<NamedRule>,
}

fn bad(path: &str, message: impl Into<String>) -> SegmentError {
    SegmentError::InvalidAst { path: path.into(), message: message.into() }
}

impl SegmentMap {
    /// A shipped preset: `seed`, `classic`, `shopify` (RFM maps) or `age_groups`.
    ///
    /// # Errors
    /// [`SegmentError::InvalidOption`] for another name.
    pub fn preset(name: &str) -> Result<SegmentMap, SegmentError> {
        let rules = presets::map(name).ok_or_else(|| SegmentError::InvalidOption {
            field: "segments".into(),
            message: format!("unknown preset `{name}` (expected one of: {})", presets::MAPS.join(", ")),
        })?;
        let segments = rules
            .iter()
            .map(|(n, r)| Ok(NamedRule { name: (*n).to_string(), rule: Rule::parse(r)? }))
            .collect::<Result<_, SegmentError>>()?;
        Ok(SegmentMap { segments })
    }

    /// A map from JSON: a preset name, or `[{"name": …, "rule": text or tree}, …]`.
    ///
    /// # Errors
    /// [`SegmentError::InvalidAst`] for a malformed list or duplicate names,
    /// the parse error of a rule, or an unknown preset.
    pub fn from_json(v: &Value) -> Result<SegmentMap, SegmentError> {
        if let Value::String(name) = v {
            return SegmentMap::preset(name);
        }
        let list = v.as_array().ok_or_else(|| bad("/", "expected a preset name or a list of {name, rule}"))?;
        let mut segments = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let m = item.as_object().ok_or_else(|| bad(&format!("/{i}"), "expected {\"name\", \"rule\"}"))?;
            if let Some(k) = m.keys().find(|k| *k != "name" && *k != "rule") {
                return Err(bad(&format!("/{i}"), format!("unexpected key `{k}` (expected name, rule)")));
            }
            let name = m.get("name").and_then(Value::as_str).filter(|n| !n.trim().is_empty());
            let name = name.ok_or_else(|| bad(&format!("/{i}/name"), "expected a non-empty name"))?;
            if segments.iter().any(|s: &NamedRule| s.name == name) {
                return Err(bad(&format!("/{i}/name"), format!("segment `{name}` is defined twice")));
            }
            let rule = m.get("rule").ok_or_else(|| bad(&format!("/{i}"), "missing `rule`"))?;
            segments.push(NamedRule { name: name.to_string(), rule: Rule::from_value(rule)? });
        }
        Ok(SegmentMap { segments })
    }

    /// `[{"name", "rule"}]` with each rule's canonical text.
    pub fn to_json(&self) -> Value {
        Value::Array(self.segments.iter().map(|s| json!({"name": s.name, "rule": s.rule.to_string()})).collect())
    }

    /// The fields the map's rules read.
    pub fn rules_fields(&self) -> Vec<String> {
        let mut v: Vec<String> = self.segments.iter().flat_map(|s| s.rule.fields()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Segment names referred to by each segment's rule through `in_segment`.
    fn references(&self) -> Vec<Vec<usize>> {
        self.segments
            .iter()
            .map(|s| {
                let mut refs = Vec::new();
                collect_refs(s.rule.expr(), &mut |name| {
                    if let Some(j) = self.segments.iter().position(|x| x.name == name) {
                        refs.push(j);
                    }
                });
                refs
            })
            .collect()
    }

    /// Evaluates every segment's own rule (in dependency order) and adds the
    /// memberships to the table's segments, so later rules can use `in_segment`.
    ///
    /// # Errors
    /// [`SegmentError::SegmentCycle`], or the first rule's check error.
    pub fn evaluate_all(&self, table: &mut CustomerTable) -> Result<BTreeMap<String, Vec<bool>>, SegmentError> {
        let refs = self.references();
        let n = self.segments.len();
        // 0 = not visited, 1 = on the stack, 2 = done.
        let mut state = vec![0u8; n];
        let mut order = Vec::with_capacity(n);
        for start in 0..n {
            visit(start, &refs, &mut state, &mut order, &mut Vec::new(), self)?;
        }
        let mut out = BTreeMap::new();
        for i in order {
            let s = &self.segments[i];
            let mask = s.rule.evaluate(table)?;
            table.segments.insert(s.name.clone(), mask.clone());
            out.insert(s.name.clone(), mask);
        }
        Ok(out)
    }

    /// The first matching segment of every customer (`None` when none matches).
    ///
    /// # Errors
    /// As [`SegmentMap::evaluate_all`].
    pub fn assign(&self, table: &mut CustomerTable) -> Result<Vec<Option<String>>, SegmentError> {
        let codes = self.assign_codes(table)?;
        Ok(codes.iter().map(|c| c.map(|c| self.segments[c as usize].name.clone())).collect())
    }

    /// Like [`SegmentMap::assign`], as indexes into [`SegmentMap::segments`].
    ///
    /// # Errors
    /// As [`SegmentMap::evaluate_all`].
    pub fn assign_codes(&self, table: &mut CustomerTable) -> Result<Vec<Option<u32>>, SegmentError> {
        let masks = self.evaluate_all(table)?;
        let mut out: Vec<Option<u32>> = vec![None; table.len()];
        for (code, s) in self.segments.iter().enumerate().rev() {
            if let Some(m) = masks.get(&s.name) {
                for (o, &yes) in out.iter_mut().zip(m) {
                    if yes {
                        *o = Some(code as u32);
                    }
                }
            }
        }
        Ok(out)
    }
}

fn visit(
    i: usize,
    refs: &[Vec<usize>],
    state: &mut [u8],
    order: &mut Vec<usize>,
    stack: &mut Vec<usize>,
    map: &SegmentMap,
) -> Result<(), SegmentError> {
    match state[i] {
        2 => return Ok(()),
        1 => {
            let from = stack.iter().position(|&s| s == i).unwrap_or(0);
            let mut path: Vec<&str> = stack[from..].iter().map(|&s| map.segments[s].name.as_str()).collect();
            path.push(map.segments[i].name.as_str());
            return Err(SegmentError::SegmentCycle { path: path.join(" -> ") });
        }
        _ => {}
    }
    state[i] = 1;
    stack.push(i);
    for &j in &refs[i] {
        visit(j, refs, state, order, stack, map)?;
    }
    stack.pop();
    state[i] = 2;
    order.push(i);
    Ok(())
}

fn collect_refs(e: &super::rule::Expr, f: &mut dyn FnMut(&str)) {
    use super::rule::{Expr, Literal, Operand};
    let op = |o: &Operand, f: &mut dyn FnMut(&str)| {
        if let Operand::Call { name, args, .. } = o {
            if name == "in_segment" {
                if let Some(Literal::Str(s)) = args.first().map(|a| &a.value) {
                    f(s);
                }
            }
        }
    };
    match e {
        Expr::And(p) | Expr::Or(p) => p.iter().for_each(|x| collect_refs(x, f)),
        Expr::Not(x) => collect_refs(x, f),
        Expr::Compare { left, right, .. } => {
            op(left, f);
            op(right, f);
        }
        Expr::Between { operand, .. }
        | Expr::In { operand, .. }
        | Expr::Contains { operand, .. }
        | Expr::IsNull { operand, .. }
        | Expr::Truth(operand) => op(operand, f),
        Expr::BirthdayWithin { .. } | Expr::Const(_) => {}
    }
}

/// The RFM segment of every customer of `scores`: `Prospects` for customers
/// without scores (no paid order), else the first matching segment of `map`
/// over the fields `recency, frequency, monetary, r, f, m, fm` (`None` when
/// none matches).
///
/// # Errors
/// The map's check errors (a rule using a field RFM does not have …).
///
/// ```
/// use crm_core::segment::{rfm_scores, rfm_segments, RfmOptions, RfmScores, SegmentMap};
/// let mut s = RfmScores::default();
/// for (id, r) in [("a", Some(5)), ("b", Some(1)), ("p", None)] {
///     s.customer_id.push(id);
///     s.recency.push(r.map(|_| 3));
///     s.frequency.push(u32::from(r.is_some()));
///     s.monetary.push(100);
///     s.currency.push(None);
///     s.r.push(r);
///     s.f.push(r.map(|_| 1));
///     s.m.push(r.map(|_| 1));
/// }
/// let seg = rfm_segments(&s, &SegmentMap::preset("classic")?)?;
/// assert_eq!(seg, [Some("New Customers".into()), Some("Lost".into()), Some("Prospects".to_string())]);
/// # Ok::<(), crm_core::segment::SegmentError>(())
/// ```
pub fn rfm_segments(scores: &super::RfmScores, map: &SegmentMap) -> Result<Vec<Option<String>>, SegmentError> {
    match rfm_segment_column(scores, map)? {
        Column::Text { codes, dict } => Ok(codes.iter().map(|c| c.map(|c| dict[c as usize].clone())).collect()),
        _ => Ok(Vec::new()),
    }
}

/// [`rfm_segments`] as a dictionary-encoded text column: the map's segment
/// names, then `Prospects` unless the map has a segment of that name.
///
/// # Errors
/// As [`rfm_segments`].
pub fn rfm_segment_column(scores: &super::RfmScores, map: &SegmentMap) -> Result<Column, SegmentError> {
    rfm_segment_column_with(scores, map, &Sequential)
}

/// [`rfm_segment_column`], the first and second half of the customers
/// evaluated through `join` (at once when it runs its halves on two threads;
/// each customer's segment depends on that customer's values alone). The
/// result does not depend on `join`.
///
/// # Errors
/// As [`rfm_segments`].
///
/// ```
/// use crm_core::join::Sequential;
/// use crm_core::segment::{rfm_segment_column, rfm_segment_column_with, RfmScores, SegmentMap};
/// let mut s = RfmScores::default();
/// for (id, r) in [("a", Some(5)), ("b", Some(1)), ("p", None)] {
///     s.customer_id.push(id);
///     s.recency.push(r.map(|_| 3));
///     s.frequency.push(u32::from(r.is_some()));
///     s.monetary.push(100);
///     s.currency.push(None);
///     s.r.push(r);
///     s.f.push(r.map(|_| 1));
///     s.m.push(r.map(|_| 1));
/// }
/// let map = SegmentMap::preset("classic")?;
/// assert_eq!(rfm_segment_column_with(&s, &map, &Sequential)?, rfm_segment_column(&s, &map)?);
/// # Ok::<(), crm_core::segment::SegmentError>(())
/// ```
pub fn rfm_segment_column_with(
    scores: &super::RfmScores,
    map: &SegmentMap,
    join: &impl Join,
) -> Result<Column, SegmentError> {
    let n = scores.len();
    let (first, second) = join.join(|| segment_codes(scores, map, 0..n / 2), || segment_codes(scores, map, n / 2..n));
    let mut codes = first?;
    codes.extend(second?);
    let mut dict: Vec<String> = map.segments.iter().map(|s| s.name.clone()).collect();
    let prospects = match dict.iter().position(|d| d == "Prospects") {
        Some(p) => p as u32,
        None => {
            dict.push("Prospects".into());
            (dict.len() - 1) as u32
        }
    };
    for (c, r) in codes.iter_mut().zip(&scores.r) {
        if r.is_none() {
            *c = Some(prospects);
        }
    }
    Ok(Column::Text { codes, dict })
}

/// The map's segment numbers of customers `rows` of `scores` (prospects not
/// yet set): once per distinct combination of the values the map reads
/// when those are few (see [`Combinations`]), else customer by customer.
pub(super) fn segment_codes(
    scores: &super::RfmScores,
    map: &SegmentMap,
    rows: std::ops::Range<usize>,
) -> Result<Vec<Option<u32>>, SegmentError> {
    let fields = map.rules_fields();
    match Combinations::new(scores, &fields, rows.clone()) {
        Some(c) => Ok(c.spread(&codes_of(scores, map, &fields, &Rows::List(&c.representatives))?)),
        None => codes_of(scores, map, &fields, &Rows::Range(rows)),
    }
}

/// Some customers of an [`super::RfmScores`].
pub(super) enum Rows<'a> {
    Range(std::ops::Range<usize>),
    List(&'a [usize]),
}

impl Rows<'_> {
    fn len(&self) -> usize {
        match self {
            Rows::Range(r) => r.len(),
            Rows::List(l) => l.len(),
        }
    }

    /// The values of these customers.
    fn of<T: Copy>(&self, v: &[T]) -> Vec<T> {
        match self {
            Rows::Range(r) => v.get(r.clone()).unwrap_or_default().to_vec(),
            Rows::List(l) => l.iter().filter_map(|&i| v.get(i).copied()).collect(),
        }
    }
}

/// The map's segment numbers of customers `rows`, evaluated over a table of
/// their values of `fields`.
pub(super) fn codes_of(
    scores: &super::RfmScores,
    map: &SegmentMap,
    fields: &[String],
    rows: &Rows<'_>,
) -> Result<Vec<Option<u32>>, SegmentError> {
    let mut t = CustomerTable::new(std::iter::repeat_n("", rows.len()), 0);
    let score = |v: &[Option<u8>]| Column::Int(rows.of(v).iter().map(|x| x.map(i64::from)).collect());
    let wants = |f: &str| fields.iter().any(|x| x == f);
    if wants("recency") {
        t.insert("recency", Column::Int(rows.of(&scores.recency)))?;
    }
    if wants("frequency") {
        t.insert("frequency", Column::Int(rows.of(&scores.frequency).iter().map(|&x| Some(i64::from(x))).collect()))?;
    }
    if wants("monetary") {
        let minor = rows.of(&scores.monetary).iter().zip(rows.of(&scores.r)).map(|(&x, r)| r.map(|_| x)).collect();
        t.insert("monetary", Column::Money { minor, currency: rows.of(&scores.currency) })?;
    }
    for (name, v) in [("r", &scores.r), ("f", &scores.f), ("m", &scores.m)] {
        if wants(name) {
            t.insert(name, score(v))?;
        }
    }
    if wants("fm") {
        let (f, m) = (rows.of(&scores.f), rows.of(&scores.m));
        let fm = f.iter().zip(&m).map(|(f, m)| Some((f64::from((*f)?) + f64::from((*m)?)) / 2.0)).collect();
        t.insert("fm", Column::Float(fm))?;
    }
    for f in fields {
        if t.column(f).is_none() {
            t.unavailable
                .insert(f.clone(), "RFM segment maps read recency, frequency, monetary, r, f, m and fm".into());
        }
    }
    map.assign_codes(&mut t)
}
