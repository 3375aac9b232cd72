"""`tracker export DIR`: a static site that works from disk: every file written, every relative
link resolving to a file in the site, no remote assets, no scripts, all page text escaped."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.etree as etree
import lxml.html

from tests.test_changelog import ATOM, SCRIPT, TITLE, record_history

REMOTE = re.compile(r"^\s*(https?:)?//", re.I)


def export(ws, server, *args: str) -> Path:
    record_history(ws, server, extra=[{"name": "later", "url": server.url("/later"), "title": "Later <i>Terms</i>"}])
    out = ws.root / "site"
    result = ws.cli("export", str(out), *args)
    assert "wrote 8 files" in result.stdout
    return out


def pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_export_writes_every_page_and_feed(ws, server):
    out = export(ws, server)
    expected = {"index.html", "acme/index.html", "acme/v1.html", "acme/v2.html", "acme/v3.html", "acme/feed.atom",
                "later/index.html", "later/feed.atom"}
    assert {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} == expected
    index = lxml.html.parse(str(out / "index.html")).getroot()
    rows = index.xpath("//tbody/tr")
    assert [r.xpath("string(td[1]/a[1])") for r in rows] == [TITLE, "Later <i>Terms</i>"]
    assert "reverted to version 1" in rows[0].text_content() and "3" in rows[0].xpath("string(td[2])")
    assert "not checked yet" in rows[1].text_content()
    v2 = lxml.html.parse(str(out / "acme" / "v2.html")).getroot()
    assert "30 days" in [d.text_content() for d in v2.xpath("//div[contains(@class,'block')]/del")]
    v1 = lxml.html.parse(str(out / "acme" / "v1.html")).getroot()
    assert "We keep logs for 30 days." in v1.text_content()
    changelog = lxml.html.parse(str(out / "acme" / "index.html")).getroot()
    assert [a.get("href") for a in changelog.xpath("//article/h2/a")] == ["v3.html", "v2.html", "v1.html"]


def test_links_resolve_and_nothing_is_loaded_from_elsewhere(ws, server):
    out = export(ws, server)
    checked = 0
    for page in pages(out):
        doc = lxml.html.parse(str(page)).getroot()
        assert doc.xpath("//script | //iframe | //object | //embed | //img") == [], page
        for el in doc.iter():
            for attr in ("src", "srcset", "data", "poster"):
                assert el.get(attr) is None, (page, el.tag, attr)
            href = el.get("href")
            if href is None:
                continue
            if REMOTE.match(href):
                assert el.tag == "a", (page, el.tag, href)  # a link to the policy itself, never an asset
                continue
            assert not href.lower().startswith(("javascript:", "data:", "/")), (page, href)
            target = (page.parent / unquote(urlsplit(href).path)).resolve()
            assert target.is_file() and out.resolve() in target.parents, (page, href)
            checked += 1
        for style in doc.xpath("//style/text() | //@style"):
            assert "url(" not in style and "@import" not in style, page
    assert checked > 20
    # the v2 page links back to its changelog, to its neighbours and to the feed
    hrefs = {a.get("href") for a in lxml.html.parse(str(out / "acme" / "v2.html")).getroot().xpath("//nav//a")}
    assert hrefs == {"../index.html", "index.html", "v1.html", "v3.html", "feed.atom"}


def test_hostile_text_is_escaped_on_every_page(ws, server):
    out = export(ws, server)
    for page in pages(out):
        raw = page.read_text(encoding="utf-8")
        assert "<script" not in raw.lower() and "<b>" not in raw and "<i>" not in raw, page
    for name in ("acme/index.html", "acme/v2.html", "acme/v3.html"):
        text = lxml.html.parse(str(out / name)).getroot().text_content()
        assert TITLE in text, name
    assert SCRIPT in lxml.html.parse(str(out / "acme" / "v2.html")).getroot().text_content()


def test_feeds_parse_with_relative_entry_links_or_absolute_with_base_url(ws, server):
    out = export(ws, server)
    feed = etree.parse(str(out / "acme" / "feed.atom")).getroot()
    links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]
    assert links == ["v3.html", "v2.html", "v1.html"]
    assert all((out / "acme" / link).is_file() for link in links)
    assert etree.parse(str(out / "later" / "feed.atom")).getroot().findall(f"{ATOM}entry") == []
    ws.cli("export", str(out), "--base-url", "https://example.org/policies/")  # over the earlier export
    feed = etree.parse(str(out / "acme" / "feed.atom")).getroot()
    rels = {ln.get("rel"): ln.get("href") for ln in feed.findall(f"{ATOM}link")}
    assert rels["self"] == "https://example.org/policies/acme/feed.atom"
    assert feed.find(f"{ATOM}entry/{ATOM}link").get("href") == "https://example.org/policies/acme/v3.html"
    assert not list(out.rglob(".tmp-*"))
    assert "--base-url" in ws.cli("export", str(out), "--base-url", "example.org", expect=2).stderr
