"""The store: the one place that speaks SQL (this module and its parts store_db, store_fetches,
store_search, store_outbox). Everything that must agree is written in one transaction. Here:
snapshots, versions, texts and changes."""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

from tracker import delta
from tracker.effective import effective_date
from tracker.model import Assessment, ChangeKind, Document, Level
from tracker.schema import document_blocks, index_version, stored_markdown
from tracker.store_db import _rowid, utcnow
from tracker.store_fetches import FetchLog
from tracker.store_outbox import Outbox
from tracker.store_search import Search

__all__ = ["MAX_CHAIN", "NewChange", "Store", "Version", "utcnow"]

MAX_CHAIN = 16  # deltas between full copies of a policy's text


def _pack(data: bytes) -> bytes:
    return zlib.compress(data, 3)


def _unpack(data: bytes) -> bytes:
    return zlib.decompress(data)


@dataclass(frozen=True)
class Version:
    id: int
    policy: str
    number: int
    created_at: str
    digest: str
    title: str
    snapshot: str | None
    normalizer: str
    selectors: str
    kind: ChangeKind | None = None
    level: Level | None = None
    summary: str = ""
    change_id: int | None = None
    reverted_to: int | None = None
    kept_words: int | None = None  # words kept of the page (None for versions stored before coverage)
    page_words: int | None = None
    coverage_note: str | None = None  # set when the kept share fell sharply against the previous version
    effective_date: str | None = None  # the policy's own date in its text, "YYYY-MM-DD" (tracker.effective)

    @property
    def kept_share(self) -> float | None:
        return min(1.0, self.kept_words / self.page_words) if self.kept_words is not None and self.page_words else None

    def __post_init__(self) -> None:
        if self.kind is not None:
            object.__setattr__(self, "kind", ChangeKind(self.kind))
        if self.level is not None:
            object.__setattr__(self, "level", Level(self.level))


@dataclass(frozen=True)
class NewChange:
    """What the pipeline decided about a new version; the store writes it all at once."""

    kind: ChangeKind
    level: Level | None
    summary: str
    assessment: Assessment | None  # None for a first version: nothing to judge
    reverted_to: int | None = None
    recipients: tuple[str, ...] = ()
    notify_at: str | None = None  # digest mode holds rows until then


class Store(FetchLog, Search, Outbox):
    """Snapshots, versions and changes here; the fetch log, search and outbox in store_fetches.py,
    store_search.py and store_outbox.py; the connection in store_db.py."""

    # -- snapshots ---------------------------------------------------------------------------

    def put_snapshot(self, body: bytes, content_type: str, encoding: str) -> str:
        sha = hashlib.sha256(body).hexdigest()
        self.db.execute(
            "INSERT OR IGNORE INTO snapshots (sha256, content, size, content_type, encoding, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (sha, _pack(body), len(body), content_type, encoding, utcnow()),
        )
        return sha

    def snapshot(self, sha: str) -> tuple[bytes, str, str] | None:
        row = self.db.execute("SELECT content, content_type, encoding FROM snapshots WHERE sha256 = ?",
                              (sha,)).fetchone()
        return (_unpack(row[0]), row[1], row[2]) if row else None

    # -- versions and changes ------------------------------------------------------------------

    def add_version(self, policy: str, doc: Document, *, snapshot: str | None, normalizer: str,
                    selectors: dict, change: NewChange, created_at: str | None = None,
                    coverage: tuple[int, int] | None = None, coverage_note: str | None = None) -> Version:
        """Version, its change and its outbox rows: all of them or none (call inside write())."""
        created_at = created_at or utcnow()
        digest = doc.digest
        previous = self.latest_version(policy)
        self._put_text(digest, doc.markdown, previous.digest if previous else None)
        number = self.db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE policy = ?",
                                 (policy,)).fetchone()[0]
        cur = self.db.execute(
            "INSERT INTO versions (policy, number, created_at, digest, title, snapshot, normalizer, selectors,"
            " kept_words, page_words, coverage_note, effective_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (policy, number, created_at, digest, doc.title, snapshot, normalizer,
             json.dumps(selectors, sort_keys=True), coverage[0] if coverage else None,
             coverage[1] if coverage else None, coverage_note, effective_date(doc.markdown)),
        )
        version_id = _rowid(cur)
        cur = self.db.execute(
            "INSERT INTO changes (policy, version_id, from_version_id, kind, level, summary, assessment,"
            " reverted_to, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (policy, version_id, previous.id if previous else None, change.kind, change.level, change.summary,
             json.dumps(change.assessment.to_json() if change.assessment else {}), change.reverted_to, created_at),
        )
        change_id = cur.lastrowid
        index_version(self.db, policy, number, document_blocks(doc))
        for recipient in change.recipients:
            self.db.execute(
                "INSERT OR IGNORE INTO outbox (kind, change_id, policy, recipient, state, created_at, next_attempt_at)"
                " VALUES ('change', ?, ?, ?, 'pending', ?, ?)",
                (change_id, policy, recipient, created_at, change.notify_at or created_at),
            )
        return self.version(policy, number)  # type: ignore[return-value]

    _VERSION_SQL = """SELECT v.id, v.policy, v.number, v.created_at, v.digest, v.title, v.snapshot,
                             v.normalizer, v.selectors, c.kind, c.level, c.summary, c.id AS change_id,
                             c.reverted_to, v.kept_words, v.page_words, v.coverage_note, v.effective_date
                      FROM versions v LEFT JOIN changes c ON c.version_id = v.id"""

    def latest_version(self, policy: str) -> Version | None:
        rows = self.rows(self._VERSION_SQL + " WHERE v.policy = ? ORDER BY v.number DESC LIMIT 1", (policy,))
        return Version(**rows[0]) if rows else None

    def version(self, policy: str, number: int) -> Version | None:
        rows = self.rows(self._VERSION_SQL + " WHERE v.policy = ? AND v.number = ?", (policy, number))
        return Version(**rows[0]) if rows else None

    def versions(self, policy: str) -> list[Version]:
        return [Version(**r) for r in self.rows(self._VERSION_SQL + " WHERE v.policy = ? ORDER BY v.number", (policy,))]

    def version_by_id(self, version_id: int) -> Version | None:
        rows = self.rows(self._VERSION_SQL + " WHERE v.id = ?", (version_id,))
        return Version(**rows[0]) if rows else None

    def version_with_digest(self, policy: str, digest: str) -> Version | None:
        rows = self.rows(self._VERSION_SQL + " WHERE v.policy = ? AND v.digest = ? ORDER BY v.number DESC LIMIT 1",
                         (policy, digest))
        return Version(**rows[0]) if rows else None

    def _put_text(self, digest: str, markdown: str, base: str | None) -> None:
        """Content-addressed; stored as a line delta against the policy's previous text when that is
        smaller, with a full copy at least every MAX_CHAIN versions so reads stay fast."""
        if self.db.execute("SELECT 1 FROM texts WHERE digest = ?", (digest,)).fetchone():
            return
        raw = markdown.encode("utf-8")
        full = _pack(raw)
        row = self.db.execute("SELECT depth FROM texts WHERE digest = ?", (base,)).fetchone() if base else None
        if base is not None and row is not None and row[0] < MAX_CHAIN:
            patch = delta.encode(self.markdown(base), markdown)
            if len(patch) < len(full) // 2:
                self.db.execute("INSERT INTO texts (digest, markdown, size, base, depth) VALUES (?, ?, ?, ?, ?)",
                                (digest, patch, len(raw), base, row[0] + 1))
                return
        self.db.execute("INSERT INTO texts (digest, markdown, size, base, depth) VALUES (?, ?, ?, NULL, 0)",
                        (digest, full, len(raw)))

    def markdown(self, digest: str) -> str:
        """The text with this digest, rebuilt from its full copy through at most MAX_CHAIN deltas."""
        cached = self._texts.get(digest)
        if cached is not None:
            return cached
        text = stored_markdown(self.db, digest)
        if len(self._texts) > 64:
            self._texts.clear()
        self._texts[digest] = text
        return text

    def document(self, version: Version) -> Document:
        """The version's text as a Document; the last few are kept (a Document is immutable),
        so diffing, rendering and exporting one version read and parse it once."""
        key = (version.digest, version.title)
        doc = self._documents.get(key)
        if doc is None:
            doc = Document.from_markdown(self.markdown(version.digest), title=version.title)
            while len(self._documents) >= 8:
                del self._documents[next(iter(self._documents))]
            self._documents[key] = doc
        return doc

    def change(self, change_id: int) -> dict[str, Any] | None:
        """A changes row; its ``assessment`` column comes back as an Assessment."""
        rows = self.rows("SELECT * FROM changes WHERE id = ?", (change_id,))
        if not rows:
            return None
        row = rows[0]
        row["assessment"] = Assessment.from_json(json.loads(row["assessment"] or "{}"))
        return row

    def policies(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT policy FROM versions ORDER BY policy")]
