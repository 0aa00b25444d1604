"""crm_core.rfm reads an orders table made of member orders with its own
two-thread reader, which gives up (and the general reader runs) on anything
unusual. These tests check that both readers give the same table, or the same
error, on the shapes of input a caller can hand over: the general reader is
reached through ``load_orders(...).rfm()``, which always uses it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import crm_core
from crm_core.errors import CrmError

AS_OF = datetime(2024, 7, 1, tzinfo=timezone.utc)
DAY_US = 86_400_000_000
STATUSES = np.array(["paid", "fulfilled", "pending", "cancelled", "refunded", "partially_refunded"])


# Customer ids that are a prefix and a number take the reader's numbered
# path (one array entry per number); other ids take its hashing path.
SHAPES = ["numbered", "opaque"]


def orders(n: int = 4000, customers: int = 700, seed: int = 1, shape: str = "numbered") -> pa.Table:
    """Member orders over a year around AS_OF (some after it), refunds dated
    before and after it, in EUR. Customer ids "c00042", or "c00042z" when
    ``shape`` is "opaque"."""
    rng = np.random.default_rng(seed)
    start = int(datetime(2023, 9, 1, tzinfo=timezone.utc).timestamp()) * 1_000_000
    placed = start + rng.integers(0, 400 * DAY_US, size=n)
    total = rng.integers(0, 30_000, size=n)
    status = rng.choice(6, size=n)
    refunded = np.where(status == 4, total, np.where(status == 5, total // 4, 0))
    refunded_at = placed + rng.integers(0, 20 * DAY_US, size=n)
    ts = pa.timestamp("us", tz="UTC")
    return pa.table({
        "order_id": [f"o{i}" for i in range(n)],
        "customer_id": [f"c{int(c):05d}{'z' if shape == 'opaque' else ''}" for c in rng.integers(0, customers, size=n)],
        "placed_at": pa.array(placed, pa.int64()).cast(ts),
        "total": pa.array(total, pa.int64()),
        "currency": ["EUR"] * n,
        "status": STATUSES[status].tolist(),
        "discount": pa.array(np.where(rng.random(n) < 0.3, total // 10, 0), pa.int64()),
        "refunded": pa.array(refunded, pa.int64()),
        "refunded_at": pa.array(refunded_at, pa.int64(), mask=refunded == 0).cast(ts),
    })


def general(table: pa.Table, **kwargs) -> pa.Table:
    rfm_kwargs = {k: kwargs.pop(k) for k in ("k", "segments", "window", "thresholds") if k in kwargs}
    return crm_core.load_orders(table, as_of=AS_OF, **kwargs).rfm(**rfm_kwargs)


def same(table: pa.Table, **kwargs) -> pa.Table:
    ours = crm_core.rfm(table, as_of=AS_OF, **kwargs)
    assert ours.equals(general(table, **kwargs))
    return ours


@pytest.mark.parametrize("shape", SHAPES)
def test_plain_table_and_options(shape):
    t = orders(shape=shape)
    out = same(t)
    # One row per distinct customer, scored when they have a counted order by AS_OF.
    assert out.num_rows == pc.count_distinct(t.column("customer_id")).as_py()
    # (The definition of docs/segments.md: a refund counts once dated by AS_OF,
    # and an order refunded later still counts as paid at AS_OF.)
    rows = t.to_pylist()
    at = AS_OF
    counted = pa.table({"customer_id": [
        r["customer_id"] for r in rows
        if r["placed_at"] <= at and r["status"] in ("paid", "fulfilled", "partially_refunded", "refunded")
        and ((r["refunded"] if r["refunded_at"] is not None and r["refunded_at"] <= at else 0) < r["total"]
             or r["total"] == 0)
    ]})
    assert pc.sum(pc.is_valid(out.column("r"))).as_py() == pc.count_distinct(counted.column("customer_id")).as_py()
    same(t, k=3, segments="classic")
    same(t, window=timedelta(days=60))
    same(t, thresholds={"recency_days": [30, 90], "frequency": [2, 4], "monetary": [5000, 20000]}, k=3)
    same(t, check_duplicates=False)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("chunk", [1, 97, 40_000])
def test_batches_of_any_size(chunk, shape):
    t = orders(3000, 400, seed=2, shape=shape)
    same(pa.Table.from_batches(t.to_batches(max_chunksize=chunk)))


@pytest.mark.parametrize("kind", ["large_string", "string_view", "dictionary"])
def test_id_encodings(kind):
    t = orders(seed=3)
    ids = t.column("customer_id")
    ids = ids.dictionary_encode() if kind == "dictionary" else ids.cast(getattr(pa, kind)())
    same(t.set_column(1, "customer_id", ids))
    statuses = t.column("status").dictionary_encode()
    same(t.set_column(5, "status", statuses))


@pytest.mark.parametrize("kind", ["int16", "int32", "int64", "uint32", "uint64"])
def test_integer_ids(kind):
    # Numbers as ids (as Shopify and WooCommerce exports have them), in a
    # many-chunk table, with a second batch: the same table as the general
    # reader, whose ids are the numbers' decimal text, in text order.
    t = orders(150_000, 20_000, seed=14)
    numbers = pc.cast(pc.utf8_slice_codeunits(t.column("customer_id"), 1), pa.int64())
    if not kind.startswith("u"):
        # Negative ids too (the text "-5" sorts before "0").
        numbers = pc.subtract(numbers, pa.scalar(1_000, pa.int64()))
    ints = t.set_column(1, "customer_id", numbers.cast(getattr(pa, kind)()))
    out = same(pa.Table.from_batches(ints.to_batches(max_chunksize=80_000)))
    ids = out.column("customer_id").to_pylist()
    assert ids == sorted(ids) and len(ids) == pc.count_distinct(numbers).as_py()
    assert set(ids) == {str(v) for v in numbers.to_pylist()}


def test_integer_ids_too_long_for_a_slot_and_with_nulls():
    t = orders(seed=15)
    numbers = pc.cast(pc.utf8_slice_codeunits(t.column("customer_id"), 1), pa.int64())
    # 17 digits and more: the general reader takes the table, with the same result.
    big = pc.add(numbers, pa.scalar(10**17, pa.int64()))
    assert same(t.set_column(1, "customer_id", big)).column("customer_id")[0].as_py().startswith("1000000000000")
    # Guests (null ids) with emails.
    ids = pa.array([None if i % 50 == 0 else v for i, v in enumerate(numbers.to_pylist())], pa.int64())
    emails = pa.array([f"g{i}@example.com" for i in range(t.num_rows)])
    out = same(t.set_column(1, "customer_id", ids).append_column("email", emails))
    assert any(k.startswith("guest:") for k in out.column("customer_id").to_pylist())


@pytest.mark.parametrize("unit", ["s", "ms", "ns"])
def test_timestamp_units(unit):
    t = orders(seed=8)
    # Whole seconds, so every unit holds the same instants.
    secs = [pc.floor_temporal(t.column(c), unit="second") for c in ("placed_at", "refunded_at")]
    base = t.set_column(2, "placed_at", secs[0]).set_column(8, "refunded_at", secs[1])
    ts = pa.timestamp(unit, tz="UTC")
    other = base.set_column(2, "placed_at", secs[0].cast(ts)).set_column(8, "refunded_at", secs[1].cast(ts))
    assert same(other).equals(crm_core.rfm(base, as_of=AS_OF))


def test_nulls_in_the_optional_columns():
    t = orders(seed=9)
    n = t.num_rows
    discount = pa.array([None if i % 4 == 0 else v for i, v in enumerate(t.column("discount").to_pylist())], pa.int64())
    refunded = [None if v == 0 and i % 2 == 0 else v for i, v in enumerate(t.column("refunded").to_pylist())]
    with_nulls = t.set_column(6, "discount", discount).set_column(7, "refunded", pa.array(refunded, pa.int64()))
    # A null refund is no refund.
    assert same(with_nulls).equals(crm_core.rfm(t, as_of=AS_OF))
    assert n == with_nulls.num_rows


@pytest.mark.parametrize("shape", SHAPES)
def test_many_chunks_and_batches(shape):
    # More rows than one chunk of the fast reader (65,536), in uneven batches.
    t = orders(150_000, 20_000, seed=10, shape=shape)
    out = same(pa.Table.from_batches(t.to_batches(max_chunksize=70_001)))
    assert out.equals(crm_core.rfm(t, as_of=AS_OF))
    assert out.num_rows == pc.count_distinct(t.column("customer_id")).as_py()


@pytest.mark.parametrize("shape", SHAPES)
def test_one_thread_gives_the_same_table(monkeypatch, shape):
    t = orders(20_000, 3_000, seed=13, shape=shape)
    two = crm_core.rfm(t, as_of=AS_OF)
    loaded_two = crm_core.load_orders(t, as_of=AS_OF).rfm()
    monkeypatch.setenv("CRM_CORE_THREADS", "1")
    assert crm_core.rfm(t, as_of=AS_OF).equals(two)
    assert crm_core.load_orders(t, as_of=AS_OF).rfm().equals(loaded_two)
    assert two.equals(loaded_two)


def test_decimal_amounts_and_default_currency():
    t = orders(seed=4)
    totals = pa.array([Decimal(v) / 100 for v in t.column("total").to_pylist()], pa.decimal128(12, 2))
    refunds = pa.array([Decimal(v) / 100 for v in t.column("refunded").to_pylist()], pa.decimal128(12, 2))
    dec = t.set_column(3, "total", totals).set_column(7, "refunded", refunds)
    assert same(dec).equals(crm_core.rfm(t, as_of=AS_OF))
    # No currency column at all, or nulls in it: the default currency.
    no_cur = t.drop_columns(["currency"])
    same(no_cur, default_currency="EUR")
    nulls = t.set_column(4, "currency", pa.array([None if i % 3 else "EUR" for i in range(t.num_rows)], pa.string()))
    assert same(nulls, default_currency="EUR").equals(crm_core.rfm(t, as_of=AS_OF))


def test_long_keys_sharing_a_prefix():
    t = orders(seed=5)
    ids = pc.binary_join_element_wise("customer-0000000000-", t.column("customer_id"), "")
    out = same(t.set_column(1, "customer_id", ids))
    assert out.column("customer_id").to_pylist() == sorted(out.column("customer_id").to_pylist())


@pytest.mark.parametrize("lengths", ["short", "mixed"])
def test_keys_equal_but_for_trailing_nul_bytes(lengths):
    # Keys of up to 9 bytes share the first one and end within 8 bytes of it,
    # so the reader sorts them on an 8-byte prefix; "x", "x\0" and "x\0\0"
    # have the same prefix and are told apart by the whole keys. "mixed" adds
    # a 20-byte key, which makes the thread that holds it sort on 16-byte
    # prefixes instead.
    t = orders(600, 90, seed=8)
    extra = ["x", "x\0", "x\0\0", "x\0a", "xa", "x\0\0\0\0\0\0\0\0"]
    if lengths == "mixed":
        extra.append("x" * 20)
    ids = t.column("customer_id").to_pylist()
    ids = ["x" + i[1:] for i in ids[: len(ids) - len(extra)]] + extra
    out = same(t.set_column(1, "customer_id", pa.array(ids)))
    keys = out.column("customer_id").to_pylist()
    assert keys == sorted(set(ids))
    assert all(k in keys for k in extra)


def errors_of(fn):
    with pytest.raises(CrmError) as e:
        fn()
    return type(e.value), e.value.code, str(e.value)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "break_it",
    ["duplicate", "duplicate_far", "status", "negative", "negative_discount", "currency", "refund_over_total",
     "null_time"],
)
def test_bad_rows_give_the_general_readers_error(break_it, shape):
    t = orders(500, 80, seed=6, shape=shape)
    rows = t.to_pylist()
    bad = rows[123]
    if break_it == "duplicate":
        bad["order_id"] = rows[7]["order_id"]
    elif break_it == "duplicate_far":
        # In the other half of the rows (the numbered path splits them between its threads).
        rows[400]["order_id"] = rows[7]["order_id"]
    elif break_it == "status":
        bad["status"] = "shipped"
    elif break_it == "negative":
        bad["total"] = -5
    elif break_it == "negative_discount":
        bad["discount"] = -1
    elif break_it == "currency":
        bad["currency"] = "EUX"
    elif break_it == "refund_over_total":
        bad["refunded"], bad["total"] = 900, 800
    else:
        bad["placed_at"] = None
    broken = pa.Table.from_pylist(rows, schema=t.schema)
    ours = errors_of(lambda: crm_core.rfm(broken, as_of=AS_OF))
    assert ours == errors_of(lambda: general(broken))
    assert ours[1] != "internal"


def test_guests_and_mixed_currencies_go_through_the_general_reader():
    t = orders(seed=7)
    ids = pa.array([None if i % 50 == 0 else v for i, v in enumerate(t.column("customer_id").to_pylist())])
    emails = pa.array([f"g{i}@example.com" for i in range(t.num_rows)])
    guests = t.set_column(1, "customer_id", ids).append_column("email", emails)
    out = same(guests)
    assert any(k.startswith("guest:") for k in out.column("customer_id").to_pylist())
    cur = pa.array(["TRY" if i == 10 else "EUR" for i in range(t.num_rows)])
    mixed = t.set_column(4, "currency", cur)
    ours = errors_of(lambda: crm_core.rfm(mixed, as_of=AS_OF))
    assert ours == errors_of(lambda: general(mixed))
    # A chunk of the fast reader that holds two currencies (rows 65,536 on).
    big = orders(140_000, 5_000, seed=11)
    cur = pa.array(["EUR" if i < 100_000 else "TRY" for i in range(big.num_rows)])
    ours = errors_of(lambda: crm_core.rfm(big.set_column(4, "currency", cur), as_of=AS_OF))
    assert ours == errors_of(lambda: general(big.set_column(4, "currency", cur)))
    assert "orders in EUR and TRY" in ours[2]


def test_refund_instant_beyond_the_calendar():
    t = orders(500, 80, seed=12)
    at = t.column("refunded_at").cast(pa.int64()).to_pylist()
    at[40] = 9_000_000_000_000_000  # seconds: beyond what chrono represents
    broken = t.set_column(8, "refunded_at", pa.array(at, pa.timestamp("s", tz="UTC")))
    ours = errors_of(lambda: crm_core.rfm(broken, as_of=AS_OF))
    assert ours == errors_of(lambda: general(broken))
    assert ours[1] != "internal"


def path_of(capfd) -> str:
    """Which of the fast reader's paths ran (CRM_PY_TIMING makes it print its steps)."""
    err = capfd.readouterr().err
    if "numbered:" in err:
        return "numbered"
    return "hashing" if "thread 0: read and add" in err else "general"


@pytest.mark.parametrize(
    "make, path",
    [
        (lambda c: f"c{c}", "numbered"),
        (lambda c: f"cus_{c:07d}", "numbered"),
        (lambda c: f"gid://shopify/Customer/{c}", "numbered"),
        (lambda c: str(c), "numbered"),
        (lambda c: pa.scalar(c, pa.uint32()), "numbered"),
        (lambda c: pa.scalar(c, pa.int64()), "numbered"),
        (lambda c: pa.scalar(c - 100, pa.int64()), "hashing"),  # negative numbers
        (lambda c: f"c{c:05d}z", "hashing"),
        (lambda c: f"c{c * 1_000_003}", "hashing"),  # far more numbers than rows
    ],
)
def test_id_shapes_and_the_path_they_take(monkeypatch, capfd, make, path):
    t = orders(30_000, 5_000, seed=16)
    numbers = [int(x[1:]) for x in t.column("customer_id").to_pylist()]
    ids = [make(c) for c in numbers]
    shaped = t.set_column(1, "customer_id", pa.array(ids) if isinstance(ids[0], str) else pa.array(ids, ids[0].type))
    monkeypatch.setenv("CRM_PY_TIMING", "1")
    out = crm_core.rfm(shaped, as_of=AS_OF)
    assert path_of(capfd) == path
    assert out.equals(general(shaped))
    got = out.column("customer_id").to_pylist()
    assert got == sorted(got)
    assert set(got) == {str(v) for v in shaped.column("customer_id").to_pylist()}


@pytest.mark.parametrize("row", [70_000, 140_000])
def test_ids_that_stop_being_numbers_midway(monkeypatch, capfd, row):
    # Rows far from the first: in a later chunk of the first thread's half, or in the second's.
    t = orders(150_000, 20_000, seed=17)
    plain = [f"c{int(x[1:])}" for x in t.column("customer_id").to_pylist()]
    monkeypatch.setenv("CRM_PY_TIMING", "1")
    for odd in ["c0" + plain[row][1:], plain[row] + "x", "d" + plain[row][1:]]:
        ids = plain[:row] + [odd] + plain[row + 1:]
        shaped = t.set_column(1, "customer_id", pa.array(ids))
        out = crm_core.rfm(shaped, as_of=AS_OF)
        assert path_of(capfd) == "hashing"
        assert out.equals(general(shaped))
        # "c042" and "c42" are two customers.
        assert odd in out.column("customer_id").to_pylist()
