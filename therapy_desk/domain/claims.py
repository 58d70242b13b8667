"""Insurance claims: the claim's life (states and what moves it), and `ClaimForm`, every CMS-1500 box and
837P element of one claim resolved to plain values.

A claim groups live charges of one client billed to one payer. Its form is gathered from the vault
(`therapy_desk.claims.gather`), checked (`domain/claim_scrub.py`), printed (`templates/cms1500.py`) and
written as an 837P file (`therapy_desk.exports.x12_837p`); all three read only this module's values.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from therapy_desk.domain import validation as v
from therapy_desk.errors import ValidationError

MAX_DIAGNOSES = 12  # box 21 A-L; 837P HI holds 12
MAX_LINES = 50  # an 837P claim's service lines (2400 loop repeat)
LINES_PER_FORM = 6  # CMS-1500 box 24, rows 1-6
MAX_POINTERS = 4  # box 24E
DIAGNOSIS_LETTERS = "ABCDEFGHIJKL"
CLAIM_NUMBER_PREFIX = "TD"


class ClaimState(enum.StrEnum):
    DRAFT = "draft"  # being put together; its boxes can change
    READY = "ready"  # passed the scrub with no errors; printed or exported from here
    SUBMITTED = "submitted"  # sent to the payer (printed and mailed, or uploaded)
    ACCEPTED = "accepted"  # the payer (or clearinghouse) acknowledged it
    PAID = "paid"  # the payer's EOB was posted
    DENIED = "denied"  # the payer refused it; the reason is kept
    REPLACED = "replaced"  # a corrected claim (frequency 7) took its place
    VOIDED = "voided"  # withdrawn; a void claim (frequency 8) tells the payer

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Which state may follow which (a claim's history only moves forward; a correction is a new claim).
TRANSITIONS: dict[ClaimState, frozenset[ClaimState]] = {
    ClaimState.DRAFT: frozenset({ClaimState.READY, ClaimState.VOIDED}),
    ClaimState.READY: frozenset({ClaimState.DRAFT, ClaimState.SUBMITTED, ClaimState.VOIDED}),
    ClaimState.SUBMITTED: frozenset(
        {ClaimState.ACCEPTED, ClaimState.PAID, ClaimState.DENIED, ClaimState.REPLACED, ClaimState.VOIDED}
    ),
    ClaimState.ACCEPTED: frozenset({ClaimState.PAID, ClaimState.DENIED, ClaimState.REPLACED, ClaimState.VOIDED}),
    ClaimState.PAID: frozenset({ClaimState.REPLACED, ClaimState.VOIDED}),
    ClaimState.DENIED: frozenset({ClaimState.REPLACED, ClaimState.VOIDED}),
    ClaimState.REPLACED: frozenset(),
    ClaimState.VOIDED: frozenset(),
}
# States whose claim still bills its charges (a charge is on at most one such claim).
LIVE_STATES = frozenset(
    {ClaimState.DRAFT, ClaimState.READY, ClaimState.SUBMITTED, ClaimState.ACCEPTED, ClaimState.PAID, ClaimState.DENIED}
)
# States in which the claim's boxes may still be edited.
EDITABLE_STATES = frozenset({ClaimState.DRAFT, ClaimState.READY})
# The payer has seen it: a change is a corrected claim (7), a withdrawal a void claim (8).
SENT_STATES = frozenset({ClaimState.SUBMITTED, ClaimState.ACCEPTED, ClaimState.PAID, ClaimState.DENIED})


def check_transition(current: ClaimState, wanted: ClaimState) -> None:
    """Refuse a state change the claim's history does not allow, in words."""
    if wanted not in TRANSITIONS[current]:
        raise ValidationError(f"A {current.value} claim cannot be marked {wanted.value}.", "state")


class Frequency(enum.StrEnum):
    """Claim frequency (CLM05-3; CMS-1500 box 22 resubmission code)."""

    ORIGINAL = "1"
    CORRECTED = "7"  # replaces a claim the payer has
    VOID = "8"  # withdraws a claim the payer has


class InsuranceType(enum.StrEnum):
    """CMS-1500 box 1 (and, with the payer's kind, the 837P claim filing indicator SBR09)."""

    MEDICARE = "medicare"
    MEDICAID = "medicaid"
    TRICARE = "tricare"
    CHAMPVA = "champva"
    GROUP = "group"  # group health plan
    FECA = "feca"  # FECA black lung
    OTHER = "other"

    @property
    def label(self) -> str:
        return _INSURANCE_LABELS[self]

    @property
    def filing_indicator(self) -> str:
        """SBR09: MB Medicare Part B, MC Medicaid, CH TRICARE, VA, OF other federal, CI commercial, 11 other."""
        return _FILING[self]


_INSURANCE_LABELS = {
    InsuranceType.MEDICARE: "Medicare",
    InsuranceType.MEDICAID: "Medicaid",
    InsuranceType.TRICARE: "TRICARE",
    InsuranceType.CHAMPVA: "CHAMPVA",
    InsuranceType.GROUP: "Group health plan",
    InsuranceType.FECA: "FECA black lung",
    InsuranceType.OTHER: "Other",
}
_FILING = {
    InsuranceType.MEDICARE: "MB",
    InsuranceType.MEDICAID: "MC",
    InsuranceType.TRICARE: "CH",
    InsuranceType.CHAMPVA: "VA",
    InsuranceType.GROUP: "CI",
    InsuranceType.FECA: "OF",
    InsuranceType.OTHER: "11",
}


# Payer kinds (domain.billing.PayerKind's values) -> box 1; a commercial insurer is a group health plan.
_INSURANCE_TYPES = {
    "medicare": InsuranceType.MEDICARE,
    "medicaid": InsuranceType.MEDICAID,
    "eap": InsuranceType.OTHER,
    "other": InsuranceType.OTHER,
}


def insurance_type_for(payer_kind: str) -> InsuranceType:
    """The CMS-1500 box 1 type a payer of this kind usually is (the user can pick another): Medicare, Medicaid,
    a group health plan for a commercial insurer, otherwise Other (an EAP, an auto or work-injury insurer)."""
    return _INSURANCE_TYPES.get(payer_kind, InsuranceType.GROUP)


class ReferringQualifier(enum.StrEnum):
    """Box 17's qualifier (and the 837P 2310A entity): referring, ordering, supervising provider."""

    REFERRING = "DN"
    ORDERING = "DK"
    SUPERVISING = "DQ"


def claim_number(claim_id: int) -> str:
    """The claim's own number (837P CLM01, the patient control number payers echo on remittances)."""
    return f"{CLAIM_NUMBER_PREFIX}{claim_id:06d}"


# -- the claim as kept -----------------------------------------------------------------------------------------

_REFERENCE = re.compile(r"[0-9A-Za-z][0-9A-Za-z -]{0,49}")
_CLAIM_CODES = re.compile(r"[0-9A-Z]{2}( [0-9A-Z]{2}){0,5}")


def _reference(value: str, field: str, label: str) -> str:
    text = " ".join(value.split()).upper()
    if text and not _REFERENCE.fullmatch(text):
        raise ValidationError(f"{label} may hold only letters, digits, spaces and dashes (up to 50).", field)
    return text


@dataclass(frozen=True)
class Claim:
    """A claim as the vault keeps it: who, which payer and coverage, its state, and the boxes a clinician
    fills in per claim (the rest of the form is read from the chart, the coverage and the practice)."""

    id: int
    client_id: int
    payer_id: int
    coverage_id: int
    state: ClaimState = ClaimState.DRAFT
    frequency: Frequency = Frequency.ORIGINAL
    original_claim_id: int | None = None
    original_reference: str = ""  # box 22: the payer's number for the claim this one corrects or voids
    payer_claim_number: str = ""  # the payer's number for this claim (from its acknowledgement or EOB)
    employment_related: bool = False  # 10a
    auto_accident: bool = False  # 10b
    auto_accident_state: str = ""
    other_accident: bool = False  # 10c
    accident_on: date | None = None  # 15 (qualifier 439): the accident's date, for 10b and 10c
    claim_codes: str = ""  # 10d
    illness_onset: date | None = None  # 14
    referring_contact_id: int | None = None  # 17: one of the client's care contacts
    referring_qualifier: ReferringQualifier = ReferringQualifier.REFERRING
    prior_authorization: str = ""  # 23
    accept_assignment: bool = True  # 27
    provider_signed_on: date | None = None  # 31
    denial_reason: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def number(self) -> str:
        return claim_number(self.id)

    def validated(self, today: date) -> Claim:
        """A normalised copy of the per-claim boxes, or `ValidationError` naming the field."""
        state = v.check_state(self.auto_accident_state, "auto_accident_state") if self.auto_accident else ""
        codes = " ".join(self.claim_codes.upper().split())
        if codes and not _CLAIM_CODES.fullmatch(codes):
            raise ValidationError("Claim codes (box 10d) are two-character codes separated by spaces.", "claim_codes")
        v.check_not_future(self.illness_onset, today, "illness_onset", "The date of the current illness")
        v.check_not_future(self.accident_on, today, "accident_on", "The accident's date")
        v.check_not_future(self.provider_signed_on, today, "provider_signed_on", "The signature date")
        return replace(
            self,
            frequency=Frequency(self.frequency),
            referring_qualifier=ReferringQualifier(self.referring_qualifier),
            auto_accident_state=state,
            accident_on=self.accident_on if self.auto_accident or self.other_accident else None,
            claim_codes=codes,
            original_reference=_reference(self.original_reference, "original_reference", "The original claim number"),
            payer_claim_number=_reference(self.payer_claim_number, "payer_claim_number", "The payer's claim number"),
            prior_authorization=_reference(
                self.prior_authorization, "prior_authorization", "The prior authorization number"
            ),
            denial_reason=v.check_length(self.denial_reason, 500, "denial_reason", "The denial reason"),
        )


@dataclass(frozen=True)
class ClaimSummary:
    """One row of the Claims page."""

    id: int
    client_id: int
    client_name: str
    payer_name: str
    state: ClaimState
    frequency: Frequency
    total_cents: int
    lines: int
    first_date: date
    last_date: date
    updated_at: datetime

    @property
    def number(self) -> str:
        return claim_number(self.id)


@dataclass(frozen=True)
class ClaimEvent:
    """One step of a claim's history."""

    at: datetime
    state: ClaimState
    detail: str


# -- the form -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    street: str = ""
    city: str = ""
    state: str = ""  # two letters
    zip: str = ""  # 12345 or 12345-6789

    @property
    def is_blank(self) -> bool:
        return not any((self.street, self.city, self.state, self.zip))

    @property
    def city_line(self) -> str:
        region = " ".join(p for p in (self.state, self.zip) if p)
        return ", ".join(p for p in (self.city, region) if p)


@dataclass(frozen=True)
class Person:
    """The patient (boxes 2, 3, 5) or the insured (4, 7, 11a)."""

    last: str
    first: str
    middle: str = ""
    dob: date | None = None
    sex: str = "U"  # F, M or U (unknown: a claim needs F or M)
    address: Address = Address()
    phone: str = ""  # (555) 201-3344

    @property
    def form_name(self) -> str:
        """LAST, FIRST MIDDLE: how boxes 2 and 4 print a name."""
        given = " ".join(p for p in (self.first, self.middle) if p)
        return f"{self.last}, {given}" if given else self.last


@dataclass(frozen=True)
class Payer:
    name: str
    electronic_id: str = ""  # the clearinghouse payer ID (2010BB NM109)
    address: Address = Address()
    kind: str = "commercial"  # domain.billing.PayerKind's value


@dataclass(frozen=True)
class OtherInsurance:
    """Another plan covering the patient (boxes 9, 9a, 9d, 11d)."""

    insured: Person
    member_id: str
    group_number: str
    plan_name: str
    payer_name: str


@dataclass(frozen=True)
class Referring:
    """Box 17 / 17b: the provider who referred (DN), ordered (DK) or supervised (DQ)."""

    qualifier: ReferringQualifier
    last: str
    first: str
    npi: str


@dataclass(frozen=True)
class Provider:
    """A provider on the claim: the rendering clinician (box 31, 24J), the billing provider (33) or the
    service facility (32). `organization` True: `last` holds the organisation's name and `first` is blank."""

    last: str
    first: str = ""
    credentials: str = ""
    npi: str = ""
    organization: bool = False
    taxonomy: str = ""
    address: Address = Address()
    phone: str = ""

    @property
    def display_name(self) -> str:
        if self.organization or not self.first:
            return self.last
        name = f"{self.first} {self.last}"
        return f"{name}, {self.credentials}" if self.credentials else name


@dataclass(frozen=True)
class Diagnosis:
    """Box 21: an ICD-10-CM code as charted (with its dot), with the dates the scrub compares lines to."""

    code: str
    onset: date | None = None
    resolved: date | None = None

    @property
    def x12_code(self) -> str:
        """The code without its dot, as 837P HI carries it."""
        return self.code.replace(".", "").upper()


@dataclass(frozen=True)
class ClaimLine:
    """Box 24, one row: one charge, one date of service."""

    charge_id: int
    date_of_service: date
    pos: str  # place of service, two digits
    code: str  # CPT/HCPCS
    modifiers: tuple[str, ...]
    pointers: tuple[int, ...]  # 1-based positions in the claim's diagnoses (1 = A), at most 4
    fee_cents: int  # the line's full charge, all units
    units: int
    description: str = ""
    emergency: bool = False  # 24C
    covered: bool = True  # a coverage of this payer is in force on the date of service

    @property
    def pointer_letters(self) -> str:
        return "".join(DIAGNOSIS_LETTERS[p - 1] for p in self.pointers if 1 <= p <= MAX_DIAGNOSES)


@dataclass(frozen=True)
class ClaimForm:
    """One claim with every box resolved: what the scrub checks, the CMS-1500 prints and the 837P carries."""

    claim_id: int
    claim_number: str  # CLM01
    state: ClaimState
    payer: Payer
    insurance_type: InsuranceType  # box 1
    member_id: str  # 1a
    patient: Person  # 2, 3, 5
    insured: Person  # 4, 7, 11a
    relationship: str  # 6: self, spouse, child, other (domain.billing.Relationship's value)
    account_number: str  # 26
    group_number: str = ""  # 11
    plan_name: str = ""  # 11c
    other_insurance: OtherInsurance | None = None  # 9, 9a, 9d; 11d "yes" when present
    employment_related: bool = False  # 10a
    auto_accident: bool = False  # 10b
    auto_accident_state: str = ""
    other_accident: bool = False  # 10c
    accident_date: date | None = None  # 15, qualifier 439 (837P DTP*439)
    claim_codes: str = ""  # 10d (837P HI*BG condition codes)
    release_signed_on: date | None = None  # 12
    assignment_signed_on: date | None = None  # 13
    illness_onset: date | None = None  # 14 (qualifier 431)
    referring: Referring | None = None  # 17, 17b
    diagnoses: tuple[Diagnosis, ...] = ()  # 21 A-L
    frequency: Frequency = Frequency.ORIGINAL  # 22
    original_reference: str = ""  # 22: the payer's number for the claim being corrected or voided
    prior_authorization: str = ""  # 23
    lines: tuple[ClaimLine, ...] = ()  # 24
    accept_assignment: bool = True  # 27
    amount_paid_cents: int = 0  # 29: what the patient paid toward these lines
    rendering: Provider = Provider("")  # 31, and 24J when billing as a group
    provider_signed_on: date | None = None  # 31
    facility: Provider | None = None  # 32 (None: the services were at the billing provider's address)
    billing: Provider = Provider("")  # 33
    tax_id: str = ""  # 25
    tax_id_kind: str = "EIN"  # 25: EIN or SSN
    coverage_start: date | None = None
    coverage_end: date | None = None

    @property
    def total_cents(self) -> int:
        """Box 28 (837P CLM02): the sum of the lines' charges."""
        return sum(line.fee_cents for line in self.lines)

    @property
    def first_date(self) -> date | None:
        return min((line.date_of_service for line in self.lines), default=None)

    @property
    def last_date(self) -> date | None:
        return max((line.date_of_service for line in self.lines), default=None)

    @property
    def bills_as_group(self) -> bool:
        """Billed under a group (Type 2) NPI: the rendering clinician is named per line (24J, 837P 2310B)."""
        return self.billing.organization

    @property
    def place_of_service(self) -> str:
        """The claim's place of service (837P CLM05-1): the first line's."""
        return self.lines[0].pos if self.lines else ""

    def form_pages(self) -> list[tuple[ClaimLine, ...]]:
        """The lines as printed: six per CMS-1500 form, continuing on further forms."""
        rows = self.lines
        return [rows[i : i + LINES_PER_FORM] for i in range(0, len(rows), LINES_PER_FORM)] or [()]


def split_by_diagnoses(lines: list[tuple[int, tuple[int, ...]]], limit: int = MAX_DIAGNOSES) -> list[list[int]]:
    """Group line ids so no group points to more than `limit` distinct diagnoses and none holds more than
    MAX_LINES lines, keeping lines in their order. `lines` is (line id, diagnosis ids) per line; a line
    pointing to more than `limit` diagnoses alone is refused."""
    groups: list[list[int]] = []
    seen: set[int] = set()
    for line_id, diagnoses in lines:
        if len(set(diagnoses)) > limit:
            raise ValidationError(f"A line points to more than {limit} diagnoses.", "diagnoses")
        if not groups or len(seen | set(diagnoses)) > limit or len(groups[-1]) >= MAX_LINES:
            groups.append([])
            seen = set()
        groups[-1].append(line_id)
        seen |= set(diagnoses)
    return groups
