"""Turns a store document (the JSON of the golden vectors) into the pyarrow tables
``crm_core.customer_facts`` reads, the way a user would export them from a shop
database: one row per order, per order line, per cart, per event, per customer.

Written from the model's documentation (docs/model.md, docs/facts.md), not from
the library: a guest's contact goes into ``email`` / ``phone`` columns, an
order's discount column is its order discount plus its line discounts, and its
refunds become ``refunded`` (amount) and ``refunded_at`` (time) as of ``as_of``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")


def instant(text: Optional[str]) -> Optional[datetime]:
    """RFC 3339 text → aware datetime in UTC (None stays None)."""
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _refund_as_of(refunds: List[Dict[str, Any]], as_of: datetime):
    """(amount, at) for the order's refunds: their sum and last time when they
    all fall on one side of ``as_of``, else only those at or before ``as_of``."""
    if not refunds:
        return 0, None
    times = [instant(r["at"]) for r in refunds]
    before = [(r["amount"], t) for r, t in zip(refunds, times) if t <= as_of]
    if len(before) in (0, len(refunds)):
        return sum(r["amount"] for r in refunds), max(times)
    return sum(a for a, _ in before), max(t for _, t in before)


def store_tables(store: Dict[str, Any], as_of: datetime) -> Dict[str, pa.Table]:
    """The five tables of a store document, keyed by the argument names of
    ``customer_facts`` (``orders``, ``order_lines``, ``carts``, ``events``, ``customers``)."""
    orders: Dict[str, list] = {
        k: []
        for k in [
            "order_id", "customer_id", "email", "phone", "placed_at", "total", "currency",
            "status", "discount", "refunded", "refunded_at",
        ]
    }
    lines: Dict[str, list] = {k: [] for k in ["order_id", "category", "quantity", "unit_price", "discount"]}
    for o in store.get("orders", []):
        contact = o.get("contact") or {}
        amount, at = _refund_as_of(o.get("refunds", []), as_of)
        orders["order_id"].append(o["id"])
        orders["customer_id"].append(o.get("customer_id"))
        orders["email"].append(contact.get("email"))
        orders["phone"].append(contact.get("phone"))
        orders["placed_at"].append(instant(o["placed_at"]))
        orders["total"].append(o["total"])
        orders["currency"].append(o["currency"])
        orders["status"].append(o["status"])
        orders["discount"].append(o.get("discount", 0) + sum(l.get("discount", 0) for l in o.get("lines", [])))
        orders["refunded"].append(amount)
        orders["refunded_at"].append(at)
        for l in o.get("lines", []):
            lines["order_id"].append(o["id"])
            lines["category"].append((l.get("category") or [None])[0])
            lines["quantity"].append(l["quantity"])
            lines["unit_price"].append(l["unit_price"])
            lines["discount"].append(l.get("discount", 0))
    carts: Dict[str, list] = {
        k: [] for k in ["customer_id", "email", "phone", "created_at", "updated_at", "converted_at", "converted_order_id"]
    }
    for k in store.get("carts", []):
        contact = k.get("contact") or {}
        carts["customer_id"].append(k.get("customer_id"))
        carts["email"].append(contact.get("email"))
        carts["phone"].append(contact.get("phone"))
        carts["created_at"].append(instant(k["created_at"]))
        carts["updated_at"].append(instant(k["updated_at"]))
        carts["converted_at"].append(instant(k.get("converted_at")))
        carts["converted_order_id"].append(k.get("converted_order_id"))
    events: Dict[str, list] = {"customer_id": [], "at": []}
    for e in store.get("events", []):
        events["customer_id"].append(e.get("customer_id"))
        events["at"].append(instant(e["at"]))
    customers: Dict[str, list] = {"customer_id": [], "created_at": []}
    for c in store.get("customers", []):
        customers["customer_id"].append(c["id"])
        customers["created_at"].append(instant(c["created_at"]))

    s, i64 = pa.string(), pa.int64()
    return {
        "orders": pa.table(
            orders,
            schema=pa.schema([
                ("order_id", s), ("customer_id", s), ("email", s), ("phone", s), ("placed_at", TS),
                ("total", i64), ("currency", s), ("status", s), ("discount", i64), ("refunded", i64),
                ("refunded_at", TS),
            ]),
        ),
        "order_lines": pa.table(
            lines,
            schema=pa.schema([("order_id", s), ("category", s), ("quantity", i64), ("unit_price", i64), ("discount", i64)]),
        ),
        "carts": pa.table(
            carts,
            schema=pa.schema([
                ("customer_id", s), ("email", s), ("phone", s), ("created_at", TS), ("updated_at", TS),
                ("converted_at", TS), ("converted_order_id", s),
            ]),
        ),
        "events": pa.table(events, schema=pa.schema([("customer_id", s), ("at", TS)])),
        "customers": pa.table(customers, schema=pa.schema([("customer_id", s), ("created_at", TS)])),
    }


def rfc3339(t: Optional[datetime]) -> Optional[str]:
    """A UTC datetime as the wire writes instants: ``…Z``, fractional digits only when needed."""
    if t is None:
        return None
    t = t.astimezone(timezone.utc)
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        frac = f"{t.microsecond:06d}"
        frac = frac[:3] if frac.endswith("000") else frac
        base += "." + frac
    return base + "Z"


def facts_rows(table: pa.Table) -> List[Dict[str, Any]]:
    """Rows of a facts table in the wire's JSON form (instants as RFC 3339 text,
    spend_by_category as a dict), to compare with ``call("customer_facts", …)``."""
    rows = table.to_pylist()
    out = []
    for r in rows:
        r = dict(r)
        for k in ["first_order_at", "last_order_at", "last_abandoned_at", "last_activity_at"]:
            r[k] = rfc3339(r[k])
        r["spend_by_category"] = dict(r["spend_by_category"])
        out.append(r)
    return out
