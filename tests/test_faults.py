"""The fault matrix (docs/fault-matrix.md): one test per way a site can break.

For each fault: nothing is stored as a version, the attempt is recorded with a clear error class
(fetches.error_kind), `tracker status` shows it, and the next healthy check stores a version.
"""

from __future__ import annotations

import gzip
import time

import pytest

from tests.conftest import policy_page
from tests.faultserver import FaultServer, Reply, blackhole, hang, head, reset_mid_body, short_body, trickle

V1 = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for 30 days.</p>")
V2 = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for 90 days.</p>")
CAP = 200_000
FAST = {"timeout": 0.5, "connect_timeout": 0.3, "retries": 1, "retry_backoff": 0.01, "suspect_delay": 0.01,
        "max_bytes": CAP, "max_redirects": 3}

CHALLENGE = ("<html><head><title>Just a moment...</title></head><body><h1>Checking your browser before "
             "accessing example.com</h1><p>" + "This process is automatic. " * 20 + "</p></body></html>")
LOGIN = ("<html><body><main><h1>Sign in</h1><p>" + "Please sign in to continue to your account settings. " * 8 +
         "</p><form><input type='email'><input type='password'></form></main></body></html>")


@pytest.fixture
def faults():
    with FaultServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # `tracker status` tables: no wrapping inside an error class


def configure(ws, url: str) -> None:
    ws.write_config([{"name": "acme", "url": url}], tracker=FAST)


def no_length(body: bytes):
    """A close-delimited body (no Content-Length): only counting stops it."""

    def run(conn, server):
        conn.sendall(head(200, {"Content-Type": "text/html"}) + body)

    return run


BIG = b"<html><body><main><p>" + b"policy text " * 40_000 + b"</p></main></body></html>"  # ~480 KB

# name -> (route on /privacy, error class, attempts expected)
FAULTS = {
    "read_timeout": (hang, "timeout", 2),
    "trickle": (trickle(b"<p>" + b"slow " * 4000, every=0.02), "timeout", 2),
    "reset_mid_body": (reset_mid_body(V1.encode() * 4), "connection", 2),
    "short_body": (short_body(V1.encode() * 4), "truncated", 2),
    "http_500": (Reply(b"oops", 500, {"Content-Type": "text/plain"}), "http_status", 2),
    "http_503_retry_after": (Reply(b"busy", 503, {"Retry-After": "0"}), "http_status", 2),
    "http_429_retry_after": (Reply(b"slow down", 429, {"Retry-After": "1"}), "http_status", 2),
    "http_429_retry_after_too_long": (Reply(b"slow down", 429, {"Retry-After": "86400"}), "http_status", 1),
    "http_404": (Reply(b"gone", 404), "http_status", 1),
    "redirect_loop": (Reply(b"", 302, {"Location": "/privacy"}), "too_many_redirects", 1),
    "redirect_file_scheme": (Reply(b"", 302, {"Location": "file:///etc/passwd"}), "bad_scheme", 1),
    "redirect_mailto": (Reply(b"", 301, {"Location": "mailto:legal@example.org"}), "bad_scheme", 1),
    "redirect_javascript": (Reply(b"", 302, {"Location": "javascript:alert(1)"}), "bad_scheme", 1),
    "redirect_invalid_url": (Reply(b"", 302, {"Location": "http://[::1"}), "bad_url", 1),
    "gzip_bomb": (Reply(gzip.compress(b"<p>" + b"a" * 20_000_000), headers={"Content-Encoding": "gzip"}),
                  "too_large", 1),
    "over_cap_declared": (Reply(BIG), "too_large", 1),
    "over_cap_undeclared": (no_length(BIG), "too_large", 1),
    "bad_gzip": (Reply(b"this is not gzip", headers={"Content-Encoding": "gzip"}), "decoding", 1),
    "empty_200": (Reply(b""), "empty", 1),
    "blank_200": (Reply(b"  \n\t  "), "empty", 1),
    "bot_challenge": (Reply(CHALLENGE), "bot_challenge", 1),
    "bot_challenge_403": (Reply(CHALLENGE, 403), "http_status", 1),
    "login_wall": (Reply(LOGIN), "login_wall", 1),
}


def assert_error_recorded(ws, kind: str, attempts: int | None = None) -> None:
    out = ws.json("check", expect=1)["results"][0]
    assert (out["outcome"], out["error_kind"]) == ("error", kind), out
    assert out["error"]
    with ws.store() as store:
        assert len(store.versions("acme")) == 1  # the healthy first version, nothing more
        last = store.fetch_log("acme")[0]
        assert (last["outcome"], last["error_kind"]) == ("error", kind)
        if attempts is not None:
            assert last["attempts"] == attempts
    status = ws.json("status")["policies"][0]
    assert status["last_outcome"] == "error" and status["failing_since"]
    assert status["last_error"].startswith(kind + ": ")
    text = ws.cli("status").stdout
    assert f"error {kind}: " in text


def assert_recovers(ws, faults) -> None:
    faults.put("/privacy", V2)
    configure(ws, faults.url("/privacy"))
    out = ws.json("check")["results"][0]
    assert (out["outcome"], out["version"], out["kind"]) == ("new_version", 2, "change")
    status = ws.json("status")["policies"][0]
    assert status["last_outcome"] == "new_version" and status["failing_since"] is None


@pytest.mark.parametrize("fault", FAULTS)
def test_fault(ws, faults, fault):
    route, kind, attempts = FAULTS[fault]
    faults.put("/privacy", V1)
    configure(ws, faults.url("/privacy"))
    ws.cli("check")
    faults.put("/privacy", route)
    assert_error_recorded(ws, kind, attempts)
    assert_recovers(ws, faults)


def test_connect_timeout(ws, faults):
    faults.put("/privacy", V1)
    configure(ws, faults.url("/privacy"))
    ws.cli("check")
    with blackhole() as url:
        configure(ws, url)
        assert_error_recorded(ws, "timeout", 2)
    assert "ConnectTimeout" in ws.json("status")["policies"][0]["last_error"]
    assert_recovers(ws, faults)


def test_connection_refused(ws, faults):
    faults.put("/privacy", V1)
    configure(ws, faults.url("/privacy"))
    ws.cli("check")
    configure(ws, "http://127.0.0.1:9/privacy")
    assert_error_recorded(ws, "connection", 2)
    assert_recovers(ws, faults)


def test_trickle_is_ended_by_the_total_deadline(faults):
    """Each read succeeds well within the read timeout; only the total deadline ends the request."""
    from tracker import fetch
    from tracker.errors import FetchError

    faults.put("/slow", trickle(b"<p>" + b"slow " * 4000, every=0.05))
    settings = fetch.FetchSettings(timeout=1.0, connect_timeout=0.5, retries=0)
    t0 = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch.fetch_one(faults.url("/slow"), settings)
    assert err.value.kind == "timeout" and "too slowly" in str(err.value)
    assert time.monotonic() - t0 >= 1.4  # not before the deadline (a loaded machine only adds to it)


def test_retry_after_is_waited_for(ws, faults):
    calls = []

    def limited(conn, server):
        calls.append(time.monotonic())
        route = Reply(b"slow down", 429, {"Retry-After": "1"}) if len(calls) == 1 else Reply(V1)
        route(conn, server)

    faults.put("/privacy", limited)
    configure(ws, faults.url("/privacy"))
    assert ws.json("check")["results"][0]["outcome"] == "new_version"
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.9


# --- charsets: not errors; the right text is stored, never mojibake --------------------------

CAFE = policy_page("Privacy Policy", "<h2>Café</h2><p>Nous gardons vos données « personnelles » 30 jours.</p>")


@pytest.mark.parametrize(
    "body, content_type",
    [
        (CAFE.encode("cp1252"), "text/html; charset=utf-8"),  # says UTF-8, is cp1252
        (CAFE.encode("utf-8"), "text/html; charset=iso-8859-1"),  # says latin-1, is UTF-8
        (CAFE.encode("utf-8"), "text/html"),  # no charset at all
        (CAFE.encode("cp1252"), "text/html"),  # no charset, legacy bytes
        (CAFE.encode("utf-8"), "text/html; charset=no-such-charset"),  # an unknown label
        (CAFE.replace("<head>", '<head><meta charset="windows-1252">').encode("cp1252"), "text/html"),
        (b"\xef\xbb\xbf" + CAFE.encode("utf-8"), "text/html; charset=windows-1252"),  # a BOM wins
    ],
    ids=["utf8-label-cp1252-body", "latin1-label-utf8-body", "missing-utf8", "missing-cp1252", "unknown-label",
         "meta-only", "bom"],
)
def test_wrong_or_missing_charset_still_stores_the_right_text(ws, faults, body, content_type):
    faults.put("/privacy", Reply(body, headers={"Content-Type": content_type}))
    configure(ws, faults.url("/privacy"))
    assert ws.json("check")["results"][0]["outcome"] == "new_version"
    shown = ws.cli("show", "acme").stdout
    assert "## Café" in shown and "données « personnelles »" in shown and "\ufffd" not in shown
    # the same text served correctly labelled is the same version
    faults.put("/privacy", Reply(CAFE.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"}))
    assert ws.json("check")["results"][0]["outcome"] == "unchanged"


def test_invalid_utf8_bytes_are_replaced_not_fatal(ws, faults):
    """A UTF-8 page with a few broken bytes is still the policy: the broken bytes become U+FFFD and
    the rest of the text (accents included) is intact; the version is stable from fetch to fetch."""
    body = CAFE.encode("utf-8").replace(b"30 jours", b"30 \xff\xfejours")
    faults.put("/privacy", Reply(body))
    configure(ws, faults.url("/privacy"))
    assert ws.json("check")["results"][0]["outcome"] == "new_version"
    shown = ws.cli("show", "acme").stdout
    assert "## Café" in shown and "30 \ufffd\ufffdjours" in shown
    assert ws.json("check")["results"][0]["outcome"] == "unchanged"
    faults.put("/privacy", V2)
    assert ws.json("check")["results"][0]["outcome"] == "new_version"


def test_a_crashing_page_does_not_take_the_other_policies_down(ws, faults, monkeypatch):
    """An exception nobody foresaw (a bug) is recorded as `internal` for that policy only."""
    from tracker import pipeline

    faults.put("/a", V1)
    faults.put("/b", V2)
    ws.write_config([{"name": "a", "url": faults.url("/a")}, {"name": "b", "url": faults.url("/b")}], tracker=FAST)
    real = pipeline.extract_source

    def boom(body, *args, **kw):
        if b"30 days" in body:
            raise RecursionError("maximum recursion depth exceeded")
        return real(body, *args, **kw)

    monkeypatch.setattr(pipeline, "extract_source", boom)
    results = {r["policy"]: r for r in ws.json("check", expect=1)["results"]}
    assert results["a"]["error_kind"] == "internal" and "RecursionError" in results["a"]["error"]
    assert results["b"]["outcome"] == "new_version"
    assert ws.json("status")["policies"][0]["last_error"].startswith("internal: ")
