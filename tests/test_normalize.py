"""Normalization of the real seed page and of small pages: the policy text, nothing else."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from tests.conftest import DEMO, SEED
from tracker.cli import cli
from tracker.errors import ExtractionError
from tracker.normalize import Options, normalize_html, normalize_text

SEED_H2 = [
    "Collection of Personal and Other Information", "How Information is Collected and Used",
    "Opt-Out, Unsubscribe, Browser Controls, and Do-Not-Track", "Use, Disclosure and Sharing of Information",
    "Privacy Shield", "Data Processing and Cross-Border Transfer of Information", "Third-Party Websites",
    "Plex Community and Public Forums", "Security", "Retention of Information",
    "Your Rights Relating to Your Personal Data", "Children", "Contact Us", "Changes to this Privacy Statement",
    "Additional Disclosures for California Residents", "Additional Disclosures for Canadian Residents",
]
SEED_H4 = [
    "Personal Data We Collect", "Other Information We Collect", "Cookies and Other Automated Interactions",
    "Use of Your Information", "Disclosure and Sharing Your Information", "Your Rights", "Exercising Your Rights",
    "Email, Marketing and Telemarketing Communication Preferences",
]
# Text from the page's menus, announcement bar, call to action and footer.
CHROME = [
    "Log In", "Now Available!", "Ready to start solving problems", "Choose Your Role", "Knowledge Articles",
    "All rights reserved", "Plex Manufacturing Cloud", "Plex Classic", "Industries", "Services & Support",
    "What is Smart Supply Chain Management?", "Search",
]


@pytest.fixture(scope="module")
def seed_doc():
    return normalize_html(SEED.read_bytes())


def test_seed_title_and_last_updated_line(seed_doc):
    assert seed_doc.title == "Privacy Policy"
    first = seed_doc.sections[0]
    assert (first.heading, first.level) == ("Privacy Policy", 1)
    assert first.blocks[0] == "Last Updated: March 17, 2021"  # a date line, without the hidden "Description"


def test_seed_has_all_24_body_headings_in_order(seed_doc):
    body = [(s.level, s.heading) for s in seed_doc.sections if s.level > 1]
    assert [h for lvl, h in body if lvl == 2] == SEED_H2
    assert [h for lvl, h in body if lvl == 4] == SEED_H4
    assert len(body) == 24
    # document order interleaves them: the first h4 comes right after the first h2
    assert body[:3] == [(2, SEED_H2[0]), (4, SEED_H4[0]), (4, SEED_H4[1])]


def test_seed_heading_paths(seed_doc):
    by_heading = {s.heading: s for s in seed_doc.sections}
    assert by_heading["Cookies and Other Automated Interactions"].path == (
        "Privacy Policy", "How Information is Collected and Used", "Cookies and Other Automated Interactions")
    assert by_heading["Children"].path == ("Privacy Policy", "Children")


def test_seed_keeps_every_list_item(seed_doc):
    tree = lxml_html.fromstring(SEED.read_bytes())
    block = tree.get_element_by_id("block-plex-content")
    expected = []
    for li in block.iter("li"):
        depth = sum(1 for a in li.iterancestors() if a.tag in ("ul", "ol")) - 1
        own = lxml_html.fromstring(lxml_html.tostring(li))
        for nested in own.findall(".//ul") + own.findall(".//ol"):
            nested.getparent().remove(nested)
        expected.append("  " * depth + "- " + " ".join("".join(own.itertext()).split()))
    assert len(expected) == 61
    blocks = [b for s in seed_doc.sections for b in s.blocks]
    assert [b for b in blocks if b.lstrip().startswith("- ")] == expected


@pytest.mark.parametrize("phrase", CHROME)
def test_seed_has_no_chrome(seed_doc, phrase):
    assert phrase not in seed_doc.markdown


def test_seed_whitespace_is_folded(seed_doc):
    md = seed_doc.markdown
    assert "\u00a0" not in md and "  " not in md.replace("\n  ", "\n")
    assert "Use, Disclosure and Sharing of Information" in md


def test_normalization_is_deterministic_and_round_trips(seed_doc):
    again = normalize_html(SEED.read_bytes())
    assert again.markdown == seed_doc.markdown
    from tracker.model import Document

    assert Document.from_markdown(seed_doc.markdown).markdown == seed_doc.markdown


def test_noisy_twin_of_seed_is_identical(seed_doc):
    noisy = normalize_html((DEMO / "plex-privacy-policy-v1-noisy.html").read_bytes())
    assert noisy.digest == seed_doc.digest


def test_select_and_remove():
    page = """<html><body><div id="a"><h1>Terms</h1><p class="ad">Buy now</p><p>Keep this text.</p></div>
    <div id="b"><p>Other block</p></div></body></html>"""
    doc = normalize_html(page, Options(select=("#a",), remove=(".ad",)))
    assert doc.markdown == "# Terms\n\nKeep this text.\n"


def test_select_matching_nothing_is_an_error():
    with pytest.raises(ExtractionError) as err:
        normalize_html("<html><body><p>text</p></body></html>", Options(select=("#missing",)))
    assert err.value.kind == "selector_miss"


def test_lists_tables_and_nesting():
    page = """<html><body><main><h1>P</h1><ol><li>One<ul><li>Sub a</li><li>Sub b</li></ul></li><li>Two</li></ol>
    <table><tr><th>Kind</th><th>Kept</th></tr><tr><td>Logs</td><td>30 days</td></tr></table></main></body></html>"""
    doc = normalize_html(page)
    assert doc.sections[0].blocks == ("1. One", "  - Sub a", "  - Sub b", "2. Two",
                                      "| Kind | Kept |\n| --- | --- |\n| Logs | 30 days |")


def test_inline_markup_does_not_split_words():
    doc = normalize_html("<html><body><main><h1>P</h1><p>Pri<b>vacy</b> <a href='/x?utm_source=y'>matters</a>"
                         "\u200b.</p></main></body></html>")
    assert doc.sections[0].blocks == ("Privacy matters.",)


def test_plain_text_and_markdown_documents():
    doc = normalize_text("# Terms\n\nFirst  paragraph\u00a0here.\n\n## Fees\n\n* one\n* two\n")
    assert [s.heading for s in doc.sections] == ["Terms", "Fees"]
    assert doc.sections[1].blocks == ("- one", "- two")


def test_normalize_command_json_shape():
    result = CliRunner().invoke(cli, ["normalize", str(SEED), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"title", "digest", "markdown", "sections", "coverage"}
    assert set(data["sections"][0]) == {"heading", "level", "path", "text"}
    assert len(data["digest"]) == 64
    coverage = data["coverage"]
    assert set(coverage) == {"kept_words", "page_words", "dropped"}
    assert 0.85 * coverage["page_words"] < coverage["kept_words"] <= coverage["page_words"]
    assert {d["reason"] for d in coverage["dropped"]} == {"chrome"}  # the seed's footer, header and banner
    assert all(set(d) == {"reason", "words", "path", "sample"} and d["words"] >= 20 for d in coverage["dropped"])


def test_normalize_command_preamble_section_and_selectors(tmp_path):
    page = tmp_path / "p.html"
    body = " ".join(["These terms apply to every use of the service and to every account."] * 5)
    page.write_text(f"<html><body><div class='x'><p>Intro text.</p><h2>Scope</h2><p>{body}</p>"
                    "<p class='drop'>Noise</p></div></body></html>")
    result = CliRunner().invoke(cli, ["normalize", str(page), "--select", ".x", "--remove", ".drop",
                                      "--format", "json"])
    data = json.loads(result.stdout)
    assert data["sections"][0] == {"heading": "", "level": 0, "path": [], "text": "Intro text."}
    assert "Noise" not in data["markdown"]


def test_normalize_command_missing_file_exits_2(tmp_path):  # bad usage (issue 17 item 12)
    result = CliRunner().invoke(cli, ["normalize", str(tmp_path / "nope.html")])
    assert result.exit_code == 2
    assert "nope.html" in result.stderr
