"""Choosing the policy block of a page: drop chrome, apply selectors, find the block automatically.

Works on an lxml tree in place. Kept apart from the Markdown conversion because choosing the
block is the hard, heuristic part, and converting it is the easy, exact part.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.etree import _Element as HtmlElement

from tracker.errors import ExtractionError

# Never policy text, wherever they stand.
DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "button", "input", "select", "textarea", "option", "dialog", "link", "meta", "img", "picture",
    "video", "audio", "source", "map",
)
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Page chrome by role; dropped unless they hold the page's title or most of its words.
CHROME_TAGS = ("nav", "header", "footer", "aside", "form")
CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "dialog", "alertdialog", "complementary"}
# Labels for screen readers only: never visible, never part of the text a reader sees.
SR_ONLY_CLASSES = {
    "sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "screen-reader-only", "element-invisible",
    "offscreen", "a11y-hidden", "assistive-text", "show-for-sr", "sr-text", "u-visually-hidden", "vh",
}
_SR_ONLY = re.compile(r"(?:^|[-_\s])(?:sr-only|visually-?hidden|screen-?reader|assistive-text|show-for-sr)"
                      r"(?:$|[-_\s])", re.I)
# Hidden until a script shows them: dropped, unless an accordion control toggles them.
HIDDEN_CLASSES = {"hidden", "d-none", "invisible", "u-hidden", "is-hidden", "hide", "js-hidden", "display-none"}
# id/class words that mark banners, consent dialogs, share bars, promos, comments and the like.
CHROME_WORDS = re.compile(
    r"(?:^|[-_\s])(?:cookie-?(?:banner|consent|notice|bar|popup|law|law-info-bar|yes)|cookieconsent|onetrust|"
    r"cookiebot|cky-consent|cmplz|didomi|truste-?banner|qc-cmp\w*|usercentrics|osano|"
    r"cc-(?:window|banner)|consent-(?:banner|manager|modal)|gdpr-banner|newsletter|subscribe|social|"
    r"share-?(?:bar|buttons|links)?|sharedaddy|breadcrumbs?|skip-?link|back-?to-?top|"
    r"related(?:-(?:articles|posts|content|links))?|recent-(?:articles|posts|activity)|announcement|promo|"
    r"cta|call-?to-?action|sidebar|widget-?area|widget|site-?(?:header|footer|nav)|footer|navbar|menu|"
    r"mega-?menu|toc-toggle|feedback|was-?this-?helpful|helpful|article-?votes?|chat-?widget|app-?banner|"
    r"comments?|comments?-(?:area|list|section)|comment-respond|respond|(?:article|entry|post)-(?:meta|author|"
    r"footer|relatives|subscribe|sidebar|nav|navigation|tags)|post-navigation|nav-links|pagination|"
    r"author-?bio|byline|print-?(?:button|link)|search-?(?:box|form|bar))(?:$|[-_\s])",
    re.I,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SR_STYLE = re.compile(r"clip\s*:\s*rect\(\s*(?:0|1px)|left\s*:\s*-\d{4,}px", re.I)
_ACCORDION = re.compile(r"collaps|accordion|panel|tab-?pane|expand|toggle|disclosure", re.I)


@lru_cache(maxsize=256)
def compile_selector(css: str) -> CSSSelector:
    try:
        return CSSSelector(css, translator="html")
    except Exception as exc:  # cssselect raises several classes for bad input
        raise ExtractionError(f"invalid CSS selector {css!r}: {exc}", kind="bad_selector") from exc


def words(el: HtmlElement) -> int:
    """Words of an element's text (serialised by libxml2: much faster than joining itertext())."""
    return len(etree.tostring(el, method="text", encoding=str, with_tail=False).split())


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


def link_words(el: HtmlElement) -> int:
    return sum(words(a) for a in el.iter("a"))


_CONTROLS = etree.XPath("//@aria-controls | //@data-target | //@data-bs-target")
_TOGGLE_HREFS = etree.XPath("//*[@data-toggle or @data-bs-toggle]/@href")


def _toggled_ids(root: HtmlElement) -> set[str]:
    """Ids of panels that some control expands: collapsed accordion content is policy text."""
    ids: set[str] = set()
    for value in _CONTROLS(root):
        ids.update(v.lstrip("#") for v in value.split())
    for value in _TOGGLE_HREFS(root):
        ids.add(value.lstrip("#"))
    return ids


def _is_hidden(el: HtmlElement, toggled: set[str]) -> bool:
    cls = el.get("class") or ""
    if cls:
        names = set(cls.split())
        if names & SR_ONLY_CLASSES or _SR_ONLY.search(cls):
            return True  # a screen-reader label ("Description", "opens in a new tab"): never on screen
    style = el.get("style") or ""
    if style and _SR_STYLE.search(style):
        return True
    hidden = (
        (cls and bool(set(cls.split()) & HIDDEN_CLASSES))
        or el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or bool(style and _HIDDEN_STYLE.search(style))
    )
    if not hidden:
        return False
    # Collapsed accordions and <details> bodies are hidden only until a click: keep them.
    if el.get("id") in toggled or _ACCORDION.search(cls):
        return False
    return not any(a.tag == "details" for a in el.iterancestors())


def title_h1(root: HtmlElement) -> HtmlElement | None:
    """The h1 that titles the page: the first with text that is not just a link (a logo)."""
    first = None
    for h in root.iter("h1"):
        text = " ".join(h.itertext()).split()
        if not text:
            continue
        if first is None:
            first = h
        links = list(h.iter("a"))
        if not links or sum(words(a) for a in links) < len(text):
            return h
    return first


def _unwrap(el: HtmlElement) -> None:
    """Replace an element by its content (text and children)."""
    parent = el.getparent()
    if parent is None:
        return
    idx = parent.index(el)
    text = (el.text or "")
    prev = el.getprevious()
    if text:
        if prev is not None:
            prev.tail = (prev.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
    children = list(el)
    tail = el.tail or ""
    parent.remove(el)
    for offset, child in enumerate(children):
        parent.insert(idx + offset, child)
    if tail:
        if children:
            children[-1].tail = (children[-1].tail or "") + tail
        else:
            prev = parent[idx - 1] if idx > 0 else None
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail


def _looks_like_chrome(el: HtmlElement) -> bool:
    ident = " ".join(filter(None, (el.get("id"), el.get("class"))))
    return (
        el.tag in CHROME_TAGS
        or el.get("role") in CHROME_ROLES
        or bool(ident and CHROME_WORDS.search(ident))
    )


def _keep_accordion_triggers(root: HtmlElement) -> None:
    """A button that titles a heading or opens a policy panel carries words of the policy."""
    by_id: dict[str, HtmlElement] | None = None
    for button in list(root.iter("button")):
        if any(a.tag in HEADING_TAGS or a.tag == "summary" for a in button.iterancestors()):
            _unwrap(button)
            continue
        target = button.get("aria-controls") or button.get("data-bs-target") or button.get("data-target")
        if not target or len(" ".join(button.itertext()).split()) > 20:
            continue
        if by_id is None:
            by_id = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
        panel = by_id.get(target.split()[0].lstrip("#"))
        if panel is None or _looks_like_chrome(panel):
            continue
        n = words(panel)
        if n >= 10 and link_words(panel) < 0.5 * n:
            _unwrap(button)


def _marked(root: HtmlElement) -> list[HtmlElement]:
    """Only elements with attributes or a chrome tag can be chrome or hidden (a fast pre-filter)."""
    return [e for e in root.iter() if e.tag.__class__ is str and (e.keys() or e.tag in CHROME_TAGS)]


def strip_chrome(root: HtmlElement) -> None:
    """Drop scripts, hidden elements, navigation, banners and footers (not what holds the title)."""
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove(el)
    toggled = _toggled_ids(root)  # before the controls (buttons) go
    if next(root.iter("button"), None) is not None:
        _keep_accordion_triggers(root)
    for el in list(root.iter(*DROP_TAGS)):
        _remove(el)
    doomed: list[tuple[HtmlElement, str]] = []
    for el in _marked(root):
        tag = el.tag
        if tag in ("html", "body"):
            continue
        if _is_hidden(el, toggled):
            doomed.append((el, "hidden"))
        elif tag in CHROME_TAGS or el.get("role") in CHROME_ROLES or el.get("aria-modal") == "true":
            doomed.append((el, "role"))
        else:
            cls = el.get("class")
            if cls and CHROME_WORDS.search(cls):
                doomed.append((el, "class"))
            else:
                ident = el.get("id")
                if ident and tag not in HEADING_TAGS and CHROME_WORDS.search(ident):
                    doomed.append((el, "id"))
    if not doomed:
        return
    title = title_h1(root)
    body = root.find("body") if root.tag == "html" else root
    total = words(body if body is not None else root)
    removed: set[HtmlElement] = set()
    for el, why in doomed:
        if any(a in removed for a in el.iterancestors()):
            continue  # its ancestor went already
        if why != "hidden":
            if title is not None and any(a is el for a in title.iterancestors()):
                if el.tag != "form" or words(el) >= 0.5 * total:
                    continue  # a header or banner that carries the title is part of the document
            n = words(el)
            if total and n >= 0.5 * total:
                continue  # a wrapper (an ASP.NET form, "content-sidebar-wrap") around the policy
            if why == "id" and n >= 40 and next(el.iter(*HEADING_TAGS), None) is not None and link_words(el) < 0.3 * n:
                continue  # a policy section whose anchor id happens to read "social-media" or "newsletter"
            if why == "role" and el.tag == "header" and _section_header(el):
                continue  # <section><header><h2>Cookies</h2></header>…: a heading, not page chrome
        removed.add(el)
        _remove(el)


def _section_header(el: HtmlElement) -> bool:
    if next(el.iter("h2", "h3", "h4", "h5", "h6"), None) is None:
        return False
    return any(a.tag in ("article", "section", "main") for a in el.iterancestors())


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
    """The element holding the policy, on a page already stripped of chrome.

    In order: the largest main/article/role=main holding at least half the page's words (widened
    to a title just outside it); else the nearest block around the title h1 holding at least half;
    else the smallest block holding most of the page's prose (text outside links, by density).
    """
    body = root.find("body")
    if body is None:
        body = root
    total = words(body)
    if total == 0:
        return body
    h1 = title_h1(body)

    candidates = list(body.iter("main", "article"))
    candidates += body.xpath(".//*[@role='main' or @itemprop='articleBody']")
    best, best_words = None, 0
    for el in candidates:
        n = words(el)
        if n > best_words:
            best, best_words = el, n
    if best is not None and best_words >= 0.5 * total:
        return _widen_to_title(best, h1)

    if h1 is not None:
        for anc in h1.iterancestors():
            if words(anc) >= 0.5 * total:
                return anc

    return _densest(body)


def _widen_to_title(block: HtmlElement, h1: HtmlElement | None) -> HtmlElement:
    """Include a title that sits just outside the chosen block (a hero banner before <main>)."""
    if h1 is None or any(a is block for a in h1.iterancestors()):
        return block
    block_words = words(block)
    for anc in block.iterancestors():
        if any(a is anc for a in h1.iterancestors()):
            return anc if words(anc) - block_words <= 0.15 * block_words + 20 else block
    return block


def _densest(body: HtmlElement, share: float = 0.7) -> HtmlElement:
    """The smallest element holding `share` of the page's prose, counting words outside links.

    Link text (menus, footers, "related" lists) does not vote, so a block of paragraphs wins over
    the page around it even when nothing in the markup names it.
    """
    weight: dict[HtmlElement, int] = {}

    def score(el: HtmlElement, in_link: bool) -> int:
        in_link = in_link or el.tag == "a"
        own = 0 if in_link else len((el.text or "").split())
        for child in el:
            if isinstance(child.tag, str):
                own += score(child, in_link)
            if child.tail and not in_link:
                own += len(child.tail.split())
        weight[el] = own
        return own

    total = score(body, False)
    if total == 0:
        return body
    node = body
    while True:
        nxt = next((c for c in node if isinstance(c.tag, str) and weight.get(c, 0) >= share * total), None)
        if nxt is None or any(_holds_title(sib) for sib in nxt.itersiblings(preceding=True)):
            return node  # stop above a block whose title stands just before it
        node = nxt


_BOLDISH = re.compile(r"(?:^|\s)(?:font-(?:bold|semibold|extrabold)|fw-bold|bold|title|heading)", re.I)


def _holds_title(el: HtmlElement) -> bool:
    """A heading, or short bold text that is not a link: what a page without h1 uses as its title."""
    if not isinstance(el.tag, str):
        return False
    if next(el.iter(*HEADING_TAGS), None) is not None:
        return True
    for e in el.iter():
        if e.tag in ("b", "strong") or _BOLDISH.search(e.get("class") or ""):
            if not any(a.tag == "a" for a in e.iterancestors()) and e.tag != "a" and 0 < words(e) <= 15:
                return True
    return False
