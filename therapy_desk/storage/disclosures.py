"""`vault.disclosures`: the disclosures log (table `disclosures`, schema 16).

Rows are only ever added. The audit event names the client and the basis, never the recipient or what
went: those are the client's record, kept encrypted in the table itself."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from therapy_desk.domain.disclosures import Disclosure, DisclosureBasis
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore

DISCLOSURE_LOGGED = "disclosure logged"
_SELECT = (
    "SELECT id, client_id, disclosed_on, recipient, basis, purpose, what, release_id, psychotherapy_notes, "
    "recorded_at FROM disclosures"
)


def _row(row: tuple[Any, ...]) -> Disclosure:
    did, client_id, on, recipient, basis, purpose, what, release_id, psychotherapy, recorded = row
    return Disclosure(
        client_id=client_id,
        disclosed_on=date.fromisoformat(on),
        recipient=recipient,
        basis=DisclosureBasis(basis),
        purpose=purpose,
        what=what,
        release_id=release_id,
        psychotherapy_notes=bool(psychotherapy),
        id=did,
        recorded_at=datetime.fromisoformat(recorded),
    )


class DisclosureStore:
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    def record(self, disclosure: Disclosure, *, today: date | None = None) -> Disclosure:
        """Log one disclosure; joins the caller's transaction, so an export and its log land together."""
        clean = disclosure.validated(today or date.today())
        with self._db.transaction():
            self._check_refs(clean)
            cursor = self._db.execute(
                "INSERT INTO disclosures (client_id, disclosed_on, recipient, basis, purpose, what, release_id, "
                "psychotherapy_notes, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    clean.client_id,
                    clean.disclosed_on.isoformat(),
                    clean.recipient,
                    clean.basis.value,
                    clean.purpose,
                    clean.what,
                    clean.release_id,
                    int(clean.psychotherapy_notes),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ),
            )
            disclosure_id = int(cursor.lastrowid or 0)
            self._audit.record(
                DISCLOSURE_LOGGED,
                entity="disclosure",
                entity_id=disclosure_id,
                detail={"client_id": clean.client_id, "basis": clean.basis.value},
            )
        return self.get(disclosure_id)

    def _check_refs(self, clean: Disclosure) -> None:
        if self._db.execute("SELECT 1 FROM clients WHERE id = ?", (clean.client_id,)).fetchone() is None:
            raise ValidationError("That client is not in this vault.", "client_id")
        if clean.release_id is None:
            if clean.psychotherapy_notes:
                raise ValidationError(
                    "Psychotherapy notes go out only under a signed authorization that names them; pick it.",
                    "release_id",
                )
            return
        release = self._db.execute(
            "SELECT client_id, covers_psychotherapy_notes FROM releases WHERE id = ?", (clean.release_id,)
        ).fetchone()
        if release is None or release[0] != clean.client_id:
            raise ValidationError("That release of information is not this client's.", "release_id")
        if clean.psychotherapy_notes and not release[1]:
            raise ValidationError(
                "That release does not cover psychotherapy notes; they need an authorization that names them.",
                "release_id",
            )

    def get(self, disclosure_id: int) -> Disclosure:
        row = self._db.execute(f"{_SELECT} WHERE id = ?", (disclosure_id,)).fetchone()
        if row is None:
            raise ValidationError("That disclosure is not in this vault.", "id")
        return _row(row)

    def for_client(self, client_id: int, *, since: date | None = None, until: date | None = None) -> list[Disclosure]:
        """The client's disclosures, oldest first, within [since, until] when given."""
        rows = self._db.execute(
            f"{_SELECT} WHERE client_id = ? AND disclosed_on >= ? AND disclosed_on <= ? ORDER BY disclosed_on, id",
            (client_id, (since or date.min).isoformat(), (until or date.max).isoformat()),
        )
        return [_row(r) for r in rows]
