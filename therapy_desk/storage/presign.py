"""The facts the pre-sign check needs about a note, read from the vault (`domain/presign.py` judges them)."""

from __future__ import annotations

from datetime import date, datetime

from therapy_desk.domain.clients import ClientStatus
from therapy_desk.domain.notes import Note, NoteKind, overdue_at
from therapy_desk.domain.presign import LinkedAppointment, SigningFacts
from therapy_desk.domain.scheduling import AppointmentStatus
from therapy_desk.storage import db, measures
from therapy_desk.storage.rows import to_date


def signing_facts(database: db.Database, note: Note, now: datetime) -> SigningFacts:
    """The client's diagnoses on the date of service, the linked appointment, another signed progress
    note for it, PHQ-9 item-9 flags without follow-up, and whether signing at `now` (local time) is a late
    entry; a few indexed reads, cheap enough per signature."""
    on = None if note.date_of_service is None else note.date_of_service.isoformat()
    # An undated draft is checked against today's chart: any diagnosis not yet resolved.
    diagnosis = database.execute(
        "SELECT 1 FROM diagnoses WHERE client_id = ?1 AND (onset IS NULL OR onset <= coalesce(?2, onset)) "
        "AND (resolved IS NULL OR resolved >= coalesce(?2, '9999-12-31')) LIMIT 1",
        (note.client_id, on),
    ).fetchone()
    flags = database.execute(
        "SELECT administered_on FROM measure_results WHERE client_id = ? AND instrument = 'PHQ-9' "  # noqa: S608
        f"AND item9_flag = 1 AND followed_up_at IS NULL AND {measures.IN_USE} "  # fixed SQL: results not in error
        "AND administered_on <= coalesce(?, '9999-12-31') "
        "ORDER BY administered_on",
        (note.client_id, on),
    ).fetchall()
    client = database.execute("SELECT dob, status FROM clients WHERE id = ?", (note.client_id,)).fetchone()
    return SigningFacts(
        diagnosis_on_file=diagnosis is not None,
        appointment=_appointment(database, note.appointment_id),
        other_signed_progress_note=_other_signed_progress_note(database, note),
        open_item9_flags=tuple(date.fromisoformat(row[0]) for row in flags),
        late=overdue_at(note, now),
        client_dob=None if client is None else to_date(client[0]),
        client_discharged=client is not None and client[1] == ClientStatus.DISCHARGED.value,
    )


def _appointment(database: db.Database, appointment_id: int | None) -> LinkedAppointment | None:
    if appointment_id is None:
        return None
    row = database.execute(
        "SELECT client_id, unit_id, date_of_service, service_code, status FROM appointments WHERE id = ?",
        (appointment_id,),
    ).fetchone()
    if row is None:
        return None
    client_id, unit_id, on, code, status = row
    clients = {client_id} if client_id is not None else set()
    if unit_id is not None:  # a couple, family or group session is for each member
        members = database.execute("SELECT client_id FROM unit_members WHERE unit_id = ?", (unit_id,)).fetchall()
        clients.update(member for (member,) in members)
    return LinkedAppointment(frozenset(clients), date.fromisoformat(on), code, AppointmentStatus(status))


def _other_signed_progress_note(database: db.Database, note: Note) -> bool:
    if note.appointment_id is None or note.kind is not NoteKind.PROGRESS:
        return False
    row = database.execute(
        "SELECT 1 FROM notes WHERE appointment_id = ? AND client_id = ? AND kind = ? AND status = 'signed' "
        "AND id IS NOT ? LIMIT 1",
        (note.appointment_id, note.client_id, NoteKind.PROGRESS.value, note.id),
    ).fetchone()
    return row is not None
