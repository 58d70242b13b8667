"""`vault.sessions`: the day's steps that cross stores, each in one transaction, so the record drives billing.

- Signing a session note (intake or progress) linked to an appointment marks the appointment attended if
  it was still scheduled and charges it from the note (storage/billing.py `charge_for_signed_note`). If
  the charge is refused, nothing is signed: the clinician gets the sentence and the draft stays a draft.
- Marking an appointment a no-show or late cancellation charges the catalogue's missed-appointment fee
  when the setting allows and the client's coverage does (never to Medicaid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from therapy_desk.domain.billing import Charge
from therapy_desk.domain.notes import SESSION_KINDS, Note
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus, CancelledBy, as_status
from therapy_desk.storage import db
from therapy_desk.storage.billing import BillingStore
from therapy_desk.storage.notes import NoteStore
from therapy_desk.storage.schedule import ScheduleStore


@dataclass(frozen=True)
class SignedNote:
    note: Note
    charge: Charge | None  # the session's charge, when the note bills one
    sentence: str = ""  # what was done about the charge, for the status bar


@dataclass(frozen=True)
class StatusChange:
    appointment: Appointment
    charge: Charge | None  # a missed-appointment fee, when one was charged
    sentence: str  # what was done about the fee, for the status bar ('' when nothing applies)


class SessionFlows:
    def __init__(self, database: db.Database, notes: NoteStore, schedule: ScheduleStore, billing: BillingStore) -> None:
        self._db = database
        self._notes = notes
        self._schedule = schedule
        self._billing = billing

    def sign_note(self, note_id: int, signer: str, *, now: datetime | None = None) -> SignedNote:
        """Sign the draft (refused with every pre-sign error) and charge the session it documents."""
        when = now or datetime.now()
        with self._db.transaction():
            note = self._notes.sign(note_id, signer, now=when)
            if note.appointment_id is None or note.kind not in SESSION_KINDS:
                return SignedNote(note, None)
            if self._schedule.get(note.appointment_id).status is AppointmentStatus.SCHEDULED:
                self._schedule.set_status(note.appointment_id, AppointmentStatus.ATTENDED, now=when)
            charge, sentence = self._billing.charge_for_signed_note(note, today=when.date())
            return SignedNote(note, charge, sentence)

    def set_status(
        self,
        appointment_id: int,
        status: AppointmentStatus | str,
        *,
        cancelled_by: CancelledBy | None = None,
        now: datetime | None = None,
    ) -> StatusChange:
        """Change an appointment's status; a no-show or late cancellation may charge the missed fee."""
        when = now or datetime.now()
        with self._db.transaction():
            appointment = self._schedule.set_status(
                appointment_id, as_status(status), cancelled_by=cancelled_by, now=when
            )
            charge, sentence = self._billing.missed_fee_if_due(appointment_id, today=when.date())
        return StatusChange(appointment, charge, sentence)
