"""`vault check`: everything that can tell whether a vault is intact, phase by phase, read-only.

Phases, each naming what it finds in a sentence (ids and dates, never names or note text):

- database structure: SQLite's `integrity_check`, on a second connection in a thread of its own
  (SQLite runs it without Python's lock, so it overlaps the phases below on a second core);
- encryption: SQLCipher's `cipher_integrity_check`, every page's HMAC;
- triggers: every trigger the migrations define exists with their SQL, and no other;
- audit log: the hash chain, row by row;
- audit anchor: the audit head against the record kept beside the database;
- signed notes, addenda, treatment plans: each seal recomputed from the content, and matched against
  the audit event that sealed it (`storage.seals`).

Progress goes to `progress(phase, done, total)` from the calling thread: (0, 0) when a phase starts,
(done, total) as it goes (total 0: not countable), and done == total > 0 when it ends.
To cancel, raise from `progress` (the GUI's ops do): the second connection is stopped and closed,
then the exception goes on. Nothing is written, so a cancelled check leaves the vault as it was.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from therapy_desk.domain.plans import content_sha256
from therapy_desk.errors import UserError
from therapy_desk.storage import db, note_seals
from therapy_desk.storage.migrations import MIGRATIONS
from therapy_desk.storage.seals import SEALS_FROM_VERSION, SealLedger, SealRecords, read_seal_records

if TYPE_CHECKING:
    from therapy_desk.storage.vault import Vault

Progress = Callable[[str, int, int], None]

STRUCTURE, ENCRYPTION, TRIGGERS, AUDIT_LOG, AUDIT_ANCHOR, NOTES, ADDENDA, PLANS = (
    "database structure",
    "encryption",
    "triggers",
    "audit log",
    "audit anchor",
    "signed notes",
    "addenda",
    "treatment plans",
)
# In the order they report progress: the structure check runs alongside and is waited for last.
PHASES = (ENCRYPTION, TRIGGERS, AUDIT_LOG, AUDIT_ANCHOR, NOTES, ADDENDA, PLANS, STRUCTURE)
# In the order the report lists what they found.
_REPORT_ORDER = (STRUCTURE, ENCRYPTION, TRIGGERS, AUDIT_LOG, AUDIT_ANCHOR, NOTES, ADDENDA, PLANS)

# A sealed record as a seal phase sees it: id, stored seal, whether its content still matches, how a
# sentence names it, and what part of it the seal covers.
_Sealed = tuple[int, str, bool, str, str]
MAX_LISTED = 50  # problems listed per phase; a vault rewritten wholesale must not print 250,000 lines
STRUCTURE_CACHE_KIB = 128 * 1024  # integrity_check seeks every index per row: a large cache halves it
_STRUCTURE_POLL_S = 0.1
_CREATE_TRIGGER = re.compile(r"\s*CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s.*?\bON\s+(\w+)", re.I | re.S)
_DROP_TRIGGER = re.compile(r"\s*DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?(\w+)", re.I)


@dataclass(frozen=True)
class CheckReport:
    """What `vault check` found (empty `problems`: clean) and how much it verified."""

    problems: list[str] = field(default_factory=list)
    audit_rows: int = 0
    pages: int = 0
    triggers: int = 0
    notes: int = 0
    addenda: int = 0
    plans: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # per phase, for benchmarks
    disposed: int = 0  # sealed records absent on purpose: disposed of with their client after retention

    @property
    def clean(self) -> bool:
        return not self.problems


class _Found:
    """The problems of one phase: listed up to MAX_LISTED, then counted."""

    def __init__(self) -> None:
        self.listed: list[str] = []
        self.more = 0

    def add(self, problem: str) -> None:
        if len(self.listed) < MAX_LISTED:
            self.listed.append(problem)
        else:
            self.more += 1

    def extend(self, problems: Iterable[str]) -> None:
        for problem in problems:
            self.add(problem)

    def sentences(self, phase: str) -> list[str]:
        if not self.more:
            return self.listed
        return [*self.listed, f"{phase}: {self.more} more problems like these"]


def _unreadable(phase: str, err: Exception) -> str:
    # The stores turn SQLite's "malformed" into VaultDamaged; the cause names the page or row.
    return f"{phase}: could not be read ({err.__cause__ or err})"


class _StructureCheck(threading.Thread):
    """`PRAGMA integrity_check` on a connection of its own; `stop()` makes SQLite abandon it."""

    def __init__(self, vault: Vault) -> None:
        super().__init__(name="vault check: database structure", daemon=True)
        self._vault = vault
        self._halt = threading.Event()
        self.problems: list[str] = []
        self.seconds = 0.0

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        started = time.perf_counter()
        try:
            handle = self._vault.for_worker()
        except (db.DatabaseError, UserError) as err:
            self.problems.append(f"database: could not be opened for checking ({err})")
            return
        try:
            conn = handle.db.conn
            conn.execute(f"PRAGMA cache_size = -{int(STRUCTURE_CACHE_KIB)}")
            conn.set_progress_handler(lambda: 1 if self._halt.is_set() else 0, 10_000)
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            self.problems += [f"database: {r[0]}" for r in rows if r[0] != "ok"]
        except db.DatabaseError as err:
            if not self._halt.is_set():
                self.problems.append(f"database: {err}")
        finally:
            handle.close()
            self.seconds = time.perf_counter() - started


def expected_triggers(version: int) -> dict[str, tuple[str, str]]:
    """Trigger name -> (table, SQL with whitespace collapsed) as the migrations up to `version` leave them."""
    triggers: dict[str, tuple[str, str]] = {}
    for migration in MIGRATIONS:
        if migration.version > version:
            break
        for statement in migration.statements:
            if created := _CREATE_TRIGGER.match(statement):
                triggers[created[1]] = (created[2], _collapsed(statement))
            elif dropped := _DROP_TRIGGER.match(statement):
                triggers.pop(dropped[1], None)
    return triggers


def _collapsed(sql: str) -> str:
    return " ".join(sql.split())


def check_triggers(database: db.Database, version: int) -> tuple[list[str], int]:
    """Problems with the schema's triggers, and how many were found as defined."""
    expected = expected_triggers(version)
    found = {
        name: (table, _collapsed(sql or ""))
        for name, table, sql in database.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    }
    problems, verified = [], 0
    for name, (table, sql) in sorted(expected.items()):
        if name not in found:
            guards = "RAISE(ABORT" in sql.upper()
            what = "protective trigger" if guards else "trigger"
            why = ": the records it guards could be changed unnoticed" if guards else ""
            problems.append(f"the {what} {name} (on {table}) is missing{why}")
        elif found[name][1] != sql:
            problems.append(f"trigger {name} (on {table}) is not as Therapy Desk defines it: it was altered")
        else:
            verified += 1
    for name, (table, _sql) in sorted(found.items()):
        if name not in expected:
            problems.append(f"trigger {name} (on {table}) is not one Therapy Desk defines: it was added outside it")
    return problems, verified


def audit_anchor(vault: Vault) -> list[str]:
    """The audit head against the MAC'd record of it kept beside vault.db (storage/anchor.py), and the
    losses earlier opens found and recorded: history that is gone stays reported until a restore."""
    return [f"{AUDIT_LOG}: {p}" for p in (*vault.anchor_problems(), *vault.recorded_losses())]


class _Checker:
    def __init__(self, vault: Vault, progress: Progress | None) -> None:
        self.vault = vault
        self._progress = progress
        self.found = {phase: _Found() for phase in _REPORT_ORDER}
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.disposed = 0

    def tick(self, phase: str, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(phase, done, total)

    def run(self, phase: str, work: Callable[[_Found], int]) -> None:
        """One phase: its problems go to its list, its count of verified items to `counts`."""
        self.tick(phase, 0, 0)
        started = time.perf_counter()
        found = self.found[phase]
        try:
            self.counts[phase] = work(found)
        except (db.DatabaseError, UserError) as err:
            found.add(_unreadable(phase, err))
        except (ValueError, TypeError, KeyError) as err:  # rows the stores cannot read back
            found.add(f"{phase}: could not all be read (damaged records: {type(err).__name__})")
        self.seconds[phase] = time.perf_counter() - started
        checked = max(self.counts.get(phase, 0), 1)
        self.tick(phase, checked, checked)

    # -- phases --------------------------------------------------------------------------------

    def encryption(self, found: _Found) -> int:
        conn = self.vault.db.conn
        try:
            found.extend(f"encryption: {r[0]}" for r in conn.execute("PRAGMA cipher_integrity_check"))
        except db.DatabaseError as err:
            found.add(f"encryption: {err}")
        return int(conn.execute("PRAGMA page_count").fetchone()[0])

    def triggers(self, found: _Found) -> int:
        problems, verified = check_triggers(self.vault.db, self.vault.schema_version)
        found.extend(problems)
        return verified

    def audit_log(self, found: _Found) -> int:
        report = self.vault.audit.verify()
        if report.problem:
            found.add(f"audit log: {report.problem}")
        return report.rows_checked

    def audit_anchor(self, found: _Found) -> int:
        found.extend(audit_anchor(self.vault))
        return 0

    def seals(
        self, phase: str, ledger: SealLedger, count: Callable[[], int], batches: Iterator[list[_Sealed]]
    ) -> Callable[[_Found], int]:
        """A seal phase: each record's seal recomputed from its content, then matched to its audit event."""

        def work(found: _Found) -> int:
            total, done = count(), 0
            for batch in batches:
                for record_id, seal, intact, where, part in batch:
                    if not intact:
                        found.add(f"{where} was changed after it was signed: its {part} does not match its seal")
                    if reason := ledger.bind(record_id, seal):
                        found.add(f"{where} {reason}")
                done += len(batch)
                self.tick(phase, done, total)
            found.extend(ledger.finish())
            self.disposed += ledger.disposed
            return done

        return work

    def notes(self, records: SealRecords) -> Callable[[_Found], int]:
        def sealed() -> Iterator[list[_Sealed]]:
            for batch in note_seals.signed_note_seals(self.vault.db, self.vault.schema_version):
                yield [
                    (n.note_id, n.seal, n.intact, f"note {n.note_id} (client {n.client_id}, "
                     f"{n.date_of_service or 'undated'})", "content")
                    for n in batch
                ]  # fmt: skip

        ledger = SealLedger(records, "note", bindings_required=self._bindings_required)
        return self.seals(NOTES, ledger, lambda: note_seals.count_signed(self.vault.db), sealed())

    def addenda(self, records: SealRecords) -> Callable[[_Found], int]:
        def sealed() -> Iterator[list[_Sealed]]:
            for batch in note_seals.addendum_seals(self.vault.db):
                yield [
                    (a.addendum_id, a.seal, a.intact, f"addendum {a.addendum_id} to note {a.note_id} "
                     f"(client {a.client_id})", "text")
                    for a in batch
                ]  # fmt: skip

        ledger = SealLedger(records, "addendum")
        return self.seals(ADDENDA, ledger, lambda: note_seals.count_addenda(self.vault.db), sealed())

    def plans(self, records: SealRecords) -> Callable[[_Found], int]:
        def sealed() -> Iterator[list[_Sealed]]:
            for batch in self.vault.plans.sealed():
                yield [
                    (p.id or 0, p.content_sha256, content_sha256(p) == p.content_sha256,
                     f"treatment plan {p.id} (client {p.client_id}, version {p.version})", "content")
                    for p in batch
                ]  # fmt: skip

        ledger = SealLedger(records, "treatment plan", bindings_required=self._bindings_required)
        return self.seals(PLANS, ledger, self.vault.plans.count_sealed, sealed())

    @property
    def _bindings_required(self) -> bool:
        # A vault the app has not upgraded yet has no record of the seals made before schema 9.
        return self.vault.schema_version >= SEALS_FROM_VERSION

    def wait_for(self, structure: _StructureCheck) -> None:
        self.tick(STRUCTURE, 0, 0)
        while structure.is_alive():
            structure.join(_STRUCTURE_POLL_S)
            self.tick(STRUCTURE, 0, 0)  # lets the caller cancel while SQLite works
        self.found[STRUCTURE].extend(structure.problems)
        self.seconds[STRUCTURE] = structure.seconds
        self.tick(STRUCTURE, 1, 1)

    def report(self) -> CheckReport:
        problems = [p for phase in _REPORT_ORDER for p in self.found[phase].sentences(phase)]
        count = self.counts.get
        return CheckReport(
            problems,
            audit_rows=count(AUDIT_LOG, 0),
            pages=count(ENCRYPTION, 0),
            triggers=count(TRIGGERS, 0),
            notes=count(NOTES, 0),
            addenda=count(ADDENDA, 0),
            plans=count(PLANS, 0),
            seconds=dict(self.seconds),
            disposed=self.disposed,
        )


@contextlib.contextmanager
def _snapshot(database: db.Database) -> Iterator[None]:
    """One read transaction: every query inside sees the vault as it was at the first, so a note signed
    meanwhile (the app keeps working during a check) is seen with its audit event or not at all.
    Writers are not held up (WAL); the transaction writes nothing and is rolled back."""
    database.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with contextlib.suppress(db.DatabaseError):
            database.conn.execute("ROLLBACK")


def check_vault(vault: Vault, progress: Progress | None = None) -> CheckReport:
    """Run every phase on `vault` (opened for checking, or a worker's handle) and report what was found."""
    started = time.perf_counter()
    checker = _Checker(vault, progress)
    structure = _StructureCheck(vault)
    structure.start()
    try:
        checker.run(ENCRYPTION, checker.encryption)
        with _snapshot(vault.db):
            checker.run(TRIGGERS, checker.triggers)
            checker.run(AUDIT_LOG, checker.audit_log)
            checker.run(AUDIT_ANCHOR, checker.audit_anchor)
            try:
                records = read_seal_records(vault.db)
            except (db.DatabaseError, UserError) as err:
                checker.found[NOTES].add(_unreadable("seal records in the audit log", err))
            else:
                checker.found[NOTES].extend(records.disposal_problems)
                checker.run(NOTES, checker.notes(records.notes))
                checker.run(ADDENDA, checker.addenda(records.addenda))
                checker.run(PLANS, checker.plans(records.plans))
        checker.wait_for(structure)
    finally:
        structure.stop()
        structure.join()
    checker.seconds["total"] = time.perf_counter() - started
    return checker.report()
