"""Keyboard focus: Tab order in one call, the first control of a page, containers that pass the focus on.

Tab order: the order a clinician fills a form in, set in one call rather than left to creation order.

Qt's default chain follows the order widgets were created and reparented, which in a form built from
groups and rows rarely matches what is on screen (Add client once went from Pronouns to Phone and
eight optional fields before the date of birth).
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialogButtonBox,
    QHeaderView,
    QScrollArea,
    QTableView,
    QWidget,
)


def laid_out_buttons(box: QDialogButtonBox) -> list[QWidget]:
    """A button box's buttons in the order the platform's layout shows them."""
    layout = box.layout()
    if layout is None:
        return list(box.buttons())
    items = (layout.itemAt(index) for index in range(layout.count()))
    return [w for item in items if item is not None and isinstance(w := item.widget(), QAbstractButton)]


def set_tab_order(*widgets: QWidget) -> None:
    """Tab visits `widgets` in this order; a button box stands for its buttons as laid out.

    Widgets that are hidden or disabled at the time stay in the chain: Tab skips them while they are.
    """
    chain: list[QWidget] = []
    for widget in widgets:
        chain += laid_out_buttons(widget) if isinstance(widget, QDialogButtonBox) else [widget]
    for first, second in pairwise(chain):
        QWidget.setTabOrder(first, second)


def scrolling(content: QWidget) -> QScrollArea:
    """`content` in a frameless scroll area that is not a Tab stop of its own: Tab goes from the last
    field back to the first, and the area scrolls to whichever field has the focus."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setWidget(content)
    return area


def takes_tab(widget: QWidget) -> bool:
    """Whether Tab stops at `widget` now: shown, enabled, and taking the focus by Tab itself."""
    return (
        widget.isVisible()
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and widget.focusProxy() is None
    )


def focus_first(container: QWidget, reason: Qt.FocusReason = Qt.FocusReason.TabFocusReason) -> None:
    """Focus the first control inside `container` that Tab would reach (a page or tab shown by a key)."""
    widget = container.nextInFocusChain()
    while widget is not container and widget is not None:
        if container.isAncestorOf(widget) and takes_tab(widget):
            widget.setFocus(reason)
            return
        widget = widget.nextInFocusChain()


def focus_through(container: QWidget, field: QWidget) -> None:
    """`container` hands the focus to `field`: a caption whose buddy is the container then works.

    Qt's QLabel moves the focus to its buddy only when the buddy takes the focus itself, so a caption
    over a row of fields (License number and state) or an optional date (its check box and its date)
    was a dead Alt+letter. Tab still stops at the field alone: Qt skips a widget that has a proxy.
    """
    container.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    container.setFocusProxy(field)


def record_table(name: str, parent: QWidget) -> QTableView:
    """A read-only table of records, one selected row at a time; Tab leaves it (arrows move in it)."""
    table = QTableView(parent)
    table.setAccessibleName(name)
    table.setTabKeyNavigation(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table
