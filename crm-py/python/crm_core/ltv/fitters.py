"""The fitters of ``lifetimes`` (0.11.3) on the Rust core.

Same class names, ``fit`` signatures, attributes and prediction methods as
``lifetimes.BetaGeoFitter``, ``ModifiedBetaGeoFitter``, ``ParetoNBDFitter``,
``BetaGeoBetaBinomFitter`` and ``GammaGammaFitter``. Inputs may be pandas
Series, numpy arrays, polars Series, pyarrow arrays or chunked arrays, lists
or scalars; a column of one value stands for every row. Results are pandas
Series (with the index of the first Series given) when a Series was given,
floats when every input was a scalar, numpy arrays otherwise.

Fits and predictions run in Rust with the GIL released; predictions are one
vectorised loop over the rows (on every core for large inputs). Bad input
raises :class:`crm_core.LtvError` with ``code`` (``invalid_summary`` for a
bad row, ``invalid_option`` for a bad argument, ``no_fit`` for a model with
nothing to fit or not fitted yet), ``field`` (the column) and ``value`` (the
row, from 0). See ``docs/ltv.md`` ("Python", "Migrating from lifetimes").
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import _native
from ..errors import LtvError

__all__ = [
    "BaseFitter",
    "BetaGeoFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "BetaGeoBetaBinomFitter",
    "GammaGammaFitter",
]

# Periods per month for `customer_lifetime_value(freq=...)`, lifetimes' factors.
_PERIODS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "H": 720.0}


def _error(code: str, message: str, field: Optional[str] = None, value: Optional[str] = None) -> LtvError:
    return LtvError(message, code=code, domain="ltv", field=field, value=value)


class _Column:
    """One input as a float64 pyarrow array, with what it came as."""

    __slots__ = ("array", "kind", "index")

    def __init__(self, array: pa.Array, kind: str, index: Any = None) -> None:
        self.array = array
        self.kind = kind  # "scalar", "pandas" or "array"
        self.index = index

    def __len__(self) -> int:
        return len(self.array)

    def numpy(self) -> np.ndarray:
        return self.array.to_numpy(zero_copy_only=False)


def _is_polars(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "polars" and hasattr(x, "to_arrow")


def _column(x: Any, name: str) -> _Column:
    """Reads one argument as float64 values (zero-copy where the input allows)."""
    try:
        if isinstance(x, pd.Series):
            values = x.to_numpy(dtype=np.float64, na_value=np.nan)
            return _Column(pa.array(values), "pandas", x.index)
        if isinstance(x, (pa.Array, pa.ChunkedArray)) or _is_polars(x):
            arr = x.to_arrow() if _is_polars(x) else x
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            if arr.type != pa.float64():
                arr = arr.cast(pa.float64())
            return _Column(arr, "array")
        if isinstance(x, (bool, np.bool_)) or x is None:
            raise TypeError(f"{type(x).__name__} is not a number")
        if isinstance(x, (numbers.Real, np.number)):
            return _Column(pa.array(np.array([float(x)])), "scalar")
        values = np.asarray(x, dtype=np.float64)
        if values.ndim == 0:
            return _Column(pa.array(values.reshape(1)), "scalar")
        if values.ndim > 1:
            raise TypeError(f"expected one dimension, got an array of shape {values.shape}")
        return _Column(pa.array(np.ascontiguousarray(values)), "array")
    except LtvError:
        raise
    except (TypeError, ValueError, pa.ArrowException) as e:
        raise _error("invalid_summary", f"`{name}`: cannot read {type(x).__name__} as numbers: {e}", field=name) from e


def _result(out: pa.Array, columns: Sequence[_Column], name: Optional[str] = None) -> Any:
    """The native result in the shape lifetimes gives for these inputs."""
    values = out.to_numpy(zero_copy_only=False, writable=True)
    for c in columns:
        if c.kind == "pandas" and len(c) == len(values):
            return pd.Series(values, index=c.index, name=name)
    if all(c.kind == "scalar" for c in columns):
        return float(values[0])
    return values


def _fit_columns(named: Dict[str, Any]) -> Dict[str, _Column]:
    """Fit inputs: scalars are repeated to the length of the other columns."""
    cols = {k: _column(v, k) for k, v in named.items() if v is not None}
    n = max((len(c) for c in cols.values() if c.kind != "scalar"), default=1)
    for k, c in cols.items():
        if c.kind == "scalar" and n != 1:
            cols[k] = _Column(pa.array(np.full(n, c.numpy()[0])), "array")
    return cols


class BaseFitter:
    """What every fitter shares: ``penalizer_coef``, ``params_``, ``summary``.

    After ``fit``: ``params_`` (a pandas Series by lifetimes' parameter
    names), ``standard_errors_`` (Series), ``confidence_intervals_``
    (DataFrame: ``lower 95% bound``, ``upper 95% bound``), ``summary``
    (DataFrame: ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound``),
    ``log_likelihood_`` (the log-likelihood of the data as given, summed over
    customers with their weights, without the penalizer), ``data`` (the
    fitted columns as a DataFrame) and ``penalizer_coef``. ``params_`` may be
    assigned (e.g. parameters from elsewhere) and the predictions use it.
    """

    _model: str = ""
    _param_names: Tuple[str, ...] = ()

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = penalizer_coef

    def __repr__(self) -> str:
        name = f"crm_core.ltv.{type(self).__name__}"
        data = getattr(self, "data", None)
        subjects = f" fitted with {data.shape[0]:d} subjects," if data is not None else ""
        params = getattr(self, "params_", None)
        if params is None:
            return f"<{name}>"
        text = ", ".join(f"{k}: {v:.2f}" for k, v in sorted(params.items()))
        return f"<{name}:{subjects} {text}>"

    # -- parameters ---------------------------------------------------------

    def _params(self) -> List[float]:
        params = getattr(self, "params_", None)
        if params is None:
            raise _error(
                "no_fit",
                f"{type(self).__name__} has not been fitted yet: call .fit(...) first (or assign params_)",
                field="params_",
            )
        try:
            return [float(params[k]) for k in self._param_names]
        except (KeyError, TypeError, ValueError) as e:
            raise _error(
                "invalid_option", f"params_ must give {', '.join(self._param_names)}: {e}", field="params_"
            ) from e

    def _unload_params(self, *names: str) -> List[float]:
        """The fitted parameters ``names`` (as lifetimes' helper of the same name)."""
        values = dict(zip(self._param_names, self._params()))
        return [values[n] for n in names]

    @property
    def summary(self) -> pd.DataFrame:
        """The fitted parameters: ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound``."""
        self._params()
        # Parameters assigned by hand have no standard errors: NaN.
        se = getattr(self, "standard_errors_", pd.Series(np.nan, index=self.params_.index))
        df = pd.DataFrame(index=self.params_.index)
        df["coef"] = self.params_
        df["se(coef)"] = se
        df["lower 95% bound"] = self.params_ - 1.96 * se
        df["upper 95% bound"] = self.params_ + 1.96 * se
        return df

    # -- fitting ------------------------------------------------------------

    def _warn_ignored(self, **ignored: bool) -> None:
        names = [k for k, given in ignored.items() if given]
        if names:
            warnings.warn(
                f"crm_core.ltv.{type(self).__name__}.fit ignores {', '.join(names)}: the fit is deterministic "
                "(Nelder-Mead from fixed starting values, run to convergence); see docs/ltv.md",
                UserWarning,
                stacklevel=3,
            )

    def _fit(self, cols: Dict[str, _Column], weights: Any, verbose: bool) -> _Column:
        """Runs the native fit and stores params_, standard_errors_, log_likelihood_ …; returns the weights."""
        if weights is not None:
            w = _column(weights, "weights")
            n = max((len(c) for c in cols.values()), default=1)
            if w.kind == "scalar" and n != 1:
                w = _Column(pa.array(np.full(n, w.numpy()[0])), "array")
        else:
            w = None
        try:
            penalizer = float(self.penalizer_coef)
        except (TypeError, ValueError) as e:
            raise _error("invalid_option", f"penalizer_coef must be a number: {e}", field="penalizer") from e
        params, ll, se, iterations = _native.ltv_fit(
            self._model, [c.array for c in cols.values()], None if w is None else w.array, penalizer
        )
        names = list(self._param_names)
        self.params_ = pd.Series(params, index=names, dtype=np.float64)
        self.log_likelihood_ = ll
        self.standard_errors_ = pd.Series(se if se is not None else [np.nan] * len(names), index=names, dtype=np.float64)
        self.confidence_intervals_ = pd.DataFrame(
            {
                "lower 95% bound": self.params_ - 1.96 * self.standard_errors_,
                "upper 95% bound": self.params_ + 1.96 * self.standard_errors_,
            },
            index=names,
        )
        self._iterations = iterations
        if verbose:
            print(
                f"{type(self).__name__}: Nelder-Mead, {iterations} iterations, "
                f"log-likelihood {ll:.6f}, parameters {dict(zip(names, params))}"
            )
        return w if w is not None else _Column(pa.array(np.ones(len(next(iter(cols.values()))), np.int64)), "array")

    def _predict(self, what: str, named: Sequence[Tuple[str, Any]], check: bool = True, name: Optional[str] = None) -> Any:
        params = self._params()
        cols = [_column(v, k) for k, v in named]
        out = _native.ltv_predict(self._model, params, what, [c.array for c in cols], check)
        return _result(out, cols, name)


def _weights_values(w: _Column) -> np.ndarray:
    values = w.numpy()
    return values.astype(np.int64) if np.all(values == np.round(values)) else values


class _PurchaseFitter(BaseFitter):
    """BG/NBD, MBG/NBD and Pareto/NBD: the models of (frequency, recency, T) in continuous time."""

    def _fit_summary(self, frequency: Any, recency: Any, T: Any, weights: Any, index: Any, verbose: bool) -> None:
        cols = _fit_columns({"frequency": frequency, "recency": recency, "T": T})
        w = self._fit(cols, weights, verbose)
        self.data = pd.DataFrame(
            {
                "frequency": cols["frequency"].numpy().astype(np.int64),
                "recency": cols["recency"].numpy(),
                "T": cols["T"].numpy(),
                "weights": _weights_values(w),
            },
            index=index,
        )

    def conditional_expected_number_of_purchases_up_to_time(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """Expected repeat purchases in the next ``t`` periods of customers with history (frequency, recency, T)."""
        return self._predict(
            "conditional_expected_number_of_purchases_up_to_time",
            [("t", t), ("frequency", frequency), ("recency", recency), ("T", T)],
        )

    predict = conditional_expected_number_of_purchases_up_to_time

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """Probability that customers with history (frequency, recency, T) are alive at T."""
        return self._predict(
            "conditional_probability_alive", [("frequency", frequency), ("recency", recency), ("T", T)]
        )

    def conditional_probability_alive_matrix(
        self, max_frequency: Optional[int] = None, max_recency: Optional[int] = None
    ) -> np.ndarray:
        """P(alive) for every whole recency 0..max_recency (rows) and frequency 0..max_frequency
        (columns), at age T = max_recency; the maxima default to the fitted data's."""
        data = getattr(self, "data", None)
        if (not max_frequency or not max_recency) and data is None:
            raise _error("no_fit", "give max_frequency and max_recency, or fit the model first", field="data")
        max_frequency = max_frequency or int(data["frequency"].max())
        max_recency = max_recency or int(data["T"].max())
        rec, freq = np.meshgrid(
            np.arange(max_recency + 1, dtype=np.float64), np.arange(max_frequency + 1, dtype=np.float64), indexing="ij"
        )
        cols = [pa.array(freq.ravel()), pa.array(rec.ravel()), pa.array([float(max_recency)])]
        out = _native.ltv_predict(self._model, self._params(), "conditional_probability_alive", cols, False)
        return out.to_numpy(zero_copy_only=False, writable=True).reshape(rec.shape)

    def expected_number_of_purchases_up_to_time(self, t: Any) -> Any:
        """Expected repeat purchases in (0, t] of a customer just acquired."""
        return self._predict("expected_number_of_purchases_up_to_time", [("t", t)])


class BetaGeoFitter(_PurchaseFitter):
    """The BG/NBD model (Fader, Hardie & Lee 2005), as ``lifetimes.BetaGeoFitter``.

    Parameters ``r``, ``alpha`` (purchase rate ~ Gamma(r, alpha)), ``a``,
    ``b`` (drop-out probability after each purchase ~ Beta(a, b)).

    >>> from crm_core.ltv import BetaGeoFitter
    >>> bgf = BetaGeoFitter(penalizer_coef=0.0)
    >>> bgf.fit(summary["frequency"], summary["recency"], summary["T"])  # doctest: +SKIP
    """

    _model = "bgnbd"
    _param_names = ("r", "alpha", "a", "b")

    def fit(
        self,
        frequency: Any,
        recency: Any,
        T: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        **kwargs: Any,
    ) -> "BetaGeoFitter":
        """Fits the model by maximum likelihood; returns ``self``.

        ``frequency`` (repeat purchases, whole numbers), ``recency`` (age at
        the last purchase), ``T`` (age), ``weights`` (customers per row);
        ``index`` becomes the index of ``data``. ``initial_params``, ``tol``
        and ``**kwargs`` (scipy options in lifetimes) are accepted and
        ignored, with a warning when given. ``verbose`` prints the
        iterations and the log-likelihood.
        """
        self._warn_ignored(initial_params=initial_params is not None, tol=tol != 1e-7, **_kw(kwargs))
        self._fit_summary(frequency, recency, T, weights, index, verbose)
        return self

    def probability_of_n_purchases_up_to_time(self, t: Any, n: Any) -> Any:
        """Probability of exactly ``n`` repeat purchases in (0, t] for a customer just acquired."""
        return self._predict("probability_of_n_purchases_up_to_time", [("t", t), ("n", n)])


class ModifiedBetaGeoFitter(BetaGeoFitter):
    """The MBG/NBD model (Batislam, Denizel & Filiztekin 2007), as ``lifetimes.ModifiedBetaGeoFitter``:
    BG/NBD where a customer may also drop out right after the first purchase. Parameters ``r``,
    ``alpha``, ``a``, ``b``; the same ``fit`` and predictions as :class:`BetaGeoFitter`."""

    _model = "mbgnbd"

    def fit(
        self,
        frequency: Any,
        recency: Any,
        T: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        **kwargs: Any,
    ) -> "ModifiedBetaGeoFitter":
        """Fits the model by maximum likelihood; returns ``self`` (see :meth:`BetaGeoFitter.fit`)."""
        self._warn_ignored(initial_params=initial_params is not None, tol=tol != 1e-7, **_kw(kwargs))
        self._fit_summary(frequency, recency, T, weights, index, verbose)
        return self


class ParetoNBDFitter(_PurchaseFitter):
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), as ``lifetimes.ParetoNBDFitter``.

    Parameters ``r``, ``alpha`` (purchase rate ~ Gamma(r, alpha)), ``s``,
    ``beta`` (drop-out rate ~ Gamma(s, beta)). Unlike lifetimes, the fit is
    deterministic and has standard errors (so ``summary`` works).
    """

    _model = "pareto_nbd"
    _param_names = ("r", "alpha", "s", "beta")

    def fit(
        self,
        frequency: Any,
        recency: Any,
        T: Any,
        weights: Any = None,
        iterative_fitting: int = 1,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-4,
        index: Any = None,
        fit_method: str = "Nelder-Mead",
        maxiter: int = 2000,
        **kwargs: Any,
    ) -> "ParetoNBDFitter":
        """Fits the model by maximum likelihood; returns ``self``.

        As :meth:`BetaGeoFitter.fit`. ``iterative_fitting`` (random restarts
        in lifetimes) must be ≥ 1 as there, but one deterministic fit is
        all there is; ``initial_params``, ``tol``, ``fit_method``, ``maxiter``
        and ``**kwargs`` are accepted and ignored, with a warning when given.
        """
        if not isinstance(iterative_fitting, numbers.Integral) or iterative_fitting <= 0:
            raise _error("invalid_option", "iterative_fitting must be a whole number ≥ 1", field="iterative_fitting")
        if iterative_fitting > 1 and initial_params is not None:
            raise _error(
                "invalid_option",
                "iterative_fitting and initial_params should not be both set",
                field="iterative_fitting",
            )
        self._warn_ignored(
            iterative_fitting=iterative_fitting != 1,
            initial_params=initial_params is not None,
            tol=tol != 1e-4,
            fit_method=fit_method != "Nelder-Mead",
            maxiter=maxiter != 2000,
            **_kw(kwargs),
        )
        self._fit_summary(frequency, recency, T, weights, index, verbose)
        return self


class BetaGeoBetaBinomFitter(BaseFitter):
    """The BG/BB model (Fader, Hardie & Shang 2010) for discrete opportunities, as
    ``lifetimes.BetaGeoBetaBinomFitter``. Parameters ``alpha``, ``beta`` (purchase
    probability ~ Beta), ``gamma``, ``delta`` (drop-out probability ~ Beta)."""

    _model = "bgbb"
    _param_names = ("alpha", "beta", "gamma", "delta")

    def fit(
        self,
        frequency: Any,
        recency: Any,
        n_periods: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        **kwargs: Any,
    ) -> "BetaGeoBetaBinomFitter":
        """Fits the model by maximum likelihood; returns ``self``.

        ``frequency`` (opportunities with a purchase), ``recency`` (the
        opportunity of the last purchase), ``n_periods`` (opportunities), all
        whole numbers; ``weights`` (customers per row). Other arguments as
        :meth:`BetaGeoFitter.fit`.
        """
        self._warn_ignored(initial_params=initial_params is not None, tol=tol != 1e-7, **_kw(kwargs))
        cols = _fit_columns({"frequency": frequency, "recency": recency, "n_periods": n_periods})
        w = self._fit(cols, weights, verbose)
        self.data = pd.DataFrame(
            {
                "frequency": cols["frequency"].numpy().astype(np.int64),
                "recency": cols["recency"].numpy().astype(np.int64),
                "n_periods": cols["n_periods"].numpy().astype(np.int64),
                "weights": _weights_values(w),
            },
            index=index,
        )
        return self

    def conditional_expected_number_of_purchases_up_to_time(
        self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any
    ) -> Any:
        """Expected purchases in the next ``m_periods_in_future`` opportunities (paper eq. 13)."""
        return self._predict(
            "conditional_expected_number_of_purchases_up_to_time",
            [
                ("m_periods_in_future", m_periods_in_future),
                ("frequency", frequency),
                ("recency", recency),
                ("n_periods", n_periods),
            ],
        )

    def conditional_probability_alive(
        self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any
    ) -> Any:
        """Probability of being alive at opportunity ``n_periods + m_periods_in_future``."""
        return self._predict(
            "conditional_probability_alive",
            [
                ("m_periods_in_future", m_periods_in_future),
                ("frequency", frequency),
                ("recency", recency),
                ("n_periods", n_periods),
            ],
        )

    def expected_number_of_transactions_in_first_n_periods(self, n: Any) -> pd.DataFrame:
        """Expected customers with each frequency over the first ``n`` opportunities (paper eq. 7):
        a DataFrame with column ``model``, indexed by the fitted data's frequencies
        (P(X(n) = x) times the number of customers)."""
        params = self._params()
        data = getattr(self, "data", None)
        if data is None:
            raise _error("no_fit", "the model has no fitted data: call .fit(...) first", field="data")
        counts = data.groupby("frequency")["weights"].sum()
        x = np.asarray(counts.index, dtype=np.float64)
        n_col = _column(n, "n")
        if n_col.kind != "scalar":
            raise _error("invalid_option", "n must be one number of opportunities", field="n")
        out = _native.ltv_predict(
            self._model, params, "probability_of_frequency_in_first_n_periods", [n_col.array, pa.array(x)], True
        )
        probability = out.to_numpy(zero_copy_only=False, writable=True)
        index = pd.Index(np.asarray(counts.index), name="frequency")
        return pd.DataFrame({"model": probability * float(counts.sum())}, index=index)


class GammaGammaFitter(BaseFitter):
    """The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV"), as
    ``lifetimes.GammaGammaFitter``. Parameters ``p``, ``q``, ``v``."""

    _model = "gamma_gamma"
    _param_names = ("p", "q", "v")

    def fit(
        self,
        frequency: Any,
        monetary_value: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        q_constraint: bool = False,
        **kwargs: Any,
    ) -> "GammaGammaFitter":
        """Fits the model on the customers with repeat purchases; returns ``self``.

        ``frequency`` (repeat purchases) and ``monetary_value`` (their mean
        value). Rows with ``frequency`` 0 are kept in ``data`` but do not
        enter the likelihood (lifetimes refuses their zero value; filter
        them or not, the fit is the same); a row with repeat purchases and
        a value ≤ 0 is refused (``invalid_summary``). ``q_constraint``,
        ``initial_params``, ``tol`` and ``**kwargs`` are accepted and
        ignored, with a warning when given.
        """
        self._warn_ignored(
            initial_params=initial_params is not None, tol=tol != 1e-7, q_constraint=bool(q_constraint), **_kw(kwargs)
        )
        cols = _fit_columns({"frequency": frequency, "monetary_value": monetary_value})
        w = self._fit(cols, weights, verbose)
        self.data = pd.DataFrame(
            {
                "monetary_value": cols["monetary_value"].numpy(),
                "frequency": cols["frequency"].numpy(),
                "weights": _weights_values(w),
            },
            index=index,
        )
        return self

    def conditional_expected_average_profit(self, frequency: Any = None, monetary_value: Any = None) -> Any:
        """Expected mean value per transaction of customers with ``frequency`` repeat purchases of mean
        ``monetary_value`` (Fader & Hardie's note 025, eq. 5); the fitted data's by default."""
        if frequency is None or monetary_value is None:
            data = getattr(self, "data", None)
            if data is None:
                raise _error("no_fit", "give frequency and monetary_value, or fit the model first", field="data")
            frequency = data["frequency"] if frequency is None else frequency
            monetary_value = data["monetary_value"] if monetary_value is None else monetary_value
        return self._predict(
            "conditional_expected_average_profit", [("frequency", frequency), ("monetary_value", monetary_value)]
        )

    def customer_lifetime_value(
        self,
        transaction_prediction_model: Any,
        frequency: Any,
        recency: Any,
        T: Any,
        monetary_value: Any,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: str = "D",
    ) -> Any:
        """Discounted lifetime value over ``time`` months: each month's purchases predicted by
        ``transaction_prediction_model`` (a fitted :class:`BetaGeoFitter`,
        :class:`ModifiedBetaGeoFitter` or :class:`ParetoNBDFitter`) times this model's expected
        value, discounted by ``(1 + discount_rate) ** month``. ``freq`` is the unit of recency
        and T: ``"D"``, ``"W"``, ``"M"`` or ``"H"``. A Series named ``clv`` for pandas input."""
        if not isinstance(transaction_prediction_model, _PurchaseFitter):
            raise _error(
                "invalid_option",
                "transaction_prediction_model must be a crm_core.ltv BetaGeoFitter, ModifiedBetaGeoFitter "
                f"or ParetoNBDFitter, not {type(transaction_prediction_model).__name__}",
                field="transaction_prediction_model",
            )
        if freq not in _PERIODS_PER_MONTH:
            raise _error("invalid_option", f"freq must be one of D, W, M, H, not {freq!r}", field="freq")
        try:
            months = float(time)
        except (TypeError, ValueError):
            months = -1.0
        if not (months >= 0 and months.is_integer() and months < 2**32):
            raise _error("invalid_option", f"time must be a whole number of months ≥ 0, not {time!r}", field="time")
        model_params = transaction_prediction_model._params()
        cols = [
            _column(frequency, "frequency"),
            _column(recency, "recency"),
            _column(T, "T"),
            _column(monetary_value, "monetary_value"),
        ]
        out = _native.ltv_clv(
            transaction_prediction_model._model,
            model_params,
            self._params(),
            [c.array for c in cols],
            int(months),
            float(discount_rate),
            _PERIODS_PER_MONTH[freq],
        )
        return _result(out, cols, "clv")


def _kw(kwargs: Dict[str, Any]) -> Dict[str, bool]:
    """Extra keyword arguments (scipy options in lifetimes), each flagged as given."""
    return {k: True for k in kwargs}
