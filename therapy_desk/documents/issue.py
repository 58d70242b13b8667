"""Issue a document: gather it, refuse it while a required field is empty, render it, optionally protect it
with a password, write it as a new file in the chosen folder, and record it in the documents issued.

The file and its record go together: the record (and, for an estimate, the estimate kept) is written in
one transaction around the file's write, so a write that fails leaves neither, and a record that fails
removes the file it had just written. A file is never written over another: "Superbill 2026-03
C000042.pdf" becomes "Superbill 2026-03 C000042 (2).pdf" (or, with an exact `name`, is refused).
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from therapy_desk.documents.gather import estimate_for, statement_for, superbill_for
from therapy_desk.domain.documents import (
    DocumentIncomplete,
    EstimateItem,
    missing_for_estimate,
    missing_for_statement,
    missing_for_superbill,
)
from therapy_desk.errors import UnusableLocation
from therapy_desk.storage.documents import DocumentKind, EstimateLine, IssuedDocument
from therapy_desk.storage.files import write_new_file
from therapy_desk.storage.vault import Vault
from therapy_desk.templates import estimate as estimate_pdf
from therapy_desk.templates import statement as statement_pdf
from therapy_desk.templates import superbill as superbill_pdf
from therapy_desk.templates.protect import protect

_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')
TITLES = {
    DocumentKind.SUPERBILL: "Superbill",
    DocumentKind.STATEMENT: "Statement",
    DocumentKind.ESTIMATE: "Good Faith Estimate",
}


def page_count(pdf: bytes) -> int:
    """The pages of an unencrypted PDF as reportlab writes it (one /Type /Page object each)."""
    return max(1, len(_PAGE.findall(pdf)))


def period_label(date_from: date, date_to: date) -> str:
    """ "2026-03" for a whole calendar month, "2026-03-04" for one day, else "2026-03-01 to 2026-03-20"."""
    if date_from == date_to:
        return date_from.isoformat()
    last_day = calendar.monthrange(date_from.year, date_from.month)[1]
    if date_from.day == 1 and date_to == date_from.replace(day=last_day):
        return f"{date_from:%Y-%m}"
    return f"{date_from.isoformat()} to {date_to.isoformat()}"


def file_part(text: str) -> str:
    """`text` (an account number, say) made safe inside a file name on any system."""
    return _UNSAFE.sub("-", text).strip(" .-")


def document_name(kind: DocumentKind, account_number: str, label: str) -> str:
    """The file name: the kind, its period and the client's account number (never the client's name)."""
    account = file_part(account_number)
    return " ".join(p for p in (TITLES[kind], label, account) if p) + ".pdf"


def _checked_folder(folder: Path) -> Path:
    if not folder.is_dir():
        raise UnusableLocation(f"{folder} is not a folder. Choose the folder the document goes into.")
    return folder


def _write_recorded(
    vault: Vault,
    folder: Path,
    name: str,
    *,
    numbered: bool,
    password: str | None,
    make: Callable[[], bytes],
    record: Callable[[str, str, int], IssuedDocument],
) -> IssuedDocument:
    """In one transaction: `make()` the PDF (it may record first, as an estimate does), protect it, write it
    as a new file, then `record(file name, sha256, pages)`. Any failure rolls the records back and removes
    the file if it was written."""
    written: Path | None = None
    try:
        with vault.documents.issuing():
            pdf = make()
            pages = page_count(pdf)
            data = protect(pdf, password) if password else pdf
            written = write_new_file(folder, name, data, numbered=numbered)
            issued = record(written.name, hashlib.sha256(data).hexdigest(), pages)
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return issued


def issue_superbill(
    vault: Vault,
    client_id: int,
    folder: Path,
    *,
    date_from: date,
    date_to: date,
    appointment_id: int | None = None,
    password: str | None = None,
    recipient: str = "",
    today: date,
    name: str | None = None,
) -> IssuedDocument:
    """Write the superbill of one session (`appointment_id`) or of `date_from`..`date_to` into `folder`
    ("Superbill 2026-03 C000042.pdf", numbered when taken; with `name`, exactly that name or refused) and
    record it. `DocumentIncomplete` lists what is missing, before anything is written."""
    folder = _checked_folder(folder)
    doc = superbill_for(
        vault, client_id, date_from=date_from, date_to=date_to, appointment_id=appointment_id, today=today
    )
    _refuse("superbill", missing_for_superbill(doc))
    first, last = doc.first_date or date_from, doc.last_date or date_to
    period = (first, last) if appointment_id is not None else (date_from, date_to)
    details: dict[str, Any] = {"lines": len(doc.lines), "total_cents": doc.total_fee_cents}
    if appointment_id is not None:
        details["appointment_id"] = appointment_id
    return _write_recorded(
        vault,
        folder,
        name or document_name(DocumentKind.SUPERBILL, doc.client.account_number, period_label(*period)),
        numbered=name is None,
        password=password,
        make=_ready(superbill_pdf.render(doc)),
        record=_recorder(vault, client_id, DocumentKind.SUPERBILL, recipient, period, details, password),
    )


def issue_statement(
    vault: Vault,
    client_id: int,
    folder: Path,
    *,
    as_of: date,
    period_from: date,
    period_to: date,
    password: str | None = None,
    recipient: str = "",
    name: str | None = None,
) -> IssuedDocument:
    """Write the client's statement dated `as_of` for `period_from`..`period_to` into `folder`
    ("Statement 2026-03 C000042.pdf") and record it."""
    folder = _checked_folder(folder)
    doc = statement_for(vault, client_id, as_of=as_of, period_from=period_from, period_to=period_to)
    _refuse("statement", missing_for_statement(doc))
    details = {"balance_cents": doc.balance_due_cents}
    return _write_recorded(
        vault,
        folder,
        name or document_name(DocumentKind.STATEMENT, doc.client.account_number, period_label(period_from, period_to)),
        numbered=name is None,
        password=password,
        make=_ready(statement_pdf.render(doc)),
        record=_recorder(vault, client_id, DocumentKind.STATEMENT, recipient, (period_from, period_to), details,
                         password),
    )  # fmt: skip


def issue_estimate(
    vault: Vault,
    client_id: int,
    folder: Path,
    *,
    issued_on: date,
    period_from: date,
    period_to: date,
    items: Sequence[EstimateItem] | None = None,
    password: str | None = None,
    recipient: str = "",
    name: str | None = None,
) -> IssuedDocument:
    """Write a Good Faith Estimate into `folder` ("Good Faith Estimate 2026-03-04 C000042.pdf"), keep it in
    the client's estimates (`vault.documents.add_estimate`, numbered "GFE-2026-0007" on the page) with its
    PDF's SHA-256, and record it: all in one transaction with the file's write."""
    folder = _checked_folder(folder)
    doc = estimate_for(vault, client_id, issued_on=issued_on, period_from=period_from, period_to=period_to, items=items)
    _refuse("Good Faith Estimate", missing_for_estimate(doc))
    codes = tuple(d.code for d in doc.diagnoses)
    lines = [EstimateLine(i.code, i.description or i.code, i.quantity, i.unit_fee_cents, codes) for i in doc.items]
    kept: list[int] = []
    details: dict[str, Any] = {"total_cents": doc.total_cents}

    def make() -> bytes:
        estimate = vault.documents.add_estimate(client_id, period_from, period_to, lines)
        kept.append(estimate.id)
        details["estimate_id"] = estimate.id
        return estimate_pdf.render(replace(doc, reference=f"GFE-{issued_on.year}-{estimate.id:04d}"))

    record = _recorder(vault, client_id, DocumentKind.ESTIMATE, recipient, (period_from, period_to), details,
                       password)  # fmt: skip

    def record_estimate(file_name: str, sha256: str, pages: int) -> IssuedDocument:
        vault.documents.set_estimate_document(kept[0], sha256)
        return record(file_name, sha256, pages)

    return _write_recorded(
        vault,
        folder,
        name or document_name(DocumentKind.ESTIMATE, doc.client.account_number, issued_on.isoformat()),
        numbered=name is None,
        password=password,
        make=make,
        record=record_estimate,
    )


def _ready(pdf: bytes) -> Callable[[], bytes]:
    """A PDF rendered before the transaction: the vault is not held while reportlab lays out pages."""
    return lambda: pdf


def _refuse(document: str, missing: Sequence[Any]) -> None:
    if missing:
        raise DocumentIncomplete(document, missing)


def _recorder(
    vault: Vault,
    client_id: int,
    kind: DocumentKind,
    recipient: str,
    period: tuple[date, date],
    details: dict[str, Any],
    password: str | None,
) -> Callable[[str, str, int], IssuedDocument]:
    def record(file_name: str, sha256: str, pages: int) -> IssuedDocument:
        return vault.documents.record_issued(
            client_id,
            kind,
            file_name,
            sha256,
            recipient=recipient,
            pages=pages,
            period_from=period[0],
            period_to=period[1],
            details={**details, "password_protected": bool(password)},
        )

    return record
