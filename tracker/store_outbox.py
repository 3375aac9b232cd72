"""The notification outbox: one row per message and recipient, claimed with a lease, finished once."""

from __future__ import annotations

import json

from tracker.store_db import Connection, _marks, _rowid, utcnow


class Outbox(Connection):
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
