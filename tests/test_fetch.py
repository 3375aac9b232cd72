"""fetch.py against a real local server: redirects, retries, caps, charsets, conditional GET."""

from __future__ import annotations

import asyncio
import gzip
import time

import pytest

from tracker import fetch
from tracker.errors import FetchError, UsageError
from tracker.testing import Page

FAST = fetch.FetchSettings(retries=2, backoff=0.01, timeout=5, max_bytes=100_000, max_redirects=3)


def get(url: str, settings: fetch.FetchSettings = FAST, **kw) -> fetch.FetchResult:
    async def run():
        async with fetch.new_client() as client:
            return await fetch.fetch(client, url, settings, **kw)

    return asyncio.run(run())


def test_plain_get_records_validators(server):
    url = server.put("/p", "<p>hello</p>")
    result = get(url)
    assert result.status == 200 and result.body == b"<p>hello</p>" and result.etag
    assert result.encoding == "utf-8" and result.content_type == "text/html"
    assert server.requests[0][1]["User-Agent"] == FAST.user_agent


def test_conditional_get_returns_not_modified(server):
    url = server.put("/p", "<p>hello</p>")
    first = get(url)
    again = get(url, etag=first.etag)
    assert again.not_modified and again.status == 304 and again.body == b""


def test_redirect_loop_is_an_error(server):
    server.put("/a", Page(b"", 302, {"Location": "/b"}))
    server.put("/b", Page(b"", 302, {"Location": "/a"}))
    with pytest.raises(FetchError) as err:
        get(server.url("/a"))
    assert err.value.kind == "too_many_redirects"


def test_redirect_to_another_scheme_is_refused(server):
    server.put("/a", Page(b"", 302, {"Location": "file:///etc/passwd"}))
    with pytest.raises(FetchError) as err:
        get(server.url("/a"))
    assert err.value.kind == "bad_scheme" and "redirect" in str(err.value)


def test_retry_after_is_honoured(server):
    calls = []

    def limited(handler):
        calls.append(time.monotonic())
        if len(calls) == 1:
            handler.send_page(Page(b"slow down", 429, {"Content-Type": "text/plain", "Retry-After": "1"}))
        else:
            handler.send_page(Page(b"<p>ok</p>"))

    server.put("/p", limited)
    result = get(server.url("/p"))
    assert result.attempts == 2 and result.errors and "429" in result.errors[0]
    assert calls[1] - calls[0] >= 0.9


def test_gives_up_after_retries(server):
    server.put("/p", Page(b"down", 503, {"Content-Type": "text/plain"}))
    with pytest.raises(FetchError) as err:
        get(server.url("/p"))
    assert err.value.kind == "http_status" and err.value.attempts == 3 and err.value.status == 503
    assert server.hits["/p"] == 3


def test_404_is_not_retried(server):
    with pytest.raises(FetchError, match="HTTP 404"):
        get(server.url("/missing"))
    assert server.hits["/missing"] == 1


def test_body_over_cap_is_refused(server):
    server.put("/big", Page(b"x" * 200_000))
    with pytest.raises(FetchError) as err:
        get(server.url("/big"))
    assert err.value.kind == "too_large"


def test_cap_applies_after_decompression(server):
    bomb = gzip.compress(b"<p>" + b"a" * 5_000_000)
    assert len(bomb) < FAST.max_bytes
    server.put("/bomb", Page(bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}))
    with pytest.raises(FetchError) as err:
        get(server.url("/bomb"))
    assert err.value.kind == "too_large" and "after decompression" in str(err.value)


def test_connection_refused_is_a_connection_error():
    with pytest.raises(FetchError) as err:
        get("http://127.0.0.1:9/")
    assert err.value.kind == "connection"


@pytest.mark.parametrize(
    "body, header, expected",
    [
        ("<p>café</p>".encode("latin-1"), "text/html; charset=ISO-8859-1", "cp1252"),  # as browsers read latin-1
        ('<meta charset="windows-1252"><p>caf\xe9</p>'.encode("cp1252"), "text/html", "windows-1252"),
        ("<p>café</p>".encode(), "text/html", "utf-8"),
        ("<p>café</p>".encode("cp1252"), "text/html", "cp1252"),
    ],
)
def test_charset_from_header_then_meta_then_detection(server, body, header, expected):
    url = server.put("/p", Page(body, headers={"Content-Type": header}))
    result = get(url)
    assert result.encoding == expected
    assert "café" in result.text


def test_local_files_and_file_urls(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<p>local</p>")
    assert fetch.fetch_one(str(page), FAST).body == b"<p>local</p>"
    assert fetch.fetch_one(page.as_uri(), FAST).body == b"<p>local</p>"
    with pytest.raises(UsageError):  # the user named a file that is not there: exit 2 (issue 17)
        fetch.fetch_one(str(tmp_path / "missing.html"), FAST)
