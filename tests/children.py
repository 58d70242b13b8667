"""Therapy Desk code in a child process, for the tests that kill, lock or run the command line for real.

Test vaults are made with `CHEAP_KDF`, below the real key-derivation floor. The test process lowers
the floor in `conftest.py`; a child does the same by importing `tests.cheap_kdf_child` first, which
`python_code` and `cli_command` do for it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHEAP_KDF_IMPORT = "import tests.cheap_kdf_child  # noqa: F401  (test vaults use the cheap KDF)\n"


def child_env() -> dict[str, str]:
    """The test's environment (THERAPY_DESK_HOME from the autouse fixture) with this checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTHON_KEYRING_BACKEND", None)  # a test's keyring choice stays in the test process
    return env


def python_code(code: str) -> list[str]:
    """argv running `code` in a child that accepts test vaults."""
    return [sys.executable, "-c", CHEAP_KDF_IMPORT + code]


def cli_command(*args: str) -> list[str]:
    """argv running `therapy-desk ARGS…` in a child that accepts test vaults."""
    return python_code("import sys\nfrom therapy_desk.cli import main\nsys.exit(main())\n") + list(args)
