"""Orders read once, for running RFM many times (other k, thresholds, windows, maps)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Sequence, Union

from .errors import SegmentError

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow


def rfm_options(k: int, thresholds: Optional[Mapping[str, Any]], window: Optional[timedelta]) -> Dict[str, Any]:
    """The JSON RFM options of :func:`crm_core.rfm` and :meth:`LoadedOrders.rfm`."""
    options: Dict[str, Any] = {"k": k}
    if window is not None:
        if not isinstance(window, timedelta) or window % timedelta(days=1):
            raise SegmentError(
                f"segment option `window_days`: must be whole days from 1 to 36500, got {window!r}",
                code="invalid_option", domain="segment", field="window_days", value=None,
            )
        options["window_days"] = window.days
    if thresholds is not None:
        options["thresholds"] = {key: list(v) for key, v in thresholds.items()}
    return options


class LoadedOrders:
    """Orders read once by :func:`crm_core.load_orders`: customer ids
    interned, every row validated, refunds resolved as of the instant given
    there. :meth:`rfm` then scores them without reading the table again.

    ``len(loaded)`` is the number of orders and ``loaded.customers`` the
    number of customers (guests included).
    """

    def __init__(self, native: Any) -> None:
        self._native = native

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return repr(self._native)

    @property
    def customers(self) -> int:
        """Number of customers, guests included."""
        return int(self._native.customers)

    def rfm(
        self,
        *,
        k: int = 5,
        thresholds: Optional[Mapping[str, Any]] = None,
        segments: Union[str, Sequence[Mapping[str, Any]]] = "seed",
        window: Optional[timedelta] = None,
    ) -> "pyarrow.Table":
        """The same table as :func:`crm_core.rfm` (same options and columns),
        as of the loading instant."""
        return self._native.rfm(rfm_options(k, thresholds, window), segments if isinstance(segments, str) else list(segments))
