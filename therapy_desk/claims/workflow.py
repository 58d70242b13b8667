"""What a clinician does with claims, over the vault: create them from unbilled charges, scrub them, mark
them ready only when the scrub finds no error, and refuse to print or send one that has errors.

`ScrubFailed` carries the findings of every claim that failed, so the CLI can list them and exit 2, and
the Claims page can show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from therapy_desk.claims.gather import claim_form
from therapy_desk.domain.claim_scrub import Finding, Severity, blocking, scrub
from therapy_desk.domain.claims import ClaimForm, ClaimState, claim_number
from therapy_desk.domain.icd10cm import code_set
from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.exports.x12_text import x12_text
from therapy_desk.storage.claims import Created
from therapy_desk.storage.vault import Vault


class ScrubFailed(UserError):
    """One or more claims have errors that block them; `findings` maps claim id -> its findings."""

    def __init__(self, findings: dict[int, list[Finding]]) -> None:
        self.findings = findings
        count = len(findings)
        super().__init__(
            f"{count} claim{'s' if count != 1 else ''} cannot be sent until {'they are' if count != 1 else 'it is'} "
            "fixed:\n" + "\n".join(describe(claim_id, items) for claim_id, items in findings.items())
        )


def describe(claim_id: int, findings: Sequence[Finding]) -> str:
    """A claim's findings as lines of text: the number, then each finding indented."""
    lines = [f"{claim_number(claim_id)}:"]
    lines += [f"  {finding.severity.value}: {finding}" for finding in findings]
    return "\n".join(lines)


@dataclass(frozen=True)
class Scrubbed:
    form: ClaimForm
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return blocking(self.findings)


def scrub_claim(vault: Vault, claim_id: int, *, today: date) -> Scrubbed:
    form = claim_form(vault, claim_id, today=today)
    return Scrubbed(form, [*_latin_letters(form), *scrub(form, code_set())])


_WHERE = {
    "2": "the coverage's name on the card",
    "4": "the coverage's name on the card, or its subscriber",
    "5": "the client's address",
    "7": "the coverage's subscriber address",
}


def _latin_letters(form: ClaimForm) -> list[Finding]:
    """Names and addresses a claim file (X12's character set) cannot carry, as errors on their boxes: an
    insurer has them on file as the insurance card spells them, in Latin letters, and a payer's scanner
    reads a paper form the same way."""
    values = (
        ("2", "patient's name", (form.patient.last, form.patient.first, form.patient.middle)),
        ("4", "insured's name", (form.insured.last, form.insured.first, form.insured.middle)),
        ("5", "patient's address", (form.patient.address.street, form.patient.address.city)),
        ("7", "insured's address", (form.insured.address.street, form.insured.address.city)),
    )
    findings = []
    for box, label, parts in values:
        try:
            for part in parts:
                if part.strip():
                    x12_text(part, box)
        except ValidationError:
            findings.append(
                Finding(
                    Severity.ERROR,
                    box,
                    f"The {label} has letters a claim cannot carry (only A to Z): enter it in Latin letters as "
                    f"the insurance card spells it ({_WHERE[box]}).",
                )
            )
    return findings


def make_ready(vault: Vault, claim_id: int, *, today: date) -> Scrubbed:
    """Scrub a claim: a draft with no error becomes ready, a ready claim with an error (the chart or the
    coverage changed since) goes back to draft. The findings say why."""
    result = scrub_claim(vault, claim_id, today=today)
    if not result.errors and result.form.state is ClaimState.DRAFT:
        vault.claims.move(claim_id, ClaimState.READY, detail=_passed(result.findings))
    elif result.errors and result.form.state is ClaimState.READY:  # something it reads changed since
        vault.claims.move(claim_id, ClaimState.DRAFT, detail=f"the scrub found {plural(len(result.errors), 'error')}")
    return result


def _passed(findings: Sequence[Finding]) -> str:
    warnings = len(findings)
    return "passed the scrub" + (f" with {warnings} warning{'s' if warnings != 1 else ''}" if warnings else "")


def create_and_scrub(
    vault: Vault, date_from: date, date_to: date, *, client_id: int | None = None, today: date
) -> tuple[Created, dict[int, Scrubbed]]:
    """Create claims from the unbilled charges in the period and scrub each; those with no error are ready."""
    created = vault.claims.create(date_from, date_to, client_id=client_id)
    return created, {claim.id: make_ready(vault, claim.id, today=today) for claim in created.claims}


def ready_forms(vault: Vault, claim_ids: Sequence[int], *, today: date) -> list[ClaimForm]:
    """The forms of claims about to be printed or sent: each scrubbed (a draft with no error becomes
    ready); `ScrubFailed` when any has errors, before anything is written."""
    results = {claim_id: make_ready(vault, claim_id, today=today) for claim_id in claim_ids}
    failed = {claim_id: r.errors for claim_id, r in results.items() if r.errors}
    if failed:
        raise ScrubFailed(failed)
    return [r.form for r in results.values()]
