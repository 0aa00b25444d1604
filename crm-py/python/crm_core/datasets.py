"""Deterministic synthetic sample data: the Rust generator ``crm_core::datasets``.

>>> from crm_core.datasets import sample_store
>>> s = sample_store(customers=1000, seed=42)
>>> s.orders.num_rows > 5000
True
>>> s.orders.equals(sample_store(customers=1000, seed=42).orders)   # same seed, same data
True

The data, their distributions and the options are described in ``docs/datasets.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Union

from . import _native
from ._native import SampleStore

__all__ = ["sample_store", "SampleStore"]


def sample_store(
    customers: int = 1000,
    seed: int = 42,
    *,
    start: Optional[Union[datetime, str]] = None,
    days: int = 730,
) -> SampleStore:
    """Generates a shop's data: customers, orders (about ten per customer plus
    5 % guest orders), order lines, carts, cart items, consents and events.

    The same arguments give the same data, here and in Rust
    (``crm_core::datasets::sample_store``), byte for byte.

    Args:
        customers: number of accounts, 1 to 2,000,000.
        seed: the seed of the generator's own pseudo-random numbers.
        start: start of the simulated period (aware ``datetime`` or RFC 3339
            string; default 2023-01-01T00:00:00Z).
        days: length of the period, 1 to 3650 (default 730).

    Returns:
        A :class:`SampleStore` whose attributes ``customers``, ``orders``,
        ``order_lines``, ``carts``, ``cart_items``, ``consents`` and ``events``
        are ``pyarrow.Table`` s (built on first access), and whose
        ``to_store()`` gives the store document of :func:`crm_core.call`.
        ``orders`` feeds :func:`crm_core.customer_facts` as it is.

    Raises:
        DatasetError: an option is out of range (``code == "invalid_option"``,
            ``field`` names it).
    """
    return _native.sample_store(customers, seed, start=start, days=days)
