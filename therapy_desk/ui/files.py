"""Files and folders the user asks for (a Recovery Kit, a PDF, another vault): where a dialog starts, and
writing files safely.

A save dialog starts in the user's Documents folder (or home): never the folder the app was started from
(with `make run`, the source checkout), the vault's folder, or the app's own. A file is written only where
the user chose, atomically: a temp file in the same folder with mode 0600, flushed and fsynced, then
renamed over the target (DESIGN.md, "What never leaves the vault in clear").
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

import therapy_desk
from therapy_desk.storage.files import atomic_write

PDF_FILTER = "PDF documents (*.pdf)"
_APP_FOLDER = Path(therapy_desk.__file__).resolve().parent.parent  # the package's folder (a checkout or site-packages)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def documents_dir(avoid: Iterable[Path] = ()) -> Path:
    """Where a save dialog starts: the user's Documents folder if it exists, else the home folder.

    Never the working directory (unless it is one of those two), `avoid` (a vault's folder), or the app's
    own folder: a dialog left to itself starts in the working directory, and a Recovery Kit saved there by
    a quick Enter would sit in a source checkout.
    """
    home = Path.home()
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    avoided = [Path(os.path.abspath(folder)) for folder in avoid]
    for candidate in (Path(location) if location else None, home):
        if candidate is None or not candidate.is_absolute() or not candidate.is_dir():
            continue
        resolved = candidate.resolve()
        if any(_inside(resolved, folder.resolve()) for folder in avoided) or _inside(resolved, _APP_FOLDER):
            continue
        return candidate
    return home


def ask_save_path(
    parent: QWidget | None,
    caption: str,
    suggested_name: str,
    name_filter: str = PDF_FILTER,
    *,
    avoid: Iterable[Path] = (),
) -> Path | None:
    """Ask where to save; None when the user cancels. Adds the filter's extension if it was left off."""
    start = documents_dir(avoid) / suggested_name
    chosen, _selected = QFileDialog.getSaveFileName(parent, caption, str(start), name_filter)
    if not chosen:
        return None
    path = Path(chosen)
    suffix = Path(suggested_name).suffix
    if suffix and path.suffix.lower() != suffix.lower():
        path = path.with_name(path.name + suffix)
    return path


def ask_folder(parent: QWidget | None, caption: str, start: Path) -> Path | None:
    """Ask for an existing folder, starting in `start`; None when the user cancels."""
    chosen = QFileDialog.getExistingDirectory(parent, caption, str(start))
    return Path(chosen) if chosen else None


def write_user_file(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically with mode 0600; a problem the user can fix raises `UserError`."""
    atomic_write(path, data)
    return path
