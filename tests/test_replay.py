"""Replay a real policy history through `tracker check` and assert which steps mail a recipient.

The history is Tumblr's Privacy Policy as recorded by Open Terms Archive (16 versions, 2022-2026; see
tests/replay/tumblr-privacy/README.md). Each version is served in turn from the loopback page server,
checked with the real CLI, and the outbox is flushed through the file backend. Which steps deserve an
email was labeled in steps.toml before tracker ran on these pages; the tests hold tracker to it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.conftest import Workspace
from tracker.testing import Page, PageServer

HISTORY = Path(__file__).parent / "replay" / "tumblr-privacy"
STEPS = tomllib.loads((HISTORY / "steps.toml").read_text("utf-8"))["step"]


def _page(n: int, step: dict) -> bytes:
    [path] = HISTORY.glob(f"{n:02d}-{step['commit'][:7]}.html")
    return path.read_bytes()


@pytest.fixture(scope="module")
def replay(tmp_path_factory) -> list[dict]:
    """Serve every version in order; per step, the emails it produced and the level tracker gave it."""
    ws = Workspace(tmp_path_factory.mktemp("replay"))
    with PageServer() as server:
        ws.write_config([{"name": "tumblr", "title": "Tumblr Privacy Policy", "url": server.url("/privacy"),
                          "recipients": ["privacy-desk@example.org"]}])
        outbox = ws.root / "outbox"
        seen: set[Path] = set()
        results = []
        for n, step in enumerate(STEPS, 1):
            server.put("/privacy", Page(_page(n, step)))
            ws.cli("check")
            ws.cli("notify", "flush")
            new = set(outbox.glob("*.eml")) - seen if outbox.exists() else set()
            seen |= new
            versions = ws.json("history", "tumblr")["versions"]
            results.append({"step": n, "date": step["date"], "expected": step["mail"], "mailed": len(new),
                            "level": versions[-1]["level"] if versions else None})
    return results


def test_fixtures_match_the_labels():
    assert 6 <= len(STEPS) <= 16
    assert not STEPS[0]["mail"] and any(s["mail"] for s in STEPS) and any(not s["mail"] for s in STEPS[1:])
    for n, step in enumerate(STEPS, 1):
        assert step["reason"].strip() and step["level"] in {"first", "none", "minor", "material"}
        assert step["mail"] == (step["level"] == "material"), step["commit"]
        assert b"<main>" in _page(n, step)


def test_replay_never_mails_twice_for_one_step(replay):
    assert all(r["mailed"] <= 1 for r in replay), replay


def test_replay_sends_no_false_email(replay):
    false = [(r["step"], r["date"], r["level"]) for r in replay if r["mailed"] and not r["expected"]]
    assert not false, f"emails for steps labeled not material: {false}"


def test_replay_misses_no_material_step(replay):
    missed = [(r["step"], r["date"], r["level"]) for r in replay if r["expected"] and not r["mailed"]]
    assert not missed, f"material steps that sent no email (step, date, level tracker gave): {missed}"
