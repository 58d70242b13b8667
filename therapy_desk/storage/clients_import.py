"""Importing a caseload at once: part of `vault.clients` (mixed into `ClientStore`), for a CSV import
from another system (records/csv_import.py).

Each client is the one `create` would store (validated the same way before it gets here), with its
diagnoses as `add_diagnosis` stores them and a primary coverage as `add_coverage` stores it; payers named
that the vault does not have are added as `add_payer` adds them. Everything lands in one transaction,
recorded by one audit event holding counts only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from therapy_desk.domain.billing import Payer
from therapy_desk.domain.clients import sort_key
from therapy_desk.domain.csv_import import ClientImport, identity
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.clients_rows import INSERT_CLIENT, editable_values
from therapy_desk.storage.coverage import COVERAGE_FIELDS, PAYER_FIELDS, coverage_values
from therapy_desk.storage.rows import now_utc

CLIENTS_IMPORTED = "clients imported"
_INSERT_DIAGNOSIS = (
    "INSERT INTO diagnoses (client_id, code, description, rank, for_claims, created_at) VALUES (?, ?, ?, ?, 1, ?)"
)
_INSERT_COVERAGE = (
    f"INSERT INTO coverages ({', '.join(COVERAGE_FIELDS)}, created_at, updated_at) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in COVERAGE_FIELDS)}, ?, ?)"
)


@dataclass(frozen=True)
class KnownPayer:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class ImportCounts:
    clients: int
    diagnoses: int
    coverages: int
    payers_added: int


def payer_key(name: str) -> str:
    """Payers are matched by name, ignoring case and runs of spaces."""
    return " ".join(name.split()).casefold()


def _free_account(client_id: int, taken: set[str]) -> str:
    """The account number `create` would give (C000123), or with -2, -3… when a row of the file brought it."""
    account = f"C{client_id:06d}"
    suffix = 1
    while account in taken:
        suffix += 1
        account = f"C{client_id:06d}-{suffix}"
    return account


class ClientImportMixin:
    """`identities`, `account_numbers`, `payers_by_name` and `import_clients`; mixed into `ClientStore`."""

    _db: db.Database
    _audit: AuditStore

    def identities(self) -> dict[tuple[str, str, date], int]:
        """Every client's import identity (legal first and last name in any case, DOB) -> its id."""
        rows = self._db.execute("SELECT id, legal_first, legal_last, dob FROM clients").fetchall()
        return {identity(first, last, date.fromisoformat(dob)): cid for cid, first, last, dob in rows}

    def account_numbers(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT account_number FROM clients")}

    def payers_by_name(self) -> dict[str, KnownPayer]:
        """Payers by `payer_key` of their name; of several with one name, the first active one."""
        found: dict[str, KnownPayer] = {}
        for pid, name, active in self._db.execute("SELECT id, name, active FROM payers ORDER BY active DESC, id"):
            found.setdefault(payer_key(name), KnownPayer(pid, name, bool(active)))
        return found

    def import_clients(self, items: Sequence[ClientImport]) -> ImportCounts:
        """Add every client in `items` with its diagnoses and primary coverage, in one transaction, or
        none of them (`ValidationError`). Items come from `csv_import.parse_row` (already validated); a client
        already in the vault (same identity) or an account number in use is refused here again, in case the
        vault changed since the dry run. A payer is the vault's payer of that name, or added."""
        if not items:
            return ImportCounts(0, 0, 0, 0)
        now = now_utc()
        with self._db.transaction():
            existing = self.identities()
            accounts = self.account_numbers()
            seen: set[tuple[str, str, date]] = set()
            for item in items:
                if item.identity in existing or item.identity in seen:
                    raise ValidationError(
                        f"Row {item.row} is a client already in the vault or earlier in the file; nothing was "
                        "imported.",
                        "legal_last",
                    )
                seen.add(item.identity)
                given = item.client.account_number.strip()
                if given in accounts:
                    raise ValidationError(
                        f"Row {item.row}'s account number is already used by another client; nothing was imported.",
                        "account_number",
                    )
                if given:
                    accounts.add(given)
            payer_ids, added = self._payer_ids(items, now)
            first_id = self._db.next_id("clients")
            client_rows, diagnosis_rows, coverage_rows = [], [], []
            for offset, item in enumerate(items):
                client_id = first_id + offset
                account = item.client.account_number.strip() or _free_account(client_id, accounts)
                accounts.add(account)
                clean = item.client
                client_rows.append(
                    (
                        client_id,
                        account,
                        *editable_values(clean),
                        sort_key(clean.legal_last, clean.legal_first),
                        now,
                        now,
                    )
                )
                diagnosis_rows += [
                    (client_id, entry.code, entry.description, rank, now)
                    for rank, entry in enumerate(item.diagnoses, start=1)
                ]
                if item.coverage is not None:
                    coverage = dataclasses.replace(
                        item.coverage, client_id=client_id, payer_id=payer_ids[payer_key(item.payer)]
                    )
                    coverage_rows.append((*coverage_values(coverage), now, now))
            conn = self._db.conn
            conn.executemany(INSERT_CLIENT, client_rows)
            conn.executemany(_INSERT_DIAGNOSIS, diagnosis_rows)
            conn.executemany(_INSERT_COVERAGE, coverage_rows)
            counts = ImportCounts(len(client_rows), len(diagnosis_rows), len(coverage_rows), added)
            self._audit.record(CLIENTS_IMPORTED, entity="client", detail=dataclasses.asdict(counts))
        return counts

    def _payer_ids(self, items: Sequence[ClientImport], now: str) -> tuple[dict[str, int], int]:
        """`payer_key` -> id for every payer the items name, adding those the vault does not have."""
        known = self.payers_by_name()
        ids: dict[str, int] = {}
        added = 0
        for item in items:
            if not item.payer:
                continue
            key = payer_key(item.payer)
            if key in ids:
                continue
            payer = known.get(key)
            if payer is not None:
                if not payer.active:
                    raise ValidationError(
                        f"Row {item.row}'s payer is marked inactive; reactivate it under Billing first.", "payer_id"
                    )
                ids[key] = payer.id
                continue
            clean = Payer(item.payer).validated()
            cursor = self._db.execute(
                f"INSERT INTO payers ({', '.join(PAYER_FIELDS)}, created_at, updated_at) "  # noqa: S608
                f"VALUES ({', '.join('?' for _ in PAYER_FIELDS)}, ?, ?)",
                (*[getattr(clean, name) for name in PAYER_FIELDS], now, now),
            )
            ids[key] = int(cursor.lastrowid)
            added += 1
        return ids, added
