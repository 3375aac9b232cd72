"""The fetch log (every attempt, its outcome and validators), policy health and the daemon heartbeat."""

from __future__ import annotations

import json

from tracker.model import Outcome
from tracker.store_db import Connection, _rowid, utcnow


class FetchLog(Connection):
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
