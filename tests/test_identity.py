"""Is this still the policy? Real replacements from Open Terms Archive histories (tests/identity/)
are rejected as `not_the_policy`, real rewrites are stored, and a markup-only change is `none`."""

from __future__ import annotations

from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tracker import changes, guards
from tracker.identity import identify
from tracker.model import Document
from tracker.normalize import normalize_html

FIXTURES = Path(__file__).parent / "identity"
_MD = MarkdownIt("commonmark")


def html(name: str) -> str:
    """The recorded Markdown rendered as the HTML page a site would serve."""
    body = _MD.render((FIXTURES / name).read_text(encoding="utf-8"))
    return f"<!doctype html><html><head><meta charset='utf-8'></head><body><main>{body}</main></body></html>"


def pair(case: str) -> tuple[Document, Document]:
    return normalize_html(html(f"{case}.old.md")), normalize_html(html(f"{case}.new.md"))


NOT_THE_POLICY = [
    ("yahoo-region-index", "geo_stub"),         # "please choose your region from the list below"
    ("cnn-jurisdiction-index", "hub_page"),     # regions and languages, nothing else
    # the hub is only links, which the normalizer drops as navigation: its title is all that is left
    # (a check fails earlier, as too short); identity still tells it is not the policy
    ("whatsapp-legal-hub", "unlike_history"),
    ("yahoo-privacy-center", "help_page"),
    ("facebook-safety-center", "help_page"),
    ("instagram-consent-wall", "consent_wall"),
    ("instagram-error-page", "error_page"),     # "This page isn't available right now"
    ("instagram-login-wall", "login_wall"),
    ("telegram-privacy-locale", "foreign_vocabulary"),  # the German variant of an English policy
    ("blockworks-other-page", "unlike_history"),        # another page altogether
]


@pytest.mark.parametrize("case,signal", NOT_THE_POLICY)
def test_real_replacements_are_not_the_policy(case, signal):
    old, new = pair(case)
    verdict = identify(new, [old])
    assert not verdict.is_policy and signal in verdict.signals, verdict.reason
    assert verdict.figures is not None and verdict.figures.retained < 0.12
    assert verdict.reason.startswith("this is not the policy: ") and signal in verdict.reason


@pytest.mark.parametrize("case", ["linkedin-privacy-rewrite", "scaleway-privacy-markup", "parler-trackers-markup"])
def test_real_rewrites_and_markup_changes_are_still_the_policy(case):
    old, new = pair(case)
    verdict = identify(new, [old])
    assert verdict.is_policy, verdict.reason
    assert guards.suspect(new, "", old) is None


def test_big_rewrite_keeps_vocabulary_but_little_else():
    """LinkedIn's 2025 rewrite: a new title, no heading in common, yet the same policy."""
    old, new = pair("linkedin-privacy-rewrite")
    f = identify(new, [old]).figures
    assert f.heading_overlap < 0.5 and f.title_overlap < 0.5  # what a title/heading rule alone would reject
    assert f.vocabulary > 0.7 and f.retained >= 0.12


def test_pattern_already_in_the_policy_does_not_count():
    """A policy whose headings always said "Frequently asked questions" is not turned into an FAQ page
    by a shrink that keeps them (Vodafone.ie's history)."""
    faq = "# Privacy\n\n## Frequently asked questions\n\n"
    old = Document.from_markdown(faq + "We collect your name and address to deliver orders. " * 80)
    new = Document.from_markdown(faq + "Ask us anything about deliveries and returns today. " * 20)
    assert "help_page" not in identify(new, [old]).signals
    assert "help_page" in identify(new, [Document.from_markdown("# Privacy\n\n" + "We collect data. " * 80)]).signals


def test_no_history_no_verdict_and_evidence_is_clipped():
    _, new = pair("yahoo-region-index")
    assert identify(new, []).is_policy
    hostile = Document.from_markdown("# Choose your country\n\n"
                                     + "\n\n".join(f"- Land{i}\x07\r\n x" for i in range(9)))
    verdict = identify(hostile, [pair("yahoo-region-index")[0]])
    assert not verdict.is_policy
    assert all(len(e) <= 120 and "\x07" not in e and "\r" not in e for e in verdict.evidence)


def test_guard_kind_and_evidence():
    old, new = pair("cnn-jurisdiction-index")
    s = guards.suspect(new, "", old)
    assert s.kind == "not_the_policy" and not s.refetch_may_confirm
    assert s.identity.to_json()["signals"] == ["hub_page"]


# --------------------------------------------------------------------------- document-level cosmetic


def test_markup_only_real_change_is_none_before_sections():
    """Scaleway: five setext headings became paragraphs (18 sections -> 13). Judged section by section
    this was `material` with seven reasons; not one word changed."""
    old, new = pair("scaleway-privacy-markup")
    assert len(old.sections) != len(new.sections)
    cs = changes.compare(old, new)
    m = cs.to_json()["materiality"]
    assert m["level"] == "none" and m["categories"] == []
    assert [r["signal"] for r in m["reasons"]] == ["markup"] and m["reasons"][0]["category"] == ""
    assert "sections" in m["reasons"][0]["detail"]
    assert cs.sections and all(s.level == "none" and not s.reasons for s in cs.sections)


def test_one_changed_word_is_not_markup_only():
    old, new = pair("scaleway-privacy-markup")
    text = new.markdown
    assert "We do not sell" not in text
    changed = Document.from_markdown(text.replace("Scaleway", "Scaleway and its partners", 1), title=new.title)
    verdict = changes.judge(old, changed)
    assert all(r.signal != "markup" for r in verdict.assessment.reasons)


@pytest.mark.parametrize("old,new", [
    ("# Terms\n\n## 1. Who we are\n\nWe are *Acme*.", "Terms\n\n**1. Who we are**\n\nWe are Acme."),
    ("## Rights\n\n1. access\n2. deletion", "## Rights\n\n- access\n- deletion"),
    ("See [our policy](https://a.example/p?utm=1).", "See [our policy](https://b.example/p)."),
    ("We don\u2019t sell \u201cdata\u201d.", "We don't sell \"data\"."),
    ("# A\n\ntext one\n\n# B\n\ntext two", "# A\n\ntext one\n\n### B\n\ntext two"),  # heading level
    ("# A\n\none\n\n## B\n\ntwo", "A\n===\n\none\n\nB\n\ntwo"),  # collapsed into one section
])
def test_document_words_ignore_markup(old, new):
    assert changes.document_words(old) == changes.document_words(new)


@pytest.mark.parametrize("old,new", [
    ("We sell data.", "We do not sell data."),
    ("Within 30 days.", "Within 90 days."),
    ("We share with partners.", "We share with partners, affiliates."),
])
def test_document_words_see_word_changes(old, new):
    assert changes.document_words(old) != changes.document_words(new)


def test_none_verdict_has_no_category():
    old = Document.from_markdown("# Privacy\n\nLast updated: March 1, 2024\n\n"
                                 "## Retention\n\nWe keep logs for 30 days.")
    new = Document.from_markdown("# Privacy\n\nLast updated: April 2, 2025\n\n"
                                 "## Retention\n\nWe keep logs for 30 days.")
    m = changes.compare(old, new).to_json()["materiality"]
    assert m["level"] == "none" and m["categories"] == []
    assert m["reasons"] and all(r["category"] == "" for r in m["reasons"])


def test_technical_change_is_none_without_category():
    old, new = pair("parler-trackers-markup")
    verdict = changes.technical(old, new, "9")
    assert verdict.level == "none" and verdict.assessment.categories == ()
    assert [r.signal for r in verdict.assessment.reasons] == ["re_extracted"]
    assert verdict.summary.startswith("technical: re-extracted") and "security" not in verdict.summary


# --------------------------------------------------------------------------- through `tracker check`


def _config(ws, server, **notify):
    ws.write_config(
        [{"name": "acme", "url": server.url("/privacy"), "recipients": ["legal@example.org"], "threshold": "minor"}],
        tracker={"suspect_delay": 0},
        notify={"admin": "ops@example.org", "alert_after": 2, **notify})


def _emails(ws) -> list:
    return [message_from_bytes(p.read_bytes(), policy=email_policy.default)
            for p in sorted((ws.root / "outbox").glob("*.eml"))]


def test_hub_page_is_rejected_alerted_then_accepted(ws, server):
    server.put("/privacy", html("yahoo-region-index.old.md"))
    _config(ws, server)
    ws.cli("check")
    server.put("/privacy", html("yahoo-region-index.new.md"))
    hits = server.hits["/privacy"]

    for _ in range(2):
        out = ws.json("check", expect=1)["results"][0]
        assert out["outcome"] == "error" and out["error_kind"] == "not_the_policy"
        assert "geo_stub" in out["error"] and "tracker accept acme" in out["error"]
    assert server.hits["/privacy"] - hits == 4  # every check fetched twice before rejecting
    assert len(ws.json("history", "acme")["versions"]) == 1
    with ws.store() as store:
        assert [r for r in store.outbox(("pending",)) if r["kind"] == "change"] == []
        rejected = store.last_rejection("acme")
        assert rejected["evidence"]["signals"] == ["geo_stub", "hub_page"]
        assert rejected["evidence"]["figures"]["retained"] < 0.12
        assert store.snapshot(rejected["snapshot"])[0] == html("yahoo-region-index.new.md").encode()

    status = ws.json("status")["policies"][0]
    assert status["consecutive_failures"] == 2 and status["last_error"].startswith("not_the_policy: ")
    ws.cli("notify", "flush")
    [alert] = _emails(ws)
    assert alert["To"] == "ops@example.org" and alert["Subject"].startswith("[tracker] Failing")
    assert "this is not the policy" in alert.get_content() and "tracker accept acme" in alert.get_content()

    accepted = ws.json("accept", "acme")
    assert accepted["outcome"] == "new_version" and accepted["version"] == 2
    assert accepted["summary"].startswith("accepted by the operator (had been rejected: geo_stub, hub_page)")
    assert ws.json("status")["policies"][0]["consecutive_failures"] == 0
    assert ws.json("check")["results"][0]["outcome"] in ("unchanged", "not_modified")  # no longer rejected
    ws.cli("notify", "flush")
    subjects = [m["Subject"] for m in _emails(ws)]
    assert any(s.startswith("[tracker] Recovered") for s in subjects)
    assert ws.cli("accept", "acme", expect=1).stderr.startswith("error: nothing_to_accept")


def test_not_the_policy_never_mails_recipients_before_the_alert(ws, server):
    server.put("/privacy", html("facebook-safety-center.old.md"))
    _config(ws, server, alert_after=3)
    ws.cli("check")
    server.put("/privacy", html("facebook-safety-center.new.md"))
    ws.cli("check", expect=1)
    ws.cli("check", expect=1)
    ws.cli("notify", "flush")
    assert _emails(ws) == []  # two failures: below the alert threshold, and nothing for recipients
    server.put("/privacy", html("facebook-safety-center.old.md"))  # the site came back
    assert ws.json("check")["results"][0]["outcome"] in ("unchanged", "not_modified")
    assert ws.cli("accept", "acme", expect=1)  # the policy came back: the old rejection is moot


def test_real_rewrite_is_stored_and_judged(ws, server):
    server.put("/privacy", html("linkedin-privacy-rewrite.old.md"))
    _config(ws, server)
    ws.cli("check")
    server.put("/privacy", html("linkedin-privacy-rewrite.new.md"))
    out = ws.json("check")["results"][0]
    assert out["outcome"] == "new_version" and out["kind"] == "change" and out["level"] in ("minor", "material")


def test_markup_only_real_change_is_stored_as_none_and_not_mailed(ws, server):
    server.put("/privacy", html("scaleway-privacy-markup.old.md"))
    _config(ws, server)
    ws.cli("check")
    server.put("/privacy", html("scaleway-privacy-markup.new.md"))
    out = ws.json("check")["results"][0]
    assert out["outcome"] == "new_version" and out["level"] == "none"
    assert "markup only" in out["summary"]
    ws.cli("notify", "flush")
    assert _emails(ws) == []  # a `minor` threshold hears of every real text change: this is none


def test_reextract_is_level_none_without_category(ws, server):
    """Before: a re-extraction that dropped a teaser was stored as "minor, security"."""
    teaser = "<div class='teaser'><p>Download our app today: your security matters to us.</p></div></main>"
    server.put("/privacy", html("parler-trackers-markup.old.md").replace("</main>", teaser))
    _config(ws, server)
    ws.cli("check")
    ws.write_config([{"name": "acme", "url": server.url("/privacy"), "remove": [".teaser"]}])
    assert "new_version" in ws.cli("reextract", "acme").stdout
    [_, technical] = ws.json("history", "acme")["versions"]
    assert technical["kind"] == "technical" and technical["level"] == "none"
    with ws.store() as store:
        change = store.change(store.version("acme", 2).change_id)
        assert change["assessment"].categories == () and change["assessment"].level == "none"
        assert [r.category for r in change["assessment"].reasons] == [""]
