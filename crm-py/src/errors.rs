//! The one place where a core error becomes a Python exception.
//!
//! pyo3's orphan rule forbids `impl From<crm_core::error::Error> for PyErr` here,
//! so every fallible call goes through [`to_py`] (or [`CoreResult::py`]).
//! The exception classes live in `crm_core/errors.py`: `CrmError` (a
//! `ValueError`) and one subclass per core domain, each with `.code`,
//! `.domain`, `.field`, `.value`, `.details` (and `.errors` on `ModelError`).

use crm_core::error::Error;
use crm_core::facts::FactsError;
use crm_core::money::MoneyError;
use crm_core::time::TimeError;
use crm_core::wire::RequestError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

use crate::pyjson::to_py_value;

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The Python class name for a core domain.
fn class_name(err: &Error) -> &'static str {
    match err {
        Error::Model(_) => "ModelError",
        Error::Money(_) => "MoneyError",
        Error::Time(_) => "TimeError",
        Error::Facts(_) => "FactsError",
        Error::Dataset(_) => "DatasetError",
        Error::Segment(_) => "SegmentError",
        Error::Consent(_) => "ConsentError",
        Error::Privacy(_) => "PrivacyError",
        Error::Ltv(_) => "LtvError",
        Error::Campaign(_) => "CampaignError",
        Error::Request(_) => "RequestError",
    }
}

/// The field and the offending value, where the error names them.
fn field_and_value(err: &Error) -> (Option<String>, Option<String>) {
    match err {
        Error::Model(errs) => match errs.errors().first() {
            Some(e) => (Some(e.field().to_string()).filter(|f| !f.is_empty()), Some(e.value())),
            None => (None, None),
        },
        Error::Money(e) => match e {
            MoneyError::UnknownCurrency { value } | MoneyError::InvalidRate { value } => (None, Some(value.clone())),
            _ => (None, None),
        },
        Error::Time(e) => match e {
            TimeError::InvalidTimestamp { value } | TimeError::UnknownTimeZone { value } => (None, Some(value.clone())),
        },
        Error::Facts(e) => match e {
            FactsError::InvalidInput { field, .. } => (Some(field.clone()), None),
            FactsError::MixedCurrencies { customer_id, .. } | FactsError::Money { customer_id, .. } => {
                (None, Some(customer_id.clone()))
            }
        },
        Error::Segment(e) => {
            use crm_core::segment::SegmentError as S;
            match e {
                S::InvalidOption { field, .. } => (Some(field.clone()), None),
                S::UnknownField { name, .. }
                | S::UnknownFunction { name, .. }
                | S::UnknownSegment { name, .. }
                | S::Unavailable { name, .. } => (None, Some(name.clone())),
                S::InvalidArgument { function, .. } => (None, Some(function.clone())),
                S::InvalidAst { path, .. } => (Some(path.clone()), None),
                _ => (None, None),
            }
        }
        Error::Dataset(e) => match e {
            crm_core::datasets::DatasetError::InvalidOption { field, .. } => (Some(field.clone()), None),
            #[allow(unreachable_patterns)]
            _ => (None, None),
        },
        Error::Consent(errs) => match errs.errors().first() {
            Some(e) => (e.field().map(str::to_string), e.value().map(str::to_string)),
            None => (None, None),
        },
        Error::Privacy(e) => {
            use crm_core::privacy::PrivacyError as P;
            match e {
                P::UnknownCustomer { customer_id } => (None, Some(customer_id.clone())),
                P::InvalidOption { field, .. } => (Some(field.clone()), None),
                #[allow(unreachable_patterns)]
                _ => (None, None),
            }
        }
        Error::Ltv(e) => {
            use crm_core::ltv::LtvError as L;
            match e {
                L::InvalidSummary { field, index, .. } => (Some(field.clone()), Some(index.to_string())),
                L::InvalidOption { field, .. } => (Some(field.clone()), None),
                L::NoFit { .. } => (None, None),
            }
        }
        Error::Campaign(e) => (Some(e.field().to_string()), None),
        Error::Request(e) => match e {
            RequestError::MissingField { field } | RequestError::InvalidField { field, .. } => {
                (Some(field.clone()), None)
            }
            RequestError::UnknownFunction { name } => (None, Some(name.clone())),
            RequestError::InvalidJson { .. } | RequestError::NotAnObject { .. } => (None, None),
        },
    }
}

/// Builds the Python exception for a core error.
pub(crate) fn to_py(py: Python<'_>, err: &Error) -> PyErr {
    match build(py, err) {
        Ok(e) => e,
        // Only reachable when the package itself is broken (errors.py missing).
        Err(e) => PyRuntimeError::new_err(format!("{err} (while raising it: {e})")),
    }
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let module = ERRORS_MODULE.get_or_try_init(py, || PyModule::import(py, "crm_core.errors").map(Bound::unbind))?;
    let class = module.bind(py).getattr(class_name(err))?;
    let (field, value) = field_and_value(err);
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", err.code())?;
    kwargs.set_item("domain", err.domain())?;
    kwargs.set_item("field", field)?;
    kwargs.set_item("value", value)?;
    let details = serde_json::Value::Array(err.details());
    kwargs.set_item("details", to_py_value(py, &details)?)?;
    let exc = class.call((err.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(exc))
}

/// A core error for a bad argument of the Python layer (wrong column type,
/// missing column …): `FactsError::InvalidInput`, code `invalid_input`.
pub(crate) fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Error {
    FactsError::InvalidInput { field: field.into(), message: message.into() }.into()
}

/// `.py(py)` on core results: map the error through [`to_py`].
pub(crate) trait CoreResult<T> {
    /// The value, or the Python exception for the error.
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T, E: Into<Error>> CoreResult<T> for Result<T, E> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, &e.into()))
    }
}
