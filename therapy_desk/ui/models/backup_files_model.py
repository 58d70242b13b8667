"""`BackupFilesModel`: this vault's backups in one folder, newest first, with when each was taken, its size,
and what is known of it: "verified" (the last backup written and read back from its drive), "checked
clean" or "damaged" (a Verify, remembered in the vault's settings by `storage/backup_checks.py`), else
"not checked yet". A damaged row is drawn in the theme's ERROR role and says "damaged" in every cell's
accessible text, so the state never rests on colour.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from therapy_desk.domain.backup import LastBackup
from therapy_desk.storage.backup_target import BackupFile
from therapy_desk.ui import theme
from therapy_desk.ui.format import fmt_datetime, fmt_size
from therapy_desk.ui.models import OBJECT_ROLE
from therapy_desk.ui.models.rows_model import RowsModel

HEADERS = ("Taken", "Size", "State")
COL_TAKEN, COL_SIZE, COL_STATE = range(3)
VERIFIED = "verified"
CHECKED_CLEAN = "checked clean"
DAMAGED = "damaged"
NOT_CHECKED = "not checked yet"

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class BackupRow:
    file: BackupFile
    state: str

    @property
    def cells(self) -> tuple[str, str, str]:
        taken = fmt_datetime(self.file.name.taken_at.astimezone().replace(tzinfo=None))
        return (taken, fmt_size(self.file.size), self.state)


def _same_file(last: LastBackup, path: Path) -> bool:
    if last.file_name != path.name:
        return False
    try:
        return os.path.samefile(last.folder, path.parent)
    except OSError:
        return False


def backup_rows(
    files: list[BackupFile], vault_id: str, last: LastBackup | None, checked: dict[Path, bool]
) -> list[BackupRow]:
    """The rows for `vault_id`'s files among `files` (newest first), each with its state; `checked` holds
    the remembered outcome of each Verify (True: clean)."""
    rows = []
    for file in files:
        if file.name.vault_id != vault_id:
            continue
        if file.path in checked:
            state = CHECKED_CLEAN if checked[file.path] else DAMAGED
        elif last is not None and _same_file(last, file.path):
            state = VERIFIED
        else:
            state = NOT_CHECKED
        rows.append(BackupRow(file, state))
    return rows


class BackupFilesModel(RowsModel[BackupRow]):
    headers = HEADERS

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == OBJECT_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and row.state == DAMAGED:
            return theme.cell_color(theme.ERROR)
        if role == Qt.ItemDataRole.AccessibleTextRole and row.state == DAMAGED and index.column() != COL_STATE:
            return f"{row.cells[index.column()]} — {DAMAGED}"
        return None
