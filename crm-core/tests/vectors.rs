//! Runs every golden vector in tests/vectors/ through the JSON interface.
//! The same files are run by the Python, C and PHP suites.

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

#[test]
fn every_golden_vector_matches() {
    let mut files: Vec<PathBuf> = fs::read_dir(vector_dir())
        .expect("tests/vectors exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "expected the golden vectors, found {}", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).expect("readable vector");
        let v: Value = serde_json::from_str(&text).expect("vector is JSON");
        let function = v["function"].as_str().expect("function is a string");
        let request = v["request"].to_string();
        let got: Value =
            serde_json::from_str(&crm_core::wire::call_envelope(function, &request)).expect("envelope is JSON");
        if got != v["expected"] {
            failures.push(format!("{}:\n  expected {}\n  got      {}", path.display(), v["expected"], got));
        }
    }
    assert!(failures.is_empty(), "{} of {} vectors differ:\n{}", failures.len(), files.len(), failures.join("\n"));
}
