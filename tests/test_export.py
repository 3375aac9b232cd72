"""`tracker export DIR`: a static site a compliance reader can act on, working from disk.

One site is built for the module the real way: a local HTTP server plays real Plex privacy policy
revisions (tracker/demo_pages/, Open Terms Archive contributors, ODC-BY 1.0) through `tracker check`
into SQLite: 1 the 2021 text, 2 a cosmetic date bump, 3 the substantive revision, 4 back to the
2021 text (a revert). Beside it: a policy with hostile headings that later fails, a policy whose URL
is gone (404, operator alerted), one never checked, one disabled. Then `tracker export`.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.etree as etree
import lxml.html
import pytest

from tests.conftest import Workspace, policy_page
from tracker.demo import demo_page
from tracker.export import raw_name
from tracker.model import Document
from tracker.render.anchors import section_id, section_ids, slug
from tracker.render.dates import human_date, human_datetime
from tracker.testing import Page, PageServer

ATOM = "{http://www.w3.org/2005/Atom}"
REMOTE = re.compile(r"^\s*(https?:)?//", re.I)
SAFE_ID = re.compile(r"^[a-z][a-z0-9-]*$")
HUMAN = re.compile(r"^\d{1,2} (January|February|March|April|May|June|July|August|September|October|November"
                   r"|December) \d{4}$")
PLEX = ["plex-privacy-policy-2021-03-17.html", "plex-privacy-policy-v2-cosmetic.html",
        "plex-privacy-policy-v3-substantive.html", "plex-privacy-policy-2021-03-17.html"]
TITLE = "Acme <b>Privacy</b> & co"
HOSTILE_HEADING = '<script>alert(1)</script> Sharing "><img src=x onerror=alert(2)>'
HOSTILE = policy_page("Privacy Policy",
                      "<h2>&lt;script&gt;alert(1)&lt;/script&gt; Sharing \"&gt;&lt;img src=x onerror=alert(2)&gt;</h2>"
                      "<p>We do not sell data &lt;script&gt;x&lt;/script&gt;.</p>"
                      "<h2>Retention</h2><p>We keep logs for 30 days.</p>")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Workspace, Path]:
    ws = Workspace(tmp_path_factory.mktemp("site"))
    with PageServer() as server:
        plex = server.put("/privacy-policy", demo_page(PLEX[0]))
        ws.write_config([
            {"name": "plex", "url": plex, "title": "Plex Privacy Policy"},
            {"name": "acme", "url": server.put("/acme", HOSTILE), "title": TITLE},
            {"name": "gone", "url": server.url("/gone"), "title": "Gone Terms"},
            {"name": "later", "url": server.url("/later"), "title": "Later Terms"},
            {"name": "off", "url": server.url("/off"), "enabled": False},
        ], notify={"admin": "ops@example.org", "alert_after": 1})
        ws.cli("check", "plex", "acme")
        for filename in PLEX[1:]:
            server.put("/privacy-policy", demo_page(filename))
            ws.cli("check", "plex")
        ws.cli("check", "gone", expect=1)
        server.put("/acme", Page(b"upstream broke", 503, {"Content-Type": "text/plain"}))
        ws.cli("check", "acme", expect=1)
    out = ws.root / "site"
    assert "wrote " in ws.cli("export", str(out)).stdout
    return ws, out


def parse(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(path)).getroot()


def index_row(out: Path, name: str) -> lxml.html.HtmlElement:
    (row,) = parse(out / "index.html").xpath(f"//tbody/tr[@id='{name}']")
    return row


def test_every_version_has_its_full_text_with_an_anchor_per_section(site):
    ws, out = site
    with ws.store() as store:
        versions = store.versions("plex")
        assert [v.number for v in versions] == [1, 2, 3, 4]
        docs = {v.number: store.document(v) for v in versions}
    for n, doc in docs.items():
        page = parse(out / "plex" / f"v{n}-text.html")
        sections = page.xpath("//main/section")
        assert len(sections) == len(doc.sections), n
        ids = [s.get("id") for s in sections]
        assert all(SAFE_ID.match(i) for i in ids) and len(set(ids)) == len(ids), n
        for element, section in zip(sections, doc.sections, strict=True):
            if section.level:
                assert element.xpath("string(*[self::h2 or self::h3 or self::h4])").rstrip("#") == section.heading
            shown = [d.text_content() for d in element.xpath("div[@class='text']")]
            assert shown == list(section.blocks), (n, section.heading)
        # the table of contents points at the sections
        toc = [a.get("href") for a in page.xpath("//nav[@class='toc']//a")]
        assert toc and all(h[1:] in ids for h in toc)
    v3 = parse(out / "plex" / "v3-text.html")
    assert "Precise geolocation of your devices" in v3.text_content()  # the substantive revision's words
    assert "Precise geolocation" not in parse(out / "plex" / "v1-text.html").text_content()
    # an anchor names the section by its headings under the title, the same from version to version
    for n in (1, 3):
        (heading,) = parse(out / "plex" / f"v{n}-text.html").xpath(
            "//section[@id='s-use-disclosure-and-sharing-of-information--disclosure-and-sharing-your-information']"
            "/h4/text()")
        assert heading == "Disclosure and Sharing Your Information"


def test_a_change_has_inline_and_side_by_side_views(site):
    _, out = site
    inline = parse(out / "plex" / "v3.html")
    deleted = [d.text_content() for d in inline.xpath("//main//div[contains(@class,'block')]//del")]
    inserted = [i.text_content() for i in inline.xpath("//main//div[contains(@class,'block')]//ins")]
    assert any("does not" in d for d in deleted) and any("may" in i for i in inserted)
    views = {a.text_content(): a.get("href") for a in inline.xpath("//nav[@class='views']//a")}
    assert views["side by side"] == "v3-side.html" and views["version 3"] == "v3-text.html"
    side = parse(out / "plex" / "v3-side.html")
    rows = side.xpath("//main//div[contains(concat(' ', @class, ' '), ' side ') and contains(@class, 'op-replace')]")
    assert rows
    pairs = []
    for row in rows:
        old, new = row.xpath("div")
        assert old.get("class").split()[0] == "old" and new.get("class").split()[0] == "new"
        assert old.get("data-label").startswith("version 2") and new.get("data-label").startswith("version 3")
        pairs.append(([d.text_content() for d in old.iter("del")], [i.text_content() for i in new.iter("ins")],
                      old.xpath("count(.//ins)") + new.xpath("count(.//del)")))
    assert all(stray == 0 for _, _, stray in pairs)  # each side marks only its own words
    assert any(any("thirty (30" in d for d in dels) and any("ninety (90" in i for i in ins) for dels, ins, _ in pairs)
    # a section's title leads to it in the full text of the version it is in
    for page in (inline, side):
        links = page.xpath("//main/section/h2/a/@href")
        assert links
        for href in links:
            target, _, anchor = href.partition("#")
            assert parse(out / "plex" / target).xpath(f"//*[@id='{anchor}']"), href
    removed = side.xpath("//main/section[contains(@class,'kind-removed')]/h2/a/@href")
    assert removed and all(h.startswith("v2-text.html#") for h in removed)
    # from one side-by-side page to the next; version 1 has nothing to compare, so its own page
    links = parse(out / "plex" / "v2-side.html").xpath("//nav[@class='site']/a")
    nav = {a.text_content(): a.get("href") for a in links}
    assert nav["← version 1"] == "v1.html" and nav["version 3 →"] == "v3-side.html"


def test_the_verdict_reads_in_one_line_then_material_findings_first(site):
    _, out = site
    header = parse(out / "plex" / "v3.html").xpath("//header")[0]
    line = header.xpath("string(p[@class='summary'])")
    assert line.startswith("material") and "new sensitive data: precise geolocation, biometric data" in line
    labels = [h.text_content() for h in header.xpath("h3[@class='group']")]
    levels = [label.rsplit("(", 1)[1].rstrip(")") for label in labels]
    assert levels[0] == "material" and "minor" in levels
    assert levels == sorted(levels, key=["material", "minor", "none"].index)
    # a finding's section links to that section's change further down the page
    hrefs = header.xpath("ul[@class='reasons']//a/@href")
    assert hrefs and all(header.getparent().xpath(f"//main/section[@id='{h[1:]}']") for h in hrefs)
    # the changelog shows every material finding and folds the rest
    entry = parse(out / "plex" / "index.html").xpath("//article[@id='v3']")[0]
    assert "minor" not in [h.text_content().rsplit("(", 1)[1].rstrip(")") for h in entry.xpath("h3[@class='group']")]
    assert "none material" in entry.xpath("string(details/summary)")


def test_a_first_version_page_is_its_text_and_has_no_side_view(site):
    _, out = site
    v1 = parse(out / "plex" / "v1.html")
    assert v1.xpath("//main[@class='fulltext']/section[@id='s-privacy-policy']")
    assert not (out / "plex" / "v1-side.html").exists()
    assert "side by side" not in v1.xpath("string(//nav[@class='views'])")


def test_raw_snapshot_is_the_fetched_bytes_under_a_name_no_browser_runs(site):
    _, out = site
    for n, filename in enumerate(PLEX, 1):
        page = parse(out / "plex" / f"v{n}.html")
        (link,) = page.xpath("//nav[@class='views']//a[starts-with(@href, 'raw/')]")
        raw = out / "plex" / link.get("href")
        assert raw.read_bytes() == demo_page(filename), n
        assert raw.suffix == ".txt" and raw.name == f"v{n}.html.txt"
        assert "scripts not run" in link.getparent().text_content()


def test_raw_names_never_end_in_a_type_a_browser_runs():
    assert raw_name(3, "text/html; charset=utf-8") == ("raw/v3.html.txt", "HTML source, shown as plain text")
    assert raw_name(3, "application/xhtml+xml")[0] == "raw/v3.html.txt"
    assert raw_name(3, "image/svg+xml")[0] == "raw/v3.html.txt"  # SVG runs scripts too
    assert raw_name(3, "text/plain")[0] == "raw/v3.txt"
    assert raw_name(3, "Application/PDF")[0] == "raw/v3.pdf"


def test_failing_policies_show_since_when_why_and_the_next_check(site):
    ws, out = site
    with ws.store() as store:
        health = store.health()
    gone = index_row(out, "gone")
    status = gone.xpath("td[@data-label='Status']")[0]
    assert "not checked yet" not in gone.text_content()
    assert "failing" in status.xpath("string(span[contains(@class,'state')])")
    since = status.xpath("time[1]")[0]
    assert since.get("datetime") == health["gone"]["failing_since"] and HUMAN.match(since.text)
    assert "404" in status.xpath("string(span[@class='error'])")
    assert "operator alerted" in status.text_content()
    assert "next check" in status.text_content() and "no version recorded" in gone.text_content()
    # a policy that has versions and fails now: its failure and its last change
    acme = index_row(out, "acme")
    assert "503" in acme.xpath("string(td[@data-label='Status']/span[@class='error'])")
    assert acme.xpath("td[@data-label='Last change']/a/@href") == ["acme/v1.html"]
    plex = index_row(out, "plex").xpath("td[@data-label='Status']")[0]
    assert plex.xpath("string(span[contains(@class,'state')])") == "ok"
    nxt = plex.xpath("span[@class='small']/time")[-1].get("datetime")
    last = datetime.fromisoformat(health["plex"]["last_check_at"])
    assert (datetime.fromisoformat(nxt) - last).total_seconds() == 86400  # the default 24h interval
    assert "not checked yet" in index_row(out, "later").text_content()
    assert "disabled" in index_row(out, "off").text_content()


def test_a_revert_says_which_version_it_returns_to(site):
    _, out = site
    v4 = parse(out / "plex" / "v4.html")
    note = v4.xpath("string(//p[@class='revert'])")
    assert "Reverted to version 1" in note and "version 3" in note
    assert "v1-text.html" in v4.xpath("//nav[@class='views']//a/@href")
    assert "Reverted to version 1" in parse(out / "plex" / "v4-text.html").xpath("string(//p[@class='revert'])")
    assert "Reverted" not in parse(out / "plex" / "v3.html").text_content().split("Privacy Policy", 1)[0]


def test_dates_read_as_people_write_them_with_iso_for_machines(site):
    ws, out = site
    with ws.store() as store:
        v3 = store.version("plex", 3)
    meta = parse(out / "plex" / "v3.html").xpath("//header/p[@class='meta']")[0]
    times = {t.get("datetime"): t.text for t in meta.iter("time")}
    assert times["2022-06-01"] == "1 June 2022"  # the policy's own "Last Updated: June 1, 2022"
    fetched = datetime.fromisoformat(v3.created_at)
    assert times[v3.created_at] == f"{fetched.day} {fetched:%B} {fetched.year}"
    for page in (out / "index.html", out / "plex" / "index.html", out / "plex" / "v2.html"):
        for t in parse(page).iter("time"):
            datetime.fromisoformat(t.get("datetime"))
            assert HUMAN.match(t.text) or HUMAN.match(t.text.split(",")[0]), (page, t.text)


def test_hostile_headings_and_text_are_escaped_and_ids_stay_safe(site):
    _, out = site
    for page in out.rglob("*.html"):
        doc = parse(page)
        assert doc.xpath("//script | //img | //iframe | //object | //embed") == [], page
        assert not [a for el in doc.iter() for a in el.attrib if a.lower().startswith("on")], page
        assert all(SAFE_ID.match(i) for i in doc.xpath("//@id")), page
    text = parse(out / "acme" / "v1-text.html")
    headings = [h.text_content().rstrip("#") for h in text.xpath("//main//h3")]
    assert HOSTILE_HEADING in headings
    assert "We do not sell data <script>x</script>." in text.text_content()
    assert TITLE in parse(out / "index.html").text_content()


def test_links_resolve_to_files_and_anchors_and_nothing_is_loaded_from_elsewhere(site):
    _, out = site
    checked = 0
    for page in sorted(out.rglob("*.html")):
        doc = parse(page)
        for el in doc.xpath("//link | //script | //img | //source | //iframe"):
            assert not any(REMOTE.match(el.get(a) or "") for a in ("src", "href")), (page, el.tag)
        for el in doc.iter():
            for attr in ("src", "srcset", "data", "poster"):
                assert el.get(attr) is None, (page, el.tag, attr)
            href = el.get("href")
            if href is None:
                continue
            if REMOTE.match(href):
                assert el.tag == "a" and el.get("rel") == "noreferrer", (page, el.tag, href)  # the policy itself
                continue
            assert not href.lower().startswith(("javascript:", "data:", "/")), (page, href)
            parts = urlsplit(href)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            assert target.is_file() and out.resolve() in target.parents, (page, href)
            if parts.fragment:
                assert parse(target).xpath(f"//*[@id='{parts.fragment}']"), (page, href)
            checked += 1
        for style in doc.xpath("//style/text() | //@style"):
            assert "url(" not in style and "@import" not in style, page
    assert checked > 200


def test_feeds_link_to_the_version_pages(site):
    ws, out = site
    feed = etree.parse(str(out / "plex" / "feed.atom")).getroot()
    links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]
    assert links == ["v4.html", "v3.html", "v2.html", "v1.html"]
    assert etree.parse(str(out / "later" / "feed.atom")).getroot().findall(f"{ATOM}entry") == []
    other = ws.root / "published"
    ws.cli("export", str(other), "--base-url", "https://example.org/policies/")
    feed = etree.parse(str(other / "plex" / "feed.atom")).getroot()
    rels = {ln.get("rel"): ln.get("href") for ln in feed.findall(f"{ATOM}link")}
    assert rels["self"] == "https://example.org/policies/plex/feed.atom"
    assert feed.find(f"{ATOM}entry/{ATOM}link").get("href") == "https://example.org/policies/plex/v4.html"
    assert not list(other.rglob(".tmp-*"))
    assert "--base-url" in ws.cli("export", str(other), "--base-url", "example.org", expect=2).stderr


def test_changelog_lists_every_version_newest_first(site):
    _, out = site
    changelog = parse(out / "plex" / "index.html")
    assert [a.get("href") for a in changelog.xpath("//article/h2/a")] == ["v4.html", "v3.html", "v2.html", "v1.html"]
    assert "Reverted to version 1" in changelog.xpath("string(//article[@id='v4'])")


# --------------------------------------------------------------------------- anchors and dates


def test_section_ids_are_safe_stable_and_unique():
    assert slug("Données & Cookies") == "donnees-cookies"
    assert section_id(()) == "s-preamble"
    assert section_id(("Privacy", "Your Rights")) == "s-privacy--your-rights"
    assert section_id(("プライバシー",)) == section_id(("プライバシー",)) != section_id(("個人情報",))
    assert SAFE_ID.match(section_id(("プライバシー",)))
    hostile = section_id(('"><script>alert(1)</script>',))
    assert hostile == "s-script-alert-1-script"
    long = section_id(("A very long heading " * 10, "and more"))
    assert len(long) <= 100 and SAFE_ID.match(long) and long != section_id(("A very long heading " * 10, "and less"))
    assert section_ids([("A",), ("B",), ("A",), ("A",)]) == ["s-a", "s-b", "s-a-2", "s-a-3"]
    doc = Document.from_markdown("intro\n\n# T\n\ntext\n\n## Sharing\n\nmore\n")
    assert section_ids(s.path for s in doc.sections) == ["s-preamble", "s-t", "s-t--sharing"]
    assert section_ids((s.path for s in doc.sections), doc.title) == ["s-preamble", "s-t", "s-sharing"]


def test_human_dates():
    assert human_date("2022-06-01") == "1 June 2022"
    assert human_date("2022-12-31T23:30:00-02:00") == "1 January 2023"  # the UTC day
    assert human_datetime("2022-06-01T08:05:00+00:00") == "1 June 2022, 08:05 UTC"
    assert human_datetime("2022-06-01") == "1 June 2022"
    assert human_date(None) == "" and human_date("soon") == "soon"
