"""Automatic backups: on close, and when a remembered drive is plugged in, if the vault changed since its
last verified backup (`storage/backup.changed_since_backup`) and the practice has not turned them off.

`AutoBackup` belongs to the main window. On close it backs up to the first remembered target that is
connected and writable, through `Ops` with the progress dialog and Cancel, then lets the window close
whatever happened (a failure's sentence is shown first). While the window is open a timer looks at the
mounted drives every few seconds; when a remembered drive appears it backs up there on a worker with no
dialog, the status bar saying where and then how it went. Locking never backs up, and there is never
more than one automatic backup at a time, nor one while other work is running (Back up now, the Backups
page's work: `Ops` runs them) — a drive that appears meanwhile is tried again at the next look.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QCheckBox, QMainWindow, QWidget

from therapy_desk.errors import UserError
from therapy_desk.storage.backup import BackupResult, back_up_and_rotate, changed_since_backup
from therapy_desk.storage.backup_rotation import PruneResult
from therapy_desk.storage.backup_targets import BackupTarget, Volume, load_targets
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs
from therapy_desk.ui.format import fmt_size
from therapy_desk.ui.ops import Op, Ops

AUTO_SETTING = "backup.auto"  # "on" (the default) or "off"
POLL_MS = 4000
RESULT_MS = 15_000  # how long the status bar keeps a finished automatic backup's result
Drives = Callable[[], list[Volume]]

_running: weakref.WeakSet[Ops] = weakref.WeakSet()  # the Ops whose automatic backup is under way


def auto_enabled(vault: Vault) -> bool:
    """Whether automatic backups are on for this vault (the practice's setting; on unless turned off)."""
    return vault.practice.setting(AUTO_SETTING) != "off"


def set_auto_enabled(vault: Vault, on: bool) -> None:
    vault.practice.set_setting(AUTO_SETTING, "on" if on else "off")


def auto_check_box(vault: Vault, parent: QWidget, *, refuse: Callable[[str], None]) -> QCheckBox:
    """The Backups page's switch for automatic backups; a setting that cannot be saved is refused (`refuse`
    shows the sentence) and the box goes back."""
    box = QCheckBox("Back up a&utomatically on close and when a remembered drive is connected", parent)
    box.setAccessibleName("Back up automatically on close and when a remembered drive is connected")
    box.setToolTip("Only when the vault changed since the last verified backup")
    box.setChecked(auto_enabled(vault))

    def toggled(on: bool) -> None:
        try:
            set_auto_enabled(vault, on)
        except UserError as err:
            refuse(str(err))
            box.blockSignals(True)
            box.setChecked(not on)
            box.blockSignals(False)

    box.toggled.connect(toggled)
    return box


def auto_backup_running(ops: Ops) -> bool:
    """Whether an automatic backup runs on `ops` now (Back up now and the Backups page wait for it)."""
    return ops in _running


def _writable(place: Path, target: BackupTarget, volumes: list[Volume]) -> bool:
    if any(target.same_drive(volume) and volume.read_only for volume in volumes):
        return False
    return os.access(place, os.W_OK | os.X_OK)


def connected_targets(
    vault: Vault, volumes: list[Volume], *, drives_only: bool = False
) -> list[tuple[BackupTarget, Path]]:
    """The remembered targets connected and writable now, with where they are, in the page's order."""
    found = []
    for target in load_targets(vault.practice):
        if drives_only and not target.on_drive:
            continue
        place = target.located(volumes)
        if place is not None and _writable(place, target, volumes):
            found.append((target, place))
    return found


class AutoBackup(QObject):
    """The main window's automatic backups. `drives` lists the removable drives mounted now (the OS edge:
    `ui/backups.mounted_drives` in the app); without it only remembered folders are backed up to, on close."""

    def __init__(
        self,
        window: QMainWindow,
        vault: Vault,
        ops: Ops,
        *,
        drives: Drives | None = None,
        done: Callable[[], None] | None = None,
        poll_ms: int = POLL_MS,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._vault = vault
        self._ops = ops
        self._drives = drives
        self._done = done or (lambda: None)
        self._seen: set[BackupTarget] = set()  # drive targets connected at the last look, already handled
        self._after: Callable[[], None] | None = None  # what to do once the backup under way has ended
        self.op: Op | None = None
        self.failure: str | None = None  # the last automatic backup's sentence, if it failed
        self.closing = False  # a backup before closing is under way: the window closes when it ends
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)

    @property
    def running(self) -> bool:
        return self.op is not None

    def start(self) -> None:
        """Look for remembered drives from now on (a drive already plugged in counts as appearing)."""
        if self._drives is not None:
            self.timer.start()
            QTimer.singleShot(0, self.poll)

    def stop(self) -> None:
        """No more looking (the window locks); a backup under way is cancelled by the lock itself."""
        self.timer.stop()

    def _volumes(self) -> list[Volume]:
        return self._drives() if self._drives is not None else []

    # -- when a remembered drive appears ---------------------------------------------------------

    def poll(self) -> None:
        """One look at the mounted drives; a remembered drive newly there starts a backup if one is due."""
        if not self.timer.isActive() or self.closing or not self._vault.is_open:
            return
        volumes = self._volumes()
        if not volumes:
            self._seen.clear()
            return
        connected = dict(connected_targets(self._vault, volumes, drives_only=True))
        self._seen &= connected.keys()
        new = [target for target in connected if target not in self._seen]
        if not new or self.running or self._ops.busy:
            return  # nothing new, or other work first: a new drive is looked at again next time
        self._seen.update(new)
        if not auto_enabled(self._vault) or not changed_since_backup(self._vault):
            return
        target = new[0]
        self._window.statusBar().showMessage(f"Backing up to {target.title}…")
        self._start(target, connected[target], modal=False)

    # -- on close --------------------------------------------------------------------------------

    def before_close(self, then: Callable[[], None]) -> bool:
        """Start the backup closing calls for, if one is due: True when the close must wait (`then` runs once,
        when the backup has ended however it ended). False: close now (nothing changed, no remembered target
        connected, automatic backups off, other work running: the lock cancels that)."""
        if self.closing:
            return True  # already backing up before closing: its progress dialog has Cancel
        if self.op is not None:  # a drive's backup in the background? Stop it, then one with progress and Cancel
            self.closing = True
            self._after = lambda: self._close_again(then)
            self.op.cancel()
            return True
        if self._ops.busy or not self._vault.is_open or not auto_enabled(self._vault):
            return False
        targets = connected_targets(self._vault, self._volumes())
        if not targets or not changed_since_backup(self._vault):
            return False
        self.stop()
        self.closing = True
        self._after = lambda: self._closed_after(then)
        target, place = targets[0]
        self._window.statusBar().showMessage(f"Backing up to {target.title} before closing…")
        self._start(target, place, modal=True)
        return True

    def _close_again(self, then: Callable[[], None]) -> None:
        self.closing = False
        if not self.before_close(then):
            then()

    def _closed_after(self, then: Callable[[], None]) -> None:
        if self.failure is None:
            then()
            return
        box = dialogs.show_error(self._window, f"{self.failure} Therapy Desk closes without this backup.")
        box.finished.connect(lambda _result: then())

    # -- the backup ------------------------------------------------------------------------------

    def _start(self, target: BackupTarget, place: Path, *, modal: bool) -> Op:
        self.failure = None
        title = target.title

        def done(outcome: tuple[BackupResult, PruneResult]) -> None:
            result, _pruned = outcome
            self._window.statusBar().showMessage(
                f"Backed up to {title} and verified from the drive ({fmt_size(result.size)}).", RESULT_MS
            )
            self._done()

        def failed(err: UserError) -> None:
            self.failure = str(err)
            self._window.statusBar().showMessage(f"The automatic backup to {title} failed: {err}", RESULT_MS)

        op = self._ops.run(
            lambda vault, progress: back_up_and_rotate(vault, place, progress=progress),
            label=f"Backing up to {title} before closing…" if modal else f"Backing up to {title}…",
            cancellable=True,
            writes=modal,  # in the background the pages' work must not queue behind it
            parent=self._window,
        )
        self.op = op
        _running.add(self._ops)
        op.success(done).failure(failed).finished(self._finished)
        return op.start() if modal else op.quiet().start()  # unseen: the status bar says it instead

    def _finished(self) -> None:
        self.op = None
        _running.discard(self._ops)
        after, self._after = self._after, None
        if after is not None:  # once `Ops` has let go of the op: a lock waits for it to be forgotten
            QTimer.singleShot(0, self, after)
