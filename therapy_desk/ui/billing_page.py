"""The Billing page: the service catalogue with its fees, the payers, what each client owes, and the
practice-wide lists of billing_lists.py: Aging, Unpaid claims, Uncollected copays.

Catalogue and Payers are short lists read on the GUI thread; Balances and the lists read every client's
account on a worker (`Ops`) when their tab is first shown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.billing import Payer
from therapy_desk.domain.codes import ServiceCode
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.batch_dialog import BatchDialog
from therapy_desk.ui.billing_dialogs import PayerDialog, ServiceDialog
from therapy_desk.ui.billing_lists import ListPanel, aging_panel, copays_panel, unpaid_panel
from therapy_desk.ui.format import fmt_money
from therapy_desk.ui.models.billing_models import (
    BALANCE_COL_NAME,
    PAYER_COL_ADDRESS,
    SERVICE_COL_DESCRIPTION,
    BalanceModel,
    BalanceRow,
    PayerModel,
    RecordsModel,
    ServiceModel,
)
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.focus import record_table
from therapy_desk.ui.widgets.passphrase import muted_label
from therapy_desk.ui.widgets.status_label import StatusLabel

TAB_CATALOGUE, TAB_PAYERS, TAB_BALANCES, TAB_AGING, TAB_UNPAID, TAB_COPAYS = range(6)


def practice_balances(vault: Vault) -> list[BalanceRow]:
    """Every client who owes something or holds credit, by name (a read of every account: on a worker)."""
    ids = vault.caseload.ids()
    balances = vault.billing.balances(ids)
    open_ids = [cid for cid in ids if (b := balances.get(cid)) and (b.due_cents or b.credit_cents)]
    clients = vault.clients.by_ids(open_ids)
    rows = []
    for cid in open_ids:
        b, client = balances[cid], clients.get(cid)
        if client is not None:
            rows.append(BalanceRow(cid, client.listed_name, b.charged_cents, b.paid_cents, b.credit_cents))
    return rows


def _button(text: str, name: str, parent: QWidget, slot: Callable[[], object]) -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    button.clicked.connect(lambda: slot())
    return button


def _list_tab(table: QTableView, buttons: list[QPushButton], note: str, parent: QTabWidget) -> QWidget:
    page = QWidget(parent)
    table.setParent(page)
    row = QHBoxLayout()
    for button in buttons:
        button.setParent(page)
        row.addWidget(button)
    row.addStretch(1)
    layout = QVBoxLayout(page)
    if note:
        layout.addWidget(muted_label(note))
    layout.addWidget(table, 1)
    layout.addLayout(row)
    return page


def _table(model: RecordsModel, name: str, stretch: int, parent: QWidget) -> QTableView:
    table = record_table(name, parent)
    table.setModel(model)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


@registry.view
class BillingView(QWidget):
    """The practice's billing: Catalogue, Payers, Balances. `open_client(id)` opens a client's chart."""

    open_client = Signal(int)

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.ops = ops
        self.dialog: QDialog | None = None
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Billing sections")

        self.services = ServiceModel(self)
        self.service_table = _table(self.services, "Service catalogue", SERVICE_COL_DESCRIPTION, self)
        self.service_table.activated.connect(lambda _i: self.edit_service())
        self.add_service_button = _button("&Add service…", "Add service", self, self.add_service)
        self.edit_service_button = _button("&Edit service…", "Edit service", self, self.edit_service)
        self.edit_service_button.setToolTip("Edit the selected service's wording, minutes and fee (Enter)")
        self.tabs.addTab(
            _list_tab(
                self.service_table,
                [self.add_service_button, self.edit_service_button],
                "Fees apply to new charges; charges already made keep the fee they were made with. A code is "
                "never deleted: turn it off (Edit service, Active) and add the new one.",
                self.tabs,
            ),
            "&Catalogue",
        )

        self.payers = PayerModel(self)
        self.payer_table = _table(self.payers, "Payers", PAYER_COL_ADDRESS, self)
        self.payer_table.activated.connect(lambda _i: self.edit_payer())
        self.add_payer_button = _button("A&dd payer…", "Add payer", self, self.add_payer)
        self.edit_payer_button = _button("Ed&it payer…", "Edit payer", self, self.edit_payer)
        self.tabs.addTab(
            _list_tab(self.payer_table, [self.add_payer_button, self.edit_payer_button], "", self.tabs), "&Payers"
        )

        self.balances = BalanceModel(self)
        self.balance_table = _table(self.balances, "Balances by client", BALANCE_COL_NAME, self)
        self.balance_table.activated.connect(lambda index: self._open_client(index.row()))
        self.total_label = StatusLabel("Practice total", parent=self)
        self.refresh_button = _button("&Refresh", "Refresh balances", self, self.load_balances)
        self.open_chart_button = _button("&Open chart", "Open chart", self, lambda: self._open_client())
        self.open_chart_button.setToolTip("Open the selected client's chart (Enter)")
        balances = _list_tab(
            self.balance_table,
            [self.open_chart_button, self.refresh_button],
            "Clients who owe a balance or hold credit. Aging (0–30, 31–60, 61–90, over 90 days), unpaid claims "
            "and uncollected copays have tabs of their own.",
            self.tabs,
        )
        layout = balances.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.count() - 1, self.total_label)
        self.tabs.addTab(balances, "&Balances")
        self.aging = aging_panel(ops, self.tabs)
        self.unpaid = unpaid_panel(ops, self.tabs)
        self.copays = copays_panel(ops, self.tabs)
        self.panels: dict[int, ListPanel] = {}
        for index, panel, title in (
            (TAB_AGING, self.aging, "Agi&ng"),
            (TAB_UNPAID, self.unpaid, "&Unpaid claims"),
            (TAB_COPAYS, self.copays, "Unco&llected copays"),
        ):
            self.tabs.insertTab(index, panel, title)
            self.panels[index] = panel
            panel.open_client.connect(self.open_client)
        self.tabs.currentChanged.connect(self._tab_shown)

        self.batch_button = _button("Ba&tch…", "Batch of monthly documents", self, self.open_batch)
        self.batch_button.setToolTip("A month's superbills or statements for every client with activity in it")
        batch_row = QHBoxLayout()
        batch_row.addStretch(1)
        batch_row.addWidget(self.batch_button)
        outer = QVBoxLayout(self)
        outer.addWidget(self.tabs)
        outer.addLayout(batch_row)
        for table in (self.service_table, self.payer_table, self.balance_table):
            table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._balances_read = False
        self.load()

    # -- loading ---------------------------------------------------------------------------------

    def load(self, *, service_code: str | None = None, payer_id: int | None = None) -> None:
        self.services.set_rows(self.vault.billing.services())
        self.payers.set_rows(self.vault.billing.payers(include_inactive=True))
        for table, row in (
            (self.service_table, self.services.row_where(code=service_code) if service_code else 0),
            (self.payer_table, self.payers.row_where(id=payer_id) if payer_id is not None else 0),
        ):
            if row >= 0 and table.model().rowCount():
                table.selectRow(row)
        self._update_buttons()

    def event(self, event: QEvent) -> bool:
        """Coming back to the window (from a chart where a payment or an EOB was posted): the list in view,
        if it was read, is read again."""
        if event.type() == QEvent.Type.WindowActivate and self.isVisible():
            self.refresh_current()
        return super().event(event)

    def refresh_current(self) -> None:
        """Read again the list on the tab in view (balances, aging, unpaid claims, copays), if read before."""
        index = self.tabs.currentIndex()
        panel = self.panels.get(index)
        if panel is not None and panel.read_once:
            panel.load()
        elif index == TAB_BALANCES and self._balances_read:
            self.load_balances()

    def _tab_shown(self, index: int) -> None:
        if index == TAB_BALANCES and not self._balances_read:
            self.load_balances()
        panel = self.panels.get(index)
        if panel is not None and not panel.read_once:
            panel.load()

    def load_balances(self) -> None:
        def show(rows: list[BalanceRow]) -> None:
            self.balances.set_rows(rows)
            self._balances_read = True
            total = self.balances.total_net_cents()
            self.total_label.setText(
                f"{len(rows)} account{'s' if len(rows) != 1 else ''} open; the practice is owed {fmt_money(total)} "
                "in all."
                if rows
                else "No client owes anything or holds credit."
            )
            if rows:
                self.balance_table.selectRow(0)
            self._update_buttons()

        self.total_label.setText("Reading balances…")
        self.ops.run(practice_balances, label="Reading balances…", writes=False).success(show).start()

    def _update_buttons(self) -> None:
        self.edit_service_button.setEnabled(bool(self.service_table.selectionModel().selectedRows()))
        self.edit_payer_button.setEnabled(bool(self.payer_table.selectionModel().selectedRows()))
        self.open_chart_button.setEnabled(bool(self.balance_table.selectionModel().selectedRows()))

    def _selected(self, table: QTableView, model: RecordsModel) -> object | None:
        rows = table.selectionModel().selectedRows()
        return model.row(rows[0].row()) if rows else None

    def _open_client(self, row: int | None = None) -> None:
        if row is None:
            rows = self.balance_table.selectionModel().selectedRows()
            row = rows[0].row() if rows else -1
        if 0 <= row < self.balances.rowCount():
            self.open_client.emit(self.balances.row(row).client_id)

    # -- catalogue and payers --------------------------------------------------------------------

    def add_service(self) -> ServiceDialog:
        return self._open_service(None)

    def edit_service(self) -> ServiceDialog | None:
        service = self._selected(self.service_table, self.services)
        return self._open_service(service) if isinstance(service, ServiceCode) else None

    def _open_service(self, service: ServiceCode | None) -> ServiceDialog:
        def submit(edited: ServiceCode) -> ServiceCode:
            billing = self.vault.billing
            saved = billing.add_service(edited) if service is None else billing.update_service(edited)
            self.load(service_code=saved.code)
            return saved

        dialog = ServiceDialog(service, submit, self)
        self._show_dialog(dialog)
        return dialog

    def add_payer(self) -> PayerDialog:
        return self._open_payer(None)

    def edit_payer(self) -> PayerDialog | None:
        payer = self._selected(self.payer_table, self.payers)
        return self._open_payer(payer) if isinstance(payer, Payer) else None

    def _open_payer(self, payer: Payer | None) -> PayerDialog:
        def submit(edited: Payer) -> Payer:
            billing = self.vault.billing
            saved = billing.add_payer(edited) if edited.id is None else billing.update_payer(edited)
            self.load(payer_id=saved.id)
            return dataclasses.replace(saved)

        dialog = PayerDialog(payer, submit, self)
        self._show_dialog(dialog)
        return dialog

    def open_batch(self, *, today: date | None = None) -> BatchDialog:
        dialog = BatchDialog(self.vault, self.ops, self, today=today)
        self._show_dialog(dialog)
        return dialog

    def _show_dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.finished.connect(lambda _r: self._forget(dialog))
        dialog.open()

    def _forget(self, dialog: QDialog) -> None:
        dialog.deleteLater()
        if self.dialog is dialog:
            self.dialog = None

    # -- locking ---------------------------------------------------------------------------------

    def clear_for_lock(self) -> None:
        """Close an open form unsaved (a fee or payer is re-entered in a moment), then empty every list."""
        if self.dialog is not None:
            self.dialog.reject()
        self.services.set_rows([])
        self.payers.set_rows([])
        self.balances.set_rows([])
        self.total_label.clear()
        self._balances_read = False
        for panel in self.panels.values():
            panel.clear()
