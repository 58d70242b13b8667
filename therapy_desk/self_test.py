"""`therapy-desk --self-test`: the whole cycle a clinician's day rests on, run once in a temporary folder on
this computer, so an installed copy (or CI) proves it works here: create a vault, add a client, book and sign
a note, write a superbill and read it back, back up and verify, restore into another folder and check it,
and open the app offscreen on the caseload. Every step is timed; the exit is 0 only when all passed.

The data is invented and stays in the temporary folder, which is removed at the end whatever happens; no
window is shown (Qt's offscreen platform) and the real vault and settings are never touched
(THERAPY_DESK_HOME points into the temporary folder while it runs).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import TextIO

from therapy_desk import __version__
from therapy_desk.domain.billing import Coverage, Payer
from therapy_desk.domain.clients import AdministrativeSex, Client
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, sections
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.domain.scheduling import Appointment
from therapy_desk.errors import TherapyDeskError
from therapy_desk.storage.vault import Vault

PASSPHRASE = "self test passphrase, thrown away with its folder"  # noqa: S105 - an invented, temporary vault's
SIGNER = "Sam Testwell, LCSW"
MEMBER_ID = "SELFTEST0001"
NPI = "1234567893"


class SelfTestFailed(TherapyDeskError):
    """A step did not do what it should; the sentence says which and what."""


@dataclass
class _Run:
    root: Path
    out: TextIO
    vault: Vault | None = None
    client_id: int = 0
    day: date = date.min
    backup: Path | None = None


def run(out: TextIO) -> int:
    """Every step in order; prints one line per step and a verdict. 0 when all passed, 1 otherwise."""
    started = time.perf_counter()
    out.write(f"Therapy Desk {__version__} self-test\n")
    with _scratch() as root:
        state = _Run(root, out)
        try:
            for name, step in STEPS:
                _timed(name, lambda step=step: step(state), out)  # type: ignore[misc]
        except Exception as failure:
            out.write(f"FAILED: {_sentence(failure)}\n")
            return 1
        finally:
            if state.vault is not None:
                state.vault.close()
    out.write(f"Self-test passed in {time.perf_counter() - started:.1f} s.\n")
    return 0


def _sentence(failure: BaseException) -> str:
    if isinstance(failure, TherapyDeskError):
        return str(failure)
    return f"{type(failure).__name__} (a bug in this copy of Therapy Desk, or a part of it missing)"


def _timed(name: str, step: Callable[[], None], out: TextIO) -> None:
    out.write(f"  {name} … ")
    out.flush()
    began = time.perf_counter()
    try:
        step()
    except BaseException:
        out.write("failed\n")
        raise
    out.write(f"ok ({time.perf_counter() - began:.2f} s)\n")
    out.flush()


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    """A temporary folder, with THERAPY_DESK_HOME pointed into it, removed afterwards whatever happens."""
    root = Path(tempfile.mkdtemp(prefix="therapy-desk-self-test-"))
    saved = os.environ.get("THERAPY_DESK_HOME")
    os.environ["THERAPY_DESK_HOME"] = str(root / "home")
    try:
        yield root
    finally:
        if saved is None:
            os.environ.pop("THERAPY_DESK_HOME", None)
        else:
            os.environ["THERAPY_DESK_HOME"] = saved
        shutil.rmtree(root, ignore_errors=True)


def _vault(state: _Run) -> Vault:
    if state.vault is None:
        raise SelfTestFailed("The vault was not created.")
    return state.vault


def _check(condition: bool, sentence: str) -> None:
    if not condition:
        raise SelfTestFailed(sentence)


# -- the steps ---------------------------------------------------------------------------------------------


def create_vault(state: _Run) -> None:
    state.vault, _recovery = Vault.create(state.root / "vault", PASSPHRASE)


def add_client(state: _Run) -> None:
    vault = _vault(state)
    vault.practice.save_profile(
        PracticeProfile(
            name="Sam Testwell", credentials="LCSW", license_number="LCSW-1", license_state="OR", npi=NPI,
            tax_id="12-3456789", street="1 Test Street", city="Portland", state="OR", zip="97201-1234",
            phone="(503) 555-0100",
        )
    )  # fmt: skip
    client = vault.clients.create(
        Client("Alex", "Sample", date(1990, 1, 2), sex=AdministrativeSex.FEMALE, street="2 Sample Road",
               city="Portland", state="OR", zip="97202")
    )  # fmt: skip
    assert client.id is not None
    state.client_id = client.id
    payer = vault.billing.add_payer(Payer("Self-Test Health Plan", electronic_id="STHP1"))
    assert payer.id is not None
    state.day = date.today() - timedelta(days=1)
    vault.billing.add_coverage(Coverage(client.id, payer.id, MEMBER_ID, state.day - timedelta(days=30)))
    vault.clients.add_diagnosis(client.id, "F41.1", onset=state.day - timedelta(days=30))
    _check(vault.clients.get(client.id).legal_last == "Sample", "The client was not saved.")


def book_and_sign(state: _Run) -> None:
    vault, day = _vault(state), state.day
    booked = vault.schedule.book(
        Appointment(start=datetime.combine(day, clock(9, 0)), duration_minutes=50, service_code="90834",
                    client_id=state.client_id, place_of_service=PlaceOfService.OFFICE)
    )  # fmt: skip
    texts = {"Subjective": "Self-test.", "Objective": "Self-test.", "Assessment": "Self-test.", "Plan": "Self-test."}
    note = vault.notes.save_draft(
        Note(client_id=state.client_id, kind=NoteKind.PROGRESS, format=NoteFormat.SOAP, date_of_service=day,
             start_time=clock(9, 0), end_time=clock(9, 50), sections=sections(NoteFormat.SOAP, texts),
             participants=("Client",), appointment_id=booked.id)
    )  # fmt: skip
    assert note.id is not None
    signed = vault.sessions.sign_note(note.id, SIGNER, now=datetime.combine(day, clock(17, 0)))
    _check(signed.charge is not None, "Signing the note did not charge the session.")


def superbill(state: _Run) -> None:
    from pypdf import PdfReader

    from therapy_desk.documents import issue_superbill

    folder = state.root / "documents"
    folder.mkdir()
    issued = issue_superbill(
        _vault(state), state.client_id, folder, date_from=state.day, date_to=state.day, today=date.today()
    )
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO((folder / issued.file_name).read_bytes())).pages
    )
    for expected in (NPI, MEMBER_ID, "90834", "F41.1"):
        _check(expected in text, f"The superbill PDF does not read back with {expected} on it.")


def back_up_and_verify(state: _Run) -> None:
    from therapy_desk.storage.backup import create_backup, verify_backup

    target = state.root / "usb"
    target.mkdir()
    state.backup = create_backup(_vault(state), target).path
    report = verify_backup(state.backup, "passphrase", PASSPHRASE)
    _check(not report.problems, "The backup did not verify: " + "; ".join(report.problems))


def restore_and_check(state: _Run) -> None:
    from therapy_desk.storage.restore import restore_backup

    if state.backup is None:
        raise SelfTestFailed("There is no backup to restore.")
    result = restore_backup(state.backup, state.root / "restored", "passphrase", PASSPHRASE)
    _check(not result.check_problems, "The restored vault did not check clean: " + "; ".join(result.check_problems))
    with Vault.open(result.folder, PASSPHRASE) as restored:
        _check(restored.clients.get(state.client_id).legal_last == "Sample", "The restored vault lacks the client.")


def open_the_app(state: _Run) -> None:
    from therapy_desk.ui.self_test_window import show_caseload  # lazy: only this step needs Qt

    rows = show_caseload(_vault(state))
    _check(rows == 1, f"The caseload showed {rows} clients instead of 1.")


STEPS: tuple[tuple[str, Callable[[_Run], None]], ...] = (
    ("create a vault", create_vault),
    ("add a client", add_client),
    ("book a session and sign its note", book_and_sign),
    ("write a superbill and read it back", superbill),
    ("back up and verify", back_up_and_verify),
    ("restore into another folder and check it", restore_and_check),
    ("open the app offscreen on the caseload", open_the_app),
)
