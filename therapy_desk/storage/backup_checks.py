"""What each Verify of a backup file found, remembered in the vault's settings (`backup.checks`) so that
locking the vault, or closing the app, does not forget which backups were checked clean or found damaged.

Each entry names the file (a backup's name holds its vault and its time, so it is unique per vault), its
size then (a file of another size under the same name is a different file: not checked yet), when, and
whether it checked clean. At most MAX_CHECKS entries, the newest kept. The setting is read as hostile
input: bounded, every field checked, anything else dropped.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from therapy_desk.domain.backup_names import parse_backup_name
from therapy_desk.storage.backup_target import BackupFile
from therapy_desk.storage.practice import PracticeStore

CHECKS_SETTING = "backup.checks"
MAX_CHECKS = 200
_MAX_SETTING_CHARS = MAX_CHECKS * 300


@dataclass(frozen=True)
class BackupCheck:
    file_name: str
    size: int
    checked_at: str  # UTC, ISO 8601
    clean: bool


def _clean(raw: object) -> BackupCheck | None:
    if not isinstance(raw, dict):
        return None
    name, size, when, clean = (raw.get(key) for key in ("file_name", "size", "checked_at", "clean"))
    if not isinstance(name, str) or parse_backup_name(name) is None:
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0 or not isinstance(clean, bool):
        return None
    if not isinstance(when, str) or len(when) > 40:
        return None
    return BackupCheck(name, size, when, clean)


def load_checks(practice: PracticeStore) -> dict[str, BackupCheck]:
    """The remembered checks by file name (the newest for each name)."""
    text = practice.setting(CHECKS_SETTING)
    if not text or len(text) > _MAX_SETTING_CHARS:
        return {}
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    found: dict[str, BackupCheck] = {}
    for item in raw[:MAX_CHECKS] if isinstance(raw, list) else []:
        check = _clean(item)
        if check is not None and check.file_name not in found:
            found[check.file_name] = check
    return found


def remember_check(practice: PracticeStore, path: Path, size: int, *, clean: bool) -> BackupCheck:
    """Remember that the backup at `path` (of `size` bytes) checked clean or not, now; newest first."""
    check = BackupCheck(path.name, size, datetime.now(UTC).isoformat(timespec="seconds"), clean)
    others = [other for name, other in load_checks(practice).items() if name != path.name]
    kept = [check, *others][:MAX_CHECKS]
    practice.set_setting(CHECKS_SETTING, json.dumps([asdict(item) for item in kept]))
    return check


def check_states(practice: PracticeStore, files: list[BackupFile]) -> dict[Path, bool]:
    """For the backup files listed, what their remembered check found: True clean, False damaged; files
    never checked, or whose size changed since, are left out."""
    checks = load_checks(practice)
    states: dict[Path, bool] = {}
    for file in files:
        check = checks.get(file.path.name)
        if check is not None and check.size == file.size:
            states[file.path] = check.clean
    return states
