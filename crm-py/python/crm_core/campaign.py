"""Campaigns: the planner of automated flows (cart recovery, welcome, post-purchase …).

:func:`plan` runs the JSON function ``campaign_plan`` of the core: a pure
function of the store, the flows, the policy, the send log and ``now``. It
returns the messages due in ``[now, now + horizon)`` (each with an idempotency
``key``) and a decision, with its reason and evidence, for every due message
that is not sent or is deferred. Feed the messages you sent back as
``send_log`` and they are never planned again. :func:`plan_table` and
:func:`decisions_table` give the same plan as pyarrow tables.

A customer in Istanbul (UTC+3) whose cart has been idle for an hour gets the
first reminder of the ``cart_recovery`` preset now, by e-mail:

>>> store = {
...     "customers": [{"id": "c1", "created_at": "2026-01-01T00:00:00Z", "email": "ann@example.com",
...                    "first_name": "Ann", "time_zone": "Europe/Istanbul"}],
...     "carts": [{"id": "k1", "customer_id": "c1", "currency": "TRY",
...                "created_at": "2026-05-01T09:00:00Z", "updated_at": "2026-05-01T09:10:00Z",
...                "items": [{"title": "Shoes", "quantity": 1, "unit_price": 150000}]}],
...     "consents": [{"customer_id": "c1", "channel": "email", "purpose": "marketing",
...                   "status": "granted", "at": "2026-01-01T00:00:00Z"}]}
>>> request = {"store": store, "flows": ["cart_recovery"], "policy": {"offer_secret": "shop-secret"},
...            "now": "2026-05-01T10:10:00Z"}
>>> p = plan(request)
>>> [(m["step"], m["channel"], m["send_at"], m["local_time"]) for m in p["messages"]]
[('reminder', 'email', '2026-05-01T10:10:00Z', '2026-05-01T13:10:00+03:00')]
>>> plan_table(p).column("send_at").type
TimestampType(timestamp[us, tz=UTC])

Once the reminder is in the send log it is not planned again:

>>> sent = {k: p["messages"][0][k] for k in ("key", "customer_id", "flow", "step", "subject", "channel")}
>>> again = plan(dict(request, send_log=[dict(sent, sent_at="2026-05-01T10:10:05Z")]))
>>> again["messages"], [d["reason"] for d in again["decisions"]]
([], ['already_sent'])
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Dict, List, Literal, Mapping, Optional, Union

from . import _native
from .errors import CampaignError, RequestError, TimeError

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow

__all__: List[str] = ["plan", "plan_table", "decisions_table", "campaign_presets", "SEND_LOG_COLUMNS"]

PlanRequest = Union[Mapping[str, Any], str, bytes]
"""A ``campaign_plan`` request: a dict (see :func:`plan`) or JSON text."""

SEND_LOG_COLUMNS = ("key", "customer_id", "flow", "step", "subject", "channel", "purpose", "sent_at")
"""Columns read from a send-log table; ``customer_id``, ``channel`` and ``sent_at`` are required."""

_REQUIRED_LOG_COLUMNS = ("customer_id", "channel", "sent_at")
_ID_COLUMNS = ("key", "customer_id", "flow", "step", "subject")
_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_ONE_US = timedelta(microseconds=1)
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)


def plan(request: PlanRequest, *, naive: Literal["reject", "utc"] = "reject") -> Dict[str, Any]:
    """The campaign plan for a request, as the JSON function ``campaign_plan`` gives it.

    ``request`` is a dict (or JSON text, passed to the core unchanged) with:

    - ``store``: the store document: a dict, its JSON text, the dict of
      :func:`crm_core.load_store`, or a :class:`crm_core.datasets.SampleStore`
      (anything with ``to_store()``);
    - ``flows``: a list of flow objects (dicts) and preset names
      (``"cart_recovery"``; :func:`campaign_presets` lists them);
    - ``policy`` (optional): quiet hours, caps, holdouts, suppression,
      ``max_lateness``, ``offer_secret`` (required when a step has an offer
      code prefix, as the ``cart_recovery`` preset does) and consent rules;
    - ``send_log`` (optional): the messages already sent, as a list of dicts
      or as a table (pandas or polars DataFrame, pyarrow Table, anything with
      ``__arrow_c_stream__``) with the columns of :data:`SEND_LOG_COLUMNS`
      (``customer_id``, ``channel`` and ``sent_at`` required; other columns
      are ignored, nulls mean "absent"). ``sent_at`` may be RFC 3339 text or
      timestamps with a time zone;
    - ``now``: RFC 3339 text, or a time-zone-aware ``datetime`` or pandas
      ``Timestamp``;
    - ``horizon`` (optional): a span such as ``"1h"`` (the default) or ``"2d"``,
      or a ``timedelta`` of whole seconds.

    Naive instants (a ``datetime`` without ``tzinfo``, a ``numpy.datetime64``)
    are refused with :class:`crm_core.TimeError`; with ``naive="utc"`` the
    ``sent_at`` values of the send log (not ``now``) are read as UTC instead.

    Returns:
        ``{"now", "horizon", "messages", "decisions"}``: ``now`` in UTC and the
        canonical horizon; each message has ``key``, ``customer_id``, ``flow``,
        ``step``, ``subject``, ``send_at`` (UTC), ``local_time`` (the
        recipient's local time with its offset), ``time_zone``, ``channel``,
        ``address``, ``purpose``, ``template``, ``payload`` and, when they
        apply, ``offer`` (``percent_off``, ``free_shipping``, ``code``,
        ``expires_at``) and ``due_at`` (when the step was due, if it differs
        from ``send_at``); each decision has ``key``, ``customer_id``,
        ``flow``, ``step``, ``subject``, ``due_at``, ``reason`` and
        ``evidence``.

    Raises:
        CampaignError: a bad flow, policy, send-log entry or horizon; ``field``
            is the path of the bad value (``flows[0].steps[1].delay``).
        TimeError: ``now`` or a ``sent_at`` is naive or unparsable.
        ModelError: invalid records in the store.
        RequestError: a missing or malformed field of the request.

    >>> p = plan({"store": {}, "flows": ["order_confirmation"], "now": "2026-05-01T10:00:00Z",
    ...           "horizon": timedelta(days=2)})
    >>> p["now"], p["horizon"], p["messages"], p["decisions"]
    ('2026-05-01T10:00:00Z', '2d', [], [])
    """
    if naive not in ("reject", "utc"):
        raise CampaignError(f'naive: expected "reject" or "utc", got `{naive}`', code="invalid_option",
                            domain="campaign", field="naive")
    if isinstance(request, bytearray):
        request = bytes(request)
    if isinstance(request, Mapping):
        request = _prepare(request, naive)
    return _native.call("campaign_plan", request)


def campaign_presets() -> List[Dict[str, Any]]:
    """Every preset flow as a flow object (a dict), in a fixed order.

    A preset name in ``flows`` stands for its flow; copy one of these dicts
    and change it (delays, channels, offers, filters) to make your own flow.

    >>> [f["id"] for f in campaign_presets()]  # doctest: +NORMALIZE_WHITESPACE
    ['cart_recovery', 'welcome', 'order_confirmation', 'post_purchase', 'product_recommendation',
     'birthday', 'win_back']
    >>> [s["delay"] for s in campaign_presets()[0]["steps"]]
    [{'after': '1h'}, {'after': '1d'}, {'after': '3d'}]
    """
    return _native.call("campaign_presets", {})["flows"]


def plan_table(plan_or_request: Any, *, naive: Literal["reject", "utc"] = "reject") -> "pyarrow.Table":
    """The messages of a plan as a ``pyarrow.Table``, one row per message in send order.

    ``plan_or_request`` is a plan (the dict :func:`plan` returns, or its JSON
    text) or a request, which is planned first (``naive`` as in :func:`plan`).

    Columns: ``key``, ``customer_id``, ``flow``, ``step``, ``subject``,
    ``send_at`` (``timestamp[us, tz=UTC]``), ``local_time`` (RFC 3339 text in
    the recipient's zone), ``time_zone``, ``channel``, ``address``,
    ``purpose``, ``template``, ``payload`` (JSON text), ``offer_code``,
    ``offer_percent_off`` (``uint8``), ``offer_free_shipping`` (``bool``),
    ``offer_expires_at`` (the offer columns are null without an offer) and
    ``due_at`` (null when the message goes when due). The schema metadata
    holds ``crm_core.now`` and ``crm_core.horizon``.

    >>> t = plan_table({"now": "2026-05-01T10:00:00Z", "horizon": "1h", "messages": [], "decisions": []})
    >>> t.num_rows, t.column_names[:6]
    (0, ['key', 'customer_id', 'flow', 'step', 'subject', 'send_at'])
    """
    import pyarrow as pa

    p = _as_plan(plan_or_request, naive)
    ms = p.get("messages") or []
    offers = [m.get("offer") or {} for m in ms]
    arrays = [
        pa.array([m["key"] for m in ms], pa.string()),
        pa.array([m["customer_id"] for m in ms], pa.string()),
        pa.array([m["flow"] for m in ms], pa.string()),
        pa.array([m["step"] for m in ms], pa.string()),
        pa.array([m["subject"] for m in ms], pa.string()),
        _timestamps([m["send_at"] for m in ms]),
        pa.array([m.get("local_time") for m in ms], pa.string()),
        pa.array([m.get("time_zone") for m in ms], pa.string()),
        pa.array([m["channel"] for m in ms], pa.string()),
        pa.array([m.get("address") for m in ms], pa.string()),
        pa.array([m.get("purpose") for m in ms], pa.string()),
        pa.array([m.get("template") for m in ms], pa.string()),
        pa.array([_json(m.get("payload", {})) for m in ms], pa.string()),
        pa.array([o.get("code") for o in offers], pa.string()),
        pa.array([o.get("percent_off") for o in offers], pa.uint8()),
        pa.array([bool(o.get("free_shipping", False)) if m.get("offer") is not None else None
                  for m, o in zip(ms, offers)], pa.bool_()),
        _timestamps([o.get("expires_at") for o in offers]),
        _timestamps([m.get("due_at") for m in ms]),
    ]
    return pa.Table.from_arrays(arrays, schema=_messages_schema(_metadata(p)))


def decisions_table(plan_or_request: Any, *, naive: Literal["reject", "utc"] = "reject") -> "pyarrow.Table":
    """The decisions of a plan as a ``pyarrow.Table``, in the plan's order
    (customer, flow, subject, due instant, step).

    ``plan_or_request`` is a plan or a request, as for :func:`plan_table`.

    Columns: ``key``, ``customer_id``, ``flow``, ``step``, ``subject``,
    ``due_at`` (``timestamp[us, tz=UTC]``), ``reason`` (``no_consent``,
    ``no_address``, ``quiet_hours_deferred``, ``quiet_hours``, ``capped``,
    ``holdout``, ``exited``, ``filtered``, ``suppressed``, ``already_sent``)
    and ``evidence`` (JSON text). A ``quiet_hours_deferred`` decision goes
    with a planned message; every other reason means the message is not sent.

    >>> decisions_table({"messages": [], "decisions": []}).schema.field("evidence").type
    DataType(string)
    """
    import pyarrow as pa

    p = _as_plan(plan_or_request, naive)
    ds = p.get("decisions") or []
    arrays = [
        pa.array([d["key"] for d in ds], pa.string()),
        pa.array([d["customer_id"] for d in ds], pa.string()),
        pa.array([d["flow"] for d in ds], pa.string()),
        pa.array([d["step"] for d in ds], pa.string()),
        pa.array([d["subject"] for d in ds], pa.string()),
        _timestamps([d["due_at"] for d in ds]),
        pa.array([d["reason"] for d in ds], pa.string()),
        pa.array([_json(d.get("evidence")) for d in ds], pa.string()),
    ]
    return pa.Table.from_arrays(arrays, schema=_decisions_schema(_metadata(p)))


# --- requests -----------------------------------------------------------------------------------


def _prepare(request: Mapping[str, Any], naive: str) -> Dict[str, Any]:
    """The request with its Python values (datetimes, tables, store objects) made JSON."""
    req = dict(request)
    if "store" in req:
        req["store"] = _store(req["store"])
    if isinstance(req.get("policy"), Mapping):
        req["policy"] = dict(req["policy"])
    if req.get("now") is not None:
        req["now"] = _instant(req["now"], "now", "reject")
    if isinstance(req.get("horizon"), timedelta):
        req["horizon"] = _span(req["horizon"], "horizon")
    if req.get("send_log") is not None:
        req["send_log"] = _send_log(req["send_log"], naive)
    return req


def _store(store: Any) -> Any:
    if isinstance(store, dict):
        return store
    if isinstance(store, Mapping):
        return dict(store)
    if isinstance(store, (str, bytes, bytearray)):
        try:
            return json.loads(store)
        except ValueError as e:
            raise RequestError(f"store: invalid JSON: {e}", code="invalid_json", domain="request",
                               field="store") from None
    to_store = getattr(store, "to_store", None)
    if callable(to_store):
        return to_store()
    return store  # the JSON conversion refuses it, naming `store`


def _span(d: timedelta, field: str) -> str:
    if d % timedelta(seconds=1):
        raise CampaignError(f"{field}: {d!r} is not a whole number of seconds", code="invalid_option",
                            domain="campaign", field=field)
    return f"{d // timedelta(seconds=1)}s"


def _naive_error(field: str, text: str, column: Optional[str] = None) -> TimeError:
    if column is not None:
        what = f"the column is {column}, without a time zone (first value `{text}`)"
        hint = ('localise it (pandas: df["sent_at"].dt.tz_localize("UTC"), polars: '
                'pl.col("sent_at").dt.replace_time_zone("UTC")) or pass naive="utc" to read it as UTC')
    else:
        what = f"naive timestamp `{text}` has no time zone"
        hint = ('pass a time-zone-aware datetime (datetime(..., tzinfo=timezone.utc), '
                'pd.Timestamp(..., tz="UTC")) or RFC 3339 text with a zone such as 2024-05-01T10:00:00Z')
    return TimeError(f"{field}: {what} ({hint})", code="invalid_timestamp", domain="time", field=field, value=text)


def _instant(value: Any, field: str, naive: str) -> Any:
    """RFC 3339 text for an instant; text passes unchanged (the core parses it)."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):  # pandas Timestamp included
        if value.utcoffset() is None:
            if naive != "utc":
                raise _naive_error(field, str(value))
            value = value.replace(tzinfo=_UTC)
        return value.astimezone(_UTC).isoformat()
    if type(value).__name__ == "datetime64" and type(value).__module__ == "numpy":
        import numpy as np

        if np.isnat(value):
            return None
        if naive != "utc":
            raise _naive_error(field, str(value))
        return _format_micros(int(value.astype("datetime64[us]").astype("int64")))
    return value  # the JSON conversion or the core refuses it, naming the field


def _format_micros(us: int) -> str:
    t = _EPOCH + timedelta(microseconds=us)
    frac = f".{t.microsecond:06d}" if t.microsecond else ""
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}{frac}Z"


def _send_log(log: Any, naive: str) -> Any:
    if isinstance(log, (list, tuple)):
        out = []
        for i, entry in enumerate(log):
            if isinstance(entry, Mapping):
                entry = dict(entry)
                if "sent_at" in entry:
                    entry["sent_at"] = _instant(entry["sent_at"], f"send_log[{i}].sent_at", naive)
            out.append(entry)
        return out
    table = _arrow_table(log)
    if table is None:
        return log  # the core refuses it: `send_log` is a list
    return _send_log_rows(table, naive)


def _arrow_table(obj: Any) -> Optional["pyarrow.Table"]:
    """A pyarrow Table from a table-like object, or ``None`` when it is not one."""
    import pyarrow as pa

    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    if isinstance(obj, pa.RecordBatchReader):
        return obj.read_all()
    module = type(obj).__module__.split(".")[0]
    if module == "pandas" and type(obj).__name__ == "DataFrame":
        return pa.Table.from_pandas(obj, preserve_index=False)
    if module == "polars" and hasattr(obj, "to_arrow"):
        return obj.to_arrow()
    if hasattr(obj, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(obj).read_all()
    return None


def _send_log_rows(table: "pyarrow.Table", naive: str) -> List[Dict[str, Any]]:
    import pyarrow as pa

    if table.num_rows == 0:
        return []
    names = table.column_names
    for col in _REQUIRED_LOG_COLUMNS:
        if col not in names:
            raise CampaignError(
                f"send_log: the table has no column `{col}` (columns read: {', '.join(SEND_LOG_COLUMNS)})",
                code="invalid_send_log", domain="campaign", field=f"send_log.{col}")
    cols = [c for c in SEND_LOG_COLUMNS if c in names]
    sent = table.column("sent_at")
    sent_text: Optional[List[Optional[str]]] = None
    if pa.types.is_timestamp(sent.type):
        if sent.type.tz is None and naive != "utc":
            first = next((v for v in sent.to_pylist() if v is not None), "")
            raise _naive_error("send_log.sent_at", str(first), column=str(sent.type))
        micros = sent.cast(pa.timestamp("us", tz=sent.type.tz), safe=False).cast(pa.int64()).to_pylist()
        sent_text = [None if us is None else _format_micros(us) for us in micros]
        cols.remove("sent_at")
    rows = table.select(cols).to_pylist()
    out = []
    for i, row in enumerate(rows):
        entry = {}
        for k, v in row.items():
            if v is None:
                continue
            if k in _ID_COLUMNS and isinstance(v, int) and not isinstance(v, bool):
                v = str(v)
            elif k == "sent_at":
                v = _instant(v, f"send_log[{i}].sent_at", naive)
            entry[k] = v
        if sent_text is not None and sent_text[i] is not None:
            entry["sent_at"] = sent_text[i]
        out.append(entry)
    return out


# --- plans → tables -----------------------------------------------------------------------------


def _as_plan(plan_or_request: Any, naive: str) -> Mapping[str, Any]:
    if isinstance(plan_or_request, bytearray):
        plan_or_request = bytes(plan_or_request)
    doc = plan_or_request
    if isinstance(plan_or_request, (str, bytes)):
        try:
            doc = json.loads(plan_or_request)
        except ValueError:
            return plan(plan_or_request, naive=naive)  # the core reports the bad JSON
    if isinstance(doc, Mapping) and "messages" in doc and "store" not in doc:
        return doc
    return plan(plan_or_request if isinstance(plan_or_request, (str, bytes)) else doc, naive=naive)


def _metadata(p: Mapping[str, Any]) -> Dict[str, str]:
    return {f"crm_core.{k}": str(p[k]) for k in ("now", "horizon") if p.get(k) is not None}


def _json(v: Any) -> Optional[str]:
    return None if v is None else json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def _timestamps(values: List[Optional[str]]) -> "pyarrow.Array":
    """RFC 3339 texts (UTC instants of the plan) as ``timestamp[us, tz=UTC]``."""
    import pyarrow as pa

    ts = pa.timestamp("us", tz="UTC")
    try:
        return pa.array(values, pa.string()).cast(ts)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Nanosecond instants (or an older pyarrow): floor to the microsecond here.
        return pa.array([None if v is None else _parse_micros(v) for v in values], pa.int64()).cast(ts)


def _parse_micros(text: str) -> int:
    m = _RFC3339.match(text)
    if m is None:
        raise TimeError(f"unparsable timestamp `{text}` (expected RFC 3339 with a zone, e.g. 2024-05-01T10:00:00Z)",
                        code="invalid_timestamp", domain="time", value=text)
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    frac = (m.group(7) or "")[:6].ljust(6, "0")
    t = datetime(y, mo, d, h, mi, min(s, 59), tzinfo=_UTC)
    us = (t - _EPOCH) // _ONE_US + int(frac)
    if m.group(9):
        offset = (int(m.group(10)) * 60 + int(m.group(11))) * 60_000_000
        us += -offset if m.group(9) == "+" else offset
    return us


_MESSAGE_FIELDS = [
    ("key", "string"), ("customer_id", "string"), ("flow", "string"), ("step", "string"), ("subject", "string"),
    ("send_at", "ts"), ("local_time", "string"), ("time_zone", "string"), ("channel", "string"),
    ("address", "string"), ("purpose", "string"), ("template", "string"), ("payload", "string"),
    ("offer_code", "string"), ("offer_percent_off", "uint8"), ("offer_free_shipping", "bool"),
    ("offer_expires_at", "ts"), ("due_at", "ts"),
]
_DECISION_FIELDS = [
    ("key", "string"), ("customer_id", "string"), ("flow", "string"), ("step", "string"), ("subject", "string"),
    ("due_at", "ts"), ("reason", "string"), ("evidence", "string"),
]


def _schema(fields: List[Any], metadata: Dict[str, str]) -> "pyarrow.Schema":
    import pyarrow as pa

    types = {"string": pa.string(), "ts": pa.timestamp("us", tz="UTC"), "uint8": pa.uint8(), "bool": pa.bool_()}
    return pa.schema([(n, types[t]) for n, t in fields], metadata=metadata or None)


def _messages_schema(metadata: Dict[str, str]) -> "pyarrow.Schema":
    return _schema(_MESSAGE_FIELDS, metadata)


def _decisions_schema(metadata: Dict[str, str]) -> "pyarrow.Schema":
    return _schema(_DECISION_FIELDS, metadata)
