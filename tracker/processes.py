"""Whether a process still runs: for the daemon's stale-heartbeat check and for the browser's
clean-up of profile folders left by a killed tracker."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True
