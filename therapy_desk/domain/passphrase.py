"""The passphrase rule, shared by the CLI and the desktop app."""

from __future__ import annotations

from therapy_desk.errors import WeakPassphrase

MIN_PASSPHRASE_LENGTH = 12
PASSPHRASE_RULE = f"A passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters; a few unrelated words work well."


def check_new_passphrase(passphrase: str) -> None:
    """Raise `WeakPassphrase` with the rule if `passphrase` may not protect a vault."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphrase(f"That passphrase is too short. {PASSPHRASE_RULE}", field="passphrase")
    if passphrase != passphrase.strip():
        raise WeakPassphrase(
            "A passphrase may not start or end with a space (they are easy to lose when typing it again).",
            field="passphrase",
        )
