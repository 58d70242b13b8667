"""A new charge line, from the catalogue and the appointment to its row: what `vault.billing`
(storage/billing.py) and its bulk import (storage/billing_import.py) share, so that a charge is checked
the same way however it arrives.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from therapy_desk.domain.billing import (
    ChargeKind,
    PayerKind,
    check_cents,
    check_modifiers,
    check_pointers,
    check_session_minutes,
    check_session_units,
    check_telehealth_place,
    check_units,
)
from therapy_desk.domain.codes import LATE_CANCEL_CODE, NO_SHOW_CODE, PlaceOfService, ServiceCode
from therapy_desk.domain.icd10cm import code_set
from therapy_desk.domain.validation import check_not_future
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.rows import to_date

SERVICE_FIELDS = ("code", "description", "default_minutes", "fee_cents", "is_addon", "billable_to_insurance", "active")
SERVICE_SELECT = f"SELECT {', '.join(SERVICE_FIELDS)} FROM services"  # noqa: S608 - fixed column list
MISSED_FEES = {"no-show": (ChargeKind.NO_SHOW, NO_SHOW_CODE), "late-cancel": (ChargeKind.LATE_CANCEL, LATE_CANCEL_CODE)}


def service_from_row(row: tuple[Any, ...]) -> ServiceCode:
    code, description, minutes, fee, is_addon, insurable, active = row
    return ServiceCode(code, description, minutes, fee, bool(is_addon), bool(insurable), bool(active))


@dataclasses.dataclass(frozen=True)
class BilledAppointment:
    """The columns of a schedule row that billing needs."""

    id: int
    client_id: int | None
    unit_id: int | None
    date_of_service: date
    minutes: int
    service_code: str
    modifiers: tuple[str, ...]
    pos: PlaceOfService
    status: str


@dataclasses.dataclass(frozen=True)
class NewCharge:
    """A service line that passed every check that needs no other rows, ready to be checked against the chart."""

    kind: ChargeKind
    client_id: int
    date_of_service: date
    service: ServiceCode
    units: int
    fee_cents: int
    pos: PlaceOfService
    modifiers: tuple[str, ...]
    insurable: bool
    pointers: tuple[int, ...]
    appointment_id: int | None

    def row(self, charge_id: int | None, now: str) -> tuple[Any, ...]:
        """`INSERT_CHARGE` parameters (`charge_id` None lets SQLite number it)."""
        return (
            charge_id,
            self.client_id,
            self.appointment_id,
            self.kind.value,
            self.date_of_service.isoformat(),
            self.service.code,
            self.service.description,
            self.units,
            self.fee_cents,
            self.pos.value,
            " ".join(self.modifiers),
            int(self.insurable),
            now,
        )


INSERT_CHARGE = (
    "INSERT INTO charges (id, client_id, appointment_id, kind, date_of_service, service_code, description, "
    "units, fee_cents, pos, modifiers, billable_to_insurance, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_POINTER = "INSERT INTO charge_diagnoses (charge_id, pointer, diagnosis_id) VALUES (?, ?, ?)"


def refuse_second_charge(live: Sequence[tuple[str, str]], code: str, kind: ChargeKind) -> None:
    """One live session or missed-appointment charge per appointment and client; `live` holds the
    (kind, code) of its live charges. Add-ons may join a session charge."""
    if any(existing_code == code for _, existing_code in live) or (
        kind is not ChargeKind.MANUAL and any(existing_kind != ChargeKind.MANUAL for existing_kind, _ in live)
    ):
        raise ValidationError(
            "This appointment is already charged for this client; void that charge first to charge it again.",
            "appointment_id",
        )


def covered_on(spans: Sequence[tuple[date, date | None]], day: date) -> bool:
    """Whether one of the (start, end) spans of coverage is in force on `day`."""
    return any(start <= day and (end is None or day <= end) for start, end in spans)


def check_pointed_rows(
    rows: Mapping[int, tuple[Any, ...]], client_id: int, on: date, pointers: tuple[int, ...]
) -> None:
    """Each pointed diagnosis (rows: id -> (client_id, code, for_claims, resolved)) is this client's,
    marked for claims, billable and not resolved before the date of service."""
    for diagnosis_id in pointers:
        if diagnosis_id not in rows:
            raise ValidationError(f"There is no diagnosis with id {diagnosis_id}.", "diagnosis_ids")
        owner, code, for_claims, resolved = rows[diagnosis_id]
        if owner != client_id:
            raise ValidationError(f"Diagnosis {diagnosis_id} is on another client's chart.", "diagnosis_ids")
        if not for_claims:
            raise ValidationError(f"Diagnosis {code} is not marked for claims.", "diagnosis_ids")
        code_set().require(code, billable=True, field="diagnosis_ids")
        if resolved is not None and date.fromisoformat(resolved) < on:
            raise ValidationError(
                f"Diagnosis {code} was resolved before the date of service; point to a current diagnosis.",
                "diagnosis_ids",
            )


APPOINTMENT_COLUMNS = (
    "id, client_id, unit_id, date_of_service, duration_minutes, service_code, modifiers, place_of_service, status"
)
APPOINTMENT_SELECT = f"SELECT {APPOINTMENT_COLUMNS} FROM appointments"  # noqa: S608 - fixed column list


def appointment_from_row(row: tuple[Any, ...]) -> BilledAppointment:
    aid, client_id, unit_id, dos, minutes, code, modifiers, pos, status = row
    return BilledAppointment(
        aid,
        client_id,
        unit_id,
        date.fromisoformat(dos),
        minutes,
        code,
        tuple(m for m in re.split(r"[\s,;]+", modifiers or "") if m),
        PlaceOfService(pos),
        status,
    )


class ChargeLinesMixin:
    """Finding the catalogue entry and the appointment of a new line, and checking the line; mixed into
    `BillingStore` through its import mixin."""

    _db: db.Database

    def service(self, code: str) -> ServiceCode:
        row = self._db.execute(f"{SERVICE_SELECT} WHERE code = ?", (code.strip().upper(),)).fetchone()
        if row is None:
            raise ValidationError(f"{code.strip() or 'An empty code'} is not in the service catalogue.", "service_code")
        return service_from_row(row)

    def _active_service(self, code: str) -> ServiceCode:
        service = self.service(code)
        if not service.active:
            raise ValidationError(
                f"{service.code} is turned off in the service catalogue; turn it on to charge it.", "service_code"
            )
        return service

    def _session_line(
        self,
        appointment: BilledAppointment,
        client_id: int | None,
        diagnosis_ids: Sequence[int],
        units: int,
        today: date | None,
        lookup: Callable[[str], ServiceCode] | None = None,
    ) -> NewCharge:
        if appointment.status != "attended":
            raise ValidationError(
                f"Only an attended session can be charged; this appointment is marked {appointment.status}. "
                "Use the missed-appointment fee for a no-show or late cancellation.",
                "appointment_id",
            )
        return self._prepare_charge(
            ChargeKind.SESSION,
            self._billed_client(appointment, client_id),
            appointment.date_of_service,
            appointment.service_code,
            diagnosis_ids=diagnosis_ids,
            units=units,
            modifiers=appointment.modifiers,
            pos=appointment.pos,
            appointment_id=appointment.id,
            minutes=appointment.minutes,
            today=today,
            lookup=lookup,
        )

    def _missed_line(
        self,
        appointment: BilledAppointment,
        client_id: int | None,
        today: date | None,
        lookup: Callable[[str], ServiceCode] | None = None,
    ) -> NewCharge:
        if appointment.status not in MISSED_FEES:
            raise ValidationError(
                f"Only a no-show or late cancellation carries a missed-appointment fee; this appointment is marked "
                f"{appointment.status}.",
                "appointment_id",
            )
        kind, code = MISSED_FEES[appointment.status]
        return self._prepare_charge(
            kind,
            self._billed_client(appointment, client_id),
            appointment.date_of_service,
            code,
            pos=appointment.pos,
            billable_to_insurance=False,
            appointment_id=appointment.id,
            today=today,
            lookup=lookup,
        )

    def _prepare_charge(
        self,
        kind: ChargeKind,
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
        minutes: int | None = None,
        today: date | None = None,
        lookup: Callable[[str], ServiceCode] | None = None,
    ) -> NewCharge:
        """Every check on a new line that needs no other rows; `lookup` finds the active catalogue entry.
        `minutes` is the session's length when the line belongs to an appointment."""
        if not isinstance(date_of_service, date):
            raise ValidationError("The date of service is required.", "date_of_service")
        if isinstance(date_of_service, datetime):
            date_of_service = date_of_service.date()  # one line per date of service, never a time
        check_not_future(date_of_service, today or date.today(), "date_of_service", "The date of service")
        service = (lookup or self._active_service)(service_code)
        count = check_units(units)
        check_session_units(service, count)
        if minutes is not None:
            check_session_minutes(service, minutes)
        fee = service.default_fee_cents * count if fee_cents is None else fee_cents
        check_cents(fee, "fee_cents", label="The fee")
        insurable = service.billable_to_insurance if billable_to_insurance is None else bool(billable_to_insurance)
        if insurable and not service.billable_to_insurance:
            raise ValidationError(f"{service.code} is not billed to insurance.", "billable_to_insurance")
        mods = check_modifiers(modifiers)
        try:
            place = PlaceOfService(pos)
        except ValueError:
            raise ValidationError(f"{pos} is not a place of service Therapy Desk knows.", "pos") from None
        check_telehealth_place(mods, place)
        pointers = check_pointers(diagnosis_ids, billable_to_insurance=insurable)
        return NewCharge(
            kind, client_id, date_of_service, service, count, fee, place, mods, insurable, pointers, appointment_id
        )

    def _appointment(self, appointment_id: int) -> BilledAppointment:
        row = self._db.execute(f"{APPOINTMENT_SELECT} WHERE id = ?", (appointment_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no appointment with id {appointment_id}.", "appointment_id")
        return appointment_from_row(row)

    def _appointments(self, appointment_ids: Sequence[int]) -> dict[int, BilledAppointment]:
        """Several appointments at once; a missing id is an error, as in `_appointment`."""
        ids = sorted(set(appointment_ids))
        found = {
            row[0]: appointment_from_row(row)
            for row in self._db.select_in(f"{APPOINTMENT_SELECT} WHERE id IN ({{ids}})", ids)
        }
        for appointment_id in ids:
            if appointment_id not in found:
                raise ValidationError(f"There is no appointment with id {appointment_id}.", "appointment_id")
        return found

    def _billed_client(self, appointment: BilledAppointment, client_id: int | None) -> int:
        """Who is billed for the appointment: its client, a unit's identified client, or the named member."""
        if appointment.client_id is not None:
            if client_id is not None and client_id != appointment.client_id:
                raise ValidationError("This appointment is for another client.", "client_id")
            return appointment.client_id
        kind_row = self._db.execute("SELECT kind FROM units WHERE id = ?", (appointment.unit_id,)).fetchone()
        members = dict(
            self._db.execute(
                "SELECT client_id, identified FROM unit_members WHERE unit_id = ?", (appointment.unit_id,)
            ).fetchall()
        )
        if client_id is not None:
            if client_id not in members:
                raise ValidationError("That client is not a member of the appointment's unit.", "client_id")
            return client_id
        if kind_row is not None and kind_row[0] == "group":
            raise ValidationError("A group session is charged per member: choose the member to charge.", "client_id")
        identified = [cid for cid, flag in members.items() if flag]
        if not identified:
            raise ValidationError("The unit has no identified client to bill; mark one in the unit.", "client_id")
        return int(identified[0])

    def _medicaid_spans(self, client_ids: Sequence[int]) -> dict[int, list[tuple[date, date | None]]]:
        """client_id -> (start, end) of each of its coverages by a Medicaid payer: the dates on which no
        missed-appointment fee may be charged."""
        found: dict[int, list[tuple[date, date | None]]] = {}
        for client_id, start, end in self._db.select_in(
            "SELECT v.client_id, v.start_date, v.end_date FROM coverages v JOIN payers p ON p.id = v.payer_id "
            "WHERE v.client_id IN ({ids}) AND p.kind = ?",
            client_ids,
            (PayerKind.MEDICAID.value,),
        ):
            found.setdefault(client_id, []).append((date.fromisoformat(start), to_date(end)))
        return found

    def _diagnosis_rows(self, diagnosis_ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
        """id -> (client_id, code, for_claims, resolved) for the diagnoses that exist."""
        rows = self._db.select_in(
            "SELECT id, client_id, code, for_claims, resolved FROM diagnoses WHERE id IN ({ids})",
            sorted(set(diagnosis_ids)),
        )
        return {row[0]: tuple(row[1:]) for row in rows}
