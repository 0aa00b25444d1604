#!/usr/bin/env python3
"""Turns every golden vector (tests/vectors/*.json) into small text files the C
test can read without a JSON parser.

    prepare_vectors.py VECTORS_DIR OUT_DIR

OUT_DIR/index lists one case directory (relative to OUT_DIR) per line; each
case directory holds
  name           the vector's file name
  function       the wire function name
  request.json   the request, compact, numbers exactly as written in the vector
  expected.json  the expected envelope in canonical form (see below)
  ok             "1" or "0"
and, for an expected error, the error's fields:
  domain, kind, message   as plain UTF-8 text
  details.json            the details array in canonical form

Canonical form is what crm_core prints through serde_json without
`preserve_order`: compact, object keys sorted, strings escaped only where JSON
requires it (non-ASCII kept), floats in serde_json's shortest round-trip
notation (`0.0`, `0.00001`, `1e-6`, `1e+16`). The C test then compares strings
byte for byte, so a difference in key order, number type or float digits fails.
"""

import json
import os
import sys
from decimal import Decimal


class Literal(str):
    """A JSON number kept exactly as written (requests may hold hostile numbers)."""


def fmt_float(x: float) -> str:
    """A float as serde_json 1.0.15x (zmij) prints it.

    Shortest round-trip digits (the same digits as Python's repr); fixed
    notation when the decimal exponent is in -5..=15, otherwise `d.ddde±X`.
    """
    if x != x or x in (float("inf"), float("-inf")):
        return "null"
    sign = "-" if str(x).startswith("-") else ""
    digits_tuple = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, digits_tuple.digits))
    if digits == "0":
        return sign + "0.0"
    exp = digits_tuple.exponent + len(digits) - 1  # x = d.ddd × 10^exp
    if -5 <= exp <= 15:
        if exp >= len(digits) - 1:
            text = digits + "0" * (exp - len(digits) + 1) + ".0"
        elif exp >= 0:
            text = digits[: exp + 1] + "." + digits[exp + 1 :]
        else:
            text = "0." + "0" * (-exp - 1) + digits
    else:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        text = f"{mantissa}e{'+' if exp >= 0 else '-'}{abs(exp)}"
    return sign + text


def dump(v, sort_keys: bool) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, Literal):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return fmt_float(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(dump(x, sort_keys) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v) if sort_keys else list(v)
        return "{" + ",".join(
            json.dumps(k, ensure_ascii=False) + ":" + dump(v[k], sort_keys) for k in keys
        ) + "}"
    raise TypeError(f"not JSON: {v!r}")


def canonical(v) -> str:
    return dump(v, sort_keys=True)


def self_check() -> None:
    # Pinned against serde_json 1.0.154's output for the same values.
    cases = [
        (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (0.6666666666666666, "0.6666666666666666"),
        (1e15, "1000000000000000.0"), (1e16, "1e+16"), (1.5e16, "1.5e+16"),
        (1.2345678901234568e17, "1.2345678901234568e+17"), (1e-4, "0.0001"), (1e-5, "0.00001"),
        (1.234e-5, "0.00001234"), (1e-6, "1e-6"), (1.5e-7, "1.5e-7"), (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (12345.678, "12345.678"),
        (2.5e-100, "2.5e-100"), (9007199254740993.0, "9007199254740992.0"), (-0.5, "-0.5"),
    ]
    for x, want in cases:
        got = fmt_float(x)
        assert got == want, f"fmt_float({x!r}) = {got!r}, want {want!r}"
    assert canonical({"b": [1, "é\n\u0001"], "a": None}) == '{"a":null,"b":[1,"é\\n\\u0001"]}'


def write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def main() -> int:
    self_check()
    vectors_dir, out_dir = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(vectors_dir) if n.endswith(".json"))
    if not names:
        print(f"no vectors in {vectors_dir}", file=sys.stderr)
        return 1
    os.makedirs(out_dir, exist_ok=True)
    index = []
    for i, name in enumerate(names):
        with open(os.path.join(vectors_dir, name), encoding="utf-8") as f:
            text = f.read()
        vector = json.loads(text)
        # Re-read the request keeping number literals verbatim.
        raw = json.loads(text, parse_int=Literal, parse_float=Literal)
        request = raw.get("request", {})
        expected = vector["expected"]
        case = os.path.join(out_dir, f"{i:04d}")
        os.makedirs(case, exist_ok=True)
        write(os.path.join(case, "name"), name)
        write(os.path.join(case, "function"), vector["function"])
        write(os.path.join(case, "request.json"), dump(request, sort_keys=False))
        write(os.path.join(case, "expected.json"), canonical(expected))
        write(os.path.join(case, "ok"), "1" if expected["ok"] else "0")
        if not expected["ok"]:
            error = expected["error"]
            write(os.path.join(case, "domain"), error["domain"])
            write(os.path.join(case, "kind"), error["code"])
            write(os.path.join(case, "message"), error["message"])
            write(os.path.join(case, "details.json"), canonical(error["details"]))
        index.append(os.path.basename(case))
    write(os.path.join(out_dir, "index"), "".join(c + "\n" for c in index))
    print(f"prepared {len(index)} vectors from {vectors_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
