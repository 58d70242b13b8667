"""Back up now (Ctrl+B), Test a backup…, and the status bar's "Last verified backup" line.

A backup is written and verified from the drive on a worker (`storage/backup.py`, through `Ops`, with
progress and Cancel), then the folder's older backups are thinned by the rotation policy; only a verified
backup moves the line. The line turns to a warning when the last
verified backup is older than the practice's setting (`backup.warn_days`, 7 by default) or there is none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from therapy_desk.domain.backup import LastBackup
from therapy_desk.domain.backup_names import SUFFIX
from therapy_desk.storage.backup import back_up_and_rotate, last_verified_backup
from therapy_desk.storage.restore import TestRestoreReport, test_restore
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import theme
from therapy_desk.ui.format import fmt_datetime
from therapy_desk.ui.ops import Op, Ops
from therapy_desk.ui.widgets.status_label import StatusLabel

WARN_DAYS_SETTING = "backup.warn_days"
LAST_TEST_SETTING = "backup.last_test"  # JSON: when, which file, whether it passed
DEFAULT_WARN_DAYS = 7
NEVER = "Last verified backup: never"


def warn_days(vault: Vault) -> int:
    """After how many days without a verified backup the app warns (the practice's setting, 1–365)."""
    stored = vault.practice.setting(WARN_DAYS_SETTING)
    try:
        days = int(stored) if stored is not None else DEFAULT_WARN_DAYS
    except ValueError:
        return DEFAULT_WARN_DAYS
    return days if 1 <= days <= 365 else DEFAULT_WARN_DAYS


def backup_line(last: LastBackup | None, now: datetime, days: int) -> tuple[str, bool]:
    """The status bar's words, and whether they are a warning (none yet, or older than `days`)."""
    if last is None:
        return NEVER, True
    when = fmt_datetime(last.verified_at.astimezone().replace(tzinfo=None))
    stale = now - last.verified_at > timedelta(days=days)
    return (f"Last verified backup: {when}" + (f" — more than {days} days ago" if stale else ""), stale)


TEST_EVERY_DAYS = 30


def restore_test_due(vault: Vault, now: datetime) -> bool:
    """Whether a test restore is due: none recorded that passed within TEST_EVERY_DAYS (or the record is
    unreadable)."""
    try:
        last = json.loads(vault.practice.setting(LAST_TEST_SETTING) or "null")
        when = datetime.fromisoformat(last["time"]) if isinstance(last, dict) and last.get("passed") is True else None
    except (ValueError, TypeError, KeyError):
        return True
    return when is None or when.tzinfo is None or now - when > timedelta(days=TEST_EVERY_DAYS)


def show_backup_line(label: StatusLabel, vault: Vault) -> None:
    text, stale = backup_line(last_verified_backup(vault), datetime.now(UTC), warn_days(vault))
    label.setText(text)
    theme.set_role(label, theme.WARNING if stale else None)


def back_up_now(parent: QWidget, ops: Ops, *, done: Callable[[], None], start_in: Path | None = None) -> Op | None:
    """Ask for the folder (a USB drive's or any other) and write a verified backup there, then thin the
    folder; `done` runs once it is verified (the status line moves). None when the choice was cancelled."""
    folder = QFileDialog.getExistingDirectory(parent, "Back up to which folder?", str(start_in or Path.home()))
    if not folder:
        return None
    target = Path(folder)

    op = ops.run(
        lambda vault, progress: back_up_and_rotate(vault, target, progress=progress),
        label="Backing up and verifying the backup…",
        cancellable=True,
        parent=parent,
    )
    return op.success(lambda _outcome: done()).start()


def record_test(vault: Vault, path: Path, report: TestRestoreReport) -> None:
    """Keep a test restore's outcome in the vault's settings (`backup.last_test`): when, which file, passed."""
    vault.practice.set_setting(
        LAST_TEST_SETTING,
        json.dumps({"time": report.tested_at.isoformat(), "file": path.name, "passed": report.passed}),
    )


def try_restoring(parent: QWidget, ops: Ops, start_in: Path | None = None) -> Op | None:
    """Pick a backup file, ask its passphrase, restore it into a temporary folder, check it and delete it
    (`storage/restore.test_restore`, on a worker); the result is shown and recorded in the vault's
    settings (`backup.last_test`). None when the choice was cancelled."""
    chosen, _filter = QFileDialog.getOpenFileName(
        parent, "Test which backup?", str(start_in or Path.home()), f"Therapy Desk backups (*{SUFFIX})"
    )
    if not chosen:
        return None
    passphrase, ok = QInputDialog.getText(
        parent,
        "Test a backup",
        "The backup's passphrase (the vault's passphrase when it was taken):",
        QLineEdit.EchoMode.Password,
    )
    if not ok or not passphrase:
        return None
    path = Path(chosen)

    def tested(report: TestRestoreReport) -> None:
        if ops.vault is not None:
            record_test(ops.vault, path, report)
        if report.passed:
            rows = sum(report.manifest.row_counts.values()) if report.manifest else 0
            text = (
                f"{path.name} restored into a temporary folder, opened and checked clean in "
                f"{report.seconds:.0f} s: {rows:,} rows as recorded. The temporary copy is deleted."
            )
            QMessageBox.information(parent, "Backup tested", text)
        else:
            problems = "\n".join(f"• {p}" for p in report.problems)
            QMessageBox.warning(parent, "Backup failed its test", f"{path.name} did not restore cleanly:\n{problems}")

    op = ops.run(
        lambda _vault, progress: test_restore(path, "passphrase", passphrase, progress=progress),
        label="Restoring the backup into a temporary folder and checking it…",
        cancellable=True,
        writes=False,
        parent=parent,
    )
    return op.success(tested).start()
