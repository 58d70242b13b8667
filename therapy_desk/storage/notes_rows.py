"""What `vault.notes` (storage/notes.py) and bulk imports share: the notes table's columns and statements,
a note to and from its row, and new notes checked and turned into rows by `prepare_notes` (which needs no
vault, so the demo prepares them in another process)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from therapy_desk.domain.assessment import MentalStatusExam, RiskAssessment
from therapy_desk.domain.notes import (
    Addendum,
    Note,
    NoteFormat,
    NoteKind,
    NoteStatus,
    Section,
    check_signer,
    content_fields,
    fields_hash,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage.rows import to_date

COLUMNS = (  # every column, in the order `note_from_row` reads
    "id, client_id, unit_id, appointment_id, kind, format, status, date_of_service, start_time, end_time, "
    "sections, mental_status, risk, goal_ids, interventions, participants, signed_by, signed_at, content_hash, "
    "created_at, updated_at, service_code, code_reason, late_entry_reason"
)
SELECT = f"SELECT {COLUMNS} FROM notes"  # noqa: S608 - fixed column list
CONTENT = (
    "client_id",
    "unit_id",
    "appointment_id",
    "kind",
    "format",
    "date_of_service",
    "start_time",
    "end_time",
    "sections",
    "mental_status",
    "risk",
    "goal_ids",
    "interventions",
    "participants",
    "service_code",
    "code_reason",
    "late_entry_reason",
)
INSERT = (
    f"INSERT INTO notes ({', '.join(CONTENT)}, status, created_at, updated_at) "  # noqa: S608 - fixed columns
    f"VALUES ({', '.join('?' for _ in CONTENT)}, 'draft', ?, ?)"
)
UPDATE = (
    f"UPDATE notes SET {', '.join(f'{c} = ?' for c in CONTENT)}, updated_at = ? "  # noqa: S608 - fixed columns
    "WHERE id = ? AND status = 'draft'"
)
SIGN = (
    f"UPDATE notes SET {', '.join(f'{c} = ?' for c in CONTENT)}, updated_at = ?, "  # noqa: S608 - fixed columns
    "status = 'signed', signed_by = ?, signed_at = ?, content_hash = ? WHERE id = ? AND status = 'draft'"
)
IMPORT_COLUMNS = ("id", *CONTENT, "status", "signed_by", "signed_at", "content_hash", "created_at", "updated_at")
IMPORT = (
    f"INSERT INTO notes ({', '.join(IMPORT_COLUMNS)}) "  # noqa: S608 - fixed columns
    f"VALUES ({', '.join('?' for _ in IMPORT_COLUMNS)})"
)

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # compact, non-ASCII kept


def content_values(note: Note, fields: dict[str, Any] | None = None) -> list[Any]:
    """The stored content columns (in CONTENT order) of a validated note, from the values its
    signature covers (`content_fields`; pass them when already built)."""
    c = content_fields(note) if fields is None else fields
    mse, risk = c["mental_status"], c["risk"]
    return [
        c["client_id"],
        c["unit_id"],
        c["appointment_id"],
        c["kind"],
        c["format"],
        c["date_of_service"],
        c["start_time"],
        c["end_time"],
        _JSON.encode(c["sections"]),
        None if mse is None else _JSON.encode(mse),
        None if risk is None else _JSON.encode(risk),
        _JSON.encode(c["goal_ids"]),
        _JSON.encode(c["interventions"]),
        _JSON.encode(c["participants"]),
        c.get("service_code"),
        c.get("code_reason", ""),
        c.get("late_entry_reason", ""),
    ]


def _time(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)


def note_from_row(row: Sequence[Any], addenda: tuple[Addendum, ...] = ()) -> Note:
    (nid, client_id, unit_id, appointment_id, kind, fmt, status, dos, start, end, sections, mse, risk, goal_ids,
     interventions, participants, signed_by, signed_at, chash, created_at, updated_at, service_code, code_reason,
     late_entry_reason) = row  # fmt: skip
    return Note(
        id=nid,
        client_id=client_id,
        unit_id=unit_id,
        appointment_id=appointment_id,
        kind=NoteKind(kind),
        format=NoteFormat(fmt),
        status=NoteStatus(status),
        date_of_service=to_date(dos),
        start_time=_time(start),
        end_time=_time(end),
        sections=tuple(Section(name, text) for name, text in json.loads(sections)),
        mental_status=None if mse is None else MentalStatusExam.from_dict(json.loads(mse)),
        risk=None if risk is None else RiskAssessment.from_dict(json.loads(risk)),
        goal_ids=tuple(int(g) for g in json.loads(goal_ids)),
        interventions=tuple(json.loads(interventions)),
        participants=tuple(json.loads(participants)),
        service_code=service_code,
        code_reason=code_reason,
        late_entry_reason=late_entry_reason,
        signed_by=signed_by,
        signed_at=signed_at,
        content_hash=chash,
        created_at=created_at,
        updated_at=updated_at,
        addenda=addenda,
    )


@dataclass(frozen=True)
class PreparedNotes:
    """Notes checked and turned into rows by `prepare_notes`, for `NoteStore.import_prepared`.

    Each signed note's hash covers its id, so they fit only a vault whose next note id is `first_id`.
    """

    first_id: int
    rows: tuple[tuple[Any, ...], ...]  # the IMPORT columns up to the timestamps the store adds
    client_ids: frozenset[int]
    appointment_ids: frozenset[int]
    unit_members: frozenset[tuple[int, int]]  # (unit_id, client_id)
    signed: int


def prepare_notes(notes: Iterable[Note], first_id: int, *, today: date | None = None) -> PreparedNotes:
    """Check new notes for import and build their rows, numbered from `first_id`; needs no vault, so a
    large import can prepare its notes in another process while the vault writes.

    A note with status SIGNED must carry `signed_by` and `signed_at` (its original signing time); it is
    checked as `sign` would check it and gets its content hash. Any other note becomes a draft.
    """
    day = today or date.today()
    rows: list[tuple[Any, ...]] = []
    clients: set[int] = set()
    appointments: set[int] = set()
    units: set[tuple[int, int]] = set()
    signed = 0
    for note in notes:
        if note.id is not None:
            raise ValidationError("Imported notes are new notes: leave their id empty.", "id")
        if note.status is NoteStatus.SIGNED:
            _check_signed_at(note.signed_at)
            clean = note.validated_for_signing(day)
            signer = check_signer(clean.signed_by or "")
            if signer != clean.signed_by:
                clean = dataclasses.replace(clean, signed_by=signer)
            signed += 1
        else:
            clean = note.validated()
            if clean.status is not NoteStatus.DRAFT or clean.signed_by or clean.signed_at:
                clean = dataclasses.replace(clean, status=NoteStatus.DRAFT, signed_by=None, signed_at=None)
        note_id = first_id + len(rows)
        # The note's values are built once, for its hash and its stored columns alike.
        fields = content_fields(clean)
        fields["note_id"] = note_id
        digest = fields_hash(fields) if clean.is_signed else None
        rows.append(
            (note_id, *content_values(clean, fields), clean.status.value, clean.signed_by, clean.signed_at, digest)
        )
        clients.add(clean.client_id)
        if clean.appointment_id is not None:
            appointments.add(clean.appointment_id)
        if clean.unit_id is not None:
            units.add((clean.unit_id, clean.client_id))
    return PreparedNotes(first_id, tuple(rows), frozenset(clients), frozenset(appointments), frozenset(units), signed)


def _check_signed_at(value: str | None) -> None:
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        parsed = None
    if parsed is None or parsed.utcoffset() is None:
        raise ValidationError("An imported signed note needs its signing time, with its UTC offset.", "signed_at")
