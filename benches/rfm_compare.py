"""RFM scores from an orders table: crm_core.rfm against DuckDB SQL, polars and pandas, side by side.

All four compute the same thing from the same pyarrow table (see
docs/segments.md): per customer, recency (whole days since the last paid
order), frequency (paid orders), monetary (net spend), and the tie-fair scores
1 + floor(k * (rank - 1) / N). The script checks that all four agree on every
customer's scores before timing them, interleaved, best of --repeat.
Reproduce with:

    bash tests/run_python_tests.sh          # builds and installs the wheel
    python3 benches/rfm_compare.py --customers 1000000 --orders 10000000

With --int-ids the customer ids are int64 numbers (as in Shopify and
WooCommerce exports) for all four; crm_core returns them as text, sorted as
text, the others as numbers sorted as numbers, so the check lines the
customers up by number.

The default ids ("c123456") are a prefix and a number, which crm_core.rfm
reads through its numbered path (one array entry per number). With
--opaque-ids they are 16 hex digits instead (as hashed ids or UUIDs are),
which it reads through its hashing path: run both to see both.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

import crm_core

sys.path.insert(0, os.path.dirname(__file__))
from facts_compare import COUNTED, DAY_US, best_times, make_orders, parse_args  # noqa: E402

K = 5

SQL = """
WITH o AS (
  SELECT customer_id, placed_at, total, status,
         CASE WHEN refunded_at IS NOT NULL AND refunded_at <= $as_of THEN refunded ELSE 0 END AS refund
  FROM orders WHERE placed_at <= $as_of
), per AS (
  SELECT customer_id, count(*) AS frequency, sum(total - refund) AS monetary,
         floor((epoch_us($as_of) - epoch_us(max(placed_at))) / 86400000000)::BIGINT AS recency
  FROM o WHERE status IN ('paid', 'fulfilled', 'partially_refunded', 'refunded') AND refund < total
  GROUP BY customer_id
)
SELECT customer_id, recency, frequency, monetary,
       1 + floor({k} * (rank() OVER (ORDER BY recency DESC) - 1) / count(*) OVER ())::INT AS r,
       1 + floor({k} * (rank() OVER (ORDER BY frequency) - 1) / count(*) OVER ())::INT AS f,
       1 + floor({k} * (rank() OVER (ORDER BY monetary) - 1) / count(*) OVER ())::INT AS m
FROM per ORDER BY customer_id
"""


def score(rank_min: pd.Series, n: int) -> pd.Series:
    return 1 + (K * (rank_min - 1) // n)


def rfm_pandas(df: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    df = df[df["placed_at"] <= as_of]
    refund = df["refunded"].where(df["refunded_at"].notna() & (df["refunded_at"] <= as_of), 0)
    counted = df[df["status"].isin(COUNTED) & (refund < df["total"])]
    refund = refund[counted.index]
    g = (
        pd.DataFrame({"customer_id": counted["customer_id"], "net": counted["total"] - refund,
                      "placed_at": counted["placed_at"]})
        .groupby("customer_id", sort=True)
        .agg(frequency=("net", "size"), monetary=("net", "sum"), last=("placed_at", "max"))
    )
    g["recency"] = (as_of - g["last"]) // pd.Timedelta(days=1)
    n = len(g)
    g["r"] = score(g["recency"].rank(method="min", ascending=False).astype("int64"), n)
    g["f"] = score(g["frequency"].rank(method="min").astype("int64"), n)
    g["m"] = score(g["monetary"].rank(method="min").astype("int64"), n)
    return g


def rfm_polars(df: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    refund = (
        pl.when(pl.col("refunded_at").is_not_null() & (pl.col("refunded_at") <= as_of))
        .then(pl.col("refunded"))
        .otherwise(0)
    )

    def sc(col: str, descending: bool) -> pl.Expr:
        rank = pl.col(col).rank(method="min", descending=descending).cast(pl.Int64)
        return 1 + (K * (rank - 1)) // pl.len()

    return (
        df.lazy()
        .filter(pl.col("placed_at") <= as_of)
        .with_columns(_refund=refund)
        .filter(pl.col("status").is_in(COUNTED) & (pl.col("_refund") < pl.col("total")))
        .group_by("customer_id")
        .agg(
            frequency=pl.len(),
            monetary=(pl.col("total") - pl.col("_refund")).sum(),
            recency=((pl.lit(as_of) - pl.col("placed_at").max()).dt.total_microseconds() // DAY_US),
        )
        .with_columns(r=sc("recency", True), f=sc("frequency", False), m=sc("monetary", False))
        .sort("customer_id")
        .collect()
    )


def main() -> None:
    args = parse_args(__doc__, id_kinds=True)

    as_of = datetime(2025, 1, 1, tzinfo=timezone.utc)
    table = make_orders(args.customers, args.orders, args.seed)
    if args.int_ids or args.opaque_ids:
        ids = pc.cast(pc.utf8_slice_codeunits(table.column("customer_id"), 1), pa.int64())
        if args.opaque_ids:
            # Each number's hash as 16 hex digits: crm_core.rfm takes its hashing path.
            hashed = ids.to_numpy().astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
            ids = pa.array(np.char.mod("%016x", hashed).astype(object))
        table = table.set_column(table.schema.get_field_index("customer_id"), "customer_id", ids)
    frame = table.to_pandas()
    pframe = pl.from_arrow(table)
    con = duckdb.connect()
    con.register("orders", table)
    sql = SQL.format(k=K)

    def ours():
        return crm_core.rfm(table, as_of=as_of, k=K, check_duplicates=False)

    def duck():
        return con.sql(sql, params={"as_of": as_of}).to_arrow_table()

    a = ours()
    a = a.filter(a.column("r").is_valid())
    want = [a.column(c).to_numpy(zero_copy_only=False).astype(np.int64) for c in ["r", "f", "m"]]
    d = duck()
    p = rfm_polars(pframe, as_of)
    q = rfm_pandas(frame, pd.Timestamp(as_of))
    ids = a.column("customer_id").to_pylist()
    if args.int_ids:
        # Ours in text order: line them up by number.
        numbers = np.array([int(x) for x in ids])
        order = np.argsort(numbers, kind="stable")
        ids = numbers[order].tolist()
        want = [w[order] for w in want]
    assert ids == d.column("customer_id").to_pylist() == p["customer_id"].to_list() == list(q.index)
    for i, c in enumerate(["r", "f", "m"]):
        assert (want[i] == d.column(c).to_numpy().astype(np.int64)).all(), f"duckdb differs on {c}"
        assert (want[i] == p[c].to_numpy().astype(np.int64)).all(), f"polars differs on {c}"
        assert (want[i] == q[c].to_numpy().astype(np.int64)).all(), f"pandas differs on {c}"
    print(f"checked: {len(ids):,} scored customers agree on r, f, m in all four")
    # A loaded store: the orders read once (ids interned), then RFM as often as wanted.
    loaded = crm_core.load_orders(table, as_of=as_of, check_duplicates=False)
    assert loaded.rfm(k=K).equals(ours()), "the loaded store differs"

    runs = {
        "crm_core.rfm (pyarrow in)": ours,
        "crm_core loaded store .rfm": lambda: loaded.rfm(k=K),
        "duckdb SQL": duck,
        "polars": lambda: rfm_polars(pframe, as_of),
        "pandas": lambda: rfm_pandas(frame, pd.Timestamp(as_of)),
    }
    times = best_times(runs, args.repeat)
    base = times["crm_core.rfm (pyarrow in)"]
    threads = os.environ.get("POLARS_MAX_THREADS", "all")
    kind = "int64" if args.int_ids else "opaque text" if args.opaque_ids else "text"
    print(
        f"{args.orders:,} orders, {args.customers:,} customers ({kind} ids), k={K}, "
        f"best of {args.repeat} (polars threads: {threads}):"
    )
    for name, t in times.items():
        print(f"  {name:28s} {t:8.3f} s   x{t / base:5.1f}")


if __name__ == "__main__":
    main()
