//! The accumulated input of one call and the driver that reads every table.

use arrow_array::{RecordBatch, RecordBatchReader};
use crm_core::column::StrColumn;
use crm_core::error::Error;
use crm_core::facts::{compute_facts, CartColumns, EventColumns, FactsInput, LineColumns, OrderColumns, NEVER};
use crm_core::money::Currency;

use super::{names::*, order_ids::*, rows::*, Options, Tables};
use std::collections::HashMap;
use std::fmt::Write;

use crate::arrow_in::{DictCache, KeyCol, StrCol};
use crate::errors::invalid_input;
use crate::intern::Interner;

/// Everything read so far.
pub(super) struct Build<'a> {
    pub(super) names: &'a Names,
    pub(super) opts: &'a Options,
    pub(super) keys: Interner,
    /// Integer customer ids seen so far and their dense ids.
    pub(super) int_keys: NumberKeys,
    pub(super) created: Vec<i64>,
    pub(super) errors: Errors,
    pub(super) currencies: Vec<Currency>,
    /// The codes of `currencies`, as bytes.
    pub(super) codes: Vec<[u8; 3]>,
    pub(super) last_currency: Option<u16>,
    pub(super) orders: OrderColumns,
    pub(super) order_ids: OrderIds,
    pub(super) lines: LineColumns,
    pub(super) categories: Interner,
    pub(super) carts: CartColumns,
    pub(super) events: EventColumns,
    pub(super) buf: String,
    /// Order ids are needed (lines are given, or duplicates are checked).
    pub(super) read_ids: bool,
}

/// Integer customer ids and their dense ids: each number's decimal text
/// (the key the general reader gives it) is written and interned once,
/// however many rows carry the number.
pub(super) struct NumberKeys {
    ids: HashMap<i128, u32, foldhash::fast::FixedState>,
    text: String,
}

impl Default for NumberKeys {
    fn default() -> Self {
        NumberKeys { ids: HashMap::with_hasher(crate::intern::fixed_hasher()), text: String::new() }
    }
}

impl NumberKeys {
    /// The dense id in `keys` of the number `v`.
    #[inline]
    pub(super) fn id(&mut self, v: i128, keys: &mut Interner) -> u32 {
        if let Some(&id) = self.ids.get(&v) {
            return id;
        }
        self.text.clear();
        let _ = write!(self.text, "{v}");
        let id = keys.intern(&self.text);
        self.ids.insert(v, id);
        id
    }
}

impl<'a> Build<'a> {
    pub(super) fn new(names: &'a Names, opts: &'a Options) -> Self {
        Build {
            names,
            opts,
            keys: Interner::default(),
            int_keys: NumberKeys::default(),
            created: Vec::new(),
            errors: Errors::default(),
            currencies: Vec::new(),
            codes: Vec::new(),
            last_currency: None,
            orders: OrderColumns::default(),
            order_ids: OrderIds::default(),
            lines: LineColumns::default(),
            categories: Interner::default(),
            carts: CartColumns::default(),
            events: EventColumns::default(),
            buf: String::new(),
            read_ids: false,
        }
    }

    /// The dense id of a key (first-seen order).
    #[inline]
    pub(super) fn customer(&mut self, key: &str) -> u32 {
        let id = self.keys.intern(key);
        self.noted(id)
    }

    /// `id`, given its place in `created` when it is a new customer.
    fn noted(&mut self, id: u32) -> u32 {
        if id as usize == self.created.len() {
            self.created.push(NEVER);
        }
        id
    }

    /// The dense id of row `i`'s owner, through the dictionary cache when there is one.
    #[inline]
    pub(super) fn owner(
        &mut self,
        ids: &KeyCol<'_>,
        cache: &mut DictCache<u32>,
        email: Option<&StrCol<'_>>,
        phone: Option<&KeyCol<'_>>,
        i: usize,
    ) -> Option<u32> {
        if let Some(Some(k)) = ids.as_str().and_then(|s| s.dict_key(i)) {
            if let Some(c) = cache.get(k) {
                return Some(c);
            }
            let v = ids.as_str().and_then(|s| s.dict_value(k))?;
            let c = self.customer(v);
            cache.set(k, c);
            return Some(c);
        }
        if let Some(v) = ids.as_int().and_then(|n| n.get(i)) {
            let id = self.int_keys.id(v, &mut self.keys);
            return Some(self.noted(id));
        }
        let mut buf = std::mem::take(&mut self.buf);
        let key = owner_key(ids, email, phone, i, &mut buf).map(|k| self.customer(&k));
        self.buf = buf;
        key
    }

    pub(super) fn currency_index(&mut self, code: &str) -> Result<u16, ()> {
        if let Some(l) = self.last_currency {
            if self.codes[l as usize] == code.as_bytes() {
                return Ok(l);
            }
        }
        let idx = match self.codes.iter().position(|c| c == code.as_bytes()) {
            Some(i) => i as u16,
            None => {
                let c = Currency::new(code).map_err(|_| ())?;
                self.currencies.push(c);
                let b = c.code().as_bytes();
                self.codes.push([b[0], b[1], b[2]]);
                (self.currencies.len() - 1) as u16
            }
        };
        self.last_currency = Some(idx);
        Ok(idx)
    }

    pub(super) fn batches(
        reader: Box<dyn RecordBatchReader + Send>,
        table: &'static str,
        mut f: impl FnMut(&RecordBatch, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut base = 0usize;
        for batch in reader {
            let batch = batch.map_err(|e| read_error(table, e))?;
            f(&batch, base)?;
            base += batch.num_rows();
        }
        Ok(())
    }
    /// Sorts the customer keys and renumbers every customer column to match.
    pub(super) fn finish(self) -> FactsInput {
        let Build { keys, created, mut orders, lines, categories, mut carts, mut events, currencies, .. } = self;
        let order = keys.sorted_order();
        let n = order.len();
        let mut rank = vec![0u32; n];
        for (new, &old) in order.iter().enumerate() {
            rank[old as usize] = new as u32;
        }
        let bytes: usize = (0..n as u32).map(|i| keys.get(i).len()).sum();
        let mut ids = StrColumn::with_capacity(n, bytes);
        for &old in &order {
            ids.push(keys.get_str(old));
        }
        let customer_created_at = order.iter().map(|&old| created[old as usize]).collect();
        for col in [&mut orders.customer, &mut carts.customer, &mut events.customer] {
            for c in col.iter_mut() {
                *c = rank[*c as usize];
            }
        }
        let categories = (0..categories.len() as u32).map(|i| categories.get_str(i).to_string()).collect();
        FactsInput { customer_ids: ids, customer_created_at, orders, lines, carts, events, categories, currencies }
    }
}

/// Reads every table and computes the facts.
pub(crate) fn run(tables: Tables, names: &Names, opts: &Options) -> Result<crm_core::facts::CustomerFacts, Error> {
    let timing = std::env::var_os("CRM_PY_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let input = load(tables, names, opts)?;
    let f = compute_facts(&input, opts.as_of, &opts.facts)?;
    if timing {
        eprintln!("compute: {:.3}", t0.elapsed().as_secs_f64());
    }
    Ok(f)
}

/// RFM scores of the tables: the orders read, then one pass over them
/// ([`crm_core::segment::rfm_from_input`]).
pub(crate) fn run_rfm(
    tables: Tables,
    names: &Names,
    opts: &Options,
    rfm: &crm_core::segment::RfmOptions,
) -> Result<crm_core::segment::RfmScores, Error> {
    let timing = std::env::var_os("CRM_PY_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let only_orders =
        tables.order_lines.is_none() && tables.carts.is_none() && tables.events.is_none() && tables.customers.is_none();
    let tables = if only_orders {
        // Orders alone: try the two-thread aggregating reader first (it
        // gives up, and the general reader runs, on anything unusual).
        let schema = tables.orders.schema();
        let batches: Vec<RecordBatch> = tables.orders.collect::<Result<_, _>>().map_err(|e| read_error("orders", e))?;
        if let Some(s) = super::rfm_fast::try_rfm(&batches, names, opts, rfm) {
            if timing {
                eprintln!("rfm (fast): {:.3}", t0.elapsed().as_secs_f64());
            }
            return Ok(s);
        }
        let reader = arrow_array::RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
        Tables { orders: Box::new(reader), ..tables }
    } else {
        tables
    };
    let input = load(tables, names, opts)?;
    let s = crm_core::segment::rfm_from_input(&input, opts.as_of, &opts.facts, rfm)?;
    if timing {
        eprintln!("rfm: {:.3}", t0.elapsed().as_secs_f64());
    }
    Ok(s)
}

/// Reads every table into a columnar input with interned customers.
pub(crate) fn load(tables: Tables, names: &Names, opts: &Options) -> Result<crm_core::facts::FactsInput, Error> {
    let timing = std::env::var_os("CRM_PY_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let lap = |what: &str| {
        if timing {
            eprintln!("{what}: {:.3}", t0.elapsed().as_secs_f64());
        }
    };
    let mut b = Build::new(names, opts);
    b.read_ids = tables.order_lines.is_some();
    b.read_orders(tables.orders)?;
    lap("orders");
    if let Some(r) = tables.order_lines {
        b.read_lines(r)?;
    }
    if let Some(r) = tables.carts {
        b.read_carts(r)?;
    }
    if let Some(r) = tables.events {
        b.read_events(r)?;
    }
    if let Some(r) = tables.customers {
        b.read_customers(r)?;
    }
    if b.keys.len() > u32::MAX as usize {
        return Err(invalid_input("customer_id", "more than 2^32 customers"));
    }
    lap("tables");
    let input = b.finish();
    lap("finish");
    Ok(input)
}
