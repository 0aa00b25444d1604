//! Canonical text of a rule: keywords in capitals, single-quoted strings,
//! parentheses around every nested AND and OR (and only there). Parsing the printed text gives
//! the same tree back.

use std::fmt::{self, Write};

use super::ast::{Arg, Expr, Literal, Operand};
use crate::time::{format_instant, from_micros};

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(f, self, Ctx::Top)
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field { name, .. } => f.write_str(name),
            Operand::Call { name, args, .. } => {
                write!(f, "{name}(")?;
                for (i, Arg { name, value, .. }) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if let Some(n) = name {
                        write!(f, "{n}: ")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_char(')')
            }
            Operand::Literal { value, .. } => write!(f, "{value}"),
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Number(v) => write!(f, "{v}"),
            Literal::Money { minor, currency } => {
                let exp = u32::from(currency.minor_unit_exponent());
                let scale = 10u64.pow(exp);
                let abs = minor.unsigned_abs();
                let sign = if *minor < 0 { "-" } else { "" };
                if exp == 0 || abs % scale == 0 {
                    write!(f, "{sign}{} {}", abs / scale, currency.code())
                } else {
                    write!(f, "{sign}{}.{:0w$} {}", abs / scale, abs % scale, currency.code(), w = exp as usize)
                }
            }
            Literal::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            // Out of range only when built by hand in Rust (text and JSON check the range).
            Literal::Instant(us) => match from_micros(*us) {
                Some(t) => f.write_str(&format_instant(t)),
                None => write!(f, "INVALID_INSTANT_{us}"),
            },
            Literal::Relative { amount, unit } => {
                let sign = if *amount < 0 { '-' } else { '+' };
                write!(f, "{sign}{}{}", amount.unsigned_abs(), unit.letter())
            }
            Literal::Today => f.write_str("TODAY"),
            Literal::Str(s) => {
                f.write_char('\'')?;
                for c in s.chars() {
                    match c {
                        '\'' => f.write_str("\\'")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\t' => f.write_str("\\t")?,
                        c => f.write_char(c)?,
                    }
                }
                f.write_char('\'')
            }
            Literal::Bool(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Top,
    InOr,
    InAnd,
    InNot,
}

fn write_expr(f: &mut fmt::Formatter<'_>, e: &Expr, ctx: Ctx) -> fmt::Result {
    match e {
        Expr::Or(parts) => {
            let paren = ctx != Ctx::Top;
            join(f, parts, " OR ", Ctx::InOr, paren)
        }
        Expr::And(parts) => {
            // Inside OR the parentheses are not needed, but they keep the rule readable.
            let paren = ctx != Ctx::Top;
            join(f, parts, " AND ", Ctx::InAnd, paren)
        }
        Expr::Not(inner) => {
            f.write_str("NOT ")?;
            write_expr(f, inner, Ctx::InNot)
        }
        Expr::Compare { left, op, right } => write!(f, "{left} {} {right}", op.as_str()),
        Expr::Between { operand, low, high, negated } => {
            let not = if *negated { "NOT " } else { "" };
            write!(f, "{operand} {not}BETWEEN {low} AND {high}")
        }
        Expr::In { operand, values, negated } => {
            let not = if *negated { "NOT " } else { "" };
            write!(f, "{operand} {not}IN (")?;
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            f.write_char(')')
        }
        Expr::Contains { operand, value } => write!(f, "{operand} CONTAINS {value}"),
        Expr::IsNull { operand, negated } => {
            write!(f, "{operand} IS {}NULL", if *negated { "NOT " } else { "" })
        }
        Expr::Truth(o) => write!(f, "{o}"),
        Expr::BirthdayWithin { days, .. } => write!(f, "BIRTHDAY WITHIN {days}d"),
        Expr::Const(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
    }
}

fn join(f: &mut fmt::Formatter<'_>, parts: &[Expr], sep: &str, ctx: Ctx, paren: bool) -> fmt::Result {
    if paren {
        f.write_char('(')?;
    }
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write_expr(f, p, ctx)?;
    }
    if paren {
        f.write_char(')')?;
    }
    Ok(())
}
