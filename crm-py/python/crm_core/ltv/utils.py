"""lifetimes-compatible repeat-purchase summaries from a transactions table.

``summary_data_from_transaction_data`` and ``calibration_and_holdout_data``
take lifetimes' arguments and return lifetimes' DataFrame (indexed by customer
id, float columns, rows sorted by id), computed natively with the GIL
released (``crm_core::ltv::summarize_indexed``).

Differences from lifetimes 0.11.3 (see ``docs/ltv.md``):

- ``freq`` is one of ``"H"``/``"h"``, ``"D"``, ``"W"``, ``"M"``; months are
  calendar months, so ``recency`` and ``T`` are whole numbers;
- time-zone-aware instants are cut into periods in UTC (naive ones are UTC);
- an empty holdout gives zeros instead of lifetimes' ``ValueError``;
- a null id, instant or value is refused (:class:`crm_core.FactsError`).
"""

from __future__ import annotations

from typing import Any, Optional

from .. import _native

__all__ = ["summary_data_from_transaction_data", "calibration_and_holdout_data"]


def _micros(value: Any, datetime_format: Optional[str]) -> Optional[int]:
    """An end (string, datetime, pandas Timestamp, numpy datetime64) as µs since the epoch, UTC."""
    if value is None:
        return None
    import pandas as pd

    if isinstance(value, str):
        try:
            ts = pd.to_datetime(value, format=datetime_format)
        except ValueError:
            if datetime_format is None:
                raise
            ts = pd.Timestamp(value)  # an ISO 8601 end with a table in another format
    else:
        ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(ts.value // 1000)


def _prepare(transactions: Any, columns: list, datetime_col: str, datetime_format: Optional[str]) -> Any:
    """Parses a text datetime column (pandas, polars or pyarrow); other inputs pass as they are."""
    mod = type(transactions).__module__.split(".")[0]
    if mod == "pandas":
        import pandas as pd

        frame = transactions[columns]
        col = frame[datetime_col]
        if not (pd.api.types.is_datetime64_any_dtype(col)):
            frame = frame.copy()
            frame[datetime_col] = pd.to_datetime(col, format=datetime_format)
        if not hasattr(frame, "__arrow_c_stream__"):
            # pandas before 2.2 has no Arrow stream interface: convert through pyarrow.
            import pyarrow as pa

            return pa.Table.from_pandas(frame, preserve_index=False)
        return frame
    if mod == "polars":
        import polars as pl

        frame = transactions.select(columns)
        if frame.schema[datetime_col] == pl.String:
            frame = frame.with_columns(pl.col(datetime_col).str.to_datetime(format=datetime_format))
        return frame
    if mod == "pyarrow" and hasattr(transactions, "select") and set(columns) <= set(transactions.schema.names):
        import pyarrow as pa
        import pyarrow.compute as pc

        table = transactions.select(columns)
        i = table.schema.get_field_index(datetime_col)
        if i >= 0 and (pa.types.is_string(table.schema.field(i).type) or pa.types.is_large_string(table.schema.field(i).type)):
            col = table.column(i)
            parsed = pc.strptime(col, format=datetime_format, unit="us") if datetime_format else pc.cast(col, pa.timestamp("us"))
            table = table.set_column(i, datetime_col, parsed)
        return table
    return transactions


def _frame(table: Any, customer_id_col: str) -> Any:
    import pandas as pd

    import pyarrow as pa

    column = table.column("id")
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        # pandas' pyarrow-backed strings: no Python object per id (a third of a
        # second per million ids with pandas 2.0's object strings).
        if pa.types.is_large_string(column.type) and column.nbytes < 2**31:
            column = column.cast(pa.string())  # older pandas wraps only `string`
        ids = column.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow"))
    else:
        ids = column.to_pandas()
    data = {name: table.column(name).to_numpy() for name in table.column_names if name != "id"}
    return pd.DataFrame(data, index=pd.Index(ids, name=customer_id_col))


def summary_data_from_transaction_data(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: Optional[str] = None,
    datetime_format: Optional[str] = None,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
) -> Any:
    """Per customer: ``frequency``, ``recency``, ``T`` [, ``monetary_value``], as lifetimes.

    ``transactions`` is a pandas or polars DataFrame or a pyarrow Table (any
    Arrow table) with a customer id column (text or integer), an instant column
    (timestamp of any unit, naive = UTC; date; or text, parsed with
    ``datetime_format`` or as ISO 8601) and optionally a numeric value column.
    Periods (``freq``: ``"H"``, ``"D"``, ``"W"`` from Monday, ``"M"``) are
    UTC; purchases in one period count once with their values summed;
    ``frequency`` is the purchase periods minus one (all of them with
    ``include_first_transaction``), ``recency`` and ``T`` are whole periods
    divided by ``freq_multiplier``, ``monetary_value`` the mean of the
    per-period sums after the first (of all with ``include_first_transaction``).
    ``observation_period_end`` (string, datetime, pandas Timestamp, numpy
    datetime64; default the latest transaction) ends the window: transactions in
    a later period are ignored.

    Returns a pandas DataFrame indexed by customer id (index name
    ``customer_id_col``), float columns, rows sorted by id (lifetimes' order).

    Raises :class:`crm_core.LtvError` (``invalid_option``: ``freq``,
    ``freq_multiplier``) and :class:`crm_core.FactsError` (``invalid_input``: a
    missing column, a wrong type, a null; ``field`` names the column).

    >>> import pandas as pd
    >>> from crm_core.ltv import summary_data_from_transaction_data
    >>> tx = pd.DataFrame({"id": ["a", "a", "b"], "date": ["2024-01-01", "2024-01-04", "2024-01-02"], "v": [10.0, 20.0, 7.0]})
    >>> summary_data_from_transaction_data(tx, "id", "date", "v", observation_period_end="2024-01-10")  # doctest: +NORMALIZE_WHITESPACE
        frequency  recency    T  monetary_value
    id
    a         1.0      3.0  9.0            20.0
    b         0.0      0.0  8.0             0.0
    """
    return _summary(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format,
                    observation_period_end, None, freq, freq_multiplier, include_first_transaction)


def calibration_and_holdout_data(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    calibration_period_end: Any,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    datetime_format: Optional[str] = None,
    monetary_value_col: Optional[str] = None,
    include_first_transaction: bool = False,
) -> Any:
    """A calibration summary and each calibration customer's holdout, as lifetimes.

    Columns ``frequency_cal``, ``recency_cal``, ``T_cal`` [, ``monetary_value_cal``]
    (the summary of the transactions at or before ``calibration_period_end``,
    see :func:`summary_data_from_transaction_data`), ``frequency_holdout``
    (purchase periods after it, up to ``observation_period_end``, default the
    latest transaction) [, ``monetary_value_holdout`` (the mean of those
    purchases, per transaction)] and ``duration_holdout`` (whole periods
    between the two ends / ``freq_multiplier``). One row per calibration
    customer, sorted by id. Inputs and errors as
    :func:`summary_data_from_transaction_data`.
    """
    return _summary(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format,
                    observation_period_end, _micros(calibration_period_end, datetime_format), freq,
                    freq_multiplier, include_first_transaction)


def _summary(transactions: Any, customer_id_col: str, datetime_col: str, monetary_value_col: Optional[str],
             datetime_format: Optional[str], observation_period_end: Any, calibration_end: Optional[int],
             freq: str, freq_multiplier: float, include_first_transaction: bool) -> Any:
    """The native summary (with the holdout split when ``calibration_end``, µs, is given) as a DataFrame."""
    columns = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    table = _native.ltv_transaction_summary(
        _prepare(transactions, columns, datetime_col, datetime_format),
        customer_id_col,
        datetime_col,
        monetary_value_col or None,
        freq=freq,
        freq_multiplier=float(freq_multiplier),
        include_first_transaction=bool(include_first_transaction),
        observation_period_end=_micros(observation_period_end, datetime_format),
        calibration_period_end=calibration_end,
    )
    return _frame(table, customer_id_col)
