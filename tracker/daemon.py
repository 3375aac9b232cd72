"""`tracker daemon`: every policy on its schedule, for months, unattended.

APScheduler 3 (asyncio) runs one job per policy and an outbox-drain job. The schedule is derived
from the database (each policy's last check), so a restart resumes instead of starting over.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import random
import signal
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracker import config as config_mod
from tracker import notify, waits
from tracker.config import Config, Policy
from tracker.controls import escape_controls, json_safe
from tracker.errors import ConfigError, TrackerError
from tracker.model import Outcome
from tracker.pipeline import Checker, CheckResult
from tracker.processes import HEARTBEAT
from tracker.schedule import next_due, trigger
from tracker.store import Store

log = logging.getLogger("tracker.daemon")

DRAIN_EVERY = 30.0  # seconds between outbox drains
STOP_GRACE = 5.0  # seconds in-flight checks get to finish on SIGTERM


class AlreadyRunning(TrackerError):
    kind = "already_running"


class DaemonLock:
    """An flock on <database>.lock, next to the database's real path (symlinks resolved), and one on
    the database file itself (its identity: a hard link has another name, the same inode). Both are
    released by the kernel when the process dies, so a crashed daemon never leaves them stuck.
    flock and SQLite's POSIX locks do not interact; the database's descriptor stays open until the
    lock is released, after the daemon's own connection is closed."""

    def __init__(self, database: Path) -> None:
        self.database = database.resolve()
        self.path = self.database.with_name(self.database.name + ".lock")
        self.fh: TextIO | None = None
        self.db_fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise self._running(holder) from None
        fd = os.open(self.database, os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            fh.close()
            raise self._running("through another path to the same file") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        fh.flush()
        self.fh, self.db_fd = fh, fd

    def _running(self, holder: str) -> AlreadyRunning:
        return AlreadyRunning(f"another tracker daemon is already running on {self.database} ({holder}); "
                              "stop it first")

    def release(self) -> None:
        if self.db_fd is not None:
            os.close(self.db_fd)
            self.db_fd = None
        if self.fh:
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None




class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json_safe(json.dumps(data, ensure_ascii=False))


def setup_logging(fmt: str, level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("httpx").setLevel(logging.WARNING)


def first_run_time(policy: Policy, config: Config, last_check: str | None, now: datetime, index: int) -> datetime:
    """Due time from the last check in the database; overdue policies are spread over a few seconds."""
    due = next_due(policy, last_check, config)
    if due is not None and due > now:
        return due
    return now + timedelta(seconds=min(index * 0.5, 60) + random.uniform(0, 0.5))


class Daemon:
    def __init__(self, config_path: Path | None, config: Config) -> None:
        self.config_path = config_path
        self.config = config
        self.store = Store(config.database_path)
        self.checker = Checker(config, self.store, jobs=len(config.policy), always_pool=True)  # entered by run()
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.stopping = asyncio.Event()
        self.inflight: set[asyncio.Task[None]] = set()
        self.stop_note = ""

    # -- jobs -----------------------------------------------------------------------------

    async def check_policy(self, name: str) -> None:
        """The check runs in a task of its own, shielded: the scheduler's shutdown cancels its jobs at
        once, while an in-flight check gets STOP_GRACE seconds to finish (_finish_inflight)."""
        policy = next((p for p in self.config.policy if p.name == name), None)
        if policy is None or self.stopping.is_set():
            return
        task = asyncio.create_task(self._check(policy))
        self.inflight.add(task)
        task.add_done_callback(self.inflight.discard)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)

    async def _check(self, policy: Policy) -> None:
        try:
            result = await self.checker.check(policy)
            self._log_result(result)
            if result.outcome in (Outcome.NEW_VERSION, Outcome.ERROR) and not self.stopping.is_set():
                self.scheduler.modify_job("outbox", next_run_time=datetime.now(UTC))  # may have queued mail
        except Exception:
            log.exception("check of %s crashed", policy.name)

    async def drain(self) -> None:
        try:
            report = await asyncio.to_thread(self._drain_sync)
            if report.sent or report.retried or report.failed:
                log.info("outbox: %d sent, %d to retry, %d failed", report.sent, report.retried, report.failed,
                         extra={"fields": {"event": "outbox", "sent": report.sent, "retried": report.retried,
                                           "failed": report.failed}})
        except TrackerError as exc:  # a full disk: one line, not a traceback
            log.error("outbox drain failed: %s: %s", exc.kind, escape_controls(str(exc)))
        except Exception:
            log.exception("outbox drain failed")

    def _drain_sync(self) -> notify.DrainReport:
        store = Store(self.config.database_path)  # its own connection: this runs in a worker thread
        try:
            return notify.drain(self.config, store)
        finally:
            store.close()

    async def heartbeat(self) -> None:
        """A coroutine, so it runs on the loop's thread like every other use of self.store."""
        try:
            with self.store.write():
                self.store.heartbeat(os.getpid(), socket.gethostname(), len(self.config.policy))
        except TrackerError as exc:  # a full disk: say so in one line; the next beat tries again
            log.error("heartbeat not written: %s: %s", exc.kind, exc)

    def _log_result(self, r: CheckResult) -> None:
        fields: dict[str, object] = {"event": "check", "policy": r.policy, "outcome": r.outcome,
                                     "duration": round(r.duration, 3)}
        message = f"{r.policy}: {r.outcome} in {r.duration:.2f}s"
        if r.version:
            fields.update(version=r.version.number, kind=r.version.kind, level=r.version.level)
            message += f", version {r.version.number} ({r.version.kind}, {r.version.level or 'n/a'})"
        if r.error:
            fields.update(error_kind=r.error_kind, error=r.error)
            message += f": {r.error_kind}: {r.error}"
        message = escape_controls(message)  # a server's words (reason phrase, error) reach a terminal
        (log.warning if r.outcome == Outcome.ERROR else log.info)(message, extra={"fields": fields})

    # -- schedule -------------------------------------------------------------------------

    def schedule_policies(self, policies: list[Policy]) -> None:
        health = self.store.health()
        now = datetime.now(UTC)
        for index, policy in enumerate(p for p in policies if p.enabled):
            last = health.get(policy.name, {}).get("last_check_at")
            self.scheduler.add_job(
                self.check_policy, trigger(policy, self.config), args=[policy.name], id=f"policy:{policy.name}",
                name=policy.name, replace_existing=True, max_instances=1, coalesce=True,
                misfire_grace_time=max(60, int(self.config.interval_of(policy) / 2)),
                next_run_time=first_run_time(policy, self.config, last, now, index),
            )

    def reload(self) -> None:
        """SIGHUP: re-read the config; added, removed and changed policies take effect now. A bad
        config is reported and the old one kept."""
        try:
            new = config_mod.load(self.config_path)
            config_mod.check_channels(new)
        except ConfigError as exc:
            log.error("config reload failed, keeping the old config: %s", exc)
            return
        if new.database_path != self.config.database_path:
            log.error("config reload: the database path cannot change while running; keeping the old config")
            return
        old = {p.name: p for p in self.config.policy}
        fresh = {p.name: p for p in new.policy if p.enabled}
        # a policy without an interval of its own follows [tracker] interval: a new default reschedules it
        changed = [p for n, p in fresh.items()
                   if old.get(n) != p or self.config.interval_of(old[n]) != new.interval_of(p)]
        self.config = new
        self.checker.reload(new)
        for name in old.keys() - fresh.keys():
            if self.scheduler.get_job(f"policy:{name}"):
                self.scheduler.remove_job(f"policy:{name}")
        self.schedule_policies(changed)
        log.info("config reloaded: %d policies (%d added, %d removed, %d changed)", len(fresh),
                 len(fresh.keys() - old.keys()), len(old.keys() - fresh.keys()),
                 len([p for p in changed if p.name in old]))

    # -- run ------------------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        self.scheduler.configure(event_loop=loop)
        with self.store.write():  # we hold the lock: any other daemon row of this host is a dead one's
            self.store.forget_daemons(socket.gethostname())
        async with self.checker:
            await self._serve()
        self.store.stop_heartbeat(os.getpid())
        self.store.close()
        log.info("stopped%s", self.stop_note, extra={"fields": {"event": "stop"}})

    async def _serve(self) -> None:
        self.schedule_policies(list(self.config.policy))
        self.scheduler.add_job(self.drain, IntervalTrigger(seconds=DRAIN_EVERY), id="outbox",
                               max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
        self.scheduler.add_job(self.heartbeat, IntervalTrigger(seconds=HEARTBEAT), id="heartbeat",
                               max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
        self.scheduler.start()
        log.info("daemon started: %d policies, database %s", len(self.config.policy), self.config.database_path,
                 extra={"fields": {"event": "start", "pid": os.getpid()}})
        await self.stopping.wait()
        self.scheduler.shutdown(wait=False)
        self.stop_note = await self._finish_inflight()

    async def _finish_inflight(self) -> str:
        """Checks inside a wait (a retry backoff, the politeness delay, a render) are cancelled at once:
        they have nothing half-done. Checks at work get a few seconds; then they are cancelled too, which
        is safe because every database write is one transaction. Returns what the stop line says."""
        cancelled = waits.stop_waiting()
        pending = [t for t in self.inflight if not t.done()]
        if not pending:
            return _stop_note(cancelled)
        working = len(pending) - sum(cancelled.values())
        if working > 0:
            log.info("stopping: up to %g s for %d check%s in progress", STOP_GRACE, working,
                     "" if working == 1 else "s")
        done, still = await asyncio.wait(pending, timeout=STOP_GRACE)
        for task in still:
            task.cancel()
        if still:
            await asyncio.wait(still, timeout=1.0)
            log.warning("abandoned %d in-flight checks at shutdown", len(still))
        return _stop_note(cancelled)


def _stop_note(cancelled: dict[str, int]) -> str:
    """'' or ' (1 check waiting for a retry cancelled)'."""
    parts = [f"{n} check{'' if n == 1 else 's'} waiting for {why}" for why, n in sorted(cancelled.items())]
    return f" ({', '.join(parts)} cancelled)" if parts else ""


def run_daemon(config_path: Path | None, config: Config) -> int:
    lock = DaemonLock(config.database_path)
    lock.acquire()
    try:
        asyncio.run(Daemon(config_path, config).run())
    finally:
        lock.release()
    return 0
