"""The note editor's fields: the header (kind, format, date, times and the code they suggest), the
sections of the format (one plain-text editor each), and the session's context (participants, the
appointment's place and modifiers, goals addressed, interventions by modality).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time

from PySide6.QtCore import QEvent, QObject, Qt, QTime, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.billing import suggested_codes
from therapy_desk.domain.notes import INTERVENTIONS, Note, NoteFormat, NoteKind
from therapy_desk.domain.plans import TreatmentPlan
from therapy_desk.domain.scheduling import Appointment
from therapy_desk.domain.snippets import TRIGGER_MAX, TRIGGER_MIN, Snippet, find_snippet
from therapy_desk.domain.text import plural
from therapy_desk.ui.chart_common import from_qdate, to_qdate
from therapy_desk.ui.note_editor_exam import Mnemonics
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.status_label import StatusLabel

TIME_FORMAT = "h:mm AP"


def code_hint(minutes: int | None, booked_code: str | None) -> str:
    """ "53 minutes → 90837", or what is wrong with the times, for the line beside them."""
    if minutes is None:
        return ""
    if minutes <= 0:
        return "The end time must be after the start time."
    codes = suggested_codes(minutes, booked_code)
    if not codes:
        return f"{plural(minutes, 'minute')}: under 16 minutes is not billable as psychotherapy"
    hint = f"{plural(minutes, 'minute')} → {' + '.join(codes)}"
    if booked_code and booked_code not in codes:
        hint += f" (booked as {booked_code})"
    return hint


def _time_edit(name: str, parent: QWidget) -> QTimeEdit:
    edit = QTimeEdit(parent)
    edit.setDisplayFormat(TIME_FORMAT)
    edit.setAccessibleName(name)
    return edit


def _to_qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


def _from_qtime(value: QTime) -> time:
    return time(value.hour(), value.minute())


NO_CODE = "— none —"


class Header(QWidget):
    """Kind, format, date of service, start and end, the minutes with the code they suggest, and the code
    billed: the appointment's by default; another one than the minutes suggest asks for its reason."""

    changed = Signal()
    format_changed = Signal()

    def __init__(self, letters: Mnemonics, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.booked_code: str | None = None
        self._codes: tuple[str, ...] = ()
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Kind of note")
        for kind in NoteKind:
            self.kind.addItem(kind.value.capitalize(), kind)
        self.format = QComboBox(self)
        self.format.setAccessibleName("Format")
        for note_format in NoteFormat:
            shown = note_format.value if note_format.value.isupper() else note_format.value.capitalize()
            self.format.addItem(shown, note_format)
        self.date = DateField(self)
        self.date.setAccessibleName("Date of service")
        self.start = _time_edit("From (start time)", self)
        self.end = _time_edit("to (end time)", self)
        self.minutes = StatusLabel("Minutes and service code", parent=self)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        column = 0
        for caption, field in (
            ("Kind", self.kind),
            ("Format", self.format),
            ("Date", self.date),
            ("From", self.start),
        ):
            label = QLabel(letters.caption(caption), self)
            label.setBuddy(field)
            grid.addWidget(label, 0, column)
            grid.addWidget(field, 1, column)
            column += 1
        to = QLabel("to", self)
        grid.addWidget(to, 0, column)
        grid.addWidget(self.end, 1, column)
        grid.addWidget(self.minutes, 1, column + 1)
        grid.setColumnStretch(column + 1, 1)
        self.code = QComboBox(self)
        self.code.setAccessibleName("Service code billed")
        self.code_label = QLabel(letters.caption("Code"), self)
        self.code_label.setBuddy(self.code)
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Reason for this code")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("Required: why this code rather than the one the minutes suggest")
        self.reason_label = QLabel(letters.caption("Reason for this code"), self)
        self.reason_label.setBuddy(self.reason)
        grid.addWidget(self.code_label, 2, 0)
        grid.addWidget(self.code, 3, 0)
        grid.addWidget(self.reason_label, 2, 1, 1, column)
        grid.addWidget(self.reason, 3, 1, 1, column + 1)
        self.code.currentIndexChanged.connect(lambda _i: self._times_changed())
        self.reason.textChanged.connect(lambda _t: self.changed.emit())
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.format.currentIndexChanged.connect(lambda _i: self.format_changed.emit())
        self.date.dateChanged.connect(lambda _d: self.changed.emit())
        for edit in (self.start, self.end):
            edit.timeChanged.connect(lambda _t: self._times_changed())

    def _kind_changed(self) -> None:
        """A progress note is written in a format; the other kinds in their own sections (as narrative)."""
        self._follow_kind()
        self.format_changed.emit()

    def _follow_kind(self) -> None:
        progress = self.note_kind() is NoteKind.PROGRESS
        if not progress:
            self.format.blockSignals(True)
            self.format.setCurrentIndex(max(self.format.findData(NoteFormat.NARRATIVE), 0))
            self.format.blockSignals(False)
        self.format.setEnabled(progress)
        self.format.setToolTip("" if progress else "Written in its own sections")

    def _times_changed(self) -> None:
        self.show_minutes()
        self.changed.emit()

    def note_format(self) -> NoteFormat:
        return NoteFormat(self.format.currentData())

    def note_kind(self) -> NoteKind:
        return NoteKind(self.kind.currentData())

    def day(self) -> date:
        return from_qdate(self.date.date())

    def times(self) -> tuple[time, time]:
        return _from_qtime(self.start.time()), _from_qtime(self.end.time())

    def minutes_documented(self) -> int:
        start, end = self.times()
        return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)

    def show_minutes(self) -> None:
        minutes = self.minutes_documented()
        self.minutes.setText(code_hint(minutes, self.booked_code))
        self.reason_label.setVisible(self.needs_reason())
        self.reason.setVisible(self.needs_reason())

    def set_codes(self, codes: Iterable[str]) -> None:
        """The codes the combo offers (the catalogue's active ones); the note's and the booked code join them."""
        self._codes = tuple(codes)

    def chosen_code(self) -> str | None:
        code: str | None = self.code.currentData()
        return code

    def suggested_code(self) -> str | None:
        minutes = self.minutes_documented()
        codes = suggested_codes(minutes, self.booked_code) if minutes > 0 else ()
        return codes[0] if codes else None

    def needs_reason(self) -> bool:
        """A code is chosen that is not the one the minutes suggest."""
        chosen, suggested = self.chosen_code(), self.suggested_code()
        return chosen is not None and suggested is not None and chosen != suggested

    def service_code(self) -> str | None:
        """The code the note records: None when it is the appointment's own (or none is chosen)."""
        chosen = self.chosen_code()
        return None if chosen == self.booked_code else chosen

    def code_reason(self) -> str:
        return self.reason.text().strip() if self.needs_reason() else ""

    def _fill_codes(self, current: str | None) -> None:
        self.code.clear()
        if self.booked_code is None:
            self.code.addItem(NO_CODE, None)
        offered = sorted({*self._codes, *(c for c in (self.booked_code, current) if c)})
        for code in offered:
            self.code.addItem(code, code)
        self.code.setCurrentIndex(max(self.code.findData(current) if current else 0, 0))

    def set_note(self, note: Note, default_day: date) -> None:
        for widget in (self.kind, self.format, self.date, self.start, self.end, self.code, self.reason):
            widget.blockSignals(True)
        self._fill_codes(note.service_code or self.booked_code)
        self.reason.setText(note.code_reason)
        self.kind.setCurrentIndex(max(self.kind.findData(note.kind), 0))
        self.format.setCurrentIndex(max(self.format.findData(note.format), 0))
        self.date.setDate(to_qdate(note.date_of_service or default_day))
        self.start.setTime(_to_qtime(note.start_time or time(9, 0)))
        self.end.setTime(_to_qtime(note.end_time or time(9, 53)))
        for widget in (self.kind, self.format, self.date, self.start, self.end, self.code, self.reason):
            widget.blockSignals(False)
        self.format.setEnabled(note.kind is NoteKind.PROGRESS)
        self.show_minutes()

    def fields(self) -> list[QWidget]:
        return [self.kind, self.format, self.date, self.start, self.end, self.code, self.reason]


def expand_snippet(editor: QPlainTextEdit, section: str, snippets: Iterable[Snippet]) -> bool:
    """Replace the trigger just typed before the cursor with its snippet's text, as one undo step."""
    cursor = editor.textCursor()
    if cursor.hasSelection():
        return False
    before = cursor.block().text()[: cursor.positionInBlock()]
    word = before.rsplit(None, 1)[-1] if before.strip() and not before[-1].isspace() else ""
    if not TRIGGER_MIN <= len(word) <= TRIGGER_MAX:
        return False
    snippet = find_snippet(snippets, word, section)
    if snippet is None:
        return False
    cursor.beginEditBlock()
    cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(word))
    cursor.insertText(snippet.text)
    cursor.endEditBlock()
    editor.setTextCursor(cursor)
    return True


class _SnippetKeys(QObject):
    """Space or Tab right after a trigger in a section expands it (and is not typed, nor moves the focus)."""

    def __init__(self, page: SectionsPage) -> None:
        super().__init__(page)
        self._page = page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Tab)
            and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
            and isinstance(watched, QPlainTextEdit)
            and not watched.isReadOnly()
        ):
            section = next((name for name, editor in self._page.editors.items() if editor is watched), None)
            if section is not None and expand_snippet(watched, section, self._page.snippets):
                return True
        return super().eventFilter(watched, event)


class SectionsPage(QWidget):
    """One plain-text editor per section of the format, with the previous note's plan for reference.

    Text typed into a section the format then drops is kept while the window is open, so switching
    the format back brings it back; only the format's own sections are saved. Typing a snippet's trigger
    and Space or Tab inserts the snippet (`snippets`, set by the editor).
    """

    changed = Signal()

    def __init__(self, letters: Mnemonics, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snippets: list[Snippet] = []
        self._keys = _SnippetKeys(self)
        self._letters = letters
        self._kept: dict[str, str] = {}
        self.editors: dict[str, QPlainTextEdit] = {}
        self._rows: list[QWidget] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.reference_box = QWidget(self)
        reference_layout = QVBoxLayout(self.reference_box)
        reference_layout.setContentsMargins(0, 0, 0, 0)
        self.reference = QPlainTextEdit(self.reference_box)
        self.reference.setReadOnly(True)
        self.reference.setTabChangesFocus(True)
        self.reference.setAccessibleName("Previous note's plan (read-only)")
        self.reference.setMaximumHeight(self.reference.fontMetrics().lineSpacing() * 5 + 12)
        self.reference_label = QLabel("Previous note's plan (read-only)", self.reference_box)
        self.reference_label.setBuddy(self.reference)
        reference_layout.addWidget(self.reference_label)
        reference_layout.addWidget(self.reference)
        self.reference_box.hide()
        self._layout.addWidget(self.reference_box)

    def set_reference(self, plan_text: str | None) -> None:
        self.reference.setPlainText(plan_text or "")
        lines = min(5, self.reference.document().blockCount() + 1)  # no taller than the plan: the sections come first
        self.reference.setMaximumHeight(self.reference.fontMetrics().lineSpacing() * lines + 12)
        self.reference_box.setVisible(bool(plan_text))

    def show_sections(self, names: tuple[str, ...]) -> None:
        """Rebuild the editors for these sections (`domain.notes.section_names`), keeping the words typed so
        far under each name."""
        self._kept.update(self.texts())
        for row in self._rows:
            row.hide()
            row.deleteLater()
        self._rows = []
        self.editors = {}
        letters = Mnemonics(self._letters.taken)
        for name in names:
            row = QWidget(self)
            column = QVBoxLayout(row)
            column.setContentsMargins(0, 0, 0, 0)
            editor = QPlainTextEdit(row)
            editor.setAccessibleName(f"{name} section")
            editor.setTabChangesFocus(True)
            editor.setMinimumHeight(editor.fontMetrics().lineSpacing() * 4 + 12)
            editor.setPlainText(self._kept.get(name, ""))
            editor.textChanged.connect(self.changed)
            editor.installEventFilter(self._keys)
            label = QLabel(letters.caption(name), row)
            label.setBuddy(editor)
            column.addWidget(label)
            column.addWidget(editor)
            self._layout.addWidget(row, 1)
            self._rows.append(row)
            self.editors[name] = editor
        if self.reference_box.isVisible() or self.reference.toPlainText():
            self.reference_label.setText(letters.caption("Previous note's plan (read-only)"))

    def set_texts(self, texts: dict[str, str]) -> None:
        self._kept = dict(texts)
        for name, editor in self.editors.items():
            editor.blockSignals(True)
            editor.setPlainText(texts.get(name, ""))
            editor.blockSignals(False)

    def texts(self) -> dict[str, str]:
        return {name: editor.toPlainText() for name, editor in self.editors.items()}

    def clear(self) -> None:
        self._kept = {}
        for editor in (*self.editors.values(), self.reference):
            editor.clear()


class ContextPage(QWidget):
    """Participants, the appointment's place of service and modifiers, goals addressed, interventions."""

    changed = Signal()

    def __init__(self, letters: Mnemonics, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.participants = QLineEdit(self)
        self.participants.setAccessibleName("Participants")
        self.participants.setPlaceholderText("Client, parent, partner… separated by commas")
        self.participants.textChanged.connect(lambda _t: self.changed.emit())
        participants_label = QLabel(letters.caption("Participants"), self)
        participants_label.setBuddy(self.participants)
        self.appointment = StatusLabel("Appointment", parent=self)
        self.appointment.setWordWrap(True)
        self.goals_box = QGroupBox(letters.caption("Goals addressed"), self)
        self.goals_box.setAccessibleName("Goals addressed")
        self._goals_layout = QVBoxLayout(self.goals_box)
        self.no_goals = QLabel("The client has no signed treatment plan with goals.", self.goals_box)
        self._goals_layout.addWidget(self.no_goals)
        self.goal_boxes: dict[int, QCheckBox] = {}
        self._other_goals: tuple[int, ...] = ()
        self.interventions_box = QGroupBox(letters.caption("Interventions"), self)
        self.interventions_box.setAccessibleName("Interventions")
        grid = QGridLayout(self.interventions_box)
        self.intervention_boxes: dict[str, QCheckBox] = {}
        for column, (modality, names) in enumerate(INTERVENTIONS.items()):
            heading = QLabel(f"<b>{modality}</b>", self.interventions_box)
            heading.setAccessibleName(modality)
            grid.addWidget(heading, 0, column)
            for row, name in enumerate(names, start=1):
                grid.addWidget(self._intervention(name, modality), row, column)
        self._extra_row = max(len(names) for names in INTERVENTIONS.values()) + 1
        self._grid = grid
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        line = QHBoxLayout()
        line.addWidget(participants_label)
        line.addWidget(self.participants, 1)
        layout.addLayout(line)
        layout.addWidget(self.appointment)
        layout.addWidget(self.goals_box)
        layout.addWidget(self.interventions_box)
        layout.addStretch(1)

    def _intervention(self, name: str, modality: str) -> QCheckBox:
        box = QCheckBox(name[:1].upper() + name[1:], self.interventions_box)
        box.setAccessibleName(f"{modality}: {name}")
        box.toggled.connect(lambda _on: self.changed.emit())
        self.intervention_boxes[name] = box
        return box

    def set_goals(self, plan: TreatmentPlan | None) -> None:
        for box in self.goal_boxes.values():
            box.hide()
            box.deleteLater()
        self.goal_boxes = {}
        goals = [goal for problem in (plan.problems if plan else ()) for goal in problem.goals if goal.id is not None]
        for goal in goals:
            assert goal.id is not None
            box = QCheckBox(goal.statement, self.goals_box)
            box.setAccessibleName(f"Goal: {goal.statement}")
            box.toggled.connect(lambda _on: self.changed.emit())
            self._goals_layout.addWidget(box)
            self.goal_boxes[goal.id] = box
        self.no_goals.setVisible(not goals)

    def set_appointment(self, appointment: Appointment | None) -> None:
        if appointment is None:
            self.appointment.setText("Not linked to an appointment.")
            return
        place = appointment.place_of_service
        modifiers = ", ".join(appointment.modifiers) or "none"
        self.appointment.setText(
            f"Appointment: booked as {appointment.service_code}, {appointment.duration_minutes} minutes · "
            f"place of service {place.value} ({place.label}) · modifiers {modifiers}"
            + (" · telehealth" if appointment.telehealth else "")
        )

    def set_values(self, participants: Iterable[str], goal_ids: Iterable[int], interventions: Iterable[str]) -> None:
        self.participants.blockSignals(True)
        self.participants.setText(", ".join(participants))
        self.participants.blockSignals(False)
        chosen_goals = set(goal_ids)
        for goal_id, box in self.goal_boxes.items():
            box.blockSignals(True)
            box.setChecked(goal_id in chosen_goals)
            box.blockSignals(False)
        self._other_goals = tuple(sorted(chosen_goals - set(self.goal_boxes)))  # goals of an older plan: kept
        named = list(interventions)
        for name in named:
            if name not in self.intervention_boxes:  # one the fixed list lacks (an imported note): shown under Other
                self._grid.addWidget(self._intervention(name, "Other"), self._extra_row, len(INTERVENTIONS) - 1)
                self._extra_row += 1
        for name, box in self.intervention_boxes.items():
            box.blockSignals(True)
            box.setChecked(name in named)
            box.blockSignals(False)

    def participant_list(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.participants.text().split(",") if p.strip())

    def goal_ids(self) -> tuple[int, ...]:
        return (*self._other_goals, *(goal_id for goal_id, box in self.goal_boxes.items() if box.isChecked()))

    def interventions(self) -> tuple[str, ...]:
        return tuple(name for name, box in self.intervention_boxes.items() if box.isChecked())

    def clear(self) -> None:
        self.participants.clear()
        self.appointment.clear()
        for box in (*self.goal_boxes.values(), *self.intervention_boxes.values()):
            box.setText("")
