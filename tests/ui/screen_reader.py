"""What a screen reader hears from a widget, through Qt's accessibility interface as an assistive tool reads it."""

from __future__ import annotations

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget


def accessible_cells(widget: QWidget) -> list[str]:
    """The name of each cell (and header) of a table or list, as a screen reader reads them."""
    table = QAccessible.queryAccessibleInterface(widget)
    assert table is not None
    return [table.child(k).text(QAccessible.Text.Name) for k in range(table.childCount())]
