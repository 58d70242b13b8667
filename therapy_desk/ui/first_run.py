"""The first run: create a vault (passphrase, recovery code, practice profile) or explore a demo practice.

`WelcomeWindow.vault_ready` hands the open vault to the shell; `is_demo` says which path was taken.
The slow steps (the KDF, building the demo) run through `Ops`; the functions they run are plain
module functions so they can be exercised on their own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from therapy_desk import paths
from therapy_desk.demo.staging import create_demo_vault
from therapy_desk.domain.backup_names import SUFFIX, parse_backup_name
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.backup_restore import RestoreDialog, RestoreRequest, restore_and_open
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.focus import scrolling
from therapy_desk.ui.widgets.passphrase import NewPassphraseWidget, muted_label
from therapy_desk.ui.widgets.profile_form import ProfileForm
from therapy_desk.ui.widgets.recovery_code import RecoveryCodePanel
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label
from therapy_desk.ui.windows import add_quit_action, place_new, window_title

# The demo holds invented people only, so its passphrase is public: it is printed on the welcome screen.
DEMO_PASSPHRASE = "demo practice passphrase"  # noqa: S105
DEMO_FOLDER_NAME = "demo-vault"
DEMO_CLIENTS, DEMO_YEARS, DEMO_SEED = 120, 3, 1
WELCOME, PASSPHRASE, RECOVERY, PROFILE = range(4)
WINDOW_TITLE = window_title("Welcome")
PREFERRED_SIZE = QSize(1000, 700)


def demo_vault_dir() -> Path:
    """The demo's own folder, apart from the real vault."""
    return paths.data_dir() / DEMO_FOLDER_NAME


def create_vault(folder: Path, passphrase: str) -> tuple[Vault, str]:
    """Create the real vault (runs on a worker: the KDF is calibrated to about a second)."""
    return Vault.create(folder, passphrase)


def build_demo_vault(
    folder: Path,
    *,
    clients: int = DEMO_CLIENTS,
    years: int = DEMO_YEARS,
    fresh: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Vault:
    """Build the demo practice in `folder` (replacing an old demo there when `fresh`) and return it open.

    The demo is built beside `folder` and moved in only when complete (`demo.staging`): closing the app
    or a crash part way never leaves half a demo, and an old demo stays until the new one is ready.
    """
    if fresh and folder.exists():
        _check_old_demo(folder)
    create_demo_vault(
        folder, DEMO_PASSPHRASE, clients=clients, years=years, seed=DEMO_SEED, progress=progress, replace=fresh
    )
    return open_demo_vault(folder)


def open_demo_vault(folder: Path) -> Vault:
    return Vault.open(folder, DEMO_PASSPHRASE)


def _check_old_demo(folder: Path) -> None:
    # Only ever the demo's own folder; opening it first proves it is not in use elsewhere.
    if folder.name != DEMO_FOLDER_NAME:
        raise UserError(f"{folder} is not the demo practice's folder, so it was left alone.")
    if (folder / "keyslots.json").exists():
        Vault.open(folder, DEMO_PASSPHRASE).close()


def _heading(text: str, scale: float = 1.45) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def _body(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _page(*children: QWidget, buttons: list[QPushButton] | None = None, step: str = "") -> QWidget:
    """A calm column of at most 660 px, centred on the window, its buttons right under it."""
    page = QWidget()
    column = QWidget()
    column.setMaximumWidth(660)
    layout = QVBoxLayout(column)
    layout.setSpacing(8)
    if step:
        layout.addWidget(muted_label(step))
    for child in children:
        layout.addWidget(child)
    if buttons:
        layout.addSpacing(16)
        row = QHBoxLayout()
        row.addStretch(1)
        for button in buttons:
            row.addWidget(button)
        layout.addLayout(row)
    middle = QHBoxLayout()
    middle.addStretch(1)
    middle.addWidget(column, 4)
    middle.addStretch(1)
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    outer.addLayout(middle)
    outer.addStretch(2)
    return page


def _button(text: str, accessible: str, *, primary: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(accessible)
    button.setAutoDefault(primary)
    button.setDefault(primary)
    return button


@registry.view
class WelcomeWindow(QWidget):
    """First run. Emits `vault_ready(vault)` once the new vault (or the demo) is open and set up."""

    vault_ready = Signal(object)

    def __init__(
        self,
        ops: Ops | None = None,
        parent: QWidget | None = None,
        *,
        vault_dir: Path | None = None,
        demo_clients: int = DEMO_CLIENTS,
        demo_years: int = DEMO_YEARS,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.ops = ops or Ops(self)
        self.is_demo = False
        self.vault_folder = vault_dir or paths.default_vault_dir()
        self._demo_size = (demo_clients, demo_years)
        self._vault: Vault | None = None  # created here and not yet handed over

        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_welcome())
        self.stack.addWidget(self._build_passphrase())
        self.stack.addWidget(self._build_recovery())
        self.stack.addWidget(self._build_profile())
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling(self.stack))  # a small screen or a large font scrolls instead of cutting off
        self.quit_action = add_quit_action(self, self.close)  # closing asks first if the code is not stored
        place_new(self, PREFERRED_SIZE)

    # -- pages -------------------------------------------------------------------------------------

    def _build_welcome(self) -> QWidget:
        self.create_button = _button("&Create my vault", "Create my vault", primary=True)
        self.create_button.clicked.connect(self.show_create)
        self.demo_button = _button("&Explore a demo practice", "Explore a demo practice")
        self.demo_button.clicked.connect(self.start_demo)
        self.restore_button = _button("&Restore from a backup…", "Restore from a backup")
        self.restore_button.clicked.connect(self.restore_backup)
        for button in (self.create_button, self.demo_button, self.restore_button):
            button.setMinimumHeight(40)
        demo_note = muted_label(
            "A practice of invented clients to look around in first; it holds no real person's data. "
            f"It is kept apart from your own vault, and its passphrase is <b>{DEMO_PASSPHRASE}</b>."
        )
        demo_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.welcome_error = error_label()
        return _page(
            _heading("Welcome to Therapy Desk", 1.9),
            _body(
                "Therapy Desk keeps your charts in an encrypted vault on this computer. Nothing is sent "
                "anywhere, and only your passphrase opens it."
            ),
            _spacer(12),
            self.create_button,
            muted_label(
                "Choose a passphrase, store your recovery code, and enter your practice details. "
                "It takes about five minutes."
            ),
            _spacer(12),
            self.demo_button,
            demo_note,
            _spacer(12),
            self.restore_button,
            muted_label(
                "A new computer, or the old one lost: put your vault back from a backup on your USB drive, "
                "with its passphrase or your recovery code."
            ),
            self.welcome_error,
        )

    def _build_passphrase(self) -> QWidget:
        self.passphrase = NewPassphraseWidget()
        self.passphrase.changed.connect(self._passphrase_changed)
        self.folder_label = StatusLabel("Vault folder")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setWordWrap(True)
        self.choose_folder = _button("C&hoose folder…", "Choose folder for the vault")
        self.choose_folder.clicked.connect(self._choose_folder)
        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_label, 1)
        row.addWidget(self.choose_folder)
        self.create_error = error_label()
        self.back_button = _button("&Back", "Back")
        self.back_button.clicked.connect(lambda: self.stack.setCurrentIndex(WELCOME))
        self.make_vault_button = _button("Create &vault", "Create vault", primary=True)
        self.make_vault_button.clicked.connect(self.create_vault)
        self.passphrase.second.returnPressed.connect(self.create_vault)
        self._show_folder()
        self._passphrase_changed()
        return _page(
            _heading("Choose your passphrase"),
            _body(
                "You will type it each time you unlock Therapy Desk. Nobody can reset it for you: if you "
                "forget it, only the recovery code from the next step gets you back in."
            ),
            self.passphrase,
            _spacer(8),
            muted_label("Your vault will be kept in this folder:"),
            folder_row,
            self.create_error,
            buttons=[self.back_button, self.make_vault_button],
            step="Step 1 of 3",
        )

    def _build_recovery(self) -> QWidget:
        self.recovery_next = _button("&Next", "Next: your practice", primary=True)
        self.recovery_next.setEnabled(False)
        self.recovery = RecoveryCodePanel(self.ops)
        self.recovery.confirmed_changed.connect(self.recovery_next.setEnabled)
        self.recovery_next.clicked.connect(self._show_profile)
        return _page(self.recovery, buttons=[self.recovery_next], step="Step 2 of 3")

    def _build_profile(self) -> QWidget:
        self.profile_form = ProfileForm()
        self.finish_button = _button("&Finish", "Finish and open Therapy Desk", primary=True)
        self.finish_button.clicked.connect(self.finish)
        return _page(
            _heading("Your practice"),
            _body(
                "These details go on superbills and claims. Only your name is needed now; you can complete "
                "the rest later in Settings."
            ),
            self.profile_form,
            buttons=[self.finish_button],
            step="Step 3 of 3",
        )

    # -- create --------------------------------------------------------------------------------------

    def show_create(self) -> None:
        self.welcome_error.setVisible(False)
        self.stack.setCurrentIndex(PASSPHRASE)
        self.passphrase.first.setFocus()

    def _passphrase_changed(self) -> None:
        self.make_vault_button.setEnabled(self.passphrase.is_acceptable())
        self.create_error.setVisible(False)

    def _show_folder(self) -> None:
        self.folder_label.setText(str(self.vault_folder))

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose a folder for your vault", str(Path.home()))
        if not chosen:
            return
        folder = Path(chosen)
        # An empty folder becomes the vault; a folder with things in it gets a vault folder inside.
        self.vault_folder = folder if not any(folder.iterdir()) else folder / "Therapy Desk vault"
        self._show_folder()
        self.create_error.setVisible(False)

    def create_vault(self) -> None:
        passphrase = self.passphrase.passphrase()
        if passphrase is None or self.ops.busy:
            return
        self._set_busy(True)
        (
            self.ops.run_plain(partial(create_vault, self.vault_folder, passphrase), label="Creating your vault…")
            .success(self._created)
            .failure(self._create_failed)
            .finished(lambda: self._set_busy(False))
            .start()
        )

    def _created(self, result: tuple[Vault, str]) -> None:
        vault, code = result
        self._vault = vault
        self.passphrase.clear()
        self.recovery.set_code(code, str(vault.folder))
        self.stack.setCurrentIndex(RECOVERY)
        self.recovery.save_button.setFocus()

    def _create_failed(self, err: UserError) -> None:
        self.create_error.setText(str(err))
        self.create_error.setVisible(True)

    def _show_profile(self) -> None:
        if self._vault is None or not self.recovery.confirmed:
            return
        self.recovery.clear()
        self.profile_form.set_profile(self._vault.practice.profile())
        self.stack.setCurrentIndex(PROFILE)
        self.profile_form.editors["name"].setFocus()

    def finish(self) -> None:
        if self._vault is None:
            return
        profile = self.profile_form.validated()
        if profile is None:
            return
        try:
            self._vault.practice.save_profile(profile)
        except ValidationError as err:
            self.profile_form.show_error(err)
            return
        self._hand_over(self._vault, demo=False)

    # -- demo ----------------------------------------------------------------------------------------

    def start_demo(self) -> None:
        if self.ops.busy:
            return
        self.welcome_error.setVisible(False)
        folder = demo_vault_dir()
        fresh = False
        if folder.exists() and any(folder.iterdir()):
            choice = self._ask_about_old_demo()
            if choice == QMessageBox.StandardButton.Cancel:
                return
            fresh = choice == QMessageBox.StandardButton.Yes
            if not fresh:
                self._set_busy(True)
                (
                    self.ops.run_plain(partial(open_demo_vault, folder), label="Opening the demo practice…")
                    .success(lambda vault: self._hand_over(vault, demo=True))
                    .failure(self._demo_failed)
                    .finished(lambda: self._set_busy(False))
                    .start()
                )
                return
        clients, years = self._demo_size

        def work(progress: Callable[[int, int], None]) -> Vault:
            return build_demo_vault(folder, clients=clients, years=years, fresh=fresh, progress=progress)

        self._set_busy(True)
        (
            self.ops.run_plain(work, label="Building the demo practice…")
            .success(lambda vault: self._hand_over(vault, demo=True))
            .failure(self._demo_failed)
            .finished(lambda: self._set_busy(False))
            .start()
        )

    def _ask_about_old_demo(self) -> QMessageBox.StandardButton:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Demo practice")
        box.setText("A demo practice from before is still here.")
        box.setInformativeText("Open it as you left it, or build a fresh one? A fresh demo replaces the old one.")
        box.setStandardButtons(
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel
        )
        box.button(QMessageBox.StandardButton.Yes).setText("&Build a fresh demo")
        box.button(QMessageBox.StandardButton.No).setText("&Open the old demo")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return QMessageBox.StandardButton(box.exec())

    def _demo_failed(self, err: UserError) -> None:
        self.welcome_error.setText(str(err))
        self.welcome_error.setVisible(True)

    # -- restore -----------------------------------------------------------------------------------

    def restore_backup(self) -> RestoreDialog | None:
        """Choose a backup file, then where it goes (this app's vault folder, proposed) and what unlocks it;
        it is verified, restored and opened on a worker, then handed over like a new vault."""
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Restore which backup?", str(Path.home()), f"Therapy Desk backups (*{SUFFIX})"
        )
        if not chosen:
            return None
        path = Path(chosen)
        if parse_backup_name(path.name) is None:
            self.welcome_error.setText(
                f"{path.name} is not a Therapy Desk backup (their names end in {SUFFIX}). Choose another file."
            )
            self.welcome_error.show()
            return None
        self.welcome_error.hide()
        dialog = RestoreDialog(path, None, same_vault=False, folder=self.vault_folder, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._restore(dialog.request()))
        dialog.open()
        return dialog

    def _restore(self, request: RestoreRequest) -> None:
        folder = request.folder
        if folder is None:
            return
        self._set_busy(True)
        (
            self.ops.run_plain(
                lambda progress: restore_and_open(request, folder, progress),
                label="Verifying the backup and restoring it…",
                cancellable=True,
                parent=self,
            )
            .success(lambda outcome: self._hand_over(outcome[1], demo=False))
            .failure(self._restore_failed)
            .finished(lambda: self._set_busy(False))
            .start()
        )

    def _restore_failed(self, err: UserError) -> None:
        self.welcome_error.setText(str(err))
        self.welcome_error.show()
        self.restore_button.setFocus()

    # -- shared --------------------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        for button in (self.create_button, self.demo_button, self.restore_button, self.back_button, self.choose_folder):
            button.setEnabled(not busy)
        self.make_vault_button.setEnabled(not busy and self.passphrase.is_acceptable())

    def _hand_over(self, vault: Vault, *, demo: bool) -> None:
        self._vault = None
        self.is_demo = demo
        self.profile_form.clear()
        self.vault_ready.emit(vault)

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        """Closing half way: warn before the recovery code is lost, then lock the new vault."""
        if self.ops.busy:  # a vault is being made: its code must not be lost with the window
            event.ignore()
            return
        if self._vault is not None and self.stack.currentIndex() == RECOVERY and not self.recovery.confirmed:
            answer = QMessageBox.question(
                self,
                window_title(),
                "Your recovery code will not be shown again. Close without storing it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,  # Enter, pressed in a hurry, keeps the code on screen
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self._vault is not None:
            self.recovery.clear()
            self._vault.close()
            self._vault = None
        super().closeEvent(event)


def _spacer(height: int) -> QWidget:
    spacer = QWidget()
    spacer.setFixedHeight(height)
    return spacer
