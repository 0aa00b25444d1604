"""A ten-clause segment rule over 1,000,000 customers: crm_core.Segment against DuckDB SQL, polars and pandas.

All four evaluate the same rule (docs/segments.md semantics: a comparison
with a missing value is false) over the same pyarrow facts table and return
one yes/no per customer. The script checks that the four masks are equal,
then times them interleaved, best of --repeat. For crm_core the time includes
reading the Arrow columns the rule uses. Reproduce with:

    bash tests/run_python_tests.sh          # builds and installs the wheel
    python3 benches/rule_compare.py --customers 1000000
    POLARS_MAX_THREADS=1 python3 benches/rule_compare.py --customers 1000000   # one thread each
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime, timedelta, timezone

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

import crm_core

import sys

sys.path.insert(0, os.path.dirname(__file__))
from facts_compare import DAY_US, best_times  # noqa: E402

AS_OF = datetime(2025, 1, 1, tzinfo=timezone.utc)

RULE = (
    "order_count >= 2 AND net_spend > 100 EUR AND last_order_at >= -90d "
    "AND country IN ('TR', 'DE') AND NOT tags CONTAINS 'b2b' AND consent.email "
    "AND discounted_order_share < 0.5 AND age BETWEEN 25 AND 54 AND days_since_last_order <= 60 "
    "AND top_category != 'Books'"
)

SQL = """
SELECT coalesce(order_count >= 2 AND net_spend > 10000 AND currency = 'EUR'
    AND last_order_at >= TIMESTAMPTZ '2024-10-03 00:00:00+00'
    AND country IN ('TR', 'DE') AND NOT list_contains(tags, 'b2b') AND "consent.email"
    AND discounted_order_share < 0.5 AND age BETWEEN 25 AND 54 AND days_since_last_order <= 60
    AND top_category != 'Books', false) AS m
FROM facts
"""


def make_facts(customers: int, seed: int) -> pa.Table:
    """A facts table like customer_facts' output plus customer columns."""
    rng = np.random.default_rng(seed)
    n = customers
    orders = rng.poisson(3, n).astype(np.int64)
    buyer = orders > 0
    last = AS_OF.timestamp() * 1_000_000 - rng.integers(0, 400 * DAY_US, n)
    days = (AS_OF.timestamp() * 1_000_000 - last) // DAY_US
    cats = np.array(["Books", "Home", "Electronics", "Fashion", "Sport"])
    tags_choice = [[], [], [], [], [], ["vip"], ["vip"], ["vip", "newsletter"], ["b2b"], ["newsletter"]]
    ts = pa.timestamp("us", tz="UTC")
    t = pa.table(
        {
            "customer_id": pa.array([f"c{i:07}" for i in range(n)]),
            "order_count": pa.array(orders, pa.uint32()),
            "net_spend": pa.array(np.where(buyer, rng.integers(500, 100_000, n), 0), pa.int64()),
            "currency": pa.array(np.where(buyer, "EUR", None)),
            "last_order_at": pa.array(last.astype(np.int64), pa.int64(), mask=~buyer).cast(ts),
            "days_since_last_order": pa.array(days.astype(np.int64), pa.int64(), mask=~buyer),
            "discounted_order_share": pa.array(rng.random(n), pa.float64(), mask=~buyer),
            "top_category": pa.array(cats[rng.integers(0, 5, n)], mask=~buyer).dictionary_encode(),
            "country": pa.array(np.array(["TR", "DE", "US", "GB", "JP"])[rng.integers(0, 5, n)]).dictionary_encode(),
            "tags": pa.array([tags_choice[i] for i in rng.integers(0, 10, n)], pa.list_(pa.string())),
            "consent.email": pa.array(rng.random(n) < 0.6),
            "age": pa.array(rng.integers(18, 80, n), pa.int64(), mask=rng.random(n) < 0.15),
        }
    )
    return t.replace_schema_metadata({"crm_core.as_of": "2025-01-01T00:00:00Z"})


def rule_polars(df: pl.DataFrame) -> pl.Series:
    cutoff = AS_OF - timedelta(days=90)
    expr = (
        (pl.col("order_count") >= 2)
        & (pl.col("net_spend") > 10_000)
        & (pl.col("currency") == "EUR")
        & (pl.col("last_order_at") >= cutoff)
        & pl.col("country").cast(pl.Utf8).is_in(["TR", "DE"])
        & ~pl.col("tags").list.contains("b2b")
        & pl.col("consent.email")
        & (pl.col("discounted_order_share") < 0.5)
        & pl.col("age").is_between(25, 54)
        & (pl.col("days_since_last_order") <= 60)
        & (pl.col("top_category").cast(pl.Utf8) != "Books")
    )
    return df.select(expr.fill_null(False).alias("m"))["m"]


def rule_pandas(df: pd.DataFrame) -> pd.Series:
    cutoff = pd.Timestamp(AS_OF - timedelta(days=90))
    no_b2b = ~df["tags"].map(lambda t: "b2b" in t)
    m = (
        (df["order_count"] >= 2)
        & (df["net_spend"] > 10_000)
        & (df["currency"] == "EUR")
        & (df["last_order_at"] >= cutoff)
        & df["country"].isin(["TR", "DE"])
        & no_b2b
        & df["consent.email"]
        & (df["discounted_order_share"] < 0.5)
        & df["age"].between(25, 54)
        & (df["days_since_last_order"] <= 60)
        & (df["top_category"].astype(object) != "Books")
        & df["top_category"].notna()
    )
    return m.fillna(False).astype(bool)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    table = make_facts(args.customers, args.seed)
    frame = table.to_pandas()
    pframe = pl.from_arrow(table)
    con = duckdb.connect()
    con.register("facts", table)
    seg = crm_core.Segment(RULE)

    ours = np.asarray(seg.mask(table).to_numpy(zero_copy_only=False), dtype=bool)
    duck = con.sql(SQL).to_arrow_table().column("m").to_numpy().astype(bool)
    polars_m = rule_polars(pframe).to_numpy().astype(bool)
    pandas_m = rule_pandas(frame).to_numpy().astype(bool)
    assert (ours == duck).all(), "DuckDB differs"
    assert (ours == polars_m).all(), "polars differs"
    assert (ours == pandas_m).all(), "pandas differs"
    print(f"checked: {args.customers:,} customers, {int(ours.sum()):,} members, all four agree")

    prepared = crm_core.CustomerTable(table)
    assert seg.mask(prepared).equals(seg.mask(table))
    runs = {
        "crm_core Segment.mask": lambda: seg.mask(table),
        "crm_core, prepared table": lambda: seg.mask(prepared),
        "crm_core Segment.filter": lambda: seg.filter(table),
        "DuckDB SQL": lambda: con.sql(SQL).to_arrow_table(),
        "polars": lambda: rule_polars(pframe),
        "pandas": lambda: rule_pandas(frame),
    }
    times = best_times(runs, args.repeat)
    base = times["crm_core Segment.mask"]
    print(f"10-clause rule, {args.customers:,} customers, best of {args.repeat}:")
    for name, t in times.items():
        print(f"  {name:26s} {t * 1000:8.1f} ms  {args.customers / t / 1e6:7.1f} M customers/s  x{t / base:6.1f}")


if __name__ == "__main__":
    main()
