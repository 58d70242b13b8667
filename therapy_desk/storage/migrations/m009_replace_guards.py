"""Step 9: sealed and append-only rows cannot be replaced, on any connection.

The guards of steps 1, 4, 6, 7 and 8 are BEFORE UPDATE and BEFORE DELETE triggers. `INSERT OR REPLACE`
(and `UPDATE OR REPLACE`) removes the row it conflicts with without firing DELETE triggers unless the
connection set `recursive_triggers`, which the app's connections do and a sqlcipher shell holding the
key does not. So each guard gets its twin here: a BEFORE INSERT trigger that aborts when the new row
would replace a protected one (on its id or on any other unique key), and a BEFORE UPDATE trigger that
aborts when an update would do the same or renumber a protected row. A record's number never changes:
audit events and seals name records by it.
"""

from __future__ import annotations

_SIGNED_NOTE = "'This note is signed; add an addendum instead.'"
_ADDENDUM = "'An addendum is signed and cannot be changed; add another addendum.'"
_AUDIT = "'the audit log is append-only'"
_PLAN = "'a signed treatment plan cannot be changed; revise it instead'"
_MEASURE = "'a recorded measure result cannot be changed'"
_CHARGE = "'charges are never edited; void the charge and enter a new one'"
_POINTER = "'diagnosis pointers of a charge are never edited'"
_PAYMENT = "'payments are never edited; void the payment and enter a new one'"
_ALLOCATION = "'allocations are never edited, only released once'"
_NUMBER = "'a record''s number never changes'"


def _no_replace(table: str, protected_row: str, message: str) -> str:
    """A BEFORE INSERT guard: abort when `protected_row` (a condition over NEW) finds a row."""
    return f"""
    CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
    WHEN EXISTS ({protected_row})
    BEGIN SELECT RAISE(ABORT, {message}); END
    """


def _number_fixed(table: str) -> str:
    """A BEFORE UPDATE guard: ids never change (renumbering, or moving onto another row's id, which
    UPDATE OR REPLACE would remove unseen)."""
    return f"""
    CREATE TRIGGER {table}_number_fixed BEFORE UPDATE ON {table}
    WHEN NEW.id IS NOT OLD.id
    BEGIN SELECT RAISE(ABORT, {_NUMBER}); END
    """


def _plan_child(table: str) -> tuple[str, ...]:
    return (
        _no_replace(
            table,
            f"SELECT 1 FROM {table} AS old JOIN plans AS p ON p.id = old.plan_id "  # noqa: S608 - our own names
            "WHERE old.id = NEW.id AND p.status IS NOT 'draft'",
            _PLAN,
        ),
        _number_fixed(table),
    )


# A plan row that is not a draft, conflicting with NEW on its id, on (client_id, version), or, when
# NEW is signed, on the one signed plan a client may have (plans_one_active_per_client).
_PLAN_CONFLICT = """
    EXISTS (SELECT 1 FROM plans WHERE id = NEW.id AND status IS NOT 'draft' {other})
    OR EXISTS (SELECT 1 FROM plans WHERE client_id = NEW.client_id AND version = NEW.version
               AND status IS NOT 'draft' {other})
    OR (NEW.status = 'signed'
        AND EXISTS (SELECT 1 FROM plans WHERE client_id = NEW.client_id AND status = 'signed' {other}))
"""

STATEMENTS: tuple[str, ...] = (
    # -- the audit log (step 1) ---------------------------------------------------------------
    _no_replace("audit_log", "SELECT 1 FROM audit_log WHERE seq = NEW.seq", _AUDIT),
    # -- signed notes and addenda (step 6) ----------------------------------------------------
    _no_replace("notes", "SELECT 1 FROM notes WHERE id = NEW.id AND status = 'signed'", _SIGNED_NOTE),
    _number_fixed("notes"),
    _no_replace("note_addenda", "SELECT 1 FROM note_addenda WHERE id = NEW.id", _ADDENDUM),
    # -- signed plans and their items (step 4) ------------------------------------------------
    f"""
    CREATE TRIGGER plans_no_replace BEFORE INSERT ON plans
    WHEN {_PLAN_CONFLICT.format(other="")}
    BEGIN SELECT RAISE(ABORT, {_PLAN}); END
    """,
    # Signed plans are locked by plans_locked_update; a draft must not be moved onto one.
    f"""
    CREATE TRIGGER plans_no_replace_update BEFORE UPDATE ON plans
    WHEN OLD.status = 'draft' AND ({_PLAN_CONFLICT.format(other="AND id IS NOT OLD.id")})
    BEGIN SELECT RAISE(ABORT, {_PLAN}); END
    """,
    _number_fixed("plans"),
    *_plan_child("plan_problems"),
    *_plan_child("plan_goals"),
    *_plan_child("plan_objectives"),
    *_plan_child("plan_interventions"),
    # -- measure results (step 7) -------------------------------------------------------------
    _no_replace("measure_results", "SELECT 1 FROM measure_results WHERE id = NEW.id", _MEASURE),
    # -- billing (step 8) ---------------------------------------------------------------------
    # A live charge is also unique per (appointment, client, service): charges_one_per_appointment.
    _no_replace(
        "charges",
        "SELECT 1 FROM charges WHERE id = NEW.id "
        "UNION ALL SELECT 1 FROM charges WHERE NEW.appointment_id IS NOT NULL AND NEW.voided_at IS NULL "
        "AND appointment_id = NEW.appointment_id AND client_id = NEW.client_id "
        "AND service_code = NEW.service_code AND voided_at IS NULL",
        _CHARGE,
    ),
    _number_fixed("charges"),
    _no_replace(
        "charge_diagnoses",
        "SELECT 1 FROM charge_diagnoses WHERE charge_id = NEW.charge_id AND pointer = NEW.pointer "
        "UNION ALL SELECT 1 FROM charge_diagnoses WHERE charge_id = NEW.charge_id "
        "AND diagnosis_id = NEW.diagnosis_id",
        _POINTER,
    ),
    _no_replace("payments", "SELECT 1 FROM payments WHERE id = NEW.id", _PAYMENT),
    _number_fixed("payments"),
    _no_replace("allocations", "SELECT 1 FROM allocations WHERE id = NEW.id", _ALLOCATION),
    _number_fixed("allocations"),
)
