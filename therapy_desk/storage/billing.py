"""`vault.billing`: the service catalogue and charges; payers and coverage (storage/coverage.py),
payments, allocations and balances (storage/payments.py), adjustments, write-offs, refunds and EOB posting
(storage/ledger.py), the ledger, aging and copays (storage/ledger_reads.py) and bulk imports
(storage/billing_import.py) are mixed in, so `vault.billing` is the one entry point. A new charge line is
prepared and checked in storage/billing_lines.py, which the store and its imports share.

Charges are never edited or deleted: a wrong charge is voided (with a reason) and entered again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from therapy_desk.domain.billing import (
    MAX_DIAGNOSIS_POINTERS,
    Charge,
    ChargeKind,
    check_addons,
    check_missed_fee,
    check_same_day,
    format_cents,
)
from therapy_desk.domain.codes import PlaceOfService, ServiceCode
from therapy_desk.domain.notes import SESSION_KINDS, Note
from therapy_desk.domain.validation import check_required
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.billing_import import ChargeImportMixin
from therapy_desk.storage.billing_lines import (
    INSERT_CHARGE,
    INSERT_POINTER,
    MISSED_FEES,
    SERVICE_FIELDS,
    SERVICE_SELECT,
    NewCharge,
    check_pointed_rows,
    covered_on,
    refuse_second_charge,
    service_from_row,
)
from therapy_desk.storage.ledger import LedgerMixin
from therapy_desk.storage.rows import now_utc, to_datetime

_CHARGE_SELECT = (
    "SELECT id, client_id, kind, date_of_service, service_code, description, units, fee_cents, pos, modifiers, "
    "(SELECT group_concat(diagnosis_id, ' ' ORDER BY pointer) FROM charge_diagnoses d WHERE d.charge_id = charges.id), "
    "billable_to_insurance, paid_cents, created_at, appointment_id, voided_at, void_reason, adjusted_cents FROM charges"
)
# Settings (the vault's `settings` table): on unless the clinician turns them off.
CHARGE_NEEDS_SIGNED_NOTE = "billing.charge_needs_signed_note"  # no session charge without a signed note
CHARGE_MISSED_FEES = "billing.charge_missed_fees"  # a no-show or late cancel charges the catalogue's fee
_CHARGEABLE_STATUSES = ("attended", "no-show", "late-cancel")


def _charge_from_row(row: tuple[Any, ...]) -> Charge:
    (cid, client_id, kind, dos, code, description, units, fee, pos, modifiers, pointers, insurable, paid,
     created, appointment_id, voided_at, reason, adjusted) = row  # fmt: skip
    return Charge(
        id=cid,
        client_id=client_id,
        kind=ChargeKind(kind),
        date_of_service=date.fromisoformat(dos),
        service_code=code,
        description=description,
        units=units,
        fee_cents=fee,
        pos=PlaceOfService(pos),
        modifiers=tuple(modifiers.split()),
        diagnosis_ids=tuple(int(p) for p in (pointers or "").split()),
        billable_to_insurance=bool(insurable),
        paid_cents=paid,
        created_at=datetime.fromisoformat(created),
        appointment_id=appointment_id,
        voided_at=to_datetime(voided_at),
        void_reason=reason,
        adjusted_cents=adjusted,
    )


class BillingStore(LedgerMixin, ChargeImportMixin):
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    # -- service catalogue ---------------------------------------------------------------------

    def services(self, *, include_inactive: bool = True) -> list[ServiceCode]:
        """The catalogue by code (turned-off entries included unless asked not to)."""
        where = "" if include_inactive else " WHERE active = 1"
        return [service_from_row(r) for r in self._db.execute(f"{SERVICE_SELECT}{where} ORDER BY code")]

    def add_service(self, service: ServiceCode) -> ServiceCode:
        """Add a code to the catalogue. Codes are never renamed: add the new one and turn the old one off."""
        clean = service.validated()
        with self._db.transaction():
            if self._db.execute("SELECT 1 FROM services WHERE code = ?", (clean.code,)).fetchone():
                raise ValidationError(f"{clean.code} is already in the service catalogue; edit it there.", "code")
            self._db.execute(
                f"INSERT INTO services ({', '.join(SERVICE_FIELDS)}, updated_at) "  # noqa: S608
                f"VALUES ({', '.join('?' for _ in SERVICE_FIELDS)}, ?)",
                (*self._service_values(clean), now_utc()),
            )
            self._audit.record("service added", entity="service", entity_id=clean.code)
        return clean

    def update_service(self, service: ServiceCode) -> ServiceCode:
        """Save new wording, default minutes, fee, add-on/insurance flags or active flag for an existing code.

        Existing charges keep the fee and wording they were made with.
        """
        clean = service.validated()
        self.service(clean.code)
        with self._db.transaction():
            self._db.execute(
                f"UPDATE services SET {', '.join(f'{n} = ?' for n in SERVICE_FIELDS[1:])}, updated_at = ? "  # noqa: S608
                "WHERE code = ?",
                (*self._service_values(clean)[1:], now_utc(), clean.code),
            )
            self._audit.record(
                "service updated", entity="service", entity_id=clean.code, detail={"fee_cents": clean.default_fee_cents}
            )
        return clean

    @staticmethod
    def _service_values(service: ServiceCode) -> list[Any]:
        return [
            service.code,
            service.description,
            service.default_minutes,
            service.default_fee_cents,
            int(service.is_addon),
            int(service.billable_to_insurance),
            int(service.active),
        ]

    # -- charges -------------------------------------------------------------------------------

    def charge_for_appointment(
        self,
        appointment_id: int,
        diagnosis_ids: Sequence[int] = (),
        *,
        client_id: int | None = None,
        units: int = 1,
        today: date | None = None,
    ) -> Charge:
        """Charge an attended session at its catalogue fee, with diagnosis pointers (ids, principal first).
        Refused for a session without a signed note while the CHARGE_NEEDS_SIGNED_NOTE setting is on.

        For a couple or family the identified client is billed; a group session is charged per member, so
        name the member with `client_id`. Add-ons (+90785) are added with `add_charge` for the same date.
        """
        line = self._session_line(self._appointment(appointment_id), client_id, diagnosis_ids, units, today)
        if self.setting_on(CHARGE_NEEDS_SIGNED_NOTE) and not self._signed_note_for(appointment_id, line.client_id):
            raise ValidationError(
                "This session has no signed note yet; sign its note first (signing charges the session), or turn "
                'off "Charge only sessions with a signed note" in Settings › Practice.',
                "appointment_id",
            )
        return self._store_charge(line)

    def charge_missed_appointment(
        self, appointment_id: int, *, client_id: int | None = None, today: date | None = None
    ) -> Charge:
        """Charge the catalogue's no-show or late-cancellation fee (never billed to insurance)."""
        return self._store_charge(self._missed_line(self._appointment(appointment_id), client_id, today))

    def add_charge(
        self,
        client_id: int,
        date_of_service: date,
        service_code: str,
        *,
        diagnosis_ids: Sequence[int] = (),
        units: int = 1,
        fee_cents: int | None = None,
        modifiers: Sequence[str] = (),
        pos: PlaceOfService | str = PlaceOfService.OFFICE,
        billable_to_insurance: bool | None = None,
        appointment_id: int | None = None,
        today: date | None = None,
    ) -> Charge:
        """Add one service line (96127 per instrument, +90785, a fee...). `fee_cents` is the line's total;
        by default the catalogue fee times `units`. Whether it goes to insurance defaults to the catalogue's.
        `appointment_id` links an add-on to the session it belongs to, and the session's minutes must fit
        the code's time band."""
        minutes = None if appointment_id is None else self._appointment(appointment_id).minutes
        return self._store_charge(
            self._prepare_charge(
                ChargeKind.MANUAL,
                client_id,
                date_of_service,
                service_code,
                diagnosis_ids=diagnosis_ids,
                units=units,
                fee_cents=fee_cents,
                modifiers=modifiers,
                pos=pos,
                billable_to_insurance=billable_to_insurance,
                appointment_id=appointment_id,
                minutes=minutes,
                today=today,
            )
        )

    def _store_charge(self, line: NewCharge) -> Charge:
        """Check a prepared line against the chart (client, diagnoses, the appointment's other charges, the
        day's other lines) and store it."""
        with self._db.transaction():
            self._require_client(line.client_id)
            self._check_pointed_diagnoses(line.client_id, line.date_of_service, line.pointers)
            medicaid = self._medicaid_spans([line.client_id]).get(line.client_id, [])
            check_missed_fee(line.service.code, medicaid=covered_on(medicaid, line.date_of_service))
            if line.appointment_id is not None:
                self._check_appointment_charge(
                    line.appointment_id, line.client_id, line.date_of_service, line.service.code, line.kind
                )
            same_day = self._live_lines(line.client_id, line.date_of_service)
            check_same_day([*(existing for _, existing in same_day), (line.service.code, line.modifiers)])
            charge_id = int(self._db.execute(INSERT_CHARGE, line.row(None, now_utc())).lastrowid)
            for pointer, diagnosis_id in enumerate(line.pointers, start=1):
                self._db.execute(INSERT_POINTER, (charge_id, pointer, diagnosis_id))
            self._audit.record(
                "charge created",
                entity="charge",
                entity_id=charge_id,
                detail={
                    "client_id": line.client_id,
                    "appointment_id": line.appointment_id,
                    "fee_cents": line.fee_cents,
                },
            )
        return self.charge(charge_id)

    def void_charge(self, charge_id: int, reason: str) -> Charge:
        """Void a charge (kept, marked void, with the reason); payments applied to it become credit again."""
        why = check_required(reason, "reason", "The reason for voiding")
        with self._db.transaction():
            charge = self.charge(charge_id)
            if charge.voided:
                raise ValidationError("This charge is already void.", "charge_id")
            lines = self._live_lines(charge.client_id, charge.date_of_service)
            remaining = [code for line_id, (code, _) in lines if line_id != charge_id]
            try:
                check_addons(remaining)
            except ValidationError as err:
                raise ValidationError(
                    f"Void the add-on on {charge.date_of_service.isoformat()} first: {err}", "charge_id"
                ) from None
            now = now_utc()
            released = self._release_where("charge_id = ?", charge_id, now)
            self._reverse_adjustments_of(charge_id, f"charge voided: {why}")
            self._db.execute("UPDATE charges SET voided_at = ?, void_reason = ? WHERE id = ?", (now, why, charge_id))
            self._audit.record(
                "charge voided",
                entity="charge",
                entity_id=charge_id,
                detail={"client_id": charge.client_id, "fee_cents": charge.fee_cents, "released_cents": released},
            )
        return self.charge(charge_id)

    def charge(self, charge_id: int) -> Charge:
        row = self._db.execute(f"{_CHARGE_SELECT} WHERE id = ?", (charge_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no charge with id {charge_id}.", "charge_id")
        return _charge_from_row(row)

    def charges(
        self, client_id: int, *, include_voided: bool = True, start: date | None = None, end: date | None = None
    ) -> list[Charge]:
        """The client's charges by date of service (optionally from `start` to `end`, inclusive)."""
        rows = self._db.execute(
            f"{_CHARGE_SELECT} WHERE client_id = ? AND date_of_service BETWEEN ? AND ?"
            f"{'' if include_voided else ' AND voided_at IS NULL'} ORDER BY date_of_service, id",
            (client_id, (start or date.min).isoformat(), (end or date.max).isoformat()),
        ).fetchall()
        return [_charge_from_row(r) for r in rows]

    def charges_for_appointment(self, appointment_id: int) -> list[Charge]:
        rows = self._db.execute(f"{_CHARGE_SELECT} WHERE appointment_id = ? ORDER BY id", (appointment_id,))
        return [_charge_from_row(r) for r in rows]

    def uncharged_appointments(self, client_id: int | None = None, *, limit: int = 200) -> list[int]:
        """Ids of attended, no-show and late-cancelled appointments with no live charge, newest first
        (all clients, or one client's own and their units' sessions)."""
        marks = ", ".join("?" for _ in _CHARGEABLE_STATUSES)
        params: list[Any] = list(_CHARGEABLE_STATUSES)
        who = ""
        if client_id is not None:
            who = " AND (a.client_id = ? OR a.unit_id IN (SELECT unit_id FROM unit_members WHERE client_id = ?))"
            params += [client_id, client_id]
        rows = self._db.execute(
            f"SELECT a.id FROM appointments a WHERE a.status IN ({marks}){who} AND NOT EXISTS ("  # noqa: S608
            "SELECT 1 FROM charges c WHERE c.appointment_id = a.id AND c.voided_at IS NULL) "
            "ORDER BY a.start DESC, a.id DESC LIMIT ?",
            (*params, max(1, int(limit))),
        ).fetchall()
        return [int(r[0]) for r in rows]

    # -- charges the record makes --------------------------------------------------------------

    def setting_on(self, key: str) -> bool:
        """A billing setting ("1" on, "0" off; on until the clinician turns it off)."""
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row is None or row[0] != "0"

    def charge_for_signed_note(self, note: Note, *, today: date | None = None) -> tuple[Charge | None, str]:
        """The charge a signed session note documents and a sentence saying what was done. No charge for a
        note that bills nothing (not a session note, or not linked to an appointment), nor for a session
        billed to insurance while the client has no claim diagnosis for that day (the sentence says so).

        The code is the note's own when it has one, else the appointment's; the minutes are the note's;
        place of service and modifiers are the appointment's; one unit; the client's claim diagnoses in
        force that day, principal first, are its pointers. A live session charge with that code is kept;
        one with another code and nothing paid on it is voided and replaced; one already paid is refused
        with a sentence, for the clinician to correct in Billing."""
        if note.appointment_id is None or note.kind not in SESSION_KINDS or note.date_of_service is None:
            return None, ""
        appointment = self._appointment(note.appointment_id)
        code = note.service_code or appointment.service_code
        pointers = self._claim_diagnoses(note.client_id, note.date_of_service)
        if not pointers and self._active_service(code).billable_to_insurance:
            return None, (
                f"Not charged yet: {code} is billed to insurance and the client has no diagnosis marked for claims "
                "on that date. Add one in the chart's Diagnoses, then charge the session in Billing."
            )
        with self._db.transaction():
            for charge_id, charged_code, paid in self._db.execute(
                "SELECT id, service_code, paid_cents FROM charges WHERE appointment_id = ? AND client_id = ? "
                "AND kind = ? AND voided_at IS NULL",
                (appointment.id, note.client_id, ChargeKind.SESSION.value),
            ).fetchall():
                if charged_code == code:
                    return self.charge(charge_id), f"Already charged as {code}."
                if paid:
                    raise ValidationError(
                        f"This session is already charged as {charged_code} with payments applied; void that "
                        f"charge in Billing to charge {code} instead.",
                        "service_code",
                    )
                self.void_charge(charge_id, "Replaced by the code on the signed note.")
            line = self._prepare_charge(
                ChargeKind.SESSION,
                note.client_id,
                note.date_of_service,
                code,
                diagnosis_ids=pointers,
                modifiers=appointment.modifiers,
                pos=appointment.pos,
                appointment_id=appointment.id,
                minutes=note.minutes,
                today=today,
            )
            charge = self._store_charge(line)
        return charge, f"Charged {code}, {format_cents(charge.fee_cents)}."

    def missed_fee_if_due(self, appointment_id: int, *, today: date | None = None) -> tuple[Charge | None, str]:
        """After a no-show or late cancellation: the catalogue's fee, charged when the setting is on, the fee
        is above zero, the client is not covered by Medicaid that day and nothing is charged yet. Returns the
        charge (or None) and a sentence saying what was done ('' when the status carries no fee)."""
        appointment = self._appointment(appointment_id)
        if appointment.status not in MISSED_FEES or appointment.client_id is None:
            return None, ""
        if not self.setting_on(CHARGE_MISSED_FEES):
            return None, "No fee charged: missed-appointment fees are turned off in Settings › Practice."
        _kind, code = MISSED_FEES[appointment.status]
        if self.service(code).default_fee_cents == 0:
            return None, "No fee charged: the missed-appointment fee in the service catalogue is $0.00."
        medicaid = self._medicaid_spans([appointment.client_id]).get(appointment.client_id, [])
        if covered_on(medicaid, appointment.date_of_service):
            return None, "No fee charged: Medicaid does not allow missed-appointment fees (42 CFR 447.15)."
        if self.charges_for_appointment(appointment_id):
            return None, "No fee charged: this appointment is already charged."
        charge = self.charge_missed_appointment(appointment_id, today=today)
        return charge, f"Missed-appointment fee of {format_cents(charge.fee_cents)} charged."

    def _signed_note_for(self, appointment_id: int, client_id: int) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM notes WHERE appointment_id = ? AND client_id = ? AND status = 'signed' LIMIT 1",
            (appointment_id, client_id),
        ).fetchone()
        return row is not None

    def _claim_diagnoses(self, client_id: int, on: date) -> list[int]:
        """The client's diagnoses marked for claims and in force on `on`, principal first, at most four."""
        day = on.isoformat()
        rows = self._db.execute(
            "SELECT id FROM diagnoses WHERE client_id = ? AND for_claims = 1 AND (onset IS NULL OR onset <= ?) "
            "AND (resolved IS NULL OR resolved >= ?) ORDER BY rank LIMIT ?",
            (client_id, day, day, MAX_DIAGNOSIS_POINTERS),
        ).fetchall()
        return [int(row[0]) for row in rows]

    # -- helpers -------------------------------------------------------------------------------

    def _check_appointment_charge(
        self, appointment_id: int, client_id: int, on: date, code: str, kind: ChargeKind
    ) -> None:
        """One live session or missed-appointment charge per appointment and client (add-ons may join it)."""
        if kind is ChargeKind.MANUAL:
            appointment = self._appointment(appointment_id)
            self._billed_client(appointment, client_id)
            if appointment.date_of_service != on:
                raise ValidationError(
                    "A line linked to an appointment has the appointment's date of service.", "date_of_service"
                )
        live = self._db.execute(
            "SELECT kind, service_code FROM charges WHERE appointment_id = ? AND client_id = ? AND voided_at IS NULL",
            (appointment_id, client_id),
        ).fetchall()
        refuse_second_charge(live, code, kind)

    def _check_pointed_diagnoses(self, client_id: int, on: date, pointers: tuple[int, ...]) -> None:
        if pointers:
            check_pointed_rows(self._diagnosis_rows(pointers), client_id, on, pointers)

    def _live_lines(self, client_id: int, on: date) -> list[tuple[int, tuple[str, tuple[str, ...]]]]:
        """(charge id, (code, modifiers)) of the client's live charges on one date of service."""
        rows = self._db.execute(
            "SELECT id, service_code, modifiers FROM charges WHERE client_id = ? AND date_of_service = ? "
            "AND voided_at IS NULL ORDER BY id",
            (client_id, on.isoformat()),
        ).fetchall()
        return [(int(r[0]), (r[1], tuple(r[2].split()))) for r in rows]
