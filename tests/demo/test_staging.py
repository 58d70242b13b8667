"""A demo vault is whole or absent: built beside its place and moved in only when complete.

The build writes without a journal, so a demo cut short used to leave a vault that opened, and often
passed `vault check`, with most of the practice missing. Here the build is interrupted (by an error, by
SIGKILL) and what is left at the demo's place is either nothing or the complete demo.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.killing import run_and_kill
from therapy_desk.demo.builder import is_demo
from therapy_desk.demo.staging import create_demo_vault, is_unfinished_build
from therapy_desk.errors import ValidationError, VaultExists, VaultInUse
from therapy_desk.storage.vault import Vault

CLIENTS = 12  # the smallest demo practice
KILL_CLIENTS = 30


def _entries(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir())


def _assert_complete_demo(folder: Path, clients: int, passphrase: str = PASSPHRASE) -> None:
    with Vault.open(folder, passphrase) as vault:
        assert is_demo(vault)
        assert vault.clients.count() == clients
        assert vault.check().clean


def test_the_demo_arrives_complete_and_nothing_else_is_left_beside_it(cheap_calibration: None, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    seen: list[list[str]] = []

    made = create_demo_vault(
        folder, PASSPHRASE, clients=CLIENTS, years=1, progress=lambda done, total: seen.append(_entries(tmp_path))
    )

    assert made.folder == folder
    assert made.summary.clients == CLIENTS
    assert seen, "the build reports progress"
    assert all("demo" not in names for names in seen)  # while it is built, nothing sits at the demo's place
    assert all(any(is_unfinished_build(tmp_path / n) for n in names) for names in seen)
    assert _entries(tmp_path) == ["demo"]
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)
    _assert_complete_demo(folder, CLIENTS)


def test_a_build_that_fails_leaves_nothing(cheap_calibration: None, tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        create_demo_vault(tmp_path / "demo", PASSPHRASE, clients=5, years=1)

    assert _entries(tmp_path) == []


def test_a_build_stopped_part_way_leaves_nothing(cheap_calibration: None, tmp_path: Path) -> None:
    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        create_demo_vault(tmp_path / "demo", PASSPHRASE, clients=CLIENTS, years=1, progress=stop)

    assert _entries(tmp_path) == []


def test_a_folder_with_files_is_refused_before_anything_is_built(cheap_calibration: None, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")

    with pytest.raises(VaultExists):
        create_demo_vault(folder, PASSPHRASE, clients=CLIENTS, years=1)

    assert _entries(tmp_path) == ["demo"]
    assert _entries(folder) == ["keep.txt"]


def test_an_empty_folder_the_user_made_becomes_the_demo(cheap_calibration: None, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()

    create_demo_vault(folder, PASSPHRASE, clients=CLIENTS, years=1)

    _assert_complete_demo(folder, CLIENTS)


def test_leftovers_of_this_demo_are_cleared_and_nothing_else(cheap_calibration: None, tmp_path: Path) -> None:
    leftovers = [
        ".demo.demo-build-0123abcd",  # a staging folder of a killed build
        ".demo.demo-old-89abcdef",  # an old demo being swapped out when the kill came
        "..demo.demo-build-0123abcd.creating-00ff00ff",  # killed while the vault itself was being made
    ]
    kept = [
        ".demo.demo-build-0123abcd.txt",  # not the exact pattern
        ".demo.demo-build-XYZ",
        ".other.demo-build-0123abcd",  # another demo's leftovers are its own to clear
        ".demo2.demo-build-0123abcd",
        "demo.demo-build-0123abcd",  # not hidden: not ours
        "notes",
    ]
    for name in leftovers + kept:
        (tmp_path / name).mkdir()
        (tmp_path / name / "vault.db").write_bytes(b"half a build")
    os.symlink(tmp_path / "notes", tmp_path / ".demo.demo-build-fedcba98")  # a link by that name: left alone

    create_demo_vault(tmp_path / "demo", PASSPHRASE, clients=CLIENTS, years=1)

    assert _entries(tmp_path) == sorted(["demo", ".demo.demo-build-fedcba98", *kept])
    assert (tmp_path / "notes" / "vault.db").read_bytes() == b"half a build"


def test_a_second_build_of_the_same_demo_waits_its_turn(cheap_calibration: None, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    answers: list[str] = []

    def second_build(done: int, total: int) -> None:
        if answers:
            return
        with pytest.raises(VaultInUse) as busy:
            create_demo_vault(folder, PASSPHRASE, clients=CLIENTS, years=1)
        answers.append(str(busy.value))

    create_demo_vault(folder, PASSPHRASE, clients=CLIENTS, years=1, progress=second_build)

    assert len(answers) == 1
    assert "already being built" in answers[0]
    assert _entries(tmp_path) == ["demo"]  # the refused build touched nothing, not even the first one's staging
    _assert_complete_demo(folder, CLIENTS)


def test_replacing_swaps_the_old_demo_out_only_when_the_new_one_is_complete(
    cheap_calibration: None, tmp_path: Path
) -> None:
    folder = tmp_path / "demo"
    old = create_demo_vault(folder, PASSPHRASE, clients=CLIENTS, years=1, seed=1)
    with Vault.open(folder, PASSPHRASE) as vault:
        old_id = vault.vault_id

    def meanwhile(done: int, total: int) -> None:
        with Vault.open(folder, PASSPHRASE) as vault:  # the old demo is still there, whole, during the build
            assert vault.vault_id == old_id

    create_demo_vault(folder, PASSPHRASE, clients=CLIENTS, years=1, seed=2, replace=True, progress=meanwhile)

    with Vault.open(folder, PASSPHRASE) as vault:
        assert vault.vault_id != old_id
        assert vault.practice.setting("demo.seed") == "2"
    assert _entries(tmp_path) == ["demo"]
    assert old.folder == folder


def test_a_failed_replacement_keeps_the_old_demo(cheap_calibration: None, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    create_demo_vault(folder, PASSPHRASE, clients=CLIENTS, years=1)

    with pytest.raises(ValidationError):
        create_demo_vault(folder, PASSPHRASE, clients=3, years=1, replace=True)

    assert _entries(tmp_path) == ["demo"]
    _assert_complete_demo(folder, CLIENTS)


def test_an_old_demo_open_elsewhere_is_not_replaced(cheap_calibration: None, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    create_demo_vault(folder, PASSPHRASE, clients=CLIENTS, years=1)

    with Vault.open(folder, PASSPHRASE), pytest.raises(VaultInUse):
        create_demo_vault(folder, PASSPHRASE, clients=CLIENTS, years=1, replace=True)

    assert _entries(tmp_path) == ["demo"]
    _assert_complete_demo(folder, CLIENTS)


@pytest.mark.parametrize(
    ("name", "unfinished"),
    [
        (".demo.demo-build-0123abcd", True),
        (".My vault.demo-old-0123abcd", True),
        (".vault.creating-0123abcd", True),
        ("..demo.demo-build-0123abcd.creating-0123abcd", True),
        ("demo", False),
        ("vault", False),
        (".demo.demo-build-0123ABCD", False),
        (".demo.demo-build-0123abc", False),
        ("demo.demo-build-0123abcd", False),
    ],
)
def test_what_an_interrupted_build_leaves_is_recognised_by_its_name(name: str, unfinished: bool) -> None:
    assert is_unfinished_build(Path("/somewhere") / name) is unfinished


# -- SIGKILL -----------------------------------------------------------------------------------------------


def _demo_argv(folder: Path) -> list[str]:
    return ["demo", "--vault", str(folder), "--clients", str(KILL_CLIENTS), "--years", "1", "--passphrase-stdin"]


def _assert_whole_or_absent(folder: Path) -> bool:
    """The demo's place after a kill: nothing, or the complete demo. Returns whether the demo is there."""
    if not folder.exists():
        return False
    _assert_complete_demo(folder, KILL_CLIENTS)
    return True


def _building(parent: Path, name: str) -> Callable[[], bool]:
    """True once the empty vault the demo `name` is built in exists beside or at its place (not the folder
    `Vault.create` makes it in): the build proper has begun."""

    def started() -> bool:
        return any(
            p.is_dir() and name in p.name and ".creating-" not in p.name and (p / "vault.db").exists()
            for p in parent.iterdir()
        )

    return started


@pytest.mark.slow
def test_a_demo_killed_at_any_moment_is_whole_or_absent(tmp_path: Path) -> None:
    # One build unkilled, to learn how long the build proper takes on this machine; then kills spread over
    # it (and one a little after it), counted from the moment the build's vault.db appears.
    parent = tmp_path / "demos"
    parent.mkdir()
    whole = run_and_kill(
        _demo_argv(parent / "whole"), stdin=PASSPHRASE + "\n", after=600, once=_building(parent, "whole")
    )
    assert not whole.killed
    assert whole.returncode == 0, whole.stderr
    assert _assert_whole_or_absent(parent / "whole")

    outcomes = []
    for index, fraction in enumerate((0.0, 0.25, 0.5, 0.75, 0.95, 1.2)):
        folder = parent / f"demo-{index}"
        run = run_and_kill(
            _demo_argv(folder),
            stdin=PASSPHRASE + "\n",
            after=fraction * whole.seconds,
            once=_building(parent, folder.name),
        )
        assert run.killed or run.returncode == 0, run.stderr
        outcomes.append(_assert_whole_or_absent(folder))
        if outcomes.count(False) == 1 and not outcomes[-1]:
            # Once: the next build of the same demo clears what the killed one left and puts a whole demo there.
            rebuilt = run_and_kill(_demo_argv(folder), stdin=PASSPHRASE + "\n", after=600)
            assert rebuilt.returncode == 0, rebuilt.stderr
            assert _assert_whole_or_absent(folder)
            leftovers = [p.name for p in parent.iterdir() if f".{folder.name}." in p.name]
            assert leftovers == []
    assert not all(outcomes), "no kill landed before the demo was complete; the test proved nothing"
