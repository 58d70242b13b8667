"""The practice's time zone: a vault setting, taken from the computer the first time it is needed and
stored, so moving the laptop across zones never moves the diary."""

from __future__ import annotations

import os
from pathlib import Path

from therapy_desk.domain.scheduling import ZONE_SETTING, zone
from therapy_desk.errors import ValidationError
from therapy_desk.storage.practice import PracticeStore

FALLBACK_ZONE = "UTC"
_ZONEINFO = "zoneinfo/"


def computer_zone_name(localtime: Path = Path("/etc/localtime")) -> str:
    """The computer's IANA zone name (TZ, else where /etc/localtime points), or UTC when neither says."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = str(localtime.resolve())
    except OSError:
        target = ""
    if _ZONEINFO in target:
        candidates.append(target.rsplit(_ZONEINFO, 1)[1])
    for name in candidates:
        if not name:
            continue
        try:
            return zone(name).key
        except ValidationError:
            continue
    return FALLBACK_ZONE


def practice_zone_name(practice: PracticeStore, *, default: str | None = None) -> str:
    """The stored practice time zone; when there is none (or it is unknown here), the computer's zone
    (or `default`), which is stored."""
    stored = practice.setting(ZONE_SETTING)
    if stored:
        try:
            return zone(stored).key
        except ValidationError:
            pass
    name = zone(default).key if default else computer_zone_name()
    practice.set_setting(ZONE_SETTING, name)
    return name


def set_practice_zone(practice: PracticeStore, name: str) -> str:
    """Store a new practice time zone (refused with a sentence when unknown); returns it as stored."""
    key = zone(name).key
    practice.set_setting(ZONE_SETTING, key)
    return key
