"""Consent and privacy from Python: the wrappers over the JSON interface,
with expected values worked out by hand (the same store as the golden
vectors; see tests/vectors/README.md, "consent")."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pyarrow as pa
import pytest

import crm_core
from crm_core import ConsentError, PrivacyError

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
STORE = json.loads((VECTORS / "consent_table.json").read_text())["request"]["store"]
POLICY = {"double_opt_in": {"countries": ["DE"]}, "confirm_within_hours": 72}


def test_decide_with_evidence():
    d = crm_core.consent(STORE, "ben", "email", at="2024-02-03T00:00:00Z", policy=POLICY)
    assert (d["allowed"], d["state"]) == (True, "granted")
    assert [e["id"] for e in d["evidence"]] == ["e4", "e5"]  # the grant and its confirmation
    # Without the policy there is no double opt-in: the grant counts from 02-01 10:00.
    d = crm_core.consent(STORE, "ben", "email", at="2024-02-01T12:00:00Z")
    assert d["state"] == "granted"
    assert crm_core.consent(STORE, "ben", "email", at="2024-02-01T12:00:00Z", policy=POLICY)["state"] == \
        "pending_confirmation"


def test_consent_table_is_a_pyarrow_table():
    t = crm_core.consent_table(STORE, at="2024-04-02T00:00:00Z", policy=POLICY)
    assert isinstance(t, pa.Table)
    assert t.column("customer_id").to_pylist() == ["ayla", "ben", "dan"]
    assert t.column("email").to_pylist() == ["withdrawn", "granted", "withdrawn"]
    assert t.column("sms").to_pylist() == ["suppressed", "lapsed", "no_consent"]
    assert t.column("push_allowed").to_pylist() == [False, False, True]


def test_iys_errors_list_every_record():
    bad = [{"recipient": "ayla@example.com", "type": "FAKS", "status": "ONAY", "source": "HS_WEB",
            "consentDate": "2024-05-01 12:30:00", "recipientType": "BIREYSEL"},
           {"recipient": "ayla@example.com", "type": "EPOSTA", "status": "EVET", "source": "HS_WEB",
            "consentDate": "2024-05-01 12:30:00", "recipientType": "BIREYSEL"}]
    with pytest.raises(ConsentError) as e:
        crm_core.iys_import(bad, STORE)
    assert [(d["index"], d["field"]) for d in e.value.details] == [(0, "type"), (1, "status")]
    assert e.value.domain == "consent"


def test_iys_round_trip():
    records = crm_core.iys_export(STORE, at="2024-04-02T00:00:00Z", policy=POLICY)
    events = crm_core.iys_import(records, STORE)
    assert {(e["customer_id"], e["channel"], e["status"]) for e in events} == {
        ("ayla", "sms", "granted"), ("ayla", "email", "withdrawn"), ("ben", "email", "granted"),
        ("dan", "email", "withdrawn")}


def test_export_erase_and_retention():
    doc = crm_core.export_subject(STORE, "ayla", as_of="2024-04-02T00:00:00Z")
    assert doc["customer_id"] == "ayla" and doc["profile"]["email"] == "ayla@example.com"
    assert [c["id"] for c in doc["consent"]] == ["e0", "e2", "e1", "e3"]  # by time
    salt = "shop-secret-salt-0001"
    erased = crm_core.erase(STORE, "ayla", salt=salt, at="2024-06-01T00:00:00Z")
    text = json.dumps(erased)
    assert "ayla" not in text.lower() and "5321234567" not in text
    anon = "anon_" + hmac.new(salt.encode(), b"ayla", hashlib.sha256).hexdigest()[:32]
    assert [c["status"] for c in erased["consents"] if c["customer_id"] == anon] == ["erased"] * 4
    # The erased person is refused from now on, on every channel.
    assert crm_core.consent(erased, anon, "sms", at="2024-07-01T00:00:00Z")["state"] == "erased"
    with pytest.raises(PrivacyError) as e:
        crm_core.erase(STORE, "ayla", salt="short", at="2024-06-01T00:00:00Z")
    assert e.value.code == "invalid_salt"
    store, report = crm_core.apply_retention(STORE, {"guest_cart_days": 30, "guest_event_days": 30},
                                             now="2024-06-01T00:00:00Z")
    assert report == {"carts_removed": 0, "events_removed": 0} and len(store["consents"]) == 10
