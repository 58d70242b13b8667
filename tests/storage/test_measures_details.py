"""Partial forms, the PHQ-9 difficulty answer, what a follow-up did, and results entered in error
(migration 12)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.storage import test_migrations as upgrades
from tests.storage.test_measures import PHQ9_FLAGGED, PHQ9_MODERATE, TODAY, id_of, new_client, record
from therapy_desk.domain.measures import Difficulty, Instrument
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.measures import MeasureEntry
from therapy_desk.storage.vault import Vault

ACTION = "Phoned the client the same day; no current intent; safety plan reviewed."
PARTIAL_FLAGGED = [2, None, 1, None, None, 0, 1, None, 1]  # 5 answered of 9, item 9 = 1


def test_a_partial_form_is_kept_as_incomplete_with_its_gaps_and_flag(vault: Vault) -> None:
    client_id = new_client(vault)
    result = vault.measures.record(client_id, Instrument.PHQ9, PARTIAL_FLAGGED, date(2025, 6, 2), today=TODAY)
    stored = vault.measures.get(id_of(result))
    assert stored == result
    assert stored.answers == tuple(PARTIAL_FLAGGED)
    assert (stored.total, stored.complete, stored.answered) == (5, False, 5)
    assert stored.open_flag
    assert [r.id for r in vault.measures.unreviewed_flags()] == [result.id]
    (event,) = [e for e in vault.audit.recent(5) if e.event == "measure recorded"]
    assert (event.detail["complete"], event.detail["flagged"]) == (False, True)


def test_the_phq9_difficulty_answer_is_kept_with_the_result(vault: Vault) -> None:
    client_id = new_client(vault)
    result = vault.measures.record(
        client_id, "PHQ-9", PHQ9_MODERATE, date(2025, 6, 2), difficulty="very difficult", today=TODAY
    )
    assert vault.measures.get(id_of(result)).difficulty is Difficulty.VERY
    assert record(vault, client_id, Instrument.PHQ9, PHQ9_MODERATE, date(2025, 6, 3)).difficulty is None
    with pytest.raises(ValidationError, match="Only the PHQ-9") as err:
        vault.measures.record(client_id, "GAD-7", [1] * 7, date(2025, 6, 2), difficulty=Difficulty.VERY, today=TODAY)
    assert err.value.field == "difficulty"
    assert len(vault.measures.for_client(client_id)) == 2


def test_imported_results_keep_gaps_and_difficulty(vault: Vault) -> None:
    client_id = new_client(vault)
    entry = MeasureEntry(
        client_id, Instrument.PHQ9, tuple(PARTIAL_FLAGGED), date(2025, 5, 5), difficulty="somewhat difficult"
    )
    (result_id,) = vault.measures.import_results([entry], today=TODAY)
    stored = vault.measures.get(result_id)
    assert (stored.complete, stored.difficulty, stored.total) == (False, Difficulty.SOMEWHAT, 5)


def test_a_follow_up_records_what_was_done_by_whom_and_when(vault: Vault) -> None:
    client_id = new_client(vault)
    flagged = record(vault, client_id, Instrument.PHQ9, PHQ9_FLAGGED, date(2025, 6, 20))
    when = datetime.now(UTC).replace(microsecond=0)
    with pytest.raises(ValidationError, match="what was done") as err:
        vault.measures.mark_followed_up(id_of(flagged), when, "Maya Okafor", action="   ")
    assert err.value.field == "action"
    assert vault.measures.unreviewed_flags() != []
    done = vault.measures.mark_followed_up(id_of(flagged), when, "Maya Okafor", action=f"  {ACTION} ")
    assert (done.follow_up_action, done.followed_up_by, done.followed_up_at) == (ACTION, "Maya Okafor", when)
    assert vault.measures.unreviewed_flags() == []


def test_a_result_entered_in_error_stays_but_leaves_history_latest_scores_and_flags(vault: Vault) -> None:
    client_id = new_client(vault)
    first = record(vault, client_id, Instrument.PHQ9, PHQ9_MODERATE, date(2025, 6, 1))
    wrong = record(vault, client_id, Instrument.PHQ9, PHQ9_FLAGGED, date(2025, 6, 20))
    assert vault.measures.latest_by_client([client_id], Instrument.PHQ9)[client_id].id == wrong.id

    marked = vault.measures.mark_entered_in_error(id_of(wrong), "  Entered for the wrong client. ")
    assert marked.in_error
    assert marked.entered_in_error_reason == "Entered for the wrong client."
    assert not marked.open_flag
    assert [r.id for r in vault.measures.for_client(client_id)] == [wrong.id, first.id]  # kept, shown
    assert [r.id for r in vault.measures.series(client_id, Instrument.PHQ9)] == [first.id]
    assert vault.measures.latest_by_client([client_id], Instrument.PHQ9)[client_id].id == first.id
    assert vault.measures.unreviewed_flags() == []
    assert vault.caseload.chart_summary(client_id).open_flags == ()
    assert "measure entered in error" in {e.event for e in vault.audit.recent(20)}


def test_entered_in_error_needs_a_reason_and_happens_once(vault: Vault) -> None:
    client_id = new_client(vault)
    result = record(vault, client_id, Instrument.GAD7, [1] * 7, date(2025, 6, 1))
    with pytest.raises(ValidationError, match="why") as err:
        vault.measures.mark_entered_in_error(id_of(result), " ")
    assert err.value.field == "reason"
    assert not vault.measures.get(id_of(result)).in_error
    vault.measures.mark_entered_in_error(id_of(result), "Duplicate of the paper form")
    with pytest.raises(ValidationError, match="already marked"):
        vault.measures.mark_entered_in_error(id_of(result), "Again")
    assert vault.measures.get(id_of(result)).entered_in_error_reason == "Duplicate of the paper form"


def test_a_result_entered_in_error_takes_no_follow_up(vault: Vault) -> None:
    client_id = new_client(vault)
    flagged = record(vault, client_id, Instrument.PHQ9, PHQ9_FLAGGED, date(2025, 6, 20))
    vault.measures.mark_entered_in_error(id_of(flagged), "Wrong client")
    with pytest.raises(ValidationError, match="entered in error"):
        vault.measures.mark_followed_up(id_of(flagged), datetime.now(UTC), "Maya Okafor", action=ACTION)
    assert vault.measures.get(id_of(flagged)).followed_up_at is None


def test_a_followed_up_flag_can_still_be_marked_entered_in_error(vault: Vault) -> None:
    client_id = new_client(vault)
    flagged = record(vault, client_id, Instrument.PHQ9, PHQ9_FLAGGED, date(2025, 6, 20))
    vault.measures.mark_followed_up(id_of(flagged), datetime.now(UTC), "Maya Okafor", action=ACTION)
    marked = vault.measures.mark_entered_in_error(id_of(flagged), "Scored from another client's form")
    assert (marked.in_error, marked.follow_up_action) == (True, ACTION)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE measure_results SET complete = 1 WHERE id = ?",
        "UPDATE measure_results SET difficulty = 'very difficult' WHERE id = ?",
        "UPDATE measure_results SET follow_up_action = 'something else' WHERE id = ?",
        "UPDATE measure_results SET entered_in_error_reason = 'another reason' WHERE id = ?",
        "UPDATE measure_results SET entered_in_error_at = NULL, entered_in_error_reason = NULL WHERE id = ?",
    ],
)
def test_raw_sql_cannot_change_the_one_time_writes_once_made(vault: Vault, sql: str) -> None:
    client_id = new_client(vault)
    result = vault.measures.record(client_id, Instrument.PHQ9, PARTIAL_FLAGGED, date(2025, 6, 20), today=TODAY)
    vault.measures.mark_followed_up(id_of(result), datetime.now(UTC), "Maya Okafor", action=ACTION)
    vault.measures.mark_entered_in_error(id_of(result), "Wrong client")
    before = vault.measures.get(id_of(result))
    with pytest.raises(db.DatabaseError, match="cannot be changed"):
        vault.db.conn.execute(sql, (result.id,))
    assert vault.measures.get(id_of(result)) == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE measure_results SET followed_up_at = '2025-06-21T10:00:00+00:00', followed_up_by = 'X' WHERE id = ?",
        "UPDATE measure_results SET entered_in_error_at = '2025-06-21T10:00:00+00:00' WHERE id = ?",
    ],
)
def test_raw_sql_cannot_write_a_follow_up_without_an_action_or_an_error_without_a_reason(
    vault: Vault, sql: str
) -> None:
    client_id = new_client(vault)
    result = record(vault, client_id, Instrument.PHQ9, PHQ9_FLAGGED, date(2025, 6, 20))
    with pytest.raises(db.DatabaseError, match="needs"):
        vault.db.conn.execute(sql, (result.id,))
    assert vault.measures.get(id_of(result)).open_flag


def test_results_from_before_migration_12_read_as_complete_and_take_the_new_writes(tmp_path: Path) -> None:
    version = 11
    folder = upgrades._copy_fixture(version, tmp_path)
    rows = upgrades._fixture_rows(folder, version)["measure_results"].records()
    with Vault.open(folder, upgrades._passphrase(version)) as vault:
        assert vault.schema_version >= 12
        results = [vault.measures.get(r["id"]) for r in rows]
        assert all(r.complete and r.difficulty is None and not r.in_error for r in results)
        followed = [r for r in results if r.followed_up_at is not None]
        assert followed
        assert all(r.follow_up_action == "" for r in followed)  # schema 11 did not keep what was done
        with pytest.raises(db.DatabaseError, match="cannot be changed"):  # and cannot add it afterwards
            vault.db.conn.execute(
                "UPDATE measure_results SET follow_up_action = 'called' WHERE id = ?", (followed[0].id,)
            )
        open_flags = [r for r in results if r.open_flag]
        assert open_flags, "the fixture keeps one open flag"
        vault.measures.mark_entered_in_error(id_of(open_flags[0]), "Entered twice from the paper form")
        assert id_of(open_flags[0]) not in {r.id for r in vault.measures.unreviewed_flags()}
        with pytest.raises(db.DatabaseError, match="cannot be changed"):
            vault.db.conn.execute("UPDATE measure_results SET total = total + 1 WHERE id = ?", (rows[0]["id"],))
