//! C strings across the boundary: borrowing the caller's, handing out ours.

use std::ffi::{c_char, CStr, CString};

use crate::error::Failure;

/// Borrows the caller's NUL-terminated string argument `name` as UTF-8.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid and
/// unmodified for `'a`.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &'static str) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::NullArgument(name));
    }
    // SAFETY: `p` is non-NULL and, by the caller's guarantee, NUL-terminated
    // and valid for `'a`.
    let bytes = unsafe { CStr::from_ptr(p) };
    bytes.to_str().map_err(|e| Failure::InvalidUtf8(name, e))
}

/// Hands `s` to the caller as an owned, NUL-terminated `char *`, to be
/// released with [`free_c_string`]. An interior NUL (impossible in JSON
/// printed by serde_json, possible in a message quoting a caller's value)
/// becomes U+FFFD, so the caller's `strlen` sees the whole text.
pub(crate) fn into_c_string(s: String) -> *mut c_char {
    let c = CString::new(s).unwrap_or_else(|e| {
        let text = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
        // No NUL is left, so this cannot fail; fall back to an empty string anyway.
        CString::new(text).unwrap_or_default()
    });
    c.into_raw()
}

/// Releases a string made by [`into_c_string`]; NULL is a no-op.
///
/// # Safety
/// `p` is NULL or was returned by [`into_c_string`] and not released since.
pub(crate) unsafe fn free_c_string(p: *mut c_char) {
    if !p.is_null() {
        // SAFETY: `p` came from `CString::into_raw` (the caller's guarantee),
        // so rebuilding the `CString` and dropping it frees it with the same
        // allocator and length.
        drop(unsafe { CString::from_raw(p) });
    }
}
