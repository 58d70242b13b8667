"""The name of a backup file: `TherapyDesk-<vault id>-<UTC time>.tdbackup`.

A name says which vault a backup belongs to and when it was taken, so a folder of backups can be listed,
sorted and thinned without opening a file. A name read from a folder is hostile input: anything that is
not exactly this shape (a vault id that is a UUID, a real UTC time to the second) is not one of ours and is
left alone.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

SUFFIX = ".tdbackup"
PREFIX = "TherapyDesk-"
_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(
    r"TherapyDesk-(?P<vault>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(?P<time>\d{8}T\d{6}Z)"
    + re.escape(SUFFIX)
)


@dataclass(frozen=True)
class BackupName:
    vault_id: str
    taken_at: datetime  # UTC, to the second

    @property
    def file_name(self) -> str:
        return f"{PREFIX}{self.vault_id}-{self.taken_at.astimezone(UTC):{_TIME_FORMAT}}{SUFFIX}"


def backup_name(vault_id: str, taken_at: datetime) -> BackupName:
    """The name for a backup of `vault_id` taken at `taken_at` (an aware time; kept to the second, in UTC)."""
    if taken_at.tzinfo is None:
        raise ValueError("a backup's time must carry its time zone")
    return BackupName(str(uuid.UUID(vault_id)), taken_at.astimezone(UTC).replace(microsecond=0))


def parse_backup_name(file_name: str) -> BackupName | None:
    """The vault and time a backup file's name gives, or None when the name is not one this app writes."""
    match = _NAME.fullmatch(file_name)
    if match is None:
        return None
    try:
        taken = datetime.strptime(match["time"], _TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    return BackupName(match["vault"], taken)
