"""Errors: one test per validation rule, through validate_store and call.

The expected codes and messages are written from the rules' definitions
(docs/model.md: "<record> (<collection>[<index>]): field `<path>`: <what>"),
not copied from the library's output.
"""

from __future__ import annotations

import copy
import json
import pickle

import pytest

import crm_core
from crm_core import CrmError, FactsError, ModelError, MoneyError, RequestError, TimeError

ORDER = {
    "id": "o1",
    "customer_id": "c1",
    "placed_at": "2024-02-01T10:00:00Z",
    "currency": "TRY",
    "status": "paid",
    "lines": [{"sku": "MUG", "category": ["Home"], "quantity": 2, "unit_price": 1250}],
    "subtotal": 2500,
    "shipping": 500,
    "total": 3000,
}
CUSTOMER = {"id": "c1", "created_at": "2024-01-01T00:00:00Z", "time_zone": "Europe/Istanbul"}


def store(**changes):
    """A valid one-customer, one-order store, with the order's fields changed."""
    order = copy.deepcopy(ORDER)
    order.update(changes)
    return {"customers": [dict(CUSTOMER)], "orders": [order]}


def one_error(store_doc) -> ModelError:
    with pytest.raises(ModelError) as info:
        crm_core.validate_store(store_doc)
    e = info.value
    assert len(e.errors) == 1, e.errors
    # The same error through the JSON interface.
    with pytest.raises(ModelError) as again:
        crm_core.call("validate_store", {"store": store_doc})
    assert again.value.to_dict() == e.to_dict()
    return e


def test_classes():
    for cls in [crm_core.ModelError, MoneyError, TimeError, FactsError, crm_core.DatasetError, crm_core.SegmentError,
                RequestError]:
        assert issubclass(cls, CrmError)
    assert issubclass(CrmError, ValueError)
    assert crm_core.errors.CrmError is CrmError


def test_valid_store_counts():
    assert crm_core.validate_store(store()) == {"customers": 1, "orders": 1, "carts": 0, "consents": 0, "events": 0}
    assert crm_core.validate_store(json.dumps(store()))["orders"] == 1


def test_unknown_currency():
    e = one_error(store(currency="TRL"))
    assert (e.code, e.domain, e.field, e.value) == ("unknown_currency", "model", "currency", "TRL")
    assert str(e) == 'order "o1" (orders[0]): field `currency`: unknown currency `TRL`'
    d = e.errors[0]
    assert d == {
        "code": "unknown_currency",
        "record": "order",
        "index": 0,
        "id": "o1",
        "field": "currency",
        "value": "TRL",
        "message": str(e),
    }


def test_lower_case_currency_is_unknown():
    e = one_error(store(currency="try"))
    assert e.code == "unknown_currency" and e.value == "try"


def test_unknown_time_zone():
    doc = store()
    doc["customers"][0]["time_zone"] = "Mars/Olympus"
    e = one_error(doc)
    assert (e.code, e.field, e.value) == ("unknown_time_zone", "time_zone", "Mars/Olympus")
    assert str(e) == 'customer "c1" (customers[0]): field `time_zone`: unknown time zone `Mars/Olympus`'
    assert e.errors[0]["record"] == "customer"


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01T00:00:00Z", "2024-05-01T10:00:00"])
def test_unparsable_or_zone_less_timestamp(text):
    e = one_error(store(placed_at=text))
    assert (e.code, e.field, e.value) == ("invalid_timestamp", "placed_at", text)
    assert str(e) == (
        f'order "o1" (orders[0]): field `placed_at`: unparsable timestamp `{text}` '
        "(expected RFC 3339 with a zone, e.g. 2024-05-01T10:00:00Z)"
    )


@pytest.mark.parametrize("qty", [0, -1])
def test_quantity_below_one(qty):
    lines = [{"sku": "MUG", "quantity": qty, "unit_price": 1250}]
    e = one_error(store(lines=lines, subtotal=0, shipping=0, total=0))
    assert (e.code, e.field, e.value) == ("invalid_quantity", "lines[0].quantity", str(qty))
    assert str(e) == f'order "o1" (orders[0]): field `lines[0].quantity`: quantity must be at least 1, got {qty}'


def test_negative_amount():
    e = one_error(store(shipping=-500, total=2000))
    assert (e.code, e.field, e.value) == ("negative_amount", "shipping", "-500")
    assert str(e) == 'order "o1" (orders[0]): field `shipping`: amount must not be negative, got -500'


def test_currency_mismatch_inside_an_order():
    lines = [{"sku": "MUG", "quantity": 2, "unit_price": 1250, "currency": "EUR"}]
    e = one_error(store(lines=lines))
    assert (e.code, e.field, e.value) == ("currency_mismatch", "lines[0].currency", "EUR")
    assert str(e) == (
        'order "o1" (orders[0]): field `lines[0].currency`: currency EUR differs from the record\'s currency TRY'
    )


def test_refund_in_another_currency():
    refunds = [{"amount": 100, "at": "2024-02-02T00:00:00Z", "currency": "USD"}]
    e = one_error(store(status="partially_refunded", refunds=refunds))
    assert (e.code, e.field) == ("currency_mismatch", "refunds[0].currency")


def test_total_does_not_add_up():
    # 2500 subtotal − 0 discount + 500 shipping + 0 tax = 3000, not 2999.
    e = one_error(store(total=2999))
    assert (e.code, e.field, e.value) == ("totals_mismatch", "total", "2999")
    assert str(e) == 'order "o1" (orders[0]): field `total`: totals do not add up: expected 3000, got 2999'


def test_subtotal_does_not_add_up():
    # One line: 2 × 1250 = 2500, not 2400.
    e = one_error(store(subtotal=2400, total=2900))
    assert (e.code, e.field) == ("totals_mismatch", "subtotal")
    assert str(e) == 'order "o1" (orders[0]): field `subtotal`: totals do not add up: expected 2500, got 2400'


def test_taxes_included_are_not_added():
    # With taxes_included the tax is informational: total = 2500 + 500 = 3000.
    assert crm_core.validate_store(store(tax=400, taxes_included=True))["orders"] == 1
    e = one_error(store(tax=400))
    assert "expected 3400, got 3000" in str(e)


def test_duplicate_ids():
    doc = store()
    second = copy.deepcopy(doc["orders"][0])
    doc["orders"].append(second)
    e = one_error(doc)
    assert (e.code, e.field, e.value) == ("duplicate_id", "id", "o1")
    assert str(e) == 'order "o1" (orders[1]): field `id`: duplicate id `o1` (first used at index 0)'
    assert e.errors[0]["index"] == 1


def test_every_bad_record_is_listed():
    doc = store(currency="XXQ")
    doc["orders"].append(dict(copy.deepcopy(ORDER), id="o2", placed_at="soon"))
    doc["customers"][0]["time_zone"] = "Nowhere/City"
    with pytest.raises(ModelError) as info:
        crm_core.validate_store(doc)
    e = info.value
    assert [d["code"] for d in e.errors] == ["unknown_time_zone", "unknown_currency", "invalid_timestamp"]
    assert [(d["record"], d["index"]) for d in e.errors] == [("customer", 0), ("order", 0), ("order", 1)]
    assert e.code == "unknown_time_zone"  # the code of the first error
    assert str(e).startswith("3 errors; first: customer \"c1\" (customers[0]): field `time_zone`")
    assert str(e).endswith("(and 2 more)")


def test_missing_field_is_malformed():
    doc = store()
    del doc["orders"][0]["total"]
    e = one_error(doc)
    assert (e.code, e.field) == ("malformed", "total")
    assert "missing field `total`" in str(e)


def test_guest_order_needs_a_contact():
    doc = store(customer_id=None)
    del doc["orders"][0]["customer_id"]
    e = one_error(doc)
    assert (e.code, e.field) == ("invalid_value", "customer_id")
    assert "a guest record needs contact.email or contact.phone" in str(e)


def test_not_an_object():
    with pytest.raises(ModelError) as info:
        crm_core.validate_store("[1, 2]")
    assert info.value.code == "malformed"
    assert str(info.value).startswith("document: expected a JSON object")


def test_invalid_json_text_in_a_store():
    with pytest.raises(ModelError) as info:
        crm_core.validate_store("{not json")
    assert info.value.code == "malformed"
    assert "invalid JSON" in str(info.value)


def test_load_store_normalises():
    doc = store(placed_at="2024-02-01T13:00:00+03:00")
    loaded = crm_core.load_store(doc)
    assert loaded["orders"][0]["placed_at"] == "2024-02-01T10:00:00Z"
    assert loaded["orders"][0]["discount"] == 0
    with pytest.raises(ModelError):
        crm_core.load_store(store(currency="ZZZ"))


# --- the JSON interface's own errors --------------------------------------------


def test_unknown_function():
    with pytest.raises(RequestError) as info:
        crm_core.call("customer_fact", {})
    e = info.value
    assert (e.code, e.domain, e.value) == ("unknown_function", "request", "customer_fact")
    assert str(e).startswith("unknown function `customer_fact` (expected one of: version, validate_store")


def test_missing_request_field():
    with pytest.raises(RequestError) as info:
        crm_core.call("customer_facts", {"store": {}})
    assert (info.value.code, info.value.field) == ("missing_field", "as_of")
    assert str(info.value) == "request field `as_of` is required"


def test_unknown_request_field():
    with pytest.raises(RequestError) as info:
        crm_core.call("validate_store", {"store": {}, "as_of": "2024-01-01T00:00:00Z"})
    assert (info.value.code, info.value.field) == ("invalid_field", "as_of")


def test_invalid_json_text():
    with pytest.raises(RequestError) as info:
        crm_core.call("version", "{oops")
    assert info.value.code == "invalid_json"
    assert str(info.value).startswith("request is not valid JSON: ")


def test_request_not_an_object():
    with pytest.raises(RequestError) as info:
        crm_core.call("version", [1, 2])
    assert info.value.code == "not_an_object"


def test_python_value_that_is_not_json():
    with pytest.raises(RequestError) as info:
        crm_core.call("validate_store", {"store": {"orders": [{"id": {1, 2}}]}})
    e = info.value
    assert (e.code, e.field) == ("invalid_field", "store.orders[0].id")
    assert "set is not a JSON value" in str(e)


def test_unparsable_as_of_is_a_time_error():
    with pytest.raises(TimeError) as info:
        crm_core.call("customer_facts", {"store": {}, "as_of": "2024-03-01 00:00"})
    e = info.value
    assert (e.code, e.domain, e.value) == ("invalid_timestamp", "time", "2024-03-01 00:00")
    assert str(e) == (
        "unparsable timestamp `2024-03-01 00:00` (expected RFC 3339 with a zone, e.g. 2024-05-01T10:00:00Z)"
    )
    assert e.details == [{"code": "invalid_timestamp", "message": str(e)}]


def test_unknown_rate_currency_is_a_money_error():
    req = {"store": store(), "as_of": "2024-03-01T00:00:00Z", "options": {"rates": {"target": "XXX", "rates": {}}}}
    with pytest.raises(MoneyError) as info:
        crm_core.call("customer_facts", req)
    e = info.value
    assert (e.code, e.value) == ("unknown_currency", "XXX")
    assert str(e) == "unknown currency `XXX` (expected an ISO 4217 code such as TRY, EUR, USD)"


def test_invalid_rate_is_a_money_error():
    req = {"store": store(), "as_of": "2024-03-01T00:00:00Z", "options": {"rates": {"target": "TRY", "rates": {"USD": "-1"}}}}
    with pytest.raises(MoneyError) as info:
        crm_core.call("customer_facts", req)
    assert (info.value.code, info.value.value) == ("invalid_rate", "-1")


def test_mixed_currencies_is_a_facts_error():
    doc = store()
    doc["orders"].append(dict(copy.deepcopy(ORDER), id="o2", currency="EUR"))
    with pytest.raises(FactsError) as info:
        crm_core.call("customer_facts", {"store": doc, "as_of": "2024-03-01T00:00:00Z"})
    e = info.value
    assert e.code == "mixed_currencies"
    assert str(e) == "customer `c1` has orders in EUR and TRY; pass exchange rates to sum them"


def test_exceptions_pickle_with_their_attributes():
    with pytest.raises(ModelError) as info:
        crm_core.validate_store(store(currency="TRL"))
    e = pickle.loads(pickle.dumps(info.value))
    assert type(e) is ModelError
    assert (e.code, e.domain, e.field, e.value, str(e)) == (
        info.value.code,
        "model",
        "currency",
        "TRL",
        str(info.value),
    )
    assert e.errors == info.value.errors


def test_version():
    assert crm_core.version() == crm_core.__version__
    assert crm_core.call("version", {}) == {"version": crm_core.__version__, "wire_version": crm_core.WIRE_VERSION}
