"""Charging many appointments and recording many payments at once: part of `vault.billing` (mixed
into `BillingStore`), for the demo vault and imports from another system.

Every line and payment goes through the same checks as `charge_for_appointment`,
`charge_missed_appointment` and `record_payment` (shared helpers in storage/billing_lines.py and
storage/payments.py); only the reads are batched, and one audit event records each import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from therapy_desk.domain.billing import Payment, check_missed_fee, check_same_day, plan_allocations
from therapy_desk.domain.codes import ServiceCode
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.billing_lines import (
    INSERT_CHARGE,
    INSERT_POINTER,
    ChargeLinesMixin,
    check_pointed_rows,
    covered_on,
    refuse_second_charge,
)
from therapy_desk.storage.payments import (
    INSERT_ALLOCATION,
    INSERT_PAYMENT,
    PaymentsMixin,
    open_to,
    payment_row,
)
from therapy_desk.storage.rows import now_utc


@dataclass(frozen=True)
class AppointmentCharge:
    """One appointment to charge: an attended session at its catalogue fee with diagnosis pointers
    (principal first), or a no-show / late cancellation at the missed-appointment fee (no pointers).
    `client_id` names the member billed for a group session."""

    appointment_id: int
    diagnosis_ids: tuple[int, ...] = ()
    client_id: int | None = None


class ChargeImportMixin(ChargeLinesMixin, PaymentsMixin):
    """`import_appointment_charges` and `import_payments`; mixed into `BillingStore`."""

    _db: db.Database
    _audit: AuditStore

    def import_appointment_charges(self, items: Sequence[AppointmentCharge], *, today: date | None = None) -> list[int]:
        """Charge many appointments in one transaction; returns the new charge ids in order.

        Attended sessions are charged as `charge_for_appointment` charges them, no-shows and late
        cancellations as `charge_missed_appointment` does; any other status is refused the same way.
        """
        catalogue: dict[str, ServiceCode] = {}

        def lookup(code: str) -> ServiceCode:
            if code not in catalogue:
                catalogue[code] = self._active_service(code)
            return catalogue[code]

        if not items:
            return []
        appointments = self._appointments([item.appointment_id for item in items])
        lines = []
        for item in items:
            appointment = appointments[item.appointment_id]
            if appointment.status == "attended":
                lines.append(self._session_line(appointment, item.client_id, item.diagnosis_ids, 1, today, lookup))
            else:
                lines.append(self._missed_line(appointment, item.client_id, today, lookup))
        now = now_utc()
        with self._db.transaction():
            self._require_clients([line.client_id for line in lines])
            diagnoses = self._diagnosis_rows([p for line in lines for p in line.pointers])
            live = self._live_by_appointment([item.appointment_id for item in items])
            same_day = self._live_by_day([line.client_id for line in lines])
            medicaid = self._medicaid_spans([line.client_id for line in lines])
            first_id = self._db.next_id("charges")
            rows, pointers = [], []
            for offset, line in enumerate(lines):
                if line.pointers:
                    check_pointed_rows(diagnoses, line.client_id, line.date_of_service, line.pointers)
                assert line.appointment_id is not None
                check_missed_fee(
                    line.service.code, medicaid=covered_on(medicaid.get(line.client_id, []), line.date_of_service)
                )
                charged = live.setdefault((line.appointment_id, line.client_id), [])
                refuse_second_charge(charged, line.service.code, line.kind)
                day_lines = same_day.setdefault((line.client_id, line.date_of_service.isoformat()), [])
                check_same_day([*day_lines, (line.service.code, line.modifiers)])
                charged.append((line.kind.value, line.service.code))
                day_lines.append((line.service.code, line.modifiers))
                charge_id = first_id + offset
                rows.append(line.row(charge_id, now))
                pointers += [(charge_id, n, diagnosis_id) for n, diagnosis_id in enumerate(line.pointers, start=1)]
            self._db.conn.executemany(INSERT_CHARGE, rows)
            self._db.conn.executemany(INSERT_POINTER, pointers)
            self._audit.record(
                "charges imported",
                entity="charge",
                detail={"count": len(rows), "fee_cents": sum(line.fee_cents for line in lines)},
            )
        return [first_id + offset for offset in range(len(lines))]

    def import_payments(
        self, items: Sequence[tuple[Payment, Sequence[tuple[int, int]]]], *, today: date | None = None
    ) -> list[int]:
        """Record many payments in one transaction, each applied to charges as (charge_id, cents) pairs;
        returns the new payment ids in order.

        Each payment and its allocations are checked as `record_payment` checks them, in order, so a
        later payment sees what earlier ones in the same import already paid.
        """
        day = today or date.today()
        clean = [payment.validated(day) for payment, _ in items]
        if not clean:
            return []
        now = now_utc()
        with self._db.transaction():
            self._require_clients([p.client_id for p in clean])
            self._require_payers([p.payer_id for p in clean if p.payer_id is not None])
            open_charges = self._open_charges_by_client([p.client_id for p in clean])
            # What each client still owes (all charges, and those a payer may pay), kept current as we go.
            owed: dict[int, tuple[dict[int, int], dict[int, int]]] = {}
            first_id = self._db.next_id("payments")
            payment_rows, allocation_rows = [], []
            for offset, (payment, (_, requested)) in enumerate(zip(clean, items, strict=True)):
                if payment.client_id not in owed:
                    rows = open_charges.get(payment.client_id, [])
                    owed[payment.client_id] = (open_to(rows, False), open_to(rows, True))
                every, insurable = owed[payment.client_id]
                plan = plan_allocations(
                    payment.amount_cents, requested, insurable if payment.payer_id is not None else every
                )
                payment_id = first_id + offset
                payment_rows.append(payment_row(payment, payment_id, now))
                for charge_id, cents in plan:
                    for due in (every, insurable):
                        if charge_id in due:
                            due[charge_id] -= cents
                            if not due[charge_id]:
                                del due[charge_id]
                    allocation_rows.append((payment_id, charge_id, cents, now))
            self._db.conn.executemany(INSERT_PAYMENT, payment_rows)
            self._db.conn.executemany(INSERT_ALLOCATION, allocation_rows)
            self._audit.record(
                "payments imported",
                entity="payment",
                detail={
                    "count": len(payment_rows),
                    "allocations": len(allocation_rows),
                    "amount_cents": sum(p.amount_cents for p in clean),
                },
            )
        return [first_id + offset for offset in range(len(clean))]

    # -- batched reads -------------------------------------------------------------------------

    def _live_by_appointment(self, appointment_ids: Sequence[int]) -> dict[tuple[int, int], list[tuple[str, str]]]:
        """(appointment_id, client_id) -> [(kind, code)] of its live charges."""
        found: dict[tuple[int, int], list[tuple[str, str]]] = {}
        for appointment_id, client_id, kind, code in self._db.select_in(
            "SELECT appointment_id, client_id, kind, service_code FROM charges "
            "WHERE appointment_id IN ({ids}) AND voided_at IS NULL",
            sorted(set(appointment_ids)),
        ):
            found.setdefault((appointment_id, client_id), []).append((kind, code))
        return found

    def _live_by_day(self, client_ids: Sequence[int]) -> dict[tuple[int, str], list[tuple[str, Any]]]:
        """(client_id, date of service) -> [(code, modifiers)] of the clients' live charges, by id."""
        found: dict[tuple[int, str], list[tuple[str, Any]]] = {}
        for client_id, day, code, modifiers in self._db.select_in(
            "SELECT client_id, date_of_service, service_code, modifiers FROM charges "
            "WHERE client_id IN ({ids}) AND voided_at IS NULL ORDER BY id",
            sorted(set(client_ids)),
        ):
            found.setdefault((client_id, day), []).append((code, tuple(modifiers.split())))
        return found
