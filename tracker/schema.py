"""Schema migrations. Append new ones; never edit one that has shipped."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable

from sqlite_utils import Database, Migrations

from tracker import delta
from tracker.model import Document

migrations = Migrations("tracker")


def _run(db: Database, script: str) -> None:
    """Statement by statement: executescript() would COMMIT the migration's transaction."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


def stored_markdown(db: Database, digest: str) -> str:
    """A stored text rebuilt from its full copy (zlib) and its deltas (KeyError when it is missing).
    Here, beside the texts table's layout, so that migrations can read texts too."""
    chain: list[bytes] = []
    key: str | None = digest
    while key is not None:
        row = db.execute("SELECT markdown, base FROM texts WHERE digest = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        if row[1] is None:
            text = zlib.decompress(row[0]).decode("utf-8")
            break
        chain.append(row[0])
        key = row[1]
    for patch in reversed(chain):
        text = delta.apply(text, patch)
    return text


@migrations()
def m001_initial(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE snapshots (          -- raw pages, content-addressed, zlib-compressed
            sha256 TEXT PRIMARY KEY,
            content BLOB NOT NULL,
            size INTEGER NOT NULL,
            content_type TEXT,
            encoding TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE texts (              -- normalized Markdown, content-addressed by its digest
            digest TEXT PRIMARY KEY,
            markdown BLOB NOT NULL,
            size INTEGER NOT NULL
        );
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            policy TEXT NOT NULL,
            number INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            digest TEXT NOT NULL REFERENCES texts(digest),
            title TEXT NOT NULL DEFAULT '',
            snapshot TEXT REFERENCES snapshots(sha256),
            normalizer TEXT NOT NULL,
            selectors TEXT NOT NULL DEFAULT '{}',
            UNIQUE (policy, number)
        );
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            policy TEXT NOT NULL,
            version_id INTEGER NOT NULL UNIQUE REFERENCES versions(id),
            from_version_id INTEGER REFERENCES versions(id),
            kind TEXT NOT NULL CHECK (kind IN ('first', 'change', 'technical', 'reverted')),
            level TEXT CHECK (level IN ('none', 'minor', 'material')),
            summary TEXT NOT NULL DEFAULT '',
            assessment TEXT NOT NULL DEFAULT '{}',
            reverted_to INTEGER REFERENCES versions(id),
            created_at TEXT NOT NULL
        );
        CREATE INDEX changes_policy ON changes (policy, id);
        CREATE TABLE fetches (
            id INTEGER PRIMARY KEY,
            policy TEXT NOT NULL,
            started_at TEXT NOT NULL,
            duration_ms INTEGER,
            url TEXT,
            status INTEGER,
            outcome TEXT NOT NULL,        -- new_version | unchanged | not_modified | error
            error_kind TEXT,
            error TEXT,
            bytes INTEGER,
            etag TEXT,
            last_modified TEXT,
            attempts INTEGER NOT NULL DEFAULT 1,
            version_id INTEGER REFERENCES versions(id)
        );
        CREATE INDEX fetches_policy ON fetches (policy, id);
        CREATE TABLE policy_state (
            policy TEXT PRIMARY KEY,
            last_check_at TEXT,
            last_outcome TEXT,
            last_error TEXT,
            failing_since TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            alerted_at TEXT,              -- the operator was told it is failing; a recovery is owed
            etag TEXT,
            last_modified TEXT
        );
        CREATE TABLE outbox (             -- one row per (change, recipient), written with the change
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL DEFAULT 'change' CHECK (kind IN ('change', 'alert', 'recovery')),
            change_id INTEGER REFERENCES changes(id),
            policy TEXT NOT NULL,
            recipient TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
            message_id TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claimed_at TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (change_id, recipient)
        );
        CREATE TABLE outbox_attempts (    -- every delivery attempt, for the record
            id INTEGER PRIMARY KEY,
            outbox_id INTEGER NOT NULL REFERENCES outbox(id),
            at TEXT NOT NULL,
            outcome TEXT NOT NULL,        -- sent | retry | failed | already_delivered
            error TEXT
        );
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
        """
    )


@migrations()
def m002_daemon_heartbeat(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE daemon (             -- one row per running daemon, for `tracker status`
            pid INTEGER PRIMARY KEY,
            host TEXT NOT NULL,
            started_at TEXT NOT NULL,
            heartbeat_at TEXT NOT NULL,
            policies INTEGER NOT NULL DEFAULT 0
        )
        """,
    )


@migrations()
def m003_text_deltas(db: Database) -> None:
    """A text may be stored as a line delta against an earlier text (`base`), `depth` deltas deep."""
    _run(
        db,
        """
        ALTER TABLE texts ADD COLUMN base TEXT REFERENCES texts(digest);
        ALTER TABLE texts ADD COLUMN depth INTEGER NOT NULL DEFAULT 0
        """,
    )


@migrations()
def m004_install_id(db: Database) -> None:
    """A random id per database: Message-IDs built from outbox row numbers must not repeat across
    installs, or in a database rebuilt next to an old outbox folder."""
    _run(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta (key, value) VALUES ('install_id', lower(hex(randomblob(12))))
        """,
    )


@migrations()
def m005_version_coverage(db: Database) -> None:
    """What share of the page each version kept, and a note when that share fell sharply."""
    _run(
        db,
        """
        ALTER TABLE versions ADD COLUMN kept_words INTEGER;
        ALTER TABLE versions ADD COLUMN page_words INTEGER;
        ALTER TABLE versions ADD COLUMN coverage_note TEXT
        """,
    )


@migrations()
def m006_rejected_pages(db: Database) -> None:
    """A page rejected as not the policy keeps its raw snapshot and the evidence (signals, figures),
    so the operator can see why and `tracker accept` it if the site really replaced the policy."""
    _run(
        db,
        """
        ALTER TABLE fetches ADD COLUMN snapshot TEXT REFERENCES snapshots(sha256);
        ALTER TABLE fetches ADD COLUMN evidence TEXT
        """,
    )


@migrations()
def m007_effective_dates(db: Database) -> None:
    """The policy's own date ("Last updated", "Effective", "Stand:") on each version, read from its stored
    text; versions stored before this migration get it here."""
    from tracker.effective import effective_date

    _run(db, "ALTER TABLE versions ADD COLUMN effective_date TEXT")
    found: dict[str, str | None] = {}
    for version_id, digest in db.execute("SELECT id, digest FROM versions").fetchall():
        if digest not in found:
            try:
                found[digest] = effective_date(stored_markdown(db, digest))
            except KeyError:  # a text missing from a damaged database: no date, the rest migrates
                found[digest] = None
        db.execute("UPDATE versions SET effective_date = ? WHERE id = ?", (found[digest], version_id))
# --------------------------------------------------------------------------- full-text search (m008)
#
# Paragraphs repeat across versions: each distinct block of text (a paragraph, list item, table or
# heading, under its section heading) is indexed once in `search_blocks` (its FTS5 index
# `search_blocks_fts` is kept by sqlite-utils' triggers), and `search_runs` says in which runs of
# consecutive versions of which policy it lived. Written with each version (Store.add_version), in
# the version's transaction; m008 builds it for the versions stored before.


def block_key(section: str, block: str) -> bytes:
    """What makes two blocks the same for the index: the same text under the same heading."""
    return hashlib.sha256(f"{section}\n{block}".encode()).digest()[:16]


def document_blocks(doc: Document) -> list[tuple[str, str]]:
    """(section heading, block) pairs of a document, each once; a heading is a block of its own."""
    pairs: dict[tuple[str, str], None] = {}
    for section in doc.sections:
        if section.heading:
            pairs[(section.heading, section.heading)] = None
        for block in section.blocks:
            pairs[(section.heading, block)] = None
    return list(pairs)


def index_version(db: Database, policy: str, number: int, blocks: Iterable[tuple[str, str]]) -> None:
    """Record version ``number`` of a policy in the search index: a block the previous version also
    had extends its run; a new one is added (its text only if no policy had it yet)."""
    for section, block in blocks:
        key = block_key(section, block)
        db.execute("INSERT OR IGNORE INTO search_blocks (key, section, body) VALUES (?, ?, ?)", (key, section, block))
        (block_id,) = db.execute("SELECT id FROM search_blocks WHERE key = ?", (key,)).fetchone()
        cur = db.execute("UPDATE search_runs SET last = ? WHERE block_id = ? AND policy = ? AND last = ?",
                         (number, block_id, policy, number - 1))
        if not cur.rowcount:
            db.execute("INSERT INTO search_runs (block_id, policy, first, last) VALUES (?, ?, ?, ?)",
                       (block_id, policy, number, number))


@migrations()
def m008_search_index(db: Database) -> None:
    """Full-text search over every stored version, built here for the versions already stored."""
    _run(
        db,
        """
        CREATE TABLE search_blocks (      -- each distinct block of text once
            id INTEGER PRIMARY KEY,
            key BLOB NOT NULL UNIQUE,     -- block_key(section, body)
            section TEXT NOT NULL,        -- the heading it is under ('' before the first heading)
            body TEXT NOT NULL
        );
        CREATE TABLE search_runs (        -- versions first..last of a policy held the block
            block_id INTEGER NOT NULL REFERENCES search_blocks(id),
            policy TEXT NOT NULL,
            first INTEGER NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (block_id, policy, first)
        ) WITHOUT ROWID
        """,
    )
    db.table("search_blocks").enable_fts(["body"], create_triggers=True)
    texts: dict[str, list[tuple[str, str]]] = {}
    for policy, number, digest in db.execute("SELECT policy, number, digest FROM versions ORDER BY policy, number"
                                             ).fetchall():
        if digest not in texts:
            if len(texts) > 64:
                texts.clear()
            texts[digest] = document_blocks(Document.from_markdown(stored_markdown(db, digest)))
        index_version(db, policy, number, texts[digest])
