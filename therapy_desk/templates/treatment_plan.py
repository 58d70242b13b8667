"""The treatment plan as a document: problems, goals, measurable objectives with target dates, interventions
with their modality, the frequency of services, the review date, version and status; lines for the client
and the clinician to sign, and the clinician's electronic signature (with its verification code) once the
version is signed. `plan_flowables` is shared with the chart export, which prints every version."""

from __future__ import annotations

from datetime import datetime, tzinfo

from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from therapy_desk.domain.clients import Client
from therapy_desk.domain.documents import Provider, long_date
from therapy_desk.domain.notes import verification_code
from therapy_desk.domain.plans import PlanStatus, TreatmentPlan
from therapy_desk.errors import ValidationError
from therapy_desk.templates.base import INK, Page
from therapy_desk.templates.base import render as render_pages
from therapy_desk.templates.document_parts import (
    DEFAULT_PAGESIZE,
    dob_text,
    doc_styles,
    fact_box,
    letterhead,
    plain,
    side_by_side,
    user,
)

TITLE = "Treatment Plan"
_STATUS = {PlanStatus.DRAFT: "Draft (not signed)", PlanStatus.SIGNED: "Signed", PlanStatus.SUPERSEDED: "Superseded"}


def status_text(plan: TreatmentPlan) -> str:
    return _STATUS[plan.status]


def signed_line(signed_by: str, signed_at: datetime | None, content_sha256: str, zone: tzinfo) -> str:
    """ "Signed by … at … · verification code …", as the note editor shows a signature."""
    when = ""
    if signed_at is not None:
        local = signed_at.astimezone(zone)
        when = f" at {long_date(local.date())}, {local.hour % 12 or 12}:{local:%M %p}"
    code = ""
    if content_sha256:
        try:
            code = f" · verification code {verification_code(content_sha256)}"
        except ValidationError:
            code = ""
    return f"Signed by {signed_by}{when}{code}"


def plan_flowables(plan: TreatmentPlan, zone: tzinfo) -> list[Flowable]:
    """One plan version's content: its facts, then each problem with its goals, objectives and interventions."""
    ds = doc_styles()
    facts = [
        f"Version {plan.version} · {status_text(plan)}",
        f"Effective {long_date(plan.effective_date)}",
    ]
    if plan.review_due is not None:
        facts.append(f"Review due {long_date(plan.review_due)}")
    story: list[Flowable] = [plain(" · ".join(facts), ds.text)]
    if plan.frequency:
        story.append(user(f"Frequency of services: {plan.frequency}", ds.text))
    if plan.participation:
        story.append(user(f"Client participation: {plan.participation}", ds.text))
    for p_index, problem in enumerate(plan.problems, 1):
        story.append(Spacer(1, 4))
        story.append(user(f"Problem {p_index}. {problem.statement}", ds.cell_bold.clone("problem", fontSize=10,
                                                                                         leading=13)))  # fmt: skip
        for g_index, goal in enumerate(problem.goals, 1):
            indent = ds.text.clone("goal", leftIndent=12, spaceBefore=2)
            story.append(user(f"Goal {p_index}.{g_index}: {goal.statement}", indent))
            for o_index, objective in enumerate(goal.objectives, 1):
                target = f" (target {long_date(objective.target_date)})" if objective.target_date else ""
                story.append(
                    user(f"Objective {p_index}.{g_index}.{o_index}: {objective.text}{target}",
                         ds.text.clone("objective", leftIndent=24))
                )  # fmt: skip
            for intervention in goal.interventions:
                words = f": {intervention.description}" if intervention.description else ""
                frequency = f" ({plan.frequency})" if plan.frequency else ""
                story.append(
                    user(f"Intervention — {intervention.modality.label}{words}{frequency}",
                         ds.text.clone("intervention", leftIndent=24))
                )  # fmt: skip
    if plan.is_signed or plan.status is PlanStatus.SUPERSEDED:
        story.append(Spacer(1, 4))
        story.append(user(signed_line(plan.signed_by, plan.signed_at, plan.content_sha256, zone), ds.small))
    return story


def _signature_lines(client: Client, provider: Provider, width: float) -> Flowable:
    ds = doc_styles()
    half = (width - 24) / 2
    rows = [
        ["", "", ""],
        [user(client.legal_name, ds.text), "", user(provider.name_with_credentials, ds.text)],
        [plain("Client signature", ds.small), "", plain("Clinician signature", ds.small)],
        ["", "", ""],
        [plain("Date", ds.small), "", plain("Date", ds.small)],
    ]
    table = Table(rows, colWidths=[half, 24, half], rowHeights=[30, None, None, 24, None])
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (0, 0), 0.8, INK),
                ("LINEBELOW", (2, 0), (2, 0), 0.8, INK),
                ("LINEBELOW", (0, 3), (0, 3), 0.8, INK),
                ("LINEBELOW", (2, 3), (2, 3), 0.8, INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return KeepTogether([Spacer(1, 14), table])


def render(
    plan: TreatmentPlan,
    client: Client,
    provider: Provider,
    *,
    zone: tzinfo,
    now: datetime | None = None,
    pagesize: tuple[float, float] = DEFAULT_PAGESIZE,
) -> bytes:
    """The plan as PDF bytes."""
    printed = now or datetime.now()
    dob = dob_text(client.dob)
    page = Page(
        title=f"{TITLE} — {client.legal_name}",
        header=f"{TITLE} · {client.legal_name} · DOB {dob}",
        footer=f"{provider.name_with_credentials} · printed {long_date(printed.date())}",
        author=provider.name_with_credentials,
        subject=TITLE,
        pagesize=pagesize,
        margin=0.6 * 72,
    )
    width = page.frame_width
    ds = doc_styles()
    client_facts = [("Name", client.legal_name), ("Date of birth", dob), ("Account", client.account_number)]
    plan_facts = [
        ("Version", str(plan.version)),
        ("Status", status_text(plan)),
        ("Effective", long_date(plan.effective_date)),
        ("Review due", long_date(plan.review_due) if plan.review_due else ""),
    ]
    story: list[Flowable] = [
        letterhead(provider, TITLE.upper(), [f"Printed {long_date(printed.date())}"], width),
        Spacer(1, 10),
        side_by_side(
            fact_box("Client", client_facts, (width - 12) / 2), fact_box("Plan", plan_facts, (width - 12) / 2), width
        ),
        plain("Problems, goals, objectives and interventions", ds.heading),
        *plan_flowables(plan, zone),
        _signature_lines(client, provider, width),
    ]
    return render_pages(story, page)
