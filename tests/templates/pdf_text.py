"""Reading a document back as a payer's software would: the text of each page, with runs of whitespace as one
space (pypdf puts a table's cells on lines of their own)."""

from __future__ import annotations

import io
import unicodedata

import pypdf


def pages(pdf: bytes, password: str | None = None) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf), password=password)
    return [" ".join(unicodedata.normalize("NFKC", page.extract_text()).split()) for page in reader.pages]


def text(pdf: bytes) -> str:
    return " ".join(pages(pdf))
