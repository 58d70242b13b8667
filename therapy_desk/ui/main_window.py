"""The main window: navigation between the views, chart windows, the status bar, the Vault menu, and locking.

The window does not know which views exist: it takes `(title, factory)` pairs, so the composition
lives in `app.py`. Views are built the first time they are shown. Locking (Lock now, the idle
timer, closing the window) asks every view and chart window to save its drafts and clear itself,
deletes them, closes the vault and emits `locked`, whatever any view, dialog or worker does meanwhile.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import shiboken6
from PySide6.QtCore import QMargins, QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from therapy_desk.errors import UserError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import backup_actions, backup_auto, dialogs, files, locking, note_editor, registry, theme, windows
from therapy_desk.ui.archive_dialog import ArchiveDialog, open_archive_dialog
from therapy_desk.ui.backup_restore import RestoreRequest
from therapy_desk.ui.clipboard import AppClipboard, app_clipboard
from therapy_desk.ui.idle import SETTING_KEY, IdleLock, minutes_from_setting
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.retention import RetentionDialog
from therapy_desk.ui.search import SearchDialog
from therapy_desk.ui.unlock import holds_vault
from therapy_desk.ui.widgets.status_label import StatusLabel

log = logging.getLogger(__name__)

PageFactory = Callable[[Vault, Ops], QWidget]
ChartFactory = Callable[[Vault, Ops, int], QWidget]

APP_TITLE = windows.APP_NAME
DEMO_MARKER = "DEMO"
DEFAULT_SIZE = QSize(1280, 800)  # or what the screen leaves free, whichever is smaller
NO_RECENT_VAULTS = "No other vaults yet"
MAX_RECENT_VAULTS = 8
LAST_BACKUP_TEXT = backup_actions.NEVER
_LOCK_WAIT_STEP_MS = 1000
# How long a lock waits for background work that does not stop when asked, before locking without it.
LOCK_WAIT_LIMIT_MS = 10_000


class _RoomyItem(QStyledItemDelegate):
    """Navigation items with room above and below their words.

    Not a style sheet: Qt stops passing palette changes to a widget with a style sheet of its own, so the
    selection kept the colours of the theme the app started in.
    """

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return super().sizeHint(option, index).grownBy(QMargins(6, 6, 6, 6))


@registry.view
class MainWindow(QMainWindow):
    """One open vault. `locked(quitting)` fires once the vault is closed and nothing shows PHI."""

    locked = Signal(bool)

    def __init__(
        self,
        vault: Vault,
        pages: Sequence[tuple[str, PageFactory]],
        *,
        chart_factory: ChartFactory | None = None,
        is_demo: bool = False,
        recent_vaults: Sequence[Path] = (),
        drives: backup_auto.Drives | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.vault = vault
        self.is_demo = is_demo
        self.ops = Ops(self, vault)
        self._factories = list(pages)
        self._pages: list[QWidget | None] = [None] * len(self._factories)
        self._chart_factory = chart_factory
        self._charts: dict[int, QWidget] = {}
        self._locking = False
        self._is_locked = False
        self._quit_after_lock = False
        self._recent_vaults = list(recent_vaults)
        self.requested_folder: Path | None = None  # "Open another vault…": unlock it once this one is locked
        self.requested_restore: RestoreRequest | None = None  # a backup to put back once this vault is locked
        self.retention_dialog: RetentionDialog | None = None
        self.lock_wait_limit_ms = LOCK_WAIT_LIMIT_MS
        self._clipboard: AppClipboard = app_clipboard()
        self._clipboard.watch()

        self.setWindowTitle(windows.window_title(DEMO_MARKER) if is_demo else APP_TITLE)
        windows.place_new(self, DEFAULT_SIZE)
        self._build_navigation()
        self._build_menus()
        self._build_status_bar()

        self.idle_lock = IdleLock(parent=self)
        self.apply_auto_lock_setting()
        self.idle_lock.timed_out.connect(self._idle_timed_out)
        self.idle_lock.start()
        # On close and when a remembered drive appears (`drives`: the mounted removable drives, from the app).
        self.auto_backup = backup_auto.AutoBackup(self, vault, self.ops, drives=drives, done=self.backups_changed)
        self.auto_backup.start()
        if self._factories:
            self.navigation.setCurrentRow(0)
        self.vault_warning: QWidget | None = None
        if vault.warnings:  # said once the window is on screen, over it
            QTimer.singleShot(0, self._show_vault_warnings)

    def _show_vault_warnings(self) -> None:
        """What opening the vault found (history missing, files it could not make private), in its words."""
        if self._is_locked:
            return
        found = "\n\n".join(self.vault.warnings)
        self.vault_warning = dialogs.show_error(self, f"Opening this vault found a problem:\n\n{found}")

    # -- construction --------------------------------------------------------------------------

    def _build_navigation(self) -> None:
        self.navigation = QListWidget()
        self.navigation.setAccessibleName("Navigation")
        self.navigation.setFrameShape(QListWidget.Shape.NoFrame)
        self.navigation.setFixedWidth(180)
        self.navigation.setSpacing(1)
        self.navigation.setItemDelegate(_RoomyItem(self.navigation))
        font = self.navigation.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.navigation.setFont(font)
        self.stack = QStackedWidget()
        for index, (title, _factory) in enumerate(self._factories):
            item = QListWidgetItem(title)
            if index < 9:
                keys = QKeySequence(f"Ctrl+{index + 1}").toString(QKeySequence.SequenceFormat.NativeText)
                item.setToolTip(f"{title} ({keys})")
            self.navigation.addItem(item)
            self.stack.addWidget(QWidget())  # placeholder until the view is first shown
        self.navigation.currentRowChanged.connect(self.show_page)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        vault_menu = self.menuBar().addMenu("&Vault")
        self.open_vault_action = QAction("&Open another vault…", self)
        self.open_vault_action.setStatusTip("Lock this vault and unlock the vault in a folder you choose")
        self.open_vault_action.triggered.connect(self.choose_vault)
        vault_menu.addAction(self.open_vault_action)
        self.recent_menu = self._build_recent_menu()
        vault_menu.addMenu(self.recent_menu)
        vault_menu.addSeparator()
        self.backup_action = QAction("&Back up now…", self)
        self.backup_action.setShortcut(QKeySequence("Ctrl+B"))
        self.backup_action.setStatusTip("Write a backup to a USB drive or folder and verify it from there")
        self.backup_action.triggered.connect(self.back_up_now)
        vault_menu.addAction(self.backup_action)
        self.addAction(self.backup_action)
        self.test_backup_action = QAction("&Test a backup…", self)
        self.test_backup_action.setStatusTip("Restore a backup into a temporary folder, check it, delete the copy")
        self.test_backup_action.triggered.connect(self.try_restoring)
        vault_menu.addAction(self.test_backup_action)
        self.archive_action = vault_menu.addAction("&Export archive…", self.export_archive)
        self.archive_action.setStatusTip("Write every client's record as a folder or encrypted zip, readable anywhere")
        self.retention_action = vault_menu.addAction("Records &past retention…", self.open_retention)
        vault_menu.addSeparator()
        self.lock_action = QAction("&Lock now", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)  # from chart windows too
        self.lock_action.setStatusTip("Save drafts, close the vault and ask for the passphrase again")
        self.lock_action.triggered.connect(self.lock_now)
        vault_menu.addAction(self.lock_action)
        vault_menu.addSeparator()
        # Application-wide: Ctrl+Q also quits from a chart window.
        self.quit_action = windows.add_quit_action(self, self.close, context=Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.setStatusTip("Lock the vault and quit Therapy Desk")
        vault_menu.addAction(self.quit_action)

        go_menu = self.menuBar().addMenu("&Go")
        self.page_actions: list[QAction] = []
        for index, (title, _factory) in enumerate(self._factories):
            action = QAction(title, self)
            if index < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, row=index: self.navigation.setCurrentRow(row))
            go_menu.addAction(action)
            self.addAction(action)
            self.page_actions.append(action)

        go_menu.addSeparator()
        # Application-wide, like Lock: Ctrl+Shift+F searches from chart windows and note editors too.
        self.search_action = QAction("&Search notes and clients…", self)
        self.search_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.search_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.search_action.setStatusTip("Find a client by name or a note by its words")
        self.search_action.triggered.connect(self.open_search)
        go_menu.addAction(self.search_action)
        self.addAction(self.search_action)
        self._search: QDialog | None = None

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Therapy Desk", self)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        self.addAction(self.lock_action)

    def _build_recent_menu(self) -> QMenu:
        """The vaults opened lately, by folder; one whose folder is gone (a drive not plugged in) is greyed."""
        menu = QMenu("&Recent vaults", self)
        menu.setToolTipsVisible(True)
        self.recent_actions: list[QAction] = []
        for number, folder in enumerate(self._recent_vaults[:MAX_RECENT_VAULTS], start=1):
            action = QAction(f"&{number} {str(folder).replace('&', '&&')}", self)
            if holds_vault(folder):
                action.setToolTip(f"Lock this vault and unlock the one in {folder}")
                action.triggered.connect(lambda _checked=False, where=folder: self.open_vault(where))
            else:
                action.setEnabled(False)
                action.setToolTip("No vault there now (a drive that is not plugged in?)")
            menu.addAction(action)
            self.recent_actions.append(action)
        if not self.recent_actions:
            empty = menu.addAction(NO_RECENT_VAULTS)
            empty.setEnabled(False)
        return menu

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.vault_label = StatusLabel("Vault folder", f"Vault: {self.vault.folder}")
        self.vault_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lock_label = StatusLabel("Lock state", "Unlocked")
        self.backup_label = StatusLabel("Last verified backup", LAST_BACKUP_TEXT)
        backup_actions.show_backup_line(self.backup_label, self.vault)
        if self.is_demo:
            self.demo_label = QLabel(DEMO_MARKER)
            self.demo_label.setAccessibleName("Demo practice")
            self.demo_label.setToolTip("This is an invented demo practice, not a real chart.")
            self.demo_label.setStyleSheet(theme.badge_style())
            bar.addWidget(self.demo_label)
        bar.addWidget(self.vault_label, 1)
        bar.addPermanentWidget(self.backup_label)
        bar.addPermanentWidget(self.lock_label)

    # -- pages and charts ----------------------------------------------------------------------

    @property
    def page_titles(self) -> list[str]:
        return [title for title, _factory in self._factories]

    def current_page(self) -> QWidget | None:
        row = self.navigation.currentRow()
        return self._pages[row] if 0 <= row < len(self._pages) else None

    @Slot(int)
    def show_page(self, row: int) -> None:
        """Show the view in `row`, building it the first time."""
        if self._is_locked or self._locking or not 0 <= row < len(self._factories):
            return
        if self._pages[row] is None:
            self._pages[row] = self._build_page(row)
        self.stack.setCurrentIndex(row)
        if self.navigation.currentRow() != row:
            self.navigation.setCurrentRow(row)
        self.apply_auto_lock_setting()  # the user may have just changed it in Settings

    def _build_page(self, row: int) -> QWidget:
        title, factory = self._factories[row]
        try:
            page = factory(self.vault, self.ops)
        except UserError as err:
            page = QLabel(str(err))
        except Exception as exc:  # a bug: report it, keep the window usable
            dialogs.show_crash(self, exc)
            page = QLabel(f"{title} could not be opened because of a bug.")
        if isinstance(page, QLabel) and not hasattr(page, "clear_for_lock"):
            page.setAlignment(Qt.AlignmentFlag.AlignCenter)
            page.setWordWrap(True)
        if not page.accessibleName():
            page.setAccessibleName(title)
        for signal, slot in (
            ("open_client", self.open_chart),
            ("start_note_requested", self.start_note),
            ("open_note_requested", self.open_note),
            ("open_measure_requested", self.open_measure),
            ("restore_over_requested", self.restore_over),
        ):
            if hasattr(page, signal):
                getattr(page, signal).connect(slot)
        backups_changed = getattr(page, "backups_changed", None)
        if backups_changed is not None:  # the Backups page wrote a verified backup: the status line moves
            backups_changed.connect(self.backups_changed)
        auto_lock_changed = getattr(page, "auto_lock_changed", None)
        if auto_lock_changed is not None:
            auto_lock_changed.connect(self.idle_lock.set_minutes)
        placeholder = self.stack.widget(row)
        self.stack.insertWidget(row, page)
        if placeholder is not None:
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
        return page

    @Slot(int)
    def open_chart(self, client_id: int) -> None:
        """Open the client's chart window, or raise it if it is already open."""
        if self._is_locked or self._locking or self._chart_factory is None:
            return
        window = self._charts.get(client_id)
        if window is None:
            window = self._chart_factory(self.vault, self.ops, client_id)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.destroyed.connect(lambda _obj=None, cid=client_id: self._charts.pop(cid, None))
            self._charts[client_id] = window
            windows.fit_on_screen(window)
        window.show()
        window.raise_()
        window.activateWindow()

    @Slot()
    def open_search(self) -> QDialog | None:
        """Show the search window (one at a time), its query field ready for typing."""
        if self._is_locked or self._locking:
            return None
        if self._search is None or not shiboken6.isValid(self._search):
            search = SearchDialog(self.vault, self.ops, self)
            search.open_client.connect(self.open_chart)
            search.open_note_requested.connect(self.open_note)
            self._search = search
        self._search.show()
        self._search.raise_()
        self._search.activateWindow()
        return self._search

    @Slot()
    def backups_changed(self) -> None:
        """A verified backup was written: the status line moves, and Today's warning with it."""
        backup_actions.show_backup_line(self.backup_label, self.vault)
        for page in self._pages:
            if page is not None and hasattr(page, "backup_warning") and hasattr(page, "refresh"):
                page.refresh()

    @Slot()
    def back_up_now(self) -> None:
        if self.auto_backup.running:
            self.statusBar().showMessage("An automatic backup is running; wait for it to finish.", 5000)
        elif not self._is_locked and not self._locking:
            self.backup_op = backup_actions.back_up_now(self, self.ops, done=self.backups_changed)

    @Slot()
    def export_archive(self) -> ArchiveDialog | None:
        """Export archive… of the whole practice (one client's is offered from the chart)."""
        return None if self._is_locked or self._locking else open_archive_dialog(self, self.vault, self.ops)

    @Slot()
    def open_retention(self) -> None:
        if not self._is_locked and not self._locking:
            self.retention_dialog = RetentionDialog(self.vault, parent=self)
            self.retention_dialog.open()

    @Slot()
    def try_restoring(self) -> None:
        if not self._is_locked and not self._locking:
            self.test_backup_op = backup_actions.try_restoring(self, self.ops)

    @Slot(int)
    def start_note(self, appointment_id: int) -> None:
        """Open the session's note (its draft, or a new one pre-filled from the appointment). A couple's,
        family's or group's session without an identified client asks whose note it is: each member has one."""
        if self._is_locked or self._locking:
            return
        try:
            client_id = self._note_for_whom(appointment_id)
            if client_id is not None:
                note_editor.open_note_for_appointment(
                    self.vault, appointment_id, self, client_id=client_id, ops=self.ops
                )
        except UserError as err:
            dialogs.show_error(self, str(err))

    def _note_for_whom(self, appointment_id: int) -> int | None:
        """The client whose note this session's is: its client, else the member chosen (None: cancelled)."""
        appointment = self.vault.schedule.get(appointment_id)
        if appointment.client_id is not None or appointment.unit_id is None:
            return appointment.client_id
        unit = self.vault.clients.unit(appointment.unit_id)
        members = self.vault.clients.by_ids([m.client_id for m in unit.members])
        choices = {client.listed_name: cid for cid, client in members.items()}
        if not choices:
            raise UserError(f"{unit.name} has no members; add them in a member's chart first.")
        chosen, ok = QInputDialog.getItem(
            self, "Whose note?", f"{unit.name}: each member has a note of their own. Write the note of:",
            sorted(choices), 0, False,
        )  # fmt: skip
        return choices[chosen] if ok and chosen in choices else None

    @Slot(int)
    def open_note(self, note_id: int) -> None:
        if not self._is_locked and not self._locking:
            try:
                note_editor.open_note(self.vault, note_id, self, ops=self.ops)
            except UserError as err:  # discarded since it was listed, say
                dialogs.show_error(self, str(err))

    @Slot(int, int)
    def open_measure(self, client_id: int, result_id: int) -> None:
        """Open the client's chart on a measure result (a PHQ-9 item-9 flag to follow up)."""
        self.open_chart(client_id)
        window = self._charts.get(client_id)
        show_result = getattr(window, "show_measure_result", None)
        if show_result is not None:
            show_result(result_id)

    def chart_windows(self) -> list[QWidget]:
        return list(self._charts.values())

    # -- another vault -------------------------------------------------------------------------

    @Slot()
    def choose_vault(self) -> None:
        """Ask for a vault's folder, then open it (this vault is locked first)."""
        chosen = files.ask_folder(self, "Open another vault", Path.home())
        if chosen is not None:
            self.open_vault(chosen)

    def open_vault(self, folder: Path) -> None:
        """Lock this vault, then unlock the one in `folder` (the app shows its unlock window)."""
        if self._is_locked or self._locking:
            return
        folder = Path(os.path.abspath(folder))
        if _same_folder(folder, self.vault.folder):
            self.statusBar().showMessage("That vault is the one open now.", 5000)
            return
        if not holds_vault(folder):
            dialogs.show_error(
                self, f"{folder} holds no Therapy Desk vault. Choose the vault's own folder (it holds keyslots.json)."
            )
            return
        self.requested_folder = folder
        self.lock()

    @Slot(object)
    def restore_over(self, request: RestoreRequest) -> None:
        """Lock this vault, then restore the backup over it and open it again (the app's unlock window does
        it, with progress; if the backup does not verify, the vault is as it was and waits to be unlocked)."""
        if self._is_locked or self._locking:
            return
        self.requested_restore = request
        self.requested_folder = None
        self.lock()

    # -- idle lock -----------------------------------------------------------------------------

    def apply_auto_lock_setting(self) -> None:
        """Read the auto-lock minutes from the vault (1–60, default 10)."""
        if self._is_locked or not self.vault.is_open:
            return
        minutes = minutes_from_setting(self.vault.practice.setting(SETTING_KEY, "10"))
        if self.idle_lock.interval_ms != minutes * 60_000:
            self.idle_lock.set_minutes(minutes)

    @Slot()
    def _idle_timed_out(self) -> None:
        self.lock()

    # -- locking -------------------------------------------------------------------------------

    @property
    def is_locked(self) -> bool:
        return self._is_locked

    @Slot()
    def lock_now(self) -> None:
        self.lock()

    def lock(self, *, quitting: bool = False) -> None:
        """Save drafts, clear and delete every view and chart, close the vault, then emit `locked`.

        No view, dialog, worker or the vault itself can stop it: each step runs on its own, whatever the
        ones before it raised, so the vault is always closed (key and vault lock dropped) and every window
        that showed the chart hidden and deleted. What went wrong is reported once the vault is locked.
        """
        self._quit_after_lock = self._quit_after_lock or quitting
        if self._locking or self._is_locked:
            return
        self._locking = True
        steps = locking.Steps()
        steps.run(self._show_locking)
        steps.run(self._finish_background_work)  # work in flight uses its own connection
        for editor in note_editor.open_editors():
            steps.run(editor.clear_for_lock)  # saves the draft, then empties and closes the window
        for view in self._views():
            steps.run(locking.clear, view)  # each view saves its drafts first, then empties itself
        for window in self._take_views():
            steps.run(locking.discard, window)
        for dialog in locking.open_dialogs():
            steps.run(locking.dismiss, dialog)  # a message left open may quote the chart
        steps.run(QToolTip.hideText)
        steps.run(self._clipboard.clear_app_text)
        steps.run(self.vault.close)  # drops the key and the vault lock even when its log entry fails
        self._is_locked = True
        self._locking = False
        steps.run(self._show_locked)
        locking.report(steps.problems)
        self.locked.emit(self._quit_after_lock)
        steps.reraise_interrupt()

    def _show_locking(self) -> None:
        self.idle_lock.stop()
        self.auto_backup.stop()
        self.lock_action.setEnabled(False)
        self.lock_label.setText("Locking…")

    def _show_locked(self) -> None:
        self.lock_label.setText("Locked")
        self.hide()

    def _finish_background_work(self) -> None:
        """Let running work finish or cancel, for at most `lock_wait_limit_ms`; then lock without it."""
        self.ops.cancel_all()
        deadline = time.monotonic() + self.lock_wait_limit_ms / 1000
        while (left_ms := int((deadline - time.monotonic()) * 1000)) > 0:
            if self.ops.wait_idle(min(_LOCK_WAIT_STEP_MS, left_ms)):
                return
            log.info("waiting for background work before locking")
        if self.ops.busy:  # it ignored Cancel: lock without it, and report it as the bug it is
            raise locking.WorkOutlivedLock(", ".join(self.ops.abandon_all()))

    def _views(self) -> list[QWidget]:
        return [page for page in self._pages if page is not None] + list(self._charts.values())

    def _take_views(self) -> list[QWidget]:
        """Every chart window and page, forgotten by the window (the lock deletes them)."""
        charts, self._charts = list(self._charts.values()), {}
        pages = [page for page in self._pages if page is not None]
        self._pages = [None] * len(self._pages)
        for page in pages:
            if shiboken6.isValid(page):
                self.stack.removeWidget(page)
        return charts + pages

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window backs up first when it should (`backup_auto`), then locks the vault and quits."""
        if not self._is_locked and not self._locking and self.auto_backup.before_close(self._close_after_backup):
            event.ignore()  # it closes once the backup has ended, however it ended
            return
        if not self._is_locked:
            self.lock(quitting=True)
        if self._is_locked:
            event.accept()
        else:
            event.ignore()  # a lock is under way; it quits when done

    def _close_after_backup(self) -> None:
        self.lock(quitting=True)

    # -- help ----------------------------------------------------------------------------------

    @Slot()
    def show_about(self) -> QMessageBox:
        return dialogs.about_box(self)


def _same_folder(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return os.path.abspath(one) == os.path.abspath(other)


# -- locking, step by step -------------------------------------------------------------------------
