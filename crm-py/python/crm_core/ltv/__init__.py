"""Lifetime value in the style of ``lifetimes``: the same fitters, on the Rust core.

>>> from crm_core.ltv import BetaGeoFitter, GammaGammaFitter
>>> bgf = BetaGeoFitter(penalizer_coef=0.0).fit(summary["frequency"], summary["recency"], summary["T"])  # doctest: +SKIP
>>> bgf.conditional_expected_number_of_purchases_up_to_time(39, summary["frequency"], summary["recency"], summary["T"])  # doctest: +SKIP

Fitters (``crm_core.ltv.fitters``): :class:`BetaGeoFitter` (BG/NBD),
:class:`ModifiedBetaGeoFitter` (MBG/NBD), :class:`ParetoNBDFitter`
(Pareto/NBD), :class:`BetaGeoBetaBinomFitter` (BG/BB) and
:class:`GammaGammaFitter` (spend per transaction, lifetime value). They need
pandas and numpy. Errors are :class:`crm_core.LtvError`. See docs/ltv.md for
the differences from lifetimes.
"""

from __future__ import annotations

from ..errors import LtvError
from .fitters import (
    BaseFitter,
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)

__all__ = [
    "BaseFitter",
    "BetaGeoFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "BetaGeoBetaBinomFitter",
    "GammaGammaFitter",
    "LtvError",
    "summary_data_from_transaction_data",
    "calibration_and_holdout_data",
    "simple_ltv",
]

# Transaction summaries (crm_core.ltv.utils) are re-exported below.
from .utils import summary_data_from_transaction_data, calibration_and_holdout_data  # noqa: E402
from .simple import simple_ltv  # noqa: E402
