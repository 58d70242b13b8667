"""The treatment plan draft editor: plan fields, the problem → goal → objective/intervention tree, and a
detail form for the selected item. Errors from the stores are shown at the item their field path names
(e.g. problems[0].goals[1].objectives[0].target_date)."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.plans import Goal, Intervention, Modality, Objective, Problem, TreatmentPlan
from therapy_desk.errors import ValidationError
from therapy_desk.ui.chart_common import (
    FieldErrors,
    OptionalDateEdit,
    from_qdate,
    to_qdate,
)
from therapy_desk.ui.chart_plan_items import FIELD_PATH, GOAL, INTERVENTION, OBJECTIVE, PROBLEM, Node, PlanItem
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import error_label


def _buddy(text: str, parent: QWidget, buddy: QWidget) -> QLabel:
    """A caption whose mnemonic (&x) moves the focus to `buddy`."""
    label = QLabel(text, parent)
    label.setBuddy(buddy.focusProxy() or buddy)  # Qt moves the focus only to a buddy that takes it itself
    return label


def _multiline(parent: QWidget, name: str, placeholder: str, lines: int = 3) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleDescription(placeholder)  # placeholder text is gone once typing starts
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    return edit


class PlanEditor(QWidget):
    """Edits one draft. `plan()` returns what is on screen as a `TreatmentPlan`; `changed` fires on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._plan: TreatmentPlan | None = None
        self._loading = False
        self._flagged: list[PlanItem] = []
        self.general_error = error_label(self)
        self.errors = FieldErrors(self.general_error)
        self._build_plan_fields()
        self._build_tree()
        self._build_details()
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.tree_box)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plan_box)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.general_error)
        set_tab_order(*self.fields_in_order())
        self._update_buttons()

    def fields_in_order(self) -> list[QWidget]:
        """What Tab visits, as on screen: the plan's fields, the tree and its buttons, then the selected
        item's fields (only the page showing takes the focus)."""
        target = self.objective_target
        return [
            *(self.effective, self.review_due, self.frequency, self.participation, self.tree),
            *(self.add_problem_button, self.add_goal_button, self.add_objective_button),
            *(self.add_intervention_button, self.remove_button, self.problem_text, self.goal_text),
            *(self.objective_text, target.check, target.edit, self.modality, self.intervention_text),
        ]

    # -- building --------------------------------------------------------------------------------

    def _build_plan_fields(self) -> None:
        self.plan_box = QGroupBox("Plan", self)
        self.effective = DateField(self.plan_box)
        self.review_due = DateField(self.plan_box)
        for edit, name in ((self.effective, "Effective date"), (self.review_due, "Review due")):
            edit.setAccessibleName(name)
            edit.dateChanged.connect(self._plan_field_changed)
        self.frequency = QLineEdit(self.plan_box)
        self.frequency.setAccessibleName("Frequency of treatment")
        self.frequency.setPlaceholderText("e.g. weekly 53-minute individual psychotherapy")
        self.participation = QLineEdit(self.plan_box)
        self.participation.setAccessibleName("Client participation")
        self.participation.setPlaceholderText("e.g. Client chose the goals and agreed to the plan in session")
        for line in (self.frequency, self.participation):
            line.textEdited.connect(self._plan_field_changed)
        dates = QHBoxLayout()
        dates.addWidget(_buddy("Effecti&ve:", self.plan_box, self.effective))
        dates.addWidget(self.errors.under(self.effective, "effective_date"))
        dates.addSpacing(16)
        dates.addWidget(_buddy("Revie&w due:", self.plan_box, self.review_due))
        dates.addWidget(self.errors.under(self.review_due, "review_due"))
        dates.addStretch(1)
        form = QFormLayout(self.plan_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(dates)
        form.addRow(
            _buddy("&Frequency:", self.plan_box, self.frequency), self.errors.under(self.frequency, "frequency")
        )
        form.addRow(
            _buddy("Client p&articipation:", self.plan_box, self.participation),
            self.errors.under(self.participation, "participation"),
        )

    def _build_tree(self) -> None:
        self.tree_box = QWidget(self)
        self.tree = QTreeWidget(self.tree_box)
        self.tree.setAccessibleName("Problems, goals, objectives and interventions")
        self.tree.setHeaderLabels(["Plan item", "Target date / modality"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.setWordWrap(True)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.add_problem_button = self._button("Add &problem", "Add a problem the plan addresses", self.add_problem)
        self.add_goal_button = self._button("Add &goal", "Add a goal to the selected problem", self.add_goal)
        self.add_objective_button = self._button(
            "Add ob&jective", "Add a measurable objective to the selected goal", self.add_objective
        )
        self.add_intervention_button = self._button(
            "Add i&ntervention", "Add an intervention to the selected goal", self.add_intervention
        )
        self.remove_button = self._button("Re&move", "Remove the selected item and what is under it (Del)", self.remove)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove)
        buttons = QHBoxLayout()
        for button in (
            self.add_problem_button,
            self.add_goal_button,
            self.add_objective_button,
            self.add_intervention_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self.tree_box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

    def _button(self, text: str, tip: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", ""))
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _build_details(self) -> None:
        self.details = QStackedWidget(self)
        self.details.setAccessibleName("Selected plan item")
        empty = QLabel("Select an item to edit it, or add a problem to start.", self.details)
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setWordWrap(True)
        empty.setEnabled(False)
        self.details.addWidget(empty)
        self.item_errors: dict[str, FieldErrors] = {}
        self.problem_text = _multiline(self, "Problem statement", "e.g. Worry most days that disrupts sleep and work")
        self.goal_text = _multiline(self, "Goal statement", "e.g. Manage worry so it no longer disrupts sleep")
        self.objective_text = _multiline(
            self,
            "Objective (measurable)",
            "What will change and how it is measured, e.g. GAD-7 below 10 twice in a row",
        )
        self.objective_target = OptionalDateEdit("Set", "Objective target date", self)
        self.modality = QComboBox(self)
        self.modality.setAccessibleName("Modality")
        for modality in Modality:
            self.modality.addItem(modality.label, modality)
        self.intervention_text = _multiline(
            self,
            "Intervention description and frequency",
            "What you will do and how often, e.g. weekly cognitive restructuring",
        )
        pages = {
            PROBLEM: (("Problem stat&ement:", self.problem_text, "statement"),),
            GOAL: (("Goal stat&ement:", self.goal_text, "statement"),),
            OBJECTIVE: (
                ("&Objective (measurable):", self.objective_text, "text"),
                ("&Target date:", self.objective_target, "target_date"),
            ),
            INTERVENTION: (
                ("Modal&ity:", self.modality, "modality"),
                ("&Description and frequency:", self.intervention_text, "description"),
            ),
        }
        self._pages: dict[str, int] = {}
        self._field_widgets: dict[tuple[str, str], QWidget] = {}
        for kind, rows in pages.items():
            page = QGroupBox(kind.capitalize(), self.details)
            form = QVBoxLayout(page)
            errors = FieldErrors(self.general_error)
            for caption, widget, field in rows:
                form.addWidget(_buddy(caption, page, widget))
                widget.setParent(page)
                form.addWidget(widget)
                form.addWidget(errors.add(field, error_label(page)))
                self._field_widgets[(kind, field)] = widget
            form.addStretch(1)
            self.item_errors[kind] = errors
            self._pages[kind] = self.details.addWidget(page)
        self.problem_text.textChanged.connect(self._detail_changed)
        self.goal_text.textChanged.connect(self._detail_changed)
        self.objective_text.textChanged.connect(self._detail_changed)
        self.objective_target.changed.connect(self._detail_changed)
        self.modality.currentIndexChanged.connect(self._detail_changed)
        self.intervention_text.textChanged.connect(self._detail_changed)

    # -- loading and reading -----------------------------------------------------------------------

    def set_plan(self, plan: TreatmentPlan, *, keep_selection: bool = False) -> None:
        """Show a saved draft (its ids are kept so goals keep theirs across saves)."""
        path = self._path_of(self.tree.currentItem()) if keep_selection else None
        self._loading = True
        self._plan = plan
        self.effective.setDate(to_qdate(plan.effective_date))
        self.review_due.setDate(to_qdate(plan.review_due or plan.effective_date))
        self.frequency.setText(plan.frequency)
        self.participation.setText(plan.participation)
        self.tree.clear()
        self._flagged = []
        for problem in plan.problems:
            p_item = self._append(None, Node(PROBLEM, problem.statement, id=problem.id))
            for goal in problem.goals:
                g_item = self._append(
                    p_item, Node(GOAL, goal.statement, id=goal.id, carried_from_id=goal.carried_from_id)
                )
                for o in goal.objectives:
                    self._append(
                        g_item, Node(OBJECTIVE, o.text, o.target_date, id=o.id, carried_from_id=o.carried_from_id)
                    )
                for i in goal.interventions:
                    self._append(g_item, Node(INTERVENTION, i.description, modality=Modality(i.modality), id=i.id))
        self.tree.expandAll()
        self._renumber()
        self._loading = False
        self.clear_errors()
        target = (self._item_at(path) if path else None) or self.tree.topLevelItem(0)
        if target is not None:
            self.tree.setCurrentItem(target)
        self._show_details(self.tree.currentItem())

    def plan(self) -> TreatmentPlan:
        """What the editor shows, as a plan value (not yet validated)."""
        assert self._plan is not None
        problems = []
        for p_item in self._children(None):
            goals = []
            for g_item in self._children(p_item):
                kids = self._children(g_item)
                goals.append(
                    Goal(
                        g_item.node.text,
                        tuple(
                            Objective(k.node.text, k.node.target_date, k.node.id, k.node.carried_from_id)
                            for k in kids
                            if k.node.kind == OBJECTIVE
                        ),
                        tuple(
                            Intervention(k.node.modality, k.node.text, k.node.id)
                            for k in kids
                            if k.node.kind == INTERVENTION
                        ),
                        g_item.node.id,
                        g_item.node.carried_from_id,
                    )
                )
            problems.append(Problem(p_item.node.text, tuple(goals), p_item.node.id))
        return dataclasses.replace(
            self._plan,
            effective_date=from_qdate(self.effective.date()),
            review_due=from_qdate(self.review_due.date()),
            frequency=self.frequency.text(),
            participation=self.participation.text(),
            problems=tuple(problems),
        )

    def plan_without_blank_items(self) -> TreatmentPlan:
        """The plan less new items nobody has typed in yet (what a lock can still save)."""
        plan = self.plan()

        def keep_goal(g: Goal) -> Goal:
            return dataclasses.replace(
                g,
                objectives=tuple(o for o in g.objectives if o.id is not None or o.text.strip()),
                interventions=tuple(
                    i
                    for i in g.interventions
                    if i.id is not None or i.description.strip() or i.modality is not Modality.OTHER
                ),
            )

        problems = []
        for p in plan.problems:
            goals = tuple(keep_goal(g) for g in p.goals)
            goals = tuple(
                g for g in goals if g.id is not None or g.statement.strip() or g.objectives or g.interventions
            )
            if p.id is not None or p.statement.strip() or goals:
                problems.append(dataclasses.replace(p, goals=goals))
        return dataclasses.replace(plan, problems=tuple(problems))

    # -- tree helpers ----------------------------------------------------------------------------

    def _children(self, item: QTreeWidgetItem | None) -> list[PlanItem]:
        if item is None:
            return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]  # type: ignore[misc]
        return [item.child(i) for i in range(item.childCount())]  # type: ignore[misc]

    def _append(self, parent: QTreeWidgetItem | None, node: Node, at: int | None = None) -> PlanItem:
        item = PlanItem(node)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        if parent is None:
            self.tree.insertTopLevelItem(self.tree.topLevelItemCount() if at is None else at, item)
        else:
            parent.insertChild(parent.childCount() if at is None else at, item)
        return item

    def _renumber(self) -> None:
        for p, p_item in enumerate(self._children(None), start=1):
            self._label(p_item, f"Problem {p}")
            for g, g_item in enumerate(self._children(p_item), start=1):
                self._label(g_item, f"Goal {p}.{g}")
                for k in self._children(g_item):
                    self._label(k, "")

    def _label(self, item: PlanItem, number: str) -> None:
        node = item.node
        if node.kind in (PROBLEM, GOAL):
            item.setText(0, f"{number}: {node.text.strip() or '(not written yet)'}")
            item.setText(1, "")
            font = item.font(0)
            font.setBold(node.kind == PROBLEM)
            item.setFont(0, font)
        elif node.kind == OBJECTIVE:
            item.setText(0, f"Objective: {node.text.strip() or '(not written yet)'}")
            item.setText(1, fmt_date(node.target_date, "no target date"))
        else:
            item.setText(0, f"Intervention: {node.text.strip() or node.modality.label}")
            item.setText(1, node.modality.value)
        item.setToolTip(0, item.text(0))
        item.speak()

    def _context(self, kind: str) -> PlanItem | None:
        """The selected item or its ancestor of `kind`."""
        item = self.tree.currentItem()
        while item is not None and item.node.kind != kind:  # type: ignore[attr-defined]
            item = item.parent()
        return item  # type: ignore[return-value]

    def _path_of(self, item: QTreeWidgetItem | None) -> list[int]:
        path: list[int] = []
        while item is not None:
            parent = item.parent()
            path.insert(0, parent.indexOfChild(item) if parent else self.tree.indexOfTopLevelItem(item))
            item = parent
        return path

    def _item_at(self, path: list[int]) -> PlanItem | None:
        items = self._children(None)
        item: PlanItem | None = None
        for index in path:
            if not 0 <= index < len(items):
                return item
            item = items[index]
            items = self._children(item)
        return item

    # -- editing ---------------------------------------------------------------------------------

    def _plan_field_changed(self, *_args: object) -> None:
        if not self._loading:
            self.changed.emit()

    def _add(self, parent: PlanItem | None, node: Node, at: int | None = None) -> None:
        item = self._append(parent, node, at)
        if parent is not None:
            parent.setExpanded(True)
        self._renumber()
        self.tree.setCurrentItem(item)
        self.changed.emit()
        focus = {PROBLEM: self.problem_text, GOAL: self.goal_text, OBJECTIVE: self.objective_text}
        focus.get(node.kind, self.modality).setFocus()

    def add_problem(self) -> None:
        self._add(None, Node(PROBLEM))

    def add_goal(self) -> None:
        problem = self._context(PROBLEM)
        if problem is None:
            self.add_problem()
            problem = self._context(PROBLEM)
        self._add(problem, Node(GOAL))

    def add_objective(self) -> None:
        goal = self._context(GOAL)
        if goal is not None:
            objectives = sum(1 for k in self._children(goal) if k.node.kind == OBJECTIVE)
            self._add(goal, Node(OBJECTIVE), at=objectives)

    def add_intervention(self) -> None:
        goal = self._context(GOAL)
        if goal is not None:
            self._add(goal, Node(INTERVENTION))

    def remove(self) -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        parent = item.parent()
        if parent is None:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
        else:
            parent.removeChild(item)
        if item in self._flagged:
            self._flagged.remove(item)
        self._renumber()
        self.changed.emit()

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        self._show_details(current)
        self._update_buttons()

    def _show_details(self, item: QTreeWidgetItem | None) -> None:
        if not isinstance(item, PlanItem):
            self.details.setCurrentIndex(0)
            return
        node = item.node
        self._loading = True
        if node.kind == PROBLEM:
            self.problem_text.setPlainText(node.text)
        elif node.kind == GOAL:
            self.goal_text.setPlainText(node.text)
        elif node.kind == OBJECTIVE:
            self.objective_text.setPlainText(node.text)
            # A target on the day the plan starts leaves no time to reach it: the picker starts at the review.
            self.objective_target.set_day(node.target_date, default=from_qdate(self.review_due.date()))
        else:
            self.modality.setCurrentIndex(self.modality.findData(node.modality))
            self.intervention_text.setPlainText(node.text)
        self._loading = False
        for errors in self.item_errors.values():
            errors.clear()
        self.details.setCurrentIndex(self._pages[node.kind])

    def _detail_changed(self, *_args: object) -> None:
        item = self.tree.currentItem()
        if self._loading or not isinstance(item, PlanItem):
            return
        node = item.node
        if node.kind == PROBLEM:
            node.text = self.problem_text.toPlainText()
        elif node.kind == GOAL:
            node.text = self.goal_text.toPlainText()
        elif node.kind == OBJECTIVE:
            node.text = self.objective_text.toPlainText()
            node.target_date = self.objective_target.day()
        else:
            node.modality = Modality(self.modality.currentData())
            node.text = self.intervention_text.toPlainText()
        if node.kind in (PROBLEM, GOAL):
            self._renumber()
        else:
            self._label(item, "")
        self.changed.emit()

    def _update_buttons(self) -> None:
        has_goal = self._context(GOAL) is not None
        self.add_goal_button.setEnabled(self._context(PROBLEM) is not None)
        self.add_objective_button.setEnabled(has_goal)
        self.add_intervention_button.setEnabled(has_goal)
        self.remove_button.setEnabled(self.tree.currentItem() is not None)

    # -- errors ----------------------------------------------------------------------------------

    def clear_errors(self) -> None:
        self.errors.clear()
        for errors in self.item_errors.values():
            errors.clear()
        for item in self._flagged:
            item.setIcon(0, QIcon())
            font: QFont = item.font(0)
            font.setUnderline(False)
            item.setFont(0, font)
            item.problem = ""
            item.speak()
        self._flagged = []

    def show_error(self, err: ValidationError) -> None:
        """Show the store's sentence where its field path points, selecting and marking that item."""
        self.clear_errors()
        field = err.field or ""
        match = FIELD_PATH.match(field)
        if match is None:
            self.errors.show(err)
            plan_fields = {
                "effective_date": self.effective,
                "review_due": self.review_due,
                "frequency": self.frequency,
                "participation": self.participation,
            }
            if field in plan_fields:
                plan_fields[field].setFocus()
            return
        path = [int(match["p"])]
        if match["g"] is not None:
            path.append(int(match["g"]))
        item = self._item_at(path)
        if item is not None and match["kind"] is not None and match["g"] is not None:
            wanted = OBJECTIVE if match["kind"] == "objectives" else INTERVENTION
            kids = [k for k in self._children(item) if k.node.kind == wanted]
            index = int(match["i"])
            item = kids[index] if index < len(kids) else item
        if item is None:
            self.errors.show(err)
            return
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        self._flag(item, str(err))
        attr = match["attr"] or ""
        errors = self.item_errors[item.node.kind]
        errors.show(ValidationError(str(err), attr))
        widget = self._field_widgets.get((item.node.kind, attr))
        (widget or self.tree).setFocus()

    def _flag(self, item: PlanItem, problem: str) -> None:
        item.setIcon(0, self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        font = item.font(0)
        font.setUnderline(True)
        item.setFont(0, font)
        item.problem = problem
        item.speak()
        self._flagged.append(item)

    def flagged_texts(self) -> list[str]:
        """The items marked as holding an error, as the tree shows them."""
        return [item.text(0) for item in self._flagged]

    def clear(self) -> None:
        self._loading = True
        self._plan = None
        self._flagged = []
        self.tree.clear()
        for edit in (self.problem_text, self.goal_text, self.objective_text, self.intervention_text):
            edit.clear()
        self.frequency.clear()
        self.participation.clear()
        self.objective_target.set_day(None)
        self.details.setCurrentIndex(0)
        self._loading = False
        self.clear_errors()
