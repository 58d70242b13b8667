"""Gather a document's values from the vault through the stores' public methods: a superbill from the
client's charges, a statement from their ledger, a Good Faith Estimate from their schedule and the catalogue.

Nothing here checks whether a required field is empty: the templates refuse (`DocumentIncomplete`) with
the list of what is missing and where to fill it in, and `documents.issue` asks before writing anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from therapy_desk.domain.billing import Charge, ChargeKind, LedgerKind, LedgerRow, Payment
from therapy_desk.domain.documents import (
    MAX_POINTERS_PER_LINE,
    POINTER_LETTERS,
    ClientInfo,
    DiagnosisCode,
    EntryKind,
    EstimateItem,
    GoodFaithEstimate,
    Insurance,
    PaymentLine,
    Provider,
    ServiceLine,
    Statement,
    StatementEntry,
    Superbill,
    aging_of,
)
from therapy_desk.domain.scheduling import AppointmentStatus
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault

INTAKE_CODE = "90791"
WEEKLY_CODE = "90837"
MAX_SCHEDULE_PAGE = 500  # appointments read for an estimate's period (a year of weekly sessions fits)
# Missed-session fees are the client's own: an insurer reimburses no no-show, so a superbill leaves them out.
_NOT_ON_A_SUPERBILL = (ChargeKind.NO_SHOW, ChargeKind.LATE_CANCEL)
_ENTRY_KINDS = {
    LedgerKind.CHARGE: EntryKind.CHARGE,
    LedgerKind.PAYMENT: EntryKind.PAYMENT,
    LedgerKind.ADJUSTMENT: EntryKind.ADJUSTMENT,
    LedgerKind.WRITE_OFF: EntryKind.WRITE_OFF,
    LedgerKind.REFUND: EntryKind.REFUND,
}
_CLIENT_PAYMENT = "Client payment"
_CONTRACTUAL = "Contractual adjustment"
_METHODS = {"card": "Card", "cash": "Cash", "check": "Check", "eft": "Bank transfer", "insurance": "Insurance"}
_REDUCTIONS = (LedgerKind.ADJUSTMENT, LedgerKind.WRITE_OFF, LedgerKind.REFUND)


def provider_of(vault: Vault) -> Provider:
    """The clinician as the practice profile names them."""
    return Provider.from_profile(vault.practice.profile())


def client_info(vault: Vault, client_id: int, on: date) -> ClientInfo:
    """The client with the coverage in force on `on` (primary first; none: self-pay)."""
    client = vault.clients.get(client_id)
    insurance = None
    coverages = vault.billing.coverage_for(client_id, on)
    if coverages:
        cover = coverages[0]
        subscriber = " ".join(p for p in (cover.subscriber_first.strip(), cover.subscriber_last.strip()) if p)
        insurance = Insurance(
            payer_name=cover.payer_name,
            member_id=cover.member_id,
            group_number=cover.group_number,
            subscriber_name="" if cover.relationship.value == "self" else subscriber,
            relationship=cover.relationship.value,
            plan_name=cover.plan_name,
        )
    return ClientInfo.from_client(client, insurance)


# -- superbill -----------------------------------------------------------------------------------------------


def superbill_charges(
    vault: Vault, client_id: int, *, date_from: date, date_to: date, appointment_id: int | None = None
) -> list[Charge]:
    """The live session charges a superbill lists: of one appointment, or by date of service in the period."""
    if appointment_id is not None:
        charges = vault.billing.charges_for_appointment(appointment_id)
        if any(c.client_id != client_id for c in charges):
            raise ValidationError(f"Session {appointment_id} was not charged to client {client_id}.", "appointment_id")
    else:
        if date_to < date_from:
            raise ValidationError("The period ends before it starts.", "date_to")
        charges = vault.billing.charges(client_id, include_voided=False, start=date_from, end=date_to)
    return [c for c in charges if not c.voided and c.kind not in _NOT_ON_A_SUPERBILL]


def superbill_for(
    vault: Vault,
    client_id: int,
    *,
    date_from: date,
    date_to: date,
    appointment_id: int | None = None,
    today: date,
) -> Superbill:
    """The superbill of one session (`appointment_id`) or of every session charged from `date_from` to
    `date_to`: one line per charge and date of service, the diagnoses the charges point to (in order of
    first use: A, B, ...), what was paid on those charges and by which payments, the provider from the
    practice profile, the client with the coverage in force on the last date of service, signed by the
    clinician with their credentials. No-show and late-cancellation fees are left out."""
    charges = superbill_charges(vault, client_id, date_from=date_from, date_to=date_to, appointment_id=appointment_id)
    last = max((c.date_of_service for c in charges), default=date_to)
    known = {d.id: d for d in vault.clients.diagnoses(client_id, include_resolved=True)}
    order: list[int] = []
    for charge in charges:
        order += [d for d in charge.diagnosis_ids if d in known and d not in order]
    if len(order) > len(POINTER_LETTERS):
        raise ValidationError(
            f"These sessions point to {len(order)} diagnoses; a superbill lists at most 12. Issue it for a shorter "
            "period.",
            "diagnoses",
        )
    letter = {d: POINTER_LETTERS[i] for i, d in enumerate(order)}
    lines = tuple(
        ServiceLine(
            date_of_service=c.date_of_service,
            pos=c.pos,
            code=c.service_code,
            fee_cents=c.fee_cents,
            units=c.units,
            modifiers=c.modifiers,
            pointers=tuple(letter[d] for d in c.diagnosis_ids if d in letter)[:MAX_POINTERS_PER_LINE],
            description=c.description,
            paid_cents=min(c.paid_cents, c.fee_cents),
        )
        for c in charges
    )
    provider = provider_of(vault)
    return Superbill(
        provider=provider,
        client=client_info(vault, client_id, last),
        diagnoses=tuple(DiagnosisCode(known[d].code, known[d].description) for d in order),
        lines=lines,
        issued_on=today,
        payments=_payments_on(vault, charges),
        signer=provider.name_with_credentials,
    )


def _payments_on(vault: Vault, charges: Iterable[Charge]) -> tuple[PaymentLine, ...]:
    """The payments applied to `charges`, each with the amount it applied to them (the proof of payment)."""
    applied: dict[int, int] = {}
    for charge in charges:
        for allocation in vault.billing.allocations(charge_id=charge.id):
            if allocation.released_at is None:
                applied[allocation.payment_id] = applied.get(allocation.payment_id, 0) + allocation.amount_cents
    payments: list[tuple[Payment, int]] = [(vault.billing.payment(pid), cents) for pid, cents in applied.items()]
    payers = (
        {p.id: p.name for p in vault.billing.payers(include_inactive=True)}
        if any(p.payer_id is not None for p, _ in payments)
        else {}
    )
    return tuple(
        PaymentLine(
            received_on=p.received_on,
            method=payers.get(p.payer_id, "insurance") if p.payer_id is not None else _method(p),
            amount_cents=cents,
            reference=p.reference,
        )
        for p, cents in sorted(payments, key=lambda pair: (pair[0].received_on, pair[0].id or 0))
    )


def _method(payment: Payment) -> str:
    return _METHODS.get(payment.method.value, payment.method.value.capitalize())


# -- statement -----------------------------------------------------------------------------------------------


def statement_for(vault: Vault, client_id: int, *, as_of: date, period_from: date, period_to: date) -> Statement:
    """The client's statement dated `as_of` for `period_from`..`period_to`: the balance brought forward from
    before the period, every ledger entry in it (a void row, and a reduction undone in the same period with
    its reversal, left out: they changed nothing), and the aging on `as_of` of the charges still open."""
    if period_to < period_from:
        raise ValidationError("The statement's period ends before it starts.", "period_to")
    rows = vault.billing.ledger(client_id)
    before = [r for r in rows if r.on < period_from]
    opening = before[-1].running_balance_cents if before else 0
    inside = [r for r in rows if period_from <= r.on <= period_to and not r.voided]
    # A reduction and its reversal both inside the period cancel out: neither is printed.
    pairs = {_undoes(r) for r in inside if r.kind is LedgerKind.REVERSAL} & {
        _undone_key(r) for r in inside if r.reversed and r.kind in _REDUCTIONS
    }
    entries = [
        _entry(r)
        for r in inside
        if r.change_cents != 0
        and not (r.kind is LedgerKind.REVERSAL and _undoes(r) in pairs)
        and not (r.reversed and r.kind in _REDUCTIONS and _undone_key(r) in pairs)
    ]
    open_items = [
        (c.date_of_service, c.fee_cents - c.paid_cents - c.adjusted_cents)
        for c in vault.billing.charges(client_id, include_voided=False, end=period_to)
        if c.fee_cents - c.paid_cents - c.adjusted_cents > 0
    ]
    return Statement(
        provider=provider_of(vault),
        client=client_info(vault, client_id, period_to),
        statement_date=as_of,
        period_start=period_from,
        period_end=period_to,
        entries=tuple(entries),
        aging=aging_of(open_items, as_of),
        opening_balance_cents=opening,
    )


def _undone_key(row: LedgerRow) -> tuple[str, int]:
    """A reduction's key: refunds and adjustments (write-offs included) number their rows apart."""
    return ("refund" if row.kind is LedgerKind.REFUND else "adjustment", row.id)


def _undoes(reversal: LedgerRow) -> tuple[str, int]:
    """The key of the row a reversal undoes (its `code` is the undone row's kind)."""
    return ("refund" if reversal.code == "refund" else "adjustment", reversal.reverses_id or 0)


def _entry(row: LedgerRow) -> StatementEntry:
    kind = _ENTRY_KINDS.get(row.kind)
    if kind is None:  # a reversal printed alone: it raises the balance like a charge or lowers it like a credit
        kind = EntryKind.CHARGE if row.change_cents > 0 else EntryKind.ADJUSTMENT
    return StatementEntry(row.on, kind, _describe(row), abs(row.change_cents))


def _describe(row: LedgerRow) -> str:
    """The ledger's description in the client's words (the statement prints the kind before it)."""
    text = row.description
    if row.kind is LedgerKind.CHARGE:
        return f"{row.code} {text}".strip()
    if row.kind is LedgerKind.PAYMENT and text.startswith(_CLIENT_PAYMENT):
        reference = text.removeprefix(_CLIENT_PAYMENT).strip()
        method = _METHODS.get(row.code, row.code.capitalize())
        return f"{method}, {reference}" if reference else method
    if row.kind is LedgerKind.ADJUSTMENT and text.startswith(_CONTRACTUAL):
        codes = text.removeprefix(_CONTRACTUAL).strip()
        return f"Fee above the insurer's allowed amount{f' ({codes})' if codes else ''}"
    if row.kind is LedgerKind.WRITE_OFF and text.startswith("Write-off ("):
        reason, _, rest = text.removeprefix("Write-off (").partition(")")
        return f"{reason.capitalize()}{rest}"
    if row.kind is LedgerKind.REFUND:
        return text.removeprefix("Refund ")
    return text


# -- Good Faith Estimate -------------------------------------------------------------------------------------


def estimate_for(
    vault: Vault,
    client_id: int,
    *,
    issued_on: date,
    period_from: date,
    period_to: date,
    items: Sequence[EstimateItem] | None = None,
) -> GoodFaithEstimate:
    """A Good Faith Estimate for `period_from`..`period_to` (up to 12 months) with the client's active
    diagnoses for claims (codes where known).

    Without `items`: the client's appointments still scheduled in the period, grouped by service code, at
    the catalogue's fee; when none is scheduled, the usual course of outpatient psychotherapy: one intake
    evaluation (90791) and a weekly 60-minute session (90837) for every other week the period spans.
    """
    if items is None:
        items = default_items(vault, client_id, period_from, period_to)
    diagnoses = [d for d in vault.clients.diagnoses(client_id) if d.for_claims][: len(POINTER_LETTERS)]
    return GoodFaithEstimate(
        provider=provider_of(vault),
        client=client_info(vault, client_id, issued_on),
        items=tuple(items),
        issued_on=issued_on,
        period_start=period_from,
        period_end=period_to,
        diagnoses=tuple(DiagnosisCode(d.code, d.description) for d in diagnoses),
    )


def default_items(vault: Vault, client_id: int, period_from: date, period_to: date) -> list[EstimateItem]:
    """The scheduled appointments of the period by service code, else an intake and weekly sessions."""
    booked = vault.schedule.for_client(
        client_id,
        after=datetime.combine(period_from, time.min),
        before=datetime.combine(period_to + timedelta(days=1), time.min),
        limit=MAX_SCHEDULE_PAGE,
        newest_first=False,
        statuses=[AppointmentStatus.SCHEDULED],
    )
    counts: dict[str, int] = {}
    for appointment in booked:
        counts[appointment.service_code] = counts.get(appointment.service_code, 0) + 1
    if not counts:
        weeks = max(1, ((period_to - period_from).days + 1) // 7)
        counts = {INTAKE_CODE: 1, WEEKLY_CODE: max(1, weeks - 1)}
    catalogue = {s.code: s for s in vault.billing.services()}
    items = []
    for code, quantity in counts.items():
        service = catalogue.get(code)
        fee = service.default_fee_cents if service is not None else 0
        description = service.description if service is not None else code
        items.append(EstimateItem(code, description, min(quantity, 366), fee))
    return items
