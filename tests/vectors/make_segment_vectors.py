"""Writes the segmentation golden vectors: a corpus of rules over one small
store, each with its members worked out by hand (the working is in README.md,
"segment_corpus"), plus the error vectors of the rule language.

Run in this folder: python3 make_segment_vectors.py
"""
import json

AS_OF = "2024-06-15T12:00:00Z"


def line(cat, qty, price, brand=None, product=None, disc=0):
    d = {"category": cat, "quantity": qty, "unit_price": price}
    if brand: d["brand"] = brand
    if product: d["product_id"] = product
    if disc: d["discount"] = disc
    return d


def order(id, cust, at, lines, status="paid", discount=0, shipping=0, **kw):
    sub = sum(l["quantity"] * l["unit_price"] - l.get("discount", 0) for l in lines)
    d = {"id": id, "placed_at": at, "currency": "EUR", "status": status, "lines": lines,
         "subtotal": sub, "discount": discount, "shipping": shipping, "total": sub - discount + shipping}
    if cust.startswith("guest:"):
        d["contact"] = {"email": cust[len("guest:"):]}
    else:
        d["customer_id"] = cust
    d.update(kw)
    return d


def cart(id, cust, updated):
    return {"id": id, "customer_id": cust, "currency": "EUR", "items": [line(["shoes"], 1, 5000)],
            "created_at": updated.replace("10:00", "09:00"), "updated_at": updated}


def consent(cust, channel, status, at, purpose="marketing"):
    return {"customer_id": cust, "channel": channel, "purpose": purpose, "status": status, "at": at}


STORE = {
    "customers": [
        {"id": "ann", "created_at": "2023-01-10T00:00:00Z", "email": "ann@example.com", "first_name": "Ann",
         "birth_date": "1990-06-20", "gender": "female", "time_zone": "Europe/Istanbul", "income_tier": "premium",
         "location": {"city": "Istanbul", "region": "Marmara", "country": "TR"}, "tags": ["vip", "newsletter"],
         "attributes": {"loyalty_tier": "gold", "points": 1200}},
        {"id": "bob", "created_at": "2024-05-01T00:00:00Z", "phone": "+905551112233", "birth_date": "2001-01-05",
         "gender": "male", "income_tier": "budget", "location": {"city": "Ankara", "region": "Central Anatolia", "country": "TR"},
         "attributes": {"loyalty_tier": "silver", "points": 50}},
        {"id": "cem", "created_at": "2022-03-01T00:00:00Z", "birth_date": "--12-24", "gender": "male",
         "time_zone": "Europe/Berlin", "income_tier": "mid", "location": {"city": "Berlin", "country": "DE"}, "tags": ["b2b"]},
        {"id": "dua", "created_at": "2024-06-10T00:00:00Z", "email": "dua@example.com", "birth_date": "1979-06-15",
         "gender": "female", "time_zone": "America/Chicago", "income_tier": "premium",
         "location": {"city": "Austin", "region": "TX", "country": "US"}, "tags": ["newsletter"]},
        {"id": "eda", "created_at": "2023-06-01T00:00:00Z", "gender": "undisclosed",
         "location": {"city": "Sydney", "region": "NSW", "country": "AU"}},
        {"id": "fay", "created_at": "2021-01-01T00:00:00Z", "email": "fay@example.com", "birth_date": "1985-02-28",
         "gender": "female", "income_tier": "mid", "location": {"city": "London", "country": "GB"}, "tags": ["vip"],
         "attributes": {"loyalty_tier": "gold"}},
    ],
    "orders": [
        order("a1", "ann", "2024-06-10T09:00:00Z", [line(["shoes", "running"], 1, 8000, "Nike", "p-shoe"),
                                                   line(["socks"], 2, 1000, "Puma", "p-sock")]),
        order("a2", "ann", "2024-05-01T10:00:00Z", [line(["shoes"], 1, 6000, "Nike", "p-shoe2", disc=1000)], status="fulfilled"),
        order("a3", "ann", "2023-07-15T10:00:00Z", [line(["jackets"], 1, 20000, "Nike", "p-jacket")]),
        order("b1", "bob", "2024-06-14T20:00:00Z", [line(["socks"], 3, 1000, "Puma", "p-sock")], shipping=500),
        order("c1", "cem", "2023-01-20T10:00:00Z", [line(["shoes"], 5, 10000, "Adidas", "p-boot")]),
        order("c2", "cem", "2023-12-24T10:00:00Z", [line(["hats"], 1, 12000, "NoName", "p-hat", disc=2000)]),
        order("c3", "cem", "2024-01-05T10:00:00Z", [line(["hats"], 1, 9000, "NoName", "p-hat")], status="refunded",
              refunds=[{"amount": 9000, "at": "2024-01-10T00:00:00Z"}]),
        order("e1", "eda", "2024-01-10T10:00:00Z", [line(["shoes"], 1, 5000, "Nike", "p-shoe")], discount=1000, coupon_codes=["EDA10"]),
        order("e2", "eda", "2024-02-10T10:00:00Z", [line(["shoes"], 1, 7000, "Nike", "p-shoe2")], discount=1000),
        order("f1", "fay", "2024-06-01T10:00:00Z", [line(["hats"], 1, 3000)], status="cancelled"),
        order("f2", "fay", "2022-12-01T10:00:00Z", [line(["hats"], 2, 4000, "NoName", "p-hat")]),
        order("g1", "guest:Gina@Example.com", "2024-06-15T08:00:00Z", [line(["jackets"], 1, 15000, "Nike", "p-jacket")]),
    ],
    "carts": [cart("k1", "dua", "2024-06-12T10:00:00Z"), cart("k2", "eda", "2024-06-01T10:00:00Z"),
              cart("k3", "fay", "2024-05-01T10:00:00Z")],
    "consents": [
        consent("ann", "email", "granted", "2023-01-10T00:00:00Z"),
        consent("ann", "sms", "granted", "2023-01-10T00:00:00Z"),
        consent("ann", "sms", "withdrawn", "2024-03-01T00:00:00Z"),
        consent("bob", "sms", "granted", "2024-05-01T00:00:00Z"),
        consent("dua", "email", "granted", "2024-06-10T00:00:00Z"),
        consent("dua", "email", "withdrawn", "2024-06-10T00:00:00Z"),
        consent("eda", "push", "granted", "2024-07-01T00:00:00Z"),
        consent("fay", "email", "granted", "2021-01-01T00:00:00Z", purpose="transactional"),
    ],
}

G = "guest:gina@example.com"
ALL = ["ann", "bob", "cem", "dua", "eda", "fay", G]

# (rule, members) — members worked out by hand in README.md ("segment_corpus").
CORPUS = [
    ("order_count >= 2", ["ann", "cem", "eda"]),
    ("order_count = 1", ["bob", "fay", G]),
    ("order_count = 0", ["dua"]),
    ("net_spend > 100 EUR", ["ann", "cem", G]),
    ("net_spend >= 100 EUR", ["ann", "cem", "eda", G]),
    ("net_spend BETWEEN 50 EUR AND 150.00 EUR", ["eda", "fay", G]),
    ("days_since_last_order <= 7", ["ann", "bob", G]),
    ("days_since_last_order > 90", ["cem", "eda", "fay"]),
    ("NOT days_since_last_order > 90", ["ann", "bob", "dua", G]),
    ("last_order_at >= -30d", ["ann", "bob", G]),
    ("last_order_at < 2024-01-01", ["cem", "fay"]),
    ("first_order_at >= 2024-01-01 AND first_order_at < 2024-03-01", ["eda"]),
    ("country = 'TR'", ["ann", "bob"]),
    ("country IN ('DE', 'GB', 'AU')", ["cem", "eda", "fay"]),
    ("country NOT IN ('TR')", ["cem", "dua", "eda", "fay"]),
    ("city = 'Istanbul' or city = \"Berlin\"", ["ann", "cem"]),
    ("gender = 'female'", ["ann", "dua", "fay"]),
    ("gender != 'female'", ["bob", "cem", "eda"]),
    ("age BETWEEN 18 AND 24", ["bob"]),
    ("age >= 45", ["dua"]),
    ("age BETWEEN 25 AND 44", ["ann", "fay"]),
    ("age IS NULL", ["cem", "eda", G]),
    ("birthday within 7d", ["ann", "dua"]),
    ("days_to_birthday > 200", ["bob", "fay"]),
    ("tags CONTAINS 'vip'", ["ann", "fay"]),
    ("NOT tags CONTAINS 'vip'", ["bob", "cem", "dua", "eda", G]),
    ("tags IS NULL", ["bob", "eda", G]),
    ("attr.loyalty_tier = 'gold'", ["ann", "fay"]),
    ("attr.points >= 100", ["ann"]),
    ("attr.points IS NULL", ["cem", "dua", "eda", "fay", G]),
    ("consent.email", ["ann"]),
    ("consent.sms OR consent.email", ["ann", "bob"]),
    ("NOT consent.sms", ["ann", "cem", "dua", "eda", "fay", G]),
    ("income_tier IN ('premium', 'mid')", ["ann", "cem", "dua", "fay"]),
    ("discounted_order_share >= 0.8 AND order_count >= 2", ["eda"]),
    ("top_category_share >= 0.6 AND order_count >= 2", ["cem", "eda"]),
    ("top_category = 'shoes'", ["cem", "eda"]),
    ("products_purchased(category: 'shoes') >= 2", ["ann", "cem", "eda"]),
    ("products_purchased(category: 'shoes', since: -90d) >= 1", ["ann"]),
    ("orders_with(brand: 'Nike') >= 2", ["ann", "eda"]),
    ("orders_with(category: 'running') = 1", ["ann"]),
    ("spend(brand: 'Puma') > 25 EUR", ["bob"]),
    ("spend(category: 'hats') >= 80 EUR", ["cem", "fay"]),
    ("category_share('jackets') > 0.5", ["ann", G]),
    ("r >= 4", ["bob", G]),
    ("f = 5 AND m >= 4", ["ann"]),
    ("segment = 'Lost'", ["cem", "eda", "fay"]),
    ("segment IN ('VIP', 'New')", ["ann", "bob", G]),
    ("summer_order_share >= 0.5 AND order_count >= 2", ["ann", "eda"]),
    ("winter_order_share = 1", ["cem", "fay"]),
    ("last_abandoned_at >= -7d AND (last_order_at IS NULL OR last_order_at < last_abandoned_at)", ["dua"]),
    ("last_abandoned_at >= -30d AND (last_order_at IS NULL OR last_order_at < last_abandoned_at)", ["dua", "eda"]),
    ("is_guest", [G]),
    ("email IS NOT NULL", ["ann", "dua", "fay"]),
    ("refund_count >= 1", ["cem"]),
    ("tenure_days >= 365", ["ann", "cem", "eda", "fay"]),
    ("NOT (order_count >= 2 OR tags CONTAINS 'vip')", ["bob", "dua", G]),
    ("(country = 'TR' AND consent.sms) OR (country = 'DE' AND net_spend > 500 EUR)", ["bob", "cem"]),
    ("last_order_at > first_order_at", ["ann", "cem", "eda"]),
    ("average_order_value >= 100 EUR", ["ann", "cem", G]),
    ("TRUE", ALL),
    ("FALSE", []),
    ("first_name CONTAINS 'nn'", ["ann"]),
    ("last_order_at >= today", [G]),
    ("last_order_at >= -1m", ["ann", "bob", G]),
]

# Canonical text where it differs from the corpus text.
CANONICAL = {
    "city = 'Istanbul' or city = \"Berlin\"": "city = 'Istanbul' OR city = 'Berlin'",
    "birthday within 7d": "BIRTHDAY WITHIN 7d",
    "net_spend BETWEEN 50 EUR AND 150.00 EUR": "net_spend BETWEEN 50 EUR AND 150 EUR",
    "last_order_at >= today": "last_order_at >= TODAY",
}


def write(name, desc, function, request, expected):
    with open(name, "w") as f:
        json.dump({"description": desc, "function": function, "request": request, "expected": expected}, f,
                  indent=1, ensure_ascii=False)
        f.write("\n")


def ok(result):
    return {"ok": True, "result": result}


def err(code, message, line=None, column=None, suggestion=None):
    d = {"code": code, "message": message}
    if line is not None:
        d["line"], d["column"] = line, column
    if suggestion is not None:
        d["suggestion"] = suggestion
    return {"ok": False, "error": {"domain": "segment", "code": code, "message": message, "details": [d]}}


write("segment_corpus.json", f"The {len(CORPUS)}-rule corpus over the 7-customer store as of {AS_OF}, members worked out by hand (README.md).",
      "segment", {"store": STORE, "as_of": AS_OF, "rules": [{"name": f"r{i:02}", "rule": r} for i, (r, _) in enumerate(CORPUS, 1)]},
      ok({"as_of": AS_OF, "segments": [{"name": f"r{i:02}", "rule": CANONICAL.get(r, r), "count": len(m), "members": m}
                                        for i, (r, m) in enumerate(CORPUS, 1)]}))
for i in (1, 31, 58):
    rule, members = CORPUS[i - 1]
    write(f"segment_rule_{i:02}.json", f"Corpus rule {i} on its own: {rule}", "segment", {"store": STORE, "as_of": AS_OF, "rule": rule},
          ok({"as_of": AS_OF, "rule": CANONICAL.get(rule, rule), "count": len(members), "members": members}))

write("segment_in_segment.json", "in_segment refers to a segment of the request's map (big spenders: net spend ≥ 150 EUR = ann, cem and the guest with exactly 150.00; minus e-mail consent (ann) = cem and the guest).",
      "segment", {"store": STORE, "as_of": AS_OF, "rule": "in_segment('big_spenders') AND NOT consent.email",
                  "segments": [{"name": "big_spenders", "rule": "net_spend >= 150 EUR"}]},
      ok({"as_of": AS_OF, "rule": "in_segment('big_spenders') AND NOT consent.email", "count": 2, "members": ["cem", G]}))

write("segment_json_rule.json", "A rule given as its JSON tree: order_count >= 2 AND country = 'TR' (ann).",
      "segment", {"store": STORE, "as_of": AS_OF, "rule": {"and": [
          {"op": ">=", "left": {"field": "order_count"}, "right": {"number": 2}},
          {"op": "=", "left": {"field": "country"}, "right": {"string": "TR"}}]}},
      ok({"as_of": AS_OF, "rule": "order_count >= 2 AND country = 'TR'", "count": 1, "members": ["ann"]}))

write("segment_builtin_discount_hunter.json", "The built-in discount hunter with its defaults (≥ 80% of orders discounted, ≥ 2 orders): eda.",
      "segment", {"store": STORE, "as_of": AS_OF, "builtin": "discount_hunter"},
      ok({"as_of": AS_OF, "rule": "discounted_order_share >= 0.8 AND order_count >= 2", "count": 1, "members": ["eda"]}))

write("segment_builtin_cart_abandoner.json", "The built-in cart abandoner over the last 30 days: dua (06-12, no order) and eda (06-01, last order 02-10).",
      "segment", {"store": STORE, "as_of": AS_OF, "builtin": "cart_abandoner", "params": {"days": 30}},
      ok({"as_of": AS_OF, "rule": "last_abandoned_at >= -30d AND (last_order_at IS NULL OR last_order_at < last_abandoned_at)",
          "count": 2, "members": ["dua", "eda"]}))

write("segment_explain.json", "Why eda is a discount hunter: every clause with the value it read.",
      "segment", {"store": STORE, "as_of": AS_OF, "rule": "discounted_order_share >= 0.8 AND order_count >= 3", "explain": "eda"},
      ok({"as_of": AS_OF, "rule": "discounted_order_share >= 0.8 AND order_count >= 3", "count": 1 - 1, "members": [],
          "explanation": {"customer_id": "eda", "clause": "discounted_order_share >= 0.8 AND order_count >= 3", "result": False,
                          "parts": [
                              {"clause": "discounted_order_share >= 0.8", "result": True, "values": {"discounted_order_share": 1.0}},
                              {"clause": "order_count >= 3", "result": False, "values": {"order_count": 2}}]}}))

write("segment_map_seed.json", "The seed RFM map over the corpus store (k = 5): ann VIP, bob and the guest New, cem, eda and fay Lost (90+ days), dua Prospects.",
      "segment_map", {"store": STORE, "as_of": AS_OF, "segments": [
          {"name": "Prospects", "rule": "r IS NULL"}, {"name": "Lost", "rule": "recency >= 90"},
          {"name": "VIP", "rule": "f >= 4 AND m >= 4 AND r >= 3"}, {"name": "New", "rule": "frequency = 1 AND r >= 4"},
          {"name": "Others", "rule": "TRUE"}]},
      ok({"as_of": AS_OF, "segments": [
          {"name": "Prospects", "rule": "r IS NULL"}, {"name": "Lost", "rule": "recency >= 90"},
          {"name": "VIP", "rule": "f >= 4 AND m >= 4 AND r >= 3"}, {"name": "New", "rule": "frequency = 1 AND r >= 4"},
          {"name": "Others", "rule": "TRUE"}],
          "counts": {"Prospects": 1, "Lost": 3, "VIP": 1, "New": 2, "Others": 0},
          "assignments": [{"customer_id": c, "segment": s} for c, s in [
              ("ann", "VIP"), ("bob", "New"), ("cem", "Lost"), ("dua", "Prospects"), ("eda", "Lost"), ("fay", "Lost"), (G, "New")]]}))

write("rule_canonical.json", "Parsing and printing: keywords in capitals, single quotes, the fewest parentheses, money and durations normalised.",
      "rule", {"rule": "not (a >= 1 and b = \"x\") or c between 10.50 EUR and 20 EUR and d in (1, 2) and e < +3d"},
      ok({"text": "NOT (a >= 1 AND b = 'x') OR (c BETWEEN 10.50 EUR AND 20 EUR AND d IN (1, 2) AND e < +3d)",
          "ast": {"or": [
              {"not": {"and": [{"op": ">=", "left": {"field": "a"}, "right": {"number": 1.0}},
                               {"op": "=", "left": {"field": "b"}, "right": {"string": "x"}}]}},
              {"and": [{"between": {"field": "c"}, "low": {"money": "10.50", "currency": "EUR"}, "high": {"money": "20", "currency": "EUR"}},
                       {"in": {"field": "d"}, "values": [{"number": 1.0}, {"number": 2.0}]},
                       {"op": "<", "left": {"field": "e"}, "right": {"relative": "+3d"}}]}]}}))

# Errors of each kind, with their positions.
S = {"store": STORE, "as_of": AS_OF}
write("error_rule_syntax.json", "A rule that ends too early: the end of line 2 is column 26.",
      "segment", dict(S, rule="order_count >= 2 AND\n  net_spend > 100 EUR AND"),
      err("syntax", "2:26: expected a field, function or value, found end of rule", 2, 26))
write("error_rule_unknown_field.json", "A misspelt field, with a suggestion.",
      "segment", dict(S, rule="order_count >= 2 AND net_spnd > 100 EUR"),
      err("unknown_field", "1:22: unknown field `net_spnd` (did you mean `net_spend`?)", 1, 22, "net_spend"))
write("error_rule_unknown_function.json", "A misspelt function, with a suggestion.",
      "segment", dict(S, rule="product_purchased(category: 'shoes') > 1"),
      err("unknown_function", "1:1: unknown function `product_purchased` (did you mean `products_purchased`?)", 1, 1, "products_purchased"))
write("error_rule_type_mismatch.json", "Money compared with a date.",
      "segment", dict(S, rule="net_spend > 2024-01-01"),
      err("type_mismatch", "1:13: net_spend is money, but 2024-01-01 is a date", 1, 13))
write("error_rule_money_without_currency.json", "Money compared with a bare number.",
      "segment", dict(S, rule="net_spend > 1000"),
      err("type_mismatch", "1:13: net_spend is money; write the amount with its currency, such as 1000 TRY", 1, 13))
write("error_rule_currency_mismatch.json", "The store's money is in EUR; the rule compares with TRY.",
      "segment", dict(S, rule="net_spend > 1000 TRY"),
      err("currency_mismatch", "1:13: net_spend is in EUR, but 1000 TRY is in TRY", 1, 13))
write("error_rule_invalid_argument.json", "An unknown argument of a purchase function.",
      "segment", dict(S, rule="products_purchased(categry: 'shoes') > 1"),
      err("invalid_argument", "1:20: products_purchased: unknown argument `categry` (did you mean `category`?)", 1, 20))
write("error_rule_unknown_segment.json", "in_segment names a segment nobody defined.",
      "segment", dict(S, rule="in_segment('VIPs')", segments=[{"name": "VIP", "rule": "order_count >= 3"}]),
      err("unknown_segment", "1:12: unknown segment `VIPs` (did you mean `VIP`?)", 1, 12, "VIP"))
write("error_rule_segment_cycle.json", "Two segments that refer to each other.",
      "segment", dict(S, rule="in_segment('A')", segments=[{"name": "A", "rule": "in_segment('B')"}, {"name": "B", "rule": "NOT in_segment('A')"}]),
      {"ok": False, "error": {"domain": "segment", "code": "segment_cycle", "message": "segments refer to each other in a cycle: A -> B -> A",
                              "details": [{"code": "segment_cycle", "message": "segments refer to each other in a cycle: A -> B -> A"}]}})
write("error_rule_bad_json_tree.json", "A JSON tree with an AND of one part.",
      "rule", {"rule": {"and": [{"const": True}]}},
      {"ok": False, "error": {"domain": "segment", "code": "invalid_ast", "message": "rule JSON at `/and`: expected at least two rules",
                              "details": [{"code": "invalid_ast", "message": "rule JSON at `/and`: expected at least two rules"}]}})

# Co-purchases over the corpus store (README.md, "co_purchase").
write("co_purchase_categories.json", "Category pairs over the corpus store's 10 baskets: only a1 holds two categories (shoes, socks).",
      "co_purchase", {"store": STORE, "as_of": AS_OF},
      ok({"as_of": AS_OF, "level": "category", "baskets": 10, "pairs": [
          {"antecedent": "socks", "consequent": "shoes", "pair_count": 1, "antecedent_count": 2, "consequent_count": 5,
           "support": 0.1, "confidence": 0.5, "lift": 1.0},
          {"antecedent": "shoes", "consequent": "socks", "pair_count": 1, "antecedent_count": 5, "consequent_count": 2,
           "support": 0.1, "confidence": 0.2, "lift": 1.0}]}))
write("cross_sell_categories.json", "Cross-sell from the category pairs: bob (socks) gets shoes, cem and eda (shoes) get socks; ann has both.",
      "cross_sell", {"store": STORE, "as_of": AS_OF},
      ok({"as_of": AS_OF, "level": "category", "suggestions": [
          {"customer_id": "bob", "item": "shoes", "score": 0.5, "because": "socks", "lift": 1.0},
          {"customer_id": "cem", "item": "socks", "score": 0.2, "because": "shoes", "lift": 1.0},
          {"customer_id": "eda", "item": "socks", "score": 0.2, "because": "shoes", "lift": 1.0}]}))
write("cross_sell_products.json", "Product pairs: p-shoe and p-sock are bought together once in 10 baskets, each in 2: confidence 1/2, lift 1·10/(2·2) = 2.5.",
      "cross_sell", {"store": STORE, "as_of": AS_OF, "co_purchase": {"level": "product"}, "cross_sell": {"min_lift": 2}},
      ok({"as_of": AS_OF, "level": "product", "suggestions": [
          {"customer_id": "bob", "item": "p-shoe", "score": 0.5, "because": "p-sock", "lift": 2.5},
          {"customer_id": "eda", "item": "p-sock", "score": 0.5, "because": "p-shoe", "lift": 2.5}]}))
write("error_co_purchase_option.json", "An unknown co-purchase option is named.",
      "co_purchase", {"store": STORE, "as_of": AS_OF, "co_purchase": {"level": "brand"}},
      {"ok": False, "error": {"domain": "segment", "code": "invalid_option",
                              "message": "segment option `level`: expected \"category\" or \"product\", got \"brand\"",
                              "details": [{"code": "invalid_option",
                                           "message": "segment option `level`: expected \"category\" or \"product\", got \"brand\""}]}})
