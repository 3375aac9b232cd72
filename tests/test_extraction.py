"""Extraction fidelity on pages the code was not written for, and the unit rules behind it.

The corpus (tests/corpus/) holds policy pages in the styles of different site builders and hosts,
each with the headings a reader sees, phrases of page chrome that must not leak, and a noisy twin:
the same policy fetched again, with new nonces, tokens, build ids, tracking parameters, rotated
menus, a cookie banner, another footer year and "N days ago". The twin must normalize to the same
bytes. Regenerate the pages with `python -m tests.corpus.make_twins` after editing tests/corpus/src.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.conftest import SEED
from tests.corpus.pdfgen import build as build_pdf
from tracker import extract, noise
from tracker.headings import clause_depth
from tracker.model import Document
from tracker.normalize import Options, normalize_html, normalize_source, normalize_text
from tracker.pdf import normalize_pdf

CORPUS = Path(__file__).parent / "corpus"
PAGES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".html", ".pdf", ".txt") and ".noisy." not in p.name)
CONTENT_TYPES = {".html": "text/html", ".pdf": "application/pdf", ".txt": "text/plain"}


def expected(page: Path) -> dict:
    return tomllib.loads(page.with_suffix(".toml").read_text(encoding="utf-8"))


def twin(page: Path) -> Path:
    return page.with_name(page.stem + ".noisy" + page.suffix)


def load(page: Path, options: Options | None = None) -> Document:
    return normalize_source(page.read_bytes(), CONTENT_TYPES[page.suffix], "utf-8", options or Options())


def headings(doc: Document) -> list[str]:
    return ["#" * s.level + " " + s.heading for s in doc.sections if s.level]


def test_corpus_is_varied_enough():
    assert len(PAGES) >= 12
    assert {p.suffix for p in PAGES} == {".html", ".pdf", ".txt"}
    for page in PAGES:
        assert twin(page).exists(), page.name
        assert page.read_bytes() != twin(page).read_bytes(), page.name
        assert page.with_suffix(".toml").exists(), page.name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_headings_as_a_reader_sees_them(page):
    doc = load(page)
    assert headings(doc) == expected(page)["headings"]
    assert doc.title == expected(page)["headings"][0][2:]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_policy_text_is_kept(page):
    md = load(page).markdown
    for phrase in expected(page).get("contains", []):
        assert phrase in md, phrase


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_chrome_leaks(page):
    md = load(page).markdown
    leaked = [phrase for phrase in expected(page)["chrome"] if phrase in md]
    assert not leaked


@pytest.mark.parametrize("links", [False, True], ids=["text", "links"])
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_noisy_twin_is_byte_identical(page, links):
    a, b = load(page, Options(links=links)), load(twin(page), Options(links=links))
    assert a.markdown == b.markdown
    assert a.digest == b.digest


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_deterministic_and_round_trips(page):
    first, second = load(page), load(page)
    assert first.markdown == second.markdown
    assert Document.from_markdown(first.markdown).markdown == first.markdown


def test_links_mode_writes_clean_targets():
    md = load(CORPUS / "hubspot-cookie-tables.noisy.html", Options(links=True)).markdown
    assert "[Privacy Notice](https://orchardcrm.example/privacy)" in md
    assert "[aboutcookies.example](https://www.aboutcookies.example/)" in md
    for param in ("_hsenc", "_hsmi", "hsCtaTracking", "utm_", "gclid", "fbclid", "mc_eid"):
        assert param not in md
    wp = load(CORPUS / "wordpress-privacy.noisy.html", Options(links=True)).markdown
    assert "(mailto:privacy@fernhillgardens.example)" in wp
    assert "(https://fernhillgardens.example/cookie-policy/)" in wp
    # default: anchor text kept, targets dropped
    assert "](" not in load(CORPUS / "hubspot-cookie-tables.noisy.html").markdown


def test_links_mode_extra_tracking_params():
    page = "<html><body><main><h1>P</h1><p><a href='https://x.example/a?campaign=spring&id=7'>Terms</a></p></main></body></html>"
    assert "[Terms](https://x.example/a?campaign=spring&id=7)" in normalize_html(page, Options(links=True)).markdown
    md = normalize_html(page, Options(links=True, tracking_params=("campaign",))).markdown
    assert "[Terms](https://x.example/a?id=7)" in md


def test_seed_page_still_normalizes_through_the_automatic_choice():
    doc = normalize_html(SEED.read_bytes())
    assert doc.title == "Privacy Policy" and len([s for s in doc.sections if s.level > 1]) == 24


# --- noise rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("url, clean", [
    ("https://a.example/p?utm_source=x&utm_medium=y", "https://a.example/p"),
    ("https://a.example/p?id=3&gclid=abc&fbclid=def", "https://a.example/p?id=3"),
    ("https://a.example/p?mc_cid=1&mc_eid=2&_hsenc=p2&_hsmi=9&msclkid=m&yclid=y&ref=nav", "https://a.example/p"),
    ("https://a.example/p;jsessionid=ABC123?page=2", "https://a.example/p?page=2"),
    ("https://a.example/p?PHPSESSID=zz&q=privacy", "https://a.example/p?q=privacy"),
    ("https://a.example/p#:~:text=cookies", "https://a.example/p"),
    ("https://a.example/p#section-4", "https://a.example/p#section-4"),
    ("https://a.example/p?b=2&a=1", "https://a.example/p?b=2&a=1"),  # order kept: it may matter
    ("javascript:void(0)", ""),
])
def test_clean_url(url, clean):
    assert noise.clean_url(url) == clean


def test_clean_url_extra_params_and_spellings_agree():
    assert noise.clean_url("https://a.example/?src=tw&x=1", ("src",)) == "https://a.example/?x=1"
    assert noise.clean_url("https://a.example/?q=a+b") == noise.clean_url("https://a.example/?q=a%20b&utm_id=1")


def test_cloudflare_email_decoding():
    email = "privacy@example.org"
    for key in (0x11, 0x5A, 0xE7):
        hexstr = f"{key:02x}" + "".join(f"{ord(c) ^ key:02x}" for c in email)
        assert noise.cf_decode(hexstr) == email
        page = (f"<html><body><main><h1>P</h1><p>Write to <a href='/cdn-cgi/l/email-protection#{hexstr}'>"
                f"<span class='__cf_email__' data-cfemail='{hexstr}'>[email&#160;protected]</span></a> today.</p>"
                "</main></body></html>")
        assert normalize_html(page).sections[0].blocks == ("Write to privacy@example.org today.",)
        assert f"[privacy@example.org](mailto:{email})" in normalize_html(page, Options(links=True)).markdown
    assert noise.cf_decode("zz") == ""


def test_invisible_characters_and_unicode_forms_fold():
    a = normalize_html("<html><body><main><h1>P</h1>"
                       "<p>Caf\u00e9 da\u00adta pro\u200bcess\ufeffing</p></main></body></html>")
    b = normalize_html("<html><body><main><h1>P</h1><p>Cafe\u0301 data processing</p></main></body></html>")
    assert a.markdown == b.markdown
    assert "Café data processing" in a.markdown


def test_bullets_and_numbering_are_consistent():
    page = """<html><body><main><h1>P</h1>
    <ul><li>• Name</li><li>▪ Email</li></ul>
    <ol start="1"><li>1. First</li><li>Second</li></ol>
    <p>• Typed bullet one<br>• Typed bullet two</p>
    <p>Intro line<br>· dot item</p></main></body></html>"""
    blocks = normalize_html(page).sections[0].blocks
    assert blocks == ("- Name", "- Email", "1. First", "2. Second", "- Typed bullet one", "- Typed bullet two",
                      "Intro line", "- dot item")
    text = normalize_text("Terms\n\n* one\n• two\n")
    assert [b for s in text.sections for b in s.blocks][-2:] == ["- one", "- two"]


def test_visually_hidden_labels_are_not_glued_into_headings():
    page = """<html><body><main><h1><span class="visually-hidden">Page title:</span>Privacy</h1>
    <h2><span class="sr-only">Section </span>Cookies<a class="headerlink" href="#c">¶</a></h2><p>We use cookies.</p>
    <h2 style="">Sharing <span style="position:absolute;clip:rect(0 0 0 0)">opens a new tab</span></h2><p>x</p>
    </main></body></html>"""
    assert [s.heading for s in normalize_html(page).sections] == ["Privacy", "Cookies", "Sharing"]


def test_collapsed_accordion_content_is_kept_but_hidden_chrome_is_not():
    page = """<html><body><main><h1>P</h1>
    <h2><button aria-controls="p1" aria-expanded="false">Retention</button></h2>
    <div id="p1" hidden><p>We keep logs for 30 days.</p></div>
    <div class="accordion-panel" style="display:none"><p>Panel text stays.</p></div>
    <details><summary>More</summary><div style="display:none"><p>Details text stays.</p></div></details>
    <div style="display:none"><p>Hidden promo text.</p></div>
    <div class="d-none"><p>Hidden old version.</p></div>
    </main></body></html>"""
    md = normalize_html(page).markdown
    assert "## Retention" in md and "We keep logs for 30 days." in md
    assert "Panel text stays." in md and "Details text stays." in md
    assert "Hidden promo" not in md and "Hidden old version" not in md


def test_relative_times_are_dropped():
    assert noise.RELATIVE_TIME.match("Updated 3 days ago")
    assert noise.RELATIVE_TIME.match("an hour ago")
    assert not noise.RELATIVE_TIME.match("We delete logs 3 days after collection.")
    page = "<html><body><main><h1>P</h1><p>Updated 2 days ago</p><p>Text.</p></main></body></html>"
    assert normalize_html(page).sections[0].blocks == ("Text.",)


# --- heading rules ---------------------------------------------------------------------------


def _headings(body: str) -> list[tuple[int, str]]:
    doc = normalize_html(f"<html><body><main><h1>Policy</h1>{body}</main></body></html>")
    return [(s.level, s.heading) for s in doc.sections if s.level > 1]


LONG = " ".join(["We process this information only as described in this policy."] * 3)


def test_bold_only_paragraphs_are_headings_one_level_below_the_last_real_heading():
    assert _headings(f"<p><strong>Data Retention</strong></p><p>{LONG}</p><p><b>Security</b></p><p>{LONG}</p>") == [
        (2, "Data Retention"), (2, "Security")]
    assert _headings(f"<h2>Your Data</h2><p>{LONG}</p><div><b>Retention</b></div><p>{LONG}</p>") == [
        (2, "Your Data"), (3, "Retention")]
    assert _headings(f"<p><span style='font-weight:700'>Cookies</span></p><p>{LONG}</p>") == [(2, "Cookies")]


def test_bold_lead_in_is_not_a_heading():
    assert _headings(f"<p><b>Cookies.</b> {LONG}</p><p><strong>Note:</strong> {LONG}</p>") == []
    assert _headings(f"<p><b>Please read these terms carefully before you use the service.</b></p><p>{LONG}</p>") == []


def test_bold_lines_in_a_row_are_an_address_not_headings():
    assert _headings(f"<p><b>Acme Ltd</b></p><p><b>1 Main Street</b></p><p>{LONG}</p>") == []


def test_numbered_clauses_become_sections_with_levels():
    body = (f"<p>1. Introduction</p><p>{LONG}</p><p>1.2 Scope of This Policy</p><p>{LONG}</p>"
            f"<p>Section 4 Disclosures</p><p>{LONG}</p><p>ARTICLE V</p><p>{LONG}</p>"
            f"<p><b>12. Governing Law.</b></p><p>{LONG}</p>")
    assert _headings(body) == [(2, "1. Introduction"), (3, "1.2 Scope of This Policy"), (2, "Section 4 Disclosures"),
                               (2, "ARTICLE V"), (2, "12. Governing Law.")]


def test_long_numbered_paragraphs_and_list_items_are_not_headings():
    long_clause = "3. You agree that " + " ".join(["you will not misuse the service in any way"] * 6) + "."
    assert _headings(f"<p>{long_clause}</p><ol><li>Data Retention</li></ol><p>{LONG}</p>") == []
    doc = normalize_html(f"<html><body><main><h1>P</h1><p>{long_clause}</p></main></body></html>")
    assert doc.sections[0].blocks[0] == "\\" + long_clause  # kept with its number, not a list item
    assert _headings(f"<p>3. You must be 18.</p><p>{LONG}</p>") == []
    assert _headings(f"<p>12 months</p><p>{LONG}</p>") == []


def test_clause_depth():
    assert clause_depth("1. Definitions") == 1
    assert clause_depth("2.3 Cookies") == 2
    assert clause_depth("2.3.1 Session Cookies") == 3
    assert clause_depth("Section 4") == 1
    assert clause_depth("ARTICLE V – CONFIDENTIALITY") == 1
    assert clause_depth("IV. Sharing") == 1
    assert clause_depth("1. we collect data") == 0
    assert clause_depth("2024 was a good year") == 0
    assert clause_depth("Last updated: 1. March") == 0


def test_plain_text_headings_and_reflow():
    text = ("ACME SERVICE TERMS\n\n1. ACCEPTANCE\n\nBy using the service you accept these terms, which\n"
            "apply to every account. The third-\nparty services we inte-\ngrate are listed in the annex.\n\n"
            "2. Fees\nFees are charged monthly in advance.\n")
    doc = normalize_text(text)
    assert [(s.level, s.heading) for s in doc.sections] == [
        (1, "ACME SERVICE TERMS"), (2, "1. ACCEPTANCE"), (2, "2. Fees")]
    assert doc.sections[1].blocks == ("By using the service you accept these terms, which apply to every account. "
                                      "The third-party services we integrate are listed in the annex.",)
    assert doc.sections[2].blocks == ("Fees are charged monthly in advance.",)


def test_markdown_documents_keep_their_headings():
    doc = normalize_text("# Terms\n\n## 1. Fees\n\nText.\n")
    assert [(s.level, s.heading) for s in doc.sections] == [(1, "Terms"), (2, "1. Fees")]


# --- block choice ----------------------------------------------------------------------------


FILLER = " ".join(["This policy sentence describes how personal information is handled by us."] * 8)


def test_block_choice_prefers_main_then_the_title_block_then_density():
    nav = "<div class='x'>" + " ".join(f"<a href='/{i}'>Link {i}</a>" for i in range(40)) + "</div>"
    with_main = f"<html><body>{nav}<main><h1>T</h1><p>{FILLER}</p></main><div>Footer words here.</div></body></html>"
    assert "Link 3" not in normalize_html(with_main).markdown
    with_h1 = (f"<html><body>{nav}<div><div><h1>T</h1></div>"
               f"<div><p>{FILLER}</p><p>{FILLER}</p></div></div></body></html>")
    assert normalize_html(with_h1).markdown.startswith("# T\n") and "Link 3" not in normalize_html(with_h1).markdown
    bare = (f"<html><body>{nav}<div><div><p>{FILLER}</p><p>{FILLER}</p></div></div>"
            "<div><a href='/a'>About</a></div></body></html>")
    md = normalize_html(bare).markdown
    assert FILLER in md and "Link 3" not in md and "About" not in md


def test_a_wrapper_with_a_chrome_word_is_not_dropped():
    page = (f"<html><body><div class='content-sidebar-wrap'><h1>T</h1><p>{FILLER}</p>"
            "<div class='sidebar'>Ads</div></div></body></html>")
    md = normalize_html(page).markdown
    assert FILLER in md and "Ads" not in md
    form = (f"<html><body><form id='aspnetForm'><p>{FILLER}</p>"
            "<form class='search-form'>Find</form></form></body></html>")
    assert FILLER in normalize_html(form).markdown


def test_a_section_whose_id_reads_like_chrome_is_kept():
    page = (f"<html><body><main><h1>T</h1><section id='social-media'><h2 id='newsletter'>Newsletter</h2><p>{FILLER}</p>"
            "</section><div id='social-share'><a href='/fb'>Share</a></div></main></body></html>")
    doc = normalize_html(page)
    assert [s.heading for s in doc.sections] == ["T", "Newsletter"]
    assert "Share" not in doc.markdown


def test_configured_selectors_override_the_automatic_choice():
    page = f"<html><body><main><h1>T</h1><p>{FILLER}</p></main><div id='x'><p>Only this.</p></div></body></html>"
    assert normalize_html(page, Options(select=("#x",))).markdown == "Only this.\n"


def test_logo_h1_is_not_the_title():
    page = (f"<html><body><header><h1><a href='/'>Acme</a></h1><nav><a href='/p'>Pricing</a></nav></header>"
            f"<div><h1>Privacy</h1><p>{FILLER}</p></div></body></html>")
    doc = normalize_html(page)
    assert doc.title == "Privacy" and "Pricing" not in doc.markdown
    assert extract.title_h1(extract.etree.fromstring(page, extract.etree.HTMLParser())).text == "Privacy"


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_furniture_hyphenation_and_headings():
    para = ("Information about the extraordinarily comprehensive processing operations performed by our "
            "organisation is set out below for transparency. ") * 4
    blocks = ([("title", "Terms of Service"), ("h2", "1. Scope")] + [("p", para)] * 6
              + [("h2", "2. Liability"), ("p", para)])
    doc = normalize_pdf(build_pdf(blocks, header="ACME CONFIDENTIAL", footer="Page {page} of {pages}"))
    assert [(s.level, s.heading) for s in doc.sections] == [
        (1, "Terms of Service"), (2, "1. Scope"), (2, "2. Liability")]
    md = doc.markdown
    assert "ACME CONFIDENTIAL" not in md and "Page 1 of" not in md and "Page 2 of" not in md
    assert "extraordinarily comprehensive" in md and "-\n" not in md
    assert md.count(para.strip()) == 7


def test_pdf_without_typographic_cues_uses_words():
    body = "Customers may cancel at any time by writing to us at the address below. " * 3
    blocks = [("p", "1. CANCELLATION"), ("p", body), ("p", "2. REFUNDS"), ("p", body)]
    doc = normalize_pdf(build_pdf(blocks))
    assert [s.heading for s in doc.sections if s.level] == ["1. CANCELLATION", "2. REFUNDS"]


def test_pdf_garbage_is_an_extraction_error():
    from tracker.errors import ExtractionError

    with pytest.raises(ExtractionError):
        normalize_pdf(b"%PDF-1.4\nthis is not really a pdf")
