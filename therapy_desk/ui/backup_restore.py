"""`RestoreDialog`: where a backup goes back and what unlocks it; `RestoreRequest`, what it asks for.

A backup of the open vault can replace it (the vault locks, the backup is verified and installed, the
vault as it was is kept beside its folder as the pre-restore copy, and the restored vault opens again:
`MainWindow.restore_over`, then `UnlockWindow.restore_and_open`), or go into a new folder (a folder that
does not exist yet or is empty, then opened with Vault › Open another vault…). A backup of another vault
goes only into a new folder. It is unlocked with the passphrase it was taken under, or with the recovery
code plus a new passphrase. The restore itself is `storage/restore.restore_and_open`, always on a worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
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

from therapy_desk.domain.backup_names import parse_backup_name
from therapy_desk.domain.passphrase import check_new_passphrase
from therapy_desk.errors import UserError
from therapy_desk.storage.backup_read import Progress
from therapy_desk.storage.restore import RestoreResult, SecretKind
from therapy_desk.storage.restore import restore_and_open as open_restored
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.format import fmt_datetime
from therapy_desk.ui.widgets.focus import focus_through, set_tab_order
from therapy_desk.ui.widgets.status_label import error_label

OPEN_WITH = "Vault › Open another vault…"


@dataclass(frozen=True)
class RestoreRequest:
    """A backup to restore: into `folder`, or over the open vault when `folder` is None."""

    path: Path
    folder: Path | None
    kind: SecretKind
    secret: str = field(repr=False)
    new_passphrase: str | None = field(default=None, repr=False)  # with a recovery code


def restore_and_open(
    request: RestoreRequest, target: Path, progress: Progress | None = None
) -> tuple[RestoreResult, Vault]:
    """`storage.restore.restore_and_open` for the dialog's request (on a worker); the caller closes the vault."""
    return open_restored(
        request.path, target, request.kind, request.secret, new_passphrase=request.new_passphrase, progress=progress
    )


def restore_into(request: RestoreRequest, target: Path, progress: Progress | None = None) -> RestoreResult:
    """`restore_and_open`, leaving the restored vault locked (a new folder, opened later by the user)."""
    result, vault = restore_and_open(request, target, progress)
    vault.close()
    return result


def new_vault_folder(text: str, open_vault: Path | None) -> Path:
    """The folder typed for a restored vault, or a UserError: it must be absolute, new or empty, and not
    the open vault's (nor inside it)."""
    text = text.strip()
    if not text:
        raise UserError("Choose a folder for the restored vault.")
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        raise UserError(f"{text} is not a full folder path. Choose the folder with Choose….")
    if open_vault is not None:
        resolved, current = folder.resolve(), open_vault.resolve()
        if resolved == current or current in resolved.parents:
            raise UserError(
                "That is the folder of the vault that is open now. Choose a new folder, or restore into "
                "“This vault” to replace what it holds."
            )
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file. Choose a new or empty folder for the restored vault.")
    if folder.is_dir() and any(folder.iterdir()):
        raise UserError(f"{folder} already holds files. Choose a new or empty folder for the restored vault.")
    return folder


def _described(path: Path) -> str:
    """ "the backup taken <local time>" from a backup's name, else its file name."""
    name = parse_backup_name(path.name)
    if name is None:
        return path.name
    return f"the backup taken {fmt_datetime(name.taken_at.astimezone().replace(tzinfo=None))}"


def _password_field(name: str, description: str, parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    edit.setAccessibleDescription(description)
    return edit


@registry.view
class RestoreDialog(QDialog):
    """Where to restore `backup_path` and what unlocks it. `request()` after accept.

    `open_vault` is the open vault's folder (None where none is open, as on the welcome window); `same_vault`
    whether the backup is of that vault, which alone may replace it; `folder` the new folder proposed.
    """

    def __init__(
        self,
        backup_path: Path,
        open_vault: Path | None,
        *,
        same_vault: bool,
        folder: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore a backup")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._path = backup_path
        self._open_vault = open_vault
        self._request: RestoreRequest | None = None
        self.intro = intro = QLabel(self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)

        self.where_combo = QComboBox(self)
        self.where_combo.addItem("A new folder", False)
        if same_vault and open_vault is not None:
            self.where_combo.addItem("This vault, replacing what it holds now", True)
        self.where_combo.setAccessibleName("Restore into")
        self.where_combo.currentIndexChanged.connect(self._mode_changed)
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setAccessibleName("Folder for the restored vault")
        self.folder_edit.setAccessibleDescription("A folder that does not exist yet, or an empty one")
        if folder is not None:
            self.folder_edit.setText(str(folder))
        self.choose_button = QPushButton("C&hoose…", self)
        self.choose_button.setAccessibleName("Choose the folder for the restored vault")
        self.choose_button.clicked.connect(self.choose)

        self.unlock_combo = QComboBox(self)
        self.unlock_combo.addItem("Its passphrase", False)
        self.unlock_combo.addItem("The recovery code and a new passphrase", True)
        self.unlock_combo.setAccessibleName("Unlock with")
        self.unlock_combo.currentIndexChanged.connect(self._mode_changed)
        self.passphrase_edit = _password_field(
            "Passphrase of the backup", "The vault's passphrase when the backup was taken", self
        )
        self.code_edit = QLineEdit(self)
        self.code_edit.setAccessibleName("Recovery code from the kit")
        self.code_edit.setAccessibleDescription("The code from the vault's Recovery Kit")
        self.new_passphrase_edit = _password_field(
            "New passphrase", "The restored vault's passphrase from now on", self
        )
        self.confirm_edit = _password_field("Confirm new passphrase", "The new passphrase again", self)
        self.error = error_label(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.restore_button = buttons.addButton("&Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setDefault(True)
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)

        folder_row = QWidget(self)
        row_layout = QHBoxLayout(folder_row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.folder_edit, 1)
        row_layout.addWidget(self.choose_button)
        focus_through(folder_row, self.folder_edit)
        self.form = form = QFormLayout()
        self._labels: dict[QWidget, QLabel] = {}
        for text, widget, buddy in (
            ("Restore &into:", self.where_combo, self.where_combo),
            ("&Folder:", folder_row, self.folder_edit),
            ("&Unlock with:", self.unlock_combo, self.unlock_combo),
            ("Passphrase of the &backup:", self.passphrase_edit, self.passphrase_edit),
            ("Recovery code from the &kit:", self.code_edit, self.code_edit),
            ("Ne&w passphrase:", self.new_passphrase_edit, self.new_passphrase_edit),
            ("C&onfirm new passphrase:", self.confirm_edit, self.confirm_edit),
        ):
            label = QLabel(text, self)
            if buddy is not None:
                label.setBuddy(buddy)
            self._labels[widget] = label
            form.addRow(label, widget)
        self._folder_row = folder_row
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        set_tab_order(
            self.where_combo,
            self.folder_edit,
            self.choose_button,
            self.unlock_combo,
            self.passphrase_edit,
            self.code_edit,
            self.new_passphrase_edit,
            self.confirm_edit,
            buttons,
            self.where_combo,  # and round again
        )
        self._mode_changed()
        self.folder_edit.setFocus()
        self.setMinimumWidth(600)

    # -- the choices -----------------------------------------------------------------------------

    @property
    def replaces_open_vault(self) -> bool:
        return bool(self.where_combo.currentData())

    @property
    def with_recovery_code(self) -> bool:
        return bool(self.unlock_combo.currentData())

    def _show_row(self, widget: QWidget, shown: bool) -> None:
        widget.setVisible(shown)
        self._labels[widget].setVisible(shown)

    def _mode_changed(self) -> None:
        over, recovery = self.replaces_open_vault, self.with_recovery_code
        focused = self.focusWidget()
        self._show_row(self._folder_row, not over)
        self._show_row(self.passphrase_edit, not recovery)
        for widget in (self.code_edit, self.new_passphrase_edit, self.confirm_edit):
            self._show_row(widget, recovery)
        name = _described(self._path)
        if over:
            text = (
                f"Put {name} back in place of this vault. The vault locks; the backup is verified first, and "
                "nothing changes if it does not verify. The vault as it is now is kept beside its folder as a "
                "pre-restore copy, then the restored vault opens."
            )
        else:
            text = (
                f"Restore {name} into a new folder. It is verified first"
                + ("; the vault that is open now is not changed. " if self._open_vault is not None else ". ")
                + (f"When it is done, open the restored vault with {OPEN_WITH}" if self._open_vault else "")
            ).strip()
        self.intro.setText(text)
        self.error.hide()
        if focused is not None and not focused.isVisibleTo(self):  # its row was hidden: on to the next field
            fields = (self.folder_edit, self.passphrase_edit, self.code_edit)
            next(edit for edit in fields if edit.isVisibleTo(self)).setFocus()
        if self.isVisible():
            self.adjustSize()

    def choose(self) -> None:
        start = self._open_vault.parent if self._open_vault is not None else Path.home()
        chosen = QFileDialog.getExistingDirectory(self, "Restore into which folder?", str(start))
        if chosen:
            self.folder_edit.setText(chosen)
            self.passphrase_edit.setFocus()

    def _ok(self) -> None:
        try:
            self._request = self._checked_request()
        except _FieldError as err:
            self.error.setText(err.sentence)
            self.error.show()
            self.adjustSize()  # the wrapped words and the sentence keep their room
            err.widget.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.accept()

    def _checked_request(self) -> RestoreRequest:
        folder: Path | None = None
        if not self.replaces_open_vault:
            try:
                folder = new_vault_folder(self.folder_edit.text(), self._open_vault)
            except UserError as err:
                raise _FieldError(str(err), self.folder_edit) from None
        if not self.with_recovery_code:
            if not self.passphrase_edit.text():
                raise _FieldError(
                    "Type the backup's passphrase: the vault's passphrase when the backup was taken.",
                    self.passphrase_edit,
                )
            return RestoreRequest(self._path, folder, "passphrase", self.passphrase_edit.text())
        code, new = self.code_edit.text().strip(), self.new_passphrase_edit.text()
        if not code:
            raise _FieldError("Type the recovery code from the vault's Recovery Kit.", self.code_edit)
        try:
            check_new_passphrase(new)
        except UserError as err:
            raise _FieldError(str(err), self.new_passphrase_edit) from None
        if new != self.confirm_edit.text():
            raise _FieldError("The two new passphrases are not the same. Type them again.", self.confirm_edit)
        return RestoreRequest(self._path, folder, "recovery", code, new)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.adjustSize()

    def request(self) -> RestoreRequest:
        if self._request is None:
            raise RuntimeError("the dialog was not accepted")
        return self._request

    def done(self, result: int) -> None:
        for edit in (self.passphrase_edit, self.code_edit, self.new_passphrase_edit, self.confirm_edit):
            edit.clear()
        if result != QDialog.DialogCode.Accepted:
            self._request = None
        super().done(result)


class _FieldError(Exception):
    def __init__(self, sentence: str, widget: QWidget) -> None:
        super().__init__(sentence)
        self.sentence, self.widget = sentence, widget
