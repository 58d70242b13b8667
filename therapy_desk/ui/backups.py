"""`BackupsView`: the Backups page. Where backups go, what is there, and back up / verify / test / restore.

Targets are the places remembered in the vault's settings (`storage/backup_targets.py`: a folder, or a
folder on a drive recognised by its identity wherever it is mounted), shown as connected or not, then the
removable drives mounted now (Qt's QStorageInfo: volume name, file system, free space, read-only), then
"Add a folder…". For the selected connected target the page lists this vault's backups there with their
state (`models/backup_files_model.py`). Writing, verifying, test-restoring and restoring run on a worker
through `Ops` with progress and Cancel; a refusal is a sentence on the page. Restore puts a backup of this
vault back over it (the main window locks, restores, and reopens it) or any backup into a new folder
(`backup_restore.RestoreDialog`), then opened with Vault › Open another vault….
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStorageInfo, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.backup_names import SUFFIX, parse_backup_name
from therapy_desk.errors import UserError
from therapy_desk.storage.backup import (
    BackupResult,
    VerifyReport,
    back_up_and_rotate,
    last_verified_backup,
    verify_backup,
)
from therapy_desk.storage.backup_checks import check_states, remember_check
from therapy_desk.storage.backup_rotation import PruneResult
from therapy_desk.storage.backup_target import list_backups
from therapy_desk.storage.backup_targets import (
    BackupTarget,
    Volume,
    forget_target,
    load_targets,
    remember_target,
    target_for,
    volume_id,
)
from therapy_desk.storage.restore import RestoreResult, TestRestoreReport, test_restore
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.backup_actions import record_test
from therapy_desk.ui.backup_auto import auto_backup_running, auto_check_box
from therapy_desk.ui.backup_restore import OPEN_WITH, RestoreDialog, RestoreRequest, restore_into
from therapy_desk.ui.format import fmt_size
from therapy_desk.ui.models import OBJECT_ROLE
from therapy_desk.ui.models.backup_files_model import BackupFilesModel, BackupRow, backup_rows
from therapy_desk.ui.ops import Op, Ops
from therapy_desk.ui.widgets.focus import record_table, set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

ADD_FOLDER = "Add a folder…"
PASSPHRASE_PROMPT = "The backup's passphrase (the vault's passphrase when it was taken):"  # noqa: S105 - the question, not a secret
_ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
_REMOVABLE_ROOTS = ("/media/", "/run/media/", "/mnt/")


def removable_place(root: str) -> bool:
    """Whether a mount point is where the system puts drives a user plugs in (not /boot, /home, /snap…)."""
    if sys.platform == "win32":
        return True
    if sys.platform == "darwin":
        return root.startswith("/Volumes/")
    return root.startswith(_REMOVABLE_ROOTS)


def mounted_drives() -> list[Volume]:
    """The removable drives mounted now, as Qt's QStorageInfo describes them (ready, not the system's root)."""
    found = []
    for info in QStorageInfo.mountedVolumes():
        if not info.isValid() or not info.isReady() or info.isRoot() or not removable_place(info.rootPath()):
            continue
        device = bytes(info.device().data()).decode("utf-8", "replace")
        found.append(
            Volume(
                root=info.rootPath(),
                label=info.name(),
                volume_id=volume_id(device),
                file_system=bytes(info.fileSystemType().data()).decode("utf-8", "replace"),
                free=max(info.bytesAvailable(), 0),
                read_only=info.isReadOnly(),
            )
        )
    return found


@dataclass(frozen=True)
class TargetEntry:
    """One line of the targets list: a place, where it is now (None: not connected), whether remembered."""

    target: BackupTarget
    place: Path | None
    remembered: bool
    volume: Volume | None = None

    @property
    def text(self) -> str:
        if self.remembered:
            state = "connected" if self.place is not None else "not connected"
            return f"{self.target.title} — {state}"
        volume = self.volume
        assert volume is not None
        details = [volume.file_system or "unknown file system", f"{fmt_size(volume.free)} free"]
        if volume.read_only:
            details.append("read-only")
        return f"{volume.label or volume.root} (drive found now) — {', '.join(details)}"


@registry.view
class BackupsView(QWidget):
    """The Backups page. `backups_changed` is emitted after a backup is written and verified;
    `restore_over_requested(RestoreRequest)` when a backup is to replace the open vault (the main window
    locks, restores and reopens)."""

    backups_changed = Signal()
    restore_over_requested = Signal(object)  # a RestoreRequest to put back over the open vault

    def __init__(
        self,
        vault: Vault,
        ops: Ops,
        parent: QWidget | None = None,
        *,
        drives: Callable[[], list[Volume]] = mounted_drives,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Backups")
        self._vault = vault
        self._ops = ops
        self._drives = drives
        self.op: Op | None = None

        heading = QLabel("Backups", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        intro = QLabel(
            "Back up to a USB drive or any folder. Each backup is read back from the drive and checked before "
            "it counts; keep a drive away from this computer.",
            self,
        )
        intro.setWordWrap(True)
        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.refresh_action.triggered.connect(lambda _checked=False: self.refresh())
        self.addAction(self.refresh_action)

        targets_label = QLabel("&Targets:", self)
        self.targets = QListWidget(self)
        self.targets.setAccessibleName("Targets")
        self.targets.setAccessibleDescription("Remembered places, drives found now, and Add a folder…")
        targets_label.setBuddy(self.targets)
        self.targets.currentItemChanged.connect(lambda *_: self._target_chosen())
        self.targets.itemActivated.connect(self._item_activated)
        self.add_button = QPushButton("&Add a folder…", self)
        self.add_button.setAccessibleName("Add a folder")
        self.add_button.clicked.connect(self.add_folder)
        self.forget_button = QPushButton("&Forget target", self)
        self.forget_button.setAccessibleName("Forget target")
        self.forget_button.setToolTip("Stop listing this place; its backups stay where they are")
        self.forget_button.clicked.connect(self.forget_current)
        self.refresh_button = QPushButton("Refre&sh", self)
        self.refresh_button.setAccessibleName("Refresh targets and backups")
        self.refresh_button.setToolTip("Look for drives and backups again (F5)")
        self.refresh_button.clicked.connect(self.refresh)

        self.files_label = QLabel("Ba&ckups of this vault on the target:", self)
        self.where = StatusLabel("Selected target", parent=self)
        self.where.setWordWrap(True)
        self.model = BackupFilesModel(self)
        self.table = record_table("Backups of this vault on the target, newest first", self)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.files_label.setBuddy(self.table)
        self.backup_button = QPushButton("&Back up now", self)
        self.backup_button.setAccessibleName("Back up now to the selected target")
        self.backup_button.clicked.connect(self.back_up)
        self.verify_button = QPushButton("Ver&ify…", self)
        self.verify_button.setAccessibleName("Verify the selected backup")
        self.verify_button.clicked.connect(self.verify)
        self.test_button = QPushButton("T&est restore…", self)
        self.test_button.setAccessibleName("Test restore the selected backup")
        self.test_button.setToolTip("Restore into a temporary folder, check it, delete the copy")
        self.test_button.clicked.connect(self.test_restore)
        self.restore_button = QPushButton("&Restore…", self)
        self.restore_button.setAccessibleName("Restore the selected backup")
        self.restore_button.setToolTip("Over this vault (kept aside as a pre-restore copy) or into a new folder")
        self.restore_button.clicked.connect(self.restore)
        self.restore_file_button = QPushButton("Restore a backup fi&le…", self)
        self.restore_file_button.setAccessibleName("Restore a backup file from any folder")
        self.restore_file_button.clicked.connect(self.restore_file)
        self.auto_check = auto_check_box(vault, self, refuse=self._refuse)
        self.message = StatusLabel("Backups status", parent=self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.error = error_label(self)

        left = QVBoxLayout()
        left.addWidget(targets_label)
        left.addWidget(self.targets, 1)
        target_buttons = QHBoxLayout()
        for button in (self.add_button, self.forget_button, self.refresh_button):
            target_buttons.addWidget(button)
        target_buttons.addStretch(1)
        left.addLayout(target_buttons)
        right = QVBoxLayout()
        right.addWidget(self.files_label)
        right.addWidget(self.where)
        right.addWidget(self.table, 1)
        file_buttons = QHBoxLayout()
        for button in (
            self.backup_button,
            self.verify_button,
            self.test_button,
            self.restore_button,
            self.restore_file_button,
        ):
            file_buttons.addWidget(button)
        file_buttons.addStretch(1)
        right.addLayout(file_buttons)
        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(columns, 1)
        layout.addWidget(self.auto_check)
        layout.addWidget(self.message)
        layout.addWidget(self.error)
        set_tab_order(
            self.targets,
            self.add_button,
            self.forget_button,
            self.refresh_button,
            self.table,
            self.backup_button,
            self.verify_button,
            self.test_button,
            self.restore_button,
            self.restore_file_button,
            self.auto_check,
        )

    # -- the targets -----------------------------------------------------------------------------

    def entries(self) -> list[TargetEntry]:
        """The targets list's places in order: remembered ones, then drives found now not remembered."""
        volumes = self._drives()
        remembered = load_targets(self._vault.practice)
        entries = [TargetEntry(target, target.located(volumes), True) for target in remembered]
        for volume in volumes:
            if not any(target.same_drive(volume) for target in remembered):
                entries.append(TargetEntry(target_for(Path(volume.root), [volume]), Path(volume.root), False, volume))
        return entries

    def refresh(self) -> None:
        """Read the targets and the selected target's backups again, keeping the selected place."""
        current = self.current_entry()
        self.targets.blockSignals(True)
        self.targets.clear()
        chosen = 0
        for number, entry in enumerate(self.entries()):
            item = QListWidgetItem(entry.text, self.targets)
            item.setData(_ENTRY_ROLE, entry)
            if current is not None and entry.target.same_place(current.target):
                chosen = number
        add = QListWidgetItem(ADD_FOLDER, self.targets)
        add.setData(_ENTRY_ROLE, None)
        self.targets.setCurrentRow(chosen)
        self.targets.blockSignals(False)
        self._target_chosen()

    def current_entry(self) -> TargetEntry | None:
        item = self.targets.currentItem()
        entry = item.data(_ENTRY_ROLE) if item is not None else None
        return entry if isinstance(entry, TargetEntry) else None

    def select_target(self, target: BackupTarget) -> None:
        for row in range(self.targets.count()):
            entry = self.targets.item(row).data(_ENTRY_ROLE)
            if isinstance(entry, TargetEntry) and entry.target.same_place(target):
                self.targets.setCurrentRow(row)
                return

    def _item_activated(self, item: QListWidgetItem) -> None:
        if item.data(_ENTRY_ROLE) is None:
            self.add_folder()

    def add_folder(self) -> BackupTarget | None:
        """Ask for a folder (on a drive or not) and remember it as a target."""
        chosen = QFileDialog.getExistingDirectory(self, "Back up to which folder?", str(Path.home()))
        if not chosen:
            return None
        target = target_for(Path(chosen), self._drives())
        if not self._attempt(lambda: remember_target(self._vault.practice, target)):
            return None
        self.refresh()
        self.select_target(target)
        self._say(f"{target.title} is remembered as a backup target.")
        return target

    def forget_current(self) -> None:
        entry = self.current_entry()
        if entry is None or not entry.remembered:
            self._refuse("Choose a remembered target to forget first.")
            return
        if self._attempt(lambda: forget_target(self._vault.practice, entry.target)):
            self.refresh()
            self._say(f"{entry.target.title} is no longer listed. Its backups were not touched.")

    def _target_chosen(self) -> None:
        self.error.hide()
        entry = self.current_entry()
        rows: list[BackupRow] = []
        if entry is None:
            self.where.setText("Choose a target, or Add a folder….")
        elif entry.place is None:
            self.where.setText(f"{entry.target.title} is not connected. Plug the drive in, then Refresh (F5).")
        else:
            try:
                files = list_backups(entry.place)
            except OSError:
                self.where.setText(f"Therapy Desk cannot read {entry.place}. Check the drive, then Refresh (F5).")
            else:
                checked = check_states(self._vault.practice, files)
                rows = backup_rows(files, self._vault.vault_id, last_verified_backup(self._vault), checked)
                count = f"{len(rows)} backup{'s' if len(rows) != 1 else ''} of this vault" if rows else "No backups"
                self.where.setText(f"{count} in {entry.place}.")
        self.model.set_rows(rows)
        if rows:
            self.table.setCurrentIndex(self.model.index(0, 0))

    def current_backup(self) -> BackupRow | None:
        index = self.table.currentIndex()
        row = self.model.data(self.model.index(index.row(), 0), OBJECT_ROLE) if index.isValid() else None
        return row if isinstance(row, BackupRow) else None

    # -- sentences -------------------------------------------------------------------------------

    def _say(self, text: str, *, warning: bool = False) -> None:
        self.error.hide()
        self.message.setText(text)
        theme.set_role(self.message, theme.WARNING if warning else None)

    def _refuse(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _attempt(self, step: Callable[[], object]) -> bool:
        try:
            step()
        except UserError as err:
            self._refuse(str(err))
            return False
        return True

    def _ask_passphrase(self, title: str) -> str | None:
        passphrase, ok = QInputDialog.getText(
            self,
            title,
            "The backup's passphrase (the vault's passphrase when it was taken):",
            QLineEdit.EchoMode.Password,
        )
        return passphrase if ok and passphrase else None

    def _chosen_backup(self) -> BackupRow | None:
        row = self.current_backup()
        if row is None:
            self._refuse("Choose a backup in the list first (select a connected target that holds one).")
        return row

    def _busy(self) -> bool:
        if self.op is not None or auto_backup_running(self._ops):
            self._refuse("Wait for the backup work that is running to finish.")
            return True
        return False

    def _start(self, op: Op) -> Op:
        self.op = op
        op.failure(lambda err: self._refuse(str(err))).finished(self._op_ended)
        return op.start()

    def _op_ended(self) -> None:
        self.op = None

    # -- the actions -----------------------------------------------------------------------------

    def back_up(self) -> Op | None:
        """Write a backup to the selected target, verify it from the drive and thin older ones (on a worker)."""
        entry = self.current_entry()
        if self._busy():
            return None
        if entry is None or entry.place is None:
            self._refuse("Choose a connected target first, or Add a folder….")
            return None
        place, target = entry.place, entry.target
        if not entry.remembered and not self._attempt(lambda: remember_target(self._vault.practice, target)):
            return None

        def done(outcome: tuple[BackupResult, PruneResult]) -> None:
            result, pruned = outcome
            removed = f" Rotation removed {len(pruned.deleted)} older backup(s)." if pruned.deleted else ""
            self.refresh()
            self.select_target(target)
            self._say(f"Backed up and verified from the drive: {result.path.name} ({fmt_size(result.size)}).{removed}")
            self.backups_changed.emit()

        op = self._ops.run(
            lambda vault, progress: back_up_and_rotate(vault, place, progress=progress),
            label="Backing up and verifying the backup…",
            cancellable=True,
            parent=self,
        )
        return self._start(op.success(done))

    def verify(self) -> Op | None:
        """Ask the backup's passphrase and check the selected file whole (on a worker); show what it found."""
        row = self._chosen_backup()
        if row is None or self._busy():
            return None
        passphrase = self._ask_passphrase("Verify a backup")
        if passphrase is None:
            return None
        path, size = row.file.path, row.file.size

        def done(report: VerifyReport) -> None:
            self._attempt(lambda: remember_check(self._vault.practice, path, size, clean=report.clean))
            self._target_chosen()
            if report.clean:
                self._say(f"{path.name} checked clean: every member, its key and its database as recorded.")
            else:
                self._say(f"{path.name} is damaged; do not rely on it.", warning=True)
                self._refuse("\n".join(f"• {problem}" for problem in report.problems))

        op = self._ops.run_plain(
            lambda progress: verify_backup(path, "passphrase", passphrase, progress=progress),
            label="Verifying the backup…",
            cancellable=True,
            parent=self,
        )
        return self._start(op.success(done))

    def test_restore(self) -> Op | None:
        """Restore the selected backup into a temporary folder, check it and delete it; record the result."""
        row = self._chosen_backup()
        if row is None or self._busy():
            return None
        passphrase = self._ask_passphrase("Test restore")
        if passphrase is None:
            return None
        path = row.file.path

        def done(report: TestRestoreReport) -> None:
            record_test(self._vault, path, report)
            if report.passed:
                self._say(
                    f"{path.name} restored into a temporary folder, opened and checked clean in {report.seconds:.0f} s."
                    " The temporary copy is deleted."
                )
            else:
                self._say(f"{path.name} failed its test restore.", warning=True)
                self._refuse("\n".join(f"• {problem}" for problem in report.problems))

        op = self._ops.run_plain(
            lambda progress: test_restore(path, "passphrase", passphrase, progress=progress),
            label="Restoring the backup into a temporary folder and checking it…",
            cancellable=True,
            parent=self,
        )
        return self._start(op.success(done))

    def restore(self) -> RestoreDialog | None:
        """Ask where the selected backup goes back (over this vault, or into a new folder) and what unlocks
        it; the restore starts when the dialog is accepted. Returns the dialog, shown window-modal."""
        row = self._chosen_backup()
        if row is None or self._busy():
            return None
        return self._ask_restore(row.file.path, same_vault=True)

    def restore_file(self) -> RestoreDialog | None:
        """Restore a backup file chosen anywhere (another drive, another vault's backup). Another vault's
        backup goes only into a new folder, after a question that says so."""
        if self._busy():
            return None
        start = self.current_entry()
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            "Restore which backup?",
            str(start.place if start is not None and start.place is not None else Path.home()),
            f"Therapy Desk backups (*{SUFFIX})",
        )
        if not chosen:
            return None
        path = Path(chosen)
        name = parse_backup_name(path.name)
        if name is None:
            self._refuse(
                f"{path.name} is not a Therapy Desk backup (their names end in {SUFFIX}). Choose another file."
            )
            return None
        same = name.vault_id == self._vault.vault_id
        if not same and not self._restore_other_vault_confirmed(path):
            return None
        return self._ask_restore(path, same_vault=same)

    def _restore_other_vault_confirmed(self, path: Path) -> bool:
        answer = QMessageBox.question(
            self,
            "A backup of another vault",
            f"{path.name} is a backup of another vault, not of the one open now. It can be restored only into a "
            "new folder, as a vault of its own; the vault open now is not changed. Restore it into a new folder?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _ask_restore(self, path: Path, *, same_vault: bool) -> RestoreDialog:
        dialog = RestoreDialog(path, self._vault.folder, same_vault=same_vault, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._restore(dialog.request()))
        dialog.open()
        return dialog

    def _restore(self, request: RestoreRequest) -> Op | None:
        if request.folder is None:  # over this vault: the window locks it first, then restores and reopens
            self.restore_over_requested.emit(request)
            return None
        if self._busy():
            return None
        path, folder = request.path, request.folder

        def done(result: RestoreResult) -> None:
            if result.clean:
                self._say(
                    f"{path.name} restored into {folder} and checked clean: {result.rows:,} rows. "
                    f"Open it with {OPEN_WITH}"
                )
            else:
                self._say(f"{path.name} restored into {folder}, but its check found problems.", warning=True)
                self._refuse("\n".join(f"• {problem}" for problem in result.check_problems))

        op = self._ops.run_plain(
            lambda progress: restore_into(request, folder, progress),
            label="Verifying and restoring the backup into a new folder…",
            cancellable=True,
            parent=self,
        )
        return self._start(op.success(done))

    # -- showing and locking ---------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.refresh()

    def clear_for_lock(self) -> None:
        """No chart data here, but file names and folders: empty the lists and the sentences."""
        self.targets.clear()
        self.model.set_rows([])
        self.where.clear()
        self.message.clear()
        self.error.hide()
