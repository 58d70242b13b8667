"""The FHIR R4 export: bundles built from a client made through the stores validate with fhir.resources'
R4B models, every reference resolves inside the bundle, and what must stay out (psychotherapy notes, drafts)
stays out."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as FhirInvalid

from tests.documents.practice import TODAY, build
from tests.storage.test_notes import draft
from tests.storage.test_plans import SIGNER, a_plan, reviewed
from therapy_desk.demo.builder import build_demo
from therapy_desk.domain.clients import Release
from therapy_desk.domain.notes import ProcessNote
from therapy_desk.exports.fhir import ICD10CM, NPI, references
from therapy_desk.records.fhir_gather import client_fhir, practice_fhir
from therapy_desk.storage.vault import Vault

NOW = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
PROCESS_WORDS = "Countertransference: felt protective of the client during the story about her brother"
DRAFT_WORDS = "Unfinished thought about the sleep diary never signed"


def chart(vault: Vault) -> int:
    """The insured client of tests/documents/practice.py (two diagnoses, three signed sessions, one by
    telehealth, a coverage) with a signed plan, a PHQ-9, a partial GAD-7 and a PCL-5, two releases (one
    revoked), a resolved diagnosis, a draft note and a psychotherapy note."""
    client_id = build(vault).insured
    plan = vault.plans.create_draft(client_id, a_plan(date(2025, 3, 3)))
    assert plan.id is not None
    vault.plans.sign(plan.id, SIGNER)
    vault.measures.record(client_id, "PHQ-9", [1, 2, 1, 1, 0, 1, 1, 0, 0], date(2025, 3, 3), today=TODAY)
    vault.measures.record(client_id, "GAD-7", [2, 2, None, 1, 1, 0, 1], date(2025, 3, 10), today=TODAY)
    vault.measures.record(client_id, "PCL-5", [1] * 20, date(2025, 3, 17), today=TODAY)
    vault.clients.add_release(Release(client_id, "Dr. Lee, PCP", "diagnosis and attendance", "coordination of care",
                                      date(2025, 1, 6), expires_on=date(2026, 1, 6)))  # fmt: skip
    revoked = vault.clients.add_release(
        Release(client_id, "Employer EAP", "attendance only", "return to work", date(2025, 1, 6))
    )
    assert revoked.id is not None
    vault.clients.revoke_release(revoked.id, date(2025, 2, 1))
    resolved = vault.clients.add_diagnosis(client_id, "F43.21", onset=date(2024, 6, 1), today=TODAY)
    assert resolved.id is not None
    vault.clients.resolve_diagnosis(resolved.id, date(2024, 12, 1))
    vault.notes.save_draft(draft(client_id, date_of_service=date(2025, 3, 24), sections=()))
    vault.notes.save_process_note(ProcessNote(client_id, PROCESS_WORDS, date(2025, 3, 17)))
    return client_id


def validated(bundle: dict[str, Any]) -> Bundle:
    """fhir.resources' verdict on the bundle as it is written to a file (JSON text)."""
    return Bundle.model_validate_json(json.dumps(bundle))


def of_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def attachment_texts(bundle: dict[str, Any]) -> list[str]:
    return [
        base64.b64decode(r["content"][0]["attachment"]["data"]).decode("utf-8")
        for r in of_type(bundle, "DocumentReference")
    ]


@pytest.fixture
def bundle(vault: Vault) -> dict[str, Any]:
    return client_fhir(vault, chart(vault), today=TODAY, now=NOW)


def test_a_clients_bundle_validates_as_fhir_r4(bundle: dict[str, Any]) -> None:
    parsed = validated(bundle)

    assert parsed.type == "collection"
    assert parsed.entry is not None
    assert {type(e.resource).__name__ for e in parsed.entry} >= {"Patient", "Consent", "DocumentReference"}
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {
        "Patient", "Practitioner", "Condition", "Encounter", "CarePlan", "Goal", "Observation",
        "QuestionnaireResponse", "DocumentReference", "Coverage", "Consent",
    }  # fmt: skip


@pytest.mark.parametrize("field", ["status", "period"])
def test_the_validator_refuses_a_broken_bundle(bundle: dict[str, Any], field: str) -> None:
    """The verdict is real: an Encounter without its status, or with a time without seconds and zone, fails
    (fhir.resources checks structure and value formats, not terminology)."""
    encounter = of_type(bundle, "Encounter")[0]
    if field == "status":
        del encounter["status"]
    else:
        encounter["period"]["start"] = "2025-03-03T09:00"

    with pytest.raises(FhirInvalid):
        validated(bundle)


def test_every_reference_resolves_inside_the_bundle(bundle: dict[str, Any]) -> None:
    full_urls = [e["fullUrl"] for e in bundle["entry"]]

    assert len(set(full_urls)) == len(full_urls)
    assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in bundle["entry"])
    found = references(bundle)
    assert len(found) > 40
    assert set(found) <= set(full_urls)


def test_the_same_record_exported_twice_has_the_same_ids(vault: Vault) -> None:
    client_id = chart(vault)
    first = client_fhir(vault, client_id, today=TODAY, now=NOW)
    second = client_fhir(vault, client_id, today=TODAY, now=NOW)

    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


def test_the_patient_and_practitioner_carry_identity_and_identifiers(vault: Vault, bundle: dict[str, Any]) -> None:
    patient = of_type(bundle, "Patient")[0]
    practitioner = of_type(bundle, "Practitioner")[0]
    client = vault.clients.get(chart_id(bundle, vault))

    assert patient["name"][0] == {"use": "official", "family": "Reyes", "given": ["Ana"]}
    assert patient["birthDate"] == "1988-04-02"
    assert patient["gender"] == "unknown"
    assert patient["identifier"][0]["value"] == client.account_number
    assert patient["address"][0]["postalCode"] == "11201"
    assert practitioner["identifier"] == [{"system": NPI, "value": "1234567893"}]
    assert practitioner["qualification"][0]["code"]["text"] == "LCSW"


def chart_id(bundle: dict[str, Any], vault: Vault) -> int:
    account = of_type(bundle, "Patient")[0]["identifier"][0]["value"]
    return next(i for i in vault.caseload.ids() if vault.clients.get(i).account_number == account)


def test_diagnoses_are_icd10cm_conditions_active_or_resolved(bundle: dict[str, Any]) -> None:
    conditions = {c["code"]["coding"][0]["code"]: c for c in of_type(bundle, "Condition")}

    assert set(conditions) == {"F41.1", "F32.1", "F43.21"}
    assert all(c["code"]["coding"][0]["system"] == ICD10CM for c in conditions.values())
    assert conditions["F41.1"]["clinicalStatus"]["coding"][0]["code"] == "active"
    assert conditions["F41.1"]["onsetDateTime"] == "2025-01-06"
    assert conditions["F43.21"]["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert conditions["F43.21"]["abatementDateTime"] == "2024-12-01"


def test_attended_sessions_are_encounters_virtual_when_by_telehealth(bundle: dict[str, Any]) -> None:
    encounters = sorted(of_type(bundle, "Encounter"), key=lambda e: e["period"]["start"])

    assert [e["class"]["code"] for e in encounters] == ["AMB", "VR", "AMB"]
    assert all(e["status"] == "finished" for e in encounters)
    assert encounters[0]["period"]["start"].startswith("2025-03-03T09:00:00")
    assert encounters[0]["period"]["end"].startswith("2025-03-03T09:50:00")


def test_the_signed_plan_is_a_care_plan_with_its_goals(bundle: dict[str, Any]) -> None:
    (plan,) = of_type(bundle, "CarePlan")
    goals = of_type(bundle, "Goal")

    assert plan["status"] == "active"
    assert [g["description"]["text"] for g in goals] == ["Reduce depressive symptoms", "Reconnect with friends"]
    assert goals[0]["target"][0] == {"measure": {"text": "PHQ-9 total below 10"}, "dueDate": "2025-05-02"}
    assert len(plan["goal"]) == 2


def test_measures_are_observations_with_loinc_totals_and_their_answers(bundle: dict[str, Any]) -> None:
    observations = {o["code"]["text"].split("(")[1][:5]: o for o in of_type(bundle, "Observation")}
    responses = of_type(bundle, "QuestionnaireResponse")

    assert observations["PHQ-9"]["code"]["coding"][0]["code"] == "44261-6"
    assert observations["PHQ-9"]["valueInteger"] == 7
    assert observations["GAD-7"]["code"]["coding"][0]["code"] == "70274-6"
    assert "coding" not in observations["PCL-5"]["code"]  # no LOINC code we are sure of: text only
    assert observations["PCL-5"]["valueInteger"] == 20
    assert "left unanswered" in observations["GAD-7"]["note"][0]["text"]
    gad = next(r for r in responses if len(r["item"]) == 8)
    assert "answer" not in gad["item"][2]
    assert gad["item"][0]["answer"] == [{"valueCoding": {"code": "2", "display": "More than half the days"}}]


def test_signed_notes_are_documents_and_nothing_else_is(bundle: dict[str, Any]) -> None:
    texts = attachment_texts(bundle)
    every_word = json.dumps(bundle) + "".join(texts)

    assert len(texts) == 3
    assert all("Client reports sleeping six hours most nights." in t for t in texts)
    assert all("Signed by Maya Okafor, LCSW" in t for t in texts)
    assert PROCESS_WORDS not in every_word
    assert "Countertransference" not in every_word
    assert all(d["context"]["encounter"][0]["reference"] in references(bundle) for d in of_type(bundle,
               "DocumentReference"))  # fmt: skip


def test_coverage_and_releases(bundle: dict[str, Any]) -> None:
    (cover,) = of_type(bundle, "Coverage")
    consents = {c["provision"]["actor"][0]["reference"]["display"]: c for c in of_type(bundle, "Consent")}

    assert cover["payor"] == [{"display": "Hudson Valley Health"}]
    assert cover["subscriberId"] == "HVH778812"
    assert consents["Dr. Lee, PCP"]["status"] == "active"
    assert consents["Dr. Lee, PCP"]["provision"]["period"] == {"start": "2025-01-06", "end": "2026-01-06"}
    assert consents["Employer EAP"]["status"] == "inactive"
    assert consents["Employer EAP"]["provision"]["period"]["end"] == "2025-02-01"


def test_a_revised_plan_replaces_the_version_before_and_a_result_in_error_says_so(vault: Vault) -> None:
    client_id = chart(vault)
    first = vault.plans.active(client_id)
    assert first is not None
    assert first.id is not None
    revision = vault.plans.update_draft(reviewed(vault.plans.revise(first.id, effective_date=date(2025, 6, 2))))
    assert revision.id is not None
    vault.plans.sign(revision.id, SIGNER)
    phq = vault.measures.series(client_id, "PHQ-9")[0]
    assert phq.id is not None
    vault.measures.mark_entered_in_error(phq.id, "Another client's form")

    bundle = client_fhir(vault, client_id, today=TODAY, now=NOW)

    validated(bundle)
    plans = {p["title"]: p for p in of_type(bundle, "CarePlan")}
    assert plans["Treatment plan, version 1"]["status"] == "revoked"
    assert plans["Treatment plan, version 2"]["status"] == "active"
    assert plans["Treatment plan, version 2"]["replaces"] == [
        {"reference": f"urn:uuid:{plans['Treatment plan, version 1']['id']}"}
    ]
    assert len(of_type(bundle, "Goal")) == 4
    phq_observation = next(o for o in of_type(bundle, "Observation") if o["valueInteger"] == 7)
    assert phq_observation["status"] == "entered-in-error"


@pytest.mark.slow
def test_the_demo_practices_bundle_validates(vault: Vault) -> None:
    build_demo(vault, clients=15, years=1, today=TODAY)
    some_client = vault.caseload.ids()[0]
    vault.notes.save_process_note(ProcessNote(some_client, PROCESS_WORDS, date(2025, 3, 17)))
    bundle = practice_fhir(vault, today=TODAY, now=NOW)

    validated(bundle)
    assert PROCESS_WORDS not in json.dumps(bundle) + "".join(attachment_texts(bundle))
    assert len(of_type(bundle, "Patient")) == 15
    assert len(of_type(bundle, "Practitioner")) == 1
    assert len(of_type(bundle, "DocumentReference")) > 15
    assert set(references(bundle)) <= {e["fullUrl"] for e in bundle["entry"]}
    assert len({e["fullUrl"] for e in bundle["entry"]}) == len(bundle["entry"])
