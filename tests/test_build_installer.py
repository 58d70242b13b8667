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
    import ast, os
    from pathlib import Path
    dist = Path(args[args.index("--distpath") + 1])
    hook = Path(args[args.index("--runtime-hook") + 1]).read_text()
    version = ast.literal_eval(hook.rsplit("= ", 1)[1].strip())
    bundle = dist / "therapy-desk"
    (bundle / "_internal" / "PySide6" / "Qt" / "translations").mkdir(parents=True)
    (bundle / "_internal" / "PySide6" / "Qt" / "translations" / "qt_de.qm").write_text("x")
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
    assert not (bundle / "_internal" / "PySide6" / "Qt" / "translations").exists()  # pruned
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


def option_values(args: list[str], option: str) -> list[str]:
    return [args[i + 1] for i, word in enumerate(args) if word == option]


def test_the_spec_carries_every_data_file_the_app_reads(tmp_path: Path) -> None:
    args = bi.pyinstaller_args(ROOT, tmp_path, LINUX, "0.1.0", onefile=False)
    added = {tuple(value.rsplit(":", 1)) for value in option_values(args, "--add-data")}
    for name in bi.PACKAGE_DATA:
        assert (str(ROOT / name), str(Path(name).parent)) in added
    assert "therapy_desk.resources" in option_values(args, "--hidden-import")
    assert "tzdata" in option_values(args, "--collect-data")
    assert "--onedir" in args
    assert "--onefile" in bi.pyinstaller_args(ROOT, tmp_path, LINUX, "0.1.0", onefile=True)


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
    excluded = option_values(bi.pyinstaller_args(ROOT, tmp_path, LINUX, "0.1.0", onefile=False), "--exclude-module")
    assert {"PySide6.QtWebEngineCore", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.Qt3DCore"} <= set(excluded)
    assert {"pytest", "hypothesis", "PyInstaller"} <= set(excluded)


def test_windows_gets_its_icon_and_version_information(tmp_path: Path) -> None:
    args = bi.pyinstaller_args(ROOT, tmp_path, bi.Target("windows", "x86_64"), "1.2.3+dirty", onefile=False)
    assert option_values(args, "--icon") == [str(ROOT / bi.ICON_ICO)]
    assert option_values(args, "--hide-console") == ["hide-early"]
    info = Path(option_values(args, "--version-file")[0]).read_text()
    assert "filevers=(1, 2, 3, 0)" in info
    assert "StringStruct('ProductVersion', '1.2.3+dirty')" in info
    assert "{" not in re.sub(r"#.*", "", info)  # every placeholder filled
    assert ";" in option_values(args, "--add-data")[0]  # Windows' separator


def test_macos_app_gets_the_info_plist_with_the_version(tmp_path: Path) -> None:
    args = bi.pyinstaller_args(ROOT, tmp_path, bi.Target("macos", "arm64"), "1.2.3", onefile=False)
    assert "--windowed" in args
    assert option_values(args, "--icon") == [str(ROOT / bi.ICON_ICNS)]
    assert option_values(args, "--osx-bundle-identifier") == ["org.therapydesk.TherapyDesk"]
    app = tmp_path / "Therapy Desk.app"
    (app / "Contents").mkdir(parents=True)
    (app / "Contents" / "Info.plist").write_bytes(plistlib.dumps({"CFBundleExecutable": "therapy-desk", "X": 1}))
    bi.merge_info_plist(app, ROOT / bi.INFO_PLIST, "1.2.3+dirty")
    merged = plistlib.loads((app / "Contents" / "Info.plist").read_bytes())
    assert merged["CFBundleShortVersionString"] == "1.2.3"
    assert merged["CFBundleVersion"] == "1.2.3+dirty"
    assert merged["CFBundleName"] == "Therapy Desk"
    assert merged["NSHighResolutionCapable"] is True
    assert merged["X"] == 1  # PyInstaller's own keys kept


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


def test_pruning_removes_what_no_desktop_uses_and_the_links_left_dangling(tmp_path: Path) -> None:
    internal = tmp_path / "therapy-desk" / "_internal"
    qt = internal / "PySide6" / "Qt"
    for name in (
        "translations/qt_de.qm",
        "plugins/platforms/libqvnc.so",
        "plugins/platforms/libqxcb.so",
        "plugins/platformthemes/libqgtk3.so",
        "lib/libQt6EglFsKmsSupport.so.6",
        "lib/libQt6Gui.so.6",
    ):
        (qt / name).parent.mkdir(parents=True, exist_ok=True)
        (qt / name).write_text("x")
    (internal / "libcairo.so.2").write_text("x")
    (internal / "libQt6EglFsKmsSupport.so.6").symlink_to("PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6")
    (internal / "libQt6Gui.so.6").symlink_to("PySide6/Qt/lib/libQt6Gui.so.6")  # fmt: skip
    removed = bi.prune(tmp_path / "therapy-desk")
    assert "_internal/PySide6/Qt/translations" in removed
    assert "_internal/libQt6EglFsKmsSupport.so.6" in removed
    left = {p.relative_to(internal).as_posix() for p in internal.rglob("*") if p.is_file()}
    assert left == {"PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/lib/libQt6Gui.so.6", "libQt6Gui.so.6"}
