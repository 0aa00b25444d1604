//! The committed header `include/crm.h` is exactly what cbindgen generates
//! from the sources and `cbindgen.toml`. Run with `CRM_BLESS=1` to rewrite it.

use std::path::Path;

#[test]
fn header_is_fresh() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("the header is UTF-8");

    let path = crate_dir.join("include/crm.h");
    if std::env::var_os("CRM_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("include/crm.h is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "crm-ffi/include/crm.h is stale; regenerate it with \
         `CRM_BLESS=1 cargo test -p crm-ffi --test header` and commit it"
    );
}

#[test]
fn header_suits_php_ffi() {
    // PHP's FFI::cdef skips `#` lines but cannot take macros, conditionals or C++.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/crm.h");
    let header = std::fs::read_to_string(path).expect("include/crm.h exists");
    for line in without_block_comments(&header).lines() {
        let t = line.trim_start();
        if let Some(directive) = t.strip_prefix('#') {
            let word = directive.split_whitespace().next().unwrap_or("");
            let allowed = match word {
                "include" | "endif" => true,
                "ifndef" | "define" => t.contains("CRM_H"),
                _ => false,
            };
            assert!(allowed, "directive PHP's FFI cannot honour: {line}");
            assert!(!t.ends_with('\\'), "continued directive: {line}");
        }
        assert!(!t.contains("extern \"C\""), "C++ wrapper: {line}");
    }
    assert!(header.ends_with('\n'), "PHP needs a newline after the last `#endif`");
}

/// The text with every `/* ... */` comment removed (the header has no string
/// literals that could contain `/*`).
fn without_block_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        let end = rest[start + 2..].find("*/").expect("comment is closed");
        rest = &rest[start + 2 + end + 2..];
    }
    out.push_str(rest);
    out
}
