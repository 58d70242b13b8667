"""The practice's time zone is stored once and then read, never taken from the clock again."""

from __future__ import annotations

from pathlib import Path

import pytest

from therapy_desk.errors import ValidationError
from therapy_desk.storage.practice_zone import computer_zone_name, practice_zone_name, set_practice_zone
from therapy_desk.storage.vault import Vault


def test_the_first_read_stores_the_computers_zone_and_later_reads_keep_it(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/Chicago")
    assert vault.practice.setting("practice_time_zone") is None
    assert practice_zone_name(vault.practice) == "America/Chicago"
    monkeypatch.setenv("TZ", "Europe/Dublin")  # the laptop travels
    assert practice_zone_name(vault.practice) == "America/Chicago"
    assert vault.practice.setting("practice_time_zone") == "America/Chicago"


def test_a_new_zone_is_checked_before_it_is_stored(vault: Vault) -> None:
    assert set_practice_zone(vault.practice, " America/Denver ") == "America/Denver"
    with pytest.raises(ValidationError, match="not a time zone"):
        set_practice_zone(vault.practice, "Somewhere/Else")
    assert practice_zone_name(vault.practice) == "America/Denver"


def test_the_computers_zone_comes_from_tz_or_localtime(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TZ", raising=False)
    target = tmp_path / "usr" / "share" / "zoneinfo" / "America" / "Phoenix"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"")
    link = tmp_path / "localtime"
    link.symlink_to(target)
    assert computer_zone_name(link) == "America/Phoenix"
    assert computer_zone_name(tmp_path / "missing") == "UTC"
    monkeypatch.setenv("TZ", ":Asia/Tokyo")
    assert computer_zone_name(link) == "Asia/Tokyo"
