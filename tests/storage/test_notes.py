from __future__ import annotations

import dataclasses
import hashlib
from datetime import date, time

import pytest

from tests.conftest import PASSPHRASE, at_day_end
from tests.storage.sealed_practice import raw_connection, triggers_lifted
from therapy_desk.domain.assessment import (
    Affect,
    MentalStatusExam,
    Mood,
    Orientation,
    RiskAssessment,
    RiskLevel,
    SuicidalIdeation,
)
from therapy_desk.domain.clients import Client, Release, Unit, UnitKind, UnitMember
from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, NoteStatus, ProcessNote, canonical_content, sections
from therapy_desk.domain.seals import seal_digest
from therapy_desk.errors import ValidationError
from therapy_desk.storage.db import DatabaseError
from therapy_desk.storage.vault import Vault

SIGNER = "Maya Okafor, LCSW"
SOAP = {
    "Subjective": "Client reports sleeping six hours most nights.",
    "Objective": "Calm, engaged, good eye contact.",
    "Assessment": "Insomnia improving with sleep hygiene.",
    "Plan": "Continue weekly CBT-I; review sleep diary.",
}


@pytest.fixture
def client_id(vault: Vault) -> int:
    client = vault.clients.create(Client(legal_first="Ana", legal_last="Reyes", dob=date(1988, 4, 2)))
    assert client.id is not None
    return client.id


def draft(client_id: int, **changes: object) -> Note:
    note = Note(
        client_id=client_id,
        kind=NoteKind.PROGRESS,
        format=NoteFormat.SOAP,
        date_of_service=date(2025, 3, 10),
        start_time=time(9, 0),
        end_time=time(9, 50),
        sections=sections(NoteFormat.SOAP, SOAP),
        interventions=("CBT-I", "sleep hygiene education"),
        participants=("Client",),
        goal_ids=(12, 4),
    )
    return dataclasses.replace(note, **changes)  # type: ignore[arg-type]


def signed_note(vault: Vault, client_id: int, **changes: object) -> Note:
    saved = vault.notes.save_draft(draft(client_id, **changes))
    assert saved.id is not None
    return vault.notes.sign(saved.id, SIGNER, now=at_day_end(saved.date_of_service or date.today()))


def events(vault: Vault, count: int = 20) -> list[str]:
    return [e.event for e in vault.audit.recent(count)]


# -- drafts -----------------------------------------------------------------------------------


def test_a_draft_is_saved_with_every_clinical_field(vault: Vault, client_id: int) -> None:
    mse = MentalStatusExam(mood=Mood.ANXIOUS, affect=Affect.CONSTRICTED, orientation=tuple(Orientation))
    risk = RiskAssessment(RiskLevel.MODERATE, SuicidalIdeation.PASSIVE, protective_factors=("daughter",))
    saved = vault.notes.save_draft(draft(client_id, mental_status=mse, risk=risk))
    assert saved.id is not None
    assert saved.status is NoteStatus.DRAFT
    loaded = vault.notes.get(saved.id)
    assert loaded == saved
    assert loaded.text("Plan") == SOAP["Plan"]
    assert loaded.mental_status is not None
    assert loaded.mental_status.mood is Mood.ANXIOUS
    assert loaded.risk is not None
    assert loaded.risk.protective_factors == ("daughter",)
    assert loaded.goal_ids == (4, 12)
    assert loaded.minutes == 50
    assert "note created" in events(vault)


def test_locking_drops_the_exams_and_risk_assessments_kept_for_speed(vault: Vault, client_id: int) -> None:
    from therapy_desk.domain import assessment

    caches = (assessment._validated_exam, assessment._validated_risk, assessment._exam_items, assessment._risk_items)
    risk = RiskAssessment(RiskLevel.LOW, comments="Talked about her brother Tomas")
    vault.notes.save_draft(draft(client_id, mental_status=MentalStatusExam(mood=Mood.EUTHYMIC), risk=risk))
    assert all(cache.cache_info().currsize for cache in caches)  # kept while the vault is open
    vault.close()
    assert not any(cache.cache_info().currsize for cache in caches)  # no chart text outlives the lock


def test_autosaving_an_unchanged_draft_writes_nothing(vault: Vault, client_id: int) -> None:
    saved = vault.notes.save_draft(draft(client_id))
    before = vault.audit.recent(1)[0].seq
    again = vault.notes.save_draft(saved)
    assert again == saved
    assert again.updated_at == saved.updated_at
    assert vault.audit.recent(1)[0].seq == before


def test_autosaving_a_changed_draft_updates_it(vault: Vault, client_id: int) -> None:
    saved = vault.notes.save_draft(draft(client_id))
    edited = dataclasses.replace(saved, sections=sections(NoteFormat.SOAP, {**SOAP, "Plan": "Add relaxation."}))
    vault.notes.save_draft(edited)
    assert saved.id is not None
    assert vault.notes.get(saved.id).text("Plan") == "Add relaxation."
    assert "note draft saved" in events(vault)


def test_a_discarded_draft_is_gone(vault: Vault, client_id: int) -> None:
    saved = vault.notes.save_draft(draft(client_id))
    assert saved.id is not None
    vault.notes.discard_draft(saved.id)
    with pytest.raises(ValidationError, match="no note"):
        vault.notes.get(saved.id)
    assert vault.notes.for_client(client_id) == []
    assert "note draft discarded" in events(vault)


def test_a_draft_with_end_before_start_is_refused(vault: Vault, client_id: int) -> None:
    with pytest.raises(ValidationError, match="end time must be after") as err:
        vault.notes.save_draft(draft(client_id, start_time=time(10, 0), end_time=time(9, 0)))
    assert err.value.field == "end_time"


def test_a_note_for_an_unknown_client_is_refused(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="no client with id 999") as err:
        vault.notes.save_draft(draft(999))
    assert err.value.field == "client_id"


def test_a_unit_note_needs_the_client_to_be_a_member(vault: Vault, client_id: int) -> None:
    other = vault.clients.create(Client(legal_first="Ben", legal_last="Reyes", dob=date(1986, 1, 9)))
    assert other.id is not None
    unit = vault.clients.create_unit(
        Unit(UnitKind.COUPLE, "Reyes couple", (UnitMember(client_id, "partner", True), UnitMember(other.id)))
    )
    assert unit.id is not None
    assert vault.notes.save_draft(draft(client_id, unit_id=unit.id)).unit_id == unit.id
    stranger = vault.clients.create(Client(legal_first="Cy", legal_last="Lee", dob=date(1990, 1, 1)))
    assert stranger.id is not None
    with pytest.raises(ValidationError, match="not a member") as err:
        vault.notes.save_draft(draft(stranger.id, unit_id=unit.id))
    assert err.value.field == "unit_id"


# -- signing ----------------------------------------------------------------------------------


def test_signing_stores_signer_time_and_the_hash_of_the_canonical_content(vault: Vault, client_id: int) -> None:
    note = signed_note(vault, client_id)
    assert note.status is NoteStatus.SIGNED
    assert note.signed_by == SIGNER
    assert note.signed_at is not None
    assert note.signed_at.endswith("+00:00")
    assert note.content_hash == hashlib.sha256(canonical_content(note)).hexdigest()
    assert note.id is not None
    assert vault.notes.verify_signature(note.id).ok
    signed_event = vault.audit.recent(1)[0]
    assert signed_event.event == "note signed"
    assert signed_event.detail == {"client_id": client_id, "content_hash": note.content_hash}


def test_signed_note_cannot_be_edited(vault: Vault, client_id: int) -> None:
    note = signed_note(vault, client_id)
    edited = dataclasses.replace(note, sections=sections(NoteFormat.SOAP, {**SOAP, "Plan": "Changed."}))
    with pytest.raises(ValidationError, match=r"This note is signed; add an addendum instead\."):
        vault.notes.save_draft(edited)
    assert note.id is not None
    with pytest.raises(ValidationError, match="add an addendum"):
        vault.notes.sign(note.id, SIGNER)
    with pytest.raises(ValidationError, match="add an addendum"):
        vault.notes.discard_draft(note.id)
    assert vault.notes.get(note.id).text("Plan") == SOAP["Plan"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE notes SET sections = '[]' WHERE id = ?",
        "UPDATE notes SET status = 'draft' WHERE id = ?",
        "UPDATE notes SET content_hash = 'x' WHERE id = ?",
        "DELETE FROM notes WHERE id = ?",
    ],
)
def test_signed_note_cannot_be_changed_with_raw_sql(vault: Vault, client_id: int, statement: str) -> None:
    note = signed_note(vault, client_id)
    with pytest.raises(DatabaseError, match="This note is signed"):
        vault.db.conn.execute(statement, (note.id,))
    assert note.id is not None
    assert vault.notes.get(note.id) == note


def test_a_draft_is_not_protected_by_the_triggers(vault: Vault, client_id: int) -> None:
    saved = vault.notes.save_draft(draft(client_id))
    vault.db.conn.execute('UPDATE notes SET participants = \'["Client", "Mother"]\' WHERE id = ?', (saved.id,))
    assert saved.id is not None
    assert vault.notes.get(saved.id).participants == ("Client", "Mother")


def test_a_draft_changed_outside_the_store_is_signed_as_checked(vault: Vault, client_id: int) -> None:
    saved = vault.notes.save_draft(draft(client_id))
    raw = '[["Subjective","  untidy  "],["Objective","o"],["Assessment","a"],["Plan","p"]]'
    vault.db.conn.execute("UPDATE notes SET sections = ? WHERE id = ?", (raw, saved.id))
    assert saved.id is not None
    signed = vault.notes.sign(saved.id, SIGNER, now=at_day_end(date(2025, 3, 10)))
    assert signed.text("Subjective") == "untidy"
    assert vault.notes.verify_signature(saved.id).ok


def test_signing_refuses_an_incomplete_note(vault: Vault, client_id: int) -> None:
    saved = vault.notes.save_draft(draft(client_id, sections=sections(NoteFormat.SOAP, {"Subjective": "Only this."})))
    assert saved.id is not None
    with pytest.raises(ValidationError, match="The Objective section is empty") as err:
        vault.notes.sign(saved.id, SIGNER)
    assert err.value.field == "sections.Objective"
    undated = vault.notes.save_draft(draft(client_id, date_of_service=None))
    assert undated.id is not None
    with pytest.raises(ValidationError, match="date of service"):
        vault.notes.sign(undated.id, SIGNER)
    assert vault.notes.get(saved.id).status is NoteStatus.DRAFT


def test_signing_needs_a_signer(vault: Vault, client_id: int) -> None:
    saved = vault.notes.save_draft(draft(client_id))
    assert saved.id is not None
    with pytest.raises(ValidationError, match="signer") as err:
        vault.notes.sign(saved.id, "   ")
    assert err.value.field == "signer"


def test_tampering_is_detected_when_the_triggers_are_dropped(vault: Vault, client_id: int) -> None:
    note = signed_note(vault, client_id)
    assert note.id is not None
    addendum = vault.notes.add_addendum(note.id, "Late entry: sleep diary received.", SIGNER)
    conn = vault.db.conn
    conn.execute("DROP TRIGGER notes_signed_no_update")
    conn.execute("DROP TRIGGER note_addenda_no_update")
    conn.execute("UPDATE notes SET end_time = '10:20' WHERE id = ?", (note.id,))
    conn.execute("UPDATE note_addenda SET text = 'Nothing to add.' WHERE id = ?", (addendum.id,))
    check = vault.notes.verify_signature(note.id)
    assert not check.ok
    assert any("changed after it was signed" in p for p in check.problems)
    assert any(f"Addendum {addendum.id}" in p for p in check.problems)


def test_a_note_read_through_the_store_tells_its_seal_is_broken_after_a_raw_replace(
    vault: Vault, client_id: int
) -> None:
    tampered = signed_note(vault, client_id)
    intact = signed_note(vault, client_id, date_of_service=date(2025, 3, 11))
    draft_note = vault.notes.save_draft(draft(client_id, date_of_service=date(2025, 3, 12)))
    assert tampered.id is not None
    conn = raw_connection(vault.folder)  # a sqlcipher shell holding the key, beside the open app
    try:
        with triggers_lifted(conn):
            conn.execute("UPDATE notes SET end_time = '10:20' WHERE id = ?", (tampered.id,))
    finally:
        conn.close()

    assert not vault.notes.get(tampered.id).seal_intact
    listed = {n.id: n.seal_intact for n in vault.notes.for_client(client_id)}
    assert listed == {tampered.id: False, intact.id: True, draft_note.id: True}


# -- addenda ----------------------------------------------------------------------------------


def test_an_addendum_is_signed_and_listed_with_its_note(vault: Vault, client_id: int) -> None:
    note = signed_note(vault, client_id)
    assert note.id is not None
    addendum = vault.notes.add_addendum(note.id, "  Correction: session was by telehealth.  ", "Maya Okafor")
    assert addendum.text == "Correction: session was by telehealth."
    assert addendum.signed_by == "Maya Okafor"
    loaded = vault.notes.get(note.id)
    assert loaded.addenda == (addendum,)
    assert vault.notes.verify_signature(note.id).ok
    assert "note addendum added" in events(vault)


def test_a_draft_takes_no_addenda(vault: Vault, client_id: int) -> None:
    saved = vault.notes.save_draft(draft(client_id))
    assert saved.id is not None
    with pytest.raises(ValidationError, match="Only a signed note takes addenda"):
        vault.notes.add_addendum(saved.id, "Extra.", SIGNER)
    with pytest.raises(DatabaseError, match="Only a signed note takes addenda"):
        vault.db.conn.execute(
            "INSERT INTO note_addenda (note_id, text, signed_by, signed_at, content_hash) "
            "VALUES (?, 'x', 'y', 'z', 'h')",
            (saved.id,),
        )


def test_an_empty_addendum_is_refused(vault: Vault, client_id: int) -> None:
    note = signed_note(vault, client_id)
    assert note.id is not None
    with pytest.raises(ValidationError, match="needs some text") as err:
        vault.notes.add_addendum(note.id, " \n ", SIGNER)
    assert err.value.field == "text"


@pytest.mark.parametrize(
    "statement", ["UPDATE note_addenda SET text = 'rewritten' WHERE id = ?", "DELETE FROM note_addenda WHERE id = ?"]
)
def test_an_addendum_cannot_be_changed_with_raw_sql(vault: Vault, client_id: int, statement: str) -> None:
    note = signed_note(vault, client_id)
    assert note.id is not None
    addendum = vault.notes.add_addendum(note.id, "Late entry.", SIGNER)
    with pytest.raises(DatabaseError, match="cannot be changed"):
        vault.db.conn.execute(statement, (addendum.id,))
    assert vault.notes.get(note.id).addenda == (addendum,)


# -- listing ----------------------------------------------------------------------------------


def test_reading_a_note_is_recorded_in_the_audit_log(vault: Vault, client_id: int) -> None:
    saved = vault.notes.save_draft(draft(client_id))
    vault.notes.get(saved.id or 0)
    read = vault.audit.recent(1)[0]
    assert (read.event, read.entity, read.entity_id) == ("note read", "note", str(saved.id))
    assert read.detail == {"client_id": client_id}


def test_a_clients_notes_are_listed_newest_first_in_pages(vault: Vault, client_id: int) -> None:
    days = [date(2025, 1, d) for d in (6, 20, 13, 27)]
    for day in days:
        vault.notes.save_draft(draft(client_id, date_of_service=day))
    other = vault.clients.create(Client(legal_first="Ben", legal_last="Ode", dob=date(1970, 5, 5)))
    assert other.id is not None
    vault.notes.save_draft(draft(other.id, date_of_service=date(2025, 1, 30)))
    first_page = vault.notes.for_client(client_id, limit=3)
    second_page = vault.notes.for_client(client_id, limit=3, offset=3)
    assert [n.date_of_service for n in first_page + second_page] == sorted(days, reverse=True)
    assert vault.notes.count_for_client(client_id) == 4
    with pytest.raises(ValidationError) as err:
        vault.notes.for_client(client_id, limit=0)
    assert err.value.field == "limit"


def test_unsigned_notes_are_listed_oldest_first_and_counted_per_client(vault: Vault, client_id: int) -> None:
    other = vault.clients.create(Client(legal_first="Ben", legal_last="Ode", dob=date(1970, 5, 5)))
    assert other.id is not None
    vault.notes.save_draft(draft(client_id, date_of_service=date(2025, 2, 3)))
    vault.notes.save_draft(draft(other.id, date_of_service=date(2025, 1, 9)))
    signed_note(vault, client_id, date_of_service=date(2024, 12, 1))
    unsigned = vault.notes.unsigned(limit=10)
    assert [(n.client_id, n.date_of_service) for n in unsigned] == [
        (other.id, date(2025, 1, 9)),
        (client_id, date(2025, 2, 3)),
    ]
    assert vault.notes.unsigned_count_by_client([client_id, other.id, 12345]) == {client_id: 1, other.id: 1, 12345: 0}


def test_the_listing_queries_use_their_indexes(vault: Vault) -> None:
    conn = vault.db.conn
    plans = {
        "for_client": "SELECT id FROM notes WHERE client_id = 1 ORDER BY date_of_service DESC, id DESC LIMIT 20",
        "unsigned": "SELECT id FROM notes WHERE status = 'draft' "
        "ORDER BY coalesce(date_of_service, substr(created_at, 1, 10)), id LIMIT 20",
        "unsigned count": "SELECT count(*) FROM notes WHERE status = 'draft' AND client_id = 1",
    }
    for name, sql in plans.items():
        plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "USING" in plan, (name, plan)
        assert "TEMP B-TREE" not in plan, (name, plan)


# -- import -----------------------------------------------------------------------------------


def test_imported_notes_keep_their_signatures_and_are_audited_once(vault: Vault, client_id: int) -> None:
    signed = draft(client_id, status=NoteStatus.SIGNED, signed_by=SIGNER, signed_at="2024-06-01T17:00:00+00:00")
    ids = vault.notes.import_notes([signed, draft(client_id, date_of_service=None)])
    assert len(ids) == 2
    first, second = vault.notes.get(ids[0]), vault.notes.get(ids[1])
    assert first.is_signed
    assert first.signed_at == "2024-06-01T17:00:00+00:00"
    assert vault.notes.verify_signature(ids[0]).ok
    assert second.status is NoteStatus.DRAFT
    imported = [e for e in vault.audit.recent(10) if e.event == "notes imported"]
    # The one event seals the batch: a digest over its signed notes' seals, and the ids it spans.
    assert [e.detail for e in imported] == [
        {
            "count": 2,
            "signed": 1,
            "first_id": ids[0],
            "last_id": ids[1],
            "seal_digest": seal_digest([(ids[0], first.content_hash or "")]),
        }
    ]


def test_an_import_with_one_bad_note_writes_nothing(vault: Vault, client_id: int) -> None:
    incomplete = draft(client_id, status=NoteStatus.SIGNED, signed_by=SIGNER, signed_at="2024-06-01T17:00:00+00:00",
                       sections=())  # fmt: skip
    with pytest.raises(ValidationError, match="section is empty"):
        vault.notes.import_notes([draft(client_id), incomplete])
    with pytest.raises(ValidationError, match="no client with id 999"):
        vault.notes.import_notes([draft(client_id), draft(999)])
    assert vault.notes.count_for_client(client_id) == 0


# -- psychotherapy notes ----------------------------------------------------------------------


def test_psychotherapy_notes_are_kept_apart_and_their_reading_is_audited(vault: Vault, client_id: int) -> None:
    signed_note(vault, client_id)
    process = vault.notes.save_process_note(ProcessNote(client_id, "Countertransference: felt protective."))
    assert process.id is not None
    assert all(not isinstance(n, ProcessNote) for n in vault.notes.for_client(client_id))
    assert vault.notes.count_for_client(client_id) == 1
    assert vault.notes.process_notes(client_id) == [process]
    read = vault.audit.recent(1)[0]
    assert (read.event, read.detail) == ("psychotherapy notes read", {"count": 1})
    updated = vault.notes.save_process_note(dataclasses.replace(process, text="Revisit next week."))
    assert vault.notes.get_process_note(process.id).text == "Revisit next week."
    assert updated.id == process.id


def test_an_export_leaves_out_drafts_and_psychotherapy_notes_unless_authorised(vault: Vault, client_id: int) -> None:
    signed = signed_note(vault, client_id)
    vault.notes.save_draft(draft(client_id))
    vault.notes.save_process_note(ProcessNote(client_id, "Private process note."))
    plain = vault.notes.for_export(client_id)
    assert [n.id for n in plain.notes] == [signed.id]
    assert plain.psychotherapy_notes == ()
    with pytest.raises(ValidationError, match="signed authorization") as err:
        vault.notes.for_export(client_id, include_psychotherapy_notes=True)
    assert err.value.field == "release_id"
    general = vault.clients.add_release(
        Release(client_id, "Dr. Park", "treatment summary", "coordination", date(2025, 1, 2))
    )
    with pytest.raises(ValidationError, match="does not cover psychotherapy notes"):
        vault.notes.for_export(client_id, include_psychotherapy_notes=True, release_id=general.id)
    covering = vault.clients.add_release(
        Release(client_id, "Dr. Park", "full record", "second opinion", date(2025, 1, 2),
                covers_psychotherapy_notes=True)
    )  # fmt: skip
    full = vault.notes.for_export(client_id, include_psychotherapy_notes=True, release_id=covering.id)
    assert [p.text for p in full.psychotherapy_notes] == ["Private process note."]
    exported = vault.audit.recent(1)[0]
    assert exported.event == "notes read for export"
    assert exported.detail == {"notes": 1, "psychotherapy_notes": 1, "release_id": covering.id}


# -- the record holds ------------------------------------------------------------------------


def test_signed_notes_survive_relocking_and_the_audit_chain_holds(vault: Vault, client_id: int) -> None:
    note = signed_note(vault, client_id)
    assert note.id is not None
    vault.notes.add_addendum(note.id, "Late entry.", SIGNER)
    folder = vault.folder
    vault.close()
    with Vault.open(folder, PASSPHRASE) as reopened:
        again = reopened.notes.get(note.id)
        assert again == note
        assert reopened.notes.verify_signature(note.id).ok
        assert reopened.audit.verify().ok
