"""The Claims page: a clinician's own insurance claims, made from the week's charges, checked (the scrub's
findings, errors first), moved along their life (ready, submitted, the payer's answer), corrected or voided,
printed on a CMS-1500 or sent as an 837P file.

The list and a claim's details are small reads on the GUI thread; creating claims and writing files run
through `Ops`. Selecting a draft or ready claim scrubs it: a draft with no error becomes ready, a ready claim with an
error goes back to draft (claims.workflow).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.claims.files import save_x12_settings, x12_settings
from therapy_desk.claims.workflow import Scrubbed, create_and_scrub, make_ready, ready_forms
from therapy_desk.domain.claim_scrub import Finding
from therapy_desk.domain.claims import EDITABLE_STATES, SENT_STATES, TRANSITIONS, Claim, ClaimState, ClaimSummary
from therapy_desk.errors import UserError
from therapy_desk.storage.claims import Created
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.claim_dialogs import (
    ClaimBoxesDialog,
    CreateClaimsDialog,
    Outcome,
    OutcomeDialog,
    PayerNumberDialog,
    X12SettingsDialog,
    practice_now,
    practice_today,
    this_week,
)
from therapy_desk.ui.claim_files import ClaimFiles
from therapy_desk.ui.eob_dialog import EobDialog
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.models.claim_model import CLAIM_COL_CLIENT, CLAIM_COL_PAYER, ClaimEventModel, ClaimModel
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.focus import record_table
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

FILTERS: tuple[tuple[str, ClaimState | None], ...] = (("All", None), *((s.label, s) for s in ClaimState))


def _plural(count: int, word: str, many: str = "") -> str:
    return f"{count} {word if count == 1 else many or word + 's'}"


def created_sentence(created: Created, scrubbed: dict[int, Scrubbed], first: date, last: date) -> str:
    """What creating claims did, in counts only (no names)."""
    uncovered = len(created.not_covered)
    no_insurance = (
        f"{_plural(uncovered, 'charge')} {'has' if uncovered == 1 else 'have'} no insurance in force on "
        f"{'its' if uncovered == 1 else 'their'} date."
        if uncovered
        else ""
    )
    if not created.claims:
        if uncovered:
            return f"No claim was created. {no_insurance}"
        return (
            f"Nothing to bill from {fmt_date(first)} to {fmt_date(last)}: every insured client's charge in that "
            "period is on a claim already."
        )
    ready = sum(1 for result in scrubbed.values() if not result.errors)
    fixing = len(created.claims) - ready
    needs = "needs" if fixing == 1 else "need"
    text = f"Created {_plural(len(created.claims), 'claim')}: {ready} ready, {fixing} {needs} fixing."
    return f"{text} {no_insurance}" if no_insurance else text


def finding_text(finding: Finding) -> str:
    """ "Error: Box 3: …" or "Warning: …": the severity in words, not only in colour."""
    said = f"Box {finding.box}: {finding.message}" if finding.box else finding.message
    return f"{'Error' if finding.blocks else 'Warning'}: {said}"


def _button(text: str, name: str, parent: QWidget, slot: Callable[[], object], tip: str = "") -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    button.setToolTip(tip)
    button.clicked.connect(lambda: slot())
    return button


def _captioned(text: str, widget: QWidget, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setBuddy(widget)
    return label


@registry.view
class ClaimsView(QWidget):
    """The practice's claims with the selected one's findings and history, and what can be done with it."""

    open_client = Signal(int)

    def __init__(
        self, vault: Vault, ops: Ops, parent: QWidget | None = None, *, today: Callable[[], date] | None = None
    ) -> None:
        super().__init__(parent)
        self.vault = vault
        self.ops = ops
        self.today = today or (lambda: practice_today(vault))
        self.dialog: QDialog | None = None
        self.scrubbed: Scrubbed | None = None
        self._shown_id: int | None = None
        self._pending_eob: tuple[Claim, str] | None = None  # the paid claim whose EOB form opens next

        self.state_filter = QComboBox(self)
        self.state_filter.setAccessibleName("State")
        for label, state in FILTERS:
            self.state_filter.addItem(label, state)
        self.state_filter.currentIndexChanged.connect(lambda _i: self.load())
        self.bill_week_button = _button(
            "Bill this &week", "Bill this week", self, self.bill_this_week,
            "Claims for every charge billed to insurance from Monday to today that is on no claim yet",
        )  # fmt: skip
        self.create_button = _button("&Create claims…", "Create claims", self, self.open_create)
        self.summary = StatusLabel("Claims created", parent=self)
        self.summary.setWordWrap(True)
        self.error = error_label(self)

        self.claims = ClaimModel(self)
        self.table = record_table("Claims", self)
        self.table.setModel(self.claims)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(CLAIM_COL_CLIENT, QHeaderView.ResizeMode.Stretch)
        # A payer's name can be long ("Riverbend Community Care (Medicaid plan)"): elided, so the client's
        # name and the state keep their room; the whole name is in the selected claim's title.
        header.setSectionResizeMode(CLAIM_COL_PAYER, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(CLAIM_COL_PAYER, self.fontMetrics().averageCharWidth() * 22)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.activated.connect(lambda _i: self.edit_boxes())
        self.empty = StatusLabel("About claims", parent=self)
        self.empty.setWordWrap(True)

        self.findings = QListWidget(self)
        self.findings.setAccessibleName("Scrub findings")
        self.findings.setWordWrap(True)
        self.findings.setSpacing(3)
        self.events = ClaimEventModel(self)
        self.history = record_table("Claim history", self)
        self.history.setModel(self.events)
        self.history.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.detail_title = StatusLabel("Selected claim", parent=self)
        self.detail_title.setWordWrap(True)

        self.edit_button = _button("&Edit boxes…", "Edit boxes", self, self.edit_boxes,
                                   "Boxes 10, 14, 17, 22, 23, 27 and 31 of a draft or ready claim")  # fmt: skip
        self.submitted_button = _button("Mark su&bmitted", "Mark submitted", self, self.mark_submitted,
                                        "The claim was mailed or uploaded to the payer")  # fmt: skip
        self.outcome_button = _button("Record &outcome…", "Record outcome", self, self.record_outcome,
                                      "The payer accepted, paid or denied the claim")  # fmt: skip
        self.correct_button = _button("Co&rrect…", "Correct", self, self.correct,
                                      "A corrected claim (frequency 7) replacing one the payer has")  # fmt: skip
        self.void_button = _button("Vo&id…", "Void", self, self.void, "Withdraw the claim")
        self.files = ClaimFiles(self)
        self.print_button = _button("&Print CMS-1500…", "Print CMS-1500", self, self.files.print_forms,
                                    "The selected claims on CMS-1500 forms, as a PDF")  # fmt: skip
        self.export_button = _button("E&xport 837P…", "Export 837P", self, self.files.export_837p,
                                     "The selected claims, or every ready claim of the selected claim's payer, "
                                     "as an 837P file for a clearinghouse (they are marked submitted)")  # fmt: skip
        self.settings_button = _button("837P setti&ngs…", "837P settings", self, self.open_x12_settings,
                                       "The IDs your clearinghouse gave you, for every 837P file")  # fmt: skip
        self._layout()
        self._update_buttons()

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(_captioned("&State:", self.state_filter, self))
        top.addWidget(self.state_filter)
        top.addStretch(1)
        top.addWidget(self.bill_week_button)
        top.addWidget(self.create_button)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(_captioned("C&laims:", self.table, left))
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.empty)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail_title)
        right_layout.addWidget(_captioned("&Findings:", self.findings, right))
        right_layout.addWidget(self.findings, 1)
        right_layout.addWidget(_captioned("His&tory:", self.history, right))
        right_layout.addWidget(self.history, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 400])
        actions = QHBoxLayout()
        for button in (self.edit_button, self.submitted_button, self.outcome_button, self.correct_button,
                       self.void_button):  # fmt: skip
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.print_button)
        actions.addWidget(self.export_button)
        actions.addWidget(self.settings_button)
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(self.summary)
        outer.addWidget(self.error)
        outer.addWidget(splitter, 1)
        outer.addLayout(actions)
        self.summary.hide()

    # -- reading ---------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.load()

    def event(self, event: QEvent) -> bool:
        """Coming back to the window (a chart where a coverage was fixed): the list is read again."""
        if event.type() == QEvent.Type.WindowActivate and self.isVisible():
            self.load()
        return super().event(event)

    def load(self, *, select: int | None = None) -> None:
        """Read the claims of the state chosen; keep (or move to `select`) the claim shown."""
        keep = select if select is not None else self._shown_id
        data = self.state_filter.currentData()
        state = ClaimState(data) if data else None
        rows = self.vault.claims.claims(state=state)
        self.claims.set_rows(rows)
        self.empty.setText(
            ""
            if rows
            else "No claims yet. Bill this week makes claims from this week's charges billed to insurance."
            if state is None
            else f"No {state.value} claims."
        )
        self.empty.setVisible(not rows)
        row = self.claims.row_where(id=keep) if keep is not None else -1
        self._shown_id = None
        if row < 0 and rows:
            row = 0
        if row >= 0:
            self.select_row(row)
        else:
            self._show(None)

    def select_row(self, row: int) -> None:
        self.table.setCurrentIndex(self.claims.index(row, 0))
        self.table.selectionModel().select(
            self.claims.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )

    def select_claim(self, claim_id: int) -> bool:
        """Select the claim in the list (the filter set to All if it is not listed)."""
        row = self.claims.row_where(id=claim_id)
        if row < 0 and self.state_filter.currentIndex() != 0:
            self.state_filter.setCurrentIndex(0)
            row = self.claims.row_where(id=claim_id)
        if row >= 0:
            self.select_row(row)
        return row >= 0

    def selected_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.claims.row(row).id for row in rows]

    def selected(self) -> Claim | None:
        """The claim whose details show."""
        return self.vault.claims.claim(self._shown_id) if self._shown_id is not None else None

    def _selection_changed(self) -> None:
        current = self.table.currentIndex()
        rows = [i.row() for i in self.table.selectionModel().selectedRows()]
        row = current.row() if current.isValid() and current.row() in rows else min(rows, default=-1)
        claim_id = self.claims.row(row).id if row >= 0 else None
        if claim_id != self._shown_id:
            self._show(claim_id)
        self._update_buttons()

    def _show(self, claim_id: int | None) -> None:
        """Show a claim's findings (a draft is scrubbed, and marked ready when nothing blocks it) and history."""
        self._shown_id = claim_id
        self.scrubbed = None
        self.findings.clear()
        if claim_id is None:
            self.events.set_rows([])
            self.detail_title.setText("Select a claim to see what its check found and its history.")
            self._update_buttons()
            return
        claim = self.vault.claims.claim(claim_id)
        try:
            if claim.state in EDITABLE_STATES:  # a ready claim with an error (the chart changed) goes back to draft
                self.scrubbed = make_ready(self.vault, claim_id, today=self.today())
        except UserError as err:
            self.findings.addItem(f"Error: {err}")
        moved = self.vault.claims.claim(claim_id)
        if moved.state is not claim.state:
            self._show_state(moved)
        if self.scrubbed is not None:
            ordered = sorted(self.scrubbed.findings, key=lambda f: not f.blocks)
            self.findings.addItems([finding_text(f) for f in ordered])
            if not ordered:
                self.findings.addItem("No problems found.")
        elif claim.state not in EDITABLE_STATES:
            self.findings.addItem(f"Not checked again: the claim is {moved.state.value}.")
        self.events.set_rows(self.vault.claims.events(claim_id))
        self.detail_title.setText(self._title(moved))
        self._update_buttons()

    def _title(self, claim: Claim) -> str:
        row = self.claims.row_where(id=claim.id)
        who = f" for {self.claims.row(row).client_name} to {self.claims.row(row).payer_name}" if row >= 0 else ""
        number = f"; the payer's number {claim.payer_claim_number}" if claim.payer_claim_number else ""
        denied = f"; denied: {claim.denial_reason}" if claim.state is ClaimState.DENIED and claim.denial_reason else ""
        return f"Claim {claim.number}{who}: {claim.state.value}{number}{denied}."

    def _show_state(self, claim: Claim) -> None:
        row = self.claims.row_where(id=claim.id)
        if row >= 0:
            summary: ClaimSummary = self.claims.row(row)
            self.claims.replace_row(row, replace(summary, state=claim.state))

    def _update_buttons(self) -> None:
        row = self.claims.row_where(id=self._shown_id) if self._shown_id is not None else -1
        state = self.claims.row(row).state if row >= 0 else None
        allowed = TRANSITIONS[state] if state is not None else frozenset()
        self.edit_button.setEnabled(state in EDITABLE_STATES)
        self.submitted_button.setEnabled(ClaimState.SUBMITTED in allowed)
        self.outcome_button.setEnabled(state in (ClaimState.SUBMITTED, ClaimState.ACCEPTED))
        self.correct_button.setEnabled(state in SENT_STATES)
        self.void_button.setEnabled(ClaimState.VOIDED in allowed)
        self.print_button.setEnabled(state is not None and state in (ClaimState.DRAFT, ClaimState.READY,
                                                                     *SENT_STATES))  # fmt: skip
        self.export_button.setEnabled(state in (ClaimState.DRAFT, ClaimState.READY))

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _clear_messages(self) -> None:
        self.error.clear()
        self.error.hide()

    # -- creating ------------------------------------------------------------------------------

    def bill_this_week(self) -> None:
        self.create_claims(*this_week(self.today()))

    def open_x12_settings(self) -> X12SettingsDialog:
        dialog = X12SettingsDialog(x12_settings(self.vault), lambda value: save_x12_settings(self.vault, value), self)
        self.show_dialog(dialog)
        return dialog

    def open_create(self) -> CreateClaimsDialog:
        dialog = CreateClaimsDialog(self.today(), self.create_claims, self)
        self.show_dialog(dialog)
        return dialog

    def create_claims(self, first: date, last: date) -> None:
        """Claims for the period's unbilled charges, on a worker; then the sentence, and the newest selected."""
        today = self.today()
        self._clear_messages()

        def work(vault: Vault) -> tuple[Created, dict[int, Scrubbed]]:
            return create_and_scrub(vault, first, last, today=today)

        def done(result: tuple[Created, dict[int, Scrubbed]]) -> None:
            created, scrubbed = result
            self.summary.setText(created_sentence(created, scrubbed, first, last))
            self.summary.show()
            newest = max((c.id for c in created.claims), default=None)
            if newest is not None and self.state_filter.currentIndex() != 0:
                self.state_filter.setCurrentIndex(0)
            self.load(select=newest)

        self.bill_week_button.setEnabled(False)
        self.create_button.setEnabled(False)
        (
            self.ops.run(work, label="Creating claims…")
            .success(done)
            .failure(lambda err: self.show_error(str(err)))
            .finished(self._creation_ended)
            .start()
        )

    def _creation_ended(self) -> None:
        self.bill_week_button.setEnabled(True)
        self.create_button.setEnabled(True)

    # -- acting on the selected claim ----------------------------------------------------------

    def edit_boxes(self) -> ClaimBoxesDialog | None:
        claim = self.selected()
        if claim is None or claim.state not in EDITABLE_STATES:
            return None
        contacts = self.vault.clients.contacts(claim.client_id)

        def submit(edited: Claim) -> Claim:
            saved = self.vault.claims.update(edited, today=self.today())
            self._after(saved.id)
            return saved

        dialog = ClaimBoxesDialog(claim, contacts, submit, self)
        self.show_dialog(dialog)
        return dialog

    def mark_submitted(self) -> None:
        """The claim was mailed or uploaded; refused (with the list) if its check now finds an error."""
        claim = self.selected()
        if claim is None:
            return
        self._clear_messages()
        try:
            ready_forms(self.vault, [claim.id], today=self.today())
        except UserError as err:
            self.show_error(str(err))
            self._after(claim.id)
            return
        self._move(claim.id, ClaimState.SUBMITTED, "marked submitted")

    def _move(self, claim_id: int, state: ClaimState, detail: str, number: str = "") -> bool:
        self._clear_messages()
        try:
            self.vault.claims.move(claim_id, state, detail=detail, payer_claim_number=number)
        except UserError as err:
            self.show_error(str(err))
            return False
        self._after(claim_id)
        return True

    def _after(self, claim_id: int) -> None:
        """Read the list again and show `claim_id` (scrubbing it again if it went back to draft)."""
        self._shown_id = None
        self.load(select=claim_id)
        self.select_claim(claim_id)

    def record_outcome(self) -> OutcomeDialog | None:
        claim = self.selected()
        if claim is None or claim.state not in (ClaimState.SUBMITTED, ClaimState.ACCEPTED):
            return None

        def submit(outcome: Outcome) -> None:
            if outcome.post_eob:
                replace(claim, payer_claim_number=outcome.payer_claim_number).validated(date.max)  # a bad number
                self._pending_eob = (claim, outcome.payer_claim_number)
                return
            self.vault.claims.move(claim.id, outcome.state, detail=outcome.reason or f"marked {outcome.state.value}",
                                   payer_claim_number=outcome.payer_claim_number)  # fmt: skip
            self._after(claim.id)

        self._pending_eob = None
        dialog = OutcomeDialog(claim, submit, self)
        dialog.accepted.connect(self._open_pending_eob)
        self.show_dialog(dialog)
        return dialog

    def _open_pending_eob(self) -> None:
        pending, self._pending_eob = self._pending_eob, None
        if pending is not None:
            self.post_eob(*pending)

    def post_eob(self, claim: Claim, number: str = "") -> EobDialog:
        """The EOB form for the claim's payer; once the EOB is posted the claim is marked paid."""
        dialog = EobDialog(self.vault, claim.client_id, self)
        dialog.payer.setCurrentIndex(max(0, dialog.payer.findData(claim.payer_id)))
        dialog.changed.connect(lambda: self._move(claim.id, ClaimState.PAID, "paid; the EOB was posted", number))
        self.show_dialog(dialog)
        return dialog

    def correct(self) -> PayerNumberDialog | None:
        """A corrected claim replacing the selected one; asks the payer's number when none is recorded."""
        claim = self.selected()
        if claim is None or claim.state not in SENT_STATES:
            return None

        def submit(number: str) -> Claim:
            made = self.vault.claims.correct(claim.id, payer_claim_number=number)
            self._after(made.id)
            return made

        if claim.payer_claim_number:
            answer = QMessageBox.question(
                self, "Correct claim",
                f"Make a corrected claim to replace {claim.number}? It starts as a draft with the same boxes, "
                "for you to change and send; the payer's number for the original goes in its box 22.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            )  # fmt: skip
            if answer == QMessageBox.StandardButton.Yes:
                self._clear_messages()
                try:
                    submit(claim.payer_claim_number)
                except UserError as err:
                    self.show_error(str(err))
            return None
        dialog = PayerNumberDialog(
            f"Correct claim {claim.number}",
            "A corrected claim replaces this one at the payer, which finds it by its own claim number (on the "
            "acknowledgement or the EOB).",
            "Make corrected claim", claim, submit, self,
        )  # fmt: skip
        self.show_dialog(dialog)
        return dialog

    def void(self) -> PayerNumberDialog | None:
        """Withdraw the selected claim: never sent, it is just voided; sent, a void claim tells the payer."""
        claim = self.selected()
        if claim is None or ClaimState.VOIDED not in TRANSITIONS[claim.state]:
            return None
        if claim.state in EDITABLE_STATES:
            answer = QMessageBox.question(
                self, "Void claim",
                f"Void claim {claim.number}? It was never sent; its charges can go on a new claim.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            )  # fmt: skip
            if answer == QMessageBox.StandardButton.Yes:
                self._clear_messages()
                try:
                    self.vault.claims.void(claim.id)
                except UserError as err:
                    self.show_error(str(err))
                self._after(claim.id)
            return None

        def submit(number: str) -> Claim | None:
            made = self.vault.claims.void(claim.id, payer_claim_number=number)
            self._after(made.id if made is not None else claim.id)
            return made

        dialog = PayerNumberDialog(
            f"Void claim {claim.number}",
            "The payer has this claim. Voiding it makes a void claim (frequency 8) to send, so the payer "
            "withdraws it too; the payer finds it by its own claim number (on the acknowledgement or the EOB).",
            "Make void claim", claim, submit, self,
        )  # fmt: skip
        self.show_dialog(dialog)
        return dialog

    # -- dialogs and locking -------------------------------------------------------------------

    def show_dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.finished.connect(lambda _r: self._forget(dialog))
        dialog.open()

    def _forget(self, dialog: QDialog) -> None:
        dialog.deleteLater()
        if self.dialog is dialog:
            self.dialog = None

    def now(self) -> datetime:
        return practice_now(self.vault)

    def clear_for_lock(self) -> None:
        """Close an open form unsaved, then empty every list."""
        if self.dialog is not None:
            self.dialog.reject()
        self._shown_id = None
        self.claims.set_rows([])
        self.events.set_rows([])
        self.findings.clear()
        self.summary.clear()
        self.summary.hide()
        self._clear_messages()
        self.detail_title.clear()
