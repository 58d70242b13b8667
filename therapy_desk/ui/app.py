"""Start the desktop app: the QApplication, the first screen, the composition of the views, and what the
app remembers between runs.

`run_app(argv)` is what `therapy-desk` (with no command) runs. Every view is imported here by name: a view
that cannot be imported stops the app at start (and the tests), never a page silently left out.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Slot
from PySide6.QtGui import QFontDatabase, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from therapy_desk import crash, paths
from therapy_desk.demo.builder import is_demo
from therapy_desk.errors import UserError
from therapy_desk.storage.files import atomic_write, make_private_dir
from therapy_desk.storage.restore import RestoreResult
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs, theme, windows
from therapy_desk.ui.backup_restore import RestoreRequest
from therapy_desk.ui.backups import BackupsView, mounted_drives
from therapy_desk.ui.billing_page import BillingView
from therapy_desk.ui.caseload import CaseloadView
from therapy_desk.ui.chart import ChartWindow
from therapy_desk.ui.claims_page import ClaimsView
from therapy_desk.ui.first_run import WelcomeWindow, demo_vault_dir
from therapy_desk.ui.format import fmt_datetime
from therapy_desk.ui.main_window import DEFAULT_SIZE, MAX_RECENT_VAULTS, ChartFactory, MainWindow, PageFactory
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.schedule import ScheduleView
from therapy_desk.ui.settings import SettingsView
from therapy_desk.ui.single_instance import InstanceServer, ShowRequest
from therapy_desk.ui.today import TodayView
from therapy_desk.ui.unlock import UnlockWindow, holds_vault
from therapy_desk.ui.unsigned import UnsignedView

log = logging.getLogger(__name__)

APP_NAME = windows.APP_NAME
EXIT_USER_ERROR = 2
SETTINGS_FILE = "app.json"
MAX_SETTINGS_BYTES = 64 * 1024  # a folder, a flag, eight paths and four numbers: far less than this
_MAX_PATH_CHARS = 4096

# The views in navigation order.
VIEWS: tuple[tuple[str, Callable[[Vault, Ops], QWidget]], ...] = (
    ("Today", TodayView),
    ("Schedule", ScheduleView),
    ("Unsigned notes", UnsignedView),
    ("Caseload", CaseloadView),
    ("Billing", BillingView),
    ("Claims", ClaimsView),
    ("Backups", BackupsView),
    ("Settings", SettingsView),
)


# -- the small settings file (no PHI: folders, a flag and a window's place) ---------------------------


def _folder(raw: object) -> Path | None:
    """A folder path read from the settings file, if it is one (absolute, no NUL, of sane length)."""
    if not isinstance(raw, str) or not raw or len(raw) > _MAX_PATH_CHARS or "\0" in raw:
        return None
    path = Path(raw)
    return path if path.is_absolute() else None


@dataclass(frozen=True)
class AppSettings:
    """What the app remembers outside any vault: the last vault and whether it is the demo, the vaults
    opened lately (paths only), and where the main window was."""

    vault_folder: Path | None = None
    demo: bool = False
    recent_vaults: tuple[Path, ...] = ()
    window: windows.Placement | None = None

    @staticmethod
    def path() -> Path:
        return paths.config_dir() / SETTINGS_FILE

    @classmethod
    def load(cls) -> AppSettings:
        """The settings file as far as it makes sense; anything missing, damaged or odd is left at its default."""
        try:
            with cls.path().open("rb") as file:
                data = file.read(MAX_SETTINGS_BYTES + 1)
            raw = json.loads(data) if len(data) <= MAX_SETTINGS_BYTES else None
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        recent_raw = raw.get("recent_vaults")
        recent: list[Path] = []
        for item in recent_raw if isinstance(recent_raw, list) else []:
            folder = _folder(item)
            if folder is not None and folder not in recent:
                recent.append(folder)
        return cls(
            vault_folder=_folder(raw.get("vault_folder")),
            demo=raw.get("demo") is True,
            recent_vaults=tuple(recent[:MAX_RECENT_VAULTS]),
            window=windows.Placement.from_json(raw.get("window")),
        )

    def save(self) -> None:
        """Best effort: failing to remember never stops the app."""
        body = {
            "vault_folder": str(self.vault_folder) if self.vault_folder else None,
            "demo": self.demo,
            "recent_vaults": [str(folder) for folder in self.recent_vaults],
            "window": self.window.to_json() if self.window else None,
        }
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

    def opened(self, folder: Path, *, demo: bool) -> AppSettings:
        """These settings after opening the vault in `folder`: it is the last one, and first among the recent."""
        recent = [folder, *(other for other in self.recent_vaults if other != folder)]
        return dataclasses.replace(
            self, vault_folder=folder, demo=demo, recent_vaults=tuple(recent[:MAX_RECENT_VAULTS])
        )


# -- composition ---------------------------------------------------------------------------------


def default_pages() -> list[tuple[str, PageFactory]]:
    """The views in navigation order, as (title, factory(vault, ops))."""
    return [(title, _page_factory(view)) for title, view in VIEWS]


def _page_factory(view: Callable[[Vault, Ops], QWidget]) -> PageFactory:
    def build(vault: Vault, ops: Ops) -> QWidget:
        return view(vault, ops)

    return build


def default_chart_factory() -> ChartFactory:
    return lambda vault, ops, client_id: ChartWindow(vault, ops, client_id)


# -- the controller: which window is up ------------------------------------------------------------


class AppController(QObject):
    """Moves between the welcome, unlock and main windows. One window is up at a time.

    With `single_instance`, it answers for the vault it shows (`single_instance.InstanceServer`): a second
    app started on the same vault finds it in use before asking for the passphrase, and can bring this
    app's window forward.
    """

    def __init__(
        self,
        *,
        folder: Path | None = None,
        pages: Callable[[], list[tuple[str, PageFactory]]] = default_pages,
        chart_factory: Callable[[], ChartFactory | None] = default_chart_factory,
        quit_app: Callable[[], None] | None = None,
        single_instance: bool = True,
    ) -> None:
        super().__init__()
        self.settings = AppSettings.load()
        self._folder_override = folder
        self._pages = pages
        self._chart_factory = chart_factory
        self._quit_app = quit_app or QApplication.quit
        self.window: QWidget | None = None
        self.instances: InstanceServer | None = None
        if single_instance:
            self.instances = InstanceServer(self)
            self.instances.show_requested.connect(self.bring_forward)

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

    def _save(self, settings: AppSettings) -> None:
        self.settings = settings
        settings.save()

    # -- the windows -------------------------------------------------------------------------------

    def show_unlock(self, folder: Path) -> QWidget:
        demo = folder == demo_vault_dir() or (self.settings.demo and self.settings.vault_folder == folder)
        # Listening fails when another app answers for this vault: then a second start can switch to it.
        answering_elsewhere = self.instances is not None and not self.instances.listen(folder)
        window = UnlockWindow(folder, is_demo=demo, can_switch=answering_elsewhere or self.instances is None)
        window.unlocked.connect(self.open_main)
        window.leave_demo.connect(self.leave_demo)
        window.switch_requested.connect(self.switch_to_other)
        return self._replace(window)

    @Slot()
    def leave_demo(self) -> None:
        """From the demo to the user's own vault: unlock it if it exists, else the first-run welcome."""
        folder = paths.default_vault_dir()
        self._save(dataclasses.replace(self.settings, vault_folder=folder, demo=False))
        if holds_vault(folder):
            self.show_unlock(folder)
        else:
            self.show_welcome(folder)

    def show_welcome(self, folder: Path) -> QWidget:
        if self.instances is not None:
            self.instances.close()  # no vault yet: nothing for a second start to switch to
        window = WelcomeWindow(vault_dir=folder)
        window.vault_ready.connect(self.open_main)
        return self._replace(window)

    @Slot(object)
    def open_main(self, vault: Vault) -> MainWindow:
        """Show the main window for a freshly unlocked (or created) vault."""
        demo = is_demo(vault) or bool(getattr(self.window, "is_demo", False))
        self._save(self.settings.opened(vault.folder, demo=demo))
        if self.instances is not None:
            self.instances.listen(vault.folder, take_over=True)  # this app holds the vault: it answers for it
        window = MainWindow(
            vault,
            self._pages(),
            chart_factory=self._chart_factory(),
            is_demo=demo,
            recent_vaults=[folder for folder in self.settings.recent_vaults if folder != vault.folder],
            drives=mounted_drives,  # automatic backups look for remembered drives
        )
        windows.restore(window, self.settings.window, DEFAULT_SIZE)
        window.locked.connect(self._locked)
        self._replace(window)
        return window

    @Slot(bool)
    def _locked(self, quitting: bool) -> None:
        main = self.window
        restore: RestoreRequest | None = None
        if isinstance(main, MainWindow):
            self._save(dataclasses.replace(self.settings, window=windows.placement_of(main)))
            folder = main.requested_folder or main.vault.folder
            restore = main.requested_restore
        else:
            folder = self.settings.start_folder()
        if quitting:
            self.window = None
            if main is not None:
                main.deleteLater()
            self._quit()
            return
        window = self.show_unlock(folder)
        if restore is not None and isinstance(window, UnlockWindow):  # the backup goes back, then it reopens
            window.restored.connect(self._tell_restored)
            window.restore_and_open(restore)

    @Slot(object)
    def _tell_restored(self, result: RestoreResult) -> None:
        """Once the restored vault is open: what was restored, and where the vault as it was is kept."""
        main = self.window
        if not isinstance(main, MainWindow):
            return
        taken = fmt_datetime(result.manifest.created_at.astimezone().replace(tzinfo=None))
        kept = (
            f" The vault as it was is kept in {result.pre_restore}; delete that folder once you no longer need it."
            if result.pre_restore
            else ""
        )
        problems = "" if result.clean else " Its check found problems: " + " ".join(result.check_problems)
        box = QMessageBox(
            QMessageBox.Icon.Information if result.clean else QMessageBox.Icon.Warning,
            "Backup restored",
            f"The backup taken {taken} is restored and open: {result.rows:,} rows.{kept}{problems}",
            parent=main,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _quit(self) -> None:
        if self.instances is not None:
            self.instances.close()
        self._quit_app()

    # -- one app per vault -------------------------------------------------------------------------

    @Slot()
    def bring_forward(self) -> None:
        """Show the current window in front (a second app on this vault asked for it)."""
        window = self.window
        if window is None or not shiboken6.isValid(window):
            return
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
        window.show()
        window.raise_()
        window.activateWindow()
        QApplication.alert(window)  # where the window system refuses to move focus, the task bar says it

    @Slot()
    def switch_to_other(self) -> None:
        """Ask the app that has this vault open to come forward; close this one if it did."""
        window = self.window
        if not isinstance(window, UnlockWindow):
            return
        request = ShowRequest(window.folder, self)

        def done(shown: bool) -> None:
            request.deleteLater()
            if self.window is not window:
                return
            if not shown:
                window.switch_failed()
                return
            self.window = None
            window.hide()
            window.deleteLater()
            self._quit()

        request.finished.connect(done)
        request.start()


# -- entry point -----------------------------------------------------------------------------------


def _options(argv: list[str]) -> argparse.Namespace:
    # `python -m therapy_desk.ui.app --vault DIR`; `therapy-desk --vault DIR` passes the folder to run_app.
    parser = argparse.ArgumentParser(prog="therapy-desk", add_help=False, allow_abbrev=False)
    parser.add_argument("--vault", default=None, help=argparse.SUPPRESS)
    known, _qt_args = parser.parse_known_args(argv[1:])
    return known


def app_icon() -> QIcon:
    """The app's icon (every window's, and the task bar's where the desktop has no .desktop file for it)."""
    pixmap = QPixmap()
    pixmap.loadFromData(resources.files("therapy_desk.resources").joinpath("icon-256.png").read_bytes())
    return QIcon(pixmap)


def make_application(argv: list[str]) -> QApplication:
    """The QApplication with Qt 6's defaults: high DPI on, the native style and palette (dark mode follows the OS),
    its placeholder and selection colours made readable (`theme.install`)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("TherapyDesk")
    app.setDesktopFileName("therapy-desk")
    app.setWindowIcon(app_icon())
    theme.install(app)
    _offer_bundled_fonts()
    return app


def _offer_bundled_fonts() -> None:
    """Add the fonts the PDFs use to the families Qt may fall back to, never as a forced family: a
    computer without a Korean or Chinese font still shows those names instead of empty boxes."""
    fonts = resources.files("therapy_desk.resources").joinpath("fonts")
    for entry in fonts.iterdir():
        if entry.name.endswith("-Regular.ttf"):
            with resources.as_file(entry) as path:
                QFontDatabase.addApplicationFont(str(path))


def run_app(argv: list[str], *, folder: Path | None = None) -> int:
    """Run the desktop app (on the vault in `folder`, if given) until it quits; returns the exit code.

    Exceptions inside slots go to the crash dialog (`dialogs.install_excepthook`). One that escapes here,
    before the event loop or out of it, has no window to show it: it leaves a PHI-free crash report and one
    line on stderr, and the exit code is `crash.EXIT_SOFTWARE`.
    """
    try:
        return _run(argv, folder)
    except UserError as err:
        print(f"therapy-desk: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return crash.report_crash(exc, where="app", stopped="Therapy Desk")


def _run(argv: list[str], folder: Path | None) -> int:
    options = _options(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = make_application(argv)
    dialogs.install_excepthook()
    if folder is None and options.vault:
        folder = Path(options.vault)
    folder = Path(os.path.abspath(folder.expanduser())) if folder is not None else None
    controller = AppController(folder=folder)
    controller.start()
    code = app.exec()
    del controller
    # Loaders still running (the ICD-10-CM code set on a slow start) must finish before Qt is torn down.
    QThreadPool.globalInstance().waitForDone(10_000)
    return int(code)


if __name__ == "__main__":  # pragma: no cover - `python -m therapy_desk.ui.app`
    sys.exit(run_app(sys.argv))
