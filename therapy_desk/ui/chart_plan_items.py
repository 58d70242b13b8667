"""The treatment plan's items as the draft editor's tree holds them: a mutable `Node` per problem, goal,
objective or intervention, the tree item that shows it (and says its error to a screen reader), and the
field path a store's error names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem

from therapy_desk.domain.plans import Modality

PROBLEM, GOAL, OBJECTIVE, INTERVENTION = "problem", "goal", "objective", "intervention"
FIELD_PATH = re.compile(  # where a store's error points: problems[0].goals[1].objectives[0].target_date
    r"problems\[(?P<p>\d+)\](?:\.goals\[(?P<g>\d+)\](?:\.(?P<kind>objectives|interventions)\[(?P<i>\d+)\])?)?"
    r"(?:\.(?P<attr>\w+))?$"
)


@dataclass
class Node:
    """One editable plan item (mutable while the draft is open; the stores get frozen values)."""

    kind: str
    text: str = ""  # problem or goal statement, objective text, intervention description
    target_date: date | None = None
    modality: Modality = Modality.CBT
    id: int | None = None
    carried_from_id: int | None = None

    def is_blank(self) -> bool:
        return not self.text.strip() and self.target_date is None


class PlanItem(QTreeWidgetItem):
    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node
        self.problem = ""  # the error this item is marked with, if any

    def speak(self) -> None:
        """What a screen reader says for the item: its line, then the error it is marked with (the icon
        and underline that mark it are not read out)."""
        spoken = f"{self.text(0)} — {self.problem}" if self.problem else self.text(0)
        self.setData(0, Qt.ItemDataRole.AccessibleTextRole, spoken)
