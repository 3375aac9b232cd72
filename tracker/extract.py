"""Choosing the policy block of a page: drop chrome, apply selectors, find the block automatically.

Works on an lxml tree in place. Kept apart from the Markdown conversion because choosing the
block is the hard, heuristic part, and converting it is the easy, exact part.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from tracker.errors import ExtractionError

# Never policy text, wherever they stand.
DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "button", "input", "select", "textarea", "option", "dialog", "link", "meta", "img", "picture",
    "video", "audio", "source", "map",
)
# Page chrome by role; dropped unless they hold the page's h1.
CHROME_TAGS = ("nav", "header", "footer", "aside", "form")
CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "dialog", "alertdialog", "complementary"}
HIDDEN_CLASSES = {
    "hidden", "sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "element-invisible",
    "d-none", "invisible", "u-hidden", "is-hidden", "a11y-hidden", "offscreen",
}
# id/class words that mark banners, consent dialogs, share bars, promos and the like.
CHROME_WORDS = re.compile(
    r"(?:^|[-_\s])(?:cookie-?(?:banner|consent|notice|bar|popup|law)|cookieconsent|onetrust|cookiebot|"
    r"cc-(?:window|banner)|consent-(?:banner|manager)|gdpr-banner|newsletter|subscribe|social|share-?(?:bar|buttons|links)?|"
    r"breadcrumbs?|skip-?link|back-?to-?top|related(?:-(?:articles|posts|content))?|announcement|promo|"
    r"cta|call-?to-?action|sidebar|site-?(?:header|footer)|navbar|menu|mega-?menu|toc-toggle|feedback|"
    r"was-?this-?helpful|chat-?widget|app-?banner)(?:$|[-_\s])",
    re.I,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_ACCORDION = re.compile(r"collaps|accordion|panel|tab-?pane|expand|toggle|disclosure", re.I)


@lru_cache(maxsize=256)
def compile_selector(css: str) -> CSSSelector:
    try:
        return CSSSelector(css, translator="html")
    except Exception as exc:  # cssselect raises several classes for bad input
        raise ExtractionError(f"invalid CSS selector {css!r}: {exc}", kind="bad_selector") from exc


def words(el: HtmlElement) -> int:
    return len(" ".join(el.itertext()).split())


def _remove(el: HtmlElement) -> None:
    """Remove an element but keep its tail text, which belongs to the parent's flow."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _toggled_ids(root: HtmlElement) -> set[str]:
    """Ids of panels that some control expands: collapsed accordion content is policy text."""
    ids: set[str] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("aria-controls", "data-target", "data-bs-target"):
            value = el.get(attr)
            if value:
                ids.update(v.lstrip("#") for v in value.split())
    return ids


def _is_hidden(el: HtmlElement, toggled: set[str]) -> bool:
    classes = set((el.get("class") or "").split())
    if classes & HIDDEN_CLASSES:
        return True
    hidden = el.get("hidden") is not None or el.get("aria-hidden") == "true" or bool(
        _HIDDEN_STYLE.search(el.get("style") or "")
    )
    if not hidden:
        return False
    # Collapsed accordions and <details> bodies are hidden only until a click: keep them.
    if el.get("id") in toggled or _ACCORDION.search(el.get("class") or ""):
        return False
    return not any(a.tag == "details" for a in el.iterancestors())


def strip_chrome(root: HtmlElement) -> None:
    """Drop scripts, hidden elements, navigation, banners and footers (not the h1's containers)."""
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove(el)
    for el in list(root.iter(*DROP_TAGS)):
        _remove(el)
    toggled = _toggled_ids(root)
    doomed: list[HtmlElement] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body"):
            continue
        ident = " ".join(filter(None, (el.get("id"), el.get("class"))))
        if (
            _is_hidden(el, toggled)
            or el.tag in CHROME_TAGS
            or el.get("role") in CHROME_ROLES
            or el.get("aria-modal") == "true"
            or (ident and CHROME_WORDS.search(ident))
        ):
            doomed.append(el)
    doomed_set = set(doomed)
    for el in doomed:
        if any(a in doomed_set for a in el.iterancestors()):
            continue  # its ancestor goes anyway
        if el.tag != "form" and next(el.iter("h1"), None) is not None and not _is_hidden(el, toggled):
            continue  # a header or banner that carries the title is part of the document
        _remove(el)


def apply_selectors(root: HtmlElement, select: tuple[str, ...], remove: tuple[str, ...]) -> HtmlElement:
    """`remove` first, then `select`; a `select` that matches nothing is an extraction error."""
    for css in remove:
        for el in compile_selector(css)(root):
            _remove(el)
    if not select:
        return root
    picked: list[HtmlElement] = []
    for css in select:
        matches = compile_selector(css)(root)
        if not matches:
            raise ExtractionError(f"selector {css!r} matched nothing on the page", kind="selector_miss")
        picked.extend(matches)
    # Document order, and no element twice (a match inside another match is already included).
    chosen = set(picked)
    ordered = [el for el in root.iter() if el in chosen and not any(a in chosen for a in el.iterancestors())]
    if len(ordered) == 1:
        return ordered[0]
    wrapper = etree.Element("div")
    for el in ordered:
        el.tail = None
        wrapper.append(el)  # moves it: the tree is ours to consume
    return wrapper


def choose_block(root: HtmlElement) -> HtmlElement:
    """The element holding the policy: main/article, else the h1's block, else the densest block."""
    body = root.find("body")
    if body is None:
        body = root
    total = words(body)
    if total == 0:
        return body
    h1 = next((h for h in body.iter("h1") if " ".join(h.itertext()).strip()), None)

    candidates = [el for el in body.iter("main", "article") if isinstance(el.tag, str)]
    candidates += [el for el in body.iter() if isinstance(el.tag, str) and el.get("role") == "main"]
    best = max(candidates, key=words, default=None)
    if best is not None and words(best) >= 0.5 * total:
        return _widen_to_title(best, h1)

    if h1 is not None:
        for anc in h1.iterancestors():
            if words(anc) >= 0.5 * total:
                return anc

    return _densest(body) or body


def _widen_to_title(block: HtmlElement, h1: HtmlElement | None) -> HtmlElement:
    """Include a title that sits just outside the chosen block (a hero banner before <main>)."""
    if h1 is None or any(a is block for a in h1.iterancestors()):
        return block
    block_words = words(block)
    for anc in block.iterancestors():
        if any(a is anc for a in h1.iterancestors()):
            return anc if words(anc) - block_words <= 0.15 * block_words + 20 else block
    return block


def _densest(body: HtmlElement) -> HtmlElement | None:
    """Readability-style: paragraphs vote for their parent (and half for the grandparent)."""
    scores: dict[HtmlElement, float] = {}
    for p in body.iter("p", "li", "td", "pre", "blockquote"):
        n = words(p)
        if n < 5:
            continue
        parent = p.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + n
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + n / 2
    if not scores:
        return None
    return max(scores, key=scores.get)
