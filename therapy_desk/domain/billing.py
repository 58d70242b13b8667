"""Billing rules and values: codes from minutes, same-day code rules, payers and coverage, charges, payments
and how payments are allocated to charges (money itself: domain/money.py)."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from therapy_desk.domain import validation as v
from therapy_desk.domain.claims import InsuranceType
from therapy_desk.domain.clients import AdministrativeSex, Client
from therapy_desk.domain.codes import (
    BILLING_RULES,
    MAX_MODIFIERS,
    MISSED_FEE_CODES,
    MODIFIERS,
    TELEHEALTH_MODIFIERS,
    TELEHEALTH_POS,
    PlaceOfService,
    ServiceCode,
    billing_rule,
)

# Re-exported: callers import the money helpers from here.
from therapy_desk.domain.money import check_cents as check_cents
from therapy_desk.domain.money import format_cents as format_cents
from therapy_desk.domain.money import parse_dollars as parse_dollars
from therapy_desk.errors import ValidationError

_IDENTIFIER = re.compile(r"[0-9A-Za-z][0-9A-Za-z -]*")

# Add-on code -> the primary codes it may accompany (the catalogue's rules, DOMAIN.md).
ADDON_PRIMARIES: dict[str, frozenset[str]] = {code: r.primaries for code, r in BILLING_RULES.items() if r.primaries}
# Time-based psychotherapy codes: one per day for the total time, never added together.
PSYCHOTHERAPY_TIME_CODES = frozenset({"90832", "90834", "90837"})
MAX_DIAGNOSIS_POINTERS = 4
MAX_UNITS = 99


# -- codes from minutes and same-day rules -------------------------------------------------------


def psychotherapy_code(minutes: int) -> str | None:
    """The one psychotherapy code for the total face-to-face time, by the catalogue's bands; None below 16
    minutes."""
    if minutes < 0:
        raise ValidationError("Session minutes cannot be negative.", "minutes")
    return next((code for code in sorted(PSYCHOTHERAPY_TIME_CODES) if billing_rule(code).covers(minutes)), None)


def suggested_codes(minutes: int, booked_code: str | None = None) -> tuple[str, ...]:
    """The codes `minutes` of documented time bill as, for the editor's hint: crisis codes when the session
    was booked as crisis psychotherapy, the booked code itself when it is not time-based (90791, 90853),
    else the psychotherapy code of its band; empty when the time bills nothing (under 16 minutes)."""
    if booked_code in ("90839", "90840"):
        return tuple(crisis_codes(minutes))
    if booked_code and booked_code not in PSYCHOTHERAPY_TIME_CODES and billing_rule(booked_code).min_minutes is None:
        return (booked_code,)
    code = psychotherapy_code(minutes)
    return () if code is None else (code,)


def crisis_codes(minutes: int) -> list[str]:
    """Crisis psychotherapy: 90839 for 30-74 minutes, plus one +90840 per further 30 minutes from 75."""
    if minutes < 0:
        raise ValidationError("Session minutes cannot be negative.", "minutes")
    if minutes < 30:
        return []
    extra = 0 if minutes < 75 else 1 + (minutes - 75) // 30
    return ["90839"] + ["90840"] * extra


def check_addons(codes: Sequence[str]) -> None:
    """Refuse an add-on code billed without one of the primary codes it belongs to."""
    present = set(codes)
    for code in codes:
        primaries = ADDON_PRIMARIES.get(code)
        if primaries is not None and not primaries & present:
            allowed = ", ".join(sorted(primaries))
            raise ValidationError(f"+{code} is an add-on and must be billed with one of {allowed}.", "service_code")


def check_session_minutes(service: ServiceCode, minutes: int) -> None:
    """Refuse a time-based code for a session whose minutes are outside the code's band."""
    rule = service.rule
    if rule.covers(minutes):
        return
    advice = "Book the session's real length or charge the code for its minutes."
    if service.code in PSYCHOTHERAPY_TIME_CODES:
        fitting = psychotherapy_code(minutes)
        advice = (
            f"Use {fitting} ({BILLING_RULES[fitting].band()})."
            if fitting
            else "Under 16 minutes of psychotherapy is not billable."
        )
    raise ValidationError(
        f"{service.code} is for {rule.band()}; this session was {minutes} minutes. {advice}", "service_code"
    )


def check_session_units(service: ServiceCode, units: int) -> None:
    if service.rule.one_unit_per_session and units != 1:
        raise ValidationError(
            f"{service.code} is billed as one unit per session; enter 1 unit (this line had {units}).", "units"
        )


def check_telehealth_mode(modifiers: Sequence[str]) -> None:
    """A session is held audio-video (95) or audio-only (93), not both."""
    if "95" in modifiers and "93" in modifiers:
        raise ValidationError(
            "Modifiers 93 (audio-only) and 95 (audio-video) contradict each other; keep the one that matches how "
            "the session was held.",
            "modifiers",
        )


def check_telehealth_place(modifiers: Sequence[str], pos: PlaceOfService) -> None:
    """A line's telehealth modifiers agree with each other and with a telehealth place of service (02 or 10)."""
    check_telehealth_mode(modifiers)
    telehealth = [m for m in modifiers if m in TELEHEALTH_MODIFIERS]
    if telehealth and pos not in TELEHEALTH_POS:
        raise ValidationError(
            f"Modifier {telehealth[0]} marks a telehealth session, but the place of service is {pos.value} "
            f"({pos.label.lower()}). Use POS {PlaceOfService.TELEHEALTH_HOME.value} (client at home) or "
            f"{PlaceOfService.TELEHEALTH_NOT_HOME.value} (client not at home), or remove {telehealth[0]}.",
            "modifiers",
        )


def check_missed_fee(code: str, *, medicaid: bool) -> None:
    """No-show and late-cancellation fees may not be charged to a Medicaid-covered client (42 CFR 447.15)."""
    if medicaid and code in MISSED_FEE_CODES:
        raise ValidationError(
            "The client is covered by Medicaid on this date, and Medicaid does not allow no-show or "
            "late-cancellation fees (42 CFR 447.15); leave the missed appointment without a fee.",
            "service_code",
        )


def check_same_day(lines: Sequence[tuple[str, Sequence[str]]]) -> None:
    """Rules for one client's lines on one date of service, given as (code, modifiers).

    Add-ons need their primary; codes the catalogue's rules keep apart (90791 and psychotherapy, crisis and
    90785...) are refused together; time-based psychotherapy codes are never added together (one code for
    the total time) unless a later line carries modifier 59 for a separate, distinct session.
    """
    codes = [code for code, _ in lines]
    check_addons(codes)
    for index, first in enumerate(codes):
        for second in codes[index + 1 :]:
            if second in billing_rule(first).not_same_day or first in billing_rule(second).not_same_day:
                raise ValidationError(
                    f"{first} and {second} are not billed for one client on the same day; charge only one of "
                    "them for this date (void the other line first if it is already charged).",
                    "service_code",
                )
    timed = [mods for code, mods in lines if code in PSYCHOTHERAPY_TIME_CODES]
    if len(timed) > 1 and sum(1 for mods in timed if "59" not in mods) > 1:
        raise ValidationError(
            "One psychotherapy code covers the day's total time; void the other line and charge the code for the "
            "total minutes (or add modifier 59 for a separate, distinct session).",
            "service_code",
        )


def check_modifiers(modifiers: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(m.strip().upper() for m in modifiers if m.strip())
    if len(cleaned) > MAX_MODIFIERS:
        raise ValidationError(f"A service line takes at most {MAX_MODIFIERS} modifiers.", "modifiers")
    for modifier in cleaned:
        if modifier not in MODIFIERS:
            raise ValidationError(f"{modifier} is not a modifier Therapy Desk knows.", "modifiers")
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError("A modifier is listed twice on the line.", "modifiers")
    return cleaned


def check_units(units: int) -> int:
    if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= MAX_UNITS:
        raise ValidationError(f"Units are a whole number from 1 to {MAX_UNITS}.", "units")
    return units


def check_pointers(diagnosis_ids: Sequence[int], *, billable_to_insurance: bool) -> tuple[int, ...]:
    """Diagnosis pointers for a line: 1 to 4 distinct diagnoses, required when the line goes to insurance."""
    pointers = tuple(diagnosis_ids)
    if any(isinstance(p, bool) or not isinstance(p, int) for p in pointers):
        raise ValidationError("Diagnosis pointers are diagnosis ids.", "diagnosis_ids")
    if len(pointers) > MAX_DIAGNOSIS_POINTERS:
        raise ValidationError(f"A service line points to at most {MAX_DIAGNOSIS_POINTERS} diagnoses.", "diagnosis_ids")
    if len(set(pointers)) != len(pointers):
        raise ValidationError("A diagnosis is pointed to twice on the line.", "diagnosis_ids")
    if billable_to_insurance and not pointers:
        raise ValidationError("A line billed to insurance needs at least one diagnosis pointer.", "diagnosis_ids")
    return pointers


def plan_allocations(
    unallocated_cents: int, requests: Iterable[tuple[int, int]], due_by_charge: Mapping[int, int]
) -> list[tuple[int, int]]:
    """Check allocations of one payment to charges; returns them merged per charge, in first-seen order.

    `unallocated_cents` is what is left of the payment; `due_by_charge` what each eligible charge still owes.
    Refuses a charge that is not eligible, an amount that is not above zero, paying a charge beyond its fee
    and allocating more than the payment holds.
    """
    merged: dict[int, int] = {}
    for charge_id, cents in requests:
        check_cents(cents, "allocations", allow_zero=False, label="An allocation")
        if charge_id not in due_by_charge:
            raise ValidationError(
                f"Charge {charge_id} is not an open charge of this client that this payment can pay.", "charge_id"
            )
        merged[charge_id] = merged.get(charge_id, 0) + cents
    for charge_id, cents in merged.items():
        if cents > due_by_charge[charge_id]:
            raise ValidationError(
                f"Charge over-paid: charge {charge_id} has only {format_cents(due_by_charge[charge_id])} still due.",
                "allocations",
            )
    total = sum(merged.values())
    if total > unallocated_cents:
        raise ValidationError(
            f"Payment over-allocated: {format_cents(total)} allocated but only {format_cents(unallocated_cents)} "
            "of the payment is left to allocate.",
            "allocations",
        )
    return list(merged.items())


def oldest_first(unallocated_cents: int, open_charges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spread what is left of a payment over (charge_id, due) pairs given oldest first."""
    left = unallocated_cents
    plan: list[tuple[int, int]] = []
    for charge_id, due in open_charges:
        if left <= 0:
            break
        take = min(left, due)
        if take > 0:
            plan.append((charge_id, take))
            left -= take
    return plan


# -- payers and coverage -------------------------------------------------------------------------


class PayerKind(enum.StrEnum):
    COMMERCIAL = "commercial"
    MEDICAID = "medicaid"
    MEDICARE = "medicare"
    EAP = "eap"
    OTHER = "other"


class CoverageRank(enum.StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


class Relationship(enum.StrEnum):
    """The client's relationship to the insured (CMS-1500 box 6)."""

    SELF = "self"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER = "other"


def _identifier(value: str, field: str, label: str, *, required: bool) -> str:
    text = " ".join(value.split())
    if not text:
        if required:
            raise ValidationError(f"{label} is required.", field)
        return ""
    if len(text) > 80 or not _IDENTIFIER.fullmatch(text):
        raise ValidationError(f"{label} may hold only letters, digits, spaces and dashes (up to 80).", field)
    return text.upper()


def _optional(check: Callable[[str, str], str], value: str, field: str) -> str:
    """`check(value, field)`, or blank when nothing was given."""
    return check(value, field) if value.strip() else ""


@dataclass(frozen=True)
class Payer:
    """An insurer or EAP the practice bills."""

    name: str
    kind: PayerKind = PayerKind.COMMERCIAL
    electronic_id: str = ""  # the clearinghouse payer ID (837P loop 2010BB)
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""
    active: bool = True
    id: int | None = None

    def validated(self) -> Payer:
        return replace(
            self,
            name=v.check_required(self.name, "name", "The payer name"),
            kind=PayerKind(self.kind),
            electronic_id=_identifier(self.electronic_id, "electronic_id", "The electronic payer ID", required=False),
            street=self.street.strip(),
            city=self.city.strip(),
            state=v.check_state(self.state) if self.state.strip() else "",
            zip=v.check_zip(self.zip) if self.zip.strip() else "",
            phone=v.check_phone(self.phone) if self.phone.strip() else "",
        )


@dataclass(frozen=True)
class Coverage:
    """One insurance policy covering one client; for relationship SELF the subscriber is the client."""

    client_id: int
    payer_id: int
    member_id: str
    start_date: date
    rank: CoverageRank = CoverageRank.PRIMARY
    relationship: Relationship = Relationship.SELF
    group_number: str = ""
    subscriber_first: str = ""
    subscriber_last: str = ""
    subscriber_dob: date | None = None
    subscriber_sex: AdministrativeSex = AdministrativeSex.UNKNOWN
    copay_cents: int = 0
    plan_name: str = ""  # the plan or product on the card ("Gold PPO"), shown with the payer
    # The subscriber's address and phone (CMS-1500 box 7); blank for SELF, where the client's own are used.
    subscriber_street: str = ""
    subscriber_city: str = ""
    subscriber_state: str = ""
    subscriber_zip: str = ""
    subscriber_phone: str = ""
    coinsurance_percent: int | None = None  # the client's share after the deductible, 0-100
    insurance_type: InsuranceType = InsuranceType.GROUP  # CMS-1500 box 1
    # The client's name as the insurance card spells it when it is not their legal name (another script, a
    # former name): what claims carry in box 2 (and box 4 for SELF). Blank: the legal name.
    card_first: str = ""
    card_last: str = ""
    release_signed_on: date | None = None  # box 12: the client signed the release of information (on file)
    assignment_signed_on: date | None = None  # box 13: the insured signed the assignment of benefits
    authorization_number: str = ""
    authorized_visits: int | None = None
    authorization_start: date | None = None
    authorization_end: date | None = None
    end_date: date | None = None
    id: int | None = None
    payer_name: str = ""  # filled in when read, for display; ignored when saved

    def covers(self, on: date) -> bool:
        return self.start_date <= on and (self.end_date is None or on <= self.end_date)

    def overlaps(self, other: Coverage) -> bool:
        ends_after = other.end_date is None or self.start_date <= other.end_date
        starts_before = self.end_date is None or other.start_date <= self.end_date
        return ends_after and starts_before

    def validated(self, client: Client, today: date) -> Coverage:
        """A normalised copy for `client`, or `ValidationError` naming the field."""
        clean = replace(
            self,
            rank=CoverageRank(self.rank),
            relationship=Relationship(self.relationship),
            insurance_type=InsuranceType(self.insurance_type),
            subscriber_sex=AdministrativeSex(self.subscriber_sex),
            member_id=_identifier(self.member_id, "member_id", "The member ID", required=True),
            group_number=_identifier(self.group_number, "group_number", "The group number", required=False),
            authorization_number=_identifier(
                self.authorization_number, "authorization_number", "The authorization number", required=False
            ),
            subscriber_first=self.subscriber_first.strip(),
            subscriber_last=self.subscriber_last.strip(),
            copay_cents=check_cents(self.copay_cents, "copay_cents", label="The copay"),
            plan_name=v.check_length(self.plan_name, 80, "plan_name", "The plan name"),
            card_first=v.check_length(self.card_first, 80, "card_first", "The first name on the card"),
            card_last=v.check_length(self.card_last, 80, "card_last", "The last name on the card"),
            subscriber_street=v.check_length(
                self.subscriber_street, 200, "subscriber_street", "The subscriber's street"
            ),
            subscriber_city=v.check_length(self.subscriber_city, 80, "subscriber_city", "The subscriber's city"),
            subscriber_state=_optional(v.check_state, self.subscriber_state, "subscriber_state"),
            subscriber_zip=_optional(v.check_zip, self.subscriber_zip, "subscriber_zip"),
            subscriber_phone=_optional(v.check_phone, self.subscriber_phone, "subscriber_phone"),
        )
        share = self.coinsurance_percent
        if share is not None and (isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100):
            raise ValidationError("Coinsurance is a whole percentage from 0 to 100, or blank.", "coinsurance_percent")
        v.check_order(self.start_date, self.end_date, "end_date", "The coverage end date", "its start date")
        v.check_not_future(self.release_signed_on, today, "release_signed_on", "The release's signing date")
        v.check_not_future(self.assignment_signed_on, today, "assignment_signed_on", "The assignment's signing date")
        v.check_order(
            self.authorization_start,
            self.authorization_end,
            "authorization_end",
            "The authorization end date",
            "its start date",
        )
        visits = self.authorized_visits
        if visits is not None and (isinstance(visits, bool) or not isinstance(visits, int) or not 0 <= visits <= 999):
            raise ValidationError("Authorised visits are a whole number from 0 to 999, or blank.", "authorized_visits")
        if (visits is not None or clean.authorization_start or clean.authorization_end) and not (
            clean.authorization_number
        ):
            raise ValidationError(
                "Authorised visits and dates need the authorization number they belong to.", "authorization_number"
            )
        if clean.relationship is Relationship.SELF:
            return clean._subscriber_is(client)
        if not clean.subscriber_first or not clean.subscriber_last:
            raise ValidationError("The subscriber's first and last name are required.", "subscriber_last")
        if clean.subscriber_dob is None:
            raise ValidationError("The subscriber's date of birth is required.", "subscriber_dob")
        v.check_not_future(clean.subscriber_dob, today, "subscriber_dob", "The subscriber's date of birth")
        return clean

    def _subscriber_is(self, client: Client) -> Coverage:
        given = (self.subscriber_first, self.subscriber_last, self.subscriber_dob)
        matches = (
            (not self.subscriber_first or self.subscriber_first.casefold() == client.legal_first.casefold())
            and (not self.subscriber_last or self.subscriber_last.casefold() == client.legal_last.casefold())
            and (self.subscriber_dob is None or self.subscriber_dob == client.dob)
            and self.subscriber_sex in (AdministrativeSex.UNKNOWN, client.sex)
        )
        if (any(given) and not matches) or any(self.subscriber_contact()):
            raise ValidationError(
                "When the client is the subscriber (relationship self), the subscriber is the client: leave the "
                "subscriber blank or choose another relationship.",
                "relationship",
            )
        return self.with_client_as_subscriber(client)

    def subscriber_contact(self) -> tuple[str, str, str, str, str]:
        """The subscriber's street, city, state, ZIP and phone as given (blank for SELF)."""
        return (self.subscriber_street, self.subscriber_city, self.subscriber_state, self.subscriber_zip,
                self.subscriber_phone)  # fmt: skip

    def with_client_as_subscriber(self, client: Client) -> Coverage:
        return replace(
            self,
            subscriber_first=client.legal_first,
            subscriber_last=client.legal_last,
            subscriber_dob=client.dob,
            subscriber_sex=client.sex,
        )


# -- charges, payments, balances -----------------------------------------------------------------


class ChargeKind(enum.StrEnum):
    SESSION = "session"  # from an attended appointment
    LATE_CANCEL = "late cancel"
    NO_SHOW = "no-show"
    MANUAL = "manual"


class PaymentMethod(enum.StrEnum):
    CARD = "card"
    CASH = "cash"
    CHECK = "check"
    EFT = "eft"
    INSURANCE = "insurance"


@dataclass(frozen=True)
class Charge:
    """One service line: `fee_cents` is the line's full charge (all units)."""

    id: int
    client_id: int
    kind: ChargeKind
    date_of_service: date
    service_code: str
    description: str
    units: int
    fee_cents: int
    pos: PlaceOfService
    modifiers: tuple[str, ...]
    diagnosis_ids: tuple[int, ...]
    billable_to_insurance: bool
    paid_cents: int
    created_at: datetime
    appointment_id: int | None = None
    voided_at: datetime | None = None
    void_reason: str = ""
    adjusted_cents: int = 0  # live contractual adjustments and write-offs (domain/ledger.py)

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def due_cents(self) -> int:
        return 0 if self.voided else self.fee_cents - self.paid_cents - self.adjusted_cents


@dataclass(frozen=True)
class Payment:
    """Money received from the client (`payer_id` None) or from a payer on the client's behalf."""

    client_id: int
    received_on: date
    amount_cents: int
    method: PaymentMethod
    payer_id: int | None = None
    reference: str = ""
    id: int | None = None
    allocated_cents: int = 0  # filled in when read
    voided_at: datetime | None = None
    void_reason: str = ""

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def unallocated_cents(self) -> int:
        return 0 if self.voided else self.amount_cents - self.allocated_cents

    def validated(self, today: date) -> Payment:
        method = PaymentMethod(self.method)
        check_cents(self.amount_cents, "amount_cents", allow_zero=False, label="The payment amount")
        v.check_not_future(self.received_on, today, "received_on", "The date received")
        if method is PaymentMethod.INSURANCE and self.payer_id is None:
            raise ValidationError("An insurance payment needs the payer it came from.", "payer_id")
        reference = " ".join(self.reference.split())
        if len(reference) > 80:
            raise ValidationError("The payment reference is longer than 80 characters.", "reference")
        return replace(self, method=method, reference=reference, allocated_cents=0, voided_at=None, void_reason="")


@dataclass(frozen=True)
class Allocation:
    id: int
    payment_id: int
    charge_id: int
    amount_cents: int
    created_at: datetime
    released_at: datetime | None = None  # set when the charge or payment is voided, or the allocation undone


@dataclass(frozen=True)
class Balance:
    """A client's account: charges (not voided) less what payments paid on them and what adjustments and
    write-offs took off, and unapplied credit (payments not applied, less what was refunded)."""

    client_id: int
    charged_cents: int = 0
    paid_cents: int = 0
    credit_cents: int = 0
    adjusted_cents: int = 0
    refunded_cents: int = 0

    @property
    def due_cents(self) -> int:
        return self.charged_cents - self.paid_cents - self.adjusted_cents

    @property
    def net_cents(self) -> int:
        """What the client owes once unapplied credit is used; negative means the practice owes them."""
        return self.due_cents - self.credit_cents


class LedgerKind(enum.StrEnum):
    CHARGE = "charge"
    PAYMENT = "payment"
    ADJUSTMENT = "adjustment"  # contractual: the fee above the payer's allowed amount
    WRITE_OFF = "write-off"
    REFUND = "refund"
    REVERSAL = "reversal"  # of an adjustment, write-off or refund (`reverses_id`)


@dataclass(frozen=True)
class LedgerRow:
    """One line of a client's account statement, in date order, with the running balance after it.

    The running balance is charges − payments − adjustments − write-offs + refunds so far (negative: the
    practice owes the client); `credit_cents` is that credit (0 while the client owes)."""

    on: date
    kind: LedgerKind
    id: int
    code: str  # service code for a charge, payment method for a payment, kind or reason for the others
    description: str
    amount_cents: int  # the row's amount, always positive
    voided: bool
    running_balance_cents: int
    change_cents: int = 0  # what the row did to the balance (0 for a voided row)
    charge_id: int | None = None  # the charge an adjustment or write-off reduces
    reverses_id: int | None = None  # for a reversal: the row it reverses (of the kind in `code`)
    reversed: bool = False  # a later reversal undid this row
    credit_cents: int = 0
