"""The places a vault's backups go, remembered in its settings (`backup.targets`) so the same USB stick is
recognised the next time it is plugged in, wherever the system mounts it.

A target is a folder; on a removable drive it also carries the drive's identity as the system gives it:
the volume's name (its label) and an id (the file system's UUID where Linux lists one under
/dev/disk/by-uuid, else the device Qt names, which on Windows is the volume's own GUID path), and the
folder's place inside the drive. The list is read as hostile input (another app, a damaged or edited
database): bounded, every field a string of sane length, anything else dropped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath

from therapy_desk.errors import UserError
from therapy_desk.storage.practice import PracticeStore

TARGETS_SETTING = "backup.targets"
MAX_TARGETS = 20
MAX_CHARS = 500
_MAX_SETTING_CHARS = MAX_TARGETS * 5 * (MAX_CHARS + 16) + 64
BY_UUID = Path("/dev/disk/by-uuid")
_FIELDS = ("folder", "label", "volume_id", "inside")


@dataclass(frozen=True)
class Volume:
    """A mounted drive as the system describes it (the UI reads it from Qt's QStorageInfo)."""

    root: str  # where it is mounted now
    label: str  # its volume name; "" when it has none
    volume_id: str  # the file system's id, or the device; "" when unknown
    file_system: str = ""
    free: int = 0
    read_only: bool = False


@dataclass(frozen=True)
class BackupTarget:
    """A remembered place for backups: `folder` where it was last seen; on a removable drive, the drive's
    `label` and `volume_id` and the folder's path `inside` the drive ("" for its top)."""

    folder: str
    label: str = ""
    volume_id: str = ""
    inside: str = ""

    @property
    def on_drive(self) -> bool:
        return bool(self.label or self.volume_id)

    @property
    def title(self) -> str:
        """How the page names it: the drive's name and the folder on it, or the folder."""
        if not self.on_drive:
            return self.folder
        name = self.label or "Unnamed drive"
        return f"{name} (drive){' › ' + self.inside if self.inside else ''}"

    def same_drive(self, volume: Volume) -> bool:
        """Whether `volume` is this target's drive: the same id when both have one, else the same name."""
        if not self.on_drive:
            return False
        if self.volume_id and volume.volume_id:
            return self.volume_id == volume.volume_id
        return bool(self.label) and self.label == volume.label

    def same_place(self, other: BackupTarget) -> bool:
        """Whether `other` names the same place (the same folder on the same drive, or the same folder)."""
        if self.on_drive and other.on_drive:
            ids = (self.volume_id and other.volume_id) and self.volume_id == other.volume_id
            labels = not (self.volume_id and other.volume_id) and self.label == other.label
            return bool(ids or labels) and self.inside == other.inside
        return not self.on_drive and not other.on_drive and self.folder == other.folder

    def located(self, volumes: Iterable[Volume]) -> Path | None:
        """Where the target is now, if it is connected: on its drive wherever that is mounted (a removable
        target's drive not plugged in is not connected), or the folder itself when it exists."""
        if self.on_drive:
            for volume in volumes:
                if self.same_drive(volume):
                    found = Path(volume.root, self.inside) if self.inside else Path(volume.root)
                    return found if found.is_dir() else None
            return None
        folder = Path(self.folder)
        return folder if folder.is_dir() else None


def _clean(raw: object) -> BackupTarget | None:
    if not isinstance(raw, dict):
        return None
    values: dict[str, str] = {}
    for key in _FIELDS:
        value = raw.get(key, "")
        if not isinstance(value, str) or len(value) > MAX_CHARS or "\0" in value:
            return None
        values[key] = value
    if not values["folder"] or not Path(values["folder"]).is_absolute():
        return None
    inside = PurePath(values["inside"])
    if inside.is_absolute() or ".." in inside.parts:
        return None
    return BackupTarget(**values)


def parse_targets(text: str | None) -> list[BackupTarget]:
    """The targets a stored setting names, as far as it makes sense; at most MAX_TARGETS."""
    if not text or len(text) > _MAX_SETTING_CHARS:
        return []
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        return []
    if not isinstance(raw, list):
        return []
    found: list[BackupTarget] = []
    for item in raw[: MAX_TARGETS * 2]:
        target = _clean(item)
        if target is not None and not any(target.same_place(other) for other in found):
            found.append(target)
    return found[:MAX_TARGETS]


def load_targets(practice: PracticeStore) -> list[BackupTarget]:
    """The vault's remembered targets, most recently added first."""
    return parse_targets(practice.setting(TARGETS_SETTING))


def _save(practice: PracticeStore, targets: list[BackupTarget]) -> None:
    practice.set_setting(TARGETS_SETTING, json.dumps([asdict(target) for target in targets]))


def remember_target(practice: PracticeStore, target: BackupTarget) -> list[BackupTarget]:
    """Remember `target` first in the list (one already there for the same place takes its new folder).
    Refuses with a sentence a target whose words are too long, or a 21st target."""
    if _clean(asdict(target)) is None:
        raise UserError(
            f"Therapy Desk cannot remember that folder: its path or the drive's name is longer than {MAX_CHARS} "
            "characters. Choose a folder with a shorter path."
        )
    targets = load_targets(practice)
    others = [other for other in targets if not other.same_place(target)]
    if len(others) >= MAX_TARGETS:
        raise UserError(
            f"Therapy Desk remembers at most {MAX_TARGETS} backup places. Forget one you no longer use first."
        )
    updated = [target, *others]
    _save(practice, updated)
    return updated


def forget_target(practice: PracticeStore, target: BackupTarget) -> list[BackupTarget]:
    """Forget `target` (its backups stay where they are); the targets left."""
    updated = [other for other in load_targets(practice) if not other.same_place(target)]
    _save(practice, updated)
    return updated


def volume_id(device: str, *, by_uuid: Path = BY_UUID) -> str:
    """A drive's lasting id from the device the system names: on Linux the file system's UUID (the name
    under /dev/disk/by-uuid that points at the device, which changes from plug to plug), else the device."""
    try:
        entries = list(os.scandir(by_uuid)) if device.startswith("/") else []
    except OSError:
        entries = []
    real = os.path.realpath(device) if entries else device
    for entry in entries[:1000]:
        try:
            if os.path.realpath(entry.path) == real:
                return f"uuid:{entry.name}"[:MAX_CHARS]
        except OSError:
            continue
    return device[:MAX_CHARS]


def target_for(folder: Path, volumes: Iterable[Volume]) -> BackupTarget:
    """The target for a folder the user chose: on the removable drive whose mount holds it, if any."""
    real = Path(os.path.realpath(folder))
    best: Volume | None = None
    for volume in volumes:
        root = Path(os.path.realpath(volume.root))
        if (real == root or root in real.parents) and (best is None or len(volume.root) > len(best.root)):
            best = volume
    if best is None or not (best.label or best.volume_id):
        return BackupTarget(str(folder))
    inside = real.relative_to(Path(os.path.realpath(best.root)))
    return BackupTarget(str(folder), best.label, best.volume_id, "" if str(inside) == "." else inside.as_posix())
