"""Edits and cancellations that reach more of a series than one occurrence: part of `vault.schedule`
(mixed into `ScheduleStore`).

"This one" changes the occurrence alone (it becomes an exception). "This and following" ends the series
the day before the occurrence and starts a new series there with the new values. "All" changes the
series itself and puts its future occurrences at the new time. Past occurrences, outcomes already
recorded (attended, no-show, ...), occurrences moved or changed by hand, and appointments a note or a
charge points at are never rewritten: only still-scheduled ordinary occurrences are re-made.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal, cast

from therapy_desk.domain.scheduling import (
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    Recurrence,
    SeriesScope,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.rows import iso, now_utc
from therapy_desk.storage.schedule_rows import minute, modifiers_text, series_through

if TYPE_CHECKING:
    from therapy_desk.storage.schedule import ScheduleStore

# Still-scheduled ordinary occurrences from a date on that nothing points at: these are re-made.
_REMAKEABLE = (
    "series_id = ? AND date_of_service >= ? AND status = 'scheduled' AND (is_exception = 0 OR id = ?) "
    "AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.appointment_id = appointments.id) "
    "AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.appointment_id = appointments.id)"
)


class ScheduleSeriesMixin:
    """`change_occurrence` and `cancel_occurrence`; mixed into `ScheduleStore`."""

    _db: db.Database
    _audit: AuditStore

    def change_occurrence(
        self,
        changed: Appointment,
        scope: SeriesScope,
        *,
        recurrence: Recurrence | None = None,
        until: date | Literal["keep"] | None = "keep",
        now: datetime | None = None,
    ) -> Appointment:
        """Save `changed` (an edited occurrence of a series) for `scope`; returns the stored occurrence.

        `recurrence` and `until` ("keep": the series' end as it is) apply to the following or all occurrences.
        For an appointment outside a series every scope is "this one". With "this and following" or "all"
        the occurrence may be re-made, so the one returned can have a new id.
        """
        store = self._store()
        when = now or datetime.now()
        if changed.id is None:
            raise ValidationError("Only a saved appointment can be changed.", "appointment_id")
        stored = store.get(changed.id)
        if scope is SeriesScope.THIS or stored.series_id is None:
            return store.update(changed, now=when)
        if stored.status is not AppointmentStatus.SCHEDULED:
            raise ValidationError(
                f"This appointment is marked {stored.status.label.lower()}; change the series from a scheduled "
                "appointment, or change this one alone.",
                "status",
            )
        series = store.get_series(stored.series_id)
        if series.cancelled_from is not None:
            raise ValidationError(
                f"This series was cancelled from {series.cancelled_from.isoformat()}; change this appointment alone.",
                "series_id",
            )
        slot = stored.occurrence_date or stored.date_of_service
        template = dataclasses.replace(
            series,
            first_start=changed.start,
            duration_minutes=changed.duration_minutes,
            service_code=changed.service_code,
            modifiers=changed.modifiers,
            place_of_service=changed.place_of_service,
            telehealth=changed.telehealth,
            recurrence=recurrence or series.recurrence,
            until=series.until if until == "keep" else until,
        )
        with self._db.transaction():
            if scope is SeriesScope.ALL or slot <= series.first_start.date():
                shift = changed.start.date() - slot
                template = dataclasses.replace(
                    template, first_start=datetime.combine(series.first_start.date() + shift, changed.start.time())
                )
                result = self._rewrite_series(series, template, stored, changed, when)
            else:
                result = self._split_series(series, template, stored, changed, slot, when)
        return result

    def cancel_occurrence(self, appointment_id: int, scope: SeriesScope, *, now: datetime | None = None) -> int:
        """Cancel one appointment, or it and the rest of its series, or its whole series (outcomes already
        recorded are kept); returns how many appointments were cancelled."""
        store = self._store()
        stored = store.get(appointment_id)
        if scope is SeriesScope.THIS or stored.series_id is None:
            before = stored.status
            store.set_status(appointment_id, AppointmentStatus.CANCELLED, now=now)
            return int(before is not AppointmentStatus.CANCELLED)
        series = store.get_series(stored.series_id)
        slot = stored.occurrence_date or stored.date_of_service
        cutoff = series.first_start.date() if scope is SeriesScope.ALL else min(slot, stored.date_of_service)
        with self._db.transaction():
            cancelled = store.cancel_series(stored.series_id, cutoff)
            if stored.status is AppointmentStatus.SCHEDULED and stored.date_of_service < cutoff:
                store.set_status(appointment_id, AppointmentStatus.CANCELLED, now=now)
                cancelled += 1
        return cancelled

    # -- internals -----------------------------------------------------------------------------

    def _store(self) -> ScheduleStore:
        """This object as the store it is mixed into (typed only: importing the store here would be a cycle)."""
        return cast("ScheduleStore", self)

    def _remove_remakeable(self, series_id: int, from_date: date, edited_id: int | None) -> int:
        cursor = self._db.execute(
            f"DELETE FROM appointments WHERE {_REMAKEABLE}",  # noqa: S608 - fixed fragment
            (series_id, from_date.isoformat(), edited_id),
        )
        return int(cursor.rowcount)

    def _rewrite_series(
        self,
        series: AppointmentSeries,
        template: AppointmentSeries,
        edited: Appointment,
        changed: Appointment,
        when: datetime,
    ) -> Appointment:
        """ "All": the series takes the new values; its future ordinary occurrences are re-made."""
        store = self._store()
        assert series.id is not None
        today = when.date()
        clean = template.validated(today)
        through = series_through(clean, today) if clean.until is None else clean.until
        through = max(through, series.generated_through or through)
        if clean.until is not None:
            through = min(through, clean.until)
        stamp = now_utc()
        self._db.execute(
            "UPDATE appointment_series SET recurrence = ?, first_start = ?, duration_minutes = ?, service_code = ?, "
            "modifiers = ?, place_of_service = ?, telehealth = ?, until = ?, generated_through = ?, updated_at = ? "
            "WHERE id = ?",
            (
                clean.recurrence.value,
                minute(clean.first_start),
                clean.duration_minutes,
                clean.service_code,
                modifiers_text(clean.modifiers),
                clean.place_of_service.value,
                int(clean.telehealth),
                iso(clean.until),
                through.isoformat(),
                stamp,
                series.id,
            ),
        )
        from_date = today  # the past stays as it was; the edited occurrence itself is changed below if past
        removed = self._remove_remakeable(series.id, from_date, edited.id)
        stored = dataclasses.replace(clean, id=series.id, generated_through=through)
        added = store._materialise(stored, from_date - timedelta(days=1), through)
        self._audit.record(
            "series changed",
            entity="appointment_series",
            entity_id=series.id,
            detail={"occurrences_removed": removed, "occurrences_added": added},
        )
        return self._occurrence_after(series.id, edited, changed, when)

    def _split_series(
        self,
        series: AppointmentSeries,
        template: AppointmentSeries,
        edited: Appointment,
        changed: Appointment,
        slot: date,
        when: datetime,
    ) -> Appointment:
        """ "This and following": the old series ends the day before `slot`; a new one starts at the edit."""
        store = self._store()
        assert series.id is not None
        today = when.date()
        clean = dataclasses.replace(template, id=None, generated_through=None, cancelled_from=None).validated(today)
        last_day = slot - timedelta(days=1)
        stamp = now_utc()
        removed = self._remove_remakeable(series.id, slot, edited.id)
        through = series_through(clean, today)
        new_series = store._insert_series(clean, through, stamp)
        assert new_series.id is not None
        # What stays from the old series on or after the split (outcomes, hand-made changes, linked
        # appointments) belongs to the new series as its exceptions, so no date gets a second session.
        self._db.execute(
            "UPDATE appointments SET series_id = ?, is_exception = 1, updated_at = ? "
            "WHERE series_id = ? AND date_of_service >= ?",
            (new_series.id, stamp, series.id, slot.isoformat()),
        )
        self._db.execute(
            "UPDATE appointment_series SET until = ?, generated_through = min(generated_through, ?), updated_at = ? "
            "WHERE id = ?",
            (last_day.isoformat(), last_day.isoformat(), stamp, series.id),
        )
        added = store._materialise(new_series, None, through)
        self._audit.record(
            "series split",
            entity="appointment_series",
            entity_id=series.id,
            detail={"new_series_id": new_series.id, "occurrences_removed": removed, "occurrences_added": added},
        )
        return self._occurrence_after(new_series.id, edited, changed, when)

    def _occurrence_after(
        self, series_id: int, edited: Appointment, changed: Appointment, when: datetime
    ) -> Appointment:
        """The occurrence that stands where the edited one was: itself, changed, if it had to be kept (a note
        or a charge points at it), else the one the series made at the new time."""
        store = self._store()
        assert edited.id is not None
        kept = store.by_ids([edited.id]).get(edited.id)
        if kept is not None:
            return store._change(dataclasses.replace(changed, id=edited.id), when, "appointment updated")
        row = self._db.execute(
            "SELECT id FROM appointments WHERE series_id = ? AND start = ? ORDER BY id LIMIT 1",
            (series_id, minute(changed.start)),
        ).fetchone()
        if row is None:  # the new values put no occurrence on that day (a shorter series, another weekday)
            return dataclasses.replace(changed, id=None, series_id=series_id)
        return store.get(int(row[0]))
