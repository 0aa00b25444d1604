//! # crm-ffi: the C ABI of the CRM engine
//!
//! The shared library `libcrm` (`libcrm.so`, `libcrm.dylib`, `crm.dll`, plus a
//! static `libcrm.a`) and its header `include/crm.h`, for C programs and for
//! PHP through `FFI::cdef`. JSON in, JSON out: every function takes and returns
//! the documents of [`crm_core::wire`], so the surface stays small, and the
//! same request gives the same bytes as from Rust or Python.
//!
//! | function | what it does |
//! |---|---|
//! | [`crm_version`] | `{"version", "wire_version"}` |
//! | [`crm_call`] | any wire function by name; result JSON, or NULL and a [`CrmError`] |
//! | [`crm_call_envelope`] | any wire function by name; always `{"ok":...}` |
//! | [`crm_validate_store`], [`crm_customer_facts`], [`crm_rfm`], [`crm_sample_store`] | one wire function each |
//! | [`crm_string_free`] | releases a string the library returned |
//! | [`crm_error_clear`] | releases the strings in a [`CrmError`] |
//!
//! Rules of the boundary, for every function:
//! - strings the library returns are owned by the caller and released only
//!   with [`crm_string_free`] (never `free()`);
//! - argument strings are borrowed for the duration of the call only;
//! - NULL pointers, invalid UTF-8 and malformed or hostile JSON are reported
//!   as errors, never crashes; a Rust panic is caught and reported as
//!   [`CrmErrorCode::Panic`] instead of aborting the process (this needs the
//!   default `panic = "unwind"`; do not build this crate with `panic = "abort"`);
//! - no global state: calls are independent, the library starts no threads,
//!   and different threads may call it at once with their own [`CrmError`].
//!
//! ```
//! use std::ffi::{CStr, CString};
//! use crm::{crm_customer_facts, crm_error_clear, crm_string_free, CrmError};
//!
//! let request = CString::new(r#"{"as_of": "2024-03-01T00:00:00Z", "store": {"orders": [
//!     {"id": "o1", "customer_id": "c1", "placed_at": "2024-02-01T00:00:00Z",
//!      "currency": "EUR", "status": "paid", "subtotal": 1999, "total": 1999}]}}"#).unwrap();
//! let mut err = CrmError { code: 0, domain: std::ptr::null_mut(), kind: std::ptr::null_mut(),
//!                          message: std::ptr::null_mut(), details_json: std::ptr::null_mut() };
//! // SAFETY: valid NUL-terminated request, zeroed error struct; the result is freed once.
//! unsafe {
//!     let out = crm_customer_facts(request.as_ptr(), &mut err);
//!     assert!(!out.is_null(), "code {}", err.code);
//!     let text = CStr::from_ptr(out).to_str().unwrap();
//!     assert!(text.contains(r#""net_spend":1999"#));
//!     crm_string_free(out);
//!     crm_error_clear(&mut err);
//! }
//! ```
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod error;
mod text;

use std::any::Any;
use std::ffi::c_char;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;

use crm_core::wire;

use crate::error::{clear, fill, Failure};
pub use crate::error::{CrmError, CrmErrorCode};
use crate::text::{arg_str, free_c_string, into_c_string};

/// Returns the library's version as JSON:
/// `{"version":"0.1.0","wire_version":1}` (`version` is the crate version,
/// `wire_version` the version of the JSON request/response formats).
///
/// Ownership: the returned string is owned by the caller; release it with
/// `crm_string_free`. Returns NULL only if the library failed internally.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn crm_version() -> *mut c_char {
    catch(|| Ok(wire::version().to_string())).map_or(ptr::null_mut(), into_c_string)
}

/// Runs the wire function named `function` (`"version"`, `"validate_store"`,
/// `"customer_facts"` or `"sample_store"`) on the JSON object
/// `request_json`, and returns its result as JSON.
///
/// Arguments: `function` and `request_json` are NUL-terminated UTF-8 strings,
/// borrowed for the duration of the call. `err` may be NULL; if not, it must
/// point to a zero-initialised `CrmError` or one used in an earlier call: its
/// previous contents are released first, then it is left with code 0 on
/// success or filled on failure.
///
/// Returns the result JSON (compact, object keys sorted), owned by the
/// caller: release it with `crm_string_free`. Returns NULL on failure, with
/// the reason in `*err`: a NULL argument (code 100), invalid UTF-8 (101),
/// malformed JSON or request (1), invalid records (2), money (3), time (4),
/// facts (5), dataset (6), or an internal panic (102).
///
/// Thread-safe: concurrent calls must use distinct `err` structs.
///
/// # Safety
/// `function` and `request_json` are NULL or NUL-terminated strings valid for
/// reads during the call. `err` is NULL or a valid, writable `CrmError` whose
/// strings are each NULL or owned by this library.
#[no_mangle]
pub unsafe extern "C" fn crm_call(
    function: *const c_char,
    request_json: *const c_char,
    err: *mut CrmError,
) -> *mut c_char {
    let body = || {
        // SAFETY: the caller guarantees both pointers are NULL or valid C strings.
        let (function, request) = unsafe { (arg_str(function, "function")?, arg_str(request_json, "request_json")?) };
        Ok(wire::call(function, request)?)
    };
    // SAFETY: forwarded from this function's own contract on `err`.
    unsafe { guarded(err, body) }
}

/// Like `crm_call`, but never fails: returns the wire envelope
/// `{"ok":true,"result":{...}}` or
/// `{"ok":false,"error":{"code":...,"details":[...],"domain":...,"message":...}}`,
/// exactly as the golden vectors in `tests/vectors` expect it. Failures of the
/// boundary itself (NULL argument, invalid UTF-8, panic) come as an error
/// envelope with domain `"ffi"`.
///
/// Arguments are borrowed for the duration of the call. The returned string
/// is owned by the caller (release it with `crm_string_free`); it is NULL
/// only if the library failed while reporting a failure. Thread-safe.
///
/// # Safety
/// `function` and `request_json` are NULL or NUL-terminated strings valid for
/// reads during the call.
#[no_mangle]
pub unsafe extern "C" fn crm_call_envelope(function: *const c_char, request_json: *const c_char) -> *mut c_char {
    let outcome = catch(|| {
        // SAFETY: the caller guarantees both pointers are NULL or valid C strings.
        let (function, request) = unsafe { (arg_str(function, "function")?, arg_str(request_json, "request_json")?) };
        Ok(wire::call_envelope(function, request))
    });
    match outcome {
        Ok(text) => into_c_string(text),
        Err(failure) => catch(|| Ok(failure.envelope())).map_or(ptr::null_mut(), into_c_string),
    }
}

/// Validates a store document and counts its records:
/// `crm_call("validate_store", request_json, err)`.
///
/// Request: `{"store": {"customers": [...], "orders": [...], "carts": [...],
/// "consents": [...], "events": [...]}}` (every collection optional). Result:
/// `{"carts":n,"consents":n,"customers":n,"events":n,"orders":n}`. Invalid
/// records give code 2 with every bad record listed in `details_json`.
///
/// Ownership, `err` and thread-safety as for `crm_call`.
///
/// # Safety
/// As for `crm_call`.
#[no_mangle]
pub unsafe extern "C" fn crm_validate_store(request_json: *const c_char, err: *mut CrmError) -> *mut c_char {
    // SAFETY: forwarded from this function's own contract.
    unsafe { call_fixed("validate_store", request_json, err) }
}

/// Computes one row of facts per customer:
/// `crm_call("customer_facts", request_json, err)`.
///
/// Request: `{"store": {...}, "as_of": "2024-03-01T00:00:00Z", "options":
/// {"abandon_after_minutes": 60, "rates": {"target": "TRY", "rates":
/// {"USD": "34.5"}}}}` (`options` and its fields optional; `as_of` is
/// required: the library never reads the clock). Result:
/// `{"as_of": "...Z", "facts": [{"customer_id": ..., "order_count": ...,
/// "net_spend": ..., ...}, ...]}`, money in integer minor units.
///
/// Ownership, `err` and thread-safety as for `crm_call`.
///
/// # Safety
/// As for `crm_call`.
#[no_mangle]
pub unsafe extern "C" fn crm_customer_facts(request_json: *const c_char, err: *mut CrmError) -> *mut c_char {
    // SAFETY: forwarded from this function's own contract.
    unsafe { call_fixed("customer_facts", request_json, err) }
}

/// Computes RFM values and 1..k scores per customer:
/// `crm_call("rfm", request_json, err)`.
///
/// Request: `{"store": {...}, "as_of": "2024-03-01T00:00:00Z", "options":
/// {...}, "rfm": {"k": 5, "thresholds": {"recency_days": [...], "frequency":
/// [...], "monetary": [...]}}}` (`options` as for `crm_customer_facts`; `rfm`
/// and its fields optional). Result: `{"as_of": "...Z", "k": 5, "rfm":
/// [{"customer_id", "recency", "frequency", "monetary", "currency", "r", "f",
/// "m"}, ...]}`; scores are null for customers without a paid order.
///
/// Ownership, `err` and thread-safety as for `crm_call`.
///
/// # Safety
/// As for `crm_call`.
#[no_mangle]
pub unsafe extern "C" fn crm_rfm(request_json: *const c_char, err: *mut CrmError) -> *mut c_char {
    // SAFETY: forwarded from this function's own contract.
    unsafe { call_fixed("rfm", request_json, err) }
}

/// Generates a deterministic sample store:
/// `crm_call("sample_store", request_json, err)`.
///
/// Request: `{"customers": 100, "seed": 42, "start": "2023-01-01T00:00:00Z",
/// "days": 730}` (all optional, at most 10000 customers). Result: a store document, as accepted by the other functions.
///
/// Ownership, `err` and thread-safety as for `crm_call`.
///
/// # Safety
/// As for `crm_call`.
#[no_mangle]
pub unsafe extern "C" fn crm_sample_store(request_json: *const c_char, err: *mut CrmError) -> *mut c_char {
    // SAFETY: forwarded from this function's own contract.
    unsafe { call_fixed("sample_store", request_json, err) }
}

/// Releases a string returned by any `crm_*` function. NULL is a no-op.
///
/// Call it exactly once per returned string, from any thread; the string
/// must not be used afterwards. Never pass a string the library did not
/// return, and never release the library's strings with `free()`.
///
/// # Safety
/// `s` is NULL or a string returned by this library and not released since.
#[no_mangle]
pub unsafe extern "C" fn crm_string_free(s: *mut c_char) {
    // SAFETY: forwarded from this function's own contract.
    unsafe { free_c_string(s) }
}

/// Releases the strings held by `*err` and resets it to code 0 with NULL
/// strings. NULL is a no-op, and clearing a cleared struct is a no-op, so it
/// is safe to call twice. The struct itself stays the caller's.
///
/// # Safety
/// `err` is NULL or a valid, writable `CrmError` that is zero-initialised or
/// was filled by this library.
#[no_mangle]
pub unsafe extern "C" fn crm_error_clear(err: *mut CrmError) {
    // SAFETY: forwarded from this function's own contract.
    unsafe { clear(err) }
}

/// `crm_call` with a fixed function name.
///
/// # Safety
/// As for [`crm_call`].
unsafe fn call_fixed(function: &'static str, request_json: *const c_char, err: *mut CrmError) -> *mut c_char {
    let body = || {
        // SAFETY: the caller guarantees the pointer is NULL or a valid C string.
        let request = unsafe { arg_str(request_json, "request_json")? };
        Ok(wire::call(function, request)?)
    };
    // SAFETY: forwarded from the caller's contract on `err`.
    unsafe { guarded(err, body) }
}

/// Runs `body` with panics contained: clears `*err`, then returns the result
/// as an owned C string, or NULL with the failure written into `*err`.
///
/// # Safety
/// `err` is NULL or a valid, writable `CrmError` whose strings are each NULL
/// or owned by this library.
unsafe fn guarded(err: *mut CrmError, body: impl FnOnce() -> Result<String, Failure>) -> *mut c_char {
    let outcome = catch(|| {
        // SAFETY: the caller's contract on `err`.
        unsafe { clear(err) };
        body().map(into_c_string)
    });
    let failure = match outcome {
        Ok(p) => return p,
        Err(failure) => failure,
    };
    let reported = catch(|| {
        // SAFETY: the caller's contract on `err`; `*err` was cleared above
        // (or, if clearing itself panicked, its pointers were nulled first).
        unsafe { fill(err, &failure) };
        Ok(())
    });
    if reported.is_err() && !err.is_null() {
        // SAFETY: `err` is non-NULL and writable (the caller's contract).
        unsafe { (*err).code = CrmErrorCode::Panic as i32 };
    }
    ptr::null_mut()
}

/// Runs `f`, turning a panic into [`Failure::Panic`].
fn catch<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(Failure::Panic(panic_message(payload))))
}

/// The message of a panic payload. Dropping a payload can itself panic;
/// that is contained too.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    };
    if let Err(again) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn zeroed() -> CrmError {
        CrmError {
            code: 0,
            domain: ptr::null_mut(),
            kind: ptr::null_mut(),
            message: ptr::null_mut(),
            details_json: ptr::null_mut(),
        }
    }

    #[test]
    fn a_panic_becomes_code_102() {
        let mut err = zeroed();
        // SAFETY: `err` is a zeroed, writable struct, cleared below.
        let out = unsafe { guarded(&mut err, || panic!("boom")) };
        assert!(out.is_null());
        assert_eq!(err.code, 102);
        // SAFETY: on failure every string is set and NUL-terminated.
        let (kind, message, domain) = unsafe {
            (
                CStr::from_ptr(err.kind).to_str().unwrap(),
                CStr::from_ptr(err.message).to_str().unwrap(),
                CStr::from_ptr(err.domain).to_str().unwrap(),
            )
        };
        assert_eq!((domain, kind), ("ffi", "panic"));
        assert!(message.contains("boom"), "{message}");
        // SAFETY: filled by the library.
        unsafe { crm_error_clear(&mut err) };
        assert_eq!(err.code, 0);
        assert!(err.message.is_null());

        // A panic with a non-string payload, and with no err struct.
        // SAFETY: NULL err is allowed.
        let out = unsafe { guarded(ptr::null_mut(), || std::panic::panic_any(42_u8)) };
        assert!(out.is_null());
    }

    #[test]
    fn a_panic_in_the_envelope_path_is_an_error_envelope() {
        let failure = catch::<String>(|| panic!("inside")).unwrap_err();
        let v: serde_json::Value = serde_json::from_str(&failure.envelope()).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["error"]["domain"], "ffi");
        assert_eq!(v["error"]["code"], "panic");
        assert_eq!(v["error"]["details"][0]["code"], "panic");
    }

    #[test]
    fn interior_nul_is_replaced() {
        let p = into_c_string("a\0b".to_string());
        // SAFETY: `p` was just made by `into_c_string` and is freed once.
        unsafe {
            assert_eq!(CStr::from_ptr(p).to_str().unwrap(), "a\u{FFFD}b");
            free_c_string(p);
        }
    }
}
