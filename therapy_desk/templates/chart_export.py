"""The chart copy: a client's record as one PDF for a records request or an insurer's audit.

A first page that says what the copy is (practice, clinician, client, period, the sections, the date it was
produced and, when it was disclosed, for whom), then each chosen section. Every page names the client and
their date of birth, says "Page x of y", and carries the confidentiality line. Notes are paragraphs, never
table cells, so a note of any length flows over pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from typing import Any

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Spacer

from therapy_desk.domain.chart_export import CONFIDENTIALITY, ChartDocument, ChartSection
from therapy_desk.domain.documents import long_date
from therapy_desk.domain.measures import SPECS
from therapy_desk.domain.notes import Note, verification_code
from therapy_desk.templates.base import Page
from therapy_desk.templates.base import render as render_pages
from therapy_desk.templates.document_parts import (
    DEFAULT_PAGESIZE,
    data_table,
    dob_text,
    doc_styles,
    fact_box,
    letterhead,
    plain,
    user,
)
from therapy_desk.templates.treatment_plan import plan_flowables

TITLE = "Chart Copy"


def render(doc: ChartDocument, *, pagesize: tuple[float, float] = DEFAULT_PAGESIZE) -> bytes:
    """The chart copy as PDF bytes."""
    client = doc.client
    page = Page(
        title=f"{TITLE} — {client.legal_name}",
        header=f"{TITLE} · {client.legal_name} · DOB {dob_text(client.dob)}",
        footer=CONFIDENTIALITY,
        author=doc.provider.name_with_credentials,
        subject=TITLE,
        pagesize=pagesize,
    )
    width = page.frame_width
    story: list[Flowable] = [*_cover(doc, width)]
    parts: dict[ChartSection, Callable[[ChartDocument, float], list[Flowable]]] = {
        ChartSection.DEMOGRAPHICS: _demographics,
        ChartSection.DIAGNOSES: _diagnoses,
        ChartSection.PLANS: _plans,
        ChartSection.NOTES: _notes,
        ChartSection.MEASURES: _measures,
        ChartSection.CONTACTS: _contacts,
        ChartSection.RELEASES: _releases,
    }
    for section in doc.options.ordered_sections():
        story += [CondPageBreak(120), plain(section.label, doc_styles().heading)]
        story += parts[section](doc, width)
    if doc.options.includes_psychotherapy_notes:
        story += [PageBreak(), plain("Psychotherapy notes", doc_styles().heading), *_process_notes(doc)]
    return render_pages(story, page)


def _cover(doc: ChartDocument, width: float) -> list[Flowable]:
    ds = doc_styles()
    client = doc.client
    sections = [s.label for s in doc.options.ordered_sections()]
    if doc.options.includes_psychotherapy_notes:
        sections.append("Psychotherapy notes (under the client's authorization)")
    facts = [
        ("Practice", doc.practice_name),
        ("Clinician", doc.provider.name_with_credentials),
        ("Client", client.legal_name),
        ("Date of birth", dob_text(client.dob)),
        ("Account", client.account_number),
        ("Period", doc.period_text()),
        ("Sections included", "; ".join(sections)),
        ("Date produced", long_date(doc.produced_on)),
        ("Prepared for", doc.recipient),
    ]
    counts = (
        f"{len(doc.notes)} signed notes, {len(doc.plans)} plan versions, {len(doc.measures)} measures in this copy."
    )
    return [
        letterhead(doc.provider, TITLE.upper(), [f"Produced {long_date(doc.produced_on)}"], width),
        Spacer(1, 12),
        fact_box("This copy", facts, width),
        Spacer(1, 6),
        plain(counts, ds.small),
        plain(
            "Signed notes and plans carry the signer, the time of signing and a verification code (the first "
            "digits of the SHA-256 seal of the signed text); unsigned drafts are not part of the record.",
            ds.small,
        ),
        Spacer(1, 6),
        plain(CONFIDENTIALITY, ds.notice),
    ]


def _demographics(doc: ChartDocument, width: float) -> list[Flowable]:
    c = doc.client
    address = ", ".join(p for p in (c.street, c.city, " ".join(x for x in (c.state, c.zip) if x)) if p)
    emergency = " · ".join(p for p in (c.emergency_name, c.emergency_relationship, c.emergency_phone) if p)
    facts = [
        ("Legal name", c.legal_name),
        ("Preferred name", c.preferred_name),
        ("Pronouns", c.pronouns),
        ("Date of birth", dob_text(c.dob)),
        ("Sex (administrative)", c.sex.name.capitalize()),
        ("Account", c.account_number),
        ("Status", c.status.value),
        ("Address", address),
        ("Phone", c.phone),
        ("Email", c.email),
        ("Emergency contact", emergency),
        ("Referral source", c.referral_source),
        ("Intake date", dob_text(c.intake_date)),
        ("Discharge date", dob_text(c.discharge_date)),
    ]
    return [fact_box("Client", facts, width)]


def _none(what: str) -> list[Flowable]:
    return [plain(f"No {what} on file.", doc_styles().text)]


def _diagnoses(doc: ChartDocument, width: float) -> list[Flowable]:
    if not doc.diagnoses:
        return _none("diagnoses")
    ds = doc_styles()
    rows = [
        [
            plain(d.code, ds.cell_bold),
            user(d.description, ds.cell),
            plain(dob_text(d.onset), ds.cell),
            plain(dob_text(d.resolved) or "Active", ds.cell),
        ]
        for d in doc.diagnoses
    ]
    widths = [width * w for w in (0.14, 0.56, 0.15, 0.15)]
    return [data_table(("ICD-10-CM", "Description", "Onset", "Resolved"), rows, widths)]


def _plans(doc: ChartDocument, width: float) -> list[Flowable]:
    if not doc.plans:
        return _none("signed treatment plans in this period")
    ds = doc_styles()
    story: list[Flowable] = []
    for plan in doc.plans:
        story += [plain(f"Treatment plan, version {plan.version}", ds.cell_bold), *plan_flowables(plan, doc.zone)]
        story.append(Spacer(1, 8))
    return story


def _notes(doc: ChartDocument, width: float) -> list[Flowable]:
    if not doc.notes:
        return _none("signed notes in this period")
    story: list[Flowable] = []
    for note in doc.notes:
        story += note_flowables(note, doc.zone)
    return story


def _stored_time(utc_text: str | None, zone: tzinfo) -> str:
    if not utc_text:
        return ""
    local = datetime.fromisoformat(utc_text.replace("Z", "+00:00")).astimezone(zone)
    return f"{long_date(local.date())}, {local.hour % 12 or 12}:{local:%M %p}"


def _code(content_hash: str | None) -> str:
    return verification_code(content_hash) if content_hash else "none"


def _paragraphs(text: str, style: Any) -> list[Flowable]:
    """User text, a paragraph per line so a very long text flows over pages and keeps its line breaks."""
    return [user(line, style) for line in text.splitlines() if line.strip()]


def note_flowables(note: Note, zone: tzinfo) -> list[Flowable]:
    """One signed note: its heading, each section, the exam and risk, its signature line, each addendum."""
    ds = doc_styles()
    times = ""
    if note.start_time and note.end_time:
        times = f" · {note.start_time:%H:%M}–{note.end_time:%H:%M}"
    day = long_date(note.date_of_service) if note.date_of_service else "Undated"
    title = f"{day}{times} · {note.kind.value.capitalize()} note ({note.format.value})"
    if note.service_code:
        title += f" · {note.service_code}"
    heading = plain(title, ds.heading.clone("note-heading", fontSize=10.5, leading=14, spaceBefore=10))
    body = ds.text.clone("note-body", spaceAfter=3)
    label = ds.cell_bold.clone("note-label", fontSize=9, leading=12, spaceBefore=3)
    story: list[Flowable] = []
    for section in note.sections:
        story += [plain(section.name, label), *_paragraphs(section.text, body)]
    if note.interventions:
        story += [plain("Interventions", label), user(", ".join(note.interventions), body)]
    if note.participants:
        story += [plain("Participants", label), user(", ".join(note.participants), body)]
    if note.mental_status is not None:
        story += [plain("Mental status exam", label), user(_facts(note.mental_status.to_dict()), body)]
    if note.risk is not None:
        story += [plain("Risk assessment", label), user(_facts(note.risk.to_dict()), body)]
    late = f" · late entry: {note.late_entry_reason}" if note.is_late_entry else ""
    signature = (
        f"Signed by {note.signed_by} at {_stored_time(note.signed_at, zone)} · "
        f"verification code {_code(note.content_hash)}{late}"
    )
    story.append(user(signature, ds.small.clone("signature", spaceBefore=3, spaceAfter=3)))
    for addendum in note.addenda:
        story.append(
            user(
                f"Addendum signed by {addendum.signed_by} at {_stored_time(addendum.signed_at, zone)} · "
                f"verification code {_code(addendum.content_hash)}",
                label,
            )
        )
        story += _paragraphs(addendum.text, body)
    # The heading stays with the start of the note; the rest flows.
    return [KeepTogether([heading, *story[:2]]), *story[2:]]


def _facts(values: dict[str, Any]) -> str:
    parts = []
    for key, value in values.items():
        if value in (None, "", [], {}, False):
            continue
        if isinstance(value, dict):
            text = _facts(value)
        elif isinstance(value, list | tuple):
            text = ", ".join(str(v) for v in value)
        elif value is True:
            text = "yes"
        else:
            text = str(value)
        parts.append(f"{key.replace('_', ' ')}: {text}")
    return "; ".join(parts)


def _measures(doc: ChartDocument, width: float) -> list[Flowable]:
    if not doc.measures:
        return _none("measures in this period")
    ds = doc_styles()
    rows = []
    for m in doc.measures:
        spec = SPECS[m.instrument]
        score = f"{m.total} of {m.total_max}" + ("" if m.complete else f" ({m.answered} of {spec.items} answered)")
        note = f"Entered in error: {m.entered_in_error_reason}" if m.in_error else "; ".join(m.flags)
        rows.append(
            [
                plain(dob_text(m.administered_on), ds.cell),
                plain(m.instrument.value, ds.cell_bold),
                plain(score, ds.cell),
                plain(m.band, ds.cell),
                user(note, ds.cell),
            ]
        )
    widths = [width * w for w in (0.13, 0.12, 0.22, 0.2, 0.33)]
    return [data_table(("Date", "Measure", "Score", "Severity", "Flags"), rows, widths)]


def _contacts(doc: ChartDocument, width: float) -> list[Flowable]:
    if not doc.contacts:
        return _none("care team contacts")
    ds = doc_styles()
    rows = []
    for c in doc.contacts:
        reach = " · ".join(p for p in (c.phone, f"fax {c.fax}" if c.fax else "", c.email) if p)
        rows.append(
            [plain(c.role.value, ds.cell), user(c.name, ds.cell), user(c.organization, ds.cell), user(reach, ds.cell)]
        )
    widths = [width * w for w in (0.16, 0.26, 0.26, 0.32)]
    return [data_table(("Role", "Name", "Organization", "Phone, fax, email"), rows, widths)]


def _releases(doc: ChartDocument, width: float) -> list[Flowable]:
    if not doc.releases:
        return _none("releases of information")
    ds = doc_styles()
    rows = []
    for r in doc.releases:
        state = _release_state(r.signed_on, r.expires_on, r.revoked_on, doc.produced_on)
        scope = r.scope + (" (covers psychotherapy notes)" if r.covers_psychotherapy_notes else "")
        rows.append(
            [
                user(r.recipient, ds.cell),
                user(scope, ds.cell),
                user(r.purpose, ds.cell),
                plain(dob_text(r.signed_on), ds.cell),
                plain(state, ds.cell),
            ]
        )
    widths = [width * w for w in (0.22, 0.25, 0.21, 0.12, 0.2)]
    return [data_table(("Recipient", "Scope", "Purpose", "Signed", "Status"), rows, widths)]


def _release_state(signed: date, expires: date | None, revoked: date | None, today: date) -> str:
    if revoked is not None:
        return f"Revoked {dob_text(revoked)}"
    if expires is not None and expires < today:
        return f"Expired {dob_text(expires)}"
    return f"Active until {dob_text(expires)}" if expires else "Active"


def _process_notes(doc: ChartDocument) -> Iterable[Flowable]:
    ds = doc_styles()
    if not doc.psychotherapy_notes:
        yield plain("No psychotherapy notes in this period.", ds.text)
    for note in doc.psychotherapy_notes:
        day = long_date(note.date_of_service) if note.date_of_service else "Undated"
        yield plain(day, ds.cell_bold.clone("process-day", fontSize=10, leading=13, spaceBefore=6))
        yield from _paragraphs(note.text, ds.text.clone("process-body", spaceAfter=3))
