"""The note editor's structured parts: the mental status exam as quick checklists, and the risk assessment.

Every field of `MentalStatusExam` and `RiskAssessment` has its control here. Single-choice findings are
combo boxes (blank: not assessed; type a first letter to pick), multi-choice ones rows of check boxes.
Each group is checkable: unchecked, the note holds no exam (or no risk assessment).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from therapy_desk.domain.assessment import (
    Affect,
    Appearance,
    Attention,
    Behavior,
    Insight,
    Judgment,
    Memory,
    MentalStatusExam,
    Mood,
    Orientation,
    Perception,
    PriorAttempts,
    RiskAssessment,
    RiskLevel,
    SelfHarm,
    Speech,
    SuicidalIdeation,
    ThoughtContent,
    ThoughtProcess,
)
from therapy_desk.domain.presign import risk_findings
from therapy_desk.ui import theme
from therapy_desk.ui.note_editor_safety import SafetyPlanGroup, lines, text_box
from therapy_desk.ui.widgets.focus import focus_through
from therapy_desk.ui.widgets.status_label import StatusLabel

NOT_ASSESSED = "—"
CHOICES_A_LINE = 3  # a multi-choice finding's check boxes on one line
CHOOSE_LEVEL = "Choose a risk level: the risk assessment is kept only with one."


class Mnemonics:
    """Hands out Alt+letters for captions, each letter once in a scope; a caption with no free letter
    gets none (it stays a plain caption rather than clash with another)."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = {letter.casefold() for letter in taken}

    def caption(self, text: str) -> str:
        for index, char in enumerate(text):
            if char.isalpha() and char.isascii() and char.casefold() not in self.taken:
                self.taken.add(char.casefold())
                return f"{text[:index]}&{text[index:]}"
        return text


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class ChoiceBox(QComboBox):
    """One single-choice finding: blank (not assessed) or one member of `kind`."""

    def __init__(self, kind: type[enum.StrEnum], name: str, parent: QWidget, *, blank: bool = True) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        if blank:
            self.addItem(NOT_ASSESSED, None)
        for member in kind:
            self.addItem(_capitalised(member.value), member)

    def value(self) -> enum.StrEnum | None:
        member: enum.StrEnum | None = self.currentData()
        return member

    def set_value(self, member: enum.StrEnum | None) -> None:
        index = self.findData(member) if member is not None else 0
        self.setCurrentIndex(max(index, 0))


class ChoiceRow(QWidget):
    """A multi-choice finding: one check box per member of `kind`."""

    changed = Signal()

    def __init__(self, kind: type[enum.StrEnum], name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        layout = QGridLayout(self)  # wrapped: eight findings on one line overflow a laptop's note window
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[enum.StrEnum, QCheckBox] = {}
        for number, member in enumerate(kind):
            box = QCheckBox(_capitalised(member.value), self)
            box.setAccessibleName(f"{name}: {member.value}")
            box.toggled.connect(lambda _on: self.changed.emit())
            layout.addWidget(box, *divmod(number, CHOICES_A_LINE))
            self.boxes[member] = box
        layout.setColumnStretch(CHOICES_A_LINE, 1)
        focus_through(self, next(iter(self.boxes.values())))

    def values(self) -> tuple[enum.StrEnum, ...]:
        return tuple(member for member, box in self.boxes.items() if box.isChecked())

    def set_values(self, members: Iterable[enum.StrEnum]) -> None:
        chosen = set(members)
        for member, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(member in chosen)
            box.blockSignals(False)


def _row(form: QFormLayout, letters: Mnemonics, caption: str, field: QWidget) -> QLabel:
    label = QLabel(letters.caption(caption), form.parentWidget())
    label.setBuddy(field)
    form.addRow(label, field)
    return label


def _line(name: str, parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setAccessibleName(name)
    edit.setMaxLength(2000)
    return edit


_SINGLE: tuple[tuple[str, str, type[enum.StrEnum]], ...] = (
    ("appearance", "Appearance", Appearance),
    ("behavior", "Behavior", Behavior),
    ("speech", "Speech", Speech),
    ("mood", "Mood", Mood),
    ("affect", "Affect", Affect),
    ("thought_process", "Thought process", ThoughtProcess),
)
_MULTI: tuple[tuple[str, str, type[enum.StrEnum]], ...] = (
    ("thought_content", "Thought content", ThoughtContent),
    ("perception", "Perception", Perception),
    ("orientation", "Oriented to", Orientation),
    ("memory", "Memory", Memory),
)
_JUDGING: tuple[tuple[str, str, type[enum.StrEnum]], ...] = (
    ("attention", "Attention and concentration", Attention),
    ("insight", "Insight", Insight),
    ("judgment", "Judgment", Judgment),
)


class ExamGroup(QGroupBox):
    """The mental status exam; unchecked, the note holds none."""

    changed = Signal()

    def __init__(self, letters: Mnemonics, parent: QWidget | None = None) -> None:
        super().__init__(letters.caption("Mental status exam"), parent)
        self.setAccessibleName("Mental status exam")
        self.setCheckable(True)
        self.setChecked(False)
        self.toggled.connect(lambda _on: self.changed.emit())
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # large text: a finding under its caption
        self.singles: dict[str, ChoiceBox] = {}
        self.multis: dict[str, ChoiceRow] = {}
        for name, caption, kind in _SINGLE:
            self.singles[name] = self._single(form, letters, caption, kind)
        for name, caption, kind in _MULTI:
            row = ChoiceRow(kind, caption, self)
            row.changed.connect(self.changed)
            _row(form, letters, caption, row)
            self.multis[name] = row
        for name, caption, kind in _JUDGING:
            self.singles[name] = self._single(form, letters, caption, kind)
        self.comments = text_box("Exam comments (mental status)", self, 2)
        self.comments.textChanged.connect(self.changed)
        _row(form, letters, "Exam comments", self.comments)

    def _single(self, form: QFormLayout, letters: Mnemonics, caption: str, kind: type[enum.StrEnum]) -> ChoiceBox:
        box = ChoiceBox(kind, caption, self)
        box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        _row(form, letters, caption, box)
        return box

    def exam(self) -> MentalStatusExam | None:
        if not self.isChecked():
            return None
        values: dict[str, object] = {name: box.value() for name, box in self.singles.items()}
        values.update({name: row.values() for name, row in self.multis.items()})
        return MentalStatusExam(comments=self.comments.toPlainText(), **values)  # type: ignore[arg-type]

    def set_exam(self, exam: MentalStatusExam | None) -> None:
        self.blockSignals(True)
        self.setChecked(exam is not None)
        self.blockSignals(False)
        shown = exam or MentalStatusExam()
        for name, box in self.singles.items():
            box.blockSignals(True)
            box.set_value(getattr(shown, name))
            box.blockSignals(False)
        for name, row in self.multis.items():
            row.set_values(getattr(shown, name))
        self.comments.blockSignals(True)
        self.comments.setPlainText(shown.comments)
        self.comments.blockSignals(False)

    def text_fields(self) -> list[QPlainTextEdit]:
        return [self.comments]


class RiskGroup(QGroupBox):
    """The risk assessment; unchecked, the note holds none. It is kept once a level is chosen (the level is
    the clinician's judgment and has no default). What signing will still ask for (the pre-sign check's own
    risk rules, `domain.presign.risk_findings`) is said under it as the clinician writes."""

    changed = Signal()

    def __init__(self, letters: Mnemonics, parent: QWidget | None = None) -> None:
        super().__init__(letters.caption("Risk assessment"), parent)
        self.setAccessibleName("Risk assessment")
        self.setCheckable(True)
        self.setChecked(False)
        self.toggled.connect(lambda _on: self._changed())
        form = QFormLayout(self)
        self.level = ChoiceBox(RiskLevel, "Risk level", self)
        self.level.setItemText(0, "— choose a level —")
        _row(form, letters, "Risk level", self.level)
        self.rationale = text_box("Rationale for the level", self, 2)
        _row(form, letters, "Rationale for the level", self.rationale)
        self.ideation = ChoiceBox(SuicidalIdeation, "Suicidal ideation", self, blank=False)
        _row(form, letters, "Suicidal ideation", self.ideation)
        self.plan = QCheckBox(letters.caption("Plan"), self)
        self.plan.setAccessibleName("Suicide plan")
        self.intent = QCheckBox(letters.caption("Intent"), self)
        self.intent.setAccessibleName("Suicide intent")
        self.means = QCheckBox(letters.caption("Access to lethal means"), self)
        self.means.setAccessibleName("Access to lethal means")
        boxes = QWidget(self)
        boxes.setAccessibleName("Suicide plan, intent and means")
        line = QHBoxLayout(boxes)
        line.setContentsMargins(0, 0, 0, 0)
        for box in (self.plan, self.intent, self.means):
            line.addWidget(box)
        line.addStretch(1)
        form.addRow("", boxes)
        self.attempts = ChoiceBox(PriorAttempts, "Prior attempts (suicide)", self)
        _row(form, letters, "Prior attempts", self.attempts)
        self.recent_attempt = _line("Most recent attempt (when and how)", self)
        _row(form, letters, "Most recent attempt", self.recent_attempt)
        self.self_harm = ChoiceBox(SelfHarm, "Self-harm", self, blank=False)
        _row(form, letters, "Self-harm", self.self_harm)
        self.homicidal = QCheckBox(letters.caption("Homicidal ideation"), self)
        self.homicidal.setAccessibleName("Homicidal ideation")
        form.addRow("", self.homicidal)
        self.target = _line("Identifiable target of homicidal ideation", self)
        self.target.setPlaceholderText("Who, or 'no identifiable target'")
        self.target_label = _row(form, letters, "Target", self.target)
        self.risk_factors = text_box("Risk factors, one a line", self, 2)
        _row(form, letters, "Risk factors", self.risk_factors)
        self.protective = text_box("Protective factors, one a line", self, 2)
        _row(form, letters, "Protective factors", self.protective)
        self.safety_plan = QCheckBox(letters.caption("Safety plan reviewed"), self)
        self.safety_plan.setAccessibleName("Safety plan reviewed")
        form.addRow("", self.safety_plan)
        self.written_plan = SafetyPlanGroup(letters.caption("Written safety plan (Stanley–Brown)"), self)
        form.addRow(self.written_plan)
        self.comments = text_box("Risk details", self, 3)
        _row(form, letters, "Risk details", self.comments)
        self.needs = StatusLabel("Risk assessment needs", parent=self)
        self.needs.setWordWrap(True)
        theme.set_role(self.needs, theme.WARNING)
        form.addRow(self.needs)
        for combo in (self.level, self.ideation, self.self_harm, self.attempts):
            combo.currentIndexChanged.connect(lambda _i: self._changed())
        for box in (self.plan, self.intent, self.means, self.homicidal, self.safety_plan):
            box.toggled.connect(lambda _on: self._changed())
        for edit in (self.protective, self.comments, self.risk_factors, self.rationale):
            edit.textChanged.connect(self._changed)
        for field in (self.recent_attempt, self.target):
            field.textChanged.connect(lambda _t: self._changed())
        self.written_plan.changed.connect(self._changed)
        self._show_needs()

    def _changed(self) -> None:
        self._show_needs()
        self.changed.emit()

    def assessment(self) -> RiskAssessment | None:
        """What the group holds, or None when it is off or no level is chosen yet."""
        level = self.level.value()
        if not self.isChecked() or level is None:
            return None
        ideation = self.ideation.value() or SuicidalIdeation.NONE
        self_harm = self.self_harm.value() or SelfHarm.NONE
        attempts = self.attempts.value()
        return RiskAssessment(
            risk_level=RiskLevel(level),
            suicidal_ideation=SuicidalIdeation(ideation),
            suicide_plan=self.plan.isChecked(),
            suicide_intent=self.intent.isChecked(),
            means_access=self.means.isChecked(),
            homicidal_ideation=self.homicidal.isChecked(),
            self_harm=SelfHarm(self_harm),
            protective_factors=lines(self.protective),
            safety_plan_reviewed=self.safety_plan.isChecked(),
            comments=self.comments.toPlainText(),
            prior_attempts=None if attempts is None else PriorAttempts(attempts),
            most_recent_attempt=self.recent_attempt.text(),
            homicide_target=self.target.text(),
            risk_factors=lines(self.risk_factors),
            level_rationale=self.rationale.toPlainText(),
            safety_plan=self.written_plan.plan(),
        )

    def problems(self) -> tuple[str, ...]:
        """What signing will ask for here (the pre-sign check's sentences), for the line under the group."""
        if not self.isChecked():
            return ()
        if self.level.value() is None:
            return (CHOOSE_LEVEL,)
        return tuple(finding.sentence for finding in risk_findings(self.assessment()))

    def _show_needs(self) -> None:
        problems = self.problems()
        self.needs.setText(" ".join(problems))
        self.needs.setVisible(bool(problems))
        self.target.setEnabled(self.homicidal.isChecked() or bool(self.target.text()))
        self.recent_attempt.setEnabled(self.attempts.value() not in (None, PriorAttempts.NONE))

    def _fields(self) -> tuple[QWidget, ...]:
        return (
            self, self.level, self.ideation, self.self_harm, self.attempts, self.plan, self.intent, self.means,
            self.homicidal, self.safety_plan, self.protective, self.comments, self.risk_factors, self.rationale,
            self.recent_attempt, self.target,
        )  # fmt: skip

    def set_assessment(self, risk: RiskAssessment | None) -> None:
        for widget in self._fields():
            widget.blockSignals(True)
        self.setChecked(risk is not None)
        self.level.set_value(None if risk is None else risk.risk_level)
        self.ideation.set_value(SuicidalIdeation.NONE if risk is None else risk.suicidal_ideation)
        self.self_harm.set_value(SelfHarm.NONE if risk is None else risk.self_harm)
        self.attempts.set_value(None if risk is None else risk.prior_attempts)
        self.plan.setChecked(bool(risk and risk.suicide_plan))
        self.intent.setChecked(bool(risk and risk.suicide_intent))
        self.means.setChecked(bool(risk and risk.means_access))
        self.homicidal.setChecked(bool(risk and risk.homicidal_ideation))
        self.safety_plan.setChecked(bool(risk and risk.safety_plan_reviewed))
        self.protective.setPlainText("" if risk is None else "\n".join(risk.protective_factors))
        self.risk_factors.setPlainText("" if risk is None else "\n".join(risk.risk_factors))
        self.comments.setPlainText("" if risk is None else risk.comments)
        self.rationale.setPlainText("" if risk is None else risk.level_rationale)
        self.recent_attempt.setText("" if risk is None else risk.most_recent_attempt)
        self.target.setText("" if risk is None else risk.homicide_target)
        self.written_plan.set_plan(None if risk is None else risk.safety_plan)
        for widget in self._fields():
            widget.blockSignals(False)
        self._show_needs()

    def text_fields(self) -> list[QPlainTextEdit]:
        return [self.protective, self.risk_factors, self.rationale, self.comments, *self.written_plan.text_fields()]

    def line_fields(self) -> list[QLineEdit]:
        return [self.recent_attempt, self.target]
