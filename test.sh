#!/usr/bin/env bash
# The full test command: Rust (fmt, clippy, unit, property, golden-vector and
# doc tests), Python (built wheel + pytest), C (under valgrind) and PHP.
# Installs what it needs when missing: maturin, pytest, pyarrow, pandas,
# polars (pip) and php-cli, valgrind (apt).
set -euo pipefail
cd "$(dirname "$0")"

# A fresh build gains nothing from incremental caches, and they take disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step() { printf '\n==== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (Rust: unit, property, golden vectors, doc tests)"
cargo test --workspace

step "cargo test -p crm-py --lib (the binding's pure-Rust unit tests)"
# crm-py's lib has test = false, so the workspace run skips it; these tests
# touch no Python and link without libpython.
cargo test -p crm-py --lib

step "Python (maturin wheel + pytest)"
bash tests/run_python_tests.sh

step "C (valgrind) and PHP"
bash tests/run_native_tests.sh

step "all suites passed"
