"""`RestoreDialog`: restore a backup from the Backups page into a NEW folder, never over the open vault.

The dialog asks where (a folder that does not exist yet or is empty, picked or typed) and the backup's
passphrase (the vault's passphrase when the backup was taken). The restore itself
(`storage/restore.restore_backup`: verify, stage, install, open and check) runs on a worker through
`Ops`; the restored vault is then opened with Vault › Open another vault…. Putting a backup back over
the vault that is open now is not offered here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.errors import UserError
from therapy_desk.ui import registry
from therapy_desk.ui.widgets.focus import focus_through, set_tab_order
from therapy_desk.ui.widgets.status_label import error_label

OPEN_WITH = "Vault › Open another vault…"


def new_vault_folder(text: str, open_vault: Path) -> Path:
    """The folder typed for a restored vault, or a UserError: it must be absolute, new or empty, and not
    the open vault's (nor inside it)."""
    text = text.strip()
    if not text:
        raise UserError("Choose a folder for the restored vault.")
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        raise UserError(f"{text} is not a full folder path. Choose the folder with Choose….")
    resolved, current = folder.resolve(), open_vault.resolve()
    if resolved == current or current in resolved.parents:
        raise UserError(
            "That is the folder of the vault that is open now. Choose a new folder: this page never restores "
            "over the open vault."
        )
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file. Choose a new or empty folder for the restored vault.")
    if folder.is_dir() and any(folder.iterdir()):
        raise UserError(f"{folder} already holds files. Choose a new or empty folder for the restored vault.")
    return folder


@registry.view
class RestoreDialog(QDialog):
    """Where to restore `backup_name` and its passphrase. `folder()` and `passphrase()` after accept."""

    def __init__(self, backup_name: str, open_vault: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore into a new folder")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._open_vault = open_vault
        self._folder: Path | None = None
        self.intro = intro = QLabel(
            f"Restore {backup_name} into a new folder. The backup is verified first; the vault that is open now "
            f"is not changed. When it is done, open the restored vault with {OPEN_WITH}",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setAccessibleName("Folder for the restored vault")
        self.folder_edit.setAccessibleDescription("A folder that does not exist yet, or an empty one")
        self.choose_button = QPushButton("C&hoose…", self)
        self.choose_button.setAccessibleName("Choose the folder for the restored vault")
        self.choose_button.clicked.connect(self.choose)
        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName("Passphrase of the backup")
        self.passphrase_edit.setAccessibleDescription("The vault's passphrase when the backup was taken")
        self.error = error_label(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.restore_button = buttons.addButton("&Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setDefault(True)
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)

        row = QWidget(self)
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.folder_edit, 1)
        row_layout.addWidget(self.choose_button)
        focus_through(row, self.folder_edit)
        form = QFormLayout()
        form.addRow("&Folder for the restored vault:", row)
        form.addRow("&Passphrase of the backup:", self.passphrase_edit)
        for number in range(form.rowCount()):
            item = form.itemAt(number, QFormLayout.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            if isinstance(label, QLabel):
                label.setBuddy(self.folder_edit if number == 0 else self.passphrase_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        set_tab_order(self.folder_edit, self.choose_button, self.passphrase_edit)
        self.folder_edit.setFocus()
        self.setMinimumWidth(560)

    def choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Restore into which folder?", str(self._open_vault.parent))
        if chosen:
            self.folder_edit.setText(chosen)
            self.passphrase_edit.setFocus()

    def _ok(self) -> None:
        field = self.folder_edit
        try:
            self._folder = new_vault_folder(self.folder_edit.text(), self._open_vault)
            field = self.passphrase_edit
            if not self.passphrase_edit.text():
                raise UserError("Type the backup's passphrase: the vault's passphrase when the backup was taken.")
        except UserError as err:
            self.error.setText(str(err))
            self.error.show()
            self.adjustSize()  # the wrapped words and the sentence keep their room
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.accept()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.adjustSize()

    def folder(self) -> Path:
        if self._folder is None:
            raise RuntimeError("the dialog was not accepted")
        return self._folder

    def passphrase(self) -> str:
        return self.passphrase_edit.text()

    def done(self, result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            self.passphrase_edit.clear()
        super().done(result)
