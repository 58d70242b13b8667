"""The SQLCipher connection: raw-key open, connection settings, transactions, known errors."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from therapy_desk.errors import StorageFull, StorageReadOnly, VaultDamaged, VaultInUse, VaultLocked
from therapy_desk.storage.wipe import wipe

DB_FILE = "vault.db"
IN_CHUNK = 500  # ids per `IN (...)` list in `Database.select_in`
_HEX_KEY = re.compile(r"[0-9a-f]{64}")

Connection = Any  # sqlcipher3 ships no type information
DatabaseError = sqlcipher.DatabaseError


def raw_key_literal(key_hex: str) -> str:
    """`x'…'` for SQLCipher's raw-key PRAGMA, after checking it is exactly 64 hex digits.

    This is the one value that cannot be a query parameter, so it is validated instead.
    """
    if not _HEX_KEY.fullmatch(key_hex):
        raise ValueError("a raw vault key is exactly 64 lowercase hex digits")
    return f"x'{key_hex}'"


def translate(err: sqlcipher.Error, path: Path) -> Exception:
    """The user-facing error for a database error a user can act on, or the error itself (a bug)."""
    text = str(err).lower()
    if "database or disk is full" in text:
        return StorageFull(f"The disk holding {path.parent} is full. Free some space and try again.")
    if "disk i/o error" in text:
        # SQLite says no more than this; the common causes are the ones a user can check.
        return StorageFull(
            f"Therapy Desk could not read or write the vault at {path.parent}: the disk may be full, removed "
            "or failing. Free some space or check the disk, then try again."
        )
    if "readonly" in text or "read-only" in text:
        return StorageReadOnly(f"The vault at {path.parent} is read-only. Move it to a folder you can write to.")
    if "database is locked" in text or "database is busy" in text:
        return VaultInUse(f"The vault at {path.parent} is busy in another Therapy Desk window.")
    # A damaged page of the search index shows as its virtual table failing to start; an index out of step
    # with the notes it reads its text from (a trigger removed behind the app's back), as a row missing.
    damage = (
        "file is not a database",
        "malformed",
        "not a database",
        "corrupt",
        "vtable constructor failed",
        "missing row",
    )
    if any(sign in text for sign in damage):
        finding = f"The vault database {path} is damaged or is not a Therapy Desk vault."
        return VaultDamaged(f"{finding} Run `therapy-desk vault check`, or restore from a backup.", finding=finding)
    return err  # type: ignore[no-any-return]  # sqlcipher3 is untyped


def connect(path: Path, key: bytes | bytearray | str, *, create: bool = False, salt: bytes | None = None) -> Connection:
    """Open the vault database with its raw key and the settings DESIGN.md requires.

    `key` is the 32-byte data key (or, in tests, its 64 hex digits). The key PRAGMA is the one place its
    hex form exists: built in a buffer, run outside the statement cache, and wiped after (see wipe.py).
    `salt` (16 bytes, for a new file only) gives the new database the salt of another: a backup's copy
    then starts with the vault's own salt, so the vault's key file binds to it as it does to the vault.
    """
    if not create and not path.is_file():
        raise VaultDamaged(f"The vault database {path} is missing. Restore it from a backup.")
    statement = _key_statement(key, salt)
    conn = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=True)
    try:
        # SQLCipher logs HMAC failures to stderr by default; errors reach the user as one sentence instead.
        conn.execute("PRAGMA cipher_log_level = NONE")
        text = statement.decode("ascii")
        try:
            conn.executescript(text)  # executescript: no statement cache keeps the text alive
        finally:
            wipe(text)
            wipe(statement)
        # The first read proves the key and the file; with a raw key nothing else does.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        _configure(conn)
    except sqlcipher.Error as err:
        conn.close()
        raise translate(err, path) from err
    return conn


_HEX_DIGITS = b"0123456789abcdef"


def _key_statement(key: bytes | bytearray | str, salt: bytes | None = None) -> bytearray:
    """`PRAGMA key = "x'…'";` (with the salt's 32 hex digits after the key's, if given) in a mutable buffer
    the caller wipes."""
    if isinstance(key, str):
        raw_key_literal(key)  # validates: 64 lowercase hex digits
        digits = bytearray(key.encode("ascii"))
    else:
        if len(key) != 32:
            raise ValueError("a vault data key is exactly 32 bytes")
        digits = bytearray(64)
        for i, byte in enumerate(key):
            digits[2 * i] = _HEX_DIGITS[byte >> 4]
            digits[2 * i + 1] = _HEX_DIGITS[byte & 15]
    statement = bytearray(b"PRAGMA key = \"x'")
    statement += digits
    if salt is not None:
        if len(salt) != 16:
            raise ValueError("a database salt is exactly 16 bytes")
        statement += salt.hex().encode("ascii")
    statement += b"'\";"
    wipe(digits)
    return statement


def _configure(conn: Connection) -> None:
    """The connection settings every vault connection runs with."""
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA secure_delete = ON")
    # Without this, INSERT OR REPLACE removes the old row without firing its DELETE triggers,
    # which would let it overwrite rows the schema guards with triggers (the audit log).
    conn.execute("PRAGMA recursive_triggers = ON")
    conn.execute("PRAGMA busy_timeout = 2000")


BULK_CACHE_KIB = 256 * 1024  # page cache while a demo practice is built


@contextlib.contextmanager
def bulk_load(conn: Connection, path: Path) -> Iterator[None]:
    """For filling a brand-new vault with a demo practice (invented data, rebuilt from its seed) only.

    While the block runs there is no journal, commits skip fsync and the page cache is large: each page
    is written once. The price: a transaction that fails cannot be rolled back, so a build that fails
    leaves a vault to delete, never to use (`demo.builder.build_demo` says so; its callers delete it).
    On success the usual settings come back and the database file is flushed to disk.
    """
    cache = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    conn.execute("PRAGMA journal_mode = OFF").fetchone()
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")

    def usual_settings() -> None:
        conn.execute(f"PRAGMA cache_size = {cache}")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA journal_mode = WAL").fetchone()

    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlcipher.Error):  # the build's own error is the one to report
            usual_settings()
        raise
    usual_settings()
    with path.open("rb+") as written:
        os.fsync(written.fileno())


@contextlib.contextmanager
def transaction(conn: Connection, path: Path) -> Iterator[Connection]:
    """One write transaction: committed whole on success, rolled back on any exception."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlcipher.Error as err:
        raise translate(err, path) from err
    try:
        yield conn
    except BaseException as err:
        conn.execute("ROLLBACK")
        if isinstance(err, sqlcipher.Error):
            raise translate(err, path) from err
        raise
    try:
        conn.execute("COMMIT")
    except sqlcipher.Error as err:
        with contextlib.suppress(sqlcipher.Error):
            conn.execute("ROLLBACK")
        raise translate(err, path) from err


def user_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def set_user_version(conn: Connection, version: int) -> None:
    # PRAGMA takes no parameters; `version` is an int from our own migration list.
    conn.execute(f"PRAGMA user_version = {int(version)}")


def export_encrypted_copy(conn: Connection, target: Path) -> None:
    """Write an encrypted, consistent copy of the open database to `target` (which must not exist).

    Attached without a KEY clause, the copy is encrypted with the open database's own key: the key is
    never written out as text for it.
    """
    conn.execute("ATTACH DATABASE ? AS snapshot", (str(target),))
    try:
        conn.execute("SELECT sqlcipher_export('snapshot')").fetchall()
        conn.execute(f"PRAGMA snapshot.user_version = {user_version(conn)}")
    finally:
        conn.execute("DETACH DATABASE snapshot")


def export_plain_copy(conn: Connection, target: Path) -> None:
    """BENCHMARK ONLY: write an UNENCRYPTED copy of the open database to `target` (which must not exist).

    bench/ times the same queries on a synthetic demo vault and on this plain copy. Never use it on a
    vault with real data: call `demo.builder.export_plain_benchmark_copy`, which refuses any vault the
    demo generator did not build.
    """
    conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(target),))
    try:
        conn.execute("SELECT sqlcipher_export('plain')").fetchall()
        conn.execute(f"PRAGMA plain.user_version = {user_version(conn)}")
    finally:
        conn.execute("DETACH DATABASE plain")


def connect_plain(path: Path) -> Connection:
    """BENCHMARK ONLY: open a copy made by `export_plain_copy`, with the vault's connection settings and
    the same SQLite build (SQLCipher given no key is plain SQLite), so only encryption differs."""
    if not path.is_file():
        raise VaultDamaged(f"There is no database at {path}.")
    conn = sqlcipher.connect(str(path), isolation_level=None, check_same_thread=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        _configure(conn)
    except sqlcipher.Error as err:
        conn.close()
        raise translate(err, path) from err
    return conn


class Database:
    """An open vault database as the stores see it: queries, transactions, and a clear error once locked.

    `before_write` runs before each write transaction begins (the vault checks its lock there) and
    `after_commit` after each one commits (the vault anchors its audit head there).
    """

    def __init__(
        self,
        conn: Connection,
        path: Path,
        *,
        before_write: Callable[[], None] | None = None,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self._conn: Connection | None = conn
        self.path = path
        self.before_write = before_write
        self.after_commit = after_commit
        self.saw_damage = False  # once a query met a damaged page, closing writes nothing more
        self._revoked = False

    @property
    def conn(self) -> Connection:
        if self._conn is None or self._revoked:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        return self._conn

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self.conn.execute(sql, params)
        except sqlcipher.Error as err:
            raise self._translate(err) from err

    def _translate(self, err: sqlcipher.Error) -> Exception:
        if self._revoked:  # interrupted by the lock
            return VaultLocked("The vault was locked while this was running. Unlock it to continue.")
        known = translate(err, self.path)
        if isinstance(known, VaultDamaged):
            self.saw_damage = True
        return known

    def select_in(self, sql: str, ids: Sequence[int], params: Sequence[Any] = ()) -> Iterator[Any]:
        """Rows of `sql` for many ids: `{ids}` in `sql` stands for the placeholders of one chunk of ids
        (bounded, so a caseload of 10,000 never builds one huge statement); `params` follow the ids."""
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), IN_CHUNK):
            chunk = unique[start : start + IN_CHUNK]
            yield from self.execute(sql.format(ids=", ".join("?" for _ in chunk)), (*chunk, *params))

    def existing_ids(self, table: str, ids: Sequence[int]) -> set[int]:
        """Which of `ids` are rows of `table` (a table name of our own, never input)."""
        sql = f"SELECT id FROM {table} WHERE id IN ({{ids}})"  # noqa: S608
        return {int(row[0]) for row in self.select_in(sql, ids)}

    def next_id(self, table: str) -> int:
        """The id SQLite gives the next row of `table` (a table name of our own, never input) inserted
        without one; bulk imports number their rows from it."""
        return int(self.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])  # noqa: S608

    def transaction(self) -> contextlib.AbstractContextManager[Connection]:
        """One write transaction; nested calls join the outer one."""
        if self.conn.in_transaction:
            return contextlib.nullcontext(self.conn)
        return self._transaction()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if self.before_write is not None:
            self.before_write()
        try:
            with transaction(self.conn, self.path) as conn:
                yield conn
        except VaultDamaged:
            self.saw_damage = True
            raise
        if self.after_commit is not None:
            self.after_commit()

    def revoke(self) -> None:
        """From any thread: stop this connection's statement in flight and refuse every later query.

        The thread that owns the connection still closes it (SQLite connections stay on their thread).
        """
        self._revoked = True
        conn = self._conn
        if conn is not None:
            conn.interrupt()  # the one connection method SQLite allows from another thread

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def reopen(self, conn: Connection) -> None:
        """Take a new connection (made on the calling thread) after `close()`."""
        if self._conn is not None:
            raise RuntimeError("the database is still open on another connection")
        self._conn = conn
