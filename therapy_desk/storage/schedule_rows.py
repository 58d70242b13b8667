"""How appointments and series are stored: columns, statements and row conversions for `vault.schedule`,
and the rules its store (storage/schedule.py) and its bulk import (storage/schedule_import.py) share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.scheduling import (
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    CancelledBy,
    Recurrence,
    horizon,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.rows import iso, to_date

APPOINTMENT_COLUMNS = (
    "id, client_id, unit_id, start, duration_minutes, service_code, modifiers, place_of_service, telehealth, "
    "status, series_id, occurrence_date, is_exception, cancelled_by"
)
SELECT = f"SELECT {APPOINTMENT_COLUMNS} FROM appointments"  # noqa: S608 - fixed column list
APPOINTMENT_COLUMNS_A = ", ".join(f"a.{column.strip()}" for column in APPOINTMENT_COLUMNS.split(","))
SERIES_SELECT = (
    "SELECT id, client_id, unit_id, recurrence, first_start, duration_minutes, service_code, modifiers, "
    "place_of_service, telehealth, until, generated_through, cancelled_from FROM appointment_series"
)
INSERT = (
    "INSERT INTO appointments (client_id, unit_id, start, end_at, date_of_service, duration_minutes, service_code, "
    "modifiers, place_of_service, telehealth, status, series_id, occurrence_date, is_exception, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
POS = {place.value: place for place in PlaceOfService}  # dict lookups: rows are built by the hundred
STATUS = {status.value: status for status in AppointmentStatus}


def minute(value: datetime) -> str:
    return value.isoformat(timespec="minutes")


def modifiers_text(modifiers: tuple[str, ...]) -> str:
    return ",".join(modifiers)


def parse_modifiers(text: str) -> tuple[str, ...]:
    return tuple(text.split(",")) if text else ()


def appointment_from_row(row: tuple[Any, ...]) -> Appointment:
    (aid, client_id, unit_id, start, duration, code, modifiers, pos, telehealth, status, series_id, occurrence,
     is_exception, cancelled_by) = row  # fmt: skip
    return Appointment(
        id=aid,
        client_id=client_id,
        unit_id=unit_id,
        start=datetime.fromisoformat(start),
        duration_minutes=duration,
        service_code=code,
        modifiers=parse_modifiers(modifiers),
        place_of_service=POS[pos],
        telehealth=bool(telehealth),
        status=STATUS[status],
        series_id=series_id,
        occurrence_date=to_date(occurrence),
        is_exception=bool(is_exception),
        cancelled_by=None if cancelled_by is None else CancelledBy(cancelled_by),
    )


def series_from_row(row: tuple[Any, ...]) -> AppointmentSeries:
    (sid, client_id, unit_id, recurrence, first_start, duration, code, modifiers, pos, telehealth, until,
     generated, cancelled) = row  # fmt: skip
    return AppointmentSeries(
        id=sid,
        client_id=client_id,
        unit_id=unit_id,
        recurrence=Recurrence(recurrence),
        first_start=datetime.fromisoformat(first_start),
        duration_minutes=duration,
        service_code=code,
        modifiers=parse_modifiers(modifiers),
        place_of_service=PlaceOfService(pos),
        telehealth=bool(telehealth),
        until=to_date(until),
        generated_through=to_date(generated),
        cancelled_from=to_date(cancelled),
    )


def detail_values(appointment: Appointment) -> tuple[Any, ...]:
    """start, end_at, date_of_service, duration_minutes, service_code, modifiers, place_of_service, telehealth."""
    return (
        minute(appointment.start),
        minute(appointment.end),
        appointment.date_of_service.isoformat(),
        appointment.duration_minutes,
        appointment.service_code,
        modifiers_text(appointment.modifiers),
        appointment.place_of_service.value,
        int(appointment.telehealth),
    )


def row_values(appointment: Appointment) -> tuple[Any, ...]:
    """The `INSERT` parameters for an appointment, up to its created and updated times."""
    return (
        appointment.client_id,
        appointment.unit_id,
        *detail_values(appointment),
        appointment.status.value,
        appointment.series_id,
        iso(appointment.occurrence_date),
        int(appointment.is_exception),
    )


def series_values(series: AppointmentSeries) -> tuple[Any, ...]:
    """The `INSERT` parameters for a series (occurrences stored through `generated_through`), up to its
    created and updated times."""
    assert series.generated_through is not None
    return (
        series.client_id,
        series.unit_id,
        series.recurrence.value,
        minute(series.first_start),
        series.duration_minutes,
        series.service_code,
        modifiers_text(series.modifiers),
        series.place_of_service.value,
        int(series.telehealth),
        iso(series.until),
        series.generated_through.isoformat(),
    )


def series_through(series: AppointmentSeries, today: date) -> date:
    """How far a new series' occurrences are stored: its end, or 26 weeks past today if ongoing."""
    through = horizon(today, series.first_start.date())
    return through if series.until is None else min(through, series.until)


def is_exception_after(appointment: Appointment, target: AppointmentStatus) -> bool:
    """Whether the appointment is an exception to its series once it has status `target`: cancelling one
    occurrence of a series makes it one."""
    return appointment.is_exception or (appointment.series_id is not None and target is AppointmentStatus.CANCELLED)


def check_party_exists(database: db.Database, client_id: int | None, unit_id: int | None) -> None:
    """The client or unit a booking is for is in the vault."""
    if client_id is not None and not database.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone():
        raise ValidationError(f"There is no client with id {client_id}.", "client_id")
    if unit_id is not None and not database.execute("SELECT 1 FROM units WHERE id = ?", (unit_id,)).fetchone():
        raise ValidationError(f"There is no couple, family or group with id {unit_id}.", "unit_id")
