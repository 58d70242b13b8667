"""Where Therapy Desk keeps its files.

`THERAPY_DESK_HOME`, when set, puts every file the app writes under one folder
(tests, portable installs); otherwise the platform's usual places are used.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "TherapyDesk"
HOME_ENV = "THERAPY_DESK_HOME"


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """Folder for user data (the default vault lives here)."""
    home = _home_override()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """Folder for small non-PHI state (failed-unlock counters)."""
    home = _home_override()
    return home / "state" if home else Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """Folder for settings that hold no PHI."""
    home = _home_override()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_vault_dir() -> Path:
    return data_dir() / "vault"
