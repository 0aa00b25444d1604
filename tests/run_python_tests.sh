#!/usr/bin/env bash
# Builds the Python binding (crm-py) as a release wheel with maturin, installs
# it, and runs the Python tests in tests/python (golden vectors, table API over
# pyarrow / pandas / polars, error mapping, datasets).
# Installs maturin, pytest, pyarrow, pandas, polars, numpy and duckdb with pip when
# they are missing (CI starts from a fresh machine).
# Environment:
#   CRM_PY_SKIP_BUILD=1   reuse the wheel already installed (local iteration)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"

say() { printf '\n==> %s\n' "$*"; }

need=()
for mod in maturin pytest pyarrow pandas polars numpy duckdb; do
    "$PY" -c "import $mod" >/dev/null 2>&1 || need+=("$mod")
done
if ! command -v maturin >/dev/null 2>&1 && ! "$PY" -m maturin --version >/dev/null 2>&1; then
    need+=(maturin)
fi
if [ "${#need[@]}" -gt 0 ]; then
    say "pip install ${need[*]}"
    "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${need[@]}" \
        || "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --break-system-packages "${need[@]}"
fi

if [ "${CRM_PY_SKIP_BUILD:-0}" != 1 ]; then
    say "building the crm-core wheel (maturin, release)"
    rm -rf target/wheels
    "$PY" -m maturin build --release --quiet -m crm-py/Cargo.toml -o target/wheels --interpreter "$PY"
    # The source tree's package directory must not shadow the installed wheel.
    rm -f crm-py/python/crm_core/_native*.so
    "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --force-reinstall --no-deps target/wheels/crm_core-*.whl \
        || "$PY" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --break-system-packages --force-reinstall --no-deps target/wheels/crm_core-*.whl
fi

say "pytest tests/python"
# Run from tests/python with the repository root off sys.path, so `import
# crm_core` finds the installed wheel, not the sources.
cd tests/python
"$PY" -m pytest -q -p no:cacheprovider .
