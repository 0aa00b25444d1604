"""Exceptions of the CRM engine.

Every error the library raises is a :class:`CrmError`, which is a
:class:`ValueError`. There is one subclass per domain of the Rust core, named
as the core's error enums:

============== ========== =======================================================
class          ``domain`` raised for
============== ========== =======================================================
ModelError     model      invalid records (every bad record is listed in ``.errors``)
MoneyError     money      unknown currency, invalid exchange rate, overflow
TimeError      time       unparsable timestamp, unknown time zone, naive ``as_of``
FactsError     facts      mixed currencies without rates; bad table arguments
DatasetError   dataset    bad ``sample_store`` options
SegmentError   segment    bad RFM/segment options, net spend in several currencies
ConsentError   consent    bad consent policy, malformed İYS records (every bad record in ``.details``)
PrivacyError   privacy    unknown customer to export or erase, short salt, bad retention policy
LtvError       ltv        bad repeat-purchase summary (row in ``.value``, column in ``.field``), bad option, failed fit
CampaignError  campaign   bad flow, policy, send-log entry or planning option (path in ``.field``)
RequestError   request    malformed requests to :func:`crm_core.call`
============== ========== =======================================================

Every exception carries:

- ``code``: the stable string code of the core (``unknown_currency``,
  ``totals_mismatch``, ``duplicate_id`` …), the same as in the C and JSON interfaces;
- ``domain``: one of the domains above;
- ``field`` / ``value``: the field (path or column) and the offending value, where
  the error names them (``None`` otherwise);
- ``details``: a list of dicts; for model errors one per bad record with ``code``,
  ``record``, ``index``, ``id``, ``field``, ``value``, ``message``;
- ``str(e)``: the core's message, the same text every binding shows.

Arguments the Python layer itself refuses (a table of the wrong kind, a missing
column, a float money column, a naive timestamp column) raise ``FactsError``
with code ``invalid_input``; bad rows inside the tables (unknown status or
currency, duplicate order id, negative amount) raise ``ModelError`` naming the
table row.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

__all__ = [
    "CrmError",
    "ModelError",
    "MoneyError",
    "TimeError",
    "FactsError",
    "DatasetError",
    "SegmentError",
    "ConsentError",
    "PrivacyError",
    "LtvError",
    "CampaignError",
    "RequestError",
]


class CrmError(ValueError):
    """Base class of every error raised by ``crm_core``."""

    code: str
    domain: str
    field: Optional[str]
    value: Optional[str]
    details: List[Dict[str, Any]]

    def __init__(
        self,
        message: str,
        *,
        code: str,
        domain: str,
        field: Optional[str] = None,
        value: Optional[str] = None,
        details: Optional[List[Dict[str, Any]]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.domain = domain
        self.field = field
        self.value = value
        self.details = list(details) if details is not None else [{"code": code, "message": message}]

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def __reduce__(self):  # type: ignore[override]
        # Keep the attributes through pickling (multiprocessing, Spark workers).
        return (
            _rebuild,
            (type(self), self.message, self.code, self.domain, self.field, self.value, self.details),
        )

    def to_dict(self) -> Dict[str, Any]:
        """The error as the JSON interface reports it: ``{domain, code, message, details}``."""
        return {"domain": self.domain, "code": self.code, "message": self.message, "details": self.details}


def _rebuild(cls, message, code, domain, field, value, details):  # type: ignore[no-untyped-def]
    return cls(message, code=code, domain=domain, field=field, value=value, details=details)


class ModelError(CrmError):
    """Invalid records. ``errors`` lists every bad record (see :attr:`CrmError.details`)."""

    @property
    def errors(self) -> List[Dict[str, Any]]:
        """One dict per bad record: ``code``, ``record``, ``index``, ``id``, ``field``, ``value``, ``message``."""
        return self.details


class MoneyError(CrmError):
    """Unknown currency, invalid exchange rate, money overflow or missing rate."""


class TimeError(CrmError):
    """Unparsable or zone-less timestamp, unknown time zone."""


class FactsError(CrmError):
    """Facts could not be computed (mixed currencies), or a table argument is unusable (``invalid_input``)."""


class DatasetError(CrmError):
    """Invalid options of the sample-data generator."""


class SegmentError(CrmError):
    """RFM scores or segments could not be computed (bad options, mixed currencies)."""


class ConsentError(CrmError):
    """A consent policy or İYS records were refused; ``details`` lists every bad record (``index``, ``field``)."""


class PrivacyError(CrmError):
    """Export or erasure of an unknown customer, a salt shorter than 16 bytes, a bad retention policy."""


class LtvError(CrmError):
    """A lifetime-value summary, option or fit was refused (row index in ``value``, column in ``field``)."""


class CampaignError(CrmError):
    """A flow, campaign policy, send-log entry or planning option was refused (path in ``field``)."""


class RequestError(CrmError):
    """A malformed request to the JSON interface (:func:`crm_core.call`)."""
