//! The shop's consent policy: where double opt-in applies, how long a
//! confirmation may take, and whether merchants are exempt.

use serde::{Deserialize, Serialize};

use super::ConsentError;
use crate::model::Customer;

/// Where a marketing grant needs a confirmation before it is in force.
///
/// Double opt-in applies to a customer when `all` is set, or the customer's
/// `location.country` is listed, or their `store_id` is listed.
///
/// ```
/// use crm_core::consent::DoubleOptIn;
/// let d: DoubleOptIn = serde_json::from_str(r#"{"countries": ["DE", "AT"]}"#)?;
/// assert!(!d.all && d.stores.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DoubleOptIn {
    /// Every customer.
    pub all: bool,
    /// Countries (ISO 3166-1 alpha-2, upper case) whose customers need it.
    pub countries: Vec<String>,
    /// Store ids (`Customer.store_id`) whose customers need it.
    pub stores: Vec<String>,
}

/// The consent policy of a shop.
///
/// Every field has a default: no double opt-in, 72 hours to confirm, merchants
/// not exempt. Unknown fields are refused.
///
/// ```
/// use crm_core::consent::ConsentPolicy;
/// let p = ConsentPolicy::from_json(r#"{"double_opt_in": {"countries": ["DE"]}, "merchant_exempt": true}"#)?;
/// assert_eq!(p.confirm_within_hours, 72);
/// assert!(p.merchant_exempt);
/// assert_eq!(ConsentPolicy::default().confirm_within_hours, 72);
/// # Ok::<(), crm_core::consent::ConsentError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsentPolicy {
    /// Where double opt-in applies.
    pub double_opt_in: DoubleOptIn,
    /// Hours after a grant within which its confirmation counts (inclusive); at least 1.
    pub confirm_within_hours: u32,
    /// Merchant recipients (İYS `TACIR`) may receive marketing until they withdraw.
    pub merchant_exempt: bool,
}

impl Default for ConsentPolicy {
    fn default() -> Self {
        ConsentPolicy { double_opt_in: DoubleOptIn::default(), confirm_within_hours: 72, merchant_exempt: false }
    }
}

impl ConsentPolicy {
    /// Parses and validates a policy written as JSON.
    ///
    /// # Errors
    /// [`ConsentError::InvalidPolicy`] naming the option: malformed JSON or an
    /// unknown option, or any rule of [`ConsentPolicy::validate`].
    ///
    /// ```
    /// use crm_core::consent::ConsentPolicy;
    /// let err = ConsentPolicy::from_json(r#"{"confirm_hours": 24}"#).unwrap_err();
    /// assert_eq!((err.code(), err.field()), ("invalid_policy", Some("confirm_hours")));
    /// ```
    pub fn from_json(text: &str) -> Result<ConsentPolicy, ConsentError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let policy: ConsentPolicy = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            // The path names the option, an unknown one included (`double_opt_in.every`).
            let path = e.path().to_string();
            let field = if path == "." { String::new() } else { path };
            let message = e.into_inner().to_string();
            ConsentError::InvalidPolicy { field, value: String::new(), message }
        })?;
        de.end().map_err(|e| ConsentError::InvalidPolicy {
            field: String::new(),
            value: String::new(),
            message: e.to_string(),
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// Checks the options: `confirm_within_hours` at least 1, countries two
    /// upper-case ASCII letters (ISO 3166-1 alpha-2), store ids not blank.
    ///
    /// # Errors
    /// [`ConsentError::InvalidPolicy`] for the first option that breaks a rule.
    ///
    /// ```
    /// use crm_core::consent::ConsentPolicy;
    /// let mut p = ConsentPolicy::default();
    /// p.confirm_within_hours = 0;
    /// assert_eq!(p.validate().unwrap_err().field(), Some("confirm_within_hours"));
    /// ```
    pub fn validate(&self) -> Result<(), ConsentError> {
        if self.confirm_within_hours == 0 {
            return Err(ConsentError::InvalidPolicy {
                field: "confirm_within_hours".into(),
                value: "0".into(),
                message: "must be at least 1 hour".into(),
            });
        }
        for (i, c) in self.double_opt_in.countries.iter().enumerate() {
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(ConsentError::InvalidPolicy {
                    field: format!("double_opt_in.countries[{i}]"),
                    value: c.clone(),
                    message: "expected an ISO 3166-1 alpha-2 country code in upper case, such as DE".into(),
                });
            }
        }
        for (i, s) in self.double_opt_in.stores.iter().enumerate() {
            if s.trim().is_empty() {
                return Err(ConsentError::InvalidPolicy {
                    field: format!("double_opt_in.stores[{i}]"),
                    value: s.clone(),
                    message: "a store id must not be blank".into(),
                });
            }
        }
        Ok(())
    }

    /// Whether a grant of this customer needs a confirmation. A customer the
    /// store has no record of (`None`) needs one only when `double_opt_in.all`.
    /// The customer's country is compared in upper case.
    ///
    /// ```
    /// use crm_core::consent::{ConsentPolicy, DoubleOptIn};
    /// use crm_core::model::Customer;
    /// let p = ConsentPolicy {
    ///     double_opt_in: DoubleOptIn { stores: vec!["de-shop".into()], ..DoubleOptIn::default() },
    ///     ..ConsentPolicy::default()
    /// };
    /// let c: Customer = serde_json::from_str(
    ///     r#"{"id": "c1", "created_at": "2024-01-01T00:00:00Z", "store_id": "de-shop"}"#)?;
    /// assert!(p.requires_double_opt_in(Some(&c)));
    /// assert!(!p.requires_double_opt_in(None));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn requires_double_opt_in(&self, customer: Option<&Customer>) -> bool {
        let d = &self.double_opt_in;
        if d.all {
            return true;
        }
        let Some(c) = customer else { return false };
        let country = c.location.as_ref().and_then(|l| l.country.as_deref());
        country.is_some_and(|k| d.countries.iter().any(|x| x.eq_ignore_ascii_case(k.trim())))
            || c.store_id.as_deref().is_some_and(|s| d.stores.iter().any(|x| x == s))
    }

    /// Whether any customer can need double opt-in under this policy.
    pub(crate) fn has_double_opt_in(&self) -> bool {
        let d = &self.double_opt_in;
        d.all || !d.countries.is_empty() || !d.stores.is_empty()
    }

    /// The confirmation window in seconds.
    pub(crate) fn window_secs(&self) -> i64 {
        i64::from(self.confirm_within_hours) * 3600
    }
}
