"""crm_core.Segment and the segment maps from Python.

Expected values come from independent sources: the hand-worked corpus of the
golden vectors (tests/vectors/segment_corpus.json, README.md), and the same
rule written as a pandas expression over the same facts table.
"""

from __future__ import annotations

import json
import os

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import crm_core
from crm_core import Segment, SegmentError
from crm_core.datasets import sample_store

VECTORS = os.path.join(os.path.dirname(__file__), "..", "vectors")


def corpus():
    with open(os.path.join(VECTORS, "segment_corpus.json"), encoding="utf-8") as f:
        v = json.load(f)
    req = v["request"]
    expected = {s["name"]: s for s in v["expected"]["result"]["segments"]}
    return req["store"], req["as_of"], [(r["rule"], expected[r["name"]]) for r in req["rules"]]


STORE, AS_OF, RULES = corpus()


@pytest.mark.parametrize("rule,expected", RULES, ids=[e["name"] for _, e in RULES])
def test_corpus_rule_over_the_store(rule, expected):
    seg = Segment(rule)
    assert seg.text == expected["rule"]
    assert seg.filter(STORE, as_of=AS_OF) == expected["members"]


def test_the_corpus_has_at_least_40_rules():
    assert len(RULES) >= 40


def test_text_tree_round_trip_and_equality():
    seg = Segment("not (a >= 1 and b = \"x\") or c in ('p', 'q')")
    assert seg.text == "NOT (a >= 1 AND b = 'x') OR c IN ('p', 'q')"
    tree = seg.to_json()
    assert tree["or"][1] == {"in": {"field": "c"}, "values": [{"string": "p"}, {"string": "q"}]}
    assert Segment(tree) == seg
    assert Segment(seg.text) == seg
    assert repr(seg) == "Segment(\"NOT (a >= 1 AND b = 'x') OR c IN ('p', 'q')\")"
    assert seg.fields == ["a", "b", "c"]


@pytest.fixture(scope="module")
def facts():
    s = sample_store(3000, seed=11)
    eur = s.orders.filter(pa.compute.equal(s.orders.column("currency"), "EUR"))
    lines = s.order_lines.filter(pa.compute.is_in(s.order_lines.column("order_id"), value_set=eur.column("order_id").combine_chunks()))
    return crm_core.customer_facts(eur, as_of="2024-09-01T00:00:00Z", order_lines=lines)


RULE = (
    "order_count >= 2 AND net_spend > 150.50 EUR AND (discounted_order_share < 0.5 OR top_category IN ('Books', 'Home'))"
    " AND last_order_at >= -120d AND NOT days_since_last_order BETWEEN 10 AND 20"
)


def pandas_reference(df: pd.DataFrame) -> pd.Series:
    """RULE written directly in pandas (missing values compare false)."""
    as_of = pd.Timestamp("2024-09-01T00:00:00Z")
    days = df["days_since_last_order"]
    between = (days >= 10) & (days <= 20)
    return (
        (df["order_count"] >= 2)
        & (df["net_spend"] > 15050)
        & (df["currency"] == "EUR")
        & ((df["discounted_order_share"] < 0.5) | df["top_category"].isin(["Books", "Home"]))
        & (df["last_order_at"] >= as_of - pd.Timedelta(days=120))
        & ~between.fillna(False).astype(bool)
    ).fillna(False).astype(bool)


def test_filter_and_mask_equal_a_pandas_reference(facts):
    df = facts.drop_columns(["spend_by_category"]).to_pandas()
    expected = df.loc[pandas_reference(df), "customer_id"].tolist()
    assert len(expected) > 20
    seg = Segment(RULE)
    # as_of comes from the table's metadata (crm_core.as_of).
    assert seg.filter(facts) == expected
    mask = seg.mask(facts)
    assert isinstance(mask, pa.BooleanArray) and len(mask) == facts.num_rows
    assert mask.to_pylist() == pandas_reference(df).tolist()
    # pandas and polars inputs give the same members.
    assert seg.filter(df, as_of="2024-09-01T00:00:00Z") == expected
    assert seg.filter(pl.from_arrow(facts.drop_columns(["spend_by_category"])), as_of="2024-09-01T00:00:00Z") == expected


def test_category_share_reads_the_spend_map(facts):
    rows = facts.to_pylist()
    expected = []
    for r in rows:
        total = sum(v for _, v in r["spend_by_category"])
        books = sum(v for k, v in r["spend_by_category"] if k == "Books")
        if total > 0 and books / total > 0.5:
            expected.append(r["customer_id"])
    assert expected
    assert Segment("category_share('Books') > 0.5").filter(facts) == expected


def test_explain_lists_every_clause(facts):
    seg = Segment("order_count >= 2 AND net_spend > 1 EUR")
    cid = facts.column("customer_id")[0].as_py()
    n = facts.column("order_count")[0].as_py()
    out = seg.explain(facts, cid)
    assert out["customer_id"] == cid
    assert out["parts"][0] == {"clause": "order_count >= 2", "result": n >= 2, "values": {"order_count": n}}
    assert out["result"] == (out["parts"][0]["result"] and out["parts"][1]["result"])


def test_errors_carry_line_column_and_suggestion(facts):
    with pytest.raises(SegmentError) as e:
        Segment("order_count >= 2 AND\n  net_spend >")
    assert e.value.code == "syntax"
    assert str(e.value) == "2:14: expected a field, function or value, found end of rule"
    assert (e.value.details[0]["line"], e.value.details[0]["column"]) == (2, 14)
    with pytest.raises(SegmentError) as e:
        Segment("net_spnd > 1 EUR").filter(facts)
    assert e.value.code == "unknown_field"
    assert e.value.details[0]["suggestion"] == "net_spend"
    assert e.value.value == "net_spnd"
    with pytest.raises(SegmentError) as e:
        Segment("net_spend > 2024-01-01").filter(facts)
    assert e.value.code == "type_mismatch"
    with pytest.raises(SegmentError) as e:
        Segment("net_spend > 5 TRY").filter(facts)
    assert e.value.code == "currency_mismatch"
    with pytest.raises(SegmentError) as e:
        Segment("last_order_at >= -30d").filter(facts.replace_schema_metadata({}))
    assert e.value.code == "unavailable"
    assert isinstance(e.value, ValueError)


def test_builtin_segments():
    assert Segment.builtin("discount_hunter").text == "discounted_order_share >= 0.8 AND order_count >= 2"
    assert Segment.builtin("repeat_buyer", min_orders=3).text == "order_count >= 3"
    assert Segment.builtin("gender", gender="male").text == "gender = 'male'"
    with pytest.raises(SegmentError) as e:
        Segment.builtin("discount_hunter", shares=0.5)
    assert e.value.code == "invalid_option"
    assert Segment.builtin("cart_abandoner", days=30).filter(STORE, as_of=AS_OF) == ["dua", "eda"]


def test_rfm_segment_column_follows_the_first_matching_rule():
    s = sample_store(2000, seed=3)
    eur = s.orders.filter(pa.compute.equal(s.orders.column("currency"), "EUR"))
    table = crm_core.rfm(eur, as_of="2024-09-01T00:00:00Z")
    assert table.column_names[-1] == "segment"
    for row in table.to_pylist():
        r, f, m, rec, freq = row["r"], row["f"], row["m"], row["recency"], row["frequency"]
        if r is None:
            want = "Prospects"
        elif rec >= 90:
            want = "Lost"
        elif f >= 4 and m >= 4 and r >= 3:
            want = "VIP"
        elif f >= 3 and r >= 3:
            want = "Loyal"
        elif freq == 1 and r >= 4:
            want = "New"
        elif r >= 4 and f >= 2:
            want = "Potential Loyal"
        elif r <= 2:
            want = "At Risk"
        else:
            want = "Others"
        assert row["segment"] == want, row
    custom = crm_core.rfm(eur, as_of="2024-09-01T00:00:00Z", segments=[
        {"name": "Top", "rule": "r = 5 AND f = 5"}, {"name": "Rest", "rule": "TRUE"}])
    top = [x for x in custom.to_pylist() if x["segment"] == "Top"]
    assert top and all(x["r"] == 5 and x["f"] == 5 for x in top)


def test_assign_segments_with_references_and_cycles():
    t = pa.table({"customer_id": ["a", "b", "c"], "order_count": [5, 1, 0]})
    segs = [{"name": "Big", "rule": "order_count >= 5"},
            {"name": "Some", "rule": "order_count >= 1 AND NOT in_segment('Big')"},
            {"name": "Rest", "rule": "TRUE"}]
    assert crm_core.assign_segments(t, segs, rfm=False).to_pylist() == ["Big", "Some", "Rest"]
    with pytest.raises(SegmentError) as e:
        crm_core.assign_segments(t, [{"name": "A", "rule": "in_segment('B')"}, {"name": "B", "rule": "in_segment('A')"}], rfm=False)
    assert e.value.code == "segment_cycle"
    assert str(e.value) == "segments refer to each other in a cycle: A -> B -> A"


def test_rfm_window_takes_whole_days():
    # The window's result is checked by test_vectors.py (rfm_window_30_days.json).
    from datetime import timedelta

    orders = pa.table({"order_id": ["o1", "o2"], "customer_id": ["a", "a"],
                       "placed_at": ["2024-02-01T00:00:00Z", "2023-02-01T00:00:00Z"],
                       "total": [100, 50], "currency": ["EUR", "EUR"], "status": ["paid", "paid"]})
    got = crm_core.rfm(orders, as_of="2024-03-01T00:00:00Z", window=timedelta(days=60)).to_pylist()
    assert (got[0]["frequency"], got[0]["monetary"]) == (1, 100)
    for bad in (timedelta(hours=5), timedelta(days=40_000)):
        with pytest.raises(SegmentError) as e:
            crm_core.rfm(orders, as_of="2024-03-01T00:00:00Z", window=bad)
        assert e.value.code == "invalid_option"


def test_a_prepared_table_gives_the_same_answers(facts):
    prepared = crm_core.CustomerTable(facts)
    assert len(prepared) == facts.num_rows
    assert "net_spend" in prepared.fields and "spend_by_category" not in prepared.fields
    seg = Segment(RULE)
    assert seg.filter(prepared) == seg.filter(facts)
    assert seg.mask(prepared).equals(seg.mask(facts))
    cid = facts.column("customer_id")[3].as_py()
    assert seg.explain(prepared, cid) == seg.explain(facts, cid)
    # Over a store, a prepared table has every field and function.
    store_table = crm_core.CustomerTable(STORE, as_of=AS_OF)
    for rule, expected in RULES:
        assert Segment(rule).filter(store_table) == expected["members"], rule
    big = [{"name": "big_spenders", "rule": "net_spend >= 150 EUR"}]
    rule = Segment("in_segment('big_spenders') AND NOT consent.email")
    assert rule.filter(store_table, segments=big) == ["cem", "guest:gina@example.com"]
    with pytest.raises(crm_core.FactsError):
        crm_core.CustomerTable(STORE)


def test_co_purchase_and_cross_sell_tables_match_the_vectors():
    def vector(name):
        with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
            return json.load(f)["expected"]["result"]

    table = crm_core.co_purchase_table(STORE, as_of=AS_OF)
    expected = vector("co_purchase_categories.json")
    assert table.to_pylist() == expected["pairs"]
    assert table.schema.metadata[b"crm_core.baskets"] == b"10"
    sell = crm_core.cross_sell(STORE, as_of=AS_OF, level="product", min_lift=2)
    assert sell.to_pylist() == vector("cross_sell_products.json")["suggestions"]
    with pytest.raises(SegmentError) as e:
        crm_core.cross_sell(STORE, as_of=AS_OF, per_customer=0)
    assert e.value.code == "invalid_option"


def test_loaded_orders_give_what_rfm_gives():
    from datetime import timedelta

    s = sample_store(3000, seed=5)
    eur = s.orders.filter(pa.compute.equal(s.orders.column("currency"), "EUR"))
    as_of = "2024-09-01T00:00:00Z"
    loaded = crm_core.load_orders(eur, as_of=as_of)
    assert len(loaded) == eur.num_rows
    assert loaded.customers == crm_core.rfm(eur, as_of=as_of).num_rows
    for kwargs in ({}, {"k": 3, "segments": "classic"}, {"window": timedelta(days=90)},
                   {"thresholds": {"recency_days": [30, 90], "frequency": [2, 4], "monetary": [5000, 20000]}, "k": 3}):
        assert loaded.rfm(**kwargs).equals(crm_core.rfm(eur, as_of=as_of, **kwargs)), kwargs


def test_loaded_orders_raise_what_rfm_raises():
    # The sample store's customers pay in several currencies: without rates
    # both paths refuse to rank them together, with the same words.
    s = sample_store(3000, seed=5)
    as_of = "2024-09-01T00:00:00Z"
    with pytest.raises(SegmentError) as direct:
        crm_core.rfm(s.orders, as_of=as_of)
    with pytest.raises(SegmentError) as loaded:
        crm_core.load_orders(s.orders, as_of=as_of).rfm()
    assert direct.value.code == loaded.value.code == "mixed_currencies"
    assert str(direct.value) == str(loaded.value)
    # One customer paying in two currencies: the loaded store's two-thread
    # pass gives up on that accumulator and the facts word the error.
    orders = pa.table({
        "order_id": ["o1", "o2", "o3"],
        "customer_id": ["a", "a", "b"],
        "placed_at": pa.array([1_700_000_000_000_000] * 3, pa.timestamp("us", tz="UTC")),
        "total": [1000, 2000, 3000],
        "currency": ["EUR", "TRY", "EUR"],
        "status": ["paid"] * 3,
    })
    with pytest.raises(crm_core.FactsError) as direct:
        crm_core.rfm(orders, as_of=as_of)
    with pytest.raises(crm_core.FactsError) as loaded:
        crm_core.load_orders(orders, as_of=as_of).rfm()
    assert str(direct.value) == str(loaded.value) == "customer `a` has orders in EUR and TRY; pass exchange rates to sum them"


def test_brand_tiers_and_ltv_over_a_store():
    # Nike is premium: ann's line nets are Nike 8,000 + 5,000 + 20,000 = 33,000 of 35,000 = 0.943
    # (Puma 2,000 is budget); eda and the guest bought only Nike, bob only Puma (budget share 1).
    table = crm_core.CustomerTable(STORE, as_of=AS_OF, brand_tiers={"Nike": "premium", "Puma": "budget"},
                                   ltv={"clv": {"ann": 120.5, "bob": 10.0}})
    G = "guest:gina@example.com"
    assert Segment.builtin("brand_tier", tier="premium", share=0.9).filter(table) == ["ann", "eda", G]
    assert Segment.builtin("brand_tier", tier="premium", share=0.95).filter(table) == ["eda", G]
    assert Segment("premium_brand_share > 0.9 OR budget_brand_share = 1").filter(table) == ["ann", "bob", "eda", G]
    assert Segment("ltv.clv > 50").filter(table) == ["ann"]
    with pytest.raises(SegmentError) as e:
        crm_core.CustomerTable(STORE, as_of=AS_OF, brand_tiers={"Nike": "high end"})
    assert e.value.code == "invalid_option"


def test_dictionary_customer_ids_read_like_plain_ones():
    # Guests (null id, an e-mail), a null dictionary value, several batches sharing one dictionary.
    ids = ["a", None, "b", "a", None, "c", "b"]
    emails = [None, "G@x.com", None, None, "g@X.com", None, None]
    base = pa.table({
        "order_id": [f"o{i}" for i in range(7)], "customer_id": ids, "email": emails,
        "placed_at": [f"2024-02-0{i + 1}T00:00:00Z" for i in range(7)], "total": [100, 200, 300, 400, 500, 600, 700],
        "currency": ["EUR"] * 7, "status": ["paid"] * 7})
    dict_ids = base.set_column(1, "customer_id", pa.compute.dictionary_encode(base.column("customer_id")))
    batched = pa.Table.from_batches(dict_ids.to_batches(max_chunksize=3))
    want = crm_core.rfm(base, as_of="2024-03-01T00:00:00Z")
    assert [r["customer_id"] for r in want.to_pylist()] == ["a", "b", "c", "guest:g@x.com"]
    assert crm_core.rfm(dict_ids, as_of="2024-03-01T00:00:00Z").equals(want)
    assert crm_core.rfm(batched, as_of="2024-03-01T00:00:00Z").equals(want)
    assert crm_core.customer_facts(batched, as_of="2024-03-01T00:00:00Z").equals(
        crm_core.customer_facts(base, as_of="2024-03-01T00:00:00Z"))
