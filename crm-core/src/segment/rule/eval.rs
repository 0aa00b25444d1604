//! Evaluation of a checked rule over the columns of a customer table: every
//! node yields one yes/no per customer. A comparison with a missing value is
//! false, and `NOT` is the complement, so the logic stays two-valued.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{Months, NaiveDate, TimeZone as _};

use super::ast::CmpOp;
use super::ast::TimeUnit;
use super::compile::{LineFilter, Node, Program, Rhs, Scalar, Source, TimeLit};
use crate::segment::table::{days_from_date, Column, CustomerTable, Purchases};
use crate::time::{from_micros, TimeZone};

const HOUR_US: i64 = 3_600_000_000;

fn start_of_day(d: NaiveDate, zone: TimeZone) -> i64 {
    let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    match zone.0.from_local_datetime(&midnight).earliest() {
        Some(t) => t.timestamp_micros(),
        // Midnight skipped by a clock change: the day starts an hour later.
        None => zone
            .0
            .from_local_datetime(&(midnight + chrono::TimeDelta::hours(1)))
            .earliest()
            .map_or(midnight.and_utc().timestamp_micros(), |t| t.timestamp_micros()),
    }
}

/// The instant (µs) a time literal stands for in a table.
pub(crate) fn resolve_instant(t: TimeLit, table: &CustomerTable) -> i64 {
    let zone = table.zone;
    let local = from_micros(table.as_of).map(|t| t.with_timezone(&zone.0).naive_local());
    match t {
        TimeLit::Instant(v) => v,
        TimeLit::Date(d) => start_of_day(d, zone),
        TimeLit::Today => local.map_or(table.as_of, |l| start_of_day(l.date(), zone)),
        TimeLit::Relative(n, unit) => match unit {
            TimeUnit::Hours => table.as_of.saturating_add(n.saturating_mul(HOUR_US)),
            TimeUnit::Days => table.as_of.saturating_add(n.saturating_mul(24 * HOUR_US)),
            TimeUnit::Weeks => table.as_of.saturating_add(n.saturating_mul(7 * 24 * HOUR_US)),
            TimeUnit::Months | TimeUnit::Years => {
                let months = if unit == TimeUnit::Years { n.saturating_mul(12) } else { n };
                let m = Months::new(u32::try_from(months.unsigned_abs()).unwrap_or(u32::MAX));
                let shifted =
                    local.and_then(|l| if months < 0 { l.checked_sub_months(m) } else { l.checked_add_months(m) });
                shifted
                    .and_then(|s| zone.0.from_local_datetime(&s).earliest())
                    .map_or(if months < 0 { i64::MIN } else { i64::MAX }, |t| t.timestamp_micros())
            }
        },
    }
}

/// The date (days since 1970-01-01) a time literal stands for in a table.
pub(crate) fn resolve_date(t: TimeLit, table: &CustomerTable) -> i64 {
    match t {
        TimeLit::Date(d) => i64::from(days_from_date(d)),
        other => {
            let us = resolve_instant(other, table);
            from_micros(us)
                .map(|t| i64::from(days_from_date(t.with_timezone(&table.zone.0).date_naive())))
                .unwrap_or(if us < 0 { i64::MIN } else { i64::MAX })
        }
    }
}

/// Materialises the columns a program reads.
pub(crate) fn columns<'t>(p: &Program, table: &'t CustomerTable) -> Vec<Cow<'t, Column>> {
    p.sources
        .iter()
        .map(|(s, _)| match s {
            Source::Field(name) => match table.column(name) {
                Some(c) => Cow::Borrowed(c),
                None => Cow::Owned(Column::Int(vec![None; table.len()])),
            },
            Source::ProductsPurchased(f) => Cow::Owned(purchase_counts(table, f, false)),
            Source::OrdersWith(f) => Cow::Owned(purchase_counts(table, f, true)),
            Source::Spend(f) => Cow::Owned(purchase_spend(table, f)),
            Source::CategoryShare(c) => Cow::Owned(category_share(table, c)),
            Source::InSegment(s) => Cow::Owned(Column::Bool(
                table.segments.get(s).map_or_else(|| vec![None; table.len()], |m| m.iter().map(|&b| Some(b)).collect()),
            )),
        })
        .collect()
}

/// Lines matching a filter, as a yes/no per line.
fn matching(p: &Purchases, f: &LineFilter, table: &CustomerTable) -> Vec<bool> {
    let code = |s: &Option<String>| s.as_ref().map(|s| p.code(s).unwrap_or(u32::MAX));
    let (cat, brand, product, sku) = (code(&f.category), code(&f.brand), code(&f.product), code(&f.sku));
    let since = f.since.map(|t| resolve_instant(t, table));
    let until = f.until.map(|t| resolve_instant(t, table));
    (0..p.row.len())
        .map(|i| {
            let path = &p.category_codes[p.category_offsets[i] as usize..p.category_offsets[i + 1] as usize];
            cat.is_none_or(|c| path.contains(&c))
                && brand.is_none_or(|b| p.brand[i] == Some(b))
                && product.is_none_or(|b| p.product[i] == Some(b))
                && sku.is_none_or(|b| p.sku[i] == Some(b))
                && since.is_none_or(|s| p.placed_at[i] >= s)
                && until.is_none_or(|u| p.placed_at[i] <= u)
        })
        .collect()
}

fn purchase_counts(table: &CustomerTable, f: &LineFilter, distinct_orders: bool) -> Column {
    let n = table.len();
    let mut out = vec![0i64; n];
    if let Some(p) = &table.purchases {
        let mut last_order = vec![u32::MAX; n];
        for (i, m) in matching(p, f, table).into_iter().enumerate() {
            if !m {
                continue;
            }
            let r = p.row[i] as usize;
            if distinct_orders {
                if last_order[r] != p.order[i] {
                    last_order[r] = p.order[i];
                    out[r] += 1;
                }
            } else {
                out[r] = out[r].saturating_add(p.quantity[i]);
            }
        }
    }
    Column::Int(out.into_iter().map(Some).collect())
}

fn purchase_spend(table: &CustomerTable, f: &LineFilter) -> Column {
    let n = table.len();
    let mut minor: Vec<Option<i64>> = vec![None; n];
    let mut currency = vec![None; n];
    let mut mixed = vec![false; n];
    if let Some(p) = &table.purchases {
        for (i, m) in matching(p, f, table).into_iter().enumerate() {
            let r = p.row[i] as usize;
            if !m || mixed[r] {
                continue;
            }
            match currency[r] {
                None => {
                    currency[r] = Some(p.currency[i]);
                    minor[r] = Some(p.net[i]);
                }
                Some(c) if c == p.currency[i] => minor[r] = minor[r].map(|v| v.saturating_add(p.net[i])),
                Some(_) => {
                    mixed[r] = true;
                    minor[r] = None;
                    currency[r] = None;
                }
            }
        }
    }
    Column::Money { minor, currency }
}

fn category_share(table: &CustomerTable, category: &str) -> Column {
    let n = table.len();
    let Some(s) = &table.category_spend else { return Column::Float(vec![None; n]) };
    Column::Float(
        (0..n)
            .map(|i| {
                let (mut total, mut part) = (0i64, 0i64);
                for (c, v) in s.row(i) {
                    total = total.saturating_add(v);
                    if c == category {
                        part = part.saturating_add(v);
                    }
                }
                (total > 0).then(|| part as f64 / total as f64)
            })
            .collect(),
    )
}

fn map_rows<T: Copy>(v: &[Option<T>], f: impl Fn(T) -> bool) -> Vec<bool> {
    v.iter().map(|x| x.is_some_and(&f)).collect()
}

/// Yes/no per row of `col` against a constant.
fn test_scalar(col: &Column, table: &CustomerTable, pred: &dyn Fn(Ordering) -> bool, s: &Scalar) -> Vec<bool> {
    match (col, s) {
        (Column::Int(v), Scalar::Num(x)) => map_rows(v, |a| (a as f64).partial_cmp(x).is_some_and(pred)),
        (Column::Float(v), Scalar::Num(x)) => map_rows(v, |a| a.partial_cmp(x).is_some_and(pred)),
        (Column::Money { minor, currency }, Scalar::Money(x, c)) => {
            minor.iter().zip(currency).map(|(m, cur)| *cur == Some(*c) && m.is_some_and(|m| pred(m.cmp(x)))).collect()
        }
        (Column::Instant(v), Scalar::Time(t)) => {
            let x = resolve_instant(*t, table);
            map_rows(v, |a| pred(a.cmp(&x)))
        }
        (Column::Date(v), Scalar::Time(t)) => {
            let x = resolve_date(*t, table);
            map_rows(v, |a| pred(i64::from(a).cmp(&x)))
        }
        (Column::Text { codes, dict }, Scalar::Text(x)) => {
            let per_code: Vec<bool> = dict.iter().map(|d| pred(d.as_str().cmp(x.as_str()))).collect();
            codes.iter().map(|c| c.is_some_and(|c| per_code[c as usize])).collect()
        }
        (Column::Bool(v), Scalar::Bool(x)) => map_rows(v, |a| pred(a.cmp(x))),
        _ => vec![false; col.len()],
    }
}

/// `v op x` with the operator chosen once, outside the loop (missing → false).
fn compare_loop<T: Ord + Copy>(v: &[Option<T>], op: CmpOp, x: T) -> Vec<bool> {
    match op {
        CmpOp::Eq => v.iter().map(|a| *a == Some(x)).collect(),
        CmpOp::Ne => v.iter().map(|a| a.is_some_and(|a| a != x)).collect(),
        CmpOp::Lt => v.iter().map(|a| a.is_some_and(|a| a < x)).collect(),
        CmpOp::Le => v.iter().map(|a| a.is_some_and(|a| a <= x)).collect(),
        CmpOp::Gt => v.iter().map(|a| a.is_some_and(|a| a > x)).collect(),
        CmpOp::Ge => v.iter().map(|a| a.is_some_and(|a| a >= x)).collect(),
    }
}

/// The common comparisons (whole-number literals against whole-number
/// columns, instants) without a dynamic call per row; `None` for the rest.
fn fast_compare(col: &Column, table: &CustomerTable, op: CmpOp, s: &Scalar) -> Option<Vec<bool>> {
    match (col, s) {
        (Column::Int(v), Scalar::Num(x)) if x.fract() == 0.0 && x.abs() < 9.0e15 => {
            Some(compare_loop(v, op, *x as i64))
        }
        (Column::Instant(v), Scalar::Time(t)) => Some(compare_loop(v, op, resolve_instant(*t, table))),
        _ => None,
    }
}

fn test_columns(a: &Column, b: &Column, pred: &dyn Fn(Ordering) -> bool) -> Vec<bool> {
    let num = |c: &Column, i: usize| match c {
        Column::Int(v) => v[i].map(|x| x as f64),
        Column::Float(v) => v[i],
        _ => None,
    };
    let n = a.len();
    match (a, b) {
        (Column::Int(_) | Column::Float(_), Column::Int(_) | Column::Float(_)) => (0..n)
            .map(|i| matches!((num(a, i), num(b, i)), (Some(x), Some(y)) if x.partial_cmp(&y).is_some_and(pred)))
            .collect(),
        (Column::Money { minor: ma, currency: ca }, Column::Money { minor: mb, currency: cb }) => (0..n)
            .map(|i| {
                ca[i].is_some() && ca[i] == cb[i] && matches!((ma[i], mb[i]), (Some(x), Some(y)) if pred(x.cmp(&y)))
            })
            .collect(),
        (Column::Instant(x), Column::Instant(y)) => {
            (0..n).map(|i| matches!((x[i], y[i]), (Some(p), Some(q)) if pred(p.cmp(&q)))).collect()
        }
        (Column::Date(x), Column::Date(y)) => {
            (0..n).map(|i| matches!((x[i], y[i]), (Some(p), Some(q)) if pred(p.cmp(&q)))).collect()
        }
        (Column::Bool(x), Column::Bool(y)) => {
            (0..n).map(|i| matches!((x[i], y[i]), (Some(p), Some(q)) if pred(p.cmp(&q)))).collect()
        }
        (Column::Text { codes: x, dict: dx }, Column::Text { codes: y, dict: dy }) => (0..n)
            .map(|i| matches!((x[i], y[i]), (Some(p), Some(q)) if pred(dx[p as usize].cmp(&dy[q as usize]))))
            .collect(),
        _ => vec![false; n],
    }
}

fn is_null(col: &Column) -> Vec<bool> {
    match col {
        Column::Int(v) | Column::Instant(v) => v.iter().map(Option::is_none).collect(),
        Column::Float(v) => v.iter().map(Option::is_none).collect(),
        Column::Money { minor, .. } => minor.iter().map(Option::is_none).collect(),
        Column::Date(v) => v.iter().map(Option::is_none).collect(),
        Column::Bool(v) => v.iter().map(Option::is_none).collect(),
        Column::Text { codes, .. } => codes.iter().map(Option::is_none).collect(),
        Column::List { offsets, .. } => offsets.windows(2).map(|w| w[0] == w[1]).collect(),
    }
}

/// One yes/no per row for `node`.
pub(crate) fn eval(node: &Node, cols: &[Cow<'_, Column>], table: &CustomerTable) -> Vec<bool> {
    let n = table.len();
    match node {
        Node::Const(b) => vec![*b; n],
        Node::And(parts) => {
            let mut acc = eval(&parts[0], cols, table);
            for p in &parts[1..] {
                for (a, b) in acc.iter_mut().zip(eval(p, cols, table)) {
                    *a &= b;
                }
            }
            acc
        }
        Node::Or(parts) => {
            let mut acc = eval(&parts[0], cols, table);
            for p in &parts[1..] {
                for (a, b) in acc.iter_mut().zip(eval(p, cols, table)) {
                    *a |= b;
                }
            }
            acc
        }
        Node::Not(inner) => eval(inner, cols, table).into_iter().map(|b| !b).collect(),
        Node::Cmp { col, op, rhs } => {
            let op = *op;
            let pred = move |o: Ordering| op.holds(o);
            match rhs {
                Rhs::Lit(s) => match fast_compare(&cols[*col], table, op, s) {
                    Some(mask) => mask,
                    None => test_scalar(&cols[*col], table, &pred, s),
                },
                Rhs::Col(c2) => test_columns(&cols[*col], &cols[*c2], &pred),
            }
        }
        Node::Between { col, low, high, negated } => {
            let lo = test_scalar(&cols[*col], table, &|o| o != Ordering::Less, low);
            let hi = test_scalar(&cols[*col], table, &|o| o != Ordering::Greater, high);
            if *negated {
                // NOT BETWEEN is a comparison too: false when the value is missing.
                let comparable = test_scalar(&cols[*col], table, &|_| true, low);
                lo.into_iter().zip(hi).zip(comparable).map(|((a, b), c)| c && !(a && b)).collect()
            } else {
                lo.into_iter().zip(hi).map(|(a, b)| a && b).collect()
            }
        }
        Node::In { col, set, negated } => {
            let mut acc = vec![false; n];
            for s in set {
                for (a, b) in acc.iter_mut().zip(test_scalar(&cols[*col], table, &|o| o == Ordering::Equal, s)) {
                    *a |= b;
                }
            }
            if *negated {
                // NOT IN is a comparison too: false when the value is missing.
                let mut comparable = vec![false; n];
                for s in set {
                    for (c, y) in comparable.iter_mut().zip(test_scalar(&cols[*col], table, &|_| true, s)) {
                        *c |= y;
                    }
                }
                for (a, c) in acc.iter_mut().zip(comparable) {
                    *a = c && !*a;
                }
            }
            acc
        }
        Node::Contains { col, needle } => match cols[*col].as_ref() {
            Column::Text { codes, dict } => {
                let per: Vec<bool> = dict.iter().map(|d| d.contains(needle.as_str())).collect();
                codes.iter().map(|c| c.is_some_and(|c| per[c as usize])).collect()
            }
            Column::List { offsets, values, dict } => match dict.iter().position(|d| d == needle) {
                Some(code) => {
                    offsets.windows(2).map(|w| values[w[0] as usize..w[1] as usize].contains(&(code as u32))).collect()
                }
                None => vec![false; n],
            },
            _ => vec![false; n],
        },
        Node::IsNull { col, negated } => is_null(&cols[*col]).into_iter().map(|b| b != *negated).collect(),
        Node::Truth { col } => match cols[*col].as_ref() {
            Column::Bool(v) => v.iter().map(|b| *b == Some(true)).collect(),
            _ => vec![false; n],
        },
    }
}
