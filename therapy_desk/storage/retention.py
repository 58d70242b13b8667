"""`vault.retention`: which records are past their retention date, and the disposal of a whole client.

The list reads, for every client, the last service (attended session, signed note, live charge), the
date of birth, status and discharge date in one query, and computes the retention date with the
practice's rules (domain.retention). `dispose` deletes every row of one client in one transaction after
writing the disposal record the guards of migration 17 look for; nothing is disposed of automatically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from therapy_desk.domain import retention as policy
from therapy_desk.domain.clients import ClientStatus
from therapy_desk.errors import UserError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.disposal import Disposal, count_rows, delete_client, disposal_from_row, sealed_records
from therapy_desk.storage.practice import PracticeStore

CLIENT_DISPOSED = "client disposed"
DISPOSABLE = (ClientStatus.DISCHARGED, ClientStatus.INACTIVE)

# One row per client: who, status, and the dates the retention date is computed from.
_LIST = """
WITH attended AS (
    SELECT client_id, min(date_of_service) AS first, max(date_of_service) AS last FROM appointments
    WHERE status = 'attended' AND client_id IS NOT NULL GROUP BY client_id
), unit_attended AS (
    SELECT m.client_id, min(a.date_of_service) AS first, max(a.date_of_service) AS last
    FROM appointments AS a JOIN unit_members AS m ON m.unit_id = a.unit_id
    WHERE a.status = 'attended' AND a.client_id IS NULL GROUP BY m.client_id
), signed AS (
    SELECT client_id, min(date_of_service) AS first, max(date_of_service) AS last FROM notes
    WHERE status = 'signed' AND client_id IS NOT NULL GROUP BY client_id
), charged AS (
    SELECT client_id, min(date_of_service) AS first, max(date_of_service) AS last FROM charges
    WHERE voided_at IS NULL GROUP BY client_id
)
SELECT c.id, c.legal_first, c.legal_middle, c.legal_last, c.preferred_name, c.account_number, c.dob, c.status,
       c.intake_date, c.discharge_date, substr(c.created_at, 1, 10),
       max(coalesce(a.last, ''), coalesce(u.last, '')), s.last, ch.last,
       min(coalesce(a.first, '9999'), coalesce(u.first, '9999'), coalesce(s.first, '9999'), coalesce(ch.first, '9999'))
FROM clients AS c
LEFT JOIN attended AS a ON a.client_id = c.id
LEFT JOIN unit_attended AS u ON u.client_id = c.id
LEFT JOIN signed AS s ON s.client_id = c.id
LEFT JOIN charged AS ch ON ch.client_id = c.id
"""


def _day(value: str | None) -> date | None:
    if not value or value == "9999":
        return None
    return date.fromisoformat(value[:10])


@dataclass(frozen=True)
class RetentionRow:
    """One client's retention: `retention_date` is the first day the record may be disposed of."""

    client_id: int
    name: str  # as the caseload lists it: last, first
    legal_name: str
    account_number: str
    dob: date | None
    status: ClientStatus
    discharge_date: date | None
    first_service: date | None
    last_service: date
    retention_date: date

    def past(self, today: date) -> bool:
        return today >= self.retention_date

    @property
    def disposable_status(self) -> bool:
        return self.status in DISPOSABLE


class RetentionStore:
    def __init__(self, database: db.Database, audit: AuditStore, practice: PracticeStore) -> None:
        self._db = database
        self._audit = audit
        self._practice = practice

    def rules(self) -> policy.RetentionRules:
        """The practice's retention rules; stored values that are not sensible numbers read as the defaults."""
        setting = self._practice.setting
        return policy.rules_from_settings(
            setting(policy.YEARS_AFTER_SERVICE), setting(policy.AGE_OF_MAJORITY), setting(policy.YEARS_AFTER_MAJORITY)
        )

    def save_rules(self, new: policy.RetentionRules) -> policy.RetentionRules:
        clean = new.validated()
        with self._db.transaction():
            self._practice.set_setting(policy.YEARS_AFTER_SERVICE, str(clean.years_after_service))
            self._practice.set_setting(policy.AGE_OF_MAJORITY, str(clean.age_of_majority))
            self._practice.set_setting(policy.YEARS_AFTER_MAJORITY, str(clean.years_after_majority))
        return clean

    def rows(self, *, client_id: int | None = None) -> list[RetentionRow]:
        """Every client's retention row (or one client's), in the caseload's name order."""
        kept = self.rules()
        where, params = ("WHERE c.id = ?", (client_id,)) if client_id is not None else ("", ())
        found = []
        for row in self._db.execute(f"{_LIST} {where} ORDER BY c.sort_name, c.id", params):
            cid, first, middle, last, preferred, account, dob_s, status, intake, discharge, created = row[:11]
            attended, signed, charged, first_service = row[11:]
            dob = _day(dob_s)
            last_service = policy.last_service(
                attended=_day(attended), signed_note=_day(signed), charge=_day(charged),
                intake=_day(intake), created=_day(created) or date.min,
            )  # fmt: skip
            found.append(
                RetentionRow(
                    int(cid),
                    f"{last}, {preferred or first}",
                    " ".join(p for p in (first, middle, last) if p),
                    str(account or ""),
                    dob,
                    ClientStatus(status),
                    _day(discharge),
                    _day(first_service),
                    last_service,
                    policy.retention_date(kept, last_service, dob),
                )
            )
        return found

    def past_retention(self, today: date) -> list[RetentionRow]:
        """The clients whose retention date has come, soonest first; nothing here is disposed of."""
        return sorted((r for r in self.rows() if r.past(today)), key=lambda r: (r.retention_date, r.name))

    def row(self, client_id: int) -> RetentionRow:
        found = self.rows(client_id=client_id)
        if not found:
            raise UserError("This client is no longer in the vault.")
        return found[0]

    def counts(self, client_id: int) -> dict[str, int]:
        """What disposing of this client would delete, rows per table (for the confirmation)."""
        return count_rows(self._db, client_id)

    def dispose(self, client_id: int, *, reason: str, today: date) -> Disposal:
        """Delete every row of this client, after their retention date, and keep the disposal record.

        Refused (a sentence) before the retention date, or unless the client is discharged or inactive.
        All or nothing, in one transaction; the audit event holds ids and counts only.
        """
        why = policy.clean_reason(reason)
        with self._db.transaction():
            row = self.row(client_id)
            if not row.disposable_status:
                raise UserError(
                    f"This client is {row.status.value}; only a discharged or inactive client's record can be "
                    "disposed of."
                )
            if not row.past(today):
                raise UserError(
                    f"This record must be kept until {row.retention_date.isoformat()} (last service "
                    f"{row.last_service.isoformat()}); it cannot be disposed of before then."
                )
            profile = self._practice.profile()
            by = ", ".join(p for p in (profile.name, profile.credentials) if p) or "the clinician"
            sealed = sealed_records(self._db, client_id)
            counts = count_rows(self._db, client_id)
            disposed_at = datetime.now(UTC).isoformat(timespec="seconds")
            cursor = self._db.execute(
                "INSERT INTO disposals (client_id, legal_name, dob, account_number, first_service, last_service, "
                "retention_date, disposed_at, method, disposed_by, reason, counts, sealed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    client_id, row.legal_name, row.dob.isoformat() if row.dob else None, row.account_number,
                    row.first_service.isoformat() if row.first_service else None, row.last_service.isoformat(),
                    row.retention_date.isoformat(), disposed_at, policy.DISPOSAL_METHOD, by, why,
                    json.dumps(counts), json.dumps(sealed, sort_keys=True),
                ),
            )  # fmt: skip
            disposal_id = int(cursor.lastrowid)
            delete_client(self._db, client_id, counts)
            self._audit.record(
                CLIENT_DISPOSED, entity="client", entity_id=client_id,
                detail={"disposal_id": disposal_id, "counts": counts},
            )  # fmt: skip
        return self.disposal(disposal_id)

    def disposal(self, disposal_id: int) -> Disposal:
        row = self._db.execute(f"{_DISPOSALS} WHERE id = ?", (disposal_id,)).fetchone()
        return disposal_from_row(row)

    def disposals(self) -> list[Disposal]:
        """The disposal log, newest first."""
        return [disposal_from_row(r) for r in self._db.execute(f"{_DISPOSALS} ORDER BY id DESC")]


_DISPOSALS = (
    "SELECT id, client_id, legal_name, dob, account_number, first_service, last_service, retention_date, "
    "disposed_at, method, disposed_by, reason, counts, sealed FROM disposals"
)
