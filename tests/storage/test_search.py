from __future__ import annotations

import dataclasses
import json
from datetime import date, time
from pathlib import Path

import pytest

from tests.conftest import at_day_end
from tests.storage.search_index import index_matches_the_text
from therapy_desk.domain.clients import Client
from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, ProcessNote, sections
from therapy_desk.errors import ValidationError, VaultDamaged
from therapy_desk.storage import db, migrations, search
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.keyslots import key_hex, new_data_key
from therapy_desk.storage.migrations import m006_notes
from therapy_desk.storage.search import HIGHLIGHT_END, HIGHLIGHT_START, HitKind, SearchStore, fts_query
from therapy_desk.storage.vault import Vault

SIGNER = "Maya Okafor, LCSW"


def add_client(vault: Vault, first: str, last: str, preferred: str = "") -> int:
    client = vault.clients.create(
        Client(legal_first=first, legal_last=last, preferred_name=preferred, dob=date(1990, 1, 1))
    )
    assert client.id is not None
    return client.id


def add_note(vault: Vault, client_id: int, narrative: str, *, day: date = date(2025, 2, 3), sign: bool = False) -> int:
    note = vault.notes.save_draft(
        Note(
            client_id=client_id,
            kind=NoteKind.PROGRESS,
            format=NoteFormat.NARRATIVE,
            date_of_service=day,
            start_time=time(10, 0),
            end_time=time(10, 45),
            sections=sections(NoteFormat.NARRATIVE, {"Narrative": narrative}),
        )
    )
    assert note.id is not None
    if sign:
        vault.notes.sign(note.id, SIGNER, now=at_day_end(day))
    return note.id


def highlighted(word: str) -> str:
    return f"{HIGHLIGHT_START}{word}{HIGHLIGHT_END}"


def test_search_finds_a_word_in_a_note_with_a_snippet(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    note_id = add_note(vault, ana, "Discussed grief after her father's death; tearful but engaged.", sign=True)
    add_note(vault, ana, "Worked on assertive communication at work.")
    hits = vault.search.search("grief")
    assert [(h.kind, h.note_id, h.client_id) for h in hits] == [(HitKind.NOTE, note_id, ana)]
    assert highlighted("grief") in hits[0].snippet
    assert hits[0].date == date(2025, 2, 3)


def test_search_finds_a_client_by_name_whatever_the_accents(vault: Vault) -> None:
    zoe = add_client(vault, "Zoë", "Ångström", preferred="Zo")
    soren = add_client(vault, "Søren", "Łukaszewicz")
    plain = add_client(vault, "Zoe", "Smith")
    found = {h.client_id for h in vault.search.search("zoe") if h.kind is HitKind.CLIENT}
    assert found == {zoe, plain}
    assert [h.client_id for h in vault.search.search("angstrom")] == [zoe]
    assert [h.client_id for h in vault.search.search("ZOË SMITH")] == [plain]
    assert highlighted("Ångström") in vault.search.search("Angstrom")[0].snippet
    assert [h.client_id for h in vault.search.search("soren lukaszewicz")] == [soren]
    assert [h.client_id for h in vault.search.search("Søren")] == [soren]


def test_search_folds_an_accent_inside_a_name(vault: Vault) -> None:
    omar = add_client(vault, "Omar", "Björklund")
    add_client(vault, "Bjorn", "Kaur")
    assert [h.client_id for h in vault.search.search("bjorklund")] == [omar]
    assert [h.client_id for h in vault.search.search("BJORKLUND omar")] == [omar]
    assert [h.client_id for h in vault.search.search("bjork", prefix=True)] == [omar]
    assert [h.client_id for h in vault.search.search("björk", prefix=True)] == [omar]
    assert highlighted("Björklund") in vault.search.search("bjorklund")[0].snippet


def test_while_typing_the_last_word_matches_as_a_prefix_after_whole_words(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    partial = add_note(vault, ana, "Client anxious before the exam.")
    whole = add_note(vault, ana, "Calls it her 'anx' when the exam nears.")
    assert vault.search.search("anxi", prefix=False) == []
    assert [h.note_id for h in vault.search.search("anxi", prefix=True)] == [partial]
    assert [h.note_id for h in vault.search.search("exam anx", prefix=True)] == [whole, partial]
    assert [h.note_id for h in vault.search.search("anx ", prefix=True)] == [whole]  # a finished word is whole
    assert [h.note_id for h in vault.search.search("anx", prefix=True, limit=1)] == [whole]
    assert vault.search.search("a", prefix=True) == []  # one letter is too short to expand
    assert [h.note_id or h.client_id for h in vault.search.search("an", prefix=True)] == [ana, whole, partial]


def test_the_last_word_matches_as_the_start_of_a_word_unless_asked_for_whole_words(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    note_id = add_note(vault, ana, "Built a model zeppelin with her son.")

    hits = vault.search.search("zeppel")

    assert [(h.kind, h.note_id) for h in hits] == [(HitKind.NOTE, note_id)]
    assert highlighted("zeppelin") in hits[0].snippet
    assert [h.note_id for h in vault.search.search("model zep")] == [note_id]
    assert vault.search.search("zeppel", prefix=False) == []
    assert vault.search.search("zeppel ") == []  # a space after it: the word is finished
    assert vault.search.search("zeppelins") == []  # a prefix, not a fuzzy match


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Ång", "Zoë"),
        ("ang", "Zoë"),
        ("Zoë Ångstr", "Zoë"),
        ("zoe angstr", "Zoë"),
        ("Øs", "Søren"),  # ø is a letter of its own, and the name's keyboard spelling (Ostergaard) is searched too
        ("os", "Søren"),
        ("rés", "the note"),
        ("res", "the note"),
        ("RÉSUM", "the note"),
        ("Ø", None),  # one letter is a whole word only, and no word is "ø"
        ("Zoë Å", None),  # likewise as the last of two words: no word of hers is "a"
    ],
)
def test_an_accented_prefix_matches_with_or_without_its_accents(vault: Vault, typed: str, found: str | None) -> None:
    zoe = add_client(vault, "Zoë", "Ångström")
    soren = add_client(vault, "Søren", "Østergaard")
    note_id = add_note(vault, soren, "Updated his résumé for the interview.")
    expected = {"Zoë": (HitKind.CLIENT, zoe), "Søren": (HitKind.CLIENT, soren), "the note": (HitKind.NOTE, note_id)}

    hits = [(h.kind, h.note_id or h.client_id) for h in vault.search.search(typed)]

    assert hits == ([] if found is None else [expected[found]])


def test_every_word_must_match(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    both = add_note(vault, ana, "Panic attack on the subway.")
    add_note(vault, ana, "No panic this week.")
    assert [h.note_id for h in vault.search.search("panic subway")] == [both]


def test_better_matches_rank_first(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    passing = add_note(vault, ana, "Reviewed homework, discussed the week, work stress, family visit and insomnia.")
    focused = add_note(vault, ana, "Insomnia: insomnia worse; insomnia plan.")
    named = add_client(vault, "Insomnia", "Test")
    hits = vault.search.search("insomnia")
    assert [(h.kind, h.note_id or h.client_id) for h in hits] == [
        (HitKind.CLIENT, named),
        (HitKind.NOTE, focused),
        (HitKind.NOTE, passing),
    ]
    assert hits[0].rank <= hits[1].rank <= hits[2].rank


def test_a_psychotherapy_note_is_never_found(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    add_note(vault, ana, "Routine session.")
    vault.notes.save_process_note(ProcessNote(ana, "Countertransference: felt protective, zanzibar."))
    assert vault.search.search("zanzibar") == []
    assert vault.search.search("countertransference") == []
    assert vault.search.search("Routine")[0].kind is HitKind.NOTE


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        '"unclosed',
        "*",
        "grief*",
        "**grief",
        "NEAR(grief anxiety)",
        "grief NEAR anxiety",
        "grief OR",
        "AND",
        "NOT grief",
        "(grief",
        "grief)",
        "name:grief",
        "{name body}: grief",
        "^grief",
        "grief + anxiety",
        "-grief",
        "'; DROP TABLE notes; --",
        "\x00",
        "grief\x00anxiety",  # FTS5 ended the phrase at the NUL and refused the query as "unterminated string"
        "anx\x00",
        "grief \ud800",
        "\ud800x",
        "   ",
        "",
        "ab\u0301c \U0001f600",
    ],
)
def test_hostile_search_input_does_not_raise(vault: Vault, hostile: str) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    add_note(vault, ana, "Grief and anxiety after the move.")
    hits = vault.search.search(hostile) + vault.search.search(hostile, prefix=True)
    assert all(h.kind in (HitKind.CLIENT, HitKind.NOTE) for h in hits)
    assert vault.notes.count_for_client(ana) == 1


def test_query_syntax_typed_by_the_user_is_only_text() -> None:
    assert fts_query('grief" OR "x') == '"grief""" "OR" """x"'
    assert fts_query('NEAR(a b) "abc*', prefix_last=True) == '"NEAR(a" "b)" """abc*" *'
    assert fts_query("* ( )") is None
    assert fts_query("grief - anx", prefix_last=True) == '"grief" "anx" *'
    assert fts_query("grief ***", prefix_last=True) == '"grief"'  # the word being typed is not a word


def test_a_nul_in_the_query_separates_words(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    note_id = add_note(vault, ana, "Grief and anxiety after the move.")
    assert [h.note_id for h in vault.search.search("grief\x00anxiety")] == [note_id]
    assert [h.note_id for h in vault.search.search("anx\x00")] == []  # a finished word: not a prefix
    assert [h.note_id for h in vault.search.search("grief\x00anx")] == [note_id]


def test_the_index_follows_every_change(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    note_id = add_note(vault, ana, "Talked about the garden.")
    note = vault.notes.get(note_id)
    vault.notes.save_draft(
        dataclasses.replace(note, sections=sections(NoteFormat.NARRATIVE, {"Narrative": "Orchard."}))
    )
    assert vault.search.search("garden") == []
    assert [h.note_id for h in vault.search.search("orchard")] == [note_id]
    vault.notes.sign(note_id, SIGNER, now=at_day_end(note.date_of_service or date.today()))
    vault.notes.add_addendum(note_id, "Late entry: mentioned beekeeping.", SIGNER)
    assert [h.note_id for h in vault.search.search("beekeeping")] == [note_id]
    draft_id = add_note(vault, ana, "Temporary wording.")
    vault.notes.discard_draft(draft_id)
    assert vault.search.search("temporary") == []
    client = vault.clients.get(ana)
    vault.clients.update(dataclasses.replace(client, legal_last="Moreau"))
    assert [h.client_id for h in vault.search.search("moreau")] == [ana]
    assert vault.search.search("reyes") == []


def test_a_search_can_be_narrowed_to_one_chart(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    ben = add_client(vault, "Ben", "Ode")
    add_note(vault, ana, "Sleep diary reviewed.")
    bens = add_note(vault, ben, "Sleep improving.")
    assert {h.client_id for h in vault.search.search("sleep")} == {ana, ben}
    assert [h.note_id for h in vault.search.search("sleep", client_id=ben)] == [bens]
    assert vault.search.search(f"c{ben}") == []  # the chart key is not searchable text


def test_results_are_limited(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    for day in range(1, 8):
        add_note(vault, ana, f"Breathing practice, week {day}.", day=date(2025, 1, day))
    assert len(vault.search.search("breathing", limit=5)) == 5
    with pytest.raises(ValidationError) as err:
        vault.search.search("breathing", limit=0)
    assert err.value.field == "limit"


def test_words_in_most_notes_list_the_newest_matches_first(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "RANK_WINDOW", 3)
    monkeypatch.setattr(search, "RANK_BUDGET", 5)
    ana = add_client(vault, "Ana", "Reyes")
    ids = [add_note(vault, ana, f"Session {n}: mindfulness practice.") for n in range(8)]
    hits = vault.search.search("mindfulness", limit=4)
    assert [h.note_id for h in hits] == ids[::-1][:4]
    assert {h.rank for h in hits} == {0.0}


def test_with_many_matches_the_newest_are_ranked(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "RANK_WINDOW", 3)
    ana = add_client(vault, "Ana", "Reyes")
    for n in range(10):
        add_note(vault, ana, f"Filler session {n} about work.")
    old = add_note(vault, ana, "Relapse relapse relapse.")
    for n in range(10):
        add_note(vault, ana, f"Filler session {n + 10} about family.")
    weak = [add_note(vault, ana, f"Discussed a long week of work and a possible relapse, visit {n}.") for n in range(2)]
    strong = add_note(vault, ana, "Relapse: relapse prevention plan.")
    hits = vault.search.search("relapse", prefix=False)
    assert [h.note_id for h in hits] == [strong, *weak[::-1]] or [h.note_id for h in hits] == [strong, *weak]
    assert old not in [h.note_id for h in hits]
    assert hits[0].rank < hits[-1].rank


def test_a_search_is_audited_without_the_query_text(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    add_note(vault, ana, "Discussed the divorce.")
    vault.search.search("divorce")
    event = vault.audit.recent(1)[0]
    assert event.event == "search"
    assert event.detail == {"hits": 1}
    assert "divorce" not in json.dumps(event.detail)


def test_clients_saved_before_the_search_index_existed_are_found(tmp_path: Path) -> None:
    path = tmp_path / db.DB_FILE
    conn = db.connect(path, key_hex(new_data_key()), create=True)
    try:
        migrations.migrate(conn, path, target=5)
        conn.execute(
            "INSERT INTO clients (account_number, status, legal_first, legal_last, dob, sort_name, created_at, "
            "updated_at) VALUES ('C1', 'active', 'Søren', 'Kierkegaard', '1990-05-05', 'k', 'now', 'now')"
        )
        migrations.migrate(conn, path)
        database = db.Database(conn, path)
        hits = SearchStore(database, AuditStore(database)).search("soren kierkegaard")
        assert [(h.kind, h.client_id) for h in hits] == [(HitKind.CLIENT, 1)]
    finally:
        conn.close()


def test_imported_notes_are_searchable_and_later_drafts_are_still_indexed(vault: Vault) -> None:
    client_id = add_client(vault, "Imre", "Kovács")
    imported = [
        Note(client_id, format=NoteFormat.NARRATIVE, date_of_service=date(2025, 3, d),
             sections=sections(NoteFormat.NARRATIVE, {"Narrative": f"Practised grounding with a metronome {d}."}))
        for d in (3, 10)
    ]  # fmt: skip
    ids = vault.notes.import_notes(imported)

    assert sorted(h.note_id or 0 for h in vault.search.search("metronome")) == sorted(ids)
    later = add_note(vault, client_id, "Introduced the xylophone exercise.")
    assert [h.note_id for h in vault.search.search("xylophone")] == [later]


# -- the index over the notes' own text (migration 10) ------------------------------------------------


def test_the_index_keeps_no_copy_of_the_text(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    add_note(vault, ana, "Discussed grief after her father's death.")
    shadow = {
        name
        for (name,) in vault.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'search%'")
    }

    assert shadow == {
        "search_index",
        "search_index_data",
        "search_index_idx",
        "search_index_docsize",
        "search_index_config",
    }
    assert highlighted("grief") in vault.search.search("grief")[0].snippet  # read from the note itself


def test_the_index_stays_in_step_with_every_kind_of_change(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes", preferred="Annie")
    soren = add_client(vault, "Søren", "Østergaard")
    draft = add_note(vault, ana, "First wording about the garden.")
    vault.notes.save_draft(
        dataclasses.replace(vault.notes.get(draft), sections=sections(NoteFormat.NARRATIVE, {"Narrative": "Orchard."}))
    )
    signed = add_note(vault, soren, "Talked about the fjord.", sign=True)
    vault.notes.add_addendum(signed, "Late entry: mentioned beekeeping.", SIGNER)
    vault.notes.add_addendum(signed, "Second late entry: the ferry.", SIGNER)
    discarded = add_note(vault, soren, "Temporary wording.")
    vault.notes.discard_draft(discarded)
    vault.clients.update(dataclasses.replace(vault.clients.get(soren), legal_last="Ødegård", preferred_name="Sør"))
    vault.notes.import_notes(
        [Note(ana, format=NoteFormat.NARRATIVE, date_of_service=date(2025, 3, 3),
              sections=sections(NoteFormat.NARRATIVE, {"Narrative": "Imported metronome practice."}))]
    )  # fmt: skip
    vault.notes.save_process_note(ProcessNote(ana, "Countertransference: zanzibar."))

    index_matches_the_text(vault.db)
    hits = vault.search.search("ferry")
    assert [h.note_id for h in hits] == [signed]
    assert hits[0].snippet.endswith(f"the {highlighted('ferry')}.")  # the second addendum, after the first
    assert [h.client_id for h in vault.search.search("odegard")] == [soren]
    assert vault.search.search("østergaard") == []
    assert vault.search.search("garden") == []
    assert vault.search.search("zanzibar") == []


def test_the_check_of_the_index_can_fail(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    note_id = add_note(vault, ana, "Talked about the garden.")
    # What a trigger that forgot an addendum would do: take the note out with other text than it was given.
    vault.db.execute(
        "INSERT INTO search_index (search_index, rowid, name, alias, body, client_key, client_id, date_of_service) "
        "VALUES ('delete', ?, '', '', 'Talked about the orchard.', ?, ?, '2025-02-03')",
        (note_id, f"c{ana}", ana),
    )

    with pytest.raises(AssertionError):
        index_matches_the_text(vault.db)


def test_vault_check_holds_the_search_triggers_to_migration_10(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    add_note(vault, ana, "Talked about the garden.", sign=True)
    old = next(s for s in m006_notes.STATEMENTS if "CREATE TRIGGER search_addendum_added" in s)
    assert vault.check().clean
    # Put back migration 6's trigger, which would write into an index that no longer holds the text.
    vault.db.execute("DROP TRIGGER search_addendum_added")
    vault.db.execute(old)

    assert vault.check().problems == [
        "trigger search_addendum_added (on note_addenda) is not as Therapy Desk defines it: it was altered"
    ]


def test_an_index_left_behind_by_a_removed_trigger_is_named_as_damage(vault: Vault) -> None:
    ana = add_client(vault, "Ana", "Reyes")
    note_id = add_note(vault, ana, "Talked about the garden.")
    vault.db.execute("DROP TRIGGER search_note_removed")
    vault.db.execute("DELETE FROM notes WHERE id = ?", (note_id,))

    with pytest.raises(VaultDamaged):
        vault.search.search("garden")
    assert "search_note_removed" in " ".join(vault.check().problems)
