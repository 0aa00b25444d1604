//! `data/sample_store.json` (the demo's data) is exactly the generator's store
//! for 100 customers and seed 42 — the defaults of the JSON `sample_store`
//! function. Regenerate it with `CRM_BLESS=1 cargo test -p crm-core --test bundled_sample`.

use crm_core::datasets::{sample_store, SampleOptions};
use crm_core::model::Store;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/sample_store.json");

#[test]
fn bundled_sample_store_is_the_generators_output() {
    let fresh = sample_store(&SampleOptions { customers: 100, seed: 42, ..Default::default() })
        .expect("valid options")
        .to_store();
    let text = format!("{}\n", fresh.to_json());
    if std::env::var_os("CRM_BLESS").is_some() {
        std::fs::write(PATH, &text).expect("write data/sample_store.json");
    }
    let bundled = std::fs::read_to_string(PATH).expect("data/sample_store.json exists");
    assert!(
        bundled == text,
        "data/sample_store.json is stale: run CRM_BLESS=1 cargo test -p crm-core --test bundled_sample"
    );
    let loaded = Store::from_json(&bundled).expect("the bundled store validates");
    assert_eq!(loaded.customers.len(), 100);
    // The wire function with its defaults gives the same document.
    let wire = crm_core::wire::call("sample_store", "{}").expect("sample_store");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&wire).ok(), serde_json::from_str(&bundled).ok());
}
