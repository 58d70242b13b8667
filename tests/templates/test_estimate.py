from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from tests.templates.document_samples import CLIENT, PROVIDER, estimate
from tests.templates.pdf_text import pages, text
from therapy_desk.domain.documents import DocumentIncomplete, EstimateItem
from therapy_desk.templates.estimate import render

NOW = datetime(2026, 3, 1, 16, 0)


def test_estimate_lists_client_provider_services_and_total() -> None:
    out = text(render(estimate(), now=NOW))

    for field in (
        "GOOD FAITH ESTIMATE",
        "Estimate GFE-2026-0007",
        "Issued March 1, 2026",
        "Services 03/02/2026 to 08/31/2026",
        "Name Dana Whitfield",
        "Date of birth 07/14/1988",
        "NPI 1234567893",
        "Tax ID (EIN) 12-3456789",
        "410 Alder Street, Suite 3, Portland, OR 97205",
        "Diagnosis codes (ICD-10-CM) F41.1",
        "90791 Psychiatric diagnostic evaluation (intake) 11 1 $200.00 $200.00",
        "90837 Psychotherapy, 60 minutes, weekly 11 24 $160.00 $3,840.00",
        "Total estimated charges $4,040.00",
        "Page 1 of 1",
    ):
        assert field in out, field


def test_estimate_carries_the_required_notices() -> None:
    out = text(render(estimate(), now=NOW))

    assert "not a contract" in out
    assert "at least $400 more than this estimate" in out
    assert "patient-provider dispute resolution process" in out
    assert "www.cms.gov/nosurprises" in out
    assert "120 calendar days" in out
    assert "at least 6 years" in out


def test_diagnoses_not_yet_known_are_said_so() -> None:
    assert "Not yet known" in text(render(estimate(diagnoses=()), now=NOW))


def test_many_services_continue_with_their_header_and_the_client_named() -> None:
    items = tuple(EstimateItem(f"9{number:04d}", f"Service {number}", 1, 100_00) for number in range(60))
    out = pages(render(estimate(items=items), now=NOW))

    assert len(out) >= 2
    assert "Code Service POS Quantity Fee each Estimated" in out[1]
    assert all("Good Faith Estimate · Dana Whitfield · DOB 07/14/1988" in page for page in out)
    assert "Total estimated charges $6,000.00" in " ".join(out)


@pytest.mark.parametrize("name", ["김민지", "नूर अली"])
def test_an_estimate_prints_a_name_in_any_script(name: str) -> None:
    out = pages(render(estimate(client=replace(CLIENT, name=name, insurance=None)), now=NOW))

    assert "\x00" not in out[0]
    assert out[0].count(name) == 2


def test_no_estimate_without_npi_tax_id_dob_or_fees() -> None:
    incomplete = estimate(
        provider=replace(PROVIDER, npi="", tax_id=""),
        client=replace(CLIENT, dob=None),
        items=(EstimateItem("", "Psychotherapy", 10, 0),),
    )

    with pytest.raises(DocumentIncomplete) as refused:
        render(incomplete, now=NOW)

    assert [str(m) for m in refused.value.missing] == [
        "NPI — Settings › Practice profile",
        "Tax ID (EIN or SSN) — Settings › Practice profile",
        "The client's date of birth — the client's chart › Overview › Edit demographics",
        "Service code of expected service 1 — the Good Faith Estimate's services",
        "Fee of expected service 1 — the Good Faith Estimate's services",
    ]


def test_an_estimate_covers_at_most_twelve_months() -> None:
    from therapy_desk.errors import ValidationError

    with pytest.raises(ValidationError, match="at most 12 months"):
        estimate(period_start=date(2026, 3, 2), period_end=date(2027, 3, 2))
    assert estimate(period_start=date(2026, 3, 2), period_end=date(2027, 3, 1)).period_end == date(2027, 3, 1)
