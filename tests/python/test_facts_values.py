"""Facts of a small hand-made set of tables, worked out by hand from the
definitions in docs/facts.md (the arithmetic is in the comments).

as_of = 2024-03-01T00:00:00Z; a day is 24 h and day counts are floored.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

import crm_core

UTC = timezone.utc
TS = pa.timestamp("us", tz="UTC")
AS_OF = datetime(2024, 3, 1, tzinfo=UTC)


def at(month, day, hour=0, minute=0):
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


ORDERS = pa.table(
    {
        "order_id": ["a1", "a2", "a3", "a4", "b1", "b2", "g1", "a5"],
        "customer_id": ["ann", "ann", "ann", "ann", "bob", "bob", None, "ann"],
        "email": [None, None, None, None, None, None, "Guest@Shop.TR", None],
        "placed_at": pa.array(
            [at(1, 5, 12), at(2, 1), at(2, 10, 6), at(2, 25), at(2, 2), at(2, 27, 18), at(2, 29, 23), at(3, 2)], TS
        ),
        "total": [10000, 4000, 6000, 9000, 3000, 5000, 1500, 99999],
        "currency": ["EUR"] * 8,
        "status": ["paid", "fulfilled", "partially_refunded", "pending", "refunded", "refunded", "paid", "paid"],
        "discount": [0, 400, 0, 0, 0, 0, 100, 0],
        "refunded": [0, 0, 1500, 0, 3000, 5000, 0, 0],
        "refunded_at": pa.array([None, None, at(2, 12), None, at(2, 3), at(3, 10), None, None], TS),
    }
)
LINES = pa.table(
    {
        "order_id": ["a1", "a1", "a2", "a3", "b1", "b2", "g1"],
        "category": ["Books", "Home", "Books", "Toys", "Sport", "Sport", None],
        "quantity": [2, 1, 1, 3, 1, 1, 1],
        "unit_price": [3000, 4000, 4400, 2000, 3000, 5000, 1500],
        "discount": [0, 0, 400, 0, 0, 0, 0],
    }
)
CARTS = pa.table(
    {
        "customer_id": ["ann", "bob", "bob", "cat"],
        "created_at": pa.array([at(2, 24, 22), at(2, 29, 20), at(2, 29, 23), at(1, 20)], TS),
        "updated_at": pa.array([at(2, 24, 23), at(2, 29, 21), at(2, 29, 23, 30), at(1, 21)], TS),
        "converted_at": pa.array([at(2, 25), None, None, None], TS),
        "converted_order_id": ["a4", None, None, None],
    }
)
EVENTS = pa.table(
    {"customer_id": ["cat", None, "ann"], "at": pa.array([at(2, 28, 9), at(2, 28, 10), at(3, 5)], TS)}
)
CUSTOMERS = pa.table(
    {
        "customer_id": ["ann", "bob", "cat", "dan"],
        "created_at": pa.array([at(1, 1), at(2, 2), at(1, 10), at(3, 20)], TS),
    }
)


@pytest.fixture(scope="module")
def rows():
    table = crm_core.customer_facts(
        ORDERS, as_of=AS_OF, order_lines=LINES, carts=CARTS, events=EVENTS, customers=CUSTOMERS
    )
    return {r["customer_id"]: r for r in table.to_pylist()}


def test_who_gets_a_row(rows):
    # Every key anywhere: ann, bob, cat, dan (customers), the guest by lower-cased e-mail.
    assert list(rows) == ["ann", "bob", "cat", "dan", "guest:guest@shop.tr"]


def test_ann(rows):
    r = rows["ann"]
    # Counted: a1 paid 10000, a2 fulfilled 4000, a3 partially refunded 6000 − 1500 (refund on 02-12).
    # a4 is pending (not counted, but activity); a5 is after as_of.
    assert r["order_count"] == 3
    assert r["net_spend"] == 10000 + 4000 + (6000 - 1500)  # 18500
    assert r["average_order_value"] == 6167  # 18500 / 3 = 6166.67 → 6167
    assert r["first_order_at"] == at(1, 5, 12)
    assert r["last_order_at"] == at(2, 10, 6)
    # 02-10 06:00 → 03-01 00:00 = 19 d 18 h → 19 days.
    assert r["days_since_last_order"] == 19
    # Created 01-01: 31 + 29 = 60 days.
    assert r["tenure_days"] == 60
    # Lines of counted orders: Books 2×3000 + (4400 − 400) = 10000, Home 4000, Toys 3×2000 = 6000.
    assert r["spend_by_category"] == [("Books", 10000), ("Home", 4000), ("Toys", 6000)]
    assert r["distinct_categories"] == 3
    assert r["top_category"] == "Books"
    # Discounted: a2 only → 1 / 3.
    assert r["discounted_order_share"] == pytest.approx(1 / 3)
    assert (r["refund_count"], r["refund_amount"]) == (1, 1500)
    # Cart converted into a4 on 02-25 → not abandoned.
    assert (r["abandoned_cart_count"], r["last_abandoned_at"]) == (0, None)
    # Latest at or before as_of: a4 placed 02-25 00:00 (the event on 03-05 is later).
    assert r["last_activity_at"] == at(2, 25)
    assert r["currency"] == "EUR"


def test_bob(rows):
    r = rows["bob"]
    # b1 refunded in full on 02-03 → not counted; b2 refunded, but only on 03-10 → paid as of 03-01.
    assert r["order_count"] == 1
    assert r["net_spend"] == 5000
    assert r["average_order_value"] == 5000
    assert (r["refund_count"], r["refund_amount"]) == (1, 3000)
    # 02-27 18:00 → 03-01 00:00 = 2 d 6 h (February 2024 has 29 days) → 2 days.
    assert r["days_since_last_order"] == 2
    # First sign: created 02-02 and b1 placed 02-02 → 28 days.
    assert r["tenure_days"] == 28
    # Lines of counted orders: b2's Sport 5000 (b1 does not count).
    assert r["spend_by_category"] == [("Sport", 5000)]
    assert r["discounted_order_share"] == 0.0
    # Carts: one idle since 02-29 21:00 (3 h ≥ 1 h) → abandoned; one idle 30 min → not yet.
    assert r["abandoned_cart_count"] == 1
    assert r["last_abandoned_at"] == at(2, 29, 21)
    assert r["last_activity_at"] == at(2, 29, 23, 30)


def test_cat_without_orders(rows):
    r = rows["cat"]
    assert (r["order_count"], r["net_spend"], r["currency"], r["average_order_value"]) == (0, 0, None, None)
    assert r["spend_by_category"] == [] and r["top_category"] is None
    assert r["discounted_order_share"] is None
    # Created 01-10: 01-10 → 02-10 is 31 days, 02-10 → 03-01 is 20 → 51 days;
    # cart idle since 01-21 → abandoned.
    assert r["tenure_days"] == 51
    assert (r["abandoned_cart_count"], r["last_abandoned_at"]) == (1, at(1, 21))
    assert r["last_activity_at"] == at(2, 28, 9)


def test_dan_signed_up_after_as_of(rows):
    r = rows["dan"]
    assert (r["tenure_days"], r["last_activity_at"], r["order_count"]) == (None, None, 0)


def test_guest(rows):
    r = rows["guest:guest@shop.tr"]
    # 1500 on 02-29 23:00 → 1 h before as_of → 0 days; discounted 1 / 1; its line has no category.
    assert (r["order_count"], r["net_spend"], r["days_since_last_order"], r["tenure_days"]) == (1, 1500, 0, 0)
    assert r["discounted_order_share"] == 1.0
    assert r["spend_by_category"] == [] and r["distinct_categories"] == 0


def test_abandon_after_option():
    # With 4 h, bob's cart idle since 21:00 (3 h) is not abandoned yet.
    t = crm_core.customer_facts(ORDERS, as_of=AS_OF, carts=CARTS, abandon_after=timedelta(hours=4))
    bob = [r for r in t.to_pylist() if r["customer_id"] == "bob"][0]
    assert bob["abandoned_cart_count"] == 0


def test_lines_in_any_order_give_the_same_facts():
    a = crm_core.customer_facts(ORDERS, as_of=AS_OF, order_lines=LINES)
    b = crm_core.customer_facts(ORDERS, as_of=AS_OF, order_lines=LINES.take([6, 3, 0, 5, 2, 4, 1]))
    c = crm_core.customer_facts(ORDERS.take([7, 6, 5, 4, 3, 2, 1, 0]), as_of=AS_OF, order_lines=LINES)
    assert a.equals(b) and a.equals(c)


def test_line_errors_name_the_line():
    bad = LINES.set_column(0, "order_id", pa.array(["a1", "a1", "a2", "zz", "b1", "b2", "g1"]))
    with pytest.raises(crm_core.ModelError) as info:
        crm_core.customer_facts(ORDERS, as_of=AS_OF, order_lines=bad)
    e = info.value
    assert (e.field, e.value) == ("order_lines[3].order_id", "zz")
    assert str(e) == "document: field `order_lines[3].order_id`: invalid value `zz`: no order with this id in `orders`"
    qty = LINES.set_column(2, "quantity", pa.array([2, 1, 0, 3, 1, 1, 1]))
    with pytest.raises(crm_core.ModelError) as info:
        crm_core.customer_facts(ORDERS, as_of=AS_OF, order_lines=qty)
    e = info.value
    assert e.code == "invalid_quantity"
    assert str(e) == 'order "a2" (orders[1]): field `order_lines[2].quantity`: quantity must be at least 1, got 0'


def test_cart_updated_before_created():
    bad = CARTS.set_column(2, "updated_at", pa.array([at(2, 24, 21), at(2, 29, 21), at(2, 29, 23, 30), at(1, 21)], TS))
    with pytest.raises(crm_core.ModelError) as info:
        crm_core.customer_facts(ORDERS, as_of=AS_OF, carts=bad)
    assert info.value.errors[0]["record"] == "cart" and info.value.errors[0]["index"] == 0


def test_many_bad_rows_are_capped():
    n = 1000
    orders = pa.table({
        "order_id": [f"o{i}" for i in range(n)],
        "customer_id": ["c"] * n,
        "placed_at": pa.array([at(1, 1)] * n, TS),
        "total": [1] * n,
        "currency": ["EUR"] * n,
        "status": ["nope"] * n,
    })
    with pytest.raises(crm_core.ModelError) as info:
        crm_core.customer_facts(orders, as_of=AS_OF)
    assert len(info.value.errors) == 100
    assert [d["index"] for d in info.value.errors[:3]] == [0, 1, 2]
