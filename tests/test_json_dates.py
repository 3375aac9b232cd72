"""JSON completeness: `diff` names both stored versions; every timestamp in every command's JSON is an
ISO 8601 string or null, never a word ("now")."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import policy_page
from tests.test_api import valid
from tracker.testing import Page

V1 = policy_page("Privacy Policy", "<h2>Sharing</h2><p>We do not sell your personal information.</p>")
V2 = policy_page("Privacy Policy", "<h2>Sharing</h2><p>We may sell your personal information.</p>")
TIME_KEYS = ("_at", "_since", "next_due")


def timestamps(data, path=""):
    """(path, value) of every key that holds a moment."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k.endswith(TIME_KEYS) and not isinstance(v, (dict, list)):
                yield f"{path}.{k}", v
            else:
                yield from timestamps(v, f"{path}.{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from timestamps(v, f"{path}[{i}]")


def test_diff_json_names_both_versions(ws, server):
    server.put("/p", V1)
    ws.write_config([{"name": "acme", "url": server.url("/p")}])
    ws.cli("check")
    server.put("/p", V2)
    ws.cli("check")
    history = ws.json("history", "acme")["versions"]
    data = valid("diff", ws.json("diff", "acme"))
    assert data["policy"] == "acme"
    assert data["old_version"]["number"] == 1 and data["new_version"]["number"] == 2
    assert data["old_version"]["created_at"] == history[0]["created_at"]
    assert data["new_version"]["created_at"] == history[1]["created_at"]
    assert data["materiality"]["level"] == "material" and data["old"]["digest"] == history[0]["digest"]
    assert valid("diff", ws.json("diff", "acme", "2", "1"))["old_version"]["number"] == 2


def test_every_timestamp_is_iso_or_null_and_text_still_says_now(ws, server):
    server.put("/p", V1)
    gone = server.put("/gone", Page(b"gone", 404, {"Content-Type": "text/plain"}))
    ws.write_config([{"name": "acme", "url": server.url("/p"), "recipients": ["legal@example.org"]},
                     {"name": "gone", "url": gone, "interval": "1s"},
                     {"name": "never", "url": server.url("/never")}])
    ws.cli("check", "acme", "gone", expect=1)
    server.put("/p", V2)
    ws.cli("check", "acme")
    status = valid("status", ws.json("status"))
    due = {p["policy"]: p["next_due"] for p in status["policies"]}
    assert due["never"] is None  # never checked: due at once
    assert datetime.fromisoformat(due["gone"]) and datetime.fromisoformat(due["acme"])  # moments, not words
    outputs = [status, ws.json("history", "acme"), ws.json("diff", "acme"), ws.json("changelog", "acme"),
               ws.json("notify", "list"), ws.json("show", "acme")]
    seen = 0
    for out in outputs:
        for path, value in timestamps(out):
            assert value is None or datetime.fromisoformat(value), (path, value)
            seen += 1
    assert seen >= 10
    text = ws.cli("status").stdout
    assert [line for line in text.splitlines() if "never" in line and " now " in line]
