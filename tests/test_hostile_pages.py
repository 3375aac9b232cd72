"""Issue 17: what an adversarial pass did with hostile pages, against real loopback servers.

Validators that cannot be sent back, stacked encodings, binary bodies, statuses that are not a
complete 200, deep nesting, terminal escape sequences and bidi overrides, private addresses.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib

import pytest

from tests.conftest import policy_page
from tests.faultserver import FaultServer, Reply

V1 = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for 30 days.</p>")
V2 = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for 90 days.</p>")
FAST = {"timeout": 2, "connect_timeout": 1, "retries": 0, "retry_backoff": 0.01, "suspect_delay": 0.01,
        "max_bytes": 200_000}
# what must never reach a terminal or a header: C0 (but \n and \t), DEL, C1, bidi controls
FORBIDDEN = [chr(c) for c in (*range(0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0))] + \
            [chr(c) for c in (*range(0x202a, 0x202f), *range(0x2066, 0x206a))]


@pytest.fixture
def faults():
    with FaultServer() as srv:
        yield srv


def configure(ws, url: str, **tracker) -> None:
    ws.write_config([{"name": "acme", "url": url}], tracker={**FAST, **tracker})


def raw(status_line: bytes, headers: list[bytes], body: bytes):
    """An answer written byte for byte (header values that are not latin-1, for one)."""

    def run(conn, server):
        lines = [status_line, *headers, b"Content-Length: %d" % len(body), b"Connection: close"]
        conn.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)

    return run


# --- 2: validators that cannot be sent back ---------------------------------------------------

@pytest.mark.parametrize("header", [b'ETag: "caf\xc3\xa9-\xe2\x98\x83"',
                                    b"Last-Modified: Tue, 01 D\xc3\xa9c 2026 10:00:00 GMT \xe2\x98\x83"])
def test_a_validator_that_cannot_be_sent_back_is_dropped_not_fatal(ws, faults, header):
    faults.put("/privacy", raw(b"HTTP/1.1 200 OK", [b"Content-Type: text/html; charset=utf-8", header],
                               V1.encode()))
    configure(ws, faults.url("/privacy"))
    assert ws.json("check")["results"][0]["outcome"] == "new_version"
    for _ in range(2):  # every later check works: the validator is not sent back
        out = ws.json("check")["results"][0]
        assert out["outcome"] == "unchanged", out
    faults.put("/privacy", V2)
    assert ws.json("check")["results"][0]["outcome"] == "new_version"


def test_a_bad_validator_already_in_the_database_is_not_fatal(ws, faults):
    faults.put("/privacy", V1)
    configure(ws, faults.url("/privacy"))
    ws.cli("check")
    with ws.store() as store, store.write():  # stored by an older tracker
        store.db.execute("UPDATE policy_state SET etag = ?, last_modified = ?", ('"café-☃"', "x\r\ny: z"))
    out = ws.json("check")["results"][0]
    assert out["outcome"] == "unchanged", out


# --- 3: stacked encodings are bounded as bytes are produced --------------------------------

def stacked_bomb(size: int, layers: int, inner_wbits: int = 31) -> bytes:
    """`size` zero bytes compressed `layers` times (the innermost as gzip, 31, or zlib, 15): a few KB."""
    c = zlib.compressobj(9, zlib.DEFLATED, inner_wbits)
    block = b"\0" * (1 << 20)
    data = b"".join(c.compress(block) for _ in range(size >> 20)) + c.flush()
    for _ in range(layers - 1):
        data = gzip.compress(data, 9)
    return data


PEAK_SCRIPT = r"""
import json, resource, sys
from tracker import fetch
from tracker.errors import FetchError
settings = fetch.FetchSettings(retries=0, max_bytes=10_000_000, timeout=20)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    fetch.fetch_one(sys.argv[1], settings)
    kind = "none"
except FetchError as exc:
    kind = exc.kind
except MemoryError:
    kind = "MemoryError"
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"kind": kind, "before_kb": before, "peak_kb": peak}))
"""


@pytest.mark.parametrize("encoding, layers", [("gzip, gzip", 2), ("gzip, gzip, gzip", 3), ("deflate, gzip", 2)])
def test_stacked_encodings_are_capped_as_bytes_are_produced(faults, tmp_path, encoding, layers):
    # the first coding listed was applied first: "deflate, gzip" is zlib inside, gzip outside
    bomb = stacked_bomb(512 << 20, layers, 15 if encoding.startswith("deflate") else 31)
    assert len(bomb) < 600_000
    faults.put("/bomb", Reply(bomb, headers={"Content-Encoding": encoding}))
    # a ceiling on address space: without the bound, the process fails instead of taking the machine
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))\n"
    out = subprocess.run([sys.executable, "-c", limit + PEAK_SCRIPT, faults.url("/bomb")], check=False,
                         capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": os.getcwd()})
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["kind"] == "too_large", (report, out.stderr[-2000:])
    assert report["peak_kb"] - report["before_kb"] < 64_000, report  # the 10 MB cap, not 512 MB


def test_an_encoding_we_cannot_bound_is_refused(ws, faults):
    faults.put("/privacy", V1)
    configure(ws, faults.url("/privacy"))
    ws.cli("check")
    faults.put("/privacy", Reply(b"\x8b\x00\x80whatever", headers={"Content-Encoding": "br"}))
    out = ws.json("check", expect=1)["results"][0]
    assert out["error_kind"] == "decoding" and "br" in out["error"]


def test_a_stacked_encoding_within_the_cap_still_decodes(ws, faults):
    body = gzip.compress(zlib.compress(V1.encode()))
    faults.put("/privacy", Reply(body, headers={"Content-Encoding": "deflate, gzip"}))
    configure(ws, faults.url("/privacy"))
    assert ws.json("check")["results"][0]["outcome"] == "new_version"
    assert "We keep logs for 30 days." in ws.cli("show", "acme").stdout


# --- 6: only documents become versions --------------------------------------------------------

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + os.urandom(4400)


@pytest.mark.parametrize("body, content_type", [
    (os.urandom(4416), "application/octet-stream"),
    (PNG, "image/png"),
    (PNG, "text/html"),  # the label lies: sniffed
    (json.dumps({"policy": "We keep logs for 30 days. " * 40}).encode(), "application/json"),
    (b"\x00\x01\x02" * 2000 + V1.encode(), "text/html"),
], ids=["octet-stream", "png", "png-labelled-html", "json", "binary-labelled-html"])
def test_binary_and_non_document_bodies_are_failed_checks(ws, faults, body, content_type):
    faults.put("/privacy", V1)
    configure(ws, faults.url("/privacy"))
    ws.cli("check")
    faults.put("/privacy", Reply(body, headers={"Content-Type": content_type}))
    out = ws.json("check", expect=1)["results"][0]
    assert (out["outcome"], out["error_kind"]) == ("error", "unsupported_type"), out
    with ws.store() as store:
        assert len(store.versions("acme")) == 1


@pytest.mark.parametrize("content_type", ["application/xhtml+xml", "text/plain", "text/markdown", ""])
def test_documents_by_type_or_by_sniffing_still_become_versions(ws, faults, content_type):
    body = V1.encode() if "html" in content_type or not content_type else \
        ("# Privacy\n\n" + "We keep logs for thirty days and then delete them. " * 12).encode()
    faults.put("/privacy", Reply(body, headers={"Content-Type": content_type} if content_type else {}))
    configure(ws, faults.url("/privacy"))
    assert ws.json("check")["results"][0]["outcome"] == "new_version"


def test_normalize_and_compare_refuse_a_binary_file_with_the_reason(ws, tmp_path):
    blob = tmp_path / "blob.html"
    blob.write_bytes(PNG)
    good = tmp_path / "good.html"
    good.write_text(V1)
    for args in (["normalize", str(blob)], ["compare", str(good), str(blob)]):
        result = ws.cli(*args, expect=1)
        assert "unsupported_type" in result.stderr and "not a document" in result.stderr


# --- 7: only a complete 200 (or a 304 to a conditional request) -------------------------------

@pytest.mark.parametrize("reply", [
    Reply(V1, 206, {"Content-Range": "bytes 0-99/5000"}),
    Reply(V1, 300),
    Reply(V1, 301),  # no Location
    Reply(V1, 203),
    Reply(b"", 204),
    Reply(b"", 304),  # we sent no validators
], ids=["206", "300-no-location", "301-no-location", "203", "204", "304-unconditional"])
def test_only_a_complete_200_makes_a_version(ws, faults, reply):
    faults.put("/privacy", reply)
    configure(ws, faults.url("/privacy"))
    out = ws.json("check", expect=1)["results"][0]
    assert (out["outcome"], out["error_kind"]) == ("error", "http_status"), out
    assert f"HTTP {reply.status}" in out["error"]
    with ws.store() as store:
        assert store.versions("acme") == []


def test_a_304_to_a_conditional_request_is_not_modified(ws, faults):
    faults.put("/privacy", Reply(V1, headers={"ETag": '"v1"'}))
    configure(ws, faults.url("/privacy"))
    ws.cli("check")
    faults.put("/privacy", Reply(b"", 304))
    assert ws.json("check")["results"][0]["outcome"] == "not_modified"


# --- 8: deep nesting ----------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [300, 2000])
def test_deep_nesting_does_not_truncate_the_rest_of_the_page(ws, tmp_path, depth):
    deep = "<div>" * depth + "<p>The deep clause: we keep logs for 30 days.</p>" + "</div>" * depth
    page = policy_page("Privacy Policy", deep + "<h2>Sale of data</h2><p>We do not sell your personal "
                       "information.</p><h2>Contact</h2><p>Write to privacy@example.org.</p>")
    path = tmp_path / "deep.html"
    path.write_text(page)
    result = ws.cli("normalize", str(path), expect=None)
    if result.exit_code == 0:  # parsed whole, or ...
        text = result.stdout
        assert "The deep clause" in text and "We do not sell your personal information." in text
        assert "## Contact" in text and "privacy@example.org" in text
    else:  # ... failed loudly: never a silently truncated text
        assert result.exit_code == 1 and "nested" in result.stderr, result.output


# --- 5 and 13: terminal escapes and bidi controls -------------------------------------------

HOSTILE = ("\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\ "
           "\u202eDELBATSNI\u202c \x9b31m \x07\x08")


def hostile_page(days: int) -> str:
    return policy_page(f"Privacy {HOSTILE}", f"<h2>Retention {HOSTILE}</h2><p>We keep logs for {days} days. "
                       f"{HOSTILE}</p><p>Never sold.\u2066 \u2067x\u2069</p>")


def assert_clean(text: str) -> None:
    bad = sorted({hex(ord(c)) for c in text if c in FORBIDDEN})
    assert not bad, f"control characters reach the output: {bad}"


def test_control_and_bidi_characters_never_reach_the_terminal_or_the_store(ws, faults, tmp_path):
    faults.put("/privacy", hostile_page(30))
    ws.write_config([{"name": "acme", "url": faults.url("/privacy"), "recipients": ["legal@example.org"]}],
                    tracker=FAST)
    ws.cli("check")
    faults.put("/privacy", hostile_page(90))
    ws.cli("check")
    with ws.store() as store:
        for v in store.versions("acme"):
            assert_clean(store.markdown(v.digest) + v.title)
    outputs = [ws.cli("show", "acme").stdout, ws.cli("show", "acme", "--format", "json").stdout,
               ws.cli("history", "acme").stdout, ws.cli("validate", "acme", expect=None).stdout]
    outputs += [ws.cli("diff", "acme", "--format", fmt).stdout for fmt in ("text", "markdown", "unified", "json")]
    (tmp_path / "a.html").write_text(hostile_page(30))
    (tmp_path / "b.html").write_text(hostile_page(90))
    outputs.append(ws.cli("normalize", str(tmp_path / "a.html")).stdout)
    outputs.append(ws.cli("normalize", str(tmp_path / "a.html"), "--format", "json").stdout)
    outputs += [ws.cli("compare", str(tmp_path / "a.html"), str(tmp_path / "b.html"), "--format", fmt).stdout
                for fmt in ("text", "markdown", "unified")]
    for out in outputs:
        assert_clean(out)
    assert "We keep logs for 90 days." in outputs[0]
    ws.cli("notify", "flush")
    for eml in (ws.root / "outbox").glob("*.eml"):
        from email import message_from_bytes, policy

        msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
        for name in ("Subject", "From", "To"):
            assert_clean(str(msg[name]))


def test_controls_stored_by_an_older_tracker_are_escaped_at_the_terminal(ws, faults):
    from tracker.model import Document
    from tracker.store import NewChange

    faults.put("/privacy", V1)
    configure(ws, faults.url("/privacy"))
    ws.cli("check")
    with ws.store() as store, store.write():
        doc = Document.from_markdown(f"# Privacy\n\nWe keep logs. {HOSTILE}\n", title=f"T {HOSTILE}")
        store.add_version("acme", doc, snapshot=None, normalizer="1", selectors={},
                          change=NewChange("change", "minor", f"summary {HOSTILE}", {}))
    for args in (["show", "acme"], ["diff", "acme"], ["diff", "acme", "--format", "markdown"],
                 ["diff", "acme", "--format", "unified"], ["history", "acme"], ["history", "acme", "--format", "json"],
                 *(["changelog", "acme", "--format", fmt] for fmt in ("text", "markdown", "html", "atom", "json"))):
        out = ws.cli(*args).stdout
        assert_clean(out)
    assert "\\x1b" in ws.cli("show", "acme").stdout  # escaped, visibly: not silently dropped


def test_mail_headers_carry_no_bidi_or_c1_controls():
    from tracker.mail import clean_header

    assert_clean(clean_header(f"[tracker] Material change: {HOSTILE}"))
    assert "DELBATSNI" in clean_header(f"x {HOSTILE}")


# --- the private-address guard --------------------------------------------------------------

def test_private_addresses_are_refused_when_allow_private_is_false(ws, faults):
    faults.put("/privacy", V1)
    for url in (faults.url("/privacy"), faults.url("/privacy").replace("127.0.0.1", "localhost")):
        configure(ws, url, allow_private=False)
        out = ws.json("check", expect=1)["results"][0]
        assert (out["outcome"], out["error_kind"]) == ("error", "private_address"), out
    assert faults.hits.get("/privacy", 0) == 0  # refused before any request
    configure(ws, faults.url("/privacy"))  # the default stays permissive
    assert ws.json("check")["results"][0]["outcome"] == "new_version"


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.4", "169.254.169.254", "::1",
                                  "fc00::1", "fe80::1", "0.0.0.0", "100.64.0.1", "::ffff:127.0.0.1"])
def test_private_ranges(host):
    from tracker.addresses import is_private_address

    assert is_private_address(host)


@pytest.mark.parametrize("host", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"])
def test_public_ranges(host):
    from tracker.addresses import is_private_address

    assert not is_private_address(host)
