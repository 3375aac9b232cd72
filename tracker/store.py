"""The one module that speaks SQL. Everything that must agree is written in one transaction."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from tracker import delta
from tracker.effective import effective_date
from tracker.errors import StorageError
from tracker.model import Assessment, ChangeKind, Document, Level, Outcome
from tracker.schema import document_blocks, index_version, migrations, stored_markdown

MAX_CHAIN = 16  # deltas between full copies of a policy's text
MARK = "\x1f"  # around each match in a search snippet (a control character no stored text holds)

# search: the first version of a policy stored on or after --since
_SINCE = "SELECT MIN(number) FROM versions WHERE policy = :policy AND created_at >= :since"
# a run can hold hits when it is of the policy asked for and, unless every version is searched, ends
# at its policy's latest version
_CANDIDATE = """(:policy IS NULL OR r.policy = :policy)
                AND (:all OR r.last = (SELECT MAX(number) FROM versions v WHERE v.policy = r.policy))"""
# matching blocks best first: FTS5 ranks them itself when every block can hit; for one policy only
# the blocks that can are scored (bm25 is what `rank` is)
_RANKED = "SELECT rowid FROM search_blocks_fts WHERE search_blocks_fts MATCH :q ORDER BY rank"
_RANKED_CANDIDATES = f"""SELECT rowid FROM search_blocks_fts WHERE search_blocks_fts MATCH :q
                         AND EXISTS (SELECT 1 FROM search_runs r WHERE r.block_id = search_blocks_fts.rowid
                                     AND {_CANDIDATE})
                         ORDER BY bm25(search_blocks_fts)"""
# the runs of matching blocks that end at their policy's latest version, each with its block's score
_LATEST_RUNS = f"""SELECT r.block_id, bm25(search_blocks_fts), r.policy, b.section, r.last FROM search_blocks_fts
                   JOIN search_runs r ON r.block_id = search_blocks_fts.rowid
                   JOIN search_blocks b ON b.id = search_blocks_fts.rowid
                   WHERE search_blocks_fts MATCH :q AND {_CANDIDATE}"""
# the runs of one block, by policy then version (how a block is spread over the versions it lived in)
_BLOCK_RUNS = """SELECT b.section, r.policy, r.first, r.last FROM search_runs r
                 JOIN search_blocks b ON b.id = r.block_id
                 WHERE r.block_id = :block AND (:policy IS NULL OR r.policy = :policy) ORDER BY r.policy, r.first"""
# every run of every matching block that can hold hits, by policy and section: what the total counts
_MATCHING_RUNS = f"""SELECT r.policy, b.section, r.first, r.last FROM search_blocks_fts
                     JOIN search_runs r ON r.block_id = search_blocks_fts.rowid
                     JOIN search_blocks b ON b.id = search_blocks_fts.rowid
                     WHERE search_blocks_fts MATCH :q AND {_CANDIDATE}
                     ORDER BY r.policy, b.section, r.first"""


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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


class Store:
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

    def __enter__(self) -> Store:
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

    # -- fetch log and policy health ---------------------------------------------------------

    def record_fetch(self, policy: str, *, outcome: Outcome, started_at: str, duration: float, url: str,
                     status: int | None = None, error_kind: str | None = None, error: str | None = None,
                     size: int | None = None, etag: str | None = None, last_modified: str | None = None,
                     attempts: int = 1, version_id: int | None = None, snapshot: str | None = None,
                     evidence: dict | None = None) -> int:
        ok = outcome != Outcome.ERROR
        cur = self.db.execute(
            "INSERT INTO fetches (policy, started_at, duration_ms, url, status, outcome, error_kind, error,"
            " bytes, etag, last_modified, attempts, version_id, snapshot, evidence)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (policy, started_at, round(duration * 1000), url, status, outcome, error_kind, error, size,
             etag, last_modified, attempts, version_id, snapshot, json.dumps(evidence) if evidence else None),
        )
        self.db.execute(
            """INSERT INTO policy_state (policy, last_check_at, last_outcome, last_error, failing_since,
                   consecutive_failures, etag, last_modified)
               VALUES (:p, :t, :o, :e, CASE WHEN :ok THEN NULL ELSE :t END, CASE WHEN :ok THEN 0 ELSE 1 END, :etag, :lm)
               ON CONFLICT(policy) DO UPDATE SET
                   last_check_at = :t, last_outcome = :o, last_error = :e,
                   failing_since = CASE WHEN :ok THEN NULL ELSE COALESCE(failing_since, :t) END,
                   consecutive_failures = CASE WHEN :ok THEN 0 ELSE consecutive_failures + 1 END,
                   etag = CASE WHEN NOT :ok THEN etag WHEN :kept THEN COALESCE(:etag, etag) ELSE :etag END,
                   last_modified = CASE WHEN NOT :ok THEN last_modified
                                        WHEN :kept THEN COALESCE(:lm, last_modified) ELSE :lm END""",
            # a 304 keeps the validators it did not repeat; a page downloaded brings its own (or none:
            # an old ETag kept for a new body would get a 304 when the page goes back to the old text)
            {"p": policy, "t": started_at, "o": outcome, "e": f"{error_kind}: {error}" if error else None,
             "ok": ok, "kept": outcome == Outcome.NOT_MODIFIED, "etag": etag, "lm": last_modified},
        )
        return _rowid(cur)

    def validators(self, policy: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified of the last good fetch, for a conditional GET."""
        row = self.db.execute("SELECT etag, last_modified FROM policy_state WHERE policy = ?", (policy,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def policy_health(self, policy: str) -> dict:
        rows = self.rows("SELECT * FROM policy_state WHERE policy = ?", (policy,))
        return rows[0] if rows else {}

    def failures_since(self, policy: str, since: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM fetches WHERE policy = ? AND outcome = 'error'"
                               " AND started_at >= ?", (policy, since)).fetchone()[0]

    def set_alerted(self, policy: str, when: str | None) -> None:
        self.db.execute("UPDATE policy_state SET alerted_at = ? WHERE policy = ?", (when, policy))

    def health(self) -> dict[str, dict]:
        rows = self.rows(
            """SELECT s.*, (SELECT COUNT(*) FROM versions v WHERE v.policy = s.policy) AS versions
               FROM policy_state s"""
        )
        return {r["policy"]: r for r in rows}

    def last_rejection(self, policy: str) -> dict | None:
        """The newest page rejected as not the policy, unless a later check found the policy again."""
        rows = self.rows(
            """SELECT * FROM fetches WHERE policy = :p AND error_kind = 'not_the_policy' AND snapshot IS NOT NULL
                 AND id > COALESCE((SELECT MAX(id) FROM fetches WHERE policy = :p AND outcome != 'error'), 0)
               ORDER BY id DESC LIMIT 1""", {"p": policy})
        if not rows:
            return None
        row = rows[0]
        row["evidence"] = json.loads(row["evidence"] or "{}")
        return row

    def fetch_log(self, policy: str, limit: int = 20) -> list[dict]:
        return self.rows("SELECT * FROM fetches WHERE policy = ? ORDER BY id DESC LIMIT ?", (policy, limit))

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

    # -- full-text search ---------------------------------------------------------------------

    def search(self, query: str, *, policy: str | None = None, all_versions: bool = False,
               since: str | None = None, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """Sections of versions with a block matching an FTS5 query, best first (one hit per version
        and section, with its best block's snippet), and how many hits there are in all; only each
        policy's latest version unless ``all_versions``. A malformed query raises ValueError.

        Every version: blocks are taken in FTS5 rank order and spread over the versions they lived
        in only until the page is full, so a common word costs one ranking, not a join of every
        version; the total is counted from the runs (first..last) without listing versions. The
        latest versions: one pass over the runs that end at them gives the page and the count."""
        params = {"q": query, "policy": policy, "since": since, "all": all_versions}
        try:
            cache: dict[str, int | None] = {}

            def since_number(p: str) -> int | None:
                """The first version of a policy stored on or after --since (None: none is)."""
                if since is None:
                    return 1
                if p not in cache:
                    cache[p] = self.db.execute(_SINCE, {"since": since, "policy": p}).fetchone()[0]
                return cache[p]

            if all_versions:
                total = self._search_total(params, since_number)
                page = self._search_page(params, since_number, total if limit is None else min(limit, total))
            else:
                page, total = self._search_latest(params, since_number, limit)
            blocks = list(dict.fromkeys(block for block, *_ in page))  # snippets of the page's blocks only
            snippets = dict(self.db.execute(
                f"SELECT rowid, snippet(search_blocks_fts, 0, '{MARK}', '{MARK}', '…', 24) FROM search_blocks_fts"
                f" WHERE search_blocks_fts MATCH ? AND rowid IN ({','.join('?' * len(blocks))})",
                (query, *blocks))) if blocks else {}
            hits = [{"policy": p, "version": n, "section": section, "snippet": snippets[block],
                     "created_at": self.db.execute("SELECT created_at FROM versions WHERE policy = ? AND number = ?",
                                                   (p, n)).fetchone()[0]}
                    for block, p, n, section in page]
        except sqlite3.OperationalError as exc:
            message = str(exc)
            if message.startswith(("fts5:", "no such column", "unterminated string", "unknown special query")):
                raise ValueError(message.removeprefix("fts5: ")) from None
            raise self._storage_error(exc) from None
        return hits, total

    def _search_latest(self, params: dict[str, Any], since_number: Callable[[str], int | None],
                       limit: int | None) -> tuple[list[tuple[int, str, int, str]], int]:
        """The latest versions only: one hit per policy and section, so one pass over the runs of
        matching blocks that end at the latest version gives both the page and the count."""
        best: dict[tuple[str, str], tuple[float, int, int]] = {}
        for block, score, p, section, last in self.db.execute(_LATEST_RUNS, params):
            lo = since_number(p)
            if lo is None or lo > last:
                continue  # the latest version is older than --since
            if (p, section) not in best or score < best[(p, section)][0]:
                best[(p, section)] = (score, block, last)
        ranked = sorted(best.items(), key=lambda item: (item[1][0], item[0][0], item[1][1]))
        return [(block, p, n, section) for (p, section), (_, block, n) in ranked[:limit]], len(best)

    def _search_total(self, params: dict[str, Any], since_number: Callable[[str], int | None]) -> int:
        """Every hit in every version counted, none listed: per policy and section, the union of
        the runs of versions its matching blocks lived in (from --since on)."""
        total, group, reach = 0, None, 0
        for p, section, first, last in self.db.execute(_MATCHING_RUNS, params):
            lo = since_number(p)
            if lo is None or last < lo:
                continue
            first = max(first, lo)
            if (p, section) != group:
                group, reach = (p, section), first - 1
            if last > reach:
                total += last - max(first, reach + 1) + 1
                reach = last
        return total

    def _search_page(self, params: dict[str, Any], since_number: Callable[[str], int | None],
                     size: int) -> list[tuple[int, str, int, str]]:
        """(block, policy, version, section) of the best ``size`` hits in every version: blocks
        best first, each spread over its runs (by policy, then version); a version's section is
        hit once, by its best block."""
        page: list[tuple[int, str, int, str]] = []
        seen: set[tuple[str, int, str]] = set()
        if size <= 0:
            return page
        for (block,) in self.db.execute(_RANKED if params["policy"] is None else _RANKED_CANDIDATES, params):
            for section, p, first, last in self.db.execute(_BLOCK_RUNS, {"block": block, "policy": params["policy"]}):
                lo = since_number(p)
                for n in range(max(first, lo), last + 1) if lo is not None else ():
                    if (p, n, section) not in seen:
                        seen.add((p, n, section))
                        page.append((block, p, n, section))
                        if len(page) == size:
                            return page
        return page

    def index_size(self) -> dict[str, int]:
        """Bytes of the search index (block texts, FTS5 tables, runs), of the stored texts, and of the text of
        every version uncompressed (what the index is a fraction of)."""
        def size(prefix: str) -> int:
            return self.db.execute("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE ?",
                                   (prefix,)).fetchone()[0]
        return {"index": size("search_%") + size("sqlite_autoindex_search_%"), "texts": size("texts"),
                "raw_text": self.db.execute("SELECT COALESCE(SUM(t.size), 0) FROM versions v"
                                            " JOIN texts t ON t.digest = v.digest").fetchone()[0]}

    # -- daemon heartbeat ----------------------------------------------------------------------

    def heartbeat(self, pid: int, host: str, policies: int) -> None:
        now = utcnow()
        self.db.execute(
            "INSERT INTO daemon (pid, host, started_at, heartbeat_at, policies) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(pid) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, policies = excluded.policies",
            (pid, host, now, now, policies),
        )

    def forget_daemons(self, host: str) -> None:
        """Heartbeat rows of daemons on this host that died without stopping (kill -9, power loss):
        called by a daemon that holds the lock, so none of them is still running."""
        self.db.execute("DELETE FROM daemon WHERE host = ?", (host,))

    def stop_heartbeat(self, pid: int) -> None:
        self.db.execute("DELETE FROM daemon WHERE pid = ?", (pid,))

    def daemons(self) -> list[dict]:
        return self.rows("SELECT * FROM daemon ORDER BY heartbeat_at DESC")

    # -- notification outbox -----------------------------------------------------------------

    def queue_message(self, kind: str, policy: str, recipient: str, payload: dict, when: str | None = None) -> int:
        """An operator alert or recovery notice (change rows are written by add_version)."""
        when = when or utcnow()
        cur = self.db.execute(
            "INSERT INTO outbox (kind, policy, recipient, payload, state, created_at, next_attempt_at)"
            " VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            (kind, policy, recipient, json.dumps(payload), when, when),
        )
        return _rowid(cur)

    def claim_due(self, now: str, lease_expired_before: str, due_by: str | None = None) -> list[dict]:
        """Take every row due by ``due_by`` (default now): pending, or `sending` whose claimer died, in
        one transaction."""
        with self.write():
            rows = self.rows(
                """SELECT * FROM outbox
                   WHERE next_attempt_at <= :due
                     AND (state = 'pending' OR (state = 'sending' AND claimed_at < :lease))
                   ORDER BY id""",
                {"due": due_by or now, "lease": lease_expired_before},
            )
            for row in rows:
                self.db.execute("UPDATE outbox SET state = 'sending', claimed_at = ?, attempts = attempts + 1"
                                " WHERE id = ?", (now, row["id"]))
                row["attempts"] += 1
                row["payload"] = json.loads(row["payload"] or "{}")
        return rows

    def install_id(self) -> str:
        """Random, made once per database (migration m004): part of every Message-ID."""
        return self.db.execute("SELECT value FROM meta WHERE key = 'install_id'").fetchone()[0]

    def set_message_id(self, ids: list[int], message_id: str) -> None:
        with self.write():
            self.db.execute(f"UPDATE outbox SET message_id = ? WHERE id IN ({_marks(ids)})", (message_id, *ids))

    def finish(self, ids: list[int], outcome: str, *, error: str | None = None, retry_at: str | None = None) -> None:
        """outcome: sent | already_delivered | retry | failed — and the attempt is logged."""
        now = utcnow()
        state = {"sent": "sent", "already_delivered": "sent", "retry": "pending", "failed": "failed"}[outcome]
        with self.write():
            self.db.execute(
                f"UPDATE outbox SET state = ?, last_error = ?, claimed_at = NULL,"
                f" sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,"
                f" next_attempt_at = COALESCE(?, next_attempt_at) WHERE id IN ({_marks(ids)})",
                (state, error, state, now, retry_at, *ids),
            )
            for i in ids:
                self.db.execute("INSERT INTO outbox_attempts (outbox_id, at, outcome, error) VALUES (?, ?, ?, ?)",
                                (i, now, outcome, error))

    def outbox(self, states: tuple[str, ...] = ("pending", "sending", "failed")) -> list[dict]:
        return self.rows(
            f"""SELECT o.*, c.level, c.summary, v.number AS version FROM outbox o
                LEFT JOIN changes c ON c.id = o.change_id LEFT JOIN versions v ON v.id = c.version_id
                WHERE o.state IN ({_marks(states)}) ORDER BY o.id""",
            tuple(states),
        )

    def outbox_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state")}


def _rowid(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just wrote (always set after a successful INSERT)."""
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _marks(items: Sequence[object]) -> str:
    return ", ".join("?" * len(items))
