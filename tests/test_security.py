"""Hostile input: page text escaped in every HTML output, no header injection, only http(s) fetched,
TLS verified, secrets only from the environment, a loopback-only server that serves no files; and
bad input on the command line or in the config: a clear message, exit 2, nothing written."""

from __future__ import annotations

import hashlib
import sqlite3
import ssl
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import httpx
import lxml.etree as etree
import lxml.html
import pytest

from tests.conftest import policy_page
from tests.faultserver import FaultServer, Reply
from tests.smtp_server import self_signed, server_context

# Page *text* that looks like markup: the source escapes it, so the normalized text contains it.
HOSTILE = ("&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt; "
           "&quot;&gt;&lt;svg onload=alert(3)&gt; &lt;/textarea&gt;&lt;iframe src=javascript:alert(4)&gt;")
HOSTILE_TEXT = ('<script>alert(1)</script> <img src=x onerror=alert(2)> "><svg onload=alert(3)> '
                '</textarea><iframe src=javascript:alert(4)>')
V1 = policy_page("Privacy Policy", "<h2>Sharing</h2><p>We do not sell your personal information to anyone.</p>")
V2 = policy_page("Privacy Policy", f"<h2>Sharing &lt;b onmouseover=alert(5)&gt;</h2><p>We may sell your "
                                   f"personal information to data brokers. {HOSTILE}</p>")
ACTIVE = ("script", "img", "svg", "iframe", "b", "textarea", "object", "embed")


def assert_inert(html: str, *, where: str) -> None:
    """No element or attribute came from page text, and the text itself is all there."""
    doc = lxml.html.document_fromstring(html)
    for tag in ACTIVE:
        assert doc.xpath(f"//{tag}") == [], f"{where}: <{tag}> element from page text"
    handlers = doc.xpath("//@*[starts-with(name(), 'on')]")
    assert handlers == [], f"{where}: event handler attributes {handlers}"
    assert not any(v.strip().lower().startswith("javascript:") for v in doc.xpath("//@href | //@src")), where
    text = " ".join(doc.text_content().split())
    assert "alert(1)</script>" in text and "onerror=alert(2)>" in text, f"{where}: the page text is missing"


@pytest.fixture
def hostile(ws, server):
    url = server.put("/privacy", V1)
    ws.write_config([{"name": "acme", "url": url, "recipients": ["legal@example.org"]}])
    ws.cli("check")
    server.put("/privacy", V2)
    ws.cli("check")
    [_, v2] = ws.json("history", "acme")["versions"]
    assert v2["level"] == "material"
    return ws


def test_html_diff_and_compare_escape_page_text(hostile, tmp_path):
    assert_inert(hostile.cli("diff", "acme", "--format", "html").stdout, where="diff --format html")
    old, new = tmp_path / "old.html", tmp_path / "new.html"
    old.write_text(V1)
    new.write_text(V2)
    assert_inert(hostile.cli("compare", str(old), str(new), "--format", "html").stdout, where="compare")


def test_email_html_part_escapes_page_text_and_headers_stay_single_line(hostile):
    hostile.cli("notify", "flush")
    [eml] = (hostile.root / "outbox").glob("*.eml")
    msg = message_from_bytes(eml.read_bytes(), policy=email_policy.default)
    assert_inert(msg.get_body(preferencelist=("html",)).get_content(), where="email")
    assert set(msg.keys()) <= {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "MIME-Version",
                               "Content-Type", "Content-Transfer-Encoding", "X-Tracker-Policy", "List-Id",
                               "References", "In-Reply-To", "X-Auto-Response-Suppress", "Precedence"}


def test_changelog_html_and_atom_escape_page_text(hostile):
    assert_inert(hostile.cli("changelog", "acme", "--format", "html").stdout, where="changelog html")
    feed = etree.fromstring(hostile.cli("changelog", "acme", "--format", "atom").stdout.encode())
    atom = "{http://www.w3.org/2005/Atom}"
    contents = [c.text for c in feed.iter(f"{atom}content") if c.text]
    assert contents
    for html in contents:
        if "alert(1)" in html:
            assert_inert(f"<html><body>{html}</body></html>", where="atom entry content")
            break
    else:
        pytest.fail("the hostile change is not in the feed")
    assert not any(el.tag.endswith(("script", "img", "iframe")) for el in feed.iter() if isinstance(el.tag, str))


def test_export_site_escapes_page_text(hostile):
    out = hostile.root / "site"
    hostile.cli("export", str(out))
    pages = sorted(out.rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        doc = lxml.html.document_fromstring(html)
        for tag in ACTIVE:
            assert doc.xpath(f"//{tag}") == [], (page, tag)
        assert doc.xpath("//@*[starts-with(name(), 'on')]") == [], page
    assert any("onerror=alert(2)>" in p.read_text(encoding="utf-8").replace("&gt;", ">") for p in pages)


def test_page_text_reaches_no_header_even_when_the_policy_left_the_config(ws, server):
    """With no configured title, the page's own title is used: control characters, line and
    paragraph separators are folded, so the Subject stays one line and adds no header."""
    evil_title = "Privacy\u2028Bcc: victim@example.org\u0085X-Evil: 1\x0bTo: all@example.org"
    page = lambda body: policy_page(evil_title, body).replace("<h1>", "<h1>").encode()  # noqa: E731
    server.put("/privacy", page("<h2>Sharing</h2><p>We do not sell your personal information.</p>"))
    ws.write_config([{"name": "acme", "url": server.url("/privacy"), "recipients": ["legal@example.org"]}])
    ws.cli("check")
    server.put("/privacy", page("<h2>Sharing</h2><p>We may sell your personal information to data brokers.</p>"))
    ws.cli("check")
    ws.write_config([{"name": "other", "url": server.url("/other")}])  # acme removed: its page title is used
    ws.cli("notify", "flush")
    [eml] = (ws.root / "outbox").glob("*.eml")
    raw = eml.read_bytes()
    msg = message_from_bytes(raw, policy=email_policy.default)
    assert msg["Bcc"] is None and msg["X-Evil"] is None and msg.get_all("To") == ["legal@example.org"]
    head = raw.split(b"\n\n", 1)[0].decode("ascii")
    subject_lines = [ln for ln in head.splitlines() if ln.startswith("Subject:")]
    assert len(subject_lines) == 1
    assert all(not any(c in str(v) for c in "\r\n\u2028\u0085\x0b") for v in msg.values())


# --- schemes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<p>x</p>", "ftp://example.org/p",
                                 "file:///etc/passwd", "gopher://example.org/", "http:/example.org/p",
                                 "//example.org/p", "example.org/privacy", "http://exa mple.org/"])
def test_config_refuses_urls_that_are_not_http(ws, url):
    ws.write_config([{"name": "acme", "url": url}])
    result = ws.cli("check", expect=2)
    assert "key 'url'" in result.stderr and "not an http(s) URL" in result.stderr
    assert not ws.db_path.exists()


def test_command_line_sources_are_files_or_http_only(ws, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(V1)
    ws.config_path = tmp_path / "absent.toml"  # normalize needs no config
    assert "We do not sell" in ws.cli("normalize", str(page)).stdout  # a file the user named: fine
    assert "We do not sell" in ws.cli("normalize", page.as_uri()).stdout
    for source in ("ftp://example.org/p.html", "javascript:alert(1)", "data:text/html,hi"):
        result = ws.cli("normalize", source, expect=1)
        assert "bad_scheme" in result.stderr and "only http and https" in result.stderr
    for url in ("http://[::1/x", "http://127.0.0.1:99999/", "http://example.org:port/"):  # bad usage: exit 2
        result = ws.cli("compare", str(page), url, expect=2)
        assert "is not a valid URL" in result.stderr and url in result.stderr


# --- TLS -------------------------------------------------------------------------------------


def test_tls_certificates_are_verified(ws, tmp_path):
    cert, key = self_signed(tmp_path)
    with FaultServer(tls=server_context(cert, key)) as srv:
        srv.put("/privacy", Reply(V1))
        url = srv.url("/privacy")
        # the server works for a client that trusts its certificate...
        trusting = ssl.create_default_context(cafile=str(cert))
        assert "We do not sell" in httpx.get(url, verify=trusting).text
        # ...and tracker, which trusts only the system's CAs, refuses it without retrying
        ws.write_config([{"name": "acme", "url": url}], tracker={"retries": 2})
        out = ws.json("check", expect=1)["results"][0]
        assert out["error_kind"] == "tls" and "certificate" in out["error"].lower()
        assert srv.hits["/privacy"] == 1  # the trusting client only: tracker never sent its request
    with ws.store() as store:
        assert store.versions("acme") == [] and store.fetch_log("acme")[0]["attempts"] == 1
    assert ws.json("status")["policies"][0]["last_error"].startswith("tls: ")


# --- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("section, key", [("notify.smtp", "password"), ("notify.smtp", "pass"),
                                          ("notify", "password"), ("tracker", "api_key")])
def test_a_secret_in_the_config_file_is_refused(ws, section, key):
    ws.write_config([])
    text = ws.config_path.read_text()
    if section == "notify.smtp":
        text += f'\n[notify.smtp]\nhost = "127.0.0.1"\n{key} = "hunter2"\n'
    else:
        text = text.replace(f"[{section}]\n", f'[{section}]\n{key} = "hunter2"\n')
    ws.config_path.write_text(text)
    result = ws.cli("status", expect=2)
    assert f"{key}': unknown key" in result.stderr or "does not belong in the config file" in result.stderr
    assert "hunter2" not in result.output
    assert not ws.db_path.exists()


def test_smtp_password_comes_from_the_environment_only(monkeypatch, tmp_path):
    from tracker import config as config_mod

    path = tmp_path / "config.toml"
    path.write_text('[notify.smtp]\nusername = "u"\npassword_env = "TRACKER_TEST_PW"\n')
    monkeypatch.delenv("TRACKER_TEST_PW", raising=False)
    assert config_mod.load(path).notify.smtp.password is None
    monkeypatch.setenv("TRACKER_TEST_PW", "s3cret")
    config = config_mod.load(path)
    assert config.notify.smtp.password == "s3cret"
    assert "s3cret" not in config.model_dump_json() and "s3cret" not in repr(config)


# --- the demo and test server ------------------------------------------------------------------


def raw_get(port: int, path: str) -> bytes:
    """A request line sent verbatim (an HTTP client would normalize the dot segments away)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_pageserver_binds_loopback_and_serves_no_files(server):
    assert server.server_address[0] == "127.0.0.1"
    server.put("/privacy", V1)
    port = server.server_address[1]
    here = Path(__file__).resolve()
    for path in ("/etc/passwd", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd",
                 str(here), "/tests/test_security.py", "/privacy/../../../../etc/hostname", "file:///etc/passwd"):
        response = raw_get(port, path)
        assert response.startswith(b"HTTP/1.1 404"), (path, response[:100])
        assert response.endswith(b"\r\n\r\nnot found"), path
    assert raw_get(port, "/privacy").startswith(b"HTTP/1.1 200")


def test_demo_serves_only_its_bundled_pages():
    import inspect

    from tracker import demo

    source = inspect.getsource(demo)
    assert "PageServer()" in source and "HTTPServer(" not in source and "SimpleHTTPRequestHandler" not in source


# --- bad input: a clear message, exit 2, nothing written ----------------------------------------


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file's bytes, and the database's content (its pages move when a WAL is checkpointed)."""
    out = {}
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.name.endswith(("-wal", "-shm")):
            continue
        if p.suffix == ".db":
            conn = sqlite3.connect(p)
            out[p.name] = hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
            conn.close()
        else:
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


BROKEN_CONFIGS = {
    "broken_toml": ('[tracker\ndatabase = "tracker.db"\n', "not valid TOML"),
    "unknown_key": ('[tracker]\ndatabase = "tracker.db"\nretry = 3\n', "key 'tracker.retry': unknown key"),
    "bad_url": ('[tracker]\ndatabase = "tracker.db"\n[[policy]]\nname = "acme"\nurl = "htp://x.example/"\n',
                "policy 'acme', key 'url'"),
    "bad_interval": ('[tracker]\ndatabase = "tracker.db"\n[[policy]]\nname = "acme"\nurl = "https://x.example/"\n'
                     'interval = "0s"\n', "policy 'acme', key 'interval'"),
    "bad_selector": ('[tracker]\ndatabase = "tracker.db"\n[[policy]]\nname = "acme"\nurl = "https://x.example/"\n'
                     'remove = ["p:nth-child("]\n', "policy 'acme', key 'remove'"),
    "bad_cron": ('[tracker]\ndatabase = "tracker.db"\n[[policy]]\nname = "acme"\nurl = "https://x.example/"\n'
                 'cron = "61 * * * *"\n', "policy 'acme', key 'cron'"),
}


@pytest.mark.parametrize("case", BROKEN_CONFIGS)
@pytest.mark.parametrize("command", [("check",), ("status",), ("daemon",), ("notify", "flush"), ("history", "acme")])
def test_broken_config_exits_2_and_writes_nothing(ws, server, case, command):
    # a database from a healthy config exists first; the broken config must leave it untouched
    ws.write_config([{"name": "acme", "url": server.put("/p", V1)}])
    ws.cli("check")
    before = fingerprint(ws.root)
    text, expected = BROKEN_CONFIGS[case]
    ws.config_path.write_text(text)
    before["config.toml"] = hashlib.sha256(text.encode()).hexdigest()
    result = ws.cli(*command, expect=2)
    assert expected in result.stderr and str(ws.config_path) in result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output
    assert fingerprint(ws.root) == before
    assert not (ws.root / "outbox").exists()


@pytest.fixture
def recorded(ws, server):
    ws.write_config([{"name": "acme", "url": server.put("/p", V1)}])
    ws.cli("check")
    server.put("/p", V2)
    ws.cli("check")
    return ws


@pytest.mark.parametrize("args", [
    ("show", "nope"), ("history", "nope"), ("check", "acme", "nope"), ("diff", "nope", "1", "2"),
    ("reextract", "nope"), ("validate", "nope"),
    ("show", "acme", "--version", "3"), ("show", "acme", "--version", "0"), ("show", "acme", "--version", "-3"),
    ("show", "acme", "--version", "one"), ("show", "acme", "--version", "1.5"),
    ("diff", "acme", "1", "9"), ("diff", "acme", "x", "2"), ("diff", "acme", "0"),
    ("history", "acme", "--format", "yaml"), ("check", "--bogus"),
])
def test_bad_names_and_versions_exit_2_and_write_nothing(recorded, server, args):
    before = fingerprint(recorded.root)
    hits = dict(server.hits)
    result = recorded.cli(*args, expect=2)
    assert "Traceback" not in result.output
    assert result.stderr.strip(), "no message"
    assert fingerprint(recorded.root) == before
    assert server.hits == hits  # `check acme nope` fetched nothing


def test_unknown_policy_on_a_fresh_workspace_creates_no_database(ws):
    ws.write_config([{"name": "acme", "url": "https://acme.example/privacy"}])
    for args in (("show", "nope"), ("history", "nope"), ("check", "nope"), ("diff", "nope", "1", "2")):
        ws.cli(*args, expect=2)
    assert not ws.db_path.exists()


def test_diff_and_changelog_of_an_unknown_policy_create_no_database(ws):
    ws.write_config([{"name": "acme", "url": "https://acme.example/privacy"}])
    ws.cli("diff", "nope", expect=2)
    ws.cli("changelog", "nope", expect=2)
    assert not ws.db_path.exists()


def test_bad_selector_on_the_command_line_exits_2(ws, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(V1)
    ws.config_path = tmp_path / "absent.toml"
    ws.cli("normalize", str(page), "--select", "div[[", expect=2)
