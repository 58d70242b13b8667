"""`vault.documents`: the documents issued (superbills, statements, estimates: what, when, to whom, the
SHA-256 of the file) and the Good Faith Estimates given to self-pay clients. Both lists are append-only;
an estimate's PDF hash is filled in once, when its PDF is written."""

from __future__ import annotations

import contextlib
import enum
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from therapy_desk.domain.billing import format_cents
from therapy_desk.domain.documents import estimate_period_end
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.rows import iso, now_utc, to_date

_SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_DETAILS = 4096
ESTIMATE_EXCEEDED_CENTS = 40_000  # the No Surprises Act's "substantially in excess": $400 or more


class DocumentKind(enum.StrEnum):
    SUPERBILL = "superbill"
    STATEMENT = "statement"
    ESTIMATE = "estimate"
    OTHER = "other"


@dataclass(frozen=True)
class IssuedDocument:
    id: int
    client_id: int | None
    kind: DocumentKind
    issued_at: datetime
    recipient: str
    file_name: str
    sha256: str
    period_from: date | None
    period_to: date | None
    pages: int
    details: dict[str, Any]


@dataclass(frozen=True)
class EstimateLine:
    service_code: str
    description: str
    quantity: int
    unit_fee_cents: int
    diagnosis_codes: tuple[str, ...] = ()

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_fee_cents


@dataclass(frozen=True)
class GoodFaithEstimate:
    id: int
    client_id: int
    issued_at: datetime
    period_from: date
    period_to: date
    lines: tuple[EstimateLine, ...]
    total_cents: int
    sha256: str | None


def _sha(value: str) -> str:
    clean = value.strip().lower()
    if not _SHA256.fullmatch(clean):
        raise ValidationError("A file's SHA-256 is 64 hexadecimal digits.", "sha256")
    return clean


def _issued_from_row(row: tuple[Any, ...]) -> IssuedDocument:
    did, client_id, kind, issued_at, recipient, file_name, sha, start, end, pages, details = row
    return IssuedDocument(
        did, client_id, DocumentKind(kind), datetime.fromisoformat(issued_at), recipient, file_name, sha,
        to_date(start), to_date(end), pages, json.loads(details),
    )  # fmt: skip


def _estimate_from_row(row: tuple[Any, ...]) -> GoodFaithEstimate:
    eid, client_id, issued_at, start, end, lines, total, sha = row
    parsed = tuple(
        EstimateLine(
            line["service_code"],
            line["description"],
            line["quantity"],
            line["unit_fee_cents"],
            tuple(line["diagnosis_codes"]),
        )
        for line in json.loads(lines)
    )
    return GoodFaithEstimate(
        eid, client_id, datetime.fromisoformat(issued_at), date.fromisoformat(start), date.fromisoformat(end),
        parsed, total, sha,
    )  # fmt: skip


_ISSUED_SELECT = (
    "SELECT id, client_id, kind, issued_at, recipient, file_name, sha256, period_from, period_to, pages, details "
    "FROM documents_issued"
)
_ESTIMATE_SELECT = (
    "SELECT id, client_id, issued_at, period_from, period_to, lines, total_cents, sha256 FROM good_faith_estimates"
)


class DocumentStore:
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    # -- documents issued ----------------------------------------------------------------------

    def issuing(self) -> contextlib.AbstractContextManager[object]:
        """One transaction around issuing a document: what is recorded inside it (an estimate, its hash, the
        document issued) is committed together, or not at all when the file cannot be written."""
        return self._db.transaction()

    def record_issued(
        self,
        client_id: int | None,
        kind: DocumentKind,
        file_name: str,
        sha256: str,
        *,
        recipient: str = "",
        pages: int = 1,
        period_from: date | None = None,
        period_to: date | None = None,
        details: dict[str, Any] | None = None,
    ) -> IssuedDocument:
        """Add a written document to the list (client_id None: a practice-wide document)."""
        kind = DocumentKind(kind)
        name = file_name.strip()
        if not name or len(name) > 255:
            raise ValidationError("The file name is required and at most 255 characters.", "file_name")
        to = " ".join(recipient.split())
        if len(to) > 200:
            raise ValidationError("The recipient is longer than 200 characters.", "recipient")
        if isinstance(pages, bool) or not isinstance(pages, int) or pages < 1:
            raise ValidationError("A document has at least one page.", "pages")
        if period_from and period_to and period_to < period_from:
            raise ValidationError("The period ends before it starts.", "period_to")
        text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True)
        if len(text) > MAX_DETAILS:
            raise ValidationError("The document's details are longer than 4 KB.", "details")
        with self._db.transaction():
            if client_id is not None and not self._db.existing_ids("clients", [client_id]):
                raise ValidationError(f"There is no client with id {client_id}.", "client_id")
            cursor = self._db.execute(
                "INSERT INTO documents_issued (client_id, kind, issued_at, recipient, file_name, sha256, period_from, "
                "period_to, pages, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (client_id, kind.value, now_utc(), to, name, _sha(sha256), iso(period_from), iso(period_to), pages,
                 text),
            )  # fmt: skip
            document_id = int(cursor.lastrowid)
            self._audit.record(
                "document issued",
                entity="document",
                entity_id=document_id,
                detail={"client_id": client_id, "kind": kind.value, "sha256": _sha(sha256)},
            )
        row = self._db.execute(f"{_ISSUED_SELECT} WHERE id = ?", (document_id,)).fetchone()
        return _issued_from_row(row)

    def issued(self, client_id: int | None) -> list[IssuedDocument]:
        """The documents issued for a client (None: the practice-wide ones), newest first."""
        rows = self._db.execute(
            f"{_ISSUED_SELECT} WHERE client_id IS ? ORDER BY issued_at DESC, id DESC", (client_id,)
        ).fetchall()
        return [_issued_from_row(r) for r in rows]

    # -- Good Faith Estimates ------------------------------------------------------------------

    def add_estimate(
        self, client_id: int, period_from: date, period_to: date, lines: list[EstimateLine]
    ) -> GoodFaithEstimate:
        """Keep a Good Faith Estimate given to a client: its period (up to 12 months) and lines."""
        if period_to < period_from:
            raise ValidationError("The estimate's period ends before it starts.", "period_to")
        if period_to > estimate_period_end(period_from):
            raise ValidationError("A Good Faith Estimate covers at most 12 months.", "period_to")
        if not lines:
            raise ValidationError("An estimate needs at least one service line.", "lines")
        for line in lines:
            if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or not 1 <= line.quantity <= 999:
                raise ValidationError("A line's quantity is a whole number from 1 to 999.", "lines")
            if not isinstance(line.unit_fee_cents, int) or line.unit_fee_cents < 0:
                raise ValidationError("A line's fee is whole cents, not negative.", "lines")
            if not line.service_code.strip() or not line.description.strip():
                raise ValidationError("Each line needs its service code and description.", "lines")
        total = sum(line.total_cents for line in lines)
        payload = json.dumps(
            [
                {
                    "service_code": line.service_code.strip(),
                    "description": line.description.strip(),
                    "quantity": line.quantity,
                    "unit_fee_cents": line.unit_fee_cents,
                    "diagnosis_codes": list(line.diagnosis_codes),
                }
                for line in lines
            ],
            ensure_ascii=False,
        )
        with self._db.transaction():
            if not self._db.existing_ids("clients", [client_id]):
                raise ValidationError(f"There is no client with id {client_id}.", "client_id")
            cursor = self._db.execute(
                "INSERT INTO good_faith_estimates (client_id, issued_at, period_from, period_to, lines, total_cents) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (client_id, now_utc(), period_from.isoformat(), period_to.isoformat(), payload, total),
            )
            estimate_id = int(cursor.lastrowid)
            self._audit.record(
                "good faith estimate given",
                entity="estimate",
                entity_id=estimate_id,
                detail={"client_id": client_id, "total_cents": total},
            )
        return self.estimate(estimate_id)

    def set_estimate_document(self, estimate_id: int, sha256: str) -> GoodFaithEstimate:
        """Record the SHA-256 of the estimate's PDF, once."""
        current = self.estimate(estimate_id)
        if current.sha256 is not None:
            raise ValidationError("This estimate's PDF was already recorded; give a new estimate instead.", "sha256")
        with self._db.transaction():
            self._db.execute("UPDATE good_faith_estimates SET sha256 = ? WHERE id = ?", (_sha(sha256), estimate_id))
            self._audit.record("good faith estimate written", entity="estimate", entity_id=estimate_id)
        return self.estimate(estimate_id)

    def estimate(self, estimate_id: int) -> GoodFaithEstimate:
        row = self._db.execute(f"{_ESTIMATE_SELECT} WHERE id = ?", (estimate_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no estimate with id {estimate_id}.", "estimate_id")
        return _estimate_from_row(row)

    def estimates(self, client_id: int) -> list[GoodFaithEstimate]:
        """The client's estimates, newest first."""
        rows = self._db.execute(
            f"{_ESTIMATE_SELECT} WHERE client_id = ? ORDER BY issued_at DESC, id DESC", (client_id,)
        ).fetchall()
        return [_estimate_from_row(r) for r in rows]

    def estimate_exceeded(self, client_id: int) -> int | None:
        """Cents by which the live charges billed in the latest estimate's period exceed it, when that is
        $400 or more; else None (also with no estimate)."""
        latest = next(iter(self.estimates(client_id)), None)
        if latest is None:
            return None
        row = self._db.execute(
            "SELECT coalesce(sum(fee_cents), 0) FROM charges WHERE client_id = ? AND voided_at IS NULL "
            "AND date_of_service BETWEEN ? AND ?",
            (client_id, latest.period_from.isoformat(), latest.period_to.isoformat()),
        ).fetchone()
        over = int(row[0]) - latest.total_cents
        return over if over >= ESTIMATE_EXCEEDED_CENTS else None

    @staticmethod
    def exceeded_sentence(over_cents: int) -> str:
        return (
            f"Billed charges run {format_cents(over_cents)} above the Good Faith Estimate; the client may dispute "
            "the bill (a difference of $400 or more)."
        )
