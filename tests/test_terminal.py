"""What a reader sees in a real terminal: the pager (run in a pty, LESS as a stock Debian leaves it),
tables at 80 columns, negative version arguments, the empty config, plurals."""

from __future__ import annotations

import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from fcntl import ioctl
from pathlib import Path

import pytest

from tests.conftest import DEMO, policy_page
from tracker.cli.pager import pager_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def two_versions(ws, server):
    """The seed's material revision (v1 → v3 of the demo pages: many changed sections, so it is paged)."""
    ws.write_config([{"name": "plex", "url": server.url("/privacy")}])
    server.put("/privacy", (DEMO / "plex-privacy-policy-v1-noisy.html").read_bytes())
    ws.cli("check")
    server.put("/privacy", (DEMO / "plex-privacy-policy-v3-substantive.html").read_bytes())
    ws.cli("check")
    return ws


def run_in_pty(args: list[str], env: dict[str, str], cols: int = 80, rows: int = 24) -> bytes:
    """Run the CLI on a pseudo-terminal of cols x rows, pressing q until it ends; all it wrote."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "tracker", *args], stdin=slave, stdout=slave, stderr=slave,
                            env=env, close_fds=True, start_new_session=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 60
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.3)
            if ready:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    break
            elif out:
                os.write(master, b"q")  # the pager waits for the reader: quit it
        proc.wait(timeout=10)
        while select.select([master], [], [], 0.1)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out.decode(errors="replace")
    return out


def terminal_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LESS", "PAGER", "MANPAGER", "NO_COLOR", "COLUMNS")}
    return {**env, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT), **extra}


@pytest.mark.parametrize("less", [None, "-i", "-R"])
def test_the_pager_shows_colours_whatever_less_holds(two_versions, less):
    env = terminal_env(**({"LESS": less} if less is not None else {}))
    out = run_in_pty(["--config", str(two_versions.config_path), "diff", "plex"], env)
    assert b"ESC[" not in out  # less printing escapes as text: what a reader saw with LESS unset
    assert b"\x1b[1;4m" in out or b"\x1b[1m\x1b[4m" in out  # the title, bold and underlined, as colours
    assert b"version 1" in out and b"changed" in out


def test_a_pager_that_cannot_show_colours_gets_plain_marked_text(two_versions, tmp_path):
    paged = tmp_path / "paged.txt"
    env = terminal_env(PAGER=f"tee {paged} >/dev/null")
    run_in_pty(["--config", str(two_versions.config_path), "diff", "plex"], env)
    text = paged.read_text()
    assert "\x1b" not in text
    assert "{+" in text and "[-" in text  # changes marked wdiff-style instead of coloured


def test_pager_command_adds_raw_control_chars_to_less_only():
    assert pager_command({}).env["LESS"] == "-FRX"
    assert pager_command({"LESS": "-i"}).env["LESS"] == "-i -R"
    assert pager_command({"PAGER": "/usr/bin/less -S", "LESS": ""}).env["LESS"] == "-FRX"
    assert pager_command({"PAGER": "most"}).colours is False
    assert pager_command({"PAGER": "more"}).env.get("LESS") is None


def test_negative_version_arguments(two_versions):
    ws = two_versions
    data = ws.json("diff", "plex", "1", "-1")
    assert data["changed"] is True
    assert ws.json("diff", "plex", "-2", "-1") == data
    assert ws.json("show", "plex", "--version", "-2")["number"] == 1
    result = ws.cli("diff", "plex", "--bogus", expect=2)
    assert "No such option" in result.output and "--bogus" in result.output
    result = ws.cli("diff", "plex", "-5", expect=2)
    assert "version -5 does not exist" in result.output


LONG_NAME = "example-corporation-global-privacy-notice-eu"
RECIPIENT = "dpo@subsidiary.example.org"


def test_tables_keep_policy_names_and_recipients_whole_at_80_columns(ws, server, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    body = "<h2>Sharing</h2><p>We do not sell your personal information to anyone at all.</p>"
    server.put("/p", policy_page("Privacy Policy", body))
    ws.write_config([{"name": LONG_NAME, "url": server.url("/p"), "recipients": [RECIPIENT]},
                     {"name": "dead", "url": server.url("/missing-page-that-returns-a-long-error")}])
    outputs = [ws.cli("check", expect=1).stdout]
    server.put("/p", policy_page("Privacy Policy", body.replace("do not sell", "may sell")))
    ws.cli("check", expect=1)
    outputs += [ws.cli("status").stdout, ws.cli("notify", "list").stdout]
    for out in outputs:
        assert max(len(line) for line in out.splitlines()) <= 80, out
        assert LONG_NAME in out, out
    assert RECIPIENT in outputs[2], outputs[2]


def test_check_without_policies_is_a_hint_not_a_failure(ws):
    ws.write_config([])
    result = ws.cli("check")
    assert "no policies configured: add a [[policy]]" in result.stdout
    assert ws.json("check") == {"results": []}


def test_plurals(ws, server):
    server.put("/p", policy_page("Privacy Policy", "<h2>Sharing</h2><p>We do not sell data.</p>"))
    ws.write_config([{"name": "acme", "url": server.url("/p")}])
    assert "1 checked, 1 new version, 0 failed" in ws.cli("check").stdout
    assert "1 checked, 0 new versions, 0 failed" in ws.cli("check").stdout
