"""The states of the documents views (issue 13): the chart's Billing tab with its documents, the superbill,
statement and Good Faith Estimate dialogs (fresh, refused, written) and the Billing page's batch dialog
(fresh, no folder, summary), for the accessibility audit (tests/ui/test_accessibility.py)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import open_chart
from therapy_desk.storage.documents import DocumentKind
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.batch_dialog import BatchDialog
from therapy_desk.ui.billing_page import BillingView
from therapy_desk.ui.chart import TAB_BILLING
from therapy_desk.ui.document_dialogs import DocumentDialog
from therapy_desk.ui.ops import Ops

VIEWS: tuple[type[QWidget], ...] = (DocumentDialog, BatchDialog)


def _active(qtbot: QtBot, dialog: QDialog) -> QDialog:
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def states(
    qtbot: QtBot, vault: Vault, ops: Ops, client_id: int, show: Callable[[QWidget], QWidget]
) -> Iterator[tuple[str, QWidget]]:
    with tempfile.TemporaryDirectory() as folder:
        yield from _states(qtbot, vault, ops, client_id, show, Path(folder))


def _states(
    qtbot: QtBot, vault: Vault, ops: Ops, client_id: int, show: Callable[[QWidget], QWidget], folder: Path
) -> Iterator[tuple[str, QWidget]]:
    chart = open_chart(qtbot, vault, client_id)
    chart.show_tab(TAB_BILLING)
    documents = chart.billing.documents
    for kind in (DocumentKind.SUPERBILL, DocumentKind.STATEMENT, DocumentKind.ESTIMATE):
        dialog = documents.open_document(kind)
        assert dialog is not None
        yield dialog.title, _active(qtbot, dialog)
        dialog.folder.edit.clear()
        dialog.issue()
        yield f"{dialog.title}, no folder chosen", dialog
        dialog.folder.edit.setText(str(folder))
        dialog.password.setText("river stone")
        dialog.issue()
        yield f"{dialog.title}, the passwords differ", dialog
        dialog.password.clear()
        dialog.issue()
        qtbot.waitUntil(lambda d=dialog: d.op is None, timeout=20_000)  # type: ignore[misc]
        outcome = "written" if dialog.written is not None else "refused"
        yield f"{dialog.title}, {outcome}", dialog
        dialog.reject()
    yield "Chart, Billing, documents issued", show(chart)

    page = BillingView(vault, ops)
    page.resize(1100, 700)
    show(page)
    batch = page.open_batch()
    yield "Batch of monthly documents", _active(qtbot, batch)
    batch.folder.edit.clear()
    batch.start()
    yield "Batch of monthly documents, no folder chosen", batch
    batch.folder.edit.setText(str(folder))
    batch.kind.setCurrentIndex(1)  # statements
    batch.start()
    qtbot.waitUntil(lambda: batch.op is None, timeout=60_000)
    yield "Batch of monthly documents, summary", batch
    batch.reject()
