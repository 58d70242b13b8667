"""`vault.schedule`: appointments for clients and units, recurring series and their exceptions.

Series occurrences are stored as ordinary appointment rows up to the series' end or a rolling horizon
(`extend_series`, `roll_forward`), so every listing and the caseload's per-client lookups are index reads.
Times are local wall-clock text 'YYYY-MM-DDTHH:MM'.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from therapy_desk.domain.scheduling import (
    HORIZON_WEEKS,
    MAX_DURATION_MINUTES,
    MAX_SERIES_MONTHS,
    OCCUPYING,
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    CancelledBy,
    add_months,
    as_status,
    check_duration,
    check_start,
    check_status_change,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.rows import now_utc
from therapy_desk.storage.schedule_import import ScheduleImportMixin
from therapy_desk.storage.schedule_rows import (
    APPOINTMENT_COLUMNS_A,
    INSERT,
    SELECT,
    SERIES_SELECT,
    appointment_from_row,
    check_party_exists,
    detail_values,
    is_exception_after,
    minute,
    row_values,
    series_from_row,
    series_through,
    series_values,
)
from therapy_desk.storage.schedule_series import ScheduleSeriesMixin

MAX_RANGE_DAYS = 366
MAX_PAGE = 500


def _party(appointment: Appointment | AppointmentSeries) -> dict[str, int]:
    """The ids an audit row carries: who the booking is for."""
    if appointment.client_id is not None:
        return {"client_id": appointment.client_id}
    assert appointment.unit_id is not None
    return {"unit_id": appointment.unit_id}


def _refuse_cancelled_series(series: AppointmentSeries, day: date, field: str) -> None:
    if series.is_cancelled_on(day):
        assert series.cancelled_from is not None
        raise ValidationError(
            f"This series was cancelled from {series.cancelled_from.isoformat()}; book a separate appointment instead.",
            field,
        )


class ScheduleStore(ScheduleImportMixin, ScheduleSeriesMixin):
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    # -- single appointments -------------------------------------------------------------------

    def book(self, appointment: Appointment, *, now: datetime | None = None) -> Appointment:
        """Add one appointment; returns it with its id.

        With `series_id` it is an extra session in that series. A past session may be entered with its
        outcome (attended, no-show, ...) directly; the same rules as `set_status` apply.
        """
        when = now or datetime.now()
        clean = appointment.validated(when.date())
        if clean.status is not AppointmentStatus.SCHEDULED:
            check_status_change(dataclasses.replace(clean, status=AppointmentStatus.SCHEDULED), clean.status, when)
        clean = dataclasses.replace(clean, occurrence_date=None, is_exception=clean.series_id is not None)
        with self._db.transaction():
            check_party_exists(self._db, clean.client_id, clean.unit_id)
            if clean.series_id is not None:
                series = self.get_series(clean.series_id)
                if (series.client_id, series.unit_id) != (clean.client_id, clean.unit_id):
                    raise ValidationError(
                        "An extra session in a series must be for the same client or unit as the series.", "series_id"
                    )
                _refuse_cancelled_series(series, clean.date_of_service, "series_id")
            appointment_id = self._insert(clean)
            self._audit.record(
                "appointment booked",
                entity="appointment",
                entity_id=appointment_id,
                detail={**_party(clean), "series_id": clean.series_id, "status": clean.status.value},
            )
        return dataclasses.replace(clean, id=appointment_id)

    def get(self, appointment_id: int) -> Appointment:
        row = self._db.execute(f"{SELECT} WHERE id = ?", (appointment_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no appointment with id {appointment_id}.", "appointment_id")
        return appointment_from_row(row)

    def by_ids(self, appointment_ids: Collection[int]) -> dict[int, Appointment]:
        if not appointment_ids:
            return {}
        rows = self._db.execute(
            f"{SELECT} WHERE id IN (SELECT value FROM json_each(?))",  # noqa: S608 - fixed column list
            (json.dumps(list(appointment_ids)),),
        ).fetchall()
        return {row[0]: appointment_from_row(row) for row in rows}

    def update(self, appointment: Appointment, *, now: datetime | None = None) -> Appointment:
        """Change one appointment's details (time, duration, service code, modifiers, place, telehealth).

        The client or unit, status and series stay as stored; change status with `set_status`.
        In a series this makes the occurrence an exception: the rest of the series is untouched.
        """
        return self._change(appointment, now or datetime.now(), "appointment updated")

    def reschedule(
        self,
        appointment_id: int,
        new_start: datetime,
        duration_minutes: int | None = None,
        *,
        now: datetime | None = None,
    ) -> Appointment:
        """Move one scheduled appointment (optionally changing its length); a series occurrence becomes an exception."""
        stored = self.get(appointment_id)
        changes: dict[str, Any] = {"start": new_start}
        if duration_minutes is not None:
            changes["duration_minutes"] = duration_minutes
        return self._change(dataclasses.replace(stored, **changes), now or datetime.now(), "appointment rescheduled")

    def set_status(
        self,
        appointment_id: int,
        status: AppointmentStatus | str,
        *,
        cancelled_by: CancelledBy | None = None,
        now: datetime | None = None,
    ) -> Appointment:
        """Mark attended, no-show, late-cancel or cancelled (by the client or the clinician, when given), or
        reinstate (scheduled)."""
        target = as_status(status)
        who = CancelledBy(cancelled_by) if cancelled_by is not None and target is AppointmentStatus.CANCELLED else None
        when = now or datetime.now()
        with self._db.transaction():
            stored = self.get(appointment_id)
            if target is stored.status and who == stored.cancelled_by:
                return stored
            if target is not stored.status:  # else only who cancelled is corrected
                check_status_change(stored, target, when)
            if target is AppointmentStatus.SCHEDULED and stored.series_id is not None:
                _refuse_cancelled_series(self.get_series(stored.series_id), stored.date_of_service, "status")
            changed = dataclasses.replace(
                stored,
                status=target,
                is_exception=is_exception_after(stored, target),
                cancelled_by=who,
            )
            stamp = now_utc()
            self._db.execute(
                "UPDATE appointments SET status = ?, is_exception = ?, cancelled_by = ?, status_changed_at = ?, "
                "updated_at = ? WHERE id = ?",
                (target.value, int(changed.is_exception), None if who is None else who.value, stamp, stamp,
                 appointment_id),
            )  # fmt: skip
            detail = {"from": stored.status.value, "to": target.value}
            self._audit.record(
                "appointment status changed",
                entity="appointment",
                entity_id=appointment_id,
                detail=detail if who is None else {**detail, "cancelled_by": who.value},
            )
        return changed

    # -- series --------------------------------------------------------------------------------

    def create_series(self, series: AppointmentSeries, *, now: datetime | None = None) -> AppointmentSeries:
        """Add a recurring booking and its occurrences (to `until`, or 26 weeks past today if ongoing)."""
        day = (now or datetime.now()).date()
        clean = series.validated(day)
        through = series_through(clean, day)
        with self._db.transaction():
            check_party_exists(self._db, clean.client_id, clean.unit_id)
            stored = self._insert_series(clean, through, now_utc())
            added = self._materialise(stored, None, through)
            self._audit.record(
                "series created",
                entity="appointment_series",
                entity_id=stored.id,
                detail={**_party(stored), "occurrences": added},
            )
        return stored

    def get_series(self, series_id: int) -> AppointmentSeries:
        row = self._db.execute(f"{SERIES_SELECT} WHERE id = ?", (series_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no appointment series with id {series_id}.", "series_id")
        return series_from_row(row)

    def occurrences(self, series_id: int) -> list[Appointment]:
        """Every appointment of a series (including moved, cancelled and extra ones), by start."""
        self.get_series(series_id)
        rows = self._db.execute(f"{SELECT} WHERE series_id = ? ORDER BY start, id", (series_id,)).fetchall()
        return [appointment_from_row(row) for row in rows]

    def extend_series(self, series_id: int, through: date, *, now: datetime | None = None) -> int:
        """Materialise occurrences up to `through` (capped by the series' end); returns how many were added.

        Dates that already have a row (including moved or cancelled exceptions) are left alone.
        """
        day = (now or datetime.now()).date()
        if through > add_months(day, MAX_SERIES_MONTHS):
            raise ValidationError("A series can be extended at most 2 years ahead.", "through")
        with self._db.transaction():
            series = self.get_series(series_id)
            if series.cancelled_from is not None:
                raise ValidationError(
                    f"This series was cancelled from {series.cancelled_from.isoformat()}; it cannot be extended.",
                    "series_id",
                )
            if series.until is not None:
                through = min(through, series.until)
            done = series.generated_through
            if done is not None and through <= done:
                return 0
            added = self._materialise(series, done, through)
            self._db.execute(
                "UPDATE appointment_series SET generated_through = ?, updated_at = ? WHERE id = ?",
                (through.isoformat(), now_utc(), series_id),
            )
            self._audit.record(
                "series extended", entity="appointment_series", entity_id=series_id, detail={"occurrences": added}
            )
        return added

    def roll_forward(self, *, now: datetime | None = None) -> int:
        """Extend every live series to 26 weeks past today (the app calls this at unlock); returns occurrences added."""
        when = now or datetime.now()
        target = when.date() + timedelta(weeks=HORIZON_WEEKS)
        added = 0
        with self._db.transaction():
            rows = self._db.execute(
                "SELECT id FROM appointment_series WHERE cancelled_from IS NULL AND generated_through < ? "
                "AND (until IS NULL OR generated_through < until) ORDER BY id",
                (target.isoformat(),),
            ).fetchall()
            for (series_id,) in rows:
                added += self.extend_series(series_id, target, now=when)
        return added

    def cancel_series(self, series_id: int, from_date: date) -> int:
        """Stop a series from `from_date`: its scheduled appointments on or after that date are cancelled.

        Attended, no-show and late-cancel appointments are kept as they are. Returns how many were cancelled.
        """
        if not isinstance(from_date, date) or isinstance(from_date, datetime):
            raise ValidationError("Give the date the series stops from.", "from_date")
        with self._db.transaction():
            series = self.get_series(series_id)
            cutoff = min(from_date, series.cancelled_from or from_date)
            stamp = now_utc()
            self._db.execute(
                "UPDATE appointment_series SET cancelled_from = ?, updated_at = ? WHERE id = ?",
                (cutoff.isoformat(), stamp, series_id),
            )
            cursor = self._db.execute(
                "UPDATE appointments SET status = 'cancelled', status_changed_at = ?, updated_at = ? "
                "WHERE series_id = ? AND status = 'scheduled' AND date_of_service >= ?",
                (stamp, stamp, series_id, cutoff.isoformat()),
            )
            cancelled = int(cursor.rowcount)
            self._audit.record(
                "series cancelled",
                entity="appointment_series",
                entity_id=series_id,
                detail={"appointments_cancelled": cancelled},
            )
        return cancelled

    # -- listings ------------------------------------------------------------------------------

    def day(self, on: date, *, statuses: Iterable[AppointmentStatus] | None = None) -> list[Appointment]:
        """One day's appointments by start (the Today and day views)."""
        return self.range(on, on, statuses=statuses)

    def range(
        self, start_date: date, end_date: date, *, statuses: Iterable[AppointmentStatus] | None = None
    ) -> list[Appointment]:
        """Appointments from `start_date` to `end_date` inclusive (at most a year), by start."""
        if end_date < start_date:
            raise ValidationError("The end date cannot be before the start date.", "end_date")
        if (end_date - start_date).days >= MAX_RANGE_DAYS:
            raise ValidationError("Show at most a year of appointments at a time.", "end_date")
        sql = f"{SELECT} WHERE start >= ? AND start < ?"
        params: list[Any] = [start_date.isoformat(), (end_date + timedelta(days=1)).isoformat()]
        if statuses is not None:
            sql += " AND status IN (SELECT value FROM json_each(?))"
            params.append(json.dumps([as_status(s).value for s in statuses]))
        rows = self._db.execute(sql + " ORDER BY start, id", params).fetchall()
        return [appointment_from_row(row) for row in rows]

    def for_client(
        self,
        client_id: int,
        *,
        after: datetime | None = None,
        before: datetime | None = None,
        limit: int = 50,
        newest_first: bool = True,
        statuses: Iterable[AppointmentStatus] | None = None,
    ) -> list[Appointment]:
        """A client's appointments, their couple/family/group sessions included.

        `after` is inclusive and `before` exclusive; newest first unless `newest_first=False`.
        """
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"Ask for between 1 and {MAX_PAGE} appointments at a time.", "limit")
        check_party_exists(self._db, client_id, None)
        where = ""
        params: list[Any] = []
        if after is not None:
            where += " AND start >= ?"
            params.append(minute(after))
        if before is not None:
            where += " AND start < ?"
            params.append(minute(before))
        if statuses is not None:
            where += " AND status IN (SELECT value FROM json_each(?))"
            params.append(json.dumps([as_status(s).value for s in statuses]))
        order = "DESC" if newest_first else "ASC"
        # Each branch is limited on its own index before the merge, so a long history costs nothing.
        sql = (
            f"SELECT * FROM (SELECT * FROM ({SELECT} WHERE client_id = ?{where} "  # noqa: S608 - fixed fragments
            f"ORDER BY start {order}, id {order} LIMIT ?) "
            f"UNION ALL SELECT * FROM ({SELECT} WHERE unit_id IN "
            f"(SELECT unit_id FROM unit_members WHERE client_id = ?){where} "
            f"ORDER BY start {order}, id {order} LIMIT ?)) ORDER BY start {order}, id {order} LIMIT ?"
        )
        rows = self._db.execute(sql, [client_id, *params, limit, client_id, *params, limit, limit]).fetchall()
        return [appointment_from_row(row) for row in rows]

    def next_appointments(self, client_ids: Collection[int], *, now: datetime | None = None) -> dict[int, Appointment]:
        """Each client's next scheduled appointment starting at or after `now` (unit sessions included)."""
        return self._per_client(
            client_ids,
            "a.status = 'scheduled' AND a.start >= ? ORDER BY a.start, a.id",
            (minute(now or datetime.now()),),
            earliest=True,
        )

    def last_attended(self, client_ids: Collection[int]) -> dict[int, Appointment]:
        """Each client's most recent attended appointment (unit sessions included)."""
        return self._per_client(
            client_ids, "a.status = 'attended' ORDER BY a.start DESC, a.id DESC", (), earliest=False
        )

    def conflicts(
        self, start: datetime, duration_minutes: int, *, exclude_id: int | None = None, now: datetime | None = None
    ) -> list[Appointment]:
        """Scheduled or attended appointments overlapping [start, start + duration): a warning, not an error."""
        begin = check_start(start, (now or datetime.now()).date())
        minutes = check_duration(duration_minutes)
        end = begin + timedelta(minutes=minutes)
        rows = self._db.execute(
            f"{SELECT} WHERE start >= ? AND start < ? AND end_at > ? AND status IN (?, ?) AND id IS NOT ? "
            "ORDER BY start, id",
            (
                minute(begin - timedelta(minutes=MAX_DURATION_MINUTES)),
                minute(end),
                minute(begin),
                *(s.value for s in OCCUPYING),
                exclude_id,
            ),
        ).fetchall()
        return [appointment_from_row(row) for row in rows]

    # -- internals -----------------------------------------------------------------------------

    def _per_client(
        self, client_ids: Collection[int], condition: str, params: tuple[str, ...], *, earliest: bool
    ) -> dict[int, Appointment]:
        """For each client, the first appointment by `condition` among their own and their units' rows.

        One index seek per client and per unit membership, then the earliest (or latest) candidate per
        client is picked in SQL, so only the winning rows are read and built.
        """
        if not client_ids:
            return {}
        ids = json.dumps(sorted({int(c) for c in client_ids}))
        pick = "min" if earliest else "max"
        # `condition` and `pick` are fixed strings from this class, never input.
        sql = (
            "WITH wanted (client_id) AS (SELECT value FROM json_each(?)), "  # noqa: S608
            "candidates (client_id, appointment_id) AS ("
            f"SELECT w.client_id, (SELECT a.id FROM appointments a WHERE a.client_id = w.client_id AND {condition} "
            "LIMIT 1) FROM wanted w "
            "UNION ALL "
            f"SELECT m.client_id, (SELECT a.id FROM appointments a WHERE a.unit_id = m.unit_id AND {condition} "
            "LIMIT 1) FROM unit_members m WHERE m.client_id IN (SELECT client_id FROM wanted)) "
            f"SELECT c.client_id, {pick}(a.start), {APPOINTMENT_COLUMNS_A} "
            "FROM candidates c JOIN appointments a ON a.id = c.appointment_id GROUP BY c.client_id"
        )
        rows = self._db.execute(sql, (ids, *params, *params)).fetchall()
        return {row[0]: appointment_from_row(row[2:]) for row in rows}

    def _change(self, appointment: Appointment, now: datetime, event: str) -> Appointment:
        if appointment.id is None:
            raise ValidationError("Only a saved appointment can be changed.", "appointment_id")
        with self._db.transaction():
            stored = self.get(appointment.id)
            if (appointment.client_id, appointment.unit_id) != (stored.client_id, stored.unit_id):
                raise ValidationError(
                    "An appointment cannot be moved to another client; cancel it and book a new one.", "client_id"
                )
            clean = dataclasses.replace(
                appointment,
                status=stored.status,
                series_id=stored.series_id,
                occurrence_date=stored.occurrence_date,
                is_exception=stored.is_exception,
            ).validated(now.date())
            if clean == stored:
                return stored
            if (clean.start, clean.duration_minutes) != (stored.start, stored.duration_minutes):
                self._check_movable(stored, clean.start)
            clean = dataclasses.replace(clean, is_exception=stored.series_id is not None or stored.is_exception)
            self._write(clean)
            self._audit.record(event, entity="appointment", entity_id=clean.id)
        return clean

    def _check_movable(self, stored: Appointment, new_start: datetime) -> None:
        if stored.status is not AppointmentStatus.SCHEDULED:
            raise ValidationError(
                f"Only a scheduled appointment can be moved; this one is marked {stored.status.label.lower()}. "
                "Reinstate it first.",
                "start",
            )
        if stored.series_id is not None:
            _refuse_cancelled_series(self.get_series(stored.series_id), new_start.date(), "start")

    def _insert(self, appointment: Appointment) -> int:
        now = now_utc()
        cursor = self._db.execute(INSERT, (*row_values(appointment), now, now))
        return int(cursor.lastrowid)

    def _insert_series(self, clean: AppointmentSeries, through: date, stamp: str) -> AppointmentSeries:
        """Store a validated series row (its occurrences are inserted by the caller)."""
        cursor = self._db.execute(
            "INSERT INTO appointment_series (client_id, unit_id, recurrence, first_start, duration_minutes, "
            "service_code, modifiers, place_of_service, telehealth, until, generated_through, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*series_values(dataclasses.replace(clean, generated_through=through)), stamp, stamp),
        )
        return dataclasses.replace(clean, id=int(cursor.lastrowid), generated_through=through)

    def _write(self, appointment: Appointment) -> None:
        self._db.execute(
            "UPDATE appointments SET start = ?, end_at = ?, date_of_service = ?, duration_minutes = ?, "
            "service_code = ?, modifiers = ?, place_of_service = ?, telehealth = ?, is_exception = ?, updated_at = ? "
            "WHERE id = ?",
            (*detail_values(appointment), int(appointment.is_exception), now_utc(), appointment.id),
        )

    def _materialise(self, series: AppointmentSeries, after: date | None, through: date) -> int:
        """Insert the series' occurrences dated after `after` up to `through` that have no row yet."""
        assert series.id is not None
        added = 0
        for start in series.occurrence_starts(after, through):
            exists = self._db.execute(
                "SELECT 1 FROM appointments WHERE series_id = ? AND occurrence_date = ?",
                (series.id, start.date().isoformat()),
            ).fetchone()
            if exists is None:
                self._insert(series.occurrence(start))
                added += 1
        return added
