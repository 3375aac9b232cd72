"""The daemon and CLI commands share one SQLite file: reads while the daemon writes, two `check`
runs at once (even on a database that does not exist yet), and never a "database is locked"."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from tests.conftest import policy_page
from tests.test_crash import assert_consistent
from tests.test_daemon import DaemonProcess, wait_for
from tracker.testing import Page

N = 12
TEXTS = ["We do not sell your personal information.", "We may sell your personal information to data brokers.",
         "We keep server logs for 30 days.", "We keep server logs for five years."]


def serve(server, generation: int) -> None:
    for i in range(N):
        body = f"<h2>Terms</h2><p>{TEXTS[(generation + i) % len(TEXTS)]}</p><p>Revision {generation}.</p>"
        server.put(f"/p{i}", Page(policy_page(f"Policy {i}", body).encode(), etag=False))


def configure(ws, server, interval: str = "1h") -> None:
    ws.write_config([{"name": f"p{i}", "url": server.url(f"/p{i}"), "interval": interval,
                      "recipients": ["legal@example.org"]} for i in range(N)],
                    tracker={"suspect_delay": 0}, notify={"threshold": "minor"})


def run(ws, *args: str, timeout: float = 60) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracker", "--config", str(ws.config_path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_checks_at_once_store_each_version_once(ws, server):
    configure(ws, server)
    assert not ws.db_path.exists()  # the first round also races the two migrations of a new file
    for generation in range(4):
        serve(server, generation)
        procs = [run(ws, "check", "--format", "json") for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
            assert "locked" not in err and "Traceback" not in err
        with ws.store() as store:
            for i in range(N):
                versions = store.versions(f"p{i}")
                assert len(versions) == generation + 1, [(v.number, v.kind) for v in versions]
    with ws.store() as store:
        assert_consistent(store.db.conn, ["legal@example.org"])
        # the second run saw the first one's version: one version, one set of outbox rows
        assert store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == \
            store.db.execute("SELECT COUNT(*) FROM changes WHERE kind = 'change' AND level != 'none'").fetchone()[0]


def test_cli_reads_while_the_daemon_writes(ws, server, daemons):  # noqa: F811
    serve(server, 0)
    configure(ws, server, interval="1s")
    d = DaemonProcess(ws)
    daemons.append(d)
    assert wait_for(lambda: ws.db_path.exists() and ws.json("status")["policies"][-1]["versions"] >= 1, timeout=20)
    stop = threading.Event()

    def keep_changing():
        generation = 0
        while not stop.wait(0.3):
            generation += 1
            serve(server, generation)

    changer = threading.Thread(target=keep_changing, daemon=True)
    changer.start()
    try:
        # read until the daemon has stored three versions of p0 meanwhile (and we read five times)
        reads = 0
        while reads < 5 or len(ws.json("history", "p0")["versions"]) < 3:
            assert reads < 1000, "the daemon stored no new versions while we read"
            status = ws.json("status")
            assert len(status["policies"]) == N
            history = ws.json("history", "p0")["versions"]
            assert [v["number"] for v in history] == list(range(1, len(history) + 1))
            if len(history) >= 2:
                ws.cli("diff", "p0", "--format", "json")
            reads += 1
        procs = [run(ws, "status"), run(ws, "history", "p1"), run(ws, "check", "p2", "p3")]
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0 and "locked" not in err, err
    finally:
        stop.set()
        changer.join()
    assert reads >= 5
    assert d.stop() == 0
    log = d.log.read_text()
    assert "locked" not in log and "crashed" not in log, log[-2000:]
    with ws.store() as store:
        assert_consistent(store.db.conn, ["legal@example.org"])
        assert len(store.versions("p0")) >= 3


@pytest.mark.parametrize("rounds", [3])
def test_check_while_the_daemon_checks_the_same_policies(ws, server, daemons, rounds):  # noqa: F811
    serve(server, 0)
    configure(ws, server, interval="1s")
    d = DaemonProcess(ws)
    daemons.append(d)
    assert wait_for(lambda: ws.db_path.exists() and all(p["versions"] for p in ws.json("status")["policies"]),
                    timeout=20)
    for generation in range(1, rounds + 1):
        serve(server, generation)
        p = run(ws, "check")
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0 and "locked" not in err, err
    assert d.stop() == 0
    with ws.store() as store:
        assert_consistent(store.db.conn, ["legal@example.org"])
        for i in range(N):
            assert len(store.versions(f"p{i}")) == rounds + 1
