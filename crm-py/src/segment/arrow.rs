//! Arrow columns → the core's typed [`Column`]s (only the columns asked for).

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use crm_core::error::Error;
use crm_core::facts::CategorySpend;
use crm_core::money::Currency;
use crm_core::segment::{Column, CustomerTable};

use super::Inputs;
use crate::arrow_in::{StrCol, TimeCol};
use crate::errors::invalid_input;

/// Money columns of the facts and RFM tables: integers in minor units of the `currency` column.
const MONEY: &[&str] = &["net_spend", "average_order_value", "refund_amount", "monetary"];

pub(super) fn concat(batches: &[RecordBatch], i: usize) -> Vec<ArrayRef> {
    batches.iter().map(|b| b.column(i).clone()).collect()
}

pub(super) fn from_arrow(
    batches: &[RecordBatch],
    schema: &arrow_schema::SchemaRef,
    inp: &Inputs,
    wanted: Option<&[String]>,
    with_ids: bool,
) -> Result<CustomerTable, Error> {
    let n: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let mut table = if with_ids {
        let idx = schema.index_of(&inp.id_column).map_err(|_| {
            invalid_input(inp.id_column.as_str(), "the facts table has no such column (pass customer_id=\"…\")")
        })?;
        let arrays = concat(batches, idx);
        let mut ids: Vec<&str> = Vec::with_capacity(n);
        for a in &arrays {
            let s =
                StrCol::new(a).ok_or_else(|| invalid_input(inp.id_column.as_str(), "customer ids must be strings"))?;
            ids.extend((0..a.len()).map(|i| s.get(i).unwrap_or_default()));
        }
        CustomerTable::new(ids, inp.as_of)
    } else {
        CustomerTable::new(std::iter::repeat_n("", n), inp.as_of)
    };
    if let Some(z) = inp.zone {
        table.zone = z;
    }
    for (i, field) in schema.fields().iter().enumerate() {
        let name = field.name();
        if wanted.is_some_and(|w| !w.iter().any(|w| w == name)) {
            // Known for "did you mean", not converted.
            table.unavailable.insert(name.clone(), "not loaded".into());
            continue;
        }
        let arrays = concat(batches, i);
        if name == "spend_by_category" {
            match category_spend(&arrays) {
                Some(s) => table.category_spend = Some(s),
                None => {
                    table.unavailable.insert(name.clone(), "expected a map<string, int64> column".into());
                }
            }
            continue;
        }
        match column(&arrays, field.data_type()) {
            Some(mut col) => {
                if MONEY.contains(&name.as_str()) {
                    if let (Column::Int(v), Some(cur)) = (&col, currency_column(batches, schema)?) {
                        col = Column::Money { minor: v.clone(), currency: cur };
                    }
                }
                table.insert(name, col)?;
            }
            None => {
                table
                    .unavailable
                    .insert(name.clone(), format!("columns of type {} are not supported", field.data_type()));
            }
        }
    }
    Ok(table)
}

fn currency_column(
    batches: &[RecordBatch],
    schema: &arrow_schema::SchemaRef,
) -> Result<Option<Vec<Option<Currency>>>, Error> {
    let Ok(i) = schema.index_of("currency") else { return Ok(None) };
    let arrays = concat(batches, i);
    let mut out = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
    let mut seen: std::collections::HashMap<&str, Currency> = std::collections::HashMap::new();
    for a in &arrays {
        let s = StrCol::new(a).ok_or_else(|| invalid_input("currency", "expected currency codes as strings"))?;
        for r in 0..a.len() {
            out.push(match s.get(r) {
                None => None,
                Some(code) => Some(match seen.get(code) {
                    Some(c) => *c,
                    None => {
                        let c = Currency::new(code)?;
                        seen.insert(code, c);
                        c
                    }
                }),
            });
        }
    }
    Ok(Some(out))
}

/// Interns strings borrowed from Arrow arrays into a column dictionary.
struct Dict<'a> {
    index: std::collections::HashMap<&'a str, u32>,
    values: Vec<String>,
}

impl<'a> Dict<'a> {
    fn new() -> Self {
        Dict { index: std::collections::HashMap::new(), values: Vec::new() }
    }

    fn code(&mut self, s: &'a str) -> u32 {
        if let Some(&c) = self.index.get(s) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(s.to_string());
        self.index.insert(s, c);
        c
    }

    /// Codes of every row of a string array (dictionary entries are interned once).
    fn codes(&mut self, a: &'a ArrayRef, out: &mut Vec<Option<u32>>) -> Option<()> {
        let s = StrCol::new(a)?;
        match s.dictionary() {
            Some(d) => {
                let entries: Vec<Option<u32>> = (0..d.len()).map(|k| s.dict_value(k).map(|v| self.code(v))).collect();
                out.extend(
                    (0..a.len()).map(|i| s.dict_key(i).flatten().and_then(|k| entries.get(k).copied().flatten())),
                );
            }
            None => out.extend((0..a.len()).map(|i| s.get(i).map(|v| self.code(v)))),
        }
        Some(())
    }
}

fn ints(arrays: &[ArrayRef], f: impl Fn(&ArrayRef) -> Option<Vec<Option<i64>>>) -> Option<Vec<Option<i64>>> {
    let mut out = Vec::new();
    for a in arrays {
        out.extend(f(a)?);
    }
    Some(out)
}

macro_rules! prim {
    ($arrays:expr, $t:ty) => {
        ints($arrays, |a| {
            let p = a.as_primitive_opt::<$t>()?;
            Some(p.iter().map(|v| v.and_then(|v| i64::try_from(v).ok())).collect())
        })
    };
}

/// A typed column from Arrow arrays (`None` for unsupported types).
fn column(arrays: &[ArrayRef], dt: &DataType) -> Option<Column> {
    Some(match dt {
        DataType::Int8 => Column::Int(prim!(arrays, Int8Type)?),
        DataType::Int16 => Column::Int(prim!(arrays, Int16Type)?),
        DataType::Int32 => Column::Int(prim!(arrays, Int32Type)?),
        DataType::Int64 => Column::Int(prim!(arrays, Int64Type)?),
        DataType::UInt8 => Column::Int(prim!(arrays, UInt8Type)?),
        DataType::UInt16 => Column::Int(prim!(arrays, UInt16Type)?),
        DataType::UInt32 => Column::Int(prim!(arrays, UInt32Type)?),
        DataType::UInt64 => Column::Int(prim!(arrays, UInt64Type)?),
        DataType::Float32 | DataType::Float64 => {
            let mut out = Vec::new();
            for a in arrays {
                if let Some(p) = a.as_primitive_opt::<Float64Type>() {
                    out.extend(p.iter().map(|v| v.filter(|x| !x.is_nan())));
                } else {
                    let p = a.as_primitive_opt::<Float32Type>()?;
                    out.extend(p.iter().map(|v| v.map(f64::from).filter(|x| !x.is_nan())));
                }
            }
            Column::Float(out)
        }
        DataType::Boolean => {
            let mut out = Vec::new();
            for a in arrays {
                out.extend(a.as_boolean_opt()?.iter());
            }
            Column::Bool(out)
        }
        DataType::Timestamp(_, _) => {
            let mut out = Vec::new();
            for a in arrays {
                let t = TimeCol::new(a)?;
                for i in 0..a.len() {
                    out.push(t.get(i).ok().flatten());
                }
            }
            Column::Instant(out)
        }
        DataType::Date32 | DataType::Date64 => {
            let mut out = Vec::new();
            for a in arrays {
                if let Some(p) = a.as_primitive_opt::<Date32Type>() {
                    out.extend(p.iter());
                } else {
                    let p = a.as_primitive_opt::<Date64Type>()?;
                    out.extend(p.iter().map(|v| v.and_then(|ms| i32::try_from(ms.div_euclid(86_400_000)).ok())));
                }
            }
            Column::Date(out)
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(_, _) => {
            let mut dict = Dict::new();
            let mut codes = Vec::new();
            for a in arrays {
                dict.codes(a, &mut codes)?;
            }
            Column::Text { codes, dict: dict.values }
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let mut dict = Dict::new();
            let mut offsets = vec![0u32];
            let mut values: Vec<u32> = Vec::new();
            for a in arrays {
                let (child, bounds): (&ArrayRef, Vec<(usize, usize)>) = if let Some(l) = a.as_list_opt::<i32>() {
                    let o = l.value_offsets();
                    (
                        l.values(),
                        (0..l.len())
                            .map(|i| if l.is_valid(i) { (o[i] as usize, o[i + 1] as usize) } else { (0, 0) })
                            .collect(),
                    )
                } else {
                    let l = a.as_list_opt::<i64>()?;
                    let o = l.value_offsets();
                    (
                        l.values(),
                        (0..l.len())
                            .map(|i| if l.is_valid(i) { (o[i] as usize, o[i + 1] as usize) } else { (0, 0) })
                            .collect(),
                    )
                };
                let mut codes = Vec::with_capacity(child.len());
                dict.codes(child, &mut codes)?;
                for (from, to) in bounds {
                    values.extend(codes[from..to].iter().flatten());
                    offsets.push(values.len() as u32);
                }
            }
            Column::List { offsets, values, dict: dict.values }
        }
        _ => return None,
    })
}

/// `spend_by_category` (map<string, int64>) as [`CategorySpend`].
fn category_spend(arrays: &[ArrayRef]) -> Option<CategorySpend> {
    let mut rows: Vec<Vec<(String, i64)>> = Vec::new();
    for a in arrays {
        let m = a.as_map_opt()?;
        for i in 0..m.len() {
            let mut row = Vec::new();
            if m.is_valid(i) {
                let entries = m.value(i);
                let keys = StrCol::new(entries.column(0))?;
                let vals = entries.column(1).as_primitive_opt::<Int64Type>()?;
                for j in 0..entries.len() {
                    if let (Some(k), true) = (keys.get(j), vals.is_valid(j)) {
                        row.push((k.to_string(), vals.value(j)));
                    }
                }
            }
            rows.push(row);
        }
    }
    let mut names: Vec<String> = rows.iter().flatten().map(|(k, _)| k.clone()).collect();
    names.sort();
    names.dedup();
    let mut s = CategorySpend { categories: names, offsets: vec![0], ..CategorySpend::default() };
    for mut row in rows {
        row.sort();
        for (k, v) in row {
            let c = s.categories.binary_search(&k).ok()? as u32;
            s.category.push(c);
            s.amount.push(v);
        }
        s.offsets.push(s.category.len() as u32);
    }
    Some(s)
}
