"""Where an exit archive's files go while it is written: a hidden folder beside the target, renamed into place
when complete, or an AES-256 zip written to a hidden temporary file and linked into place. Every file's
SHA-256 is taken as it is written, for MANIFEST.sha256; `verify_archive` checks a folder against it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

import pyzipper

from therapy_desk.errors import UnusableLocation
from therapy_desk.storage.files import DIR_MODE, FILE_MODE, fsync_dir, link_into_place, os_errors_as_user_errors

MANIFEST = "MANIFEST.sha256"
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


class _Hashing:
    """A binary file being written that keeps its SHA-256."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self._handle.write(data)
        return len(data)


class ArchiveSink(Protocol):
    manifest: list[tuple[str, str]]

    def open(self, relative: str) -> contextlib.AbstractContextManager[_Hashing]: ...

    def finish(self) -> Path: ...

    def abandon(self) -> None: ...


def _check_target(target: Path) -> None:
    if not target.parent.is_dir():
        raise UnusableLocation(f"{target.parent} is not a folder. Choose the folder the archive goes into.")
    if target.exists() or target.is_symlink():
        raise UnusableLocation(f"{target} already exists; it was not touched. Choose another name.")


class FolderSink:
    """Files written under a hidden folder beside `target`, renamed to `target` when complete."""

    def __init__(self, target: Path) -> None:
        _check_target(target)
        self.target = target
        self.manifest: list[tuple[str, str]] = []
        with os_errors_as_user_errors(target.parent):
            self._staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
        os.chmod(self._staging, DIR_MODE)

    @contextlib.contextmanager
    def open(self, relative: str) -> Iterator[_Hashing]:
        path = self._staging / relative
        with os_errors_as_user_errors(self.target.parent):
            path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, FILE_MODE), "wb") as handle:
                hashing = _Hashing(handle)
                yield hashing
        self.manifest.append((hashing.sha256.hexdigest(), relative))

    def finish(self) -> Path:
        with os_errors_as_user_errors(self.target.parent):
            _flush_to_disk(self._staging)
            if self.target.exists() or self.target.is_symlink():
                raise UnusableLocation(f"{self.target} appeared while the archive was written; it was not touched.")
            os.rename(self._staging, self.target)
            with contextlib.suppress(OSError):
                fsync_dir(self.target.parent)
        return self.target

    def abandon(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)


def _flush_to_disk(folder: Path) -> None:
    """Every file under `folder` on the disk before the folder takes its final name: one sync of the disks where
    the system has it, otherwise each file's fsync."""
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb+") as handle:
                os.fsync(handle.fileno())


class ZipSink:
    """Files written into an AES-256 encrypted zip (WinZip AES), in a hidden temporary file beside `target`."""

    def __init__(self, target: Path, password: str) -> None:
        _check_target(target)
        if not password:
            raise UnusableLocation("An encrypted archive needs a password.")
        self.target = target
        self.manifest: list[tuple[str, str]] = []
        with os_errors_as_user_errors(target.parent):
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        os.close(fd)
        self._tmp = Path(name)
        self._zip = pyzipper.AESZipFile(
            self._tmp, "w", compression=pyzipper.ZIP_DEFLATED, compresslevel=6, encryption=pyzipper.WZ_AES
        )
        self._zip.setpassword(password.encode("utf-8"))
        self._zip.setencryption(pyzipper.WZ_AES, nbits=256)

    @contextlib.contextmanager
    def open(self, relative: str) -> Iterator[_Hashing]:
        with os_errors_as_user_errors(self.target.parent), self._zip.open(relative, "w", force_zip64=True) as handle:
            hashing = _Hashing(handle)
            yield hashing
        self.manifest.append((hashing.sha256.hexdigest(), relative))

    def finish(self) -> Path:
        with os_errors_as_user_errors(self.target.parent):
            self._zip.close()
            with open(self._tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            try:
                link_into_place(self._tmp, self.target)
            except FileExistsError:
                raise UnusableLocation(
                    f"{self.target} appeared while the archive was written; it was not touched."
                ) from None
            finally:
                self._tmp.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                fsync_dir(self.target.parent)
        return self.target

    def abandon(self) -> None:
        with contextlib.suppress(Exception):
            self._zip.close()
        self._tmp.unlink(missing_ok=True)


def manifest_text(manifest: list[tuple[str, str]]) -> bytes:
    """MANIFEST.sha256 in sha256sum's format: `<sha256>  <path>` per file, sorted by path."""
    return "".join(f"{digest}  {path}\n" for digest, path in sorted(manifest, key=lambda item: item[1])).encode()


def verify_archive(folder: Path) -> list[str]:
    """Check an archive folder against its MANIFEST.sha256: every file listed is there with its SHA-256, and
    nothing else is there. The problems as sentences (none: the archive is whole)."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return [f"{folder} holds no {MANIFEST}: it is not a Therapy Desk archive, or the manifest was removed."]
    problems: list[str] = []
    listed: set[str] = set()
    for number, line in enumerate(manifest.read_text("utf-8", errors="replace").splitlines(), start=1):
        digest, sep, relative = line.partition("  ")
        parts = Path(relative).parts
        if not sep or len(digest) != 64 or not relative or Path(relative).is_absolute() or ".." in parts:
            problems.append(f"Line {number} of {MANIFEST} is not '<sha256>  <file>'.")
            continue
        listed.add(relative)
        path = folder / relative
        if not path.is_file():
            problems.append(f"{relative} is listed in {MANIFEST} but missing.")
            continue
        actual = hashlib.sha256()
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                actual.update(block)
        if actual.hexdigest() != digest.lower():
            problems.append(f"{relative} has changed since the archive was written (its SHA-256 differs).")
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != MANIFEST and relative not in listed:
            problems.append(f"{relative} is not listed in {MANIFEST}.")
    return problems
