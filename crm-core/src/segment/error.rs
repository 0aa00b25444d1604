//! Errors of the segmentation domain.

use thiserror::Error;

use crate::money::Currency;

/// Why segments or scores could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SegmentError {
    /// An option is out of range or inconsistent.
    #[error("segment option `{field}`: {message}")]
    InvalidOption {
        /// The option.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Scored customers' money is in several currencies, which cannot be
    /// ranked together without exchange rates.
    #[error("customers' net spend is in {first} and {second}; pass exchange rates to rank them together")]
    MixedCurrencies {
        /// The smaller currency code.
        first: Currency,
        /// The next currency code.
        second: Currency,
    },
    /// The rule text does not parse.
    #[error("{line}:{column}: expected {expected}, found {found}")]
    Syntax {
        /// Line, from 1.
        line: u32,
        /// Column in characters, from 1.
        column: u32,
        /// What the grammar allows there.
        expected: String,
        /// What the text has there.
        found: String,
    },
    /// The rule names a field the customer table does not have.
    #[error("{line}:{column}: unknown field `{name}`{}", did_you_mean(suggestion))]
    UnknownField {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
        /// The name written.
        name: String,
        /// The closest known field, if one is close.
        suggestion: Option<String>,
    },
    /// The rule calls a function that does not exist.
    #[error("{line}:{column}: unknown function `{name}`{}", did_you_mean(suggestion))]
    UnknownFunction {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
        /// The name written.
        name: String,
        /// The closest known function, if one is close.
        suggestion: Option<String>,
    },
    /// `in_segment` names a segment that is not defined.
    #[error("{line}:{column}: unknown segment `{name}`{}", did_you_mean(suggestion))]
    UnknownSegment {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
        /// The name written.
        name: String,
        /// The closest defined segment, if one is close.
        suggestion: Option<String>,
    },
    /// Operands of different kinds are compared (money with a date, a list with a number …).
    #[error("{line}:{column}: {message}")]
    TypeMismatch {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
        /// What does not fit.
        message: String,
    },
    /// Money in different currencies is compared.
    #[error("{line}:{column}: {message}")]
    CurrencyMismatch {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
        /// Which currencies.
        message: String,
    },
    /// A function argument is missing, unknown, repeated or of the wrong kind.
    #[error("{line}:{column}: {function}: {message}")]
    InvalidArgument {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
        /// The function.
        function: String,
        /// What is wrong.
        message: String,
    },
    /// The field or function exists but the data it needs was not given.
    #[error("{line}:{column}: `{name}` is not available here: {message}")]
    Unavailable {
        /// Line, from 1.
        line: u32,
        /// Column, from 1.
        column: u32,
        /// The field or function.
        name: String,
        /// What to pass to make it available.
        message: String,
    },
    /// Segments refer to each other through `in_segment` in a cycle.
    #[error("segments refer to each other in a cycle: {path}")]
    SegmentCycle {
        /// The cycle, `A -> B -> A`.
        path: String,
    },
    /// The JSON form of a rule or segment map is malformed.
    #[error("rule JSON at `{path}`: {message}")]
    InvalidAst {
        /// Where, as a JSON pointer (`/and/1/left`).
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn did_you_mean(s: &Option<String>) -> String {
    s.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
}

impl SegmentError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SegmentError::InvalidOption { .. } => "invalid_option",
            SegmentError::MixedCurrencies { .. } => "mixed_currencies",
            SegmentError::Syntax { .. } => "syntax",
            SegmentError::UnknownField { .. } => "unknown_field",
            SegmentError::UnknownFunction { .. } => "unknown_function",
            SegmentError::UnknownSegment { .. } => "unknown_segment",
            SegmentError::TypeMismatch { .. } => "type_mismatch",
            SegmentError::CurrencyMismatch { .. } => "currency_mismatch",
            SegmentError::InvalidArgument { .. } => "invalid_argument",
            SegmentError::Unavailable { .. } => "unavailable",
            SegmentError::SegmentCycle { .. } => "segment_cycle",
            SegmentError::InvalidAst { .. } => "invalid_ast",
        }
    }

    /// Line and column in the rule text, for errors that have one.
    pub fn position(&self) -> Option<(u32, u32)> {
        match self {
            SegmentError::Syntax { line, column, .. }
            | SegmentError::UnknownField { line, column, .. }
            | SegmentError::UnknownFunction { line, column, .. }
            | SegmentError::UnknownSegment { line, column, .. }
            | SegmentError::TypeMismatch { line, column, .. }
            | SegmentError::CurrencyMismatch { line, column, .. }
            | SegmentError::InvalidArgument { line, column, .. }
            | SegmentError::Unavailable { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// The suggested name of an unknown field, function or segment.
    pub fn suggestion(&self) -> Option<&str> {
        match self {
            SegmentError::UnknownField { suggestion, .. }
            | SegmentError::UnknownFunction { suggestion, .. }
            | SegmentError::UnknownSegment { suggestion, .. } => suggestion.as_deref(),
            _ => None,
        }
    }
}
