"""The simple lifetime-value formula, in money (the core's ``SimpleLtv``).

LTV = average order value × purchases per year × lifespan in years, in
integer minor units of one currency, with the customer value per year and,
given a customer acquisition cost and a margin, the payback in months. The
three numbers are given, or estimated from a store's facts as of an instant
(docs/ltv.md, "The simple formula"). The same code runs behind the C/PHP
function ``ltv_simple``.

>>> from crm_core.ltv import simple_ltv
>>> out = simple_ltv(average_order_value=45000, currency="TRY", purchases_per_year=2.5, lifespan_years=3,
...                  cac=20000, margin=0.25)
>>> out["value"], out["customer_value_per_year"]   # 450.00 TRY × 2.5 × 3 = 3,375.00 TRY
({'amount': 337500, 'currency': 'TRY'}, {'amount': 112500, 'currency': 'TRY'})
>>> round(out["payback_months"], 4)               # 200.00 / (1,125.00 × 0.25 / 12)
8.5333
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from .. import _native
from ..segment import _instant

__all__ = ["simple_ltv"]


def simple_ltv(
    *,
    currency: str,
    average_order_value: Optional[int] = None,
    purchases_per_year: Optional[float] = None,
    lifespan_years: Optional[float] = None,
    store: Any = None,
    as_of: Any = None,
    cac: Optional[int] = None,
    margin: Optional[float] = None,
) -> Dict[str, Any]:
    """The simple formula from three given numbers, or estimated from ``store``.

    Args:
        currency: ISO 4217 code of every amount.
        average_order_value: in minor units (with ``purchases_per_year`` and
            ``lifespan_years``), or None to estimate all three from ``store``.
        purchases_per_year: counted orders per customer and year.
        lifespan_years: expected years a customer keeps buying.
        store: a store document (dict or JSON text) whose orders in ``currency``
            give the estimate as of ``as_of`` (aware datetime or RFC 3339 text).
        cac: customer acquisition cost in minor units, with ``margin`` (0 to 1)
            for the payback period.

    Returns:
        A dict: ``average_order_value``, ``customer_value_per_year`` and
        ``value`` as ``{"amount", "currency"}``, ``purchases_per_year``,
        ``lifespan_years``, ``payback_months`` when ``cac`` and ``margin`` are
        given (None when the margin is 0), and ``as_of`` and
        ``estimated_lifespan_years`` for an estimate.

    Raises:
        LtvError: an option out of range (``field`` names it).
        RequestError: neither three numbers nor a store, or a wrong type.
    """
    request: Dict[str, Any] = {"currency": currency}
    if store is not None:
        request.update({"store": store, "as_of": _instant(as_of)})
    else:
        money = {"amount": average_order_value, "currency": currency}
        request = {"average_order_value": money, "purchases_per_year": purchases_per_year,
                   "lifespan_years": lifespan_years}
    if cac is not None or margin is not None:
        request.update({"cac": {"amount": cac, "currency": currency}, "margin": margin})
    return _native.call("ltv_simple", request)
