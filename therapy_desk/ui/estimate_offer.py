"""Offer a Good Faith Estimate when a self-pay client's first session is booked: the No Surprises Act asks
for one within 1–3 business days of scheduling. Yes opens the estimate dialog for that client."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from therapy_desk.domain.scheduling import Appointment
from therapy_desk.storage.documents import DocumentKind
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.document_dialogs import DocumentDialog
from therapy_desk.ui.ops import Ops

QUESTION = (
    "This is {name}'s first session and no insurance coverage is in force for it. Issue a Good Faith "
    "Estimate now? The No Surprises Act asks for one within 1–3 business days of booking."
)


def first_self_pay_session(vault: Vault, appointment: Appointment) -> bool:
    """The appointment is a client's first (no other, outside its own series), with no coverage in force on
    its day and no estimate issued yet."""
    client_id = appointment.client_id
    if client_id is None:
        return False
    if vault.billing.coverage_for(client_id, appointment.date_of_service):
        return False
    if vault.documents.estimates(client_id):
        return False
    others = vault.schedule.for_client(client_id, limit=50)
    return all(
        other.id == appointment.id or (appointment.series_id is not None and other.series_id == appointment.series_id)
        for other in others
    )


def offer_estimate(parent: QWidget, vault: Vault, ops: Ops, appointment: Appointment) -> DocumentDialog | None:
    """Ask, after a booking, whether to issue the estimate; the dialog when the clinician says Yes."""
    if appointment.client_id is None or not first_self_pay_session(vault, appointment):
        return None
    name = vault.clients.get(appointment.client_id).display_name
    answer = QMessageBox.question(
        parent,
        "Good Faith Estimate",
        QUESTION.format(name=name),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return None
    dialog = DocumentDialog(vault, ops, appointment.client_id, DocumentKind.ESTIMATE, parent)
    dialog.finished.connect(lambda _r: dialog.deleteLater() if dialog.op is None else None)
    dialog.open()
    return dialog
