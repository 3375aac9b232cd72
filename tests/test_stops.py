"""Quiet, clean stops: SIGTERM or SIGINT while the daemon waits (a retry backoff, the politeness delay
between two pages of one host) ends with the stop's log lines and exit 0, never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import policy_page
from tests.test_daemon import wait_for
from tracker.testing import Page

PAGE = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for 30 days.</p>")


def run_daemon(ws) -> tuple[subprocess.Popen, object]:
    log = ws.root / f"daemon-{time.monotonic_ns()}.log"
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--config", str(ws.config_path), "daemon"],
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"),
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return proc, log


def stopped_cleanly(proc: subprocess.Popen, log, sig: int) -> str:
    proc.send_signal(sig)
    try:
        code = proc.wait(timeout=60)  # a guard against a hang, not a timing assertion
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text and "CancelledError" not in text, text
    after_start = text.split("daemon started", 1)[1].splitlines()[1:]
    assert len(after_start) == 1 and " stopped" in after_start[0], text  # one line, nothing before it
    return after_start[0]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_during_retry_backoff_is_one_line_and_exit_0(ws, server, sig):
    server.put("/p", Page(b"busy", status=503))
    ws.write_config([{"name": "acme", "url": server.url("/p")}], tracker={"retry_backoff": 300, "retries": 3})
    proc, log = run_daemon(ws)
    assert wait_for(lambda: server.hits.get("/p", 0) >= 1), log.read_text()
    assert wait_for(lambda: "daemon started" in log.read_text()), log.read_text()
    line = stopped_cleanly(proc, log, sig)
    assert line.endswith("stopped (1 check waiting for a retry cancelled)")
    assert server.hits["/p"] == 1  # stopped inside the backoff, before the retry


def test_a_stop_during_the_politeness_delay_is_clean(ws, server):
    server.put("/a", PAGE)
    server.put("/b", PAGE)
    ws.write_config([{"name": "a", "url": server.url("/a")}, {"name": "b", "url": server.url("/b")}],
                    tracker={"per_host_delay": 300})
    proc, log = run_daemon(ws)
    assert wait_for(lambda: server.hits.get("/a", 0) + server.hits.get("/b", 0) >= 1), log.read_text()
    assert wait_for(lambda: "a: new_version" in log.read_text() or "b: new_version" in log.read_text())
    assert wait_for(lambda: len(log.read_text().splitlines()) >= 2)
    text = log.read_text()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=60)
    rest = log.read_text()[len(text):].splitlines()
    assert code == 0 and "Traceback" not in log.read_text(), log.read_text()
    assert len(rest) == 1 and rest[0].endswith("stopped (1 check waiting for the politeness delay cancelled)"), rest
    assert server.hits.get("/a", 0) + server.hits.get("/b", 0) == 1  # the second page was still waiting


def test_a_stop_during_a_browser_render_is_clean_and_leaves_no_chromium(ws, server):
    release = threading.Event()

    def hanging_script(handler) -> None:  # the page's load event never comes while the test holds it
        release.wait(120)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/javascript")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    server.put("/slow.js", hanging_script)
    server.put("/p", PAGE.replace("</main>", '<script src="/slow.js"></script></main>'))
    ws.write_config([{"name": "spa", "url": server.url("/p"), "render": "browser"}])
    proc, log = run_daemon(ws)
    try:
        assert wait_for(lambda: server.hits.get("/slow.js", 0) >= 1, timeout=120), log.read_text()
        assert wait_for(lambda: "daemon started" in log.read_text()), log.read_text()
        line = stopped_cleanly(proc, log, signal.SIGTERM)
    finally:
        release.set()
    assert line.endswith("stopped (1 check waiting for a browser render cancelled)")
    chromium = subprocess.run(["pgrep", "-f", f"tracker-chromium-{proc.pid}-"], capture_output=True, text=True)
    assert chromium.stdout == ""  # the render's process group died with the check


def test_ctrl_c_during_a_check_in_backoff_is_one_line(ws, server):
    server.put("/p", Page(b"busy", status=503))
    ws.write_config([{"name": "acme", "url": server.url("/p")}], tracker={"retry_backoff": 300, "retries": 3})
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--config", str(ws.config_path), "check"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: server.hits.get("/p", 0) >= 1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines() == [
        "interrupted: nothing half-written (every database write is one transaction)"]
