"""The ledger's reductions of a charge (contractual adjustments, write-offs, refunds out of a credit), EOB
lines, copays due at the visit and aging: values and the rules that check them, all in integer cents.

Identity the store keeps, per client and practice-wide:
charges − payments − adjustments − write-offs + refunds = balance (what the client owes; negative: credit).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from therapy_desk.domain import validation as v
from therapy_desk.domain.billing import check_cents, format_cents
from therapy_desk.errors import ValidationError

MAX_NOTE = 500
MAX_REFERENCE = 80
_REASON_CODE = re.compile(r"[0-9A-Z]{1,5}")
AGING_BUCKETS = ("0-30", "31-60", "61-90", "90+")


class AdjustmentKind(enum.StrEnum):
    CONTRACTUAL = "contractual"  # the fee above the payer's allowed amount
    WRITE_OFF = "write-off"


class WriteOffReason(enum.StrEnum):
    SMALL_BALANCE = "small balance"
    HARDSHIP = "hardship"
    BAD_DEBT = "bad debt"
    COURTESY = "courtesy"


class AdjustmentGroup(enum.StrEnum):
    """Claim adjustment group codes (X12 835 CAS01)."""

    CO = "CO"  # contractual obligation
    PR = "PR"  # patient responsibility
    OA = "OA"  # other adjustment
    PI = "PI"  # payer initiated


class RefundMethod(enum.StrEnum):
    CARD = "card"
    CASH = "cash"
    CHECK = "check"
    EFT = "eft"


def check_note(text: str, field_name: str = "note", label: str = "The note") -> str:
    clean = " ".join(text.split())
    if len(clean) > MAX_NOTE:
        raise ValidationError(f"{label} is longer than {MAX_NOTE} characters.", field_name)
    return clean


def check_reference(text: str, field_name: str = "reference") -> str:
    clean = " ".join(text.split())
    if len(clean) > MAX_REFERENCE:
        raise ValidationError(f"The reference is longer than {MAX_REFERENCE} characters.", field_name)
    return clean


def check_reason_code(text: str) -> str:
    """A claim adjustment reason code (CARC): up to 5 letters or digits, or blank."""
    clean = text.strip().upper()
    if clean and not _REASON_CODE.fullmatch(clean):
        raise ValidationError("A reason code is up to 5 letters or digits (45, 253, B7...).", "reason_code")
    return clean


class _Reversible:
    """A ledger row that a reversing row may undo: `effect_cents` is its amount, negative for a reversal (an
    adjustment lowers the charge by it, a refund raises the balance by it)."""

    amount_cents: int
    reverses_id: int | None

    @property
    def reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def effect_cents(self) -> int:
        return -self.amount_cents if self.reversal else self.amount_cents


@dataclass(frozen=True)
class Adjustment(_Reversible):
    """A reduction of one charge: contractual (fee above allowed) or a write-off with a reason. A reversing
    row (`reverses_id` set) undoes the row it names and adds back its amount."""

    client_id: int
    charge_id: int
    kind: AdjustmentKind
    amount_cents: int
    on: date
    reason: WriteOffReason | None = None
    group: AdjustmentGroup | None = None
    reason_code: str = ""
    note: str = ""
    eob_line_id: int | None = None
    reverses_id: int | None = None
    id: int | None = None
    created_at: datetime | None = None
    reversed_by: int | None = None  # filled in when read

    def validated(self, today: date) -> Adjustment:
        kind = AdjustmentKind(self.kind)
        check_cents(self.amount_cents, "amount_cents", allow_zero=False, label="The adjustment")
        v.check_not_future(self.on, today, "on", "The adjustment date")
        reason = None if self.reason is None else WriteOffReason(self.reason)
        if kind is AdjustmentKind.WRITE_OFF and reason is None and self.reverses_id is None:
            choices = ", ".join(r.value for r in WriteOffReason)
            raise ValidationError(f"A write-off needs its reason ({choices}).", "reason")
        if kind is AdjustmentKind.CONTRACTUAL and reason is not None:
            raise ValidationError("A write-off reason belongs to a write-off, not a contractual adjustment.", "reason")
        return replace(
            self,
            kind=kind,
            reason=reason,
            group=None if self.group is None else AdjustmentGroup(self.group),
            reason_code=check_reason_code(self.reason_code),
            note=check_note(self.note),
        )


@dataclass(frozen=True)
class Refund(_Reversible):
    """Money paid back out of a credit, to the client (`payer_id` None) or to a payer."""

    client_id: int
    amount_cents: int
    on: date
    method: RefundMethod = RefundMethod.CHECK
    payer_id: int | None = None
    reference: str = ""
    note: str = ""
    reverses_id: int | None = None
    id: int | None = None
    created_at: datetime | None = None
    reversed_by: int | None = None  # filled in when read

    def validated(self, today: date) -> Refund:
        check_cents(self.amount_cents, "amount_cents", allow_zero=False, label="The refund")
        v.check_not_future(self.on, today, "on", "The refund date")
        return replace(
            self,
            method=RefundMethod(self.method),
            reference=check_reference(self.reference),
            note=check_note(self.note),
        )


def check_refund(amount_cents: int, credit_cents: int, party: str) -> None:
    """A refund comes out of that party's credit: refuse more than the credit, naming both amounts."""
    if amount_cents > credit_cents:
        held = f"only {format_cents(credit_cents)}" if credit_cents > 0 else "no"
        raise ValidationError(
            f"A refund of {format_cents(amount_cents)} is more than {party}'s credit: {party} has {held} credit "
            "to refund.",
            "amount_cents",
        )


# -- EOB posting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EobLine:
    """One service line of an insurer's explanation of benefits. allowed = paid + deductible + coinsurance
    + copay; the fee above the allowed amount is the contractual adjustment (group CO)."""

    charge_id: int
    allowed_cents: int
    paid_cents: int
    deductible_cents: int = 0
    coinsurance_cents: int = 0
    copay_cents: int = 0
    group: AdjustmentGroup = AdjustmentGroup.CO
    reason_code: str = "45"  # CARC 45: charge exceeds the fee schedule / maximum allowable
    id: int | None = None
    client_id: int | None = None  # filled in when read
    payment_id: int | None = None

    @property
    def responsibility_cents(self) -> int:
        """The client's share of the allowed amount."""
        return self.deductible_cents + self.coinsurance_cents + self.copay_cents

    def validated(self, fee_cents: int) -> EobLine:
        names = (
            ("allowed_cents", "The allowed amount"),
            ("paid_cents", "The paid amount"),
            ("deductible_cents", "The deductible"),
            ("coinsurance_cents", "The coinsurance"),
            ("copay_cents", "The copay"),
        )
        for name, label in names:
            check_cents(getattr(self, name), name, label=label)
        if self.allowed_cents > fee_cents:
            raise ValidationError(
                f"The allowed amount {format_cents(self.allowed_cents)} is above the charge's fee of "
                f"{format_cents(fee_cents)}; check the EOB line.",
                "allowed_cents",
            )
        parts = self.paid_cents + self.responsibility_cents
        if parts != self.allowed_cents:
            raise ValidationError(
                f"Paid plus deductible, coinsurance and copay come to {format_cents(parts)}, but the allowed amount "
                f"is {format_cents(self.allowed_cents)}; check the EOB line of charge {self.charge_id}.",
                "allowed_cents",
            )
        return replace(self, group=AdjustmentGroup(self.group), reason_code=check_reason_code(self.reason_code))


@dataclass(frozen=True)
class Eob:
    """An insurer's payment (check or EFT) and its lines."""

    payer_id: int
    received_on: date
    total_cents: int
    lines: tuple[EobLine, ...]
    reference: str = ""  # the check or EFT trace number
    id: int | None = None
    reverses_id: int | None = None
    reversed_by: int | None = None  # filled in when read
    created_at: datetime | None = None

    def validated(self, today: date) -> Eob:
        check_cents(self.total_cents, "total_cents", label="The EOB total")
        v.check_not_future(self.received_on, today, "received_on", "The date received")
        if not self.lines:
            raise ValidationError("An EOB posting needs at least one line.", "lines")
        ids = [line.charge_id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise ValidationError("A charge is listed twice on the EOB; post one line per charge.", "lines")
        paid = sum(line.paid_cents for line in self.lines)
        if paid != self.total_cents:
            raise ValidationError(
                f"The lines pay {format_cents(paid)} but the payment's total is {format_cents(self.total_cents)}; "
                "check the amounts against the EOB.",
                "total_cents",
            )
        return replace(self, reference=check_reference(self.reference), lines=tuple(self.lines))


# -- copays, aging, unpaid insurance lines -------------------------------------------------------


@dataclass(frozen=True)
class CopayDue:
    """A copay due at the visit for a charge billed to insurance, and what the client has paid on it."""

    charge_id: int
    client_id: int
    date_of_service: date
    payer_id: int
    copay_cents: int
    collected_cents: int

    @property
    def uncollected_cents(self) -> int:
        return max(0, self.copay_cents - self.collected_cents)


@dataclass(frozen=True)
class UnpaidInsuranceLine:
    """A charge billed to insurance with no EOB posted yet."""

    charge_id: int
    client_id: int
    date_of_service: date
    service_code: str
    payer_id: int
    payer_name: str
    fee_cents: int
    due_cents: int
    days: int


def bucket(days: int) -> int:
    """The aging bucket index of a charge `days` after its date of service: 0-30, 31-60, 61-90, 90+."""
    if days <= 30:
        return 0
    if days <= 60:
        return 1
    if days <= 90:
        return 2
    return 3


@dataclass
class AgingRow:
    """One client's open charges by age (days since the date of service), split by who is to pay."""

    client_id: int
    client_cents: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    insurance_cents: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    credit_cents: int = 0

    def add(self, days: int, client_cents: int, insurance_cents: int) -> None:
        index = bucket(days)
        self.client_cents[index] += client_cents
        self.insurance_cents[index] += insurance_cents

    @property
    def buckets(self) -> list[int]:
        return [c + i for c, i in zip(self.client_cents, self.insurance_cents, strict=True)]

    @property
    def due_cents(self) -> int:
        return sum(self.buckets)

    @property
    def net_cents(self) -> int:
        return self.due_cents - self.credit_cents


@dataclass(frozen=True)
class Aging:
    as_of: date
    rows: tuple[AgingRow, ...]

    @property
    def totals(self) -> list[int]:
        return [sum(r.buckets[i] for r in self.rows) for i in range(len(AGING_BUCKETS))]

    @property
    def client_totals(self) -> list[int]:
        return [sum(r.client_cents[i] for r in self.rows) for i in range(len(AGING_BUCKETS))]

    @property
    def insurance_totals(self) -> list[int]:
        return [sum(r.insurance_cents[i] for r in self.rows) for i in range(len(AGING_BUCKETS))]

    @property
    def credit_cents(self) -> int:
        return sum(r.credit_cents for r in self.rows)

    @property
    def net_cents(self) -> int:
        return sum(self.totals) - self.credit_cents


def split_due(due_cents: int, *, insured: bool, eob_posted: bool, copay_left_cents: int) -> tuple[int, int]:
    """(client, insurance) shares of what a charge still owes: everything is the client's once the insurer's
    EOB is posted or when the charge is self-pay; before that, the uncollected copay is the client's and the
    rest the insurer's."""
    if not insured or eob_posted:
        return due_cents, 0
    client = min(due_cents, max(0, copay_left_cents))
    return client, due_cents - client


def party_totals(amounts: Sequence[tuple[int | None, int]]) -> dict[int | None, int]:
    """Sum (party, cents) pairs per party (None: the client)."""
    totals: dict[int | None, int] = {}
    for party, cents in amounts:
        totals[party] = totals.get(party, 0) + cents
    return totals
