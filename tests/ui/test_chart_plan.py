"""The chart's Treatment plan tab: draft, save, review and sign; errors shown at the item they are about."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QTreeWidgetItem
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import Answers, answers, make_client, open_chart, set_clinician
from therapy_desk.domain.clients import ClientStatus
from therapy_desk.domain.plans import Goal, Intervention, Modality, Objective, Problem, TreatmentPlan
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import TAB_PLAN, ChartWindow
from therapy_desk.ui.chart_common import to_qdate
from therapy_desk.ui.chart_plan import PAGE_EDIT, PAGE_NONE, PAGE_VIEW, PlanTab, plan_html

__all__ = ["answers"]  # the fixture, shared with test_chart

TODAY = date.today()


@pytest.fixture
def chart(qtbot: QtBot, vault: Vault) -> ChartWindow:
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(TAB_PLAN)
    return window


def _item(tab: PlanTab, *path: int) -> QTreeWidgetItem:
    """The plan tree's item at `path` (problem, goal, child)."""
    item = tab.editor.tree.topLevelItem(path[0])
    for index in path[1:]:
        assert item is not None
        item = item.child(index)
    assert item is not None
    return item


def _current(tab: PlanTab) -> str:
    item = tab.editor.tree.currentItem()
    assert item is not None
    return item.text(0)


def _fill_a_complete_plan(qtbot: QtBot, tab: PlanTab, target: date) -> None:
    editor = tab.editor
    QTest.keyClicks(editor.problem_text, "Worry most days that disrupts sleep and work")
    QTest.mouseClick(editor.add_goal_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(editor.goal_text, "Manage worry so it no longer disrupts sleep")
    QTest.mouseClick(editor.add_objective_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(editor.objective_text, "GAD-7 below 10 at two reviews in a row")
    editor.objective_target.check.setChecked(True)
    editor.objective_target.edit.setDate(to_qdate(target))
    QTest.mouseClick(editor.add_intervention_button, Qt.MouseButton.LeftButton)
    editor.modality.setCurrentIndex(editor.modality.findData(Modality.CBT))
    QTest.keyClicks(editor.intervention_text, "Weekly cognitive restructuring with thought records")
    QTest.keyClicks(editor.frequency, "weekly 53-minute individual psychotherapy")
    QTest.keyClicks(editor.participation, "Client chose the goals and agreed to the plan")


def test_new_plan_saved_then_signed_shows_read_only_with_review_date(
    qtbot: QtBot, chart: ChartWindow, vault: Vault, answers: Answers
) -> None:
    tab = chart.plan
    assert tab.stack.currentIndex() == PAGE_NONE
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    assert tab.stack.currentIndex() == PAGE_EDIT
    target = TODAY + timedelta(days=60)
    _fill_a_complete_plan(qtbot, tab, target)
    assert "unsaved changes" in tab.status.text()

    QTest.keyClick(chart, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    draft = vault.plans.draft(chart.client_id)
    assert draft is not None
    assert draft.goals[0].statement == "Manage worry so it no longer disrupts sleep"
    assert draft.objectives[0].target_date == target
    assert draft.interventions[0].modality is Modality.CBT
    assert "unsaved" not in tab.status.text()
    assert "No signed treatment plan." in chart.overview.alerts_text()

    QTest.mouseClick(tab.sign_button, Qt.MouseButton.LeftButton)

    assert answers.asked[0].startswith("Sign version 1 of the treatment plan as Dana Reyes, LCSW?")
    assert tab.stack.currentIndex() == PAGE_VIEW
    shown = tab.view.toPlainText()
    review = TODAY + timedelta(days=90)
    assert "Treatment plan, version 1" in shown
    assert f"Review due {review:%b} {review.day}, {review.year}" in shown
    assert "Goal 1.1: Manage worry so it no longer disrupts sleep" in shown
    assert f"GAD-7 below 10 at two reviews in a row (target {target:%b} {target.day}, {target.year})" in shown
    assert "Weekly cognitive restructuring with thought records" in shown
    assert "signed by Dana Reyes, LCSW" in shown
    active = vault.plans.active(chart.client_id)
    assert active is not None
    assert active.signed_by == "Dana Reyes, LCSW"
    assert "No signed treatment plan." not in chart.overview.alerts_text()


def test_signing_without_a_target_date_shows_the_sentence_at_the_objective(
    qtbot: QtBot, chart: ChartWindow, vault: Vault, answers: Answers
) -> None:
    tab = chart.plan
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    _fill_a_complete_plan(qtbot, tab, TODAY + timedelta(days=30))
    objective = _item(tab, 0, 0, 0)
    tab.editor.tree.setCurrentItem(objective)
    tab.editor.objective_target.check.setChecked(False)

    QTest.mouseClick(tab.sign_button, Qt.MouseButton.LeftButton)

    sentence = "Objective 1 of goal 1 (problem 1) needs a target date before signing."
    label = tab.editor.item_errors["objective"].label("target_date")
    assert label is not None
    assert label.isVisible()
    assert label.text() == sentence
    assert _current(tab) == "Objective: GAD-7 below 10 at two reviews in a row"
    assert tab.editor.flagged_texts() == ["Objective: GAD-7 below 10 at two reviews in a row"]
    assert answers.asked == []  # never asked to sign an incomplete plan
    assert vault.plans.active(chart.client_id) is None
    assert tab.stack.currentIndex() == PAGE_EDIT


def test_a_new_objectives_target_starts_at_the_review_date(qtbot: QtBot, chart: ChartWindow) -> None:
    tab = chart.plan
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    QTest.mouseClick(tab.editor.add_goal_button, Qt.MouseButton.LeftButton)
    QTest.mouseClick(tab.editor.add_objective_button, Qt.MouseButton.LeftButton)
    target = tab.editor.objective_target
    assert target.day() is None

    target.check.setFocus()
    QTest.keyClick(target.check, Qt.Key.Key_Space)

    review = TODAY + timedelta(days=90)
    assert target.day() == review  # the review date, not the day the plan starts
    assert _item(tab, 0, 0, 0).text(1) == f"{review:%b} {review.day}, {review.year}"


def test_a_target_on_the_effective_date_is_warned_about_before_signing(
    qtbot: QtBot, chart: ChartWindow, vault: Vault, answers: Answers
) -> None:
    tab = chart.plan
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    _fill_a_complete_plan(qtbot, tab, TODAY)
    tab.editor.tree.setCurrentItem(_item(tab, 0))
    warning = (
        "Objective 1 of goal 1 (problem 1) is due on the day the plan takes effect "
        f"({TODAY:%b} {TODAY.day}, {TODAY.year}): set a target date ahead, such as the review date."
    )

    answers.answer = QMessageBox.StandardButton.Cancel
    QTest.mouseClick(tab.sign_button, Qt.MouseButton.LeftButton)

    assert f"Before you sign, look at this:\n• {warning}\n" in answers.asked[0]
    assert vault.plans.active(chart.client_id) is None
    assert _current(tab) == "Objective: GAD-7 below 10 at two reviews in a row"  # taken back to it
    label = tab.editor.item_errors["objective"].label("target_date")
    assert label is not None
    assert label.isVisible()
    assert label.text() == warning

    answers.answer = QMessageBox.StandardButton.Yes
    QTest.mouseClick(tab.sign_button, Qt.MouseButton.LeftButton)  # the clinician meant it: a warning, not a refusal

    assert vault.plans.active(chart.client_id) is not None


def test_a_plan_with_targets_ahead_is_signed_without_a_warning(
    qtbot: QtBot, chart: ChartWindow, answers: Answers
) -> None:
    tab = chart.plan
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    _fill_a_complete_plan(qtbot, tab, TODAY + timedelta(days=1))
    QTest.mouseClick(tab.sign_button, Qt.MouseButton.LeftButton)
    assert "Before you sign" not in answers.asked[0]
    assert tab.stack.currentIndex() == PAGE_VIEW


def test_signing_a_goal_without_objectives_names_the_goal(qtbot: QtBot, chart: ChartWindow, answers: Answers) -> None:
    tab = chart.plan
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(tab.editor.problem_text, "Low mood")
    QTest.mouseClick(tab.editor.add_goal_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(tab.editor.goal_text, "Feel better")

    QTest.mouseClick(tab.sign_button, Qt.MouseButton.LeftButton)

    assert tab.editor.general_error.text() == (
        "Goal 1 of problem 1 needs at least one measurable objective before signing."
    )
    assert tab.editor.flagged_texts() == ["Goal 1.1: Feel better"]
    assert answers.asked == []


def test_signing_without_frequency_shows_it_next_to_frequency(
    qtbot: QtBot, chart: ChartWindow, answers: Answers
) -> None:
    tab = chart.plan
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    _fill_a_complete_plan(qtbot, tab, TODAY + timedelta(days=30))
    tab.editor.frequency.clear()

    QTest.mouseClick(tab.sign_button, Qt.MouseButton.LeftButton)

    label = tab.editor.errors.label("frequency")
    assert label is not None
    assert label.isVisible()
    assert label.text().startswith("State the frequency of treatment")


def test_saving_an_empty_goal_shows_the_sentence_at_that_goal(qtbot: QtBot, chart: ChartWindow) -> None:
    tab = chart.plan
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(tab.editor.problem_text, "Low mood")
    QTest.mouseClick(tab.editor.add_goal_button, Qt.MouseButton.LeftButton)
    tab.editor.tree.setCurrentItem(_item(tab, 0))

    QTest.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)

    label = tab.editor.item_errors["goal"].label("statement")
    assert label is not None
    assert label.isVisible()
    assert label.text() == "A goal statement cannot be empty."
    assert _current(tab) == "Goal 1.1: (not written yet)"
    assert tab.is_dirty()


def sign_overdue_plan(vault: Vault, client_id: int) -> None:
    """A signed plan whose review was due ten days ago."""
    plan = TreatmentPlan(
        effective_date=TODAY - timedelta(days=100),
        problems=(
            Problem(
                "Nightmares",
                (
                    Goal(
                        "Sleep through most nights",
                        (Objective("Nightmares under 2 a week", TODAY + timedelta(days=20)),),
                        (Intervention(Modality.EMDR, "Processing of the index memory"),),
                    ),
                ),
            ),
        ),
        frequency="weekly",
        participation="Agreed in session",
    )
    draft = vault.plans.create_draft(client_id, plan)
    assert draft.id is not None
    vault.plans.sign(draft.id, "Dana Reyes, LCSW")


def test_a_discharged_clients_plan_shows_no_review_due(qtbot: QtBot, vault: Vault) -> None:
    set_clinician(vault)
    client = make_client(vault, status=ClientStatus.DISCHARGED, intake_date=TODAY - timedelta(days=200),
                         discharge_date=TODAY - timedelta(days=30))  # fmt: skip
    assert client.id is not None
    sign_overdue_plan(vault, client.id)
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(TAB_PLAN)

    assert window.plan.stack.currentIndex() == PAGE_VIEW
    assert "Review due" in window.plan.view.toPlainText()
    assert "(due now)" not in window.plan.view.toPlainText()
    assert "review" not in window.overview.alerts_text().lower()


def test_revise_starts_a_draft_from_the_signed_plan(qtbot: QtBot, vault: Vault, answers: Answers) -> None:
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    sign_overdue_plan(vault, client.id)
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(TAB_PLAN)
    tab = window.plan
    assert tab.stack.currentIndex() == PAGE_VIEW
    assert "(due now)" in tab.view.toPlainText()
    assert "Treatment plan review was due" in window.overview.alerts_text()

    QTest.mouseClick(tab.revise_button, Qt.MouseButton.LeftButton)

    assert tab.stack.currentIndex() == PAGE_EDIT
    assert tab.status.text().startswith("Draft, version 2, revising signed version 1")
    assert _item(tab, 0).text(0) == "Problem 1: Nightmares"
    assert tab.editor.participation.text() == ""  # the client takes part in each revision anew


def test_esc_undoes_unsaved_changes_after_asking(qtbot: QtBot, chart: ChartWindow, answers: Answers) -> None:
    tab = chart.plan
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(tab.editor.problem_text, "Low mood")
    tab.save()
    QTest.mouseClick(tab.editor.add_goal_button, Qt.MouseButton.LeftButton)
    assert tab.is_dirty()

    answers.answer = QMessageBox.StandardButton.Discard
    QTest.keyClick(chart, Qt.Key.Key_Escape)

    assert not tab.is_dirty()
    assert _item(tab, 0).childCount() == 0


def test_discard_draft(qtbot: QtBot, chart: ChartWindow, vault: Vault, answers: Answers) -> None:
    tab = chart.plan
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    answers.answer = QMessageBox.StandardButton.Discard
    QTest.mouseClick(tab.discard_button, Qt.MouseButton.LeftButton)

    assert vault.plans.draft(chart.client_id) is None
    assert tab.stack.currentIndex() == PAGE_NONE


def test_removing_an_item_and_renumbering(qtbot: QtBot, chart: ChartWindow) -> None:
    tab = chart.plan
    QTest.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(tab.editor.problem_text, "First")
    QTest.mouseClick(tab.editor.add_problem_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(tab.editor.problem_text, "Second")
    tab.editor.tree.setCurrentItem(_item(tab, 0))
    tab.editor.tree.setFocus()
    QTest.keyClick(tab.editor.tree, Qt.Key.Key_Delete)

    assert tab.editor.tree.topLevelItemCount() == 1
    assert _item(tab, 0).text(0) == "Problem 1: Second"


def test_a_plan_shows_the_day_it_was_signed_in_the_clinicians_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time as clock
    from dataclasses import replace

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    clock.tzset()
    try:
        signed_evening = datetime(2026, 1, 7, 1, 30, tzinfo=UTC)  # 5:30 PM on Jan 6 in Portland
        plan = replace(TreatmentPlan(effective_date=date(2026, 1, 6)), signed_by="Dana Reyes, LCSW",
                       signed_at=signed_evening, version=1)  # fmt: skip
        assert "on Jan 6, 2026" in plan_html(plan, date(2026, 1, 8))
    finally:
        monkeypatch.undo()
        clock.tzset()
