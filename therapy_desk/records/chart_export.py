"""The chart export: a copy of one client's record as a PDF (`chart_pdf`), written as a new file and recorded
(`write_chart_export`): the file lands with its row in the documents issued and, when it goes to someone
other than the clinician, its disclosure in the disclosures log, in one transaction.

Everything is read through the stores' public methods; `client_record` (records/fhir_gather.py) gives the
record the FHIR export carries, and this module adds what a chart copy needs beyond it (care contacts, and
psychotherapy notes only against a release of this client that covers them).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from pathlib import Path

from therapy_desk.documents.gather import provider_of
from therapy_desk.documents.issue import file_part, page_count
from therapy_desk.domain.chart_export import (
    ALL_SECTIONS,
    ChartDocument,
    ChartExportOptions,
    ChartSection,
    parse_sections,
)
from therapy_desk.domain.disclosures import Disclosure
from therapy_desk.domain.notes import ProcessNote
from therapy_desk.domain.plans import TreatmentPlan
from therapy_desk.errors import UnusableLocation, ValidationError
from therapy_desk.records.archive import ChartWriter
from therapy_desk.records.fhir_gather import client_record, practice_zone
from therapy_desk.storage.documents import DocumentKind
from therapy_desk.storage.files import write_new_file
from therapy_desk.storage.vault import Vault
from therapy_desk.templates import chart_export as chart_template

__all__ = [
    "ALL_SECTIONS",
    "ChartExportOptions",
    "ChartSection",
    "chart_document",
    "chart_file_name",
    "chart_pdf",
    "parse_sections",
    "write_chart_export",
]
DOCUMENT = "chart export"  # documents_issued.details["document"]: the kind CHECK has no 'chart' of its own


def chart_document(
    vault: Vault, client_id: int, options: ChartExportOptions | None = None, *, today: date | None = None,
    recipient: str = "",
) -> ChartDocument:  # fmt: skip
    """Read what the copy holds, filtered to `options` (None: the whole chart, no psychotherapy notes).
    Psychotherapy notes are read only against a release of this client, active today, that covers them."""
    options = (options or ChartExportOptions()).validated()
    day = today or date.today()
    record = client_record(vault, client_id)
    process: tuple[ProcessNote, ...] = ()
    if options.psychotherapy_release_id is not None:
        export = vault.notes.for_export(
            client_id, include_psychotherapy_notes=True, release_id=options.psychotherapy_release_id, on=day
        )
        process = tuple(
            sorted(
                (p for p in export.psychotherapy_notes if options.in_period(p.date_of_service)),
                key=lambda p: (p.date_of_service or date.min, p.id or 0),
            )
        )
    profile = vault.practice.profile()
    chosen = options.sections
    return ChartDocument(
        provider=provider_of(vault),
        practice_name=profile.group_name or profile.name,
        client=record.client,
        options=options,
        produced_on=day,
        zone=practice_zone(vault),
        recipient=recipient,
        diagnoses=record.diagnoses if ChartSection.DIAGNOSES in chosen else (),
        plans=tuple(p for p in record.plans if _plan_in_period(p, options)) if ChartSection.PLANS in chosen else (),
        notes=tuple(n for n in record.notes if options.in_period(n.date_of_service))
        if ChartSection.NOTES in chosen
        else (),
        measures=tuple(m for m in record.measures if options.in_period(m.administered_on))
        if ChartSection.MEASURES in chosen
        else (),
        contacts=tuple(vault.clients.contacts(client_id)) if ChartSection.CONTACTS in chosen else (),
        releases=record.releases if ChartSection.RELEASES in chosen else (),
        psychotherapy_notes=process,
    )


def _plan_in_period(plan: TreatmentPlan, options: ChartExportOptions) -> bool:
    """A plan version in force at some time in the period: effective before it ends, not replaced before it
    starts."""
    if options.until is not None and plan.effective_date > options.until:
        return False
    return not (options.since is not None and plan.superseded_at and plan.superseded_at.date() < options.since)


def chart_pdf(vault: Vault, client_id: int, options: ChartExportOptions | None = None) -> bytes:
    """One client's chart copy as PDF bytes (None: every section, all dates, no psychotherapy notes)."""
    return render_chart(chart_document(vault, client_id, options))


def render_chart(doc: ChartDocument) -> bytes:
    """The chart copy laid out as PDF (pure: the exit archive runs it in worker processes)."""
    return chart_template.render(doc)


def _whole_chart(vault: Vault, client_id: int) -> ChartDocument:
    return chart_document(vault, client_id)


CHART_WRITER = ChartWriter(gather=_whole_chart, render=render_chart)  # the exit archive's: every client's chart


def chart_file_name(vault: Vault, client_id: int, today: date) -> str:
    """ "chart-C000042-2026-12-03.pdf": the account number (else the id) and the day, never a name."""
    account = file_part(vault.clients.get(client_id).account_number) or str(client_id)
    return f"chart-{account}-{today.isoformat()}.pdf"


def write_chart_export(
    vault: Vault,
    client_id: int,
    options: ChartExportOptions | None,
    target_folder: Path,
    *,
    disclosure: Disclosure | None,
    today: date | None = None,
    name: str | None = None,
) -> Path:
    """Render the copy, write it as a new file in `target_folder` (`chart_file_name`, numbered when taken; with
    `name`, exactly that name or refused) and record it in the documents issued; with `disclosure` (someone
    other than the clinician), log it, in the same transaction. A failure leaves no file and no row."""
    options = (options or ChartExportOptions()).validated()
    day = today or date.today()
    if not target_folder.is_dir():
        raise UnusableLocation(f"{target_folder} is not a folder. Choose the folder the chart copy goes into.")
    if disclosure is not None and disclosure.client_id != client_id:
        raise ValidationError("The disclosure names another client than the chart exported.", "client_id")
    doc = chart_document(vault, client_id, options, today=day, recipient=disclosure.recipient if disclosure else "")
    pdf = chart_template.render(doc)
    logged: Disclosure | None = None
    if disclosure is not None:
        logged = replace(disclosure, what=doc.what(), psychotherapy_notes=options.includes_psychotherapy_notes)
        if options.includes_psychotherapy_notes:
            logged = replace(logged, release_id=options.psychotherapy_release_id)
        logged.validated(day)  # a sentence before anything is written
    written: Path | None = None
    try:
        with vault.documents.issuing():
            written = write_new_file(
                target_folder, name or chart_file_name(vault, client_id, day), pdf, numbered=name is None
            )
            vault.documents.record_issued(
                client_id,
                DocumentKind.OTHER,
                written.name,
                hashlib.sha256(pdf).hexdigest(),
                recipient=disclosure.recipient if disclosure else "",
                pages=page_count(pdf),
                period_from=options.since,
                period_to=options.until,
                details={
                    "document": DOCUMENT,
                    "sections": [s.value for s in options.ordered_sections()],
                    "notes": len(doc.notes),
                    "psychotherapy_notes": options.includes_psychotherapy_notes,
                },
            )
            if logged is not None:
                vault.disclosures.record(logged, today=day)
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return written
