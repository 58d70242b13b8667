"""A demo vault that is whole or absent: built in a hidden sibling folder, renamed into place when complete.

The demo is written without a journal (`db.bulk_load`), so a build killed part way leaves a vault that
opens and may even pass `vault check` while missing most of the practice. Built beside its final place as
`.NAME.demo-build-XXXXXXXX`, closed, then renamed: a kill at any moment leaves either no vault at the
final place or the complete one. Leftovers are hidden, carry a name no vault is given, and are removed by
the next build of the same demo, under a lock so a build running elsewhere is never touched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from therapy_desk.demo.builder import DemoSummary, build_demo
from therapy_desk.errors import VaultExists, VaultInUse
from therapy_desk.storage.files import FILE_MODE, fsync_dir, os_errors_as_user_errors
from therapy_desk.storage.lock import VaultLock, same_file, try_lock, unlock
from therapy_desk.storage.vault import Vault

_HEX8 = r"[0-9a-f]{8}"
# Any build's leftovers, whatever the demo's name: a staging folder, an old demo being swapped out, or the
# folder `Vault.create` itself builds in (`.NAME.creating-XXXXXXXX`) when the kill came that early.
_UNFINISHED = re.compile(rf"\..+\.(?:demo-build|demo-old)-{_HEX8}|\..+\.creating-{_HEX8}", re.DOTALL)


@dataclass(frozen=True)
class DemoVault:
    """A demo vault, complete and closed, at its final place."""

    folder: Path
    recovery_code: str = field(repr=False)
    summary: DemoSummary


def is_unfinished_build(folder: Path) -> bool:
    """Whether `folder` is named like what an interrupted build leaves behind: never a vault to open."""
    return _UNFINISHED.fullmatch(folder.name) is not None


def create_demo_vault(
    folder: Path,
    passphrase: str,
    *,
    clients: int,
    years: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    replace: bool = False,
) -> DemoVault:
    """Build a demo practice and put it at `folder` only once it is complete; returns it closed.

    `folder` must be new or an empty folder, unless `replace`: then whatever is there (the caller vouches it
    is an old demo) is swapped out only after the new demo is built, and kept if the build fails. Raises
    `VaultInUse` when another build of the same demo is under way, or the demo to replace is open.
    """
    folder = folder.expanduser().absolute()
    parent, name = folder.parent, folder.name
    with os_errors_as_user_errors(parent):
        parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(parent / f".{name}.demo-build.lock", folder):
        _remove_leftovers(parent, name)
        _refuse_taken(folder, replace=replace)
        staging = parent / f".{name}.demo-build-{secrets.token_hex(4)}"
        vault, code = Vault.create(staging, passphrase)
        try:
            try:
                summary = build_demo(vault, clients=clients, years=years, seed=seed, progress=progress)
            except BaseException:
                with contextlib.suppress(Exception):  # the build's own error is the one to report
                    vault.close()
                raise
            vault.close()  # releases the vault lock: the files are complete and closed before they move
            with os_errors_as_user_errors(parent):
                _move_into_place(staging, folder, replace=replace)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return DemoVault(folder, code, summary)


def _refuse_taken(folder: Path, *, replace: bool) -> None:
    """Only a new or empty folder takes a demo; `replace` also takes a folder with things in it."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise VaultExists(f"{folder} is not a folder. Choose an empty or new folder for the demo practice.")
    if not replace and folder.is_dir() and any(folder.iterdir()):
        raise VaultExists(f"{folder} already holds files. Choose an empty or new folder for the demo practice.")


def _move_into_place(staging: Path, folder: Path, *, replace: bool) -> None:
    fsync_dir(staging)
    old: Path | None = None
    _refuse_taken(folder, replace=replace)  # again: the build took a while
    if folder.is_dir() and any(folder.iterdir()):
        _refuse_in_use(folder)
        old = folder.parent / f".{folder.name}.demo-old-{secrets.token_hex(4)}"
        folder.rename(old)
    elif folder.is_dir():
        folder.rmdir()  # the empty folder the user chose: a folder cannot be renamed onto it everywhere
    try:
        staging.rename(folder)
    except OSError as err:
        if old is not None:
            with contextlib.suppress(OSError):
                old.rename(folder)  # give back the demo that was there
        if err.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise VaultExists(f"{folder} appeared while the demo was being built; the new demo was not kept.") from err
        raise
    with contextlib.suppress(OSError):  # the demo is in place; a failing folder fsync must not undo it
        fsync_dir(folder.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _refuse_in_use(folder: Path) -> None:
    lock = VaultLock(folder)
    lock.acquire()  # raises VaultInUse, with the sentence, while the old demo is open elsewhere
    lock.release()


def _remove_leftovers(parent: Path, name: str) -> None:
    """Folders an interrupted build of this demo left; only its own exact names, only real folders."""
    escaped = re.escape(name)
    own = re.compile(
        rf"\.{escaped}\.demo-(?:build|old)-{_HEX8}|\.\.{escaped}\.demo-build-{_HEX8}\.creating-{_HEX8}", re.DOTALL
    )
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            if own.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)


# -- one build of a demo at a time -------------------------------------------------------------------------
# Without it, a build cleaning leftovers could remove the staging folder of a build still running. The same OS
# advisory lock as the vault lock (storage/lock.py), on a hidden file beside the demo, removed when done.


@contextlib.contextmanager
def _build_lock(path: Path, folder: Path) -> Iterator[None]:
    busy = VaultInUse(f"A demo practice is already being built at {folder}. Wait for it to finish, then try again.")
    fd = -1
    for _attempt in range(3):
        with os_errors_as_user_errors(path.parent):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        if not try_lock(fd):
            os.close(fd)
            raise busy
        # A build that just finished removes the file: the one locked must still be the one at `path`.
        if same_file(fd, path):
            break
        unlock(fd)
        os.close(fd)
    else:
        raise busy
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still locked, so no other build can hold a lock on the removed file
        unlock(fd)
        os.close(fd)
        if sys.platform == "win32":  # pragma: no cover - Windows removes no file that is open
            with contextlib.suppress(OSError):
                path.unlink()
