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

from tracker.coverage import Ledger, Reason, count_words, element_text
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
                      r"(?:$|[-_\s])", re.IGNORECASE)
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
    re.IGNORECASE,
)
# Hidden at some screen widths (Tailwind "lg:hidden", Bootstrap "d-md-none", "hidden-xs"): the
# same rules as hidden, so a mobile-only menu goes and text shown on one width stays.
_RESPONSIVE_HIDDEN = re.compile(r"(?:^|\s)(?:[\w-]+:hidden|hidden-(?:xs|sm|md|lg|xl)\w*|d-(?:sm|md|lg|xl|xxl)-none|"
                                r"hide-for-[\w-]+|visible-(?:xs|sm|md|lg)\w*)(?=$|\s)")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SR_STYLE = re.compile(r"clip\s*:\s*rect\(\s*(?:0|1px)|left\s*:\s*-\d{4,}px", re.IGNORECASE)
_ACCORDION = re.compile(r"collaps|accordion|panel|tab-?pane|expand|toggle|disclosure", re.IGNORECASE)
# Hidden overlays: chrome whatever they hold (a cookie preference centre, a mobile menu drawer).
_OVERLAY = re.compile(r"modal|popup|pop-up|dialog|drawer|offcanvas|off-canvas|dropdown|tooltip|popover|overlay|"
                      r"flyout|lightbox|toast|snackbar", re.IGNORECASE)
# Class words that name chrome whatever the box holds; the other CHROME_WORDS ("widget", "sidebar",
# "social", "cta"...) are also how CMSs name ordinary content modules, so prose under them stays.
_STRONG_CHROME = re.compile(
    r"(?:^|[-_\s])(?:cookie|consent|onetrust|cookiebot|didomi|usercentrics|gdpr-banner|cc-window|newsletter|"
    r"breadcrumbs?|comments?|comment-respond|related|recent-|share|sharedaddy|site-?(?:header|footer|nav)|footer|"
    r"navbar|menu|mega-?menu|skip-?link|back-?to-?top|pagination|nav-links|post-navigation|byline|author-?bio|"
    r"search-?(?:box|form|bar)|app-?banner|chat-?widget|was-?this-?helpful|article-?votes?)",
    re.IGNORECASE,
)
_INLINE_CONTROLS = {"a", "button", "span", "label", "i", "em", "strong", "b"}
_BLOCKISH = {"p", "div", "ul", "ol", "li", "table", "section", "h2", "h3", "h4", "h5", "h6"}
# Hidden content with at least this many words, mostly not links, is prose waiting for a click.
HIDDEN_PROSE_WORDS = 12


@lru_cache(maxsize=256)
def compile_selector(css: str) -> CSSSelector:
    try:
        return CSSSelector(css, translator="html")
    except Exception as exc:  # cssselect raises several classes for bad input
        raise ExtractionError(f"invalid CSS selector {css!r}: {exc}", kind="bad_selector") from exc


words = count_words  # the words of an element's text


def drop_element(el: HtmlElement) -> None:
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


def _add_toggled(elements, ids: set[str]) -> None:
    """Ids of panels that some control expands: collapsed accordion content is policy text."""
    for el in elements:
        attrib = el.attrib
        for name in ("aria-controls", "data-target", "data-bs-target"):
            value = attrib.get(name)
            if value:
                ids.update(v.lstrip("#") for v in value.split())
        if ("data-toggle" in attrib or "data-bs-toggle" in attrib) and attrib.get("href"):
            ids.add(attrib["href"].lstrip("#"))


def _classify(el: HtmlElement) -> str | None:
    """"label", "hidden", a chrome kind ("role", "class", "id") or None: one pass over the attributes
    (this runs for every element that has any)."""
    attrib = el.attrib
    cls = attrib.get("class")
    style = attrib.get("style")
    names: set[str] = set()
    if cls:
        names = set(cls.split())
        if not names.isdisjoint(SR_ONLY_CLASSES) or _SR_ONLY.search(cls):
            return "label"
    if style and _SR_STYLE.search(style):
        return "label"
    if ((cls and (not names.isdisjoint(HIDDEN_CLASSES)
                  or (":" in cls or "-" in cls) and _RESPONSIVE_HIDDEN.search(cls)))
            or "hidden" in attrib or (style and _HIDDEN_STYLE.search(style))):
        return "hidden"
    kind = _chrome_kind(el)
    if kind is None and attrib.get("aria-hidden") == "true":
        return "aria-hidden"  # on screen, but maybe an icon or an arrow
    return kind


def _opens_on_click(el: HtmlElement, toggled: set[str]) -> bool:
    """Collapsed accordions, tabs and <details> bodies are hidden only until a click."""
    if el.get("id") in toggled:
        return True
    if _ACCORDION.search(el.get("class") or ""):
        # a panel, not the control that opens it (a hidden "View Summary" link of class "collapse-btn")
        return el.tag not in _INLINE_CONTROLS or any(c.tag in _BLOCKISH for c in el.iter())
    return any(a.tag == "details" for a in el.iterancestors())


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
        if panel is None or _chrome_kind(panel) == "role" or _STRONG_CHROME.search(_ident(panel)):
            continue
        n = words(panel)
        if n >= 10 and link_words(panel) < 0.5 * n:
            _unwrap(button)


def _marked(root: HtmlElement) -> list[HtmlElement]:
    """Only elements with attributes or a chrome tag can be chrome or hidden (a fast pre-filter)."""
    return [e for e in root.iter() if e.tag.__class__ is str and (e.keys() or e.tag in CHROME_TAGS)]


def _chrome_kind(el: HtmlElement) -> str | None:
    """Why an element looks like page chrome: its tag or role, a class word or an id word."""
    tag = el.tag
    if tag in CHROME_TAGS or el.get("role") in CHROME_ROLES or el.get("aria-modal") == "true":
        return "role"
    cls = el.get("class")
    if cls and CHROME_WORDS.search(cls):
        return "class"
    ident = el.get("id")
    if ident and tag not in HEADING_TAGS and CHROME_WORDS.search(ident):
        return "id"
    return None


def _ident(el: HtmlElement) -> str:
    return " ".join(filter(None, (el.get("id"), el.get("class"))))


def _in_labelled_control(el: HtmlElement) -> bool:
    """Inside a link or button whose aria-label names it: the hidden text is what the eye reads."""
    for depth, a in enumerate(el.iterancestors()):
        if a.tag in ("a", "button") or a.get("role") in ("link", "button"):
            return bool(a.get("aria-label"))
        if depth >= 6:
            break
    return False


def _side_menu(el: HtmlElement) -> bool:
    """A navigation sidebar that happens to hold the page's only h1 (the name of a site section)."""
    if el.tag not in ("aside", "nav") and el.get("role") not in ("navigation", "complementary"):
        return False
    n = words(el)
    return n > 0 and link_words(el) >= 0.5 * n


def _holds_prose(el: HtmlElement, n: int) -> bool:
    """Sections of text, not a box of links: a heading or paragraphs, and few words in links."""
    if link_words(el) >= 0.3 * n:
        return False
    return next(el.iter(*HEADING_TAGS, "dt", "summary"), None) is not None or len(el.findall(".//p")) >= 2


def squashed(el: HtmlElement) -> str:
    """An element's text with its whitespace squashed to single spaces."""
    return " ".join(element_text(el).split())


def strip_chrome(root: HtmlElement, ledger: Ledger | None = None) -> None:
    """Drop scripts, hidden labels and hidden chrome, navigation, banners and footers.

    Hidden content that carries prose (a collapsed "Learn more" block, a tab, the aria-hidden
    wrapper of a page behind an open dialog) is kept: hiding is a matter of a click, not of
    what the text is. What holds the title or most of the page's words is never chrome.
    """
    ledger = ledger if ledger is not None else Ledger()
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        drop_element(el)
    toggled: set[str] = set()
    buttons = list(root.iter("button"))
    if buttons:
        _add_toggled(buttons, toggled)  # before the controls go
        _keep_accordion_triggers(root)
    for el in list(root.iter(*DROP_TAGS)):
        if el.tag == "select":
            _keep_loose_text(el)
        drop_element(el)
    body = root.find("body") if root.tag == "html" else root
    if body is None:
        body = root
    total = words(body)
    if not ledger.page_words:
        ledger.page_words = total
    doomed: list[tuple[HtmlElement, str]] = []
    marked = _marked(root)
    _add_toggled(marked, toggled)  # links and other controls (only elements with attributes can be)
    for el in marked:
        if el.tag in ("html", "body"):
            continue
        why = _classify(el)
        if why:
            doomed.append((el, why))
    if not doomed:
        return
    title = title_h1(root)
    removed: set[HtmlElement] = set()
    visible: str | None = None
    for el, why in doomed:
        if any(a in removed for a in el.iterancestors()):
            continue  # its ancestor went already
        n: int | None = None
        reason = Reason.CHROME
        if why in ("label", "hidden", "aria-hidden"):
            reason = Reason.HIDDEN
        if why == "aria-hidden":
            if _in_labelled_control(el):
                continue  # a link card's visible text, hidden from screen readers that read the label instead
            why = "hidden"  # else as hidden: a wrapper of prose stays, a toast or an icon goes
        if why == "hidden":
            if _opens_on_click(el, toggled):
                continue
            n = words(el)
            if n >= HIDDEN_PROSE_WORDS:
                kind = _chrome_kind(el)
                if kind is None and _OVERLAY.search(" ".join(filter(None, (el.get("id"), el.get("class"))))):
                    kind = "class"
                if kind is None:
                    if link_words(el) < 0.5 * n:
                        if visible is None:
                            visible = squashed(body)
                        text = squashed(el)
                        if visible.count(text) < 2:
                            continue  # prose waiting for a click (and not a copy of visible text): keep
                        visible = visible.replace(text, "", 1)  # the other copy is now the only one
                else:
                    why = kind  # hidden chrome: judged as chrome below
        if why not in ("label", "hidden"):
            if title is not None and any(a is el for a in title.iterancestors()) and not _side_menu(el):
                if el.tag != "form" or words(el) >= 0.5 * total:
                    continue  # a header or banner that carries the title is part of the document
            n = words(el) if n is None else n
            if total and n >= 0.5 * total:
                continue  # a wrapper (an ASP.NET form, "content-sidebar-wrap") around the policy
            if (why == "id" or why == "class" and not _STRONG_CHROME.search(el.get("class") or "")) \
                    and n >= 40 and _holds_prose(el, n):
                continue  # a policy section whose id reads "social-media", a CMS module "hs_cos_wrapper_widget"
            if why == "role" and el.tag == "header" and _section_header(el):
                continue  # <section><header><h2>Cookies</h2></header>…: a heading, not page chrome
        ledger.drop(el, reason, n)
        removed.add(el)
        drop_element(el)


def _keep_loose_text(select: HtmlElement) -> None:
    """Text written straight into a <select> (not in an <option>) is on screen: keep it as text."""
    loose = [t for t in [select.text, *(c.tail for c in select)] if t and t.strip()]
    if loose:
        select.tail = " " + " ".join(loose) + " " + (select.tail or "")


def _section_header(el: HtmlElement) -> bool:
    if next(el.iter("h2", "h3", "h4", "h5", "h6"), None) is None:
        return False
    return any(a.tag in ("article", "section", "main") for a in el.iterancestors())
