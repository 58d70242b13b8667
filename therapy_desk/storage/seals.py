"""Seal records: the audit events that bind every signed note, addendum and signed plan to its seal.

A seal is the SHA-256 a record stores when it is signed. The audit log binds each seal, so a record
whose content and seal were both rewritten outside Therapy Desk still stands out:

- by an event of its own: "note signed" and "note addendum added" (detail `content_hash`), and from
  schema 9 on "plan signed" (detail `content_sha256`);
- else by its import batch: "notes imported" / "plans imported" carry `first_id`, `last_id`, how many
  sealed records the batch holds (`signed` notes, plan `versions`) and `seal_digest` (`domain.seals`)
  over them;
- else, for what was sealed before schema 9 without an event of its own (imports, plans), by the
  "seals recorded" event migration 9 writes, with the same digest over all of those records.

`SealLedger` checks the records of one kind, streamed in ascending id order, against those events.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from therapy_desk.domain.seals import SealDigest
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore

NOTE_SIGNED = "note signed"
ADDENDUM_ADDED = "note addendum added"
NOTES_IMPORTED = "notes imported"
PLAN_SIGNED = "plan signed"
PLANS_IMPORTED = "plans imported"
SEALS_RECORDED = "seals recorded"
CLIENT_DISPOSED = "client disposed"  # storage/retention.py: detail disposal_id, counts, seal_digest
SEALS_FROM_VERSION = 9  # the schema from which every seal is bound by an audit event
_SEAL_EVENTS = (NOTE_SIGNED, ADDENDUM_ADDED, NOTES_IMPORTED, PLAN_SIGNED, PLANS_IMPORTED, SEALS_RECORDED)
_HEX64 = re.compile(r"[0-9a-f]{64}")


_SEALED_COUNT = {"notes": "signed", "plans": "versions"}  # the detail key counting a batch's sealed records


def batch_seal_detail(first_id: int, last_id: int, digest: str) -> dict[str, Any]:
    """The detail an import event records for the batch of ids `first_id`–`last_id` it stored, beside
    its count of sealed records; `digest` is `domain.seals.seal_digest` of their (id, seal) pairs."""
    return {"first_id": first_id, "last_id": last_id, "seal_digest": digest}


@dataclass(frozen=True)
class BatchSeal:
    """One audit event binding the sealed records among ids `first_id`–`last_id` by their digest."""

    seq: int
    first_id: int
    last_id: int
    sealed: int
    digest: str
    imported: bool  # False: recorded when the vault was upgraded to schema 9


@dataclass
class SealRecords:
    """What the audit log recorded for the seals of one kind of record."""

    own: dict[int, tuple[str, int]] = field(default_factory=dict)  # record id -> (seal, audit seq)
    batches: list[BatchSeal] = field(default_factory=list)  # imports, in id order
    upgrade: BatchSeal | None = None
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (audit seq, event)
    # Records deleted with their client's record after retention (the disposal log): id -> seal.
    disposed: dict[int, str] = field(default_factory=dict)


@dataclass
class AllSealRecords:
    notes: SealRecords = field(default_factory=SealRecords)
    addenda: SealRecords = field(default_factory=SealRecords)
    plans: SealRecords = field(default_factory=SealRecords)
    # Sentences about disposal log rows no "client disposed" event binds (their records are not excused).
    disposal_problems: list[str] = field(default_factory=list)


def disposed_seal_digest(sealed: dict[str, Any]) -> str:
    """The digest the "client disposed" event records over a disposal's `sealed` ids and seals."""
    return hashlib.sha256(json.dumps(sealed, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _seal(value: object) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise ValueError("not a seal")
    return value


def _record_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("not a record id")
    number = int(value)
    if number < 1:
        raise ValueError("not a record id")
    return number


def _batch(seq: int, detail: dict[str, Any], kind: str, *, imported: bool) -> BatchSeal:
    sealed = detail[_SEALED_COUNT[kind]]
    if not isinstance(sealed, int) or isinstance(sealed, bool):
        raise ValueError("not a count")
    batch = BatchSeal(
        seq,
        _record_id(detail["first_id"]),
        _record_id(detail["last_id"]),
        sealed,
        _seal(detail["seal_digest"]),
        imported,
    )
    if batch.last_id < batch.first_id or not 0 <= batch.sealed <= batch.last_id - batch.first_id + 1:
        raise ValueError("not a batch of records")
    return batch


def _read_event(records: AllSealRecords, seq: int, event: str, entity_id: str | None, detail: dict[str, Any]) -> None:
    if event == NOTE_SIGNED:
        records.notes.own.setdefault(_record_id(entity_id), (_seal(detail["content_hash"]), seq))
    elif event == ADDENDUM_ADDED:
        records.addenda.own.setdefault(_record_id(detail["addendum_id"]), (_seal(detail["content_hash"]), seq))
    elif event == PLAN_SIGNED and "content_sha256" in detail:  # before schema 9 it recorded no seal
        records.plans.own.setdefault(_record_id(entity_id), (_seal(detail["content_sha256"]), seq))
    elif event == NOTES_IMPORTED and "seal_digest" in detail:  # before schema 9: the upgrade's record
        records.notes.batches.append(_batch(seq, detail, "notes", imported=True))
    elif event == PLANS_IMPORTED and "seal_digest" in detail:
        records.plans.batches.append(_batch(seq, detail, "plans", imported=True))
    elif event == SEALS_RECORDED:
        for kind, part in (("notes", records.notes), ("plans", records.plans)):
            if kind in detail and part.upgrade is None:
                part.upgrade = _batch(seq, detail[kind], kind, imported=False)


def read_seal_records(database: db.Database) -> AllSealRecords:
    """Every seal the audit log recorded (one scan of the log; details are small)."""
    records = AllSealRecords()
    marks = ", ".join("?" for _ in _SEAL_EVENTS)
    cursor = database.execute(
        f"SELECT seq, event, entity_id, detail FROM audit_log WHERE event IN ({marks}) ORDER BY seq",  # noqa: S608
        _SEAL_EVENTS,
    )
    while rows := cursor.fetchmany(1000):
        for seq, event, entity_id, detail_json in rows:
            try:
                detail = json.loads(detail_json)
                if not isinstance(detail, dict):
                    raise ValueError("not an object")
                _read_event(records, int(seq), event, entity_id, detail)
            except (ValueError, TypeError, KeyError, RecursionError):
                kind = records.plans if "plan" in event else records.notes
                (records.addenda if event == ADDENDUM_ADDED else kind).malformed.append((int(seq), event))
    for kind in (records.notes, records.plans):
        kind.batches.sort(key=lambda b: b.first_id)
    _read_disposed(database, records)
    return records


def _read_disposed(database: db.Database, records: AllSealRecords) -> None:
    """The sealed records the disposal log (schema 17) says were deleted with their client's record."""
    if not database.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'disposals'").fetchone():
        return
    bound: dict[int, tuple[str | None, object]] = {}
    for entity_id, detail_json in database.execute(
        "SELECT entity_id, detail FROM audit_log WHERE event = ? ORDER BY seq", (CLIENT_DISPOSED,)
    ):
        try:
            detail = json.loads(detail_json)
            bound.setdefault(_record_id(detail["disposal_id"]), (entity_id, detail.get("seal_digest")))
        except (ValueError, TypeError, KeyError, RecursionError):
            continue  # not a disposal event this check can read: its row stays unbound
    parts = {"notes": records.notes, "addenda": records.addenda, "plans": records.plans}
    for disposal_id, client_id, sealed_json in database.execute(
        "SELECT id, client_id, sealed FROM disposals ORDER BY id"
    ):
        sealed = json.loads(sealed_json)
        event = bound.get(int(disposal_id))
        if event is None or event[0] != str(client_id) or event[1] != disposed_seal_digest(sealed):
            records.disposal_problems.append(
                f"disposal {disposal_id} (client {client_id}) is not the one its audit event recorded: the disposal "
                "log was written outside Therapy Desk, and the records it lists are not taken as disposed of"
            )
            continue
        for kind, part in parts.items():
            for record_id, seal in sealed.get(kind, []):
                part.disposed[_record_id(record_id)] = _seal(seal)


class SealLedger:
    """Matches the sealed records of one kind, in ascending id order, against the events that bound them.

    `noun` names one record in sentences ("note", "addendum", "treatment plan"). With `bindings_required`
    off (a vault not yet upgraded to schema 9), a record no event binds is not a problem.
    """

    def __init__(self, records: SealRecords, noun: str, *, bindings_required: bool = True) -> None:
        self._records = records
        self._noun = noun
        self._required = bindings_required
        self._starts = [b.first_id for b in records.batches]
        self._digests: dict[int, SealDigest] = {}
        self._seen: set[int] = set()
        # Disposed records still owed to their batch's digest, per batch, in ascending id order.
        self._owed: dict[int, list[tuple[int, str]]] = {}
        self._disposed_in: dict[int, int] = {}  # batch seq -> how many of its records were disposed of
        self.disposed = 0  # disposed records the log accounts for (an event of their own or a batch)
        for record_id, seal in sorted(records.disposed.items()):
            if record_id in records.own:
                self._seen.add(record_id)
                self.disposed += 1
            elif (batch := self._batch_for(record_id)) is not None:
                self._owed.setdefault(batch.seq, []).append((record_id, seal))
                self._disposed_in[batch.seq] = self._disposed_in.get(batch.seq, 0) + 1
                self.disposed += 1

    def bind(self, record_id: int, seal: str) -> str | None:
        """Why this sealed record's stored seal is not the one the audit log bound (the end of a
        sentence that starts with the record), or None when it is."""
        own = self._records.own.get(record_id)
        if own is not None:
            self._seen.add(record_id)
            if own[0] != seal:
                return (
                    f"does not match the seal recorded when it was signed (audit event {own[1]}): "
                    "its content and seal were both replaced outside Therapy Desk"
                )
            return None
        batch = self._batch_for(record_id)
        if batch is not None:
            self._pay_owed(batch.seq, before=record_id)
            self._digests.setdefault(batch.seq, SealDigest()).add(record_id, seal)
            return None
        if self._required:
            return "is signed, but no audit event sealed it: it was added outside Therapy Desk"
        return None

    def _pay_owed(self, seq: int, before: int | None = None) -> None:
        """Add to the batch's digest the disposed records with ids below `before` (all with None)."""
        owed = self._owed.get(seq)
        if not owed:
            return
        digest = self._digests.setdefault(seq, SealDigest())
        while owed and (before is None or owed[0][0] < before):
            record_id, seal = owed.pop(0)
            if digest.last_id is None or record_id > digest.last_id:
                digest.add(record_id, seal)
        if owed and owed[0][0] == before:  # a record the log says went is still here: the live one counts
            owed.pop(0)

    def _batch_for(self, record_id: int) -> BatchSeal | None:
        at = bisect.bisect_right(self._starts, record_id) - 1
        if at >= 0 and record_id <= self._records.batches[at].last_id:
            return self._records.batches[at]
        upgrade = self._records.upgrade
        if upgrade is not None and upgrade.first_id <= record_id <= upgrade.last_id:
            return upgrade
        return None

    def finish(self) -> Iterator[str]:
        """What the records streamed so far leave unexplained: events whose record is gone, and
        batches whose digest no longer holds."""
        noun = self._noun
        for seq, event in self._records.malformed:
            yield f"audit event {seq} ({event}) does not hold a readable seal record"
        for record_id, (_seal, seq) in sorted(self._records.own.items()):
            if record_id not in self._seen:
                yield (
                    f"{noun} {record_id} was signed (audit event {seq}) but is no longer in the vault as a signed "
                    f"{noun}: it was removed or unsigned outside Therapy Desk"
                )
        batches = [*self._records.batches, *([self._records.upgrade] if self._records.upgrade else [])]
        for batch in batches:
            self._pay_owed(batch.seq)
            digest = self._digests.get(batch.seq, SealDigest())
            if digest.count != batch.sealed or digest.hexdigest() != batch.digest:
                how = "imported together as" if batch.imported else "sealed before the upgrade to schema 9 among"
                gone = self._disposed_in.get(batch.seq, 0)
                disposed = f", {gone} of them disposed of after retention" if gone else ""
                yield (
                    f"the {batch.sealed} signed {noun}s {how} {noun}s {batch.first_id}–{batch.last_id} "
                    f"(audit event {batch.seq}) no longer match their recorded seals ({digest.count} found"
                    f"{disposed}): a signed {noun} among them was changed, removed or added outside Therapy Desk"
                )


def record_upgrade_seals(database: db.Database) -> None:
    """Migration 9: bind every seal that no event of its own recorded (imported notes, plans) with one
    "seals recorded" event, so from now on `vault check` can tell each of them was there before."""
    records = read_seal_records(database)
    detail: dict[str, Any] = {}
    for kind, sql, own in (
        ("notes", "SELECT id, content_hash FROM notes WHERE status = 'signed' ORDER BY id", records.notes.own),
        ("plans", "SELECT id, content_sha256 FROM plans WHERE status <> 'draft' ORDER BY id", records.plans.own),
    ):
        seals = SealDigest()
        cursor = database.execute(sql)
        while rows := cursor.fetchmany(5000):
            for record_id, seal in rows:
                if record_id not in own:
                    seals.add(int(record_id), str(seal))
        if seals.count:
            assert seals.first_id is not None
            assert seals.last_id is not None
            detail[kind] = {
                _SEALED_COUNT[kind]: seals.count,
                **batch_seal_detail(seals.first_id, seals.last_id, seals.hexdigest()),
            }
    if detail:
        AuditStore(database).record(SEALS_RECORDED, detail=detail)
