//! The rule language: readable text for people, a JSON tree for machines,
//! checked against a customer table's fields and evaluated over its columns.
//! The grammar, every field and every function are in `docs/segments.md`.
//!
//! ```
//! use crm_core::segment::{Column, CustomerTable, Rule};
//! let mut t = CustomerTable::new(["ann", "bob", "cem"], 0);
//! t.insert("order_count", Column::Int(vec![Some(3), Some(1), None]))?;
//! t.insert("tags", Column::list([vec!["vip"], vec![], vec!["vip", "b2b"]]))?;
//!
//! let rule = Rule::parse("order_count >= 2 OR tags contains 'b2b'")?;
//! assert_eq!(rule.to_string(), "order_count >= 2 OR tags CONTAINS 'b2b'");
//! assert_eq!(rule.filter(&t)?, ["ann", "cem"]);
//! // A comparison with a missing value is false; NOT is its complement.
//! assert_eq!(Rule::parse("NOT order_count >= 2")?.evaluate(&t)?, [false, true, true]);
//!
//! let err = Rule::parse("order_cnt >= 2")?.evaluate(&t).unwrap_err();
//! assert_eq!(err.to_string(), "1:1: unknown field `order_cnt` (did you mean `order_count`?)");
//! # Ok::<(), crm_core::segment::SegmentError>(())
//! ```

mod ast;
mod compile;
mod eval;
mod explain;
mod json;
mod lexer;
mod parser;
mod print;

use std::fmt;

use serde_json::Value;

pub use ast::{Arg, CmpOp, Expr, Literal, Operand, Pos, TimeUnit};
pub use compile::{closest, FUNCTIONS};
pub use parser::{is_keyword, parse};

use crate::segment::table::CustomerTable;
use crate::segment::SegmentError;
use compile::{Checker, Program};

/// A parsed rule. Parse it once; check and evaluate it over any number of tables.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    expr: Expr,
}

impl Rule {
    /// Parses rule text.
    ///
    /// # Errors
    /// [`SegmentError::Syntax`] with line, column, what was expected and what was found.
    ///
    /// ```
    /// use crm_core::segment::Rule;
    /// let e = Rule::parse("order_count >= 2 AND\n  net_spend > 1000 TRY AND")
    ///     .unwrap_err();
    /// assert_eq!(e.to_string(), "2:27: expected a field, function or value, found end of rule");
    /// ```
    pub fn parse(text: &str) -> Result<Rule, SegmentError> {
        Ok(Rule { expr: parse(text)? })
    }

    /// A rule from its JSON tree (see [`Expr::to_json`]).
    ///
    /// # Errors
    /// [`SegmentError::InvalidAst`] naming the path of the bad node.
    pub fn from_json(v: &Value) -> Result<Rule, SegmentError> {
        Ok(Rule { expr: Expr::from_json(v)? })
    }

    /// A rule from its text (a JSON string) or its tree (a JSON object).
    ///
    /// # Errors
    /// As [`Rule::parse`] and [`Rule::from_json`].
    pub fn from_value(v: &Value) -> Result<Rule, SegmentError> {
        match v {
            Value::String(s) => Rule::parse(s),
            other => Rule::from_json(other),
        }
    }

    /// The syntax tree.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The fields the rule reads, sorted (`days_to_birthday` for `BIRTHDAY
    /// WITHIN`, `spend_by_category` for `category_share`), so a caller can
    /// load only those columns.
    ///
    /// ```
    /// use crm_core::segment::Rule;
    /// let r = Rule::parse("r >= 4 AND (tags CONTAINS 'vip' OR r = 1) AND BIRTHDAY WITHIN 3d")?;
    /// assert_eq!(r.fields(), ["days_to_birthday", "r", "tags"]);
    /// # Ok::<(), crm_core::segment::SegmentError>(())
    /// ```
    pub fn fields(&self) -> Vec<String> {
        fn operand(o: &Operand, out: &mut Vec<String>) {
            match o {
                Operand::Field { name, .. } => out.push(name.clone()),
                Operand::Call { name, .. } if name == "category_share" => out.push("spend_by_category".into()),
                _ => {}
            }
        }
        fn walk(e: &Expr, out: &mut Vec<String>) {
            match e {
                Expr::And(p) | Expr::Or(p) => p.iter().for_each(|x| walk(x, out)),
                Expr::Not(x) => walk(x, out),
                Expr::Compare { left, right, .. } => {
                    operand(left, out);
                    operand(right, out);
                }
                Expr::Between { operand: o, .. }
                | Expr::In { operand: o, .. }
                | Expr::Contains { operand: o, .. }
                | Expr::IsNull { operand: o, .. }
                | Expr::Truth(o) => operand(o, out),
                Expr::BirthdayWithin { .. } => out.push("days_to_birthday".into()),
                Expr::Const(_) => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.expr, &mut out);
        out.sort();
        out.dedup();
        out
    }

    /// The JSON tree.
    pub fn to_json(&self) -> Value {
        self.expr.to_json()
    }

    fn program(&self, table: &CustomerTable) -> Result<Program, SegmentError> {
        let mut c = Checker::new(table);
        let node = c.check(&self.expr)?;
        Ok(Program { node, sources: c.sources })
    }

    /// Checks fields, functions and types against a table without evaluating.
    ///
    /// # Errors
    /// [`SegmentError::UnknownField`], [`SegmentError::UnknownFunction`],
    /// [`SegmentError::UnknownSegment`], [`SegmentError::TypeMismatch`],
    /// [`SegmentError::CurrencyMismatch`], [`SegmentError::InvalidArgument`] or
    /// [`SegmentError::Unavailable`], each with its line and column.
    pub fn check(&self, table: &CustomerTable) -> Result<(), SegmentError> {
        self.program(table).map(|_| ())
    }

    /// Membership of every customer of the table, in row order.
    ///
    /// # Errors
    /// As [`Rule::check`].
    pub fn evaluate(&self, table: &CustomerTable) -> Result<Vec<bool>, SegmentError> {
        let p = self.program(table)?;
        let cols = eval::columns(&p, table);
        Ok(eval::eval(&p.node, &cols, table))
    }

    /// Customer keys of the members, in row order.
    ///
    /// # Errors
    /// As [`Rule::check`].
    pub fn filter(&self, table: &CustomerTable) -> Result<Vec<String>, SegmentError> {
        let mask = self.evaluate(table)?;
        Ok(mask.iter().enumerate().filter(|(_, &m)| m).map(|(i, _)| table.customer_id.get(i).to_string()).collect())
    }

    /// Why a customer is in or out: every clause with the values it read and
    /// whether it held (`docs/segments.md` shows the shape).
    ///
    /// # Errors
    /// As [`Rule::check`]; [`SegmentError::InvalidOption`] when the customer is not in the table.
    pub fn explain(&self, table: &CustomerTable, customer_id: &str) -> Result<Value, SegmentError> {
        let p = self.program(table)?;
        let row = table.row_of(customer_id).ok_or_else(|| SegmentError::InvalidOption {
            field: "customer_id".into(),
            message: format!("no customer `{customer_id}` in the table"),
        })?;
        Ok(explain::explain(&self.expr, &p, table, row))
    }
}

impl fmt::Display for Rule {
    /// The canonical text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}
