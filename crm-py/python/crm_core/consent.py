"""Consent and privacy: the consent ledger, İYS records, export, erasure and retention.

Every function takes a store document (a dict or JSON text, as
:func:`crm_core.validate_store`) and runs the same code as the C and PHP
bindings (the JSON interface, :func:`crm_core.call`). The rules are in
``docs/consent.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

from . import _native
from .segment import _instant

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow

CHANNELS = ("email", "sms", "call", "push")


def _with_policy(request: Dict[str, Any], policy: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    if policy is not None:
        request["policy"] = dict(policy)
    return request


def consent(
    store: Any,
    customer_id: str,
    channel: str,
    *,
    at: Any,
    purpose: str = "marketing",
    policy: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """May ``customer_id`` be sent a ``purpose`` message on ``channel`` at ``at``?

    Returns ``{"allowed": bool, "state": str, "evidence": [event, …]}``: the
    state is one of ``granted``, ``withdrawn``, ``no_consent``,
    ``pending_confirmation``, ``lapsed``, ``suppressed``, ``merchant_exempt``,
    ``erased`` or ``transactional``; the evidence lists the consent events that
    decided it (``event_index`` in ``store["consents"]``, ``id``, ``status``,
    ``at``, ``source``, ``proof`` …). ``policy``: ``{"double_opt_in": {"all",
    "countries", "stores"}, "confirm_within_hours", "merchant_exempt"}``.

    Raises:
        ConsentError: a bad policy. ModelError: invalid records.
    """
    return _native.call("consent", _with_policy(
        {"store": store, "customer_id": customer_id, "channel": channel, "purpose": purpose, "at": _instant(at)},
        policy))


def consent_table(
    store: Any, *, at: Any, purpose: str = "marketing", policy: Optional[Mapping[str, Any]] = None
) -> "pyarrow.Table":
    """The consent state of every customer on every channel at one instant.

    A pyarrow table: ``customer_id``, then per channel ``email``, ``sms``,
    ``call``, ``push`` (the state, dictionary-encoded) and ``email_allowed`` …
    ``push_allowed`` (booleans), customers in id order.
    """
    import pyarrow as pa

    out = _native.call("consent_table", _with_policy({"store": store, "at": _instant(at), "purpose": purpose}, policy))
    rows = out["customers"]
    cols: Dict[str, Any] = {"customer_id": pa.array([r["customer_id"] for r in rows], pa.string())}
    for ch in CHANNELS:
        cols[ch] = pa.array([r[ch]["state"] for r in rows], pa.string()).dictionary_encode()
    for ch in CHANNELS:
        cols[f"{ch}_allowed"] = pa.array([r[ch]["allowed"] for r in rows], pa.bool_())
    return pa.table(cols)


def iys_import(records: Any, store: Any) -> List[Dict[str, Any]]:
    """İYS consent records (a list of dicts with ``recipient``, ``type``,
    ``status``, ``source``, ``consentDate``, ``recipientType``) as consent
    events of the store's customers, matched by e-mail or phone.

    Raises:
        ConsentError: every bad record at once (``details`` has ``index``,
        ``field``, ``value`` for each); nothing is imported then.
    """
    return _native.call("iys_import", {"store": store, "records": records})["events"]


def iys_export(store: Any, *, at: Any, policy: Optional[Mapping[str, Any]] = None) -> List[Dict[str, Any]]:
    """The store's marketing consents as İYS records as of ``at`` (one per
    recipient, type and recipient type; ``consentDate`` in Turkey's time)."""
    return _native.call("iys_export", _with_policy({"store": store, "at": _instant(at)}, policy))["records"]


def export_subject(store: Any, customer_id: str, *, as_of: Any) -> Dict[str, Any]:
    """Everything held on one person (GDPR Art. 15 and 20, KVKK Art. 11) as
    one JSON-ready dict: profile, orders, carts, events, consent ledger,
    facts and segments (``docs/consent.md`` lists the sections).

    Raises:
        PrivacyError: ``unknown_customer`` when no record names the id.
    """
    return _native.call("subject_export", {"store": store, "customer_id": customer_id, "as_of": _instant(as_of)})


def erase(store: Any, customer_id: str, *, salt: str, at: Any) -> Dict[str, Any]:
    """The store without one person's personal data (GDPR Art. 17, KVKK Art. 7).

    Their orders stay under a pseudonym (HMAC-SHA256 of the id with ``salt``,
    at least 16 bytes: keep it secret and the same for every erasure), their
    profile, carts and events go, and their consent events become ``erased``
    tombstones so they are never contacted again.

    Raises:
        PrivacyError: ``unknown_customer``, ``invalid_salt``.
    """
    return _native.call("erase", {"store": store, "customer_id": customer_id, "salt": salt, "at": _instant(at)})["store"]


def apply_retention(store: Any, policy: Mapping[str, Any], *, now: Any) -> Tuple[Dict[str, Any], Dict[str, int]]:
    """Drops guest carts and anonymous (or all) behavioural events older than
    the policy allows: ``{"guest_cart_days", "guest_event_days", "event_days"?}``.
    Orders, customers and consent events are never dropped. Returns
    ``(store, {"carts_removed", "events_removed"})``.
    """
    out = _native.call("retention", {"store": store, "policy": dict(policy), "now": _instant(now)})
    return out["store"], out["report"]


__all__: List[str] = [
    "consent", "consent_table", "iys_import", "iys_export", "export_subject", "erase", "apply_retention",
]
