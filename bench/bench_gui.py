"""Desktop app budgets on the benchmark vault (made by make_large_vault.py).

    python bench/bench_gui.py DIR [--runs N] [--passphrase-stdin]

Measures, offscreen; "on screen" means shown and painted by one pass of the event loop:
  (1) cold start: a new process to the unlock window painted (budget 1 s);
  (2) unlock after the KDF: opening with the data key (connect, migration check, audit) plus the main
      window showing the first page of a 10,000-client caseload (budget 300 ms);
  (3) opening a client's chart with 500 sessions (budget 100 ms); the first run adds such a client
      to the benchmark vault (invented data);
  (4) resident memory with that vault open and those windows shown (budget 300 MB).
A benchmark reports numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from keyring.backend import KeyringBackend
from make_large_vault import BENCH_PASSPHRASE
from stats import percentile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CHART_CLIENT_SETTING = "bench.chart_client"
SESSIONS = 500

_COLD_START = """
import sys, time
t0 = float(sys.argv[1])
from pathlib import Path
from therapy_desk.ui.app import make_application
from therapy_desk.ui.unlock import UnlockWindow
app = make_application(["bench"])
window = UnlockWindow(Path(sys.argv[2]))
window.show()
app.processEvents()  # paints the window (offscreen too)
print(time.time() - t0)
"""


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _stats(samples: list[float]) -> str:
    return f"{statistics.median(samples):8.1f} {percentile(samples, 0.95):8.1f} {min(samples):8.1f}"


def _chart_client(vault: object) -> int:
    """A client with 500 past sessions, each with a signed note: added once to the benchmark vault."""
    from therapy_desk.domain.clients import Client, ClientStatus
    from therapy_desk.domain.notes import Note, NoteFormat, sections
    from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
    from therapy_desk.storage.vault import Vault

    assert isinstance(vault, Vault)
    known = vault.practice.setting(CHART_CLIENT_SETTING)
    if known:
        return int(known)
    with vault.transaction():
        client = vault.clients.create(Client("Benchmark", "Longterm", date(1970, 1, 1), status=ClientStatus.ACTIVE))
        assert client.id is not None
        start = datetime.combine(date.today() - timedelta(weeks=SESSIONS + 1), datetime.min.time()).replace(hour=9)
        notes = []
        for week in range(SESSIONS):
            when = start + timedelta(weeks=week)
            appointment = vault.schedule.book(
                Appointment(when, 53, "90837", client_id=client.id, status=AppointmentStatus.ATTENDED)
            )
            notes.append(
                Note(client.id, format=NoteFormat.DAP, date_of_service=when.date(), appointment_id=appointment.id,
                     start_time=when.time(), end_time=(when + timedelta(minutes=53)).time(),
                     sections=sections(NoteFormat.DAP, {"Data": "Seen.", "Assessment": "Stable.", "Plan": "Weekly."}))
            )  # fmt: skip
        vault.notes.import_notes(notes)
        vault.practice.set_setting(CHART_CLIENT_SETTING, str(client.id))
    return client.id


class _MemoryKeychain(KeyringBackend):
    """An in-process keychain, so (2) times an unlock that needs no KDF, like quick unlock does."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._items.pop((service, username), None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dir", type=Path, metavar="DIR", help="folder made by make_large_vault.py")
    parser.add_argument("--runs", type=int, default=10, metavar="N")
    parser.add_argument("--passphrase-stdin", action="store_true")
    args = parser.parse_args(argv)
    folder = args.dir.expanduser().absolute() / "vault"
    passphrase = sys.stdin.readline().rstrip("\n") if args.passphrase_stdin else BENCH_PASSPHRASE
    os.environ["THERAPY_DESK_HOME"] = str(args.dir.expanduser().absolute() / "home")

    cold = []
    for _ in range(args.runs):
        started = time.time()
        result = subprocess.run(
            [sys.executable, "-c", _COLD_START, repr(started), str(folder)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        cold.append(float(result.stdout.strip().splitlines()[-1]) * 1000)

    from therapy_desk.storage.vault import Vault
    from therapy_desk.ui.app import default_chart_factory, default_pages, make_application
    from therapy_desk.ui.main_window import MainWindow

    app = make_application(["bench"])
    keychain = _MemoryKeychain()
    with Vault.open(folder, passphrase) as vault:
        chart_client = _chart_client(vault)
        vault.enable_keychain(keychain)

    unlock, chart = [], []
    rss = 0.0
    for run in range(args.runs + 1):  # run 0 warms up (imports, page cache) and is not counted
        started = time.perf_counter()
        vault = Vault.open_with_keychain(folder, keychain)
        window = MainWindow(vault, default_pages(), chart_factory=default_chart_factory())
        window.resize(1280, 800)
        window.show_page(1)  # Caseload
        window.show()
        app.processEvents()  # one pass of the event loop paints every shown widget
        opened = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        window.open_chart(chart_client)
        app.processEvents()
        charted = (time.perf_counter() - started) * 1000
        rss = max(rss, _rss_mb())
        window.lock()
        app.processEvents()
        if run:
            unlock.append(opened)
            chart.append(charted)
    with Vault.open(folder, passphrase) as vault:
        vault.disable_keychain(keychain)

    print("Therapy Desk desktop benchmark")
    print(f"command:   python bench/bench_gui.py {args.dir} --runs {args.runs}")
    print(f"machine:   {platform.machine()} · {platform.platform()} · {os.cpu_count()} logical CPUs")
    print(f"python:    {platform.python_version()}; Qt platform {os.environ['QT_QPA_PLATFORM']}")
    print(f"vault:     {folder} ({args.runs} runs after one warm-up)")
    print(f"{'step':48}{'median':>9}{'p95':>9}{'min':>9}  (ms)")
    print(f"{'(1) cold start to unlock window':48}{_stats(cold)}  budget 1000")
    print(f"{'(2) unlock without KDF to caseload on screen':48}{_stats(unlock)}  budget 300")
    print(f"{'(3) open a chart with 500 sessions':48}{_stats(chart)}  budget 100")
    print(f"(4) resident memory with the vault open: {rss:.0f} MB  budget 300 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
