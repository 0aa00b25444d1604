//! Errors of the campaign planner.

use thiserror::Error;

use crate::segment::SegmentError;

/// Why flows, a policy, a send log or a planning request were refused.
///
/// Every variant names where the problem is: `field` is a path such as
/// `flows[1].steps[0].delay` or `send_log[3].sent_at`.
///
/// ```
/// use crm_core::campaign::CampaignError;
/// let e = CampaignError::InvalidFlow { field: "flows[0].steps".into(), message: "a flow needs at least one step".into() };
/// assert_eq!(e.code(), "invalid_flow");
/// assert_eq!(e.to_string(), "flows[0].steps: a flow needs at least one step");
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CampaignError {
    /// A flow is malformed or breaks a rule (unknown field, duplicate id, no
    /// step, a bad delay, window, channel list or offer).
    #[error("{field}: {message}")]
    InvalidFlow {
        /// Path of the bad value.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A rule of a flow (trigger filter, flow filter, goal, segment trigger)
    /// does not parse or does not check against the customer fields.
    #[error("{field}: {error}")]
    InvalidRule {
        /// Path of the rule.
        field: String,
        /// The rule language's error, with line and column.
        error: SegmentError,
    },
    /// The policy is malformed (quiet hours, caps, holdout, suppression, secret …).
    #[error("{field}: {message}")]
    InvalidPolicy {
        /// Path of the bad value.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A send-log entry is malformed.
    #[error("{field}: {message}")]
    InvalidSendLog {
        /// Path of the bad value (`send_log[3].sent_at`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A planning option is out of range (`horizon`, `now`).
    #[error("{field}: {message}")]
    InvalidOption {
        /// The option.
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl CampaignError {
    /// The stable string code: `invalid_flow`, `invalid_rule`,
    /// `invalid_policy`, `invalid_send_log` or `invalid_option`.
    pub fn code(&self) -> &'static str {
        match self {
            CampaignError::InvalidFlow { .. } => "invalid_flow",
            CampaignError::InvalidRule { .. } => "invalid_rule",
            CampaignError::InvalidPolicy { .. } => "invalid_policy",
            CampaignError::InvalidSendLog { .. } => "invalid_send_log",
            CampaignError::InvalidOption { .. } => "invalid_option",
        }
    }

    /// The path of the bad value.
    pub fn field(&self) -> &str {
        match self {
            CampaignError::InvalidFlow { field, .. }
            | CampaignError::InvalidRule { field, .. }
            | CampaignError::InvalidPolicy { field, .. }
            | CampaignError::InvalidSendLog { field, .. }
            | CampaignError::InvalidOption { field, .. } => field,
        }
    }

    pub(crate) fn flow(field: impl Into<String>, message: impl Into<String>) -> CampaignError {
        CampaignError::InvalidFlow { field: field.into(), message: message.into() }
    }

    pub(crate) fn policy(field: impl Into<String>, message: impl Into<String>) -> CampaignError {
        CampaignError::InvalidPolicy { field: field.into(), message: message.into() }
    }
}
