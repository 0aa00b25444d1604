"""Every golden vector in tests/vectors/*.json, through the Python binding.

Each file is ``{"description", "function", "request", "expected"}`` with
``expected`` the envelope ``{"ok": true, "result": …}`` or
``{"ok": false, "error": {domain, code, message, details}}``.

1. ``crm_core.call(function, request)`` must return ``result`` or raise the
   exception of ``error.domain`` with the same code, message and details.
2. ``customer_facts`` vectors run again through the table API: the request's
   store becomes pyarrow tables (tests/python/store_tables.py) and the rows of
   ``crm_core.customer_facts(...)`` must equal the expected facts (or raise the
   same error).
"""

from __future__ import annotations

import glob
import json
import os
from datetime import timedelta

import pytest

import crm_core
from store_tables import facts_rows, instant, store_tables

VECTOR_DIR = os.path.join(os.path.dirname(__file__), "..", "vectors")
VECTORS = sorted(glob.glob(os.path.join(VECTOR_DIR, "*.json")))

CLASSES = {
    "model": crm_core.ModelError,
    "money": crm_core.MoneyError,
    "time": crm_core.TimeError,
    "facts": crm_core.FactsError,
    "dataset": crm_core.DatasetError,
    "segment": crm_core.SegmentError,
    "consent": crm_core.ConsentError,
    "privacy": crm_core.PrivacyError,
    "ltv": crm_core.LtvError,
    "campaign": crm_core.CampaignError,
    "request": crm_core.RequestError,
}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_there_are_vectors():
    assert len(VECTORS) >= 10, f"no golden vectors found in {VECTOR_DIR}"


def check_error(exc: crm_core.CrmError, expected: dict) -> None:
    assert isinstance(exc, CLASSES[expected["domain"]]), (type(exc), expected["domain"])
    assert isinstance(exc, crm_core.CrmError) and isinstance(exc, ValueError)
    assert exc.domain == expected["domain"]
    assert exc.code == expected["code"]
    assert str(exc) == expected["message"]
    assert exc.details == expected["details"]
    assert exc.to_dict() == expected


@pytest.mark.parametrize("path", VECTORS, ids=os.path.basename)
def test_vector_through_call(path):
    v = load(path)
    expected = v["expected"]
    if expected["ok"]:
        assert crm_core.call(v["function"], v["request"]) == expected["result"]
        # JSON text in gives the same result as a dict.
        assert crm_core.call(v["function"], json.dumps(v["request"])) == expected["result"]
    else:
        with pytest.raises(crm_core.CrmError) as info:
            crm_core.call(v["function"], v["request"])
        check_error(info.value, expected["error"])


FACTS_VECTORS = [
    p
    for p in VECTORS
    if load(p)["function"] == "customer_facts"
    and isinstance(load(p)["request"], dict)
    and "store" in load(p)["request"]
    and "as_of" in load(p)["request"]
    and set(load(p)["request"]) <= {"store", "as_of", "options"}
]


def test_there_are_facts_vectors():
    assert len(FACTS_VECTORS) >= 3


def table_kwargs(options: dict) -> dict:
    kw = {}
    if "abandon_after_minutes" in options:
        kw["abandon_after"] = timedelta(minutes=options["abandon_after_minutes"])
    if "rates" in options:
        kw["rates"] = options["rates"]
    return kw


@pytest.mark.parametrize("path", FACTS_VECTORS, ids=os.path.basename)
def test_facts_vector_through_tables(path):
    v = load(path)
    req = v["request"]
    expected = v["expected"]
    as_of_text = req["as_of"]
    try:
        as_of = instant(as_of_text)
    except ValueError:
        as_of = None
    if as_of is None or as_of.tzinfo is None or not isinstance(req["store"], dict):
        # A zone-less or unparsable as_of: the table API reports the same time error.
        with pytest.raises(crm_core.CrmError) as info:
            crm_core.customer_facts(store_tables({}, instant("2000-01-01T00:00:00Z"))["orders"], as_of=as_of_text)
        check_error(info.value, expected["error"])
        return
    tables = store_tables(req["store"], as_of)
    kwargs = table_kwargs(req.get("options") or {})
    if expected["ok"]:
        result = crm_core.customer_facts(tables.pop("orders"), as_of=as_of_text, **tables, **kwargs)
        assert facts_rows(result) == expected["result"]["facts"]
        assert result.schema.metadata[b"crm_core.as_of"].decode() == expected["result"]["as_of"]
        # The same instant as a datetime gives the same table.
        tables = store_tables(req["store"], as_of)
        again = crm_core.customer_facts(tables.pop("orders"), as_of=as_of, **tables, **kwargs)
        assert again.equals(result)
    else:
        with pytest.raises(crm_core.CrmError) as info:
            crm_core.customer_facts(tables.pop("orders"), as_of=as_of_text, **tables, **kwargs)
        check_error(info.value, expected["error"])


RFM_VECTORS = [p for p in VECTORS if load(p)["function"] == "rfm"]


def test_there_are_rfm_vectors():
    assert len(RFM_VECTORS) >= 3


@pytest.mark.parametrize("path", RFM_VECTORS, ids=os.path.basename)
def test_rfm_vector_through_tables(path):
    # The same store as pyarrow tables through crm_core.rfm gives the same rows
    # (or the same error) as the JSON interface.
    v = load(path)
    req = v["request"]
    expected = v["expected"]
    as_of = instant(req["as_of"])
    tables = store_tables(req["store"], as_of)
    kwargs = table_kwargs(req.get("options") or {})
    kwargs.update(req.get("rfm") or {})
    if "window_days" in kwargs:
        from datetime import timedelta

        kwargs["window"] = timedelta(days=kwargs.pop("window_days"))
    if "segments" in req:
        kwargs["segments"] = req["segments"]
    if expected["ok"]:
        result = crm_core.rfm(tables["orders"], as_of=req["as_of"], **kwargs)
        rows = result.to_pylist()
        # crm_core.rfm reads orders only: customers known only from the
        # customers table have no row there.
        owners = {o["customer_id"] for o in req["store"].get("orders", [])}
        want = [r for r in expected["result"]["rfm"] if r["customer_id"] in owners]
        assert rows == want
        assert result.schema.field("r").type == "uint8"
    else:
        with pytest.raises(crm_core.CrmError) as info:
            crm_core.rfm(tables["orders"], as_of=req["as_of"], **kwargs)
        check_error(info.value, expected["error"])
