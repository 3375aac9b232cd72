"""`tracker add`: a policy fetched twice like `validate`, then appended to a real, commented config.

The config is the repository's own config.toml (comments, inline comments, a [notify.smtp] table
and two policies); the page is served by the loopback page server.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import tracker
from tests.conftest import SEED, Workspace
from tests.test_api import valid
from tracker.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parent.parent / "config.toml"


@pytest.fixture
def ws(tmp_path) -> Workspace:
    ws = Workspace(tmp_path)
    text = EXAMPLE.read_text("utf-8").replace('interval = "1d" ', 'per_host_delay = 0\ninterval = "1d" ', 1)
    ws.config_path.write_text(text, encoding="utf-8")
    return ws


def _policies(ws: Workspace) -> dict[str, dict]:
    return {p["name"]: p for p in tomllib.loads(ws.config_path.read_text("utf-8"))["policy"]}


def test_add_validates_shows_sections_and_appends_keeping_every_byte(ws, server):
    url = server.put("/privacy", SEED.read_bytes())
    before = ws.config_path.read_bytes()
    out = ws.cli("add", "acme-privacy", url, "--title", 'Acme "Privacy"', "--select", "#block-plex-content",
                 "--remove", ".hidden",
                 "--recipient", "legal@example.org", "--recipient", "dpo@example.org", "--interval", "6h").stdout
    assert "## Personal Data We Collect" in out and "would store: version 1 (first)" in out  # the sections found
    assert "kept 5544 of" in out  # the coverage line
    assert f"added policy 'acme-privacy' to {ws.config_path}" in out
    after = ws.config_path.read_bytes()
    assert after.startswith(before.rstrip(b"\n"))  # comments, order and layout untouched
    assert _policies(ws)["acme-privacy"] == {
        "name": "acme-privacy", "title": 'Acme "Privacy"', "url": url, "select": ["#block-plex-content"],
        "remove": [".hidden"],
        "interval": "6h", "recipients": ["legal@example.org", "dpo@example.org"]}
    assert [r[0] for r in server.requests].count("/privacy") == 2
    ws.cli("validate", "acme-privacy")  # the config loads and the new policy works
    ws.cli("check", "acme-privacy")
    assert len(ws.json("history", "acme-privacy")["versions"]) == 1


def test_add_json_fits_the_schema_and_equals_the_api(ws, server):
    url = server.put("/privacy", SEED.read_bytes())
    data = valid("add", ws.json("add", "acme-privacy", url))
    assert data["written"] and data["error"] is None and data["validation"]["stable"]
    with tracker.Tracker(ws.config_path) as t:
        second = t.add("acme-terms", url)
        assert second.written and second.ok and valid("add", second.to_json())["policy"] == "acme-terms"
        assert [p.name for p in t.config.policy][-2:] == ["acme-privacy", "acme-terms"]


@pytest.mark.parametrize("args, says", [
    (["plex-privacy", "URL"], "already in"),                         # a duplicate name
    (["Acme Privacy", "URL"], "not a slug"),
    (["acme", "ftp://example.org/privacy"], "not an http(s) URL"),
    (["acme", "privacy.html"], "not an http(s) URL"),
    (["acme", "URL", "--select", "main["], "select"),              # a selector that does not parse
    (["acme", "URL", "--remove", "div >"], "remove"),
    (["acme", "URL", "--recipient", "legal"], "not an email address"),
    (["acme", "URL", "--interval", "weekly"], "not an interval"),
])
def test_bad_values_are_exit_2_before_any_fetch_and_write_nothing(ws, server, args, says):
    url = server.put("/privacy", SEED.read_bytes())
    before = ws.config_path.read_bytes()
    result = ws.cli("add", *[url if a == "URL" else a for a in args], expect=2)
    assert says in result.output and "Traceback" not in result.output
    assert ws.config_path.read_bytes() == before and server.requests == []


def test_a_failed_fetch_is_exit_1_and_writes_nothing_unless_forced(ws, server):
    url = server.put("/gone", tracker.testing.Page(b"gone", 404, {"Content-Type": "text/plain"}))
    before = ws.config_path.read_bytes()
    assert "404" in ws.cli("add", "acme", url, expect=1).output
    assert ws.config_path.read_bytes() == before
    forced = ws.cli("add", "acme", url, "--force", expect=1).output
    assert "404" in forced and "added policy 'acme'" in forced
    assert _policies(ws)["acme"] == {"name": "acme", "url": url}
    assert ws.config_path.read_bytes().startswith(before.rstrip(b"\n"))


def test_a_selector_that_matches_nothing_or_a_varying_page_is_exit_1(ws, server):
    url = server.put("/privacy", SEED.read_bytes())
    before = ws.config_path.read_bytes()
    assert "select" in ws.cli("add", "acme", url, "--select", "#no-such-id", expect=1).output
    assert ws.config_path.read_bytes() == before
    edited = SEED.read_bytes().replace(b"uses a variety of security", b"uses some security", 1)
    pages = iter([SEED.read_bytes(), edited])

    def varying(handler) -> None:
        body = next(pages)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    varying_url = server.put("/varying", varying)
    out = ws.cli("add", "acme", varying_url, expect=1).output
    assert "two fetches gave different texts" in out and "nothing written" in out
    assert ws.config_path.read_bytes() == before


def test_a_config_that_cannot_take_the_policy_is_restored(ws):
    from tracker.configedit import append_policies

    before = ws.config_path.read_bytes()
    with pytest.raises(ConfigError, match="not a slug"):  # written, re-loaded, refused: put back
        append_policies(ws.config_path, [{"name": "Not A Slug", "url": "https://example.org/p"}])
    assert ws.config_path.read_bytes() == before
    inline = ws.root / "inline.toml"
    inline.write_text('policy = [{ name = "a", url = "https://example.org/a" }]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot append"):
        append_policies(inline, [{"name": "b", "url": "https://example.org/b"}])
    assert inline.read_text("utf-8") == 'policy = [{ name = "a", url = "https://example.org/a" }]\n'
