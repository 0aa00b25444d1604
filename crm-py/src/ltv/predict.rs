//! `ltv_predict` and `ltv_clv`: vectorised predictions over broadcast float64
//! columns (each of length N or 1), computed on every core with the GIL released.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array};
use crm_core::ltv::{check_customer, check_spend, customer_lifetime_values, GammaGammaParams, LtvError, PurchaseModel};
use pyo3::prelude::*;
use pyo3_arrow::PyArray;

use super::columns::{bad_option, bad_row, broadcast_len, check_horizon, count, is_whole, map_rows, read_all, Column};
use super::model::Fitted;
use crate::errors::CoreResult;

const ALIVE: &str = "conditional_probability_alive";
const CONDITIONAL: &str = "conditional_expected_number_of_purchases_up_to_time";
const EXPECTED: &str = "expected_number_of_purchases_up_to_time";
const N_PURCHASES: &str = "probability_of_n_purchases_up_to_time";
const FIRST_N: &str = "probability_of_frequency_in_first_n_periods";
const PROFIT: &str = "conditional_expected_average_profit";

/// The columns a prediction takes, in order, by lifetimes' argument names.
fn column_names(model: &Fitted, what: &str) -> Result<&'static [&'static str], LtvError> {
    let names: &'static [&'static str] = match (model, what) {
        (Fitted::BgNbd(_) | Fitted::MbgNbd(_) | Fitted::ParetoNbd(_), CONDITIONAL) => {
            &["t", "frequency", "recency", "T"]
        }
        (Fitted::BgNbd(_) | Fitted::MbgNbd(_) | Fitted::ParetoNbd(_), ALIVE) => &["frequency", "recency", "T"],
        (Fitted::BgNbd(_) | Fitted::MbgNbd(_) | Fitted::ParetoNbd(_), EXPECTED) => &["t"],
        (Fitted::BgNbd(_) | Fitted::MbgNbd(_), N_PURCHASES) => &["t", "n"],
        (Fitted::BgBb(_), CONDITIONAL | ALIVE) => &["m_periods_in_future", "frequency", "recency", "n_periods"],
        (Fitted::BgBb(_), FIRST_N) => &["n", "frequency"],
        (Fitted::GammaGamma(_), PROFIT) => &["frequency", "monetary_value"],
        _ => return Err(bad_option("what", format!("the model has no prediction `{what}`"))),
    };
    Ok(names)
}

/// Prediction `what` of `model` (with `params` in lifetimes' order) over
/// `columns`, returned as a float64 pyarrow array of the broadcast length.
///
/// | model | `what` | columns |
/// |---|---|---|
/// | bgnbd, mbgnbd, pareto_nbd | `conditional_expected_number_of_purchases_up_to_time` | t, frequency, recency, T |
/// | bgnbd, mbgnbd, pareto_nbd | `conditional_probability_alive` | frequency, recency, T |
/// | bgnbd, mbgnbd, pareto_nbd | `expected_number_of_purchases_up_to_time` | t |
/// | bgnbd, mbgnbd | `probability_of_n_purchases_up_to_time` | t, n |
/// | bgbb | `conditional_expected_number_of_purchases_up_to_time`, `conditional_probability_alive` | m_periods_in_future, frequency, recency, n_periods |
/// | bgbb | `probability_of_frequency_in_first_n_periods` | n, frequency |
/// | gamma_gamma | `conditional_expected_average_profit` | frequency, monetary_value |
///
/// With `check` (the default) every row is validated as lifetimes defines
/// the columns; without it the formulas run on whatever they are given
/// (`conditional_probability_alive_matrix` uses that).
///
/// # Errors
/// `LtvError`: bad parameters or columns (`invalid_option`), a bad row (`invalid_summary`).
#[pyfunction]
#[pyo3(signature = (model, params, what, columns, check=true))]
pub(super) fn ltv_predict<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    what: &str,
    columns: Vec<PyArray>,
    check: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let fitted = Fitted::new(model, &params).py(py)?;
    let names = column_names(&fitted, what).py(py)?;
    let cols = read_all(names, columns).py(py)?;
    let what = what.to_string();
    let out = py.detach(move || predict(fitted, &what, &cols, check)).py(py)?;
    to_pyarrow(py, out)
}

fn to_pyarrow(py: Python<'_>, values: Vec<f64>) -> PyResult<Bound<'_, PyAny>> {
    let array: ArrayRef = Arc::new(Float64Array::from(values));
    let unbound = PyArray::from_array_ref(array).to_pyarrow(py)?.unbind();
    Ok(unbound.into_bound(py))
}

fn predict(model: Fitted, what: &str, c: &[Column], check: bool) -> Result<Vec<f64>, LtvError> {
    let n = broadcast_len(c)?;
    match (model, what) {
        (Fitted::BgNbd(p), CONDITIONAL) => {
            conditional(n, c, check, |t, x, tx, tt| p.conditional_expected_purchases(t, x, tx, tt))
        }
        (Fitted::MbgNbd(p), CONDITIONAL) => {
            conditional(n, c, check, |t, x, tx, tt| p.conditional_expected_purchases(t, x, tx, tt))
        }
        (Fitted::ParetoNbd(p), CONDITIONAL) => {
            conditional(n, c, check, |t, x, tx, tt| p.conditional_expected_purchases(t, x, tx, tt))
        }
        (Fitted::BgNbd(p), ALIVE) => alive(n, c, check, |x, tx, t| p.probability_alive(x, tx, t)),
        (Fitted::MbgNbd(p), ALIVE) => alive(n, c, check, |x, tx, t| p.probability_alive(x, tx, t)),
        (Fitted::ParetoNbd(p), ALIVE) => alive(n, c, check, |x, tx, t| p.probability_alive(x, tx, t)),
        (Fitted::BgNbd(p), EXPECTED) => expected(n, c, check, |t| p.expected_purchases(t)),
        (Fitted::MbgNbd(p), EXPECTED) => expected(n, c, check, |t| p.expected_purchases(t)),
        (Fitted::ParetoNbd(p), EXPECTED) => expected(n, c, check, |t| p.expected_purchases(t)),
        (Fitted::BgNbd(p), N_PURCHASES) => n_purchases(n, c, check, |t, k| p.probability_of_purchases(t, k)),
        (Fitted::MbgNbd(p), N_PURCHASES) => n_purchases(n, c, check, |t, k| p.probability_of_purchases(t, k)),
        (Fitted::BgBb(p), CONDITIONAL) => {
            opportunities(n, c, check, |m, x, tx, k| p.conditional_expected_purchases(m, x, tx, k))
        }
        (Fitted::BgBb(p), ALIVE) => opportunities(n, c, check, |m, x, tx, k| p.probability_alive(m, x, tx, k)),
        (Fitted::BgBb(p), FIRST_N) => map_rows(n, |i| {
            let periods = count(i, "n", c[0].at(i), check)?;
            let x = count(i, "frequency", c[1].at(i), check)?;
            Ok(p.probability_of_purchases(periods, x))
        }),
        (Fitted::GammaGamma(p), PROFIT) => map_rows(n, |i| {
            let (x, m) = (c[0].at(i), c[1].at(i));
            if check {
                check_spend(i, x, m)?;
            }
            Ok(p.conditional_expected_average_profit(x, m))
        }),
        _ => Err(bad_option("what", format!("the model has no prediction `{what}`"))),
    }
}

fn conditional(
    n: usize,
    c: &[Column],
    check: bool,
    f: impl Fn(f64, f64, f64, f64) -> f64 + Sync,
) -> Result<Vec<f64>, LtvError> {
    map_rows(n, |i| {
        let (t, x, tx, tt) = (c[0].at(i), c[1].at(i), c[2].at(i), c[3].at(i));
        if check {
            check_horizon(i, "t", t)?;
            check_customer(i, x, tx, tt)?;
        }
        Ok(f(t, x, tx, tt))
    })
}

fn alive(n: usize, c: &[Column], check: bool, f: impl Fn(f64, f64, f64) -> f64 + Sync) -> Result<Vec<f64>, LtvError> {
    map_rows(n, |i| {
        let (x, tx, t) = (c[0].at(i), c[1].at(i), c[2].at(i));
        if check {
            check_customer(i, x, tx, t)?;
        }
        Ok(f(x, tx, t))
    })
}

fn expected(n: usize, c: &[Column], check: bool, f: impl Fn(f64) -> f64 + Sync) -> Result<Vec<f64>, LtvError> {
    map_rows(n, |i| {
        let t = c[0].at(i);
        if check {
            check_horizon(i, "t", t)?;
        }
        Ok(f(t))
    })
}

fn n_purchases(n: usize, c: &[Column], check: bool, f: impl Fn(f64, u32) -> f64 + Sync) -> Result<Vec<f64>, LtvError> {
    map_rows(n, |i| {
        let t = c[0].at(i);
        if check {
            check_horizon(i, "t", t)?;
        }
        Ok(f(t, count(i, "n", c[1].at(i), check)?))
    })
}

fn opportunities(
    n: usize,
    c: &[Column],
    check: bool,
    f: impl Fn(u32, f64, f64, f64) -> f64 + Sync,
) -> Result<Vec<f64>, LtvError> {
    map_rows(n, |i| {
        let m = count(i, "m_periods_in_future", c[0].at(i), check)?;
        let (x, tx, periods) = (c[1].at(i), c[2].at(i), c[3].at(i));
        if check {
            check_opportunities(i, x, tx, periods)?;
        }
        Ok(f(m, x, tx, periods))
    })
}

/// A BG/BB row: whole numbers with x ≤ n, tx ≤ n, tx ≥ x when x > 0 and tx = 0 when x = 0.
fn check_opportunities(i: usize, x: f64, tx: f64, n: f64) -> Result<(), LtvError> {
    if !is_whole(n) {
        return Err(bad_row(i, "n_periods", "must be a whole number ≥ 0"));
    }
    if !is_whole(x) || x > n {
        return Err(bad_row(i, "frequency", "must be a whole number from 0 to n_periods"));
    }
    if !is_whole(tx) || tx > n || (x > 0.0 && tx < x) || (x == 0.0 && tx != 0.0) {
        return Err(bad_row(i, "recency", "must be a whole number from frequency to n_periods (0 without purchases)"));
    }
    Ok(())
}

/// Discounted lifetime value per customer over `time` months, as lifetimes'
/// `GammaGammaFitter.customer_lifetime_value`: `model` (`bgnbd`, `mbgnbd`
/// or `pareto_nbd`, with `params`) predicts the purchases of each month,
/// Gamma-Gamma (`gamma_gamma_params`: p, q, v) their value, discounted by
/// (1 + `discount_rate`)^month. `periods_per_month`: 30 for days, 4.345
/// for weeks, 1 for months, 720 for hours. Columns: frequency, recency, T,
/// monetary_value (each of length N or 1).
///
/// # Errors
/// `LtvError`: bad parameters, options or rows.
#[pyfunction]
#[pyo3(signature = (model, params, gamma_gamma_params, columns, time, discount_rate, periods_per_month, check=true))]
#[allow(clippy::too_many_arguments)]
pub(super) fn ltv_clv<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    gamma_gamma_params: Vec<f64>,
    columns: Vec<PyArray>,
    time: u32,
    discount_rate: f64,
    periods_per_month: f64,
    check: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let fitted = Fitted::new(model, &params).py(py)?;
    let Fitted::GammaGamma(gg) = Fitted::new("gamma_gamma", &gamma_gamma_params).py(py)? else {
        return Err(bad_option("gamma_gamma_params", "not Gamma-Gamma parameters")).py(py);
    };
    if !(discount_rate.is_finite() && discount_rate > -1.0) {
        return Err(bad_option("discount_rate", "must be a finite number > -1")).py(py);
    }
    if !(periods_per_month.is_finite() && periods_per_month > 0.0) {
        return Err(bad_option("freq", "periods per month must be a finite number > 0")).py(py);
    }
    let cols = read_all(&["frequency", "recency", "T", "monetary_value"], columns).py(py)?;
    let out = py
        .detach(move || {
            let clv = Clv { gg, time, discount_rate, periods_per_month, check };
            match fitted {
                Fitted::BgNbd(p) => clv.run(&p, &cols),
                Fitted::MbgNbd(p) => clv.run(&p, &cols),
                Fitted::ParetoNbd(p) => clv.run(&p, &cols),
                _ => Err(bad_option("transaction_prediction_model", "must be a BG/NBD, MBG/NBD or Pareto/NBD fitter")),
            }
        })
        .py(py)?;
    to_pyarrow(py, out)
}

/// The options of [`ltv_clv`].
struct Clv {
    gg: GammaGammaParams,
    time: u32,
    discount_rate: f64,
    periods_per_month: f64,
    check: bool,
}

impl Clv {
    /// Checks every row (when asked), then values them all at once
    /// ([`customer_lifetime_values`]: once per distinct frequency and age).
    fn run(&self, model: &impl PurchaseModel, cols: &[Column]) -> Result<Vec<f64>, LtvError> {
        let n = broadcast_len(cols)?;
        if self.check {
            for i in 0..n {
                let (x, tx, t, value) = (cols[0].at(i), cols[1].at(i), cols[2].at(i), cols[3].at(i));
                check_customer(i, x, tx, t)?;
                check_spend(i, x, value)?;
            }
        }
        let column = |c: &Column| (0..n).map(|i| c.at(i)).collect::<Vec<f64>>();
        let (x, tx, t, m) = (column(&cols[0]), column(&cols[1]), column(&cols[2]), column(&cols[3]));
        Ok(customer_lifetime_values(
            model,
            &self.gg,
            &x,
            &tx,
            &t,
            &m,
            self.time,
            self.discount_rate,
            self.periods_per_month,
        ))
    }
}
