"""The client chart: one top-level window per client with Overview, Diagnoses, Treatment plan, and
Contacts and releases, Sessions and notes, Measures and Billing (coverage, the ledger, Ctrl+P records a
payment).

Opening reads `vault.caseload.chart_summary` (bounded: the last 20 sessions; audited as a chart read)
and only what the tabs show, so a chart with hundreds of sessions opens in a few milliseconds.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.caseload import ChartSummary
from therapy_desk.domain.clients import Client, Diagnosis
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme, windows
from therapy_desk.ui.archive_dialog import ArchiveDialog, open_archive_dialog
from therapy_desk.ui.chart_billing import BillingTab
from therapy_desk.ui.chart_common import ChartTab
from therapy_desk.ui.chart_contacts import ContactsTab
from therapy_desk.ui.chart_diagnoses import DiagnosesTab
from therapy_desk.ui.chart_export_dialog import ChartExportDialog
from therapy_desk.ui.chart_measures import MeasuresTab, open_measure_result
from therapy_desk.ui.chart_overview import OverviewTab, age_on
from therapy_desk.ui.chart_plan import PlanTab
from therapy_desk.ui.chart_sessions import SessionsTab
from therapy_desk.ui.format import fmt_date, fmt_status
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.payment_dialog import SHORTCUT as PAYMENT_KEY
from therapy_desk.ui.process_notes import SHORTCUT as PROCESS_NOTES_KEY
from therapy_desk.ui.process_notes import ProcessNotesWindow
from therapy_desk.ui.widgets.focus import focus_first
from therapy_desk.ui.widgets.status_label import StatusLabel

APP_TITLE = "Therapy Desk"
TAB_OVERVIEW, TAB_DIAGNOSES, TAB_PLAN, TAB_CONTACTS, TAB_SESSIONS, TAB_MEASURES, TAB_BILLING = range(7)


def chart_title(client: Client) -> str:
    return f"{client.display_name} ({client.account_number}) — {APP_TITLE}"


@registry.view
class ChartWindow(QWidget):
    """A client's chart. `closed(client_id)` fires when the window has closed (after any save question)."""

    closed = Signal(int)

    def __init__(self, vault: Vault, ops: Ops, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._vault = vault
        self._ops = ops
        self._client_id = client_id
        self._client: Client | None = None
        self.setObjectName("chartWindow")
        self.resize(1100, 750)

        self.name_label = StatusLabel("Client name", parent=self)
        font = QFont(self.name_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.name_label.setFont(font)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts_label = StatusLabel("Client summary", parent=self)
        self.facts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts_label.setWordWrap(True)
        self.flag_banner = self._build_banner()

        self.overview = OverviewTab(vault, self)
        self.diagnoses = DiagnosesTab(vault, self)
        self.plan = PlanTab(vault, self)
        self.contacts = ContactsTab(vault, self)
        self.sessions = SessionsTab(vault, self, ops=ops)
        self.measures = MeasuresTab(vault, self)
        self.billing = BillingTab(vault, self, ops=ops)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Chart sections")
        self.tabs.setDocumentMode(True)
        self._tab_list: list[ChartTab] = [
            self.overview, self.diagnoses, self.plan, self.contacts, self.sessions, self.measures, self.billing
        ]  # fmt: skip
        names = (
            "Overview", "Diagnoses", "Treatment plan", "Contacts and releases", "Sessions and notes", "Measures",
            "Billing",
        )  # fmt: skip
        for number, (tab, name) in enumerate(zip(self._tab_list, names, strict=True), start=1):
            index = self.tabs.addTab(tab, name)
            self.tabs.setTabToolTip(index, f"{name} (Ctrl+{number})")
            action = QAction(f"Show {name}", self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, i=index: self.show_tab(i))
            self.addAction(action)
        self.save_action = self._action("Save", QKeySequence.StandardKey.Save, self.save_current)
        self.cancel_action = self._action("Cancel edit", QKeySequence(Qt.Key.Key_Escape), self.cancel_current)
        self.close_action = self._action("Close chart", QKeySequence.StandardKey.Close, self.close)
        self.close_action.setShortcuts(windows.close_keys())

        self.overview.client_saved.connect(self._client_saved)
        self.diagnoses.changed.connect(self._update_facts)
        self.plan.signed.connect(lambda _plan: self.refresh())
        self.measures.changed.connect(self.refresh)
        self.billing.changed.connect(self.refresh)
        self.payment_action = self._action("Record a payment", QKeySequence(PAYMENT_KEY), self.record_payment)
        # Psychotherapy notes open in a private window of their own, never in a tab of the chart.
        self.process_notes: ProcessNotesWindow | None = None
        self.process_notes_button = QPushButton("Ps&ychotherapy notes…", self)
        self.process_notes_button.setAccessibleName("Psychotherapy notes")
        self.process_notes_button.setToolTip(f"Open the private psychotherapy notes ({PROCESS_NOTES_KEY})")
        self.process_notes_button.clicked.connect(self.open_process_notes)
        self._action("Psychotherapy notes", QKeySequence(PROCESS_NOTES_KEY), self.open_process_notes)
        self.export_dialog: ChartExportDialog | None = None
        self.export_button = QPushButton("E&xport chart…", self)
        self.export_button.setAccessibleName("Export chart")
        self.export_button.setToolTip("Write a copy of the chart as a PDF (for a records request or an audit)")
        self.export_button.clicked.connect(self.open_export)
        self.archive_button = QPushButton("Export archive…", self)
        self.archive_button.setAccessibleName("Export archive")
        self.archive_button.setToolTip("Write this client's record as a folder or encrypted zip, readable anywhere")
        self.archive_button.clicked.connect(self.export_archive)

        header = QVBoxLayout()
        header.setSpacing(2)
        header.addWidget(self.name_label)
        header.addWidget(self.facts_label)
        top = QHBoxLayout()
        top.addLayout(header, 1)
        top.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.archive_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.process_notes_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.flag_banner)
        layout.addWidget(self.tabs, 1)

        self.load(vault.caseload.chart_summary(client_id))

    def _action(self, text: str, shortcut: QKeySequence | QKeySequence.StandardKey, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_banner(self) -> QFrame:
        banner = QFrame(self)
        banner.setFrameShape(QFrame.Shape.StyledPanel)
        banner.setAccessibleName("Safety alert")
        icon = QLabel(banner)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(size, size))
        self.flag_label = StatusLabel("Safety alert", parent=banner, alert=True)
        self.flag_label.setWordWrap(True)
        theme.set_role(self.flag_label, theme.ERROR)
        bold = self.flag_label.font()
        bold.setBold(True)
        self.flag_label.setFont(bold)
        row = QHBoxLayout(banner)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(icon)
        row.addWidget(self.flag_label, 1)
        banner.hide()
        return banner

    # -- the client ------------------------------------------------------------------------------

    @property
    def client_id(self) -> int:
        return self._client_id

    def load(self, summary: ChartSummary) -> None:
        self._client = summary.client
        self._show_client(summary.client)
        if summary.open_flags:
            days = ", ".join(fmt_date(d) for d in sorted({m.administered_on for m in summary.open_flags}))
            self.flag_label.setText(
                f"PHQ-9 item 9 (thoughts of self-harm) answered above 0 on {days} and not yet followed up."
            )
            self.flag_banner.show()
        else:
            self.flag_label.clear()
            self.flag_banner.hide()
        for tab in self._tab_list:
            tab.load(summary)
        self._update_facts()

    def refresh(self) -> None:
        """Read the summary again (after a change that moves the alerts, like signing a plan)."""
        self.load(self._vault.caseload.chart_summary(self._client_id))

    def _show_client(self, client: Client) -> None:
        self.setWindowTitle(chart_title(client))
        self.name_label.setText(client.display_name)

    def _update_facts(self) -> None:
        client = self._client
        if client is None:
            return
        active: list[Diagnosis] = self.diagnoses.model.active()
        facts = [
            client.account_number,
            f"DOB {fmt_date(client.dob)} (age {age_on(client.dob, date.today())})",
            fmt_status(client.status),
        ]
        if client.pronouns:
            facts.append(client.pronouns)
        if active:
            facts.append(f"Principal diagnosis {active[0].code} {active[0].description}")
        self.facts_label.setText(" · ".join(facts))

    def _client_saved(self, client: Client) -> None:
        self._client = client
        self._show_client(client)
        self._update_facts()

    # -- keyboard --------------------------------------------------------------------------------

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        focus_first(self.tabs.currentWidget(), Qt.FocusReason.ShortcutFocusReason)

    def current_tab(self) -> ChartTab:
        widget = self.tabs.currentWidget()
        assert isinstance(widget, ChartTab)
        return widget

    def save_current(self) -> None:
        self.current_tab().save()

    def cancel_current(self) -> None:
        self.current_tab().cancel_edit()

    def record_payment(self) -> None:
        """Ctrl+P: the Billing tab, and the payment form over it."""
        self.tabs.setCurrentWidget(self.billing)
        self.billing.record_payment()

    def show_measure_result(self, result_id: int) -> bool:
        """The Measures tab on this result and, when its item-9 flag is open, "Record follow-up…" (Today's
        flag asks for it; the main window calls this). False when the chart has no such result."""
        return open_measure_result(self, result_id, follow_up=True)

    def export_archive(self) -> ArchiveDialog | None:
        """Export archive… for this client (the whole practice may be chosen there too)."""
        if self._client is None or self._client.id is None:
            return None
        return open_archive_dialog(self, self._vault, self._ops, self._client.id, self._client.display_name)

    def open_process_notes(self) -> ProcessNotesWindow | None:
        """The client's psychotherapy notes, in their own private window (raised if already open)."""
        if self._client is None or self._client.id is None:
            return None
        if self.process_notes is None:
            self.process_notes = ProcessNotesWindow(
                self._vault, self._client.id, self._client.display_name, windows.close_keys(), self
            )
        self.process_notes.show()
        self.process_notes.raise_()
        self.process_notes.activateWindow()
        return self.process_notes

    def open_export(self) -> ChartExportDialog | None:
        """The chart export dialog for this client (a fresh one each time: releases may have changed)."""
        if self._client is None or self._client.id is None:
            return None
        if self.export_dialog is not None:
            self.export_dialog.close()
        self.export_dialog = ChartExportDialog(self._vault, self._ops, self._client.id, self)
        self.export_dialog.show()
        return self.export_dialog

    # -- closing and locking ---------------------------------------------------------------------

    def is_dirty(self) -> bool:
        return any(tab.is_dirty() for tab in self._tab_list)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.process_notes is not None and not self.process_notes.close():
            event.ignore()
            return
        dirty = [tab for tab in self._tab_list if tab.is_dirty()]
        if dirty:
            name = self._client.display_name if self._client else "this client"
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                f"Save your changes to {name}'s chart before closing?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Save:
                for tab in dirty:
                    if not tab.save():
                        self.tabs.setCurrentWidget(tab)
                        event.ignore()
                        return
        event.accept()
        self.closed.emit(self._client_id)

    def clear_for_lock(self) -> None:
        """Save what validates (plan draft, client edit, a contact form) then empty every widget.

        An edit that does not validate is not written, and the lock goes on: nothing half-valid
        reaches the vault. Every tab is cleared even if saving one of them fails.
        """
        failure: Exception | None = None
        if self.process_notes is not None:
            self.process_notes.clear_for_lock()
        if self.export_dialog is not None:
            self.export_dialog.close()
            self.export_dialog = None
        for tab in self._tab_list:
            try:
                tab.save_for_lock()
            except Exception as exc:  # clearing must happen whatever saving did
                failure = failure or exc
        for tab in self._tab_list:
            tab.clear()
        self._client = None
        self.name_label.clear()
        self.facts_label.clear()
        self.flag_label.clear()
        self.flag_banner.hide()
        self.setWindowTitle(APP_TITLE)
        self.tabs.setEnabled(False)  # the main window closes it next: nothing is left to press
        if failure is not None:
            raise failure
