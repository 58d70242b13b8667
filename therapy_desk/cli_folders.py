"""Where the command line's vault folder is, and whether it can be one: a sentence for each way it cannot
(a file in the way, a dangling or circular link, no permission, a name too long for the disk)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from therapy_desk import paths
from therapy_desk.demo.staging import is_unfinished_build
from therapy_desk.errors import UserError

# The longest suffix a build adds to the folder's name: `..NAME.demo-build-XXXXXXXX.creating-XXXXXXXX`.
_STAGING_NAME_EXTRA = 40


def vault_dir(option: str | None, *, creating: bool = False) -> Path:
    """The --vault folder (or the default one), after checking it can be one; a sentence for each way it cannot."""
    if option is None:
        folder = paths.default_vault_dir()
    elif not option.strip():
        # An unset shell variable (`--vault "$DIR"`) must not quietly mean the real, default vault.
        raise UserError("--vault was given an empty folder name. Name the vault folder, or leave --vault out.")
    else:
        folder = Path(option).expanduser()
    if is_unfinished_build(folder):
        raise UserError(
            f"{folder} is what an interrupted build left behind, not a vault. Delete it and point --vault "
            "at the vault's own folder."
        )
    _check_folder(folder.absolute(), creating=creating)
    return folder


def _check_folder(folder: Path, *, creating: bool) -> None:
    try:
        info = os.lstat(folder)
        if stat.S_ISLNK(info.st_mode):
            try:
                info = os.stat(folder)
            except FileNotFoundError:
                raise UserError(
                    f"{folder} is a link to something that does not exist. Point --vault at a real folder."
                ) from None
    except FileNotFoundError:
        if creating:
            _check_can_make(folder)
        return
    except NotADirectoryError:
        raise UserError(
            f"{folder} cannot be a vault folder: {_file_in_the_way(folder)} is a file, not a folder."
        ) from None
    except OSError as err:
        raise _path_error(folder, err) from None
    if stat.S_ISDIR(info.st_mode):
        return
    if stat.S_ISREG(info.st_mode):
        raise UserError(
            f"{folder} is a file, not a folder. "
            + ("Choose an empty or new folder for the vault." if creating else "Point --vault at the vault's folder.")
        )
    raise UserError(f"{folder} is a pipe, device or other special file, not a folder. Point --vault at a folder.")


def _check_can_make(folder: Path) -> None:
    """A new vault's folder: its parent must be (or become) a folder we may write in, with room for the name."""
    name_max = 255
    for existing in folder.parents:
        try:
            info = os.stat(existing)
        except FileNotFoundError:
            continue
        except OSError as err:
            raise _path_error(folder, err) from None
        if not stat.S_ISDIR(info.st_mode):
            raise UserError(f"{folder} cannot be made: {existing} is not a folder.")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise UserError(
                f"{folder} cannot be made: you lack permission to write in {existing}. "
                "Choose a folder you can write to, or fix its permissions."
            )
        if hasattr(os, "pathconf"):
            with contextlib.suppress(OSError, ValueError):
                name_max = os.pathconf(existing, "PC_NAME_MAX")
        break
    # The vault is built under a longer hidden name beside it, then renamed: that name must fit too.
    if len(os.fsencode(folder.name)) + _STAGING_NAME_EXTRA > name_max:
        raise UserError("The vault folder's name is too long for this disk; choose a shorter one.")


def _file_in_the_way(folder: Path) -> Path:
    for parent in reversed(folder.parents):
        if parent.is_file() or (parent.exists() and not parent.is_dir()):
            return parent
    return folder.parent


def _path_error(folder: Path, err: OSError) -> UserError | OSError:
    if err.errno == errno.ENAMETOOLONG:
        return UserError("The folder given to --vault is too long a path for this system; choose a shorter one.")
    if err.errno == errno.ELOOP:
        return UserError(f"{folder} is a link that leads round in a circle. Point --vault at a real folder.")
    if err.errno in (errno.EACCES, errno.EPERM):
        return UserError(
            f"You lack permission to look in the folder holding {folder}. Fix its permissions or choose another."
        )
    return err
