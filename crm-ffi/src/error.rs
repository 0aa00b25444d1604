//! The error out-parameter [`CrmError`], its numeric codes, and the internal
//! [`Failure`] every exported function turns into one.

use std::ffi::c_char;
use std::ptr;
use std::str::Utf8Error;

use crm_core::error::Error;
use serde_json::{json, Value};

use crate::text::into_c_string;

/// Numeric error codes stored in `CrmError.code`. They are stable: a value,
/// once published, keeps its meaning forever, and retired values stay
/// reserved.
///
/// Codes 1 to 99 are the library's domains (`CrmError.domain` names the same
/// domain as text); codes 100 and up are failures of the C boundary itself,
/// with domain `"ffi"`. `CrmError.kind` refines every code with a stable
/// string such as `"unknown_currency"`.
///
/// The type is only documentation: the field `CrmError.code` is a plain
/// `int32_t`, so compare it with these enumerators or with the numbers.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrmErrorCode {
    /// 0: no error; the call succeeded.
    Ok = 0,
    /// 1: domain `"request"`: the request is not valid JSON, nests deeper than
    /// 128 levels, has a number out of range, lacks a field, has a field of
    /// the wrong type, or names an unknown function.
    Request = 1,
    /// 2: domain `"model"`: invalid records (customers, orders, carts,
    /// consents, events); `details_json` lists every bad record.
    Model = 2,
    /// 3: domain `"money"`: an unknown currency, mixed currencies without
    /// exchange rates, an invalid rate, or an amount out of range.
    Money = 3,
    /// 4: domain `"time"`: an unparsable instant or an unknown time zone.
    Time = 4,
    /// 5: domain `"facts"`: customer facts could not be computed.
    Facts = 5,
    /// 6: domain `"dataset"`: sample data could not be generated.
    Dataset = 6,
    /// 7: domain `"segment"`: RFM scores or segments could not be computed
    /// (bad options, customers' money in several currencies).
    Segment = 7,
    /// 8: domain `"consent"`: a bad consent policy or İYS records;
    /// `details_json` lists every bad record (`index`, `field`, `value`).
    Consent = 8,
    /// 9: domain `"privacy"`: export or erasure of an unknown customer, a
    /// salt shorter than 16 bytes, a bad retention policy.
    Privacy = 9,
    /// 10: domain `"ltv"`: a bad repeat-purchase summary (`details_json`
    /// names the row `index` and `field`), a bad option, or a model that
    /// could not be fitted.
    Ltv = 10,
    /// 11: domain `"campaign"`: a bad flow, policy, send-log entry or
    /// planning option, or a flow rule that does not check (`details_json`
    /// names the `field` path, and `line`/`column` for a rule).
    Campaign = 11,
    /// 100: domain `"ffi"`, kind `"null_argument"`: a required pointer
    /// argument was NULL.
    NullArgument = 100,
    /// 101: domain `"ffi"`, kind `"invalid_utf8"`: a string argument is not
    /// valid UTF-8.
    InvalidUtf8 = 101,
    /// 102: domain `"ffi"`, kind `"panic"`: the library hit an internal bug
    /// (a Rust panic). The panic was contained; the process is intact and
    /// later calls are safe. Please report it with the request that caused it.
    Panic = 102,
}

/// The error out-parameter of the `crm_*` call functions.
///
/// Ownership: the caller owns the struct (on the stack, or `FFI::new("CrmError")`
/// in PHP); the library owns the strings inside it. Initialise it to zero
/// (`CrmError err = {0};`) before its first use; after that the same struct
/// may be passed to any number of calls: each call first releases what the
/// struct holds (as `crm_error_clear` does), then, on failure, fills it anew.
/// Call `crm_error_clear` once you are done with it. Never `free()` the
/// strings and never write the pointers yourself.
///
/// On success `code` is 0 and every string is NULL. On failure `code` is
/// nonzero and every string is non-NULL, NUL-terminated UTF-8 (an interior
/// NUL in a message is replaced by U+FFFD), valid until the struct is cleared
/// or passed to another call.
///
/// Thread-safety: a `CrmError` is plain data; do not share one between
/// threads that call the library at the same time.
#[repr(C)]
#[derive(Debug)]
pub struct CrmError {
    /// A `CrmErrorCode`: 0 on success, see the enumerators for the rest.
    pub code: i32,
    /// The domain as text: `"request"`, `"model"`, `"money"`, `"time"`,
    /// `"facts"`, `"dataset"` or `"ffi"`. NULL on success.
    pub domain: *mut c_char,
    /// The stable string code of the error within its domain, e.g.
    /// `"unknown_currency"`, `"missing_field"`, `"null_argument"`. NULL on
    /// success.
    pub kind: *mut c_char,
    /// A human-readable message naming the record, field and value at fault.
    /// NULL on success.
    pub message: *mut c_char,
    /// The structured details as a JSON array: for `"model"` errors one object
    /// per bad record (`code`, `record`, `index`, `id`, `field`, `value`,
    /// `message`), otherwise one object (`code`, `message`). NULL on success.
    pub details_json: *mut c_char,
}

/// Why a call failed, before it is written into a [`CrmError`].
#[derive(Debug)]
pub(crate) enum Failure {
    /// An error of the core library.
    Core(Error),
    /// A required pointer argument was NULL.
    NullArgument(&'static str),
    /// A string argument is not valid UTF-8.
    InvalidUtf8(&'static str, Utf8Error),
    /// A panic was caught; the payload's message.
    Panic(String),
}

impl Failure {
    /// The numeric code. An exhaustive match on the core error, so a new
    /// domain cannot be added without choosing its number here.
    pub(crate) fn code(&self) -> CrmErrorCode {
        match self {
            Failure::Core(e) => match e {
                Error::Request(_) => CrmErrorCode::Request,
                Error::Model(_) => CrmErrorCode::Model,
                Error::Money(_) => CrmErrorCode::Money,
                Error::Time(_) => CrmErrorCode::Time,
                Error::Facts(_) => CrmErrorCode::Facts,
                Error::Dataset(_) => CrmErrorCode::Dataset,
                Error::Segment(_) => CrmErrorCode::Segment,
                Error::Consent(_) => CrmErrorCode::Consent,
                Error::Privacy(_) => CrmErrorCode::Privacy,
                Error::Ltv(_) => CrmErrorCode::Ltv,
                Error::Campaign(_) => CrmErrorCode::Campaign,
            },
            Failure::NullArgument(_) => CrmErrorCode::NullArgument,
            Failure::InvalidUtf8(..) => CrmErrorCode::InvalidUtf8,
            Failure::Panic(_) => CrmErrorCode::Panic,
        }
    }

    pub(crate) fn domain(&self) -> &'static str {
        match self {
            Failure::Core(e) => e.domain(),
            _ => "ffi",
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Failure::Core(e) => e.code(),
            Failure::NullArgument(_) => "null_argument",
            Failure::InvalidUtf8(..) => "invalid_utf8",
            Failure::Panic(_) => "panic",
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            Failure::Core(e) => e.to_string(),
            Failure::NullArgument(arg) => format!("argument `{arg}` is NULL"),
            Failure::InvalidUtf8(arg, e) => {
                format!("argument `{arg}` is not valid UTF-8: {e}")
            }
            Failure::Panic(msg) => format!(
                "internal error: the library panicked ({msg}); this is a bug, please report it with the request"
            ),
        }
    }

    pub(crate) fn details(&self) -> Vec<Value> {
        match self {
            Failure::Core(e) => e.details(),
            other => vec![json!({"code": other.kind(), "message": other.message()})],
        }
    }

    /// The error object of the wire envelope: `{"domain","code","message","details"}`.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Failure::Core(e) => e.to_json(),
            other => json!({
                "domain": other.domain(),
                "code": other.kind(),
                "message": other.message(),
                "details": other.details(),
            }),
        }
    }

    /// `{"ok":false,"error":{...}}`, as `crm_core::wire::call_envelope` prints it.
    pub(crate) fn envelope(&self) -> String {
        json!({"ok": false, "error": self.to_json()}).to_string()
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

/// Frees the strings held by `*err` and resets it to the success state.
///
/// # Safety
/// `err` is NULL or points to a writable `CrmError` whose string fields are
/// each NULL or were set by this library and not freed since.
pub(crate) unsafe fn clear(err: *mut CrmError) {
    if err.is_null() {
        return;
    }
    // SAFETY: the caller guarantees `err` is valid and writable.
    let e = unsafe { &mut *err };
    for field in [&mut e.domain, &mut e.kind, &mut e.message, &mut e.details_json] {
        let p = std::mem::replace(field, ptr::null_mut());
        // SAFETY: each non-NULL field was produced by `into_c_string` (a
        // `CString::into_raw`) and is released exactly once: it is nulled
        // above before anything else can observe it.
        unsafe { crate::text::free_c_string(p) };
    }
    e.code = CrmErrorCode::Ok as i32;
}

/// Writes `failure` into `*err` (when `err` is not NULL). `*err` must be in
/// the cleared state.
///
/// # Safety
/// `err` is NULL or points to a writable `CrmError`.
pub(crate) unsafe fn fill(err: *mut CrmError, failure: &Failure) {
    if err.is_null() {
        return;
    }
    let details = Value::Array(failure.details()).to_string();
    let filled = CrmError {
        code: failure.code() as i32,
        domain: into_c_string(failure.domain().to_string()),
        kind: into_c_string(failure.kind().to_string()),
        message: into_c_string(failure.message()),
        details_json: into_c_string(details),
    };
    // SAFETY: the caller guarantees `err` is valid and writable; the previous
    // contents were cleared, so overwriting leaks nothing.
    unsafe { ptr::write(err, filled) };
}
