"""Monthly batches: a superbill or a statement for every client with billable activity in a period, into
one folder. A client whose document lacks a required field is skipped with the list of what is missing;
the others are written. Cancelling (the `progress` callback raises) stops between two documents: the
documents already written stay, are recorded and are listed, and no partial file is left."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from therapy_desk.documents.issue import issue_statement, issue_superbill
from therapy_desk.domain.documents import CLIENT_BILLING, DocumentIncomplete, Missing
from therapy_desk.errors import ValidationError
from therapy_desk.storage.documents import DocumentKind, IssuedDocument
from therapy_desk.storage.vault import Vault

Progress = Callable[[int, int], None]
BATCH_KINDS = (DocumentKind.SUPERBILL, DocumentKind.STATEMENT)


@dataclass(frozen=True)
class Skipped:
    """A client whose document was not made, and what to fill in first."""

    client_id: int
    missing: tuple[Missing, ...]


@dataclass
class BatchResult:
    """What a batch did: the documents written, the clients skipped, and whether it was cancelled."""

    total: int
    issued: list[IssuedDocument] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    cancelled: bool = False

    @property
    def done(self) -> int:
        return len(self.issued) + len(self.skipped)


def clients_with_activity(vault: Vault, date_from: date, date_to: date) -> list[int]:
    """The clients with a live charge or payment from `date_from` to `date_to`, by id."""
    if date_to < date_from:
        raise ValidationError("The period ends before it starts.", "date_to")
    return vault.billing.clients_with_activity(date_from, date_to)


def issue_batch(
    vault: Vault,
    kind: DocumentKind,
    folder: Path,
    *,
    date_from: date,
    date_to: date,
    today: date,
    progress: Progress | None = None,
    clients: Sequence[int] | None = None,
    password: str | None = None,
) -> BatchResult:
    """A superbill (of the period's sessions) or a statement (for the period, dated `today`) for each client
    with activity in the period (or each of `clients`, as chosen from those), into `folder`.
    `progress(done, total)` is called before each client and at the end; when it raises, the batch stops
    there and returns what it did with `cancelled` set. With `password`, every document opens only with it
    (AES-256). An
    error the user must fix (a full disk, a folder gone) stops the batch with its sentence; the documents
    already written stay recorded."""
    kind = DocumentKind(kind)
    if kind not in BATCH_KINDS:
        raise ValidationError("A batch makes superbills or statements.", "kind")
    chosen = clients_with_activity(vault, date_from, date_to) if clients is None else list(clients)
    result = BatchResult(total=len(chosen))
    for client_id in chosen:
        if not _report(progress, result):
            return result
        try:
            if kind is DocumentKind.SUPERBILL:
                issued = issue_superbill(
                    vault, client_id, folder, date_from=date_from, date_to=date_to, today=today, password=password
                )
            else:
                issued = issue_statement(
                    vault, client_id, folder, as_of=today, period_from=date_from, period_to=date_to, password=password
                )
        except DocumentIncomplete as err:
            result.skipped.append(Skipped(client_id, err.missing))
            continue
        except ValidationError as err:  # the client's record breaks a document's rule (13 diagnoses...)
            result.skipped.append(Skipped(client_id, (Missing(str(err), CLIENT_BILLING),)))
            continue
        result.issued.append(issued)
    _report(progress, result)
    return result


def _report(progress: Progress | None, result: BatchResult) -> bool:
    """Tell `progress`; False (and the result marked cancelled) when it raised to cancel."""
    if progress is None:
        return True
    try:
        progress(result.done, result.total)
    except Exception:  # the caller's way to cancel (the app's OpCancelled)
        result.cancelled = True
        return False
    return True
