"""The layers (docs/ARCHITECTURE.md): only therapy_desk/ui imports PySide6; SQL only in storage; the demo
practice sits above storage, and only the faces of the app (cli, ui) import it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "therapy_desk"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _python_files_outside(folder: str) -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if (PACKAGE / folder) not in p.parents]


def test_nothing_outside_ui_imports_pyside6() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in _python_files_outside("ui")
        if any(m == "PySide6" or m.startswith("PySide6.") for m in _imported_modules(p))
    ]
    assert offenders == []


def test_domain_and_templates_do_not_import_storage_or_ui() -> None:
    offenders = []
    for layer in ("domain", "templates"):
        for path in (PACKAGE / layer).rglob("*.py"):
            bad = {m for m in _imported_modules(path) if m.startswith(("therapy_desk.storage", "therapy_desk.ui"))}
            if bad:
                offenders.append(f"{path.relative_to(PACKAGE)}: {sorted(bad)}")
    assert offenders == []


def test_sql_is_executed_only_in_storage() -> None:
    offenders = [
        str(p.relative_to(PACKAGE)) for p in _python_files_outside("storage") if ".execute(" in p.read_text("utf-8")
    ]
    assert offenders == []


def test_domain_templates_and_storage_hold_no_demo_code() -> None:
    """What a real practice runs has no demo generator beside it: the demo lives in therapy_desk/demo."""
    offenders = []
    for layer in ("domain", "templates", "storage"):
        for path in (PACKAGE / layer).rglob("*.py"):
            if "demo" in path.stem:
                offenders.append(str(path.relative_to(PACKAGE)))
            bad = {m for m in _imported_modules(path) if m == "therapy_desk.demo" or m.startswith("therapy_desk.demo.")}
            if bad:
                offenders.append(f"{path.relative_to(PACKAGE)}: {sorted(bad)}")
    assert offenders == []


def test_only_the_command_line_and_the_app_import_the_demo() -> None:
    allowed = {PACKAGE / "cli.py", PACKAGE / "cli_folders.py", PACKAGE / "ui", PACKAGE / "demo"}
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if not allowed & {path, *path.parents}
        and any(m == "therapy_desk.demo" or m.startswith("therapy_desk.demo.") for m in _imported_modules(path))
    ]
    assert offenders == []


def test_the_demo_uses_domain_and_storage_only() -> None:
    """The demo writes through the stores' public API, as an import from another system would: no Qt, no
    command line, and no private name of a storage module."""
    offenders = []
    for path in (PACKAGE / "demo").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("therapy_desk."):
                continue
            layer = (node.module or "").split(".")[1]
            if layer not in ("domain", "storage", "demo", "errors"):
                offenders.append(f"{path.name}: {node.module}")
            offenders += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
        offenders += [
            f"{path.name}:{node.lineno}: .{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id == "self")
        ]
    assert offenders == []


def test_documents_sit_above_storage_and_templates() -> None:
    """`therapy_desk/documents` gathers through the stores and renders with the templates: nothing below it
    imports it, and it imports neither the app nor the command line."""
    offenders = []
    for layer in ("domain", "templates", "storage"):
        for path in (PACKAGE / layer).rglob("*.py"):
            if any(m.startswith("therapy_desk.documents") for m in _imported_modules(path)):
                offenders.append(str(path.relative_to(PACKAGE)))
    for path in (PACKAGE / "documents").rglob("*.py"):
        bad = {m for m in _imported_modules(path) if m.startswith(("therapy_desk.ui", "therapy_desk.cli"))}
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE)}: {sorted(bad)}")
    assert offenders == []


def test_exports_are_pure() -> None:
    """`therapy_desk/exports` writes files from domain values alone: it imports no store, no vault, no
    template, no app or command line, and nothing of the layers below imports it."""
    offenders = []
    for path in (PACKAGE / "exports").rglob("*.py"):
        allowed = ("therapy_desk.domain", "therapy_desk.errors", "therapy_desk.exports")
        bad = {m for m in _imported_modules(path) if m.startswith("therapy_desk") and not m.startswith(allowed)}
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE)}: {sorted(bad)}")
    for layer in ("domain", "storage", "templates"):
        for path in (PACKAGE / layer).rglob("*.py"):
            if any(m.startswith("therapy_desk.exports") for m in _imported_modules(path)):
                offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
