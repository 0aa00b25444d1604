"""crm_core.ltv.utils against lifetimes 0.11.3: the CDNOW transaction log
summarised by day and by week, and split into calibration and holdout, through
pandas, polars and pyarrow inputs. Expected numbers come from
tests/reference/lifetimes_0.11.3.json (or are worked by hand in the comments)."""

from __future__ import annotations

import datetime as dt
import json
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from crm_core import FactsError, LtvError
from crm_core.ltv import calibration_and_holdout_data, summary_data_from_transaction_data

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")

with open(os.path.join(ROOT, "tests", "reference", "lifetimes_0.11.3.json"), encoding="utf-8") as f:
    REFERENCE = json.load(f)


def cdnow() -> pd.DataFrame:
    """The log as lifetimes_reference.py reads it: customer = sample id (int), date text YYYYMMDD, value."""
    return pd.read_csv(
        os.path.join(ROOT, "tests", "data", "cdnow", "CDNOW_sample.txt"),
        sep=r"\s+",
        header=None,
        names=["master", "customer", "date", "cds", "value"],
        dtype={"date": str},
    )


def inputs():
    """(name, table, datetime_format) for each input kind."""
    text = cdnow()[["customer", "date", "value"]]
    parsed = text.assign(date=pd.to_datetime(text["date"], format="%Y%m%d"))
    out = [("pandas-text", text, "%Y%m%d"), ("pandas", parsed, None)]
    out.append(("pyarrow-date32", pa.table({
        "customer": pa.array(parsed["customer"], pa.int32()),
        "date": pa.array(parsed["date"].dt.date, pa.date32()),
        "value": pa.array(parsed["value"], pa.float64()),
    }), None))
    out.append(("pyarrow-string-ids-tz", pa.table({
        "customer": pa.array(parsed["customer"].astype(str), pa.large_string()),
        "date": pa.array(parsed["date"].dt.tz_localize("UTC"), pa.timestamp("ns", tz="UTC")),
        "value": pa.array(parsed["value"]),
    }), None))
    try:
        import polars as pl
    except ImportError:  # pragma: no cover
        return out
    out.append(("polars", pl.from_pandas(parsed), None))
    out.append(("polars-text", pl.from_pandas(text), "%Y%m%d"))
    return out


INPUTS = inputs()


def check(frame: pd.DataFrame, rows, columns):
    assert list(frame.columns) == columns
    assert len(frame) == len(rows)
    assert all(frame[c].dtype == np.float64 for c in columns)
    by_id = {str(i): r for i, r in zip(frame.index, frame.itertuples(index=False))}
    for row in rows:
        got = by_id[row[0]]
        np.testing.assert_allclose(list(got), row[1:], rtol=1e-9, atol=1e-9, err_msg=f"customer {row[0]}")
    # lifetimes' row order: sorted by id (numerically for integer ids).
    assert list(frame.index) == sorted(frame.index)


@pytest.mark.parametrize("name,table,fmt", INPUTS, ids=[i[0] for i in INPUTS])
@pytest.mark.parametrize("freq", ["D", "W"])
def test_summary_equals_lifetimes(name, table, fmt, freq):
    ref = REFERENCE["summary_data_from_transaction_data"][freq]
    s = summary_data_from_transaction_data(
        table, "customer", "date", monetary_value_col="value", datetime_format=fmt,
        observation_period_end=ref["end"], freq=freq,
    )
    assert s.index.name == "customer"
    check(s, ref["rows"], ["frequency", "recency", "T", "monetary_value"])


@pytest.mark.parametrize("name,table,fmt", INPUTS, ids=[i[0] for i in INPUTS])
def test_calibration_and_holdout_equals_lifetimes(name, table, fmt):
    ref = REFERENCE["calibration_and_holdout_data"]
    s = calibration_and_holdout_data(
        table, "customer", "date", calibration_period_end=ref["calibration_end"],
        observation_period_end=ref["observation_end"], freq=ref["freq"], datetime_format=fmt,
        monetary_value_col="value",
    )
    check(s, ref["rows"], ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal",
                           "frequency_holdout", "monetary_value_holdout", "duration_holdout"])


def test_ends_of_every_kind():
    ref = REFERENCE["summary_data_from_transaction_data"]["D"]
    table = INPUTS[1][1]
    want = summary_data_from_transaction_data(table, "customer", "date", observation_period_end=ref["end"])
    # Without a value column there is no monetary_value; the rest is lifetimes'.
    check(want, [r[:4] for r in ref["rows"]], ["frequency", "recency", "T"])
    for end in [dt.datetime(1998, 6, 30, 13, 0), pd.Timestamp("1998-06-30 23:59"), np.datetime64("1998-06-30T05"),
                pd.Timestamp("1998-06-30 10:00", tz="UTC"), dt.date(1998, 6, 30)]:
        got = summary_data_from_transaction_data(table, "customer", "date", observation_period_end=end)
        pd.testing.assert_frame_equal(got, want)
    # The default end is the latest transaction, 1998-06-30 itself in CDNOW.
    assert table["date"].max() == pd.Timestamp("1998-06-30")
    pd.testing.assert_frame_equal(summary_data_from_transaction_data(table, "customer", "date"), want)


def test_options_by_hand():
    tx = pd.DataFrame({
        "id": ["b", "a", "a", "a", "a"],
        "at": pd.to_datetime(["2024-01-02 08:00", "2024-01-01 00:30", "2024-01-02 12:10", "2024-01-02 13:00",
                              "2024-01-04 01:00"]),
        "v": [7.0, 10.0, 20.0, 4.0, 6.0],
    })
    end = "2024-01-04 05:59"
    # Days: a buys on Jan 1 (10), Jan 2 (20 + 4) and Jan 4 (6): frequency 2,
    # recency 3, T 3, monetary (24 + 6) / 2 = 15; b once on Jan 2: T 2.
    s = summary_data_from_transaction_data(tx, "id", "at", "v", observation_period_end=end)
    assert s.loc["a"].tolist() == [2.0, 3.0, 3.0, 15.0]
    assert s.loc["b"].tolist() == [0.0, 0.0, 2.0, 0.0]
    assert list(s.index) == ["a", "b"]
    # include_first_transaction: frequency 3, monetary (10 + 24 + 6) / 3.
    s = summary_data_from_transaction_data(tx, "id", "at", "v", observation_period_end=end,
                                           include_first_transaction=True)
    assert s.loc["a"].tolist() == [3.0, 3.0, 3.0, 40.0 / 3.0]
    # Hours / 24: a buys in hours 0 (10), 36 (20), 37 (4) and 73 (6) after
    # Jan 1 00:00; the end is in hour 77. Frequency 3, recency 73 / 24,
    # T 77 / 24, monetary (20 + 4 + 6) / 3 = 10.
    s = summary_data_from_transaction_data(tx, "id", "at", "v", observation_period_end=end, freq="h",
                                           freq_multiplier=24)
    assert s.loc["a"].tolist() == [3.0, 73 / 24, 77 / 24, 10.0]
    s = summary_data_from_transaction_data(tx, "id", "at", "v", observation_period_end=end, freq="H")
    assert s.loc["a", "recency"] == 73.0
    # Weeks (Monday Jan 1 2024 starts one): all in week 0.
    s = summary_data_from_transaction_data(tx, "id", "at", "v", observation_period_end=end, freq="W")
    assert s.loc["a"].tolist() == [0.0, 0.0, 0.0, 0.0]
    # Months: Jan to Mar = 2.
    s = summary_data_from_transaction_data(tx, "id", "at", observation_period_end="2024-03-01", freq="M")
    assert s.loc["a"].tolist() == [0.0, 0.0, 2.0]


def test_bad_input():
    tx = pd.DataFrame({"id": ["a", "b"], "at": pd.to_datetime(["2024-01-01", "2024-01-02"]), "v": [1.0, 2.0]})
    with pytest.raises(LtvError) as e:
        summary_data_from_transaction_data(tx, "id", "at", freq="Q")
    assert (e.value.code, e.value.field) == ("invalid_option", "freq")
    with pytest.raises(LtvError) as e:
        summary_data_from_transaction_data(tx, "id", "at", freq_multiplier=0)
    assert (e.value.code, e.value.field) == ("invalid_option", "freq_multiplier")
    with pytest.raises(FactsError) as e:
        summary_data_from_transaction_data(pa.table({"id": ["a"], "at": [1.5]}), "id", "at")
    assert (e.value.code, e.value.field) == ("invalid_input", "at")
    with pytest.raises(FactsError) as e:
        summary_data_from_transaction_data(pa.table({"id": ["a", None], "at": pa.array([1, 2], pa.timestamp("s"))}),
                                           "id", "at")
    assert (e.value.code, e.value.field) == ("invalid_input", "id")
    with pytest.raises(FactsError) as e:
        summary_data_from_transaction_data(tx.assign(v=[1.0, None]), "id", "at", "v")
    assert (e.value.code, e.value.field) == ("invalid_input", "v")
    with pytest.raises(FactsError) as e:
        summary_data_from_transaction_data(pa.table({"id": ["a"], "at": pa.array([1], pa.timestamp("s")),
                                                     "v": ["x"]}), "id", "at", "v")
    assert (e.value.code, e.value.field) == ("invalid_input", "v")
    with pytest.raises(KeyError):  # pandas refuses a missing column itself
        summary_data_from_transaction_data(tx, "customer", "at")
    with pytest.raises(FactsError) as e:
        summary_data_from_transaction_data(pa.table({"id": ["a"]}), "id", "at")
    assert (e.value.code, e.value.field) == ("invalid_input", "at")
    assert isinstance(e.value, ValueError)


def test_empty_and_holdout_edge_cases():
    empty = pa.table({"id": pa.array([], pa.string()), "at": pa.array([], pa.timestamp("us"))})
    s = summary_data_from_transaction_data(empty, "id", "at")
    assert len(s) == 0 and list(s.columns) == ["frequency", "recency", "T"]
    tx = pd.DataFrame({"id": [3, 1], "at": pd.to_datetime(["2024-01-01", "2024-01-05"])})
    # Customer 1 buys only in the holdout: not a calibration row; 3 has no holdout purchase.
    s = calibration_and_holdout_data(tx, "id", "at", "2024-01-02", "2024-01-10")
    assert list(s.index) == [3]
    assert s.loc[3].tolist() == [0.0, 0.0, 1.0, 0.0, 8.0]
