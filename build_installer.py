"""Build Therapy Desk as a desktop app that needs no Python: `python build_installer.py [--onefile]`.

PyInstaller freezes the app (its `build` extra: `.venv/bin/pip install -e '.[build]'`) from the spec
resources/therapy-desk.spec, which reads this build's settings (`spec_settings`, written as JSON) and the lists
below: data files, hidden imports, excluded modules, and what is pruned from the bundle. What lands in `dist/`:

- Linux: `dist/therapy-desk/` (run `therapy-desk` in it) and `dist/therapy-desk-<version>-linux-<arch>.tar.gz`
  holding that folder, the .desktop file and the icons (see INSTALL.txt inside).
- Windows: `dist/therapy-desk/therapy-desk.exe` with the icon and version information, and
  `dist/therapy-desk-<version>-windows-<arch>.zip`. A console program whose console hides when it is started
  from Explorer (PyInstaller's hide-early), so the command line still prints in a terminal.
- macOS: `dist/Therapy Desk.app` (resources/macos/Info.plist as its Info.plist, the version set) and,
  where `hdiutil` exists, `dist/therapy-desk-<version>-macos-<arch>.dmg`.
- `--onefile`: one executable, `dist/therapy-desk-<version>-<os>-<arch>[.exe]` (not on macOS, where an app is a
  folder by design).

Everything is built in a temporary folder under build/ and moved into dist/ only once complete and once the
built program has printed its version: a failed build leaves dist/ as it was. The version is pyproject.toml's;
a tree with uncommitted changes builds with a warning and the version stamped `+dirty`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import plistlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
APP = "therapy-desk"
APP_TITLE = "Therapy Desk"
ENTRY = "therapy_desk/__main__.py"
INSTALL_HINT = "install it with .venv/bin/pip install -e '.[build]'"

FONTS = (
    "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf",
    "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf", "NotoSansDevanagari-Regular.ttf",
    "NotoSansDevanagari-Bold.ttf", "NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf",
    "NotoSansGeorgian-Regular.ttf", "NotoSansGeorgian-Bold.ttf", "NotoSansArmenian-Regular.ttf",
    "NotoSansArmenian-Bold.ttf", "NotoSansKR-Regular.ttf", "NotoSansSC-Regular.ttf", "OFL.txt", "README.md",
)  # fmt: skip
# The package data the app reads through importlib.resources (therapy_desk.resources), bundled at the same place.
PACKAGE_DATA = (
    "therapy_desk/resources/icd10cm.tsv.gz",
    "therapy_desk/resources/icd10cm-fy2025.tsv.gz",
    "therapy_desk/resources/icon-256.png",
    "therapy_desk/resources/VAULT-FORMAT.md",
    *(f"therapy_desk/resources/fonts/{name}" for name in FONTS),
)
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICON_PNG = "resources/icons/therapy-desk-{size}.png"
ICON_ICO = "resources/icons/therapy-desk.ico"
ICON_ICNS = "resources/icons/therapy-desk.icns"
DESKTOP_FILE = "resources/linux/therapy-desk.desktop"
VERSION_INFO = "resources/windows/version_info.txt.in"
INFO_PLIST = "resources/macos/Info.plist"
SPEC = "resources/therapy-desk.spec"
INSTALLER_ASSETS = (
    *(ICON_PNG.format(size=size) for size in ICON_SIZES), ICON_ICO, ICON_ICNS, DESKTOP_FILE, VERSION_INFO, INFO_PLIST,
    SPEC,
)  # fmt: skip

# The Qt modules therapy_desk/ui imports; every other PySide6 module is left out of the bundle.
QT_USED = ("QtCore", "QtGui", "QtWidgets", "QtNetwork")
QT_EXCLUDED = (
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender", "QtAxContainer",
    "QtBluetooth", "QtCanvasPainter", "QtCharts", "QtConcurrent", "QtDataVisualization", "QtDBus", "QtDesigner",
    "QtGraphs", "QtGraphsWidgets", "QtHelp", "QtHttpServer", "QtLocation", "QtMultimedia", "QtMultimediaWidgets",
    "QtNetworkAuth", "QtNfc", "QtOpenGL", "QtOpenGLWidgets", "QtPdf", "QtPdfWidgets", "QtPositioning",
    "QtPrintSupport", "QtQml", "QtQuick", "QtQuick3D", "QtQuickControls2", "QtQuickTest", "QtQuickWidgets",
    "QtRemoteObjects", "QtScxml", "QtSensors", "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql",
    "QtStateMachine", "QtSvg", "QtSvgWidgets", "QtTest", "QtTextToSpeech", "QtUiTools", "QtWebChannel",
    "QtWebEngineCore", "QtWebEngineQuick", "QtWebEngineWidgets", "QtWebSockets", "QtWebView", "QtXml",
)  # fmt: skip
# Test and development tools that must never ride along (some are importable in the build's virtualenv).
EXCLUDED_MODULES = (
    "tkinter", "pytest", "_pytest", "pytestqt", "hypothesis", "pypdfium2", "pypdfium2_raw", "simple_icd_10_cm",
    "pyx12", "mypy", "ruff", "IPython", "numpy", "PyInstaller",
    "fontTools",  # pypdf's optional font parser; the app only encrypts PDFs with pypdf (templates/protect.py)
)  # fmt: skip
# Left out of the bundle (the spec drops them after analysis; `pruned` decides), by their path in the bundle
# below Qt's folder (PySide6/Qt/ on Linux and macOS, PySide6/ on Windows) or, for a library, by file name. Qt's
# own translations: the app is in English and installs no QTranslator. The platform plugins of embedded devices
# (framebuffer, EGLFS, VNC, evdev input) that no desktop uses; xcb, wayland, offscreen, windows and cocoa stay.
# Qt's GTK 3 theme plugin and the GTK stack it pulls in from the build machine (cairo, pango, ...): it would
# load the user's own GTK 3 against these copies, a known source of symbol clashes; without it Qt uses its
# Fusion style (the app's theme) and the XDG desktop portal's dialogs.
QT_PRUNED = (
    "translations", "plugins/generic", "plugins/egldeviceintegrations", "plugins/platforms/libqeglfs.so",
    "plugins/platforms/libqlinuxfb.so", "plugins/platforms/libqminimalegl.so", "plugins/platforms/libqvnc.so",
    "plugins/platforms/libqvkkhrdisplay.so", "plugins/platformthemes/libqgtk3.so",
)  # fmt: skip
LIBRARIES_PRUNED = (
    "libQt6EglFSDeviceIntegration.so.6", "libQt6EglFsKmsSupport.so.6", "libatk-1.0.so.0", "libcairo-gobject.so.2",
    "libcairo.so.2", "libgdk_pixbuf-2.0.so.0", "libpango-1.0.so.0", "libpangocairo-1.0.so.0",
    "libpangoft2-1.0.so.0", "libthai.so.0", "libdatrie.so.1", "libfribidi.so.0", "libpixman-1.so.0",
    "libgraphite2.so.3", "libharfbuzz.so.0",
)  # fmt: skip
# Imported by name at run time (plugins, optional imports, C extensions' helpers): analysis alone misses them.
HIDDEN_IMPORTS = (
    # importlib.resources.files() imports it by name only: without it the data folder is a namespace package,
    # which files() cannot read on Python 3.11 (a TypeError on the first font or ICD-10-CM lookup).
    "therapy_desk.resources",
    "keyring.backends.SecretService", "keyring.backends.kwallet", "keyring.backends.libsecret",
    "keyring.backends.chainer", "keyring.backends.macOS", "keyring.backends.Windows", "keyring.backends.fail",
    "keyring.backends.null", "sqlcipher3.dbapi2", "uharfbuzz", "_cffi_backend", "argon2.low_level",
    "zoneinfo", "tzdata",
)  # fmt: skip
COLLECT_DATA = ("tzdata",)  # the IANA time-zone database, which Windows lacks and zoneinfo reads as data
COPY_METADATA = ("keyring",)  # keyring finds its backends through its entry points


class BuildError(Exception):
    """A build that cannot go on; the message is the sentence the user reads."""


@dataclass(frozen=True)
class Target:
    """What the build makes on one operating system."""

    os: str  # linux, windows, macos
    arch: str

    @property
    def exe(self) -> str:
        return f"{APP}.exe" if self.os == "windows" else APP


def host_target() -> Target:
    system = {"Linux": "linux", "Windows": "windows", "Darwin": "macos"}.get(platform.system())
    if system is None:
        raise BuildError(f"Building on {platform.system()} is not supported: build on Linux, Windows or macOS.")
    arch = platform.machine().lower()
    return Target(system, {"amd64": "x86_64", "aarch64": "arm64"}.get(arch, arch))


def read_version(root: Path) -> str:
    """The version in root/pyproject.toml's [project] table."""
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        version = project["version"]
    except FileNotFoundError:
        raise BuildError(f"{root / 'pyproject.toml'} is missing: run this from a Therapy Desk checkout.") from None
    except (KeyError, tomllib.TOMLDecodeError):
        raise BuildError("pyproject.toml has no readable [project] version.") from None
    if not isinstance(version, str) or not version:
        raise BuildError("pyproject.toml has no readable [project] version.")
    return version


def uncommitted_changes(root: Path) -> list[str] | None:
    """`git status --porcelain` lines for root, or None when it is not a git checkout (or git is missing)."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return [line for line in done.stdout.splitlines() if line.strip()]


def build_version(root: Path) -> tuple[str, list[str]]:
    """The version to stamp on the build, and the warnings to print about it."""
    version = read_version(root)
    changes = uncommitted_changes(root)
    if changes is None:
        return version, [f"{root} is not a git checkout (or git is missing): the build cannot prove it is clean."]
    if changes:
        return f"{version}+dirty", [
            f"The tree has {len(changes)} uncommitted change{'s' if len(changes) != 1 else ''}: "
            f"this build is stamped {version}+dirty. Commit them for a release build."
        ]
    return version, []


def missing_resources(root: Path) -> list[str]:
    """The files the bundle needs that are not in root (relative paths)."""
    return [name for name in (*PACKAGE_DATA, *INSTALLER_ASSETS, ENTRY) if not (root / name).is_file()]


def require_pyinstaller() -> str:
    """PyInstaller's version, or a BuildError saying how to install it."""
    try:
        import PyInstaller  # the build's one optional dependency, checked before anything is made
    except ImportError:
        raise BuildError(f"PyInstaller is not installed; {INSTALL_HINT}.") from None
    version = str(getattr(PyInstaller, "__version__", "0"))
    if int(version.split(".")[0] or 0) < 6:
        raise BuildError(f"PyInstaller {version} is too old (6 or later is needed); {INSTALL_HINT}.")
    return version


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """Windows' four-number file version from a version like 1.2.3 or 1.2.3+dirty."""
    numbers = [int(part) if part.isdigit() else 0 for part in version.split("+")[0].split(".")[:4]]
    return tuple([*numbers, 0, 0, 0, 0][:4])  # type: ignore[return-value]


def data_files(root: Path) -> list[tuple[str, str]]:
    """(source, folder in the bundle) for every data file the bundle carries besides the packages' own."""
    pairs = [(str(root / name), str(Path(name).parent)) for name in PACKAGE_DATA]
    pairs += [(str(root / ICON_PNG.format(size=size)), "icons") for size in (256, 512)]
    return pairs


def pruned(name: str) -> bool:
    """Whether the file or folder at `name` (its path in the bundle, / or \\ separated) is left out."""
    path = name.replace("\\", "/")
    if path.rsplit("/", 1)[-1] in LIBRARIES_PRUNED:
        return True
    for qt in ("PySide6/Qt/", "PySide6/"):
        if path.startswith(qt):
            below = path[len(qt) :]
            return any(below == entry or below.startswith(f"{entry}/") for entry in QT_PRUNED)
    return False


def spec_settings(root: Path, work: Path, target: Target, version: str, *, onefile: bool) -> dict[str, object]:
    """What resources/therapy-desk.spec builds for `target`: everything that is not the same for every build."""
    settings: dict[str, object] = {
        "root": str(root),
        "entry": str(root / ENTRY),
        "name": APP,
        "os": target.os,
        "onefile": onefile,
        "datas": data_files(root),
        "hiddenimports": list(HIDDEN_IMPORTS),
        "collect_data": list(COLLECT_DATA),
        "copy_metadata": list(COPY_METADATA),
        "excludes": [*(f"PySide6.{name}" for name in QT_EXCLUDED), *EXCLUDED_MODULES],
        "runtime_hooks": [str(write_version_hook(work, version))],
        "icon": None,
        "version_file": None,
        "windowed": False,
        "hide_console": None,
        "bundle_name": None,
        "bundle_identifier": None,
        "info_plist": None,
    }
    if target.os == "windows":
        info = work / "version_info.txt"
        template = (root / VERSION_INFO).read_text(encoding="utf-8")
        info.write_text(
            template.replace("{version_tuple}", repr(version_tuple(version))).replace("{version}", version),
            encoding="utf-8",
        )
        # A console program whose console hides when Explorer started it: the command line still prints.
        settings.update(icon=str(root / ICON_ICO), version_file=str(info), hide_console="hide-early")
    elif target.os == "macos":
        plist = info_plist(root, version)
        settings.update(
            icon=str(root / ICON_ICNS), windowed=True, bundle_name=f"{APP_TITLE}.app",
            bundle_identifier=plist["CFBundleIdentifier"], info_plist=plist,
        )  # fmt: skip
    return settings


def pyinstaller_command(root: Path, work: Path, settings_file: Path) -> list[str]:
    """`python -m PyInstaller` on the spec, building into `work`, with the settings file after `--`."""
    return [
        sys.executable, "-m", "PyInstaller", str(root / SPEC), "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(work / "dist"), "--workpath", str(work / "pyinstaller"), "--", str(settings_file),
    ]  # fmt: skip


def write_version_hook(work: Path, version: str) -> Path:
    """A PyInstaller runtime hook that makes `therapy-desk --version` print the stamped build version."""
    hook = work / "pyi_rth_therapy_desk_version.py"
    hook.write_text(
        "# Written by build_installer.py: the version this build was stamped with.\n"
        f"import therapy_desk\n\ntherapy_desk.__version__ = {version!r}\n",
        encoding="utf-8",
    )
    return hook


def info_plist(root: Path, version: str) -> dict[str, object]:
    """resources/macos/Info.plist with this build's version (the short one without a +local part)."""
    plist: dict[str, object] = plistlib.loads((root / INFO_PLIST).read_bytes())
    plist["CFBundleShortVersionString"] = version.split("+")[0]
    plist["CFBundleVersion"] = version
    return plist


def linux_archive(root: Path, bundle: Path, out: Path, version: str) -> None:
    """The .tar.gz: therapy-desk-<version>/ with the bundle, the .desktop file, the icons and INSTALL.txt."""
    top = f"{APP}-{version}"
    install = (
        f"Therapy Desk {version}\n\n"
        "Run it where it is:  ./therapy-desk/therapy-desk\n\n"
        "Or install it for yourself (no root needed):\n"
        "  mkdir -p ~/.local/opt ~/.local/bin ~/.local/share/applications\n"
        f"  cp -r therapy-desk ~/.local/opt/ && ln -sf ~/.local/opt/{APP}/{APP} ~/.local/bin/{APP}\n"
        "  cp therapy-desk.desktop ~/.local/share/applications/\n"
        "  cp -r icons ~/.local/share/\n\n"
        "It carries its own Qt and X client libraries; from the system it needs glibc 2.36 or later, OpenGL/EGL\n"
        "and libxcb (every desktop has them; on a minimal Debian or Ubuntu: sudo apt-get install libegl1 libgl1\n"
        "libxcb1), and for quick unlock a keychain (GNOME Keyring or KWallet).\n"
    )
    staging = out.parent / f".{top}-install.txt"
    staging.write_text(install, encoding="utf-8")
    with tarfile.open(out, "w:gz") as tar:
        tar.add(bundle, arcname=f"{top}/{APP}")
        tar.add(root / DESKTOP_FILE, arcname=f"{top}/{APP}.desktop")
        for size in ICON_SIZES:
            tar.add(root / ICON_PNG.format(size=size), arcname=f"{top}/icons/hicolor/{size}x{size}/apps/{APP}.png")
        tar.add(staging, arcname=f"{top}/INSTALL.txt")
    staging.unlink()


def windows_archive(bundle: Path, out: Path) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(bundle.rglob("*")):
            archive.write(path, Path(APP) / path.relative_to(bundle))


def remove_dangling_links(bundle: Path) -> list[str]:
    """Remove symbolic links in `bundle` whose target was pruned; returns their paths below it."""
    removed = []
    for path in sorted(bundle.rglob("*")):
        if path.is_symlink() and not path.exists():
            path.unlink()
            removed.append(path.relative_to(bundle).as_posix())
    return removed


def check_built(program: Path, version: str) -> None:
    """The built program must start and print the stamped version, or nothing is moved into dist/."""
    try:
        done = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, check=False, timeout=120,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )  # fmt: skip
    except OSError as err:
        raise BuildError(f"The built program {program.name} does not start ({err.strerror}).") from None
    if done.returncode != 0 or done.stdout.strip() != f"{APP} {version}":
        raise BuildError(
            f"The built program {program.name} did not print its version (exit {done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-400:]}"
        )


def build(root: Path, *, onefile: bool = False) -> list[Path]:
    """Build; returns the artefacts now in root/dist. Raises BuildError before anything is moved in."""
    target = host_target()
    missing = missing_resources(root)
    if missing:
        raise BuildError(f"A resource the bundle needs is missing: {', '.join(missing)}. Nothing was built.")
    require_pyinstaller()
    if onefile and target.os == "macos":
        raise BuildError("--onefile is not offered on macOS: an app there is a folder (Therapy Desk.app).")
    version, warnings = build_version(root)
    for warning in warnings:
        print(f"build_installer: warning: {warning}", file=sys.stderr)
    (root / "build").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=root / "build"))
    try:
        made = _freeze(root, work, target, version, onefile=onefile)
        return _move_into_dist(root / "dist", made)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _freeze(root: Path, work: Path, target: Target, version: str, *, onefile: bool) -> list[Path]:
    """Run PyInstaller into `work` and make the archives there; returns the finished artefacts."""
    settings_file = work / "settings.json"
    settings = spec_settings(root, work, target, version, onefile=onefile)
    settings_file.write_text(json.dumps(settings, indent=1), encoding="utf-8")
    print(f"build_installer: building {APP} {version} for {target.os}-{target.arch} with PyInstaller", flush=True)
    done = subprocess.run(pyinstaller_command(root, work, settings_file), cwd=root, check=False)
    if done.returncode != 0:
        raise BuildError("PyInstaller failed (its messages are above); nothing was put in dist/.")
    dist = work / "dist"
    suffix = ".exe" if target.os == "windows" else ""
    stem = f"{APP}-{version}-{target.os}-{target.arch}"
    if onefile:
        single = dist / f"{APP}{suffix}"
        check_built(single, version)
        final = work / f"{stem}{suffix}"
        single.rename(final)
        return [final]
    if target.os == "macos":
        app = work / f"{APP_TITLE}.app"
        (dist / f"{APP_TITLE}.app").rename(app)
        check_built(app / "Contents" / "MacOS" / APP, version)
        made = [app]
        hdiutil = shutil.which("hdiutil")
        if hdiutil is not None:
            dmg = work / f"{stem}.dmg"
            subprocess.run(
                [hdiutil, "create", "-volname", APP_TITLE, "-srcfolder", str(app), "-format", "UDZO", str(dmg)],
                check=True,
            )
            made.append(dmg)
        return made
    bundle = work / APP
    (dist / APP).rename(bundle)
    remove_dangling_links(bundle)
    check_built(bundle / target.exe, version)
    if target.os == "windows":
        archive = work / f"{stem}.zip"
        windows_archive(bundle, archive)
    else:
        archive = work / f"{stem}.tar.gz"
        linux_archive(root, bundle, archive, version)
    return [bundle, archive]


def _move_into_dist(dist: Path, made: list[Path]) -> list[Path]:
    """Move the finished artefacts into dist/, each replacing its namesake (old ones removed after)."""
    dist.mkdir(exist_ok=True)
    moved, old = [], []
    for path in made:
        final = dist / path.name
        if final.exists() or final.is_symlink():
            aside = dist / f".old-{path.name}-{os.getpid()}"
            final.rename(aside)
            old.append(aside)
        path.rename(final)
        moved.append(final)
    for aside in old:
        if aside.is_dir():
            shutil.rmtree(aside, ignore_errors=True)
        else:
            aside.unlink(missing_ok=True)
    return moved


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file() and not item.is_symlink())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build_installer.py", description="Build Therapy Desk as a desktop app with PyInstaller (see dist/)."
    )
    parser.add_argument("--onefile", action="store_true", help="one executable instead of a folder (not macOS)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        made = build(ROOT, onefile=args.onefile)
    except BuildError as err:
        print(f"build_installer: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("build_installer: cancelled; dist/ was left as it was.", file=sys.stderr)
        return 130
    for path in made:
        print(f"build_installer: {path.relative_to(ROOT)} ({folder_size(path) / 1e6:.0f} MB)")
    print(f"build_installer: done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
