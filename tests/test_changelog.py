"""`tracker changelog`: order, kinds, JSON shape, Markdown/HTML diffs and a valid, stable Atom feed.

Versions are recorded the real way: pages served by a local HTTP server, `tracker check`, SQLite."""

from __future__ import annotations

import re

import lxml.etree as etree
import lxml.html

from tests.conftest import policy_page
from tracker import changelog as cl
from tracker.model import Assessment, Level

ATOM = "{http://www.w3.org/2005/Atom}"
SCRIPT = "<script>alert(1)</script>"
V1 = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for 30 days.</p>"
                                   "<h2>Sharing</h2><p>We do not sell data.</p>")
# Page *text* that looks like markup (entities in the source), a CDATA terminator and an ampersand.
V2 = policy_page("Privacy Policy", "<h2>Retention</h2><p>We keep logs for six months "
                                   "&lt;script&gt;alert(1)&lt;/script&gt; ]]> &amp; more.</p>"
                                   "<h2>Sharing</h2><p>We sell your personal data to advertisers.</p>")
TITLE = "Acme [red]Privacy[/red] <b>&</b>"  # rich markup and HTML in the configured title
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def record_history(ws, server, extra: list[dict] = ()) -> str:
    """acme: 1 first, 2 material change (hostile text), 3 reverted to 1."""
    url = server.put("/privacy", V1)
    ws.write_config([{"name": "acme", "url": url, "title": TITLE}, *extra])
    ws.cli("check", "acme")
    server.put("/privacy", V2)
    ws.cli("check", "acme")
    server.put("/privacy", V1)
    ws.cli("check", "acme")
    return url


def atom(ws, *args: str) -> etree._Element:
    out = ws.cli("changelog", "acme", "--format", "atom", *args).stdout
    return etree.fromstring(out.encode("utf-8"))


def test_newest_first_with_kinds_and_json_shape(ws, server):
    url = record_history(ws, server)
    data = ws.json("changelog", "acme")
    assert set(data) == {"policy", "title", "url", "changes"}
    assert (data["policy"], data["title"], data["url"]) == ("acme", TITLE, url)
    changes = data["changes"]
    assert [c["number"] for c in changes] == [3, 2, 1]
    assert [c["kind"] for c in changes] == ["reverted", "change", "first"]
    assert [c["from_version"] for c in changes] == [2, 1, None]
    for c in changes:
        assert set(c) == {"number", "created_at", "kind", "level", "summary", "from_version", "materiality",
                          "effective_date"}
        assert RFC3339.match(c["created_at"])
        assert set(c["materiality"]) == {"level", "categories", "reasons"}
    assert changes[1]["level"] == "material" and changes[2]["level"] is None
    assert "retention" in changes[1]["materiality"]["categories"]
    assert any(SCRIPT in (r["new"] or "") for r in changes[1]["materiality"]["reasons"])
    # the same versions and summaries as `history`, reversed
    history = ws.json("history", "acme")["versions"]
    assert [(v["number"], v["kind"], v["summary"]) for v in reversed(history)] == \
           [(c["number"], c["kind"], c["summary"]) for c in changes]


def test_text_lists_changes_and_does_not_interpret_markup(ws, server):
    record_history(ws, server)
    out = ws.cli("changelog", "acme").stdout
    assert "[red]Privacy[/red]" in out  # escaped: rich did not swallow it as a style
    assert out.index("reverted") < out.index("change ") < out.index("first")
    assert "material" in out and "retention" in out


def test_markdown_has_inline_word_changes_and_no_raw_html(ws, server):
    record_history(ws, server)
    md = ws.cli("changelog", "acme", "--format", "markdown").stdout
    assert md.startswith("# Changelog: Acme")
    assert "~~30 days~~" in md and "**six months" in md  # version 2's word changes
    assert md.index("(version 3)") < md.index("(version 2)") < md.index("(version 1)")
    assert not re.search(r"(?<!\\)<", md)  # every `<` of page text is backslash-escaped
    assert "\\<script>alert(1)\\</script>" in md


def test_html_page_embeds_escaped_diffs(ws, server):
    record_history(ws, server)
    page = ws.cli("changelog", "acme", "--format", "html").stdout
    doc = lxml.html.document_fromstring(page)
    assert doc.xpath("//script") == [] and doc.xpath("//b") == []
    assert SCRIPT in doc.text_content() and TITLE in doc.text_content()
    assert [a.get("id") for a in doc.xpath("//article")] == ["v3", "v2", "v1"]
    v2 = doc.xpath("//article[@id='v2']")[0]
    assert "30 days" in [d.text_content() for d in v2.xpath(".//div[contains(@class,'block')]/del")]


def test_atom_is_valid_rfc4287_and_escapes_hostile_text(ws, server):
    url = record_history(ws, server)
    feed = atom(ws, "--feed-url", "https://example.org/feeds/acme.atom")
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert feed.findtext(f"{ATOM}author/{ATOM}name")
    assert feed.findtext(f"{ATOM}title") == f"Changes to {TITLE}"
    assert RFC3339.match(feed.findtext(f"{ATOM}updated"))
    links = {ln.get("rel"): ln.get("href") for ln in feed.findall(f"{ATOM}link")}
    assert links == {"alternate": url, "self": "https://example.org/feeds/acme.atom"}
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 3
    for e in entries:
        for name in ("id", "title", "updated", "summary"):
            assert e.findtext(f"{ATOM}{name}"), name
        assert RFC3339.match(e.findtext(f"{ATOM}updated"))
        assert e.find(f"{ATOM}content").get("type") == "html"
    assert entries[1].findtext(f"{ATOM}title") == f"Material change: {TITLE} (version 2)"
    assert feed.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")
    html = entries[1].findtext(f"{ATOM}content")  # the HTML a reader will render
    content = lxml.html.fragment_fromstring(html, create_parent="div")
    assert content.xpath("//script") == []
    assert SCRIPT in content.text_content() and "]]> & more" in content.text_content()
    assert [d.text_content() for d in content.xpath("//div[contains(@class,'block')]/ins")][0].startswith("six months")


def test_atom_ids_are_stable_across_runs_and_new_versions(ws, server):
    record_history(ws, server)
    first = [e.findtext(f"{ATOM}id") for e in atom(ws).findall(f"{ATOM}entry")]
    assert len(set(first)) == 3
    for entry_id in first:
        assert re.match(r"^tag:127\.0\.0\.1,\d{4}-\d\d-\d\d:acme/v[123]$", entry_id), entry_id
    feed_id = atom(ws).findtext(f"{ATOM}id")
    server.put("/privacy", V2)
    ws.cli("check", "acme")
    again = atom(ws)
    ids = [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")]
    assert ids[1:] == first and ids[0].endswith(":acme/v4")
    assert again.findtext(f"{ATOM}id") == feed_id


def test_atom_strips_characters_xml_forbids():
    """Control characters are legal in a Python string and in SQLite, but not in XML 1.0."""
    hostile = "a\x00b\x01c\x0bd\x1f ]]> <script>x</script> & \ufffe end"
    entry = cl.Entry(number=1, created_at="2024-03-01T10:00:00+00:00", kind="first", level=None,
                     summary=hostile, from_version=None, materiality=Assessment(Level.NONE))
    log = cl.Changelog(policy="acme", title=hostile, url="https://www.example.com/privacy", entries=(entry,))
    text = cl.render_atom(log)
    feed = etree.fromstring(text.encode("utf-8"))
    assert feed.findtext(f"{ATOM}entry/{ATOM}summary") == "abcd ]]> <script>x</script> &  end"
    assert feed.findtext(f"{ATOM}entry/{ATOM}id") == "tag:www.example.com,2024-03-01:acme/v1"
    assert feed.findtext(f"{ATOM}entry/{ATOM}updated") == "2024-03-01T10:00:00Z"


def test_policy_without_versions_and_unknown_policy(ws, server):
    url = server.put("/privacy", V1)
    ws.write_config([{"name": "acme", "url": url}])
    assert ws.json("changelog", "acme") == {"policy": "acme", "title": "acme", "url": url, "changes": []}
    feed = atom(ws)
    assert feed.findall(f"{ATOM}entry") == [] and RFC3339.match(feed.findtext(f"{ATOM}updated"))
    assert "no versions yet" in ws.cli("changelog", "acme").stdout
    assert "Not checked yet" in ws.cli("changelog", "acme", "--format", "markdown").stdout
    assert "error:" in ws.cli("changelog", "nope", expect=2).stderr
    assert "--feed-url" in ws.cli("changelog", "acme", "--format", "atom", "--feed-url", "feed.atom",
                                  expect=2).stderr
