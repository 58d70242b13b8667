"""Claims from the demo practice, for every payer it bills: each claim passes the scrub, and each payer's
837P file passes pyx12 with no errors and the app's own checks (counts, control numbers, totals)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.claims.x12_verdict import pyx12_errors
from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.claims.files import write_837p
from therapy_desk.claims.workflow import create_and_scrub
from therapy_desk.demo.builder import build_demo
from therapy_desk.domain.claims import ClaimState
from therapy_desk.storage.vault import Vault


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Vault]:
    vault, _ = Vault.create(tmp_path / "vault", PASSPHRASE, kdf=CHEAP_KDF)
    build_demo(vault, clients=30, years=1, seed=3)
    yield vault
    vault.close()


def test_every_payer_of_the_demo_gets_an_837p_that_pyx12_accepts(demo: Vault, tmp_path: Path) -> None:
    today = date.today()
    created, results = create_and_scrub(demo, today.replace(year=today.year - 2), today, today=today)
    assert created.claims
    assert {claim_id: [str(e) for e in r.errors] for claim_id, r in results.items() if r.errors} == {}
    payers = sorted({claim.payer_id for claim in created.claims})
    assert len(payers) >= 3
    for control, payer_id in enumerate(payers, start=1):
        ids = [claim.id for claim in created.claims if claim.payer_id == payer_id]
        written = write_837p(demo, payer_id, ids, tmp_path / f"payer-{payer_id}.x12", now=datetime.now().astimezone())
        text = written.read_text("ascii")
        assert pyx12_errors(text) == []
        segments = [s.strip() for s in text.split("~") if s.strip()]
        st = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
        se = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
        assert int(segments[se].split("*")[1]) == se - st + 1
        assert segments[0].split("*")[13] == f"{control:09d}" == segments[-1].split("*")[2]
        clm_totals = [float(s.split("*")[2]) for s in segments if s.startswith("CLM*")]
        assert len(clm_totals) == len(ids)
        assert round(sum(clm_totals) * 100) == sum(results[i].form.total_cents for i in ids)
        assert all(demo.claims.claim(i).state is ClaimState.SUBMITTED for i in ids)
        assert not re.search(r"[^A-Z0-9 !\"&'()+,\-./;?=*:^~\n]", text)
