"""A folder to write into: a line to type or paste it, and Choose… to pick it; remembered per vault.

The folder is the clinician's choice, kept in the vault's settings under a key such as `documents.folder`;
never a path built from a client's data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.files import ask_folder

DOCUMENTS_FOLDER = "documents.folder"  # the vault setting: where documents were last written


class FolderField(QWidget):
    """`edit` holds the folder (its focus proxy); `choose` opens the system's folder picker."""

    def __init__(self, name: str, caption: str, parent: QWidget | None = None, *, mnemonic: str = "C&hoose…") -> None:
        super().__init__(parent)
        self._caption = caption
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(name)
        self.edit.setPlaceholderText("The folder the files go into")
        self.edit.setAccessibleDescription("The folder the files go into")
        self.choose = QPushButton(mnemonic, self)
        self.choose.setAccessibleName(f"Choose the {name.lower()}")
        self.choose.clicked.connect(self.ask)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.choose)
        self.setFocusProxy(self.edit)

    def ask(self) -> Path | None:
        start = Path(self.edit.text().strip() or Path.home())
        chosen = ask_folder(self, self._caption, start if start.is_dir() else Path.home())
        if chosen is not None:
            self.edit.setText(str(chosen))
        return chosen

    def folder(self, field: str = "folder") -> Path:
        """The folder typed or chosen; a sentence when it is empty or not a folder."""
        text = self.edit.text().strip()
        if not text:
            raise ValidationError("Choose the folder the documents go into.", field)
        path = Path(text).expanduser()
        if not path.is_dir():
            raise ValidationError(f"{path} is not a folder. Choose the folder the documents go into.", field)
        return path


def remembered_folder(vault: Vault) -> str:
    """The folder documents went into last time, if it is still there."""
    text = vault.practice.setting(DOCUMENTS_FOLDER) or ""
    return text if text and Path(text).is_dir() else ""


def remember_folder(vault: Vault, folder: Path) -> None:
    if vault.practice.setting(DOCUMENTS_FOLDER) != str(folder):
        vault.practice.set_setting(DOCUMENTS_FOLDER, str(folder))
