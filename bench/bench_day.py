"""The therapist's day (issue 11) on the large demo vault, offscreen: week view, chart, note, typing, signing.

    cp -a DIR/vault /tmp/copy                       # a COPY: this writes into the vault it is given
    python bench/bench_day.py /tmp/copy [--runs N] [--solo-clients 70] [--passphrase-stdin]

VAULT is a vault folder made by make_large_vault.py, copied first: the benchmark books appointments, saves
drafts and signs notes in it (invented data), and opening it with this code upgrades an older schema. It
also builds, in a temp folder, a solo practice of `--solo-clients` demo clients (70 give about 40
appointments a week, a clinician's full week) to compare a realistic week with the large vault's busiest.

Over N runs (default 20) after one untimed warm-up, steps taking turns within each run, it times on the
GUI thread ("on screen": shown, then one pass of the event loop, which lays out and paints offscreen):
  (1) week view: `ScheduleView` paging to a week (`show_day(monday)`: one range read, the names, the grid
      filled) and painted, from the week before, on the large vault's busiest week and on the solo
      practice's busiest week (budget 50 ms);
  (2) a client's chart window (the large vault's client with the most signed notes): construct, show, paint
      (budget 50 ms);
  (3) opening a signed note in the note editor (`note_editor.open_note`) to painted (budget 30 ms);
  (4) typing at the end of a 20,000-character section of a draft: each keystroke (QTest.keyClick) and the
      repaint after it, then the autosave (`NoteEditor.save`, what the autosave timer runs) of that draft
      (budget: never over 16 ms; the max is printed as well);
  (5) signing a complete draft of a session: `vault.sessions.sign_note` (pre-sign check, hash, status,
      charge; budget 50 ms).
Global search per keystroke is bench_search.py's. A benchmark reports numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from stats import cpu_model, load_average, memory, percentile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BENCH_PASSPHRASE = "therapy desk benchmark vault passphrase"  # as in make_large_vault.py
NOTE_CHARS = 20_000
KEYS_PER_RUN = 40
SIGNER = "Benchmark Clinician, LCSW"
BUDGETS = {"week": 50.0, "chart": 50.0, "open": 30.0, "stall": 16.0, "sign": 50.0}


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("vault", type=Path, metavar="VAULT", help="a COPY of a vault made by make_large_vault.py")
    parser.add_argument("--runs", type=int, default=20, metavar="N", help="timed runs per step (default: 20)")
    parser.add_argument(
        "--solo-clients", type=int, default=70, metavar="N", help="clients of the solo practice (default: 70)"
    )
    parser.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from standard input")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs needs at least 1")
    return args


def _ms(step: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    step()
    return (time.perf_counter_ns() - started) / 1e6


def _figures(samples: list[float]) -> str:
    return f"{statistics.median(samples):8.2f} {percentile(samples, 0.95):8.2f} {min(samples):8.2f} {max(samples):8.2f}"


def _busiest_week(vault: object) -> tuple[date, int]:
    """The Monday of the week with the most appointments, and how many it has."""
    from therapy_desk.storage.vault import Vault

    assert isinstance(vault, Vault)
    counts: dict[date, int] = {}
    for day, count in vault.db.execute("SELECT date_of_service, count(*) FROM appointments GROUP BY 1"):
        monday = date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())
        counts[monday] = counts.get(monday, 0) + count
    monday = max(counts, key=lambda m: (counts[m], m))
    return monday, counts[monday]


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    folder = args.vault.expanduser().absolute()
    if not (folder / "vault.db").is_file():
        print(f"bench_day: {folder} is not a vault folder (no vault.db); copy one made by make_large_vault.py")
        return 2
    passphrase = sys.stdin.readline().rstrip("\n") if args.passphrase_stdin else BENCH_PASSPHRASE
    scratch = tempfile.TemporaryDirectory(prefix="bench-day-")
    os.environ["THERAPY_DESK_HOME"] = str(Path(scratch.name) / "home")

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from therapy_desk.demo.builder import build_demo
    from therapy_desk.domain.notes import NoteKind, NoteStatus, sections
    from therapy_desk.domain.scheduling import Appointment
    from therapy_desk.storage.vault import Vault
    from therapy_desk.ui import note_editor
    from therapy_desk.ui.app import make_application
    from therapy_desk.ui.chart import ChartWindow
    from therapy_desk.ui.ops import Ops
    from therapy_desk.ui.schedule import ScheduleView

    app = make_application(["bench"])
    load_before = load_average()

    solo_started = time.perf_counter()
    solo, _code = Vault.create(Path(scratch.name) / "solo", BENCH_PASSPHRASE)
    build_demo(solo, clients=args.solo_clients, years=1, seed=1, today=date.today())
    solo_s = time.perf_counter() - solo_started

    opened_at = time.perf_counter()
    vault = Vault.open(folder, passphrase)
    open_s = time.perf_counter() - opened_at
    schema = vault.schema_version
    cipher = vault.db.conn.execute("PRAGMA cipher_version").fetchone()[0]
    sqlite = vault.db.conn.execute("SELECT sqlite_version()").fetchone()[0]
    counts = vault.db.execute(
        "SELECT (SELECT count(*) FROM clients), (SELECT count(*) FROM notes), (SELECT count(*) FROM appointments)"
    ).fetchone()

    # (1) the week view, on both vaults
    weeks = []
    for label, which in (("large vault", vault), ("solo practice", solo)):
        monday, booked = _busiest_week(which)
        view = ScheduleView(which, Ops(None, which))
        view.resize(1280, 800)
        view.show()
        app.processEvents()
        weeks.append((label, which, view, monday, booked))

    # (2) the chart of the client with the most notes; (3) that client's latest signed note
    client_id, client_notes = vault.db.execute(
        "SELECT client_id, count(*) FROM notes WHERE status = 'signed' GROUP BY client_id ORDER BY 2 DESC, 1 LIMIT 1"
    ).fetchone()
    signed = [
        n
        for n in vault.notes.for_client(client_id, limit=50)
        if n.is_signed and n.appointment_id and n.kind is NoteKind.PROGRESS
    ]
    template = signed[0]
    chart_ops = Ops(None, vault)

    # (4) a draft with a 20,000-character first section, open in the editor
    def session(at: datetime) -> Appointment:
        return vault.schedule.book(Appointment(at, 53, "90837", client_id=client_id))

    def draft_for(appointment: Appointment, first_text: str | None = None) -> int:
        texts = {s.name: s.text for s in template.sections}
        if first_text is not None:
            texts[template.sections[0].name] = first_text
        note = dataclasses.replace(
            template, id=None, status=NoteStatus.DRAFT, signed_by=None, signed_at=None, content_hash=None,
            created_at=None, updated_at=None, addenda=(), appointment_id=appointment.id,
            date_of_service=appointment.date_of_service, start_time=appointment.start.time(),
            end_time=appointment.end.time(), sections=sections(template.format, texts), late_entry_reason="",
        )  # fmt: skip
        saved = vault.notes.save_draft(note)
        assert saved.id is not None
        return saved.id

    # a template the pre-sign check of today passes (older demo notes may miss what it now asks for)
    probe_at = datetime.combine(date.today() - timedelta(days=1), clock(6, 0))
    for candidate in signed:
        template = candidate
        probe = draft_for(session(probe_at))
        if not any(f.blocks_signing for f in vault.notes.presign_check(probe)):
            break
    else:
        print("bench_day: no signed progress note of that client passes today's pre-sign check", file=sys.stderr)
        return 2

    words = "Client described the week at work and at home, sleep, worry and what helped. "
    long_text = (words * (NOTE_CHARS // len(words) + 1))[:NOTE_CHARS]
    yesterday = datetime.combine(date.today() - timedelta(days=1), clock(7, 0))
    typing_note = draft_for(session(yesterday), long_text)
    typing = note_editor.open_note(vault, typing_note)
    app.processEvents()
    section_name = template.sections[0].name
    field = typing.sections.editors[section_name]
    field.setFocus()
    field.moveCursor(field.textCursor().MoveOperation.End)

    week_ms: dict[str, list[float]] = {label: [] for label, *_ in weeks}
    chart_ms: list[float] = []
    open_ms: list[float] = []
    key_ms: list[float] = []
    save_ms: list[float] = []
    sign_ms: list[float] = []

    def show_week(view: ScheduleView, monday: date) -> None:
        view.show_day(monday)
        app.processEvents()

    def week_step(label: str, view: ScheduleView, monday: date) -> Callable[[bool], None]:
        def step(counted: bool) -> None:
            view.show_day(monday - timedelta(days=7))  # paging forward from a full week, as PageDown does
            app.processEvents()
            elapsed = _ms(lambda: show_week(view, monday))
            if counted:
                week_ms[label].append(elapsed)

        return step

    def chart_step(counted: bool) -> None:
        holder: list[ChartWindow] = []

        def on_screen() -> None:
            window = ChartWindow(vault, chart_ops, client_id)
            window.show()
            app.processEvents()
            holder.append(window)

        elapsed = _ms(on_screen)
        holder[0].close()
        holder[0].deleteLater()
        app.processEvents()
        if counted:
            chart_ms.append(elapsed)

    def open_step(counted: bool) -> None:
        holder: list[note_editor.NoteEditor] = []

        def on_screen() -> None:
            holder.append(note_editor.open_note(vault, template.id or 0))
            app.processEvents()

        elapsed = _ms(on_screen)
        holder[0].close()
        app.processEvents()
        if counted:
            open_ms.append(elapsed)

    typed = [0]

    def type_step(counted: bool) -> None:
        def key() -> None:
            typed[0] += 1
            QTest.keyClick(field, Qt.Key.Key_A if typed[0] % 6 else Qt.Key.Key_Space)
            app.processEvents()

        for _ in range(KEYS_PER_RUN):
            elapsed = _ms(key)
            if counted:
                key_ms.append(elapsed)
        elapsed = _ms(typing.save)  # what the autosave timer runs three seconds after the last key
        typing.autosave.stop()
        if counted:
            save_ms.append(elapsed)

    charged_days = {
        day
        for (day,) in vault.db.execute(
            "SELECT date_of_service FROM charges WHERE client_id = ? AND voided_at IS NULL", (client_id,)
        )
    }
    recent = [date.today() - timedelta(days=n) for n in range(3)]  # not a late entry
    signing_day = next((d for d in recent if d.isoformat() not in charged_days), recent[-1])
    signed_count = [0]
    charged = [0]

    def sign_step(counted: bool) -> None:
        minute = 60 + signed_count[0] * 5 % (6 * 60)  # 01:00 onwards: past, even today
        at = datetime.combine(signing_day, clock(minute // 60, minute % 60))
        note_id = draft_for(session(at))
        signed_count[0] += 1
        results = []
        elapsed = _ms(lambda: results.append(vault.sessions.sign_note(note_id, SIGNER)))
        charge = results[0].charge
        if results[0].note.is_signed and charge is not None and charge.id is not None:
            charged[0] += 1
            # untimed: one psychotherapy charge a day per client, so the next run's can be charged too
            vault.billing.void_charge(charge.id, "Benchmark: the next signing charges this day again.")
        if counted:
            sign_ms.append(elapsed)

    steps: list[Callable[[bool], None]] = [
        *(week_step(label, view, monday) for label, _v, view, monday, _n in weeks),
        chart_step,
        open_step,
        type_step,
        sign_step,
    ]
    for run in range(args.runs + 1):  # run 0 warms up
        for step in steps if run % 2 else reversed(steps):
            step(run > 0)
    typed_to = len(field.toPlainText())
    typing.close()
    for _label, _which, view, _monday, _n in weeks:
        view.close()
    app.processEvents()
    solo.close()
    vault.close()
    scratch.cleanup()
    load_after = load_average()

    def verdict(samples: list[float], budget: float, worst: bool = False) -> str:
        figure = max(samples) if worst else percentile(samples, 0.95)
        at = "max" if worst else "p95"
        return f"budget {budget:g} ms at {at}: {'ok' if figure <= budget else 'OVER BUDGET'}"

    print("Therapy Desk day benchmark (issue 11)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"vault:     schema {schema}, {counts[0]:,} clients, {counts[1]:,} notes, "
          f"{counts[2]:,} appointments (opened in {open_s:.1f} s)")  # fmt: skip
    print(f"solo:      demo practice of {args.solo_clients} clients over a year, built in {solo_s:.1f} s")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()}); "
          f"Qt platform {os.environ['QT_QPA_PLATFORM']}")  # fmt: skip
    print(f"sqlcipher: {cipher} (SQLite {sqlite})")
    print(f"runs:      {args.runs} per step after 1 warm-up; steps take turns within each run")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'step (ms)':<58} {'median':>8} {'p95':>8} {'min':>8} {'max':>8}")
    for label, _which, _view, monday, booked in weeks:
        name = f"(1) week view, {label}: week of {monday} ({booked:,} appts)"
        print(f"{name:<58} {_figures(week_ms[label])}   {verdict(week_ms[label], BUDGETS['week'])}")
    name = f"(2) chart window on screen ({client_notes} signed notes)"
    print(f"{name:<58} {_figures(chart_ms)}   {verdict(chart_ms, BUDGETS['chart'])}")
    print(f"{'(3) open a signed note in the editor':<58} {_figures(open_ms)}   {verdict(open_ms, BUDGETS['open'])}")
    name = f"(4) keystroke + repaint, {NOTE_CHARS:,}-char section"
    print(f"{name:<58} {_figures(key_ms)}   {verdict(key_ms, BUDGETS['stall'], worst=True)}")
    name = f"(4) autosave (NoteEditor.save), {typed_to:,} chars"
    print(f"{name:<58} {_figures(save_ms)}   {verdict(save_ms, BUDGETS['stall'], worst=True)}")
    name = f"(5) sign (sessions.sign_note), {charged[0]} of {signed_count[0]} charged"
    print(f"{name:<58} {_figures(sign_ms)}   {verdict(sign_ms, BUDGETS['sign'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
