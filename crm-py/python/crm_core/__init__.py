"""crm_core: an embeddable e-commerce CRM engine (Python binding of the Rust crate ``crm-core``).

Pure logic: no network, no database, no clock. Pass ``as_of`` yourself; the same
input gives the same output from Python, Rust, C and PHP.

>>> import crm_core
>>> facts = crm_core.customer_facts(orders_df, as_of="2024-03-01T00:00:00Z")  # doctest: +SKIP

Main entry points:

- :func:`rfm`: RFM values, 1..k scores and a named segment per customer from an orders table;
- :class:`Segment`: the rule language (``Segment("order_count >= 2").filter(facts)``);
- :func:`customer_facts`: one row per customer from order/cart/event tables
  (pandas, polars, pyarrow …) → ``pyarrow.Table``;
- :func:`call`: the JSON interface shared with the C ABI and the golden vectors;
- :func:`validate_store` / :func:`load_store`: check a store document;
- :func:`plan`: the campaign planner (flows, policy, send log → messages and
  decisions); :func:`plan_table` / :func:`decisions_table` as pyarrow tables;
- :func:`crm_core.datasets.sample_store`: deterministic synthetic data as pyarrow tables;
- :class:`CrmError` and its subclasses (:mod:`crm_core.errors`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Dict, Literal, Mapping, Optional, Sequence, Union

from . import _native
from .errors import (
    ConsentError,
    CrmError,
    DatasetError,
    PrivacyError,
    LtvError,
    CampaignError,
    SegmentError,
    FactsError,
    ModelError,
    MoneyError,
    RequestError,
    TimeError,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow

__version__: str = _native.__version__
"""Version of the library (the Rust crate's version)."""

WIRE_VERSION: int = _native.WIRE_VERSION
"""Version of the JSON request/response formats of :func:`call`."""

__all__ = [
    "__version__",
    "WIRE_VERSION",
    "version",
    "call",
    "validate_store",
    "load_store",
    "customer_facts",
    "rfm",
    "load_orders",
    "LoadedOrders",
    "Segment",
    "CustomerTable",
    "assign_segments",
    "co_purchase_table",
    "cross_sell",
    "consent",
    "consent_table",
    "iys_import",
    "iys_export",
    "export_subject",
    "erase",
    "apply_retention",
    "plan",
    "plan_table",
    "decisions_table",
    "campaign_presets",
    "datasets",
    "CrmError",
    "ModelError",
    "MoneyError",
    "TimeError",
    "FactsError",
    "DatasetError",
    "SegmentError",
    "ConsentError",
    "PrivacyError",
    "LtvError",
    "CampaignError",
    "RequestError",
]

JsonRequest = Union[Mapping[str, Any], str, bytes]
"""A JSON document: a dict (of JSON-compatible values), or JSON text."""


def version() -> str:
    """The library version, e.g. ``"0.1.0"`` (the same as ``crm_core.__version__``)."""
    return _native.version()


def call(function: str, request: JsonRequest) -> Any:
    """Runs a function of the JSON interface, exactly as the C ABI's ``crm_call`` does.

    ``function`` is one of ``version``, ``validate_store``, ``customer_facts``,
    ``sample_store``, ``campaign_plan`` …; ``request`` is the request document
    as a dict or as JSON text. Returns the result document as Python objects
    (dicts, lists, str, int, float, bool, None).

    Raises the :class:`CrmError` subclass of the failure's domain, with the
    same ``code``, message and ``details`` as the envelope
    ``{"ok": false, "error": {...}}`` of the other bindings.

    >>> crm_core.call("customer_facts", {"store": {...}, "as_of": "2024-03-01T00:00:00Z"})  # doctest: +SKIP
    {'as_of': '2024-03-01T00:00:00Z', 'facts': [...]}
    """
    return _native.call(function, request)


def validate_store(store: JsonRequest) -> Dict[str, int]:
    """Validates a store document (``{"customers": [...], "orders": [...], ...}``).

    Returns the number of records per collection. Every invalid record is
    reported at once in a :class:`ModelError` (``.errors`` has one entry per
    bad record, with ``code``, ``record``, ``index``, ``id``, ``field``,
    ``value`` and ``message``).
    """
    return _native.validate_store(store)


def load_store(store: JsonRequest) -> Dict[str, Any]:
    """Validates a store document and returns it normalised (instants in UTC,
    defaults filled in), as a dict. Raises :class:`ModelError` like
    :func:`validate_store`."""
    return _native.load_store(store)


def customer_facts(
    orders: Any,
    *,
    as_of: Union[datetime, str],
    carts: Any = None,
    events: Any = None,
    customers: Any = None,
    order_lines: Any = None,
    abandon_after: Optional[timedelta] = None,
    rates: Optional[Mapping[str, Any]] = None,
    order_id: str = "order_id",
    customer_id: str = "customer_id",
    placed_at: str = "placed_at",
    total: str = "total",
    currency: str = "currency",
    status: str = "status",
    discount: str = "discount",
    refunded: str = "refunded",
    refunded_at: str = "refunded_at",
    email: str = "email",
    phone: str = "phone",
    columns: Optional[Mapping[str, str]] = None,
    check_duplicates: bool = True,
    naive: Literal["reject", "utc"] = "reject",
    default_currency: Optional[str] = None,
) -> "pyarrow.Table":
    """Customer facts as of ``as_of``: one row per customer, sorted by customer id.

    Every table argument may be anything that speaks the Arrow PyCapsule
    interface: a pandas or polars DataFrame, a pyarrow Table, RecordBatch or
    RecordBatchReader, … It is streamed batch by batch with the GIL released;
    no Python object is made per row.

    Tables and their columns (rename with the keyword arguments below or with
    ``columns={"carts.updated_at": "last_change", ...}``):

    - ``orders`` (required): ``order_id``, ``customer_id``, ``placed_at``,
      ``total``, ``currency``, ``status``; optional ``discount`` (order plus line
      discounts; only "> 0" matters), ``refunded`` (amount refunded; absent → 0),
      ``refunded_at`` (when; a refund dated after ``as_of`` is ignored), ``email``
      and ``phone`` (key guests).
    - ``order_lines``: ``order_id``, ``quantity``, ``unit_price``; optional
      ``category`` (top-level category), ``discount``.
    - ``carts``: ``customer_id``, ``created_at``, ``updated_at``; optional
      ``converted_at``, ``converted_order_id``, ``email``, ``phone``.
    - ``events``: ``customer_id`` (null = anonymous, ignored), ``at``.
    - ``customers``: ``customer_id``; optional ``created_at``.

    Column types:

    - ids: strings (``string``, ``large_string``, ``string_view``, dictionary /
      categorical) or integers;
    - instants: timestamps of any unit with a time zone (the values are UTC
      instants). Naive timestamps are refused unless ``naive="utc"``, which
      reads them as UTC. RFC 3339 strings are accepted too;
    - money: integer minor units (any integer type), or exact decimals in major
      units (``decimal128(12, 2)`` …) whose value must be a whole number of the
      row currency's minor units (19.99 TRY ok, 19.999 TRY refused). Float
      columns are refused with the one-line conversion in the message;
    - ``status``: ``pending``, ``paid``, ``fulfilled``, ``cancelled``,
      ``refunded``, ``partially_refunded``.

    A row with a null ``customer_id`` is a guest keyed ``"guest:" +
    email.lower()`` (else ``"guest:" + phone``); without either it is an error.

    Args:
        as_of: the instant the facts are computed for: a time-zone-aware
            ``datetime`` (or pandas ``Timestamp``) or an RFC 3339 string. Naive
            datetimes are refused (:class:`TimeError`).
        abandon_after: a cart idle this long and not converted is abandoned
            (default 1 hour).
        rates: exchange rates into one reporting currency, as in the JSON
            options: ``{"target": "TRY", "rates": {"USD": "34.5"}}`` (rates as
            decimal strings). Without rates, a customer with orders in several
            currencies is a :class:`FactsError` (``mixed_currencies``).
        check_duplicates: refuse repeated ``order_id`` values (on by default).
        default_currency: the currency of every order when ``orders`` has no
            currency column (or a null in it).

    Returns:
        A ``pyarrow.Table`` with the columns of the Rust ``CustomerFacts``:
        ``customer_id``, ``first_order_at``, ``last_order_at``, ``order_count``,
        ``net_spend``, ``currency``, ``average_order_value``,
        ``days_since_last_order``, ``tenure_days``, ``distinct_categories``,
        ``spend_by_category`` (``map<string, int64>``), ``top_category``,
        ``discounted_order_share``, ``refund_count``, ``refund_amount``,
        ``abandoned_cart_count``, ``last_abandoned_at``, ``last_activity_at``.
        Instants are ``timestamp[us, tz=UTC]``, money ``int64`` minor units,
        counts ``uint32``. The schema metadata holds ``crm_core.as_of``.

    Raises:
        FactsError: a table argument is unusable (code ``invalid_input``) or a
            customer mixes currencies (``mixed_currencies``).
        ModelError: bad rows (unknown status or currency, negative amount,
            duplicate order id, missing guest contact …), each naming the table
            row; at most 100 are listed.
        TimeError: ``as_of`` is naive or unparsable.
        MoneyError: bad ``rates`` or ``default_currency``.
    """
    return _native.customer_facts(
        orders,
        as_of=as_of,
        carts=carts,
        events=events,
        customers=customers,
        order_lines=order_lines,
        abandon_after=abandon_after,
        rates=rates,
        order_id=order_id,
        customer_id=customer_id,
        placed_at=placed_at,
        total=total,
        currency=currency,
        status=status,
        discount=discount,
        refunded=refunded,
        refunded_at=refunded_at,
        email=email,
        phone=phone,
        columns=dict(columns) if columns is not None else None,
        check_duplicates=check_duplicates,
        naive=naive,
        default_currency=default_currency,
    )


def rfm(
    orders: Any,
    *,
    as_of: Union[datetime, str],
    k: int = 5,
    thresholds: Optional[Mapping[str, Any]] = None,
    rates: Optional[Mapping[str, Any]] = None,
    order_id: str = "order_id",
    customer_id: str = "customer_id",
    placed_at: str = "placed_at",
    total: str = "total",
    currency: str = "currency",
    status: str = "status",
    refunded: str = "refunded",
    refunded_at: str = "refunded_at",
    email: str = "email",
    phone: str = "phone",
    columns: Optional[Mapping[str, str]] = None,
    check_duplicates: bool = True,
    naive: Literal["reject", "utc"] = "reject",
    default_currency: Optional[str] = None,
    segments: Union[str, Sequence[Mapping[str, Any]]] = "seed",
    window: Optional[timedelta] = None,
) -> "pyarrow.Table":
    """RFM values, scores and segments per customer as of ``as_of``, from an orders table.

    The orders table is read exactly as by :func:`customer_facts` (same
    columns, types, renaming keywords, guests and refund rules).

    - ``recency``: whole days since the last paid order;
    - ``frequency``: paid orders (paid, fulfilled, partially refunded; not
      refunded in full);
    - ``monetary``: net spend in integer minor units of ``currency``.

    Scores ``r``, ``f``, ``m`` run from 1 to ``k`` (3 to 10). By default they
    are tie-fair and independent of row order: ``1 + floor(k * worse / N)``,
    where ``worse`` counts the scored customers with a strictly worse value
    (more days; fewer orders; less spend) and ``N`` the scored customers.
    ``thresholds={"recency_days": [...], "frequency": [...], "monetary": [...]}``
    (``k - 1`` ascending cut points each) scores by fixed bounds instead; see
    ``docs/segments.md``. Customers without a paid order (prospects) have
    null scores and the segment ``Prospects``.

    ``segments`` names the map that gives every other customer its
    ``segment``: a preset (``"seed"``, ``"classic"``, ``"shopify"``) or an
    ordered list ``[{"name": ..., "rule": ...}]`` of rules over ``recency``,
    ``frequency``, ``monetary``, ``r``, ``f``, ``m`` and ``fm`` (first match
    wins); see ``docs/segments.md``.

    ``window`` (a ``timedelta`` of whole days, 1 to 36,500) keeps only the
    orders placed after ``as_of - window``; customers whose orders all fall
    before it are prospects.

    Returns:
        A ``pyarrow.Table``: ``customer_id``, ``recency`` (int64),
        ``frequency`` (uint32), ``monetary`` (int64), ``currency``, ``r``,
        ``f``, ``m`` (uint8), ``segment`` (dictionary-encoded string), one
        row per customer sorted by id.

    Raises:
        SegmentError: ``k`` out of range, malformed thresholds
            (``invalid_option``), or net spend in several currencies without
            ``rates`` (``mixed_currencies``).
        ModelError, FactsError, TimeError, MoneyError: as :func:`customer_facts`.
    """
    options = rfm_options(k, thresholds, window)
    scores = _native.customer_facts(
        orders,
        as_of=as_of,
        rates=rates,
        order_id=order_id,
        customer_id=customer_id,
        placed_at=placed_at,
        total=total,
        currency=currency,
        status=status,
        refunded=refunded,
        refunded_at=refunded_at,
        email=email,
        phone=phone,
        columns=dict(columns) if columns is not None else None,
        check_duplicates=check_duplicates,
        naive=naive,
        default_currency=default_currency,
        rfm=options,
        segments=segments if isinstance(segments, str) else list(segments),
    )
    return scores


def load_orders(
    orders: Any,
    *,
    as_of: Union[datetime, str],
    rates: Optional[Mapping[str, Any]] = None,
    order_id: str = "order_id",
    customer_id: str = "customer_id",
    placed_at: str = "placed_at",
    total: str = "total",
    currency: str = "currency",
    status: str = "status",
    refunded: str = "refunded",
    refunded_at: str = "refunded_at",
    email: str = "email",
    phone: str = "phone",
    columns: Optional[Mapping[str, str]] = None,
    check_duplicates: bool = True,
    naive: Literal["reject", "utc"] = "reject",
    default_currency: Optional[str] = None,
) -> "LoadedOrders":
    """Reads an orders table once, as of ``as_of``, for many RFM runs.

    The table is read exactly as by :func:`rfm` (same columns, keywords,
    validation and errors). The result's :meth:`LoadedOrders.rfm` gives the
    table :func:`rfm` would give for the same instant, with any ``k``,
    ``thresholds``, ``segments`` and ``window``, without reading the table
    again.
    """
    native = _native.customer_facts(
        orders,
        as_of=as_of,
        rates=rates,
        order_id=order_id,
        customer_id=customer_id,
        placed_at=placed_at,
        total=total,
        currency=currency,
        status=status,
        refunded=refunded,
        refunded_at=refunded_at,
        email=email,
        phone=phone,
        columns=dict(columns) if columns is not None else None,
        check_duplicates=check_duplicates,
        naive=naive,
        default_currency=default_currency,
        load=True,
    )
    return LoadedOrders(native)


from . import datasets  # noqa: E402  (after the functions it may use)
from .loaded import LoadedOrders, rfm_options  # noqa: E402
from .segment import CustomerTable, Segment, assign_segments, co_purchase_table, cross_sell  # noqa: E402
from .consent import (  # noqa: E402
    apply_retention,
    consent,
    consent_table,
    erase,
    export_subject,
    iys_export,
    iys_import,
)
from .campaign import campaign_presets, decisions_table, plan, plan_table  # noqa: E402


def __getattr__(name: str) -> Any:
    # `crm_core.ltv` (lifetimes-style fitters) imports pandas and numpy: load it on first use.
    if name == "ltv":
        import importlib

        return importlib.import_module(".ltv", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
