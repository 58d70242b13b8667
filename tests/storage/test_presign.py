"""The pre-sign check through the store: `sign` refuses every error at once and writes nothing;
`presign_check` lists errors and warnings for the editor."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from tests.conftest import at_day_end
from tests.storage.test_billing import book_session
from tests.storage.test_notes import SIGNER, draft, events
from therapy_desk.domain.assessment import RiskAssessment, RiskLevel, SuicidalIdeation
from therapy_desk.domain.clients import Client, ClientStatus, Unit, UnitKind, UnitMember
from therapy_desk.domain.notes import NoteStatus
from therapy_desk.domain.presign import Level, Rule
from therapy_desk.domain.scheduling import AppointmentStatus
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault

DOS = date(2025, 3, 10)  # the date of service of `draft`, whose session runs 09:00-09:50
PHQ9_ITEM9 = [1, 1, 1, 1, 1, 1, 1, 1, 1]
FACTORS = ("recent job loss",)


def new_client(vault: Vault, first: str = "Ana", *, diagnosed: bool = True) -> int:
    client = vault.clients.create(Client(legal_first=first, legal_last="Reyes", dob=date(1988, 4, 2)))
    assert client.id is not None
    if diagnosed:
        vault.clients.add_diagnosis(client.id, "F41.1", onset=date(2025, 1, 6))
    return client.id


def saved_draft(vault: Vault, client_id: int, **changes: object) -> int:
    note = vault.notes.save_draft(draft(client_id, **changes))
    assert note.id is not None
    return note.id


def minutes_outside_code(vault: Vault, client_id: int) -> int:
    return saved_draft(
        vault, client_id, appointment_id=book_session(vault, client_id, code="90837", minutes=60, day=DOS)
    )


def another_clients_appointment(vault: Vault, client_id: int) -> int:
    other = new_client(vault, "Ben")
    return saved_draft(vault, client_id, appointment_id=book_session(vault, other, day=DOS, minutes=50))


def another_dates_appointment(vault: Vault, client_id: int) -> int:
    appointment_id = book_session(vault, client_id, day=date(2025, 3, 11), minutes=50)
    return saved_draft(vault, client_id, appointment_id=appointment_id)


def second_signed_progress_note(vault: Vault, client_id: int) -> int:
    appointment_id = book_session(vault, client_id, day=DOS, minutes=50)
    vault.notes.sign(saved_draft(vault, client_id, appointment_id=appointment_id), SIGNER, now=at_day_end(DOS))
    return saved_draft(vault, client_id, appointment_id=appointment_id)


def risk_without_safety_plan(vault: Vault, client_id: int) -> int:
    return saved_draft(
        vault, client_id, risk=RiskAssessment(RiskLevel.HIGH, SuicidalIdeation.ACTIVE, risk_factors=FACTORS)
    )


def risk_without_details(vault: Vault, client_id: int) -> int:
    risk = RiskAssessment(RiskLevel.MODERATE, SuicidalIdeation.PASSIVE, safety_plan_reviewed=True)
    return saved_draft(vault, client_id, risk=risk)


def homicidal_without_target(vault: Vault, client_id: int) -> int:
    risk = RiskAssessment(RiskLevel.HIGH, homicidal_ideation=True, risk_factors=FACTORS, safety_plan_reviewed=True)
    return saved_draft(vault, client_id, risk=risk)


def low_level_without_rationale(vault: Vault, client_id: int) -> int:
    risk = RiskAssessment(
        RiskLevel.LOW, SuicidalIdeation.ACTIVE, suicide_plan=True, suicide_intent=True, means_access=True,
        risk_factors=FACTORS, safety_plan_reviewed=True,
    )  # fmt: skip
    return saved_draft(vault, client_id, risk=risk)


def code_without_reason(vault: Vault, client_id: int) -> int:
    return saved_draft(vault, client_id, service_code="90846")  # 50 minutes suggest 90834


def missed_appointment(vault: Vault, client_id: int) -> int:
    appointment_id = book_session(vault, client_id, AppointmentStatus.NO_SHOW, day=DOS, minutes=50)
    return saved_draft(vault, client_id, appointment_id=appointment_id)


def before_birth(vault: Vault, client_id: int) -> int:
    return saved_draft(vault, client_id, date_of_service=date(1988, 4, 1))  # the client was born on 1988-04-02


def late_without_reason(vault: Vault, client_id: int) -> int:
    return saved_draft(vault, client_id, date_of_service=DOS - timedelta(days=4))


# One row per error rule: a draft the store must refuse to sign, and the line naming why.
REFUSALS = [
    pytest.param(minutes_outside_code, "50 minutes documented: 90834, not 90837", id="minutes-outside-code"),
    pytest.param(another_clients_appointment, "appointment is another client's", id="appointment-other-client"),
    pytest.param(another_dates_appointment, "appointment is on 2025-03-11", id="appointment-other-date"),
    pytest.param(second_signed_progress_note, "already has a signed progress note", id="second-signed-note"),
    pytest.param(risk_without_safety_plan, "no safety plan is recorded", id="risk-without-safety-plan"),
    pytest.param(risk_without_details, "Risk is marked: list the risk factors", id="risk-without-details"),
    pytest.param(homicidal_without_target, "name the identifiable target", id="homicidal-without-target"),
    pytest.param(low_level_without_rationale, "rationale for that level", id="low-level-without-rationale"),
    pytest.param(code_without_reason, "50 minutes suggest 90834; give the reason", id="code-without-reason"),
    pytest.param(late_without_reason, "this note is a late entry; give the reason", id="late-without-reason"),
    pytest.param(before_birth, "before the client's date of birth", id="before-birth"),
    pytest.param(missed_appointment, "marked no-show; a progress note documents", id="appointment-missed"),
]


@pytest.mark.parametrize(("make_draft", "line"), REFUSALS)
def test_signing_refuses_each_error_and_writes_nothing(
    vault: Vault, make_draft: Callable[[Vault, int], int], line: str
) -> None:
    note_id = make_draft(vault, new_client(vault))
    before = vault.notes.get(note_id)
    signed_events = events(vault, 200).count("note signed")
    with pytest.raises(ValidationError) as err:
        vault.notes.sign(note_id, SIGNER, now=at_day_end(DOS))
    assert line in str(err.value)
    assert vault.notes.get(note_id) == before
    assert vault.notes.get(note_id).status is NoteStatus.DRAFT
    assert events(vault, 200).count("note signed") == signed_events
    assert line in " ".join(
        f.sentence for f in vault.notes.presign_check(note_id, now=at_day_end(DOS)) if f.blocks_signing
    )


def test_the_refusal_lists_every_error_one_per_line(vault: Vault) -> None:
    client_id = new_client(vault)
    appointment_id = book_session(vault, client_id, code="90837", minutes=60, day=date(2025, 3, 11))
    risk = RiskAssessment(RiskLevel.MODERATE, SuicidalIdeation.PASSIVE, risk_factors=FACTORS)
    note_id = saved_draft(vault, client_id, appointment_id=appointment_id, risk=risk)
    with pytest.raises(ValidationError) as err:
        vault.notes.sign(note_id, SIGNER, now=at_day_end(DOS))
    lines = str(err.value).splitlines()
    assert len(lines) == 4
    assert "appointment is on 2025-03-11" in lines[1]
    assert "50 minutes documented: 90834, not 90837" in lines[2]
    assert "no safety plan" in lines[3]


def test_warnings_are_listed_but_do_not_block_signing(vault: Vault) -> None:
    client_id = new_client(vault, diagnosed=False)
    flagged = vault.measures.record(client_id, "PHQ-9", PHQ9_ITEM9, date(2025, 3, 3), today=DOS)
    note_id = saved_draft(vault, client_id, goal_ids=())
    found = vault.notes.presign_check(note_id, now=at_day_end(DOS))
    assert [(f.level, f.rule) for f in found] == [
        (Level.WARNING, Rule.NO_DIAGNOSIS),
        (Level.WARNING, Rule.NO_GOAL),
        (Level.WARNING, Rule.ITEM9_NOT_FOLLOWED_UP),
    ]
    assert flagged.id is not None
    vault.measures.mark_followed_up(
        flagged.id, datetime(2025, 3, 3, 15, 0, tzinfo=UTC), SIGNER, action="Risk assessed; safety plan reviewed."
    )
    assert Rule.ITEM9_NOT_FOLLOWED_UP not in [f.rule for f in vault.notes.presign_check(note_id, now=at_day_end(DOS))]
    assert vault.notes.sign(note_id, SIGNER, now=at_day_end(DOS)).status is NoteStatus.SIGNED


@pytest.mark.parametrize(
    ("onset", "resolved", "warned"),
    [
        (date(2025, 1, 6), None, False),
        (date(2025, 3, 10), date(2025, 3, 10), False),
        (date(2025, 3, 11), None, True),  # diagnosed after the session
        (date(2025, 1, 6), date(2025, 3, 9), True),  # resolved before it
    ],
)
def test_a_diagnosis_counts_only_on_file_on_the_date_of_service(
    vault: Vault, onset: date, resolved: date | None, warned: bool
) -> None:
    client_id = new_client(vault, diagnosed=False)
    diagnosis = vault.clients.add_diagnosis(client_id, "F41.1", onset=onset, today=date(2025, 4, 1))
    if resolved is not None:
        assert diagnosis.id is not None
        vault.clients.resolve_diagnosis(diagnosis.id, resolved)
    found = vault.notes.presign_check(saved_draft(vault, client_id), now=at_day_end(DOS))
    assert (Rule.NO_DIAGNOSIS in [f.rule for f in found]) is warned


def test_a_later_item9_flag_is_not_this_sessions(vault: Vault) -> None:
    client_id = new_client(vault)
    vault.measures.record(client_id, "PHQ-9", PHQ9_ITEM9, date(2025, 3, 12), today=date(2025, 3, 12))
    assert vault.notes.presign_check(saved_draft(vault, client_id), now=at_day_end(date(2025, 3, 12))) == []


def test_each_member_of_a_group_signs_a_note_for_the_groups_appointment(vault: Vault) -> None:
    ana, ben = new_client(vault), new_client(vault, "Ben")
    unit = vault.clients.create_unit(Unit(UnitKind.GROUP, "Sleep group", (UnitMember(ana), UnitMember(ben))))
    appointment_id = book_session(vault, None, code="90853", minutes=50, day=DOS, unit_id=unit.id)
    for client_id in (ana, ben):
        note_id = saved_draft(vault, client_id, appointment_id=appointment_id)
        assert vault.notes.sign(note_id, SIGNER, now=at_day_end(DOS)).is_signed


def test_an_incomplete_note_lists_what_it_lacks_before_the_other_errors(vault: Vault) -> None:
    client_id = new_client(vault)
    risk = RiskAssessment(RiskLevel.HIGH, SuicidalIdeation.ACTIVE, risk_factors=FACTORS)
    note_id = saved_draft(vault, client_id, end_time=None, risk=risk)
    found = vault.notes.presign_check(note_id, now=at_day_end(DOS))
    assert [f.rule for f in found] == [Rule.COMPLETE, Rule.RISK_WITHOUT_SAFETY_PLAN]
    assert "start and end time" in found[0].sentence
    with pytest.raises(ValidationError, match="start and end time"):
        vault.notes.sign(note_id, SIGNER, now=at_day_end(DOS))


def test_a_signed_note_has_no_presign_check(vault: Vault) -> None:
    note_id = saved_draft(vault, new_client(vault))
    vault.notes.sign(note_id, SIGNER, now=at_day_end(DOS))
    with pytest.raises(ValidationError, match="signed"):
        vault.notes.presign_check(note_id, now=at_day_end(DOS))


def test_a_draft_corrected_after_a_refusal_signs(vault: Vault) -> None:
    client_id = new_client(vault)
    note_id = minutes_outside_code(vault, client_id)
    with pytest.raises(ValidationError):
        vault.notes.sign(note_id, SIGNER, now=at_day_end(DOS))
    fixed = dataclasses.replace(vault.notes.get(note_id), end_time=time(10, 0))
    vault.notes.save_draft(fixed)
    assert vault.notes.sign(note_id, SIGNER, now=at_day_end(DOS)).is_signed


@pytest.mark.parametrize(
    ("changes", "signed_at"),
    [
        pytest.param({"service_code": "90846", "code_reason": "Family session without the client."}, DOS, id="code"),
        pytest.param({"late_entry_reason": "Power cut at the office."}, DOS + timedelta(days=4), id="late"),
        pytest.param({}, DOS + timedelta(days=3), id="on-time-at-72-hours"),
    ],
)
def test_a_reason_lets_the_note_be_signed_and_is_sealed_with_it(
    vault: Vault, changes: dict[str, str], signed_at: date
) -> None:
    note_id = saved_draft(vault, new_client(vault), **changes)
    signed = vault.notes.sign(note_id, SIGNER, now=datetime.combine(signed_at, time(9, 50)))
    assert {name: getattr(signed, name) for name in changes} == changes
    assert vault.notes.verify_signature(note_id).ok
    cleared: dict[str, Any] = dict.fromkeys(changes, "")
    assert not changes or dataclasses.replace(signed, **cleared).seal_intact is False
    assert vault.check().clean


def test_a_note_for_a_discharged_client_is_warned_about_not_refused(vault: Vault) -> None:
    client_id = new_client(vault)
    client = vault.clients.get(client_id)
    vault.clients.update(dataclasses.replace(client, status=ClientStatus.DISCHARGED))
    note_id = saved_draft(vault, client_id)
    assert [f.rule for f in vault.notes.presign_check(note_id, now=at_day_end(DOS))] == [Rule.CLIENT_DISCHARGED]
    assert vault.notes.sign(note_id, SIGNER, now=at_day_end(DOS)).is_signed
