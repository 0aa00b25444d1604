"""crm_core.ltv: the lifetimes-style fitters against lifetimes 0.11.3.

Expected numbers come from tests/reference/lifetimes_0.11.3.json (written by
tests/reference/lifetimes_reference.py with lifetimes itself) or are worked
out by hand here from the papers' formulas, never from our own output.
Predictions are compared at lifetimes' fitted parameters (assigned to
``params_``), fits parameter by parameter, as crm-core/tests/ltv_lifetimes.rs does.
"""

from __future__ import annotations

import json
import math
import os
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import crm_core
from crm_core import LtvError
from crm_core.ltv import (
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)

try:
    import polars as pl
except ImportError:  # pragma: no cover
    pl = None

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
with open(os.path.join(ROOT, "tests", "reference", "lifetimes_0.11.3.json"), encoding="utf-8") as f:
    REF = json.load(f)
CDNOW = pd.read_csv(os.path.join(ROOT, "tests", "data", "cdnow", "cdnow_customers_summary.csv"), index_col="ID")
VALUES = pd.read_csv(os.path.join(ROOT, "tests", "data", "cdnow", "cdnow_customers_summary_with_transactions.csv"))
RETURNING = VALUES[VALUES["x"] > 0]
DONATIONS = pd.read_csv(os.path.join(ROOT, "tests", "data", "donations", "donations.csv"))

REL = 1e-4
# Standard errors are second derivatives at the optimum: lifetimes takes them
# exactly (autograd) at its optimum, we by central differences at ours; they
# agree within 2e-5 on these data.
REL_SE = REL


def close(got, want, rel=REL, what=""):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    scale = np.where(want == 0, 1.0, np.abs(want))
    worst = float(np.max(np.abs(got - want) / scale)) if got.size else 0.0
    assert worst <= rel, f"{what}: ours {got}, lifetimes {want} (relative difference {worst:e})"


def rows(section, key):
    return np.array(REF[section][key], dtype=float)


def with_params(cls, section):
    model = cls()
    model.params_ = pd.Series(REF[section]["params"])
    return model


# ---------------------------------------------------------------- fits


@pytest.fixture(scope="module")
def bgf():
    return BetaGeoFitter(penalizer_coef=0.0).fit(CDNOW["frequency"], CDNOW["recency"], CDNOW["T"])


@pytest.fixture(scope="module")
def ggf():
    return GammaGammaFitter(penalizer_coef=0.0).fit(RETURNING["x"], RETURNING["zbar"])


@pytest.fixture(scope="module")
def bbf():
    return BetaGeoBetaBinomFitter().fit(
        DONATIONS["frequency"], DONATIONS["recency"], DONATIONS["periods"], weights=DONATIONS["weights"]
    )


def test_bgnbd_fit_matches_lifetimes(bgf):
    ref = REF["bgnbd"]
    assert list(bgf.params_.index) == ["r", "alpha", "a", "b"]
    close(bgf.params_[["r", "alpha", "a", "b"]], [ref["params"][k] for k in ("r", "alpha", "a", "b")], what="params")
    close(bgf.standard_errors_.values, ref["standard_errors"], REL_SE, "standard errors")
    # The reference is lifetimes' likelihood summed over the data as given (not its scaled mean).
    close(bgf.log_likelihood_, ref["log_likelihood"], what="log-likelihood")
    assert bgf.penalizer_coef == 0.0


def test_mbgnbd_fit_matches_lifetimes():
    ref = REF["mbgnbd"]
    m = ModifiedBetaGeoFitter().fit(CDNOW["frequency"], CDNOW["recency"], CDNOW["T"])
    close(m.params_[["r", "alpha", "a", "b"]], [ref["params"][k] for k in ("r", "alpha", "a", "b")], what="params")
    close(m.standard_errors_.values, ref["standard_errors"], REL_SE, "standard errors")
    close(m.log_likelihood_, ref["log_likelihood"], what="log-likelihood")


def test_pareto_nbd_fit_matches_lifetimes():
    ref = REF["pareto_nbd"]
    p = ParetoNBDFitter().fit(CDNOW["frequency"], CDNOW["recency"], CDNOW["T"])
    assert list(p.params_.index) == ["r", "alpha", "s", "beta"]
    # lifetimes starts Pareto/NBD from random points; where the likelihood is
    # this flat its parameters move by about 2e-4 between runs: 1e-3, and at
    # least its likelihood (as the Rust test).
    close(p.params_[["r", "alpha", "s", "beta"]], [ref["params"][k] for k in ("r", "alpha", "s", "beta")], 1e-3)
    assert p.log_likelihood_ >= ref["log_likelihood"] - 1e-6
    # lifetimes has no standard errors for Pareto/NBD; ours are positive.
    assert (p.standard_errors_ > 0).all()


def test_gamma_gamma_fit_matches_lifetimes(ggf):
    ref = REF["gamma_gamma"]
    assert list(ggf.params_.index) == ["p", "q", "v"]
    close(ggf.params_[["p", "q", "v"]], [ref["params"][k] for k in ("p", "q", "v")], what="params")
    close(ggf.standard_errors_.values, ref["standard_errors"], REL_SE, "standard errors")
    close(ggf.log_likelihood_, ref["log_likelihood"], what="log-likelihood")


def test_gamma_gamma_skips_customers_without_repeat_purchases(ggf):
    everyone = GammaGammaFitter().fit(VALUES["x"], VALUES["zbar"])
    close(everyone.params_.values, ggf.params_.values, 1e-12, "params with and without one-time buyers")
    assert len(everyone.data) == len(VALUES)


def test_bgbb_fit_matches_lifetimes(bbf):
    ref = REF["bgbb"]
    names = ["alpha", "beta", "gamma", "delta"]
    assert list(bbf.params_.index) == names
    close(bbf.params_[names], [ref["params"][k] for k in names], what="params")
    close(bbf.standard_errors_.values, ref["standard_errors"], REL_SE, "standard errors")
    close(bbf.log_likelihood_, ref["log_likelihood"], what="log-likelihood")
    assert list(bbf.data.columns) == ["frequency", "recency", "n_periods", "weights"]
    assert bbf.data["weights"].sum() == DONATIONS["weights"].sum()


def test_summary_table(bgf):
    s = bgf.summary
    assert list(s.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    assert list(s.index) == ["r", "alpha", "a", "b"]
    close(s["coef"], bgf.params_, 0.0)
    close(s["lower 95% bound"], bgf.params_ - 1.96 * bgf.standard_errors_, 1e-15)
    close(s["upper 95% bound"], bgf.params_ + 1.96 * bgf.standard_errors_, 1e-15)
    # lifetimes' 95% bounds from its own standard errors, worked by hand.
    ref = REF["bgnbd"]
    lower = [ref["params"][k] - 1.96 * se for k, se in zip(("r", "alpha", "a", "b"), ref["standard_errors"])]
    close(s["lower 95% bound"], lower, 1e-3)
    by_hand = with_params(BetaGeoFitter, "bgnbd").summary  # assigned parameters: no standard errors
    assert by_hand["coef"]["r"] == ref["params"]["r"] and by_hand["se(coef)"].isna().all()


def test_data_and_index(bgf):
    assert list(bgf.data.columns) == ["frequency", "recency", "T", "weights"]
    assert bgf.data["frequency"].dtype == np.int64
    assert (bgf.data["weights"] == 1).all()
    assert isinstance(bgf.data.index, pd.RangeIndex)  # lifetimes drops the Series' index unless given `index`
    m = BetaGeoFitter().fit(CDNOW["frequency"], CDNOW["recency"], CDNOW["T"], index=CDNOW.index)
    assert (m.data.index == CDNOW.index).all()
    assert repr(m).startswith("<crm_core.ltv.BetaGeoFitter: fitted with 2357 subjects, a: 0.79")


# ---------------------------------------------------------------- predictions at lifetimes' parameters


@pytest.mark.parametrize("section,cls", [("bgnbd", BetaGeoFitter), ("mbgnbd", ModifiedBetaGeoFitter),
                                         ("pareto_nbd", ParetoNBDFitter)])
def test_purchase_model_predictions(section, cls):
    m = with_params(cls, section)
    e = rows(section, "expected_purchases")
    close(m.expected_number_of_purchases_up_to_time(e[:, 0]), e[:, 1], what="E[X(t)]")
    a = rows(section, "probability_alive")
    close(m.conditional_probability_alive(a[:, 0], a[:, 1], a[:, 2]), a[:, 3], what="P(alive)")
    c = rows(section, "conditional_expected_purchases")
    got = m.conditional_expected_number_of_purchases_up_to_time(c[:, 0], c[:, 1], c[:, 2], c[:, 3])
    close(got, c[:, 4], what="E[Y(t) | x, tx, T]")
    close(m.predict(c[:, 0], c[:, 1], c[:, 2], c[:, 3]), c[:, 4], what="predict")
    for t, x, tx, T, want in c:  # one customer at a time, as scalars
        got = m.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T)
        assert isinstance(got, float)
        close(got, want)


def test_bgnbd_probability_of_n_purchases():
    m = with_params(BetaGeoFitter, "bgnbd")
    p = rows("bgnbd", "probability_of_purchases")
    close(m.probability_of_n_purchases_up_to_time(p[:, 0], p[:, 1]), p[:, 2], what="P(X(t) = n)")
    for t, n, want in p:
        close(m.probability_of_n_purchases_up_to_time(t, int(n)), want)


def test_mbgnbd_probability_of_n_purchases_by_hand():
    m = with_params(ModifiedBetaGeoFitter, "mbgnbd")
    r, alpha, a, b = (REF["mbgnbd"]["params"][k] for k in ("r", "alpha", "a", "b"))

    def lbeta(p, q):
        return math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q)

    t = 39.0
    # n = 0: alive throughout without buying, or gone right after the first purchase (Batislam et al.).
    by_hand = math.exp(lbeta(a, b + 1) - lbeta(a, b)) * (alpha / (alpha + t)) ** r + a / (a + b)
    close(m.probability_of_n_purchases_up_to_time(t, 0), by_hand)
    total = m.probability_of_n_purchases_up_to_time(t, np.arange(400))
    close(total.sum(), 1.0, 1e-9, "Σ P(X(t) = n)")


def test_gamma_gamma_predictions():
    g = with_params(GammaGammaFitter, "gamma_gamma")
    p = rows("gamma_gamma", "conditional_expected_average_profit")
    close(g.conditional_expected_average_profit(p[:, 0], p[:, 1]), p[:, 2], what="E[M | x, m]")
    bg = with_params(BetaGeoFitter, "bgnbd")
    c = rows("gamma_gamma", "customer_lifetime_value")
    frame = pd.DataFrame(c[:, :4], columns=["frequency", "recency", "T", "monetary_value"], index=list("abcd"))
    clv = g.customer_lifetime_value(bg, frame["frequency"], frame["recency"], frame["T"], frame["monetary_value"],
                                    time=12, discount_rate=0.01, freq="W")
    assert isinstance(clv, pd.Series) and clv.name == "clv" and list(clv.index) == list("abcd")
    close(clv, c[:, 4], what="CLV")


def test_gamma_gamma_defaults_to_the_fitted_data(ggf):
    # Hand formula (note 025, eq. 5): weighted mean of the customer's and the population's mean.
    p, q, v = ggf.params_[["p", "q", "v"]]
    x, m = RETURNING["x"].to_numpy(float), RETURNING["zbar"].to_numpy(float)
    w = p * x / (p * x + q - 1)
    by_hand = (1 - w) * v * p / (q - 1) + w * m
    got = ggf.conditional_expected_average_profit()
    assert isinstance(got, pd.Series) and len(got) == len(RETURNING)
    close(got, by_hand, 1e-12)


def test_bgbb_predictions():
    m = with_params(BetaGeoBetaBinomFitter, "bgbb")
    a = rows("bgbb", "probability_alive")
    close(m.conditional_probability_alive(a[:, 0], a[:, 1], a[:, 2], a[:, 3]), a[:, 4], what="P(alive)")
    c = rows("bgbb", "conditional_expected_purchases")
    got = m.conditional_expected_number_of_purchases_up_to_time(c[:, 0], c[:, 1], c[:, 2], c[:, 3])
    close(got, c[:, 4], what="E[X(n, n+m)]")
    for row in c:
        close(m.conditional_expected_number_of_purchases_up_to_time(int(row[0]), *row[1:4]), row[4])


def test_bgbb_expected_transactions_in_first_n_periods_by_hand(bbf):
    alpha, beta, gamma, delta = bbf.params_[["alpha", "beta", "gamma", "delta"]]

    def lbeta(p, q):
        return math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q)

    def prob(n, x):  # Fader, Hardie & Shang (2010), eq. 7
        p = math.comb(n, x) * math.exp(lbeta(alpha + x, beta + n - x) - lbeta(alpha, beta)
                                       + lbeta(gamma, delta + n) - lbeta(gamma, delta))
        for i in range(x, n):
            p += math.comb(i, x) * math.exp(lbeta(alpha + x, beta + i - x) - lbeta(alpha, beta)
                                            + lbeta(gamma + 1, delta + i) - lbeta(gamma, delta))
        return p

    total = DONATIONS["weights"].sum()
    got = bbf.expected_number_of_transactions_in_first_n_periods(6)
    assert list(got.columns) == ["model"] and got.index.name == "frequency"
    assert list(got.index) == [0, 1, 2, 3, 4, 5, 6]
    close(got["model"], [prob(6, x) * total for x in range(7)], 1e-12)
    close(got["model"].sum(), total, 1e-12, "every donor has some frequency")


def test_probability_alive_matrix():
    m = with_params(BetaGeoFitter, "bgnbd")
    z = m.conditional_probability_alive_matrix(max_frequency=5, max_recency=10)
    assert z.shape == (11, 6)  # [recency, frequency], as lifetimes
    assert (z[:, 0] == 1.0).all()  # BG/NBD: no repeat purchase, no chance to drop out
    for tx in (0, 4, 10):
        for x in (1, 5):
            close(z[tx, x], m.conditional_probability_alive(x, tx, 10))


# ---------------------------------------------------------------- input and return types


def _inputs(kind, frame):
    cols = [frame[c] for c in frame.columns]
    if kind == "pandas":
        return cols
    if kind == "numpy":
        return [c.to_numpy() for c in cols]
    if kind == "list":
        return [c.tolist() for c in cols]
    if kind == "pyarrow":
        return [pa.array(c.to_numpy()) for c in cols]
    if kind == "chunked":
        return [pa.chunked_array([c.to_numpy()[:1000], c.to_numpy()[1000:]]) for c in cols]
    if kind == "polars":
        return [pl.Series(c.name, c.to_numpy()) for c in cols]
    raise AssertionError(kind)


KINDS = ["pandas", "numpy", "list", "pyarrow", "chunked"] + (["polars"] if pl is not None else [])


@pytest.mark.parametrize("kind", KINDS)
def test_input_types_give_the_same_numbers(kind, bgf):
    frame = CDNOW[["frequency", "recency", "T"]]
    x, tx, T = _inputs(kind, frame)
    fitted = BetaGeoFitter().fit(x, tx, T)
    close(fitted.params_.values, bgf.params_.values, 0.0, "params")
    want = bgf.conditional_expected_number_of_purchases_up_to_time(39, frame["frequency"], frame["recency"], frame["T"])
    got = bgf.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T)
    close(got, want.to_numpy(), 0.0, "predictions")
    if kind == "pandas":
        assert isinstance(got, pd.Series) and (got.index == CDNOW.index).all()
    else:
        assert isinstance(got, np.ndarray) and got.dtype == np.float64 and got.shape == (len(frame),)


def test_integer_and_float32_columns(bgf):
    x = CDNOW["frequency"].astype("int32")
    tx, T = CDNOW["recency"].astype("float32"), CDNOW["T"].astype("float32")
    got = bgf.conditional_probability_alive(x, tx, T)
    want = bgf.conditional_probability_alive(CDNOW["frequency"], tx.astype(float), T.astype(float))
    close(got, want, 0.0)


def test_return_types(bgf, ggf):
    assert isinstance(bgf.conditional_probability_alive(2, 30.43, 38.86), float)
    assert isinstance(bgf.expected_number_of_purchases_up_to_time(39), float)
    assert isinstance(bgf.expected_number_of_purchases_up_to_time(np.float64(39)), float)
    arr = bgf.expected_number_of_purchases_up_to_time(np.array([13.0, 39.0]))
    assert isinstance(arr, np.ndarray) and arr.shape == (2,)
    arr[0] = 0.0  # writable, as numpy results are
    s = bgf.conditional_probability_alive(CDNOW["frequency"], CDNOW["recency"], 38.86)  # scalar broadcast
    assert isinstance(s, pd.Series) and len(s) == len(CDNOW)
    assert isinstance(ggf.conditional_expected_average_profit(2, 22.35), float)
    assert isinstance(ggf.customer_lifetime_value(bgf, 2, 30.43, 38.86, 22.35, freq="W"), float)


def test_clv_with_every_purchase_model(ggf):
    c = rows("gamma_gamma", "customer_lifetime_value")
    for cls, section in ((BetaGeoFitter, "bgnbd"), (ModifiedBetaGeoFitter, "mbgnbd"), (ParetoNBDFitter, "pareto_nbd")):
        model = with_params(cls, section)
        clv = ggf.customer_lifetime_value(model, c[:, 0], c[:, 1], c[:, 2], c[:, 3], time=12, freq="W")
        # By hand: Σ over months of the model's purchases in the month × expected value, discounted.
        value = ggf.conditional_expected_average_profit(c[:, 0], c[:, 3])
        by_hand = np.zeros(len(c))
        for k in range(1, 13):
            upto = model.predict(k * 4.345, c[:, 0], c[:, 1], c[:, 2])
            before = model.predict((k - 1) * 4.345, c[:, 0], c[:, 1], c[:, 2])
            by_hand += value * (upto - before) / 1.01 ** k
        close(clv, by_hand, 1e-12, section)


def test_weights_stand_for_repeated_rows():
    # Each row twice, or once with weight 2: the same fit (lifetimes' `weights`).
    twice = pd.concat([CDNOW, CDNOW])
    a = BetaGeoFitter().fit(twice["frequency"], twice["recency"], twice["T"])
    b = BetaGeoFitter().fit(CDNOW["frequency"], CDNOW["recency"], CDNOW["T"], weights=np.full(len(CDNOW), 2))
    close(b.params_.values, a.params_.values, 1e-6)
    close(b.log_likelihood_, a.log_likelihood_, 1e-9)


def test_import_paths_and_pickle(bgf):
    assert crm_core.ltv.BetaGeoFitter is BetaGeoFitter
    again = pickle.loads(pickle.dumps(bgf))
    close(again.params_.values, bgf.params_.values, 0.0)


def test_ignored_arguments_warn():
    small = CDNOW.iloc[:300]
    with pytest.warns(UserWarning, match="initial_params"):
        BetaGeoFitter().fit(small["frequency"], small["recency"], small["T"], initial_params=[0.1] * 4)
    with pytest.warns(UserWarning, match="maxiter"):
        ParetoNBDFitter().fit(small["frequency"], small["recency"], small["T"], maxiter=10)


# ---------------------------------------------------------------- errors


def _err(fn, *args, **kwargs) -> LtvError:
    with pytest.raises(LtvError) as info:
        fn(*args, **kwargs)
    return info.value


def test_bad_rows_name_the_column_and_row():
    x, tx, T = [0.0, 2.0, 1.0], [0.0, 10.0, -1.0], [20.0, 20.0, 20.0]
    e = _err(BetaGeoFitter().fit, x, tx, T)
    assert (e.code, e.field, e.value) == ("invalid_summary", "recency", "2")
    e = _err(BetaGeoFitter().fit, [0.0, 2.0], [0.0, 30.0], [20.0, 20.0])
    assert (e.code, e.field, e.value) == ("invalid_summary", "recency", "1")  # recency > T
    e = _err(BetaGeoFitter().fit, [0.0, 1.5], [0.0, 3.0], [20.0, 20.0])
    assert (e.field, e.value) == ("frequency", "1")
    e = _err(BetaGeoFitter().fit, [0.0, 1.0], [0.0, 3.0], [20.0, float("nan")])
    assert (e.field, e.value) == ("T", "1")
    e = _err(BetaGeoFitter().fit, pa.array([0.0, None]), [0.0, 0.0], [20.0, 20.0])
    assert (e.code, e.field, e.value) == ("invalid_summary", "frequency", "1")
    assert isinstance(e, ValueError) and isinstance(e, crm_core.CrmError)


def test_bad_prediction_rows():
    m = with_params(BetaGeoFitter, "bgnbd")
    e = _err(m.conditional_probability_alive, [1, 2], [5.0, 40.0], 38.86)
    assert (e.code, e.field, e.value) == ("invalid_summary", "recency", "1")
    e = _err(m.conditional_expected_number_of_purchases_up_to_time, -1, 1, 5.0, 38.86)
    assert (e.field, e.value) == ("t", "0")
    e = _err(m.conditional_probability_alive, [1, 2, 3], [1.0, 2.0], 38.86)
    assert (e.code, e.field) == ("invalid_option", "recency")
    e = _err(m.conditional_probability_alive, ["a"], [1.0], 38.86)
    assert (e.code, e.field) == ("invalid_summary", "frequency")


def test_empty_data():
    e = _err(BetaGeoFitter().fit, [], [], [])
    assert e.code == "no_fit"
    e = _err(GammaGammaFitter().fit, [0, 0], [0.0, 0.0])
    assert e.code == "no_fit"


def test_gamma_gamma_refuses_repeat_buyers_without_value():
    e = _err(GammaGammaFitter().fit, [1, 2, 3], [10.0, 0.0, 5.0])
    assert (e.code, e.field, e.value) == ("invalid_summary", "monetary_value", "1")
    e = _err(GammaGammaFitter().fit, [1, 2], [10.0, -5.0])
    assert (e.field, e.value) == ("monetary_value", "1")


def test_unfitted_models_say_so():
    for cls in (BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter):
        e = _err(cls().conditional_probability_alive, 1, 2.0, 3.0)
        assert (e.code, e.field) == ("no_fit", "params_")
        assert "fit" in str(e)
    e = _err(BetaGeoBetaBinomFitter().conditional_probability_alive, 0, 1, 1, 6)
    assert e.code == "no_fit"
    e = _err(GammaGammaFitter().conditional_expected_average_profit, 1, 10.0)
    assert e.code == "no_fit"
    e = _err(lambda: BetaGeoFitter().summary)
    assert e.code == "no_fit"
    assert repr(BetaGeoFitter()) == "<crm_core.ltv.BetaGeoFitter>"


def test_bad_options(ggf):
    bg = with_params(BetaGeoFitter, "bgnbd")
    assert _err(ggf.customer_lifetime_value, bg, 1, 2.0, 3.0, 10.0, freq="Y").field == "freq"
    assert _err(ggf.customer_lifetime_value, bg, 1, 2.0, 3.0, 10.0, time=1.5).field == "time"
    assert _err(ggf.customer_lifetime_value, object(), 1, 2.0, 3.0, 10.0).field == "transaction_prediction_model"
    e = _err(BetaGeoFitter(penalizer_coef=-1).fit, [1.0], [1.0], [2.0])
    assert e.code == "invalid_option"
    assert _err(ParetoNBDFitter().fit, [1.0], [1.0], [2.0], iterative_fitting=0).field == "iterative_fitting"
    m = BetaGeoFitter()
    m.params_ = pd.Series({"r": 0.2, "alpha": -1.0, "a": 0.8, "b": 2.4})
    assert (_err(m.expected_number_of_purchases_up_to_time, 1.0).field) == "params_"
