"""The chart's Treatment plan tab: the signed plan read-only, a draft in the editor, review and sign."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.caseload import ChartSummary, review_overdue
from therapy_desk.domain.clients import ClientStatus
from therapy_desk.domain.plans import TreatmentPlan
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.records.treatment_plan import plan_file_name, treatment_plan_pdf
from therapy_desk.storage.files import write_new_file
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.chart_common import ChartTab
from therapy_desk.ui.chart_plan_editor import PlanEditor
from therapy_desk.ui.dialogs import show_error
from therapy_desk.ui.files import ask_save_path
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel, announce

PAGE_NONE, PAGE_VIEW, PAGE_EDIT = 0, 1, 2


def plan_html(plan: TreatmentPlan, today: date, status: ClientStatus = ClientStatus.ACTIVE) -> str:
    """A signed plan as a readable document (plain structure; the palette gives the colours). Its review
    shows as due only while the client is active."""
    e = html.escape
    review = fmt_date(plan.review_due)
    if review_overdue(status, plan.review_due, today):
        review = f"<b>{review} (due now)</b>"
    signed = ""
    if plan.signed_at is not None:
        signed = f" · signed by {e(plan.signed_by)} on {fmt_date(plan.signed_at.astimezone().date())}"  # local day
    parts = [
        f"<h3>Treatment plan, version {plan.version}</h3>",
        f"<p>Effective {fmt_date(plan.effective_date)}{signed}<br>Review due {review}</p>",
        f"<p><b>Frequency:</b> {e(plan.frequency) or '—'}<br>"
        f"<b>Client participation:</b> {e(plan.participation) or '—'}</p>",
    ]
    for p, problem in enumerate(plan.problems, start=1):
        parts.append(f"<h4>Problem {p}: {e(problem.statement)}</h4>")
        for g, goal in enumerate(problem.goals, start=1):
            parts.append(f"<p><b>Goal {p}.{g}:</b> {e(goal.statement)}</p><ul>")
            for objective in goal.objectives:
                target = fmt_date(objective.target_date, "no target date")
                parts.append(f"<li>Objective: {e(objective.text)} <i>(target {target})</i></li>")
            for intervention in goal.interventions:
                what = f": {e(intervention.description)}" if intervention.description else ""
                parts.append(f"<li>Intervention ({e(intervention.modality.label)}){what}</li>")
            parts.append("</ul>")
    return "\n".join(parts)


@registry.view
class PlanTab(ChartTab):
    """`signed` fires after a plan is signed (the chart refreshes its alerts)."""

    signed = Signal(object)

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._client_id: int | None = None
        self._status = ClientStatus.ACTIVE
        self._active: TreatmentPlan | None = None
        self._draft: TreatmentPlan | None = None
        self._dirty = False

        self.status = StatusLabel("Plan status", parent=self)
        self.status.setWordWrap(True)
        self.stack = QStackedWidget(self)

        none_page = QWidget(self.stack)
        self.none_label = QLabel("No treatment plan yet.", none_page)
        self.new_button = QPushButton("&New plan", none_page)
        self.new_button.setAccessibleName("New plan")
        self.new_button.setToolTip("Start a treatment plan draft for this client")
        self.new_button.clicked.connect(self.new_plan)
        layout = QVBoxLayout(none_page)
        layout.addStretch(1)
        layout.addWidget(self.none_label)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

        view_page = QWidget(self.stack)
        self.view = QTextBrowser(view_page)
        self.view.setAccessibleName("Signed treatment plan")
        self.view.setOpenLinks(False)
        self.revise_button = QPushButton("&Revise plan", view_page)
        self.revise_button.setAccessibleName("Revise plan")
        self.revise_button.setToolTip("Start a new version from this plan (for a review or a change)")
        self.revise_button.clicked.connect(self.revise)
        self.print_button = QPushButton("&Print plan…", view_page)
        self.print_button.setAccessibleName("Print plan")
        self.print_button.setToolTip("Save the signed plan as a PDF, with lines for the client and you to sign")
        self.print_button.clicked.connect(lambda: self.print_plan())
        layout = QVBoxLayout(view_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.print_button)
        row.addWidget(self.revise_button)
        layout.addLayout(row)

        edit_page = QWidget(self.stack)
        self._edit_page = edit_page
        self._editor: PlanEditor | None = None  # built when a draft is first shown: most charts only view
        self.save_button = QPushButton("&Save draft", edit_page)
        self.save_button.setAccessibleName("Save draft")
        self.save_button.setToolTip("Save the draft (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.sign_button = QPushButton("&Review and sign…", edit_page)
        self.sign_button.setAccessibleName("Review and sign")
        self.sign_button.setToolTip("Check the plan is complete, then sign it as the clinician")
        self.sign_button.clicked.connect(self.sign)
        self.discard_button = QPushButton("Dis&card draft…", edit_page)
        self.discard_button.setAccessibleName("Discard draft")
        self.discard_button.setToolTip("Throw this draft away (the signed plan stays as it is)")
        self.discard_button.clicked.connect(self.discard)
        layout = QVBoxLayout(edit_page)
        layout.setContentsMargins(0, 0, 0, 0)
        self._edit_layout = layout
        row = QHBoxLayout()
        row.addWidget(self.discard_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(self.sign_button)
        layout.addLayout(row)

        for page in (none_page, view_page, edit_page):
            self.stack.addWidget(page)
        outer = QVBoxLayout(self)
        outer.addWidget(self.status)
        outer.addWidget(self.stack, 1)

    @property
    def editor(self) -> PlanEditor:
        if self._editor is None:
            self._editor = PlanEditor(self._edit_page)
            self._editor.changed.connect(self._changed)
            self._edit_layout.insertWidget(0, self._editor, 1)
            # The buttons under the editor follow its last field, left to right as they are shown.
            set_tab_order(self._editor.fields_in_order()[-1], self.discard_button, self.save_button, self.sign_button)
        return self._editor

    # -- loading ---------------------------------------------------------------------------------

    def load(self, summary: ChartSummary) -> None:
        self._client_id = summary.client.id
        self._status = summary.client.status
        self._active = summary.active_plan
        assert self._client_id is not None
        self._draft = self._vault.plans.draft(self._client_id)
        self._show()

    def _show(self) -> None:
        self._dirty = False
        if self._draft is not None:
            self.editor.set_plan(self._draft)
            self.stack.setCurrentIndex(PAGE_EDIT)
        elif self._active is not None:
            self.view.setHtml(plan_html(self._active, date.today(), self._status))
            self.stack.setCurrentIndex(PAGE_VIEW)
        else:
            self.stack.setCurrentIndex(PAGE_NONE)
        self._update_status()

    def _update_status(self) -> None:
        if self._draft is not None:
            d = self._draft
            revises = f", revising signed version {self._active.version}" if self._active is not None else ""
            unsaved = " · unsaved changes" if self._dirty else ""
            self.status.setText(f"Draft, version {d.version}{revises} · review due {fmt_date(d.review_due)}{unsaved}")
        elif self._active is not None:
            a = self._active
            self.status.setText(f"Signed plan, version {a.version} · review due {fmt_date(a.review_due)}")
        else:
            self.status.setText("")

    def _changed(self) -> None:
        if not self._dirty:
            self._dirty = True
            self._update_status()

    def print_plan(self, path: Path | None = None) -> Path | None:
        """Save the signed plan as a PDF where the user chooses (a new file, never over another)."""
        if self._active is None or self._active.id is None:
            return None
        plan_id = self._active.id
        path = path or ask_save_path(self, "Save the treatment plan", plan_file_name(self._vault, plan_id))
        if path is None:
            return None
        try:
            written = write_new_file(path.parent, path.name, treatment_plan_pdf(self._vault, plan_id), numbered=False)
        except UserError as err:
            show_error(self, str(err))
            return None
        self.status.setText(f"Plan written: “{written.name}” in {written.parent}.")
        return written

    # -- drafting --------------------------------------------------------------------------------

    def new_plan(self) -> None:
        if self._client_id is None:
            return
        try:
            self._draft = self._vault.plans.create_draft(self._client_id, TreatmentPlan(effective_date=date.today()))
        except ValidationError as err:
            self.status.setText(str(err))
            announce(self.status, alert=True)
            return
        self._show()
        self.editor.add_problem()
        self._dirty = False
        self._update_status()

    def revise(self) -> None:
        if self._active is None or self._active.id is None:
            return
        try:
            self._draft = self._vault.plans.revise(self._active.id)
        except ValidationError as err:
            self.status.setText(str(err))
            announce(self.status, alert=True)
            return
        self._show()

    def is_dirty(self) -> bool:
        return self._draft is not None and self._dirty

    def save(self) -> bool:
        """Save the draft (Ctrl+S); False with the sentence at the offending item when it is refused."""
        if self._draft is None:
            return True
        self.editor.clear_errors()
        try:
            self._draft = self._vault.plans.update_draft(self.editor.plan())
        except ValidationError as err:
            self.editor.show_error(err)
            return False
        self.editor.set_plan(self._draft, keep_selection=True)
        self._dirty = False
        self._update_status()
        return True

    def save_for_lock(self) -> None:
        """Write what validates; when new blank items are what stops it, save without them."""
        if not self.is_dirty():
            return
        for plan in (self.editor.plan(), self.editor.plan_without_blank_items()):
            try:
                self._vault.plans.update_draft(plan)
            except ValidationError:
                continue
            return

    def cancel_edit(self) -> None:
        """Esc: go back to the draft as last saved, after asking when that loses changes."""
        if not self.is_dirty() or self._draft is None:
            return
        answer = QMessageBox.question(
            self,
            "Discard changes?",
            "Undo the changes made since the draft was last saved?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Discard and self._draft is not None:
            self._show()

    def discard(self) -> None:
        if self._draft is None or self._draft.id is None:
            return
        answer = QMessageBox.question(
            self,
            "Discard draft?",
            f"Throw away draft version {self._draft.version} of the treatment plan? This cannot be undone.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Discard or self._draft is None or self._draft.id is None:
            return
        try:
            self._vault.plans.discard_draft(self._draft.id)
        except ValidationError as err:
            self.editor.errors.show(err)
            return
        self._draft = None
        self._show()

    # -- signing ---------------------------------------------------------------------------------

    def signer(self) -> str:
        """Who signs: the practice profile's name and credentials."""
        profile = self._vault.practice.profile()
        return ", ".join(p for p in (profile.name.strip(), profile.credentials.strip()) if p)

    def sign(self) -> bool:
        """Save, check the plan is complete (showing what is missing), confirm, then sign."""
        if self._draft is None or not self.save():
            return False
        assert self._draft.id is not None
        try:
            self._draft.check_ready_to_sign()
        except ValidationError as err:
            self.editor.show_error(err)
            return False
        signer = self.signer()
        if not signer:
            self.editor.errors.show_text(
                "signer", "Add your name and credentials to the practice profile (Settings) before signing."
            )
            return False
        warnings = self._draft.sign_warnings()
        look_first = "".join(f"• {w.message}\n" for w in warnings)
        answer = QMessageBox.question(
            self,
            "Sign treatment plan",
            f"Sign version {self._draft.version} of the treatment plan as {signer}?\n\n"
            + (f"Before you sign, look at this:\n{look_first}\n" if warnings else "")
            + "A signed plan cannot be changed; later changes are made by revising it.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes or self._draft is None or self._draft.id is None:
            if warnings and self._draft is not None:  # back to the first thing to look at
                self.editor.show_error(ValidationError(warnings[0].message, warnings[0].field))
            return False  # (the draft is gone if the vault locked while the question was open)
        try:
            signed = self._vault.plans.sign(self._draft.id, signer)
        except ValidationError as err:
            self.editor.show_error(err)
            return False
        self._active, self._draft = signed, None
        self._show()
        self.signed.emit(signed)
        return True

    def clear(self) -> None:
        self._client_id = None
        self._active = None
        self._draft = None
        self._dirty = False
        if self._editor is not None:
            self._editor.clear()
        self.view.clear()
        self.status.clear()
        self.stack.setCurrentIndex(PAGE_NONE)
