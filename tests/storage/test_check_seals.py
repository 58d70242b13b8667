"""`vault check` verifies every seal against the content and against the audit event that sealed it,
and every trigger against the migrations; each failure is named in a sentence of ids and dates.

Each attack goes through a raw connection holding the key, with the triggers lifted and put back as
they were, so nothing but the seals (or the triggers themselves) can give it away.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from tests.conftest import PASSPHRASE, at_day_end
from tests.storage import sealed_practice
from tests.storage.sealed_practice import SIGNER, TODAY, Practice, raw_connection, reseal_note, triggers_lifted
from therapy_desk.domain.notes import Note, NoteFormat, sections
from therapy_desk.domain.plans import content_sha256
from therapy_desk.storage import integrity, measures, migrations
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.integrity import CheckReport
from therapy_desk.storage.migrations import m008_billing, m011_note_billing, m014_ledger, m015_claims
from therapy_desk.storage.vault import Vault

pytestmark = pytest.mark.reliability  # each attack on the seals


@pytest.fixture
def practice(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Practice:
    return sealed_practice.copy(tmp_path_factory, tmp_path)


def _check(folder: Path, progress: integrity.Progress | None = None) -> CheckReport:
    with Vault.open_for_check(folder, PASSPHRASE) as vault:
        return vault.check(progress)


def _tamper(folder: Path, attack: Callable[[sqlcipher.Connection], None]) -> None:
    conn = raw_connection(folder)
    try:
        with triggers_lifted(conn):
            attack(conn)
    finally:
        conn.close()


def _note(conn: sqlcipher.Connection, note_id: int) -> tuple[int, str]:
    client_id, day = conn.execute("SELECT client_id, date_of_service FROM notes WHERE id = ?", (note_id,)).fetchone()
    return client_id, day


def _seal_event(folder: Path, event: str, entity_id: int) -> int:
    conn = raw_connection(folder)
    try:
        row = conn.execute("SELECT seq FROM audit_log WHERE event = ? AND entity_id = ?", (event, str(entity_id)))
        return int(row.fetchone()[0])
    finally:
        conn.close()


def test_the_practice_checks_clean_and_counts_what_it_verified(practice: Practice) -> None:
    report = _check(practice.folder)

    assert report.clean, report.problems
    assert report.notes > 300
    assert report.addenda == 1
    assert report.plans > 10
    assert report.triggers == len(integrity.expected_triggers(migrations.CURRENT_VERSION))


def test_a_signed_note_changed_behind_the_apps_back_is_named(practice: Practice) -> None:
    def rewrite(conn: sqlcipher.Connection) -> None:
        rewritten = '[["Data","x"],["Assessment","y"],["Plan","z"]]'
        conn.execute("UPDATE notes SET sections = ? WHERE id = ?", (rewritten, practice.signed_note))

    _tamper(practice.folder, rewrite)
    conn = raw_connection(practice.folder)
    client_id, day = _note(conn, practice.signed_note)
    conn.close()

    report = _check(practice.folder)

    assert report.problems == [
        f"note {practice.signed_note} (client {client_id}, {day}) was changed after it was signed: "
        "its content does not match its seal"
    ]


def test_a_note_whose_content_and_seal_were_both_rewritten_is_caught_by_its_signing_event(
    practice: Practice,
) -> None:
    def rewrite_and_reseal(conn: sqlcipher.Connection) -> None:
        conn.execute("UPDATE notes SET end_time = '11:30' WHERE id = ?", (practice.signed_note,))
        reseal_note(conn, practice.signed_note)

    _tamper(practice.folder, rewrite_and_reseal)
    seq = _seal_event(practice.folder, "note signed", practice.signed_note)

    problems = _check(practice.folder).problems

    assert len(problems) == 2, problems  # the note itself, and its addendum chained to the old seal
    assert problems[0].startswith(f"note {practice.signed_note} (client ")
    assert f"does not match the seal recorded when it was signed (audit event {seq})" in problems[0]
    assert problems[1].startswith(f"addendum {practice.addendum} to note {practice.signed_note}")


def test_an_imported_note_rewritten_and_resealed_breaks_its_import_digest(practice: Practice) -> None:
    def rewrite_and_reseal(conn: sqlcipher.Connection) -> None:
        conn.execute("UPDATE notes SET participants = '[\"a visitor\"]' WHERE id = ?", (practice.imported_note,))
        reseal_note(conn, practice.imported_note)

    _tamper(practice.folder, rewrite_and_reseal)

    problems = _check(practice.folder).problems

    assert len(problems) == 1, problems
    assert re.fullmatch(
        r"the \d+ signed notes imported together as notes \d+–\d+ \(audit event \d+\) no longer match their "
        r"recorded seals \(\d+ found\): a signed note among them was changed, removed or added outside Therapy Desk",
        problems[0],
    )


def test_a_signed_note_slipped_in_behind_the_apps_back_is_named(practice: Practice) -> None:
    def slip_in(conn: sqlcipher.Connection) -> None:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(notes)") if r[1] != "id"]
        listed = ", ".join(columns)
        conn.execute(
            f"INSERT INTO notes (id, {listed}) SELECT 900000, {listed} FROM notes WHERE id = ?",  # noqa: S608
            (practice.signed_note,),
        )
        reseal_note(conn, 900000)

    _tamper(practice.folder, slip_in)

    problems = _check(practice.folder).problems

    assert len(problems) == 1, problems
    assert problems[0].startswith("note 900000 (client ")
    assert problems[0].endswith("is signed, but no audit event sealed it: it was added outside Therapy Desk")


def test_a_signed_note_deleted_behind_the_apps_back_is_named(practice: Practice) -> None:
    def delete(conn: sqlcipher.Connection) -> None:
        conn.execute("DELETE FROM note_addenda WHERE note_id = ?", (practice.signed_note,))
        conn.execute("DELETE FROM notes WHERE id = ?", (practice.signed_note,))

    _tamper(practice.folder, delete)
    seq = _seal_event(practice.folder, "note signed", practice.signed_note)

    problems = _check(practice.folder).problems

    assert f"note {practice.signed_note} was signed (audit event {seq}) but is no longer in the vault" in problems[0]
    assert any(p.startswith(f"addendum {practice.addendum} was signed") for p in problems), problems


def test_an_addendum_changed_behind_the_apps_back_is_named(practice: Practice) -> None:
    _tamper(
        practice.folder,
        lambda conn: conn.execute("UPDATE note_addenda SET text = 'moved' WHERE id = ?", (practice.addendum,)),
    )
    conn = raw_connection(practice.folder)
    client_id, _day = _note(conn, practice.signed_note)
    conn.close()

    assert _check(practice.folder).problems == [
        f"addendum {practice.addendum} to note {practice.signed_note} (client {client_id}) was changed after it "
        "was signed: its text does not match its seal"
    ]


def test_a_signed_plan_changed_behind_the_apps_back_is_named(practice: Practice) -> None:
    _tamper(
        practice.folder,
        lambda conn: conn.execute(
            "UPDATE plan_goals SET statement = 'a goal never agreed' WHERE plan_id = ?", (practice.signed_plan,)
        ),
    )

    problems = _check(practice.folder).problems

    assert len(problems) == 1, problems
    assert problems[0].startswith(f"treatment plan {practice.signed_plan} (client ")
    assert problems[0].endswith("was changed after it was signed: its content does not match its seal")


def test_a_missing_an_altered_and_an_added_trigger_are_each_named(practice: Practice) -> None:
    conn = raw_connection(practice.folder)
    try:
        conn.execute("DROP TRIGGER notes_signed_no_update")
        conn.execute("DROP TRIGGER notes_no_replace")
        conn.execute(
            "CREATE TRIGGER notes_no_replace BEFORE INSERT ON notes WHEN 0 BEGIN SELECT RAISE(ABORT, 'no'); END"
        )
        conn.execute("CREATE TRIGGER notes_spy AFTER INSERT ON notes BEGIN SELECT 1; END")
    finally:
        conn.close()

    problems = _check(practice.folder).problems

    assert problems == [
        "trigger notes_no_replace (on notes) is not as Therapy Desk defines it: it was altered",
        "the protective trigger notes_signed_no_update (on notes) is missing: the records it guards could be "
        "changed unnoticed",
        "trigger notes_spy (on notes) is not one Therapy Desk defines: it was added outside it",
    ]


def test_problems_hold_ids_and_dates_never_names_or_note_text(practice: Practice) -> None:
    conn = raw_connection(practice.folder)
    name = conn.execute("SELECT legal_last FROM clients LIMIT 1").fetchone()[0]
    texts = [r[0] for r in conn.execute("SELECT sections FROM notes WHERE status = 'signed' LIMIT 50")]
    conn.close()
    _tamper(practice.folder, lambda conn: conn.execute("UPDATE notes SET unit_id = NULL, risk = NULL"))

    problems = _check(practice.folder).problems

    assert len(problems) == integrity.MAX_LISTED + 1  # each note named up to the limit, then a count
    assert problems[-1].startswith("signed notes: ")
    assert problems[-1].endswith("more problems like these")
    listed = "\n".join(problems)
    assert name not in listed
    assert not any(text in listed for text in texts)


def test_progress_reports_every_phase_once_through_to_its_end(practice: Practice) -> None:
    seen: list[tuple[str, int, int]] = []
    _check(practice.folder, lambda phase, done, total: seen.append((phase, done, total)))

    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    assert phases == list(integrity.PHASES)
    for phase in phases:
        ticks = [(done, total) for p, done, total in seen if p == phase]
        assert ticks[0] == (0, 0)
        assert ticks[-1][0] == ticks[-1][1] > 0
    notes = [(done, total) for p, done, total in seen if p == integrity.NOTES and total > 1]
    assert notes[-1][0] == notes[-1][1] > 300


def test_a_note_signed_while_the_check_runs_is_no_false_alarm(practice: Practice) -> None:
    texts = {"Data": "Reviewed the week.", "Assessment": "Stable.", "Plan": "Meet again next week."}
    with Vault.open(practice.folder, PASSPHRASE) as app:
        draft = app.notes.save_draft(
            Note(app.caseload.ids()[0], format=NoteFormat.DAP, date_of_service=TODAY, start_time=time(9),
                 end_time=time(9, 50), sections=sections(NoteFormat.DAP, texts))
        )  # fmt: skip
        assert draft.id is not None
        checking = app.for_worker()  # the GUI checks on a worker's connection while the clinician works on

        def sign_meanwhile(phase: str, done: int, total: int) -> None:
            if (phase, done, total) == (integrity.NOTES, 0, 0):
                app.notes.sign(draft.id or 0, SIGNER, now=at_day_end(TODAY))

        try:
            report = checking.check(sign_meanwhile)
        finally:
            checking.close()

    assert report.clean, report.problems
    assert _check(practice.folder).clean  # and the note signed meanwhile checks clean afterwards


class _Stop(Exception):
    pass


def test_raising_from_progress_cancels_and_leaves_no_connection_behind(practice: Practice) -> None:
    before = threading.active_count()

    def cancel_at_notes(phase: str, done: int, total: int) -> None:
        if phase == integrity.NOTES:
            raise _Stop

    with Vault.open_for_check(practice.folder, PASSPHRASE) as vault, pytest.raises(_Stop):
        vault.check(cancel_at_notes)

    assert threading.active_count() == before
    assert _check(practice.folder).clean  # and the vault can be checked again


# -- a vault sealed before schema 9 -----------------------------------------------------------


def _without_seal_records(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """An event's detail as an app before schema 9 wrote it: no seal records beside the counts."""
    if detail is None:
        return None
    return {k: v for k, v in detail.items() if k not in {"first_id", "last_id", "seal_digest", "content_sha256"}}


def _schema_8_measures(old_app: pytest.MonkeyPatch) -> None:
    """Measure results as an app before schema 12 wrote and read them: without the columns of step 12 (the
    practice's forms are complete, ask no difficulty and none is entered in error, so nothing is lost)."""
    row = measures._row
    step_12 = "complete, difficulty, follow_up_action, entered_in_error_at, entered_in_error_reason"
    assert step_12 in measures._SELECT
    old_app.setattr(measures, "_SELECT", measures._SELECT.replace(step_12, "1, NULL, NULL, NULL, NULL"))
    old_app.setattr(measures, "IN_USE", "1")
    old_app.setattr(measures, "_INSERT", measures._INSERT.replace(", complete, difficulty", "").replace(", ?, ?)", ")"))
    old_app.setattr(measures, "_row", lambda *args: row(*args)[:-2])

    def follow_up(store: measures.MeasureStore, result_id: int, when: datetime, by: str, *, action: str) -> None:
        with store._db.transaction():
            store._db.execute(
                "UPDATE measure_results SET followed_up_at = ?, followed_up_by = ? WHERE id = ?",
                (when.astimezone(UTC).isoformat(timespec="seconds"), by, result_id),
            )
            client_id = store._db.execute("SELECT client_id FROM measure_results WHERE id = ?", (result_id,))
            store._audit.record(
                "measure flag followed up",
                entity="measure_result",
                entity_id=result_id,
                detail={"client_id": client_id.fetchone()[0]},
            )

    old_app.setattr(measures.MeasureStore, "mark_followed_up", follow_up)


def _undo_steps_14_15(conn: Any) -> None:
    """Drop what steps 14 and 15 made (their triggers, indexes and tables, the columns they added to charges,
    coverages, care contacts and the practice profile) and put back step 8's indexes step 14 replaced. The
    practice holds no ledger rows or claims, and none of the new fields: none are lost."""
    statements = " ".join((*m014_ledger.STATEMENTS, *m015_claims.STATEMENTS))
    made = re.findall(r"CREATE (TABLE|INDEX|TRIGGER) (\w+)", statements)
    for kind in ("TRIGGER", "INDEX", "TABLE"):
        for name in reversed([name for found, name in made if found == kind]):
            conn.execute(f"DROP {kind} IF EXISTS {name}")
    for name in ("charges_open_by_client", "allocations_by_charge"):  # step 14 made them anew
        conn.execute(next(sql for sql in m008_billing.STATEMENTS if f"INDEX {name} " in sql))
    for table, column in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", statements):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


@pytest.fixture
def schema_8_practice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Practice:
    """The practice as an app of schema 8 left it.

    Today's note store writes the columns step 11 added, and today's stores read the ledger of step 14
    and the claim boxes of step 15, so the practice is built with them in step 8 and they are dropped
    afterwards: the notes and billing tables are then as schema 8 had them."""
    record = AuditStore.record
    step_8 = migrations.MIGRATIONS[7]
    with_step_11_columns = dataclasses.replace(
        step_8,
        statements=(
            *step_8.statements,
            *m011_note_billing.STATEMENTS,
            *m014_ledger.STATEMENTS,
            *m015_claims.STATEMENTS,
        ),
    )
    with monkeypatch.context() as old_app:
        old_app.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS[:7], with_step_11_columns))
        _schema_8_measures(old_app)
        old_app.setattr(
            AuditStore,
            "record",
            lambda self, event, **kw: record(self, event, **kw | {"detail": _without_seal_records(kw.get("detail"))}),
        )
        practice = sealed_practice.build(tmp_path / "old")
    conn = raw_connection(practice.folder)
    try:
        for column in ("service_code", "code_reason", "late_entry_reason"):
            conn.execute(f"ALTER TABLE notes DROP COLUMN {column}")
        conn.execute("DROP TABLE snippets")
        _undo_steps_14_15(conn)
        conn.commit()
    finally:
        conn.close()
    with Vault.open_for_check(practice.folder, PASSPHRASE) as vault:
        assert vault.schema_version == 8
    return practice


@pytest.fixture
def old_practice(schema_8_practice: Practice) -> Practice:
    """That practice, opened once since by this app, which upgraded it."""
    Vault.open(schema_8_practice.folder, PASSPHRASE).close()
    return schema_8_practice


def test_a_vault_not_yet_upgraded_is_checked_against_its_own_schema(schema_8_practice: Practice) -> None:
    report = _check(schema_8_practice.folder)

    assert report.clean, report.problems  # no step 9 triggers expected, no seal records required
    assert report.triggers == len(integrity.expected_triggers(8)) < len(integrity.expected_triggers(9))
    assert report.notes > 300


def test_upgrading_records_every_seal_no_event_recorded_and_checks_clean(old_practice: Practice) -> None:
    with Vault.open_for_check(old_practice.folder, PASSPHRASE) as vault:
        assert vault.schema_version == migrations.CURRENT_VERSION
        recorded = [e for e in vault.audit.recent(10) if e.event == "seals recorded"]
        report = vault.check()

    assert len(recorded) == 1
    assert recorded[0].detail["notes"]["signed"] == report.notes - 1  # all but the one signed in the app
    assert recorded[0].detail["plans"]["versions"] == report.plans
    assert report.clean, report.problems


def test_a_note_sealed_before_the_upgrade_then_rewritten_and_resealed_is_caught(old_practice: Practice) -> None:
    def rewrite_and_reseal(conn: sqlcipher.Connection) -> None:
        conn.execute("UPDATE notes SET start_time = '08:00' WHERE id = ?", (old_practice.imported_note,))
        reseal_note(conn, old_practice.imported_note)

    _tamper(old_practice.folder, rewrite_and_reseal)

    problems = _check(old_practice.folder).problems

    assert len(problems) == 1, problems
    assert "signed notes sealed before the upgrade to schema 9 among notes" in problems[0]


def test_a_plan_sealed_before_the_upgrade_then_rewritten_and_resealed_is_caught(old_practice: Practice) -> None:
    def rewrite_and_reseal(conn: sqlcipher.Connection) -> None:
        conn.execute("UPDATE plans SET frequency = 'monthly' WHERE id = ?", (old_practice.signed_plan,))

    _tamper(old_practice.folder, rewrite_and_reseal)
    with Vault.open_for_check(old_practice.folder, PASSPHRASE) as vault:
        plan = vault.plans._load(old_practice.signed_plan)
    _tamper(
        old_practice.folder,
        lambda conn: conn.execute(
            "UPDATE plans SET content_sha256 = ? WHERE id = ?", (content_sha256(plan), old_practice.signed_plan)
        ),
    )

    problems = _check(old_practice.folder).problems

    assert len(problems) == 1, problems
    assert "signed treatment plans sealed before the upgrade to schema 9 among treatment plans" in problems[0]
