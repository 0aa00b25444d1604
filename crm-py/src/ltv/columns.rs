//! Float64 columns for the LTV functions: read from Arrow arrays, checked
//! for nulls, broadcast (length 1 against N) and mapped over in parallel.

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, Float64Array};
use crm_core::ltv::LtvError;
use pyo3_arrow::PyArray;

/// `LtvError::InvalidSummary` for row `index` of column `field`.
pub(super) fn bad_row(index: usize, field: &str, message: &str) -> LtvError {
    LtvError::InvalidSummary { index, field: field.into(), message: message.into() }
}

/// `LtvError::InvalidOption` for `field`.
pub(super) fn bad_option(field: &str, message: impl Into<String>) -> LtvError {
    LtvError::InvalidOption { field: field.into(), message: message.into() }
}

/// A named float64 column without nulls.
pub(super) struct Column {
    name: &'static str,
    values: Float64Array,
}

impl Column {
    /// Reads column `name` from an Arrow array of type float64.
    ///
    /// # Errors
    /// `InvalidOption` for another type, `InvalidSummary` at the first null.
    pub(super) fn read(name: &'static str, array: PyArray) -> Result<Column, LtvError> {
        let (array, _) = array.into_inner();
        let values = array
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| bad_option(name, format!("expected float64 values, got {}", array.data_type())))?
            .clone();
        if let Some(nulls) = values.nulls().filter(|n| n.null_count() > 0) {
            let first = (0..values.len()).find(|&i| nulls.is_null(i)).unwrap_or(0);
            return Err(bad_row(first, name, "missing value (null)"));
        }
        Ok(Column { name, values })
    }

    /// The values.
    pub(super) fn values(&self) -> &[f64] {
        self.values.values()
    }

    /// The value at row `i`, a single value standing for every row.
    #[inline]
    pub(super) fn at(&self, i: usize) -> f64 {
        let v = self.values.values();
        if v.len() == 1 {
            v[0]
        } else {
            v[i]
        }
    }
}

/// Reads the arrays as the named columns, in order.
///
/// # Errors
/// `InvalidOption` when the counts differ, else as [`Column::read`].
pub(super) fn read_all(names: &[&'static str], arrays: Vec<PyArray>) -> Result<Vec<Column>, LtvError> {
    if names.len() != arrays.len() {
        return Err(bad_option(
            "columns",
            format!("expected {} columns ({}), got {}", names.len(), names.join(", "), arrays.len()),
        ));
    }
    names.iter().zip(arrays).map(|(name, a)| Column::read(name, a)).collect()
}

/// The number of rows of broadcast columns: every column has that many
/// values or one (which stands for every row).
///
/// # Errors
/// `InvalidOption` naming a column of another length.
pub(super) fn broadcast_len(columns: &[Column]) -> Result<usize, LtvError> {
    let mut n: Option<(usize, &str)> = None;
    for c in columns {
        let len = c.values().len();
        if len == 1 {
            continue;
        }
        match n {
            None => n = Some((len, c.name)),
            Some((m, other)) if m != len => {
                return Err(bad_option(
                    c.name,
                    format!("{len} values where `{other}` has {m} (give one value or {m})"),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(n.map_or(1, |(len, _)| len))
}

/// Rows per thread below which one thread does all the work.
const PARALLEL_ROWS: usize = 20_000;

/// `f(i)` for every row `i` in 0..n, on up to [`crate::threads::limit`] threads for
/// large n. The error returned is that of the lowest failing row.
///
/// # Errors
/// The first error of `f`.
pub(super) fn map_rows(n: usize, f: impl Fn(usize) -> Result<f64, LtvError> + Sync) -> Result<Vec<f64>, LtvError> {
    let mut out = vec![0.0; n];
    let threads = crate::threads::limit().min(n / PARALLEL_ROWS).max(1);
    if threads == 1 {
        for (i, o) in out.iter_mut().enumerate() {
            *o = f(i)?;
        }
        return Ok(out);
    }
    let chunk = n.div_ceil(threads);
    let results: Vec<Result<(), LtvError>> = std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = out
            .chunks_mut(chunk)
            .enumerate()
            .map(|(k, part)| {
                s.spawn(move || {
                    for (j, o) in part.iter_mut().enumerate() {
                        *o = f(k * chunk + j)?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    results.into_iter().collect::<Result<(), LtvError>>()?;
    Ok(out)
}

/// A finite number ≥ 0 that is whole.
pub(super) fn is_whole(v: f64) -> bool {
    v.is_finite() && v >= 0.0 && v.fract() == 0.0
}

/// Checks a horizon (`t`, in periods): finite and ≥ 0.
pub(super) fn check_horizon(i: usize, field: &str, t: f64) -> Result<(), LtvError> {
    if t.is_finite() && t >= 0.0 {
        Ok(())
    } else {
        Err(bad_row(i, field, "must be a finite number ≥ 0"))
    }
}

/// A whole count that fits in a `u32`.
pub(super) fn count(i: usize, field: &str, v: f64, check: bool) -> Result<u32, LtvError> {
    if check && !(is_whole(v) && v <= f64::from(u32::MAX)) {
        return Err(bad_row(i, field, "must be a whole number ≥ 0"));
    }
    // Unchecked: saturating (NaN gives 0).
    Ok(v as u32)
}
