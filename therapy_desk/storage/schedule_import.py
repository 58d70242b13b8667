"""Importing many recurring bookings at once, with the outcomes of their past sessions: part of
`vault.schedule` (mixed into `ScheduleStore`).

Each series is checked exactly as `create_series` checks it and gets the same occurrence rows; each
outcome is checked as `set_status` checks a change from scheduled. Used by the demo vault and by
imports from another system, where thousands of sessions arrive together.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from therapy_desk.domain.scheduling import (
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    as_status,
    check_status_change,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.rows import now_utc
from therapy_desk.storage.schedule_rows import (
    check_party_exists,
    is_exception_after,
    row_values,
    series_through,
    series_values,
)

_INSERT_WITH_ID = (
    "INSERT INTO appointments (id, client_id, unit_id, start, end_at, date_of_service, duration_minutes, service_code, "
    "modifiers, place_of_service, telehealth, status, series_id, occurrence_date, is_exception, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_SERIES = (
    "INSERT INTO appointment_series (id, client_id, unit_id, recurrence, first_start, duration_minutes, "
    "service_code, modifiers, place_of_service, telehealth, until, generated_through, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SeriesImport = tuple[AppointmentSeries, Mapping[date, AppointmentStatus]]
ImportedSeries = list[tuple[AppointmentSeries, list[Appointment]]]
_SCHEDULED = AppointmentStatus.SCHEDULED


@dataclass(frozen=True)
class PreparedSeries:
    """Series and their occurrences checked and turned into rows by `prepare_series`, for
    `ScheduleStore.import_prepared_series`; numbered from `first_series_id` and `first_appointment_id`."""

    first_series_id: int
    first_appointment_id: int
    series_rows: tuple[tuple[Any, ...], ...]  # up to the timestamps the store adds
    appointment_rows: tuple[tuple[Any, ...], ...]
    parties: frozenset[tuple[int | None, int | None]]  # (client_id, unit_id)
    outcomes: int


def prepare_series(
    items: Sequence[SeriesImport], first_series_id: int, first_appointment_id: int, *, now: datetime
) -> tuple[PreparedSeries, ImportedSeries]:
    """Check recurring bookings for import and build their rows, numbered from the ids given; needs no
    vault, so a large import can prepare them in another process while the vault writes.

    `items` pairs a series with {occurrence date: status}; dates left out stay scheduled. Each series is
    checked as `create_series` checks it and gets the same occurrences; each outcome as `set_status` checks
    a change from scheduled (only a session that has started can be attended or a no-show). Returns the
    rows, and each series as it will be stored with its appointments in date order.
    """
    day = now.date()
    series_rows: list[tuple[Any, ...]] = []
    appointment_rows: list[tuple[Any, ...]] = []
    result: ImportedSeries = []
    outcomes_count = 0
    next_id = first_appointment_id
    for index, (series, outcomes) in enumerate(items):
        clean = series.validated(day)
        through = series_through(clean, day)
        stored = dataclasses.replace(clean, id=first_series_id + index, generated_through=through)
        template = stored.occurrence(clean.first_start)
        by_date = {start.date(): start for start in clean.occurrence_starts(None, through)}
        statuses: dict[date, AppointmentStatus] = {}
        for on, status in outcomes.items():
            target = as_status(status)
            if on not in by_date:
                raise ValidationError(
                    f"Series {index + 1} has no session on {on}; give outcomes for its own dates.", "outcomes"
                )
            if target is not _SCHEDULED:
                check_status_change(dataclasses.replace(template, start=by_date[on]), target, now)
                statuses[on] = target
        outcomes_count += len(statuses)
        series_rows.append((stored.id, *series_values(stored)))
        appointments = []
        for on, start in by_date.items():
            # What `stored.occurrence(start)` gives, numbered and with its outcome.
            status = statuses.get(on, _SCHEDULED)
            appointment = dataclasses.replace(
                template,
                start=start,
                occurrence_date=on,
                id=next_id,
                status=status,
                is_exception=is_exception_after(template, status),
            )
            appointment_rows.append((next_id, *row_values(appointment)))
            appointments.append(appointment)
            next_id += 1
        result.append((stored, appointments))
    parties = frozenset((s.client_id, s.unit_id) for s, _ in result)
    prepared = PreparedSeries(
        first_series_id, first_appointment_id, tuple(series_rows), tuple(appointment_rows), parties, outcomes_count
    )
    return prepared, result


class ScheduleImportMixin:
    """`import_series` and `import_prepared_series`; mixed into `ScheduleStore`."""

    _db: db.Database
    _audit: AuditStore

    def import_series(self, items: Sequence[SeriesImport], *, now: datetime | None = None) -> ImportedSeries:
        """Add many recurring bookings in one transaction, each with the outcomes of its past occurrences
        (checked as `prepare_series` says); returns each stored series with its appointments in date order.
        One audit event records the counts.
        """
        with self._db.transaction():
            prepared, result = prepare_series(
                items,
                self._db.next_id("appointment_series"),
                self._db.next_id("appointments"),
                now=now or datetime.now(),
            )
            self.import_prepared_series(prepared)
        return result

    def import_prepared_series(self, prepared: PreparedSeries) -> None:
        """Store series `prepare_series` checked (perhaps in another process). Refused unless the vault
        numbers series and appointments from the ids they were prepared with."""
        if not prepared.series_rows:
            return
        stamp = now_utc()
        with self._db.transaction():
            if (self._db.next_id("appointment_series"), self._db.next_id("appointments")) != (
                prepared.first_series_id,
                prepared.first_appointment_id,
            ):
                raise ValidationError(
                    "These bookings were prepared for other appointment numbers; prepare them again.", "first_id"
                )
            for client_id, unit_id in sorted(prepared.parties, key=lambda party: (party[0] or 0, party[1] or 0)):
                check_party_exists(self._db, client_id, unit_id)
            self._db.conn.executemany(_INSERT_SERIES, [(*row, stamp, stamp) for row in prepared.series_rows])
            self._db.conn.executemany(_INSERT_WITH_ID, [(*row, stamp, stamp) for row in prepared.appointment_rows])
            self._audit.record(
                "series imported",
                entity="appointment_series",
                detail={
                    "series": len(prepared.series_rows),
                    "appointments": len(prepared.appointment_rows),
                    "outcomes": prepared.outcomes,
                },
            )
