"""Segments: the rule language and the named segment maps.

A rule is text a marketer can write (``"order_count >= 2 AND net_spend > 1000
TRY AND consent.sms"``) or the same thing as a JSON tree; see
``docs/segments.md`` for the grammar, every field and function, and the presets.

>>> seg = Segment("order_count >= 2 and tags contains 'vip'")
>>> seg.text
"order_count >= 2 AND tags CONTAINS 'vip'"
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Mapping, Sequence, Union

from . import _native

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow

Segment = _native.Segment
Segment.__doc__ = """A segment rule, parsed once and evaluated over any number of tables.

``Segment(text_or_tree)`` parses rule text, or reads the JSON tree (a dict as
returned by :meth:`to_json`); ``Segment.builtin(name, **params)`` fills a
built-in segment (``first_time_buyer``, ``cart_abandoner``, ``discount_hunter``
…). A bad rule raises :class:`crm_core.SegmentError` whose message starts with
``line:column`` (``details[0]`` has ``line``, ``column`` and, for unknown names,
``suggestion``).

Evaluation takes ``facts``: a table (pandas, polars, pyarrow) with one row per
customer and a ``customer_id`` column, such as the output of
:func:`crm_core.customer_facts` or :func:`crm_core.rfm` joined with your own
columns (the column names are the field names; integer money columns take
the row's ``currency``), or a store document (dict), which gives every field
and function. Keyword arguments:

- ``as_of``: the instant relative times (``-30d``, ``TODAY``) refer to; by
  default the ``crm_core.as_of`` of a :func:`crm_core.customer_facts` table
  (required with a store, and for relative times);
- ``time_zone``: the store's zone for ``TODAY``, dates and months (default UTC);
- ``customer_id``: the id column of a table;
- ``segments``: a map (preset name or ``[{"name", "rule"}]``) whose segments
  ``in_segment('name')`` may test.

Methods: ``filter(facts)`` → member ids (table order), ``mask(facts)`` →
``pyarrow.BooleanArray``, ``explain(facts, customer)`` → dict of every
clause with its values and truth, ``to_json()`` → the tree; ``text`` is the
canonical text and ``fields`` the fields it reads. A comparison with a
missing value is false and ``NOT`` is the complement.
"""

CustomerTable = _native.CustomerTable
CustomerTable.__doc__ = """A facts table read once, for evaluating many rules.

``CustomerTable(facts, *, as_of=None, time_zone=None, customer_id="customer_id",
brand_tiers=None, ltv=None)`` reads every column of a facts table (pandas,
polars, pyarrow) into the engine's columns, or computes every field of a
store document (a dict; then ``as_of`` is required, and ``brand_tiers``
(``{"Nike": "premium"}``, giving ``premium_brand_share``) and ``ltv``
(``{"clv": {"c1": 120.5}}``, giving ``ltv.clv``) may be passed). Pass it instead of ``facts`` to
:meth:`Segment.filter`, :meth:`Segment.mask` and :meth:`Segment.explain`:
each rule then runs without reading Arrow again. ``len(table)`` is the
number of customers and ``table.fields`` the field names. ``as_of`` and
``time_zone`` given to a Segment method replace the table's own.
"""

PRESETS = ("seed", "classic", "shopify", "age_groups")
"""Names of the shipped segment maps (``docs/segments.md`` lists their rules)."""


def assign_segments(
    table: Any,
    segments: Union[str, Sequence[Mapping[str, Any]]] = "seed",
    *,
    rfm: bool = True,
) -> "pyarrow.Array":
    """The first matching segment of a map for every row of a table.

    ``segments`` is a preset name (``"seed"``, ``"classic"``, ``"shopify"``,
    ``"age_groups"``) or an ordered list ``[{"name": ..., "rule": ...}]``;
    rules may use ``in_segment('other')``. With ``rfm=True`` (for the output
    of :func:`crm_core.rfm`) rows without scores are ``"Prospects"``; ``fm``
    (the mean of ``f`` and ``m``) is derived when the table lacks it.

    Returns a ``pyarrow.StringArray`` (null where no segment matches).
    """
    return _native.assign_segments(table, list(segments) if not isinstance(segments, str) else segments, rfm=rfm)


def co_purchase_table(
    store: Any,
    *,
    as_of: Any,
    level: str = "category",
    min_pair_count: int = 1,
    min_confidence: float = 0.0,
) -> "pyarrow.Table":
    """The co-purchase table of a store document ("bought this, also bought").

    Baskets are the counted orders as of ``as_of``; items are their top-level
    categories (``level="category"``) or products (``"product"``: product id,
    else SKU). One row per ordered pair ``antecedent -> consequent`` with
    ``pair_count``, ``antecedent_count``, ``consequent_count``, ``support``,
    ``confidence`` and ``lift``, most frequent pairs first (ties: higher
    confidence, then names). The number of baskets is in the table's schema
    metadata (``crm_core.baskets``). See ``docs/segments.md``.
    """
    import pyarrow as pa

    out = _native.call("co_purchase", {
        "store": store, "as_of": _instant(as_of),
        "co_purchase": {"level": level, "min_pair_count": min_pair_count, "min_confidence": min_confidence},
    })
    schema = pa.schema([("antecedent", pa.string()), ("consequent", pa.string()), ("pair_count", pa.uint64()),
                        ("antecedent_count", pa.uint64()), ("consequent_count", pa.uint64()),
                        ("support", pa.float64()), ("confidence", pa.float64()), ("lift", pa.float64())],
                       metadata={"crm_core.baskets": str(out["baskets"]), "crm_core.level": out["level"]})
    return pa.Table.from_pylist(out["pairs"], schema=schema)


def cross_sell(
    store: Any,
    *,
    as_of: Any,
    level: str = "category",
    per_customer: int = 3,
    min_confidence: float = 0.0,
    min_lift: float = 1.0,
) -> "pyarrow.Table":
    """Cross-sell suggestions per customer from the store's co-purchase table.

    For each customer, the items (categories or products) that follow from
    what they bought and that they have not bought yet: ``customer_id``,
    ``item``, ``score`` (the best confidence), ``because`` (the item bought
    that gives it) and ``lift``; at most ``per_customer`` each, best first.
    """
    import pyarrow as pa

    out = _native.call("cross_sell", {
        "store": store, "as_of": _instant(as_of), "co_purchase": {"level": level},
        "cross_sell": {"per_customer": per_customer, "min_confidence": min_confidence, "min_lift": min_lift},
    })
    schema = pa.schema([("customer_id", pa.string()), ("item", pa.string()), ("score", pa.float64()),
                        ("because", pa.string()), ("lift", pa.float64())])
    return pa.Table.from_pylist(out["suggestions"], schema=schema)


def _instant(t: Any) -> str:
    """An RFC 3339 string for the JSON interface (aware datetimes are converted)."""
    if isinstance(t, str):
        return t
    if getattr(t, "tzinfo", None) is None:
        return str(t)  # the core refuses it with its own message
    return t.isoformat()


__all__: List[str] = ["Segment", "CustomerTable", "PRESETS", "assign_segments", "co_purchase_table", "cross_sell"]
