# pytest-qt's QtBot methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""The caseload at 1.5 times the font size, in a main window 1280 pixels wide: nothing clips its meaning.

Set the application font larger, as QT_FONT_DPI=144 or a desktop's text scaling does: every header
shows its title whole, a cell that does not fit elides and its tooltip gives the whole text, and the
plan review column, the one that warns of an overdue review, is still on screen.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QStyle
from pytestqt.qtbot import QtBot

from tests.ui.test_caseload_model import book, charge, make_client, overdue_plan
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import default_pages
from therapy_desk.ui.caseload import CaseloadView
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.models.caseload_model import COL_REVIEW, COLUMN_COUNT

SCALE = 1.5


@pytest.fixture
def long_names(vault: Vault) -> list[int]:
    ids = [
        make_client(vault, "Maximiliana-Konstantina", "Wolfeschlegelsteinhausen-Bergerdorff"),
        make_client(vault, "Bartholomew Alexander", "Featherstonehaugh-Cholmondeley"),
        make_client(vault, "Zoë", "Adeyemi"),
    ]
    for client_id in ids:
        book(vault, client_id, 3)
        charge(vault, client_id, 1_234_567)
        vault.clients.add_diagnosis(client_id, "F41.1")
    overdue_plan(vault, ids[0])
    return ids


@pytest.fixture
def larger_text(qapp: QApplication) -> Iterator[float]:
    """The application font at 1.5 times its size, as it was again after the test."""
    before = QFont(qapp.font())
    font = QFont(before)
    font.setPointSizeF(before.pointSizeF() * SCALE)
    qapp.setFont(font)
    yield font.pointSizeF()
    qapp.setFont(before)


@pytest.fixture
def caseload(qtbot: QtBot, vault: Vault, long_names: list[int]) -> CaseloadView:
    window = MainWindow(vault, default_pages())
    qtbot.addWidget(window)
    window.resize(1280, 800)
    with qtbot.waitExposed(window):
        window.show()
    window.navigation.setCurrentRow([title for title, _ in default_pages()].index("Caseload"))
    view = window.findChild(CaseloadView)
    assert view is not None
    return view


def settle() -> None:
    for _ in range(5):
        QCoreApplication.processEvents()


def cell_padding(view: CaseloadView) -> int:
    """The room the item delegate leaves around a cell's text."""
    return 2 * (view.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view.table) + 1)


def test_headers_show_their_whole_title_and_the_review_column_stays_in_sight(
    caseload: CaseloadView, larger_text: float
) -> None:
    settle()
    table, header = caseload.table, caseload.table.horizontalHeader()
    assert table.font().pointSizeF() == pytest.approx(larger_text)  # the view follows the application font
    metrics = header.fontMetrics()
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    arrow = header.sizeHint().height() + margin  # the sort indicator's room, as Qt's styles reserve it
    for column in range(COLUMN_COUNT):
        title = table.model().headerData(column, Qt.Orientation.Horizontal)
        needed = metrics.horizontalAdvance(title) + 2 * margin
        if column == header.sortIndicatorSection():
            needed += arrow
        assert needed <= header.sectionSize(column), title

    left = header.sectionViewportPosition(COL_REVIEW)
    assert left >= 0
    assert left + header.sectionSize(COL_REVIEW) <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()


def test_the_sort_arrow_gets_room_on_the_column_sorted_by(caseload: CaseloadView, larger_text: float) -> None:
    settle()
    header = caseload.table.horizontalHeader()
    before = header.sectionSize(COL_REVIEW)

    header.setSortIndicator(COL_REVIEW, Qt.SortOrder.AscendingOrder)
    settle()

    assert header.sectionSize(COL_REVIEW) >= header.sectionSizeHint(COL_REVIEW) > before
    assert header.sectionViewportPosition(COL_REVIEW) + header.sectionSize(COL_REVIEW) <= (
        caseload.table.viewport().width()
    )


def test_a_cell_too_narrow_for_its_text_gives_the_whole_text_as_its_tooltip(
    caseload: CaseloadView, larger_text: float
) -> None:
    settle()
    table, model = caseload.table, caseload.table.model()
    padding = cell_padding(caseload)
    icon = table.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, table) + 4
    elided = []
    for row in range(model.rowCount()):
        for column in range(COLUMN_COUNT):
            index = model.index(row, column)
            text = index.data() or ""
            font = QFont(index.data(Qt.ItemDataRole.FontRole) or QFont()).resolve(table.font())  # as the delegate
            width = QFontMetrics(font).horizontalAdvance(text) + padding
            if index.data(Qt.ItemDataRole.DecorationRole) is not None:
                width += icon
            if text and width > table.columnWidth(column):
                elided.append(text)
                assert text in (index.data(Qt.ItemDataRole.ToolTipRole) or ""), text
    assert any("Wolfeschlegelsteinhausen" in text for text in elided)  # the long names did not fit whole
