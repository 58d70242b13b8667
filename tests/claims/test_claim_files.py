"""Claims written to files from a real vault: the CMS-1500 PDF, the 837P file a clearinghouse takes (pyx12's
verdict and the app's own checks), the control numbers kept, and nothing written for a claim with errors."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pypdfium2
import pytest

from tests.claims.practice import claims_practice
from tests.claims.x12_verdict import pyx12_errors
from tests.documents.practice import MARCH, TODAY
from therapy_desk.claims.files import X12Settings, save_x12_settings, write_837p, write_cms1500
from therapy_desk.claims.workflow import ScrubFailed, create_and_scrub
from therapy_desk.domain.claims import ClaimState
from therapy_desk.errors import UnusableLocation
from therapy_desk.storage.documents import DocumentKind
from therapy_desk.storage.vault import Vault

NOW = datetime(2025, 3, 31, 17, 5)


def _claim(vault: Vault) -> int:
    claims_practice(vault)
    _, results = create_and_scrub(vault, *MARCH, today=TODAY)
    [claim_id] = results
    return claim_id


def _text(pdf: Path) -> str:
    document = pypdfium2.PdfDocument(pdf.read_bytes())
    return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)


def test_the_cms1500_pdf_carries_the_claim_and_is_recorded(vault: Vault, tmp_path: Path) -> None:
    claim_id = _claim(vault)
    practice_client = vault.claims.claim(claim_id).client_id
    written = write_cms1500(vault, [claim_id], tmp_path / "claim.pdf", today=TODAY)
    text = _text(written)
    for value in ("HVH778812", "REYES, ANA", "F41.1", "F32.1", "1234567893", "12-3456789"):
        assert value in text
    assert "SIGNATURE ON FILE" in text
    [issued] = vault.documents.issued(practice_client)
    assert (issued.kind, issued.file_name, issued.details["claim"]) == (
        DocumentKind.OTHER, "claim.pdf", vault.claims.claim(claim_id).number,
    )  # fmt: skip
    with pytest.raises(UnusableLocation):  # never over a file already there
        write_cms1500(vault, [claim_id], written, today=TODAY)


def test_an_837p_file_passes_pyx12_and_its_claims_are_submitted(vault: Vault, tmp_path: Path) -> None:
    claim_id = _claim(vault)
    payer_id = vault.claims.claim(claim_id).payer_id
    save_x12_settings(vault, X12Settings("SUB12345", "CLEARHOUSE1", "Clear House", test_files=True))
    written = write_837p(vault, payer_id, [claim_id], tmp_path / "march.x12", now=NOW)
    text = written.read_text("ascii")
    assert pyx12_errors(text) == []
    assert re.search(r"ISA\*00\*          \*00\*          \*ZZ\*SUB12345 +\*ZZ\*CLEARHOUSE1 +\*", text)
    assert "*T*:~" in text  # a test file while the clearinghouse is being tried
    assert f"CLM*{vault.claims.claim(claim_id).number}*" in text
    assert vault.claims.claim(claim_id).state is ClaimState.SUBMITTED
    [(control, _, claim_ids, file_name)] = vault.claims.batches()
    assert (control, claim_ids, file_name) == (1, [claim_id], "march.x12")
    assert "*000000001*" in text.split("~")[0]
    assert vault.claims.next_control_number() == 2


def test_a_claim_with_an_error_writes_no_file_and_records_nothing(vault: Vault, tmp_path: Path) -> None:
    claim_id = _claim(vault)
    payer_id = vault.claims.claim(claim_id).payer_id
    vault.claims.update(vault.claims.claim(claim_id), today=TODAY)  # back to draft
    profile = vault.practice.profile()
    vault.practice.save_profile(replace(profile, tax_id=""))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ScrubFailed) as failed:
        write_837p(vault, payer_id, [claim_id], out / "march.x12", now=NOW)
    assert "Box 25: The practice's tax ID is missing" in str(failed.value)
    assert list(out.iterdir()) == []
    assert vault.claims.batches() == []
    assert vault.claims.claim(claim_id).state is ClaimState.DRAFT
    with pytest.raises(ScrubFailed):
        write_cms1500(vault, [claim_id], out / "claim.pdf", today=TODAY)
    assert list(out.iterdir()) == []
