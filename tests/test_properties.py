"""Properties of the pure core not covered elsewhere (tests/test_diff.py has diff(a, a) and block
accounting; tests/test_materiality.py has assess_text(a, a)): normalization is deterministic and
stable on its own re-rendered output, and the document-level verdict of (a, a) is none."""

from __future__ import annotations

import html as htmlmod
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_diff import doc_st
from tracker import changes
from tracker.model import Document
from tracker.normalize import normalize_html

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = ["we", "collect", "your", "personal", "data", "and", "share", "it", "with", "partners", "café", "Straße",
         "30", "days", "consent", "cookies", "rights", "never", "sell", "Example", "Inc", "policy", "the"]
# ways of writing the same words that normalization must fold
SPACES = [" ", "  ", "\n", "\t", " \n ", "\u00a0"]
INLINE = ["<b>{}</b>", "<em>{}</em>", "<span class='x'>{}</span>", "<a href='/x?utm_source=y'>{}</a>", "{}"]


@st.composite
def phrase(draw, min_size=3, max_size=14) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=min_size, max_size=max_size))
    out = ""
    for i, w in enumerate(words):
        if i:
            out += draw(st.sampled_from(SPACES))
        out += draw(st.sampled_from(INLINE)).format(htmlmod.escape(w))
    return out.replace("&#x27;", "'")


@st.composite
def block(draw) -> str:
    kind = draw(st.sampled_from(["p", "p", "p", "ul", "ol", "h2", "h3"]))
    if kind == "p":
        return f"<p>{draw(phrase())}</p>"
    if kind in ("h2", "h3"):
        return f"<{kind}>{draw(phrase(1, 4))}</{kind}>"
    items = draw(st.lists(phrase(), min_size=1, max_size=4))
    return f"<{kind}>" + "".join(f"<li>{i}</li>" for i in items) + f"</{kind}>"


@st.composite
def page(draw) -> str:
    body = "".join(draw(st.lists(block(), min_size=1, max_size=10)))
    return (f"<!doctype html><html><head><title>Privacy | Example</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/pricing'>Pricing</a></nav>"
            f"<main><h1>Privacy Policy</h1><p>{'We describe how we handle personal data here. ' * 3}</p>{body}</main>"
            f"<footer>© 2024 Example Inc.</footer></body></html>")


_HEADING = re.compile(r"^(#{1,6}) (.*)$")
_ITEM = re.compile(r"^( *)(?:([-*+])|(\d+)[.)]) (.*)$", re.S)


def render(markdown: str) -> str:
    """Canonical Markdown as the simplest HTML a site could serve for it. Numbering that does not
    continue ("1." after "1.") starts a new list, as the page it came from had one."""
    out: list[str] = []
    stack: list[list] = []  # open lists: [tag, next number]

    def close_lists(depth: int) -> None:
        while len(stack) > depth:
            out.append(f"</li></{stack.pop()[0]}>")

    for blk in re.split(r"\n\n+", markdown.strip()):
        item = _ITEM.match(blk)
        if item:
            depth = len(item.group(1)) // 2 + 1
            tag = "ul" if item.group(2) else "ol"
            number = int(item.group(3)) if item.group(3) else None
            close_lists(depth)
            if len(stack) == depth and (stack[-1][0] != tag or stack[-1][1] != number):
                close_lists(depth - 1)
            if len(stack) == depth:
                out.append("</li>")
            while len(stack) < depth:
                start = f" start='{number}'" if number is not None and len(stack) == depth - 1 else ""
                out.append(f"<{tag}{start}>")
                stack.append([tag, number])
            stack[-1][1] = number + 1 if number is not None else None
            out.append(f"<li>{htmlmod.escape(item.group(4))}")
            continue
        close_lists(0)
        m = _HEADING.match(blk)
        if m:
            level = len(m.group(1))
            out.append(f"<h{level}>{htmlmod.escape(m.group(2))}</h{level}>")
        else:
            out.append(f"<p>{htmlmod.escape(blk)}</p>")
    close_lists(0)
    return "<!doctype html><html><head><title>x</title></head><body><main>" + "\n".join(out) + "</main></body></html>"


@SETTINGS
@given(page())
def test_normalization_is_deterministic(html):
    first = normalize_html(html)
    assert normalize_html(html) == first
    assert normalize_html(html.encode("utf-8")).markdown == first.markdown
    assert Document.from_markdown(first.markdown, title=first.title).markdown == first.markdown


@SETTINGS
@given(page())
def test_normalization_is_stable_on_its_re_rendered_output(html):
    first = normalize_html(html).markdown
    again = normalize_html(render(first)).markdown
    assert again == first, f"\n--- first\n{first}\n--- again\n{again}"


@SETTINGS
@given(doc_st)
def test_document_verdict_of_a_document_with_itself_is_none(doc):
    changeset = changes.compare(doc, doc)
    assert changeset.changed is False and changeset.sections == ()
    verdict = changes.judge(doc, doc)
    assert verdict.level == "none" and verdict.assessment.level == "none" and verdict.assessment.reasons == ()
