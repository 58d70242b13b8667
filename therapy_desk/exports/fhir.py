"""FHIR R4 export: a client's record, or the practice's, as a `Bundle` of type "collection" (a JSON-able dict).

Pure: domain values in (a `ClientRecord` per client, gathered by therapy_desk/records/fhir_gather.py), a dict
out. Each resource's id is a UUID derived (uuid5) from the vault's id and our own row ids, so exporting the
same record twice gives the same ids, and two vaults never collide; every reference is "urn:uuid:<id>", the
fullUrl of a resource in the same bundle.

What is left out on purpose: psychotherapy notes (the gatherer never reads them), draft notes and plans
(not part of the signed record), and appointments not attended. The PCL-5 total has no LOINC code here
(measures.SPECS carries none we are sure of): its Observation is coded as text only.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from therapy_desk.domain.billing import Coverage, CoverageRank, Relationship
from therapy_desk.domain.clients import AdministrativeSex, Client, Diagnosis, Release
from therapy_desk.domain.measure_items import CHOICES, ITEMS
from therapy_desk.domain.measures import SPECS, MeasureResult
from therapy_desk.domain.notes import Note, NoteKind
from therapy_desk.domain.plans import PlanStatus, TreatmentPlan
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.domain.scheduling import Appointment

Resource = dict[str, Any]

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NPI = "http://hl7.org/fhir/sid/us-npi"
LOINC = "http://loinc.org"
CPT = "http://www.ama-assn.org/go/cpt"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACCOUNT_SYSTEM = "urn:therapy-desk:account-number"
LICENSE_SYSTEM = "urn:therapy-desk:license-number"
HIPAA_AUTHORIZATION = "https://www.ecfr.gov/current/title-45/section-164.508"
_TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
_NAMESPACE = uuid.UUID("6f1c1d2e-3f7b-5a8e-9c4d-0b1e2f3a4b5c")  # Therapy Desk's own: never change it
_GENDER = {AdministrativeSex.FEMALE: "female", AdministrativeSex.MALE: "male", AdministrativeSex.UNKNOWN: "unknown"}
PROGRESS_NOTE_LOINC = "11506-3"


@dataclass(frozen=True)
class ClientRecord:
    """Everything of one client's record that the FHIR export carries, as read from the vault."""

    client: Client
    diagnoses: tuple[Diagnosis, ...] = ()  # resolved ones included
    attended: tuple[Appointment, ...] = ()  # the client's attended sessions (unit sessions included)
    plans: tuple[TreatmentPlan, ...] = ()  # signed and superseded versions, never drafts
    measures: tuple[MeasureResult, ...] = ()  # those entered in error included (exported as such)
    notes: tuple[Note, ...] = ()  # signed notes only; never a psychotherapy note
    coverages: tuple[Coverage, ...] = ()  # with payer_name filled in
    releases: tuple[Release, ...] = ()


@dataclass(frozen=True)
class _Ids:
    """Deterministic ids inside one vault's export."""

    vault_id: str

    def of(self, kind: str, *key: object) -> str:
        return str(uuid.uuid5(_NAMESPACE, "/".join((self.vault_id, kind, *map(str, key)))))

    def ref(self, kind: str, *key: object) -> dict[str, str]:
        return {"reference": f"urn:uuid:{self.of(kind, *key)}"}


def client_bundle(
    record: ClientRecord, profile: PracticeProfile, *, vault_id: str, zone: tzinfo, today: date, now: datetime
) -> Resource:
    """One client's record as a FHIR R4 collection Bundle, with the practice's Practitioner."""
    ids = _Ids(vault_id)
    return _bundle(ids, [practitioner(ids, profile), *client_resources(ids, record, zone=zone, today=today)], now)


def practice_bundle(
    records: Iterable[ClientRecord], profile: PracticeProfile, *, vault_id: str, zone: tzinfo, today: date,
    now: datetime,
) -> Resource:  # fmt: skip
    """Every client's record and one Practitioner as a FHIR R4 collection Bundle."""
    ids = _Ids(vault_id)
    resources = [practitioner(ids, profile)]
    for record in records:
        resources += client_resources(ids, record, zone=zone, today=today)
    return _bundle(ids, resources, now)


def _bundle(ids: _Ids, resources: list[Resource], now: datetime) -> Resource:
    return {
        "resourceType": "Bundle",
        "id": ids.of("bundle", now.isoformat()),
        "type": "collection",
        "timestamp": _instant(now),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def client_resources(ids: _Ids, record: ClientRecord, *, zone: tzinfo, today: date) -> list[Resource]:
    """A client's resources, Patient first; references point at the Practitioner and at each other."""
    client = record.client
    assert client.id is not None
    patient = ids.ref("patient", client.id)
    encounters = {a.id: encounter(ids, client.id, a, zone) for a in record.attended}
    resources: list[Resource] = [_patient(ids, client)]
    resources += [condition(ids, patient, d) for d in record.diagnoses]
    resources += encounters.values()
    for plan in record.plans:
        resources += care_plan(ids, patient, plan)
    for result in record.measures:
        resources += measure(ids, patient, result)
    resources += [
        document(ids, patient, note, zone, encounters.get(note.appointment_id) is not None) for note in record.notes
    ]
    resources += [coverage(ids, patient, c) for c in record.coverages]
    resources += [consent(ids, patient, r, today) for r in record.releases]
    return resources


# -- people ---------------------------------------------------------------------------------------


def practitioner(ids: _Ids, profile: PracticeProfile) -> Resource:
    words = profile.name.split(",")[0].split()
    name: dict[str, Any] = {"use": "official", "text": profile.name or "Practitioner"}
    if words:
        name |= {"family": words[-1]} | ({"given": words[:-1]} if words[:-1] else {})
    if profile.credentials:
        name["suffix"] = [profile.credentials]
    resource: Resource = {"resourceType": "Practitioner", "id": ids.of("practitioner"), "name": [name]}
    if profile.npi:
        resource["identifier"] = [{"system": NPI, "value": profile.npi}]
    _contact_points(resource, profile.phone, profile.email)
    _address(resource, profile.street, profile.city, profile.state, profile.zip)
    if profile.credentials or profile.license_number:
        qualification: dict[str, Any] = {"code": {"text": profile.credentials or "License"}}
        if profile.license_number:
            license_id = {"system": LICENSE_SYSTEM, "value": profile.license_number}
            qualification["identifier"] = [license_id]
            if profile.license_state:
                qualification["issuer"] = {"display": f"State of {profile.license_state} licensing board"}
        resource["qualification"] = [qualification]
    return resource


def _patient(ids: _Ids, client: Client) -> Resource:
    names: list[dict[str, Any]] = [
        {
            "use": "official",
            "family": client.legal_last,
            "given": [p for p in (client.legal_first, client.legal_middle) if p],
        }
    ]
    if client.preferred_name:
        names.append({"use": "usual", "family": client.legal_last, "given": [client.preferred_name]})
    resource: Resource = {
        "resourceType": "Patient",
        "id": ids.of("patient", client.id),
        "name": names,
        "gender": _GENDER[client.sex],
        "birthDate": client.dob.isoformat(),
    }
    if client.account_number:
        resource["identifier"] = [
            {"use": "usual", "type": {"text": "Account number"}, "system": ACCOUNT_SYSTEM,
             "value": client.account_number}
        ]  # fmt: skip
    _contact_points(resource, client.phone, client.email)
    _address(resource, client.street, client.city, client.state, client.zip)
    if client.emergency_name:
        contact: dict[str, Any] = {"name": {"text": client.emergency_name}}
        if client.emergency_relationship:
            contact["relationship"] = [{"text": client.emergency_relationship}]
        if client.emergency_phone:
            contact["telecom"] = [{"system": "phone", "value": client.emergency_phone}]
        resource["contact"] = [contact]
    return resource


def _contact_points(resource: Resource, phone: str, email: str) -> None:
    telecom = [{"system": "phone", "value": phone}] if phone else []
    telecom += [{"system": "email", "value": email}] if email else []
    if telecom:
        resource["telecom"] = telecom


def _address(resource: Resource, street: str, city: str, state: str, postal: str) -> None:
    address: dict[str, Any] = {"line": [street]} if street else {}
    address |= {k: v for k, v in (("city", city), ("state", state), ("postalCode", postal)) if v}
    if address:
        resource["address"] = [address]


# -- clinical -------------------------------------------------------------------------------------


def condition(ids: _Ids, patient: dict[str, str], diagnosis: Diagnosis) -> Resource:
    status = "active" if diagnosis.resolved is None else "resolved"
    resource: Resource = {
        "resourceType": "Condition",
        "id": ids.of("condition", diagnosis.id),
        "clinicalStatus": _coded(f"{_TERMINOLOGY}condition-clinical", status),
        "verificationStatus": _coded(f"{_TERMINOLOGY}condition-ver-status", "confirmed"),
        "category": [_coded(f"{_TERMINOLOGY}condition-category", "encounter-diagnosis")],
        "code": {
            "coding": [{"system": ICD10CM, "code": diagnosis.code, "display": diagnosis.description}],
            "text": diagnosis.description or diagnosis.code,
        },
        "subject": patient,
        "recorder": ids.ref("practitioner"),
    }
    if diagnosis.rank == 1 and diagnosis.resolved is None:
        resource["note"] = [{"text": "Principal diagnosis."}]
    if diagnosis.onset is not None:
        resource["onsetDateTime"] = diagnosis.onset.isoformat()
    if diagnosis.resolved is not None:
        resource["abatementDateTime"] = diagnosis.resolved.isoformat()
    return resource


def encounter(ids: _Ids, client_id: int, appointment: Appointment, zone: tzinfo) -> Resource:
    start = appointment.start.replace(tzinfo=zone)
    end = appointment.end.replace(tzinfo=zone)
    kind = ("VR", "virtual") if appointment.telehealth else ("AMB", "ambulatory")
    return {
        "resourceType": "Encounter",
        "id": ids.of("encounter", client_id, appointment.id),
        "status": "finished",
        "class": {"system": ACT_CODE, "code": kind[0], "display": kind[1]},
        "type": [{"coding": [{"system": CPT, "code": appointment.service_code}], "text": appointment.service_code}],
        "subject": ids.ref("patient", client_id),
        "participant": [{"individual": ids.ref("practitioner")}],
        "period": {"start": _instant(start), "end": _instant(end)},
        "length": {"value": appointment.duration_minutes, "unit": "min", "system": "http://unitsofmeasure.org",
                   "code": "min"},
    }  # fmt: skip


def care_plan(ids: _Ids, patient: dict[str, str], plan: TreatmentPlan) -> list[Resource]:
    """The plan version and one Goal per goal (objectives as the goal's targets, with their dates)."""
    current = plan.status is PlanStatus.SIGNED
    goals: list[Resource] = []
    activities: list[dict[str, Any]] = []
    for problem in plan.problems:
        for goal in problem.goals:
            goal_resource: Resource = {
                "resourceType": "Goal",
                "id": ids.of("goal", plan.id, goal.id),
                "lifecycleStatus": "active" if current else "completed",
                "description": {"text": goal.statement},
                "subject": patient,
                "startDate": plan.effective_date.isoformat(),
                "expressedBy": ids.ref("practitioner"),
                "note": [{"text": f"Problem: {problem.statement}"}],
            }
            targets = [_target(o.text, o.target_date) for o in goal.objectives]
            if targets:
                goal_resource["target"] = targets
            goals.append(goal_resource)
            activities += [
                {"detail": {"status": "in-progress" if current else "stopped",
                            "code": {"text": i.modality.value},
                            "description": i.description or i.modality.value,
                            "goal": [ids.ref("goal", plan.id, goal.id)]}}
                for i in goal.interventions
            ]  # fmt: skip
    resource: Resource = {
        "resourceType": "CarePlan",
        "id": ids.of("careplan", plan.id),
        "status": "active" if current else "revoked",
        "intent": "plan",
        "title": f"Treatment plan, version {plan.version}",
        "subject": patient,
        "period": {"start": plan.effective_date.isoformat()},
        "author": ids.ref("practitioner"),
        "goal": [ids.ref("goal", plan.id, g.id) for p in plan.problems for g in p.goals],
    }
    if plan.signed_at is not None:
        resource["created"] = _instant(plan.signed_at)
    if plan.supersedes_id is not None:
        resource["replaces"] = [ids.ref("careplan", plan.supersedes_id)]
    words = [w for w in (plan.frequency and f"Frequency: {plan.frequency}.",
                         plan.review_due and f"Review due {plan.review_due.isoformat()}.",
                         plan.participation and f"Client participation: {plan.participation}") if w]  # fmt: skip
    if words:
        resource["description"] = " ".join(str(w) for w in words)
    if activities:
        resource["activity"] = activities
    if not resource["goal"]:
        del resource["goal"]
    return [resource, *goals]


def _target(text: str, due: date | None) -> dict[str, Any]:
    target: dict[str, Any] = {"measure": {"text": text}}
    if due is not None:
        target["dueDate"] = due.isoformat()
    return target


def measure(ids: _Ids, patient: dict[str, str], result: MeasureResult) -> list[Resource]:
    """The total score as an Observation (LOINC where one is known) and the answers as a
    QuestionnaireResponse the Observation is derived from."""
    spec = SPECS[result.instrument]
    in_error = result.entered_in_error_at is not None
    response_ref = ids.ref("questionnaireresponse", result.id)
    code: dict[str, Any] = {"text": f"{spec.title} total score"}
    if spec.loinc_total:
        code["coding"] = [{"system": LOINC, "code": spec.loinc_total, "display": code["text"]}]
    observation: Resource = {
        "resourceType": "Observation",
        "id": ids.of("observation", result.id),
        "status": "entered-in-error" if in_error else "final",
        "category": [_coded(f"{_TERMINOLOGY}observation-category", "survey")],
        "code": code,
        "subject": patient,
        "effectiveDateTime": result.administered_on.isoformat(),
        "performer": [ids.ref("practitioner")],
        "valueInteger": result.total,
        "interpretation": [{"text": result.band}],
        "derivedFrom": [response_ref],
    }
    notes = [] if result.complete else ["Some items were left unanswered; the total counts the answered ones."]
    notes += list(result.flags)
    if result.follow_up_action:
        notes.append(f"Follow-up: {result.follow_up_action}")
    if in_error:
        notes.append(f"Entered in error: {result.entered_in_error_reason}")
    if notes:
        observation["note"] = [{"text": n} for n in notes]
    items: list[dict[str, Any]] = []
    for number, (text, answer) in enumerate(zip(ITEMS[result.instrument], result.answers, strict=True), start=1):
        item: dict[str, Any] = {"linkId": str(number), "text": text}
        if answer is not None:
            item["answer"] = [{"valueCoding": {"code": str(answer), "display": CHOICES[result.instrument][answer]}}]
        items.append(item)
    if result.difficulty is not None:
        items.append({"linkId": "difficulty", "text": "How difficult have these problems made it for you?",
                      "answer": [{"valueString": result.difficulty.value}]})  # fmt: skip
    items.append({"linkId": "total", "text": "Total score", "answer": [{"valueInteger": result.total}]})
    response: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": ids.of("questionnaireresponse", result.id),
        "status": "entered-in-error" if in_error else "completed",
        "subject": patient,
        "source": patient,
        "authored": _instant(result.recorded_at) if result.recorded_at else result.administered_on.isoformat(),
        "item": items,
    }
    return [observation, response]


def document(ids: _Ids, patient: dict[str, str], note: Note, zone: tzinfo, with_encounter: bool) -> Resource:
    """A signed note as a DocumentReference holding its text (sections, addenda, signature) as text/plain."""
    assert note.signed_at is not None
    text = note_text(note)
    kind: dict[str, Any] = {"text": f"{note.kind.value.capitalize()} note"}
    if note.kind is NoteKind.PROGRESS:
        kind["coding"] = [{"system": LOINC, "code": PROGRESS_NOTE_LOINC, "display": "Progress note"}]
    resource: Resource = {
        "resourceType": "DocumentReference",
        "id": ids.of("documentreference", note.id),
        "status": "current",
        "docStatus": "final",
        "type": kind,
        "subject": patient,
        "date": _instant(datetime.fromisoformat(note.signed_at)),
        "author": [ids.ref("practitioner")],
        "authenticator": ids.ref("practitioner"),
        "description": f"{kind['text']}, {note.date_of_service}" if note.date_of_service else kind["text"],
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "language": "en",
                    "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
                    "title": kind["text"],
                    "creation": _instant(datetime.fromisoformat(note.signed_at)),
                }
            }
        ],
    }
    context: dict[str, Any] = {}
    if with_encounter and note.client_id is not None:
        context["encounter"] = [ids.ref("encounter", note.client_id, note.appointment_id)]
    period = _note_period(note, zone)
    if period:
        context["period"] = period
    if context:
        resource["context"] = context
    return resource


def note_text(note: Note) -> str:
    """What a signed note's attachment holds: date and times, each section, interventions, the signature and
    each addendum with its own."""
    lines = [f"{note.kind.value.capitalize()} note ({note.format.value})"]
    if note.date_of_service is not None:
        times = f" {_hhmm(note.start_time)}-{_hhmm(note.end_time)}" if note.start_time and note.end_time else ""
        lines.append(f"Date of service: {note.date_of_service.isoformat()}{times}")
    for section in note.sections:
        lines += ["", section.name, section.text]
    if note.interventions:
        lines += ["", "Interventions", ", ".join(note.interventions)]
    lines += ["", f"Signed by {note.signed_by} at {note.signed_at} (content hash {note.content_hash})"]
    for addendum in note.addenda:
        lines += ["", f"Addendum signed by {addendum.signed_by} at {addendum.signed_at}", addendum.text]
    return "\n".join(lines) + "\n"


def _note_period(note: Note, zone: tzinfo) -> dict[str, str]:
    day = note.date_of_service
    if day is None:
        return {}
    if note.start_time is None or note.end_time is None:
        return {"start": day.isoformat(), "end": day.isoformat()}
    return {"start": _instant(datetime.combine(day, note.start_time, zone)),
            "end": _instant(datetime.combine(day, note.end_time, zone))}  # fmt: skip


def _hhmm(value: time | None) -> str:
    return "" if value is None else value.strftime("%H:%M")


# -- insurance and releases -----------------------------------------------------------------------


def coverage(ids: _Ids, patient: dict[str, str], cover: Coverage) -> Resource:
    period = {"start": cover.start_date.isoformat()}
    if cover.end_date is not None:
        period["end"] = cover.end_date.isoformat()
    classes = [
        {"type": _coded(f"{_TERMINOLOGY}coverage-class", kind), "value": value, "name": value}
        for kind, value in (("group", cover.group_number), ("plan", cover.plan_name))
        if value
    ]
    resource: Resource = {
        "resourceType": "Coverage",
        "id": ids.of("coverage", cover.id),
        "status": "active",
        "subscriberId": cover.member_id,
        "beneficiary": patient,
        "relationship": _coded(f"{_TERMINOLOGY}subscriber-relationship", cover.relationship.value),
        "period": period,
        "payor": [{"display": cover.payer_name or "Insurer"}],
        "order": 1 if cover.rank is CoverageRank.PRIMARY else 2,
    }
    if cover.relationship is Relationship.SELF:
        resource["subscriber"] = patient
    if classes:
        resource["class"] = classes
    return resource


def consent(ids: _Ids, patient: dict[str, str], release: Release, today: date) -> Resource:
    """A release of information: permit disclosure to the recipient, for the purpose, within its period."""
    end = min((d for d in (release.expires_on, release.revoked_on) if d is not None), default=None)
    period = {"start": release.signed_on.isoformat()} | ({"end": end.isoformat()} if end else {})
    scope = release.scope + ("; includes psychotherapy notes" if release.covers_psychotherapy_notes else "")
    provision: dict[str, Any] = {
        "type": "permit",
        "period": period,
        "actor": [{"role": _coded(f"{_TERMINOLOGY}v3-ParticipationType", "IRCP"),
                   "reference": {"display": release.recipient}}],
        "code": [{"text": scope}],
    }  # fmt: skip
    if release.purpose:
        provision["purpose"] = [{"display": release.purpose}]
    return {
        "resourceType": "Consent",
        "id": ids.of("consent", release.id),
        "status": "active" if release.is_active(today) else "inactive",
        "scope": _coded(f"{_TERMINOLOGY}consentscope", "patient-privacy"),
        "category": [
            {
                "coding": [{"system": LOINC, "code": "59284-0", "display": "Consent Document"}],
                "text": "Release of information",
            }
        ],
        "patient": patient,
        "dateTime": release.signed_on.isoformat(),
        "performer": [patient],
        "policy": [{"uri": HIPAA_AUTHORIZATION}],
        "provision": provision,
    }


# -- values ---------------------------------------------------------------------------------------


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _instant(value: datetime) -> str:
    """A FHIR dateTime with seconds and a time zone (UTC assumed for a naive value)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def references(bundle: Resource) -> Sequence[str]:
    """Every "urn:uuid:" reference a bundle's resources make (for checking they resolve)."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            ref = value.get("reference")
            if isinstance(ref, str):
                found.append(ref)
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for entry in bundle["entry"]:
        walk(entry["resource"])
    return found
