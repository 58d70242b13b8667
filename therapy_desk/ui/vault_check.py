"""Settings' "Check vault…": the same check as `therapy-desk vault check`, on a worker, with progress.

The check reads only: it runs beside other work (`writes=False`) on a worker's own connection, shows
the ops' progress dialog (with Cancel) after the usual delay, and names the phase under way here. The
verdict stays on the page in plain words: intact, or each problem and what to do about it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError
from therapy_desk.storage.integrity import PHASES, CheckReport
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.format import fmt_datetime
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.passphrase import muted_label
from therapy_desk.ui.widgets.status_label import error_label

STEPS = 1000  # the progress bar's range
# Each phase's share of the bar, roughly its share of the time on a large vault.
_WEIGHTS = {
    "encryption": 20,
    "triggers": 1,
    "audit log": 3,
    "audit anchor": 1,
    "signed notes": 50,
    "addenda": 2,
    "treatment plans": 8,
    "database structure": 15,
}
ADVICE = (
    "Restore the vault from your most recent verified backup. Until then keep this vault as it is (do not "
    "delete it): it may be needed to recover what the backup lacks."
)


def overall(phase: str, done: int, total: int) -> int:
    """Where the whole check stands, 0–STEPS, when `phase` is at done of total."""
    before = sum(_WEIGHTS.get(p, 0) for p in PHASES[: PHASES.index(phase)]) if phase in PHASES else 0
    share = done / total if total > 0 else 0.0
    return int(STEPS * (before + _WEIGHTS.get(phase, 0) * min(share, 1.0)) / sum(_WEIGHTS.values()))


def verdict(report: CheckReport, when: datetime) -> str:
    """The result in a sentence or two."""
    stamp = fmt_datetime(when)
    if report.clean:
        return (
            f"Checked {stamp}: the vault is intact. The database and every page of its encryption are sound, the "
            f"audit log of {plural(report.audit_rows, 'event')} is unbroken, and "
            f"{plural(report.notes, 'signed note')}, {plural(report.addenda, 'addendum', 'addenda')} "
            f"and {plural(report.plans, 'treatment plan')} match their seals."
            + (f" {plural(report.disposed, 'record')} disposed of after retention are absent on purpose."
               if report.disposed else "")
        )  # fmt: skip
    return f"Checked {stamp}: {plural(len(report.problems), 'problem')} found. {ADVICE}"


class _PhaseRelay(QObject):
    """Carries the phase under way from the worker to the page (queued to the GUI thread)."""

    moved = Signal(str, int, int)


class VaultCheckBox(QGroupBox):
    """The "Vault check" box of Settings' Security tab."""

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__("Vault check", parent)
        self.ops = ops
        self.check_button = QPushButton("&Check vault…")  # Alt+V is the Vault menu
        self.check_button.setAccessibleName("Check vault")
        self.check_button.clicked.connect(self.start_check)
        self.status = muted_label()
        self.status.setObjectName("vaultCheckStatus")
        self.alarm = error_label()
        self.alarm.setObjectName("vaultCheckAlarm")
        self.alarm.setAccessibleName("Vault check result")
        self.problems = QPlainTextEdit()
        self.problems.setObjectName("vaultCheckProblems")
        self.problems.setAccessibleName("Problems the vault check found")
        self.problems.setReadOnly(True)
        self.problems.setVisible(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            muted_label(
                "Checks the database and its encryption, the audit log, and every signed note, addendum and "
                "treatment plan against the seal it was signed with. Nothing is changed. A large practice "
                "takes up to half a minute."
            )
        )
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.alarm)
        layout.addWidget(self.problems)

    def start_check(self) -> None:
        self.check_button.setEnabled(False)
        self.clear()
        self.status.setText("Checking the vault…")
        relay = _PhaseRelay()
        relay.moved.connect(self._show_phase)

        def work(vault: Vault, progress: Callable[[int, int], None]) -> CheckReport:
            def report(phase: str, done: int, total: int) -> None:
                relay.moved.emit(phase, done, total)
                progress(overall(phase, done, total), STEPS)  # raises once the user pressed Cancel

            return vault.check(report)

        def alive(callback: Callable[..., None]) -> Callable[..., None]:
            return lambda *args: callback(*args) if shiboken6.isValid(self) else None

        (
            self.ops.run(work, label="Checking the vault…", cancellable=True, writes=False, parent=self)
            .success(alive(self.show_report))
            .failure(alive(self._failed))
            .finished(alive(self._finished))
            .start()
        )

    @Slot(str, int, int)
    def _show_phase(self, phase: str, done: int, total: int) -> None:
        if not self.check_button.isEnabled():  # a late update after the end changes nothing
            counted = f": {done:,} of {total:,}" if total > 1 and done < total else ""
            self.status.setText(f"Checking the vault — {phase}{counted}…")

    def show_report(self, report: CheckReport) -> None:
        """The verdict: quietly when intact, in the error colour with the list when not."""
        text = verdict(report, datetime.now())
        self.status.setText("" if report.problems else text)
        self.status.setVisible(not report.problems)
        self.alarm.setText(text if report.problems else "")
        self.alarm.setVisible(bool(report.problems))
        self.problems.setPlainText("\n".join(f"• {p[:1].upper()}{p[1:]}" for p in report.problems))
        self.problems.setVisible(bool(report.problems))

    def _failed(self, err: UserError) -> None:
        self.status.setText(f"The check could not finish: {err}")

    def _finished(self) -> None:
        self.check_button.setEnabled(True)
        if self.status.text().startswith("Checking the vault"):  # neither a verdict nor an error: cancelled
            self.status.setText("Check cancelled; nothing was changed.")

    def clear(self) -> None:
        self.status.clear()
        self.status.setVisible(True)
        self.alarm.clear()
        self.alarm.setVisible(False)
        self.problems.clear()
        self.problems.setVisible(False)
