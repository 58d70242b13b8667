"""`vault.notes`: clinical notes (drafts, signing, addenda) and psychotherapy notes kept apart.

Signed notes are immutable twice over: this store refuses to change them, and triggers in the
schema (m006) abort any UPDATE or DELETE of a signed note or of an addendum.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from therapy_desk.domain.notes import (
    SIGNED_NOTE_MESSAGE,
    Addendum,
    Note,
    NoteStatus,
    ProcessNote,
    SignatureCheck,
    addendum_hash,
    canonical_content,
    check_signer,
    clean_addendum_text,
    content_hash,
    seal_check,
)
from therapy_desk.domain.presign import Finding, Level, Rule, presign_findings, refusal
from therapy_desk.domain.seals import seal_digest
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.notes_rows import (
    IMPORT,
    INSERT,
    SELECT,
    SIGN,
    UPDATE,
    PreparedNotes,
    content_values,
    note_from_row,
    prepare_notes,
)
from therapy_desk.storage.presign import signing_facts
from therapy_desk.storage.rows import iso, now_utc, to_date
from therapy_desk.storage.seals import ADDENDUM_ADDED, NOTE_SIGNED, NOTES_IMPORTED, batch_seal_detail
from therapy_desk.storage.search import bulk_note_index

MAX_PAGE = 500

# Undated drafts sort by the day they were started; this expression matches the notes_unsigned index.
_DRAFT_AGE = "coalesce(date_of_service, substr(created_at, 1, 10))"
_PROCESS_SELECT = "SELECT id, client_id, date_of_service, text, created_at, updated_at FROM psychotherapy_notes"


@dataclass(frozen=True)
class NoteExport:
    """What a chart copy may contain: signed notes (with addenda) oldest first, and psychotherapy
    notes only when explicitly included against a release that covers them."""

    client_id: int
    notes: tuple[Note, ...]
    psychotherapy_notes: tuple[ProcessNote, ...] = ()
    release_id: int | None = None


def _process_from_row(row: Sequence[Any]) -> ProcessNote:
    pid, client_id, dos, text, created_at, updated_at = row
    return ProcessNote(
        id=pid, client_id=client_id, date_of_service=to_date(dos), text=text, created_at=created_at,
        updated_at=updated_at,
    )  # fmt: skip


def _check_page(limit: int, offset: int = 0) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"Ask for 1 to {MAX_PAGE} notes at a time.", "limit")
    if offset < 0:
        raise ValidationError("The offset cannot be negative.", "offset")


class NoteStore:
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    # -- drafts --------------------------------------------------------------------------------

    def save_draft(self, note: Note) -> Note:
        """Create the draft (no id) or update it; an unchanged draft is not written again.

        Cheap enough for the editor to call on every autosave. A signed note is refused.
        """
        clean = note.validated()
        with self._db.transaction():
            self._check_links(clean)
            if clean.id is None:
                now = now_utc()
                cursor = self._db.execute(INSERT, (*content_values(clean), now, now))
                note_id = int(cursor.lastrowid)
                self._audit.record(
                    "note created", entity="note", entity_id=note_id, detail={"client_id": clean.client_id}
                )
                return self._get(note_id)
            current = self._get(clean.id)
            if current.is_signed:
                raise ValidationError(SIGNED_NOTE_MESSAGE, "id")
            if _same_content(current, clean):
                return current
            self._db.execute(UPDATE, (*content_values(clean), now_utc(), clean.id))
            self._audit.record(
                "note draft saved", entity="note", entity_id=clean.id, detail={"client_id": clean.client_id}
            )
            return self._get(clean.id)

    def discard_draft(self, note_id: int) -> None:
        """Delete a draft for good. Signed notes are never deleted."""
        with self._db.transaction():
            current = self._get(note_id)
            if current.is_signed:
                raise ValidationError(SIGNED_NOTE_MESSAGE, "id")
            self._db.execute("DELETE FROM notes WHERE id = ? AND status = 'draft'", (note_id,))
            self._audit.record(
                "note draft discarded", entity="note", entity_id=note_id, detail={"client_id": current.client_id}
            )

    def import_notes(self, notes: Iterable[Note], *, today: date | None = None) -> list[int]:
        """Add many notes in one transaction (demo vaults, imports from another system); returns their ids.

        A note with status SIGNED must carry `signed_by` and `signed_at` (its original signing time);
        it is checked as `sign` would check it and stored with its content hash. Addenda are not
        imported. One audit event records the count. Rows go in batches of one statement each, which
        keeps the search index's triggers cheap.
        """
        with self._db.transaction():
            prepared = prepare_notes(notes, self._db.next_id("notes"), today=today)
            return self.import_prepared(prepared)

    def import_prepared(self, prepared: PreparedNotes) -> list[int]:
        """Store notes `prepare_notes` checked (perhaps in another process); returns their ids.

        Refused unless the vault's next note id is still the `first_id` they were prepared for, since
        each signed note's hash covers its id.
        """
        if not prepared.rows:
            return []
        now = now_utc()
        with self._db.transaction():
            if self._db.next_id("notes") != prepared.first_id:
                raise ValidationError(
                    "These notes were prepared for other note numbers; prepare them again.", "first_id"
                )
            self._check_links_bulk(prepared.client_ids, prepared.appointment_ids, prepared.unit_members)
            with bulk_note_index(self._db, prepared.first_id):
                self._db.conn.executemany(IMPORT, [(*row, now, now) for row in prepared.rows])
            # One event seals the batch: `vault check` recomputes this digest of its signed notes' seals.
            digest = seal_digest((row[0], row[-1]) for row in prepared.rows if row[-1] is not None)
            last_id = prepared.first_id + len(prepared.rows) - 1
            self._audit.record(
                NOTES_IMPORTED,
                entity="note",
                detail={
                    "count": len(prepared.rows),
                    "signed": prepared.signed,
                    **batch_seal_detail(prepared.first_id, last_id, digest),
                },
            )
        return [prepared.first_id + offset for offset in range(len(prepared.rows))]

    # -- signing -------------------------------------------------------------------------------

    def presign_check(self, note_id: int, *, now: datetime | None = None) -> list[Finding]:
        """What signing this draft at `now` (local time) would refuse (errors) or point out (warnings),
        errors first. A missing part `sign` asks for (a section, the times) is the first error."""
        when = now or datetime.now()
        with self._db.transaction():
            current = self._get(note_id)
            if current.is_signed:
                raise ValidationError(SIGNED_NOTE_MESSAGE, "id")
            try:
                checked = current.validated_for_signing(when.date())
            except ValidationError as err:
                return [
                    Finding(Level.ERROR, Rule.COMPLETE, str(err)),
                    *presign_findings(current, signing_facts(self._db, current, when)),
                ]
            return presign_findings(checked, signing_facts(self._db, checked, when))

    def sign(self, note_id: int, signer: str, *, now: datetime | None = None) -> Note:
        """Sign a draft at `now` (local time): records signer, UTC time and the SHA-256 of its canonical
        content; it is then immutable.

        Refused, with every error of the pre-sign check one per line, when that check finds any (a note
        signed more than 72 hours after its session needs its late-entry reason, for one)."""
        name = check_signer(signer)
        when = now or datetime.now()
        with self._db.transaction():
            current = self._get(note_id)
            if current.is_signed:
                raise ValidationError(SIGNED_NOTE_MESSAGE, "id")
            clean = current.validated_for_signing(when.date())
            refused = refusal(presign_findings(clean, signing_facts(self._db, clean, when)))
            if refused is not None:
                raise ValidationError(refused, "presign")
            signed = dataclasses.replace(clean, status=NoteStatus.SIGNED, signed_by=name, signed_at=now_utc())
            digest = content_hash(signed)
            # The content is written again in its checked form, so what is stored is what was hashed.
            self._db.execute(
                SIGN, (*content_values(signed), now_utc(), signed.signed_by, signed.signed_at, digest, note_id)
            )
            self._audit.record(
                NOTE_SIGNED,
                entity="note",
                entity_id=note_id,
                detail={"client_id": current.client_id, "content_hash": digest},
            )
            return self._get(note_id)

    def add_addendum(self, note_id: int, text: str, signer: str) -> Addendum:
        """Add a signed addendum to a signed note (the only change a signed note takes)."""
        body = clean_addendum_text(text)
        name = check_signer(signer)
        with self._db.transaction():
            note = self._get(note_id)
            if not note.is_signed or note.content_hash is None:
                raise ValidationError("Only a signed note takes addenda; edit the draft instead.", "note_id")
            addendum = Addendum(note_id=note_id, text=body, signed_by=name, signed_at=now_utc(), content_hash="")
            addendum = dataclasses.replace(addendum, content_hash=addendum_hash(addendum, note.content_hash))
            cursor = self._db.execute(
                "INSERT INTO note_addenda (note_id, text, signed_by, signed_at, content_hash) VALUES (?, ?, ?, ?, ?)",
                (note_id, addendum.text, addendum.signed_by, addendum.signed_at, addendum.content_hash),
            )
            addendum = dataclasses.replace(addendum, id=int(cursor.lastrowid))
            self._audit.record(
                ADDENDUM_ADDED,
                entity="note",
                entity_id=note_id,
                detail={"client_id": note.client_id, "addendum_id": addendum.id, "content_hash": addendum.content_hash},
            )
            return addendum

    def verify_signature(self, note_id: int) -> SignatureCheck:
        """Recompute the hashes of a signed note and its addenda against what was stored at signing."""
        note = self._get(note_id)
        if not note.is_signed:
            raise ValidationError("This note is a draft; only a signed note has a signature to check.", "note_id")
        return seal_check(note)

    # -- reading -------------------------------------------------------------------------------

    def get(self, note_id: int) -> Note:
        """One note with its addenda; the read is recorded in the audit log."""
        with self._db.transaction():
            note = self._get(note_id)
            self._audit.record("note read", entity="note", entity_id=note_id, detail={"client_id": note.client_id})
        return note

    def for_client(self, client_id: int, limit: int = 20, offset: int = 0) -> list[Note]:
        """A client's notes, newest date of service first (drafts and signed; never psychotherapy notes).

        Not audited per page: the chart view records one chart read when it opens.
        """
        _check_page(limit, offset)
        rows = self._db.execute(
            f"{SELECT} WHERE client_id = ? ORDER BY date_of_service DESC, id DESC LIMIT ? OFFSET ?",
            (client_id, limit, offset),
        ).fetchall()
        return self._with_addenda(rows)

    def listing(self, client_id: int, *, drafts_only: bool = False) -> list[Note]:
        """Every note of a client, newest date of service first, for a list of them (never psychotherapy
        notes): one audited read, and a sentence when there is no such client."""
        drafts = " AND status = 'draft'" if drafts_only else ""
        with self._db.transaction():
            self._check_client(client_id)
            rows = self._db.execute(
                f"{SELECT} WHERE client_id = ?{drafts} ORDER BY date_of_service DESC, id DESC", (client_id,)
            ).fetchall()
            notes = self._with_addenda(rows)
            self._audit.record("notes listed", entity="client", entity_id=client_id, detail={"notes": len(notes)})
        return notes

    def count_for_client(self, client_id: int) -> int:
        return int(self._db.execute("SELECT count(*) FROM notes WHERE client_id = ?", (client_id,)).fetchone()[0])

    def for_appointment(self, appointment_id: int) -> list[Note]:
        """The notes written for one appointment (a group session has one per member)."""
        rows = self._db.execute(f"{SELECT} WHERE appointment_id = ? ORDER BY id", (appointment_id,)).fetchall()
        return self._with_addenda(rows)

    def unsigned(self, limit: int = 50) -> list[Note]:
        """Drafts across the caseload, oldest date of service first (undated drafts by the day started)."""
        _check_page(limit)
        rows = self._db.execute(
            f"{SELECT} WHERE status = 'draft' ORDER BY {_DRAFT_AGE}, id LIMIT ?", (limit,)
        ).fetchall()
        return [note_from_row(row) for row in rows]

    def unsigned_count_by_client(self, client_ids: Sequence[int]) -> dict[int, int]:
        """Unsigned (draft) note count per client; every asked-for client appears, with 0 when none."""
        counts = dict.fromkeys(client_ids, 0)
        rows = self._db.select_in(
            "SELECT client_id, count(*) FROM notes WHERE status = 'draft' AND client_id IN ({ids}) GROUP BY client_id",
            list(counts),
        )
        counts.update({int(cid): int(n) for cid, n in rows})
        return counts

    def for_export(
        self, client_id: int, *, include_psychotherapy_notes: bool = False, release_id: int | None = None,
        on: date | None = None,
    ) -> NoteExport:  # fmt: skip
        """The signed notes a chart copy holds, oldest first. Psychotherapy notes only when explicitly
        included against release `release_id`, which must be this client's, active, and cover them."""
        with self._db.transaction():
            self._check_client(client_id)
            if include_psychotherapy_notes:
                self._check_release(client_id, release_id, on or date.today())
            rows = self._db.execute(
                f"{SELECT} WHERE client_id = ? AND status = 'signed' ORDER BY date_of_service, id", (client_id,)
            ).fetchall()
            notes = tuple(self._with_addenda(rows))
            process: tuple[ProcessNote, ...] = ()
            if include_psychotherapy_notes:
                process = tuple(self._process_for_client(client_id))
            detail: dict[str, Any] = {"notes": len(notes)}
            if include_psychotherapy_notes:
                detail |= {"psychotherapy_notes": len(process), "release_id": release_id}
            self._audit.record("notes read for export", entity="client", entity_id=client_id, detail=detail)
        return NoteExport(client_id, notes, process, release_id if include_psychotherapy_notes else None)

    # -- psychotherapy notes -------------------------------------------------------------------

    def save_process_note(self, process_note: ProcessNote) -> ProcessNote:
        """Create or update a psychotherapy note. These stay out of search, listings and exports."""
        clean = process_note.validated()
        if not clean.text:
            raise ValidationError("A psychotherapy note needs some text.", "text")
        now = now_utc()
        with self._db.transaction():
            self._check_client(clean.client_id)
            if clean.id is None:
                cursor = self._db.execute(
                    "INSERT INTO psychotherapy_notes (client_id, date_of_service, text, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (clean.client_id, iso(clean.date_of_service), clean.text, now, now),
                )
                pid = int(cursor.lastrowid)
                event = "psychotherapy note created"
            else:
                pid = clean.id
                changed = self._db.execute(
                    "UPDATE psychotherapy_notes SET client_id = ?, date_of_service = ?, text = ?, updated_at = ? "
                    "WHERE id = ?",
                    (clean.client_id, iso(clean.date_of_service), clean.text, now, pid),
                ).rowcount
                if changed != 1:
                    raise ValidationError(f"There is no psychotherapy note with id {pid}.", "id")
                event = "psychotherapy note updated"
            self._audit.record(event, entity="psychotherapy_note", entity_id=pid, detail={"client_id": clean.client_id})
            row = self._db.execute(f"{_PROCESS_SELECT} WHERE id = ?", (pid,)).fetchone()
        return _process_from_row(row)

    def process_notes(self, client_id: int) -> list[ProcessNote]:
        """A client's psychotherapy notes, newest first; the access is recorded in the audit log."""
        with self._db.transaction():
            notes = self._process_for_client(client_id)
            self._audit.record(
                "psychotherapy notes read", entity="client", entity_id=client_id, detail={"count": len(notes)}
            )
        return notes

    def get_process_note(self, process_note_id: int) -> ProcessNote:
        with self._db.transaction():
            row = self._db.execute(f"{_PROCESS_SELECT} WHERE id = ?", (process_note_id,)).fetchone()
            if row is None:
                raise ValidationError(f"There is no psychotherapy note with id {process_note_id}.", "id")
            note = _process_from_row(row)
            self._audit.record(
                "psychotherapy note read",
                entity="psychotherapy_note",
                entity_id=process_note_id,
                detail={"client_id": note.client_id},
            )
        return note

    # -- internals -----------------------------------------------------------------------------

    def _get(self, note_id: int) -> Note:
        row = self._db.execute(f"{SELECT} WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no note with id {note_id}.", "note_id")
        return self._with_addenda([row])[0]

    def _with_addenda(self, rows: Sequence[Sequence[Any]]) -> list[Note]:
        signed_ids = [row[0] for row in rows if row[6] == NoteStatus.SIGNED.value]
        addenda: dict[int, list[Addendum]] = {}
        for aid, note_id, text, signed_by, signed_at, chash in self._db.select_in(
            "SELECT id, note_id, text, signed_by, signed_at, content_hash FROM note_addenda "
            "WHERE note_id IN ({ids}) ORDER BY note_id, id",
            signed_ids,
        ):
            addenda.setdefault(note_id, []).append(Addendum(note_id, text, signed_by, signed_at, chash, aid))
        return [note_from_row(row, tuple(addenda.get(row[0], ()))) for row in rows]

    def _process_for_client(self, client_id: int) -> list[ProcessNote]:
        rows = self._db.execute(
            f"{_PROCESS_SELECT} WHERE client_id = ? ORDER BY date_of_service DESC, id DESC", (client_id,)
        ).fetchall()
        return [_process_from_row(row) for row in rows]

    def _check_client(self, client_id: int) -> None:
        if self._db.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone() is None:
            raise ValidationError(f"There is no client with id {client_id}.", "client_id")

    def _check_links(self, note: Note) -> None:
        self._check_client(note.client_id)
        if (
            note.unit_id is not None
            and self._db.execute(
                "SELECT 1 FROM unit_members WHERE unit_id = ? AND client_id = ?", (note.unit_id, note.client_id)
            ).fetchone()
            is None
        ):
            raise ValidationError(f"The client is not a member of unit {note.unit_id}.", "unit_id")
        if (
            note.appointment_id is not None
            and self._db.execute("SELECT 1 FROM appointments WHERE id = ?", (note.appointment_id,)).fetchone() is None
        ):
            raise ValidationError(f"There is no appointment with id {note.appointment_id}.", "appointment_id")

    def _check_links_bulk(
        self, client_ids: Iterable[int], appointment_ids: Iterable[int], unit_members: Iterable[tuple[int, int]]
    ) -> None:
        for table, ids, field_name, label in (
            ("clients", sorted(client_ids), "client_id", "client"),
            ("appointments", sorted(appointment_ids), "appointment_id", "appointment"),
        ):
            missing = set(ids) - self._db.existing_ids(table, ids)
            if missing:
                raise ValidationError(f"There is no {label} with id {min(missing)}.", field_name)
        for unit_id, client_id in sorted(unit_members):
            self._check_links(Note(client_id=client_id, unit_id=unit_id))

    def _check_release(self, client_id: int, release_id: int | None, on: date) -> None:
        if release_id is None:
            raise ValidationError(
                "Psychotherapy notes are only released against a signed authorization: choose the release.",
                "release_id",
            )
        row = self._db.execute(
            "SELECT client_id, covers_psychotherapy_notes, signed_on, expires_on, revoked_on FROM releases "
            "WHERE id = ?",
            (release_id,),
        ).fetchone()
        if row is None or row[0] != client_id:
            raise ValidationError("That release of information is not this client's.", "release_id")
        _, covers, signed_on, expires_on, revoked_on = row
        if not covers:
            raise ValidationError("That release does not cover psychotherapy notes.", "release_id")
        signed, expires, revoked = to_date(signed_on), to_date(expires_on), to_date(revoked_on)
        if (
            (signed is not None and on < signed)
            or (expires is not None and on > expires)
            or (revoked is not None and revoked <= on)
        ):
            raise ValidationError("That release is not in force (expired, revoked or not yet signed).", "release_id")


def _same_content(current: Note, clean: Note) -> bool:
    """Whether saving `clean` would change nothing a reader could see."""
    return canonical_content(current) == canonical_content(dataclasses.replace(clean, signed_by=None, signed_at=None))
