//! Type checking: a parsed rule against a table's fields becomes a program of
//! column operations ([`Program`]), or a [`SegmentError`] with its position.

use super::ast::{Arg, CmpOp, Expr, Literal, Operand, Pos, TimeUnit};
use crate::money::Currency;
use crate::segment::table::{CustomerTable, Ty};
use crate::segment::SegmentError;

/// A constant after checking.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar {
    Num(f64),
    Money(i64, Currency),
    /// An instant or date, resolved against the table at evaluation.
    Time(TimeLit),
    Text(String),
    Bool(bool),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum TimeLit {
    Instant(i64),
    Date(chrono::NaiveDate),
    Relative(i64, TimeUnit),
    Today,
}

/// Which lines a purchase function counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct LineFilter {
    pub category: Option<String>,
    pub brand: Option<String>,
    pub product: Option<String>,
    pub sku: Option<String>,
    pub since: Option<TimeLit>,
    pub until: Option<TimeLit>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Source {
    Field(String),
    ProductsPurchased(LineFilter),
    OrdersWith(LineFilter),
    Spend(LineFilter),
    CategoryShare(String),
    InSegment(String),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rhs {
    Col(usize),
    Lit(Scalar),
}

/// A checked rule: nodes over the columns in `sources`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Const(bool),
    Cmp { col: usize, op: CmpOp, rhs: Rhs },
    Between { col: usize, low: Scalar, high: Scalar, negated: bool },
    In { col: usize, set: Vec<Scalar>, negated: bool },
    Contains { col: usize, needle: String },
    IsNull { col: usize, negated: bool },
    Truth { col: usize },
}

/// The checked rule and the columns it reads.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Program {
    pub node: Node,
    pub sources: Vec<(Source, Ty)>,
}

/// Function names, for "did you mean".
pub const FUNCTIONS: &[&str] = &["products_purchased", "orders_with", "spend", "category_share", "in_segment"];

/// The closest of `names` to `name` (edit distance at most a third of its
/// length, at least 2; case-insensitive equality first).
pub fn closest<'a>(name: &str, names: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for cand in names {
        let d = if cand.to_lowercase() == lower { 0 } else { distance(&lower, &cand.to_lowercase()) };
        if best.is_none_or(|(bd, bn)| d < bd || (d == bd && cand < bn)) {
            best = Some((d, cand));
        }
    }
    let limit = (name.chars().count() / 3).max(2);
    best.filter(|(d, _)| *d <= limit).map(|(_, n)| n.to_string())
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn mismatch(at: Pos, message: String) -> SegmentError {
    SegmentError::TypeMismatch { line: at.line, column: at.column, message }
}

fn arg_err(at: Pos, function: &str, message: String) -> SegmentError {
    SegmentError::InvalidArgument { line: at.line, column: at.column, function: function.into(), message }
}

/// How a column source reads in messages and explanations.
pub(crate) fn source_name(s: &Source) -> String {
    match s {
        Source::Field(n) => n.clone(),
        Source::ProductsPurchased(_) => "products_purchased(…)".into(),
        Source::OrdersWith(_) => "orders_with(…)".into(),
        Source::Spend(_) => "spend(…)".into(),
        Source::CategoryShare(c) => format!("category_share('{c}')"),
        Source::InSegment(s) => format!("in_segment('{s}')"),
    }
}

pub(crate) struct Checker<'a> {
    table: &'a CustomerTable,
    /// Money currency when every row of the table's money shares one.
    currency: Option<Currency>,
    pub sources: Vec<(Source, Ty)>,
}

impl<'a> Checker<'a> {
    pub fn new(table: &'a CustomerTable) -> Checker<'a> {
        Checker { table, currency: table.money_currency(), sources: Vec::new() }
    }

    fn source(&mut self, s: Source, ty: Ty) -> usize {
        if let Some(i) = self.sources.iter().position(|(x, _)| *x == s) {
            return i;
        }
        self.sources.push((s, ty));
        self.sources.len() - 1
    }

    pub fn check(&mut self, e: &Expr) -> Result<Node, SegmentError> {
        Ok(match e {
            Expr::And(p) => Node::And(p.iter().map(|x| self.check(x)).collect::<Result<_, _>>()?),
            Expr::Or(p) => Node::Or(p.iter().map(|x| self.check(x)).collect::<Result<_, _>>()?),
            Expr::Not(x) => Node::Not(Box::new(self.check(x)?)),
            Expr::Const(b) => Node::Const(*b),
            Expr::Compare { left, op, right } => {
                let (col, op, other) = match (left, right) {
                    (Operand::Literal { .. }, Operand::Literal { .. }) => {
                        return Err(mismatch(
                            left.at(),
                            "compare a field or function with a value, not two values".into(),
                        ))
                    }
                    (Operand::Literal { .. }, _) => (self.column(right)?, op.flipped(), left),
                    _ => (self.column(left)?, *op, right),
                };
                let ty = self.sources[col].1;
                if ty == Ty::List {
                    let name = self.name_of(col);
                    return Err(mismatch(other.at(), format!("{name} is a list; use {name} CONTAINS 'value'")));
                }
                if ty == Ty::Bool && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Err(mismatch(
                        other.at(),
                        format!("{} is yes/no; compare it with = or !=", self.name_of(col)),
                    ));
                }
                let rhs = match other {
                    Operand::Literal { value, at } => Rhs::Lit(self.scalar(value, ty, *at, col)?),
                    _ => {
                        let c2 = self.column(other)?;
                        let t2 = self.sources[c2].1;
                        if t2 != ty {
                            return Err(mismatch(
                                other.at(),
                                format!("cannot compare {} ({ty}) with {} ({t2})", self.name_of(col), self.name_of(c2)),
                            ));
                        }
                        Rhs::Col(c2)
                    }
                };
                Node::Cmp { col, op, rhs }
            }
            Expr::Between { operand, low, high, negated } => {
                let col = self.column(operand)?;
                let ty = self.sources[col].1;
                if matches!(ty, Ty::List | Ty::Bool) {
                    return Err(mismatch(
                        operand.at(),
                        format!("BETWEEN needs an ordered value, {} is {ty}", self.name_of(col)),
                    ));
                }
                let low_s = self.literal_operand(low, ty, col)?;
                let high_s = self.literal_operand(high, ty, col)?;
                if let (Scalar::Money(_, a), Scalar::Money(_, b)) = (&low_s, &high_s) {
                    if a != b {
                        let at = high.at();
                        return Err(SegmentError::CurrencyMismatch {
                            line: at.line,
                            column: at.column,
                            message: format!("BETWEEN bounds are in {} and {}", a.code(), b.code()),
                        });
                    }
                }
                Node::Between { col, low: low_s, high: high_s, negated: *negated }
            }
            Expr::In { operand, values, negated } => {
                let col = self.column(operand)?;
                let ty = self.sources[col].1;
                if ty == Ty::List {
                    let name = self.name_of(col);
                    return Err(mismatch(operand.at(), format!("{name} is a list; use {name} CONTAINS 'value'")));
                }
                let set = values.iter().map(|v| self.literal_operand(v, ty, col)).collect::<Result<_, _>>()?;
                Node::In { col, set, negated: *negated }
            }
            Expr::Contains { operand, value } => {
                let col = self.column(operand)?;
                let ty = self.sources[col].1;
                if !matches!(ty, Ty::List | Ty::Text) {
                    return Err(mismatch(
                        operand.at(),
                        format!("CONTAINS needs text or a list, {} is {ty}", self.name_of(col)),
                    ));
                }
                match value {
                    Operand::Literal { value: Literal::Str(s), .. } => Node::Contains { col, needle: s.clone() },
                    other => return Err(mismatch(other.at(), "CONTAINS takes a quoted string".into())),
                }
            }
            Expr::IsNull { operand, negated } => Node::IsNull { col: self.column(operand)?, negated: *negated },
            Expr::Truth(o) => {
                let col = self.column(o)?;
                let ty = self.sources[col].1;
                if ty != Ty::Bool {
                    return Err(mismatch(
                        o.at(),
                        format!("{} is {ty}, not yes/no; compare it with a value", self.name_of(col)),
                    ));
                }
                Node::Truth { col }
            }
            Expr::BirthdayWithin { days, at } => {
                let col = self.column(&Operand::Field { name: "days_to_birthday".into(), at: *at })?;
                Node::Between { col, low: Scalar::Num(0.0), high: Scalar::Num(*days as f64), negated: false }
            }
        })
    }

    pub fn name_of(&self, col: usize) -> String {
        source_name(&self.sources[col].0)
    }

    fn literal_operand(&mut self, o: &Operand, ty: Ty, col: usize) -> Result<Scalar, SegmentError> {
        match o {
            Operand::Literal { value, at } => self.scalar(value, ty, *at, col),
            other => Err(mismatch(other.at(), "expected a value here (BETWEEN bounds and IN lists are values)".into())),
        }
    }

    fn scalar(&self, l: &Literal, ty: Ty, at: Pos, col: usize) -> Result<Scalar, SegmentError> {
        let name = self.name_of(col);
        let wrong = |what: &str| mismatch(at, format!("{name} is {ty}, but {l} is {what}"));
        Ok(match (ty, l) {
            (Ty::Number, Literal::Number(v)) => Scalar::Num(*v),
            (Ty::Number, Literal::Money { .. }) => return Err(wrong("money")),
            (Ty::Money, Literal::Money { minor, currency }) => {
                if let Some(c) = self.currency.filter(|c| c != currency) {
                    return Err(SegmentError::CurrencyMismatch {
                        line: at.line,
                        column: at.column,
                        message: format!("{name} is in {}, but {l} is in {}", c.code(), currency.code()),
                    });
                }
                Scalar::Money(*minor, *currency)
            }
            (Ty::Money, Literal::Number(_)) => {
                return Err(mismatch(
                    at,
                    format!("{name} is money; write the amount with its currency, such as {l} TRY"),
                ))
            }
            (Ty::Instant | Ty::Date, Literal::Instant(v)) => Scalar::Time(TimeLit::Instant(*v)),
            (Ty::Instant | Ty::Date, Literal::Date(d)) => Scalar::Time(TimeLit::Date(*d)),
            (Ty::Instant | Ty::Date, Literal::Relative { .. } | Literal::Today)
                if self.table.as_of == CustomerTable::NO_INSTANT =>
            {
                return Err(SegmentError::Unavailable {
                    line: at.line,
                    column: at.column,
                    name: l.to_string(),
                    message: "relative times need the evaluation instant; pass as_of".into(),
                })
            }
            (Ty::Instant | Ty::Date, Literal::Relative { amount, unit }) => {
                Scalar::Time(TimeLit::Relative(*amount, *unit))
            }
            (Ty::Instant | Ty::Date, Literal::Today) => Scalar::Time(TimeLit::Today),
            (Ty::Text, Literal::Str(s)) => Scalar::Text(s.clone()),
            (Ty::Bool, Literal::Bool(b)) => Scalar::Bool(*b),
            (_, Literal::Number(_)) => return Err(wrong("a number")),
            (_, Literal::Money { .. }) => return Err(wrong("money")),
            (_, Literal::Instant(_) | Literal::Relative { .. } | Literal::Today) => return Err(wrong("an instant")),
            (_, Literal::Date(_)) => return Err(wrong("a date")),
            (_, Literal::Str(_)) => return Err(wrong("text")),
            (_, Literal::Bool(_)) => return Err(wrong("yes/no")),
        })
    }

    fn column(&mut self, o: &Operand) -> Result<usize, SegmentError> {
        match o {
            Operand::Field { name, at } => {
                if let Some(c) = self.table.column(name) {
                    return Ok(self.source(Source::Field(name.clone()), c.ty()));
                }
                if let Some(why) = self.table.unavailable.get(name) {
                    return Err(SegmentError::Unavailable {
                        line: at.line,
                        column: at.column,
                        name: name.clone(),
                        message: why.clone(),
                    });
                }
                Err(SegmentError::UnknownField {
                    line: at.line,
                    column: at.column,
                    name: name.clone(),
                    suggestion: closest(
                        name,
                        self.table.fields().chain(self.table.unavailable.keys().map(String::as_str)),
                    ),
                })
            }
            Operand::Call { name, args, at } => self.call(name, args, *at),
            Operand::Literal { at, .. } => Err(mismatch(*at, "expected a field or function here".into())),
        }
    }

    fn call(&mut self, name: &str, args: &[Arg], at: Pos) -> Result<usize, SegmentError> {
        match name {
            "products_purchased" | "orders_with" | "spend" => {
                if self.table.purchases.is_none() {
                    return Err(SegmentError::Unavailable {
                        line: at.line,
                        column: at.column,
                        name: name.into(),
                        message: "purchase functions need the orders; evaluate over a store".into(),
                    });
                }
                let f = line_filter(name, args, self.table.as_of)?;
                Ok(match name {
                    "products_purchased" => self.source(Source::ProductsPurchased(f), Ty::Number),
                    "orders_with" => self.source(Source::OrdersWith(f), Ty::Number),
                    _ => self.source(Source::Spend(f), Ty::Money),
                })
            }
            "category_share" | "in_segment" => {
                let key = if name == "category_share" { "category" } else { "name" };
                let [Arg { name: arg_name, value, at: a_at }] = args else {
                    return Err(arg_err(at, name, format!("takes one argument, the {key}, got {}", args.len())));
                };
                if arg_name.as_deref().is_some_and(|n| n != key) {
                    return Err(arg_err(
                        *a_at,
                        name,
                        format!("unknown argument `{}` (expected `{key}`)", arg_name.as_deref().unwrap_or_default()),
                    ));
                }
                let Literal::Str(s) = value else {
                    return Err(arg_err(*a_at, name, format!("the {key} must be a quoted string, got {value}")));
                };
                if name == "category_share" {
                    if self.table.category_spend.is_none() {
                        return Err(SegmentError::Unavailable {
                            line: at.line,
                            column: at.column,
                            name: name.into(),
                            message: "category spend is not in this table".into(),
                        });
                    }
                    return Ok(self.source(Source::CategoryShare(s.clone()), Ty::Number));
                }
                if !self.table.segments.contains_key(s) {
                    return Err(SegmentError::UnknownSegment {
                        line: a_at.line,
                        column: a_at.column,
                        name: s.clone(),
                        suggestion: closest(s, self.table.segments.keys().map(String::as_str)),
                    });
                }
                Ok(self.source(Source::InSegment(s.clone()), Ty::Bool))
            }
            _ => Err(SegmentError::UnknownFunction {
                line: at.line,
                column: at.column,
                name: name.into(),
                suggestion: closest(name, FUNCTIONS.iter().copied()),
            }),
        }
    }
}

fn line_filter(function: &str, args: &[Arg], table_as_of: i64) -> Result<LineFilter, SegmentError> {
    let mut f = LineFilter::default();
    for a in args {
        let Some(key) = a.name.as_deref() else {
            return Err(arg_err(
                a.at,
                function,
                "arguments are named: category, brand, product, sku, since, until".into(),
            ));
        };
        let text = |v: &Literal| match v {
            Literal::Str(s) => Ok(s.clone()),
            other => Err(arg_err(a.at, function, format!("`{key}` must be a quoted string, got {other}"))),
        };
        let no_instant = table_as_of == CustomerTable::NO_INSTANT;
        let time = |v: &Literal| match v {
            Literal::Relative { .. } | Literal::Today if no_instant => Err(arg_err(
                a.at,
                function,
                format!("`{key}` is relative ({v}) and needs the evaluation instant; pass as_of"),
            )),
            Literal::Instant(i) => Ok(TimeLit::Instant(*i)),
            Literal::Date(d) => Ok(TimeLit::Date(*d)),
            Literal::Relative { amount, unit } => Ok(TimeLit::Relative(*amount, *unit)),
            Literal::Today => Ok(TimeLit::Today),
            other => Err(arg_err(
                a.at,
                function,
                format!("`{key}` must be a date, instant, TODAY or a duration such as -90d, got {other}"),
            )),
        };
        let dup =
            |set: bool| if set { Err(arg_err(a.at, function, format!("`{key}` is given twice"))) } else { Ok(()) };
        match key {
            "category" => {
                dup(f.category.is_some())?;
                f.category = Some(text(&a.value)?);
            }
            "brand" => {
                dup(f.brand.is_some())?;
                f.brand = Some(text(&a.value)?);
            }
            "product" => {
                dup(f.product.is_some())?;
                f.product = Some(text(&a.value)?);
            }
            "sku" => {
                dup(f.sku.is_some())?;
                f.sku = Some(text(&a.value)?);
            }
            "since" => {
                dup(f.since.is_some())?;
                f.since = Some(time(&a.value)?);
            }
            "until" => {
                dup(f.until.is_some())?;
                f.until = Some(time(&a.value)?);
            }
            other => {
                let hint = closest(other, ["category", "brand", "product", "sku", "since", "until"])
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(arg_err(a.at, function, format!("unknown argument `{other}`{hint}")));
            }
        }
    }
    Ok(f)
}
