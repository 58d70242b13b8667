"""Payments, their allocation to charges, balances and the client ledger: part of `vault.billing`.

Invariants (also enforced by triggers and CHECK constraints, see migration 8): a charge is never paid
beyond its fee, a payment is never allocated beyond its amount, and nothing is deleted: voiding a
payment releases its allocations, and an allocation can be released (undone) but not edited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from therapy_desk.domain.billing import (
    Allocation,
    Balance,
    Payment,
    PaymentMethod,
    format_cents,
    oldest_first,
    plan_allocations,
)
from therapy_desk.domain.validation import check_required
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.rows import now_utc, to_datetime

_PAYMENT_SELECT = (
    "SELECT id, client_id, payer_id, received_on, amount_cents, method, reference, allocated_cents, voided_at, "
    "void_reason FROM payments"
)
_ALLOCATION_SELECT = "SELECT id, payment_id, charge_id, amount_cents, created_at, released_at FROM allocations"
INSERT_PAYMENT = (
    "INSERT INTO payments (id, client_id, payer_id, received_on, amount_cents, method, reference, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_ALLOCATION = "INSERT INTO allocations (payment_id, charge_id, amount_cents, created_at) VALUES (?, ?, ?, ?)"


def payment_row(payment: Payment, payment_id: int | None, now: str) -> tuple[Any, ...]:
    """`INSERT_PAYMENT` parameters for a validated payment (`payment_id` None lets SQLite number it)."""
    return (
        payment_id,
        payment.client_id,
        payment.payer_id,
        payment.received_on.isoformat(),
        payment.amount_cents,
        str(payment.method),
        payment.reference,
        now,
    )


def open_to(open_charges: Sequence[tuple[int, int, bool]], insurance_only: bool) -> dict[int, int]:
    """charge_id -> cents due among a client's open charges that a payment may pay: a payer's payment
    pays only charges billable to insurance."""
    return {charge_id: due for charge_id, due, insurable in open_charges if insurable or not insurance_only}


def _payment_from_row(row: tuple[Any, ...]) -> Payment:
    pid, client_id, payer_id, received, amount, method, reference, allocated, voided_at, reason = row
    return Payment(
        client_id=client_id,
        received_on=date.fromisoformat(received),
        amount_cents=amount,
        method=PaymentMethod(method),
        payer_id=payer_id,
        reference=reference,
        id=pid,
        allocated_cents=allocated,
        voided_at=to_datetime(voided_at),
        void_reason=reason,
    )


def _allocation_from_row(row: tuple[Any, ...]) -> Allocation:
    aid, payment_id, charge_id, amount, created, released = row
    return Allocation(aid, payment_id, charge_id, amount, datetime.fromisoformat(created), to_datetime(released))


class PaymentsMixin:
    """Payments, allocations, balances and the ledger; mixed into `BillingStore`."""

    _db: db.Database
    _audit: AuditStore

    # -- payments ------------------------------------------------------------------------------

    def record_payment(
        self, payment: Payment, allocations: Sequence[tuple[int, int]] = (), *, today: date | None = None
    ) -> Payment:
        """Record money received and, optionally, apply it to charges as (charge_id, cents) pairs.

        All or nothing: if any allocation is refused (over-allocated, over-paid, not this client's charge),
        the payment is not recorded either.
        """
        clean = payment.validated(today or date.today())
        self._require_client(clean.client_id)
        if clean.payer_id is not None:
            self._require_payers([clean.payer_id])
        with self._db.transaction():
            plan = plan_allocations(
                clean.amount_cents, allocations, self._open_charges(clean.client_id, clean.payer_id is not None)
            )
            payment_id = int(self._db.execute(INSERT_PAYMENT, payment_row(clean, None, now_utc())).lastrowid)
            self._audit.record(
                "payment recorded",
                entity="payment",
                entity_id=payment_id,
                detail={"client_id": clean.client_id, "amount_cents": clean.amount_cents},
            )
            self._write_allocations(payment_id, plan)
        return self.payment(payment_id)

    def payment(self, payment_id: int) -> Payment:
        row = self._db.execute(f"{_PAYMENT_SELECT} WHERE id = ?", (payment_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no payment with id {payment_id}.", "payment_id")
        return _payment_from_row(row)

    def payments(self, client_id: int, *, include_voided: bool = True) -> list[Payment]:
        """The client's payments, oldest first."""
        live = "" if include_voided else " AND voided_at IS NULL"
        rows = self._db.execute(
            f"{_PAYMENT_SELECT} WHERE client_id = ?{live} ORDER BY received_on, id", (client_id,)
        ).fetchall()
        return [_payment_from_row(r) for r in rows]

    def void_payment(self, payment_id: int, reason: str) -> Payment:
        """Mark a payment void (a bounced check, an entry error); its allocations are released."""
        why = check_required(reason, "reason", "The reason for voiding")
        payment = self.payment(payment_id)
        if payment.voided:
            raise ValidationError("This payment is already void.", "payment_id")
        if self._db.execute(
            "SELECT 1 FROM eob_lines WHERE payment_id = ? AND eob_id NOT IN ("
            "SELECT reverses_id FROM eob_postings WHERE reverses_id IS NOT NULL)",
            (payment_id,),
        ).fetchone():
            raise ValidationError("This payment was posted from an EOB; reverse the EOB posting instead.", "payment_id")
        credit = self.party_credit(payment.client_id, payment.payer_id)
        if payment.unallocated_cents > credit:
            raise ValidationError(
                f"{format_cents(payment.unallocated_cents - credit)} of this payment was refunded; reverse the refund "
                "first, then void the payment.",
                "payment_id",
            )
        now = now_utc()
        with self._db.transaction():
            released = self._release_where("payment_id = ?", payment_id, now)
            self._db.execute("UPDATE payments SET voided_at = ?, void_reason = ? WHERE id = ?", (now, why, payment_id))
            self._audit.record(
                "payment voided",
                entity="payment",
                entity_id=payment_id,
                detail={"client_id": payment.client_id, "amount_cents": payment.amount_cents, "released": released},
            )
        return self.payment(payment_id)

    # -- allocation ----------------------------------------------------------------------------

    def allocate(self, payment_id: int, charge_id: int, cents: int) -> Allocation:
        """Apply `cents` of a payment to one of the same client's charges."""
        with self._db.transaction():
            payment = self._live_payment(payment_id)
            plan = plan_allocations(
                self._allocatable(payment),
                [(charge_id, cents)],
                self._open_charges(payment.client_id, payment.payer_id is not None),
            )
            return self._write_allocations(payment_id, plan)[0]

    def auto_allocate(self, payment_id: int) -> list[Allocation]:
        """Apply what is left of a payment to the client's open charges, oldest date of service first.

        A payer's payment goes only to charges billable to insurance. Returns the allocations made.
        """
        with self._db.transaction():
            payment = self._live_payment(payment_id)
            open_charges = self._open_charges(payment.client_id, payment.payer_id is not None)
            return self._write_allocations(payment_id, oldest_first(self._allocatable(payment), open_charges.items()))

    def release_allocation(self, allocation_id: int) -> Allocation:
        """Undo an allocation: the money goes back to the payment's unapplied credit."""
        row = self._db.execute(f"{_ALLOCATION_SELECT} WHERE id = ?", (allocation_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no allocation with id {allocation_id}.", "allocation_id")
        if row[5] is not None:
            raise ValidationError("This allocation was already released.", "allocation_id")
        with self._db.transaction():
            self._db.execute("UPDATE allocations SET released_at = ? WHERE id = ?", (now_utc(), allocation_id))
            self._audit.record(
                "allocation released",
                entity="allocation",
                entity_id=allocation_id,
                detail={"payment_id": row[1], "charge_id": row[2], "amount_cents": row[3]},
            )
        return _allocation_from_row(self._db.execute(f"{_ALLOCATION_SELECT} WHERE id = ?", (allocation_id,)).fetchone())

    def allocations(self, *, payment_id: int | None = None, charge_id: int | None = None) -> list[Allocation]:
        """Allocations of one payment or to one charge (released ones included), oldest first."""
        if (payment_id is None) == (charge_id is None):
            raise ValidationError("Ask for the allocations of one payment or of one charge.", "payment_id")
        column, value = ("payment_id", payment_id) if payment_id is not None else ("charge_id", charge_id)
        rows = self._db.execute(f"{_ALLOCATION_SELECT} WHERE {column} = ? ORDER BY id", (value,)).fetchall()
        return [_allocation_from_row(r) for r in rows]

    def _allocatable(self, payment: Payment) -> int:
        """What of a payment may still be applied: its unallocated amount, but never money of its party (the
        client, or its payer) that was refunded."""
        return max(0, min(payment.unallocated_cents, self.party_credit(payment.client_id, payment.payer_id)))

    def party_credit(self, client_id: int, payer_id: int | None) -> int:
        """Unapplied money of one party on a client's account (the client's own when `payer_id` is None, else
        that payer's), less what was refunded to that party: what a refund to them may take."""
        row = self._db.execute(
            "SELECT (SELECT coalesce(sum(amount_cents - allocated_cents), 0) FROM payments "
            "        WHERE client_id = ?1 AND payer_id IS ?2 AND voided_at IS NULL) "
            "     - (SELECT coalesce(sum(CASE WHEN reverses_id IS NULL THEN amount_cents ELSE -amount_cents END), 0) "
            "        FROM refunds WHERE client_id = ?1 AND payer_id IS ?2)",
            (client_id, payer_id),
        ).fetchone()
        return int(row[0])

    def _live_payment(self, payment_id: int) -> Payment:
        payment = self.payment(payment_id)
        if payment.voided:
            raise ValidationError("This payment is void; it cannot be allocated.", "payment_id")
        return payment

    def _open_charges(self, client_id: int, insurance_only: bool) -> dict[int, int]:
        """charge_id -> cents still due, oldest date of service first."""
        return open_to(self._open_charges_by_client([client_id]).get(client_id, []), insurance_only)

    def _open_charges_by_client(self, client_ids: Sequence[int]) -> dict[int, list[tuple[int, int, bool]]]:
        """client_id -> [(charge_id, cents still due, billable to insurance)], oldest date of service first."""
        found: dict[int, list[tuple[int, int, bool]]] = {}
        for client_id, charge_id, due, insurable in self._db.select_in(
            "SELECT client_id, id, fee_cents - paid_cents - adjusted_cents, billable_to_insurance FROM charges "
            "WHERE client_id IN ({ids}) AND voided_at IS NULL AND paid_cents + adjusted_cents < fee_cents "
            "ORDER BY client_id, date_of_service, id",
            sorted(set(client_ids)),
        ):
            found.setdefault(int(client_id), []).append((int(charge_id), int(due), bool(insurable)))
        return found

    def _write_allocations(self, payment_id: int, plan: Sequence[tuple[int, int]]) -> list[Allocation]:
        now = now_utc()
        made = []
        for charge_id, cents in plan:
            cursor = self._db.execute(INSERT_ALLOCATION, (payment_id, charge_id, cents, now))
            allocation_id = int(cursor.lastrowid)
            self._audit.record(
                "payment allocated",
                entity="allocation",
                entity_id=allocation_id,
                detail={"payment_id": payment_id, "charge_id": charge_id, "amount_cents": cents},
            )
            made.append(Allocation(allocation_id, payment_id, charge_id, cents, datetime.fromisoformat(now)))
        return made

    def _release_where(self, condition: str, value: int, now: str) -> int:
        """Release live allocations matching `condition` (a fixed SQL fragment); returns cents released."""
        rows = self._db.execute(
            f"SELECT id, amount_cents FROM allocations WHERE {condition} AND released_at IS NULL",  # noqa: S608
            (value,),
        ).fetchall()
        for allocation_id, _amount in rows:
            self._db.execute("UPDATE allocations SET released_at = ? WHERE id = ?", (now, allocation_id))
        return sum(int(r[1]) for r in rows)

    def _require_client(self, client_id: int) -> None:
        self._require_clients([client_id])

    def _require_clients(self, client_ids: Sequence[int]) -> None:
        missing = set(client_ids) - self._db.existing_ids("clients", client_ids)
        if missing:
            raise ValidationError(f"There is no client with id {min(missing)}.", "client_id")

    def _require_payers(self, payer_ids: Sequence[int]) -> None:
        missing = set(payer_ids) - self._db.existing_ids("payers", payer_ids)
        if missing:
            raise ValidationError(f"There is no payer with id {min(missing)}.", "payer_id")

    # -- balances and ledger -------------------------------------------------------------------

    def balance(self, client_id: int) -> Balance:
        """Charges (not voided) less what is paid on them, and payments not yet applied (credit)."""
        return self.balances([client_id])[client_id]

    def balances(self, client_ids: Sequence[int]) -> dict[int, Balance]:
        """Balances for many clients at once (the caseload); two indexed sums per chunk of ids."""
        totals: dict[int, list[int]] = {cid: [0, 0, 0, 0, 0] for cid in client_ids}
        for cid, charged, paid, adjusted in self._db.select_in(
            "SELECT client_id, sum(fee_cents), sum(paid_cents), sum(adjusted_cents) FROM charges "
            "WHERE voided_at IS NULL AND client_id IN ({ids}) GROUP BY client_id",
            client_ids,
        ):
            totals[cid][0], totals[cid][1], totals[cid][3] = int(charged), int(paid), int(adjusted)
        for cid, credit in self._db.select_in(
            "SELECT client_id, sum(amount_cents - allocated_cents) FROM payments "
            "WHERE voided_at IS NULL AND client_id IN ({ids}) GROUP BY client_id",
            client_ids,
        ):
            totals[cid][2] = int(credit)
        for cid, refunded in self._db.select_in(
            "SELECT client_id, sum(CASE WHEN reverses_id IS NULL THEN amount_cents ELSE -amount_cents END) "
            "FROM refunds WHERE client_id IN ({ids}) GROUP BY client_id",
            client_ids,
        ):
            totals[cid][2] -= int(refunded)
            totals[cid][4] = int(refunded)
        return {cid: Balance(cid, *values) for cid, values in totals.items()}
