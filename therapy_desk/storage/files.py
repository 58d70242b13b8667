"""Careful file handling: private permissions, atomic writes, and OS errors turned into sentences."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from therapy_desk.errors import StorageFull, StorageReadOnly, UnusableLocation, UserError

DIR_MODE = 0o700
FILE_MODE = 0o600


def user_error_for_os_error(err: OSError, path: Path) -> UserError | None:
    """The sentence for an OS error a user can act on, or None if it is a bug."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(f"The disk holding {path} is full. Free some space and try again; nothing was changed.")
    if err.errno in (errno.ENOTDIR, errno.EEXIST):
        return UnusableLocation(f"{path} cannot be used as a folder: a file stands in its place or in its path.")
    if err.errno == errno.ENAMETOOLONG:
        return UnusableLocation(f"The path {path} is too long for this disk. Choose a folder with a shorter name.")
    if err.errno == errno.ELOOP:
        return UnusableLocation(f"{path} leads through a loop of links. Choose a folder without them.")
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageReadOnly(
            f"Therapy Desk cannot write to {path}: the folder is read-only or you lack permission. "
            "Choose a folder you can write to, or fix its permissions."
        )
    return None


@contextlib.contextmanager
def os_errors_as_user_errors(path: Path) -> Iterator[None]:
    """Re-raise OS errors a user can act on as `UserError`; let the rest through as bugs."""
    try:
        yield
    except OSError as err:
        known = user_error_for_os_error(err, path)
        if known is None:
            raise
        raise known from err


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private_dir(path: Path) -> None:
    """Create `path` (and parents) with mode 0700; tighten it if it already exists."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never half of either.

    The temp file is created 0600 in the same folder, flushed and fsynced, renamed over the
    target, and the folder fsynced.
    """
    with os_errors_as_user_errors(path.parent):
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        try:
            os.fchmod(fd, FILE_MODE) if hasattr(os, "fchmod") else None
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        # The new file is in place and visible; a failing folder fsync must not report "nothing changed".
        with contextlib.suppress(OSError):
            fsync_dir(path.parent)


def tighten_permissions(folder: Path) -> None:
    """Make the folder 0700 and every folder and regular file in it 0700 / 0600.

    Links are left alone and never followed: a link planted in a vault folder must not make the app
    change the permissions of a file elsewhere.
    """
    os.chmod(folder, DIR_MODE)
    for root, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            path = Path(root) / name
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:  # -shm/-wal may vanish under us
                continue
            if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
                with contextlib.suppress(FileNotFoundError):
                    os.chmod(path, DIR_MODE if stat.S_ISDIR(mode) else FILE_MODE)


_NO_HARD_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS, errno.EXDEV)
MAX_NUMBERED = 999


def numbered_name(name: str, number: int) -> str:
    """ "Statement.pdf" as the `number`th file of that name: "Statement (2).pdf" (1: the name itself)."""
    if number <= 1:
        return name
    stem, dot, suffix = name.rpartition(".")
    return f"{stem} ({number}).{suffix}" if dot and stem else f"{name} ({number})"


def write_new_file(folder: Path, name: str, data: bytes, *, numbered: bool = True) -> Path:
    """Write `data` as a new file `name` in `folder`, never over a file already there, and return its path.

    The bytes go to a temporary file in that folder (0600), are flushed and fsynced, then linked to the
    final name (a link, unlike a rename, fails when the name is taken) and the folder fsynced; on a disk
    without hard links (FAT, exFAT) the name is checked, then the file renamed. With `numbered`, a taken
    name becomes "name (2).pdf", "name (3).pdf"...; without, a taken name is refused with a sentence. The
    temporary file never outlives the call, whatever fails (an interrupt included).
    """
    if not name or name != Path(name).name or name in (".", ".."):
        raise UnusableLocation(f"{name!r} is not a file name: give a name without a folder.")
    if not folder.is_dir():
        raise UnusableLocation(f"{folder} is not a folder. Choose the folder the file goes into.")
    with os_errors_as_user_errors(folder):
        fd, tmp_name = tempfile.mkstemp(prefix=".td-", suffix=".partial", dir=folder)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            final = _place_new(tmp, folder, name, numbered)
        finally:
            tmp.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # the file is in place; a failing folder fsync must not undo that
            fsync_dir(folder)
        return final


def link_into_place(tmp: Path, final: Path) -> None:
    """Give the finished file `tmp` the name `final`, never over a file there (`FileExistsError` then): a hard
    link, which fails when the name is taken where a rename would replace the file; on a disk without hard
    links (FAT, exFAT), a check, then a rename. Removing `tmp` after a link is the caller's."""
    try:
        os.link(tmp, final)
        return
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno not in _NO_HARD_LINKS:
            raise
    if final.exists():
        raise FileExistsError(errno.EEXIST, "the name is taken", str(final))
    os.rename(tmp, final)


def _place_new(tmp: Path, folder: Path, name: str, numbered: bool) -> Path:
    for number in range(1, MAX_NUMBERED + 1 if numbered else 2):
        final = folder / numbered_name(name, number)
        try:
            link_into_place(tmp, final)
        except FileExistsError:
            continue
        return final
    if not numbered:
        raise UnusableLocation(f"{folder / name} already exists; it was not touched. Choose another name.")
    raise UnusableLocation(f"{folder} already holds {MAX_NUMBERED} files named like {name}; choose another folder.")
