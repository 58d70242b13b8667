"""Write claims to files: CMS-1500 PDFs (plain paper, or data only for the pre-printed red form), the
printer alignment page, and 837P files for a clearinghouse.

Every claim is scrubbed first (`workflow.ready_forms`): one with an error stops the whole write, before
anything is written, and `ScrubFailed` lists why. A file is never written over another. An 837P file and
its record (the batch with its control number, the claims marked submitted) go together: a file that
cannot be written records nothing, and a record that fails removes the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from therapy_desk.claims.workflow import ready_forms
from therapy_desk.domain.claims import ClaimForm
from therapy_desk.errors import UnusableLocation, UserError, ValidationError
from therapy_desk.exports import x12_837p as x12
from therapy_desk.exports.x12_837p import Envelope, check_837p
from therapy_desk.storage.documents import DocumentKind
from therapy_desk.storage.files import write_new_file
from therapy_desk.storage.vault import Vault
from therapy_desk.templates.cms1500 import render_alignment_page, render_cms1500, render_cms1500_red

# Settings (the vault's settings table) for the 837P envelope; blank: the defaults named in `envelope_for`.
SUBMITTER_ID = "claims.submitter_id"  # the ID the clearinghouse assigned the practice
RECEIVER_ID = "claims.receiver_id"  # the clearinghouse's ID
RECEIVER_NAME = "claims.receiver_name"
TEST_FILES = "claims.test_files"  # "1": files are marked as tests (ISA15 T) while trying a clearinghouse
# How far the red form's values move on this practice's printer, in millimetres (right, up), from the
# alignment page.
RED_RIGHT_MM = "claims.red_form_right_mm"
RED_UP_MM = "claims.red_form_up_mm"
MAX_OFFSET_MM = 20.0
_POINTS_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class X12Settings:
    submitter_id: str = ""
    receiver_id: str = ""
    receiver_name: str = ""
    test_files: bool = False


def x12_settings(vault: Vault) -> X12Settings:
    setting = vault.practice.setting
    return X12Settings(
        setting(SUBMITTER_ID, "") or "",
        setting(RECEIVER_ID, "") or "",
        setting(RECEIVER_NAME, "") or "",
        setting(TEST_FILES, "0") == "1",
    )


def save_x12_settings(vault: Vault, settings: X12Settings) -> None:
    for field, value, label in (
        ("submitter_id", settings.submitter_id, "The submitter ID"),
        ("receiver_id", settings.receiver_id, "The receiver ID"),
    ):
        text = value.strip().upper()
        if text and not (2 <= len(text) <= 15 and text.isascii() and text.isalnum()):
            raise ValidationError(f"{label} is 2 to 15 letters and digits, as the clearinghouse gave it.", field)
    name = " ".join(settings.receiver_name.split())
    if len(name) > 60:
        raise ValidationError("The clearinghouse's name is longer than 60 characters.", "receiver_name")
    vault.practice.set_setting(SUBMITTER_ID, settings.submitter_id.strip().upper())
    vault.practice.set_setting(RECEIVER_ID, settings.receiver_id.strip().upper())
    vault.practice.set_setting(RECEIVER_NAME, name)
    vault.practice.set_setting(TEST_FILES, "1" if settings.test_files else "0")


def red_form_offsets(vault: Vault) -> tuple[float, float]:
    """The red form's printer offsets in millimetres (right, up); 0 when not set or not a number."""
    values = []
    for key in (RED_RIGHT_MM, RED_UP_MM):
        try:
            value = float(vault.practice.setting(key, "0") or "0")
        except ValueError:
            value = 0.0
        values.append(value if abs(value) <= MAX_OFFSET_MM else 0.0)
    return values[0], values[1]


def save_red_form_offsets(vault: Vault, right_mm: float, up_mm: float) -> None:
    for value in (right_mm, up_mm):
        if not -MAX_OFFSET_MM <= value <= MAX_OFFSET_MM:
            raise ValidationError(f"An offset moves the print at most {MAX_OFFSET_MM:.0f} mm.", "offset")
    vault.practice.set_setting(RED_RIGHT_MM, f"{right_mm:.1f}")
    vault.practice.set_setting(RED_UP_MM, f"{up_mm:.1f}")


def envelope_for(vault: Vault, form: ClaimForm, control_number: int, now: datetime) -> Envelope:
    """The file's envelope: the settings, or by default the billing NPI as submitter and the payer (its
    electronic ID and name) as receiver, for a payer that takes files directly."""
    settings = x12_settings(vault)
    profile = vault.practice.profile()
    return Envelope(
        control_number=control_number,
        created=now,
        submitter_name=form.billing.display_name,
        submitter_id=settings.submitter_id or form.billing.npi,
        submitter_contact=profile.name,
        submitter_phone=profile.phone,
        receiver_name=settings.receiver_name or form.payer.name,
        receiver_id=settings.receiver_id or form.payer.electronic_id,
        production=not settings.test_files,
    )


def _target(path: Path, *suffixes: str) -> tuple[Path, str]:
    if path.suffix.lower() not in suffixes:
        raise UnusableLocation(f"Give the file a name ending in {' or '.join(suffixes)}.")
    if not path.parent.is_dir():
        raise UnusableLocation(f"{path.parent} is not a folder. Choose the folder the file goes into.")
    return path.parent, path.name


def _signed(forms: Sequence[ClaimForm], today: date) -> list[ClaimForm]:
    """Box 31 dated the day the claim is printed or sent, unless a date was recorded."""
    return [f if f.provider_signed_on else replace(f, provider_signed_on=today) for f in forms]


def write_cms1500(vault: Vault, claim_ids: Sequence[int], path: Path, *, today: date, red: bool = False) -> Path:
    """One PDF of the claims' CMS-1500 forms (each claim on its own forms), as a new file at `path`; each
    claim printed is recorded in its client's documents issued."""
    folder, name = _target(path, ".pdf")
    if not claim_ids:
        raise ValidationError("Choose the claims to print.", "claims")
    forms = _signed(ready_forms(vault, claim_ids, today=today), today)
    if red:
        right, up = red_form_offsets(vault)
        pdfs = [render_cms1500_red(form, printed_on=today, offset_x_pt=right * _POINTS_PER_MM,
                                   offset_y_pt=up * _POINTS_PER_MM) for form in forms]  # fmt: skip
    else:
        pdfs = [render_cms1500(form, printed_on=today) for form in forms]
    data = pdfs[0] if len(pdfs) == 1 else _joined(pdfs)
    written: Path | None = None
    try:
        with vault.documents.issuing():
            written = write_new_file(folder, name, data, numbered=False)
            digest = hashlib.sha256(data).hexdigest()
            for form in forms:
                vault.documents.record_issued(
                    _client_of(vault, form), DocumentKind.OTHER, written.name, digest, recipient=form.payer.name,
                    period_from=form.first_date, period_to=form.last_date, pages=len(form.form_pages()),
                    details={"claim": form.claim_number, "form": "CMS-1500 red" if red else "CMS-1500"},
                )  # fmt: skip
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return written


def _client_of(vault: Vault, form: ClaimForm) -> int:
    return vault.claims.claim(form.claim_id).client_id


def _joined(pdfs: Sequence[bytes]) -> bytes:
    """Several claims' PDFs as one file, their pages in order."""
    writer = PdfWriter()
    for pdf in pdfs:
        for page in PdfReader(BytesIO(pdf)).pages:
            writer.add_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def write_alignment_page(vault: Vault, path: Path) -> Path:
    """The red-form alignment test page as a new PDF at `path`, with the practice's printer offsets."""
    folder, name = _target(path, ".pdf")
    right, up = red_form_offsets(vault)
    page = render_alignment_page(offset_x_pt=right * _POINTS_PER_MM, offset_y_pt=up * _POINTS_PER_MM)
    return write_new_file(folder, name, page, numbered=False)


def write_837p(vault: Vault, payer_id: int, claim_ids: Sequence[int], path: Path, *, now: datetime) -> Path:
    """One payer's claims as an 837P file at `path`, checked by the app's own rules before it is written;
    the batch is kept with its control number and the claims are marked submitted."""
    folder, name = _target(path, ".x12", ".837", ".txt")
    if not claim_ids:
        raise ValidationError("There are no ready claims for this payer to put in a file.", "claims")
    claims = [vault.claims.claim(claim_id) for claim_id in claim_ids]
    if any(claim.payer_id != payer_id for claim in claims):
        raise ValidationError("An 837P file holds one payer's claims; export each payer's claims on their own.",
                              "claims")  # fmt: skip
    today = now.date()
    forms = _signed(ready_forms(vault, claim_ids, today=today), today)
    control = vault.claims.next_control_number()
    text = x12.write_837p(forms, envelope_for(vault, forms[0], control, now))
    problems = check_837p(text, forms)
    if problems:
        raise UserError("The 837P file did not pass its own checks, so it was not written:\n" + "\n".join(problems))
    data = text.encode("ascii")
    written: Path | None = None
    try:
        with vault.claims.transaction():
            written = write_new_file(folder, name, data, numbered=False)
            vault.claims.record_batch(
                control, payer_id, claim_ids, file_name=written.name, sha256=hashlib.sha256(data).hexdigest()
            )
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return written
