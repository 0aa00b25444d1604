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
from lifetimes import BetaGeoFitter

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
out["bgnbd"] = bg

path = os.path.join(ROOT, "tests/reference/lifetimes_0.11.3.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path, bg["params"], bg["log_likelihood"])
