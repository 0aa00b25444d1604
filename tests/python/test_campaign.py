"""The campaign planner from Python: crm_core.plan, plan_table, decisions_table.

One customer in Istanbul (UTC+3 all year since 2016) with e-mail consent
and a cart idle since 2026-05-01 09:10 UTC, planned with the `cart_recovery`
preset (docs of crm-core/src/campaign/presets.rs: reminder 1 h after the
cart's last update, 15 % code valid 24 h at 24 h, last chance at 72 h; e-mail
first, then SMS; smart-sending cap of one marketing e-mail per 16 h; 24 h of
lateness). Every expected value below is worked out from those rules by hand;
the idempotency keys and offer codes from their definitions in
crm-core/src/campaign/codes.rs, with hashlib/hmac.
"""

from __future__ import annotations

import doctest
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

import crm_core
from crm_core import CampaignError, TimeError

UTC = timezone.utc
SECRET = "shop-secret"
ITEM = {"title": "Shoes", "quantity": 2, "unit_price": 74950, "discount": 1000}
STORE = {
    "customers": [{"id": "c1", "created_at": "2026-01-01T00:00:00Z", "email": "ayse@example.com",
                   "first_name": "Ayşe", "time_zone": "Europe/Istanbul"}],
    "carts": [{"id": "k1", "customer_id": "c1", "currency": "TRY", "created_at": "2026-05-01T09:00:00Z",
               "updated_at": "2026-05-01T09:10:00Z", "items": [ITEM]}],
    "consents": [{"customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "granted",
                  "at": "2026-01-01T00:00:00Z"}],
}
POLICY = {"offer_secret": SECRET}


def request(now, **more):
    return {"store": STORE, "flows": ["cart_recovery"], "policy": POLICY, "now": now, **more}


def idempotency_key(*parts: str) -> str:
    """First 128 bits of SHA-256 over the length-prefixed (8-byte big-endian) fields, hex."""
    framed = b"".join(len(p.encode()).to_bytes(8, "big") + p.encode() for p in parts)
    return hashlib.sha256(framed).hexdigest()[:32]


def offer_code(prefix: str, key: str, length: int = 8) -> str:
    """PREFIX-, then 5-bit groups of HMAC-SHA256(secret, key), most significant first, in Crockford base 32."""
    n = int.from_bytes(hmac.new(SECRET.encode(), key.encode(), hashlib.sha256).digest(), "big")
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return prefix + "-" + "".join(alphabet[(n >> (256 - 5 * (i + 1))) & 31] for i in range(length))


KEY_REMINDER = idempotency_key("c1", "cart_recovery", "reminder", "cart:k1")
KEY_DISCOUNT = idempotency_key("c1", "cart_recovery", "discount", "cart:k1")
# 2 × 749.50 TRY − 10.00 TRY discount = 1,489.00 TRY; each item gets the cart's currency.
PAYLOAD = {"first_name": "Ayşe", "cart_id": "k1", "cart_items": [dict(ITEM, currency="TRY")],
           "cart_value": {"amount": 148900, "currency": "TRY"}}
# The reminder as the storefront logs it after sending it at 10:10 UTC on 1 May.
SENT = {"key": KEY_REMINDER, "customer_id": "c1", "flow": "cart_recovery", "step": "reminder",
        "subject": "cart:k1", "channel": "email", "purpose": "marketing",
        "sent_at": datetime(2026, 5, 1, 10, 10, tzinfo=UTC)}
NEXT_DAY = "2026-05-02T09:10:00Z"  # 24 h after the last update: the discount step is due

MESSAGE_SCHEMA = pa.schema([
    ("key", pa.string()), ("customer_id", pa.string()), ("flow", pa.string()), ("step", pa.string()),
    ("subject", pa.string()), ("send_at", pa.timestamp("us", tz="UTC")), ("local_time", pa.string()),
    ("time_zone", pa.string()), ("channel", pa.string()), ("address", pa.string()), ("purpose", pa.string()),
    ("template", pa.string()), ("payload", pa.string()), ("offer_code", pa.string()),
    ("offer_percent_off", pa.uint8()), ("offer_free_shipping", pa.bool_()),
    ("offer_expires_at", pa.timestamp("us", tz="UTC")), ("due_at", pa.timestamp("us", tz="UTC")),
])
DECISION_SCHEMA = pa.schema([
    ("key", pa.string()), ("customer_id", pa.string()), ("flow", pa.string()), ("step", pa.string()),
    ("subject", pa.string()), ("due_at", pa.timestamp("us", tz="UTC")), ("reason", pa.string()),
    ("evidence", pa.string()),
])


def log_frame():
    import pandas as pd

    return pd.DataFrame([SENT])


# --- the plan ------------------------------------------------------------------------------------

def test_reminder_one_hour_after_the_last_update():
    p = crm_core.plan(request("2026-05-01T10:10:00Z"))
    assert (p["now"], p["horizon"], p["decisions"]) == ("2026-05-01T10:10:00Z", "1h", [])
    # Due 09:10 + 1 h = 10:10 UTC, inside [10:10, 11:10): sent when due, 13:10 in Istanbul.
    # The discount (due 2 May 09:10) and the last chance (4 May 09:10) are past the horizon.
    assert p["messages"] == [{
        "key": KEY_REMINDER, "customer_id": "c1", "flow": "cart_recovery", "step": "reminder",
        "subject": "cart:k1", "send_at": "2026-05-01T10:10:00Z", "local_time": "2026-05-01T13:10:00+03:00",
        "time_zone": "Europe/Istanbul", "channel": "email", "address": "ayse@example.com",
        "purpose": "marketing", "template": "cart_reminder", "payload": PAYLOAD,
    }]


def test_late_reminder_goes_now_and_keeps_its_due_instant():
    # 20 minutes overdue (less than the 24 h of lateness): sent at now, 13:30 in Istanbul.
    [m] = crm_core.plan(request("2026-05-01T10:30:00Z"))["messages"]
    assert (m["send_at"], m["local_time"], m["due_at"]) == (
        "2026-05-01T10:30:00Z", "2026-05-01T13:30:00+03:00", "2026-05-01T10:10:00Z")


def test_the_cap_holds_back_the_discount_until_the_reminder_is_logged():
    # Without a send log, on 2 May 09:10 the reminder (23 h overdue) and the discount are both
    # due now by e-mail; one e-mail per 16 h: the earlier step goes, the discount is capped.
    p = crm_core.plan(request(NEXT_DAY))
    assert [(m["step"], m["send_at"], m.get("due_at")) for m in p["messages"]] == [
        ("reminder", NEXT_DAY, "2026-05-01T10:10:00Z")]
    assert [(d["step"], d["reason"], d["due_at"]) for d in p["decisions"]] == [("discount", "capped", NEXT_DAY)]


def test_a_dataframe_send_log_makes_the_reminder_already_sent():
    p = crm_core.plan(request(NEXT_DAY, send_log=log_frame()))
    # The reminder is logged (and 23 h ago, outside the 16 h cap window): the discount goes.
    assert p["decisions"] == [{
        "key": KEY_REMINDER, "customer_id": "c1", "flow": "cart_recovery", "step": "reminder",
        "subject": "cart:k1", "due_at": "2026-05-01T10:10:00Z", "reason": "already_sent",
        "evidence": {"sent_at": "2026-05-01T10:10:00Z", "channel": "email"},
    }]
    [m] = p["messages"]
    assert (m["key"], m["step"], m["template"], m["send_at"], m["local_time"]) == (
        KEY_DISCOUNT, "discount", "cart_discount", NEXT_DAY, "2026-05-02T12:10:00+03:00")
    assert "due_at" not in m
    # 15 % with a code, valid 24 h from the send instant.
    assert m["offer"] == {"percent_off": 15, "free_shipping": False, "code": offer_code("SEPET15", KEY_DISCOUNT),
                          "expires_at": "2026-05-03T09:10:00Z"}


@pytest.mark.parametrize("kind", ["list", "list_text", "pandas", "pandas_text", "polars", "pyarrow", "batch"])
def test_send_log_kinds(kind):
    import pandas as pd
    import polars as pl

    text = dict(SENT, sent_at="2026-05-01T13:10:00+03:00")  # the same instant, as text in Istanbul time
    log = {
        "list": lambda: [SENT],
        "list_text": lambda: [text],
        "pandas": log_frame,
        "pandas_text": lambda: pd.DataFrame([text]),
        "polars": lambda: pl.DataFrame([SENT]),
        "pyarrow": lambda: pa.Table.from_pylist([SENT]),
        "batch": lambda: pa.RecordBatch.from_pylist([SENT]),
    }[kind]()
    p = crm_core.plan(request(NEXT_DAY, send_log=log))
    assert [d["reason"] for d in p["decisions"]] == ["already_sent"]
    assert [m["key"] for m in p["messages"]] == [KEY_DISCOUNT]


def test_send_log_table_details():
    import pandas as pd

    # Extra columns are ignored, nulls are "absent", the instant may be in any zone and unit.
    df = pd.DataFrame([dict(SENT, sent_at=pd.Timestamp("2026-05-01 13:10", tz="Europe/Istanbul"),
                            address="ayse@example.com", purpose=None)])
    p = crm_core.plan(request(NEXT_DAY, send_log=df))
    assert p["decisions"][0]["evidence"] == {"sent_at": "2026-05-01T10:10:00Z", "channel": "email"}
    # A newsletter sent outside the planner (no key, no flow) 10 h before counts for the cap only.
    news = pd.DataFrame({"customer_id": ["c1"], "channel": ["email"],
                         "sent_at": [pd.Timestamp("2026-05-01 23:10", tz="UTC")]})
    p = crm_core.plan(request(NEXT_DAY, send_log=pd.concat([log_frame(), news], ignore_index=True)))
    # Decisions are ordered by due instant within the instance: the reminder (due 1 May) first.
    assert [(d["step"], d["reason"]) for d in p["decisions"]] == [("reminder", "already_sent"), ("discount", "capped")]
    assert p["messages"] == []
    # Without a required column.
    with pytest.raises(CampaignError) as e:
        crm_core.plan(request(NEXT_DAY, send_log=news.drop(columns=["channel"])))
    assert (e.value.code, e.value.field) == ("invalid_send_log", "send_log.channel")
    # An empty table is an empty log.
    assert crm_core.plan(request(NEXT_DAY, send_log=news.iloc[:0])) == crm_core.plan(request(NEXT_DAY))


@pytest.mark.parametrize("now", [
    "2026-05-01T13:10:00+03:00",
    datetime(2026, 5, 1, 10, 10, tzinfo=UTC),
    datetime(2026, 5, 1, 13, 10, tzinfo=ZoneInfo("Europe/Istanbul")),
    "pandas",
])
def test_now_kinds(now):
    if now == "pandas":
        import pandas as pd

        now = pd.Timestamp("2026-05-01 10:10:00", tz="UTC")
    p = crm_core.plan(request(now))
    assert p["now"] == "2026-05-01T10:10:00Z"
    assert [m["key"] for m in p["messages"]] == [KEY_REMINDER]


def test_naive_instants_are_refused():
    import numpy as np
    import pandas as pd

    for now in [datetime(2026, 5, 1, 10, 10), pd.Timestamp("2026-05-01 10:10"), np.datetime64("2026-05-01T10:10")]:
        with pytest.raises(TimeError) as e:
            crm_core.plan(request(now))
        assert (e.value.code, e.value.field) == ("invalid_timestamp", "now")
    with pytest.raises(TimeError) as e:
        crm_core.plan(request("2026-05-01 10:10:00"))  # text without a zone: the core's own refusal
    assert e.value.code == "invalid_timestamp"
    naive_log = pd.DataFrame([dict(SENT, sent_at=pd.Timestamp("2026-05-01 10:10"))])
    with pytest.raises(TimeError) as e:
        crm_core.plan(request(NEXT_DAY, send_log=naive_log))
    assert (e.value.code, e.value.field) == ("invalid_timestamp", "send_log.sent_at")
    assert "without a time zone" in str(e.value) and "naive=\"utc\"" in str(e.value)
    with pytest.raises(TimeError) as e:
        crm_core.plan(request(NEXT_DAY, send_log=[dict(SENT, sent_at=datetime(2026, 5, 1, 10, 10))]))
    assert e.value.field == "send_log[0].sent_at"
    # naive="utc" reads the send log's naive instants as UTC (never `now`).
    p = crm_core.plan(request(NEXT_DAY, send_log=naive_log), naive="utc")
    assert p["decisions"][0]["evidence"]["sent_at"] == "2026-05-01T10:10:00Z"


def test_store_kinds_and_horizon():
    expected = crm_core.plan(request("2026-05-01T10:10:00Z"))
    assert crm_core.plan(dict(request("2026-05-01T10:10:00Z"), store=json.dumps(STORE))) == expected
    assert crm_core.plan(dict(request("2026-05-01T10:10:00Z"), store=crm_core.load_store(STORE))) == expected
    assert crm_core.plan(json.dumps(request("2026-05-01T10:10:00Z"))) == expected
    # A flow object instead of the preset name.
    preset = next(f for f in crm_core.campaign_presets() if f["id"] == "cart_recovery")
    assert crm_core.plan(dict(request("2026-05-01T10:10:00Z"), flows=[preset])) == expected
    # 24 h of horizon reach the discount at 09:10 on 2 May, 23 h after the reminder: no 16 h
    # window holds both, so the cap lets both go.
    p = crm_core.plan(request("2026-05-01T10:10:00Z", horizon=timedelta(hours=24)))
    assert p["horizon"] == "1d"
    assert [(m["step"], m["send_at"]) for m in p["messages"]] == [
        ("reminder", "2026-05-01T10:10:00Z"), ("discount", NEXT_DAY)]
    assert p["decisions"] == []
    # A generated store is a store too.
    sample = crm_core.datasets.sample_store(customers=30, seed=7)
    now = "2025-01-01T00:00:00Z"
    flows = ["welcome", "order_confirmation"]
    assert crm_core.plan({"store": sample, "flows": flows, "policy": POLICY, "now": now, "horizon": "30d"}) == \
        crm_core.plan({"store": sample.to_store(), "flows": flows, "policy": POLICY, "now": now, "horizon": "30d"})


def test_no_consent_and_no_address():
    store = json.loads(json.dumps(STORE))
    store["consents"] = []
    p = crm_core.plan({"store": store, "flows": ["cart_recovery"], "policy": POLICY, "now": "2026-05-01T10:10:00Z"})
    assert p["messages"] == []
    # E-mail: an address but no consent; SMS: no phone. Consent is the more telling reason.
    [d] = p["decisions"]
    assert (d["step"], d["reason"]) == ("reminder", "no_consent")
    assert [c["channel"] for c in d["evidence"]["channels"]] == ["email", "sms"]
    assert [c["outcome"] for c in d["evidence"]["channels"]] == ["no_consent", "no_address"]


def test_campaign_errors():
    bad_flow = {"id": "Cart Recovery", "trigger": {"type": "cart_abandoned"},
                "steps": [{"id": "r", "delay": {"after": "1h"}, "channels": ["email"], "template": "t"}]}
    with pytest.raises(CampaignError) as e:
        crm_core.plan(dict(request("2026-05-01T10:10:00Z"), flows=["cart_recovery", bad_flow]))
    assert (e.value.code, e.value.field, e.value.domain) == ("invalid_flow", "flows[1].id", "campaign")
    assert isinstance(e.value, crm_core.CrmError)
    with pytest.raises(CampaignError) as e:
        crm_core.plan(dict(request("2026-05-01T10:10:00Z"), flows=["cart_recovery", "nope"]))
    assert (e.value.code, e.value.field) == ("invalid_flow", "flows[1]")
    # Offer codes need the secret: the discount step (index 1) is the first with a code prefix.
    with pytest.raises(CampaignError) as e:
        crm_core.plan(dict(request("2026-05-01T10:10:00Z"), policy={}))
    assert (e.value.code, e.value.field) == ("invalid_flow", "flows[0].steps[1].offer.code_prefix")
    with pytest.raises(CampaignError) as e:
        crm_core.plan(request("2026-05-01T10:10:00Z", horizon="1.5h"))
    assert (e.value.code, e.value.field) == ("invalid_option", "horizon")
    with pytest.raises(CampaignError) as e:
        crm_core.plan(request("2026-05-01T10:10:00Z", horizon=timedelta(milliseconds=1500)))
    assert (e.value.code, e.value.field) == ("invalid_option", "horizon")
    with pytest.raises(CampaignError) as e:
        crm_core.plan(request(NEXT_DAY, send_log=[dict(SENT, sent_at="2026-05-01T10:10:00Z", channel="fax")]))
    assert (e.value.code, e.value.field) == ("invalid_send_log", "send_log[0].channel")
    with pytest.raises(crm_core.RequestError) as e:
        crm_core.plan({"store": STORE, "flows": ["cart_recovery"], "policy": POLICY})
    assert (e.value.code, e.value.field) == ("missing_field", "now")


# --- tables -------------------------------------------------------------------------------------

def test_plan_table_values():
    p = crm_core.plan(request(NEXT_DAY, send_log=log_frame()))
    t = crm_core.plan_table(p)
    assert t.schema.equals(MESSAGE_SCHEMA)  # equals() ignores the metadata
    assert t.schema.metadata == {b"crm_core.now": NEXT_DAY.encode(), b"crm_core.horizon": b"1h"}
    [row] = t.to_pylist()
    payload = json.loads(row.pop("payload"))
    assert payload == PAYLOAD
    assert row == {
        "key": KEY_DISCOUNT, "customer_id": "c1", "flow": "cart_recovery", "step": "discount",
        "subject": "cart:k1", "send_at": datetime(2026, 5, 2, 9, 10, tzinfo=UTC),
        "local_time": "2026-05-02T12:10:00+03:00", "time_zone": "Europe/Istanbul", "channel": "email",
        "address": "ayse@example.com", "purpose": "marketing", "template": "cart_discount",
        "offer_code": offer_code("SEPET15", KEY_DISCOUNT), "offer_percent_off": 15, "offer_free_shipping": False,
        "offer_expires_at": datetime(2026, 5, 3, 9, 10, tzinfo=UTC), "due_at": None,
    }
    # From the request (planned first), from the plan's JSON text: the same table.
    assert crm_core.plan_table(request(NEXT_DAY, send_log=log_frame())).equals(t)
    assert crm_core.plan_table(json.dumps(p)).equals(t)


def test_plan_table_due_at_and_no_offer():
    t = crm_core.plan_table(request("2026-05-01T10:30:00Z"))
    assert t.column("send_at").to_pylist() == [datetime(2026, 5, 1, 10, 30, tzinfo=UTC)]
    assert t.column("due_at").to_pylist() == [datetime(2026, 5, 1, 10, 10, tzinfo=UTC)]
    for c in ("offer_code", "offer_percent_off", "offer_free_shipping", "offer_expires_at"):
        assert t.column(c).to_pylist() == [None]


def test_decisions_table_values():
    t = crm_core.decisions_table(request(NEXT_DAY, send_log=log_frame()))
    assert t.schema.equals(DECISION_SCHEMA)
    [row] = t.to_pylist()
    assert json.loads(row.pop("evidence")) == {"sent_at": "2026-05-01T10:10:00Z", "channel": "email"}
    assert row == {"key": KEY_REMINDER, "customer_id": "c1", "flow": "cart_recovery", "step": "reminder",
                   "subject": "cart:k1", "due_at": datetime(2026, 5, 1, 10, 10, tzinfo=UTC),
                   "reason": "already_sent"}


def test_empty_plans_give_empty_tables():
    p = crm_core.plan(request("2026-05-01T09:30:00Z"))  # the cart is not idle for an hour yet
    assert (p["messages"], p["decisions"]) == ([], [])
    t, d = crm_core.plan_table(p), crm_core.decisions_table(p)
    assert (t.num_rows, d.num_rows) == (0, 0)
    assert t.schema.equals(MESSAGE_SCHEMA) and d.schema.equals(DECISION_SCHEMA)
    bare = {"messages": [], "decisions": []}
    assert crm_core.plan_table(bare).schema.equals(MESSAGE_SCHEMA)
    assert crm_core.decisions_table(bare).schema.equals(DECISION_SCHEMA)


def test_tables_to_pandas_and_polars():
    import polars as pl

    t = crm_core.plan_table(request(NEXT_DAY, send_log=log_frame()))
    df = t.to_pandas()
    assert str(df["send_at"].dtype) == "datetime64[us, UTC]"
    assert df["offer_code"].tolist() == [offer_code("SEPET15", KEY_DISCOUNT)]
    frame = pl.from_arrow(t)
    assert frame["step"].to_list() == ["discount"]
    # A plan table's rows (with the sent time) are a send log for the next run.
    sent = frame.select("key", "customer_id", "flow", "step", "subject", "channel", "purpose",
                        pl.col("send_at").alias("sent_at"))
    p = crm_core.plan(request(NEXT_DAY, send_log=pl.concat([pl.DataFrame([SENT]), sent], how="vertical_relaxed")))
    assert p["messages"] == []
    assert sorted(d["step"] for d in p["decisions"]) == ["discount", "reminder"]
    assert {d["reason"] for d in p["decisions"]} == {"already_sent"}


# --- presets and docs ---------------------------------------------------------------------------

def test_presets():
    flows = crm_core.campaign_presets()
    assert [f["id"] for f in flows] == ["cart_recovery", "welcome", "order_confirmation", "post_purchase",
                                        "product_recommendation", "birthday", "win_back"]
    cart = flows[0]
    assert cart["trigger"] == {"type": "cart_abandoned", "idle": "1h"}
    assert [(s["id"], s["delay"]) for s in cart["steps"]] == [
        ("reminder", {"after": "1h"}), ("discount", {"after": "1d"}), ("last_chance", {"after": "3d"})]
    assert flows[2]["purpose"] == "transactional"


def test_docstring_examples():
    import crm_core.campaign

    result = doctest.testmod(crm_core.campaign, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 8
