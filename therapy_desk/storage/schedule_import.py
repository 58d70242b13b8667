"""Importing many recurring bookings at once, with the outcomes of their past sessions: part of
`vault.schedule` (mixed into `ScheduleStore`).

Each series is checked exactly as `create_series` checks it and gets the same occurrence rows; each
outcome is checked as `set_status` checks a change from scheduled. Used by the demo vault and by
imports from another system, where thousands of sessions arrive together.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime

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
from therapy_desk.storage.schedule_rows import row_values

_INSERT_WITH_ID = (
    "INSERT INTO appointments (id, client_id, unit_id, start, end_at, date_of_service, duration_minutes, service_code, "
    "modifiers, place_of_service, telehealth, status, series_id, occurrence_date, is_exception, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
SeriesImport = tuple[AppointmentSeries, Mapping[date, AppointmentStatus]]
_SCHEDULED = AppointmentStatus.SCHEDULED


class ScheduleImportMixin:
    """`import_series`; the store supplies the row helpers (storage/schedule.py)."""

    _db: db.Database
    _audit: AuditStore

    def import_series(
        self, items: Sequence[SeriesImport], *, now: datetime | None = None
    ) -> list[tuple[AppointmentSeries, list[Appointment]]]:
        """Add many recurring bookings in one transaction, each with the outcomes of its past occurrences.

        `items` pairs a series with {occurrence date: status}; dates left out stay scheduled. Each series
        is checked as `create_series` checks it and gets the same occurrences; each outcome as `set_status`
        checks a change from scheduled (only a session that has started can be attended or a no-show).
        Returns each stored series with its appointments in date order. One audit event records the counts.
        """
        # The row helpers live with the store; importing them here avoids an import cycle.
        from therapy_desk.storage import schedule as store_module

        store = self
        assert isinstance(store, store_module.ScheduleStore)
        when = now or datetime.now()
        day = when.date()
        prepared: list[tuple[AppointmentSeries, date, list[datetime], dict[date, AppointmentStatus]]] = []
        for index, (series, outcomes) in enumerate(items):
            clean = series.validated(day)
            through = store_module._series_through(clean, day)
            starts = clean.occurrence_starts(None, through)
            by_date = {start.date(): start for start in starts}
            statuses: dict[date, AppointmentStatus] = {}
            for on, status in outcomes.items():
                target = as_status(status)
                if on not in by_date:
                    raise ValidationError(
                        f"Series {index + 1} has no session on {on}; give outcomes for its own dates.", "outcomes"
                    )
                if target is not _SCHEDULED:
                    check_status_change(clean.occurrence(by_date[on]), target, when)
                    statuses[on] = target
            prepared.append((clean, through, starts, statuses))
        result: list[tuple[AppointmentSeries, list[Appointment]]] = []
        if not prepared:
            return result
        stamp = now_utc()
        with self._db.transaction():
            for client_id, unit_id in dict.fromkeys((s.client_id, s.unit_id) for s, _, _, _ in prepared):
                store._check_party_exists(client_id, unit_id)
            next_id = int(self._db.execute("SELECT coalesce(max(id), 0) + 1 FROM appointments").fetchone()[0])
            rows = []
            outcomes_count = 0
            for clean, through, starts, statuses in prepared:
                stored = store._insert_series(clean, through, stamp)
                appointments = []
                template = stored.occurrence(clean.first_start)
                for start in starts:
                    # What `stored.occurrence(start)` gives, numbered and with its outcome.
                    day = start.date()
                    status = statuses.get(day, _SCHEDULED)
                    appointment = dataclasses.replace(
                        template,
                        start=start,
                        occurrence_date=day,
                        id=next_id,
                        status=status,
                        is_exception=store_module._is_exception_after(template, status),
                    )
                    rows.append((next_id, *row_values(appointment, stamp)))
                    appointments.append(appointment)
                    next_id += 1
                outcomes_count += len(statuses)
                result.append((stored, appointments))
            self._db.conn.executemany(_INSERT_WITH_ID, rows)
            self._audit.record(
                "series imported",
                entity="appointment_series",
                detail={"series": len(result), "appointments": len(rows), "outcomes": outcomes_count},
            )
        return result
