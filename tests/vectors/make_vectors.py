import json
# Hand-worked facts vector; the arithmetic is in tests/vectors/README.md.
def line(cat, qty, price, disc=0, sku=None):
    d = {"sku": sku or f"{cat[0][:3].upper()}-{price}", "category": cat, "quantity": qty, "unit_price": price}
    if disc: d["discount"] = disc
    return d
store = {
 "customers": [
  {"id": "c1", "created_at": "2023-12-01T00:00:00Z", "email": "c1@example.com", "time_zone": "Europe/Istanbul"},
  {"id": "c2", "created_at": "2024-02-20T12:00:00Z", "phone": "+905551112233"},
  {"id": "c3", "created_at": "2024-01-15T00:00:00Z"},
 ],
 "orders": [
  {"id": "o1", "customer_id": "c1", "placed_at": "2024-01-10T10:00:00Z", "currency": "TRY", "status": "paid",
   "lines": [line(["Electronics", "Phones"], 1, 100000)], "subtotal": 100000, "total": 100000},
  {"id": "o2", "customer_id": "c1", "placed_at": "2024-02-10T10:00:00Z", "currency": "TRY", "status": "fulfilled",
   "lines": [line(["Fashion", "Shoes"], 2, 25000, 5000)], "subtotal": 45000, "shipping": 2999, "total": 47999},
  {"id": "o3", "customer_id": "c1", "placed_at": "2024-02-20T08:00:00Z", "currency": "TRY", "status": "partially_refunded",
   "lines": [line(["Electronics", "Accessories"], 1, 30000)], "subtotal": 30000, "discount": 3000, "total": 27000,
   "coupon_codes": ["SEPET10"], "refunds": [{"amount": 7000, "at": "2024-02-25T00:00:00Z"}]},
  {"id": "o4", "customer_id": "c1", "placed_at": "2024-02-25T09:00:00Z", "currency": "TRY", "status": "cancelled",
   "lines": [line(["Home"], 1, 50000)], "subtotal": 50000, "total": 50000},
  {"id": "o5", "customer_id": "c2", "placed_at": "2024-02-21T00:00:00Z", "currency": "TRY", "status": "refunded",
   "lines": [line(["Sport"], 1, 20000)], "subtotal": 20000, "total": 20000,
   "refunds": [{"amount": 20000, "at": "2024-02-23T00:00:00Z"}]},
  {"id": "o6", "customer_id": "c2", "placed_at": "2024-02-28T18:00:00Z", "currency": "TRY", "status": "paid",
   "lines": [line(["Sport"], 1, 15000)], "subtotal": 15000, "total": 15000},
  {"id": "o7", "contact": {"email": "Guest@Example.com"}, "placed_at": "2024-02-29T12:00:00Z", "currency": "TRY", "status": "paid",
   "lines": [line(["Beauty"], 3, 1000)], "subtotal": 3000, "shipping": 500, "total": 3500},
  {"id": "o8", "customer_id": "c2", "placed_at": "2024-03-05T00:00:00Z", "currency": "TRY", "status": "paid",
   "subtotal": 99999, "total": 99999},
 ],
 "carts": [
  {"id": "k1", "customer_id": "c3", "currency": "TRY", "items": [line(["Home"], 1, 12000)],
   "created_at": "2024-02-28T10:00:00Z", "updated_at": "2024-02-28T10:30:00Z"},
  {"id": "k2", "customer_id": "c1", "currency": "TRY", "items": [line(["Fashion", "Shoes"], 2, 25000)],
   "created_at": "2024-02-10T09:00:00Z", "updated_at": "2024-02-10T09:50:00Z",
   "converted_order_id": "o2", "converted_at": "2024-02-10T10:00:00Z"},
  {"id": "k3", "customer_id": "c2", "currency": "TRY", "items": [line(["Sport"], 1, 9900)],
   "created_at": "2024-02-29T23:30:00Z", "updated_at": "2024-02-29T23:45:00Z"},
  {"id": "k4", "customer_id": "c2", "currency": "TRY", "items": [line(["Sport"], 1, 99999)],
   "created_at": "2024-02-01T00:00:00Z", "updated_at": "2024-02-01T01:00:00Z",
   "converted_order_id": "o8", "converted_at": "2024-03-05T00:00:00Z"},
 ],
 "events": [
  {"customer_id": "c3", "kind": "product_viewed", "at": "2024-02-29T20:00:00Z", "properties": {"product_id": "p1"}},
  {"customer_id": "c1", "kind": "message_opened", "at": "2024-03-02T00:00:00Z"},
 ],
}
facts = [
 {"customer_id": "c1", "first_order_at": "2024-01-10T10:00:00Z", "last_order_at": "2024-02-20T08:00:00Z",
  "order_count": 3, "net_spend": 167999, "currency": "TRY", "average_order_value": 56000,
  "days_since_last_order": 9, "tenure_days": 91, "distinct_categories": 2,
  "spend_by_category": {"Electronics": 130000, "Fashion": 45000}, "top_category": "Electronics",
  "discounted_order_share": 2/3, "refund_count": 1, "refund_amount": 7000,
  "abandoned_cart_count": 0, "last_abandoned_at": None, "last_activity_at": "2024-02-25T09:00:00Z"},
 {"customer_id": "c2", "first_order_at": "2024-02-28T18:00:00Z", "last_order_at": "2024-02-28T18:00:00Z",
  "order_count": 1, "net_spend": 15000, "currency": "TRY", "average_order_value": 15000,
  "days_since_last_order": 1, "tenure_days": 29, "distinct_categories": 1,
  "spend_by_category": {"Sport": 15000}, "top_category": "Sport",
  "discounted_order_share": 0.0, "refund_count": 1, "refund_amount": 20000,
  "abandoned_cart_count": 1, "last_abandoned_at": "2024-02-01T01:00:00Z", "last_activity_at": "2024-02-29T23:45:00Z"},
 {"customer_id": "c3", "first_order_at": None, "last_order_at": None,
  "order_count": 0, "net_spend": 0, "currency": None, "average_order_value": None,
  "days_since_last_order": None, "tenure_days": 46, "distinct_categories": 0,
  "spend_by_category": {}, "top_category": None,
  "discounted_order_share": None, "refund_count": 0, "refund_amount": 0,
  "abandoned_cart_count": 1, "last_abandoned_at": "2024-02-28T10:30:00Z", "last_activity_at": "2024-02-29T20:00:00Z"},
 {"customer_id": "guest:guest@example.com", "first_order_at": "2024-02-29T12:00:00Z", "last_order_at": "2024-02-29T12:00:00Z",
  "order_count": 1, "net_spend": 3500, "currency": "TRY", "average_order_value": 3500,
  "days_since_last_order": 0, "tenure_days": 0, "distinct_categories": 1,
  "spend_by_category": {"Beauty": 3000}, "top_category": "Beauty",
  "discounted_order_share": 0.0, "refund_count": 0, "refund_amount": 0,
  "abandoned_cart_count": 0, "last_abandoned_at": None, "last_activity_at": "2024-02-29T12:00:00Z"},
]
def write(name, desc, function, request, expected):
    with open(name, "w") as f:
        json.dump({"description": desc, "function": function, "request": request, "expected": expected}, f, indent=1, ensure_ascii=False)
        f.write("\n")
write("facts_small_store.json", "Facts of a 3-customer store plus a guest as of 2024-03-01: paid, fulfilled, partially refunded, cancelled, fully refunded and future orders; converted, abandoned, recent and late-converting carts; an event after as_of. Worked out by hand in tests/vectors/README.md.",
      "customer_facts", {"store": store, "as_of": "2024-03-01T00:00:00Z"},
      {"ok": True, "result": {"as_of": "2024-03-01T00:00:00Z", "facts": facts}})
# Same store, as of 2024-02-24T00:00:00Z: o3's refund (02-25) has not happened yet, o4..o8 later or same.
write("validate_small_store.json", "The small store validates; counts per collection.", "validate_store", {"store": store},
      {"ok": True, "result": {"customers": 3, "orders": 8, "carts": 4, "consents": 0, "events": 2}})

# ---- facts as of 2024-02-24: o3's refund (02-25) has not happened, o5's (02-23) has; see README.md.
facts_0224 = [
 {"customer_id": "c1", "first_order_at": "2024-01-10T10:00:00Z", "last_order_at": "2024-02-20T08:00:00Z",
  "order_count": 3, "net_spend": 174999, "currency": "TRY", "average_order_value": 58333,
  "days_since_last_order": 3, "tenure_days": 85, "distinct_categories": 2,
  "spend_by_category": {"Electronics": 130000, "Fashion": 45000}, "top_category": "Electronics",
  "discounted_order_share": 2/3, "refund_count": 0, "refund_amount": 0,
  "abandoned_cart_count": 0, "last_abandoned_at": None, "last_activity_at": "2024-02-20T08:00:00Z"},
 {"customer_id": "c2", "first_order_at": None, "last_order_at": None,
  "order_count": 0, "net_spend": 0, "currency": "TRY", "average_order_value": None,
  "days_since_last_order": None, "tenure_days": 23, "distinct_categories": 0,
  "spend_by_category": {}, "top_category": None,
  "discounted_order_share": None, "refund_count": 1, "refund_amount": 20000,
  "abandoned_cart_count": 1, "last_abandoned_at": "2024-02-01T01:00:00Z", "last_activity_at": "2024-02-21T00:00:00Z"},
 {"customer_id": "c3", "first_order_at": None, "last_order_at": None,
  "order_count": 0, "net_spend": 0, "currency": None, "average_order_value": None,
  "days_since_last_order": None, "tenure_days": 40, "distinct_categories": 0,
  "spend_by_category": {}, "top_category": None,
  "discounted_order_share": None, "refund_count": 0, "refund_amount": 0,
  "abandoned_cart_count": 0, "last_abandoned_at": None, "last_activity_at": "2024-01-15T00:00:00Z"},
 {"customer_id": "guest:guest@example.com", "first_order_at": None, "last_order_at": None,
  "order_count": 0, "net_spend": 0, "currency": None, "average_order_value": None,
  "days_since_last_order": None, "tenure_days": None, "distinct_categories": 0,
  "spend_by_category": {}, "top_category": None,
  "discounted_order_share": None, "refund_count": 0, "refund_amount": 0,
  "abandoned_cart_count": 0, "last_abandoned_at": None, "last_activity_at": None},
]
write("facts_small_store_earlier.json", "The same store as of 2024-02-24 with a 30-minute abandonment threshold: a refund after as_of is not deducted, later orders, carts and events are ignored, and a guest seen only later has an empty row.",
      "customer_facts", {"store": store, "as_of": "2024-02-24T00:00:00Z", "options": {"abandon_after_minutes": 30}},
      {"ok": True, "result": {"as_of": "2024-02-24T00:00:00Z", "facts": facts_0224}})

# ---- currencies
def order(id, cur, total, **kw):
    d = {"id": id, "customer_id": "c1", "placed_at": kw.pop("at", "2024-01-10T10:00:00Z"), "currency": cur, "status": "paid",
         "subtotal": total, "total": total}
    d.update(kw); return d
mixed = {"orders": [order("o1", "TRY", 10000), order("o2", "USD", 1001, at="2024-01-20T10:00:00Z")]}
write("facts_mixed_currencies_error.json", "A customer with TRY and USD orders and no exchange rates: a facts error naming the customer and both currencies (sorted by code).",
      "customer_facts", {"store": mixed, "as_of": "2024-02-01T00:00:00Z"},
      {"ok": False, "error": {"domain": "facts", "code": "mixed_currencies",
        "message": "customer `c1` has orders in TRY and USD; pass exchange rates to sum them",
        "details": [{"code": "mixed_currencies", "message": "customer `c1` has orders in TRY and USD; pass exchange rates to sum them"}]}})
# 10.01 USD x 34.5 = 345.345 TRY = 34534.5 kurus -> half to even -> 34534; net 10000 + 34534 = 44534; aov 22267.
write("facts_exchange_rates.json", "The same orders with a USD→TRY rate of 34.5: 10.01 USD becomes 345.34 TRY (34534.5 kuruş rounded half to even), net spend 445.34 TRY, average 222.67 TRY.",
      "customer_facts", {"store": mixed, "as_of": "2024-02-01T00:00:00Z", "options": {"rates": {"target": "TRY", "rates": {"USD": "34.5"}}}},
      {"ok": True, "result": {"as_of": "2024-02-01T00:00:00Z", "facts": [
        {"customer_id": "c1", "first_order_at": "2024-01-10T10:00:00Z", "last_order_at": "2024-01-20T10:00:00Z",
         "order_count": 2, "net_spend": 44534, "currency": "TRY", "average_order_value": 22267,
         "days_since_last_order": 11, "tenure_days": 21, "distinct_categories": 0, "spend_by_category": {},
         "top_category": None, "discounted_order_share": 0.0, "refund_count": 0, "refund_amount": 0,
         "abandoned_cart_count": 0, "last_abandoned_at": None, "last_activity_at": "2024-01-20T10:00:00Z"}]}})

# ---- validation errors, one rule each
def model_error(errors, summary=None):
    msgs = [e["message"] for e in errors]
    msg = msgs[0] if len(msgs) == 1 else f"{len(msgs)} errors; first: {msgs[0]} (and {len(msgs)-1} more)"
    return {"ok": False, "error": {"domain": "model", "code": errors[0]["code"], "message": msg, "details": errors}}
def err(code, record, index, id, field, value, message):
    return {"code": code, "record": record, "index": index, "id": id, "field": field, "value": value, "message": message}
ts_hint = "(expected RFC 3339 with a zone, e.g. 2024-05-01T10:00:00Z)"
cases = [
 ("error_unknown_currency", "An unknown ISO 4217 code.",
  {"orders": [order("o1", "XYZ", 1000)]},
  [err("unknown_currency", "order", 0, "o1", "currency", "XYZ", 'order "o1" (orders[0]): field `currency`: unknown currency `XYZ`')]),
 ("error_unknown_time_zone", "A time zone that is not in the IANA database.",
  {"customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z", "time_zone": "Mars/Olympus"}]},
  [err("unknown_time_zone", "customer", 0, "c1", "time_zone", "Mars/Olympus", 'customer "c1" (customers[0]): field `time_zone`: unknown time zone `Mars/Olympus`')]),
 ("error_unparsable_timestamp", "February 30th does not exist.",
  {"orders": [order("o1", "TRY", 1000, at="2024-02-30T10:00:00Z")]},
  [err("invalid_timestamp", "order", 0, "o1", "placed_at", "2024-02-30T10:00:00Z", f'order "o1" (orders[0]): field `placed_at`: unparsable timestamp `2024-02-30T10:00:00Z` {ts_hint}')]),
 ("error_timestamp_without_zone", "A timestamp without a zone is rejected, never guessed.",
  {"carts": [{"id": "k1", "customer_id": "c1", "currency": "EUR", "created_at": "2024-02-01 10:00:00", "updated_at": "2024-02-01T10:00:00Z"}]},
  [err("invalid_timestamp", "cart", 0, "k1", "created_at", "2024-02-01 10:00:00", f'cart "k1" (carts[0]): field `created_at`: unparsable timestamp `2024-02-01 10:00:00` {ts_hint}')]),
 ("error_negative_quantity", "A line with quantity -2.",
  {"orders": [order("o1", "TRY", 0, lines=[{"sku": "A", "quantity": -2, "unit_price": 1000}])] },
  None),
 ("error_currency_mismatch", "A EUR line inside a TRY order.",
  {"orders": [order("o1", "TRY", 1000, lines=[{"sku": "A", "quantity": 1, "unit_price": 1000, "currency": "EUR"}])]},
  [err("currency_mismatch", "order", 0, "o1", "lines[0].currency", "EUR", 'order "o1" (orders[0]): field `lines[0].currency`: currency EUR differs from the record\'s currency TRY')]),
 ("error_totals_mismatch", "subtotal 1000 + shipping 500 is 1500, not 1400.",
  {"orders": [dict(order("o1", "TRY", 1000, lines=[{"sku": "A", "quantity": 1, "unit_price": 1000}]), shipping=500, total=1400)]},
  [err("totals_mismatch", "order", 0, "o1", "total", "1400", 'order "o1" (orders[0]): field `total`: totals do not add up: expected 1500, got 1400')]),
 ("error_subtotal_mismatch", "Two lines 2×1500 and 1×999−99 sum to 3900, not 4000.",
  {"orders": [dict(order("o1", "TRY", 4000, lines=[{"sku": "A", "quantity": 2, "unit_price": 1500}, {"sku": "B", "quantity": 1, "unit_price": 999, "discount": 99}]))]},
  [err("totals_mismatch", "order", 0, "o1", "subtotal", "4000", 'order "o1" (orders[0]): field `subtotal`: totals do not add up: expected 3900, got 4000')]),
 ("error_duplicate_id", "Two orders with the same id.",
  {"orders": [order("o1", "TRY", 1000), order("o1", "TRY", 2000)]},
  [err("duplicate_id", "order", 1, "o1", "id", "o1", 'order "o1" (orders[1]): field `id`: duplicate id `o1` (first used at index 0)')]),
 ("error_every_bad_record", "Every bad record is reported, not only the first; good records in between do not hide them.",
  {"customers": [{"id": "c1", "created_at": "2024-01-01T00:00:00Z", "time_zone": "Europe/Istambul"}],
   "orders": [order("o1", "TRY", 1000), order("o2", "TRL", 1000), {k: v for k, v in order("o3", "TRY", 1000).items() if k != "total"}]},
  [err("unknown_time_zone", "customer", 0, "c1", "time_zone", "Europe/Istambul", 'customer "c1" (customers[0]): field `time_zone`: unknown time zone `Europe/Istambul`'),
   err("unknown_currency", "order", 1, "o2", "currency", "TRL", 'order "o2" (orders[1]): field `currency`: unknown currency `TRL`'),
   err("malformed", "order", 2, "o3", "total", "missing field `total`", 'order "o3" (orders[2]): field `total`: missing field `total`')]),
]
for name, desc, st, errors in cases:
    if errors is None:
        errors = [err("invalid_quantity", "order", 0, "o1", "lines[0].quantity", "-2", 'order "o1" (orders[0]): field `lines[0].quantity`: quantity must be at least 1, got -2')]
    write(name + ".json", desc, "validate_store", {"store": st}, model_error(errors))

def req_error(domain, code, message):
    return {"ok": False, "error": {"domain": domain, "code": code, "message": message, "details": [{"code": code, "message": message}]}}
write("error_unknown_function.json", "A misspelt function name.", "customer_fact", {"store": {}},
      req_error("request", "unknown_function", "unknown function `customer_fact` (expected one of: version, validate_store, customer_facts, rfm, rule, segment, segment_map, co_purchase, cross_sell, consent, consent_table, iys_import, iys_export, subject_export, erase, retention, sample_store, ltv_summary, ltv_fit, ltv_predict, ltv_clv, ltv_simple, campaign_plan, campaign_presets)"))
write("error_missing_as_of.json", "customer_facts needs as_of: the library never reads the clock.", "customer_facts", {"store": {}},
      req_error("request", "missing_field", "request field `as_of` is required"))
write("error_as_of_without_zone.json", "as_of must carry a zone.", "customer_facts", {"store": {}, "as_of": "2024-03-01"},
      req_error("time", "invalid_timestamp", f"unparsable timestamp `2024-03-01` {ts_hint}"))
write("facts_empty_store.json", "An empty store has no facts.", "customer_facts", {"store": {}, "as_of": "2024-03-01T00:00:00+03:00"},
      {"ok": True, "result": {"as_of": "2024-02-29T21:00:00Z", "facts": []}})
write("error_unknown_request_field.json", "A misspelt request field is rejected rather than ignored.", "customer_facts",
      {"store": {}, "as_of": "2024-03-01T00:00:00Z", "option": {}},
      req_error("request", "invalid_field", "request field `option`: unknown field for `customer_facts` (expected: store, as_of, options)"))
write("error_sample_no_customers.json", "sample_store needs at least one customer (a dataset error naming the option).", "sample_store",
      {"customers": 0, "seed": 1},
      req_error("dataset", "invalid_option", "sample option `customers`: must be 1 to 2000000, got 0"))
write("error_sample_too_big_for_json.json", "Through JSON, sample_store makes at most 10000 customers (use Rust or Python for more).", "sample_store",
      {"customers": 20000},
      req_error("request", "invalid_field", "request field `customers`: at most 10000 through JSON, got 20000"))
write("error_sample_start_without_zone.json", "sample_store's start is an instant with a zone, like every instant.", "sample_store",
      {"customers": 5, "start": "2023-01-01"},
      req_error("time", "invalid_timestamp", f"unparsable timestamp `2023-01-01` {ts_hint}"))

# RFM, worked by hand in tests/vectors/README.md ("rfm_*").
def o(id, cust, at, total, status="paid", **kw):
    d = {"id": id, "customer_id": cust, "placed_at": at, "currency": "EUR", "status": status, "subtotal": total, "total": total}
    d.update(kw); return d
rfm_store = {
 "customers": [{"id": "p", "created_at": "2024-01-01T00:00:00Z"}],
 "orders": [
  o("o1", "a", "2024-02-25T00:00:00Z", 10000), o("o2", "a", "2024-01-10T00:00:00Z", 5000, "fulfilled"),
  o("o3", "b", "2024-02-01T12:00:00Z", 30000),
  o("o4", "c", "2023-12-01T00:00:00Z", 2000),
  o("o5", "c", "2024-02-20T00:00:00Z", 4000, "refunded", refunds=[{"amount": 4000, "at": "2024-02-22T00:00:00Z"}]),
  o("o6", "d", "2024-02-28T00:00:00Z", 8000, "partially_refunded", refunds=[{"amount": 3000, "at": "2024-02-29T00:00:00Z"}]),
  o("o7", "d", "2024-02-10T00:00:00Z", 1000),
  o("o8", "e", "2024-02-15T00:00:00Z", 5000, "cancelled"),
 ],
}
def rrow(c, rec, fr, mon, r, f, m, seg):
    return {"customer_id": c, "recency": rec, "frequency": fr, "monetary": mon, "currency": "EUR" if fr else None, "r": r, "f": f, "m": m, "segment": seg}
prospect = lambda c: rrow(c, None, 0, 0, None, None, None, "Prospects")
write("rfm_ranked_k3.json", "RFM with k = 3 and the default tie-fair ranking: 4 scored customers, a refunded order and a cancelled one that do not count, two prospects.",
      "rfm", {"store": rfm_store, "as_of": "2024-03-01T00:00:00Z", "rfm": {"k": 3}},
      {"ok": True, "result": {"as_of": "2024-03-01T00:00:00Z", "k": 3, "rfm": [
        rrow("a", 5, 2, 15000, 2, 2, 2, "At Risk"), rrow("b", 28, 1, 30000, 1, 1, 3, "At Risk"), rrow("c", 91, 1, 2000, 1, 1, 1, "Lost"),
        rrow("d", 2, 2, 6000, 3, 2, 1, "Others"), prospect("e"), prospect("p")]}})
write("rfm_thresholds_k3.json", "RFM with fixed thresholds (k = 3): recency ≤ 7 days → 3, ≤ 30 → 2; 2 orders → 2, 3 → 3; 50.00 € → 2, 200.00 € → 3.",
      "rfm", {"store": rfm_store, "as_of": "2024-03-01T00:00:00Z",
              "rfm": {"k": 3, "thresholds": {"recency_days": [7, 30], "frequency": [2, 3], "monetary": [5000, 20000]}}},
      {"ok": True, "result": {"as_of": "2024-03-01T00:00:00Z", "k": 3, "rfm": [
        rrow("a", 5, 2, 15000, 3, 2, 2, "Others"), rrow("b", 28, 1, 30000, 2, 1, 3, "At Risk"), rrow("c", 91, 1, 2000, 1, 1, 1, "Lost"),
        rrow("d", 2, 2, 6000, 3, 2, 2, "Others"), prospect("e"), prospect("p")]}})
write("rfm_window_30_days.json", "RFM over the last 30 days only (orders placed after 2024-01-31T00:00Z): c's only order in the window is refunded, so c joins the prospects.",
      "rfm", {"store": rfm_store, "as_of": "2024-03-01T00:00:00Z", "rfm": {"k": 3, "window_days": 30}},
      {"ok": True, "result": {"as_of": "2024-03-01T00:00:00Z", "k": 3, "rfm": [
        rrow("a", 5, 1, 10000, 2, 1, 2, "At Risk"), rrow("b", 28, 1, 30000, 1, 1, 3, "At Risk"), prospect("c"),
        rrow("d", 2, 2, 6000, 3, 3, 1, "Loyal"), prospect("e"), prospect("p")]}})
write("error_rfm_k_out_of_range.json", "RFM scores run from 1 to k with k from 3 to 10.",
      "rfm", {"store": rfm_store, "as_of": "2024-03-01T00:00:00Z", "rfm": {"k": 11}},
      req_error("segment", "invalid_option", "segment option `k`: must be 3 to 10, got 11"))
write("error_rfm_mixed_currencies.json", "Net spend in EUR and TRY cannot be ranked together without exchange rates.",
      "rfm", {"store": {"orders": [o("o1", "a", "2024-02-01T00:00:00Z", 1000), dict(o("o2", "b", "2024-02-01T00:00:00Z", 1000), currency="TRY")]},
              "as_of": "2024-03-01T00:00:00Z"},
      req_error("segment", "mixed_currencies", "customers' net spend is in EUR and TRY; pass exchange rates to rank them together"))
