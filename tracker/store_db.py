"""The database connection every part of the store shares: opening (WAL, migrations), one write
transaction at a time, and the clear error a full or unreadable disk gives."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Self

from sqlite_utils import Database

from tracker.errors import StorageError
from tracker.schema import migrations

if TYPE_CHECKING:
    from tracker.model import Document


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Connection:
    """One SQLite connection (sqlite-utils); the parts of Store build on it."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._texts: dict[str, str] = {}  # texts are immutable: a small read cache is always right
        self._documents: dict[tuple[str, str], Document] = {}  # the same, parsed
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._open(timeout)
        except (sqlite3.Error, OSError) as exc:
            raise self._storage_error(exc) from None

    def _storage_error(self, exc: BaseException) -> StorageError:
        reason = getattr(exc, "strerror", None) or str(exc)
        return StorageError(f"cannot use the database {self.path}: {reason} (nothing was half-written; "
                            "the next run continues from here)")

    def _open(self, timeout: float) -> None:
        conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None, check_same_thread=False)
        self.db = Database(conn)
        self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        self.db.execute("PRAGMA foreign_keys = ON")
        if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        if migrations.pending(self.db):
            with self.write():  # serialized: two processes opening a new file must not both migrate
                if migrations.pending(self.db):
                    migrations.apply(self.db)

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """BEGIN IMMEDIATE: take the write lock up front, so the busy timeout applies, not a failure."""
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self.db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:  # disk full, I/O error, read-only file: one clear error, not a traceback
            raise self._storage_error(exc) from None

    def rows(self, sql: str, params: tuple | dict = ()) -> list[dict]:
        return list(self.db.query(sql, params))


def _rowid(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just wrote (always set after a successful INSERT)."""
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _marks(items: Sequence[object]) -> str:
    return ", ".join("?" * len(items))
