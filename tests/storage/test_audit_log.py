"""The audit log: append-only, hash-chained, and any edit, gap or swap is named by row number."""

from __future__ import annotations

import io
import itertools
import json
import re
from pathlib import Path

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk import cli
from therapy_desk.storage import db
from therapy_desk.storage.audit import GENESIS_HASH, _row_hash
from therapy_desk.storage.vault import Vault

ROW_COLUMNS = ("at", "event", "entity", "entity_id", "detail", "prev_hash", "row_hash")


def _record_some(vault: Vault, count: int = 8) -> list[int]:
    return [vault.audit.record("test event", entity="thing", entity_id=i, detail={"n": i}) for i in range(count)]


def _rows(vault: Vault) -> list[tuple[int, str, str]]:
    return vault.db.execute("SELECT seq, prev_hash, row_hash FROM audit_log ORDER BY seq").fetchall()


def _last_seq(vault: Vault) -> int:
    return int(vault.db.execute("SELECT max(seq) FROM audit_log").fetchone()[0])


def _drop_guards(vault: Vault) -> None:
    """What an attacker holding the key would do first: remove the append-only triggers."""
    vault.db.conn.execute("DROP TRIGGER audit_log_no_update")
    vault.db.conn.execute("DROP TRIGGER audit_log_no_delete")


def _names_row(problem: str | None, seq: int) -> bool:
    return problem is not None and re.search(rf"(?<!\d){seq}(?!\d)", problem) is not None


# -- the chain ---------------------------------------------------------------------------------


def test_events_get_increasing_numbers_and_each_row_chains_to_the_one_before(vault: Vault) -> None:
    seqs = _record_some(vault)

    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    rows = _rows(vault)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0][1] == GENESIS_HASH
    for before, after in itertools.pairwise(rows):
        assert after[1] == before[2]
    head = vault.db.execute("SELECT seq, hash FROM audit_head").fetchone()
    assert tuple(head) == (rows[-1][0], rows[-1][2])
    assert vault.audit.verify().ok


def test_recent_returns_newest_first_with_details(vault: Vault) -> None:
    vault.audit.record("first", detail={"n": 1})
    vault.audit.record("second", entity="client", entity_id=7, detail={"n": 2})

    newest, older = vault.audit.recent(limit=2)
    assert (newest.event, newest.entity, newest.entity_id, newest.detail) == ("second", "client", "7", {"n": 2})
    assert (older.event, older.detail) == ("first", {"n": 1})
    assert newest.seq == older.seq + 1


def test_an_event_recorded_in_a_failed_transaction_is_not_kept(vault: Vault) -> None:
    before = _last_seq(vault)

    def record_then_fail() -> None:
        with vault.transaction():
            vault.audit.record("never happened")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        record_then_fail()

    assert _last_seq(vault) == before
    assert vault.audit.record("next") == before + 1
    assert vault.audit.verify().ok


# -- refused through SQL -----------------------------------------------------------------------


def test_the_log_refuses_update(vault: Vault) -> None:
    _record_some(vault, 3)
    with pytest.raises(db.DatabaseError, match="append-only"):
        vault.db.conn.execute("UPDATE audit_log SET detail = '{}' WHERE seq = 2")
    assert vault.audit.verify().ok


def test_the_log_refuses_delete(vault: Vault) -> None:
    _record_some(vault, 3)
    count = vault.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(db.DatabaseError, match="append-only"):
        vault.db.conn.execute("DELETE FROM audit_log WHERE seq = 2")
    assert vault.db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == count
    assert vault.audit.verify().ok


def test_the_log_refuses_overwriting_a_row_with_insert_or_replace(vault: Vault) -> None:
    _record_some(vault, 3)
    with pytest.raises(db.DatabaseError, match="append-only"):
        vault.db.conn.execute(
            "INSERT OR REPLACE INTO audit_log (seq, at, event, detail, prev_hash, row_hash) "
            "VALUES (2, '2020-01-01T00:00:00+00:00', 'forged', '{}', ?, ?)",
            (GENESIS_HASH, GENESIS_HASH),
        )
    assert vault.db.execute("SELECT event FROM audit_log WHERE seq = 2").fetchone()[0] != "forged"
    assert vault.audit.verify().ok


def test_the_log_refuses_upsert_over_an_existing_row(vault: Vault) -> None:
    _record_some(vault, 3)
    with pytest.raises(db.DatabaseError, match="append-only"):
        vault.db.conn.execute(
            "INSERT INTO audit_log (seq, at, event, detail, prev_hash, row_hash) "
            "VALUES (2, 'x', 'forged', '{}', 'p', 'h') ON CONFLICT(seq) DO UPDATE SET event = excluded.event"
        )
    assert vault.audit.verify().ok


# -- tampering by someone who has the key -------------------------------------------------------


def test_an_edited_row_is_named(vault: Vault) -> None:
    seqs = _record_some(vault)
    target = seqs[3]
    _drop_guards(vault)
    vault.db.conn.execute("UPDATE audit_log SET detail = ? WHERE seq = ?", (json.dumps({"n": 999}), target))

    report = vault.audit.verify()
    assert not report.ok
    assert report.first_bad_seq == target
    assert _names_row(report.problem, target)
    assert report.rows_checked == target - 1


def test_an_edit_with_a_recomputed_hash_is_caught_at_the_next_row(vault: Vault) -> None:
    seqs = _record_some(vault)
    target = seqs[3]
    _drop_guards(vault)
    seq, at, event, entity, entity_id, _detail, prev = vault.db.execute(
        "SELECT seq, at, event, entity, entity_id, detail, prev_hash FROM audit_log WHERE seq = ?", (target,)
    ).fetchone()
    forged = json.dumps({"n": 999}, sort_keys=True)
    new_hash = _row_hash(seq, at, event, entity, entity_id, forged, prev)
    vault.db.conn.execute("UPDATE audit_log SET detail = ?, row_hash = ? WHERE seq = ?", (forged, new_hash, target))

    report = vault.audit.verify()
    assert report.first_bad_seq == target + 1
    assert _names_row(report.problem, target)


def test_a_row_deleted_from_the_middle_is_named(vault: Vault) -> None:
    seqs = _record_some(vault)
    target = seqs[4]
    _drop_guards(vault)
    vault.db.conn.execute("DELETE FROM audit_log WHERE seq = ?", (target,))

    report = vault.audit.verify()
    assert report.first_bad_seq == target
    assert _names_row(report.problem, target)
    assert "missing" in str(report.problem)


def test_several_rows_deleted_from_the_middle_are_named(vault: Vault) -> None:
    seqs = _record_some(vault)
    first, last = seqs[2], seqs[4]
    _drop_guards(vault)
    vault.db.conn.execute("DELETE FROM audit_log WHERE seq BETWEEN ? AND ?", (first, last))

    report = vault.audit.verify()
    assert report.first_bad_seq == first
    assert _names_row(report.problem, first)
    assert _names_row(report.problem, last)


@pytest.mark.parametrize("deleted", [1, 3])
def test_rows_deleted_from_the_end_are_detected(vault: Vault, deleted: int) -> None:
    _record_some(vault)
    last = _last_seq(vault)
    _drop_guards(vault)
    vault.db.conn.execute("DELETE FROM audit_log WHERE seq > ?", (last - deleted,))

    report = vault.audit.verify()
    assert not report.ok
    assert report.first_bad_seq == last - deleted + 1
    assert _names_row(report.problem, last - deleted + 1)
    assert report.rows_checked == last - deleted


def test_two_swapped_rows_are_named_at_the_first(vault: Vault) -> None:
    seqs = _record_some(vault)
    a, b = seqs[2], seqs[5]
    _drop_guards(vault)
    cols = ", ".join(ROW_COLUMNS)
    row_a = vault.db.execute(f"SELECT {cols} FROM audit_log WHERE seq = ?", (a,)).fetchone()  # noqa: S608
    row_b = vault.db.execute(f"SELECT {cols} FROM audit_log WHERE seq = ?", (b,)).fetchone()  # noqa: S608
    assignments = ", ".join(f"{c} = ?" for c in ROW_COLUMNS)
    update = f"UPDATE audit_log SET {assignments} WHERE seq = ?"  # noqa: S608
    vault.db.conn.execute(update, (*row_b, a))
    vault.db.conn.execute(update, (*row_a, b))

    report = vault.audit.verify()
    assert report.first_bad_seq == a
    assert _names_row(report.problem, a)


def test_an_edited_head_is_detected(vault: Vault) -> None:
    _record_some(vault, 3)
    vault.db.conn.execute("UPDATE audit_head SET hash = ? WHERE id = 1", (GENESIS_HASH,))

    assert not vault.audit.verify().ok


# -- what the user sees ------------------------------------------------------------------------


def _tampered_closed_vault(vault: Vault) -> tuple[Path, int]:
    seqs = _record_some(vault)
    target = seqs[3]
    _drop_guards(vault)
    vault.db.conn.execute("UPDATE audit_log SET event = 'nothing to see' WHERE seq = ?", (target,))
    folder = vault.folder
    vault.close()
    return folder, target


def test_vault_check_reports_the_tampered_audit_row(vault: Vault) -> None:
    folder, target = _tampered_closed_vault(vault)

    with Vault.open_for_check(folder, PASSPHRASE) as checked:
        report = checked.check()
    assert not report.clean
    audit_problems = [p for p in report.problems if p.startswith("audit log:")]
    assert len(audit_problems) == 1
    assert _names_row(audit_problems[0], target)


def test_cli_check_exits_1_and_lists_the_tampered_audit_row(vault: Vault) -> None:
    folder, target = _tampered_closed_vault(vault)
    out = io.StringIO()

    code = cli.main(
        ["vault", "check", "--vault", str(folder), "--passphrase-stdin"],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=out,
    )

    assert code == 1
    text = out.getvalue()
    assert "problem" in text
    listed = [line for line in text.splitlines() if line.strip().startswith("- audit log:")]
    assert len(listed) == 1
    assert _names_row(listed[0], target)


# -- events the vault itself records -----------------------------------------------------------


def test_unlock_lock_passphrase_and_recovery_changes_are_logged(created: tuple[Path, str]) -> None:
    folder, first_code = created
    new_passphrase = "a different passphrase for the test"
    reset_passphrase = "yet another passphrase for the test"

    with Vault.open(folder, PASSPHRASE) as vault:
        vault.change_passphrase(PASSPHRASE, new_passphrase, kdf=CHEAP_KDF)
        second_code = vault.new_recovery_code(kdf=CHEAP_KDF)
    Vault.recover(folder, second_code, reset_passphrase, kdf=CHEAP_KDF).close()

    with Vault.open_for_check(folder, reset_passphrase) as checked:
        events = list(reversed(checked.audit.recent(limit=100)))
        assert checked.audit.verify().ok
    assert [e.event for e in events] == [
        "vault created",
        "audit anchor started",
        "unlock",
        "lock",
        "unlock",
        "passphrase changed",
        "new recovery code issued",
        "lock",
        "unlock",
        "passphrase reset with recovery code",
        "lock",
    ]
    unlock_methods = [e.detail["method"] for e in events if e.event == "unlock"]
    assert unlock_methods == ["new vault", "passphrase", "recovery code"]
    # The log never holds the secrets themselves.
    flat = json.dumps([(e.event, e.detail) for e in events])
    for secret in (PASSPHRASE, new_passphrase, reset_passphrase, first_code, second_code):
        assert secret not in flat
