"""Type stubs of the native module ``crm_core._native`` (written in Rust).

Use the documented wrappers in ``crm_core`` and ``crm_core.datasets``; this
module is their implementation.
"""

from datetime import datetime, timedelta
from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple, Union

import pyarrow

__version__: str
WIRE_VERSION: int

_Json = Union[Mapping[str, Any], str, bytes]

def version() -> str: ...
def call(function: str, request: _Json) -> Any: ...
def validate_store(store: _Json) -> Dict[str, int]: ...
def load_store(store: _Json) -> Dict[str, Any]: ...
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
    columns: Optional[Dict[str, str]] = None,
    check_duplicates: bool = True,
    naive: Literal["reject", "utc"] = "reject",
    default_currency: Optional[str] = None,
    rfm: Optional[Dict[str, Any]] = None,
    segments: Any = None,
    load: bool = False,
) -> pyarrow.Table: ...

class SampleStore:
    """A generated store: one pyarrow table per kind of record."""

    @property
    def customers(self) -> pyarrow.Table: ...
    @property
    def orders(self) -> pyarrow.Table: ...
    @property
    def order_lines(self) -> pyarrow.Table: ...
    @property
    def carts(self) -> pyarrow.Table: ...
    @property
    def cart_items(self) -> pyarrow.Table: ...
    @property
    def consents(self) -> pyarrow.Table: ...
    @property
    def events(self) -> pyarrow.Table: ...
    def to_store(self) -> Dict[str, Any]: ...

def sample_store(
    customers: int = 1000, seed: int = 42, *, start: Optional[Union[datetime, str]] = None, days: int = 730
) -> SampleStore: ...

class Segment:
    def __init__(self, rule: Union[str, Dict[str, Any]]) -> None: ...
    @staticmethod
    def builtin(name: str, **params: Any) -> "Segment": ...
    @property
    def text(self) -> str: ...
    @property
    def fields(self) -> List[str]: ...
    def to_json(self) -> Dict[str, Any]: ...
    def filter(
        self, facts: Any, *, as_of: Any = None, time_zone: Optional[str] = None,
        customer_id: str = "customer_id", segments: Any = None,
    ) -> List[str]: ...
    def mask(
        self, facts: Any, *, as_of: Any = None, time_zone: Optional[str] = None,
        customer_id: str = "customer_id", segments: Any = None,
    ) -> pyarrow.BooleanArray: ...
    def explain(
        self, facts: Any, customer: str, *, as_of: Any = None, time_zone: Optional[str] = None,
        customer_id: str = "customer_id", segments: Any = None,
    ) -> Dict[str, Any]: ...

class LoadedOrders:
    def __len__(self) -> int: ...
    @property
    def customers(self) -> int: ...
    @property
    def as_of_micros(self) -> int: ...
    def rfm(self, rfm: Optional[Dict[str, Any]] = None, segments: Any = None) -> pyarrow.Table: ...

class CustomerTable:
    def __init__(
        self, facts: Any, *, as_of: Any = None, time_zone: Optional[str] = None, customer_id: str = "customer_id",
        brand_tiers: Optional[Dict[str, str]] = None, ltv: Optional[Dict[str, Dict[str, float]]] = None,
    ) -> None: ...
    def __len__(self) -> int: ...
    @property
    def fields(self) -> List[str]: ...

def assign_segments(table: Any, segments: Any, *, rfm: bool = True) -> pyarrow.Array: ...

# Lifetime value (crm_core.ltv): float64 pyarrow arrays in, float64 pyarrow arrays out.
def ltv_fit(
    model: Literal["bgnbd", "mbgnbd", "pareto_nbd", "bgbb", "gamma_gamma"],
    columns: List[pyarrow.Array],
    weights: Optional[pyarrow.Array] = None,
    penalizer: float = 0.0,
) -> Tuple[List[float], float, Optional[List[float]], int]: ...
def ltv_predict(
    model: Literal["bgnbd", "mbgnbd", "pareto_nbd", "bgbb", "gamma_gamma"],
    params: List[float],
    what: str,
    columns: List[pyarrow.Array],
    check: bool = True,
) -> pyarrow.Array: ...
def ltv_clv(
    model: Literal["bgnbd", "mbgnbd", "pareto_nbd"],
    params: List[float],
    gamma_gamma_params: List[float],
    columns: List[pyarrow.Array],
    time: int,
    discount_rate: float,
    periods_per_month: float,
    check: bool = True,
) -> pyarrow.Array: ...
def ltv_transaction_summary(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: Optional[str] = None,
    *,
    freq: str = "D",
    freq_multiplier: float = 1.0,
    include_first_transaction: bool = False,
    observation_period_end: Optional[int] = None,
    calibration_period_end: Optional[int] = None,
) -> pyarrow.Table: ...
