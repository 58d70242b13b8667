from __future__ import annotations

import io
from datetime import datetime

import pypdf
import pytest
from pypdf.generic import DictionaryObject

from tests.templates.document_samples import superbill
from tests.templates.pdf_text import pages
from therapy_desk.errors import ValidationError
from therapy_desk.templates.protect import protect
from therapy_desk.templates.superbill import render


def test_a_protected_document_opens_only_with_its_password() -> None:
    pdf = protect(render(superbill(), now=datetime(2026, 4, 1)), "blue heron 42")

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted
    assert reader.decrypt("wrong password") == pypdf.PasswordType.NOT_DECRYPTED
    assert b"Dana Whitfield" not in pdf
    assert "Member ID XJH123456789" in pages(pdf, password="blue heron 42")[0]


def test_the_encryption_is_aes_256() -> None:
    pdf = protect(render(superbill(), now=datetime(2026, 4, 1)), "blue heron 42")

    encrypt = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Encrypt"].get_object()
    assert isinstance(encrypt, DictionaryObject)
    assert encrypt["/V"] == 5  # AES-256 (PDF 2.0 / ISO 32000-2)
    filters = encrypt["/CF"].get_object()
    assert isinstance(filters, DictionaryObject)
    standard = filters["/StdCF"].get_object()
    assert isinstance(standard, DictionaryObject)
    assert standard["/CFM"] == "/AESV3"


def test_a_too_short_password_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValidationError, match="at least 4 characters"):
        protect(render(superbill(), now=datetime(2026, 4, 1)), "ab")
