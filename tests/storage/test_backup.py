"""Backups: a demo vault backed up and verified from the drive, the copy identical table by table, damage named,
targets refused before anything is written, cancel leaving nothing, and writes going on during a backup."""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.backup_files import edit_manifest, extract, flip_byte, open_extracted, rezip, table_hashes
from tests.conftest import PASSPHRASE
from therapy_desk.demo.builder import build_demo
from therapy_desk.domain.backup import parse_manifest
from therapy_desk.domain.rotation import RotationPolicy
from therapy_desk.errors import StorageFull, StorageReadOnly, UnusableLocation, VaultTooNew, WrongPassphrase
from therapy_desk.storage import backup as backup_module
from therapy_desk.storage import backup_target, db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.backup import back_up_and_rotate, create_backup, last_verified_backup, verify_backup
from therapy_desk.storage.backup_rotation import save_policy
from therapy_desk.storage.backup_target import list_backups
from therapy_desk.storage.migrations import CURRENT_VERSION
from therapy_desk.storage.vault import Vault

WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def demo(vault: Vault) -> Vault:
    build_demo(vault, clients=12, years=1)
    return vault


@pytest.fixture
def target(tmp_path: Path) -> Path:
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


def test_a_backup_verifies_and_its_database_is_the_vault_table_by_table(
    demo: Vault, target: Path, tmp_path: Path
) -> None:
    before = table_hashes(demo.db.conn)

    result = create_backup(demo, target, now=WHEN)

    assert result.path.name == f"TherapyDesk-{demo.vault_id}-20260301T093000Z.tdbackup"
    assert [p.name for p in target.iterdir()] == [result.path.name]  # no temporary file left
    assert verify_backup(result.path, "passphrase", PASSPHRASE).problems == []
    extract(result.path, tmp_path / "open")
    copy = open_extracted(tmp_path / "open")
    try:
        assert table_hashes(copy) == before
        assert result.manifest.row_counts["clients"] == 12
        seq, head = copy.execute("SELECT seq, hash FROM audit_head").fetchone()
        assert (seq, head) == (result.manifest.audit_seq, result.manifest.audit_hash)
    finally:
        copy.close()


def test_the_verified_backup_is_recorded_with_its_size_and_hash(demo: Vault, target: Path) -> None:
    assert last_verified_backup(demo) is None

    result = create_backup(demo, target)

    record = last_verified_backup(demo)
    assert record is not None
    assert (record.folder, record.file_name, record.size) == (
        str(target),
        result.path.name,
        os.path.getsize(result.path),
    )
    assert record.sha256 == result.sha256 == verify_backup(result.path, "passphrase", PASSPHRASE).sha256


def test_a_backup_verifies_with_the_recovery_code(created: tuple[Path, str], target: Path) -> None:
    with Vault.open(created[0], PASSPHRASE) as vault:
        path = create_backup(vault, target).path

    assert verify_backup(path, "recovery", created[1].lower()).clean


def test_a_wrong_passphrase_cannot_run_the_check(vault: Vault, target: Path) -> None:
    path = create_backup(vault, target).path

    with pytest.raises(WrongPassphrase, match="does not open this backup"):
        verify_backup(path, "passphrase", "not the passphrase at all")


def test_the_backup_holds_nothing_readable_without_the_key(demo: Vault, target: Path) -> None:
    data = create_backup(demo, target).path.read_bytes()

    assert b"SQLite format 3" not in data
    # Needles of 12 bytes or more: a shorter one (a 3-byte surname) turns up in 2 MB of ciphertext by chance.
    names = [client.listed_name.encode() for client in demo.clients.by_ids(list(range(1, 11))).values()]
    note = next(n for n in demo.notes.for_client(1, limit=20) if n.sections and n.sections[0].text)
    needles = [name for name in names if len(name) >= 12] + [note.sections[0].text.encode()[:60]]
    assert len(needles) >= 2
    assert [needle for needle in needles if needle in data] == []


# -- damage -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["vault.db", "keyslots.json", "audit-anchor.bin", "manifest.json"])
def test_a_flipped_byte_in_each_member_is_named(vault: Vault, target: Path, member: str) -> None:
    path = create_backup(vault, target).path
    flip_byte(path, member)

    report = verify_backup(path, "passphrase", PASSPHRASE)

    assert not report.clean
    assert any(member in p or (member == "manifest.json" and "manifest" in p) for p in report.problems), report.problems


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.99])
def test_a_truncated_backup_is_named(vault: Vault, target: Path, keep: float) -> None:
    path = create_backup(vault, target).path
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])

    report = verify_backup(path, "passphrase", PASSPHRASE)

    assert any("cut short" in p for p in report.problems), report.problems


def test_a_member_changed_with_a_matching_crc_fails_its_hash(vault: Vault, target: Path, tmp_path: Path) -> None:
    path = create_backup(vault, target).path
    changed = tmp_path / "changed.tdbackup"

    def damage(members: dict[str, bytes]) -> None:
        members["audit-anchor.bin"] = bytes(b ^ 1 for b in members["audit-anchor.bin"])

    rezip(path, changed, damage)

    problems = verify_backup(changed, "passphrase", PASSPHRASE).problems
    assert problems == [
        "audit-anchor.bin in the backup does not match the SHA-256 its manifest records: it was changed or damaged "
        "after the backup was written."
    ]


def test_a_backup_from_a_newer_schema_is_refused_with_the_sentence(vault: Vault, target: Path, tmp_path: Path) -> None:
    newer = tmp_path / "newer.tdbackup"
    rezip(create_backup(vault, target).path, newer, lambda m: edit_manifest(m, schema_version=CURRENT_VERSION + 1))

    with pytest.raises(VaultTooNew, match="Install the newer Therapy Desk"):
        verify_backup(newer, "passphrase", PASSPHRASE)


def test_members_that_are_not_ours_are_named_and_never_extracted(vault: Vault, target: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd.tdbackup"
    rezip(create_backup(vault, target).path, odd, lambda m: m.update({"../escaped.txt": b"x", "notes.txt": b"y"}))

    report = verify_backup(odd, "passphrase", PASSPHRASE)

    assert report.problems == ["The backup holds 2 member(s) that are not part of a Therapy Desk backup."]
    assert not (tmp_path / "escaped.txt").exists()


def test_a_manifest_that_is_not_ours_is_named(vault: Vault, target: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd.tdbackup"
    rezip(create_backup(vault, target).path, odd, lambda m: edit_manifest(m, audit_head={"seq": -1}))

    assert any("manifest cannot be used" in p for p in verify_backup(odd, "passphrase", PASSPHRASE).problems)


def test_the_manifest_round_trips(vault: Vault, target: Path) -> None:
    manifest = create_backup(vault, target).manifest

    assert parse_manifest(manifest.to_json()) == manifest


# -- targets --------------------------------------------------------------------------------------------


def test_a_missing_folder_is_refused(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(UnusableLocation, match="does not exist"):
        create_backup(vault, tmp_path / "not-plugged-in")


def test_a_read_only_folder_is_refused_before_writing(vault: Vault, target: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    target.chmod(0o500)
    try:
        with pytest.raises(StorageReadOnly, match="read-only"):
            create_backup(vault, target)
    finally:
        target.chmod(0o700)
    assert list(target.iterdir()) == []


def test_too_little_free_space_is_refused_with_the_numbers(
    vault: Vault, target: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Usage:
        free = 100 * 1024

    monkeypatch.setattr(shutil, "disk_usage", lambda _p: Usage())
    with pytest.raises(StorageFull, match=r"has 0\.1 MiB free, but this backup needs about \d"):
        create_backup(vault, target)
    assert list(target.iterdir()) == []


def test_a_fat32_drive_refuses_a_backup_over_4_gib(vault: Vault, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mounts = target.parent / "mounts"
    mounts.write_text(f"/dev/sdz1 {target} vfat rw 0 0\n/dev/root / ext4 rw 0 0\n")
    monkeypatch.setattr(backup_target, "MOUNTS", mounts)
    assert backup_target.file_size_limit(target) == backup_target.FAT32_LIMIT
    monkeypatch.setattr(backup_module, "ZIP_OVERHEAD", 5 * 1024**3)  # as if the vault were 5 GiB

    with pytest.raises(UnusableLocation, match=r"about 5\.00 GiB.*formatted vfat.*no file over 4\.00 GiB"):
        create_backup(vault, target)
    assert list(target.iterdir()) == []


def test_an_existing_backup_is_never_overwritten(vault: Vault, target: Path) -> None:
    first = create_backup(vault, target, now=WHEN).path
    before = first.read_bytes()

    with pytest.raises(UnusableLocation, match="already in"):
        create_backup(vault, target, now=WHEN)
    assert first.read_bytes() == before


# -- cancel ---------------------------------------------------------------------------------------------


class Cancelled(Exception):
    pass


@pytest.mark.parametrize("at_call", [1, 3, 6, -2])
def test_cancel_at_any_point_leaves_no_file_and_no_record(
    demo: Vault, target: Path, monkeypatch: pytest.MonkeyPatch, at_call: int
) -> None:
    monkeypatch.setattr(backup_module, "STEP_PAGES", 8)
    calls: list[int] = []
    create_backup(demo, target, progress=lambda d, t: calls.append(d))  # how many calls a whole backup makes
    for p in target.iterdir():
        p.unlink()
    demo.practice.set_setting("backup.last_verified", "")
    stop = (len(calls) + at_call) if at_call < 0 else at_call
    seen = [0]

    def progress(done: int, total: int) -> None:
        seen[0] += 1
        if seen[0] == stop:
            raise Cancelled

    with pytest.raises(Cancelled):
        create_backup(demo, target, progress=progress)

    assert list(target.iterdir()) == []
    assert last_verified_backup(demo) is None
    assert demo.check().clean


# -- writes during a backup ------------------------------------------------------------------------------


def test_a_backup_taken_while_another_thread_writes_is_consistent_and_the_writes_go_on(
    demo: Vault, target: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(backup_module, "STEP_PAGES", 4)
    stop, during, written = threading.Event(), threading.Event(), [0]
    backing_up = threading.Event()

    def writer() -> None:
        handle = demo.for_worker()
        try:
            while not stop.is_set():
                handle.audit.record("test write", detail={"n": written[0]})
                written[0] += 1
                if backing_up.is_set():
                    during.set()
        finally:
            handle.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.05)

        def slow(_done: int, _total: int) -> None:
            backing_up.set()
            time.sleep(0.002)

        result = create_backup(demo, target, progress=slow)
        at_end = written[0]
        time.sleep(0.05)
    finally:
        stop.set()
        thread.join()

    assert during.is_set()  # the writer committed while the backup ran
    assert written[0] > at_end  # and carried on after it
    assert verify_backup(result.path, "passphrase", PASSPHRASE).clean
    extract(result.path, tmp_path / "open")
    copy = open_extracted(tmp_path / "open")
    try:
        audit = AuditStore(db.Database(copy, tmp_path / "open" / "vault.db"))
        assert audit.verify().problem is None  # one moment: the chain is whole up to the manifest's head
        assert audit.head()[0] == result.manifest.audit_seq
    finally:
        copy.close()


def test_list_shows_our_backups_newest_first_and_ignores_other_files(vault: Vault, target: Path) -> None:
    older = create_backup(vault, target, now=WHEN).path
    newer = create_backup(vault, target, now=WHEN.replace(hour=10)).path
    (target / "holiday.jpg").write_bytes(b"x")
    (target / "TherapyDesk-not-a-vault.tdbackup").write_bytes(b"x")

    assert [f.path for f in list_backups(target)] == [newer, older]


def test_a_verified_backup_thins_the_folders_older_ones_by_the_policy(vault: Vault, target: Path) -> None:
    save_policy(vault.practice, RotationPolicy(keep_newest=2, keep_daily=0, keep_weekly=0, keep_monthly=0))
    first = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    names = []
    for day in range(3):
        result, pruned = back_up_and_rotate(vault, target, now=first + timedelta(days=day))
        names.append(result.path.name)
    assert pruned.deleted == (names[0],)  # the third leaves the newest two
    assert sorted(p.name for p in target.iterdir()) == sorted(names[1:])
