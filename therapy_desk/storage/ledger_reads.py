"""What the ledger reads: a client's ledger with its running balance, practice-wide aging, copays due at
the visit and insurance lines with no EOB yet. Part of `vault.billing` (mixed in through storage/ledger.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from therapy_desk.domain.billing import LedgerKind, LedgerRow
from therapy_desk.domain.ledger import Aging, AgingRow, CopayDue, UnpaidInsuranceLine
from therapy_desk.storage.coverage import CoverageMixin
from therapy_desk.storage.payments import PaymentsMixin

if TYPE_CHECKING:
    from therapy_desk.domain.billing import Charge

# Charges still owing, with what aging and the copay lists need of each: the primary (else secondary)
# coverage in force on the date of service (NULL: self-pay), whether an EOB is posted for it (and not
# reversed), and what the client's own payments have paid on it.
_OWING = """
SELECT c.id, c.client_id, c.date_of_service, c.fee_cents - c.paid_cents - c.adjusted_cents,
    CASE WHEN c.billable_to_insurance THEN (
        SELECT v.id FROM coverages v WHERE v.client_id = c.client_id AND v.start_date <= c.date_of_service
        AND (v.end_date IS NULL OR v.end_date >= c.date_of_service) ORDER BY v.rank, v.id LIMIT 1) END AS coverage,
    CASE WHEN c.billable_to_insurance THEN EXISTS (
        SELECT 1 FROM eob_lines l WHERE l.charge_id = c.id
        AND NOT EXISTS (SELECT 1 FROM eob_postings r WHERE r.reverses_id = l.eob_id)) ELSE 0 END AS posted,
    c.service_code, c.fee_cents
FROM charges c
WHERE c.voided_at IS NULL AND c.paid_cents + c.adjusted_cents < c.fee_cents
"""
# Aging in one statement: each owing charge's client share (everything once an EOB is posted or when
# self-pay; else the copay still to collect) and the insurer's, summed per client into the four age buckets
# (dates of service on or after ?2, ?3, ?4: 0-30, 31-60, 61-90 days; older: 90+). The coverage in
# force is _OWING's; the EOB lookup runs only when an EOB was ever posted (?1), and what the client paid
# only for a charge whose coverage names a copay and that anyone paid on (paid_cents is the sum of live
# allocations). Both read from indexes alone (step 14: charges_live_for_aging, allocations_by_charge).
_AGING = """
WITH owing AS MATERIALIZED (
    SELECT c.id, c.client_id, c.date_of_service AS dos, c.fee_cents - c.paid_cents - c.adjusted_cents AS due,
        c.fee_cents AS fee, c.paid_cents AS paid,
        CASE WHEN c.billable_to_insurance THEN (
            SELECT v.copay_cents FROM coverages v WHERE v.client_id = c.client_id AND v.start_date <= c.date_of_service
            AND (v.end_date IS NULL OR v.end_date >= c.date_of_service) ORDER BY v.rank, v.id LIMIT 1) END AS copay,
        CASE WHEN c.billable_to_insurance AND ?1 THEN EXISTS (
            SELECT 1 FROM eob_lines l WHERE l.charge_id = c.id
            AND NOT EXISTS (SELECT 1 FROM eob_postings r WHERE r.reverses_id = l.eob_id)) ELSE 0 END AS posted
    FROM charges c
    WHERE c.voided_at IS NULL AND c.paid_cents + c.adjusted_cents < c.fee_cents
    ORDER BY c.id
), shares AS MATERIALIZED (
    SELECT client_id, dos, due, CASE WHEN copay IS NULL OR posted THEN due ELSE min(due, max(0, min(copay, fee) - (
        CASE WHEN copay > 0 AND paid > 0 THEN coalesce((
            SELECT sum(a.amount_cents) FROM allocations a JOIN payments p ON p.id = a.payment_id
            WHERE a.charge_id = owing.id AND a.released_at IS NULL AND p.payer_id IS NULL), 0) ELSE 0 END))) END AS mine
    FROM owing
)
SELECT client_id,
    sum(CASE WHEN dos >= ?2 THEN mine ELSE 0 END),
    sum(CASE WHEN dos < ?2 AND dos >= ?3 THEN mine ELSE 0 END),
    sum(CASE WHEN dos < ?3 AND dos >= ?4 THEN mine ELSE 0 END),
    sum(CASE WHEN dos < ?4 THEN mine ELSE 0 END),
    sum(CASE WHEN dos >= ?2 THEN due - mine ELSE 0 END),
    sum(CASE WHEN dos < ?2 AND dos >= ?3 THEN due - mine ELSE 0 END),
    sum(CASE WHEN dos < ?3 AND dos >= ?4 THEN due - mine ELSE 0 END),
    sum(CASE WHEN dos < ?4 THEN due - mine ELSE 0 END)
FROM shares GROUP BY client_id
"""
_COLLECTED = (
    "SELECT a.charge_id, sum(a.amount_cents) FROM allocations a JOIN payments p ON p.id = a.payment_id "
    "WHERE a.charge_id IN ({ids}) AND a.released_at IS NULL AND p.payer_id IS NULL GROUP BY a.charge_id"
)


class LedgerReadsMixin(CoverageMixin, PaymentsMixin):
    if TYPE_CHECKING:

        def charge(self, charge_id: int) -> Charge: ...

    # -- the client's ledger -------------------------------------------------------------------

    def ledger(self, client_id: int) -> list[LedgerRow]:
        """The client's account in date order: charges, payments, adjustments, write-offs, refunds and
        reversals, each with the running balance (charges − payments − adjustments − write-offs + refunds)
        and credit after it. Voided rows are listed (marked) but do not move the balance. Recorded in the
        audit log as a chart read."""
        self._require_client(client_id)
        # (date, order within the day, id, kind, code, description, amount, voided, change, charge, reverses)
        entries: list[tuple[Any, ...]] = []
        for cid, on, code, description, fee, voided in self._db.execute(
            "SELECT id, date_of_service, service_code, description, fee_cents, voided_at FROM charges "
            "WHERE client_id = ?",
            (client_id,),
        ):
            entries.append((on, 0, cid, LedgerKind.CHARGE, code, description, fee, voided is not None, fee, cid, None))
        for pid, on, method, payer, reference, amount, voided in self._db.execute(
            "SELECT m.id, m.received_on, m.method, p.name, m.reference, m.amount_cents, m.voided_at "
            "FROM payments m LEFT JOIN payers p ON p.id = m.payer_id WHERE m.client_id = ?",
            (client_id,),
        ):
            description = " ".join(p for p in (payer or "Client payment", reference) if p)
            entries.append(
                (on, 1, pid, LedgerKind.PAYMENT, method, description, amount, voided is not None, -amount, None, None)
            )
        for aid, on, charge_id, kind, amount, reason, group, reason_code, note, reverses in self._db.execute(
            "SELECT id, adjusted_on, charge_id, kind, amount_cents, reason, group_code, reason_code, note, "
            "reverses_id FROM adjustments WHERE client_id = ?",
            (client_id,),
        ):
            code = reason or kind
            label = f"Write-off ({reason})" if kind == "write-off" else "Contractual adjustment"
            if group or reason_code:
                label += f" {group}-{reason_code}".rstrip("-")
            if reverses is not None:
                label = f"Reversal of {kind} {reverses}"
            description = f"{label}: {note}" if note else label
            ledger_kind = LedgerKind.WRITE_OFF if kind == "write-off" else LedgerKind.ADJUSTMENT
            change = -amount
            if reverses is not None:
                ledger_kind, change = LedgerKind.REVERSAL, amount
            entries.append((on, 2, aid, ledger_kind, code, description, amount, False, change, charge_id, reverses))
        for rid, on, payer, method, reference, note, amount, reverses in self._db.execute(
            "SELECT r.id, r.refunded_on, p.name, r.method, r.reference, r.note, r.amount_cents, r.reverses_id "
            "FROM refunds r LEFT JOIN payers p ON p.id = r.payer_id WHERE r.client_id = ?",
            (client_id,),
        ):
            to = payer or "the client"
            label = f"Refund to {to}" if reverses is None else f"Reversal of refund {reverses} to {to}"
            description = " ".join(p for p in (label, reference, note) if p)
            if reverses is None:
                entries.append((on, 3, rid, LedgerKind.REFUND, method, description, amount, False, amount, None, None))
            else:
                entries.append(
                    (on, 3, rid, LedgerKind.REVERSAL, "refund", description, amount, False, -amount, None, reverses)
                )
        entries.sort(key=lambda e: (e[0], e[1], e[2]))
        reversed_rows = {(e[1], e[10]) for e in entries if e[10] is not None}
        ledger, running = [], 0
        for on, order, row_id, kind, code, description, amount, voided, change, charge_id, reverses in entries:
            effect = 0 if voided else change
            running += effect
            ledger.append(
                LedgerRow(
                    date.fromisoformat(on),
                    kind,
                    row_id,
                    code,
                    description,
                    amount,
                    voided,
                    running,
                    effect,
                    charge_id,
                    reverses,
                    (order, row_id) in reversed_rows and order >= 2,
                    max(0, -running),
                )
            )
        self._audit.record("ledger viewed", entity="client", entity_id=client_id, detail={"rows": len(ledger)})
        return ledger

    def eob_posting_of(self, *, payment_id: int | None = None, adjustment_id: int | None = None) -> int | None:
        """The EOB posting an insurance payment or a contractual adjustment came from (None: entered by
        hand), so the ledger can offer to reverse that posting."""
        if payment_id is not None:
            row = self._db.execute(
                "SELECT l.eob_id FROM eob_lines l WHERE l.payment_id = ? ORDER BY l.id LIMIT 1", (payment_id,)
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT l.eob_id FROM adjustments a JOIN eob_lines l ON l.id = a.eob_line_id WHERE a.id = ?",
                (adjustment_id,),
            ).fetchone()
        return None if row is None else int(row[0])

    # -- practice-wide lists -------------------------------------------------------------------

    def clients_with_activity(self, date_from: date, date_to: date) -> list[int]:
        """Ids of the clients with a live charge (by date of service) or a live payment (by date received)
        from `date_from` to `date_to` inclusive: who gets a monthly superbill or statement."""
        rows = self._db.execute(
            "SELECT client_id FROM charges WHERE voided_at IS NULL AND date_of_service BETWEEN ?1 AND ?2 "
            "UNION SELECT client_id FROM payments WHERE voided_at IS NULL AND received_on BETWEEN ?1 AND ?2 "
            "ORDER BY client_id",
            (date_from.isoformat(), date_to.isoformat()),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def _owing(self, where: str = "", params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._db.execute(_OWING + where, tuple(params)))

    def _copays(self, coverage_ids: Sequence[int]) -> dict[int, tuple[int, int, str]]:
        """coverage id -> (copay, payer id, payer name)."""
        rows = self._db.select_in(
            "SELECT v.id, v.copay_cents, p.id, p.name FROM coverages v JOIN payers p ON p.id = v.payer_id "
            "WHERE v.id IN ({ids})",
            sorted(set(coverage_ids)),
        )
        return {int(r[0]): (int(r[1]), int(r[2]), str(r[3])) for r in rows}

    def _collected(self, charge_ids: Sequence[int]) -> dict[int, int]:
        return {int(r[0]): int(r[1]) for r in self._db.select_in(_COLLECTED, list(charge_ids))}

    def aging(self, as_of: date) -> Aging:
        """Every client's open charges by age of the date of service (0–30, 31–60, 61–90, 90+ days on
        `as_of`), split between the client's share and what insurance is still to pay (a charge billed to
        insurance with no EOB posted: the insurer's, less the copay still to collect), with each client's
        unapplied credit. Totals less credits equal the practice's balance.

        Summed in SQL (_AGING), not charge by charge here."""
        cutoffs = [(as_of - timedelta(days=n)).isoformat() for n in (30, 60, 90)]
        eobs = self._db.execute("SELECT EXISTS (SELECT 1 FROM eob_lines)").fetchone()[0]
        rows: dict[int, AgingRow] = {}
        for client_id, *sums in self._db.execute(_AGING, (eobs, *cutoffs)):
            rows[int(client_id)] = AgingRow(int(client_id), [int(c) for c in sums[:4]], [int(c) for c in sums[4:]])
        for client_id, credit in self._credits().items():
            row = rows.get(client_id) or rows.setdefault(client_id, AgingRow(client_id))
            row.credit_cents = credit
        return Aging(as_of, tuple(rows[c] for c in sorted(rows)))

    def _credits(self) -> dict[int, int]:
        """client_id -> unapplied payments less refunds, for clients where that is not zero."""
        credits: dict[int, int] = {}
        for client_id, cents in self._db.execute(
            "SELECT client_id, sum(amount_cents - allocated_cents) FROM payments "
            "WHERE voided_at IS NULL AND allocated_cents < amount_cents GROUP BY client_id"
        ):
            credits[int(client_id)] = int(cents)
        for client_id, cents in self._db.execute(
            "SELECT client_id, sum(CASE WHEN reverses_id IS NULL THEN amount_cents ELSE -amount_cents END) "
            "FROM refunds GROUP BY client_id"
        ):
            credits[int(client_id)] = credits.get(int(client_id), 0) - int(cents)
        return {k: v for k, v in credits.items() if v}

    def uncollected_copays(self, client_id: int | None = None) -> list[CopayDue]:
        """Copays due at the visit not yet paid by the client: charges billed to insurance, still owing,
        whose coverage on the date of service names a copay, by date of service."""
        where, params = ("", ()) if client_id is None else (" AND c.client_id = ?", (client_id,))
        insured = [r for r in self._owing(where, params) if r[4] is not None]
        copays = self._copays([r[4] for r in insured])
        collected = self._collected([r[0] for r in insured])
        found = []
        for charge_id, cid, dos, _due, coverage, _posted, _code, fee in insured:
            copay, payer_id, _name = copays[coverage]
            due_copay = min(copay, fee)
            paid = collected.get(charge_id, 0)
            if due_copay > paid:
                found.append(CopayDue(charge_id, cid, date.fromisoformat(dos), payer_id, due_copay, paid))
        return sorted(found, key=lambda c: (c.date_of_service, c.charge_id))

    def copay_due(self, charge_id: int) -> CopayDue | None:
        """The copay due at the visit for a charge billed to insurance (None when self-pay or no copay)."""
        charge = self.charge(charge_id)
        if charge.voided or not charge.billable_to_insurance:
            return None
        coverage = next(iter(self.coverage_for(charge.client_id, charge.date_of_service)), None)
        if coverage is None or coverage.copay_cents == 0:
            return None
        paid = self._collected([charge_id]).get(charge_id, 0)
        return CopayDue(
            charge_id, charge.client_id, charge.date_of_service, coverage.payer_id,
            min(coverage.copay_cents, charge.fee_cents), paid,
        )  # fmt: skip

    def unpaid_insurance_lines(self, as_of: date, older_than_days: int = 30) -> list[UnpaidInsuranceLine]:
        """Charges billed to insurance, still owing, with no EOB posted, dated more than `older_than_days`
        before `as_of`, oldest first."""
        cutoff = (as_of - timedelta(days=max(0, older_than_days))).isoformat()
        rows = [
            r for r in self._owing(" AND c.date_of_service < ? AND c.billable_to_insurance = 1", (cutoff,))
            if r[4] is not None and not r[5]
        ]  # fmt: skip
        payers = self._copays([r[4] for r in rows])
        lines = [
            UnpaidInsuranceLine(
                charge_id,
                client_id,
                date.fromisoformat(dos),
                code,
                payers[coverage][1],
                payers[coverage][2],
                fee,
                due,
                (as_of - date.fromisoformat(dos)).days,
            )
            for charge_id, client_id, dos, due, coverage, _posted, code, fee in rows
        ]
        return sorted(lines, key=lambda line: (line.date_of_service, line.charge_id))
