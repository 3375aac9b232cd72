"""`tracker check` end to end: a real local HTTP server, a real SQLite file, the real CLI."""

from __future__ import annotations

import asyncio

from tests.conftest import SEED, policy_page
from tracker import config as config_mod
from tracker.pipeline import Checker
from tracker.testing import Page

V1 = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for 30 days.</p>")
V2 = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for six months.</p>")


def setup(ws, server, page=V1, **policy):
    url = server.put("/privacy", page)
    ws.write_config([{"name": "acme", "url": url, **policy}])
    return url


def test_first_check_stores_version_1(ws, server):
    setup(ws, server)
    out = ws.json("check")
    assert out["results"][0]["outcome"] == "new_version"
    assert out["results"][0]["version"] == 1
    history = ws.json("history", "acme")
    assert history["policy"] == "acme"
    [v] = history["versions"]
    assert v["number"] == 1 and v["kind"] == "first" and len(v["digest"]) == 64
    assert "T" in v["created_at"]  # ISO 8601
    assert "We keep logs for 30 days." in ws.cli("show", "acme").stdout


def test_unchanged_page_adds_a_fetch_and_nothing_else(ws, server):
    setup(ws, server)
    server.routes["/privacy"].etag = False  # no validators: the page is downloaded and compared
    ws.cli("check")
    ws.cli("check")
    with ws.store() as store:
        assert len(store.versions("acme")) == 1
        assert store.db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 1
        outcomes = [r["outcome"] for r in store.fetch_log("acme")]
    assert outcomes == ["unchanged", "new_version"]


def test_noise_only_change_is_not_a_version(ws, server):
    setup(ws, server)
    ws.cli("check")
    server.put("/privacy", V1.replace("Pricing", "Plans").replace("© 2024", "© 2025"))
    assert ws.json("check")["results"][0]["outcome"] == "unchanged"


def test_conditional_get_304_is_recorded_as_not_modified(ws, server):
    setup(ws, server)
    ws.cli("check")
    assert ws.json("check")["results"][0]["outcome"] == "not_modified"
    path, headers = server.requests[-1]
    assert headers.get("If-None-Match", "").startswith('"')
    with ws.store() as store:
        assert [r["outcome"] for r in store.fetch_log("acme")] == ["not_modified", "new_version"]
        assert len(store.versions("acme")) == 1


def test_changed_page_stores_version_2(ws, server):
    setup(ws, server)
    ws.cli("check")
    server.put("/privacy", V2)
    result = ws.json("check")["results"][0]
    assert (result["outcome"], result["version"], result["kind"]) == ("new_version", 2, "change")
    versions = ws.json("history", "acme")["versions"]
    assert [v["kind"] for v in versions] == ["first", "change"]
    assert "six months" in ws.cli("show", "acme", "--version", "2").stdout
    assert "30 days" in ws.cli("show", "acme", "--version", "1").stdout
    assert "30 days" in ws.cli("show", "acme", "--version", "-2").stdout


def test_page_back_to_an_earlier_text_is_recorded_as_reverted(ws, server):
    setup(ws, server)
    ws.cli("check")
    server.put("/privacy", V2)
    ws.cli("check")
    server.put("/privacy", V1)
    ws.cli("check")
    versions = ws.json("history", "acme")["versions"]
    assert [v["kind"] for v in versions] == ["first", "change", "reverted"]
    assert versions[2]["digest"] == versions[0]["digest"]
    assert "version 1" in versions[2]["summary"]


def test_a_new_page_without_validators_forgets_the_old_ones(ws, server):
    """V1 came with an ETag; V2 came without one. If the ETag of V1 were kept, a server back at V1
    would answer our If-None-Match with 304, and the revert would be missed (found by test_crash)."""
    setup(ws, server)
    ws.cli("check")
    server.put("/privacy", Page(V2.encode(), etag=False))
    ws.cli("check")
    server.put("/privacy", V1)
    assert ws.json("check")["results"][0]["outcome"] == "new_version"
    assert [v["kind"] for v in ws.json("history", "acme")["versions"]] == ["first", "change", "reverted"]
    assert "If-None-Match" not in server.requests[-1][1]


def test_redirects_are_followed(ws, server):
    server.put("/privacy", V1)
    server.put("/old", Page(b"", 301, {"Location": "/privacy"}))
    ws.write_config([{"name": "acme", "url": server.url("/old")}])
    assert ws.json("check")["results"][0]["outcome"] == "new_version"
    with ws.store() as store:
        assert store.fetch_log("acme")[0]["url"].endswith("/privacy")


def test_retries_on_503_then_success(ws, server):
    calls = []

    def flaky(handler):
        calls.append(1)
        if len(calls) < 3:
            handler.send_page(Page(b"busy", 503, {"Content-Type": "text/plain", "Retry-After": "0"}))
        else:
            handler.send_page(Page(V1.encode()))

    server.put("/privacy", flaky)
    ws.write_config([{"name": "acme", "url": server.url("/privacy")}])
    assert ws.json("check")["results"][0]["outcome"] == "new_version"
    assert len(calls) == 3
    with ws.store() as store:
        assert store.fetch_log("acme")[0]["attempts"] == 3


def test_failed_fetch_is_recorded_reported_and_not_a_version(ws, server):
    setup(ws, server)
    ws.cli("check")
    server.put("/privacy", Page(b"gone", 500, {"Content-Type": "text/plain"}))
    result = ws.cli("check", "--format", "json", expect=1)
    assert '"error_kind": "http_status"' in result.stdout
    status = ws.json("status")["policies"][0]
    assert status["last_outcome"] == "error" and status["failing_since"] and status["versions"] == 1
    assert "HTTP 500" in status["last_error"]
    text = ws.cli("status").stdout
    assert "error" in text and "HTTP 500" in text
    with ws.store() as store:
        assert len(store.versions("acme")) == 1
    server.put("/privacy", V2)
    ws.cli("check")
    status = ws.json("status")["policies"][0]
    assert status["last_outcome"] == "new_version" and status["failing_since"] is None


def test_selector_miss_and_short_text_are_extraction_errors(ws, server):
    setup(ws, server, select=["#policy-text"])
    out = ws.json("check", expect=1)["results"][0]
    assert (out["outcome"], out["error_kind"]) == ("error", "selector_miss")
    server.put("/privacy", "<html><body><main><h1>Privacy</h1><p>Loading…</p></main></body></html>")
    ws.write_config([{"name": "acme", "url": server.url("/privacy")}])
    out = ws.json("check", expect=1)["results"][0]
    assert out["error_kind"] == "too_short"
    with ws.store() as store:
        assert store.versions("acme") == []


def test_check_named_policies_only_and_text_summary(ws, server):
    a = server.put("/a", V1)
    b = server.put("/b", V2)
    ws.write_config([{"name": "a", "url": a}, {"name": "b", "url": b}])
    text = ws.cli("check", "b").stdout
    assert "1 checked, 1 new version, 0 failed" in text
    assert server.hits.get("/a") is None and server.hits["/b"] == 1


def test_seed_page_end_to_end_with_select(ws, server):
    url = server.put("/privacy-policy", SEED.read_bytes())
    ws.write_config([{"name": "plex", "url": url, "select": ["#block-plex-content"], "remove": [".hidden"]}])
    ws.cli("check")
    shown = ws.cli("show", "plex").stdout
    assert shown.startswith("# Privacy Policy\n\nLast Updated: March 17, 2021\n")
    with ws.store() as store:
        version = store.latest_version("plex")
        raw, content_type, encoding = store.snapshot(version.snapshot)
        assert raw == SEED.read_bytes() and encoding == "utf-8"
        assert '"#block-plex-content"' in version.selectors


def test_history_of_policy_without_versions(ws, server):
    setup(ws, server)
    assert ws.json("history", "acme") == {"policy": "acme", "versions": []}
    result = ws.cli("show", "acme", expect=2)
    assert "no stored versions" in result.stderr


def test_bad_version_reference_exits_2(ws, server):
    setup(ws, server)
    ws.cli("check")
    for ref in ("7", "-5", "yesterday", "1999-01-01"):
        result = ws.cli("show", "acme", "--version", ref, expect=2)
        assert "error:" in result.stderr


def test_link_targets_kept_when_asked_with_tracking_ids_stripped(ws, server):
    page = policy_page("Privacy Policy", '<p>See our <a href="https://example.com/cookies?utm_source=x&amp;id=7'
                                         '&amp;mc_cid=abc">cookie notice</a>.</p>')
    url = server.put("/privacy", page)
    ws.write_config([{"name": "acme", "url": url, "links": True}], tracker={"tracking_params": ["id"]})
    ws.cli("check")
    assert "[cookie notice](https://example.com/cookies)" in ws.cli("show", "acme").stdout
    ws.write_config([{"name": "acme", "url": url}])
    ws.cli("reextract")
    shown = ws.cli("show", "acme").stdout
    assert "See our cookie notice." in shown and "https://example.com" not in shown


def test_large_runs_normalize_and_judge_in_worker_processes(ws, server):
    from tracker.pipeline import POOL_FROM

    n = POOL_FROM + 2
    for i in range(n):
        server.put(f"/p{i}", V1)
    server.put("/p0", "<html><body><main><h1>Privacy</h1><p>Loading…</p></main></body></html>")
    ws.write_config([{"name": f"p{i}", "url": server.url(f"/p{i}")} for i in range(n)])
    results = {r["policy"]: r for r in ws.json("check", expect=1)["results"]}
    assert results["p0"]["error_kind"] == "too_short"  # an error raised in a worker keeps its class
    assert sum(r["outcome"] == "new_version" for r in results.values()) == n - 1
    for i in range(1, n):
        server.put(f"/p{i}", V2)
    results = ws.json("check", expect=1)["results"]
    changed = [r for r in results if r["outcome"] == "new_version"]
    assert len(changed) == n - 1 and all(r["level"] == "material" for r in changed)


def test_a_reloaded_session_fetches_with_the_new_settings(ws, server):
    """Checker.reload (the daemon's SIGHUP) between two checks of one open session: the second request
    goes out under the new size cap and address rule, the same HTTP client still open."""
    url = setup(ws, server, SEED.read_text("utf-8"))  # 88 KB
    server.routes["/privacy"].etag = False  # no 304: the body is read, under the cap
    first = config_mod.load(ws.config_path)
    ws.write_config([{"name": "acme", "url": url}], tracker={"max_bytes": 1024})
    capped = config_mod.load(ws.config_path)
    ws.write_config([{"name": "acme", "url": url}], tracker={"allow_private": False})
    private = config_mod.load(ws.config_path)

    async def session() -> list[str | None]:
        kinds = []
        with ws.store() as store:
            async with Checker(first, store) as checker:
                for config in (first, capped, private):
                    checker.reload(config)
                    kinds.append((await checker.check(config.get("acme"))).error_kind)
        return kinds

    assert asyncio.run(session()) == [None, "too_large", "private_address"]
    assert server.hits["/privacy"] == 2  # the private address was refused before any request
