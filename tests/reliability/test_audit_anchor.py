"""The audit anchor: history cut off, rolled back or lost with a deleted write-ahead file is named.

Every attack here leaves an audit chain that verifies on its own (the old `vault check` said "clean");
the anchor beside the database is what notices.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.children import child_env, python_code
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.storage.tampering import raw_connection
from therapy_desk.storage import anchor
from therapy_desk.storage.anchor import ANCHOR_FILE, AuditAnchor, anchor_key
from therapy_desk.storage.vault import Vault

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _check_problems(folder: Path) -> list[str]:
    with Vault.open_for_check(folder, PASSPHRASE) as vault:
        return vault.check().problems


def _events(vault: Vault, limit: int = 20) -> list[str]:
    return [e.event for e in reversed(vault.audit.recent(limit))]


def _add_events(folder: Path, count: int) -> int:
    """Open, record `count` events, close; returns the head's number after the close."""
    with Vault.open(folder, PASSPHRASE) as vault:
        for n in range(count):
            vault.audit.record("work", detail={"n": n})
    with Vault.open_for_check(folder, PASSPHRASE) as vault:
        return vault.audit.head()[0]


# -- what a clean vault looks like ------------------------------------------------------------------


def test_a_vault_keeps_an_anchor_that_follows_every_commit(created: tuple[Path, str]) -> None:
    folder, _ = created
    with Vault.open(folder, PASSPHRASE) as vault:
        for n in range(3):
            vault.audit.record("work", detail={"n": n})
            head = vault.audit.head()
            record = AuditAnchor(folder, vault.vault_id, anchor_key(vault._data_key, vault.vault_id)).read()
            assert record is not None
            assert (record.seq, record.head_hash) == head
        assert vault.warnings == []

    assert _check_problems(folder) == []


def test_opening_an_anchor_lagging_behind_is_clean_and_anchors_again(created: tuple[Path, str]) -> None:
    folder, _ = created
    with Vault.open(folder, PASSPHRASE) as vault:
        vault.audit.record("work")
        lagging = vault.audit.head()
    with Vault.open(folder, PASSPHRASE) as vault:
        vault._anchor.write(*lagging, force=True)
        vault.audit.record("more work")
        vault._anchor.write(*lagging, force=True)  # as if every anchor write since had been lost
    with Vault.open(folder, PASSPHRASE) as vault:
        assert vault.warnings == []
    assert _check_problems(folder) == []


# -- rollback, cut tails, lost write-ahead files -----------------------------------------------------


def test_an_older_copy_of_the_database_put_in_place_is_named_on_check_and_on_open(created: tuple[Path, str]) -> None:
    folder, _ = created
    old_copy = folder.parent / "vault.db.old"
    shutil.copyfile(folder / "vault.db", old_copy)  # closed vault: everything is in vault.db
    anchored = _add_events(folder, 5)
    shutil.copyfile(old_copy, folder / "vault.db")

    problems = _check_problems(folder)
    with Vault.open(folder, PASSPHRASE) as vault:
        warnings = list(vault.warnings)
        loss = [e for e in vault.audit.recent(5) if e.event == anchor.LOSS_EVENT]

    assert len(problems) == 1, problems
    assert f"up to event {anchored}" in problems[0]
    assert "missing" in problems[0]
    assert len(warnings) == 1
    assert "An older copy of vault.db was put in place" in warnings[0]
    assert loss
    assert loss[0].detail["anchored_seq"] == anchored
    # Once found and recorded, the loss stays on the record that `vault check` reads.
    later = _check_problems(folder)
    assert len(later) == 1, later
    assert f"events up to {anchored} were found missing" in later[0]


def test_an_audit_log_cut_short_with_its_head_rewound_is_named(created: tuple[Path, str]) -> None:
    folder, _ = created
    anchored = _add_events(folder, 6)
    conn = raw_connection(folder, PASSPHRASE)  # someone with the key, outside the app
    keep = anchored - 4
    (kept_hash,) = conn.execute("SELECT row_hash FROM audit_log WHERE seq = ?", (keep,)).fetchone()
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE seq > ?", (keep,))
    conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (keep, kept_hash))
    conn.close()

    problems = _check_problems(folder)

    assert any(f"events {keep + 1}–{anchored} are missing" in p for p in problems), problems


def test_an_audit_log_emptied_and_reset_to_its_start_is_named(created: tuple[Path, str]) -> None:
    folder, _ = created
    anchored = _add_events(folder, 3)
    conn = raw_connection(folder, PASSPHRASE)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log")
    conn.execute("UPDATE audit_head SET seq = 0, hash = ? WHERE id = 1", ("0" * 64,))
    conn.close()

    problems = _check_problems(folder)

    assert any(f"events 1–{anchored} are missing" in p for p in problems), problems


def test_an_audit_log_rewritten_from_the_anchored_event_on_is_named(created: tuple[Path, str]) -> None:
    folder, _ = created
    anchored = _add_events(folder, 2)
    conn = raw_connection(folder, PASSPHRASE)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET row_hash = ? WHERE seq = ?", ("f" * 64, anchored))
    conn.execute("UPDATE audit_head SET hash = ? WHERE id = 1", ("f" * 64,))
    conn.close()

    problems = _check_problems(folder)

    assert any(f"event {anchored} is not the one this vault recorded" in p for p in problems), problems


@pytest.mark.slow
def test_commits_lost_with_a_write_ahead_file_deleted_after_a_kill_are_named(created: tuple[Path, str]) -> None:
    folder, _ = created
    writer = (
        "import sys\nfrom pathlib import Path\nfrom therapy_desk.storage.vault import Vault\n"
        "vault = Vault.open(Path(sys.argv[1]), sys.stdin.readline().rstrip('\\n'))\n"
        "for n in range(40):\n"
        "    vault.audit.record('acknowledged', detail={'n': n})\n"
        "    print(vault.audit.head()[0], flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [*python_code(writer), str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(PASSPHRASE + "\n")
    proc.stdin.close()
    acknowledged = [int(proc.stdout.readline()) for _ in range(40)]
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    assert (folder / "vault.db-wal").exists()  # the 40 commits live there until a checkpoint
    (folder / "vault.db-wal").unlink()
    (folder / "vault.db-shm").unlink(missing_ok=True)

    problems = _check_problems(folder)

    assert any(f"up to event {acknowledged[-1]}" in p and "write-ahead file" in p for p in problems), problems


# -- the anchor file itself -----------------------------------------------------------------------------


def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_an_edited_anchor_is_named_as_damaged_and_a_normal_open_renews_it(created: tuple[Path, str]) -> None:
    folder, _ = created
    _add_events(folder, 1)
    for offset in (20, 512 + 20):  # both slots: the counter of each
        _flip_byte(folder / ANCHOR_FILE, offset)

    problems = _check_problems(folder)
    with Vault.open(folder, PASSPHRASE) as vault:
        warnings = list(vault.warnings)

    assert any("audit anchor" in p and "damaged" in p for p in problems), problems
    assert warnings
    assert "damaged" in warnings[0]
    assert not [p for p in _check_problems(folder) if "anchor (" in p]  # renewed: the file itself is good again


def test_one_torn_slot_is_survived_by_the_other(created: tuple[Path, str]) -> None:
    folder, _ = created
    _add_events(folder, 2)
    data = (folder / ANCHOR_FILE).read_bytes()
    newest = 0 if data[8:16] > data[512 + 8 : 512 + 16] else 512
    _flip_byte(folder / ANCHOR_FILE, newest + 40)  # tear the newest slot: the older one is one commit behind

    assert _check_problems(folder) == []


def test_an_anchor_from_another_vault_is_named(created: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = created
    other, _ = Vault.create(tmp_path / "other", PASSPHRASE, kdf=CHEAP_KDF)
    other.close()
    shutil.copyfile(tmp_path / "other" / ANCHOR_FILE, folder / ANCHOR_FILE)

    problems = _check_problems(folder)

    assert any("another vault" in p for p in problems), problems


def test_a_deleted_anchor_is_named_when_the_vault_has_kept_one(created: tuple[Path, str]) -> None:
    folder, _ = created
    (folder / ANCHOR_FILE).unlink()

    problems = _check_problems(folder)

    assert any("audit anchor" in p and "is missing" in p for p in problems), problems


@pytest.mark.parametrize("size", [0, 1023, 1025, 4096])
def test_an_anchor_of_the_wrong_size_is_damaged_not_a_crash(created: tuple[Path, str], size: int) -> None:
    folder, _ = created
    (folder / ANCHOR_FILE).write_bytes(b"\0" * size)

    problems = _check_problems(folder)

    assert any("damaged" in p for p in problems), problems


def test_a_vault_from_before_anchors_starts_keeping_one_without_complaint(tmp_path: Path) -> None:
    folder = tmp_path / "vault-v2"
    shutil.copytree(FIXTURES / "vault-v2", folder)  # made before anchors were kept
    assert not (folder / ANCHOR_FILE).exists()

    with Vault.open(folder, "fixture passphrase v2") as vault:
        assert vault.warnings == []
        assert anchor.STARTED_EVENT in _events(vault)
    with Vault.open_for_check(folder, "fixture passphrase v2") as vault:
        assert vault.check().problems == []
    assert (folder / ANCHOR_FILE).stat().st_size == 1024
