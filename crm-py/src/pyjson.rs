//! Python objects ↔ `serde_json::Value` for the JSON interface.

use crm_core::error::Error;
use crm_core::wire::RequestError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Deepest nesting accepted from Python (serde_json's own parser stops at 128).
const MAX_DEPTH: usize = 128;

fn bad(path: &str, message: String) -> Error {
    RequestError::InvalidField { field: if path.is_empty() { "request".into() } else { path.into() }, message }.into()
}

/// Converts a JSON-like Python value (dict with str keys, list, tuple, str, int,
/// float, bool, None) into a JSON value. Anything else is a `RequestError`
/// naming the path (`store.orders[3].total`) and the type.
pub(crate) fn from_py(obj: &Bound<'_, PyAny>) -> Result<Value, Error> {
    from_py_at(obj, "", 0)
}

fn from_py_at(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(bad(path, format!("nested deeper than {MAX_DEPTH} levels")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::Number(v.into()));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::Number(v.into()));
        }
        return Err(bad(path, format!("integer {i} does not fit in 64 bits")));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v).map(Value::Number).ok_or_else(|| bad(path, format!("{v} is not a JSON number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s.to_str().map(|s| Value::String(s.to_string())).map_err(|e| bad(path, e.to_string()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| bad(path, format!("dictionary keys must be str, got {}", type_name(&k))))?;
            let key = key.to_str().map_err(|e| bad(path, e.to_string()))?.to_string();
            let sub = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            let value = from_py_at(&v, &sub, depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l.iter().enumerate().map(|(i, v)| from_py_at(&v, &format!("{path}[{i}]"), depth + 1)).collect();
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t.iter().enumerate().map(|(i, v)| from_py_at(&v, &format!("{path}[{i}]"), depth + 1)).collect();
    }
    Err(bad(
        path,
        format!(
            "{} is not a JSON value (use dict, list, str, int, float, bool or None; write instants as RFC 3339 strings)",
            type_name(obj)
        ),
    ))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

/// The request as JSON text: a `str` is passed through unchanged (the core
/// parses and reports it), anything else is converted with [`from_py`].
pub(crate) fn request_text(obj: &Bound<'_, PyAny>) -> Result<String, Error> {
    if let Ok(s) = obj.cast::<PyString>() {
        return s.to_str().map(str::to_string).map_err(|e| bad("", e.to_string()));
    }
    if let Ok(b) = obj.cast::<pyo3::types::PyBytes>() {
        return std::str::from_utf8(b.as_bytes())
            .map(str::to_string)
            .map_err(|e| RequestError::InvalidJson { message: format!("not UTF-8: {e}") }.into());
    }
    Ok(from_py(obj)?.to_string())
}

/// Converts a JSON value into Python objects (dict, list, str, int, float, bool, None).
pub(crate) fn to_py_value<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py_value(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, to_py_value(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
