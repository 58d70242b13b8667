"""The reductions of a charge and EOB posting: part of `vault.billing` (mixed into `BillingStore`).

Every reduction is its own row, audited, never edited: contractual adjustments and write-offs
(`adjustments`), refunds out of a credit (`refunds`), and EOB postings (`eob_postings`, `eob_lines`, the
insurer's payment and allocations, and the contractual adjustment of each line). Each is undone only by a
reversing row naming the row it reverses; a row is reversed once, and a reversal is never reversed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from therapy_desk.domain.billing import Charge, Payment, PaymentMethod, format_cents
from therapy_desk.domain.ledger import (
    Adjustment,
    AdjustmentGroup,
    AdjustmentKind,
    Eob,
    EobLine,
    Refund,
    RefundMethod,
    WriteOffReason,
    check_note,
    check_refund,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage.ledger_reads import LedgerReadsMixin
from therapy_desk.storage.payments import INSERT_PAYMENT, payment_row
from therapy_desk.storage.rows import now_utc, to_datetime

_ADJ_SELECT = (
    "SELECT id, client_id, charge_id, kind, amount_cents, adjusted_on, reason, group_code, reason_code, note, "
    "eob_line_id, reverses_id, created_at, (SELECT r.id FROM adjustments r WHERE r.reverses_id = adjustments.id) "
    "FROM adjustments"
)
_INSERT_ADJ = (
    "INSERT INTO adjustments (client_id, charge_id, kind, amount_cents, adjusted_on, reason, group_code, "
    "reason_code, note, eob_line_id, reverses_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_REFUND_SELECT = (
    "SELECT id, client_id, payer_id, amount_cents, refunded_on, method, reference, note, reverses_id, created_at, "
    "(SELECT r.id FROM refunds r WHERE r.reverses_id = refunds.id) FROM refunds"
)
_EOB_SELECT = (
    "SELECT id, payer_id, reference, received_on, total_cents, reverses_id, created_at, "
    "(SELECT r.id FROM eob_postings r WHERE r.reverses_id = eob_postings.id) FROM eob_postings"
)
_LINE_SELECT = (
    "SELECT id, charge_id, allowed_cents, paid_cents, deductible_cents, coinsurance_cents, copay_cents, group_code, "
    "reason_code, client_id, payment_id FROM eob_lines"
)


def adjustment_from_row(row: Sequence[Any]) -> Adjustment:
    (aid, client_id, charge_id, kind, amount, on, reason, group, reason_code, note, eob_line_id, reverses_id,
     created, reversed_by) = row  # fmt: skip
    return Adjustment(
        client_id=client_id,
        charge_id=charge_id,
        kind=AdjustmentKind(kind),
        amount_cents=amount,
        on=date.fromisoformat(on),
        reason=WriteOffReason(reason) if reason else None,
        group=AdjustmentGroup(group) if group else None,
        reason_code=reason_code,
        note=note,
        eob_line_id=eob_line_id,
        reverses_id=reverses_id,
        id=aid,
        created_at=datetime.fromisoformat(created),
        reversed_by=reversed_by,
    )


def refund_from_row(row: Sequence[Any]) -> Refund:
    rid, client_id, payer_id, amount, on, method, reference, note, reverses_id, created, reversed_by = row
    return Refund(
        client_id=client_id,
        amount_cents=amount,
        on=date.fromisoformat(on),
        method=RefundMethod(method),
        payer_id=payer_id,
        reference=reference,
        note=note,
        reverses_id=reverses_id,
        id=rid,
        created_at=to_datetime(created),
        reversed_by=reversed_by,
    )


def _line_from_row(row: Sequence[Any]) -> EobLine:
    lid, charge_id, allowed, paid, deductible, coinsurance, copay, group, reason_code, client_id, payment_id = row
    return EobLine(
        charge_id, allowed, paid, deductible, coinsurance, copay, AdjustmentGroup(group), reason_code, lid,
        client_id, payment_id,
    )  # fmt: skip


class LedgerMixin(LedgerReadsMixin):
    """Adjustments, write-offs, refunds and EOB posting; mixed into `BillingStore`."""

    # -- contractual adjustments and write-offs ------------------------------------------------

    def adjust(
        self,
        charge_id: int,
        amount_cents: int,
        *,
        on: date | None = None,
        group: AdjustmentGroup = AdjustmentGroup.CO,
        reason_code: str = "",
        note: str = "",
        today: date | None = None,
    ) -> Adjustment:
        """A contractual adjustment: the part of a charge's fee above what the payer allows."""
        day = today or date.today()
        return self._add_adjustment(
            Adjustment(0, charge_id, AdjustmentKind.CONTRACTUAL, amount_cents, on or day, None, group, reason_code,
                       note),
            day,
        )  # fmt: skip

    def write_off(
        self,
        charge_id: int,
        amount_cents: int,
        reason: WriteOffReason,
        *,
        on: date | None = None,
        note: str = "",
        today: date | None = None,
    ) -> Adjustment:
        """Write off part or all of what a charge still owes, with a reason (and an optional note)."""
        day = today or date.today()
        return self._add_adjustment(
            Adjustment(0, charge_id, AdjustmentKind.WRITE_OFF, amount_cents, on or day, reason, note=note), day
        )

    def _add_adjustment(self, adjustment: Adjustment, today: date, eob_line_id: int | None = None) -> Adjustment:
        with self._db.transaction():
            charge = self._live_charge(adjustment.charge_id)
            clean = replace(adjustment.validated(today), client_id=charge.client_id, eob_line_id=eob_line_id)
            if clean.amount_cents > charge.due_cents:
                raise ValidationError(
                    f"Charge {charge.id} has only {format_cents(charge.due_cents)} still due; a "
                    f"{clean.kind.value} of {format_cents(clean.amount_cents)} would take it below zero.",
                    "amount_cents",
                )
            return self._insert_adjustment(clean)

    def _insert_adjustment(self, clean: Adjustment) -> Adjustment:
        row = (
            clean.client_id, clean.charge_id, clean.kind.value, clean.amount_cents, clean.on.isoformat(),
            clean.reason.value if clean.reason else "", clean.group.value if clean.group else "", clean.reason_code,
            clean.note, clean.eob_line_id, clean.reverses_id, now_utc(),
        )  # fmt: skip
        adjustment_id = int(self._db.execute(_INSERT_ADJ, row).lastrowid)
        event = f"{clean.kind.value} {'reversed' if clean.reversal else 'recorded'}"
        self._audit.record(
            event,
            entity="adjustment",
            entity_id=adjustment_id,
            detail={
                "client_id": clean.client_id,
                "charge_id": clean.charge_id,
                "amount_cents": clean.amount_cents,
                "reverses_id": clean.reverses_id,
            },
        )
        return self.adjustment(adjustment_id)

    def reverse_adjustment(
        self, adjustment_id: int, note: str = "", *, on: date | None = None, today: date | None = None
    ) -> Adjustment:
        """Undo an adjustment or write-off by a reversing row (the original is kept, marked reversed)."""
        day = today or date.today()
        with self._db.transaction():
            original = self.adjustment(adjustment_id)
            if original.eob_line_id is not None:
                raise ValidationError(
                    "This contractual adjustment came from an EOB posting; reverse that posting instead.",
                    "adjustment_id",
                )
            self._live_charge(original.charge_id)
            return self._reverse(original, note, on or day, day)

    def _reverse(self, original: Adjustment, note: str, on: date, today: date) -> Adjustment:
        if original.reversal:
            raise ValidationError(
                "This row is itself a reversal and cannot be reversed; enter the adjustment again instead.",
                "adjustment_id",
            )
        if original.reversed_by is not None:
            raise ValidationError(
                f"This {original.kind.value} was already reversed (row {original.reversed_by}).", "adjustment_id"
            )
        reversal = replace(original, on=on, note=check_note(note), reverses_id=original.id, id=None)
        reversal = replace(reversal.validated(today), on=max(on, original.on))
        return self._insert_adjustment(reversal)

    def _reverse_adjustments_of(self, charge_id: int, note: str) -> None:
        """Reverse every live adjustment of a charge (it is being voided)."""
        for adjustment in self.adjustments(charge_id=charge_id):
            if not adjustment.reversal and adjustment.reversed_by is None:
                self._reverse(adjustment, note[:500], max(date.today(), adjustment.on), date.max)

    def adjustment(self, adjustment_id: int) -> Adjustment:
        row = self._db.execute(f"{_ADJ_SELECT} WHERE id = ?", (adjustment_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no adjustment with id {adjustment_id}.", "adjustment_id")
        return adjustment_from_row(row)

    def adjustments(self, client_id: int | None = None, *, charge_id: int | None = None) -> list[Adjustment]:
        """A client's (or one charge's) adjustments, write-offs and their reversals, in date order."""
        column, value = ("charge_id", charge_id) if charge_id is not None else ("client_id", client_id)
        rows = self._db.execute(f"{_ADJ_SELECT} WHERE {column} = ? ORDER BY adjusted_on, id", (value,))
        return [adjustment_from_row(r) for r in rows]

    def _live_charge(self, charge_id: int) -> Charge:
        charge = self.charge(charge_id)
        if charge.voided:
            raise ValidationError(f"Charge {charge_id} is void; nothing on it can change.", "charge_id")
        return charge

    # -- refunds -------------------------------------------------------------------------------

    def refund(self, refund: Refund, *, today: date | None = None) -> Refund:
        """Pay back money out of a credit, to the client or to a payer; never more than that party's credit."""
        clean = replace(refund.validated(today or date.today()), reverses_id=None)
        self._require_client(clean.client_id)
        party = "the client"
        if clean.payer_id is not None:
            party = self.payer(clean.payer_id).name
        with self._db.transaction():
            check_refund(clean.amount_cents, self.party_credit(clean.client_id, clean.payer_id), party)
            return self._insert_refund(clean)

    def reverse_refund(
        self, refund_id: int, note: str = "", *, on: date | None = None, today: date | None = None
    ) -> Refund:
        """Undo a refund entered in error (or a refund check never cashed) by a reversing row."""
        day = today or date.today()
        with self._db.transaction():
            original = self.refund_row(refund_id)
            if original.reversal:
                raise ValidationError("This row is itself a reversal and cannot be reversed.", "refund_id")
            if original.reversed_by is not None:
                raise ValidationError(f"This refund was already reversed (row {original.reversed_by}).", "refund_id")
            reversal = replace(original, on=max(on or day, original.on), note=note, reverses_id=original.id)
            return self._insert_refund(replace(reversal.validated(max(day, reversal.on)), reverses_id=original.id))

    def _insert_refund(self, clean: Refund) -> Refund:
        cursor = self._db.execute(
            "INSERT INTO refunds (client_id, payer_id, amount_cents, refunded_on, method, reference, note, "
            "reverses_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (clean.client_id, clean.payer_id, clean.amount_cents, clean.on.isoformat(), clean.method.value,
             clean.reference, clean.note, clean.reverses_id, now_utc()),
        )  # fmt: skip
        refund_id = int(cursor.lastrowid)
        self._audit.record(
            "refund reversed" if clean.reversal else "refund recorded",
            entity="refund",
            entity_id=refund_id,
            detail={
                "client_id": clean.client_id,
                "payer_id": clean.payer_id,
                "amount_cents": clean.amount_cents,
                "reverses_id": clean.reverses_id,
            },
        )
        return self.refund_row(refund_id)

    def refund_row(self, refund_id: int) -> Refund:
        row = self._db.execute(f"{_REFUND_SELECT} WHERE id = ?", (refund_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no refund with id {refund_id}.", "refund_id")
        return refund_from_row(row)

    def refunds(self, client_id: int) -> list[Refund]:
        rows = self._db.execute(f"{_REFUND_SELECT} WHERE client_id = ? ORDER BY refunded_on, id", (client_id,))
        return [refund_from_row(r) for r in rows]

    # -- EOB posting ---------------------------------------------------------------------------

    def post_eob(self, eob: Eob, *, today: date | None = None) -> Eob:
        """Post an insurer's payment line by line: per charge, the insurer's payment applied to it, a
        contractual adjustment of fee − allowed (group CO), and what is left due is the client's
        responsibility (deductible + coinsurance + copay). Only charges billed to this payer (the coverage in
        force on the date of service names it) are accepted. Client money already applied to a charge beyond
        the client's share is released back to the client's credit. All or nothing."""
        clean = eob.validated(today or date.today())
        payer = self.payer(clean.payer_id)
        with self._db.transaction():
            checked: list[tuple[Charge, EobLine]] = []
            for line in clean.lines:
                charge = self._live_charge(line.charge_id)
                checked.append((charge, line.validated(charge.fee_cents)))
                self._refuse_other_payer(charge, payer.id or 0, payer.name)
            cursor = self._db.execute(
                "INSERT INTO eob_postings (payer_id, reference, received_on, total_cents, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (clean.payer_id, clean.reference, clean.received_on.isoformat(), clean.total_cents, now_utc()),
            )
            eob_id = int(cursor.lastrowid)
            payments = self._eob_payments(clean, [(c.client_id, line.paid_cents) for c, line in checked])
            for charge, line in checked:
                self._post_line(eob_id, clean, charge, line, payments.get(charge.client_id))
            self._audit.record(
                "EOB posted",
                entity="eob",
                entity_id=eob_id,
                detail={"payer_id": clean.payer_id, "total_cents": clean.total_cents, "lines": len(checked)},
            )
        return self.eob(eob_id)

    def _refuse_other_payer(self, charge: Charge, payer_id: int, payer_name: str) -> None:
        day = charge.date_of_service
        billed_to = [c for c in self.coverage_for(charge.client_id, day)]
        if not charge.billable_to_insurance or not billed_to:
            raise ValidationError(
                f"Charge {charge.id} ({charge.service_code} on {day.isoformat()}) is not billed to insurance; "
                f"a payment from {payer_name} cannot be applied to it.",
                "charge_id",
            )
        if payer_id not in {c.payer_id for c in billed_to}:
            names = " and ".join(c.payer_name for c in billed_to)
            raise ValidationError(
                f"Charge {charge.id} ({charge.service_code} on {day.isoformat()}) is billed to {names}, not "
                f"{payer_name}; post this line from that payer's EOB.",
                "charge_id",
            )
        posted = self._db.execute(
            "SELECT e.received_on FROM eob_lines l JOIN eob_postings e ON e.id = l.eob_id "
            "WHERE l.charge_id = ? AND e.payer_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM eob_postings r WHERE r.reverses_id = e.id)",
            (charge.id, payer_id),
        ).fetchone()
        if posted:
            raise ValidationError(
                f"Charge {charge.id} already has {payer_name}'s EOB posted (received {posted[0]}); reverse that "
                "posting first to post it again.",
                "charge_id",
            )

    def _eob_payments(self, eob: Eob, paid: Sequence[tuple[int, int]]) -> dict[int, int]:
        """One insurance payment per client on the EOB (for the lines' paid amounts); client_id -> payment id."""
        per_client: dict[int, int] = {}
        for client_id, cents in paid:
            per_client[client_id] = per_client.get(client_id, 0) + cents
        made = {}
        for client_id, cents in per_client.items():
            if cents == 0:
                continue
            payment = Payment(
                client_id, eob.received_on, cents, PaymentMethod.INSURANCE, eob.payer_id, eob.reference
            ).validated(date.max)
            payment_id = int(self._db.execute(INSERT_PAYMENT, payment_row(payment, None, now_utc())).lastrowid)
            self._audit.record(
                "payment recorded",
                entity="payment",
                entity_id=payment_id,
                detail={"client_id": client_id, "amount_cents": cents},
            )
            made[client_id] = payment_id
        return made

    def _post_line(self, eob_id: int, eob: Eob, charge: Charge, line: EobLine, payment_id: int | None) -> None:
        contractual = charge.fee_cents - line.allowed_cents
        need = line.paid_cents + contractual
        room = charge.due_cents
        if need > room:
            room += self._free_client_money(charge.id, need - room)
        if need > room:
            raise ValidationError(
                f"Charge {charge.id} has only {format_cents(room)} left to reduce, but this EOB line pays "
                f"{format_cents(line.paid_cents)} and adjusts {format_cents(contractual)}; reverse the other "
                "adjustments or write-offs on it first.",
                "lines",
            )
        cursor = self._db.execute(
            "INSERT INTO eob_lines (eob_id, charge_id, client_id, payment_id, allowed_cents, paid_cents, "
            "deductible_cents, coinsurance_cents, copay_cents, group_code, reason_code) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (eob_id, charge.id, charge.client_id, payment_id if line.paid_cents else None, line.allowed_cents,
             line.paid_cents, line.deductible_cents, line.coinsurance_cents, line.copay_cents, line.group.value,
             line.reason_code),
        )  # fmt: skip
        line_id = int(cursor.lastrowid)
        if line.paid_cents and payment_id is not None:
            self._write_allocations(payment_id, [(charge.id, line.paid_cents)])
        if contractual:
            adjustment = Adjustment(
                charge.client_id, charge.id, AdjustmentKind.CONTRACTUAL, contractual, eob.received_on, None,
                AdjustmentGroup.CO, line.reason_code if line.group is AdjustmentGroup.CO else "45",
                eob_line_id=line_id,
            )  # fmt: skip
            self._insert_adjustment(adjustment)

    def _free_client_money(self, charge_id: int, cents: int) -> int:
        """Release up to `cents` of the client's own payments applied to a charge (newest first) back to the
        client's credit, re-applying what is left of a partly needed allocation; returns the cents freed."""
        rows = self._db.execute(
            "SELECT a.id, a.payment_id, a.amount_cents FROM allocations a JOIN payments p ON p.id = a.payment_id "
            "WHERE a.charge_id = ? AND a.released_at IS NULL AND p.payer_id IS NULL ORDER BY a.id DESC",
            (charge_id,),
        ).fetchall()
        freed = 0
        for allocation_id, payment_id, amount in rows:
            if freed >= cents:
                break
            self.release_allocation(int(allocation_id))
            keep = max(0, int(amount) - (cents - freed))
            freed += int(amount) - keep
            if keep:
                self._write_allocations(int(payment_id), [(charge_id, keep)])
        return freed

    def reverse_eob(self, eob_id: int, reason: str, *, today: date | None = None) -> Eob:
        """Undo an EOB posting by a reversing posting: its payments are voided (their allocations released)
        and its contractual adjustments reversed. Client money released when it was posted stays credit."""
        why = check_note(reason, "reason", "The reason")
        if not why:
            raise ValidationError("Give the reason for reversing the EOB posting.", "reason")
        day = today or date.today()
        with self._db.transaction():
            original = self.eob(eob_id)
            if original.reverses_id is not None:
                raise ValidationError("This posting is itself a reversal and cannot be reversed.", "eob_id")
            if original.reversed_by is not None:
                raise ValidationError(f"This EOB posting was already reversed (row {original.reversed_by}).", "eob_id")
            cursor = self._db.execute(
                "INSERT INTO eob_postings (payer_id, reference, received_on, total_cents, reverses_id, reason, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (original.payer_id, original.reference, max(day, original.received_on).isoformat(),
                 original.total_cents, eob_id, why, now_utc()),
            )  # fmt: skip
            reversal_id = int(cursor.lastrowid)
            now = now_utc()
            for payment_id in {line.payment_id for line in original.lines if line.payment_id is not None}:
                payment = self.payment(payment_id)
                self._release_where("payment_id = ?", payment_id, now)
                self._db.execute(
                    "UPDATE payments SET voided_at = ?, void_reason = ? WHERE id = ?",
                    (now, f"EOB posting reversed: {why}"[:500], payment_id),
                )
                self._audit.record(
                    "payment voided",
                    entity="payment",
                    entity_id=payment_id,
                    detail={"client_id": payment.client_id, "amount_cents": payment.amount_cents, "eob_id": eob_id},
                )
                if self.party_credit(payment.client_id, payment.payer_id) < 0:
                    raise ValidationError(
                        "Part of this insurer's payment was refunded to it; reverse that refund first.", "eob_id"
                    )
            for line in original.lines:
                for adjustment in self._db.execute(f"{_ADJ_SELECT} WHERE eob_line_id = ?", (line.id,)).fetchall():
                    self._reverse(adjustment_from_row(adjustment), why, max(day, original.received_on), date.max)
            self._audit.record(
                "EOB posting reversed", entity="eob", entity_id=reversal_id, detail={"reverses_id": eob_id}
            )
        return self.eob(reversal_id)

    def eob(self, eob_id: int) -> Eob:
        row = self._db.execute(f"{_EOB_SELECT} WHERE id = ?", (eob_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no EOB posting with id {eob_id}.", "eob_id")
        eid, payer_id, reference, received, total, reverses_id, created, reversed_by = row
        source = reverses_id if reverses_id is not None else eid
        lines = tuple(
            _line_from_row(r) for r in self._db.execute(f"{_LINE_SELECT} WHERE eob_id = ? ORDER BY id", (source,))
        )
        return Eob(
            payer_id, date.fromisoformat(received), total, lines, reference, eid, reverses_id, reversed_by,
            datetime.fromisoformat(created),
        )  # fmt: skip

    def eob_lines(self, charge_id: int) -> list[EobLine]:
        """The EOB lines posted for a charge (reversed postings' included), oldest first."""
        rows = self._db.execute(f"{_LINE_SELECT} WHERE charge_id = ? ORDER BY id", (charge_id,))
        return [_line_from_row(r) for r in rows]
