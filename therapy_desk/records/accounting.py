"""A client's accounting of disclosures, gathered from the log and written as a PDF the client can be given."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from therapy_desk.documents.gather import client_info, provider_of
from therapy_desk.documents.issue import file_part
from therapy_desk.domain.disclosures import Accounting, accounting_window
from therapy_desk.storage.files import write_new_file
from therapy_desk.storage.vault import Vault
from therapy_desk.templates import accounting as accounting_pdf

ACCOUNTING_PRINTED = "accounting of disclosures printed"


def accounting_for(vault: Vault, client_id: int, *, requested_on: date, complete: bool = False) -> Accounting:
    """The accounting of the six years before `requested_on`; `complete` lists every logged disclosure."""
    since, until = accounting_window(requested_on)
    releases = {
        r.id: f"{r.recipient}, signed {r.signed_on:%m/%d/%Y}"
        for r in vault.clients.releases(client_id)
        if r.id is not None
    }
    return Accounting(
        provider=provider_of(vault),
        client=client_info(vault, client_id, requested_on),
        requested_on=requested_on,
        since=since,
        until=until,
        disclosures=tuple(vault.disclosures.for_client(client_id, since=since, until=until)),
        release_names=releases,
        complete=complete,
    )


def write_accounting(
    vault: Vault,
    client_id: int,
    folder: Path,
    *,
    requested_on: date,
    complete: bool = False,
    now: datetime | None = None,
) -> Path:
    """Write the accounting into `folder` as a new file ("Accounting of disclosures 2026-12-03 C000042.pdf",
    numbered when taken) and audit it (the client's id and how many it lists, never who received what)."""
    doc = accounting_for(vault, client_id, requested_on=requested_on, complete=complete)
    pdf = accounting_pdf.render(doc, now=now)
    account = file_part(doc.client.account_number) or f"client {client_id}"
    name = f"Accounting of disclosures {requested_on.isoformat()} {account}.pdf"
    written = write_new_file(folder, name, pdf, numbered=True)
    vault.audit.record(
        ACCOUNTING_PRINTED,
        entity="client",
        entity_id=client_id,
        detail={"listed": len(doc.listed), "complete": complete},
    )
    return written
