"""Files the user asks for (a Recovery Kit, a PDF): where to put them, and writing them safely.

A file is written only where the user chose, atomically: a temp file in the same folder with mode
0600, flushed and fsynced, then renamed over the target (DESIGN.md, "What never leaves the vault in clear").
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from therapy_desk.storage.files import atomic_write

PDF_FILTER = "PDF documents (*.pdf)"


def documents_dir() -> Path:
    """The user's documents folder (or home) as the first place a save dialog offers."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location else Path.home()


def ask_save_path(
    parent: QWidget | None, caption: str, suggested_name: str, name_filter: str = PDF_FILTER
) -> Path | None:
    """Ask where to save; None when the user cancels. Adds the filter's extension if it was left off."""
    chosen, _selected = QFileDialog.getSaveFileName(parent, caption, str(documents_dir() / suggested_name), name_filter)
    if not chosen:
        return None
    path = Path(chosen)
    suffix = Path(suggested_name).suffix
    if suffix and path.suffix.lower() != suffix.lower():
        path = path.with_name(path.name + suffix)
    return path


def write_user_file(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically with mode 0600; a problem the user can fix raises `UserError`."""
    atomic_write(path, data)
    return path
