//! Explanations: for one customer, every clause of a rule with the values it
//! read and whether it held.

use std::borrow::Cow;

use serde_json::{json, Map, Value};

use super::ast::{Expr, Operand};
use super::compile::{source_name, Node, Program, Rhs};
use super::eval;
use crate::segment::table::{Column, CustomerTable};

/// `{"customer_id", "result", "clause", "values", "parts"?}` for row `row`.
pub(crate) fn explain(expr: &Expr, p: &Program, table: &CustomerTable, row: usize) -> Value {
    let cols = eval::columns(p, table);
    let mut out = node(expr, &p.node, p, &cols, table, row);
    if let Value::Object(m) = &mut out {
        m.insert("customer_id".into(), json!(table.customer_id.get(row)));
    }
    out
}

fn node(expr: &Expr, n: &Node, p: &Program, cols: &[Cow<'_, Column>], table: &CustomerTable, row: usize) -> Value {
    let result = eval::eval(n, cols, table)[row];
    let mut m = Map::new();
    m.insert("clause".into(), json!(expr.to_string()));
    m.insert("result".into(), json!(result));
    let parts: Option<Vec<Value>> = match (expr, n) {
        (Expr::And(es), Node::And(ns)) | (Expr::Or(es), Node::Or(ns)) => {
            Some(es.iter().zip(ns).map(|(e, n)| node(e, n, p, cols, table, row)).collect())
        }
        (Expr::Not(e), Node::Not(n)) => Some(vec![node(e, n, p, cols, table, row)]),
        _ => None,
    };
    match parts {
        Some(parts) => {
            m.insert("parts".into(), Value::Array(parts));
        }
        None => {
            let mut values = Map::new();
            let mut put = |col: usize| {
                values.insert(source_name(&p.sources[col].0), cols[col].value_json(row));
            };
            match n {
                Node::Cmp { col, rhs, .. } => {
                    put(*col);
                    if let Rhs::Col(c2) = rhs {
                        put(*c2);
                    }
                }
                Node::Between { col, .. }
                | Node::In { col, .. }
                | Node::Contains { col, .. }
                | Node::IsNull { col, .. }
                | Node::Truth { col } => put(*col),
                _ => {}
            }
            // Resolved instants of relative literals, so "-30d" shows its date.
            if let Expr::Compare { left, right, .. } = expr {
                for o in [left, right] {
                    if let Operand::Literal { value, .. } = o {
                        if let Some(v) = resolved(value, table) {
                            values.insert(value.to_string(), v);
                        }
                    }
                }
            }
            m.insert("values".into(), Value::Object(values));
        }
    }
    Value::Object(m)
}

fn resolved(l: &super::ast::Literal, table: &CustomerTable) -> Option<Value> {
    use super::ast::Literal;
    use super::compile::TimeLit;
    let t = match l {
        Literal::Relative { amount, unit } => TimeLit::Relative(*amount, *unit),
        Literal::Today => TimeLit::Today,
        _ => return None,
    };
    let us = eval::resolve_instant(t, table);
    crate::time::from_micros(us).map(|t| json!(crate::time::format_instant(t)))
}
