"""Tab order: the order a clinician fills a form in, set in one call rather than left to creation order.

Qt's default chain follows the order widgets were created and reparented, which in a form built from
groups and rows rarely matches what is on screen (Add client once went from Pronouns to Phone and
eight optional fields before the date of birth).
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QDialogButtonBox, QScrollArea, QWidget


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
