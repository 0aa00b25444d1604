"""Writes the campaign planner golden vectors (campaign_*.json). Every expected
value is worked out by hand from the rules documented in crm-core/src/campaign
(the working is in README.md, "campaign"); idempotency keys, offer codes and
holdout buckets come from Python's own hashlib and hmac modules, following the
definitions in crm-core/src/campaign/codes.rs. It never calls the library.

Run in this folder: python3 make_campaign_vectors.py
"""
import hashlib
import hmac
import json

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def framed(*parts):
    """Length-prefixed fields: 8-byte big-endian length, then the UTF-8 bytes."""
    return b"".join(len(p.encode()).to_bytes(8, "big") + p.encode() for p in parts)


def key(customer, flow, step, subject):
    """First 16 bytes of SHA-256 over the framed (customer, flow, step, subject), in hex."""
    return hashlib.sha256(framed(customer, flow, step, subject)).hexdigest()[:32]


def code(secret, prefix, k, length=8):
    """PREFIX-, then `length` Crockford base-32 characters from the leading bits of HMAC-SHA256(secret, key)."""
    n = int.from_bytes(hmac.new(secret.encode(), k.encode(), hashlib.sha256).digest(), "big")
    return prefix + "-" + "".join(CROCKFORD[(n >> (256 - 5 * (i + 1))) & 31] for i in range(length))


def bucket(secret, scope, customer):
    """(first 8 bytes of HMAC-SHA256(key, framed(scope, customer)) as big-endian u64 >> 11) / 2**53."""
    d = hmac.new(secret.encode(), framed(scope, customer), hashlib.sha256).digest()
    return (int.from_bytes(d[:8], "big") >> 11) / 2**53


# The constants codes.rs pins from the Python one-liners in its comments.
assert key("c1", "f", "s", "x") == "1a4aab6aabe3f93371fd01521f735480"
assert code("shop-secret", "SEPET15", "0123abcd", 6) == "SEPET15-5ZWX80"


def write(name, desc, function, request, expected):
    with open(name, "w") as f:
        json.dump({"description": desc, "function": function, "request": request, "expected": expected},
                  f, indent=1, ensure_ascii=False)
        f.write("\n")


def ok(result):
    return {"ok": True, "result": result}


def error(code_, field, message, **extra):
    text = f"{field}: {message}"
    detail = {"code": code_, "field": field, "message": text, **extra}
    return {"ok": False, "error": {"domain": "campaign", "code": code_, "message": text, "details": [detail]}}


SECRET = "shop-secret"

# ---------------------------------------------------------------- store A: Ann in Istanbul (UTC+3 all year)
ANN = {"id": "c1", "created_at": "2026-01-10T00:00:00Z", "email": "ann@example.com", "first_name": "Ann",
       "time_zone": "Europe/Istanbul"}
K1_ITEMS = [{"sku": "SH-1", "title": "Running shoes", "quantity": 1, "unit_price": 150000},
            {"sku": "SO-2", "title": "Socks", "quantity": 3, "unit_price": 5000, "discount": 1000}]
K1 = {"id": "k1", "customer_id": "c1", "currency": "TRY", "created_at": "2026-05-01T09:00:00Z",
      "updated_at": "2026-05-01T09:10:00Z", "items": K1_ITEMS}
ANN_EMAIL = {"customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "granted",
             "at": "2026-01-10T00:00:00Z", "source": "web_form"}
STORE_A = {"customers": [ANN], "carts": [K1], "consents": [ANN_EMAIL]}

# The payload of a cart message: the items in the store's canonical form (discount written out),
# each with the cart's currency, and the value Σ quantity × unit_price − discount.
K1_PAYLOAD = {
    "first_name": "Ann",
    "cart_id": "k1",
    "cart_items": [
        {"sku": "SH-1", "title": "Running shoes", "quantity": 1, "unit_price": 150000, "discount": 0, "currency": "TRY"},
        {"sku": "SO-2", "title": "Socks", "quantity": 3, "unit_price": 5000, "discount": 1000, "currency": "TRY"},
    ],
    "cart_value": {"amount": 164000, "currency": "TRY"},  # 150 000 + 3 × 5 000 − 1 000
}
K_REMINDER = key("c1", "cart_recovery", "reminder", "cart:k1")
K_DISCOUNT = key("c1", "cart_recovery", "discount", "cart:k1")
REMINDER_LOG = {"key": K_REMINDER, "customer_id": "c1", "flow": "cart_recovery", "step": "reminder",
                "subject": "cart:k1", "channel": "email", "sent_at": "2026-05-01T10:10:00Z"}


def cart_message(k, step, template, send_at, local, payload, **extra):
    m = {"key": k, "customer_id": "c1", "flow": "cart_recovery", "step": step, "subject": "cart:k1",
         "send_at": send_at, "local_time": local, "time_zone": "Europe/Istanbul", "channel": "email",
         "address": "ann@example.com", "purpose": "marketing", "template": template, "payload": payload}
    m.update(extra)
    return m


def decision(k, customer, flow, step, subject, due_at, reason, evidence):
    return {"key": k, "customer_id": customer, "flow": flow, "step": step, "subject": subject, "due_at": due_at,
            "reason": reason, "evidence": evidence}


# 1. Cart recovery: idle 1 h after 09:10Z → reminder at 10:10Z (13:10 in Istanbul); the 24 h
#    discount (09:10Z next day) is inside a 25 h horizon, 23 h after the reminder (e-mail cap 16 h).
write("campaign_cart_recovery.json",
      "Ann's cart k1 idle since 09:10Z: the reminder at 10:10Z (13:10 Istanbul) and, within 25 h, the 15% discount with its code.",
      "campaign_plan",
      {"store": STORE_A, "flows": ["cart_recovery"], "policy": {"offer_secret": SECRET},
       "now": "2026-05-01T10:10:00Z", "horizon": "25h"},
      ok({"now": "2026-05-01T10:10:00Z", "horizon": "25h", "decisions": [], "messages": [
          cart_message(K_REMINDER, "reminder", "cart_reminder", "2026-05-01T10:10:00Z",
                       "2026-05-01T13:10:00+03:00", K1_PAYLOAD),
          cart_message(K_DISCOUNT, "discount", "cart_discount", "2026-05-02T09:10:00Z",
                       "2026-05-02T12:10:00+03:00", K1_PAYLOAD,
                       offer={"percent_off": 15, "free_shipping": False,
                              "code": code(SECRET, "SEPET15", K_DISCOUNT),
                              "expires_at": "2026-05-03T09:10:00Z"}),
      ]}))

# 2. Converted between steps: the reminder went out (send log), the cart became o1 at 15:00Z;
#    at the discount's due time the instance has exited.
O1 = {"id": "o1", "customer_id": "c1", "placed_at": "2026-05-01T15:00:00Z", "currency": "TRY", "status": "paid",
      "lines": [{"sku": "SH-1", "title": "Running shoes", "quantity": 1, "unit_price": 150000}],
      "subtotal": 150000, "total": 150000}
K1_CONVERTED = dict(K1, converted_order_id="o1", converted_at="2026-05-01T15:00:00Z")
write("campaign_cart_converted.json",
      "k1 became order o1 at 15:00Z, after the reminder: the discount step (due 09:10Z next day) is exited.",
      "campaign_plan",
      {"store": {"customers": [ANN], "orders": [O1], "carts": [K1_CONVERTED], "consents": [ANN_EMAIL]},
       "flows": ["cart_recovery"], "policy": {"offer_secret": SECRET}, "send_log": [REMINDER_LOG],
       "now": "2026-05-02T09:10:00Z"},
      ok({"now": "2026-05-02T09:10:00Z", "horizon": "1h", "messages": [], "decisions": [
          decision(K_REMINDER, "c1", "cart_recovery", "reminder", "cart:k1", "2026-05-01T10:10:00Z", "already_sent",
                   {"sent_at": "2026-05-01T10:10:00Z", "channel": "email"}),
          decision(K_DISCOUNT, "c1", "cart_recovery", "discount", "cart:k1", "2026-05-02T09:10:00Z", "exited",
                   {"exit": "cart_converted", "order_id": "o1", "at": "2026-05-01T15:00:00Z"}),
      ]}))

# 3. Consent withdrawn (event unsub-1, 12:00Z) after entry (09:10Z): the discount step is exited;
#    the evidence names the withdrawal by its id (not its position in the store).
WITHDRAWAL = {"id": "unsub-1", "customer_id": "c1", "channel": "email", "purpose": "marketing", "status": "withdrawn",
              "at": "2026-05-01T12:00:00Z", "source": "unsubscribe_link"}
write("campaign_consent_withdrawn.json",
      "Ann unsubscribed at 12:00Z, after entering at 09:10Z: the discount step is exited with the withdrawal as evidence.",
      "campaign_plan",
      {"store": {"customers": [ANN], "carts": [K1], "consents": [ANN_EMAIL, WITHDRAWAL]},
       "flows": ["cart_recovery"], "policy": {"offer_secret": SECRET}, "send_log": [REMINDER_LOG],
       "now": "2026-05-02T09:10:00Z"},
      ok({"now": "2026-05-02T09:10:00Z", "horizon": "1h", "messages": [], "decisions": [
          decision(K_REMINDER, "c1", "cart_recovery", "reminder", "cart:k1", "2026-05-01T10:10:00Z", "already_sent",
                   {"sent_at": "2026-05-01T10:10:00Z", "channel": "email"}),
          decision(K_DISCOUNT, "c1", "cart_recovery", "discount", "cart:k1", "2026-05-02T09:10:00Z", "exited",
                   {"exit": "consent_withdrawn", "channel": "email", "state": "withdrawn",
                    "at": "2026-05-01T12:00:00Z", "event_id": "unsub-1"}),
      ]}))

# 4. SMS quiet hours on New York's spring-forward day: due 06:30Z = 01:30 EST; TCPA 08:00-21:00;
#    08:00 on 8 March 2026 is already EDT (UTC−4) = 12:00Z.
NED = {"id": "ned", "created_at": "2026-01-05T00:00:00Z", "phone": "+12125550123", "first_name": "Ned",
       "time_zone": "America/New_York"}
K7 = {"id": "k7", "customer_id": "ned", "currency": "USD", "created_at": "2026-03-08T05:00:00Z",
      "updated_at": "2026-03-08T05:30:00Z", "items": [{"sku": "MUG", "title": "Mug", "quantity": 2, "unit_price": 1200}]}
NED_SMS = {"customer_id": "ned", "channel": "sms", "purpose": "marketing", "status": "granted",
           "at": "2026-01-05T00:00:00Z", "source": "checkout_checkbox"}
K_NED = key("ned", "cart_recovery", "reminder", "cart:k7")
write("campaign_sms_quiet_hours_dst.json",
      "Ned (New York, phone only) is due an SMS at 01:30 EST on 2026-03-08: deferred to 08:00 EDT = 12:00Z.",
      "campaign_plan",
      {"store": {"customers": [NED], "carts": [K7], "consents": [NED_SMS]}, "flows": ["cart_recovery"],
       "policy": {"offer_secret": SECRET}, "now": "2026-03-08T06:30:00Z", "horizon": "6h"},
      ok({"now": "2026-03-08T06:30:00Z", "horizon": "6h",
          "messages": [{
              "key": K_NED, "customer_id": "ned", "flow": "cart_recovery", "step": "reminder", "subject": "cart:k7",
              "send_at": "2026-03-08T12:00:00Z", "local_time": "2026-03-08T08:00:00-04:00",
              "time_zone": "America/New_York", "channel": "sms", "address": "+12125550123",
              "purpose": "marketing", "template": "cart_reminder",
              "payload": {"first_name": "Ned", "cart_id": "k7",
                          "cart_items": [{"sku": "MUG", "title": "Mug", "quantity": 2, "unit_price": 1200,
                                          "discount": 0, "currency": "USD"}],
                          "cart_value": {"amount": 2400, "currency": "USD"}},
              "due_at": "2026-03-08T06:30:00Z"}],
          "decisions": [decision(K_NED, "ned", "cart_recovery", "reminder", "cart:k7", "2026-03-08T06:30:00Z",
                                 "quiet_hours_deferred",
                                 {"channel": "sms", "local_time": "2026-03-08T01:30:00-05:00",
                                  "allowed": "08:00-21:00", "send_at": "2026-03-08T12:00:00Z"})]}))

# 5. Birthday on 29 February, in 2027 (not a leap year): kept on 28 February; 3 days before at
#    10:00 Istanbul = 2027-02-25T07:00Z; the code is valid 7 days.
LEA = {"id": "lea", "created_at": "2025-06-01T00:00:00Z", "email": "lea@example.com", "first_name": "Lea",
       "birth_date": "1996-02-29", "time_zone": "Europe/Istanbul"}
LEA_EMAIL = {"customer_id": "lea", "channel": "email", "purpose": "marketing", "status": "granted",
             "at": "2025-06-01T00:00:00Z", "source": "web_form"}
K_LEA = key("lea", "birthday", "birthday_gift", "birthday:2027")
write("campaign_birthday_leap_day.json",
      "Lea was born on 1996-02-29: in 2027 her birthday is 28 February; the gift goes 3 days before, 25 February 10:00 Istanbul.",
      "campaign_plan",
      {"store": {"customers": [LEA], "consents": [LEA_EMAIL]}, "flows": ["birthday"],
       "policy": {"offer_secret": SECRET}, "now": "2027-02-25T07:00:00Z"},
      ok({"now": "2027-02-25T07:00:00Z", "horizon": "1h", "decisions": [], "messages": [{
          "key": K_LEA, "customer_id": "lea", "flow": "birthday", "step": "birthday_gift", "subject": "birthday:2027",
          "send_at": "2027-02-25T07:00:00Z", "local_time": "2027-02-25T10:00:00+03:00",
          "time_zone": "Europe/Istanbul", "channel": "email", "address": "lea@example.com",
          "purpose": "marketing", "template": "birthday", "payload": {"first_name": "Lea"},
          "offer": {"percent_off": 20, "free_shipping": True, "code": code(SECRET, "DOGUMGUNU20", K_LEA),
                    "expires_at": "2027-03-04T07:00:00Z"}}]}))

# 6. Two flows on one order, both due 09:00Z by e-mail; smart sending allows one e-mail per 16 h:
#    the higher priority (order_thanks, 10) goes, order_survey (0) is capped although listed first.
CEM = {"id": "cem", "created_at": "2026-01-01T00:00:00Z", "email": "cem@example.com", "first_name": "Cem"}
CEM_EMAIL = {"customer_id": "cem", "channel": "email", "purpose": "marketing", "status": "granted",
             "at": "2026-01-01T00:00:00Z"}
O5 = {"id": "o5", "customer_id": "cem", "placed_at": "2026-06-10T08:00:00Z", "currency": "EUR", "status": "paid",
      "lines": [{"sku": "TEA", "quantity": 1, "unit_price": 4000}], "subtotal": 4000, "total": 4000}
SURVEY = {"id": "order_survey", "trigger": {"type": "order_placed"},
          "steps": [{"id": "survey", "delay": {"after": "1h"}, "channels": ["email"], "template": "survey"}]}
THANKS = {"id": "order_thanks", "priority": 10, "trigger": {"type": "order_placed"},
          "steps": [{"id": "thanks", "delay": {"after": "1h"}, "channels": ["email"], "template": "thanks"}]}
write("campaign_cap_two_flows.json",
      "Two order flows want to e-mail Cem at 09:00Z; one marketing e-mail per 16 h: the priority-10 flow wins, the other is capped.",
      "campaign_plan",
      {"store": {"customers": [CEM], "orders": [O5], "consents": [CEM_EMAIL]}, "flows": [SURVEY, THANKS],
       "now": "2026-06-10T09:00:00Z"},
      ok({"now": "2026-06-10T09:00:00Z", "horizon": "1h",
          "messages": [{
              "key": key("cem", "order_thanks", "thanks", "order:o5"), "customer_id": "cem", "flow": "order_thanks",
              "step": "thanks", "subject": "order:o5", "send_at": "2026-06-10T09:00:00Z",
              "local_time": "2026-06-10T09:00:00+00:00", "time_zone": "UTC", "channel": "email",
              "address": "cem@example.com", "purpose": "marketing", "template": "thanks",
              "payload": {"first_name": "Cem", "order_id": "o5"}}],
          "decisions": [decision(key("cem", "order_survey", "survey", "order:o5"), "cem", "order_survey", "survey",
                                 "order:o5", "2026-06-10T09:00:00Z", "capped",
                                 {"cap": 0, "channel": "email", "max": 1, "per": "16h",
                                  "counted": ["2026-06-10T09:00:00Z"], "send_at": "2026-06-10T09:00:00Z"})]}))

# 7. Guest carts (no customer record), store zone Berlin (CEST, UTC+2, in May): one with an
#    e-mail and consent under its guest key, one with a phone only and no consent.
K8 = {"id": "k8", "contact": {"email": "Gus@Example.com"}, "currency": "EUR", "created_at": "2026-05-01T09:00:00Z",
      "updated_at": "2026-05-01T09:10:00Z", "items": [{"title": "Scarf", "quantity": 1, "unit_price": 2500}]}
K9 = {"id": "k9", "contact": {"phone": "+491512345678"}, "currency": "EUR", "created_at": "2026-05-01T09:00:00Z",
      "updated_at": "2026-05-01T09:10:00Z", "items": [{"title": "Cap", "quantity": 2, "unit_price": 1500}]}
GUS_EMAIL = {"customer_id": "guest:gus@example.com", "channel": "email", "purpose": "marketing",
             "status": "granted", "at": "2026-04-01T00:00:00Z", "source": "checkout_checkbox"}
GUS = "guest:gus@example.com"
PHONE_GUEST = "guest:+491512345678"
write("campaign_guest_cart.json",
      "Guest carts: k8 (e-mail only, consent under guest:gus@example.com) gets the reminder; k9 (phone only, no consent) does not.",
      "campaign_plan",
      {"store": {"carts": [K8, K9], "consents": [GUS_EMAIL]}, "flows": ["cart_recovery"],
       "policy": {"time_zone": "Europe/Berlin", "offer_secret": SECRET}, "now": "2026-05-01T10:10:00Z"},
      ok({"now": "2026-05-01T10:10:00Z", "horizon": "1h",
          "messages": [{
              "key": key(GUS, "cart_recovery", "reminder", "cart:k8"), "customer_id": GUS, "flow": "cart_recovery",
              "step": "reminder", "subject": "cart:k8", "send_at": "2026-05-01T10:10:00Z",
              "local_time": "2026-05-01T12:10:00+02:00", "time_zone": "Europe/Berlin", "channel": "email",
              "address": "Gus@Example.com", "purpose": "marketing", "template": "cart_reminder",
              "payload": {"cart_id": "k8",
                          "cart_items": [{"title": "Scarf", "quantity": 1, "unit_price": 2500, "discount": 0,
                                          "currency": "EUR"}],
                          "cart_value": {"amount": 2500, "currency": "EUR"}}}],
          "decisions": [decision(key(PHONE_GUEST, "cart_recovery", "reminder", "cart:k9"), PHONE_GUEST,
                                 "cart_recovery", "reminder", "cart:k9", "2026-05-01T10:10:00Z", "no_consent",
                                 {"channels": [{"channel": "email", "outcome": "no_address"},
                                               {"channel": "sms", "outcome": "no_consent",
                                                "at": "2026-05-01T10:10:00Z"}]})]}))

# 8. The send log fed back: at 10:40Z the reminder (due 10:10Z, 30 min late, within 24 h) is logged.
write("campaign_already_sent.json",
      "Planning again at 10:40Z with the reminder in the send log: nothing to send, decision already_sent.",
      "campaign_plan",
      {"store": STORE_A, "flows": ["cart_recovery"], "policy": {"offer_secret": SECRET},
       "send_log": [REMINDER_LOG], "now": "2026-05-01T10:40:00Z"},
      ok({"now": "2026-05-01T10:40:00Z", "horizon": "1h", "messages": [], "decisions": [
          decision(K_REMINDER, "c1", "cart_recovery", "reminder", "cart:k1", "2026-05-01T10:10:00Z", "already_sent",
                   {"sent_at": "2026-05-01T10:10:00Z", "channel": "email"})]}))

# 9. Global holdout of 100%: the marketing reminder is held out; the transactional confirmation of
#    o0 (placed 09:00Z, 70 min before now, within the 24 h lateness) goes at now.
O0 = {"id": "o0", "customer_id": "c1", "placed_at": "2026-05-01T09:00:00Z", "currency": "TRY", "status": "paid",
      "lines": [{"sku": "HAT", "title": "Hat", "quantity": 1, "unit_price": 40000}], "subtotal": 40000,
      "total": 40000}
HOLDOUT_KEY = "control-2026"
write("campaign_holdout_all.json",
      "Everyone in the control group (100%): Ann's cart reminder is held out; her order confirmation (transactional) still goes.",
      "campaign_plan",
      {"store": {"customers": [ANN], "orders": [O0], "carts": [K1], "consents": [ANN_EMAIL]},
       "flows": ["cart_recovery", "order_confirmation"],
       "policy": {"offer_secret": SECRET, "holdout": {"percent": 100, "key": HOLDOUT_KEY}},
       "now": "2026-05-01T10:10:00Z"},
      ok({"now": "2026-05-01T10:10:00Z", "horizon": "1h",
          "messages": [{
              "key": key("c1", "order_confirmation", "confirmation", "order:o0"), "customer_id": "c1",
              "flow": "order_confirmation", "step": "confirmation", "subject": "order:o0",
              "send_at": "2026-05-01T10:10:00Z", "local_time": "2026-05-01T13:10:00+03:00",
              "time_zone": "Europe/Istanbul", "channel": "email", "address": "ann@example.com",
              "purpose": "transactional", "template": "order_confirmation",
              "payload": {"first_name": "Ann", "order_id": "o0"}, "due_at": "2026-05-01T09:00:00Z"}],
          "decisions": [decision(K_REMINDER, "c1", "cart_recovery", "reminder", "cart:k1", "2026-05-01T10:10:00Z",
                                 "holdout", {"scope": "global", "percent": 100.0,
                                             "bucket": bucket(HOLDOUT_KEY, "global", "c1")})]}))

# 10. The presets, as the product brief's table gives them (spans in their largest whole unit).
def step(id_, delay, channels, template, offer=None, recommendations=0):
    s = {"id": id_, "delay": delay, "channels": channels, "template": template}
    if offer:
        s["offer"] = offer
    if recommendations:
        s["recommendations"] = recommendations
    return s


def preset(id_, name, purpose, priority, trigger, steps, **extra):
    return {"id": id_, "name": name, "purpose": purpose, "priority": priority, "trigger": trigger, "exits": {},
            "steps": steps, **extra}


ES = ["email", "sms"]
E = ["email"]
PRESETS = [
    preset("cart_recovery", "Cart recovery", "marketing", 30, {"type": "cart_abandoned", "idle": "1h"}, [
        step("reminder", {"after": "1h"}, ES, "cart_reminder"),
        step("discount", {"after": "1d"}, ES, "cart_discount",
             {"percent_off": 15, "code_prefix": "SEPET15", "code_length": 8, "valid_for": "1d"}),
        step("last_chance", {"after": "3d"}, ES, "cart_last_chance",
             {"percent_off": 15, "free_shipping": True, "code_prefix": "SEPET15", "code_length": 8,
              "valid_for": "2d"}),
    ]),
    preset("welcome", "Welcome series", "marketing", 20, {"type": "signed_up"}, [
        step("welcome", {"after": "0s"}, E, "welcome"),
        step("brand_story", {"days": 2, "at": "10:00"}, E, "brand_story"),
        step("first_order_offer", {"days": 5, "at": "10:00"}, E, "welcome_offer",
             {"percent_off": 10, "code_prefix": "HOSGELDIN10", "code_length": 8, "valid_for": "2w"}),
    ]),
    preset("order_confirmation", "Order confirmation", "transactional", 100, {"type": "order_placed"}, [
        step("confirmation", {"after": "0s"}, ES, "order_confirmation"),
    ]),
    preset("post_purchase", "Post-purchase", "marketing", 10, {"type": "order_placed"}, [
        step("thanks", {"days": 1, "at": "10:00"}, E, "thanks_shipping"),
        step("delivery", {"days": 3, "at": "10:00"}, E, "delivery_reminder"),
        step("tips", {"days": 7, "at": "10:00"}, E, "usage_tips"),
        step("complementary", {"days": 14, "at": "10:00"}, E, "complementary_products"),
        step("review_request", {"days": 30, "at": "10:00"}, E, "review_request",
             {"percent_off": 10, "code_prefix": "YORUM10", "code_length": 8, "valid_for": "30d"}),
    ]),
    preset("product_recommendation", "Product recommendation", "marketing", 5, {"type": "order_placed"}, [
        step("recommendation", {"days": 7, "at": "11:00"}, E, "also_bought", recommendations=3),
    ]),
    preset("birthday", "Birthday", "marketing", 40, {"type": "date", "field": "birthday"}, [
        step("birthday_gift", {"days": -3, "at": "10:00"}, ES, "birthday",
             {"percent_off": 20, "free_shipping": True, "code_prefix": "DOGUMGUNU20", "code_length": 8,
              "valid_for": "1w"}),
    ]),
    preset("win_back", "Win-back", "marketing", 15, {"type": "inactive", "after": "60d"}, [
        step("we_missed_you", {"after": "0s"}, E, "win_back",
             {"percent_off": 25, "code_prefix": "GERIDON25", "code_length": 8, "valid_for": "2w"},
             recommendations=3),
    ], cooldown="90d"),
]
write("campaign_presets.json", "The seven preset flows of the product brief, in their JSON form.",
      "campaign_presets", {}, ok({"flows": PRESETS}))

# ---------------------------------------------------------------- errors
NAMES = "cart_recovery, welcome, order_confirmation, post_purchase, product_recommendation, birthday, win_back"
write("campaign_error_unknown_preset.json", "A misspelt preset name is refused, naming its place in `flows`.",
      "campaign_plan",
      {"store": STORE_A, "flows": ["cart_recovery", "birthdays"], "policy": {"offer_secret": SECRET},
       "now": "2026-05-01T10:10:00Z"},
      error("invalid_flow", "flows[1]", f"unknown preset `birthdays` (expected one of: {NAMES})"))

write("campaign_error_step_without_channels.json", "A step with an empty channel list is refused with its path.",
      "campaign_plan",
      {"store": STORE_A, "now": "2026-05-01T10:10:00Z", "flows": ["welcome", {
          "id": "vip_nudge", "trigger": {"type": "signed_up"},
          "steps": [{"id": "nudge", "delay": {"after": "1h"}, "channels": [], "template": "vip"}]}]},
      error("invalid_flow", "flows[1].steps[0].channels", "a step needs at least one channel"))

# The same unfinished rule as error_rule_syntax.json: the end of line 2 is column 26.
RULE_MSG = "2:26: expected a field, function or value, found end of rule"
write("campaign_error_rule_syntax.json",
      "A flow filter that ends too early: invalid_rule naming the filter, with line 2, column 26.",
      "campaign_plan",
      {"store": STORE_A, "now": "2026-05-01T10:10:00Z", "flows": [{
          "id": "big_spender_cart", "trigger": {"type": "cart_abandoned", "idle": "2h"},
          "filter": "order_count >= 2 AND\n  net_spend > 100 EUR AND",
          "steps": [{"id": "nudge", "delay": {"after": "2h"}, "channels": ["email"], "template": "vip_cart"}]}]},
      error("invalid_rule", "flows[0].filter", RULE_MSG, line=2, column=26))

write("campaign_error_send_log.json", "A send-log entry with an empty customer key is refused, naming the entry.",
      "campaign_plan",
      {"store": STORE_A, "flows": ["cart_recovery"], "policy": {"offer_secret": SECRET},
       "send_log": [REMINDER_LOG, {"customer_id": "", "channel": "email", "sent_at": "2026-05-01T08:00:00Z"}],
       "now": "2026-05-01T10:40:00Z"},
      error("invalid_send_log", "send_log[1].customer_id", "a customer key is required"))

write("campaign_error_negative_horizon.json", "A negative horizon is refused.",
      "campaign_plan",
      {"store": STORE_A, "flows": ["cart_recovery"], "policy": {"offer_secret": SECRET},
       "now": "2026-05-01T10:10:00Z", "horizon": "-1h"},
      error("invalid_option", "horizon", "cannot be negative"))

write("campaign_error_offer_without_secret.json",
      "Offer codes need the policy's offer_secret: the first step with a code prefix is named.",
      "campaign_plan",
      {"store": STORE_A, "flows": ["order_confirmation", "cart_recovery"], "now": "2026-05-01T10:10:00Z"},
      error("invalid_flow", "flows[1].steps[1].offer.code_prefix", "offer codes need `offer_secret` in the policy"))

# A rule that parses but names an unknown field (the rule of error_rule_unknown_field.json,
# `net_spnd` at column 22), as a trigger filter: also invalid_rule, with its position.
write("campaign_error_rule_unknown_field.json",
      "A trigger filter naming an unknown field: invalid_rule naming the filter, with line 1, column 22.",
      "campaign_plan",
      {"store": STORE_A, "now": "2026-05-01T10:10:00Z", "flows": [{
          "id": "loyal_cart", "trigger": {"type": "cart_abandoned"},
          "trigger_filter": "order_count >= 2 AND net_spnd > 100 EUR",
          "steps": [{"id": "nudge", "delay": {"after": "1h"}, "channels": ["email"], "template": "loyal_cart"}]}]},
      error("invalid_rule", "flows[0].trigger_filter", "1:22: unknown field `net_spnd` (did you mean `net_spend`?)",
            line=1, column=22))
