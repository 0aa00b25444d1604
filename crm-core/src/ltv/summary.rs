//! The repeat-purchase summary the models are fitted on.

use super::LtvError;

/// Per customer, in one period unit (days, weeks …), as `lifetimes` defines
/// them: `frequency` = repeat purchases (purchase periods after the first),
/// `recency` = age at the last purchase (time from the first purchase to the
/// last), `t` = age at the end of observation (time from the first purchase
/// to the end; lifetimes' `T`).
///
/// ```
/// use crm_core::ltv::Summary;
/// let s = Summary::new(vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86])?;
/// assert_eq!(s.len(), 2);
/// assert!(Summary::new(vec![1.0], vec![40.0], vec![38.86]).is_err()); // recency > T
/// # Ok::<(), crm_core::ltv::LtvError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Repeat purchases (a whole number ≥ 0).
    pub frequency: Vec<f64>,
    /// Age at the last purchase, 0 ≤ recency ≤ T; 0 when frequency is 0.
    pub recency: Vec<f64>,
    /// Age at the end of observation, T ≥ 0 (0 for a first purchase in the
    /// last period, which lifetimes' summaries hold too: such a customer adds
    /// nothing to the BG/NBD or Pareto/NBD likelihood).
    pub t: Vec<f64>,
    /// How many customers each row stands for (lifetimes' `weights`); `None`: one each.
    pub weights: Option<Vec<f64>>,
}

impl Summary {
    /// A validated summary.
    ///
    /// # Errors
    /// [`LtvError::InvalidSummary`] naming the first bad row and field.
    pub fn new(frequency: Vec<f64>, recency: Vec<f64>, t: Vec<f64>) -> Result<Summary, LtvError> {
        let s = Summary { frequency, recency, t, weights: None };
        s.validate()?;
        Ok(s)
    }

    /// The same rows, each standing for `weights[i]` customers (lifetimes'
    /// `weights` argument: identical rows may be given once with their count).
    ///
    /// ```
    /// use crm_core::ltv::Summary;
    /// let s = Summary::new(vec![2.0, 0.0], vec![30.0, 0.0], vec![38.0, 38.0])?.with_weights(vec![3.0, 10.0])?;
    /// assert_eq!(s.total_weight(), 13.0);
    /// assert!(Summary::new(vec![0.0], vec![0.0], vec![1.0])?.with_weights(vec![-1.0]).is_err());
    /// # Ok::<(), crm_core::ltv::LtvError>(())
    /// ```
    ///
    /// # Errors
    /// [`LtvError::InvalidSummary`] for a weight that is negative or not
    /// finite, or a weight column of another length.
    pub fn with_weights(mut self, weights: Vec<f64>) -> Result<Summary, LtvError> {
        self.weights = Some(weights);
        self.validate()?;
        Ok(self)
    }

    /// The weight of row `i` (1 without weights).
    pub fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    /// The number of customers the rows stand for: Σ weights, or the row count.
    pub fn total_weight(&self) -> f64 {
        self.weights.as_ref().map_or(self.len() as f64, |w| w.iter().sum())
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// True when there are no customers.
    pub fn is_empty(&self) -> bool {
        self.frequency.is_empty()
    }

    /// Checks every row against the definitions above.
    ///
    /// # Errors
    /// [`LtvError::InvalidSummary`].
    pub fn validate(&self) -> Result<(), LtvError> {
        let bad = LtvError::summary;
        if self.recency.len() != self.len() || self.t.len() != self.len() {
            return Err(bad(self.len().min(self.recency.len()).min(self.t.len()), "T", "columns of different lengths"));
        }
        if let Some(w) = &self.weights {
            if w.len() != self.len() {
                return Err(bad(self.len().min(w.len()), "weights", "columns of different lengths"));
            }
            if let Some(i) = w.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
                return Err(bad(i, "weights", "must be a finite number ≥ 0"));
            }
        }
        for i in 0..self.len() {
            let (x, tx, t) = (self.frequency[i], self.recency[i], self.t[i]);
            check_customer(i, x, tx, t)?;
            if x == 0.0 && tx != 0.0 {
                return Err(bad(i, "recency", "must be 0 when frequency is 0"));
            }
        }
        Ok(())
    }
}

/// Checks customer `index`'s frequency `x` (a whole number ≥ 0), recency
/// `tx` and age `t` (finite, 0 ≤ tx ≤ t), as every model reads them. A
/// [`Summary`] asks more (recency 0 without repeat purchases); predictions
/// ask this much.
///
/// ```
/// use crm_core::ltv::check_customer;
/// assert!(check_customer(0, 2.0, 30.0, 38.0).is_ok());
/// assert_eq!(check_customer(4, 2.0, 40.0, 38.0).unwrap_err().to_string(), "customer 4, `recency`: greater than T");
/// ```
///
/// # Errors
/// [`LtvError::InvalidSummary`] naming the field.
pub fn check_customer(index: usize, x: f64, tx: f64, t: f64) -> Result<(), LtvError> {
    let bad = LtvError::summary;
    if !is_whole(x) {
        return Err(bad(index, "frequency", "must be a whole number ≥ 0"));
    }
    if !(t.is_finite() && t >= 0.0) {
        return Err(bad(index, "T", "must be a finite number ≥ 0"));
    }
    if !(tx.is_finite() && tx >= 0.0) {
        return Err(bad(index, "recency", "must be a finite number ≥ 0"));
    }
    if tx > t {
        return Err(bad(index, "recency", "greater than T"));
    }
    Ok(())
}

/// A finite whole number ≥ 0.
pub(crate) fn is_whole(v: f64) -> bool {
    v.is_finite() && v >= 0.0 && v.fract() == 0.0
}
