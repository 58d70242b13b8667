"""`vault.measures`: PHQ-9, GAD-7 and PCL-5 results, scored by `therapy_desk.domain.measures`.

Results are never edited; a PHQ-9 item-9 flag stays on the Today view until someone records
that they followed it up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from therapy_desk.domain.measures import Instrument, MeasureResult, Score, instrument_of, score
from therapy_desk.domain.validation import check_not_future, check_order
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.rows import iso, now_utc, to_datetime

_COLUMNS = (
    "id, client_id, instrument, administered_on, answers, total, band, flags, note_id, recorded_at, "
    "followed_up_at, followed_up_by"
)
_SELECT = f"SELECT {_COLUMNS} FROM measure_results"  # noqa: S608 - fixed column list
_MAX_LIST = 1000
# Clocks on two devices can disagree a little; a follow-up "now" should not be refused for that.
_CLOCK_SLACK = timedelta(minutes=5)


def _result_from_row(row: tuple[Any, ...]) -> MeasureResult:
    (rid, client_id, instrument, administered_on, answers, total, band, flags, note_id, recorded_at,
     followed_up_at, followed_up_by) = row  # fmt: skip
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
    )


_INSERT = (
    "INSERT INTO measure_results (id, client_id, instrument, administered_on, answers, total, band, flags, "
    "item9_flag, note_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class MeasureEntry:
    """One administration to import: what `record` takes."""

    client_id: int
    instrument: Instrument | str
    answers: tuple[int, ...]
    administered_on: date
    note_id: int | None = None


def _checked(
    instrument: Instrument | str, answers: Sequence[int], administered_on: date, note_id: int | None, today: date
) -> tuple[Instrument, Score]:
    """The checks on one administration that need no stored rows; returns the instrument and its score."""
    kind = instrument_of(instrument)
    scored = score(kind, answers)
    if not isinstance(administered_on, date) or isinstance(administered_on, datetime):
        raise ValidationError("Enter the date the measure was given.", "administered_on")
    check_not_future(administered_on, today, "administered_on", "The date the measure was given")
    if note_id is not None and (not isinstance(note_id, int) or isinstance(note_id, bool) or note_id < 1):
        raise ValidationError("The note a measure belongs to must be a saved note.", "note_id")
    return kind, scored


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
    answers: Sequence[int],
    administered_on: date,
    scored: Score,
    note_id: int | None,
    recorded_at: str,
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
    )


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
        answers: Sequence[int],
        administered_on: date,
        note_id: int | None = None,
        *,
        today: date | None = None,
    ) -> MeasureResult:
        """Score and store one administration; returns the result with its id."""
        kind, scored = _checked(instrument, answers, administered_on, note_id, today or date.today())
        recorded_at = now_utc()
        with self._db.transaction():
            client = self._db.execute("SELECT dob FROM clients WHERE id = ?", (client_id,)).fetchone()
            if client is None:
                raise ValidationError(f"There is no client with id {client_id}.", "client_id")
            _check_after_birth(client[0], administered_on)
            cursor = self._db.execute(
                _INSERT, _row(None, client_id, kind, answers, administered_on, scored, note_id, recorded_at)
            )
            result_id = int(cursor.lastrowid)
            self._audit.record(
                "measure recorded",
                entity="measure_result",
                entity_id=result_id,
                detail={"client_id": client_id, "instrument": str(kind), "flagged": scored.needs_immediate_follow_up},
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
        )

    def import_results(self, entries: Sequence[MeasureEntry], *, today: date | None = None) -> list[int]:
        """Score and store many administrations in one transaction (demo vaults, imports); returns their ids.

        Each is checked as `record` checks it; one audit event records the count and how many are flagged.
        """
        day = today or date.today()
        checked = [_checked(e.instrument, e.answers, e.administered_on, e.note_id, day) for e in entries]
        if not checked:
            return []
        recorded_at = now_utc()
        with self._db.transaction():
            ids = sorted({e.client_id for e in entries})
            births: dict[int, str] = dict(self._db.select_in("SELECT id, dob FROM clients WHERE id IN ({ids})", ids))
            first_id = self._db.next_id("measure_results")
            rows = []
            for offset, (entry, (kind, scored)) in enumerate(zip(entries, checked, strict=True)):
                if entry.client_id not in births:
                    raise ValidationError(f"There is no client with id {entry.client_id}.", "client_id")
                _check_after_birth(births[entry.client_id], entry.administered_on)
                rows.append(
                    _row(first_id + offset, entry.client_id, kind, entry.answers, entry.administered_on, scored,
                         entry.note_id, recorded_at)
                )  # fmt: skip
            self._db.conn.executemany(_INSERT, rows)
            self._audit.record(
                "measures imported",
                entity="measure_result",
                detail={"count": len(rows), "flagged": sum(1 for _, s in checked if s.needs_immediate_follow_up)},
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
        """The client's results, newest first; one instrument or all."""
        _check_limit(limit)
        where, params = self._client_filter(client_id, instrument)
        rows = self._db.execute(
            f"{_SELECT} WHERE {where} ORDER BY administered_on DESC, id DESC LIMIT ?",
            (*params, -1 if limit is None else limit),
        ).fetchall()
        self._audit_read(client_id, instrument, len(rows))
        return [_result_from_row(row) for row in rows]

    def series(self, client_id: int, instrument: Instrument | str) -> list[MeasureResult]:
        """One instrument's results for the client, oldest first (for a chart of scores over time)."""
        where, params = self._client_filter(client_id, instrument_of(instrument))
        rows = self._db.execute(
            f"{_SELECT} WHERE {where} ORDER BY administered_on, id",
            params,
        ).fetchall()
        self._audit_read(client_id, instrument, len(rows))
        return [_result_from_row(row) for row in rows]

    def latest_by_client(self, client_ids: Sequence[int], instrument: Instrument | str) -> dict[int, MeasureResult]:
        """Each listed client's most recent result on one instrument (clients without one are left out)."""
        kind = instrument_of(instrument)
        ids = sorted({int(c) for c in client_ids})
        if not ids:
            return {}
        rows = self._db.execute(
            f"{_SELECT} WHERE id IN ("  # noqa: S608 - fixed column list
            "SELECT (SELECT m.id FROM measure_results m WHERE m.client_id = c.value AND m.instrument = ? "
            "ORDER BY m.administered_on DESC, m.id DESC LIMIT 1) FROM json_each(?) c)",
            (str(kind), json.dumps(ids)),
        ).fetchall()
        self._audit.record(
            "measures read", entity="measure_result", detail={"clients": len(ids), "instrument": str(kind)}
        )
        return {row[1]: _result_from_row(row) for row in rows}

    def unreviewed_flags(self, *, limit: int = 200) -> list[MeasureResult]:
        """PHQ-9 item-9 flags nobody has followed up yet, oldest first (for the Today view)."""
        _check_limit(limit)
        rows = self._db.execute(
            f"{_SELECT} WHERE item9_flag = 1 AND followed_up_at IS NULL ORDER BY administered_on, client_id LIMIT ?",
            (limit,),
        ).fetchall()
        self._audit.record("open measure flags listed", entity="measure_result", detail={"results": len(rows)})
        return [_result_from_row(row) for row in rows]

    def mark_followed_up(self, result_id: int, when: datetime, by: str) -> MeasureResult:
        """Record who followed up a flagged result and when (once); it leaves the Today view."""
        who = by.strip() if isinstance(by, str) else ""
        if not who:
            raise ValidationError("Enter who followed up the flagged answer.", "by")
        if not isinstance(when, datetime) or when.tzinfo is None or when.utcoffset() is None:
            raise ValidationError("The follow-up time needs a date, a time and a time zone.", "when")
        at = when.astimezone(UTC)
        if at > datetime.now(UTC) + _CLOCK_SLACK:
            raise ValidationError("The follow-up time cannot be in the future.", "when")
        with self._db.transaction():
            result = self._load(result_id)
            if not result.needs_immediate_follow_up:
                raise ValidationError("This result has no flag that needs follow-up.", "result_id")
            if result.followed_up_at is not None:
                raise ValidationError("This flag has already been followed up.", "result_id")
            if at.date() < result.administered_on - timedelta(days=1):  # a day's slack for time zones
                raise ValidationError("The follow-up cannot be before the measure was given.", "when")
            self._db.execute(
                "UPDATE measure_results SET followed_up_at = ?, followed_up_by = ? WHERE id = ?",
                (at.isoformat(timespec="seconds"), who, result_id),
            )
            self._audit.record(
                "measure flag followed up",
                entity="measure_result",
                entity_id=result_id,
                detail={"client_id": result.client_id},
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
