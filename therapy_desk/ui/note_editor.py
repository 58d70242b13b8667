"""The note editor: one top-level window per note, autosaving its draft into the vault, then signing it.

A draft saves itself three seconds after the last change, on Ctrl+S, on close and before a lock, and
only when something changed (the status line says "Saved 14:02", never a word of the note). Signing
(Ctrl+Enter) saves, runs the pre-sign check (errors block; warnings are listed with "Sign anyway"), and
signs with the practice profile's name and credentials; the window then turns read-only, shows who
signed and when with the note's verification code, and offers "Add addendum…".

Undo and redo (Ctrl+Z, Ctrl+Shift+Z) go back and forth through the note's text edits in every box, in the
order they were made (`note_editor_undo.py`); choices (check boxes, combo boxes) are undone by choosing
again.

`open_note_for_appointment` starts (or reopens) the note of a session; `open_note` opens a saved note;
`new_note` starts an unlinked one. An open note is raised rather than opened twice.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from PySide6.QtCore import QEventLoop, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, section_names, sections, verification_code
from therapy_desk.domain.presign import Finding, Level, Rule
from therapy_desk.domain.scheduling import Appointment
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs, registry, windows
from therapy_desk.ui.format import fmt_date, fmt_stored_utc, fmt_time
from therapy_desk.ui.note_editor_dialogs import AddendumDialog, PresignDialog
from therapy_desk.ui.note_editor_exam import CHOOSE_LEVEL, ExamGroup, Mnemonics, RiskGroup
from therapy_desk.ui.note_editor_parts import ContextPage, Header, SectionsPage
from therapy_desk.ui.note_editor_undo import NoteHistory
from therapy_desk.ui.ops import Op, Ops
from therapy_desk.ui.snippets import SnippetsDialog
from therapy_desk.ui.widgets.focus import scrolling
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

AUTOSAVE_WAIT_MS = 10_000  # how long a save waits for the autosave before it (a worker's disk write)
AUTOSAVE_MS = 3000
NO_SIGNER = "Add your name in Settings › Practice profile before signing."
# Alt+letters the window itself uses (tab titles, the addendum button, the header's captions).
_WINDOW_LETTERS = "wlexu"

_open: list[NoteEditor] = []


def open_editors() -> list[NoteEditor]:
    """Every note editor window open now."""
    return list(_open)


def editor_title(note: Note) -> str:
    day = fmt_date(note.date_of_service, "no date")
    return windows.window_title(f"{note.kind.value.capitalize()} note, {day}")


@registry.view
class NoteEditor(QWidget):
    """One note. `saved(note)` fires after each save or signature; `closed(note_id)` once it has closed."""

    saved = Signal(object)
    closed = Signal(int)
    autosaved = Signal()  # an autosave on a worker has ended (written or not)

    def __init__(
        self,
        vault: Vault,
        note: Note,
        parent: QWidget | None = None,
        *,
        appointment: Appointment | None = None,
        ops: Ops | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("noteEditor")
        self._ops = ops
        self._in_flight: Op | None = None  # the autosave running on a worker
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._vault = vault
        self._note = note
        self._appointment = appointment
        self._dirty = note.id is None
        self._loading = True
        self.addendum_dialog: AddendumDialog | None = None
        self.presign_dialog: PresignDialog | None = None
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self._autosave)
        self.history = NoteHistory(self)

        letters = Mnemonics(_WINDOW_LETTERS)
        self.client_label = StatusLabel("Client", parent=self)
        bold = self.client_label.font()
        bold.setBold(True)
        self.client_label.setFont(bold)
        self.header = Header(letters, self)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Note parts")
        self.tabs.setDocumentMode(True)
        self.sections = SectionsPage(Mnemonics(letters.taken), self)
        self.context = ContextPage(Mnemonics(letters.taken), self)
        exam_letters = Mnemonics(letters.taken)
        exam_page = QWidget(self)
        self.exam = ExamGroup(exam_letters, exam_page)
        self.risk = RiskGroup(exam_letters, exam_page)
        exam_layout = QVBoxLayout(exam_page)  # one above the other: side by side they overflow a laptop's width
        exam_layout.addWidget(self.exam)
        exam_layout.addWidget(self.risk)
        exam_layout.addStretch(1)
        for page, title in (
            (self.sections, "&Write"),
            (self.context, "Goa&ls and interventions"),
            (exam_page, "&Exam and risk"),
        ):
            self.tabs.addTab(scrolling(page), title)

        self.status = StatusLabel("Save state", parent=self)
        self.error = error_label(self)
        self.signature = StatusLabel("Signature", parent=self)
        self.signature.setWordWrap(True)
        self.signature.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.addenda = QPlainTextEdit(self)
        self.addenda.setReadOnly(True)
        self.addenda.setTabChangesFocus(True)
        self.addenda.setAccessibleName("Addenda")
        self.addenda.setMaximumHeight(self.addenda.fontMetrics().lineSpacing() * 6 + 12)
        self.sign_button = QPushButton("Sign… (Ctrl+Enter)", self)
        self.sign_button.setAccessibleName("Sign… (Ctrl+Enter)")
        self.sign_button.setToolTip("Save, check and sign this note (Ctrl+Enter)")
        self.sign_button.clicked.connect(self.start_signing)
        self.addendum_button = QPushButton("Add addend&um…", self)
        self.addendum_button.setAccessibleName("Add addendum…")
        self.addendum_button.clicked.connect(self.add_addendum)
        self.snippets_button = QPushButton("Snippets… (Ctrl+;)", self)
        self.snippets_button.setAccessibleName("Snippets… (Ctrl+;)")
        self.snippets_button.setToolTip("Your reusable text: type a trigger and Space or Tab in a section (Ctrl+;)")
        self.snippets_button.clicked.connect(self.open_snippets)
        self.snippets_dialog: SnippetsDialog | None = None

        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.snippets_button)
        bottom.addWidget(self.addendum_button)
        bottom.addWidget(self.sign_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.client_label)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.signature)
        layout.addWidget(self.addenda)
        layout.addWidget(self.error)
        layout.addLayout(bottom)

        self._action("Sign note", QKeySequence("Ctrl+Return"), self.start_signing).setShortcuts(
            [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")]
        )
        self._action("Snippets", QKeySequence("Ctrl+;"), self.open_snippets)
        self._action("Save draft now", QKeySequence(QKeySequence.StandardKey.Save), self.save)
        self._action("Close note", QKeySequence("Ctrl+W"), self.close).setShortcuts(windows.close_keys())

        self.header.changed.connect(self._changed)
        self.header.format_changed.connect(self._format_changed)
        for part in (self.sections, self.context, self.exam, self.risk):
            part.changed.connect(self._changed)
        self.resize(1000, 760)
        windows.fit_on_screen(self)  # a 768-pixel screen has no room for 760 and a title bar
        self._show_note(note)
        _open.append(self)
        self.destroyed.connect(lambda _obj=None, editor=self: _forget(editor))

    def _action(self, text: str, keys: QKeySequence, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(keys)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # -- showing the note ------------------------------------------------------------------------

    @property
    def note(self) -> Note:
        return self._note

    @property
    def client_id(self) -> int:
        return self._note.client_id

    def _show_note(self, note: Note) -> None:
        self._loading = True
        client = self._vault.clients.get(note.client_id)
        self.client_label.setText(f"{client.display_name} ({client.account_number})")
        self.header.booked_code = None if self._appointment is None else self._appointment.service_code
        self.header.set_codes(s.code for s in self._vault.billing.services(include_inactive=False))
        self.header.set_note(note, date.today())
        given = tuple(section.name for section in note.sections)
        self.sections.show_sections(given or section_names(note.kind, note.format))
        self.load_snippets()
        self.sections.set_texts({s.name: s.text for s in note.sections})
        self.context.set_goals(self._vault.plans.active(note.client_id))
        self.context.set_appointment(self._appointment)
        self.context.set_values(note.participants, note.goal_ids, note.interventions)
        self.exam.set_exam(note.mental_status)
        self.risk.set_assessment(note.risk)
        if note.kind is NoteKind.INTAKE and not note.is_signed:  # an intake is signed with both
            self.exam.setChecked(True)
            self.risk.setChecked(True)
        self.sections.set_reference(self._previous_plan(note) if note.appointment_id is not None else None)
        self.setWindowTitle(editor_title(note))
        self.history.track([*self.sections.editors.values(), *self.exam.text_fields(), *self.risk.text_fields()])
        self.history.clear()  # what was loaded is where undo stops
        self._loading = False
        self._show_state()

    def _previous_plan(self, note: Note) -> str | None:
        """The Plan section of the client's last signed note before this one."""
        for other in self._vault.notes.for_client(note.client_id, limit=20):
            before = (
                note.date_of_service is None
                or other.date_of_service is None
                or other.date_of_service <= note.date_of_service
            )
            if other.is_signed and other.id != note.id and before and other.text("Plan"):
                return other.text("Plan")
        return None

    def load_snippets(self) -> None:
        self.sections.snippets = self._vault.snippets.list()

    def open_snippets(self) -> SnippetsDialog:
        """The Snippets dialog (raised if open); what it saves is expanded here at once."""
        if self.snippets_dialog is not None:
            self.snippets_dialog.raise_()
            self.snippets_dialog.activateWindow()
            return self.snippets_dialog
        dialog = SnippetsDialog(self._vault, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self.load_snippets)
        dialog.finished.connect(lambda _r: setattr(self, "snippets_dialog", None))
        self.snippets_dialog = dialog
        dialog.show()
        return dialog

    def _show_state(self) -> None:
        signed = self._note.is_signed
        self.snippets_button.setVisible(not signed)
        self.sign_button.setVisible(not signed)
        self.addendum_button.setVisible(signed)
        self.signature.setVisible(signed)
        self.addenda.setVisible(bool(self._note.addenda))
        for widget in (*self.header.fields(), *self.context.findChildren(QWidget), self.exam, self.risk):
            if isinstance(widget, QPlainTextEdit):
                widget.setReadOnly(signed)
            elif not isinstance(widget, QLabel):
                widget.setEnabled(not signed)
        for text_field in (*self.sections.editors.values(), *self.exam.text_fields(), *self.risk.text_fields()):
            text_field.setReadOnly(signed)
        self.header.format.setEnabled(not signed and self._note.kind is NoteKind.PROGRESS)  # others: own sections
        if signed:
            self.exam.setEnabled(True)  # its text stays readable and selectable; its choices are locked
            self.risk.setEnabled(True)
            for group in (self.exam, self.risk):
                for child in group.findChildren(QWidget):
                    if not isinstance(child, QPlainTextEdit | QLabel | QGroupBox):
                        child.setEnabled(False)
            groups: tuple[QGroupBox, ...] = (self.exam, self.risk, self.risk.written_plan)
            for checkable in groups:
                checkable.setCheckable(checkable.isChecked())
            self.signature.setText(self._signature_text())
            self.addenda.setPlainText(
                "\n\n".join(
                    f"Addendum signed by {a.signed_by}, {fmt_stored_utc(a.signed_at)}:\n{a.text}"
                    for a in self._note.addenda
                )
            )
            lines = min(6, self.addenda.document().blockCount() + 1)  # no taller than its text: the note comes first
            self.addenda.setMaximumHeight(self.addenda.fontMetrics().lineSpacing() * lines + 12)
            self.status.setText("Signed: read-only")

    def _signature_text(self) -> str:
        note = self._note
        code = verification_code(note.content_hash or "")
        late = f" · late entry: {note.late_entry_reason}" if note.is_late_entry else ""
        return f"Signed by {note.signed_by} at {fmt_stored_utc(note.signed_at)} · verification code {code}{late}"

    # -- editing and saving ----------------------------------------------------------------------

    def _changed(self) -> None:
        if self._loading or self._note.is_signed:
            return
        self._dirty = True
        self.status.setText("Editing…")
        self.autosave.start()

    def _format_changed(self) -> None:
        self.sections.show_sections(section_names(self.header.note_kind(), self.header.note_format()))
        self.history.track(self.sections.editors.values())
        self._changed()

    def is_dirty(self) -> bool:
        return self._dirty and not self._note.is_signed

    def current_note(self) -> Note:
        """The note as the window holds it now."""
        start, end = self.header.times()
        note_format = self.header.note_format()
        return dataclasses.replace(
            self._note,
            kind=self.header.note_kind(),
            format=note_format,
            date_of_service=self.header.day(),
            start_time=start,
            end_time=end,
            sections=sections(note_format, self.sections.texts(), self.header.note_kind()),
            mental_status=self.exam.exam(),
            risk=self.risk.assessment(),
            goal_ids=self.context.goal_ids(),
            interventions=self.context.interventions(),
            participants=self.context.participant_list(),
            service_code=self.header.service_code(),
            code_reason=self.header.code_reason(),
        )

    def save(self) -> bool:
        """Write the draft when it changed, now (Ctrl+S, closing, signing, a lock); False (with the sentence
        shown) when it does not validate."""
        self.autosave.stop()
        self._wait_for_autosave()
        if not self.is_dirty():
            return True
        try:
            saved = self._vault.notes.save_draft(self.current_note())
        except ValidationError as err:
            self._not_saved(err)
            return False
        self._dirty = False
        self._saved(saved)
        return True

    def _autosave(self) -> None:
        """The timer's save: on a worker when the window has `ops`, so a slow disk flush never holds up the
        typing; here when it has none, or for a note's first save (which gives it its id)."""
        if self._ops is None or self._note.id is None:
            self.save()
            return
        if self._in_flight is not None:
            self.autosave.start()  # the last one is still writing: try again after the next pause
            return
        if not self.is_dirty():
            return
        note = self.current_note()
        try:
            note.validated()
        except ValidationError as err:
            self._not_saved(err)
            return
        self._dirty = False  # typing from here on marks it again
        op = self._ops.run(lambda vault: vault.notes.save_draft(note), label="Saving the draft…", parent=self)
        op.success(self._saved).failure(self._autosave_failed).finished(self._autosave_done)
        self._in_flight = op.start()

    def _autosave_failed(self, err: UserError) -> None:
        self._dirty = True
        self._not_saved(err)

    def _autosave_done(self) -> None:
        self._in_flight = None
        self.autosaved.emit()

    def _wait_for_autosave(self) -> None:
        """Let an autosave on its way finish first, so it never lands after a newer save."""
        if self._in_flight is None:
            return
        loop = QEventLoop()
        self.autosaved.connect(loop.quit)
        QTimer.singleShot(AUTOSAVE_WAIT_MS, loop.quit)
        if self._in_flight is not None:
            loop.exec()
        self.autosaved.disconnect(loop.quit)

    def _saved(self, saved: Note) -> None:
        self._note = saved
        self.error.hide()
        self.status.setText(f"Saved {fmt_time(datetime.now())}")
        self.setWindowTitle(editor_title(saved))
        self.saved.emit(saved)

    def _not_saved(self, err: UserError) -> None:
        self.error.setText(f"Not saved: {err}")
        self.error.show()
        self.status.setText("Not saved")

    # -- signing ---------------------------------------------------------------------------------

    def signer(self) -> str | None:
        profile = self._vault.practice.profile()
        name = profile.name.strip()
        if not name:
            return None
        return f"{name}, {profile.credentials.strip()}" if profile.credentials.strip() else name

    def start_signing(self) -> PresignDialog | None:
        """Save, check and show what the check found; the dialog's Sign signs. None when nothing opened."""
        if self._note.is_signed:
            return None
        self._dirty = self._dirty or self._note.id is None  # a note never saved is saved now, even empty
        if not self.save():
            return None
        signer = self.signer()
        if signer is None:
            self.error.setText(NO_SIGNER)
            self.error.show()
            return None
        assert self._note.id is not None
        # The risk rules are the store's; only a risk assessment without its level never reaches the store.
        findings = [Finding(Level.ERROR, Rule.COMPLETE, s) for s in self.risk.problems() if s == CHOOSE_LEVEL]
        try:
            findings = [*self._vault.notes.presign_check(self._note.id), *findings]
        except ValidationError as err:
            self.error.setText(str(err))
            self.error.show()
            return None
        findings.sort(key=lambda f: f.level is not Level.ERROR)
        dialog = PresignDialog(findings, signer, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._sign(signer, dialog.late_entry_reason()))
        self.presign_dialog = dialog
        dialog.open()
        return dialog

    def _sign(self, signer: str, late_entry_reason: str = "") -> None:
        """Sign through `vault.sessions`, which also charges the session; the draft keeps the late-entry reason
        only if signing goes through."""
        assert self._note.id is not None
        try:
            with self._vault.transaction():
                if late_entry_reason:
                    self._vault.notes.save_draft(dataclasses.replace(self._note, late_entry_reason=late_entry_reason))
                result = self._vault.sessions.sign_note(self._note.id, signer)
        except ValidationError as err:
            self.error.setText(str(err))
            self.error.show()
            return
        self._note = result.note
        self.error.hide()
        self._show_state()
        if result.sentence:
            self.status.setText(f"Signed. {result.sentence}")
        self.saved.emit(result.note)

    def add_addendum(self) -> AddendumDialog | None:
        if not self._note.is_signed:
            return None
        signer = self.signer()
        if signer is None:
            self.error.setText(NO_SIGNER.replace("signing", "adding an addendum"))
            self.error.show()
            return None
        note_id = self._note.id
        assert note_id is not None

        def submit(text: str) -> None:
            self._vault.notes.add_addendum(note_id, text, signer)

        dialog = AddendumDialog(submit, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._reload)
        self.addendum_dialog = dialog
        dialog.open()
        return dialog

    def _reload(self) -> None:
        assert self._note.id is not None
        self._note = self._vault.notes.get(self._note.id)
        self._show_state()
        self.saved.emit(self._note)

    # -- closing and locking ---------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.save() and not dialogs.close_without_saving(
            self, "Draft not saved", self.error.text(), "Close anyway and lose the changes since the last save?"
        ):
            event.ignore()
            return
        event.accept()
        self.closed.emit(self._note.id or 0)
        self._wipe()

    def clear_for_lock(self) -> None:
        """Save what validates (never asking), then empty every field and close."""
        self.autosave.stop()
        try:
            self.save()
        finally:
            self._wipe()
            self._dirty = False
            self.hide()
            self.deleteLater()

    def _wipe(self) -> None:
        self._loading = True
        self.autosave.stop()
        if self.snippets_dialog is not None:
            self.snippets_dialog.reject()
        _forget(self)
        self.sections.clear()
        self.context.clear()
        self.exam.set_exam(None)
        self.risk.set_assessment(None)
        for label in (self.client_label, self.signature, self.status):
            label.clear()
        self.addenda.clear()
        self.error.clear()
        self.setWindowTitle(windows.APP_NAME)


def _forget(editor: NoteEditor) -> None:
    if editor in _open:
        _open.remove(editor)


def _shown(editor: NoteEditor) -> NoteEditor:
    editor.show()
    editor.raise_()
    editor.activateWindow()
    return editor


def _already_open(note_id: int) -> NoteEditor | None:
    return next((e for e in _open if e.note.id == note_id), None)


def open_note(vault: Vault, note_id: int, parent: QWidget | None = None, *, ops: Ops | None = None) -> NoteEditor:
    """Open a saved note (raised if it is open already)."""
    existing = _already_open(note_id)
    if existing is not None:
        return _shown(existing)
    note = vault.notes.get(note_id)
    appointment = None if note.appointment_id is None else vault.schedule.get(note.appointment_id)
    return _shown(NoteEditor(vault, note, parent, appointment=appointment, ops=ops))


def open_note_for_appointment(
    vault: Vault,
    appointment_id: int,
    parent: QWidget | None = None,
    *,
    client_id: int | None = None,
    ops: Ops | None = None,
) -> NoteEditor:
    """The session's note: its existing one (for `client_id`, in a couple/family/group session), else a new
    draft saved at once, pre-filled from the appointment (client, date, start and end)."""
    appointment = vault.schedule.get(appointment_id)
    client = client_id if client_id is not None else appointment.client_id
    if client is None:
        raise ValidationError("Choose which member of the session the note is for.", "client_id")
    existing = [n for n in vault.notes.for_appointment(appointment_id) if n.client_id == client]
    if existing:
        return open_note(vault, existing[0].id or 0, parent, ops=ops)
    kind = NoteKind.INTAKE if appointment.service_code in ("90791", "90792") else NoteKind.PROGRESS
    draft = vault.notes.save_draft(
        Note(
            client_id=client,
            kind=kind,
            format=NoteFormat.SOAP if kind is NoteKind.PROGRESS else NoteFormat.NARRATIVE,  # others: own sections
            date_of_service=appointment.date_of_service,
            start_time=appointment.start.time(),
            end_time=appointment.end.time(),
            participants=("Client",),
            appointment_id=appointment_id,
            unit_id=appointment.unit_id,
        )
    )
    return _shown(NoteEditor(vault, draft, parent, appointment=appointment, ops=ops))


def new_note(vault: Vault, client_id: int, parent: QWidget | None = None, *, ops: Ops | None = None) -> NoteEditor:
    """A new progress note for today, linked to no appointment; saved once something is written."""
    note = Note(client_id=client_id, date_of_service=date.today(), participants=("Client",))
    editor = NoteEditor(vault, note, parent, ops=ops)
    editor._dirty = False  # nothing written yet: closing it straight away leaves no empty draft behind
    return _shown(editor)
