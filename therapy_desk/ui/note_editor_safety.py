"""The Stanley–Brown safety plan inside the risk assessment: six steps, one line per item.

Checkable: unchecked, the note holds no written safety plan (the "Safety plan reviewed" box may still say
one was reviewed). Checked the first time, the professionals step starts with the 988 crisis line.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QPlainTextEdit, QWidget

from therapy_desk.domain.assessment import CRISIS_LINE, SAFETY_PLAN_STEPS, SafetyPlan


def lines(edit: QPlainTextEdit) -> tuple[str, ...]:
    """A text box's non-blank lines, trimmed: one item each."""
    return tuple(line.strip() for line in edit.toPlainText().splitlines() if line.strip())


def text_box(name: str, parent: QWidget, rows: int = 3) -> QPlainTextEdit:
    """A short plain-text field Tab leaves (Ctrl+Tab types a tab), `rows` lines tall."""
    edit = QPlainTextEdit(parent)
    edit.setAccessibleName(name)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * (rows + 1) + 12)
    return edit


class SafetyPlanGroup(QGroupBox):
    """The six steps of the safety plan; `plan()` is None while the group is unchecked."""

    changed = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(caption, parent)
        self.setAccessibleName("Safety plan (Stanley–Brown)")
        self.setCheckable(True)
        self.setChecked(False)
        form = QFormLayout(self)
        self.steps: dict[str, QPlainTextEdit] = {}
        for number, (name, step) in enumerate(SAFETY_PLAN_STEPS, start=1):
            edit = text_box(f"Safety plan {number}. {step}, one a line", self, 2)
            edit.textChanged.connect(self.changed)
            label = QLabel(f"&{number}. {step}", self)
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.steps[name] = edit
        self.steps["professionals"].setPlaceholderText(CRISIS_LINE)
        self.toggled.connect(self._toggled)

    def _toggled(self, on: bool) -> None:
        professionals = self.steps["professionals"]
        if on and not professionals.toPlainText().strip():
            professionals.setPlainText(CRISIS_LINE)  # emits changed
        self.changed.emit()

    def plan(self) -> SafetyPlan | None:
        if not self.isChecked():
            return None
        return SafetyPlan(**{name: lines(edit) for name, edit in self.steps.items()})

    def set_plan(self, plan: SafetyPlan | None) -> None:
        for widget in (self, *self.steps.values()):
            widget.blockSignals(True)
        self.setChecked(plan is not None)
        for name, edit in self.steps.items():
            edit.setPlainText("" if plan is None else "\n".join(getattr(plan, name)))
        for widget in (self, *self.steps.values()):
            widget.blockSignals(False)

    def text_fields(self) -> list[QPlainTextEdit]:
        return list(self.steps.values())
