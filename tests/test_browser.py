"""Browser rendering with the real Chromium from the OS package (issue 12 item 5): pages whose text is
built by JavaScript, served from the loopback page server, go through `tracker check`; `auto` renders
only script shells; timeouts, size caps, a missing Chromium and killed trackers leave no browser
behind and store nothing wrong.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SEED
from tracker.scriptshell import choose
from tracker.testing import Page

JS_CORPUS = Path(__file__).parent / "corpus" / "js"
CASES = sorted(p.name for p in JS_CORPUS.iterdir() if (p / "case.toml").exists())
TYPES = {".html": "text/html; charset=utf-8", ".js": "application/javascript", ".json": "application/json",
         ".css": "text/css"}

SHELL_JS = """document.getElementById('root').innerHTML = '<main><h1>Privacy Policy</h1>' +
  '<p>' + Array(40).join('We keep your data safe and we tell you what we collect. ') + '</p>' +
  '<h2>Sharing</h2><p>Rendered-by-script marker: we never sell your personal information.</p></main>';"""
SHELL = ('<!doctype html><html><head><title>Privacy</title><script defer src="/app.js"></script></head>'
         '<body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div></body></html>')


def serve_case(server, case: str) -> str:
    """Every file of a corpus case at /<case>/<path>; returns the shell's URL."""
    base = JS_CORPUS / case
    for path in base.rglob("*"):
        if path.is_file() and path.suffix in TYPES and path.name != "expected.md":
            server.put(f"/{case}/{path.relative_to(base).as_posix()}",
                       Page(path.read_bytes(), headers={"Content-Type": TYPES[path.suffix]}))
    return server.url(f"/{case}/index.html")


def words(text: str) -> list[str]:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text only
    return re.findall(r"[^\W_]+", text.lower())


def recall(expected: str, got: str) -> float:
    """Share of the expected words that were stored (as a multiset: coverage, not order; the
    normalizer's order inside list items is tested elsewhere)."""
    want, have = Counter(words(expected)), Counter(words(got))
    return sum((want & have).values()) / sum(want.values())


def stored_text(ws, name: str) -> str:
    store = ws.store()
    try:
        latest = store.latest_version(name)
        assert latest is not None, f"{name}: nothing stored"
        return store.document(latest).markdown
    finally:
        store.close()


def last_fetch(ws, name: str) -> dict:
    store = ws.store()
    try:
        return store.rows("SELECT * FROM fetches WHERE policy = ? ORDER BY id DESC LIMIT 1", (name,))[0]
    finally:
        store.close()


def chromium_processes(marker: str) -> list[int]:
    """Live (not zombie) processes whose command line mentions marker (our profile directory)."""
    return [pid for pid, _ in _ours(marker)]


def browsers(marker: str) -> set[bytes]:
    """The renders with a live process: each has a fresh profile folder, named on the command line
    of its processes. Not their process groups: Chromium starts its crash handler by a double fork
    whose middle process opens a session of its own with a copy of the browser's command line (on a
    loaded machine it lives long enough to be seen as a second browser)."""
    return {profile for _, profile in _ours(marker)}


_PROFILE = re.compile(rb"tracker-chromium-\d+-[^/\0\s]+")


def _ours(marker: str) -> list[tuple[int, bytes]]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, ValueError, IndexError):
            continue
        profile = _PROFILE.search(cmdline)
        if marker.encode() in cmdline and profile and state != "Z":
            found.append((int(proc.name), profile.group()))
    return found


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


# -- the JS corpus through `tracker check` ----------------------------------------------------------

def test_js_corpus_renders_with_auto_and_keeps_the_policy_text(ws, server):
    """Each page is a script shell over HTTP; `auto` renders it; the stored version holds the text."""
    specs = {case: tomllib.loads((JS_CORPUS / case / "case.toml").read_text()) for case in CASES}
    assert len(CASES) >= 5
    ws.write_config([{"name": case, "url": serve_case(server, case),
                      **{k: v for k, v in specs[case].items() if k in ("select", "remove")}} for case in CASES],
                    tracker={"suspect_delay": 0})
    ws.cli("check")
    for case in CASES:
        spec = specs[case]
        text = stored_text(ws, case)
        expected = (JS_CORPUS / case / "expected.md").read_text()
        score = recall(expected, text)
        assert score >= 0.99, f"{case}: recall {score:.3f}"
        for phrase in spec["chrome"]:
            assert phrase not in text, f"{case}: chrome {phrase!r} leaked"
        server_page = (JS_CORPUS / case / "index.html").read_text()
        choice = choose("auto", server_page)
        assert choice.path == "browser" and spec["reason"] in choice.reason, (case, choice)


def test_shell_over_http_alone_has_none_of_the_text():
    """The corpus pages really are shells: without a browser the policy text is not there."""
    from tracker.errors import TrackerError
    from tracker.normalize import Options, normalize_source

    for case in CASES:
        expected = (JS_CORPUS / case / "expected.md").read_text()
        try:
            doc = normalize_source((JS_CORPUS / case / "index.html").read_bytes(), "text/html", "utf-8", Options())
            text = doc.markdown
        except TrackerError:
            text = ""
        assert recall(expected, text) < 0.2, case


# -- render = "browser" and "auto" ------------------------------------------------------------------

def test_browser_policy_stores_the_rendered_dom_with_our_user_agent(ws, server):
    url = server.put("/privacy", SHELL)
    server.put("/app.js", Page(SHELL_JS.encode(), headers={"Content-Type": "application/javascript"}))
    ws.write_config([{"name": "spa", "url": url, "render": "browser"}],
                    tracker={"user_agent": "tracker-test/9 (+https://example.org/bot)"})
    ws.cli("check")
    assert "Rendered-by-script marker" in stored_text(ws, "spa")
    store = ws.store()
    try:
        body, content_type, encoding = store.snapshot(store.latest_version("spa").snapshot)
    finally:
        store.close()
    assert b'<div id="root"><main><h1>Privacy Policy</h1>' in body  # the DOM after the script ran
    assert (content_type, encoding) == ("text/html", "utf-8")
    agents = [headers.get("User-Agent") for path, headers in server.requests if path == "/app.js"]
    assert agents == ["tracker-test/9 (+https://example.org/bot)"]  # fetched by Chromium, with our UA


def test_browser_policy_never_sends_a_conditional_get(ws, server):
    """The shell can stay byte-identical while its script loads a new text: no 304 shortcut."""
    url = server.put("/privacy", SHELL)
    server.put("/app.js", Page(SHELL_JS.encode(), headers={"Content-Type": "application/javascript"}))
    ws.write_config([{"name": "spa", "url": url, "render": "browser"}])
    ws.cli("check")
    server.put("/app.js", Page(SHELL_JS.replace("never sell", "may sell").encode(),
                               headers={"Content-Type": "application/javascript"}))
    ws.cli("check")
    shell_requests = [h for p, h in server.requests
                      if p == "/privacy" and h.get("User-Agent", "").startswith("tracker")]
    assert all("If-None-Match" not in h for h in shell_requests)
    assert "may sell your personal information" in stored_text(ws, "spa")


def test_auto_renders_a_shell_and_validate_says_why(ws, server):
    url = server.put("/privacy", SHELL)
    server.put("/app.js", Page(SHELL_JS.encode(), headers={"Content-Type": "application/javascript"}))
    ws.write_config([{"name": "spa", "url": url}])
    report = ws.json("validate", "spa")
    assert report["render"]["path"] == "browser"
    assert "app root" in report["render"]["reason"]
    assert report["words"] > 50
    text = ws.cli("validate", "spa").output
    assert "fetched via browser: auto: empty app root div#root" in text


def test_auto_reads_a_normal_page_over_http_without_chromium(ws, server, monkeypatch):
    """An ordinary page never needs the browser: with Chromium unavailable it is still checked."""
    monkeypatch.setenv("TRACKER_CHROMIUM", "/nonexistent/chromium")
    page = SEED.read_bytes()
    assert b"<script" in page  # a real page that runs scripts, with its text in the HTML
    url = server.put("/privacy", page)
    ws.write_config([{"name": "plain", "url": url}])
    report = ws.json("validate", "plain")
    assert report["render"] == {"path": "http", "reason": "auto: 400+ words of text in the HTML"}
    ws.cli("check")
    assert "Plex Privacy Policy" in stored_text(ws, "plain")


def test_a_rendered_login_wall_is_confirmed_by_a_second_render_and_not_stored(ws, server):
    """The guards and the confirm fetch see the rendered page, as they see an HTTP page."""
    wall = ("document.getElementById('root').innerHTML = '<main><h1>Sign in</h1><p>Please sign in to continue. ' + "
            "Array(30).join('Members see their account settings and saved items here. ') + '</p></main>';")
    server.put("/app.js", Page(wall.encode(), headers={"Content-Type": "application/javascript"}))
    url = server.put("/privacy", SHELL)
    ws.write_config([{"name": "spa", "url": url}], tracker={"suspect_delay": 0})
    ws.cli("check", expect=1)
    failed = last_fetch(ws, "spa")
    assert failed["error_kind"] == "login_wall"
    assert "fetched twice" in failed["error"]
    assert server.hits["/app.js"] == 2  # Chromium ran the page's script twice: render, then the confirm render
    store = ws.store()
    assert store.latest_version("spa") is None
    store.close()


# -- failures: timeout, size cap, missing Chromium ---------------------------------------------------

def test_render_timeout_fails_the_check_and_stores_nothing(ws, server, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the browser profile lives here: find its processes
    seen: list[int] = []
    watcher = threading.Thread(target=lambda: seen.extend(wait_for(lambda: chromium_processes(str(tmp_path))) or []),
                               daemon=True)
    watcher.start()
    url = server.put("/hang", '<html><body><div id="app"></div><script>for(;;){}</script></body></html>')
    ws.write_config([{"name": "hang", "url": url, "render": "browser"}],
                    tracker={"timeout": 2, "connect_timeout": 1})
    ws.cli("check", expect=1)
    failed = last_fetch(ws, "hang")
    assert failed["error_kind"] == "timeout"
    assert "did not finish rendering within 3 s" in failed["error"]
    store = ws.store()
    assert store.latest_version("hang") is None
    store.close()
    watcher.join()
    assert seen, "Chromium never ran"
    assert chromium_processes(str(tmp_path)) == []


def test_rendered_page_over_the_size_cap_fails(ws, server):
    big = "document.body.innerHTML = '<p>' + Array(300000).join('policy ') + '</p>';"
    server.put("/big.js", Page(big.encode(), headers={"Content-Type": "application/javascript"}))
    url = server.put("/big", '<html><body><div id="root"></div><script src="/big.js"></script></body></html>')
    ws.write_config([{"name": "big", "url": url}], tracker={"max_bytes": 1_000_000})
    ws.cli("check", expect=1)
    failed = last_fetch(ws, "big")
    assert failed["error_kind"] == "too_large"
    assert "rendered page is over the cap of 1000000 bytes" in failed["error"]


@pytest.mark.parametrize("how", ["config", "env"])
def test_missing_chromium_is_a_clear_failed_check(ws, server, monkeypatch, how):
    url = server.put("/privacy", SHELL)
    if how == "env":
        monkeypatch.setenv("TRACKER_CHROMIUM", "/nonexistent/chromium")
        settings = {}
    else:
        settings = {"chromium": "/nonexistent/chromium"}
    ws.write_config([{"name": "spa", "url": url}], tracker=settings)
    ws.cli("check", expect=1)
    fetch_row = last_fetch(ws, "spa")
    assert fetch_row["outcome"] == "error" and fetch_row["error_kind"] == "browser_missing"
    assert "apt-get install chromium" in fetch_row["error"]
    assert "'/nonexistent/chromium'" in fetch_row["error"]
    assert "empty app root" in fetch_row["error"]  # and why a browser was needed
    store = ws.store()
    assert store.latest_version("spa") is None
    assert store.db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 0
    store.close()


def test_bad_render_value_names_file_policy_and_key(ws):
    ws.write_config([{"name": "spa", "url": "http://127.0.0.1:9/x", "render": "chrome"}])
    result = ws.cli("status", expect=2)
    assert str(ws.config_path) in result.output
    assert "policy 'spa', key 'render': 'chrome' is not one of 'auto', 'http' or 'browser'" in result.output


# -- the browser is always reaped --------------------------------------------------------------------

def _hanging_site(ws, server, tmp_path, **tracker) -> dict:
    url = server.put("/hang", '<html><body><div id="app"></div><script>for(;;){}</script></body></html>')
    ws.write_config([{"name": "hang", "url": url, "render": "browser", "interval": "1h"}],
                    tracker={"timeout": 120, **tracker})
    return {**os.environ, "TMPDIR": str(tmp_path)}


def test_kill_9_of_check_mid_render_leaves_no_browser(ws, server, tmp_path):
    env = _hanging_site(ws, server, tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--config", str(ws.config_path), "check"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: chromium_processes(str(tmp_path))), "Chromium never started"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert wait_for(lambda: not chromium_processes(str(tmp_path))), chromium_processes(str(tmp_path))
    finally:
        proc.kill()
        proc.wait()
    # the dead render's profile folder is left behind; the next render removes it
    stale = list(tmp_path.glob(f"tracker-chromium-{proc.pid}-*"))
    assert stale
    server.put("/hang", SHELL)
    server.put("/app.js", Page(SHELL_JS.encode(), headers={"Content-Type": "application/javascript"}))
    subprocess.run([sys.executable, "-m", "tracker", "--config", str(ws.config_path), "check"], env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=120)
    assert not any(path.exists() for path in stale)
    assert "Rendered-by-script marker" in stored_text(ws, "hang")


def test_sigterm_of_the_daemon_mid_render_leaves_no_browser(ws, server, tmp_path):
    env = _hanging_site(ws, server, tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--config", str(ws.config_path), "daemon"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: chromium_processes(str(tmp_path))), "Chromium never started"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert chromium_processes(str(tmp_path)) == []  # reaped before the daemon exited
    finally:
        proc.kill()
        proc.wait()


def test_one_browser_at_a_time_by_default(server, tmp_path, monkeypatch):
    """Three renders asked for at once run one after the other (browser_concurrency = 1)."""
    import asyncio

    from tracker import browser

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    server.put("/app.js", Page(SHELL_JS.encode(), headers={"Content-Type": "application/javascript"}))
    urls = [server.put(f"/p{i}", SHELL) for i in range(3)]
    most, done = 0, threading.Event()

    def sample() -> None:
        nonlocal most
        while not done.is_set():
            most = max(most, len(browsers(str(tmp_path))))
            time.sleep(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()

    async def render_all() -> list[bytes]:
        one = browser.Browser(browser.BrowserSettings(), concurrency=1)
        return await asyncio.gather(*(one.render(url) for url in urls))

    try:
        pages = asyncio.run(render_all())
    finally:
        done.set()
        watcher.join()
    assert all(b"Rendered-by-script marker" in page for page in pages)
    assert most == 1
