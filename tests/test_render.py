"""Renderers: every format from one ChangeSet; HTML never lets page text become markup."""

from __future__ import annotations

import difflib
import io
import json
import re
from html.parser import HTMLParser

import pytest
from rich.console import Console

from tracker.diff import diff_documents, judged
from tracker.model import Assessment, Document, Level, Reason
from tracker.render import FORMATS, render
from tracker.render.html import render_html
from tracker.render.markdown import render_markdown
from tracker.render.terminal import print_changeset, render_ansi, render_text
from tracker.render.unified import render_unified

OLD = """# Privacy Policy

Last updated: March 1, 2021

## How We Share Information

We will never sell your personal data to third parties.

## Cookies

We use cookies to remember your preferences on this site.

## Contact

Write to privacy@example.com.

## Rights

You may delete your data.
"""

NEW = """# Privacy Policy

Last updated: March 1, 2022

## Rights

You may delete your data.

## How We Share Information

We may sell your personal data to our partners.

## Cookies and Tracking

We use cookies to remember your preferences on this site.

## Children

We do not knowingly collect data from children.
"""

EVIL = "<script>alert(1)</script>"


@pytest.fixture()
def cs():
    return diff_documents(Document.from_markdown(OLD), Document.from_markdown(NEW))


@pytest.fixture()
def evil_cs():
    old = Document.from_markdown(f"# Policy {EVIL}\n\n## A {EVIL}\n\nHello <b>world</b> & friends.\n\n"
                                 f"## Gone\n\nRemoved {EVIL} here.\n")
    new = Document.from_markdown(f"# Policy {EVIL}\n\n## A {EVIL}\n\nHello <i>world</i> & {EVIL} friends.\n\n"
                                 f"## New <img src=x onerror=alert(1)>\n\nAdded \"quoted\" 'text' {EVIL}\n")
    cs = diff_documents(old, new)
    return judged(cs, Assessment(Level.MATERIAL, ("sharing",), (
        Reason(Level.MATERIAL, "sharing", "x", EVIL, EVIL, EVIL, EVIL),)))


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


@pytest.mark.parametrize("mode", ["inline", "side"])
def test_html_escapes_page_text(evil_cs, mode):
    page = render_html(evil_cs, mode=mode, title=f"T {EVIL}", old_label=EVIL, new_label="<b>new</b>")
    assert "<script" not in page.lower()
    assert "<img" not in page.lower() and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;" in page
    parser = TagCollector()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not any(name.startswith("on") for name, _ in parser.attrs)
    # no external assets
    assert not any(name in ("src", "href") for name, _ in parser.attrs)
    assert set(parser.tags) <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "p", "span",
                                "ul", "li", "strong", "em", "br", "del", "ins", "main", "section", "h2", "h3",
                                "div", "footer"}
    assert "<style>" in page and "@media print" in page


def test_html_shows_inline_changes(cs):
    page = render(cs, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert "<del>will never </del>" in page and "<ins>may </ins>" in page
    for badge in ("ADDED", "REMOVED", "MOVED", "RENAMED"):
        assert f"badge-{badge}" in page
    side = render(cs, "html", mode="side")
    assert '<div class="old">' in side and '<div class="new">' in side
    with pytest.raises(ValueError):
        render(cs, "html", mode="columns")


def test_text_marks_changes_without_colour(cs):
    out = render_text(cs, old_label="v1", new_label="v2")
    assert "\x1b[" not in out
    assert "v1 → v2" in out
    assert "~ We [-will never -]{+may +}sell your personal data to [-third parties-]{+our partners+}." in out
    assert "[MOVED]" in out and "[RENAMED]" in out and "[ADDED]" in out and "[REMOVED]" in out
    assert "renamed from “Cookies”" in out
    assert "+ We do not knowingly collect data from children." in out
    assert "- Write to privacy@example.com." in out


def test_terminal_colours_and_strike_on_a_terminal(cs):
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="truecolor", width=120)
    print_changeset(cs, console)
    out = buf.getvalue()
    assert "\x1b[" in out and "[-" not in out
    assert re.search(r"\x1b\[[0-9;]*9[;m][^\x1b]*will never", out)  # struck through
    ansi = render_ansi(cs)
    assert "\x1b[" in ansi


def test_terminal_plain_console_and_markup_in_text():
    old = Document.from_markdown("# T\n\nUse [bold]brackets[/bold] and [red]x[/red].\n")
    new = Document.from_markdown("# T\n\nUse [bold]brackets[/bold] and [blue]x[/blue].\n")
    cs = diff_documents(old, new)
    buf = io.StringIO()
    print_changeset(cs, Console(file=buf, force_terminal=False, width=200))
    out = buf.getvalue()
    assert "[bold]brackets[/bold]" in out  # shown literally, not interpreted
    assert "[-red-]{+blue+}" in out


def test_context_shows_neighbouring_unchanged_blocks():
    blocks = [f"Paragraph number {k} stays the same." for k in range(10)]
    old = Document.from_markdown("# T\n\n" + "\n\n".join(blocks))
    changed = list(blocks)
    changed[5] = "Paragraph number 5 was edited."
    cs = diff_documents(old, Document.from_markdown("# T\n\n" + "\n\n".join(changed)))
    out = render_text(cs, context=1)
    assert "Paragraph number 4 stays" in out and "Paragraph number 6 stays" in out
    assert "Paragraph number 2 stays" not in out and "⋯" in out


def test_markdown_strikes_and_bolds(cs):
    md = render_markdown(cs, title="Example Privacy", old_label="2021", new_label="2022")
    assert md.startswith("## Changes to Example Privacy")
    assert "We ~~will never~~ **may** sell your personal data to ~~third parties~~**our partners**." in md
    assert "**We do not knowingly collect data from children.**" in md
    assert "~~Write to privacy@example.com.~~" in md
    assert "`MOVED`" in md and "`RENAMED`" in md


def test_markdown_escapes_markers_inside_changes():
    old = Document.from_markdown("# T\n\nPrice is 5 * 2 dollars.\n")
    new = Document.from_markdown("# T\n\nPrice is 5 ** 3 ~~ dollars.\n")
    md = render_markdown(diff_documents(old, new))
    from markdown_it import MarkdownIt  # installed with rich

    html = MarkdownIt("commonmark").enable("strikethrough").render(md)
    (para,) = [line for line in html.splitlines() if line.startswith("<p>Price")]
    assert "<s>" in para and "<strong>" in para

    def view(drop: str, keep: str) -> str:
        text = re.sub(rf"<{drop}>.*?</{drop}>", "", para)
        text = re.sub(rf"</?{keep}>|</?p>", "", text)
        return "".join(text.split())  # whitespace next to a marker may be shared by both versions

    assert view("strong", "s") == "Priceis5*2dollars."  # a CommonMark reader sees both versions
    assert view("s", "strong") == "Priceis5**3~~dollars."


def test_unified_is_a_line_diff_of_the_markdown(cs):
    out = render(cs, "unified", old_label="a", new_label="b")
    expected = "".join(difflib.unified_diff(cs.old.markdown.splitlines(True), cs.new.markdown.splitlines(True),
                                            "a", "b"))
    assert out.splitlines()[:2] == ["--- a", "+++ b"]
    assert patch(cs.old.markdown, out) == cs.new.markdown
    assert patch(cs.old.markdown, expected) == cs.new.markdown  # the checker itself is sound
    assert len(out.splitlines()) <= len(expected.splitlines())  # never longer than difflib's
    assert render_unified(diff_documents(cs.old, cs.old)) == ""


def patch(text: str, udiff: str) -> str:
    """Apply a unified diff (as produced above) to ``text``."""
    src = text.splitlines(True)
    out, pos = [], 0
    lines = udiff.splitlines(True)[2:]
    k = 0
    while k < len(lines):
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", lines[k])
        assert m, lines[k]
        start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
        out += src[pos:start]
        pos = start
        k += 1
        while k < len(lines) and not lines[k].startswith("@@"):
            tag, body = lines[k][0], lines[k][1:]
            if tag in " -":
                assert src[pos] == body
                pos += 1
            if tag in " +":
                out.append(body)
            k += 1
    return "".join(out + src[pos:])


def test_registry_renders_every_format(cs):
    for fmt in FORMATS:
        out = render(cs, fmt, title="X", old_label="a", new_label="b")
        assert isinstance(out, str) and out
    assert json.loads(render(cs, "json")) == cs.to_json()
    with pytest.raises(ValueError):
        render(cs, "pdf")


def test_unchanged_documents_render_calmly():
    d = Document.from_markdown(OLD)
    cs = diff_documents(d, d)
    assert "No changes." in render(cs, "text")
    assert "No changes." in render(cs, "html")
    assert "No changes." in render(cs, "markdown")
    assert json.loads(render(cs, "json"))["sections"] == []


def test_materiality_reasons_are_shown(evil_cs):
    out = render(evil_cs, "text")
    assert "Materiality: material — " in out
    assert "\n  sharing (material)\n" in out
    md = render(evil_cs, "markdown")
    assert "**Materiality: material**" in md


def test_markdown_escapes_raw_html_from_the_page():
    from tracker.diff import diff_documents
    from tracker.model import Document
    from tracker.render.markdown import render_markdown

    old = Document.from_markdown("# T\n\nSafe text.")
    new = Document.from_markdown("# T\n\nSafe <script>alert(1)</script> text.")
    out = render_markdown(diff_documents(old, new), title="<b>Policy</b>")
    import re

    assert not re.search(r"(?<!\\)<", out)  # every "<" is backslash-escaped: no raw HTML
    assert "\\<script>" in out and "\\<b>Policy" in out
