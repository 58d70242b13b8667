"""Imported first by a test's child process: accept test vaults made with `CHEAP_KDF` (see children.py)."""

from tests.conftest import CHEAP_KDF
from therapy_desk.storage import keyslots

keyslots.KDF_FLOOR = CHEAP_KDF
keyslots.KDF_UPGRADE_BELOW = 0.0
