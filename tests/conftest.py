"""Shared fixtures: a real HTTP server on 127.0.0.1, a real SQLite file, the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.testing import PageServer

PAGES = Path(__file__).parent / "pages"
SEED = PAGES / "plex-privacy-policy-2021-03-17.html"
DEMO = Path(__file__).resolve().parent.parent / "tracker" / "demo_pages"


def policy_page(title: str, body: str, *, extra_nav: str = "") -> str:
    """A small but plausible policy page (over the 50-word minimum) with chrome around it."""
    filler = " ".join(["We describe here how we handle personal data and what choices you have."] * 6)
    return f"""<!doctype html><html><head><title>{title} | Example</title></head><body>
<nav><a href="/">Home</a> <a href="/pricing">Pricing</a>{extra_nav}</nav>
<main><h1>{title}</h1><p>{filler}</p>{body}</main>
<footer>© 2024 Example Inc. <a href="/terms">Terms</a></footer></body></html>"""


@pytest.fixture
def server():
    with PageServer() as srv:
        yield srv


def toml_value(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


class Workspace:
    """A folder with a config.toml and a database, and the CLI run against it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config_path = root / "config.toml"
        self.runner = CliRunner()

    def write_config(self, policies: list[dict], tracker: dict | None = None, notify: dict | None = None) -> Path:
        settings = {"database": "tracker.db", "per_host_delay": 0, "retry_backoff": 0.01, **(tracker or {})}
        lines = ["[tracker]"] + [f"{k} = {toml_value(v)}" for k, v in settings.items()]
        notify = {"backend": "file", "from": "tracker@example.org", "outbox_dir": "outbox", **(notify or {})}
        lines += ["", "[notify]"] + [f"{k} = {toml_value(v)}" for k, v in notify.items()]
        for p in policies:
            lines += ["", "[[policy]]"] + [f"{k} = {toml_value(v)}" for k, v in p.items()]
        self.config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return self.config_path

    def cli(self, *args: str, expect: int | None = 0):
        from tracker.cli import cli

        result = self.runner.invoke(cli, ["--config", str(self.config_path), *args], catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, f"exit {result.exit_code}, expected {expect}:\n{result.output}"
        return result

    def json(self, *args: str, expect: int | None = 0):
        return json.loads(self.cli(*args, "--format", "json", expect=expect).stdout)

    @property
    def db_path(self) -> Path:
        return self.root / "tracker.db"

    def store(self):
        from tracker.store import Store

        return Store(self.db_path)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def daemons():
    """Daemon processes a test started (tests.test_daemon.DaemonProcess): killed if still running."""
    started: list = []
    yield started
    for d in started:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
