"""A small line chart of one instrument's totals over time, with the same numbers in words beside it."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from therapy_desk.domain.measures import SPECS, MeasureResult
from therapy_desk.ui import theme
from therapy_desk.ui.format import fmt_date


def history_text(results: Sequence[MeasureResult]) -> str:
    """ "PHQ-9: 18 on Mar 1, 2025; 11 on Jun 2, 2025 (incomplete)" — what the line shows, for everyone."""
    if not results:
        return ""
    points = "; ".join(
        f"{r.total} on {fmt_date(r.administered_on)}{'' if r.complete else ' (incomplete)'}" for r in results
    )
    return f"{results[0].instrument} (of {results[0].total_max}): {points}"


class ScoreHistory(QWidget):
    """Totals oldest to newest as a line on the instrument's full range; the band cut-offs as faint lines.

    Drawn in the palette's text colour and the MUTED role, so it reads on light and dark themes. It takes
    no focus: the numbers it draws are in `text()` (its accessible description) and in a label beside it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._results: list[MeasureResult] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Score history chart")

    def set_results(self, results: Sequence[MeasureResult]) -> None:
        """`results`: one instrument's, oldest first (entered-in-error ones already left out)."""
        self._results = list(results)
        self.setAccessibleDescription(history_text(self._results))
        self.update()

    def text(self) -> str:
        return history_text(self._results)

    def sizeHint(self) -> QSize:
        return QSize(240, 48)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, 40)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._results:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        margin = 6.0
        width, height = self.width() - 2 * margin, self.height() - 2 * margin
        spec = SPECS[self._results[0].instrument]
        top = spec.total_max or 1

        def y(total: float) -> float:
            return margin + height * (1 - total / top)

        faint = QPen(theme.color(theme.MUTED, self.palette()))
        faint.setStyle(Qt.PenStyle.DotLine)
        painter.setPen(faint)
        for band in spec.bands[1:]:
            painter.drawLine(QPointF(margin, y(band.low)), QPointF(margin + width, y(band.low)))
        count = len(self._results)
        step = width / (count - 1) if count > 1 else 0.0
        points = [
            QPointF(margin + (index * step if count > 1 else width / 2), y(r.total))
            for index, r in enumerate(self._results)
        ]
        line = QPen(self.palette().color(self.foregroundRole()))
        line.setWidthF(2.0)
        painter.setPen(line)
        for first, second in pairwise(points):
            painter.drawLine(first, second)
        painter.setBrush(self.palette().color(self.foregroundRole()))
        for point, result in zip(points, self._results, strict=True):
            radius = 3.0 if result.complete else 2.0
            painter.drawEllipse(point, radius, radius)
        painter.end()
