"""Whether a process still runs: for the daemon's stale-heartbeat check and for the browser's
clean-up of profile folders left by a killed tracker."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

HEARTBEAT = 15.0  # seconds between the daemon's heartbeats written to the database
STALE_AFTER = 3 * HEARTBEAT  # a daemon silent for longer is not running (or hangs)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def with_liveness(rows: list[dict], now: datetime | None = None) -> list[dict]:
    """Heartbeat rows with `stale` (bool) and `stale_reason`: the process is gone (checked on this
    host), or its heartbeat is older than a few intervals (any host). Here, not in daemon.py, so
    `tracker status` does not import the scheduler."""
    now = now or datetime.now(UTC)
    host = socket.gethostname()
    out = []
    for row in rows:
        reason = None
        if row["host"] == host and not pid_alive(row["pid"]):
            reason = f"process {row['pid']} is not running"
        else:
            age = (now - datetime.fromisoformat(row["heartbeat_at"])).total_seconds()
            if age > STALE_AFTER:
                reason = f"no heartbeat for {age:.0f} s (expected every {HEARTBEAT:.0f} s)"
        out.append({**row, "stale": reason is not None, "stale_reason": reason})
    return out
