"""Start the desktop app: the QApplication, the first screen, and the composition of the views.

`run_app(argv)` is what `therapy-desk` (with no command) runs. The views are imported lazily, after
unlock, so the unlock window comes up fast; a view whose module does not exist yet is simply absent.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication, QWidget

from therapy_desk import crash, paths
from therapy_desk.demo.builder import is_demo
from therapy_desk.errors import UserError
from therapy_desk.storage.files import atomic_write, make_private_dir
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs
from therapy_desk.ui.main_window import ChartFactory, MainWindow, PageFactory
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.unlock import UnlockWindow, holds_vault

log = logging.getLogger(__name__)

APP_NAME = "Therapy Desk"
EXIT_USER_ERROR = 2
SETTINGS_FILE = "app.json"

# (title, module, class): the views in navigation order. Schedule, Billing and Backups join here
# when their issues land; until then they are absent, not dead entries.
VIEWS: tuple[tuple[str, str, str], ...] = (
    ("Today", "therapy_desk.ui.today", "TodayView"),
    ("Caseload", "therapy_desk.ui.caseload", "CaseloadView"),
    ("Settings", "therapy_desk.ui.settings", "SettingsView"),
)
CHART = ("therapy_desk.ui.chart", "ChartWindow")


# -- the small settings file (no PHI: a folder and a flag) ----------------------------------------


@dataclass(frozen=True)
class AppSettings:
    """What the app remembers outside the vault: where the last vault was, and whether it is the demo."""

    vault_folder: Path | None = None
    demo: bool = False

    @staticmethod
    def path() -> Path:
        return paths.config_dir() / SETTINGS_FILE

    @classmethod
    def load(cls) -> AppSettings:
        try:
            raw = json.loads(cls.path().read_text("utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        folder = raw.get("vault_folder")
        return cls(
            vault_folder=Path(folder) if isinstance(folder, str) and folder else None,
            demo=raw.get("demo") is True,
        )

    def save(self) -> None:
        """Best effort: failing to remember the folder never stops the app."""
        body = {"vault_folder": str(self.vault_folder) if self.vault_folder else None, "demo": self.demo}
        try:
            make_private_dir(self.path().parent)
            atomic_write(self.path(), json.dumps(body, indent=2).encode("utf-8"))
        except Exception:
            log.warning("could not save the app settings file")

    def start_folder(self) -> Path:
        """The remembered vault folder if it still holds a vault, else the default one."""
        if self.vault_folder is not None and holds_vault(self.vault_folder):
            return self.vault_folder
        return paths.default_vault_dir()


# -- composition ---------------------------------------------------------------------------------


def _load(module: str, name: str) -> Callable[..., QWidget]:
    """`module.name`, imported when first needed so the unlock window comes up fast."""
    return getattr(importlib.import_module(module), name)


def default_pages() -> list[tuple[str, PageFactory]]:
    """The views in navigation order, as (title, factory(vault, ops))."""
    return [(title, _page_factory(_load(module, name))) for title, module, name in VIEWS]


def _page_factory(view: Callable[..., QWidget]) -> PageFactory:
    def build(vault: Vault, ops: Ops) -> QWidget:
        return view(vault, ops)

    return build


def default_chart_factory() -> ChartFactory:
    chart = _load(*CHART)
    return lambda vault, ops, client_id: chart(vault, ops, client_id)


# -- the controller: which window is up ------------------------------------------------------------


class AppController(QObject):
    """Moves between the welcome, unlock and main windows. One window is up at a time."""

    def __init__(
        self,
        *,
        folder: Path | None = None,
        pages: Callable[[], list[tuple[str, PageFactory]]] = default_pages,
        chart_factory: Callable[[], ChartFactory | None] = default_chart_factory,
        quit_app: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.settings = AppSettings.load()
        self._folder_override = folder
        self._pages = pages
        self._chart_factory = chart_factory
        self._quit_app = quit_app or QApplication.quit
        self.window: QWidget | None = None

    def start(self) -> QWidget:
        """Show the first screen: unlock when the folder holds a vault, else the welcome."""
        folder = self._folder_override or self.settings.start_folder()
        if holds_vault(folder):
            return self.show_unlock(folder)
        return self.show_welcome(folder)

    def _replace(self, window: QWidget) -> QWidget:
        old, self.window = self.window, window
        window.show()
        window.raise_()
        window.activateWindow()
        if old is not None:
            old.hide()
            old.deleteLater()
        return window

    def show_unlock(self, folder: Path) -> QWidget:
        is_demo = self.settings.demo and self.settings.vault_folder == folder
        window = UnlockWindow(folder, is_demo=is_demo)
        window.unlocked.connect(self.open_main)
        window.leave_demo.connect(self.leave_demo)
        return self._replace(window)

    @Slot()
    def leave_demo(self) -> None:
        """From the demo to the user's own vault: unlock it if it exists, else the first-run welcome."""
        folder = paths.default_vault_dir()
        self.settings = AppSettings(vault_folder=folder, demo=False)
        self.settings.save()
        if holds_vault(folder):
            self.show_unlock(folder)
        else:
            self.show_welcome(folder)

    def show_welcome(self, folder: Path) -> QWidget:
        from therapy_desk.ui.first_run import WelcomeWindow

        window = WelcomeWindow(vault_dir=folder)
        window.vault_ready.connect(self.open_main)
        return self._replace(window)

    @Slot(object)
    def open_main(self, vault: Vault) -> MainWindow:
        """Show the main window for a freshly unlocked (or created) vault."""
        demo = is_demo(vault) or bool(getattr(self.window, "is_demo", False))
        self.settings = AppSettings(vault_folder=vault.folder, demo=demo)
        self.settings.save()
        window = MainWindow(vault, self._pages(), chart_factory=self._chart_factory(), is_demo=demo)
        window.locked.connect(self._locked)
        self._replace(window)
        return window

    @Slot(bool)
    def _locked(self, quitting: bool) -> None:
        main = self.window
        folder = main.vault.folder if isinstance(main, MainWindow) else self.settings.start_folder()
        if quitting:
            self.window = None
            if main is not None:
                main.deleteLater()
            self._quit_app()
            return
        self.show_unlock(folder)


# -- entry point -----------------------------------------------------------------------------------


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="therapy-desk", add_help=False, allow_abbrev=False)
    # Hidden, for screenshots and tests: a folder path, never anything from a chart.
    parser.add_argument("--vault", default=None, help=argparse.SUPPRESS)
    known, _qt_args = parser.parse_known_args(argv[1:])
    return known


def make_application(argv: list[str]) -> QApplication:
    """The QApplication with Qt 6's defaults: high DPI on, the native style and palette (dark mode follows the OS)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("TherapyDesk")
    app.setDesktopFileName("therapy-desk")
    return app


def run_app(argv: list[str]) -> int:
    """Run the desktop app until it quits; returns the exit code.

    Exceptions inside slots go to the crash dialog (`dialogs.install_excepthook`). One that escapes here,
    before the event loop or out of it, has no window to show it: it leaves a PHI-free crash report and one
    line on stderr, and the exit code is `crash.EXIT_SOFTWARE`.
    """
    try:
        return _run(argv)
    except UserError as err:
        print(f"therapy-desk: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return crash.report_crash(exc, where="app", stopped="Therapy Desk")


def _run(argv: list[str]) -> int:
    options = _options(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = make_application(argv)
    dialogs.install_excepthook()
    folder = Path(options.vault).expanduser().absolute() if options.vault else None
    controller = AppController(folder=folder)
    controller.start()
    code = app.exec()
    del controller
    return int(code)


if __name__ == "__main__":  # pragma: no cover - `python -m therapy_desk.ui.app`
    sys.exit(run_app(sys.argv))
