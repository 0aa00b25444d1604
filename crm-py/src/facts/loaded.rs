//! `crm_core.LoadedOrders`: an orders table read once (ids interned, every
//! row validated, refunds resolved as of its instant), for fast RFM runs.

use crm_core::error::Error;
use crm_core::facts::{FactsInput, FactsOptions};
use crm_core::segment::{
    rfm_facts_options, rfm_from_accumulators_with, rfm_from_input, RfmAccumulator, RfmOptions, RfmScores, RfmWindow,
};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

use super::output;
use crate::errors::CoreResult;
use crate::pyjson::from_py;

/// Loaded orders; see `crm_core.load_orders` in `crm_core/__init__.py`.
#[pyclass(module = "crm_core._native", frozen)]
pub(crate) struct LoadedOrders {
    pub(super) input: FactsInput,
    pub(super) as_of: i64,
    pub(super) facts: FactsOptions,
    /// The customer ids as an Arrow column, built once.
    pub(super) ids: arrow_array::ArrayRef,
}

#[pymethods]
impl LoadedOrders {
    /// Number of orders.
    fn __len__(&self) -> usize {
        self.input.orders.len()
    }

    /// Number of customers (guests included).
    #[getter]
    fn customers(&self) -> usize {
        self.input.customer_ids.len()
    }

    /// The instant the orders were loaded as of (µs since the epoch).
    #[getter]
    fn as_of_micros(&self) -> i64 {
        self.as_of
    }

    /// RFM values, scores and segments (`rfm`: the JSON RFM options, `{"k",
    /// "thresholds", "window_days"}`; `segments`: a preset name or a list of
    /// `{"name", "rule"}`).
    #[pyo3(signature = (rfm=None, segments=None))]
    fn rfm<'py>(
        &self,
        py: Python<'py>,
        rfm: Option<&Bound<'py, PyAny>>,
        segments: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = match rfm.filter(|r| !r.is_none()) {
            Some(r) => RfmOptions::from_json(&from_py(r).py(py)?).py(py)?,
            None => RfmOptions::default(),
        };
        let map = super::segment_map(segments).py(py)?;
        let batch = py
            .detach(|| -> Result<_, Error> {
                let scores = match two_thread_rfm(&self.input, self.as_of, &self.facts, &options)? {
                    Some(s) => s,
                    None => rfm_from_input(&self.input, self.as_of, &self.facts, &options)?,
                };
                output::rfm_table(&scores, map.as_ref(), Some(self.ids.clone()))
            })
            .py(py)?;
        let schema = batch.schema();
        PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)
    }

    fn __repr__(&self) -> String {
        format!("LoadedOrders({} orders, {} customers)", self.input.orders.len(), self.input.customer_ids.len())
    }
}

/// RFM of loaded orders on two threads: the orders are grouped by customer,
/// so the rows split at a customer boundary near the middle and each thread
/// fills its own customers' accumulators, then checks them. `None` (and
/// [`rfm_from_input`] runs) with exchange rates, a row whose customer is not
/// in its thread's range (the rows are not grouped), or an accumulator that
/// is not clean (the error is then worded by the facts).
fn two_thread_rfm(
    input: &FactsInput,
    as_of: i64,
    facts: &FactsOptions,
    options: &RfmOptions,
) -> Result<Option<RfmScores>, Error> {
    let o = &input.orders;
    let n = input.customer_ids.len();
    let rows = o.customer.len();
    let fo = rfm_facts_options(facts, options, as_of)?;
    let shaped = [o.placed_at.len(), o.total.len(), o.refunded.len(), o.status.len(), o.currency.len()]
        .iter()
        .all(|&l| l == rows);
    if fo.rates.is_some() || !shaped || rows < 2 {
        return Ok(None);
    }
    let window = RfmWindow { after: fo.orders_after.unwrap_or(i64::MIN), as_of };
    let mut mid = rows / 2;
    while mid < rows && o.customer[mid] == o.customer[mid - 1] {
        mid += 1;
    }
    let split = if mid < rows { (o.customer[mid] as usize).min(n) } else { n };
    let mut acc = vec![RfmAccumulator::EMPTY; n];
    let (lo, hi) = acc.split_at_mut(split);
    // True when every row's customer is among `acc` (numbered from `first`)
    // and every accumulator is clean.
    let fill = |range: std::ops::Range<usize>, acc: &mut [RfmAccumulator], first: usize| {
        for i in range {
            let Some(a) = (o.customer[i] as usize).checked_sub(first).and_then(|k| acc.get_mut(k)) else {
                return false;
            };
            a.add(&window, o.placed_at[i], o.status[i], o.total[i], o.refunded[i], o.currency[i]);
        }
        acc.iter().all(RfmAccumulator::is_clean)
    };
    let (a, b) = crate::threads::both(|| fill(0..mid, lo, 0), || fill(mid..rows, hi, split));
    if !(matches!(a, Ok(true)) && matches!(b, Ok(true))) {
        return Ok(None);
    }
    let ids = input.customer_ids.clone();
    Ok(Some(rfm_from_accumulators_with(ids, &acc, &input.currencies, as_of, options, &crate::threads::Threads)?))
}
