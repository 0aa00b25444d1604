"""Writes the lifetime-value golden vectors (ltv_*.json, error_ltv_*.json).

Nothing here calls crm-core. The summaries are worked out by hand (the
working is in README.md, "ltv_summary_*"); every model number is computed
here from the papers' closed forms with mpmath at 50 digits and, where
lifetimes 0.11.3 gives the same number (tests/reference/lifetimes_0.11.3.json,
CDNOW and donations), checked against it. Fitted parameters, log-likelihoods
and standard errors are lifetimes' own.

Results are rounded to a few significant digits (the request's
"significant_digits"). For each vector the generator picks the most digits
(from a short list) at which no expected value lies near a rounding boundary:
at least 1e-3 of the last digit's unit away, and farther than the known
disagreement between implementations (1e-9 relative for predictions from
given parameters; for fits 2e-5 relative on parameters, 1.5e-4 on standard
errors, 1e-6 on log-likelihoods: docs/ltv.md), so that any correct
implementation rounds to the same digits.

Needs mpmath (not in CI; run by hand):
    python3 -m venv /tmp/ltvenv && /tmp/ltvenv/bin/pip install mpmath
    cd tests/vectors && /tmp/ltvenv/bin/python make_ltv_vectors.py
"""
import csv
import json
import os
from collections import Counter
from decimal import ROUND_HALF_EVEN, Decimal

import mpmath as mp

mp.mp.dps = 50
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REF = json.load(open(os.path.join(ROOT, "tests/reference/lifetimes_0.11.3.json")))


def write(name, desc, function, request, expected):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump({"description": desc, "function": function, "request": request, "expected": expected},
                  f, indent=1, ensure_ascii=False)
        f.write("\n")


def ok(result):
    return {"ok": True, "result": result}


def req_error(code, message):
    return {"ok": False, "error": {"domain": "request", "code": code, "message": message,
                                   "details": [{"code": code, "message": message}]}}


def ltv_error(code, message, **fields):
    d = {"code": code, "message": message}
    d.update(fields)
    return {"ok": False, "error": {"domain": "ltv", "code": code, "message": message, "details": [d]}}


# ---------------------------------------------------------------- rounding

class Approx:
    """An expected float: its high-precision value and how far another
    correct implementation may be from it (absolute)."""

    def __init__(self, value, tol_abs):
        self.value = mp.mpf(value)
        self.tol = mp.mpf(tol_abs)


def rel(value, tol_rel):
    return Approx(value, abs(mp.mpf(value)) * tol_rel)


def round_sig(x, digits):
    """x (mpf) to `digits` significant digits, half to even, as a Python float."""
    d = Decimal(mp.nstr(x, 40, strip_zeros=False, min_fixed=-mp.inf, max_fixed=mp.inf))
    if d == 0:
        return 0.0
    q = Decimal(1).scaleb(d.adjusted() - digits + 1)
    return float(d.quantize(q, rounding=ROUND_HALF_EVEN))


def safe(a, digits):
    """True when a's value sits well inside one rounding cell at `digits`."""
    x = a.value
    if x == 0:
        return True
    e = int(mp.floor(mp.log10(abs(x))))
    step = mp.mpf(10) ** (e - digits + 1)
    # distance to the nearest boundary (k + 1/2)·step
    frac = abs(x) / step - mp.floor(abs(x) / step)
    dist = abs(frac - mp.mpf("0.5")) * step
    # the boundary at a power of ten (0.99995 → 1.000) is covered: step changes there, the
    # half-way point is still k + 1/2 of the lower decade.
    return dist > max(mp.mpf("1e-3") * step, 3 * a.tol)


def approxes(v):
    if isinstance(v, Approx):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from approxes(x)
    elif isinstance(v, list):
        for x in v:
            yield from approxes(x)


def resolve(v, digits):
    if isinstance(v, Approx):
        return round_sig(v.value, digits)
    if isinstance(v, dict):
        return {k: resolve(x, digits) for k, x in v.items()}
    if isinstance(v, list):
        return [resolve(x, digits) for x in v]
    return v


def rounded(name, desc, function, request, result, choices=(6, 5, 4)):
    """Writes the vector at the most digits among `choices` where every value is safe."""
    for d in choices:
        if all(safe(a, d) for a in approxes(result)):
            req = dict(request)
            req["significant_digits"] = d
            write(name, desc + f" Floats rounded to {d} significant digits.", function, req, ok(resolve(result, d)))
            return d
    raise SystemExit(f"{name}: no digit count in {choices} keeps every value clear of a rounding boundary")


def agree(ours, theirs, tol=1e-8, what=""):
    ours, theirs = mp.mpf(ours), mp.mpf(theirs)
    assert abs(ours - theirs) <= tol * max(abs(theirs), mp.mpf("1e-300")), f"{what}: {ours} vs lifetimes {theirs}"


# ---------------------------------------------------------------- the models (papers' closed forms)

B = mp.beta
G = mp.gamma
F = mp.hyp2f1


def bg_expected(p, t):  # Fader, Hardie & Lee 2005, eq. 9
    r, al, a, b = p
    return (a + b - 1) / (a - 1) * (1 - (al / (al + t)) ** r * F(r, b, a + b - 1, t / (al + t)))


def bg_alive(p, x, tx, T):  # FHL 2008 note
    r, al, a, b = p
    if x == 0:
        return mp.mpf(1)
    return 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x))


def bg_conditional(p, t, x, tx, T):  # eq. 10
    r, al, a, b = p
    num = (a + b + x - 1) / (a - 1) * (
        1 - ((al + T) / (al + T + t)) ** (r + x) * F(r + x, b + x, a + b + x - 1, t / (al + T + t)))
    return num * bg_alive(p, x, tx, T)


def bg_pn(p, t, n):  # eq. 8
    r, al, a, b = p
    first = B(a, b + n) / B(a, b) * G(r + n) / (G(r) * mp.factorial(n)) * (al / (al + t)) ** r * (t / (al + t)) ** n
    if n == 0:
        return first
    s = sum(G(r + j) / (G(r) * mp.factorial(j)) * (t / (al + t)) ** j for j in range(n))
    return first + B(a + 1, b + n - 1) / B(a, b) * (1 - (al / (al + t)) ** r * s)


def mbg_expected(p, t):  # Batislam, Denizel & Filiztekin 2007
    r, al, a, b = p
    return b / (a - 1) * (1 - (al / (al + t)) ** r * F(r, b + 1, a + b, t / (al + t)))


def mbg_alive(p, x, tx, T):
    r, al, a, b = p
    return 1 / (1 + a / (b + x) * ((al + T) / (al + tx)) ** (r + x))


def mbg_conditional(p, t, x, tx, T):
    r, al, a, b = p
    num = (a + b + x) / (a - 1) * (
        1 - ((al + T) / (al + T + t)) ** (r + x) * F(r + x, b + x + 1, a + b + x, t / (al + T + t)))
    return num * mbg_alive(p, x, tx, T)


def pn_a0(p, x, tx, T):  # Fader & Hardie 2005 note, eqs. 19-20
    r, al, s, be = p
    rsx = r + s + x
    if al >= be:
        f = lambda y: F(rsx, s + 1, rsx + 1, (al - be) / (al + y)) / (al + y) ** rsx
    else:
        f = lambda y: F(rsx, r + x, rsx + 1, (be - al) / (be + y)) / (be + y) ** rsx
    return f(tx) - f(T)


def pn_alive(p, x, tx, T):  # eq. 18 of the note
    r, al, s, be = p
    return 1 / (1 + s / (r + s + x) * (al + T) ** (r + x) * (be + T) ** s * pn_a0(p, x, tx, T))


def pn_expected(p, t):  # eq. 21
    r, al, s, be = p
    return r * be / (al * (s - 1)) * (1 - (be / (be + t)) ** (s - 1))


def pn_conditional(p, t, x, tx, T):  # eq. 22
    r, al, s, be = p
    return (r + x) * (be + T) / ((al + T) * (s - 1)) * (1 - ((be + T) / (be + T + t)) ** (s - 1)) * pn_alive(p, x, tx, T)


def bb_likelihood(p, x, tx, n):  # Fader, Hardie & Shang 2010, eq. 5
    al, be, ga, de = p
    L = B(al + x, be + n - x) / B(al, be) * B(ga, de + n) / B(ga, de)
    for i in range(int(n - tx)):
        L += B(al + x, be + tx - x + i) / B(al, be) * B(ga + 1, de + tx + i) / B(ga, de)
    return L


def bb_alive(p, m, x, tx, n):  # eq. 11, alive at n + m
    al, be, ga, de = p
    return B(al + x, be + n - x) / B(al, be) * B(ga, de + n + m) / B(ga, de) / bb_likelihood(p, x, tx, n)


def bb_conditional(p, m, x, tx, n):  # eq. 13
    al, be, ga, de = p
    return (1 / bb_likelihood(p, x, tx, n) * B(al + x + 1, be + n - x) / B(al, be) * de / (ga - 1)
            * G(ga + de) / G(1 + de) * (G(1 + de + n) / G(ga + de + n) - G(1 + de + n + m) / G(ga + de + n + m)))


def gg_profit(p, x, m):  # Fader, Hardie & Lee 2005 (RFM and CLV), eq. 5
    pp, q, v = p
    return (pp * v + pp * x * m) / (pp * x + q - 1)


def clv(cond, gg, x, tx, T, m, months=12, discount=mp.mpf("0.01"), per_month=mp.mpf("4.345")):
    value, total, before = gg_profit(gg, x, m), mp.mpf(0), mp.mpf(0)
    for k in range(1, months + 1):
        upto = cond(k * per_month, x, tx, T)
        total += value * (upto - before) / (1 + discount) ** k
        before = upto
    return total


def mpf_params(d, names):
    return [mp.mpf(d[k]) for k in names]


CASES = [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 29.43, 38.86), (10, 34.14, 38.86),
         (14, 38.57, 38.86), (3, 5.0, 30.0), (25, 36.0, 38.86)]
TIMES = [1.0, 13.0, 39.0, 78.0]


def customers_of(cases):
    return [{"customer_id": f"c{i}", "frequency": x, "recency": tx, "T": T} for i, (x, tx, T) in enumerate(cases)]


def ref_lookup(table, *key):
    for row in table:
        if all(abs(a - b) < 1e-12 for a, b in zip(row[:-1], key)):
            return row[-1]
    return None


# ---------------------------------------------------------------- predictions

def four_model_predict(model, names, expected, alive, conditional, counts=False):
    ref = REF[model]
    pd = ref["params"]
    p = mpf_params(pd, names)
    horizon = 39.0
    rows = []
    for i, (x, tx, T) in enumerate(CASES):
        pa, ce = alive(p, x, tx, T), conditional(p, mp.mpf(horizon), x, tx, T)
        agree(pa, ref_lookup(ref["probability_alive"], x, tx, T), what=f"{model} P(alive) {x, tx, T}")
        agree(ce, ref_lookup(ref["conditional_expected_purchases"], horizon, x, tx, T),
              what=f"{model} conditional {x, tx, T}")
        rows.append({"customer_id": f"c{i}", "probability_alive": rel(pa, 1e-9), "expected_purchases": rel(ce, 1e-9)})
    population = []
    for t in TIMES:
        e = expected(p, mp.mpf(t))
        agree(e, ref_lookup(ref["expected_purchases"], t), what=f"{model} E[X({t})]")
        entry = {"t": rel(t, 0), "expected_purchases": rel(e, 1e-9)}
        if counts:
            probs = []
            for n in range(8):
                pn = bg_pn(p, mp.mpf(t), n)
                theirs = ref_lookup(ref.get("probability_of_purchases", []), t, n)
                if theirs is not None:
                    agree(pn, theirs, what=f"P(X({t}) = {n})")
                probs.append(rel(pn, 1e-9))
            entry["probability_of_purchases"] = probs
        population.append(entry)
    request = {"model": model, "params": pd, "customers": customers_of(CASES), "horizon": horizon, "times": TIMES}
    if counts:
        request["purchase_counts"] = list(range(8))
    result = {"model": model, "customers": rows, "expected_purchases": population}
    return request, result


req, res = four_model_predict("bgnbd", ("r", "alpha", "a", "b"), bg_expected, bg_alive, bg_conditional, counts=True)
rounded("ltv_predict_bgnbd.json", "BG/NBD predictions at lifetimes' CDNOW parameters: P(alive), purchases in the next "
        "39 weeks, the population's expected purchases and P(N = n) (FHL 2005 eqs. 8-10, mpmath; agree with lifetimes).",
        "ltv_predict", req, res)
req, res = four_model_predict("mbgnbd", ("r", "alpha", "a", "b"), mbg_expected, mbg_alive, mbg_conditional)
rounded("ltv_predict_mbgnbd.json", "MBG/NBD predictions at lifetimes' CDNOW parameters (Batislam et al. 2007, "
        "mpmath; agree with lifetimes).", "ltv_predict", req, res)
req, res = four_model_predict("pareto_nbd", ("r", "alpha", "s", "beta"), pn_expected, pn_alive, pn_conditional)
rounded("ltv_predict_pareto_nbd.json", "Pareto/NBD predictions at lifetimes' CDNOW parameters (Fader & Hardie's 2005 "
        "note, eqs. 18-22, mpmath; agree with lifetimes), including a last purchase near T.", "ltv_predict", req, res)

# BG/BB on the donations parameters.
bb_ref = REF["bgbb"]
bbp = mpf_params(bb_ref["params"], ("alpha", "beta", "gamma", "delta"))
BB_CASES = [(0, 0, 6), (1, 1, 6), (3, 4, 6), (6, 6, 6), (2, 6, 6), (5, 5, 6)]
bb_rows = []
for i, (x, tx, n) in enumerate(BB_CASES):
    a0, a5, e5 = bb_alive(bbp, 0, x, tx, n), bb_alive(bbp, 5, x, tx, n), bb_conditional(bbp, 5, x, tx, n)
    agree(a0, ref_lookup(bb_ref["probability_alive"], 0, x, tx, n), what=f"bgbb alive {x, tx, n}")
    agree(a5, ref_lookup(bb_ref["probability_alive"], 5, x, tx, n), what=f"bgbb alive+5 {x, tx, n}")
    agree(e5, ref_lookup(bb_ref["conditional_expected_purchases"], 5, x, tx, n), what=f"bgbb E {x, tx, n}")
    bb_rows.append({"customer_id": f"d{i}", "probability_alive": rel(a0, 1e-9), "expected_purchases": rel(e5, 1e-9),
                    "probability_alive_after_horizon": rel(a5, 1e-9)})
rounded("ltv_predict_bgbb.json", "BG/BB at lifetimes' donations parameters: P(alive) now and after 5 more "
        "opportunities, expected gifts in them (FHS 2010 eqs. 5, 11, 13, mpmath; agree with lifetimes; P(alive) of "
        "x = 6 of 6 is 1 - 1e-14).", "ltv_predict",
        {"model": "bgbb", "params": bb_ref["params"], "horizon": 5,
         "customers": [{"customer_id": f"d{i}", "frequency": x, "recency": tx, "n_periods": n}
                       for i, (x, tx, n) in enumerate(BB_CASES)]},
        {"model": "bgbb", "customers": bb_rows})

gg_ref = REF["gamma_gamma"]
ggp = mpf_params(gg_ref["params"], ("p", "q", "v"))
VALUE_CASES = [(1, 1.71, 38.86, 11.77), (2, 30.43, 38.86, 22.35), (7, 29.43, 38.86, 40.0), (0, 0.0, 38.86, 0.0)]
gg_rows = []
for i, (x, _, _, m) in enumerate(VALUE_CASES):
    v = gg_profit(ggp, x, mp.mpf(m))
    agree(v, ref_lookup(gg_ref["conditional_expected_average_profit"], x, m), what=f"gg {x, m}")
    gg_rows.append({"customer_id": f"c{i}", "expected_average_profit": rel(v, 1e-9)})
rounded("ltv_predict_gamma_gamma.json", "Gamma-Gamma expected spend per purchase at lifetimes' CDNOW parameters: "
        "(p v + p x m) / (p x + q - 1); for x = 0 the population mean p v / (q - 1).", "ltv_predict",
        {"model": "gamma_gamma", "params": gg_ref["params"],
         "customers": [{"customer_id": f"c{i}", "frequency": x, "monetary_value": m}
                       for i, (x, _, _, m) in enumerate(VALUE_CASES)]},
        {"model": "gamma_gamma", "customers": gg_rows})

# ---------------------------------------------------------------- CLV in money

bgp = mpf_params(REF["bgnbd"]["params"], ("r", "alpha", "a", "b"))
clv_rows = []
gg_cents = dict(gg_ref["params"])
gg_cents["v"] = gg_ref["params"]["v"] * 100  # v is in the unit of the spend: cents
for i, (x, tx, T, m) in enumerate(VALUE_CASES):
    cents = round(m * 100)
    value = clv(lambda t, x, tx, T: bg_conditional(bgp, t, x, tx, T), [ggp[0], ggp[1], mp.mpf(gg_cents["v"])],
                x, tx, T, mp.mpf(cents))
    agree(value / 100, ref_lookup(gg_ref["customer_lifetime_value"], x, tx, T, m), tol=1e-7, what=f"clv {x, tx, T, m}")
    frac = value - mp.floor(value)
    assert abs(frac - mp.mpf("0.5")) > mp.mpf("0.01"), f"clv {value} is too close to a half cent"
    clv_rows.append({"customer_id": f"c{i}", "clv": {"amount": int(mp.nint(value)), "currency": "USD"}})
write("ltv_clv_bgnbd.json", "12-month CLV at 1% a month (the defaults), weekly periods, BG/NBD and Gamma-Gamma at "
      "lifetimes' CDNOW parameters with spend in cents (v and monetary values x 100): 100 x lifetimes' CLV, rounded "
      "to the cent (mpmath sum of monthly increments, agrees with lifetimes).", "ltv_clv",
      {"model": "bgnbd", "params": REF["bgnbd"]["params"], "gamma_gamma": gg_cents, "currency": "USD",
       "period": "week",
       "customers": [{"customer_id": f"c{i}", "frequency": x, "recency": tx, "T": T, "monetary_value": round(m * 100)}
                     for i, (x, tx, T, m) in enumerate(VALUE_CASES)]},
      ok({"model": "bgnbd", "currency": "USD", "months": 12, "monthly_discount": 0.01, "period": "week",
          "customers": clv_rows}))

# ---------------------------------------------------------------- fits (lifetimes' estimates)

TOL_PARAM, TOL_SE, TOL_LL = 2e-5, 1.5e-4, 1e-6


def fit_result(model, names, ref):
    params = {k: rel(ref["params"][k], TOL_PARAM) for k in names}
    se = {k: rel(s, TOL_SE) for k, s in zip(names, ref["standard_errors"])}
    intervals = {}
    for k, s in zip(names, ref["standard_errors"]):
        p = mp.mpf(ref["params"][k])
        tol = TOL_PARAM * abs(p) + 1.96 * TOL_SE * s
        intervals[k] = [Approx(p - mp.mpf("1.96") * s, tol), Approx(p + mp.mpf("1.96") * s, tol)]
    return {"model": model, "params": params, "log_likelihood": rel(ref["log_likelihood"], TOL_LL),
            "standard_errors": se, "intervals_95": intervals}


with open(os.path.join(ROOT, "tests/data/cdnow/cdnow_customers_summary.csv")) as f:
    cdnow = [(int(r["frequency"]), float(r["recency"]), float(r["T"])) for r in csv.DictReader(f)]
counts = Counter(cdnow)
cd_rows = [{"frequency": x, "recency": tx, "T": T, "weight": w} for (x, tx, T), w in sorted(counts.items())]
# lifetimes' log-likelihood is its own function at its parameters; check it with ours (FHL 2005 eq. 6).


def bg_ll(p, x, tx, T):
    r, al, a, b = p
    a1 = G(r + x) * al ** r / G(r)
    a2 = B(a, b + x) / B(a, b)
    a3 = (al + T) ** -(r + x)
    a4 = a / (b + x - 1) * (al + tx) ** -(r + x) if x > 0 else 0
    return mp.log(a1 * a2 * (a3 + a4))


agree(sum(w * bg_ll(bgp, x, tx, T) for (x, tx, T), w in counts.items()), REF["bgnbd"]["log_likelihood"], tol=1e-10,
      what="BG/NBD log-likelihood")
rounded("ltv_fit_bgnbd_cdnow.json", "BG/NBD fitted on the CDNOW calibration summary (2357 customers, identical rows "
        "given once with a weight): lifetimes' estimates, log-likelihood (checked here with FHL 2005 eq. 6) and "
        "standard errors; intervals are estimate +- 1.96 SE.", "ltv_fit",
        {"model": "bgnbd", "customers": cd_rows}, fit_result("bgnbd", ("r", "alpha", "a", "b"), REF["bgnbd"]),
        choices=(4, 3, 2))

with open(os.path.join(ROOT, "tests/data/donations/donations.csv")) as f:
    don = [(int(r["frequency"]), int(r["recency"]), int(r["periods"]), int(r["weights"])) for r in csv.DictReader(f)]
agree(sum(w * mp.log(bb_likelihood(bbp, x, tx, n)) for x, tx, n, w in don), bb_ref["log_likelihood"], tol=1e-10,
      what="BG/BB log-likelihood")
rounded("ltv_fit_bgbb_donations.json", "BG/BB fitted on the donations data (11,104 donors in 22 weighted rows): "
        "lifetimes' estimates, log-likelihood (checked here with FHS 2010 eq. 5) and standard errors.", "ltv_fit",
        {"model": "bgbb", "customers": [{"frequency": x, "recency": tx, "n_periods": n, "weight": w}
                                         for x, tx, n, w in don]},
        fit_result("bgbb", ("alpha", "beta", "gamma", "delta"), bb_ref), choices=(4, 3, 2))

with open(os.path.join(ROOT, "tests/data/cdnow/cdnow_customers_summary_with_transactions.csv")) as f:
    spend = Counter((int(r["x"]), float(r["zbar"])) for r in csv.DictReader(f) if int(r["x"]) > 0)


def gg_ll(p, x, m):
    pp, q, v = p
    return (mp.loggamma(pp * x + q) - mp.loggamma(pp * x) - mp.loggamma(q) + q * mp.log(v) + (pp * x - 1) * mp.log(m)
            + pp * x * mp.log(x) - (pp * x + q) * mp.log(x * m + v))


agree(sum(w * gg_ll(ggp, x, mp.mpf(m)) for (x, m), w in spend.items()), gg_ref["log_likelihood"], tol=1e-10,
      what="Gamma-Gamma log-likelihood")
rounded("ltv_fit_gamma_gamma_cdnow.json", "Gamma-Gamma fitted on the CDNOW customers with a repeat purchase (946, "
        "identical rows weighted): lifetimes' estimates, log-likelihood (checked here) and standard errors.",
        "ltv_fit", {"model": "gamma_gamma", "customers": [{"frequency": x, "monetary_value": m, "weight": w}
                                                          for (x, m), w in sorted(spend.items())]},
        fit_result("gamma_gamma", ("p", "q", "v"), gg_ref), choices=(4, 3, 2))

# ---------------------------------------------------------------- summaries (README.md, "ltv_summary_*")


def tx(c, at, value=None):
    t = {"customer_id": c, "at": at}
    if value is not None:
        t["value"] = value
    return t


write("ltv_summary_day.json", "Daily repeat-purchase summary (hand-worked in README.md): two purchases on one day "
      "count once, a purchase after the end's day is ignored, days are UTC days, the order of the list does not matter.",
      "ltv_summary",
      {"period": "day", "observation_end": "2024-03-10T12:00:00Z", "transactions": [
          tx("ann", "2024-03-08T23:59:59Z", 30), tx("ann", "2024-03-01T18:00:00Z", 5), tx("bob", "2024-03-10T23:00:00Z", 12.5),
          tx("ann", "2024-03-01T09:00:00Z", 10), tx("cem", "2024-03-05T00:00:00+03:00", 8), tx("ann", "2024-03-11T01:00:00Z", 99),
          tx("ann", "2024-03-04T08:00:00Z", 20), tx("cem", "2024-03-02T01:30:00+03:00", 7), tx("dan", "2024-03-09T00:00:00Z")]},
      ok({"period": "day", "observation_end": "2024-03-10T12:00:00Z", "customers": [
          {"customer_id": "ann", "frequency": 2, "recency": 7, "T": 9, "monetary_value": 25.0},
          {"customer_id": "bob", "frequency": 0, "recency": 0, "T": 0, "monetary_value": 0.0},
          {"customer_id": "cem", "frequency": 1, "recency": 3, "T": 9, "monetary_value": 8.0},
          {"customer_id": "dan", "frequency": 0, "recency": 0, "T": 1, "monetary_value": 0.0}]}))

write("ltv_summary_week.json", "Weekly summary: weeks start on Monday 00:00 UTC (hand-worked in README.md).",
      "ltv_summary",
      {"period": "week", "observation_end": "2024-03-31T00:00:00Z", "transactions": [
          tx("ann", "2024-03-03T12:00:00Z", 10), tx("ann", "2024-03-04T00:00:00Z", 20), tx("ann", "2024-03-10T23:00:00Z", 5),
          tx("ann", "2024-03-20T10:00:00Z", 40), tx("bob", "2024-03-25T00:00:00Z", 3)]},
      ok({"period": "week", "observation_end": "2024-03-31T00:00:00Z", "customers": [
          {"customer_id": "ann", "frequency": 2, "recency": 3, "T": 4, "monetary_value": 32.5},
          {"customer_id": "bob", "frequency": 0, "recency": 0, "T": 0, "monetary_value": 0.0}]}))

write("ltv_summary_month.json", "Monthly summary: calendar months in UTC; a purchase later in the end's month still "
      "counts (hand-worked in README.md).", "ltv_summary",
      {"period": "month", "observation_end": "2024-06-15T00:00:00Z", "transactions": [
          tx("ann", "2024-01-31T23:00:00Z", 10), tx("ann", "2024-02-01T00:00:00Z", 20), tx("ann", "2024-02-29T12:00:00Z", 10),
          tx("ann", "2024-05-10T08:00:00Z", 60), tx("bob", "2023-12-15T00:00:00Z", 15), tx("bob", "2024-06-14T00:00:00Z", 25),
          tx("cem", "2024-06-01T02:00:00+03:00", 5), tx("cem", "2024-06-20T00:00:00Z", 9)]},
      ok({"period": "month", "observation_end": "2024-06-15T00:00:00Z", "customers": [
          {"customer_id": "ann", "frequency": 2, "recency": 4, "T": 5, "monetary_value": 45.0},
          {"customer_id": "bob", "frequency": 1, "recency": 6, "T": 6, "monetary_value": 25.0},
          {"customer_id": "cem", "frequency": 1, "recency": 1, "T": 1, "monetary_value": 9.0}]}))

write("ltv_summary_holdout.json", "Calibration up to 03-05 00:00 and holdout to 03-15 (hand-worked in README.md): "
      "holdout purchase days per calibration customer, their mean value per purchase, 10 days of holdout.",
      "ltv_summary",
      {"period": "day", "observation_end": "2024-03-15T00:00:00Z", "calibration_end": "2024-03-05T00:00:00Z",
       "transactions": [
           tx("ann", "2024-03-01T10:00:00Z", 10), tx("ann", "2024-03-03T10:00:00Z", 20), tx("ann", "2024-03-07T09:00:00Z", 5),
           tx("ann", "2024-03-07T19:00:00Z", 15), tx("ann", "2024-03-12T10:00:00Z", 30), tx("ann", "2024-03-20T10:00:00Z", 50),
           tx("bob", "2024-03-04T10:00:00Z", 8), tx("cem", "2024-03-10T10:00:00Z", 40),
           tx("dan", "2024-03-05T00:00:00Z", 6), tx("dan", "2024-03-05T10:00:00Z", 12)]},
      ok({"period": "day", "observation_end": "2024-03-15T00:00:00Z", "calibration_end": "2024-03-05T00:00:00Z",
          "customers": [
              {"customer_id": "ann", "frequency": 1, "recency": 2, "T": 4, "monetary_value": 20.0,
               "frequency_holdout": 2, "monetary_value_holdout": 50 / 3, "duration_holdout": 10},
              {"customer_id": "bob", "frequency": 0, "recency": 0, "T": 1, "monetary_value": 0.0,
               "frequency_holdout": 0, "monetary_value_holdout": 0.0, "duration_holdout": 10},
              {"customer_id": "dan", "frequency": 0, "recency": 0, "T": 0, "monetary_value": 0.0,
               "frequency_holdout": 1, "monetary_value_holdout": 12.0, "duration_holdout": 10}]}))

# ---------------------------------------------------------------- the simple formula (README.md, "ltv_simple_*")

write("ltv_simple_given.json", "The simple formula from given numbers: 450.00 TRY x 2.5 a year = 1125.00 a year, "
      "x 3 years = 3375.00; a 200.00 CAC at 25% margin is repaid in 200 / (1125 x 0.25 / 12) = 8.5333 months.",
      "ltv_simple",
      {"average_order_value": {"amount": 45000, "currency": "TRY"}, "purchases_per_year": 2.5, "lifespan_years": 3,
       "cac": {"amount": 20000, "currency": "TRY"}, "margin": 0.25, "significant_digits": 5},
      ok({"average_order_value": {"amount": 45000, "currency": "TRY"}, "purchases_per_year": 2.5,
          "lifespan_years": 3.0, "customer_value_per_year": {"amount": 112500, "currency": "TRY"},
          "value": {"amount": 337500, "currency": "TRY"}, "payback_months": 8.5333}))


def order(id, cust, at, amount):
    return {"id": id, "customer_id": cust, "placed_at": at, "currency": "EUR", "status": "paid", "subtotal": amount,
            "total": amount}


write("ltv_simple_store.json", "The simple formula estimated from a store as of 2024-01-01 (hand-worked in README.md): "
      "AOV 6000 / 3 orders, 3 orders over 2 x 730 days, churn 1 of 2 old buyers -> 2 years.", "ltv_simple",
      {"store": {"orders": [order("o1", "a", "2022-01-01T00:00:00Z", 1000), order("o2", "a", "2023-06-01T00:00:00Z", 3000),
                            order("o3", "b", "2022-01-01T00:00:00Z", 2000)]},
       "as_of": "2024-01-01T00:00:00Z", "currency": "EUR", "significant_digits": 6},
      ok({"as_of": "2024-01-01T00:00:00Z", "estimated_lifespan_years": 2.0,
          "average_order_value": {"amount": 2000, "currency": "EUR"}, "purchases_per_year": 0.750498,
          "lifespan_years": 2.0, "customer_value_per_year": {"amount": 1501, "currency": "EUR"},
          "value": {"amount": 3002, "currency": "EUR"}}))

# ---------------------------------------------------------------- errors

write("error_ltv_negative_recency.json", "A negative recency is a bad summary row (ltv domain, naming row and column).",
      "ltv_fit", {"model": "bgnbd", "customers": [{"frequency": 1, "recency": -1, "T": 5}]},
      ltv_error("invalid_summary", "customer 0, `recency`: must be a finite number ≥ 0", index=0, field="recency"))
write("error_ltv_recency_above_t.json", "Recency after the end of observation is a bad summary row.", "ltv_predict",
      {"model": "bgnbd", "params": {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}, "horizon": 10,
       "customers": [{"frequency": 1, "recency": 3, "T": 5}, {"frequency": 2, "recency": 40, "T": 38.86}]},
      ltv_error("invalid_summary", "customer 1, `recency`: greater than T", index=1, field="recency"))
write("error_ltv_empty_data.json", "No customers: nothing to fit.", "ltv_fit", {"model": "bgnbd", "customers": []},
      ltv_error("no_fit", "the model could not be fitted: no customers"))
write("error_ltv_unknown_model.json", "A misspelt model name.", "ltv_fit",
      {"model": "bg_nbd", "customers": [{"frequency": 1, "recency": 3, "T": 5}]},
      req_error("invalid_field", "request field `model`: unknown model `bg_nbd` (expected bgnbd, mbgnbd, pareto_nbd, "
                "bgbb or gamma_gamma)"))
write("error_ltv_bad_period.json", "Periods are hour, day, week or month.", "ltv_summary",
      {"period": "fortnight", "observation_end": "2024-03-10T00:00:00Z",
       "transactions": [{"customer_id": "a", "at": "2024-03-01T00:00:00Z"}]},
      req_error("invalid_field", "request field `period`: unknown period `fortnight` (expected hour, day, week or month)"))
write("error_ltv_missing_column.json", "A row without T: the error names its path.", "ltv_fit",
      {"model": "bgnbd", "customers": [{"frequency": 1, "recency": 3, "T": 5}, {"frequency": 0, "recency": 0}]},
      req_error("missing_field", "request field `customers[1].T` is required"))
write("error_ltv_bad_parameter_type.json", "A parameter given as a string: the error names its path.", "ltv_predict",
      {"model": "pareto_nbd", "params": {"r": "0.55", "alpha": 10.6, "s": 0.61, "beta": 11.7}, "times": [1]},
      req_error("invalid_field", "request field `params.r`: expected a number, got \"0.55\""))
write("error_ltv_zero_monetary.json", "Gamma-Gamma refuses repeat purchases worth nothing (its likelihood needs a "
      "positive mean spend): leave such rows out.", "ltv_fit",
      {"model": "gamma_gamma", "customers": [{"frequency": 2, "monetary_value": 20.5}, {"frequency": 3, "monetary_value": 0}]},
      ltv_error("invalid_summary", "customer 1, `monetary_value`: must be > 0 when frequency > 0 (repeat purchases of "
                "no value: leave the row out)", index=1, field="monetary_value"))
print("wrote the ltv vectors")
