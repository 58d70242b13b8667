"""A folder to write backups to: whether it can take one (before anything is written), and what it holds.

The limits are read from the system: free space with `shutil.disk_usage`, the file system's type from
/proc/mounts on Linux (FAT32 takes no file of 4 GiB or more). Where the type cannot be found (another
platform, no /proc), there is no known limit and only the free space is checked; a write that then meets
the limit fails with EFBIG and is reported as a sentence like any other write error.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from therapy_desk.domain.backup_names import BackupName, parse_backup_name
from therapy_desk.errors import StorageFull, StorageReadOnly, UnusableLocation

FAT32_LIMIT = 4 * 1024**3 - 1
# File systems whose largest file is known to be smaller than any disk (by /proc/mounts type).
_SIZE_LIMITS = {"vfat": FAT32_LIMIT, "msdos": FAT32_LIMIT, "fat": FAT32_LIMIT, "umsdos": FAT32_LIMIT}
MOUNTS = Path("/proc/mounts")


def _gib(size: int) -> str:
    return f"{size / 1024**3:.2f} GiB" if size >= 1024**3 else f"{size / 1024**2:.1f} MiB"


def file_system_type(folder: Path) -> str | None:
    """The type /proc/mounts gives for the mount holding `folder` (the longest mount point above it), or None."""
    try:
        lines = MOUNTS.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    real = os.path.realpath(folder)
    best, kind = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, parts[2]
    return kind


def file_size_limit(folder: Path) -> int | None:
    """The largest file the file system holding `folder` takes, when known to be limited (FAT32); else None."""
    kind = file_system_type(folder)
    return None if kind is None else _SIZE_LIMITS.get(kind)


def check_target(folder: Path, *, file_size: int, space_needed: int) -> None:
    """Refuse, with the numbers, a folder that is missing, not a folder, read-only, too full, or whose file
    system cannot hold a file of `file_size` bytes. Nothing is written."""
    if not folder.exists():
        raise UnusableLocation(
            f"The backup folder {folder} does not exist. Connect the drive or choose another folder."
        )
    if not folder.is_dir():
        raise UnusableLocation(f"{folder} is a file, not a folder. Choose a folder for the backup.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageReadOnly(
            f"Therapy Desk cannot write to {folder}: the folder or drive is read-only, or you lack permission. "
            "Choose a folder you can write to."
        )
    free = shutil.disk_usage(folder).free
    if free < space_needed:
        raise StorageFull(
            f"The drive holding {folder} has {_gib(free)} free, but this backup needs about {_gib(space_needed)} "
            f"while it is written (the backup itself is about {_gib(file_size)}). Free some space or choose "
            "another drive; nothing was written."
        )
    limit = file_size_limit(folder)
    if limit is not None and file_size > limit:
        raise UnusableLocation(
            f"The backup would be about {_gib(file_size)}, but the drive holding {folder} is formatted "
            f"{file_system_type(folder) or 'FAT32'}, which takes no file over {_gib(limit + 1)}. Reformat it as "
            "exFAT or NTFS, or choose another drive; nothing was written."
        )


@dataclass(frozen=True)
class BackupFile:
    path: Path
    name: BackupName
    size: int


def list_backups(folder: Path) -> list[BackupFile]:
    """The backups in `folder` by their names (newest first); files whose names are not ours are left out."""
    found = []
    for entry in os.scandir(folder):
        name = parse_backup_name(entry.name)
        if name is None or not entry.is_file(follow_symlinks=False):
            continue
        found.append(BackupFile(Path(entry.path), name, entry.stat(follow_symlinks=False).st_size))
    return sorted(found, key=lambda f: (f.name.taken_at, f.path.name), reverse=True)
