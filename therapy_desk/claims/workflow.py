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
from therapy_desk.domain.claim_scrub import Finding, blocking, scrub
from therapy_desk.domain.claims import ClaimForm, ClaimState, claim_number
from therapy_desk.domain.icd10cm import code_set
from therapy_desk.errors import UserError
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
    return Scrubbed(form, scrub(form, code_set()))


def make_ready(vault: Vault, claim_id: int, *, today: date) -> Scrubbed:
    """Scrub a claim and, when nothing blocks it, mark a draft ready. The findings say why not."""
    result = scrub_claim(vault, claim_id, today=today)
    if not result.errors and result.form.state is ClaimState.DRAFT:
        vault.claims.move(claim_id, ClaimState.READY, detail=_passed(result.findings))
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
