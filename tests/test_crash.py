"""Crash safety: kill -9 `tracker check`, `tracker notify flush` and the daemon at random points
while they work through many policies with real changes and notifications; then the database is
intact, nothing is half-written, and every notification owed is delivered exactly once.

The kill points are events, not delays: "right after the page server answered the k-th request of
this run", "once k messages were written". So what the test sees depends on what happened, never
on how fast the machine is.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy

import pytest

from tests.conftest import policy_page
from tracker.testing import Page

POLICIES = 24
RECIPIENTS = ["legal@example.org", "dpo@example.org"]
SHARING = ["We do not sell your personal information to anyone.",
           "We may sell your personal information to data brokers and advertisers."]
RETENTION = ["We keep server logs for 30 days.", "We keep server logs for five years."]

pytestmark = pytest.mark.slow


def page(i: int, variant: int) -> bytes:
    body = (f"<h2>Sharing</h2><p>{SHARING[variant % 2]}</p>"
            f"<h2>Retention</h2><p>{RETENTION[(variant // 2) % 2]}</p>"
            f"<h2>Contact</h2><p>Write to policy {i} at privacy@example.org.</p>")
    return policy_page(f"Privacy Policy {i}", body).encode()


class Killer:
    """Kills the process of the current run right after the server has answered its k-th request
    (from the server's own thread, so the run is certainly mid-work: it has more pages to fetch)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.served = 0
        self.at: int | None = None
        self.proc: subprocess.Popen | None = None

    def start(self, at: int | None, launch: Callable[[], subprocess.Popen]) -> subprocess.Popen:
        with self.lock:  # no request is counted before the process is known
            self.served, self.at = 0, at
            self.proc = launch()
            return self.proc

    def route(self, body: Page):
        def serve(handler) -> None:
            handler.send_page(body)
            handler.wfile.flush()
            with self.lock:
                self.served += 1
                if self.proc is not None and self.served == self.at and self.proc.poll() is None:
                    self.proc.send_signal(signal.SIGKILL)
        return serve


def serve_round(server, rnd: random.Random, variants: dict[int, int], killer: Killer | None = None) -> None:
    """About a third of the policies change each round (sometimes back to an earlier text)."""
    for i in range(POLICIES):
        if rnd.random() < 0.35:
            variants[i] = rnd.randrange(4)
        body = Page(page(i, variants[i]), etag=rnd.random() < 0.5)
        server.put(f"/p{i}", killer.route(body) if killer else body)


def tracker(ws, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracker", "--config", str(ws.config_path), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_when(proc: subprocess.Popen, reached: Callable[[], bool], guard: float = 120.0) -> None:
    """SIGKILL once `reached()` (unless the process ended first). `guard` only stops a hung test."""
    deadline = time.monotonic() + guard
    while proc.poll() is None and not reached():
        assert time.monotonic() < deadline, "neither finished nor reached the kill point"
        time.sleep(0.01)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


def eml_count(ws) -> int:
    return len(list((ws.root / "outbox").glob("*.eml")))


def versions_stored(ws) -> int:
    import sqlite3

    if not ws.db_path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{ws.db_path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def setup_workspace(ws, server) -> None:
    ws.write_config(
        [{"name": f"p{i}", "url": server.url(f"/p{i}"), "recipients": RECIPIENTS, "interval": "1s"}
         for i in range(POLICIES)],
        tracker={"suspect_delay": 0, "concurrency": 8},
        notify={"threshold": "minor", "admin": "ops@example.org"},
    )


def assert_consistent(db, recipients=RECIPIENTS) -> None:
    """No half-written version or change; every reference resolves."""
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    versions = db.execute("SELECT id, policy, number, digest, snapshot FROM versions"
                          " ORDER BY policy, number").fetchall()
    assert versions, "the loop stored nothing: the kills came too early"
    by_policy: dict[str, list] = {}
    for v in versions:
        by_policy.setdefault(v[1], []).append(v)
    for name, rows in by_policy.items():
        assert [r[2] for r in rows] == list(range(1, len(rows) + 1)), f"{name}: version numbers not contiguous"
        for prev, cur in itertools.pairwise(rows):
            assert prev[3] != cur[3], f"{name}: version {cur[2]} repeats the text of version {prev[2]}"
    for vid, name, number, digest, snapshot in versions:
        change = db.execute("SELECT policy, from_version_id, kind FROM changes WHERE version_id = ?", (vid,)).fetchall()
        assert len(change) == 1, f"{name} v{number}: {len(change)} change rows"
        c_policy, from_id, kind = change[0]
        assert c_policy == name
        if number == 1:
            assert (from_id, kind) == (None, "first")
        else:
            previous = db.execute("SELECT id FROM versions WHERE policy = ? AND number = ?",
                                  (name, number - 1)).fetchone()
            assert from_id == previous[0] and kind in ("change", "reverted")
        assert db.execute("SELECT 1 FROM texts WHERE digest = ?", (digest,)).fetchone(), f"{name} v{number}: no text"
        assert db.execute("SELECT 1 FROM snapshots WHERE sha256 = ?", (snapshot,)).fetchone(), f"{name} v{number}"
        fetch = db.execute("SELECT outcome FROM fetches WHERE version_id = ?", (vid,)).fetchall()
        assert fetch == [("new_version",)], f"{name} v{number}: fetch rows {fetch}"
    # outbox rows: exactly the recipients of every notifiable change, and none for any other
    for change_id, kind, level in db.execute("SELECT id, kind, level FROM changes").fetchall():
        rows = sorted(r[0] for r in db.execute("SELECT recipient FROM outbox WHERE change_id = ?", (change_id,)))
        owed = kind == "change" and level in ("minor", "material")
        assert rows == (sorted(recipients) if owed else []), (change_id, kind, level, rows)
    assert db.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'change' AND change_id IS NULL").fetchone()[0] == 0


def assert_delivered_exactly_once(ws, db) -> None:
    rows = db.execute("SELECT id, kind, recipient, state, message_id FROM outbox").fetchall()
    assert rows and {r[3] for r in rows} == {"sent"}, {r[3] for r in rows}
    ids = [r[4] for r in rows]
    assert len(set(ids)) == len(ids), "two outbox rows share a Message-ID"
    files = sorted((ws.root / "outbox").glob("*.eml"))
    assert len(files) == len(rows), f"{len(files)} .eml files for {len(rows)} outbox rows"
    seen = {}
    for f in files:
        msg = message_from_bytes(f.read_bytes(), policy=email_policy.default)
        seen[msg["Message-ID"]] = str(msg["To"])
    assert seen == {r[4]: r[2] for r in rows}


def finish(ws) -> None:
    """A final clean run: check, flush; then the leases of claims held by killed flushes expire."""
    from tracker import config as config_mod
    from tracker import notify

    result = subprocess.run([sys.executable, "-m", "tracker", "--config", str(ws.config_path), "check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([sys.executable, "-m", "tracker", "--config", str(ws.config_path), "notify", "flush"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    config = config_mod.load(ws.config_path)
    with ws.store() as store:
        later = datetime.now(UTC) + notify.LEASE + timedelta(minutes=1)
        report = notify.drain(config, store, now=later)
        assert report.errors == []


ROUNDS = 20
FULL_EVERY = 5  # every 5th run of `check` is left to finish: the loop surely stores and notifies


def test_kill_9_check_and_flush_at_random_points(ws, server):
    rnd = random.Random(int(os.environ.get("CRASH_SEED", "20240917")))
    killer = Killer()
    variants = {i: 0 for i in range(POLICIES)}
    serve_round(server, rnd, variants, killer)
    setup_workspace(ws, server)
    at_full_runs = [dict(variants)]  # what every policy served when a run completed
    for rounds in range(1, ROUNDS + 1):
        serve_round(server, rnd, variants, killer)
        full = rounds % FULL_EVERY == 0
        at = None if full else rnd.randrange(1, POLICIES)  # fewer than a run's requests: surely mid-work
        proc = killer.start(at, lambda: tracker(ws, "check"))
        proc.wait(timeout=120)
        expected = 0 if full else -signal.SIGKILL
        assert proc.returncode == expected, f"run {rounds}: exit {proc.returncode}: {proc.stderr.read().decode()}"
        if full:
            at_full_runs.append(dict(variants))
        if rounds % 4 == 0:
            before, k = eml_count(ws), rnd.randrange(1, 4)
            flush = tracker(ws, "notify", "flush")
            kill_when(flush, lambda before=before, k=k: eml_count(ws) >= before + k)  # after k messages, if any
            assert flush.returncode in (0, -signal.SIGKILL), flush.stderr.read().decode()
    with ws.store() as store:
        assert_consistent(store.db.conn)
    finish(ws)
    at_full_runs.append(dict(variants))
    with ws.store() as store:
        assert_consistent(store.db.conn)
        assert_delivered_exactly_once(ws, store.db.conn)
        stored = store.db.execute("SELECT COUNT(*) FROM changes WHERE kind IN ('change', 'reverted')").fetchone()[0]
        for i in range(POLICIES):  # the last text served is the last text stored
            text = store.markdown(store.latest_version(f"p{i}").digest)
            assert ("may sell" in text, "five years" in text) == (variants[i] % 2 == 1, (variants[i] // 2) % 2 == 1)
    # between two completed runs that saw different texts, at least one version was stored
    owed = sum(a[i] != b[i] for a, b in itertools.pairwise(at_full_runs) for i in range(POLICIES))
    assert owed >= POLICIES, "the seed gives too few real changes to mean anything"
    assert stored >= owed


def test_kill_9_daemon_mid_work(ws, server):
    from tests.test_daemon import wait_for

    rnd = random.Random(7)
    variants = {i: 0 for i in range(POLICIES)}
    serve_round(server, rnd, variants)
    setup_workspace(ws, server)
    killer = Killer()
    for n in range(4):
        serve_round(server, rnd, variants, killer)
        # the first daemon is killed once it stored a version (so there is something to check);
        # the others right after answering their k-th request
        at = None if n == 0 else rnd.randrange(1, 8)
        proc = killer.start(at, lambda: subprocess.Popen(
            [sys.executable, "-m", "tracker", "--config", str(ws.config_path), "daemon"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if n == 0:
            kill_when(proc, lambda: versions_stored(ws) > 0)
        else:
            kill_when(proc, lambda: False)
        assert proc.returncode == -signal.SIGKILL
    with ws.store() as store:
        assert_consistent(store.db.conn)
        # each daemon forgot the rows of those killed before it; the last one killed left its row...
        assert [d["pid"] for d in store.daemons()] == [proc.pid]
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--config", str(ws.config_path), "daemon"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: [d["pid"] for d in ws.json("status")["daemons"]] == [proc.pid], timeout=120)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0  # ...are forgotten by the next daemon, which stops cleanly
    finish(ws)
    with ws.store() as store:
        assert_consistent(store.db.conn)
        assert_delivered_exactly_once(ws, store.db.conn)


def running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_worker_processes_do_not_outlive_a_killed_check(ws, server):
    """kill -9 of a big `tracker check` must not leave its worker processes behind."""
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import policy_page
    from tracker.pipeline import POOL_FROM
    from tracker.testing import Page

    def slow(i):
        def route(handler):
            time.sleep(0.3)  # keeps the run going while we look at its processes
            handler.send_page(Page(policy_page("Privacy", f"<h2>S</h2><p>Policy number {i}.</p>").encode()))
        return route

    for i in range(POOL_FROM + 4):
        server.put(f"/p{i}", slow(i))
    ws.write_config([{"name": f"p{i}", "url": server.url(f"/p{i}")} for i in range(POOL_FROM + 4)])
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--config", str(ws.config_path), "check"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def children() -> list[int]:
        """The pool's workers (not its resource tracker, which exits by itself)."""
        out = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(proc.pid)], capture_output=True,
                             text=True).stdout
        return [int(line.split()[0]) for line in out.splitlines() if "spawn_main" in line]

    deadline = time.monotonic() + 120  # guards a hung test only
    while not children() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    workers = children()
    assert workers, "the run did not start worker processes"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 120  # they notice within a second or so; the guard only stops a hang
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in alive if running(p)]
    assert alive == []
