"""Reference numbers from `lifetimes` 0.11.3 for the LTV tests.

Not part of the normal test run: it needs lifetimes and the old numpy/scipy/
pandas it works with, in a virtual environment of its own. Run it from the
repository root:

    python3 -m venv /tmp/ltref
    /tmp/ltref/bin/pip install "numpy<2" "scipy<1.12" "pandas<2.1" autograd dill lifetimes==0.11.3
    /tmp/ltref/bin/python tests/reference/lifetimes_reference.py

It fits lifetimes' models on the CDNOW calibration summary committed under
tests/data/cdnow and writes the fitted parameters, log-likelihoods and
predictions to tests/reference/lifetimes_0.11.3.json, which the Rust tests
read (crm-core/tests/ltv_lifetimes.rs). The JSON is committed; rerun only to
extend it.
"""

import json
import os

import lifetimes
import numpy as np
import pandas as pd
from lifetimes import BetaGeoBetaBinomFitter, BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
summary = pd.read_csv(os.path.join(ROOT, "tests/data/cdnow/cdnow_customers_summary.csv"))

# Customers to predict for: (frequency, recency, T) in weeks, and horizons.
CASES = [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 29.43, 38.86), (10, 34.14, 38.86),
         (14, 38.57, 38.86), (3, 5.0, 30.0), (25, 36.0, 38.86)]
HORIZONS = [1.0, 13.0, 39.0, 78.0]

out = {"lifetimes": lifetimes.__version__, "data": "tests/data/cdnow/cdnow_customers_summary.csv"}

bgf = BetaGeoFitter(penalizer_coef=0.0)
bgf.fit(summary["frequency"], summary["recency"], summary["T"])
p = bgf.params_
bg = {"params": {k: float(p[k]) for k in ("r", "alpha", "a", "b")}, "log_likelihood": None}
# lifetimes fits on rescaled times; its own likelihood function on the data as
# given, at the fitted parameters, summed over customers:
n = len(summary)
bg["log_likelihood"] = -n * float(BetaGeoFitter._negative_log_likelihood(
    np.log([p["r"], p["alpha"], p["a"], p["b"]]), summary["frequency"].values, summary["recency"].values,
    summary["T"].values, np.ones(n), 0.0))
bg["expected_purchases"] = [[t, float(bgf.expected_number_of_purchases_up_to_time(t))] for t in HORIZONS]
bg["probability_alive"] = [[x, tx, T, np.asarray(bgf.conditional_probability_alive(x, tx, T)).item()] for x, tx, T in CASES]
bg["conditional_expected_purchases"] = [
    [t, x, tx, T, float(bgf.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T))]
    for t in HORIZONS for x, tx, T in CASES]
bg["probability_of_purchases"] = [[t, n, float(bgf.probability_of_n_purchases_up_to_time(t, n))]
                                  for t in (13.0, 39.0) for n in range(0, 8)]
bg["standard_errors"] = [float(v) for v in bgf.standard_errors_[["r", "alpha", "a", "b"]]]
out["bgnbd"] = bg

mbg = ModifiedBetaGeoFitter(penalizer_coef=0.0)
mbg.fit(summary["frequency"], summary["recency"], summary["T"])
q = mbg.params_
mb = {"params": {k: float(q[k]) for k in ("r", "alpha", "a", "b")}}
mb["log_likelihood"] = -n * float(ModifiedBetaGeoFitter._negative_log_likelihood(
    np.log([q["r"], q["alpha"], q["a"], q["b"]]), summary["frequency"].values, summary["recency"].values,
    summary["T"].values, np.ones(n), 0.0))
mb["expected_purchases"] = [[t, float(mbg.expected_number_of_purchases_up_to_time(t))] for t in HORIZONS]
mb["probability_alive"] = [[x, tx, T, np.asarray(mbg.conditional_probability_alive(x, tx, T)).item()]
                           for x, tx, T in CASES]
mb["conditional_expected_purchases"] = [
    [t, x, tx, T, float(mbg.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T))]
    for t in HORIZONS for x, tx, T in CASES]
mb["standard_errors"] = [float(v) for v in mbg.standard_errors_[["r", "alpha", "a", "b"]]]
out["mbgnbd"] = mb

pnf = ParetoNBDFitter(penalizer_coef=0.0)
pnf.fit(summary["frequency"], summary["recency"], summary["T"])
pp = pnf.params_
pn = {"params": {k: float(pp[k]) for k in ("r", "alpha", "s", "beta")}}
pn["log_likelihood"] = float(sum(ParetoNBDFitter._conditional_log_likelihood(
    (pp["r"], pp["alpha"], pp["s"], pp["beta"]), summary["frequency"].values, summary["recency"].values,
    summary["T"].values)))
pn["expected_purchases"] = [[t, float(pnf.expected_number_of_purchases_up_to_time(t))] for t in HORIZONS]
pn["probability_alive"] = [[x, tx, T, np.asarray(pnf.conditional_probability_alive(x, tx, T)).item()]
                           for x, tx, T in CASES]
pn["conditional_expected_purchases"] = [
    [t, x, tx, T, np.asarray(pnf.conditional_expected_number_of_purchases_up_to_time(t, x, tx, T)).item()]
    for t in HORIZONS for x, tx, T in CASES]
# (lifetimes computes no standard errors for Pareto/NBD.)
out["pareto_nbd"] = pn

# Gamma-Gamma on the customers with a repeat purchase (x, zbar of the summary with values).
values = pd.read_csv(os.path.join(ROOT, "tests/data/cdnow/cdnow_customers_summary_with_transactions.csv"))
returning = values[values["x"] > 0]
ggf = GammaGammaFitter(penalizer_coef=0.0)
ggf.fit(returning["x"], returning["zbar"])
g = ggf.params_
gg = {"params": {k: float(g[k]) for k in ("p", "q", "v")}}
gg["log_likelihood"] = -len(returning) * float(GammaGammaFitter._negative_log_likelihood(
    np.log([g["p"], g["q"], g["v"]]), returning["x"].values, returning["zbar"].values, np.ones(len(returning)), 0.0))
VALUE_CASES = [(1, 1.71, 38.86, 11.77), (2, 30.43, 38.86, 22.35), (7, 29.43, 38.86, 40.0), (0, 0.0, 38.86, 0.0)]
gg["conditional_expected_average_profit"] = [
    [x, m, float(ggf.conditional_expected_average_profit(pd.Series([x]), pd.Series([m])).iloc[0])]
    for x, _, _, m in VALUE_CASES]
gg["customer_lifetime_value"] = [
    [x, tx, T, m, float(ggf.customer_lifetime_value(bgf, pd.Series([x]), pd.Series([tx]), pd.Series([T]),
                                                    pd.Series([m]), time=12, discount_rate=0.01, freq="W").iloc[0])]
    for x, tx, T, m in VALUE_CASES]
gg["standard_errors"] = [float(v) for v in ggf.standard_errors_[["p", "q", "v"]]]
out["gamma_gamma"] = gg

# BG/BB on the donations data (tests/data/donations: frequency, recency, periods, weights).
don = pd.read_csv(os.path.join(ROOT, "tests/data/donations/donations.csv"))
bbf = BetaGeoBetaBinomFitter(penalizer_coef=0.0)
bbf.fit(don["frequency"], don["recency"], don["periods"], weights=don["weights"])
b = bbf.params_
bb = {"params": {k: float(b[k]) for k in ("alpha", "beta", "gamma", "delta")}}
bb["log_likelihood"] = float(sum(
    w * BetaGeoBetaBinomFitter._loglikelihood((b["alpha"], b["beta"], b["gamma"], b["delta"]), np.array([x]),
                                              np.array([tx]), np.array([n]))[0]
    for x, tx, n, w in don[["frequency", "recency", "periods", "weights"]].values))
BB_CASES = [(0, 0, 6), (1, 1, 6), (3, 4, 6), (6, 6, 6), (2, 6, 6), (5, 5, 6)]
bb["probability_alive"] = [[m, x, tx, n, float(np.asarray(bbf.conditional_probability_alive(m, np.array([x]), np.array([tx]), np.array([n]))).item())]
                           for m in (0, 5) for x, tx, n in BB_CASES]
bb["conditional_expected_purchases"] = [
    [m, x, tx, n, float(np.asarray(bbf.conditional_expected_number_of_purchases_up_to_time(m, np.array([x]), np.array([tx]), np.array([n]))).item())]
    for m in (1, 5, 10) for x, tx, n in BB_CASES]
bb["standard_errors"] = [float(v) for v in bbf.standard_errors_[["alpha", "beta", "gamma", "delta"]]]
out["bgbb"] = bb

# Summaries from the transaction log (customer = sample id, dates as days, value in dollars).
log = pd.read_csv(os.path.join(ROOT, "tests/data/cdnow/CDNOW_sample.txt"), sep=r"\s+", header=None,
                  names=["master", "customer", "date", "cds", "value"], dtype={"date": str})
log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")


def rows(df, columns):
    return [[str(i)] + [float(df.loc[i, c]) for c in columns] for i in sorted(df.index, key=str)]


summaries = {}
# (Monthly summaries are left out: lifetimes divides monthly spans by a numpy-version-dependent
# month length, 31 days here, where we count calendar months; see docs/ltv.md.)
for freq, end in (("W", "1997-09-30"), ("D", "1998-06-30")):
    sd = lifetimes.utils.summary_data_from_transaction_data(log, "customer", "date", monetary_value_col="value",
                                                             observation_period_end=end, freq=freq)
    summaries[freq] = {"end": end, "rows": rows(sd, ["frequency", "recency", "T", "monetary_value"])}
out["summary_data_from_transaction_data"] = summaries
ch = lifetimes.utils.calibration_and_holdout_data(log, "customer", "date", calibration_period_end="1997-09-30",
                                                  observation_period_end="1998-06-30", freq="D",
                                                  monetary_value_col="value")
out["calibration_and_holdout_data"] = {
    "calibration_end": "1997-09-30", "observation_end": "1998-06-30", "freq": "D",
    "rows": rows(ch, ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal", "frequency_holdout",
                      "monetary_value_holdout", "duration_holdout"])}

path = os.path.join(ROOT, "tests/reference/lifetimes_0.11.3.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path, bg["params"], bg["log_likelihood"])
