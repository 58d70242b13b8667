"""DESIGN.md's layers: only therapy_desk/ui imports PySide6; SQL only in storage."""

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
