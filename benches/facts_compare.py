"""Customer facts from an orders table: crm_core against pandas and polars, side by side.

The same pyarrow orders table (string ids, UTC timestamps, int64 minor units,
statuses and refunds as in docs/facts.md) goes to:

- ``crm_core.customer_facts(orders, as_of=...)``;
- the same order facts written the way a data team would in pandas
  (``groupby().agg``) and in polars (``group_by().agg``), starting from the
  pandas / polars frame a user already holds (conversion not timed).

Facts compared: order_count, net_spend, first/last order, average order value,
discounted order share, refund count and amount. Before timing, the script
checks that the three agree on every customer (so the comparison is of equal
work). Each tool runs ``--repeat`` times in turn; the best time of each is
reported, with the ratios. Reproduce with:

    bash tests/run_python_tests.sh          # builds and installs the wheel
    python3 benches/facts_compare.py --customers 1000000 --orders 10000000
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

import crm_core

# A refunded order whose refund comes after as_of was simply paid then (docs/facts.md);
# "counted" below also needs the refund as of as_of to be below the total.
COUNTED = ["paid", "fulfilled", "partially_refunded", "refunded"]
DAY_US = 86_400_000_000


def make_orders(customers: int, orders: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    weights = rng.gamma(0.6, size=customers)
    owner = rng.choice(customers, size=orders, p=weights / weights.sum())
    start = int(datetime(2023, 1, 1, tzinfo=timezone.utc).timestamp()) * 1_000_000
    placed = start + rng.integers(0, 730 * DAY_US, size=orders)
    total = rng.integers(500, 50_000, size=orders)
    status_idx = rng.choice(6, size=orders, p=[0.60, 0.28, 0.03, 0.03, 0.03, 0.03])
    statuses = np.array(["paid", "fulfilled", "pending", "cancelled", "refunded", "partially_refunded"])
    refunded = np.where(status_idx == 4, total, np.where(status_idx == 5, total // 3, 0))
    refunded_at = np.where(refunded > 0, placed + 5 * DAY_US, 0)
    discount = np.where(rng.random(orders) < 0.25, total // 10, 0)

    def ids(prefix: str, values: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(prefix, pc.cast(pa.array(values), pa.string()), "")

    ts = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "order_id": ids("o", np.arange(orders)),
            "customer_id": ids("c", owner),
            "placed_at": pa.array(placed, pa.int64()).cast(ts),
            "total": pa.array(total, pa.int64()),
            "currency": pa.array(np.full(orders, "EUR")),
            "status": pa.array(statuses[status_idx]),
            "discount": pa.array(discount, pa.int64()),
            "refunded": pa.array(refunded, pa.int64()),
            "refunded_at": pa.array(refunded_at, pa.int64(), mask=refunded == 0).cast(ts),
        }
    )


def facts_pandas(df: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    df = df[df["placed_at"] <= as_of]
    refund = df["refunded"].where(df["refunded_at"].notna() & (df["refunded_at"] <= as_of), 0)
    counted = df["status"].isin(COUNTED) & (refund < df["total"])
    work = pd.DataFrame(
        {
            "customer_id": df["customer_id"],
            "counted": counted.astype("int64"),
            "net": (df["total"] - refund).where(counted, 0),
            "first": df["placed_at"].where(counted),
            "last": df["placed_at"].where(counted),
            "disc": (counted & (df["discount"] > 0)).astype("int64"),
            "refund_count": (refund > 0).astype("int64"),
            "refund_amount": refund,
        }
    )
    g = work.groupby("customer_id", sort=True).agg(
        order_count=("counted", "sum"),
        net_spend=("net", "sum"),
        first_order_at=("first", "min"),
        last_order_at=("last", "max"),
        discounted=("disc", "sum"),
        refund_count=("refund_count", "sum"),
        refund_amount=("refund_amount", "sum"),
    )
    n = g["order_count"].where(g["order_count"] > 0)
    g["average_order_value"] = np.round(g["net_spend"] / n)  # numpy rounds half to even
    g["discounted_order_share"] = g["discounted"] / n
    return g.drop(columns="discounted")


def facts_polars(df: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    refund = (
        pl.when(pl.col("refunded_at").is_not_null() & (pl.col("refunded_at") <= as_of))
        .then(pl.col("refunded"))
        .otherwise(0)
    )
    counted = pl.col("status").is_in(COUNTED) & (pl.col("_refund") < pl.col("total"))
    return (
        df.lazy()
        .filter(pl.col("placed_at") <= as_of)
        .with_columns(_refund=refund)
        .with_columns(_counted=counted)
        .group_by("customer_id")
        .agg(
            order_count=pl.col("_counted").sum(),
            net_spend=pl.when(pl.col("_counted")).then(pl.col("total") - pl.col("_refund")).otherwise(0).sum(),
            first_order_at=pl.col("placed_at").filter(pl.col("_counted")).min(),
            last_order_at=pl.col("placed_at").filter(pl.col("_counted")).max(),
            discounted=(pl.col("_counted") & (pl.col("discount") > 0)).sum(),
            refund_count=(pl.col("_refund") > 0).sum(),
            refund_amount=pl.col("_refund").sum(),
        )
        .with_columns(
            average_order_value=(pl.col("net_spend") / pl.col("order_count")).round(0),
            discounted_order_share=pl.col("discounted") / pl.col("order_count"),
        )
        .sort("customer_id")
        .collect()
    )


def parse_args(doc: str, id_kinds: bool = False) -> argparse.Namespace:
    """The options both comparison scripts take (with ``id_kinds``, also ``--int-ids`` and ``--opaque-ids``)."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--orders", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    if id_kinds:
        ids = ap.add_mutually_exclusive_group()
        ids.add_argument("--int-ids", action="store_true", help="customer ids as int64 numbers instead of text")
        ids.add_argument(
            "--opaque-ids",
            action="store_true",
            help="customer ids that are no prefix and number (16 hex digits, as hashed ids or UUIDs)",
        )
    return ap.parse_args()


def best_times(runs: dict, repeat: int) -> dict:
    """Best time of each run over `repeat` rounds, interleaved so that load on
    the shared machine hits all of them alike."""
    times: dict = {}
    for _ in range(repeat):
        for name, fn in runs.items():
            t = time.perf_counter()
            fn()
            times[name] = min(times.get(name, float("inf")), time.perf_counter() - t)
    return times


def main() -> None:
    args = parse_args(__doc__)

    as_of = datetime(2025, 1, 1, tzinfo=timezone.utc)
    table = make_orders(args.customers, args.orders, args.seed)
    frame = table.to_pandas()
    pframe = pl.from_arrow(table)
    pd_as_of = pd.Timestamp(as_of)

    ours = crm_core.customer_facts(table, as_of=as_of, check_duplicates=False)
    theirs = facts_pandas(frame, pd_as_of)
    ptheirs = facts_polars(pframe, as_of)
    ids = ours.column("customer_id").to_pylist()
    assert ids == list(theirs.index) == ptheirs["customer_id"].to_list(), "customer sets differ"
    for col in ["order_count", "net_spend", "refund_count", "refund_amount"]:
        a = np.asarray(ours.column(col).to_numpy(zero_copy_only=False), dtype=np.int64)
        assert (a == theirs[col].to_numpy(dtype=np.int64)).all(), f"pandas differs on {col}"
        assert (a == ptheirs[col].to_numpy().astype(np.int64)).all(), f"polars differs on {col}"
    aov = ours.column("average_order_value").to_pandas().astype("float64").to_numpy()
    assert np.array_equal(aov, theirs["average_order_value"].to_numpy(), equal_nan=True), "pandas AOV differs"
    print(f"checked: {len(ids):,} customers agree on counts, net spend, refunds and AOV")

    runs = {
        "crm_core (pyarrow in)": lambda: crm_core.customer_facts(table, as_of=as_of, check_duplicates=False),
        "crm_core (pandas in)": lambda: crm_core.customer_facts(frame, as_of=as_of, check_duplicates=False),
        "crm_core (polars in)": lambda: crm_core.customer_facts(pframe, as_of=as_of, check_duplicates=False),
        "pandas groupby": lambda: facts_pandas(frame, pd_as_of),
        "polars group_by": lambda: facts_polars(pframe, as_of),
    }
    times = best_times(runs, args.repeat)
    base = times["crm_core (pyarrow in)"]
    print(f"{args.orders:,} orders, {args.customers:,} customers, best of {args.repeat}:")
    for name, t in times.items():
        print(f"  {name:24s} {t:8.3f} s  {args.orders / t / 1e6:7.1f} M orders/s  x{t / base:6.1f}")


if __name__ == "__main__":
    main()
