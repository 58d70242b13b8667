"""`vault.snippets`: the clinician's reusable text, validated with sentences, audited, one trigger per section."""

from __future__ import annotations

import dataclasses

import pytest

from therapy_desk.domain.snippets import Snippet, find_snippet
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault

MSE = "Alert, oriented x4, cooperative; mood euthymic, affect full."


def test_snippets_are_added_changed_listed_and_deleted_with_an_audit_trail(vault: Vault) -> None:
    added = vault.snippets.save(Snippet(";mse", MSE))
    plan = vault.snippets.save(Snippet(";hw", "Homework: sleep diary.", section="Plan"))
    assert added.id is not None
    assert plan.id is not None
    assert [(s.trigger, s.section) for s in vault.snippets.list()] == [(";hw", "Plan"), (";mse", "")]
    changed = vault.snippets.save(dataclasses.replace(added, text="Alert and oriented."))
    assert vault.snippets.get(added.id).text == "Alert and oriented."
    assert changed.created_at == added.created_at
    vault.snippets.delete(plan.id)
    assert [s.trigger for s in vault.snippets.list()] == [";mse"]
    events = [e.event for e in vault.audit.recent(10)]
    assert {"snippet added", "snippet changed", "snippet deleted"} <= set(events)
    assert all(MSE not in str(e.detail) for e in vault.audit.recent(10))


@pytest.mark.parametrize(
    ("snippet", "sentence"),
    [
        (Snippet(";", MSE), "2–20 characters without spaces"),
        (Snippet("; mse", MSE), "2–20 characters without spaces"),
        (Snippet(";" + "m" * 20, MSE), "2–20 characters without spaces"),
        (Snippet(";mse", "   "), "needs some text"),
        (Snippet(";mse", "x" * 5001), "at most 5,000 characters"),
        (Snippet(";mse", MSE, section="Summary"), "'Summary' is not a section"),
    ],
)
def test_bad_snippets_are_refused_with_a_sentence(vault: Vault, snippet: Snippet, sentence: str) -> None:
    with pytest.raises(ValidationError, match=sentence):
        vault.snippets.save(snippet)
    assert vault.snippets.list() == []


def test_a_trigger_is_used_once_per_section(vault: Vault) -> None:
    vault.snippets.save(Snippet(";mse", MSE))
    vault.snippets.save(Snippet(";mse", "Objective MSE.", section="Objective"))
    with pytest.raises(ValidationError, match=";mse is already a snippet for any section"):
        vault.snippets.save(Snippet(";mse", "again"))
    assert len(vault.snippets.list()) == 2


def test_a_sections_own_snippet_comes_before_the_any_section_one() -> None:
    anywhere, objective = Snippet(";mse", "any"), Snippet(";mse", "objective", section="Objective")
    assert find_snippet([anywhere, objective], ";mse", "Objective") == objective
    assert find_snippet([anywhere, objective], ";mse", "Plan") == anywhere
    assert find_snippet([objective], ";mse", "Plan") is None
