"""Disclosures: what of a client's record left the practice, to whom and why (45 CFR 164.528).

Every export to someone other than the clinician is logged as a disclosure: to whom (a recipient, or a
release of information on file), why (a basis and a purpose in words), what (a description written by
the export itself) and when. A client may ask for an accounting of the disclosures of the six years
before the request; HIPAA leaves out of that accounting what went to the client, what a signed
authorization allowed, and what served treatment, payment or health-care operations, so each basis says
whether it is accountable. The accounting the app prints lists the accountable ones by default and
everything logged when asked.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime

from therapy_desk.domain import validation as v
from therapy_desk.domain.documents import ClientInfo, Provider
from therapy_desk.domain.text import clean_text
from therapy_desk.errors import ValidationError

RECIPIENT_MAX = 200
PURPOSE_MAX = 500
WHAT_MAX = 500
ACCOUNTING_YEARS = 6


class DisclosureBasis(enum.StrEnum):
    """Why the record could leave: the first three are outside the 164.528 accounting."""

    CLIENT = "client"
    AUTHORIZATION = "authorization"
    TREATMENT_PAYMENT = "treatment_payment"
    COURT = "court"
    LAW = "law"
    HEALTH_OVERSIGHT = "health_oversight"
    PUBLIC_HEALTH = "public_health"
    ABUSE_REPORT = "abuse_report"
    SERIOUS_THREAT = "serious_threat"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def accountable(self) -> bool:
        """Whether 164.528 requires this disclosure in the client's accounting."""
        return self not in (DisclosureBasis.CLIENT, DisclosureBasis.AUTHORIZATION, DisclosureBasis.TREATMENT_PAYMENT)


_LABELS = {
    DisclosureBasis.CLIENT: "To the client or their personal representative",
    DisclosureBasis.AUTHORIZATION: "Under the client's signed authorization",
    DisclosureBasis.TREATMENT_PAYMENT: "For treatment, payment or health-care operations",
    DisclosureBasis.COURT: "Court order or subpoena",
    DisclosureBasis.LAW: "Required by law, or to law enforcement",
    DisclosureBasis.HEALTH_OVERSIGHT: "Health oversight (licensing board, audit)",
    DisclosureBasis.PUBLIC_HEALTH: "Public health reporting",
    DisclosureBasis.ABUSE_REPORT: "Report of abuse, neglect or domestic violence",
    DisclosureBasis.SERIOUS_THREAT: "To avert a serious threat to health or safety",
    DisclosureBasis.OTHER: "Other",
}


@dataclass(frozen=True)
class Disclosure:
    """One disclosure of a client's record. `release_id` names the release of information it relied on."""

    client_id: int
    disclosed_on: date
    recipient: str
    basis: DisclosureBasis
    purpose: str
    what: str
    release_id: int | None = None
    psychotherapy_notes: bool = False
    id: int | None = None
    recorded_at: datetime | None = None

    def validated(self, today: date) -> Disclosure:
        """A normalised copy, or `ValidationError` naming the field."""
        recipient = _line(self.recipient, RECIPIENT_MAX, "recipient", "The recipient")
        purpose = _line(self.purpose, PURPOSE_MAX, "purpose", "The purpose")
        what = _line(self.what, WHAT_MAX, "what", "What was disclosed")
        v.check_not_future(self.disclosed_on, today, "disclosed_on", "The date of the disclosure")
        if self.basis is DisclosureBasis.AUTHORIZATION and self.release_id is None:
            raise ValidationError("Pick the signed release of information this disclosure relies on.", "release_id")
        return replace(self, recipient=recipient, purpose=purpose, what=what)


def _line(value: str, limit: int, field: str, label: str) -> str:
    text = v.check_required(clean_text(value, field, label), field, label)
    return v.check_length(text, limit, field, label)


def accounting_window(requested_on: date) -> tuple[date, date]:
    """The period an accounting covers: the six years before the request, through the request's day."""
    try:
        start = requested_on.replace(year=requested_on.year - ACCOUNTING_YEARS)
    except ValueError:  # 29 February
        start = requested_on.replace(year=requested_on.year - ACCOUNTING_YEARS, day=28)
    return start, requested_on


@dataclass(frozen=True)
class Accounting:
    """A client's accounting of disclosures: the practice, the client, the period, what it lists.

    `complete` lists every logged disclosure; otherwise only those 164.528 requires."""

    provider: Provider
    client: ClientInfo
    requested_on: date
    since: date
    until: date
    disclosures: tuple[Disclosure, ...]
    release_names: dict[int, str]  # release id -> "recipient, signed 03/02/2026", for rows that relied on one
    complete: bool = False

    @property
    def listed(self) -> tuple[Disclosure, ...]:
        return tuple(d for d in self.disclosures if self.complete or d.basis.accountable)

    @property
    def left_out(self) -> int:
        """How many logged disclosures of the period the accounting leaves out, as the law allows."""
        return len(self.disclosures) - len(self.listed)
