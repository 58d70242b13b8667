"""The exit archive: one client's record or the whole practice's, readable without Therapy Desk.

A folder (or an AES-256 encrypted zip) holding `clients/<client id>/chart.pdf` per client (when a chart
writer is given), `data/<table>.csv` and `data/<table>.json` for every table (storage/archive_rows.py
decides which tables and, for one client, which rows), `README.txt` for a person, `VAULT-FORMAT.md`, and
`MANIFEST.sha256` (sha256sum's format) covering every other file. The folder is built under a hidden name
beside the target and renamed into place only when complete; a zip is written to a hidden temporary file
and linked into place; an existing target is refused untouched. Rows are streamed a chunk at a time, so
the whole practice never sits in memory. Cancelling (or any failure) removes what was written."""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from therapy_desk.errors import UserError
from therapy_desk.records.archive_files import MANIFEST, ArchiveSink, FolderSink, ZipSink, manifest_text
from therapy_desk.records.archive_readme import ReadmeFacts, TableWritten, readme_text, vault_format_text
from therapy_desk.storage import archive_rows
from therapy_desk.storage.vault import Vault

ChartPdf = Callable[[Vault, int], bytes]


@dataclass(frozen=True)
class ChartWriter:
    """A chart PDF in two steps, so many clients' are laid out at once: `gather` reads one client's chart on
    the archive's thread; `render` (a module-level function, pure) lays it out in a worker process. The
    chart's values reach the workers through the pool's pipes, in memory: never a file."""

    gather: Callable[[Vault, int], Any]
    render: Callable[[Any], bytes]


_POOL_FROM = 8  # fewer charts than this are rendered in this process: starting workers costs about a second
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 2000


class ArchiveCancelled(UserError):
    """The user cancelled the archive; nothing was left behind."""


@dataclass(frozen=True)
class ArchiveSummary:
    path: Path
    clients: int
    charts: int
    tables: int
    rows: int
    files: int
    encrypted: bool
    psychotherapy_notes: bool


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _json_value(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def write_archive(
    vault: Vault,
    target: Path,
    *,
    client_id: int | None,
    chart_pdf: ChartPdf | ChartWriter | None,
    include_psychotherapy_notes: bool,
    password: str | None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ArchiveSummary:
    """Write the archive of client `client_id` (None: the whole practice) at `target`, a new folder, or with a
    `password` a new AES-256 zip file. `chart_pdf(vault, client id)` writes each client's chart PDF (a
    `ChartWriter` lays many out at once on every core; None: no PDFs). Psychotherapy notes only for the
    whole practice and only when `include_psychotherapy_notes`.
    `progress(done, total)` after each chart and each table; `cancelled()` is asked often, and when it says
    yes everything written is removed and `ArchiveCancelled` raised. An unknown client, an existing target or
    an unusable folder is refused with a sentence before anything is written."""
    process = include_psychotherapy_notes and client_id is None
    db = vault.db
    if client_id is not None:
        vault.clients.get(client_id)  # a sentence for an unknown client
    sink: ArchiveSink = ZipSink(target, password) if password is not None else FolderSink(target)
    try:
        with archive_rows.read_snapshot(db):
            ids = archive_rows.client_ids(db, client_id)
            tables = archive_rows.tables_for(client_id=client_id, include_psychotherapy_notes=process)
            run = _Run(sink, progress, cancelled, total=(len(ids) if chart_pdf else 0) + len(tables))
            charts = run.charts(vault, ids, chart_pdf) if chart_pdf else 0
            written = tuple(run.table(db, table, client_id) for table in tables)
            practice = vault.practice.profile().name
        facts = ReadmeFacts(
            practice=practice,
            written_at=datetime.now(UTC).astimezone(),
            client_id=client_id,
            clients=len(ids),
            tables=written,
            charts=bool(chart_pdf),
            psychotherapy_notes=process,
            encrypted=password is not None,
        )
        run.write("README.txt", readme_text(facts).encode("utf-8"))
        run.write("VAULT-FORMAT.md", vault_format_text().encode("utf-8"))
        run.check()
        manifest = list(sink.manifest)
        with sink.open(MANIFEST) as handle:
            handle.write(manifest_text(manifest))
        path = sink.finish()
    except BaseException:
        sink.abandon()
        raise
    detail = {"clients": len(ids), "tables": len(written), "psychotherapy_notes": process}
    vault.audit.record(
        "exit archive written", entity="client" if client_id is not None else None, entity_id=client_id, detail=detail
    )
    return ArchiveSummary(
        path=path,
        clients=len(ids),
        charts=charts,
        tables=len(written),
        rows=sum(t.rows for t in written),
        files=len(manifest) + 1,
        encrypted=password is not None,
        psychotherapy_notes=process,
    )


class _Run:
    """One archive being written: its sink, its progress and the user's cancel."""

    def __init__(self, sink: ArchiveSink, progress: Progress | None, cancelled: Cancelled | None, total: int) -> None:
        self.sink = sink
        self._progress = progress
        self._cancelled = cancelled
        self.total = total
        self.done = 0

    def check(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise ArchiveCancelled("The archive was cancelled; nothing was written.")

    def step(self) -> None:
        self.done += 1
        if self._progress is not None:
            self._progress(self.done, self.total)

    def write(self, relative: str, data: bytes) -> None:
        with self.sink.open(relative) as handle:
            handle.write(data)

    def charts(self, vault: Vault, ids: Sequence[int], chart_pdf: ChartPdf | ChartWriter) -> int:
        if isinstance(chart_pdf, ChartWriter) and len(ids) >= _POOL_FROM and (os.cpu_count() or 1) > 1:
            return self._charts_in_workers(vault, ids, chart_pdf)
        for client in ids:
            self.check()
            if isinstance(chart_pdf, ChartWriter):
                pdf = chart_pdf.render(chart_pdf.gather(vault, client))
            else:
                pdf = chart_pdf(vault, client)
            self.write(f"clients/{client}/chart.pdf", pdf)
            self.step()
        return len(ids)

    def _charts_in_workers(self, vault: Vault, ids: Sequence[int], writer: ChartWriter) -> int:
        """Gather here, lay out on every core, write in order; at most two charts a worker in flight."""
        workers = os.cpu_count() or 1
        context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt and SQLCipher threads
        pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=context)
        pending: deque[tuple[int, concurrent.futures.Future[bytes]]] = deque()

        def write_oldest() -> None:
            client, future = pending.popleft()
            self.write(f"clients/{client}/chart.pdf", future.result())
            self.step()

        try:
            for client in ids:
                self.check()
                pending.append((client, pool.submit(writer.render, writer.gather(vault, client))))
                while pending and (len(pending) > 2 * workers or pending[0][1].done()):
                    write_oldest()
            while pending:
                self.check()
                write_oldest()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return len(ids)

    def table(self, db: Any, table: str, client_id: int | None) -> TableWritten:
        """data/<table>.csv, then data/<table>.json (a zip takes one file at a time: the rows are read twice,
        from the same snapshot)."""
        self.check()
        names = archive_rows.columns(db, table)
        count = 0
        with self.sink.open(f"data/{table}.csv") as handle:
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(names)
            handle.write("\ufeff".encode())
            for row in archive_rows.rows(db, table, client_id=client_id, chunk=_CHUNK):
                if count % _CHUNK == 0:
                    self.check()
                    _flush(text.getvalue(), handle)
                    text.seek(0)
                    text.truncate()
                writer.writerow([csv_cell(value) for value in row])
                count += 1
            _flush(text.getvalue(), handle)
        json_rows = 0
        with self.sink.open(f"data/{table}.json") as handle:
            parts: list[str] = ["["]
            for row in archive_rows.rows(db, table, client_id=client_id, chunk=_CHUNK):
                if json_rows % _CHUNK == 0:
                    self.check()
                    _flush("".join(parts), handle)
                    parts.clear()
                record = {name: _json_value(value) for name, value in zip(names, row, strict=True)}
                parts.append((",\n" if json_rows else "\n") + json.dumps(record, ensure_ascii=False))
                json_rows += 1
            parts.append("\n]\n" if json_rows else "]\n")
            _flush("".join(parts), handle)
        self.step()
        return TableWritten(table, tuple(names), count)


def _flush(text: str, handle: Any) -> None:
    if text:
        handle.write(text.encode("utf-8"))
