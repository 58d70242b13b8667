"""Regenerate docs/screenshots/: every view of the desktop app, on an invented demo practice, as a small
laptop's 1366×768 screen shows it (each window at the size the app itself gives it on that screen).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--screen 1366x768]

Runs offscreen (no display needed) in a throwaway THERAPY_DESK_HOME; nothing touches a real vault.
Install a CJK font (Debian: fonts-noto-cjk) first, or names in those scripts render as boxes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--screen", default="1366x768", help="the offscreen screen's size (default 1366x768)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="therapy-desk-shots-"))
    os.environ["THERAPY_DESK_HOME"] = str(home)
    width, height = (int(n) for n in args.screen.split("x"))
    screen = {"name": "laptop", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96, "dpr": 1}
    (home / "screen.json").write_text(json.dumps({"screens": [screen]}), "utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={home / 'screen.json'}"
    sys.path.insert(0, str(ROOT))

    from PySide6.QtWidgets import QWidget

    from therapy_desk.demo.builder import build_demo
    from therapy_desk.storage.vault import Vault
    from therapy_desk.ui.app import default_chart_factory, default_pages, make_application
    from therapy_desk.ui.chart import TAB_CONTACTS, TAB_DIAGNOSES, TAB_OVERVIEW, TAB_PLAN
    from therapy_desk.ui.first_run import DEMO_PASSPHRASE, WelcomeWindow
    from therapy_desk.ui.main_window import MainWindow
    from therapy_desk.ui.unlock import UnlockWindow

    app = make_application(["screenshots"])
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    def shot(widget: QWidget, name: str) -> None:
        widget.show()
        for _ in range(5):
            app.processEvents()
        widget.grab().save(str(out / f"{name}.png"))
        print(f"wrote {out / name}.png")

    welcome = WelcomeWindow(vault_dir=home / "vault")
    shot(welcome, "01-welcome")
    welcome.hide()

    folder = home / "demo-vault"
    vault, _code = Vault.create(folder, DEMO_PASSPHRASE)
    build_demo(vault, clients=60, years=2, seed=1, today=date.today())
    vault.close()

    unlock = UnlockWindow(folder, is_demo=True)
    shot(unlock, "02-unlock")
    unlock.hide()

    vault = Vault.open(folder, DEMO_PASSPHRASE)
    window = MainWindow(vault, default_pages(), chart_factory=default_chart_factory(), is_demo=True)
    for row, name in enumerate(("03-today", "04-caseload", "05-settings")):
        window.show_page(row)
        shot(window, name)
    latin = next(
        row.client_id
        for row in vault.caseload.page()
        if row.principal_code and row.name.isascii() and vault.plans.active(row.client_id) is not None
    )
    window.open_chart(latin)
    chart = next(iter(window.chart_windows()))
    for tab, name in ((TAB_OVERVIEW, "06-chart-overview"), (TAB_DIAGNOSES, "07-chart-diagnoses"),
                      (TAB_PLAN, "08-chart-plan"), (TAB_CONTACTS, "09-chart-contacts")):  # fmt: skip
        chart.show_tab(tab)
        shot(chart, name)
    window.lock()
    app.processEvents()
    shutil.rmtree(home, ignore_errors=True)  # the throwaway demo vault
    return 0


if __name__ == "__main__":
    sys.exit(main())
