"""An optional password on a document: AES-256 encryption of finished PDF bytes (pypdf)."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter

from therapy_desk.errors import ValidationError

MIN_PASSWORD = 4


def protect(pdf: bytes, password: str) -> bytes:
    """`pdf` encrypted with AES-256 so it opens only with `password` (the same password opens and owns it).

    Printing and copying stay allowed: the password is there to keep a file sent by email or left on a shared
    drive private, not to restrict the client who holds it.
    """
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"A document password has at least {MIN_PASSWORD} characters.", "password")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
