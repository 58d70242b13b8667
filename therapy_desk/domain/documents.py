"""What the documents a practice hands out show: superbills, statements and Good Faith Estimates.

Plain frozen values a store fills and a template (therapy_desk/templates) prints. Each document knows which of
its fields a payer or the No Surprises Act requires; `missing_for_*` lists the ones still empty, each with
where in the app to fill it in, and a template refuses to print while the list is not empty.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from therapy_desk.domain.billing import format_cents
from therapy_desk.domain.clients import Client
from therapy_desk.domain.codes import MAX_MODIFIERS, PlaceOfService
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.errors import UserError, ValidationError

POINTER_LETTERS = "ABCDEFGHIJKL"  # CMS-1500 box 21: at most 12 diagnoses, A to L
MAX_POINTERS_PER_LINE = 4
DISPUTE_THRESHOLD_CENTS = 400_00  # a bill this much above the estimate may be disputed (45 CFR 149.620)

# Where each missing field is filled in, as the app names its places.
PRACTICE_PROFILE = "Settings › Practice profile"
DEMOGRAPHICS = "the client's chart › Overview › Edit demographics"
COVERAGE = "the client's chart › Billing › Coverage"
DIAGNOSES = "the client's chart › Diagnoses"
CLIENT_BILLING = "the client's chart › Billing"
ESTIMATE_SERVICES = "the Good Faith Estimate's services"


def money(cents: int) -> str:
    """$1,234.56 (the one money format of the app)."""
    return format_cents(cents)


def long_date(day: date) -> str:
    """March 4, 2026: dates in sentences and headings."""
    return f"{day:%B} {day.day}, {day.year}"


def claim_date(day: date) -> str:
    """03/04/2026: dates of service as claim forms print them."""
    return f"{day:%m/%d/%Y}"


# -- who -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """The clinician as documents name them (from the practice profile)."""

    name: str
    credentials: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""
    email: str = ""
    npi: str = ""
    tax_id: str = ""
    tax_id_kind: str = "EIN"  # EIN or SSN, as the profile says
    license_number: str = ""
    license_state: str = ""

    @classmethod
    def from_profile(cls, profile: PracticeProfile) -> Provider:
        return cls(
            name=profile.name,
            credentials=profile.credentials,
            street=profile.street,
            city=profile.city,
            state=profile.state,
            zip=profile.zip,
            phone=profile.phone,
            email=profile.email,
            npi=profile.npi,
            tax_id=profile.tax_id,
            tax_id_kind=profile.tax_id_kind or "EIN",
            license_number=profile.license_number,
            license_state=profile.license_state,
        )

    @property
    def name_with_credentials(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    @property
    def city_line(self) -> str:
        """Springfield, IL 62704."""
        return _city_line(self.city, self.state, self.zip)

    @property
    def tax_id_label(self) -> str:
        """How the tax ID is captioned: "EIN" or "SSN"."""
        return "SSN" if self.tax_id_kind == "SSN" else "EIN"

    @property
    def license(self) -> str:
        """ "LCSW 12345 (IL)"-like text: the number and the state that issued it."""
        if not self.license_number:
            return ""
        return f"{self.license_number} ({self.license_state})" if self.license_state else self.license_number


@dataclass(frozen=True)
class Insurance:
    """The policy a superbill is submitted to."""

    payer_name: str
    member_id: str
    group_number: str = ""
    subscriber_name: str = ""  # empty: the client is the subscriber
    relationship: str = "self"
    plan_name: str = ""  # the plan on the card ("Gold PPO"), shown with the payer when given


@dataclass(frozen=True)
class ClientInfo:
    """The client as a document names them; `name` as on the insurance card."""

    name: str
    dob: date | None = None
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""
    account_number: str = ""
    insurance: Insurance | None = None

    @classmethod
    def from_client(cls, client: Client, insurance: Insurance | None = None) -> ClientInfo:
        parts = (client.legal_first, client.legal_middle, client.legal_last)
        return cls(
            name=" ".join(p.strip() for p in parts if p.strip()),
            dob=client.dob,
            street=client.street,
            city=client.city,
            state=client.state,
            zip=client.zip,
            phone=client.phone,
            account_number=client.account_number,
            insurance=insurance,
        )

    @property
    def city_line(self) -> str:
        return _city_line(self.city, self.state, self.zip)


def _city_line(city: str, state: str, zip_code: str) -> str:
    region = " ".join(p for p in (state, zip_code) if p)
    return ", ".join(p for p in (city, region) if p)


# -- what ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceLine:
    """One date of service (never a range): what a claim line carries, and what was paid on it."""

    date_of_service: date
    pos: PlaceOfService
    code: str
    fee_cents: int  # the full fee for all units
    units: int = 1
    modifiers: tuple[str, ...] = ()
    pointers: tuple[str, ...] = ("A",)  # diagnosis pointers, letters A-L
    description: str = ""
    paid_cents: int = 0

    def __post_init__(self) -> None:
        when = claim_date(self.date_of_service)
        if len(self.modifiers) > MAX_MODIFIERS:
            raise ValidationError(f"The line of {when} has more than {MAX_MODIFIERS} modifiers.", "modifiers")
        if len(self.pointers) > MAX_POINTERS_PER_LINE or any(p not in POINTER_LETTERS for p in self.pointers):
            raise ValidationError(
                f"The line of {when} needs 1 to {MAX_POINTERS_PER_LINE} diagnosis pointers, letters A to L.",
                "pointers",
            )
        if not 1 <= self.units <= 99:
            raise ValidationError(f"The line of {when} needs 1 to 99 units.", "units")
        if self.fee_cents < 0 or not 0 <= self.paid_cents <= max(self.fee_cents, 0):
            raise ValidationError(f"The line of {when} has a negative fee or more paid than its fee.", "paid_cents")

    @property
    def due_cents(self) -> int:
        return self.fee_cents - self.paid_cents


@dataclass(frozen=True)
class DiagnosisCode:
    """An ICD-10-CM code in pointer order (the first is pointer A)."""

    code: str
    description: str = ""


@dataclass(frozen=True)
class PaymentLine:
    """A payment received: the proof of payment a superbill or statement shows."""

    received_on: date
    method: str  # card, cash, check, HSA/FSA, insurance...
    amount_cents: int
    reference: str = ""  # check number, last four digits of a card, EOB number


def _check_diagnoses(diagnoses: Sequence[DiagnosisCode], lines: Sequence[ServiceLine]) -> None:
    if len(diagnoses) > len(POINTER_LETTERS):
        raise ValidationError("A superbill lists at most 12 diagnosis codes (A to L).", "diagnoses")
    known = set(POINTER_LETTERS[: len(diagnoses)])
    for line in lines:
        unknown = [p for p in line.pointers if p not in known]
        if unknown and diagnoses:
            raise ValidationError(
                f"The line of {claim_date(line.date_of_service)} points to diagnosis {unknown[0]}, which is not "
                "listed.",
                "pointers",
            )


# -- superbill -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Superbill:
    """One session or a date range of sessions, for the client to submit to their insurer."""

    provider: Provider
    client: ClientInfo
    diagnoses: tuple[DiagnosisCode, ...]
    lines: tuple[ServiceLine, ...]
    issued_on: date
    payments: tuple[PaymentLine, ...] = ()
    signer: str = ""  # name and credentials under the signature line; empty: the provider's

    def __post_init__(self) -> None:
        _check_diagnoses(self.diagnoses, self.lines)
        object.__setattr__(self, "lines", tuple(sorted(self.lines, key=lambda line: line.date_of_service)))

    @property
    def first_date(self) -> date | None:
        return self.lines[0].date_of_service if self.lines else None

    @property
    def last_date(self) -> date | None:
        return self.lines[-1].date_of_service if self.lines else None

    @property
    def total_fee_cents(self) -> int:
        return sum(line.fee_cents for line in self.lines)

    @property
    def amount_paid_cents(self) -> int:
        return sum(line.paid_cents for line in self.lines)

    @property
    def balance_cents(self) -> int:
        return self.total_fee_cents - self.amount_paid_cents

    @property
    def paid_in_full(self) -> bool:
        return self.total_fee_cents > 0 and self.balance_cents == 0

    @property
    def signed_by(self) -> str:
        return self.signer or self.provider.name_with_credentials


# -- statement -----------------------------------------------------------------------------------------------


class EntryKind(enum.StrEnum):
    CHARGE = "charge"
    PAYMENT = "payment"
    ADJUSTMENT = "adjustment"
    WRITE_OFF = "write-off"
    REFUND = "refund"


@dataclass(frozen=True)
class StatementEntry:
    """One line of account activity: a charge or refund raises the balance, the others lower it."""

    on: date
    kind: EntryKind
    description: str
    amount_cents: int  # always positive; `signed_cents` gives its effect on the balance

    def __post_init__(self) -> None:
        if self.amount_cents < 0:
            raise ValidationError("An account entry's amount is positive; its kind says which way it goes.", "amount")

    @property
    def signed_cents(self) -> int:
        raises = self.kind in (EntryKind.CHARGE, EntryKind.REFUND)
        return self.amount_cents if raises else -self.amount_cents


@dataclass(frozen=True)
class Aging:
    """What is owed by how old its date of service is."""

    days_0_30: int = 0
    days_31_60: int = 0
    days_61_90: int = 0
    over_90: int = 0

    @property
    def total_cents(self) -> int:
        return self.days_0_30 + self.days_31_60 + self.days_61_90 + self.over_90


def aging_of(open_items: Iterable[tuple[date, int]], as_of: date) -> Aging:
    """Bucket (date of service, amount still due) pairs by age in days on `as_of`: 0-30, 31-60, 61-90, 90+."""
    buckets = [0, 0, 0, 0]
    for day, due in open_items:
        age = (as_of - day).days
        buckets[0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3] += due
    return Aging(*buckets)


DEFAULT_HOW_TO_PAY = (
    "Pay by check made out to {name}, mailed to the address above, or by card or cash at your next session. "
    "Please write your account number on your check. Questions about this statement: call {phone}."
)


@dataclass(frozen=True)
class Statement:
    """A client's account for a period: activity, balance due, aging and how to pay."""

    provider: Provider
    client: ClientInfo
    statement_date: date
    period_start: date
    period_end: date
    entries: tuple[StatementEntry, ...]
    aging: Aging
    opening_balance_cents: int = 0
    due_by: date | None = None
    how_to_pay: str = ""  # the practice's own text; empty: DEFAULT_HOW_TO_PAY

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise ValidationError("The statement's period ends before it starts.", "period_end")
        object.__setattr__(self, "entries", tuple(sorted(self.entries, key=lambda entry: entry.on)))

    @property
    def balance_due_cents(self) -> int:
        return self.opening_balance_cents + sum(entry.signed_cents for entry in self.entries)

    def running_balances(self) -> list[tuple[StatementEntry, int]]:
        """Each entry with the balance after it."""
        balance = self.opening_balance_cents
        out = []
        for entry in self.entries:
            balance += entry.signed_cents
            out.append((entry, balance))
        return out

    def total_of(self, *kinds: EntryKind) -> int:
        return sum(entry.amount_cents for entry in self.entries if entry.kind in kinds)

    @property
    def payment_instructions(self) -> str:
        if self.how_to_pay.strip():
            return self.how_to_pay.strip()
        phone = self.provider.phone or "the practice"
        return DEFAULT_HOW_TO_PAY.format(name=self.provider.name, phone=phone)


# -- Good Faith Estimate -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EstimateItem:
    """A service expected in the estimate's period: how many, at what fee each."""

    code: str
    description: str
    quantity: int
    unit_fee_cents: int
    pos: PlaceOfService | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.quantity <= 366:
            raise ValidationError("An estimated service is expected 1 to 366 times.", "quantity")
        if self.unit_fee_cents < 0:
            raise ValidationError("An estimated fee cannot be negative.", "unit_fee_cents")

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_fee_cents


NOTICE_NOT_CONTRACT = (
    "This Good Faith Estimate is not a contract and does not require you to obtain the services listed. "
    "It shows the costs of items and services that are reasonably expected for your mental health care, based "
    "on what is known when it was created. It does not include unknown or unexpected costs that may arise "
    "during treatment: you could be charged more if complications or special circumstances occur."
)
NOTICE_DISPUTE = (
    "If you are billed for more than this Good Faith Estimate, you have the right to dispute the bill. "
    "If the total billed is at least $400 more than this estimate, you may start the patient-provider dispute "
    "resolution process of the U.S. Department of Health and Human Services (HHS): contact us first to talk "
    "about the bill or ask for an updated estimate, then start the process within 120 calendar days (about 4 "
    "months) of the date on the original bill. There is a $25 fee to use it. If the agency reviewing your "
    "dispute agrees with you, you will pay the price on this estimate; if it disagrees and agrees with us, you "
    "will pay the higher amount."
)
NOTICE_MORE = (
    "To learn more and get a form to start the process, go to www.cms.gov/nosurprises or call 1-800-985-3059. "
    "For questions or more information about your right to a Good Faith Estimate, visit the same page."
)
NOTICE_KEEP = "Keep a copy of this Good Faith Estimate in a safe place or take pictures of it: you may need it if "
NOTICE_KEEP += "you are billed a higher amount. We keep a copy for at least 6 years."


@dataclass(frozen=True)
class GoodFaithEstimate:
    """The written estimate an uninsured or self-pay client receives (No Surprises Act, 45 CFR 149.610)."""

    provider: Provider
    client: ClientInfo
    items: tuple[EstimateItem, ...]
    issued_on: date
    period_start: date
    period_end: date
    diagnoses: tuple[DiagnosisCode, ...] = ()  # where known
    reference: str = ""  # the estimate's number, as kept in the documents issued
    service_summary: str = "Outpatient psychotherapy"  # the primary service, in words
    notices: tuple[str, ...] = field(default=(NOTICE_NOT_CONTRACT, NOTICE_DISPUTE, NOTICE_MORE, NOTICE_KEEP))

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise ValidationError("The estimate's period ends before it starts.", "period_end")
        if self.period_end >= _a_year_after(self.period_start):
            raise ValidationError("A Good Faith Estimate covers at most 12 months.", "period_end")

    @property
    def total_cents(self) -> int:
        return sum(item.total_cents for item in self.items)


def _a_year_after(day: date) -> date:
    """The same day a year later (February 29 -> March 1): the first day a 12-month period no longer covers."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)


def estimate_period_end(start: date) -> date:
    """The last day of the 12 months starting on `start`: the longest period an estimate may cover."""
    return _a_year_after(start) - timedelta(days=1)


def exceeds_estimate(estimate_total_cents: int, billed_cents: int) -> bool:
    """Whether a bill runs far enough above the estimate for the client to dispute it ($400 or more)."""
    return billed_cents - estimate_total_cents >= DISPUTE_THRESHOLD_CENTS


# -- what is missing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """A required field that is empty, and where in the app to fill it in."""

    what: str
    where: str

    def __str__(self) -> str:
        return f"{self.what} — {self.where}"


class DocumentIncomplete(UserError):
    """A document refused because required fields are empty; `missing` lists them."""

    def __init__(self, document: str, missing: Sequence[Missing]) -> None:
        self.missing = tuple(missing)
        listed = "; ".join(str(m) for m in self.missing)
        super().__init__(f"The {document} cannot be made until these are filled in: {listed}.")


def _provider_missing(provider: Provider, *fields: str) -> list[Missing]:
    checks = {
        "name": (provider.name, "Your name (as on your NPI record)"),
        "credentials": (provider.credentials, "Your credentials"),
        "street": (provider.street, "The practice's street address"),
        "city": (provider.city and provider.state and provider.zip, "The practice's city, state and ZIP code"),
        "phone": (provider.phone, "The practice's phone number"),
        "npi": (provider.npi, "NPI"),
        "tax_id": (provider.tax_id, "Tax ID (EIN or SSN)"),
        "license": (provider.license_number, "License number"),
        "license_state": (provider.license_state, "License state"),
    }
    return [Missing(checks[name][1], PRACTICE_PROFILE) for name in fields if not checks[name][0]]


def _client_missing(client: ClientInfo, *, dob: bool, address: bool) -> list[Missing]:
    out = []
    if not client.name.strip():
        out.append(Missing("The client's name", DEMOGRAPHICS))
    if dob and client.dob is None:
        out.append(Missing("The client's date of birth", DEMOGRAPHICS))
    if address and not (client.street and client.city and client.state and client.zip):
        out.append(Missing("The client's address", DEMOGRAPHICS))
    return out


def missing_for_superbill(sb: Superbill) -> list[Missing]:
    """Each required field of `sb` that is empty (an insurer rejects a superbill without it)."""
    out = _provider_missing(
        sb.provider, "name", "credentials", "street", "city", "phone", "npi", "tax_id", "license", "license_state"
    )
    out += _client_missing(sb.client, dob=True, address=True)
    if sb.client.insurance is None or not sb.client.insurance.member_id:
        out.append(Missing("Member ID", COVERAGE))
    if not sb.diagnoses:
        out.append(Missing("Diagnosis code (ICD-10-CM)", DIAGNOSES))
    if not sb.lines:
        out.append(Missing("A session with a charge in the period", CLIENT_BILLING))
    for line in sb.lines:
        when = claim_date(line.date_of_service)
        if not line.code.strip():
            out.append(Missing(f"Service code of the session of {when}", CLIENT_BILLING))
        if line.fee_cents <= 0:
            out.append(Missing(f"Fee of the session of {when}", CLIENT_BILLING))
        if not line.pointers:
            out.append(Missing(f"Diagnosis pointer of the session of {when}", CLIENT_BILLING))
    return out


def missing_for_statement(st: Statement) -> list[Missing]:
    """Each field a statement needs to reach the client and be paid."""
    out = _provider_missing(st.provider, "name", "street", "city", "phone")
    return out + _client_missing(st.client, dob=False, address=True)


def missing_for_estimate(gfe: GoodFaithEstimate) -> list[Missing]:
    """Each field 45 CFR 149.610 requires of a Good Faith Estimate that is still empty."""
    out = _provider_missing(gfe.provider, "name", "street", "city", "npi", "tax_id")
    out += _client_missing(gfe.client, dob=True, address=False)
    if not gfe.items:
        out.append(Missing("At least one expected service", ESTIMATE_SERVICES))
    for number, item in enumerate(gfe.items, start=1):
        if not item.code.strip():
            out.append(Missing(f"Service code of expected service {number}", ESTIMATE_SERVICES))
        if item.unit_fee_cents <= 0:
            out.append(Missing(f"Fee of expected service {number}", ESTIMATE_SERVICES))
    return out
