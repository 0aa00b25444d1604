//! Column names and types: which column of which table holds which field.

use std::collections::HashMap;

use arrow_schema::SchemaRef;
use crm_core::error::Error;

use crate::arrow_in::{check_type, Kind, Naive};
use crate::errors::invalid_input;

/// Column names: `(table, field)` → the column's name in that table.
pub(crate) struct Names(HashMap<(&'static str, &'static str), String>);

/// Every `(table, field)` the reader knows, for the `columns=` mapping.
pub(crate) const FIELDS: &[(&str, &[&str])] = &[
    (
        "orders",
        &[
            "order_id",
            "customer_id",
            "email",
            "phone",
            "placed_at",
            "total",
            "currency",
            "status",
            "discount",
            "refunded",
            "refunded_at",
        ],
    ),
    ("order_lines", &["order_id", "category", "quantity", "unit_price", "discount"]),
    ("carts", &["customer_id", "email", "phone", "created_at", "updated_at", "converted_at", "converted_order_id"]),
    ("events", &["customer_id", "at"]),
    ("customers", &["customer_id", "created_at"]),
];

impl Names {
    /// Defaults: every column is named as its field.
    pub(crate) fn new() -> Names {
        let mut m = HashMap::new();
        for (t, fields) in FIELDS {
            for f in *fields {
                m.insert((*t, *f), f.to_string());
            }
        }
        Names(m)
    }

    /// Renames `field` in every table that has it.
    pub(crate) fn set_everywhere(&mut self, field: &str, name: &str) {
        for ((_, f), v) in self.0.iter_mut() {
            if *f == field {
                *v = name.to_string();
            }
        }
    }

    /// Renames `table.field`; an unknown key is an error.
    pub(crate) fn set(&mut self, key: &str, name: &str) -> Result<(), Error> {
        let slot = key
            .split_once('.')
            .and_then(|(t, f)| self.0.iter_mut().find(|((tt, ff), _)| *tt == t && *ff == f).map(|(_, v)| v));
        match slot {
            Some(v) => {
                *v = name.to_string();
                Ok(())
            }
            None => {
                let known: Vec<String> =
                    FIELDS.iter().flat_map(|(t, fs)| fs.iter().map(move |f| format!("{t}.{f}"))).collect();
                Err(invalid_input("columns", format!("unknown key `{key}` (expected one of: {})", known.join(", "))))
            }
        }
    }

    pub(super) fn get(&self, table: &'static str, field: &'static str) -> &str {
        self.0.get(&(table, field)).map_or(field, String::as_str)
    }
}

/// Where each field is in a table's schema (`None`: absent, allowed for optional fields).
pub(super) struct Layout {
    pub(super) cols: Vec<(&'static str, String, Option<usize>)>,
}

impl Layout {
    pub(super) fn idx(&self, field: &str) -> Option<usize> {
        self.cols.iter().find(|(f, ..)| *f == field).and_then(|(_, _, i)| *i)
    }

    /// The user's name of the column of `field` (for error fields).
    pub(super) fn name<'s>(&'s self, field: &'s str) -> &'s str {
        self.cols.iter().find(|(f, ..)| *f == field).map_or(field, |(_, n, _)| n.as_str())
    }
}

/// Resolves fields against a schema: `(field, kind, required)`; checks types.
pub(super) fn layout(
    schema: &SchemaRef,
    table: &'static str,
    names: &Names,
    fields: &[(&'static str, Kind, bool)],
    naive: Naive,
) -> Result<Layout, Error> {
    let mut cols = Vec::new();
    for &(field, kind, required) in fields {
        let name = names.get(table, field).to_string();
        let idx = schema.index_of(&name).ok();
        match idx {
            None if required => {
                let have: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                let how = if ["order_id", "customer_id", "email", "phone"].contains(&field) {
                    format!("{field}=\"…\"")
                } else {
                    format!("columns={{\"{table}.{field}\": \"…\"}}")
                };
                return Err(invalid_input(
                    format!("{table}.{name}"),
                    format!(
                        "column `{name}` is missing (the table has: {}); name another column with {how}",
                        have.join(", ")
                    ),
                ));
            }
            Some(i) => {
                let dt = schema.field(i).data_type();
                check_type(table, &name, dt, kind, naive).map_err(|m| invalid_input(format!("{table}.{name}"), m))?;
            }
            None => {}
        }
        cols.push((field, name, idx));
    }
    Ok(Layout { cols })
}

pub(super) fn read_error(table: &str, e: impl std::fmt::Display) -> Error {
    invalid_input(table, format!("reading the table failed: {e}"))
}
