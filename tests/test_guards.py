"""Guards against bad pages, against a local server serving error pages, login walls, half pages
and A/B flips; and the re-extraction and validation commands."""

from __future__ import annotations

from tests.conftest import policy_page
from tracker import guards
from tracker.model import Document
from tracker.testing import Page

SECTIONS = "".join(
    f"<h2>Section {n}</h2><p>{'We explain our practices for personal data in this part of the notice. ' * 8}</p>"
    for n in range(1, 9)
)
FULL = policy_page("Privacy Policy", SECTIONS)
HALF = policy_page("Privacy Policy", SECTIONS[: len(SECTIONS) // 4])
CHALLENGE = ("<html><head><title>Just a moment...</title></head><body><h1>Checking your browser before "
             "accessing example.com</h1><p>" + "This process is automatic. " * 20 + "</p></body></html>")
LOGIN = ("<html><body><main><h1>Sign in</h1><p>" + "Please sign in to continue to your account settings. " * 8 +
         "</p><form><input type='email'><input type='password'></form></main></body></html>")
ERROR_200 = ("<html><head><title>Page not found</title></head><body><main><h1>Oops! Page not found</h1><p>"
             + "The page you are looking for may have moved. Try the search box or go home. " * 6
             + "</p></main></body></html>")


def doc(md: str) -> Document:
    return Document.from_markdown(md)


def config(ws, server, **policy):
    ws.write_config([{"name": "acme", "url": server.url("/privacy"), **policy}], tracker={"suspect_delay": 0.05})


def test_suspect_unit_rules():
    long_policy = doc("# Privacy\n\n" + "We never sell data; enable JavaScript for the settings page. " * 60)
    assert guards.suspect(long_policy, "", None) is None  # a phrase deep in a long policy is not a challenge
    assert guards.suspect(doc("# Just a moment...\n\nChecking."), "", None).kind == "bot_challenge"
    assert guards.suspect(doc("# Access denied\n\nYou don't have permission."), "", None).kind == "error_page"
    assert guards.suspect(doc("# Account\n\nPlease log in."), "<input type=password>", None).kind == "login_wall"
    shrunk = guards.suspect(doc("# Privacy\n\n" + "word " * 100), "", doc("# Privacy\n\n" + "word " * 400))
    assert shrunk.kind == "shrank" and shrunk.refetch_may_confirm


def test_bot_challenge_is_an_error_and_nothing_is_stored(ws, server):
    server.put("/privacy", CHALLENGE)
    config(ws, server)
    out = ws.json("check", expect=1)["results"][0]
    assert out["error_kind"] == "bot_challenge" and "nothing stored" in out["error"]
    assert server.hits["/privacy"] == 2  # fetched again before giving up
    assert ws.json("history", "acme")["versions"] == []


def test_login_wall_and_http_200_error_page_are_errors(ws, server):
    server.put("/privacy", FULL)
    config(ws, server)
    ws.cli("check")
    for page, kind in ((LOGIN, "login_wall"), (ERROR_200, "error_page")):
        server.put("/privacy", page)
        assert ws.json("check", expect=1)["results"][0]["error_kind"] == kind
    assert len(ws.json("history", "acme")["versions"]) == 1
    assert ws.json("status")["policies"][0]["consecutive_failures"] == 2


def test_challenge_then_real_page_on_refetch_stores_the_real_page(ws, server):
    served = []

    def flip(handler):
        served.append(1)
        handler.send_page(Page((CHALLENGE if len(served) == 1 else FULL).encode()))

    server.put("/privacy", flip)
    config(ws, server)
    assert ws.json("check")["results"][0]["outcome"] == "new_version"
    assert "Section 8" in ws.cli("show", "acme").stdout


def test_half_page_once_is_an_error_but_a_confirmed_cut_is_stored(ws, server):
    server.put("/privacy", FULL)
    config(ws, server)
    ws.cli("check")
    served = []

    def half_then_full(handler):
        served.append(1)
        handler.send_page(Page((HALF if len(served) == 1 else FULL).encode()))

    server.put("/privacy", half_then_full)
    assert ws.json("check")["results"][0]["outcome"] == "unchanged"  # the second fetch was whole again
    served.clear()

    def half_then_other_half(handler):
        served.append(1)
        page = HALF if len(served) == 1 else HALF.replace("Section 1", "Section One")
        handler.send_page(Page(page.encode()))

    server.put("/privacy", half_then_other_half)
    out = ws.json("check", expect=1)["results"][0]
    assert out["error_kind"] == "shrank"
    server.put("/privacy", HALF)  # the policy really was cut: both fetches agree
    out = ws.json("check")["results"][0]
    assert out["outcome"] == "new_version" and out["version"] == 2


def test_ab_flip_back_is_reverted_not_a_new_change(ws, server):
    a = FULL
    b = FULL.replace("Section 3", "Section Three")
    server.put("/privacy", a)
    config(ws, server)
    ws.cli("check")
    server.put("/privacy", b)
    ws.cli("check")
    server.put("/privacy", a)
    ws.cli("check")
    kinds = [v["kind"] for v in ws.json("history", "acme")["versions"]]
    assert kinds == ["first", "change", "reverted"]


def test_reextract_records_a_technical_change(ws, server):
    page = FULL.replace("</main>", "<div class='app-teaser'><p>Try our new app today!</p></div></main>")
    server.put("/privacy", page)
    config(ws, server)
    ws.cli("check")
    assert "Try our new app" in ws.cli("show", "acme").stdout
    assert "unchanged" in ws.cli("reextract").stdout  # same rules, same text
    config(ws, server, remove=[".app-teaser"])
    assert "new_version" in ws.cli("reextract", "acme").stdout
    versions = ws.json("history", "acme")["versions"]
    assert [v["kind"] for v in versions] == ["first", "technical"]
    assert "Try our new app" not in ws.cli("show", "acme").stdout
    with ws.store() as store:
        v2 = store.version("acme", 2)
        assert '".app-teaser"' in v2.selectors and v2.normalizer
        assert store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    # the next check compares against the re-extracted text: nothing new
    assert ws.json("check")["results"][0]["outcome"] in ("unchanged", "not_modified")


def test_validate_reports_sections_and_stability(ws, server):
    server.put("/privacy", FULL)
    config(ws, server)
    out = ws.json("validate", "acme")
    assert out["stable"] and out["problems"] == [] and out["would_store"] == "version 1 (first)"
    assert [s["heading"] for s in out["sections"]][:2] == ["Privacy Policy", "Section 1"]
    assert ws.json("history", "acme")["versions"] == []  # nothing stored
    text = ws.cli("validate", "acme").stdout
    assert "ok:" in text and "Section 8" in text


def test_validate_flags_a_varying_page(ws, server):
    count = []

    def rotating(handler):
        count.append(1)
        handler.send_page(Page(FULL.replace("Section 1", f"Section 1 variant {len(count)}").encode()))

    server.put("/privacy", rotating)
    config(ws, server)
    out = ws.json("validate", "acme", expect=1)
    assert not out["stable"] and "different texts" in out["problems"][0]
