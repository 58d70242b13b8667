"""`vault.measures`: PHQ-9, GAD-7 and PCL-5 results, scored by `therapy_desk.domain.measures`.

Results are never edited or deleted; a PHQ-9 item-9 flag stays on the Today view until someone records
that they followed it up (what was done, by whom, when). A result recorded by mistake is marked entered
in error with a reason, once: it stays in the chart, and leaves score history, latest scores and flags.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from therapy_desk.domain.measures import (
    Answer,
    Difficulty,
    Instrument,
    MeasureResult,
    Score,
    difficulty_of,
    instrument_of,
    score,
)
from therapy_desk.domain.validation import check_not_future, check_order
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.rows import iso, now_utc, to_datetime

_COLUMNS = (
    "id, client_id, instrument, administered_on, answers, total, band, flags, note_id, recorded_at, "
    "followed_up_at, followed_up_by, complete, difficulty, follow_up_action, entered_in_error_at, "
    "entered_in_error_reason"
)
IN_USE = "entered_in_error_at IS NULL"  # results that count: score history, latest scores, flags
_SELECT = f"SELECT {_COLUMNS} FROM measure_results"  # noqa: S608 - fixed column list
_MAX_LIST = 1000
# Clocks on two devices can disagree a little; a follow-up "now" should not be refused for that.
_CLOCK_SLACK = timedelta(minutes=5)
_MAX_TEXT = 2000  # a follow-up's action, an entered-in-error reason


def _result_from_row(row: tuple[Any, ...]) -> MeasureResult:
    (rid, client_id, instrument, administered_on, answers, total, band, flags, note_id, recorded_at,
     followed_up_at, followed_up_by, complete, difficulty, follow_up_action, entered_in_error_at,
     entered_in_error_reason) = row  # fmt: skip
    return MeasureResult(
        id=rid,
        client_id=client_id,
        instrument=Instrument(instrument),
        administered_on=date.fromisoformat(administered_on),
        answers=tuple(json.loads(answers)),
        total=total,
        band=band,
        flags=tuple(json.loads(flags)),
        note_id=note_id,
        recorded_at=to_datetime(recorded_at),
        followed_up_at=to_datetime(followed_up_at),
        followed_up_by=followed_up_by or "",
        complete=bool(complete),
        difficulty=None if difficulty is None else Difficulty(difficulty),
        follow_up_action=follow_up_action or "",
        entered_in_error_at=to_datetime(entered_in_error_at),
        entered_in_error_reason=entered_in_error_reason or "",
    )


_INSERT = (
    "INSERT INTO measure_results (id, client_id, instrument, administered_on, answers, total, band, flags, "
    "item9_flag, note_id, recorded_at, complete, difficulty) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class MeasureEntry:
    """One administration to import: what `record` takes."""

    client_id: int
    instrument: Instrument | str
    answers: tuple[Answer, ...]
    administered_on: date
    note_id: int | None = None
    difficulty: Difficulty | str | None = None


def _checked(
    instrument: Instrument | str,
    answers: Sequence[Answer],
    administered_on: date,
    note_id: int | None,
    today: date,
    difficulty: Difficulty | str | None = None,
) -> tuple[Instrument, Score, Difficulty | None]:
    """The checks on one administration that need no stored rows: the instrument, its score, the difficulty."""
    kind = instrument_of(instrument)
    scored = score(kind, answers)
    how_difficult = difficulty_of(kind, difficulty)
    if not isinstance(administered_on, date) or isinstance(administered_on, datetime):
        raise ValidationError("Enter the date the measure was given.", "administered_on")
    check_not_future(administered_on, today, "administered_on", "The date the measure was given")
    if note_id is not None and (not isinstance(note_id, int) or isinstance(note_id, bool) or note_id < 1):
        raise ValidationError("The note a measure belongs to must be a saved note.", "note_id")
    return kind, scored, how_difficult


def _check_after_birth(dob: str, administered_on: date) -> None:
    check_order(
        date.fromisoformat(dob),
        administered_on,
        "administered_on",
        "The date the measure was given",
        "the client's date of birth",
    )


def _row(
    result_id: int | None,
    client_id: int,
    kind: Instrument,
    answers: Sequence[Answer],
    administered_on: date,
    scored: Score,
    note_id: int | None,
    recorded_at: str,
    difficulty: Difficulty | None,
) -> tuple[Any, ...]:
    """`_INSERT` parameters (`result_id` None lets SQLite number the row)."""
    return (
        result_id,
        client_id,
        str(kind),
        iso(administered_on),
        json.dumps(list(answers)),
        scored.total,
        scored.band,
        json.dumps(list(scored.flags)),
        int(scored.needs_immediate_follow_up),
        note_id,
        recorded_at,
        int(scored.complete),
        None if difficulty is None else str(difficulty),
    )


def _text(value: object, field: str, missing: str) -> str:
    """A required line of text (a follow-up's action, a reason), trimmed; `missing` when empty."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError(missing, field)
    if len(text) > _MAX_TEXT:
        raise ValidationError(f"Keep it under {_MAX_TEXT} characters; {len(text)} were entered.", field)
    return text


def _moment(when: object, administered_on: date, what: str) -> datetime:
    """A time of a later write to a result: aware, not in the future, not before the measure was given."""
    if not isinstance(when, datetime) or when.tzinfo is None or when.utcoffset() is None:
        raise ValidationError(f"The {what} time needs a date, a time and a time zone.", "when")
    at = when.astimezone(UTC)
    if at > datetime.now(UTC) + _CLOCK_SLACK:
        raise ValidationError(f"The {what} time cannot be in the future.", "when")
    if at.date() < administered_on - timedelta(days=1):  # a day's slack for time zones
        raise ValidationError(f"The {what} cannot be before the measure was given.", "when")
    return at


def _check_limit(limit: int | None) -> None:
    if limit is not None and not 1 <= limit <= _MAX_LIST:
        raise ValidationError(f"Ask for between 1 and {_MAX_LIST} results at a time.", "limit")


class MeasureStore:
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    def record(
        self,
        client_id: int,
        instrument: Instrument | str,
        answers: Sequence[Answer],
        administered_on: date,
        note_id: int | None = None,
        *,
        difficulty: Difficulty | str | None = None,
        today: date | None = None,
    ) -> MeasureResult:
        """Score and store one administration; returns the result with its id.

        Unanswered items are None: the form is recorded as incomplete (the total counts the answered items).
        `difficulty` is the PHQ-9's "how difficult" answer, if given.
        """
        kind, scored, how_difficult = _checked(
            instrument, answers, administered_on, note_id, today or date.today(), difficulty
        )
        recorded_at = now_utc()
        with self._db.transaction():
            client = self._db.execute("SELECT dob FROM clients WHERE id = ?", (client_id,)).fetchone()
            if client is None:
                raise ValidationError(f"There is no client with id {client_id}.", "client_id")
            _check_after_birth(client[0], administered_on)
            cursor = self._db.execute(
                _INSERT,
                _row(None, client_id, kind, answers, administered_on, scored, note_id, recorded_at, how_difficult),
            )
            result_id = int(cursor.lastrowid)
            self._audit.record(
                "measure recorded",
                entity="measure_result",
                entity_id=result_id,
                detail={
                    "client_id": client_id,
                    "instrument": str(kind),
                    "flagged": scored.needs_immediate_follow_up,
                    "complete": scored.complete,
                },
            )
        return MeasureResult(
            id=result_id,
            client_id=client_id,
            instrument=kind,
            administered_on=administered_on,
            answers=tuple(answers),
            total=scored.total,
            band=scored.band,
            flags=scored.flags,
            note_id=note_id,
            recorded_at=to_datetime(recorded_at),
            complete=scored.complete,
            difficulty=how_difficult,
        )

    def import_results(self, entries: Sequence[MeasureEntry], *, today: date | None = None) -> list[int]:
        """Score and store many administrations in one transaction (demo vaults, imports); returns their ids.

        Each is checked as `record` checks it; one audit event records the count and how many are flagged.
        """
        day = today or date.today()
        checked = [_checked(e.instrument, e.answers, e.administered_on, e.note_id, day, e.difficulty) for e in entries]
        if not checked:
            return []
        recorded_at = now_utc()
        with self._db.transaction():
            ids = sorted({e.client_id for e in entries})
            births: dict[int, str] = dict(self._db.select_in("SELECT id, dob FROM clients WHERE id IN ({ids})", ids))
            first_id = self._db.next_id("measure_results")
            rows = []
            for offset, (entry, (kind, scored, how_difficult)) in enumerate(zip(entries, checked, strict=True)):
                if entry.client_id not in births:
                    raise ValidationError(f"There is no client with id {entry.client_id}.", "client_id")
                _check_after_birth(births[entry.client_id], entry.administered_on)
                rows.append(
                    _row(first_id + offset, entry.client_id, kind, entry.answers, entry.administered_on, scored,
                         entry.note_id, recorded_at, how_difficult)
                )  # fmt: skip
            self._db.conn.executemany(_INSERT, rows)
            self._audit.record(
                "measures imported",
                entity="measure_result",
                detail={"count": len(rows), "flagged": sum(1 for _, s, _d in checked if s.needs_immediate_follow_up)},
            )
        return [first_id + offset for offset in range(len(rows))]

    def get(self, result_id: int) -> MeasureResult:
        """One result (a chart read: audited)."""
        result = self._load(result_id)
        self._audit.record(
            "measure read", entity="measure_result", entity_id=result_id, detail={"client_id": result.client_id}
        )
        return result

    def for_client(
        self, client_id: int, instrument: Instrument | str | None = None, *, limit: int | None = None
    ) -> list[MeasureResult]:
        """The client's results, newest first; one instrument or all (those entered in error included)."""
        _check_limit(limit)
        where, params = self._client_filter(client_id, instrument)
        rows = self._db.execute(
            f"{_SELECT} WHERE {where} ORDER BY administered_on DESC, id DESC LIMIT ?",
            (*params, -1 if limit is None else limit),
        ).fetchall()
        self._audit_read(client_id, instrument, len(rows))
        return [_result_from_row(row) for row in rows]

    def series(self, client_id: int, instrument: Instrument | str) -> list[MeasureResult]:
        """One instrument's results for the client, oldest first (for a chart of scores over time); results
        entered in error are left out."""
        where, params = self._client_filter(client_id, instrument_of(instrument))
        rows = self._db.execute(
            f"{_SELECT} WHERE {where} AND {IN_USE} ORDER BY administered_on, id",
            params,
        ).fetchall()
        self._audit_read(client_id, instrument, len(rows))
        return [_result_from_row(row) for row in rows]

    def latest_by_client(self, client_ids: Sequence[int], instrument: Instrument | str) -> dict[int, MeasureResult]:
        """Each listed client's most recent result on one instrument (clients without one are left out);
        a result entered in error does not count."""
        kind = instrument_of(instrument)
        ids = sorted({int(c) for c in client_ids})
        if not ids:
            return {}
        rows = self._db.execute(
            f"{_SELECT} WHERE id IN ("  # noqa: S608 - fixed column list
            "SELECT (SELECT m.id FROM measure_results m WHERE m.client_id = c.value AND m.instrument = ? "
            f"AND {IN_USE} "
            "ORDER BY m.administered_on DESC, m.id DESC LIMIT 1) FROM json_each(?) c)",
            (str(kind), json.dumps(ids)),
        ).fetchall()
        self._audit.record(
            "measures read", entity="measure_result", detail={"clients": len(ids), "instrument": str(kind)}
        )
        return {row[1]: _result_from_row(row) for row in rows}

    def unreviewed_flags(self, *, limit: int = 200) -> list[MeasureResult]:
        """PHQ-9 item-9 flags nobody has followed up yet, oldest first (for the Today view); a result
        entered in error is not listed."""
        _check_limit(limit)
        rows = self._db.execute(
            f"{_SELECT} WHERE item9_flag = 1 AND followed_up_at IS NULL AND {IN_USE} "
            "ORDER BY administered_on, client_id LIMIT ?",
            (limit,),
        ).fetchall()
        self._audit.record("open measure flags listed", entity="measure_result", detail={"results": len(rows)})
        return [_result_from_row(row) for row in rows]

    def mark_followed_up(self, result_id: int, when: datetime, by: str, *, action: str) -> MeasureResult:
        """Record what was done about a flagged result, by whom and when (once); it leaves the Today view."""
        what = _text(action, "action", "Enter what was done to follow up the flagged answer.")
        who = _text(by, "by", "Enter who followed up the flagged answer.")
        with self._db.transaction():
            result = self._load(result_id)
            if not result.needs_immediate_follow_up:
                raise ValidationError("This result has no flag that needs follow-up.", "result_id")
            if result.followed_up_at is not None:
                raise ValidationError("This flag has already been followed up.", "result_id")
            if result.in_error:
                raise ValidationError("This result was entered in error; its flag needs no follow-up.", "result_id")
            at = _moment(when, result.administered_on, "follow-up")
            self._db.execute(
                "UPDATE measure_results SET followed_up_at = ?, followed_up_by = ?, follow_up_action = ? WHERE id = ?",
                (at.isoformat(timespec="seconds"), who, what, result_id),
            )
            self._audit.record(
                "measure flag followed up",
                entity="measure_result",
                entity_id=result_id,
                detail={"client_id": result.client_id},
            )
            return self._load(result_id)

    def mark_entered_in_error(self, result_id: int, reason: str, *, when: datetime | None = None) -> MeasureResult:
        """Mark a result entered in error, once, with the reason. It is kept (shown struck through) and
        leaves score history, latest scores and the Today view's flags."""
        why = _text(reason, "reason", "Enter why this result was entered in error.")
        with self._db.transaction():
            result = self._load(result_id)
            if result.in_error:
                raise ValidationError("This result is already marked entered in error.", "result_id")
            at = _moment(when or datetime.now(UTC), result.administered_on, "entered-in-error")
            self._db.execute(
                "UPDATE measure_results SET entered_in_error_at = ?, entered_in_error_reason = ? WHERE id = ?",
                (at.isoformat(timespec="seconds"), why, result_id),
            )
            self._audit.record(
                "measure entered in error",
                entity="measure_result",
                entity_id=result_id,
                detail={"client_id": result.client_id, "was_open_flag": result.open_flag},
            )
            return self._load(result_id)

    # -- internals -----------------------------------------------------------------------------

    def _client_filter(self, client_id: int, instrument: Instrument | str | None) -> tuple[str, tuple[Any, ...]]:
        if self._db.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone() is None:
            raise ValidationError(f"There is no client with id {client_id}.", "client_id")
        if instrument is None:
            return "client_id = ?", (client_id,)
        return "client_id = ? AND instrument = ?", (client_id, str(instrument_of(instrument)))

    def _audit_read(self, client_id: int, instrument: Instrument | str | None, count: int) -> None:
        detail: dict[str, Any] = {"results": count}
        if instrument is not None:
            detail["instrument"] = str(instrument_of(instrument))
        self._audit.record("measures read", entity="client", entity_id=client_id, detail=detail)

    def _load(self, result_id: int) -> MeasureResult:
        row = self._db.execute(f"{_SELECT} WHERE id = ?", (result_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no measure result with id {result_id}.", "result_id")
        return _result_from_row(row)
