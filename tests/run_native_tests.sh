#!/usr/bin/env bash
# Builds libcrm (crate crm-ffi) and runs its native tests against every golden
# vector in tests/vectors:
#   1. the C test (tests/c/test_crm.c), compiled with gcc -Wall -Werror -std=c11
#      against crm-ffi/include/crm.h, run under valgrind: zero leaks, zero errors;
#   2. the PHP test (tests/php/test_crm.php), which loads the same header
#      unchanged through FFI::cdef.
# Installs gcc, valgrind, php-cli and python3 with apt-get when missing (CI starts
# from a fresh machine). Environment:
#   CRM_PROFILE=release|debug   which build to test (default release)
#   CRM_NO_VALGRIND=1           run the C test without valgrind (not for CI)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PROFILE="${CRM_PROFILE:-release}"

say() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v php >/dev/null 2>&1 || missing+=(php-cli)
if [ "${CRM_NO_VALGRIND:-0}" != 1 ]; then
    command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

say "building crm-ffi ($PROFILE)"
if [ "$PROFILE" = release ]; then
    cargo build --release -p crm-ffi
else
    cargo build -p crm-ffi
fi
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
LIB_DIR="$TARGET_DIR/$PROFILE"
test -f "$LIB_DIR/libcrm.so" || { echo "no $LIB_DIR/libcrm.so" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

say "C: the header alone compiles (C99, C11, C17) with -Wall -Wextra -Wpedantic -Werror"
for std in c99 c11 c17; do
    printf '#include "crm.h"\n#include "crm.h"\nint main(void) { return 0; }\n' >"$WORK/header_only.c"
    gcc -Wall -Wextra -Wpedantic -Werror -std="$std" -Icrm-ffi/include "$WORK/header_only.c" -o "$WORK/header_only"
done

say "C: building tests/c/test_crm.c"
gcc -Wall -Werror -std=c11 -Wextra -Wpedantic -g -Icrm-ffi/include tests/c/test_crm.c \
    -L"$LIB_DIR" -lcrm -Wl,-rpath,"$LIB_DIR" -o "$WORK/test_crm"

say "C: preparing the golden vectors"
python3 tests/c/prepare_vectors.py tests/vectors "$WORK/vectors"

if [ "${CRM_NO_VALGRIND:-0}" = 1 ]; then
    say "C: running (without valgrind)"
    "$WORK/test_crm" "$WORK/vectors"
else
    say "C: running under valgrind"
    valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
        "$WORK/test_crm" "$WORK/vectors"
    echo "valgrind: no errors, no definite or indirect leaks"
fi

say "PHP: running tests/php/test_crm.php ($(php -r 'echo PHP_VERSION;'))"
php -d ffi.enable=1 tests/php/test_crm.php "$LIB_DIR/libcrm.so"

say "PHP: docs/examples/campaign_cron.php twice with one send log (the second run sends nothing)"
cron() {
    CRM_LIB="$LIB_DIR/libcrm.so" CRM_HEADER="$ROOT/crm-ffi/include/crm.h" \
        php -d ffi.enable=1 docs/examples/campaign_cron.php "$WORK/send_log.json" | tee "$WORK/cron_$1.txt"
}
cron 1
grep -q '^sent [1-9][0-9]* messages*,' "$WORK/cron_1.txt" || { echo "first cron run sent nothing" >&2; exit 1; }
cron 2
grep -q '^sent 0 messages,' "$WORK/cron_2.txt" || { echo "second cron run sent again" >&2; exit 1; }
! grep -q '^send ' "$WORK/cron_2.txt" || { echo "second cron run sent again" >&2; exit 1; }

say "native tests passed"
