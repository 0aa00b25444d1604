//! The exported functions called as a C caller would: NULL pointers, invalid
//! UTF-8, hostile JSON, error-struct reuse, and every golden vector in
//! `tests/vectors`.

use std::ffi::{c_char, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr;

use crm::{
    crm_call, crm_call_envelope, crm_customer_facts, crm_error_clear, crm_rfm, crm_sample_store, crm_string_free,
    crm_validate_store, crm_version, CrmError, CrmErrorCode,
};
use serde_json::Value;

/// What one call produced, copied out of the library's memory.
#[derive(Debug, PartialEq)]
struct Outcome {
    result: Option<String>,
    code: i32,
    domain: Option<String>,
    kind: Option<String>,
    message: Option<String>,
    details: Option<Value>,
}

fn zeroed() -> CrmError {
    CrmError {
        code: 0,
        domain: ptr::null_mut(),
        kind: ptr::null_mut(),
        message: ptr::null_mut(),
        details_json: ptr::null_mut(),
    }
}

/// Copies a library string (NULL → None) without freeing it.
fn copy(p: *const c_char) -> Option<String> {
    // SAFETY: `p` is NULL or a NUL-terminated string owned by the library and alive.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string())
}

/// Takes ownership of a returned string: copies it, then frees it.
fn take(p: *mut c_char) -> Option<String> {
    let s = copy(p);
    // SAFETY: `p` was returned by the library and is freed exactly once.
    unsafe { crm_string_free(p) };
    s
}

fn outcome(result: *mut c_char, err: &mut CrmError) -> Outcome {
    let out = Outcome {
        result: take(result),
        code: err.code,
        domain: copy(err.domain),
        kind: copy(err.kind),
        message: copy(err.message),
        details: copy(err.details_json).map(|d| serde_json::from_str(&d).unwrap()),
    };
    // SAFETY: `err` was filled (or left cleared) by the library.
    unsafe { crm_error_clear(err) };
    assert_eq!(err.code, 0);
    assert!(err.domain.is_null() && err.kind.is_null());
    assert!(err.message.is_null() && err.details_json.is_null());
    out
}

fn c(bytes: &[u8]) -> CString {
    CString::new(bytes).unwrap()
}

/// `crm_call` with optional (NULL) arguments given as raw bytes.
fn call_raw(function: Option<&[u8]>, request: Option<&[u8]>) -> Outcome {
    let f = function.map(c);
    let r = request.map(c);
    let mut err = zeroed();
    // SAFETY: arguments are NULL or NUL-terminated strings alive during the call.
    let p = unsafe {
        crm_call(
            f.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            r.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            &mut err,
        )
    };
    outcome(p, &mut err)
}

fn call(function: &str, request: &str) -> Outcome {
    call_raw(Some(function.as_bytes()), Some(request.as_bytes()))
}

fn envelope_raw(function: Option<&[u8]>, request: Option<&[u8]>) -> Value {
    let f = function.map(c);
    let r = request.map(c);
    // SAFETY: arguments are NULL or NUL-terminated strings alive during the call.
    let p = unsafe {
        crm_call_envelope(
            f.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            r.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
        )
    };
    serde_json::from_str(&take(p).expect("the envelope is never NULL")).unwrap()
}

fn assert_failure(o: &Outcome, code: CrmErrorCode, domain: &str, kind: &str) {
    assert_eq!(o.result, None, "{o:?}");
    assert_eq!(o.code, code as i32, "{o:?}");
    assert_eq!(o.domain.as_deref(), Some(domain), "{o:?}");
    assert_eq!(o.kind.as_deref(), Some(kind), "{o:?}");
    let details = o.details.as_ref().expect("details_json is set on failure");
    assert!(details.as_array().is_some_and(|d| !d.is_empty()), "{o:?}");
    assert!(!o.message.as_deref().unwrap_or("").is_empty(), "{o:?}");
}

#[test]
fn version_is_json_and_matches_the_wire() {
    let v: Value = serde_json::from_str(&take(crm_version()).unwrap()).unwrap();
    assert_eq!(v, crm_core::wire::version());
    assert_eq!(v["wire_version"], crm_core::wire::WIRE_VERSION);
    let via_call = call("version", "{}");
    assert_eq!(via_call.code, 0);
    assert_eq!(serde_json::from_str::<Value>(&via_call.result.unwrap()).unwrap(), v);
}

#[test]
fn null_arguments_are_code_100() {
    let o = call_raw(None, Some(b"{}"));
    assert_failure(&o, CrmErrorCode::NullArgument, "ffi", "null_argument");
    assert_eq!(o.message.as_deref(), Some("argument `function` is NULL"));
    assert_eq!(o.details.unwrap()[0]["code"], "null_argument");

    let o = call_raw(Some(b"version"), None);
    assert_failure(&o, CrmErrorCode::NullArgument, "ffi", "null_argument");
    assert_eq!(o.message.as_deref(), Some("argument `request_json` is NULL"));

    assert_failure(&call_raw(None, None), CrmErrorCode::NullArgument, "ffi", "null_argument");

    type Wrapper = unsafe extern "C" fn(*const c_char, *mut CrmError) -> *mut c_char;
    let wrappers: [Wrapper; 4] = [crm_validate_store, crm_customer_facts, crm_rfm, crm_sample_store];
    for wrapper in wrappers {
        let mut err = zeroed();
        // SAFETY: NULL request is allowed; `err` is zeroed.
        let p = unsafe { wrapper(ptr::null(), &mut err) };
        let o = outcome(p, &mut err);
        assert_failure(&o, CrmErrorCode::NullArgument, "ffi", "null_argument");
    }

    let env = envelope_raw(None, Some(b"{}"));
    assert_eq!(env["ok"], false);
    assert_eq!(env["error"]["domain"], "ffi");
    assert_eq!(env["error"]["code"], "null_argument");
    assert_eq!(env["error"]["message"], "argument `function` is NULL");
    assert_eq!(env["error"]["details"][0]["code"], "null_argument");
}

#[test]
fn invalid_utf8_is_code_101() {
    let o = call_raw(Some(b"version"), Some(b"\xff"));
    assert_failure(&o, CrmErrorCode::InvalidUtf8, "ffi", "invalid_utf8");
    assert!(o.message.unwrap().starts_with("argument `request_json` is not valid UTF-8"));

    let o = call_raw(Some(b"\xfe\xff"), Some(b"{}"));
    assert_failure(&o, CrmErrorCode::InvalidUtf8, "ffi", "invalid_utf8");
    assert!(o.message.unwrap().starts_with("argument `function` is not valid UTF-8"));

    // Valid JSON structure around an invalid sequence, and a truncated sequence.
    for bad in [&b"{\"store\": \"\xc3\x28\"}"[..], b"{\"store\": {}}\xe2\x82"] {
        let o = call_raw(Some(b"validate_store"), Some(bad));
        assert_failure(&o, CrmErrorCode::InvalidUtf8, "ffi", "invalid_utf8");
    }
    let env = envelope_raw(Some(b"version"), Some(b"\xff"));
    assert_eq!(env["error"]["code"], "invalid_utf8");
}

fn facts_request(orders: &[(&str, &str)]) -> String {
    let orders: Vec<String> = orders
        .iter()
        .enumerate()
        .map(|(i, (subtotal, total))| {
            format!(
                r#"{{"id":"o{i}","customer_id":"c1","placed_at":"2024-02-01T00:00:00Z","currency":"EUR","status":"paid","subtotal":{subtotal},"total":{total}}}"#
            )
        })
        .collect();
    format!(r#"{{"as_of":"2024-03-01T00:00:00Z","store":{{"orders":[{}]}}}}"#, orders.join(","))
}

#[test]
fn hostile_json_is_an_error_never_a_crash() {
    let deep_arrays = "[".repeat(100_000);
    let deep_objects = "{\"a\":".repeat(100_000);
    let deep_in_store = format!("{{\"store\":{{\"customers\":{}", "[".repeat(100_000));
    let closed_deep = format!(
        "{{\"store\":{{\"customers\":[{{\"id\":\"c1\",\"created_at\":{}1{}}}]}}}}",
        "[".repeat(120),
        "]".repeat(120)
    );
    let huge = "9".repeat(100_000);
    let cases: Vec<(&str, String, CrmErrorCode, &str)> = vec![
        ("validate_store", deep_arrays.clone(), CrmErrorCode::Request, "invalid_json"),
        ("customer_facts", deep_objects, CrmErrorCode::Request, "invalid_json"),
        ("validate_store", deep_in_store, CrmErrorCode::Request, "invalid_json"),
        ("validate_store", closed_deep, CrmErrorCode::Model, "malformed"),
        ("customer_facts", facts_request(&[("1e400", "1e400")]), CrmErrorCode::Request, "invalid_json"),
        ("customer_facts", facts_request(&[("-1e400", "1")]), CrmErrorCode::Request, "invalid_json"),
        (
            "customer_facts",
            facts_request(&[("99999999999999999999999", "99999999999999999999999")]),
            CrmErrorCode::Model,
            "malformed",
        ),
        ("customer_facts", facts_request(&[(&huge, &huge)]), CrmErrorCode::Request, "invalid_json"),
        ("customer_facts", facts_request(&[("1.5", "1.5")]), CrmErrorCode::Model, "malformed"),
        (
            "customer_facts",
            facts_request(&[
                ("9223372036854775807", "9223372036854775807"),
                ("9223372036854775807", "9223372036854775807"),
            ]),
            CrmErrorCode::Facts,
            "money_overflow",
        ),
        (
            "customer_facts",
            facts_request(&[("-9223372036854775808", "-9223372036854775808")]),
            CrmErrorCode::Model,
            "negative_amount",
        ),
        ("validate_store", "{\"store\": {\"orders\": [".into(), CrmErrorCode::Request, "invalid_json"),
        ("validate_store", String::new(), CrmErrorCode::Request, "invalid_json"),
        ("validate_store", "{\"store\": {}} trailing".into(), CrmErrorCode::Request, "invalid_json"),
        ("validate_store", "[]".into(), CrmErrorCode::Request, "not_an_object"),
        ("validate_store", "null".into(), CrmErrorCode::Request, "not_an_object"),
        ("validate_store", r#"{"store": {}, "stor": 1}"#.into(), CrmErrorCode::Request, "invalid_field"),
        ("validate_store", "{}".into(), CrmErrorCode::Request, "missing_field"),
        ("sample_store", r#"{"customers": 99999999999999999999}"#.into(), CrmErrorCode::Request, "invalid_field"),
        ("sample_store", r#"{"customers": 10001}"#.into(), CrmErrorCode::Request, "invalid_field"),
        ("sample_store", r#"{"seed": -1}"#.into(), CrmErrorCode::Request, "invalid_field"),
        (
            "customer_facts",
            r#"{"as_of":"2024-03-01T00:00:00Z","store":{},"options":{"abandon_after_minutes":1e300}}"#.into(),
            CrmErrorCode::Request,
            "invalid_field",
        ),
        (
            "customer_facts",
            r#"{"as_of":"2024-03-01T00:00:00Z","store":{},"options":{"rates":{"target":"TRY","rates":{"USD":"1e400"}}}}"#.into(),
            CrmErrorCode::Money,
            "invalid_rate",
        ),
        ("customer_facts", r#"{"as_of":"+999999-03-01T00:00:00Z","store":{}}"#.into(), CrmErrorCode::Time, "invalid_timestamp"),
        ("customer_facts", "{\"as_of\":\"2024-03-01T00:00:00Z\u{0}\",\"store\":{}}".replace('\0', "\\u0000"), CrmErrorCode::Time, "invalid_timestamp"),
        ("no_such_function", "{}".into(), CrmErrorCode::Request, "unknown_function"),
        ("", "{}".into(), CrmErrorCode::Request, "unknown_function"),
    ];
    for (function, request, code, kind) in cases {
        let o = call(function, &request);
        let shown = &request[..request.len().min(60)];
        assert_eq!((o.code, o.kind.as_deref()), (code as i32, Some(kind)), "{function} {shown}: {o:?}");
        assert_failure(&o, code, o.domain.clone().unwrap().as_str(), kind);
        // The envelope says the same.
        let env = envelope_raw(Some(function.as_bytes()), Some(request.as_bytes()));
        assert_eq!(env["ok"], false, "{function} {shown}");
        assert_eq!(env["error"]["code"], kind);
        // (An interior NUL, kept as \u0000 in JSON, is U+FFFD in the C string.)
        let env_message = env["error"]["message"].as_str().unwrap().replace('\0', "\u{FFFD}");
        assert_eq!(Some(env_message), o.message);
        assert_eq!(Some(&env["error"]["details"]), o.details.as_ref());
    }
}

#[test]
fn the_error_struct_is_reusable_and_err_may_be_null() {
    let f = c(b"customer_facts");
    let bad = c(b"{}");
    let good = c(br#"{"as_of":"2024-03-01T00:00:00Z","store":{}}"#);
    let mut err = zeroed();
    // SAFETY: valid strings; `err` zeroed, then only ever filled by the library.
    unsafe {
        // Two failures in a row: the second releases the first's strings.
        assert!(crm_call(f.as_ptr(), bad.as_ptr(), &mut err).is_null());
        assert_eq!(err.code, CrmErrorCode::Request as i32);
        assert!(crm_call(ptr::null(), bad.as_ptr(), &mut err).is_null());
        assert_eq!(err.code, CrmErrorCode::NullArgument as i32);
        assert_eq!(copy(err.kind).as_deref(), Some("null_argument"));
        // A success leaves it cleared.
        let p = crm_call(f.as_ptr(), good.as_ptr(), &mut err);
        assert!(!p.is_null());
        assert_eq!(err.code, 0);
        assert!(err.message.is_null());
        crm_string_free(p);
        // err == NULL: failures just return NULL, successes still work.
        assert!(crm_call(f.as_ptr(), bad.as_ptr(), ptr::null_mut()).is_null());
        assert!(crm_customer_facts(bad.as_ptr(), ptr::null_mut()).is_null());
        let p = crm_customer_facts(good.as_ptr(), ptr::null_mut());
        assert_eq!(copy(p).as_deref(), Some(r#"{"as_of":"2024-03-01T00:00:00Z","facts":[]}"#));
        crm_string_free(p);
        // NULL no-ops, and clearing twice.
        crm_string_free(ptr::null_mut());
        crm_error_clear(ptr::null_mut());
        assert!(crm_call(f.as_ptr(), bad.as_ptr(), &mut err).is_null());
        crm_error_clear(&mut err);
        crm_error_clear(&mut err);
        assert_eq!(err.code, 0);
        assert!(err.domain.is_null());
    }
}

#[test]
fn wrappers_equal_crm_call() {
    let sample = call("sample_store", r#"{"customers": 5, "seed": 7}"#);
    assert_eq!(sample.code, 0, "{sample:?}");
    let store = sample.result.unwrap();
    let again = call("sample_store", r#"{"customers": 5, "seed": 7}"#);
    assert_eq!(again.result.as_deref(), Some(store.as_str()), "same seed, same bytes");

    let facts_req = format!(r#"{{"as_of":"2024-03-01T00:00:00Z","store":{store}}}"#);
    let validate_req = format!(r#"{{"store":{store}}}"#);
    type Wrapper = unsafe extern "C" fn(*const c_char, *mut CrmError) -> *mut c_char;
    let cases: [(&str, Wrapper, &str); 3] = [
        ("sample_store", crm_sample_store, r#"{"customers": 5, "seed": 7}"#),
        ("validate_store", crm_validate_store, &validate_req),
        ("customer_facts", crm_customer_facts, &facts_req),
    ];
    for (name, wrapper, request) in cases {
        let r = c(request.as_bytes());
        let mut err = zeroed();
        // SAFETY: valid request string; zeroed `err`.
        let p = unsafe { wrapper(r.as_ptr(), &mut err) };
        let via_wrapper = outcome(p, &mut err);
        assert_eq!(via_wrapper.code, 0, "{name}: {via_wrapper:?}");
        assert_eq!(via_wrapper, call(name, request), "{name}");
    }
}

#[test]
fn calls_from_several_threads_agree() {
    let request = facts_request(&[("1000", "1000"), ("2500", "2500")]);
    let expected = call("customer_facts", &request);
    assert_eq!(expected.code, 0);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let request = request.clone();
            std::thread::spawn(move || (0..50).map(|_| call("customer_facts", &request)).collect::<Vec<_>>())
        })
        .collect();
    for h in handles {
        for o in h.join().unwrap() {
            assert_eq!(o, expected);
        }
    }
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn numeric_code(domain: &str) -> i32 {
    (match domain {
        "request" => CrmErrorCode::Request,
        "model" => CrmErrorCode::Model,
        "money" => CrmErrorCode::Money,
        "time" => CrmErrorCode::Time,
        "facts" => CrmErrorCode::Facts,
        "dataset" => CrmErrorCode::Dataset,
        "segment" => CrmErrorCode::Segment,
        "consent" => CrmErrorCode::Consent,
        "privacy" => CrmErrorCode::Privacy,
        "ltv" => CrmErrorCode::Ltv,
        "campaign" => CrmErrorCode::Campaign,
        other => panic!("a vector expects unknown domain {other}"),
    }) as i32
}

#[test]
fn every_golden_vector() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no golden vectors found");
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy();
        let vector: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let function = vector["function"].as_str().expect("function");
        let request = vector["request"].to_string();
        let expected = &vector["expected"];

        // The envelope, byte for byte: serde_json prints the expected value in
        // the library's canonical form (sorted keys, compact, same floats).
        let f = c(function.as_bytes());
        let r = c(request.as_bytes());
        // SAFETY: valid strings alive during the call.
        let env = take(unsafe { crm_call_envelope(f.as_ptr(), r.as_ptr()) }).unwrap();
        assert_eq!(env, expected.to_string(), "{name}: envelope");

        let o = call(function, &request);
        if expected["ok"] == true {
            assert_eq!(o.code, 0, "{name}: {o:?}");
            assert_eq!(o.result, Some(expected["result"].to_string()), "{name}");
            assert_eq!((o.domain, o.kind, o.message, o.details), (None, None, None, None));
        } else {
            let e = &expected["error"];
            assert_eq!(o.result, None, "{name}");
            assert_eq!(o.code, numeric_code(e["domain"].as_str().unwrap()), "{name}");
            assert_eq!(o.domain.as_deref(), e["domain"].as_str(), "{name}");
            assert_eq!(o.kind.as_deref(), e["code"].as_str(), "{name}");
            assert_eq!(o.message.as_deref(), e["message"].as_str(), "{name}");
            assert_eq!(o.details.as_ref(), Some(&e["details"]), "{name}");
        }
    }
    println!("{} golden vectors passed", paths.len());
}
