//! The crate-wide error: one variant per domain, each wrapping that domain's enum.
//!
//! Bindings map [`Error::domain`] to an exception class (Python) or a numeric
//! code (C), and [`Error::code`] to a stable string code.
//!
//! ```
//! use crm_core::error::Error;
//! use crm_core::money::Currency;
//! let err: Error = Currency::new("ABC").unwrap_err().into();
//! assert_eq!((err.domain(), err.code()), ("money", "unknown_currency"));
//! ```

use serde_json::{json, Value};
use thiserror::Error;

use crate::campaign::CampaignError;
use crate::consent::{ConsentError, ConsentErrors};
use crate::datasets::DatasetError;
use crate::facts::FactsError;
use crate::ltv::LtvError;
use crate::model::ModelErrors;
use crate::money::MoneyError;
use crate::privacy::PrivacyError;
use crate::segment::SegmentError;
use crate::time::TimeError;
use crate::wire::RequestError;

/// Any error of the library, by domain.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// Invalid records (every one listed).
    #[error(transparent)]
    Model(#[from] ModelErrors),
    /// Money arithmetic or currency.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// Instants and time zones.
    #[error(transparent)]
    Time(#[from] TimeError),
    /// Customer facts.
    #[error(transparent)]
    Facts(#[from] FactsError),
    /// Sample data generation.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// Segments and RFM scores.
    #[error(transparent)]
    Segment(#[from] SegmentError),
    /// Consent ledger, policies and İYS records (every bad record listed).
    #[error(transparent)]
    Consent(#[from] ConsentErrors),
    /// Data subject rights: export, erasure, retention.
    #[error(transparent)]
    Privacy(#[from] PrivacyError),
    /// Lifetime value: bad repeat-purchase summaries, bad options, fits that fail.
    #[error(transparent)]
    Ltv(#[from] LtvError),
    /// Campaign flows, policy, send log and planning options.
    #[error(transparent)]
    Campaign(#[from] CampaignError),
    /// A malformed request to the JSON interface.
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl From<ConsentError> for Error {
    fn from(e: ConsentError) -> Self {
        Error::Consent(e.into())
    }
}

impl Error {
    /// The domain: `model`, `money`, `time`, `facts`, `dataset`, `segment`,
    /// `consent`, `privacy`, `ltv`, `campaign` or `request`.
    pub fn domain(&self) -> &'static str {
        match self {
            Error::Model(_) => "model",
            Error::Money(_) => "money",
            Error::Time(_) => "time",
            Error::Facts(_) => "facts",
            Error::Dataset(_) => "dataset",
            Error::Segment(_) => "segment",
            Error::Consent(_) => "consent",
            Error::Privacy(_) => "privacy",
            Error::Ltv(_) => "ltv",
            Error::Campaign(_) => "campaign",
            Error::Request(_) => "request",
        }
    }

    /// The stable string code of the variant (`unknown_currency`, `totals_mismatch` …).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Model(e) => e.code(),
            Error::Money(e) => e.code(),
            Error::Time(e) => e.code(),
            Error::Facts(e) => e.code(),
            Error::Dataset(e) => e.code(),
            Error::Segment(e) => e.code(),
            Error::Consent(e) => e.code(),
            Error::Privacy(e) => e.code(),
            Error::Ltv(e) => e.code(),
            Error::Campaign(e) => e.code(),
            Error::Request(e) => e.code(),
        }
    }

    /// Structured details: for model errors one object per bad record
    /// (`code`, `record`, `index`, `id`, `field`, `value`, `message`); otherwise a one-element list.
    pub fn details(&self) -> Vec<Value> {
        match self {
            Error::Model(errs) => errs
                .errors()
                .iter()
                .map(|e| {
                    let r = e.record();
                    json!({
                        "code": e.code(),
                        "record": r.kind.as_str(),
                        "index": r.index,
                        "id": r.id,
                        "field": e.field(),
                        "value": e.value(),
                        "message": e.to_string(),
                    })
                })
                .collect(),
            Error::Segment(e) => {
                let mut d = json!({"code": e.code(), "message": e.to_string()});
                if let Some((line, column)) = e.position() {
                    d["line"] = json!(line);
                    d["column"] = json!(column);
                }
                if let Some(s) = e.suggestion() {
                    d["suggestion"] = json!(s);
                }
                vec![d]
            }
            Error::Consent(errs) => errs
                .errors()
                .iter()
                .map(|e| {
                    json!({
                        "code": e.code(),
                        "index": e.index(),
                        "field": e.field(),
                        "value": e.value(),
                        "message": e.to_string(),
                    })
                })
                .collect(),
            Error::Ltv(LtvError::InvalidSummary { index, field, .. }) => {
                vec![json!({"code": self.code(), "index": index, "field": field, "message": self.to_string()})]
            }
            Error::Ltv(LtvError::InvalidOption { field, .. }) => {
                vec![json!({"code": self.code(), "field": field, "message": self.to_string()})]
            }
            Error::Campaign(e) => {
                let mut d = json!({"code": e.code(), "field": e.field(), "message": e.to_string()});
                if let CampaignError::InvalidRule { error, .. } = e {
                    if let Some((line, column)) = error.position() {
                        d["line"] = json!(line);
                        d["column"] = json!(column);
                    }
                }
                vec![d]
            }
            other => vec![json!({"code": other.code(), "message": other.to_string()})],
        }
    }

    /// The error as the JSON object of the wire envelope:
    /// `{"domain", "code", "message", "details"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "domain": self.domain(),
            "code": self.code(),
            "message": self.to_string(),
            "details": self.details(),
        })
    }
}
