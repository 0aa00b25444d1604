"""Lifetime value: crm_core.ltv against lifetimes 0.11.3, side by side, one thread.

Both libraries get the same pandas data, from the sample store's orders
(account customers' counted orders; value = total in major units), and run
the same steps with the same arguments:

1. summary_data_from_transaction_data (daily periods, with monetary value):
   lifetimes from the pandas DataFrame it needs, crm_core from the pyarrow
   table the sample store gives (both made before timing); crm_core from the
   pandas frame is timed too, converting its object ids to Arrow included;
2. BetaGeoFitter.fit on the summary;
3. GammaGammaFitter.fit on the customers with a repeat purchase;
4. GammaGammaFitter.customer_lifetime_value: 12 months, 1 % monthly discount, everyone;
5. ParetoNBDFitter.fit on the first --pareto-customers rows of the summary
   (lifetimes needs minutes beyond 100,000).

Correctness is checked before speed is reported: the summaries must be equal
row for row, and each fit's log-likelihood (computed here with numpy/scipy from
the papers' formulas, at each library's parameters) must agree to 1e-6
relative, ours being at least theirs; the CLVs must agree to 1e-4.

lifetimes needs old numpy/scipy/pandas, so this runs in a virtual environment
of its own, with crm_core's wheel installed into it:

    python3 -m venv /tmp/ltref/venv
    /tmp/ltref/venv/bin/pip install "numpy<2" "scipy<1.12" "pandas<2.1" "pyarrow<18" autograd dill lifetimes==0.11.3
    maturin build --release -m crm-py/Cargo.toml -o target/wheels
    /tmp/ltref/venv/bin/pip install --force-reinstall --no-deps target/wheels/crm_core-*.whl
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        /tmp/ltref/venv/bin/python benches/ltv_compare.py --customers 1000000
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import gammaln, hyp2f1

import crm_core
import crm_core.ltv as ours
import lifetimes
from crm_core.datasets import sample_store

COUNTED = ["paid", "fulfilled", "partially_refunded"]


def transactions(customers: int):
    """The same transactions as a pyarrow table (crm_core's natural input, as
    the sample store gives it) and as the pandas DataFrame lifetimes needs."""
    orders = sample_store(customers=customers, seed=42).orders
    keep = pc.and_(pc.is_valid(orders["customer_id"]), pc.is_in(orders["status"], pa.array(COUNTED)))
    t = orders.filter(keep).select(["customer_id", "placed_at", "total"])
    t = t.set_column(2, "total", pc.divide(pc.cast(t["total"], pa.float64()), 100.0))
    df = pd.DataFrame(
        {
            "customer_id": t["customer_id"].cast(pa.string()).to_numpy(zero_copy_only=False),
            "placed_at": t["placed_at"].cast(pa.timestamp("ns")).to_numpy(),
            "total": t["total"].to_numpy(),
        }
    )
    return t, df


def timed(label, f, repeat=1):
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<10} {best:9.3f} s" if len(label) <= 10 else f"  {'':<10} {best:9.3f} s  {label}", flush=True)
    return best, out


def bgnbd_ll(p, x, tx, T):
    r, alpha, a, b = p
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return float(np.sum(a1 + a2 + np.logaddexp(a3, a4)))


def gamma_gamma_ll(p, x, m):
    p_, q, v = p
    return float(
        np.sum(
            gammaln(p_ * x + q) - gammaln(q) + q * np.log(v) - gammaln(p_ * x) + (p_ * x - 1) * np.log(m)
            + p_ * x * np.log(x) - (p_ * x + q) * np.log(x * m + v)
        )
    )


def pareto_ll(p, x, tx, T):
    r, alpha, s, beta = p
    hi, lo = max(alpha, beta), min(alpha, beta)
    tau = s + 1 if alpha >= beta else r + x
    rsx = r + s + x
    with np.errstate(divide="ignore", invalid="ignore"):
        l1 = np.log(hyp2f1(rsx, tau, rsx + 1, (hi - lo) / (hi + tx))) - rsx * np.log(hi + tx)
        l2 = np.log(hyp2f1(rsx, tau, rsx + 1, (hi - lo) / (hi + T))) - rsx * np.log(hi + T)
        log_a0 = np.where(tx < T, l1 + np.log(-np.expm1(l2 - l1)), -np.inf)
    stayed = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    left = np.log(s) - np.log(rsx) + log_a0
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return float(np.sum(base + np.logaddexp(stayed, left)))


def compare_ll(name, ll_ours, ll_theirs):
    rel = (ll_theirs - ll_ours) / abs(ll_theirs)
    print(f"  log-likelihood ours {ll_ours:.6f} lifetimes {ll_theirs:.6f} (theirs − ours)/|theirs| = {rel:.2e}")
    assert rel <= 1e-6, f"{name}: our log-likelihood is worse than lifetimes' by more than 1e-6"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--pareto-customers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of crm_core per step (best kept); lifetimes runs once")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print(f"crm_core {crm_core.__version__}, lifetimes {lifetimes.__version__}, numpy {np.__version__}, pandas {pd.__version__}")
    table, df = transactions(args.customers)
    print(f"{len(df):,} transactions of {df['customer_id'].nunique():,} customers")
    ratios = {}

    print("summary_data_from_transaction_data (freq D, monetary value)")
    args_summary = ("customer_id", "placed_at", "total")
    t_l, s_l = timed("lifetimes", lambda: lifetimes.utils.summary_data_from_transaction_data(df, *args_summary, freq="D"))
    t_o, s_o = timed("crm_core", lambda: ours.summary_data_from_transaction_data(table, *args_summary, freq="D"), args.repeat)
    t_p, _ = timed("crm_core from the pandas frame (object ids: includes the conversion to Arrow)",
                   lambda: ours.summary_data_from_transaction_data(df, *args_summary, freq="D"), 1)
    s_l, s_o = s_l.sort_index(), s_o.sort_index()
    assert list(s_l.index) == list(s_o.index), "the summaries hold different customers"
    for c in ["frequency", "recency", "T", "monetary_value"]:
        np.testing.assert_allclose(s_o[c].to_numpy(), s_l[c].to_numpy(), rtol=1e-9, err_msg=c)
    ratios["summary"] = t_l / t_o
    x, tx, T, m = (s_l[c].to_numpy() for c in ["frequency", "recency", "T", "monetary_value"])

    print(f"BetaGeoFitter.fit ({len(x):,} customers)")
    t_l, bg_l = timed("lifetimes", lambda: lifetimes.BetaGeoFitter().fit(x, tx, T))
    t_o, bg_o = timed("crm_core", lambda: ours.BetaGeoFitter().fit(x, tx, T), args.repeat)
    p_l = [bg_l.params_[k] for k in ["r", "alpha", "a", "b"]]
    p_o = [bg_o.params_[k] for k in ["r", "alpha", "a", "b"]]
    compare_ll("BG/NBD", bgnbd_ll(p_o, x, tx, T), bgnbd_ll(p_l, x, tx, T))
    ratios["BG/NBD fit"] = t_l / t_o

    repeat = x > 0
    print(f"GammaGammaFitter.fit ({int(repeat.sum()):,} customers with a repeat purchase)")
    t_l, gg_l = timed("lifetimes", lambda: lifetimes.GammaGammaFitter().fit(x[repeat], m[repeat]))
    t_o, gg_o = timed("crm_core", lambda: ours.GammaGammaFitter().fit(x[repeat], m[repeat]), args.repeat)
    q_l = [gg_l.params_[k] for k in ["p", "q", "v"]]
    q_o = [gg_o.params_[k] for k in ["p", "q", "v"]]
    compare_ll("Gamma-Gamma", gamma_gamma_ll(q_o, x[repeat], m[repeat]), gamma_gamma_ll(q_l, x[repeat], m[repeat]))
    ratios["Gamma-Gamma fit"] = t_l / t_o

    print(f"customer_lifetime_value (12 months, 1 %/month, {len(x):,} customers)")
    clv = dict(time=12, discount_rate=0.01, freq="D")
    cols = [s_l[c] for c in ["frequency", "recency", "T", "monetary_value"]]  # lifetimes needs Series here
    t_l, c_l = timed("lifetimes", lambda: gg_l.customer_lifetime_value(bg_l, *cols, **clv))
    t_o, c_o = timed("crm_core", lambda: gg_o.customer_lifetime_value(bg_o, *cols, **clv), args.repeat)
    worst = float(np.max(np.abs(np.asarray(c_o) - np.asarray(c_l)) / np.maximum(np.abs(np.asarray(c_l)), 1e-9)))
    print(f"  largest relative difference of the CLVs (each library with its own fits): {worst:.2e}")
    assert worst < 1e-4
    ratios["12-month CLV"] = t_l / t_o

    n = args.pareto_customers
    print(f"ParetoNBDFitter.fit ({n:,} customers)")
    t_l, pn_l = timed("lifetimes", lambda: lifetimes.ParetoNBDFitter().fit(x[:n], tx[:n], T[:n]))
    t_o, pn_o = timed("crm_core", lambda: ours.ParetoNBDFitter().fit(x[:n], tx[:n], T[:n]), args.repeat)
    r_l = [pn_l.params_[k] for k in ["r", "alpha", "s", "beta"]]
    r_o = [pn_o.params_[k] for k in ["r", "alpha", "s", "beta"]]
    compare_ll("Pareto/NBD", pareto_ll(r_o, x[:n], tx[:n], T[:n]), pareto_ll(r_l, x[:n], tx[:n], T[:n]))
    ratios["Pareto/NBD fit"] = t_l / t_o

    print("\nlifetimes time / crm_core time:")
    for k, v in ratios.items():
        print(f"  {k:<16} {v:7.1f}x")


if __name__ == "__main__":
    main()
