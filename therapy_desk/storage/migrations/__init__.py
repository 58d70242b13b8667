"""Schema migrations: `PRAGMA user_version` is the schema version.

Each step runs in one transaction together with its version bump. A vault newer than this
app is refused; an encrypted snapshot is taken before an existing vault is migrated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from therapy_desk.errors import VaultTooNew
from therapy_desk.storage import db
from therapy_desk.storage.migrations import (
    m001_audit_log,
    m002_practice_profile,
    m003_clients,
    m004_plans,
    m005_schedule,
    m006_notes,
    m007_measures,
    m008_billing,
    m009_replace_guards,
    m010_search_content,
    m011_note_billing,
    m012_measure_details,
    m013_week_index,
    m014_ledger,
    m015_claims,
    m016_disclosures,
    m017_disposals,
)
from therapy_desk.storage.seals import record_upgrade_seals


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    # Work SQL alone cannot do, run after the statements in the same transaction.
    then: Callable[[db.Database], None] | None = None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "audit log", m001_audit_log.STATEMENTS),
    Migration(2, "practice profile and settings", m002_practice_profile.STATEMENTS),
    Migration(3, "clients, units, contacts, releases, diagnoses", m003_clients.STATEMENTS),
    Migration(4, "treatment plans", m004_plans.STATEMENTS),
    Migration(5, "schedule", m005_schedule.STATEMENTS),
    Migration(6, "notes and search", m006_notes.STATEMENTS),
    Migration(7, "measures", m007_measures.STATEMENTS),
    Migration(8, "billing", m008_billing.STATEMENTS),
    Migration(9, "no replacing sealed rows; seals recorded", m009_replace_guards.STATEMENTS, record_upgrade_seals),
    Migration(10, "search index over the notes' own text", m010_search_content.STATEMENTS),
    Migration(11, "a note's billed code, late-entry reason; snippets", m011_note_billing.STATEMENTS),
    Migration(
        12,
        "measures: partial forms, difficulty, follow-up action, in error; who cancelled",
        m012_measure_details.STATEMENTS,
    ),
    Migration(13, "the schedule's range read from one index", m013_week_index.STATEMENTS),
    Migration(14, "ledger: adjustments, write-offs, refunds, EOB posting; documents issued", m014_ledger.STATEMENTS),
    Migration(15, "insurance claims, their history and 837P batches; the CMS-1500 boxes", m015_claims.STATEMENTS),
    Migration(16, "the disclosures log", m016_disclosures.STATEMENTS),
    Migration(17, "disposal of a record after retention; the disposal log", m017_disposals.STATEMENTS),
)
CURRENT_VERSION = MIGRATIONS[-1].version


def pending(conn: db.Connection, path: Path) -> list[Migration]:
    """Steps still to apply; refuses a vault written by a newer app."""
    version = db.user_version(conn)
    if version > CURRENT_VERSION:
        raise VaultTooNew(
            f"This vault was written by a newer Therapy Desk (schema {version}; this version knows up to "
            f"{CURRENT_VERSION}). Install the newer Therapy Desk to open it; the vault was not changed."
        )
    return [m for m in MIGRATIONS if m.version > version]


def migrate(
    conn: db.Connection,
    path: Path,
    *,
    target: int = CURRENT_VERSION,
    before_first_step: Callable[[int], None] | None = None,
) -> int:
    """Apply pending steps up to `target`; returns the version reached.

    `before_first_step(from_version)` runs once before anything changes, when there is work to do.
    """
    steps = [m for m in pending(conn, path) if m.version <= target]
    if steps and before_first_step is not None:
        before_first_step(db.user_version(conn))
    for step in steps:
        with db.transaction(conn, path):
            for statement in step.statements:
                conn.execute(statement)
            if step.then is not None:
                step.then(db.Database(conn, path))
            db.set_user_version(conn, step.version)
    return db.user_version(conn)
