"""The daemon as a real subprocess against a local HTTP server, with intervals of a second or two."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.conftest import policy_page

V1 = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for 30 days.</p>")
V2 = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for 90 days.</p>")


def wait_for(predicate, timeout: float = 60.0) -> bool:
    """True once `predicate()` holds; False after `timeout`, which only guards against a hang (a
    loaded machine is slow, never wrong)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


class DaemonProcess:
    def __init__(self, ws) -> None:
        self.ws = ws
        self.log = ws.root / f"daemon-{time.monotonic_ns()}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--config", str(ws.config_path), "daemon", "--log-format", "json"],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"), env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def lines(self) -> list[dict]:
        out = []
        for line in self.log.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
        return out

    def checks(self) -> list[dict]:
        return [line for line in self.lines() if line.get("event") == "check"]

    def stop(self, sig=signal.SIGTERM, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


def start(ws, daemons) -> DaemonProcess:
    d = DaemonProcess(ws)
    daemons.append(d)
    assert wait_for(lambda: any(line.get("event") == "start" for line in d.lines())), d.log.read_text()
    return d


def versions(ws, name: str) -> int:
    with ws.store() as store:
        return len(store.versions(name))


def test_changes_are_recorded_on_schedule_and_sigterm_exits_0(ws, server, daemons):
    server.put("/p", V1)
    ws.write_config([{"name": "acme", "url": server.url("/p"), "interval": "1s"}])
    d = start(ws, daemons)
    assert wait_for(lambda: versions(ws, "acme") == 1)
    assert wait_for(lambda: len(d.checks()) >= 2)  # checked again on its interval
    server.put("/p", V2)
    assert wait_for(lambda: versions(ws, "acme") == 2)
    line = next(c for c in d.checks() if c.get("version") == 2)
    assert line["policy"] == "acme" and line["outcome"] == "new_version" and "duration" in line
    assert d.stop() == 0
    lines = d.lines()  # stopped by the signal, not by the test's guard; nothing was left running
    assert any(line.get("event") == "stop" for line in lines)
    assert not any("abandoned" in line.get("message", "") for line in lines)


def test_restart_resumes_without_refetching_everything(ws, server, daemons):
    server.put("/a", V1)
    server.put("/b", V1)
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "1h"}])
    d = start(ws, daemons)
    assert wait_for(lambda: server.hits.get("/a") == 1)
    assert d.stop() == 0
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "1h"},
                     {"name": "b", "url": server.url("/b"), "interval": "1h"}])
    d = start(ws, daemons)
    assert wait_for(lambda: server.hits.get("/b") == 1)  # never checked: due now
    time.sleep(1.5)
    assert server.hits["/a"] == 1  # checked an hour ago at most: not due yet
    assert d.stop() == 0


def test_overdue_policy_is_checked_after_restart(ws, server, daemons):
    server.put("/a", V1)
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "2s"}])
    ws.cli("check")
    time.sleep(2.2)  # now overdue
    d = start(ws, daemons)
    assert wait_for(lambda: server.hits["/a"] >= 2)
    assert d.stop() == 0


def test_sighup_picks_up_an_added_policy_and_keeps_old_config_when_invalid(ws, server, daemons):
    server.put("/a", V1)
    server.put("/b", V1)
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "1h"}])
    d = start(ws, daemons)
    assert wait_for(lambda: server.hits.get("/a") == 1)
    good = ws.config_path.read_text()
    ws.config_path.write_text(good + "\n[[policy]]\nname = \"Bad Name\"\nurl = \"x\"\n")
    d.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: any("reload failed" in line.get("message", "") for line in d.lines()))
    assert d.proc.poll() is None
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "1h"},
                     {"name": "b", "url": server.url("/b"), "interval": "1h"}])
    d.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: server.hits.get("/b") == 1)
    assert server.hits["/a"] == 1
    assert d.stop() == 0


def test_sighup_with_a_chat_url_that_cannot_work_keeps_the_old_config(ws, server, daemons):
    server.put("/a", V1)
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "1h"}])
    d = start(ws, daemons)
    assert wait_for(lambda: server.hits.get("/a") == 1)
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "1h",
                      "recipients": ["json://127.0.0.1:9/{env:TRACKER_TEST_UNSET_HOOK}"]}])
    d.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: any("reload failed" in line.get("message", "") and
                                "TRACKER_TEST_UNSET_HOOK is not set" in line.get("message", "") for line in d.lines()))
    assert d.proc.poll() is None
    assert d.stop() == 0


def test_second_daemon_is_refused_and_a_killed_one_leaves_no_stuck_lock(ws, server, daemons):
    server.put("/a", V1)
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "1h"}])
    d = start(ws, daemons)
    second = subprocess.run([sys.executable, "-m", "tracker", "--config", str(ws.config_path), "daemon"],
                            capture_output=True, text=True, timeout=30)
    assert second.returncode == 1
    assert "already running" in second.stderr and str(d.proc.pid) in second.stderr
    d.proc.kill()
    d.proc.wait()
    again = start(ws, daemons)
    assert again.stop() == 0


def test_status_works_while_the_daemon_runs(ws, server, daemons):
    server.put("/a", V1)
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "1s"}])
    d = start(ws, daemons)
    assert wait_for(lambda: versions(ws, "a") == 1)
    for _ in range(5):  # the CLI reads while the daemon writes
        status = ws.json("status")
        assert status["policies"][0]["versions"] == 1
        assert status["daemons"] and status["daemons"][0]["pid"] == d.proc.pid
        time.sleep(0.2)
    assert "daemon: pid" in ws.cli("status").stdout
    assert d.stop(signal.SIGINT) == 0
    assert ws.json("status")["daemons"] == []


def test_daemon_drains_the_outbox(ws, server, daemons):
    server.put("/a", policy_page("Privacy", "<p>We do not sell your personal information.</p>"))
    ws.write_config([{"name": "a", "url": server.url("/a"), "interval": "1s", "recipients": ["legal@example.org"]}])
    ws.cli("check")
    server.put("/a", policy_page("Privacy", "<p>We may sell your personal information to data brokers.</p>"))
    d = start(ws, daemons)
    assert wait_for(lambda: list((ws.root / "outbox").glob("*.eml")), timeout=40)
    assert d.stop() == 0


def agents(server, path: str) -> list[str | None]:
    """The User-Agent of each request the server saw for `path`, in order."""
    with server.lock:
        seen = list(server.requests)
    return [{k.lower(): v for k, v in headers.items()}.get("user-agent") for p, headers in seen if p == path]


def test_sighup_applies_new_http_settings_and_a_bad_config_keeps_them(ws, server, daemons):
    server.put("/a", V1)
    policies = [{"name": "a", "url": server.url("/a"), "interval": "1s"}]
    ws.write_config(policies, tracker={"user_agent": "tracker-test/before"})
    d = start(ws, daemons)
    assert wait_for(lambda: len(agents(server, "/a")) >= 1)
    ws.write_config(policies, tracker={"user_agent": "tracker-test/after"})
    d.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "tracker-test/after" in agents(server, "/a")), agents(server, "/a")
    seen = agents(server, "/a")
    switch = seen.index("tracker-test/after")  # every request before the reload had the old one, none after it
    assert set(seen[:switch]) == {"tracker-test/before"} and set(seen[switch:]) == {"tracker-test/after"}
    ws.write_config(policies + [{"name": "Bad Name", "url": "x"}], tracker={"user_agent": "tracker-test/bad"})
    d.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: any("reload failed" in line.get("message", "") for line in d.lines()))
    asked = len(agents(server, "/a"))
    assert wait_for(lambda: len(agents(server, "/a")) >= asked + 2)  # two more checks under the kept config
    assert set(agents(server, "/a")[switch:]) == {"tracker-test/after"}
    assert d.stop() == 0


def test_sighup_applies_a_new_politeness_delay(ws, server, daemons):
    for path in ("/a", "/b", "/c"):
        server.put(path, V1)
    a, b, c = ({"name": n, "url": server.url(f"/{n}"), "interval": "1h"} for n in "abc")
    ws.write_config([a], tracker={"per_host_delay": 300})
    d = start(ws, daemons)
    assert wait_for(lambda: server.hits.get("/a") == 1)
    ws.write_config([a, b, c], tracker={"per_host_delay": 0})
    d.proc.send_signal(signal.SIGHUP)
    # under the old delay /b would wait five minutes after /a, and /c five more after /b
    assert wait_for(lambda: server.hits.get("/b") == 1 and server.hits.get("/c") == 1), d.log.read_text()
    assert sorted(path for path, _ in server.requests) == ["/a", "/b", "/c"]
    assert d.stop() == 0


def test_sighup_with_a_new_default_interval_reschedules_the_policies_that_follow_it(ws, server, daemons):
    server.put("/a", V1)
    server.put("/b", V1)
    policies = [{"name": "a", "url": server.url("/a")}, {"name": "b", "url": server.url("/b"), "interval": "1h"}]
    ws.write_config(policies, tracker={"interval": "1h"})
    d = start(ws, daemons)
    assert wait_for(lambda: server.hits.get("/a") == 1 and server.hits.get("/b") == 1)
    ws.write_config(policies, tracker={"interval": "1s"})
    d.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: server.hits["/a"] >= 3)  # was due in an hour; now every second
    assert server.hits["/b"] == 1  # its own interval did not change
    assert d.stop() == 0
