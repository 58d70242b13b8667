"""Give a PHQ-9, GAD-7 or PCL-5 from the keyboard: type each item's digit, the next item comes up.

The items are rows of a table; the current row is the item being answered. A digit (0 to the item's
maximum) answers it and moves to the next; Backspace goes back one item; Delete clears the answer.
The total, its band and the item-9 flag update as answers come in. Saving a form with unanswered items
asks first, then records it as incomplete (DOMAIN.md, "Measures").
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.measure_items import CHOICES, DIFFICULTY_LABELS, DIFFICULTY_QUESTION, ITEMS, STEMS
from therapy_desk.domain.measures import (
    PHQ9_ITEM9_FLAG,
    SPECS,
    Answer,
    Difficulty,
    Instrument,
    MeasureResult,
    score,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme, windows
from therapy_desk.ui.chart_common import FieldErrors, from_qdate, to_qdate
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

COL_NUMBER, COL_ITEM, COL_ANSWER = range(3)
NOT_ANSWERED = "—"


def answer_text(instrument: Instrument, answer: Answer) -> str:
    """ "2 · More than half the days", or a dash for an item left unanswered."""
    return NOT_ANSWERED if answer is None else f"{answer} · {CHOICES[instrument][answer]}"


def running_total(instrument: Instrument, answers: list[Answer]) -> str:
    """What the form adds up to so far, in words."""
    spec = SPECS[instrument]
    answered = sum(1 for a in answers if a is not None)
    if not answered:
        return f"Total: no items answered yet (0 of {spec.items})."
    scored = score(instrument, answers)
    text = f"Total {scored.total} of {spec.total_max}: {scored.band}."
    if not scored.complete:
        text += f" Incomplete: {answered} of {spec.items} items answered."
    return text


class ItemTable(QTableWidget):
    """The form's items; typing a digit answers the current one and moves on."""

    changed = Signal()  # an answer was set or cleared
    refused = Signal(str)  # a digit above the item's maximum: the sentence to show

    def __init__(self, instrument: Instrument, parent: QWidget | None = None) -> None:
        super().__init__(SPECS[instrument].items, 3, parent)
        self.instrument = instrument
        self.answers: list[Answer] = [None] * SPECS[instrument].items
        self.setAccessibleName(f"{instrument} items (0 to {SPECS[instrument].item_max} each)")
        self.setHorizontalHeaderLabels(("#", "Item", "Answer"))
        self.verticalHeader().hide()
        self.setTabKeyNavigation(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(COL_NUMBER, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_ITEM, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_ANSWER, QHeaderView.ResizeMode.ResizeToContents)
        for row, text in enumerate(ITEMS[instrument]):
            number = QTableWidgetItem(str(row + 1))
            number.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item = QTableWidgetItem(text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setToolTip(text)
            answer = QTableWidgetItem(NOT_ANSWERED)
            answer.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            answer.setData(Qt.ItemDataRole.AccessibleTextRole, "not answered")
            self.setItem(row, COL_NUMBER, number)
            self.setItem(row, COL_ITEM, item)
            self.setItem(row, COL_ANSWER, answer)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setCurrentCell(0, COL_ANSWER)

    @property
    def item_max(self) -> int:
        return SPECS[self.instrument].item_max

    def current_item(self) -> int:
        return max(self.currentRow(), 0)

    def answer(self, row: int, value: Answer, *, advance: bool = True) -> None:
        """Set item `row` (0-based) to `value` (None: unanswered); then, if `advance`, go to the next item."""
        self.answers[row] = value
        cell = self.item(row, COL_ANSWER)
        assert cell is not None  # every row has its answer cell from the start
        cell.setText(answer_text(self.instrument, value))
        cell.setData(Qt.ItemDataRole.AccessibleTextRole, "not answered" if value is None else None)
        if advance and row + 1 < self.rowCount():
            self.setCurrentCell(row + 1, COL_ANSWER)
        self.changed.emit()

    def handle_key(self, event: QKeyEvent) -> bool:
        """A digit answers the current item and moves on; Backspace goes back one item; Delete clears the
        answer; Up and Down move. False for any other key (the caller handles it)."""
        text = event.text()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        row = self.current_item()
        if text.isdigit() and len(text) == 1 and modifiers == Qt.KeyboardModifier.NoModifier:
            value = int(text)
            if value <= self.item_max:
                self.answer(row, value)
            else:
                self.refused.emit(f"Each {self.instrument} item is answered 0 to {self.item_max}.")
            return True
        moves = {Qt.Key.Key_Backspace: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}
        if event.key() in moves and modifiers == Qt.KeyboardModifier.NoModifier:
            self.setCurrentCell(min(max(row + moves[Qt.Key(event.key())], 0), self.rowCount() - 1), COL_ANSWER)
            return True
        if event.key() == Qt.Key.Key_Delete:
            self.answer(row, None, advance=False)
            return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.handle_key(event):
            super().keyPressEvent(event)

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        index = super().moveCursor(action, modifiers)
        return self.model().index(index.row(), COL_ANSWER) if index.isValid() else index


class AnswerField(QLineEdit):
    """Where the answers are typed: it names the current item, hands each key to the items table and
    stays empty (the answers show in the table), so a screen reader hears each item as it comes up."""

    def __init__(self, table: ItemTable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._table = table
        self.setPlaceholderText(f"Type 0 to {table.item_max}")
        table.currentCellChanged.connect(lambda *_: self._follow())
        table.changed.connect(self._follow)
        self._follow()

    def _follow(self) -> None:
        row = self._table.current_item()
        count = self._table.rowCount()
        answer = self._table.answers[row]
        self.setAccessibleName(f"Answer to item {row + 1} of {count}")
        now = "not answered" if answer is None else answer_text(self._table.instrument, answer)
        self.setAccessibleDescription(f"{ITEMS[self._table.instrument][row]}. Now: {now}.")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._table.handle_key(event):
            return
        if event.text() and event.text().isprintable() and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier:
            self._table.refused.emit(f"Type a digit from 0 to {self._table.item_max} for each item.")
            return
        super().keyPressEvent(event)


@registry.view
class MeasureDialog(QDialog):
    """Give one instrument to the client; `recorded` holds what was recorded once the dialog is accepted."""

    def __init__(self, vault: Vault, client_id: int, instrument: Instrument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measureDialog")
        self._vault = vault
        self._client_id = client_id
        self.instrument = instrument
        self.recorded: MeasureResult | None = None
        spec = SPECS[instrument]
        self.setWindowTitle(f"Give the {instrument}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.resize(780, 760)
        windows.fit_on_screen(self)  # a 768-pixel screen has no room for 760 and a title bar

        self.date_edit = DateField(self)
        self.date_edit.setDate(to_qdate(date.today()))
        self.date_edit.setAccessibleName("Date given")
        stem = QLabel(STEMS[instrument], self)
        stem.setWordWrap(True)
        choices = " · ".join(f"{n} {words}" for n, words in enumerate(CHOICES[instrument]))
        self.legend = QLabel(f"Type a digit for each item: {choices}. Backspace goes back; Delete clears.", self)
        self.legend.setWordWrap(True)
        theme.set_role(self.legend, theme.MUTED)
        self.table = ItemTable(instrument, self)
        self.table.changed.connect(self._update_total)
        self.answer_field = AnswerField(self.table, self)
        self.answer_caption = QLabel(self)
        self.answer_caption.setBuddy(self.answer_field)
        self.current_item = QLabel(self)
        self.current_item.setWordWrap(True)
        bold = self.current_item.font()
        bold.setBold(True)
        self.current_item.setFont(bold)
        self.table.currentCellChanged.connect(lambda *_: self._follow())
        items_caption = QLabel(f"&Items (0 to {spec.item_max} each)", self)
        items_caption.setBuddy(self.table)
        self.total_label = StatusLabel("Running total", parent=self)
        self.flag_label = StatusLabel("Safety flag", parent=self, alert=True)
        theme.set_role(self.flag_label, theme.ERROR)
        self.flag_label.setWordWrap(True)
        self.flag_label.hide()
        self.hint = StatusLabel("Hint", parent=self)
        self.table.refused.connect(self.hint.setText)
        self.difficulty = QComboBox(self)
        self.difficulty.setAccessibleName("Difficulty: how difficult the problems made life")
        self.difficulty.addItem("Not answered", None)
        for value, words in DIFFICULTY_LABELS.items():
            self.difficulty.addItem(words, str(value))
        self.difficulty.setToolTip(DIFFICULTY_QUESTION)
        notice = QLabel(spec.notice, self)
        notice.setWordWrap(True)
        theme.set_role(notice, theme.MUTED)
        self.error = error_label(self)
        self.errors = FieldErrors(self.error)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Record the form (Ctrl+S)")
        self.save_button.setAutoDefault(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        save_key = QKeySequence(QKeySequence.StandardKey.Save)
        self.save_button.setShortcut(save_key)

        form = QFormLayout()
        date_caption = QLabel("&Date given", self)
        date_caption.setBuddy(self.date_edit)
        form.addRow(date_caption, self.date_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(stem)
        layout.addWidget(self.legend)
        answer_row = QFormLayout()
        answer_row.addRow(self.answer_caption, self.answer_field)
        layout.addLayout(answer_row)
        layout.addWidget(self.current_item)
        layout.addWidget(items_caption)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total_label)
        layout.addWidget(self.flag_label)
        layout.addWidget(self.hint)
        if instrument is Instrument.PHQ9:
            question = QLabel(DIFFICULTY_QUESTION, self)
            question.setWordWrap(True)
            difficulty_caption = QLabel("Di&fficulty", self)
            difficulty_caption.setBuddy(self.difficulty)
            layout.addWidget(question)
            row = QFormLayout()
            row.addRow(difficulty_caption, self.difficulty)
            layout.addLayout(row)
        else:
            self.difficulty.hide()
        layout.addLayout(form)  # the answers come first: the date is today's unless the form was given earlier
        layout.addWidget(notice)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        set_tab_order(self.answer_field, self.table, self.difficulty, self.date_edit, buttons)
        self._update_total()
        self._follow()
        self.answer_field.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- answers ---------------------------------------------------------------------------------

    @property
    def answers(self) -> list[Answer]:
        return list(self.table.answers)

    def type_answers(self, digits: str) -> None:
        """Answer from the current item on, one digit per item ("-" skips one): what typing does."""
        for char in digits:
            row = self.table.current_item()
            if char == "-":
                self.table.setCurrentCell(min(row + 1, self.table.rowCount() - 1), COL_ANSWER)
            else:
                self.table.answer(row, int(char))

    def _follow(self) -> None:
        """The answer field's caption and the current item's words follow the current item."""
        row = self.table.current_item()
        self.answer_caption.setText(f"&Answer to item {row + 1} of {self.table.rowCount()}")
        self.current_item.setText(f"{row + 1}. {ITEMS[self.instrument][row]}")

    def _update_total(self) -> None:
        answers = self.table.answers
        self.total_label.setText(running_total(self.instrument, answers))
        self.hint.clear()
        flagged = self.instrument is Instrument.PHQ9 and (answers[8] or 0) > 0
        self.flag_label.setText(PHQ9_ITEM9_FLAG if flagged else "")
        self.flag_label.setVisible(flagged)

    # -- saving ----------------------------------------------------------------------------------

    def _difficulty(self) -> Difficulty | None:
        value = self.difficulty.currentData() if self.instrument is Instrument.PHQ9 else None
        return Difficulty(value) if value else None

    def save(self) -> bool:
        """Record the form (asking first when items are unanswered); False when nothing was recorded."""
        self.errors.clear()
        answers = self.answers
        missing = sum(1 for a in answers if a is None)
        if 0 < missing < len(answers):
            answer = QMessageBox.question(
                self,
                "Record as incomplete?",
                f"{missing} of {len(answers)} items are unanswered. Record as incomplete? The total will count "
                "the answered items only.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.table.setCurrentCell(answers.index(None), COL_ANSWER)
                self.answer_field.setFocus(Qt.FocusReason.OtherFocusReason)
                return False
        try:
            self.recorded = self._vault.measures.record(
                self._client_id,
                self.instrument,
                answers,
                from_qdate(self.date_edit.date()),
                difficulty=self._difficulty(),
            )
        except ValidationError as err:
            self.errors.show(err)
            return False
        self.accept()
        return True
