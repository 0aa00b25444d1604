"""crm_core.rfm against an independent reference: the RFM definition written
in SQL and run by DuckDB, on a 100,000-customer sample store.

The reference reads the same orders table and implements docs/facts.md and
docs/segments.md directly: an order counts when placed by as_of, its status
is paid, fulfilled, partially refunded or refunded, and the refunds made by
as_of are less than its total (a refund dated later does not count yet);
guests are keyed "guest:" + lower-cased e-mail; the score is
1 + floor(k * (rank() - 1) / count(*)). Money must be in one currency to be
ranked, so both sides see the store's EUR orders only.
"""

from __future__ import annotations

import pyarrow.compute as pc
import pytest

import crm_core
from crm_core.datasets import sample_store

duckdb = pytest.importorskip("duckdb")

AS_OF = "2024-09-01T00:00:00Z"
K = 5

REFERENCE = """
WITH o AS (
  SELECT coalesce(customer_id, 'guest:' || lower(email)) AS customer_id, placed_at, total, status,
         CASE WHEN refunded_at IS NOT NULL AND refunded_at <= TIMESTAMPTZ '{as_of}' THEN refunded ELSE 0 END AS refund
  FROM orders
  WHERE placed_at <= TIMESTAMPTZ '{as_of}'
),
counted AS (
  SELECT * FROM o
  WHERE status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded') AND (refund < total OR total = 0)
),
per AS (
  SELECT customer_id,
         count(*) AS frequency,
         sum(total - refund) AS monetary,
         floor((epoch_us(TIMESTAMPTZ '{as_of}') - epoch_us(max(placed_at))) / 86400000000)::BIGINT AS recency
  FROM counted GROUP BY customer_id
)
SELECT customer_id, recency, frequency, monetary,
       1 + floor({k} * (rank() OVER (ORDER BY recency DESC) - 1) / count(*) OVER ())::INT AS r,
       1 + floor({k} * (rank() OVER (ORDER BY frequency) - 1) / count(*) OVER ())::INT AS f,
       1 + floor({k} * (rank() OVER (ORDER BY monetary) - 1) / count(*) OVER ())::INT AS m
FROM per ORDER BY customer_id
"""


def test_rfm_equals_the_duckdb_reference():
    s = sample_store(customers=100_000, seed=7)
    orders = s.orders.filter(pc.equal(s.orders.column("currency"), "EUR"))
    ours = crm_core.rfm(orders, as_of=AS_OF, k=K)
    scored = ours.filter(pc.is_valid(ours.column("r"))).to_pylist()
    con = duckdb.connect()
    con.register("orders", orders)
    theirs = con.execute(REFERENCE.format(as_of=AS_OF, k=K)).fetchall()
    assert len(scored) > 10_000
    assert len(theirs) == len(scored)
    for a, b in zip(scored, theirs):
        assert (a["customer_id"], a["recency"], a["frequency"], a["monetary"], a["r"], a["f"], a["m"]) == b
