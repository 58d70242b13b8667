"""Every signed note's and addendum's seal, recomputed from what the vault stores, for `vault check`.

A vault holds a quarter of a million signed notes, so the common case is made fast: the canonical
JSON a seal covers (`domain.notes.canonical_content`) is spliced together from the stored columns,
which `NoteStore` writes in the same compact form (lists as they are; only the exam and risk objects
are re-encoded, for their sorted keys). Equal bytes give an equal SHA-256, so a match proves the note
intact. Only a mismatch is decided by the domain itself: the note is read back and its seal
recomputed with `content_hash`, so the verdict is always the domain's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from json.encoder import c_encode_basestring  # type: ignore[attr-defined]  # the C encoder json itself uses
from typing import Any

from therapy_desk.domain.notes import CANONICAL_VERSION, Addendum, addendum_hash, content_hash
from therapy_desk.storage import db
from therapy_desk.storage.notes_rows import COLUMNS, note_from_row

BATCH = 2000
NOTE_BILLING_VERSION = 11  # the schema that added the columns below to the notes table
_ADDED_IN_11 = "service_code, code_reason, late_entry_reason"
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class NoteSeal:
    """A signed note's stored seal and whether its content still matches it."""

    note_id: int
    client_id: int
    date_of_service: str | None
    seal: str
    intact: bool


@dataclass(frozen=True)
class AddendumSeal:
    """An addendum's stored seal and whether its text (chained to its note's seal) still matches it."""

    addendum_id: int
    note_id: int
    client_id: int
    seal: str
    intact: bool


def _text(value: str | None) -> str:
    return "null" if value is None else str(c_encode_basestring(value))


def _number(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _sorted_object(value: str | None) -> str:
    return "null" if value is None else _CANONICAL_JSON.encode(json.loads(value))


def _optional(name: str, value: str | None) -> str:
    """A sealed key added later (`OPTIONAL_SEALED`): spliced in only when set, as `content_fields` does."""
    return f'"{name}":{_text(value)},' if value else ""


def _spliced_hash(row: Sequence[Any]) -> str:
    """`content_hash` of the note in `row` (COLUMNS order) for a row written by `NoteStore`."""
    (nid, client_id, unit_id, appointment_id, kind, fmt, _status, dos, start, end, sections, mse, risk, goal_ids,
     interventions, participants, signed_by, signed_at, _hash, _created, _updated, code, code_reason,
     late_reason) = row  # fmt: skip
    text = (
        f'{{"appointment_id":{_number(appointment_id)},"client_id":{_number(client_id)},'
        f"{_optional('code_reason', code_reason)}"
        f'"date_of_service":{_text(dos)},"end_time":{_text(end)},"format":{_text(fmt)},"goal_ids":{goal_ids},'
        f'"interventions":{interventions},"kind":{_text(kind)},{_optional("late_entry_reason", late_reason)}'
        f'"mental_status":{_sorted_object(mse)},'
        f'"note_id":{_number(nid)},"participants":{participants},"risk":{_sorted_object(risk)},'
        f'"sections":{sections},{_optional("service_code", code)}"signed_at":{_text(signed_at)},'
        f'"signed_by":{_text(signed_by)},'
        f'"start_time":{_text(start)},"unit_id":{_number(unit_id)},"version":{CANONICAL_VERSION}}}'
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _intact(row: Sequence[Any]) -> bool:
    seal = str(row[18])
    try:
        if _spliced_hash(row) == seal:
            return True
        return content_hash(note_from_row(row)) == seal
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return False  # content the app cannot even read back is not what was signed


def count_signed(database: db.Database) -> int:
    return int(database.execute("SELECT count(*) FROM notes WHERE status = 'signed'").fetchone()[0])


def signed_note_seals(database: db.Database, schema_version: int) -> Iterator[list[NoteSeal]]:
    """Every signed note's seal, in batches, in ascending note id order. A vault not yet upgraded to
    schema 11 (a check before opening it) has none of the columns it added: they read as unset."""
    columns = COLUMNS if schema_version >= NOTE_BILLING_VERSION else COLUMNS.replace(_ADDED_IN_11, "NULL, '', ''")
    cursor = database.execute(f"SELECT {columns} FROM notes WHERE status = 'signed' ORDER BY id")  # noqa: S608
    while rows := cursor.fetchmany(BATCH):
        yield [NoteSeal(row[0], row[1], row[7], str(row[18]), _intact(row)) for row in rows]


def count_addenda(database: db.Database) -> int:
    return int(database.execute("SELECT count(*) FROM note_addenda").fetchone()[0])


def addendum_seals(database: db.Database) -> Iterator[list[AddendumSeal]]:
    """Every addendum's seal, in batches, in ascending addendum id order. An addendum's seal is chained
    to its note's stored seal (a note that lost its seal leaves its addenda unmatched)."""
    cursor = database.execute(
        "SELECT a.id, a.note_id, a.text, a.signed_by, a.signed_at, a.content_hash, n.client_id, n.content_hash "
        "FROM note_addenda AS a LEFT JOIN notes AS n ON n.id = a.note_id ORDER BY a.id"
    )
    while rows := cursor.fetchmany(BATCH):
        batch = []
        for aid, note_id, text, signed_by, signed_at, seal, client_id, note_seal in rows:
            try:
                addendum = Addendum(note_id, text, signed_by, signed_at, seal, aid)
                intact = note_seal is not None and addendum_hash(addendum, note_seal) == seal
            except (ValueError, TypeError):
                intact = False
            batch.append(AddendumSeal(aid, note_id, client_id, str(seal), intact))
        yield batch
