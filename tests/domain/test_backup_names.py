"""Backup file names: written and read back; anything else in a folder is not ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from therapy_desk.domain.backup_names import backup_name, parse_backup_name

VAULT = "3f2a91c0-5b7d-4e21-9a3c-0d8e6f1b2a47"


def test_a_name_is_written_in_utc_to_the_second_and_read_back() -> None:
    local = datetime(2026, 12, 2, 9, 30, 15, 999, tzinfo=timezone(timedelta(hours=-5)))
    name = backup_name(VAULT, local)
    assert name.file_name == f"TherapyDesk-{VAULT}-20261202T143015Z.tdbackup"
    assert parse_backup_name(name.file_name) == name
    assert name.taken_at == datetime(2026, 12, 2, 14, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "file_name",
    [
        f"TherapyDesk-{VAULT}-20261202T143015Z.tdbackup.tmp",  # a write in progress
        f"TherapyDesk-{VAULT}-20261302T143015Z.tdbackup",  # month 13
        f"TherapyDesk-{VAULT.upper()}-20261202T143015Z.tdbackup",
        "TherapyDesk-not-a-vault-20261202T143015Z.tdbackup",
        f"../TherapyDesk-{VAULT}-20261202T143015Z.tdbackup",
        f"TherapyDesk-{VAULT}-20261202T143015Z.zip",
        "notes.txt",
    ],
)
def test_a_name_of_another_shape_is_not_ours(file_name: str) -> None:
    assert parse_backup_name(file_name) is None


def test_a_time_without_its_zone_or_a_bad_vault_id_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        backup_name(VAULT, datetime(2026, 12, 2, 9, 30))
    with pytest.raises(ValueError, match="badly formed hexadecimal UUID string"):
        backup_name("not-a-uuid", datetime.now(UTC))
