"""customer_facts from the tables pandas, polars and pyarrow actually produce.

One small order history is written in many physical forms (string kinds,
dictionaries, timestamp units and zones, integer and decimal money, several
batches); every form must give exactly the facts of the plain pyarrow form.
Bad forms (float money, naive timestamps, missing columns, bad rows) must
raise CrmError subclasses that name the column or row and say how to fix it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pytest

import crm_core
from crm_core import FactsError, ModelError, TimeError

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

AS_OF = "2024-03-01T00:00:00Z"
UTC = timezone.utc


def t(day, hour=0):
    return datetime(2024, 2, day, hour, tzinfo=UTC)


ROWS = {
    "order_id": ["o1", "o2", "o3", "o4", "o5"],
    "customer_id": ["c2", "c1", "c1", None, "c2"],
    "email": [None, None, None, "Ayse@Example.com", None],
    "placed_at": [t(1, 10), t(5), t(20, 12), t(28, 18), t(10)],
    "total": [1999, 5000, 2500, 1200, 700],
    "currency": ["TRY", "TRY", "TRY", "TRY", "TRY"],
    "status": ["paid", "fulfilled", "partially_refunded", "paid", "cancelled"],
    "discount": [0, 500, 0, 0, 0],
    "refunded": [0, 0, 1000, 0, 0],
}


def base_table(**types):
    schema = {
        "order_id": pa.string(),
        "customer_id": pa.string(),
        "email": pa.string(),
        "placed_at": pa.timestamp("us", tz="UTC"),
        "total": pa.int64(),
        "currency": pa.string(),
        "status": pa.string(),
        "discount": pa.int64(),
        "refunded": pa.int64(),
    }
    cols = {}
    for name, values in ROWS.items():
        typ = types.get(name, schema[name])
        if pa.types.is_decimal(typ):
            values = [Decimal(v) / 100 for v in values]
        arr = pa.array(values, type=schema[name] if not pa.types.is_decimal(typ) else typ)
        if not pa.types.is_decimal(typ) and typ != schema[name]:
            arr = arr.cast(typ)
        cols[name] = arr
    return pa.table(cols)


@pytest.fixture(scope="module")
def expected():
    return crm_core.customer_facts(base_table(), as_of=AS_OF)


def facts(orders, **kw):
    return crm_core.customer_facts(orders, as_of=AS_OF, **kw)


def test_reference_values(expected):
    rows = {r["customer_id"]: r for r in expected.to_pylist()}
    assert list(rows) == ["c1", "c2", "guest:ayse@example.com"]
    # c1: o2 5000 (discounted) + o3 2500 − refund 1000 = 6500 over 2 orders → 3250.
    assert rows["c1"]["net_spend"] == 6500 and rows["c1"]["order_count"] == 2
    assert rows["c1"]["average_order_value"] == 3250
    assert rows["c1"]["discounted_order_share"] == 0.5
    # c2: o1 1999 counted; o5 cancelled.
    assert rows["c2"]["net_spend"] == 1999 and rows["c2"]["order_count"] == 1
    assert rows["guest:ayse@example.com"]["net_spend"] == 1200


# --- strings -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typ",
    [
        pa.large_string(),
        pa.string_view(),
        pa.dictionary(pa.int8(), pa.string()),
        pa.dictionary(pa.uint32(), pa.large_string()),
        pa.dictionary(pa.int64(), pa.string_view()),
    ],
    ids=str,
)
def test_string_kinds(expected, typ):
    table = base_table(customer_id=typ, status=typ, currency=typ, order_id=typ, email=typ)
    assert facts(table).equals(expected)


def test_integer_customer_ids():
    table = base_table().set_column(1, "customer_id", pa.array([2, 1, 1, None, 2], pa.int32()))
    out = facts(table)
    assert out.column("customer_id").to_pylist() == ["1", "2", "guest:ayse@example.com"]
    assert out.column("net_spend").to_pylist() == [6500, 1999, 1200]


def test_integer_ids_sort_as_text():
    orders = pa.table({
        "order_id": [1, 2, 3],
        "customer_id": pa.array([10, 9, 100], pa.uint64()),
        "placed_at": pa.array([t(1)] * 3, pa.timestamp("s", tz="UTC")),
        "total": [1, 2, 3],
        "currency": ["EUR"] * 3,
        "status": ["paid"] * 3,
    })
    assert facts(orders).column("customer_id").to_pylist() == ["10", "100", "9"]


@pytest.mark.parametrize("typ", [pa.int32(), pa.int64(), pa.uint64()], ids=str)
def test_integer_ids_in_every_table(typ):
    # The same store with integer ids and with their text as ids: the same
    # facts. 9 has orders and a cart, 7 only a cart and an event, 42 only a
    # sign-up, 100 orders over two batches and an event.
    def tables(ids):
        orders = pa.table({
            "order_id": ["o1", "o2", "o3", "o4"],
            "customer_id": ids([10, 9, 100, 100]),
            "placed_at": pa.array([t(1), t(2), t(3), t(20)], pa.timestamp("s", tz="UTC")),
            "total": [1000, 2000, 3000, 500],
            "currency": ["EUR"] * 4,
            "status": ["paid", "paid", "fulfilled", "refunded"],
        })
        carts = pa.table({
            "customer_id": ids([9, 7]),
            "created_at": pa.array([t(4), t(5)], pa.timestamp("s", tz="UTC")),
            "updated_at": pa.array([t(4, 1), t(5, 1)], pa.timestamp("s", tz="UTC")),
        })
        events = pa.table({"customer_id": ids([100, 7, 10]),
                           "at": pa.array([t(25), t(6), t(7)], pa.timestamp("s", tz="UTC"))})
        customers = pa.table({"customer_id": ids([10, 42]),
                              "created_at": pa.array([t(1), t(8)], pa.timestamp("s", tz="UTC"))})
        return pa.Table.from_batches(orders.to_batches(max_chunksize=2)), carts, events, customers

    numbers = tables(lambda v: pa.array(v, typ))
    texts = tables(lambda v: pa.array([str(x) for x in v]))
    out = facts(numbers[0], carts=numbers[1], events=numbers[2], customers=numbers[3])
    assert out.equals(facts(texts[0], carts=texts[1], events=texts[2], customers=texts[3]))
    rows = {r["customer_id"]: r for r in out.to_pylist()}
    assert list(rows) == ["10", "100", "42", "7", "9"]
    assert (rows["100"]["order_count"], rows["100"]["refund_count"], rows["7"]["abandoned_cart_count"]) == (1, 1, 1)


# --- timestamps ------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", ["UTC", "Europe/Istanbul", "+03:00", "America/New_York"])
def test_timestamp_units_and_zones(expected, unit, tz):
    # The stored values are UTC instants whatever the zone label says.
    assert facts(base_table(placed_at=pa.timestamp(unit, tz=tz))).equals(expected)


def test_naive_timestamps_are_refused_with_the_fix():
    table = base_table(placed_at=pa.timestamp("us"))
    with pytest.raises(FactsError) as info:
        facts(table)
    e = info.value
    assert (e.code, e.field) == ("invalid_input", "orders.placed_at")
    assert "without a time zone" in str(e)
    assert 'orders["placed_at"].dt.tz_localize("UTC")' in str(e)
    assert 'naive="utc"' in str(e)


def test_naive_timestamps_as_utc(expected):
    assert facts(base_table(placed_at=pa.timestamp("ns")), naive="utc").equals(expected)


def test_rfc3339_text_timestamps(expected):
    text = pa.array([x.isoformat() for x in ROWS["placed_at"]])
    table = base_table().set_column(3, "placed_at", text)
    assert facts(table).equals(expected)


def test_bad_text_timestamp_names_the_row():
    text = pa.array([x.isoformat() for x in ROWS["placed_at"]])
    text = pa.array(text.to_pylist()[:2] + ["2024-02-20 12:00"] + text.to_pylist()[3:])
    with pytest.raises(ModelError) as info:
        facts(base_table().set_column(3, "placed_at", text))
    e = info.value
    assert (e.code, e.field, e.value) == ("invalid_timestamp", "placed_at", "2024-02-20 12:00")
    assert e.errors[0]["index"] == 2 and e.errors[0]["id"] == "o3"
    assert str(e).startswith('order "o3" (orders[2]): field `placed_at`: unparsable timestamp `2024-02-20 12:00`')


# --- money ---------------------------------------------------------------------------


@pytest.mark.parametrize("typ", [pa.int16(), pa.int32(), pa.uint32(), pa.uint64()], ids=str)
def test_integer_money(expected, typ):
    assert facts(base_table(total=typ, discount=typ, refunded=typ)).equals(expected)


@pytest.mark.parametrize("typ", [pa.decimal128(12, 2), pa.decimal128(38, 2), pa.decimal256(40, 2)], ids=str)
def test_decimal_money_in_major_units(expected, typ):
    # 19.99 TRY = 1999 kuruş.
    assert facts(base_table(total=typ, discount=typ, refunded=typ)).equals(expected)


def test_decimal_with_more_digits_than_the_currency_has():
    # decimal(12, 3): 19.990 TRY is exactly 1999 kuruş; 19.995 TRY is not a whole kuruş.
    table = base_table()
    exact = pa.array([Decimal("19.990"), Decimal("50.000"), Decimal("25.000"), Decimal("12.000"), Decimal("7.000")], pa.decimal128(12, 3))
    assert facts(table.set_column(4, "total", exact)).column("net_spend").to_pylist() == [6500, 1999, 1200]
    inexact = pa.array([Decimal("19.995")] + exact.to_pylist()[1:], pa.decimal128(12, 3))
    with pytest.raises(ModelError) as info:
        facts(table.set_column(4, "total", inexact))
    e = info.value
    assert (e.code, e.field, e.value) == ("invalid_value", "total", "19.995")
    assert e.errors[0]["index"] == 0
    assert "not an exact amount of TRY" in str(e)


def test_decimal_yen_has_no_minor_unit():
    orders = pa.table({
        "order_id": ["o1", "o2"],
        "customer_id": ["c1", "c1"],
        "placed_at": pa.array([t(1), t(2)], pa.timestamp("us", tz="UTC")),
        "total": pa.array([Decimal("500.00"), Decimal("250.00")], pa.decimal128(10, 2)),
        "currency": ["JPY", "JPY"],
        "status": ["paid", "paid"],
    })
    row = facts(orders).to_pylist()[0]
    assert (row["net_spend"], row["currency"]) == (750, "JPY")  # yen have no minor unit


@pytest.mark.parametrize("typ", [pa.float64(), pa.float32()], ids=str)
def test_float_money_is_refused_with_the_conversion(typ):
    table = base_table().set_column(4, "total", pa.array([19.99, 50.0, 25.0, 12.0, 7.0], typ))
    with pytest.raises(FactsError) as info:
        facts(table)
    e = info.value
    assert (e.code, e.field) == ("invalid_input", "orders.total")
    assert 'orders["total"] = (orders["total"] * 100).round().astype("int64")' in str(e)
    assert "never floating point" in str(e)


def test_negative_money_is_refused():
    table = base_table().set_column(4, "total", pa.array([1999, -5000, 2500, 1200, 700]))
    with pytest.raises(ModelError) as info:
        facts(table)
    e = info.value
    assert (e.code, e.field, e.value) == ("negative_amount", "total", "-5000")
    assert str(e) == 'order "o2" (orders[1]): field `total`: amount must not be negative, got -5000'


def test_refund_above_total_is_refused():
    table = base_table().set_column(8, "refunded", pa.array([0, 0, 9999, 0, 0]))
    with pytest.raises(ModelError) as info:
        facts(table)
    assert (info.value.code, info.value.field, info.value.errors[0]["index"]) == ("invalid_value", "refunded", 2)


def test_discount_and_refunded_are_optional():
    table = base_table().drop_columns(["discount", "refunded"])
    rows = {r["customer_id"]: r for r in facts(table).to_pylist()}
    # Without refunds c1 keeps 5000 + 2500; without discounts the share is 0.
    assert rows["c1"]["net_spend"] == 7500
    assert rows["c1"]["discounted_order_share"] == 0.0


def test_default_currency_when_there_is_no_currency_column(expected):
    table = base_table().drop_columns(["currency"])
    assert facts(table, default_currency="TRY").equals(expected)
    with pytest.raises(FactsError) as info:
        facts(table)
    assert info.value.field == "orders.currency"
    with pytest.raises(crm_core.MoneyError):
        facts(table, default_currency="XYZ")


# --- bad rows and columns -----------------------------------------------------------------


def test_unknown_status_names_row_and_value():
    table = base_table().set_column(6, "status", pa.array(["paid", "paid", "shipped", "paid", "paid"]))
    with pytest.raises(ModelError) as info:
        facts(table)
    e = info.value
    assert (e.code, e.field, e.value) == ("invalid_value", "status", "shipped")
    assert e.errors[0]["index"] == 2 and e.errors[0]["id"] == "o3"
    assert str(e).startswith('order "o3" (orders[2]): field `status`: invalid value `shipped`: unknown order status')


def test_unknown_currency_in_a_row():
    table = base_table().set_column(5, "currency", pa.array(["TRY", "TRY", "TRY", "TL", "TRY"]).dictionary_encode())
    with pytest.raises(ModelError) as info:
        facts(table)
    e = info.value
    assert (e.code, e.value, e.errors[0]["index"]) == ("unknown_currency", "TL", 3)


def test_guest_without_email_names_the_row():
    table = base_table().set_column(2, "email", pa.array([None] * 5, pa.string()))
    with pytest.raises(ModelError) as info:
        facts(table)
    e = info.value
    assert (e.field, e.errors[0]["index"], e.errors[0]["id"]) == ("customer_id", 3, "o4")
    assert "guest order needs an e-mail" in str(e)


def test_guest_by_phone():
    table = base_table().drop_columns(["email"]).append_column("phone", pa.array([None, None, None, "+905551112233", None]))
    ids = facts(table).column("customer_id").to_pylist()
    assert ids == ["c1", "c2", "guest:+905551112233"]


def test_duplicate_order_id():
    table = base_table().set_column(0, "order_id", pa.array(["o1", "o2", "o3", "o2", "o5"]))
    with pytest.raises(ModelError) as info:
        facts(table)
    e = info.value
    assert (e.code, e.field, e.value) == ("duplicate_id", "order_id", "o2")
    assert str(e) == 'order "o2" (orders[3]): field `order_id`: duplicate id `o2` (first used at index 1)'
    # Checking can be turned off (then order_id is not even needed).
    assert facts(table, check_duplicates=False).num_rows == 3
    assert facts(base_table().drop_columns(["order_id"]), check_duplicates=False).num_rows == 3


def test_missing_column_names_it():
    with pytest.raises(FactsError) as info:
        facts(base_table().drop_columns(["status"]))
    e = info.value
    assert (e.code, e.field) == ("invalid_input", "orders.status")
    assert "column `status` is missing" in str(e) and "order_id, customer_id" in str(e)


def test_wrong_column_type():
    table = base_table().set_column(6, "status", pa.array([1, 1, 1, 1, 1]))
    with pytest.raises(FactsError) as info:
        facts(table)
    assert info.value.field == "orders.status" and "has type Int64" in str(info.value)


def test_not_a_table():
    with pytest.raises(FactsError) as info:
        facts([{"order_id": "o1"}])
    assert (info.value.code, info.value.field) == ("invalid_input", "orders")
    assert "got list" in str(info.value)


def test_renamed_columns(expected):
    table = base_table().rename_columns(["id", "cust", "mail", "when", "amount", "cur", "state", "disc", "ref"])
    out = facts(
        table, order_id="id", customer_id="cust", email="mail", placed_at="when", total="amount",
        currency="cur", status="state", discount="disc", refunded="ref",
    )
    assert out.equals(expected)
    with pytest.raises(FactsError) as info:
        facts(table, columns={"orders.nope": "x"})
    assert "unknown key `orders.nope`" in str(info.value)


# --- as_of and options ---------------------------------------------------------------------


def test_as_of_forms(expected):
    assert facts(base_table()).equals(expected)
    assert crm_core.customer_facts(base_table(), as_of=datetime(2024, 3, 1, tzinfo=UTC)).equals(expected)
    assert crm_core.customer_facts(base_table(), as_of=datetime(2024, 3, 1, 3, tzinfo=timezone(timedelta(hours=3)))).equals(expected)
    assert crm_core.customer_facts(base_table(), as_of=pd.Timestamp("2024-03-01", tz="UTC")).equals(expected)
    assert crm_core.customer_facts(base_table(), as_of="2024-03-01T03:00:00+03:00").equals(expected)


def test_naive_as_of_is_refused():
    with pytest.raises(TimeError) as info:
        crm_core.customer_facts(base_table(), as_of=datetime(2024, 3, 1))
    e = info.value
    assert (e.code, e.value) == ("invalid_timestamp", "2024-03-01 00:00:00")
    with pytest.raises(TimeError):
        crm_core.customer_facts(base_table(), as_of=pd.Timestamp("2024-03-01"))
    with pytest.raises(TimeError):
        crm_core.customer_facts(base_table(), as_of="2024-03-01T00:00:00")
    with pytest.raises(FactsError):
        crm_core.customer_facts(base_table(), as_of=1709251200)


def test_rates_and_their_errors():
    usd = base_table().set_column(5, "currency", pa.array(["TRY", "USD", "TRY", "TRY", "TRY"]))
    with pytest.raises(FactsError) as info:
        facts(usd)
    assert info.value.code == "mixed_currencies"
    assert str(info.value) == "customer `c1` has orders in TRY and USD; pass exchange rates to sum them"
    out = facts(usd, rates={"target": "TRY", "rates": {"USD": "34.5"}})
    c1 = out.to_pylist()[0]
    # o2: 50.00 USD × 34.5 = 1725.00 TRY = 172500; + o3 2500 − 1000 = 174000.
    assert (c1["net_spend"], c1["currency"]) == (174000, "TRY")
    assert facts(usd, rates={"target": "TRY", "rates": {"USD": Decimal("34.5")}}).equals(out)
    with pytest.raises(FactsError) as info:
        facts(usd, rates={"target": "TRY", "rates": {"USD": 34.5}})
    assert "not a float" in str(info.value)
    with pytest.raises(crm_core.MoneyError) as info:
        facts(usd, rates={"target": "TRY", "rates": {"USD": "abc"}})
    assert info.value.code == "invalid_rate"


def test_abandon_after_must_be_a_timedelta():
    with pytest.raises(FactsError):
        facts(base_table(), abandon_after=60)
    with pytest.raises(FactsError):
        facts(base_table(), abandon_after=timedelta(hours=-1))
    assert facts(base_table(), abandon_after=pd.Timedelta(minutes=5)).num_rows == 3


# --- pandas, polars, pyarrow containers ------------------------------------------------------


def pandas_frame():
    return pd.DataFrame({
        "order_id": ROWS["order_id"],
        "customer_id": ROWS["customer_id"],
        "email": ROWS["email"],
        "placed_at": pd.to_datetime([x.isoformat() for x in ROWS["placed_at"]], utc=True),
        "total": ROWS["total"],
        "currency": ROWS["currency"],
        "status": ROWS["status"],
        "discount": ROWS["discount"],
        "refunded": ROWS["refunded"],
    })


def test_pandas_default_dtypes(expected):
    assert facts(pandas_frame()).equals(expected)


def test_pandas_categoricals_object_and_ns(expected):
    df = pandas_frame()
    df["status"] = df["status"].astype("category")
    df["currency"] = df["currency"].astype("category")
    df["customer_id"] = df["customer_id"].astype(object)
    df["order_id"] = df["order_id"].astype("string[python]")
    df["placed_at"] = df["placed_at"].astype("datetime64[ns, UTC]").dt.tz_convert("Europe/Istanbul")
    assert facts(df).equals(expected)


def test_pandas_nullable_int64_money(expected):
    df = pandas_frame()
    df["refunded"] = pd.array([None, None, 1000, None, None], dtype="Int64")  # null → 0
    assert facts(df).equals(expected)


def test_pandas_float_money_is_refused():
    df = pandas_frame()
    df["total"] = df["total"] / 100
    with pytest.raises(FactsError) as info:
        facts(df)
    assert 'orders["total"] = (orders["total"] * 100).round().astype("int64")' in str(info.value)


def test_pandas_naive_datetimes():
    df = pandas_frame()
    df["placed_at"] = df["placed_at"].dt.tz_localize(None)
    with pytest.raises(FactsError) as info:
        facts(df)
    assert "tz_localize" in str(info.value)
    assert facts(df, naive="utc").num_rows == 3


def test_pandas_named_index_is_just_another_column(expected):
    df = pandas_frame().set_index("order_id")
    assert facts(df).equals(expected)


def polars_frame():
    return pl.DataFrame({
        "order_id": ROWS["order_id"],
        "customer_id": ROWS["customer_id"],
        "email": ROWS["email"],
        "placed_at": ROWS["placed_at"],
        "total": ROWS["total"],
        "currency": ROWS["currency"],
        "status": ROWS["status"],
        "discount": ROWS["discount"],
        "refunded": ROWS["refunded"],
    }).with_columns(pl.col("placed_at").dt.replace_time_zone("UTC"))


def test_polars_string_view(expected):
    assert facts(polars_frame()).equals(expected)


def test_polars_categorical_and_units(expected):
    df = polars_frame().with_columns(
        pl.col("status").cast(pl.Categorical),
        pl.col("customer_id").cast(pl.Categorical),
        pl.col("placed_at").dt.cast_time_unit("ms").dt.convert_time_zone("Asia/Tokyo"),
        pl.col("total").cast(pl.Int32),
    )
    assert facts(df).equals(expected)


def test_polars_naive_datetimes():
    df = polars_frame().with_columns(pl.col("placed_at").dt.replace_time_zone(None))
    with pytest.raises(FactsError) as info:
        facts(df)
    assert 'replace_time_zone("UTC")' in str(info.value)


def test_polars_lazy_frame_is_not_a_table():
    with pytest.raises(FactsError):
        facts(polars_frame().lazy())


def test_pyarrow_record_batch_and_reader(expected):
    table = base_table()
    assert facts(table.to_batches()[0]).equals(expected)
    # A stream of one-row batches whose dictionaries differ batch by batch.
    batches = [b for b in base_table(status=pa.dictionary(pa.int32(), pa.string())).to_batches(max_chunksize=1)]
    batches = [
        pa.record_batch([c.dictionary_encode() if c.type == pa.string() else c for c in b.columns], names=b.schema.names)
        for b in batches
    ]
    reader = pa.RecordBatchReader.from_batches(batches[0].schema, batches)
    assert facts(reader).equals(expected)


def test_chunked_table(expected):
    table = pa.concat_tables([base_table().slice(0, 2), base_table().slice(2)])
    assert table.column("total").num_chunks == 2
    assert facts(table).equals(expected)


def test_empty_orders():
    out = facts(base_table().slice(0, 0))
    assert out.num_rows == 0
    assert out.schema.names[0] == "customer_id"
