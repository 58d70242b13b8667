"""One process at a time: a vault held open is refused to everyone else, at once, until it is let go.

These run real child processes against real vault folders. Secrets go to the children on stdin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.children import child_env, cli_command, python_code
from tests.conftest import PASSPHRASE
from therapy_desk.errors import VaultDamaged, VaultInUse, WrongPassphrase
from therapy_desk.storage.lock import LOCK_FILE, is_in_use
from therapy_desk.storage.vault import Vault

pytestmark = pytest.mark.slow

CHILD_TIMEOUT = 30.0

# Tries once to open the vault at argv[1] with the passphrase on stdin; reports what happened as JSON.
TRY_OPEN = """
import json, sys, time
from pathlib import Path
from therapy_desk.errors import VaultInUse
from therapy_desk.storage.vault import Vault

passphrase = sys.stdin.readline().rstrip("\\n")
started = time.monotonic()
try:
    vault = Vault.open(Path(sys.argv[1]), passphrase)
except VaultInUse as err:
    print(json.dumps({"result": "in use", "message": str(err), "seconds": time.monotonic() - started}))
    sys.exit(3)
vault.close()
print(json.dumps({"result": "opened", "seconds": time.monotonic() - started}))
"""

# Opens the vault, says so, then holds it until killed.
HOLD_OPEN = """
import sys, time
from pathlib import Path
from therapy_desk.storage.vault import Vault

vault = Vault.open(Path(sys.argv[1]), sys.stdin.readline().rstrip("\\n"))
print("holding", flush=True)
time.sleep(120)
"""


def _try_open_in_child(folder: Path) -> tuple[int, dict[str, object], float]:
    """(exit code, the child's report, wall seconds for the whole child)."""
    started = time.monotonic()
    proc = subprocess.run(
        [*python_code(TRY_OPEN), str(folder)],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        env=child_env(),
        check=False,
    )
    elapsed = time.monotonic() - started
    assert proc.stdout.strip(), f"child printed nothing; stderr:\n{proc.stderr}"
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1]), elapsed


def test_second_process_is_refused_at_once_while_vault_is_open_then_admitted_after_close(vault: Vault) -> None:
    code, report, elapsed = _try_open_in_child(vault.folder)

    assert (code, report["result"]) == (3, "in use")
    assert "in use" in str(report["message"])
    # Refused without waiting: well under SQLite's 2 s busy timeout, let alone the child timeout.
    assert float(str(report["seconds"])) < 1.0
    assert elapsed < CHILD_TIMEOUT / 2

    vault.close()
    code, report, _ = _try_open_in_child(vault.folder)
    assert (code, report["result"]) == (0, "opened")


def test_second_open_in_the_same_process_is_refused(vault: Vault) -> None:
    with pytest.raises(VaultInUse, match="in use"):
        Vault.open(vault.folder, PASSPHRASE)
    with pytest.raises(VaultInUse, match="in use"):
        Vault.open_for_check(vault.folder, PASSPHRASE)

    # The refused attempts did not disturb the holder.
    vault.audit.record("still working")
    assert vault.audit.recent(limit=1)[0].event == "still working"


def test_a_refused_attempt_does_not_release_the_holders_lock(vault: Vault) -> None:
    # With POSIX record locks, closing any descriptor of the file drops the process's lock;
    # the refused in-process attempt closes its own descriptor, and the holder must keep the vault.
    with pytest.raises(VaultInUse):
        Vault.open(vault.folder, PASSPHRASE)

    code, report, _ = _try_open_in_child(vault.folder)
    assert (code, report["result"]) == (3, "in use")


def test_wrong_passphrase_does_not_leave_the_vault_locked(created: tuple[Path, str]) -> None:
    folder, _ = created
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, "not the passphrase at all")

    with Vault.open(folder, PASSPHRASE) as vault:
        assert vault.is_open


def test_vault_opens_again_after_the_process_holding_it_is_killed(created: tuple[Path, str]) -> None:
    folder, _ = created
    holder = subprocess.Popen(
        [*python_code(HOLD_OPEN), str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert holder.stdin is not None
        assert holder.stdout is not None
        holder.stdin.write(PASSPHRASE + "\n")
        holder.stdin.close()
        line = holder.stdout.readline()
        assert line.strip() == "holding", holder.stderr.read() if holder.stderr else ""
        with pytest.raises(VaultInUse):
            Vault.open(folder, PASSPHRASE)
    finally:
        holder.kill()  # SIGKILL on POSIX: no cleanup runs in the child
        holder.wait(timeout=CHILD_TIMEOUT)
        for pipe in (holder.stdout, holder.stderr):
            if pipe is not None:
                pipe.close()
    assert holder.returncode != 0

    with Vault.open(folder, PASSPHRASE) as vault:
        assert vault.check().clean


def test_cli_check_while_the_vault_is_open_elsewhere_says_in_use(vault: Vault) -> None:
    proc = subprocess.run(
        cli_command("vault", "check", "--vault", str(vault.folder), "--passphrase-stdin"),
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        env=child_env(),
        check=False,
    )

    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "in use" in lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


# -- the lock follows the files, not their names -------------------------------------------------------


@pytest.mark.reliability
@pytest.mark.parametrize("replacement", ["deleted", "replaced by a new file"])
def test_removing_the_lock_file_does_not_let_a_second_process_in(vault: Vault, replacement: str) -> None:
    lock_file = vault.folder / LOCK_FILE
    lock_file.unlink()
    if replacement == "replaced by a new file":
        lock_file.touch()

    code, report, _ = _try_open_in_child(vault.folder)

    if sys.platform.startswith("linux"):  # the database file itself is locked too
        assert (code, report["result"]) == (3, "in use")
    else:  # pragma: no cover - elsewhere the holder stops writing instead (next test)
        assert report["result"] in ("in use", "opened")


@pytest.mark.reliability
def test_a_holder_whose_lock_file_was_replaced_stops_writing_with_a_sentence(vault: Vault) -> None:
    vault.audit.record("before")
    (vault.folder / LOCK_FILE).unlink()
    (vault.folder / LOCK_FILE).touch()  # what a second process does when it finds no lock file

    with pytest.raises(VaultInUse, match=r"lock file .* was removed or replaced"):
        vault.audit.record("after")

    assert [e.event for e in vault.audit.recent(limit=1)] == ["before"]  # nothing was written


@pytest.mark.reliability
@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_lock_file_that_is_a_link_is_refused_with_a_sentence(created: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = created
    elsewhere = tmp_path / "elsewhere.lock"
    elsewhere.touch()
    (folder / LOCK_FILE).unlink()
    (folder / LOCK_FILE).symlink_to(elsewhere)

    with pytest.raises(VaultDamaged, match="is a link"):
        Vault.open(folder, PASSPHRASE)


# -- asking whether a vault is in use, without unlocking it ----------------------------------------


def test_in_use_is_known_before_any_passphrase_and_asking_keeps_nothing(created: tuple[Path, str]) -> None:
    folder, _ = created
    assert not is_in_use(folder)
    with Vault.open(folder, PASSPHRASE) as vault:
        assert is_in_use(folder)
        vault.audit.record("still working")  # asking did not disturb the holder
        code, report, _ = _try_open_in_child(folder)
        assert (code, report["result"]) == (3, "in use")
    assert not is_in_use(folder)
    with Vault.open(folder, PASSPHRASE):  # asking left no lock behind
        pass


def test_a_vault_held_by_another_process_is_in_use_until_that_process_dies(created: tuple[Path, str]) -> None:
    folder, _ = created
    holder = subprocess.Popen(
        [*python_code(HOLD_OPEN), str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert holder.stdin is not None
        assert holder.stdout is not None
        holder.stdin.write(PASSPHRASE + "\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "holding"
        assert is_in_use(folder)
    finally:
        holder.kill()
        holder.communicate(timeout=CHILD_TIMEOUT)
    assert not is_in_use(folder)


def test_a_folder_never_opened_or_not_a_vault_is_not_in_use(tmp_path: Path, created: tuple[Path, str]) -> None:
    assert not is_in_use(tmp_path / "nowhere")
    assert not is_in_use(tmp_path)
    folder, _ = created
    (folder / LOCK_FILE).unlink()
    (folder / LOCK_FILE).symlink_to(tmp_path / "elsewhere")
    assert not is_in_use(folder)  # opening says what is wrong with the lock file, in its own words
    assert not (tmp_path / "elsewhere").exists()
