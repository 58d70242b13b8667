"""Qt item models over the vault's stores: they hold ids and fetch rows on demand, a page at a time.

Every model names its columns as constants (`COL_NAME = 0`, ...), answers `SORT_ROLE` with raw values
(dates, cents, counts) and `OBJECT_ROLE` with the row's domain value.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2
