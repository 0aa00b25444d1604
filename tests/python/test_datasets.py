"""crm_core.datasets.sample_store: the Rust generator's tables from Python."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import crm_core
from crm_core.datasets import sample_store

TS = pa.timestamp("us", tz="UTC")


@pytest.fixture(scope="module")
def store():
    return sample_store(customers=400, seed=42)


def test_tables_and_types(store):
    assert store.customers.num_rows == 400
    assert store.customers.column("customer_id")[0].as_py() == "c0000001"
    o = store.orders
    assert o.schema.field("placed_at").type == TS
    assert o.schema.field("total").type == pa.int64()
    assert set(pc.unique(o.column("status")).to_pylist()) <= {
        "pending", "paid", "fulfilled", "cancelled", "refunded", "partially_refunded"}
    for name in ["order_lines", "carts", "cart_items", "consents", "events"]:
        assert getattr(store, name).num_rows > 0, name
    assert set(pc.unique(store.customers.column("country")).to_pylist()) == {"TR", "DE", "US", "GB", "JP"}
    assert "SampleStore(customers=400" in repr(store)


def test_same_seed_same_tables_other_seed_differs(store):
    again = sample_store(customers=400, seed=42)
    for name in ["customers", "orders", "order_lines", "carts", "cart_items", "consents", "events"]:
        assert getattr(again, name).equals(getattr(store, name)), name
    assert not sample_store(customers=400, seed=43).orders.equals(store.orders)


def test_same_data_as_rust_through_the_json_interface(store):
    # The JSON function runs the same Rust generator; the tables must carry
    # exactly its records.
    doc = crm_core.call("sample_store", {"customers": 400, "seed": 42})
    assert doc == store.to_store()
    orders = store.orders.to_pylist()
    assert [o["id"] for o in doc["orders"]] == [o["order_id"] for o in orders]
    assert [o["total"] for o in doc["orders"]] == [o["total"] for o in orders]
    lines = store.order_lines
    assert lines.num_rows == sum(len(o["lines"]) for o in doc["orders"])


def test_orders_feed_customer_facts_as_they_are(store):
    as_of = datetime(2025, 1, 1, tzinfo=timezone.utc)
    from_tables = crm_core.customer_facts(
        store.orders, order_lines=store.order_lines, carts=store.carts, events=store.events,
        customers=store.customers, as_of=as_of)
    from_json = crm_core.call("customer_facts", {"store": store.to_store(), "as_of": "2025-01-01T00:00:00Z"})
    rows = from_tables.to_pylist()
    assert [r["customer_id"] for r in rows] == [r["customer_id"] for r in from_json["facts"]]
    for a, b in zip(rows, from_json["facts"]):
        for k in ["order_count", "net_spend", "refund_count", "refund_amount", "abandoned_cart_count",
                  "distinct_categories", "top_category", "average_order_value"]:
            assert a[k] == b[k], (a["customer_id"], k)
    guests = [r for r in rows if r["customer_id"].startswith("guest:")]
    assert guests, "guest orders are keyed by e-mail"


def test_options_and_errors():
    s = sample_store(customers=5, seed=1, start="2020-01-01T00:00:00Z", days=10)
    placed = s.orders.column("placed_at").to_pylist()
    lo, hi = datetime(2020, 1, 1, tzinfo=timezone.utc), datetime(2020, 1, 11, tzinfo=timezone.utc)
    assert all(lo <= t < hi for t in placed)
    with pytest.raises(crm_core.DatasetError) as e:
        sample_store(customers=0)
    assert e.value.code == "invalid_option" and e.value.field == "customers"
    with pytest.raises(crm_core.DatasetError) as e:
        sample_store(customers=10, days=0)
    assert e.value.field == "days"
    with pytest.raises(crm_core.TimeError):
        sample_store(customers=10, start=datetime(2020, 1, 1))  # naive: refused


def test_tables_survive_pandas_and_polars(store):
    # Dictionary columns must become valid pandas categoricals / polars
    # categoricals, and the converted frames must give the same facts.
    import polars as pl

    tables = {n: getattr(store, n) for n in ["orders", "order_lines", "carts", "events", "customers"]}
    frames = {n: t.to_pandas() for n, t in tables.items()}
    assert str(frames["order_lines"]["category"].dtype) == "category"
    assert set(frames["order_lines"]["category"].cat.categories) <= {
        "Electronics", "Fashion", "Home", "Sport", "Beauty", "Books", "Toys", "Grocery"}
    as_of = "2025-01-01T00:00:00Z"

    def facts(t):
        return crm_core.customer_facts(t["orders"], order_lines=t["order_lines"], carts=t["carts"],
                                       events=t["events"], customers=t["customers"], as_of=as_of)

    expected = facts(tables)
    assert facts(frames).equals(expected)
    assert facts({n: pl.from_arrow(t) for n, t in tables.items()}).equals(expected)
