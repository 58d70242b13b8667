from __future__ import annotations

import io
import unicodedata
from datetime import date
from pathlib import Path

import pypdf
import pytest

from therapy_desk.storage.keyslots import generate_recovery_code
from therapy_desk.templates.recovery_kit import TITLE, recovery_kit_pdf


def _pages(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [page.extract_text() for page in reader.pages]


def test_recovery_kit_is_one_page_with_the_code_the_folder_and_the_steps(tmp_path: Path) -> None:
    code = generate_recovery_code()
    folder = tmp_path / "vault"

    pages = _pages(recovery_kit_pdf(code, str(folder), date(2025, 3, 14), "Maren Brennan, LCSW"))

    assert len(pages) == 1
    text = pages[0]
    assert TITLE in text
    assert code in text
    assert str(folder) in text
    assert "Maren Brennan, LCSW" in text
    assert "March 14, 2025" in text
    assert "Forgot passphrase?" in text
    assert "Type the recovery code" in text
    assert "therapy-desk vault recover --vault" in text
    assert "Page 1 of 1" in text


def test_recovery_kit_prints_names_in_any_script_and_needs_no_practice_name() -> None:
    pages = _pages(recovery_kit_pdf("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG", "/home/Зоя/vault", date(2025, 1, 2)))

    assert len(pages) == 1
    assert "/home/Зоя/vault" in pages[0]
    assert "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG" in pages[0]


@pytest.mark.parametrize("depth", [1, 40])
def test_a_long_vault_folder_still_fits_on_one_page(depth: int) -> None:
    folder = "/Volumes/Practice Drive/" + "a-rather-long-folder-name/" * depth + "vault"

    pages = _pages(recovery_kit_pdf(generate_recovery_code(), folder, date(2025, 1, 2), "Dev Okafor-Lindqvist"))

    assert len(pages) == 1


def test_the_kit_carries_a_title_in_its_metadata() -> None:
    reader = pypdf.PdfReader(io.BytesIO(recovery_kit_pdf(generate_recovery_code(), "/v", date(2025, 1, 2))))

    assert reader.metadata is not None
    assert reader.metadata.title == TITLE


@pytest.mark.parametrize("practice", ["김민지 상담소", "عيادة فاطمة حداد", "李芳心理咨询", "Παπαδόπουλος & Nguyễn"])
def test_the_practice_and_the_folder_print_in_their_own_script(practice: str) -> None:
    folder = "/home/김민지/볼트"
    pages = _pages(recovery_kit_pdf(generate_recovery_code(), folder, date(2025, 1, 2), practice))

    text = unicodedata.normalize("NFKC", pages[0])  # Arabic reads back as presentation forms
    assert "\x00" not in text  # what a character without a glyph reads back as
    assert text.count(practice) == 2  # the running header and the subtitle
    assert text.count(folder) == 2  # where the vault lives, and the command
