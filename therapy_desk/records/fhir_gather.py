"""Gather what the FHIR export carries from the vault through the stores' public methods: a client's
chart (diagnoses, attended sessions, signed plan versions, measures, signed notes, coverages, releases),
the practice profile and the practice's time zone. Psychotherapy notes are never read: notes come from
`NoteStore.for_export`, which leaves them out unless asked for against a release."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from therapy_desk.domain.plans import PlanStatus
from therapy_desk.domain.scheduling import ZONE_SETTING, Appointment, AppointmentStatus, zone
from therapy_desk.errors import ValidationError
from therapy_desk.exports.fhir import ClientRecord, Resource, client_bundle, practice_bundle
from therapy_desk.storage.practice_zone import computer_zone_name
from therapy_desk.storage.vault import Vault

_PAGE = 500  # the schedule's largest page


def client_record(vault: Vault, client_id: int) -> ClientRecord:
    """One client's record as the FHIR export carries it (a sentence for an unknown client)."""
    client = vault.clients.get(client_id)
    plans = tuple(
        vault.plans.get(summary.id)
        for summary in reversed(vault.plans.history(client_id))
        if summary.status is not PlanStatus.DRAFT
    )
    return ClientRecord(
        client=client,
        diagnoses=tuple(vault.clients.diagnoses(client_id, include_resolved=True)),
        attended=tuple(_attended(vault, client_id)),
        plans=plans,
        measures=tuple(reversed(vault.measures.for_client(client_id))),
        notes=vault.notes.for_export(client_id).notes,
        coverages=tuple(vault.billing.coverages(client_id)),
        releases=tuple(vault.clients.releases(client_id)),
    )


def _attended(vault: Vault, client_id: int) -> Iterator[Appointment]:
    """Every attended session of the client, oldest first, read a page at a time."""
    seen: set[int | None] = set()
    after: datetime | None = None
    while True:
        page = vault.schedule.for_client(
            client_id, after=after, limit=_PAGE, newest_first=False, statuses=[AppointmentStatus.ATTENDED]
        )
        new = [a for a in page if a.id not in seen]
        yield from new
        if len(page) < _PAGE or not new:
            return
        seen.update(a.id for a in new)
        after = new[-1].start


def practice_zone(vault: Vault) -> ZoneInfo:
    """The practice's time zone (the schedule's wall times are in it), read without storing anything."""
    stored = vault.practice.setting(ZONE_SETTING)
    try:
        return zone(stored or computer_zone_name())
    except ValidationError:
        return zone("UTC")


def client_fhir(vault: Vault, client_id: int, *, today: date, now: datetime) -> Resource:
    """One client's FHIR R4 Bundle."""
    record = client_record(vault, client_id)
    return client_bundle(
        record, vault.practice.profile(), vault_id=vault.vault_id, zone=practice_zone(vault), today=today, now=now
    )


def practice_fhir(vault: Vault, *, today: date, now: datetime) -> Resource:
    """Every client's record and the practice's Practitioner as one FHIR R4 Bundle."""
    records = (client_record(vault, client_id) for client_id in vault.caseload.ids())
    return practice_bundle(
        records, vault.practice.profile(), vault_id=vault.vault_id, zone=practice_zone(vault), today=today, now=now
    )
