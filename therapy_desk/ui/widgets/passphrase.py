"""Choosing a new passphrase: typed twice, with an honest strength hint and the 12-character rule."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from therapy_desk.domain.passphrase import MIN_PASSPHRASE_LENGTH, PASSPHRASE_RULE, check_new_passphrase
from therapy_desk.errors import ValidationError
from therapy_desk.ui import theme

WEAK, FAIR, STRONG = "weak", "fair", "strong"
MISMATCH = "The two entries do not match yet."
_HINTS = {
    WEAK: "Strength: weak. Longer is stronger: add another unrelated word or two.",
    FAIR: "Strength: fair. Another word or some variety would make it stronger.",
    STRONG: "Strength: strong.",
}


def strength(passphrase: str) -> str:
    """A simple, honest estimate from length and variety of characters: weak, fair or strong.

    It knows nothing about dictionaries, so it never claims more than it can tell.
    """
    classes = sum(
        (
            any(c.islower() for c in passphrase),
            any(c.isupper() for c in passphrase),
            any(c.isdigit() for c in passphrase),
            any(not c.isalnum() for c in passphrase),
        )
    )
    distinct = len(set(passphrase))
    length = len(passphrase)
    if length < MIN_PASSPHRASE_LENGTH or distinct < 6:
        return WEAK
    if length >= 20 or (length >= 16 and classes >= 2):
        return STRONG
    if length >= 14 or classes >= 3:
        return FAIR
    return FAIR if classes >= 2 else WEAK


def muted_label(text: str = "") -> QLabel:
    """A secondary line of text, in the calm colour that reads on the palette in force."""
    label = QLabel(text)
    label.setWordWrap(True)
    theme.set_role(label, theme.MUTED)
    return label


class NewPassphraseWidget(QWidget):
    """Two password fields and the live verdict. `passphrase()` is the accepted text, or None."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, first_label: str = "New &passphrase:") -> None:
        super().__init__(parent)
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setAccessibleName("New passphrase")
        self.first.setObjectName("newPassphrase")
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.second.setAccessibleName("New passphrase, type it again")
        self.second.setObjectName("newPassphraseAgain")
        self.show_text = QCheckBox("Sho&w passphrase")  # Alt+H is Choose folder on the first run
        self.show_text.setAccessibleName("Show passphrase as typed")
        self.show_text.toggled.connect(self._show_toggled)
        self.strength_label = muted_label()
        self.strength_label.setObjectName("strengthHint")
        self.message = muted_label(PASSPHRASE_RULE)
        self.message.setObjectName("passphraseMessage")

        self.form = QFormLayout()  # open so a dialog can put "Current passphrase" in line above
        self.form.addRow(first_label, self.first)
        self.form.addRow("Type it &again:", self.second)
        self.form.addRow("", self.show_text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        layout.addWidget(self.strength_label)
        layout.addWidget(self.message)

        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self._update()

    def passphrase(self) -> str | None:
        """The passphrase when it follows the rule and both entries match."""
        text = self.first.text()
        try:
            check_new_passphrase(text)
        except ValidationError:
            return None
        return text if self.second.text() == text else None

    def is_acceptable(self) -> bool:
        return self.passphrase() is not None

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()
        self.show_text.setChecked(False)

    def _show_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.first.setEchoMode(mode)
        self.second.setEchoMode(mode)

    def _update(self) -> None:
        text, again = self.first.text(), self.second.text()
        self.strength_label.setText(_HINTS[strength(text)] if text else "")
        self.strength_label.setVisible(bool(text))
        message, problem = PASSPHRASE_RULE, False
        if text:
            try:
                check_new_passphrase(text)
                message = MISMATCH if again and again != text else ""
                problem = bool(message)
                if not again:
                    message = "Now type it again to be sure."
            except ValidationError as err:
                message, problem = str(err), True
        # The rule before anything is typed is guidance; the same words once broken are an error.
        theme.set_role(self.message, theme.ERROR if problem else theme.MUTED)
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self.changed.emit()
