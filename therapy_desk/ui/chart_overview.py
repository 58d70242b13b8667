"""The chart's Overview tab: demographics (read-only, Edit switches to the client form), coverage, alerts."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.billing import Coverage
from therapy_desk.domain.caseload import ChartSummary
from therapy_desk.domain.clients import Client
from therapy_desk.domain.notes import SEAL_BROKEN
from therapy_desk.domain.text import plural
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.chart_common import ChartTab
from therapy_desk.ui.format import fmt_date, fmt_money
from therapy_desk.ui.widgets.client_form import ClientForm
from therapy_desk.ui.widgets.focus import scrolling, set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel

# (label, how to read it off the client) in the order a clinician scans a face sheet.
_FIELDS: tuple[tuple[str, str], ...] = (
    ("Legal name", "legal_name"),
    ("Preferred name", "preferred_name"),
    ("Pronouns", "pronouns"),
    ("Date of birth", "dob"),
    ("Sex (administrative)", "sex"),
    ("Status", "status"),
    ("Account", "account_number"),
    ("Address", "address"),
    ("Phone", "phone"),
    ("Email", "email"),
    ("Emergency contact", "emergency"),
    ("Referral source", "referral_source"),
    ("Intake", "intake_date"),
    ("Discharged", "discharge_date"),
)
_SEX = {"F": "Female", "M": "Male", "U": "Unknown"}


def age_on(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def field_text(client: Client, key: str, today: date) -> str:
    """One line of the face sheet, as shown."""
    if key == "dob":
        return f"{fmt_date(client.dob)} (age {age_on(client.dob, today)})"
    if key == "sex":
        return _SEX.get(client.sex.value, client.sex.value)
    if key == "status":
        return client.status.value.capitalize()
    if key == "address":
        town = " ".join(p for p in (f"{client.city}," if client.city else "", client.state, client.zip) if p)
        return "\n".join(p for p in (client.street, town.strip(",")) if p)
    if key == "emergency":
        who = client.emergency_name
        if client.emergency_relationship:
            who = f"{who} ({client.emergency_relationship})" if who else client.emergency_relationship
        return " · ".join(p for p in (who, client.emergency_phone) if p)
    value = getattr(client, key)
    if value is None or isinstance(value, date):
        return fmt_date(value, "")
    return str(value)


def coverage_text(coverage: Coverage) -> str:
    parts = [f"{coverage.rank.value.capitalize()}: {coverage.payer_name or 'payer'}", f"member ID {coverage.member_id}"]
    if coverage.group_number:
        parts.append(f"group {coverage.group_number}")
    if coverage.copay_cents:
        parts.append(f"copay {fmt_money(coverage.copay_cents)}")
    if coverage.relationship.value != "self":
        subscriber = f"{coverage.subscriber_first} {coverage.subscriber_last}".strip()
        parts.append(f"subscriber {subscriber} ({coverage.relationship.value})")
    if coverage.authorization_number:
        visits = "" if coverage.authorized_visits is None else f", {plural(coverage.authorized_visits, 'visit')}"
        until = "" if coverage.authorization_end is None else f" until {fmt_date(coverage.authorization_end)}"
        parts.append(f"authorization {coverage.authorization_number}{visits}{until}")
    if coverage.end_date is not None:
        parts.append(f"ends {fmt_date(coverage.end_date)}")
    return " · ".join(parts)


@registry.view
class OverviewTab(ChartTab):
    """Face sheet of the chart. `client_saved` carries the client after an edit is saved."""

    client_saved = Signal(object)

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._client: Client | None = None
        self._form: ClientForm | None = None
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self._build_view())
        self.stack.addWidget(self._build_edit())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    # -- building --------------------------------------------------------------------------------

    def _build_view(self) -> QWidget:
        page = QWidget(self)
        self.edit_button = QPushButton("&Edit demographics", page)
        self.edit_button.setAccessibleName("Edit demographics")
        self.edit_button.setToolTip("Change the client's name, contact details and status")
        self.edit_button.clicked.connect(self.start_edit)

        demo = QGroupBox("Demographics", page)
        form = QFormLayout(demo)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.values: dict[str, QLabel] = {}
        for caption, key in _FIELDS:
            value = StatusLabel(caption, parent=demo)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.values[key] = value
            form.addRow(f"{caption}:", value)

        alerts = QGroupBox("Alerts", page)
        self.alerts_box = QVBoxLayout(alerts)
        self.no_alerts = QLabel("No alerts.", alerts)
        self.alerts_box.addWidget(self.no_alerts)
        self.alert_labels: list[QWidget] = []

        coverage = QGroupBox("Coverage today", page)
        cov_layout = QVBoxLayout(coverage)
        self.coverage_label = StatusLabel("Coverage", parent=coverage)
        self.coverage_label.setWordWrap(True)
        self.coverage_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.balance_label = StatusLabel("Balance", parent=coverage)
        cov_layout.addWidget(self.coverage_label)
        cov_layout.addWidget(self.balance_label)

        right = QVBoxLayout()
        right.addWidget(alerts)
        right.addWidget(coverage)
        right.addStretch(1)
        grid = QGridLayout()
        grid.addWidget(demo, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)

        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.edit_button)
        inner = QWidget(page)
        inner_layout = QVBoxLayout(inner)
        inner_layout.addLayout(top)
        inner_layout.addLayout(grid)
        inner_layout.addStretch(1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scrolling(inner))
        return page

    def _build_edit(self) -> QWidget:
        page = QWidget(self)
        self.form_scroll = QScrollArea(page)
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.form_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from the last field to the first
        # A button box, as in the dialogs, so the platform orders Save and Cancel the same way everywhere.
        save_or_cancel = QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        self.edit_buttons = buttons = QDialogButtonBox(save_or_cancel, page)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Save the demographics (Ctrl+S)")
        self.save_button.setAccessibleName("Save demographics")
        self.save_button.setDefault(True)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setToolTip("Leave without saving (Esc)")
        self.cancel_button.setAccessibleName("Cancel editing demographics")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.cancel_edit)
        layout = QVBoxLayout(page)
        layout.addWidget(self.form_scroll, 1)
        layout.addWidget(buttons)
        return page

    # -- showing ---------------------------------------------------------------------------------

    def load(self, summary: ChartSummary) -> None:
        self._client = summary.client
        self.show_client(summary.client)
        for label in self.alert_labels:
            label.setParent(None)
            label.deleteLater()
        self.alert_labels = []
        flagged = {m.administered_on for m in summary.open_flags}
        for text in summary.alerts:
            urgent = text.startswith(("PHQ-9", SEAL_BROKEN))
            if text.startswith("PHQ-9") and flagged:
                days = ", ".join(fmt_date(d) for d in sorted(flagged))
                text = f"{text.rstrip('.')} (given {days})."
            label = self._alert_label(text, urgent=urgent)
            self.alerts_box.addWidget(label)
            self.alert_labels.append(label)
        self.no_alerts.setVisible(not summary.alerts)
        if summary.coverages:
            self.coverage_label.setText("\n".join(coverage_text(c) for c in summary.coverages))
        else:
            self.coverage_label.setText("Self-pay: no insurance in force today.")
        net = summary.balance.net_cents
        owed = "nothing owed" if net == 0 else f"{fmt_money(net)} due" if net > 0 else f"{fmt_money(-net)} credit"
        self.balance_label.setText(f"Account balance: {owed}")

    def _alert_label(self, text: str, *, urgent: bool) -> QWidget:
        row = QWidget(self)
        icon = self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxCritical if urgent else QStyle.StandardPixmap.SP_MessageBoxWarning
        )
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        mark = QLabel(row)
        mark.setPixmap(icon.pixmap(size, size))
        mark.setAlignment(Qt.AlignmentFlag.AlignTop)
        label = StatusLabel("Alert", text, row)
        label.setWordWrap(True)
        theme.set_role(label, theme.ERROR if urgent else theme.WARNING)  # the words' colour matches the icon's
        if urgent:
            bold = label.font()
            bold.setBold(True)
            label.setFont(bold)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(mark)
        layout.addWidget(label, 1)
        return row

    def alerts_text(self) -> str:
        """The alerts as shown, one a line."""
        labels = [lbl for row in self.alert_labels for lbl in row.findChildren(QLabel) if lbl.text()]
        return "\n".join(label.text() for label in labels)

    def show_client(self, client: Client) -> None:
        today = date.today()
        for key, label in self.values.items():
            label.setText(field_text(client, key, today) or "—")

    # -- editing ---------------------------------------------------------------------------------

    @property
    def form(self) -> ClientForm | None:
        """The demographics form, once Edit has been pressed."""
        return self._form

    def is_editing(self) -> bool:
        return self.stack.currentIndex() == 1

    def start_edit(self) -> None:
        if self._client is None:
            return
        if self._form is None:
            self._form = ClientForm(self)
            self.form_scroll.setWidget(self._form)
            set_tab_order(self._form.fields_in_order()[-1], self.edit_buttons)
        self._form.set_client(self._client)
        self.stack.setCurrentIndex(1)
        self._form.setFocus()

    def _edited_client(self) -> Client:
        assert self._form is not None
        assert self._client is not None
        edited = self._form.client()
        return dataclasses.replace(edited, id=self._client.id, account_number=self._client.account_number)

    def is_dirty(self) -> bool:
        return self.is_editing() and self._form is not None and self._form.is_modified()

    def save(self) -> bool:
        if not self.is_editing() or self._form is None:
            return True
        self._form.clear_errors()
        try:
            saved = self._vault.clients.update(self._edited_client())
        except ValidationError as err:
            self._form.show_error(err.field, str(err))
            return False
        self._client = saved
        self.show_client(saved)
        self.stack.setCurrentIndex(0)
        self.edit_button.setFocus()
        self.client_saved.emit(saved)
        return True

    def cancel_edit(self) -> None:
        if self.is_editing():
            self.stack.setCurrentIndex(0)
            self.edit_button.setFocus()

    def save_for_lock(self) -> None:
        """Save a valid edit; an invalid one is left unwritten (the lock goes on)."""
        if self.is_dirty():
            with contextlib.suppress(ValidationError):
                self._vault.clients.update(self._edited_client())

    def clear(self) -> None:
        self._client = None
        self.stack.setCurrentIndex(0)
        if self._form is not None:
            self._form.clear()
            self.form_scroll.takeWidget()
            self._form.setParent(None)
            self._form.deleteLater()
            self._form = None
        for label in self.values.values():
            label.clear()
        for row in self.alert_labels:
            row.setParent(None)
            row.deleteLater()
        self.alert_labels = []
        self.no_alerts.show()
        self.coverage_label.clear()
        self.balance_label.clear()
