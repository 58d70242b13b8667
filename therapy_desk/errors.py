"""The one error hierarchy.

`UserError` and its subclasses are problems the user can act on: each carries a
plain-language sentence that is safe to show (no PHI, no traceback). Anything
else that escapes is a bug.
"""

from __future__ import annotations


class TherapyDeskError(Exception):
    """Base of every error Therapy Desk raises on purpose."""


class UserError(TherapyDeskError):
    """Something the user can fix; `str(err)` is the sentence to show them."""


class ValidationError(UserError):
    """Input that breaks a rule; `field` names the offending field when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class WeakPassphrase(ValidationError):
    pass


class WrongPassphrase(UserError):
    pass


class WrongRecoveryCode(UserError):
    pass


class VaultNotFound(UserError):
    pass


class VaultExists(UserError):
    pass


class VaultInUse(UserError):
    pass


class VaultTooNew(UserError):
    pass


class VaultDamaged(UserError):
    """A vault file is missing, truncated, edited or not what it claims to be.

    `finding` is what is wrong without the advice that may follow it in the sentence: `vault check`
    lists it among the problems it found and gives its own advice (not "run `vault check`").
    """

    def __init__(self, message: str, *, finding: str | None = None) -> None:
        super().__init__(message)
        self.finding = finding or message


class StorageFull(UserError):
    pass


class UnusableLocation(UserError):
    """A path that cannot be a folder: a file in the way, a name too long, a loop of links."""


class StorageReadOnly(UserError):
    pass


class KeychainUnavailable(UserError):
    pass


class VaultLocked(UserError):
    """An operation was attempted on a vault that has been locked."""
