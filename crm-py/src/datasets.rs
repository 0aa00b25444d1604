//! `crm_core.datasets.sample_store`: the Rust generator's columns as pyarrow tables.
//!
//! Ids are strings (`c0000001`, `o00000001`, `k00000001`; references to
//! another table's rows dictionary-encoded over its ids), instants
//! `timestamp[us, tz=UTC]`, money `int64` minor units. Product attributes of
//! lines, cart items and events are dictionary-encoded over the catalogue
//! (pandas categoricals), so a ten-million-line table stays small.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow_array::builder::StringBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray, UInt32Array,
};
use arrow_schema::{ArrowError, Field, Schema};
use crm_core::datasets::{self as core, cart_id, customer_id, order_id, SampleOptions, GUEST};
use crm_core::model::{Channel, ConsentStatus, EventKind, Gender, IncomeTier, Purpose, RecipientType};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

use crate::errors::{invalid_input, CoreResult};
use crate::facts::as_of_micros;
use crate::pyjson::to_py_value;

type Columns = Vec<(&'static str, ArrayRef)>;

fn strings<S: AsRef<str>>(v: impl Iterator<Item = Option<S>>) -> ArrayRef {
    Arc::new(v.collect::<StringArray>())
}

fn plain<S: AsRef<str>>(v: impl Iterator<Item = S>) -> ArrayRef {
    strings(v.map(Some))
}

fn instants(v: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(v.collect::<TimestampMicrosecondArray>().with_timezone("UTC"))
}

fn ints(v: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(v.to_vec()))
}

/// A catalogue attribute per row, dictionary-encoded over its distinct values
/// (pandas requires unique categories; several products share a category or brand).
fn product_attr<S: AsRef<str>>(products: impl Iterator<Item = Option<u32>>, values: &[S]) -> ArrayRef {
    let mut distinct: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, i32> = HashMap::new();
    let of_product: Vec<i32> = values
        .iter()
        .map(|v| {
            let v = v.as_ref();
            *index.entry(v).or_insert_with(|| {
                distinct.push(v);
                (distinct.len() - 1) as i32
            })
        })
        .collect();
    let keys: Int32Array = products.map(|p| p.map(|p| of_product[p as usize])).collect();
    let values: ArrayRef = Arc::new(distinct.iter().map(|s| Some(*s)).collect::<StringArray>());
    match DictionaryArray::<Int32Type>::try_new(keys, values) {
        Ok(d) => Arc::new(d),
        // Keys are indexes into `distinct`, always in range.
        Err(_) => Arc::new(StringArray::new_null(0)),
    }
}

/// The ids of rows `0..n` (`id(row)`), in one string array.
fn id_values(n: usize, id: fn(u32) -> String) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(n, n * id(0).len());
    for r in 0..n as u32 {
        b.append_value(id(r));
    }
    Arc::new(b.finish())
}

/// Ids of referenced rows, dictionary-encoded over `values` (the ids of every
/// row of the referenced table); [`GUEST`] is null.
fn id_refs(rows: impl Iterator<Item = u32>, values: &ArrayRef) -> ArrayRef {
    let keys: Int32Array = rows.map(|r| (r != GUEST).then_some(r as i32)).collect();
    match DictionaryArray::<Int32Type>::try_new(keys, values.clone()) {
        Ok(d) => Arc::new(d),
        // Rows always point inside their table.
        Err(_) => Arc::new(StringArray::new_null(0)),
    }
}

fn gender(g: Gender) -> &'static str {
    match g {
        Gender::Female => "female",
        Gender::Male => "male",
        Gender::NonBinary => "non_binary",
        Gender::Other => "other",
        Gender::Undisclosed => "undisclosed",
    }
}

fn income(t: IncomeTier) -> &'static str {
    match t {
        IncomeTier::Budget => "budget",
        IncomeTier::Mid => "mid",
        IncomeTier::Premium => "premium",
    }
}

fn channel(c: Channel) -> &'static str {
    match c {
        Channel::Email => "email",
        Channel::Sms => "sms",
        Channel::Call => "call",
        Channel::Push => "push",
    }
}

fn event_kind(k: EventKind) -> &'static str {
    match k {
        EventKind::ProductViewed => "product_viewed",
        EventKind::AddedToCart => "added_to_cart",
        EventKind::CheckoutStarted => "checkout_started",
        EventKind::MessageOpened => "message_opened",
        EventKind::MessageClicked => "message_clicked",
        EventKind::Custom => "custom",
    }
}

fn batch(cols: Columns) -> Result<RecordBatch, ArrowError> {
    let fields: Vec<Field> = cols.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols.into_iter().map(|(_, a)| a).collect())
}

fn tables(s: &core::SampleStore, table: &str) -> Result<RecordBatch, ArrowError> {
    // Customer ids, for the tables that have or refer to customers.
    let ids = || id_values(s.customers.len(), customer_id);
    let cat = &s.catalog;
    let cols: Columns = match table {
        "customers" => {
            let c = &s.customers;
            vec![
                ("customer_id", ids()),
                ("created_at", instants(c.created_at.iter().map(|&t| Some(t)))),
                ("email", strings(c.email.iter().map(Option::as_ref))),
                ("phone", strings(c.phone.iter().map(Option::as_ref))),
                ("first_name", plain(c.first_name.iter())),
                ("last_name", plain(c.last_name.iter())),
                ("birth_date", strings(c.birth_date.iter().map(|b| b.map(|b| b.to_string())))),
                ("gender", strings(c.gender.iter().map(|g| g.map(gender)))),
                ("city", plain(c.city.iter())),
                ("country", plain(c.country.iter())),
                ("time_zone", plain(c.time_zone.iter())),
                ("locale", plain(c.locale.iter())),
                ("currency", plain(c.currency.iter().map(|c| c.code()))),
                ("income_tier", strings(c.income_tier.iter().map(|t| t.map(income)))),
            ]
        }
        "orders" => {
            let o = &s.orders;
            vec![
                ("order_id", id_values(o.len(), order_id)),
                ("customer_id", id_refs(o.customer.iter().copied(), &ids())),
                ("email", strings(o.email.iter().map(Option::as_ref))),
                ("placed_at", instants(o.placed_at.iter().map(|&t| Some(t)))),
                ("currency", plain(o.currency.iter().map(|c| c.code()))),
                ("subtotal", ints(&o.subtotal)),
                ("discount", ints(&o.discount)),
                ("order_discount", ints(&o.order_discount)),
                ("shipping", ints(&o.shipping)),
                ("tax", ints(&o.tax)),
                ("taxes_included", Arc::new(BooleanArray::from(o.taxes_included.clone()))),
                ("total", ints(&o.total)),
                ("status", plain(o.status.iter().map(|s| s.as_str()))),
                ("refunded", ints(&o.refunded)),
                ("refunded_at", instants(o.refunded_at.iter().copied())),
                ("coupon_code", strings(o.coupon_code.iter().copied())),
                ("channel", plain(o.channel.iter())),
                ("utm_source", strings(o.utm_source.iter().copied())),
                ("utm_medium", strings(o.utm_medium.iter().copied())),
                ("utm_campaign", strings(o.utm_campaign.iter().copied())),
            ]
        }
        "order_lines" => {
            let l = &s.order_lines;
            let p = || l.product.iter().map(|&p| Some(p));
            vec![
                ("order_id", id_refs(l.order.iter().copied(), &id_values(s.orders.len(), order_id))),
                ("sku", product_attr(p(), &cat.sku)),
                ("product_id", product_attr(p(), &cat.product_id)),
                ("title", product_attr(p(), &cat.title)),
                ("category", product_attr(p(), &cat.category)),
                ("subcategory", product_attr(p(), &cat.subcategory)),
                ("brand", product_attr(p(), &cat.brand)),
                ("quantity", Arc::new(UInt32Array::from(l.quantity.clone()))),
                ("unit_price", ints(&l.unit_price)),
                ("discount", ints(&l.discount)),
            ]
        }
        "carts" => {
            let k = &s.carts;
            vec![
                ("cart_id", id_values(k.len(), cart_id)),
                ("customer_id", id_refs(k.customer.iter().copied(), &ids())),
                ("email", strings(k.email.iter().map(Option::as_ref))),
                ("currency", plain(k.currency.iter().map(|c| c.code()))),
                ("created_at", instants(k.created_at.iter().map(|&t| Some(t)))),
                ("updated_at", instants(k.updated_at.iter().map(|&t| Some(t)))),
                (
                    "converted_order_id",
                    id_refs(k.converted_order.iter().map(|r| r.unwrap_or(GUEST)), &id_values(s.orders.len(), order_id)),
                ),
                ("converted_at", instants(k.converted_at.iter().copied())),
            ]
        }
        "cart_items" => {
            let it = &s.cart_items;
            let p = || it.product.iter().map(|&p| Some(p));
            vec![
                ("cart_id", id_refs(it.cart.iter().copied(), &id_values(s.carts.len(), cart_id))),
                ("sku", product_attr(p(), &cat.sku)),
                ("product_id", product_attr(p(), &cat.product_id)),
                ("title", product_attr(p(), &cat.title)),
                ("category", product_attr(p(), &cat.category)),
                ("quantity", Arc::new(UInt32Array::from(it.quantity.clone()))),
                ("unit_price", ints(&it.unit_price)),
            ]
        }
        "consents" => {
            let g = &s.consents;
            vec![
                ("customer_id", id_refs(g.customer.iter().copied(), &ids())),
                ("channel", plain(g.channel.iter().map(|&c| channel(c)))),
                (
                    "purpose",
                    plain(
                        g.purpose.iter().map(|p| if *p == Purpose::Marketing { "marketing" } else { "transactional" }),
                    ),
                ),
                (
                    "status",
                    plain(g.status.iter().map(|s| if *s == ConsentStatus::Granted { "granted" } else { "withdrawn" })),
                ),
                ("at", instants(g.at.iter().map(|&t| Some(t)))),
                ("source", plain(g.source.iter())),
                ("proof", plain(g.proof.iter())),
                (
                    "recipient_type",
                    plain(g.recipient_type.iter().map(|r| {
                        if *r == RecipientType::Merchant {
                            "merchant"
                        } else {
                            "individual"
                        }
                    })),
                ),
            ]
        }
        "events" => {
            let e = &s.events;
            vec![
                ("customer_id", id_refs(e.customer.iter().copied(), &ids())),
                ("kind", plain(e.kind.iter().map(|&k| event_kind(k)))),
                ("at", instants(e.at.iter().map(|&t| Some(t)))),
                ("product_id", product_attr(e.product.iter().copied(), &cat.product_id)),
                ("category", product_attr(e.product.iter().copied(), &cat.category)),
            ]
        }
        other => return Err(ArrowError::InvalidArgumentError(format!("no table {other}"))),
    };
    batch(cols)
}

/// A generated store: one pyarrow table per kind of record, built on first access.
#[pyclass(module = "crm_core._native", frozen)]
pub(crate) struct SampleStore {
    inner: Arc<core::SampleStore>,
    cache: [OnceLock<Py<PyAny>>; 7],
}

const TABLES: [&str; 7] = ["customers", "orders", "order_lines", "carts", "cart_items", "consents", "events"];

impl SampleStore {
    fn table(&self, py: Python<'_>, i: usize) -> PyResult<Py<PyAny>> {
        if let Some(t) = self.cache[i].get() {
            return Ok(t.clone_ref(py));
        }
        let inner = self.inner.clone();
        let name = TABLES[i];
        let b = py
            .detach(move || tables(&inner, name))
            .map_err(|e| invalid_input(name, format!("building the table: {e}")))
            .py(py)?;
        let schema = b.schema();
        let t = PyTable::try_new(vec![b], schema)?.into_pyarrow(py)?.unbind();
        Ok(self.cache[i].get_or_init(|| t).clone_ref(py))
    }
}

#[pymethods]
impl SampleStore {
    /// Customers: `customer_id`, `created_at`, contact, name, `birth_date`, `gender`, location, `time_zone`, `locale`, `currency`, `income_tier`.
    #[getter]
    fn customers(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.table(py, 0)
    }
    /// Orders: feeds `crm_core.customer_facts` as it is.
    #[getter]
    fn orders(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.table(py, 1)
    }
    /// Order lines, with `order_id` and the product's catalogue attributes.
    #[getter]
    fn order_lines(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.table(py, 2)
    }
    /// Carts (about 70 % abandoned; converted ones name their order).
    #[getter]
    fn carts(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.table(py, 3)
    }
    /// Cart items, with `cart_id`.
    #[getter]
    fn cart_items(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.table(py, 4)
    }
    /// Consent events.
    #[getter]
    fn consents(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.table(py, 5)
    }
    /// Behavioural events.
    #[getter]
    fn events(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.table(py, 6)
    }

    /// The store as a JSON-compatible dict (the store document of `crm_core.call`).
    fn to_store<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        let v = py
            .detach(move || serde_json::to_value(inner.to_store()))
            .map_err(|e| invalid_input("store", format!("cannot serialise: {e}")))
            .py(py)?;
        to_py_value(py, &v)
    }

    fn __repr__(&self) -> String {
        format!(
            "SampleStore(customers={}, orders={}, order_lines={}, carts={}, events={})",
            self.inner.customers.len(),
            self.inner.orders.len(),
            self.inner.order_lines.len(),
            self.inner.carts.len(),
            self.inner.events.len()
        )
    }
}

/// Generates a sample store (see `crm_core.datasets.sample_store`).
#[pyfunction]
#[pyo3(signature = (customers=1000, seed=42, *, start=None, days=730))]
pub(crate) fn sample_store(
    py: Python<'_>,
    customers: usize,
    seed: u64,
    start: Option<&Bound<'_, PyAny>>,
    days: u32,
) -> PyResult<SampleStore> {
    let start_micros = match start {
        Some(s) => as_of_micros(s).py(py)?,
        None => SampleOptions::default().start_micros,
    };
    let options = SampleOptions { customers, seed, start_micros, days };
    let inner = py.detach(move || core::sample_store(&options)).py(py)?;
    Ok(SampleStore { inner: Arc::new(inner), cache: Default::default() })
}
