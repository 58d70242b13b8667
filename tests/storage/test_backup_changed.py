"""Whether the vault changed since its last verified backup: what the automatic backups ask before writing one.

A change is any audited event after the backup's audit head but reading the chart, unlocking or locking, and
the backups' own settings (recording a backup moves the head itself; counting that would back up forever).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from therapy_desk.domain.backup import LAST_VERIFIED_KEY, LastBackup, parse_last_backup
from therapy_desk.domain.clients import Client
from therapy_desk.storage.backup import changed_since_backup, create_backup, last_verified_backup
from therapy_desk.storage.vault import Vault


@pytest.fixture
def target(tmp_path: Path) -> Path:
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


def _client(vault: Vault) -> int:
    created = vault.clients.create(Client("Ana", "Lopez", date(1990, 1, 2)))
    assert created.id is not None
    return created.id


def test_a_vault_never_backed_up_has_changed(vault: Vault) -> None:
    assert changed_since_backup(vault) is True


def test_nothing_changed_right_after_a_backup(vault: Vault, target: Path) -> None:
    result = create_backup(vault, target)

    record = last_verified_backup(vault)
    assert record is not None
    assert (record.audit_seq, record.audit_hash) == (result.manifest.audit_seq, result.manifest.audit_hash)
    assert vault.audit.head()[0] > result.manifest.audit_seq  # recording it moved the head
    assert changed_since_backup(vault) is False


def test_a_new_client_is_a_change(vault: Vault, target: Path) -> None:
    create_backup(vault, target)

    _client(vault)

    assert changed_since_backup(vault) is True


def test_the_backups_own_settings_are_not_a_change(vault: Vault, target: Path) -> None:
    create_backup(vault, target)

    vault.practice.set_setting("backup.warn_days", "3")
    vault.practice.set_setting("backup.auto", "off")

    assert changed_since_backup(vault) is False


def test_another_setting_is_a_change(vault: Vault, target: Path) -> None:
    create_backup(vault, target)

    vault.practice.set_setting("auto_lock_minutes", "5")

    assert changed_since_backup(vault) is True


def test_reading_the_chart_and_locking_and_unlocking_are_not_changes(
    vault: Vault, target: Path, created: tuple[Path, str]
) -> None:
    client_id = _client(vault)
    create_backup(vault, target)
    vault.caseload.chart_summary(client_id)  # audited as a chart read
    vault.close()

    reopened = Vault.open(created[0], PASSPHRASE)
    try:
        assert reopened.audit.recent(1)[0].event == "unlock"
        assert changed_since_backup(reopened) is False
        _client(reopened)
        assert changed_since_backup(reopened) is True
    finally:
        reopened.close()


def test_a_record_without_the_audit_head_counts_as_changed(vault: Vault, target: Path) -> None:
    create_backup(vault, target)
    record = last_verified_backup(vault)
    assert record is not None
    older = json.loads(record.to_json())
    del older["audit_head"]  # as the version before this one wrote it

    vault.practice.set_setting(LAST_VERIFIED_KEY, json.dumps(older))

    parsed = last_verified_backup(vault)
    assert parsed is not None
    assert (parsed.file_name, parsed.audit_seq) == (record.file_name, None)
    assert changed_since_backup(vault) is True


def test_a_head_the_log_does_not_hold_counts_as_changed(vault: Vault) -> None:
    seq, _head = vault.audit.head()
    alien = LastBackup(datetime.now(UTC), "/media/usb", "x.tdbackup", 10, "ab" * 32, seq, "cd" * 32)

    vault.practice.set_setting(LAST_VERIFIED_KEY, alien.to_json())

    assert changed_since_backup(vault) is True


def test_the_record_round_trips_with_its_audit_head() -> None:
    when = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    record = LastBackup(when, "/media/usb", "x.tdbackup", 10, "ab" * 32, 7, "cd" * 32)

    assert parse_last_backup(record.to_json()) == record
