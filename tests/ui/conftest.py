"""Fixtures the GUI tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from therapy_desk.storage.vault import Vault
from therapy_desk.ui.ops import Ops


@pytest.fixture
def ops(vault: Vault) -> Iterator[Ops]:
    """The app's runner of long work on `vault`, idle again after the test."""
    helper = Ops(None, vault)
    yield helper
    helper.wait_idle()
