"""build_installer.py: its refusals, its version stamp, its spec and what it moves into dist/.

PyInstaller itself never runs here (a real build takes most of a minute; CI builds the bundle for real). Where
the build is driven end to end, a stand-in `PyInstaller` package on PYTHONPATH plays it: one that is not
installed, one that fails half-way, and one that makes a tiny program printing a version.
"""

from __future__ import annotations

import ast
import os
import plistlib
import re
import subprocess
import sys
import tarfile
import textwrap
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

import build_installer as bi
from therapy_desk import __version__
from therapy_desk.domain.icd10cm import RELEASES
from therapy_desk.templates.fonts import FACES

ROOT = Path(bi.__file__).resolve().parent
LINUX = bi.Target("linux", "x86_64")


def tree_copy(dest: Path, *, without: str | None = None) -> Path:
    """A checkout with what the build reads: the script and pyproject copied, the data linked in."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("build_installer.py", "pyproject.toml"):
        (dest / name).write_bytes((ROOT / name).read_bytes())
    for name in (*bi.PACKAGE_DATA, *bi.INSTALLER_ASSETS, bi.ENTRY):
        if name == without:
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).symlink_to(ROOT / name)
    return dest


def run_script(tree: Path, fake: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(fake) if fake else ""}
    return subprocess.run(
        [sys.executable, str(tree / "build_installer.py")], cwd=tree, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def fake_pyinstaller(where: Path, main: str) -> Path:
    """A `PyInstaller` package in `where` whose `python -m PyInstaller` runs `main` (with `args` its argv)."""
    package = where / "PyInstaller"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('__version__ = "6.99.0"\n')
    (package / "__main__.py").write_text("import sys\nargs = sys.argv[1:]\n" + textwrap.dedent(main))
    return where


def nothing_built(tree: Path) -> None:
    assert not (tree / "dist").exists() or not any((tree / "dist").iterdir())
    assert not list((tree / "build").glob(".building-*")) if (tree / "build").exists() else True


# -- bad input ---------------------------------------------------------------------------------------


def test_without_pyinstaller_says_how_to_install_it_and_builds_nothing(tmp_path: Path) -> None:
    tree = tree_copy(tmp_path / "tree")
    missing = tmp_path / "shadow" / "PyInstaller"
    missing.mkdir(parents=True)  # what the interpreter meets when the package is not installed
    (missing / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'PyInstaller'\")\n")
    done = run_script(tree, tmp_path / "shadow")
    assert done.returncode == 1
    assert "PyInstaller is not installed; install it with .venv/bin/pip install -e '.[build]'." in done.stderr
    assert "Traceback" not in done.stderr
    nothing_built(tree)


@pytest.mark.parametrize(
    "gone", ["therapy_desk/resources/fonts/NotoSansThai-Bold.ttf", "therapy_desk/resources/icd10cm.tsv.gz",
             "resources/icons/therapy-desk-48.png", "resources/linux/therapy-desk.desktop"],
)  # fmt: skip
def test_a_missing_resource_is_named_and_nothing_is_built(tmp_path: Path, gone: str) -> None:
    tree = tree_copy(tmp_path / "tree", without=gone)
    done = run_script(tree)
    assert done.returncode == 1
    assert f"A resource the bundle needs is missing: {gone}. Nothing was built." in done.stderr
    nothing_built(tree)


def test_a_pyinstaller_failure_leaves_dist_as_it_was(tmp_path: Path) -> None:
    tree = tree_copy(tmp_path / "tree")
    (tree / "dist").mkdir()
    (tree / "dist" / "keep.txt").write_text("an earlier build")
    fake = fake_pyinstaller(tmp_path / "fake", """
        from pathlib import Path
        dist = Path(args[args.index("--distpath") + 1])
        (dist / "therapy-desk").mkdir(parents=True)
        (dist / "therapy-desk" / "half").write_text("half-built")
        sys.exit(1)
    """)  # fmt: skip
    done = run_script(tree, fake)
    assert done.returncode == 1
    assert "PyInstaller failed (its messages are above); nothing was put in dist/." in done.stderr
    assert sorted(p.name for p in (tree / "dist").iterdir()) == ["keep.txt"]
    assert not list((tree / "build").glob(".building-*"))


# A stand-in build: a one-folder "bundle" whose program prints the version the runtime hook stamps.
PRINTS_HOOK_VERSION = """
    import ast, json
    from pathlib import Path
    dist = Path(args[args.index("--distpath") + 1])
    settings = json.loads(Path(args[args.index("--") + 1]).read_text())
    hook = Path(settings["runtime_hooks"][0]).read_text()
    version = ast.literal_eval(hook.rsplit("= ", 1)[1].strip())
    bundle = dist / "therapy-desk"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "_internal" / "libgone.so").symlink_to("PySide6/Qt/lib/libgone.so")  # its target pruned
    program = bundle / "therapy-desk"
    program.write_text(f"#!/bin/sh\\necho 'therapy-desk {PRINTED}'\\n")
    program.chmod(0o755)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the stand-in bundle is a shell script")
def test_a_complete_build_lands_in_dist_with_its_archive(tmp_path: Path) -> None:
    tree = tree_copy(tmp_path / "tree")
    (tree / "dist" / "therapy-desk").mkdir(parents=True)
    (tree / "dist" / "therapy-desk" / "stale").write_text("the previous build")
    fake = fake_pyinstaller(tmp_path / "fake", PRINTS_HOOK_VERSION.replace("{PRINTED}", "{version}"))
    done = run_script(tree, fake)
    assert done.returncode == 0, done.stderr
    version = bi.read_version(ROOT)
    # Not a git checkout: the build says it cannot prove it is clean, and is not stamped.
    assert "is not a git checkout" in done.stderr
    bundle = tree / "dist" / "therapy-desk"
    assert subprocess.run([bundle / "therapy-desk"], capture_output=True, text=True, check=True).stdout == (
        f"therapy-desk {version}\n"
    )
    assert not (bundle / "stale").exists()
    assert not (bundle / "_internal" / "libgone.so").is_symlink()  # a link left dangling by pruning
    archive = tree / "dist" / f"therapy-desk-{version}-linux-{bi.host_target().arch}.tar.gz"
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    top = f"therapy-desk-{version}"
    assert {f"{top}/therapy-desk/therapy-desk", f"{top}/therapy-desk.desktop", f"{top}/INSTALL.txt"} <= names
    assert {f"{top}/icons/hicolor/{s}x{s}/apps/therapy-desk.png" for s in bi.ICON_SIZES} <= names
    assert not list((tree / "build").glob(".building-*"))


@pytest.mark.skipif(sys.platform != "linux", reason="the stand-in bundle is a shell script")
def test_a_program_that_does_not_print_its_version_is_not_moved_in(tmp_path: Path) -> None:
    tree = tree_copy(tmp_path / "tree")
    fake = fake_pyinstaller(tmp_path / "fake", PRINTS_HOOK_VERSION.replace("{PRINTED}", "0.0.0-wrong"))
    done = run_script(tree, fake)
    assert done.returncode == 1
    assert "The built program therapy-desk did not print its version" in done.stderr
    nothing_built(tree)


# -- the version ------------------------------------------------------------------------------------


def test_the_version_is_pyproject_s_and_the_app_s() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert bi.read_version(ROOT) == declared == __version__


def test_an_unreadable_version_is_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(bi.BuildError, match=r"pyproject\.toml is missing"):
        bi.read_version(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with pytest.raises(bi.BuildError, match=r"no readable \[project\] version"):
        bi.read_version(tmp_path)


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}  # fmt: skip
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_uncommitted_changes_stamp_the_build_dirty_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "therapy-desk"\nversion = "2.3.4"\n')
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "pyproject.toml")
    git(tmp_path, "commit", "-qm", "first")
    assert bi.build_version(tmp_path) == ("2.3.4", [])
    (tmp_path / "notes.txt").write_text("not committed")
    version, warnings = bi.build_version(tmp_path)
    assert version == "2.3.4+dirty"
    assert warnings == ["The tree has 1 uncommitted change: this build is stamped 2.3.4+dirty. "
                        "Commit them for a release build."]  # fmt: skip


def test_windows_file_version_has_four_numbers() -> None:
    assert bi.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert bi.version_tuple("1.2.3+dirty") == (1, 2, 3, 0)
    assert bi.version_tuple("2.0rc1") == (2, 0, 0, 0)


# -- the spec ----------------------------------------------------------------------------------------


def test_the_spec_carries_every_data_file_the_app_reads(tmp_path: Path) -> None:
    settings = bi.spec_settings(ROOT, tmp_path, LINUX, "0.1.0", onefile=False)
    added = {tuple(pair) for pair in settings["datas"]}  # type: ignore[attr-defined]
    for name in bi.PACKAGE_DATA:
        assert (str(ROOT / name), str(Path(name).parent)) in added
    assert "therapy_desk.resources" in settings["hiddenimports"]  # type: ignore[operator]
    assert settings["collect_data"] == ["tzdata"]
    assert settings["onefile"] is False
    assert bi.spec_settings(ROOT, tmp_path, LINUX, "0.1.0", onefile=True)["onefile"] is True
    hook = Path(settings["runtime_hooks"][0]).read_text()  # type: ignore[index]
    assert "therapy_desk.__version__ = '0.1.0'" in hook
    command = bi.pyinstaller_command(ROOT, tmp_path, tmp_path / "settings.json")
    assert command[3] == str(ROOT / bi.SPEC)
    assert command[-2:] == ["--", str(tmp_path / "settings.json")]
    spec = (ROOT / bi.SPEC).read_text()
    for key in settings:  # every setting is used by the spec, and the spec reads no other
        assert f'settings["{key}"]' in spec
    assert set(re.findall(r'settings\["(\w+)"\]', spec)) == set(settings)


def test_package_data_is_what_the_app_loads_and_what_pyproject_ships() -> None:
    fonts = {face.regular for face in FACES} | {face.bold for face in FACES if face.bold}
    icd = {release.resource for release in RELEASES}
    named = {Path(name).relative_to("therapy_desk/resources").as_posix() for name in bi.PACKAGE_DATA}
    assert {f"fonts/{name}" for name in fonts} | {name for name in icd} <= named
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    resources = ROOT / "therapy_desk" / "resources"
    shipped = {
        path.relative_to(resources).as_posix()
        for path in resources.rglob("*")
        if any(fnmatch(path.relative_to(resources).as_posix(), p) for p in patterns["therapy_desk.resources"])
    }
    assert shipped == named


def test_only_the_qt_modules_the_ui_imports_are_kept(tmp_path: Path) -> None:
    imported: set[str] = set()
    for path in (ROOT / "therapy_desk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("PySide6."):
                imported.add(node.module.split(".")[1])
    assert imported <= set(bi.QT_USED)
    assert not set(bi.QT_USED) & set(bi.QT_EXCLUDED)
    excluded = set(bi.spec_settings(ROOT, tmp_path, LINUX, "0.1.0", onefile=False)["excludes"])  # type: ignore[call-overload]
    assert {"PySide6.QtWebEngineCore", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.Qt3DCore"} <= excluded
    assert {"pytest", "hypothesis", "PyInstaller"} <= excluded


def test_what_no_desktop_uses_is_pruned_and_what_the_app_needs_is_not() -> None:
    for name in (
        "PySide6/Qt/translations/qt_de.qm",
        "PySide6/translations/qtbase_fr.qm",  # Linux, Windows
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6\\Qt\\plugins\\generic",
        "libcairo.so.2",
        "PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6",
    ):
        assert bi.pruned(name), name
    for name in (
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/plugins/platforms/qwindows.dll",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "libxcb-cursor.so.0",
        "therapy_desk/resources/fonts/NotoSansThai-Regular.ttf",
        "tzdata/zoneinfo/America/New_York",
        "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
    ):
        assert not bi.pruned(name), name


def test_windows_gets_its_icon_and_version_information(tmp_path: Path) -> None:
    settings = bi.spec_settings(ROOT, tmp_path, bi.Target("windows", "x86_64"), "1.2.3+dirty", onefile=False)
    assert settings["icon"] == str(ROOT / bi.ICON_ICO)
    assert settings["hide_console"] == "hide-early"
    assert settings["windowed"] is False
    info = Path(str(settings["version_file"])).read_text()
    assert "filevers=(1, 2, 3, 0)" in info
    assert "StringStruct('ProductVersion', '1.2.3+dirty')" in info
    assert "{" not in re.sub(r"#.*", "", info)  # every placeholder filled


def test_macos_app_gets_the_info_plist_with_the_version(tmp_path: Path) -> None:
    settings = bi.spec_settings(ROOT, tmp_path, bi.Target("macos", "arm64"), "1.2.3+dirty", onefile=False)
    assert settings["windowed"] is True
    assert settings["icon"] == str(ROOT / bi.ICON_ICNS)
    assert settings["bundle_name"] == "Therapy Desk.app"
    assert settings["bundle_identifier"] == "org.therapydesk.TherapyDesk"
    plist = settings["info_plist"]
    assert isinstance(plist, dict)
    assert plist["CFBundleShortVersionString"] == "1.2.3"
    assert plist["CFBundleVersion"] == "1.2.3+dirty"
    assert plist["CFBundleName"] == "Therapy Desk"
    assert plist["NSHighResolutionCapable"] is True
    assert plistlib.loads(plistlib.dumps(plist)) == plist  # what BUNDLE writes reads back the same


def test_the_icons_are_real_images_in_every_size() -> None:
    for size in bi.ICON_SIZES:
        data = (ROOT / bi.ICON_PNG.format(size=size)).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(data[16:20], "big") == int.from_bytes(data[20:24], "big") == size
    ico = (ROOT / bi.ICON_ICO).read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00"
    assert int.from_bytes(ico[4:6], "little") == 6
    icns = (ROOT / bi.ICON_ICNS).read_bytes()
    assert icns[:4] == b"icns"
    assert int.from_bytes(icns[4:8], "big") == len(icns)
    desktop = (ROOT / bi.DESKTOP_FILE).read_text()
    assert "Exec=therapy-desk" in desktop
    assert "Icon=therapy-desk" in desktop
