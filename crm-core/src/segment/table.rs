//! The customer table rules are evaluated over: one row per customer, named
//! typed columns (facts, customer attributes, consent, RFM, LTV …), plus the
//! purchase lines that purchase functions read.

use std::collections::BTreeMap;
use std::fmt;

use crate::column::StrColumn;
use crate::facts::CategorySpend;
use crate::money::Currency;
use crate::time::TimeZone;

/// The kind of a column or of a rule operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// Whole or decimal number.
    Number,
    /// Money in minor units with a currency per row.
    Money,
    /// An instant (µs since the epoch).
    Instant,
    /// A calendar date.
    Date,
    /// Text.
    Text,
    /// Yes/no.
    Bool,
    /// A list of texts (tags).
    List,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ty::Number => "a number",
            Ty::Money => "money",
            Ty::Instant => "an instant",
            Ty::Date => "a date",
            Ty::Text => "text",
            Ty::Bool => "yes/no",
            Ty::List => "a list",
        })
    }
}

/// One typed column; `None` is a missing value.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// Whole numbers.
    Int(Vec<Option<i64>>),
    /// Decimal numbers.
    Float(Vec<Option<f64>>),
    /// Money: minor units and the currency of each row.
    Money {
        /// Amounts in minor units.
        minor: Vec<Option<i64>>,
        /// Currency per row.
        currency: Vec<Option<Currency>>,
    },
    /// Instants, µs since the epoch.
    Instant(Vec<Option<i64>>),
    /// Dates, days since 1970-01-01.
    Date(Vec<Option<i32>>),
    /// Yes/no.
    Bool(Vec<Option<bool>>),
    /// Texts, dictionary-encoded: row values index `dict`.
    Text {
        /// Code per row.
        codes: Vec<Option<u32>>,
        /// Distinct values.
        dict: Vec<String>,
    },
    /// Lists of texts: row `i` is `values[offsets[i]..offsets[i + 1]]`, indexing `dict`.
    List {
        /// Row boundaries (one more than rows).
        offsets: Vec<u32>,
        /// Codes.
        values: Vec<u32>,
        /// Distinct values.
        dict: Vec<String>,
    },
}

impl Column {
    /// The column's kind.
    pub fn ty(&self) -> Ty {
        match self {
            Column::Int(_) | Column::Float(_) => Ty::Number,
            Column::Money { .. } => Ty::Money,
            Column::Instant(_) => Ty::Instant,
            Column::Date(_) => Ty::Date,
            Column::Bool(_) => Ty::Bool,
            Column::Text { .. } => Ty::Text,
            Column::List { .. } => Ty::List,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Int(v) | Column::Instant(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Money { minor, .. } => minor.len(),
            Column::Date(v) => v.len(),
            Column::Bool(v) => v.len(),
            Column::Text { codes, .. } => codes.len(),
            Column::List { offsets, .. } => offsets.len().saturating_sub(1),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A text column from optional strings (dictionary built in first-seen order).
    pub fn text<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> Column {
        let mut dict: Vec<String> = Vec::new();
        let mut index: std::collections::HashMap<&'a str, u32> = std::collections::HashMap::new();
        let codes = values
            .into_iter()
            .map(|v| {
                v.map(|s| {
                    *index.entry(s).or_insert_with(|| {
                        dict.push(s.to_string());
                        (dict.len() - 1) as u32
                    })
                })
            })
            .collect();
        Column::Text { codes, dict }
    }

    /// A list column from rows of strings.
    pub fn list<'a, R: IntoIterator<Item = &'a str>>(rows: impl IntoIterator<Item = R>) -> Column {
        let mut dict: Vec<String> = Vec::new();
        let mut index: std::collections::HashMap<&'a str, u32> = std::collections::HashMap::new();
        let mut offsets = vec![0u32];
        let mut values = Vec::new();
        for row in rows {
            for s in row {
                let code = *index.entry(s).or_insert_with(|| {
                    dict.push(s.to_string());
                    (dict.len() - 1) as u32
                });
                values.push(code);
            }
            offsets.push(values.len() as u32);
        }
        Column::List { offsets, values, dict }
    }

    /// Row `i` as JSON (for explanations): money as `{"amount", "currency"}`,
    /// instants and dates as text.
    pub fn value_json(&self, i: usize) -> serde_json::Value {
        use serde_json::{json, Value};
        match self {
            Column::Int(v) => v[i].map_or(Value::Null, |x| json!(x)),
            Column::Float(v) => v[i].map_or(Value::Null, |x| json!(x)),
            Column::Money { minor, currency } => match (minor[i], currency[i]) {
                (Some(m), Some(c)) => json!({"amount": m, "currency": c.code()}),
                (Some(m), None) => json!(m),
                _ => Value::Null,
            },
            Column::Instant(v) => {
                v[i].and_then(crate::time::from_micros).map_or(Value::Null, |t| json!(crate::time::format_instant(t)))
            }
            Column::Date(v) => {
                v[i].and_then(date_from_days).map_or(Value::Null, |d| json!(d.format("%Y-%m-%d").to_string()))
            }
            Column::Bool(v) => v[i].map_or(Value::Null, |x| json!(x)),
            Column::Text { codes, dict } => codes[i].map_or(Value::Null, |c| json!(dict[c as usize])),
            Column::List { offsets, values, dict } => {
                let (a, b) = (offsets[i] as usize, offsets[i + 1] as usize);
                json!(values[a..b].iter().map(|&c| dict[c as usize].as_str()).collect::<Vec<_>>())
            }
        }
    }
}

/// Days since 1970-01-01 of a date.
pub fn days_from_date(d: chrono::NaiveDate) -> i32 {
    (d - chrono::NaiveDate::default()).num_days() as i32
}

/// The date `days` after 1970-01-01.
pub fn date_from_days(days: i32) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::default().checked_add_signed(chrono::TimeDelta::try_days(i64::from(days))?)
}

/// Lines of counted orders, for the purchase functions
/// (`products_purchased`, `orders_with`, `spend`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Purchases {
    /// Customer row of each line.
    pub row: Vec<u32>,
    /// Order number of each line (distinct per order).
    pub order: Vec<u32>,
    /// When the line's order was placed (µs).
    pub placed_at: Vec<i64>,
    /// Quantity.
    pub quantity: Vec<i64>,
    /// Line net in minor units of `currency`.
    pub net: Vec<i64>,
    /// The order's currency.
    pub currency: Vec<Currency>,
    /// Category path of each line: `category_codes[category_offsets[i]..category_offsets[i + 1]]` into `names`.
    pub category_offsets: Vec<u32>,
    /// Category codes.
    pub category_codes: Vec<u32>,
    /// Brand code (into `names`).
    pub brand: Vec<Option<u32>>,
    /// Product id code.
    pub product: Vec<Option<u32>>,
    /// SKU code.
    pub sku: Vec<Option<u32>>,
    /// Interned names of categories, brands, products and SKUs.
    pub names: Vec<String>,
}

impl Purchases {
    /// Code of a name, if any line uses it.
    pub fn code(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|p| p as u32)
    }
}

/// A table of customers for rule evaluation.
///
/// Build it from a store with [`CustomerTable::from_store`](crate::segment::CustomerTable::from_store),
/// or column by column (the Python binding builds it from an Arrow table).
///
/// ```
/// use crm_core::segment::{Column, CustomerTable};
/// let mut t = CustomerTable::new(["a", "b"], 0);
/// t.insert("order_count", Column::Int(vec![Some(1), Some(3)]))?;
/// assert_eq!(t.len(), 2);
/// assert!(t.insert("x", Column::Int(vec![Some(1)])).is_err()); // wrong length
/// # Ok::<(), crm_core::segment::SegmentError>(())
/// ```
#[derive(Clone, Debug)]
pub struct CustomerTable {
    /// Customer keys, one per row.
    pub customer_id: StrColumn,
    /// The evaluation instant (µs): `-30d`, `TODAY`, ages and birthdays are relative to it.
    pub as_of: i64,
    /// The store's time zone, for `TODAY`, dates and calendar months (default UTC).
    pub zone: TimeZone,
    pub(crate) columns: BTreeMap<String, Column>,
    /// Lines of counted orders, when known.
    pub purchases: Option<Purchases>,
    /// Spend per top-level category, when known (`category_share`).
    pub category_spend: Option<CategorySpend>,
    /// Membership of named segments, for `in_segment`.
    pub segments: BTreeMap<String, Vec<bool>>,
    /// Why fields that could not be computed are missing (`r`: mixed currencies …).
    pub unavailable: BTreeMap<String, String>,
    /// The one currency of `net_spend`, when every row shares it (computed once).
    money_currency: std::sync::OnceLock<Option<Currency>>,
}

impl CustomerTable {
    /// The `as_of` of a table that has no evaluation instant: rules with
    /// relative times (`-30d`, `TODAY`) are refused on it.
    pub const NO_INSTANT: i64 = i64::MIN;

    /// An empty table (no columns yet) of the given customers, evaluated as of `as_of` (µs), in UTC.
    pub fn new<'a>(customer_ids: impl IntoIterator<Item = &'a str>, as_of: i64) -> CustomerTable {
        let mut ids = StrColumn::new();
        for id in customer_ids {
            ids.push(id);
        }
        CustomerTable {
            customer_id: ids,
            as_of,
            zone: TimeZone(chrono_tz::UTC),
            columns: BTreeMap::new(),
            purchases: None,
            category_spend: None,
            segments: BTreeMap::new(),
            unavailable: BTreeMap::new(),
            money_currency: std::sync::OnceLock::new(),
        }
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customer_id.len()
    }

    /// True when there are no customers.
    pub fn is_empty(&self) -> bool {
        self.customer_id.is_empty()
    }

    /// Adds or replaces a column.
    ///
    /// # Errors
    /// [`SegmentError::InvalidOption`](crate::segment::SegmentError::InvalidOption) when its length differs from the table's.
    pub fn insert(&mut self, name: &str, column: Column) -> Result<(), crate::segment::SegmentError> {
        if column.len() != self.len() {
            return Err(crate::segment::SegmentError::InvalidOption {
                field: name.to_string(),
                message: format!("column has {} rows, the table {}", column.len(), self.len()),
            });
        }
        if name == "net_spend" {
            self.money_currency = std::sync::OnceLock::new();
        }
        self.columns.insert(name.to_string(), column);
        Ok(())
    }

    /// The currency of every row's `net_spend`, when they all share one
    /// (rules then refuse money literals in another currency at compile time).
    pub fn money_currency(&self) -> Option<Currency> {
        *self.money_currency.get_or_init(|| {
            let Some(Column::Money { currency, .. }) = self.columns.get("net_spend") else { return None };
            let mut it = currency.iter().flatten();
            let first = *it.next()?;
            it.all(|c| *c == first).then_some(first)
        })
    }

    /// The column of a field.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.get(name)
    }

    /// Field names, sorted.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.columns.keys().map(String::as_str)
    }

    /// Row of a customer key.
    pub fn row_of(&self, customer_id: &str) -> Option<usize> {
        self.customer_id.iter().position(|c| c == customer_id)
    }
}
