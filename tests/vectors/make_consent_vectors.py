"""Writes the consent and privacy golden vectors. Every expected value is
worked out by hand from the rules in docs/consent.md (the working is in
README.md, "consent"); the pseudonyms come from Python's own hmac module.

Run in this folder: python3 make_consent_vectors.py
"""
import hashlib
import hmac
import json


def write(name, desc, function, request, expected):
    with open(name, "w") as f:
        json.dump({"description": desc, "function": function, "request": request, "expected": expected},
                  f, indent=1, ensure_ascii=False)
        f.write("\n")


def ok(result):
    return {"ok": True, "result": result}


def ev(i, cust, channel, status, at, purpose="marketing", source=None, proof=None, recipient="individual", reason=None):
    e = {"id": f"e{i}", "customer_id": cust, "channel": channel, "purpose": purpose, "status": status, "at": at,
         "recipient_type": recipient}
    if source:
        e["source"] = source
    if proof:
        e["proof"] = proof
    if reason:
        e["reason"] = reason
    return e


CONSENTS = [
    ev(0, "ayla", "email", "granted", "2024-01-01T09:00:00Z", source="web_form", proof="form-1"),
    ev(1, "ayla", "email", "withdrawn", "2024-03-01T09:00:00Z", source="unsubscribe_link"),
    ev(2, "ayla", "sms", "granted", "2024-02-01T10:00:00Z", source="checkout_checkbox", proof="order-7"),
    ev(3, "ayla", "sms", "suppressed", "2024-04-01T00:00:00Z", source="sms_gateway", reason="invalid_number"),
    ev(4, "ben", "email", "granted", "2024-02-01T10:00:00Z", source="web_form", proof="form-2"),
    ev(5, "ben", "email", "confirmed", "2024-02-02T09:00:00Z", source="confirmation_link"),
    ev(6, "ben", "sms", "granted", "2024-02-01T10:00:00Z", source="web_form", proof="form-3"),
    # Arrives late in the list but happened earlier than event 7: order of the list does not matter.
    ev(8, "dan", "email", "withdrawn", "2024-01-10T00:00:00Z", source="call_center"),
    ev(7, "dan", "email", "granted", "2024-01-10T00:00:00Z", source="web_form"),
    ev(9, "dan", "push", "granted", "2024-01-01T00:00:00Z", source="mobile_app"),
]
CUSTOMERS = [
    {"id": "ayla", "created_at": "2023-12-01T00:00:00Z", "email": "ayla@example.com", "phone": "+905321234567",
     "first_name": "Ayla", "location": {"city": "Izmir", "country": "TR"}},
    {"id": "ben", "created_at": "2024-01-15T00:00:00Z", "email": "ben@example.de",
     "location": {"city": "Berlin", "country": "DE"}},
    {"id": "dan", "created_at": "2023-11-01T00:00:00Z", "email": "dan@example.com", "phone": "05551112233"},
]
STORE = {"customers": CUSTOMERS, "consents": CONSENTS}
POLICY = {"double_opt_in": {"countries": ["DE"]}, "confirm_within_hours": 72}


def evidence(i):
    e = dict(CONSENTS[i])
    e["event_index"] = i
    e.pop("customer_id")
    e.pop("channel")
    return e


def decide(name, desc, customer, channel, at, expected, purpose="marketing", policy=POLICY):
    req = {"store": STORE, "customer_id": customer, "channel": channel, "purpose": purpose, "at": at}
    if policy is not None:
        req["policy"] = policy
    write(name, desc, "consent", req, ok(expected))


decide("consent_granted.json", "ayla's e-mail grant (event 0) is in force before her withdrawal.",
       "ayla", "email", "2024-02-15T00:00:00Z", {"allowed": True, "state": "granted", "evidence": [evidence(0)]})
decide("consent_withdrawn.json", "After ayla's withdrawal (event 1) no marketing e-mail may go.",
       "ayla", "email", "2024-03-15T00:00:00Z", {"allowed": False, "state": "withdrawn", "evidence": [evidence(1)]})
decide("consent_transactional.json", "A transactional message needs no consent, even after a withdrawal.",
       "ayla", "email", "2024-03-15T00:00:00Z", {"allowed": True, "state": "transactional", "evidence": []},
       purpose="transactional")
decide("consent_suppressed.json", "An invalid number suppresses ayla's SMS although her grant (event 2) stands.",
       "ayla", "sms", "2024-04-02T00:00:00Z", {"allowed": False, "state": "suppressed", "evidence": [evidence(3)]})
decide("consent_double_opt_in_pending.json",
       "ben is in Germany (double opt-in by country): his grant is not in force before its confirmation.",
       "ben", "email", "2024-02-01T12:00:00Z",
       {"allowed": False, "state": "pending_confirmation", "evidence": [evidence(4)]})
decide("consent_double_opt_in_confirmed.json", "ben confirmed 23 hours after granting: in force, with both events.",
       "ben", "email", "2024-02-03T00:00:00Z",
       {"allowed": True, "state": "granted", "evidence": [evidence(4), evidence(5)]})
decide("consent_double_opt_in_lapsed.json",
       "ben's SMS grant was never confirmed: 72 hours after 2024-02-01T10:00Z (2024-02-04T10:00Z) it lapsed.",
       "ben", "sms", "2024-02-05T00:00:00Z", {"allowed": False, "state": "lapsed", "evidence": [evidence(6)]})
decide("consent_equal_timestamps.json",
       "dan granted and withdrew at the same instant (listed withdrawal first): the withdrawal wins.",
       "dan", "email", "2024-02-01T00:00:00Z",
       {"allowed": False, "state": "withdrawn", "evidence": [evidence(7)]})
decide("consent_no_record.json", "No event for dan's calls: no consent.",
       "dan", "call", "2024-02-01T00:00:00Z", {"allowed": False, "state": "no_consent", "evidence": []})

# At 2024-04-02 under the policy: ayla email withdrawn, sms suppressed, no call/push events;
# ben email granted (confirmed), sms lapsed; dan email withdrawn, push granted.
def cell(state):
    return {"state": state, "allowed": state in ("granted", "merchant_exempt", "transactional")}


write("consent_table.json", "Every customer's marketing consent on every channel at 2024-04-02 (hand-worked per event above).",
      "consent_table", {"store": STORE, "policy": POLICY, "at": "2024-04-02T00:00:00Z"},
      ok({"at": "2024-04-02T00:00:00Z", "purpose": "marketing", "customers": [
          {"customer_id": "ayla", "email": cell("withdrawn"), "sms": cell("suppressed"), "call": cell("no_consent"),
           "push": cell("no_consent")},
          {"customer_id": "ben", "email": cell("granted"), "sms": cell("lapsed"), "call": cell("no_consent"),
           "push": cell("no_consent")},
          {"customer_id": "dan", "email": cell("withdrawn"), "sms": cell("no_consent"), "call": cell("no_consent"),
           "push": cell("granted")},
      ]}))

# İYS: consentDate is Turkey's time (GMT+3): 2024-05-01 12:30:00 is 09:30:00Z.
IYS = [
    {"recipient": "AYLA@example.com", "type": "EPOSTA", "status": "ONAY", "source": "HS_WEB",
     "consentDate": "2024-05-01 12:30:00", "recipientType": "BIREYSEL"},
    {"recipient": "+90 555 111 22 33", "type": "MESAJ", "status": "RET", "source": "HS_CAGRI_MERKEZI",
     "consentDate": "2024-05-02 08:00:00", "recipientType": "BIREYSEL"},
]
write("iys_import.json", "Two İYS records matched by e-mail (case-insensitive) and by phone (national 10 digits).",
      "iys_import", {"store": STORE, "records": IYS},
      ok({"events": [
          {"customer_id": "ayla", "channel": "email", "purpose": "marketing", "status": "granted",
           "at": "2024-05-01T09:30:00Z", "source": "HS_WEB", "recipient_type": "individual"},
          {"customer_id": "dan", "channel": "sms", "purpose": "marketing", "status": "withdrawn",
           "at": "2024-05-02T05:00:00Z", "source": "HS_CAGRI_MERKEZI", "recipient_type": "individual"},
      ]}))
BAD = [dict(IYS[0], type="FAKS"), dict(IYS[1], consentDate="2024-05-02T08:00:00+03:00")]
# Error messages as worded by ConsentError (index and field named).
def error(domain, code, message, details):
    return {"ok": False, "error": {"domain": domain, "code": code, "message": message, "details": details}}


BAD_TYPE = "İYS record 0, field `type`: unknown channel `FAKS` (expected MESAJ, ARAMA or EPOSTA)"
BAD_DATE = ("İYS record 1, field `consentDate`: expected YYYY-MM-DD HH:MM:SS in Turkey's time (UTC+03:00) "
            "(got `2024-05-02T08:00:00+03:00`)")
write("error_iys_bad_records.json", "Every bad İYS record is reported, each naming its index and field; nothing is imported.",
      "iys_import", {"store": STORE, "records": BAD},
      error("consent", "unknown_channel", f"2 errors; first: {BAD_TYPE} (and 1 more)", [
          {"code": "unknown_channel", "index": 0, "field": "type", "value": "FAKS", "message": BAD_TYPE},
          {"code": "invalid_timestamp", "index": 1, "field": "consentDate", "value": "2024-05-02T08:00:00+03:00",
           "message": BAD_DATE}]))


def pseudonym(salt, value):
    return "anon_" + hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


SALT = "shop-secret-salt-0001"
ERASE_STORE = {
    "customers": [
        {"id": "ayla", "created_at": "2023-12-01T00:00:00Z", "email": "ayla@example.com", "first_name": "Ayla"},
        {"id": "ben", "created_at": "2024-01-15T00:00:00Z", "email": "ben@example.de"},
    ],
    "orders": [
        {"id": "o1", "customer_id": "ayla", "placed_at": "2024-02-01T10:00:00Z", "currency": "TRY", "status": "paid",
         "subtotal": 1000, "total": 1000, "contact": {"email": "ayla@example.com"}},
        {"id": "o2", "customer_id": "ben", "placed_at": "2024-02-02T10:00:00Z", "currency": "EUR", "status": "paid",
         "subtotal": 500, "total": 500},
    ],
    "consents": [ev(0, "ayla", "email", "granted", "2024-01-01T09:00:00Z", source="web_form", proof="form-1"),
                 ev(1, "ben", "email", "granted", "2024-01-20T09:00:00Z", source="web_form")],
}
anon = pseudonym(SALT, "ayla")
proof = "email:" + pseudonym(SALT, "ayla@example.com")
tomb = lambda ch: {"customer_id": anon, "channel": ch, "purpose": "marketing", "status": "erased",
                   "at": "2024-06-01T00:00:00Z", "source": "erasure_request", "proof": proof,
                   "recipient_type": "individual"}
# A store comes back in its canonical form: amounts that default to 0 and empty lines written out.
canon = lambda o: {**o, "discount": 0, "shipping": 0, "tax": 0, "lines": []}
o1 = canon({k: v for k, v in ERASE_STORE["orders"][0].items() if k != "contact"})
o1["customer_id"] = anon
write("erase_customer.json",
      "Erasing ayla: her profile goes, her order stays under HMAC-SHA256(salt, id), her consent becomes four tombstones; ben is untouched.",
      "erase", {"store": ERASE_STORE, "customer_id": "ayla", "salt": SALT, "at": "2024-06-01T00:00:00Z"},
      ok({"store": {"customers": [ERASE_STORE["customers"][1]], "orders": [o1, canon(ERASE_STORE["orders"][1])],
                    "carts": [], "consents": [ERASE_STORE["consents"][1]] + [tomb(c) for c in ("email", "sms", "call", "push")],
                    "events": []}}))
UNKNOWN = "unknown customer `zed`: no customer record and no order, cart, event or consent event names it"
write("error_erase_unknown_customer.json", "Erasing an id no record names is an error.",
      "erase", {"store": ERASE_STORE, "customer_id": "zed", "salt": SALT, "at": "2024-06-01T00:00:00Z"},
      error("privacy", "unknown_customer", UNKNOWN, [{"code": "unknown_customer", "message": UNKNOWN}]))
SHORT = "salt must be at least 16 bytes, got 5"
write("error_erase_short_salt.json", "A salt shorter than 16 bytes is refused.",
      "erase", {"store": ERASE_STORE, "customer_id": "ayla", "salt": "short", "at": "2024-06-01T00:00:00Z"},
      error("privacy", "invalid_salt", SHORT, [{"code": "invalid_salt", "message": SHORT}]))

RET_STORE = {"carts": [
    {"id": "k1", "contact": {"email": "g@example.com"}, "currency": "EUR", "items": [],
     "created_at": "2024-04-01T00:00:00Z", "updated_at": "2024-04-01T00:00:00Z"},
    {"id": "k2", "contact": {"email": "h@example.com"}, "currency": "EUR", "items": [],
     "created_at": "2024-05-20T00:00:00Z", "updated_at": "2024-05-20T00:00:00Z"},
    {"id": "k3", "customer_id": "ben", "currency": "EUR", "items": [],
     "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"},
]}
write("retention_guest_carts.json",
      "30-day retention on 2024-06-01: guest cart k1 (61 days old) goes; k2 (12 days) and ben's k3 stay.",
      "retention", {"store": RET_STORE, "policy": {"guest_cart_days": 30, "guest_event_days": 90}, "now": "2024-06-01T00:00:00Z"},
      ok({"store": {"customers": [], "orders": [], "carts": RET_STORE["carts"][1:], "consents": [], "events": []},
          "report": {"carts_removed": 1, "events_removed": 0}}))

# İYS export at 2024-04-02 (GMT+3 dates; non-İYS sources become HS_EORTAM; suppression is not an İYS
# status; no event, no record), sorted by recipient text ('+' before letters).
rec = lambda recipient, kind, status, date: {"recipient": recipient, "type": kind, "status": status,
                                              "source": "HS_EORTAM", "consentDate": date, "recipientType": "BIREYSEL"}
write("iys_export.json", "The store's marketing consents as İYS records at 2024-04-02 under the double opt-in policy.",
      "iys_export", {"store": STORE, "policy": POLICY, "at": "2024-04-02T00:00:00Z"},
      ok({"records": [
          rec("+905321234567", "MESAJ", "ONAY", "2024-02-01 13:00:00"),
          rec("ayla@example.com", "EPOSTA", "RET", "2024-03-01 12:00:00"),
          rec("ben@example.de", "EPOSTA", "ONAY", "2024-02-01 13:00:00"),
          rec("dan@example.com", "EPOSTA", "RET", "2024-01-10 03:00:00"),
      ]}))

# Subject export of a one-customer store as of 2024-03-01: one paid order of 10.00 TRY on 02-01 10:00.
# facts: 28 days since the order (28 d 14 h, floored), tenure 60 days (Jan 31 + Feb 29), AOV 1000,
# no lines so no categories; last activity = the order. RFM over one scored customer: nobody is
# worse, so r = f = m = 1 + floor(5 * 0 / 1) = 1; seed map: not Lost (28 < 90), not VIP/Loyal/New/
# Potential Loyal (r = 1), r <= 2 -> "At Risk".
EX_CUSTOMER = {"id": "ayla", "created_at": "2024-01-01T00:00:00Z", "email": "ayla@example.com"}
EX_ORDER = {"id": "o1", "customer_id": "ayla", "placed_at": "2024-02-01T10:00:00Z", "currency": "TRY",
            "status": "paid", "subtotal": 1000, "total": 1000}
EX_CONSENT = ev(0, "ayla", "email", "granted", "2024-01-01T09:00:00Z", source="web_form", proof="form-1")
write("subject_export.json", "Everything held on ayla as one document (GDPR Art. 15/20), facts and RFM worked out by hand.",
      "subject_export", {"store": {"customers": [EX_CUSTOMER], "orders": [EX_ORDER], "consents": [EX_CONSENT]},
                         "customer_id": "ayla", "as_of": "2024-03-01T00:00:00Z"},
      ok({"format": "crm-subject-export", "version": 1, "customer_id": "ayla", "exported_at": "2024-03-01T00:00:00Z",
          "profile": EX_CUSTOMER,
          "orders": [canon(EX_ORDER)], "carts": [], "events": [], "consent": [EX_CONSENT],
          "facts": {"customer_id": "ayla", "first_order_at": "2024-02-01T10:00:00Z",
                    "last_order_at": "2024-02-01T10:00:00Z", "order_count": 1, "net_spend": 1000, "currency": "TRY",
                    "average_order_value": 1000, "days_since_last_order": 28, "tenure_days": 60,
                    "distinct_categories": 0, "spend_by_category": {}, "top_category": None,
                    "discounted_order_share": 0.0, "refund_count": 0, "refund_amount": 0,
                    "abandoned_cart_count": 0, "last_abandoned_at": None,
                    "last_activity_at": "2024-02-01T10:00:00Z"},
          "segments": {"map": "seed", "k": 5, "recency": 28, "frequency": 1, "monetary": 1000, "currency": "TRY",
                       "r": 1, "f": 1, "m": 1, "segment": "At Risk"},
          "unavailable": []}))
