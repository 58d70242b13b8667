"""Step 17: the disposal of a whole client's record after retention, and the log that keeps it.

`disposals` keeps one row per client whose record was deleted once its retention period ended: who they
were (name, date of birth, account number), the first and last service, the retention date, when, how and
by whom, the reason or authority typed, how many rows of each table went (`counts`), and the ids and seals
of the signed notes, addenda and plans that went (`sealed`), so `vault check` can tell them from records
removed outside Therapy Desk. A row is never edited nor deleted.

The guards that keep signed and financial records from being deleted are redefined to let a delete
through only for a client who has a row in `disposals` (an addendum: only one the disposal lists); every
other delete is refused as before.
"""

from __future__ import annotations

_DISPOSED = "SELECT 1 FROM disposals WHERE client_id = {client}"


def _guard(name: str, table: str, message: str, client: str, when: str = "") -> tuple[str, str]:
    """Drop the guard `name` and create it again, passing deletes of a disposed client's rows."""
    condition = f"{when} AND " if when else ""
    return (
        f"DROP TRIGGER {name}",
        f"""
    CREATE TRIGGER {name} BEFORE DELETE ON {table}
    WHEN {condition}NOT EXISTS ({_DISPOSED.format(client=client)})
    BEGIN
        SELECT RAISE(ABORT, '{message}');
    END
    """,
    )


def _of(table: str, key: str) -> str:
    return f"(SELECT client_id FROM {table} WHERE id = OLD.{key})"  # noqa: S608


_PLAN_LOCKED = "a signed treatment plan cannot be changed; revise it instead"
_PLAN_DRAFT = "(SELECT status FROM plans WHERE id = OLD.plan_id) IS NOT 'draft'"

# Deleting a parent row makes SQLite look for its children by each foreign key: these keys had no index
# of their own, so a disposal would scan the whole child table once per row deleted.
_FOREIGN_KEY_INDEXES = (
    ("charges", "appointment_id"),
    ("eob_lines", "payment_id"),
    ("claims", "original_claim_id"),
    ("claims", "coverage_id"),
    ("claims", "referring_contact_id"),
    ("releases", "contact_id"),
    ("disclosures", "release_id"),
)

STATEMENTS: tuple[str, ...] = (
    *(
        f"CREATE INDEX {table}_by_{column} ON {table} ({column}) WHERE {column} IS NOT NULL"
        for table, column in _FOREIGN_KEY_INDEXES
    ),
    """
    CREATE TABLE disposals (
        id              INTEGER PRIMARY KEY,
        client_id       INTEGER NOT NULL UNIQUE,
        legal_name      TEXT NOT NULL,
        dob             TEXT,
        account_number  TEXT NOT NULL,
        first_service   TEXT,
        last_service    TEXT NOT NULL,
        retention_date  TEXT NOT NULL,
        disposed_at     TEXT NOT NULL,
        method          TEXT NOT NULL CHECK (method <> ''),
        disposed_by     TEXT NOT NULL,
        reason          TEXT NOT NULL CHECK (reason <> '' AND length(reason) <= 500),
        counts          TEXT NOT NULL CHECK (json_valid(counts)),
        sealed          TEXT NOT NULL CHECK (json_valid(sealed))
    )
    """,
    """
    CREATE TRIGGER disposals_fixed BEFORE UPDATE ON disposals
    BEGIN
        SELECT RAISE(ABORT, 'the disposal log is never edited');
    END
    """,
    """
    CREATE TRIGGER disposals_kept BEFORE DELETE ON disposals
    BEGIN
        SELECT RAISE(ABORT, 'the disposal log is never deleted from');
    END
    """,
    *_guard("notes_signed_no_delete", "notes", "This note is signed; add an addendum instead.", "OLD.client_id",
            "OLD.status = 'signed'"),
    "DROP TRIGGER note_addenda_no_delete",
    """
    CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
    WHEN NOT EXISTS (
        SELECT 1 FROM disposals AS d, json_each(d.sealed, '$.addenda') AS s WHERE s.value ->> 0 = OLD.id
    )
    BEGIN
        SELECT RAISE(ABORT, 'An addendum is signed and cannot be changed; add another addendum.');
    END
    """,
    *_guard("plans_locked_delete", "plans", _PLAN_LOCKED, "OLD.client_id", "OLD.status IS NOT 'draft'"),
    *(
        statement
        for child in ("plan_problems", "plan_goals", "plan_objectives", "plan_interventions")
        for statement in _guard(f"{child}_locked_delete", child, _PLAN_LOCKED, _of("plans", "plan_id"), _PLAN_DRAFT)
    ),
    *_guard("measure_results_locked_delete", "measure_results", "a recorded measure result cannot be deleted",
            "OLD.client_id"),
    *_guard("charges_kept", "charges", "charges are never deleted; void them instead", "OLD.client_id"),
    *_guard("charge_diagnoses_kept", "charge_diagnoses", "diagnosis pointers of a charge are never deleted",
            _of("charges", "charge_id")),
    *_guard("payments_kept", "payments", "payments are never deleted; void them instead", "OLD.client_id"),
    *_guard("allocations_kept", "allocations", "allocations are never deleted; release them instead",
            _of("payments", "payment_id")),
    *_guard("adjustments_kept", "adjustments", "adjustments are never deleted; enter a reversing adjustment",
            "OLD.client_id"),
    *_guard("refunds_kept", "refunds", "refunds are never deleted; enter a reversing refund", "OLD.client_id"),
    *_guard("eob_lines_kept", "eob_lines", "EOB lines are never deleted; reverse the posting", "OLD.client_id"),
    *_guard("documents_issued_kept", "documents_issued", "the list of documents issued is never deleted from",
            "OLD.client_id"),
    *_guard("good_faith_estimates_kept", "good_faith_estimates", "Good Faith Estimates are never deleted",
            "OLD.client_id"),
    *_guard("claims_kept", "claims", "claims are never deleted; void the claim", "OLD.client_id"),
    *_guard("claim_lines_kept", "claim_lines", "a claim''s lines are never deleted; void the claim",
            _of("claims", "claim_id")),
    *_guard("claim_events_kept", "claim_events", "a claim''s history is never deleted", _of("claims", "claim_id")),
    *_guard("disclosures_kept", "disclosures", "a logged disclosure is never deleted", "OLD.client_id"),
)  # fmt: skip
