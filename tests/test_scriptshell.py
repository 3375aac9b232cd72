"""The `render = "auto"` decision (tracker/scriptshell.py): pure, HTML in, a path and a reason out."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SEED
from tracker.scriptshell import choose

JS_CORPUS = Path(__file__).parent / "corpus" / "js"
PROSE = " ".join(["We explain here which personal data we collect, why, and the choices you have."] * 40)


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head><title>Privacy</title>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize("case", sorted(p.name for p in JS_CORPUS.iterdir() if (p / "index.html").exists()))
def test_every_js_corpus_shell_is_rendered(case):
    assert choose("auto", (JS_CORPUS / case / "index.html").read_text()).path == "browser"


@pytest.mark.parametrize("html, reason", [
    (page('<div id="root"></div><script src="/main.js"></script>'), "empty app root div#root"),
    (page('<div id="__next"></div><script src="/_next/app.js"></script>'), "empty app root div#__next"),
    (page('<app-root></app-root><script src="main.js"></script>'), "empty app root app-root"),
    (page('<noscript>Please enable JavaScript to view this page.</noscript><div class="x"></div>'
          '<script src="/b.js"></script><p>Loading</p>'), "<noscript> asks to enable JavaScript"),
    (page('<h1>Privacy Policy</h1><div name="termly-embed" data-id="abc"></div>'
          '<script src="https://app.termly.io/embed-policy.min.js"></script>' + f"<p>{PROSE}</p>"),
     "Termly policy embed"),
    (page('<div data-name="termly-embed" data-id="abc"></div><script>1</script>'), "Termly policy embed"),
    (page('<a href="https://www.iubenda.com/privacy-policy/1" class="iubenda-embed iub-body-embed">Privacy</a>'
          '<script>(function(){})()</script>'), "iubenda policy embed"),
    (page('<div id="otnotice-1f2e" class="otnotice"></div><script>OneTrust.NoticeApi.LoadNotices([])</script>'),
     "OneTrust notice policy embed"),
    (page('<div id="policy" data-policy-key="ab12" data-extra="no-title"></div>'
          '<script src="https://app.termageddon.com/js/termageddon.js"></script>'), "Termageddon"),
    (page('<script id="CookieDeclaration" src="https://consent.cookiebot.com/1234/cd.js" async></script>'
          + f"<p>{PROSE}</p>"), "Cookiebot declaration"),
    (page("<header>Acme</header><p>Privacy</p><script src='/app.js'></script>"), "words of text on a page that runs"),
])
def test_script_shells_are_rendered(html, reason):
    choice = choose("auto", html)
    assert choice.path == "browser", choice
    assert reason in choice.reason


@pytest.mark.parametrize("html, reason", [
    # server-rendered React/Next pages keep the notice and the root, with the whole text in it
    (page(f'<noscript>You need to enable JavaScript to run this app.</noscript><div id="__next"><main>'
          f"<h1>Privacy</h1><p>{PROSE}</p></main></div><script src='/_next/main.js'></script>"), "400+ words"),
    # a cookie-banner script of a policy vendor is not a policy embed
    (page(f"<h1>Privacy</h1><p>{PROSE}</p><script src='https://cdn.iubenda.com/cs/iubenda_cs.js'></script>"),
     "400+ words"),
    # an embed already filled (a page saved after rendering) needs no browser
    (page(f'<div class="otnotice"><div class="otnotice-content"><p>{PROSE}</p></div></div><script>x()</script>'),
     "400+ words"),
    (page("<h1>Privacy</h1><p>Short but static.</p>"), "runs no scripts"),
    (page(f'<div id="app"><p>{PROSE}</p></div><script src="/app.js"></script>'), "400+ words"),
])
def test_ordinary_pages_stay_on_http(html, reason):
    choice = choose("auto", html)
    assert choice.path == "http", choice
    assert reason in choice.reason


def test_a_real_page_with_scripts_stays_on_http():
    choice = choose("auto", SEED.read_text(encoding="utf-8"))
    assert choice.path == "http"


def test_the_policy_setting_wins_and_non_html_is_never_rendered():
    shell = page('<div id="root"></div><script src="/main.js"></script>')
    assert choose("http", shell).path == "http"
    assert choose("browser", page(f"<p>{PROSE}</p>")).path == "browser"
    assert choose("auto", "%PDF-1.7 ...", "application/pdf") == choose("auto", "", "application/pdf")
    assert choose("auto", "%PDF-1.7 ...", "application/pdf").path == "http"
    assert choose("browser", "%PDF-1.7 ...", "application/pdf").path == "http"
    assert choose("auto", "", "text/html").path == "http"
