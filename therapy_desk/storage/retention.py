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
from therapy_desk.storage.seals import CLIENT_DISPOSED, disposed_seal_digest

DISPOSABLE = (ClientStatus.DISCHARGED, ClientStatus.INACTIVE)

# One row per client: who, status, and the dates the retention date is computed from. Each date is one
# seek in an index per client (appointments by client, status and start; notes and charges by client and
# date), so 10,000 clients are read in a fraction of a second. An appointment's `start` is the practice's
# local time ("2025-05-30T10:00"): its first ten characters are the date of service, read from the index.
_LIST = """
SELECT c.id, c.legal_first, c.legal_middle, c.legal_last, c.preferred_name, c.account_number, c.dob, c.status,
       c.intake_date, c.discharge_date, substr(c.created_at, 1, 10),
       (SELECT substr(a.start, 1, 10) FROM appointments AS a
        WHERE a.client_id = c.id AND a.status = 'attended' ORDER BY a.start DESC LIMIT 1),
       (SELECT substr(a.start, 1, 10) FROM unit_members AS m JOIN appointments AS a ON a.unit_id = m.unit_id
        WHERE m.client_id = c.id AND a.status = 'attended' ORDER BY a.start DESC LIMIT 1),
       (SELECT n.date_of_service FROM notes AS n
        WHERE n.client_id = c.id AND n.status = 'signed' ORDER BY n.date_of_service DESC LIMIT 1),
       (SELECT ch.date_of_service FROM charges AS ch
        WHERE ch.client_id = c.id AND ch.voided_at IS NULL ORDER BY ch.date_of_service DESC LIMIT 1)
FROM clients AS c
"""

# The first service of one client, for the disposal record.
_FIRST = """
SELECT min(day) FROM (
    SELECT min(date_of_service) AS day FROM appointments WHERE client_id = ?1 AND status = 'attended'
    UNION ALL SELECT min(a.date_of_service) FROM unit_members AS m JOIN appointments AS a ON a.unit_id = m.unit_id
        WHERE m.client_id = ?1 AND a.status = 'attended'
    UNION ALL SELECT min(date_of_service) FROM notes WHERE client_id = ?1 AND status = 'signed'
    UNION ALL SELECT min(date_of_service) FROM charges WHERE client_id = ?1 AND voided_at IS NULL
)
"""


def _day(value: str | None) -> date | None:
    if not value:
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
            attended, unit_attended, signed, charged = row[11:]
            dob = _day(dob_s)
            sessions = [d for d in (_day(attended), _day(unit_attended)) if d is not None]
            last_service = policy.last_service(
                attended=max(sessions, default=None), signed_note=_day(signed), charge=_day(charged),
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
            first_service = self._db.execute(_FIRST, (client_id,)).fetchone()[0]
            sealed = sealed_records(self._db, client_id)
            counts = count_rows(self._db, client_id)
            disposed_at = datetime.now(UTC).isoformat(timespec="seconds")
            cursor = self._db.execute(
                "INSERT INTO disposals (client_id, legal_name, dob, account_number, first_service, last_service, "
                "retention_date, disposed_at, method, disposed_by, reason, counts, sealed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    client_id, row.legal_name, row.dob.isoformat() if row.dob else None, row.account_number,
                    first_service, row.last_service.isoformat(),
                    row.retention_date.isoformat(), disposed_at, policy.DISPOSAL_METHOD, by, why,
                    json.dumps(counts), json.dumps(sealed, sort_keys=True),
                ),
            )  # fmt: skip
            disposal_id = int(cursor.lastrowid)
            delete_client(self._db, client_id, counts)
            self._audit.record(
                CLIENT_DISPOSED, entity="client", entity_id=client_id,
                detail={"disposal_id": disposal_id, "counts": counts, "seal_digest": disposed_seal_digest(sealed)},
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
