"""Which element of a page holds the policy, when no selector says so; and what it leaves out.

The block is chosen for its prose: main/article when they hold most of the words, else the block
around the title, else the smallest element holding most of the text outside links. Sibling
sections built like the chosen one (a policy split over several `div.section`) are kept with it.
"""

from __future__ import annotations

import copy
import re

from lxml import etree
from lxml.etree import _Element as HtmlElement

from tracker import ranges
from tracker.coverage import MIN_BLOCK_WORDS, Dropped, Ledger, Reason
from tracker.errors import ExtractionError
from tracker.extract import (
    HEADING_TAGS,
    compile_selector,
    drop_element,
    link_words,
    title_h1,
    words,
)
from tracker.ranges import RangeSelector, Selector


def apply_selectors(root: HtmlElement, select: tuple[Selector, ...], remove: tuple[Selector, ...],
                    ledger: Ledger | None = None) -> HtmlElement:
    """`remove` first, then `select`; a `select` that matches nothing is an extraction error.

    A range selector (tracker.ranges) in `remove` deletes its part of the page; in `select` it
    keeps it. Every point and match is found on the page as it came (as OTA's engine does)."""
    ledger = ledger if ledger is not None else Ledger()
    if remove or select:
        body = root.find("body")
        ledger.page_words = visible_words(body if body is not None else root)
    # every element is found on the page as it came, before anything is marked or removed
    found = [(rng, *ranges.find(root, rng)) for rng in remove if isinstance(rng, RangeSelector)]
    doomed = [el for css in remove if not isinstance(css, RangeSelector) for el in compile_selector(css)(root)]
    marks = ranges.place(root, found)
    removed: set[HtmlElement] = set()
    for el in doomed:
        if el.getparent() is None or any(a in removed for a in el.iterancestors()):
            continue  # inside something removed already (or the whole page)
        ledger.drop(el, Reason.SELECTOR)
        if marks:
            ranges.hoist_marks(el)
        drop_element(el)
        removed.add(el)
    if marks:
        gone = ranges.cut_ranges(root, marks)
        if gone >= MIN_BLOCK_WORDS:
            where = ", ".join(str(r) for r in remove if isinstance(r, RangeSelector))
            ledger.dropped.append(Dropped(Reason.SELECTOR, gone, where, ""))
    if not select:
        return root
    if any(isinstance(s, RangeSelector) for s in select):
        return _select_with_ranges(root, select)
    picked: list[HtmlElement] = []
    for css in select:
        assert isinstance(css, str)
        matches = compile_selector(css)(root)
        if not matches:
            raise ExtractionError(f"selector {css!r} matched nothing on the page", kind="selector_miss")
        picked.extend(matches)
    # Document order, and no element twice (a match inside another match is already included).
    chosen = set(picked)
    ordered = [el for el in root.iter() if el in chosen and not any(a in chosen for a in el.iterancestors())]
    record_outside(root, ordered, ledger)
    if len(ordered) == 1:
        return ordered[0]
    wrapper = etree.Element("div")
    for el in ordered:
        el.tail = None
        wrapper.append(el)  # moves it: the tree is ours to consume
    return wrapper


def _select_with_ranges(root: HtmlElement, select: tuple[Selector, ...]) -> HtmlElement:
    """Each selector's part of the page, in the order the selectors are written (OTA's order), each
    cut from the page as it is after `remove` (a range and an element may overlap: both are kept)."""
    wrapper = etree.Element("div")
    for item in select:
        if isinstance(item, RangeSelector):
            wrapper.append(ranges.select_range(root, item))
            continue
        matches = compile_selector(item)(root)
        if not matches:
            raise ExtractionError(f"selector {item!r} matched nothing on the page", kind="selector_miss")
        for el in matches:
            part = copy.deepcopy(el)
            part.tail = None
            wrapper.append(part)
    return wrapper


_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "head", "title", "meta", "link")


def visible_words(el: HtmlElement) -> int:
    """Words of an element without those of scripts, styles and other text nobody reads."""
    n = words(el)
    for inner in el.iter(*_INVISIBLE_TAGS):
        if not any(a.tag in _INVISIBLE_TAGS for a in inner.iterancestors()):
            n -= words(inner)
    return max(n, 0)


def record_outside(root: HtmlElement, kept: list[HtmlElement], ledger: Ledger) -> None:
    """Record the blocks of text around the kept elements (what the block choice left out)."""
    if not kept:
        return
    body = root.find("body") if root.tag == "html" else root
    if body is None:
        return
    keep = set(kept)
    on_path: set[HtmlElement] = set()
    for el in kept:
        on_path.update(el.iterancestors())

    def walk(node: HtmlElement) -> None:
        for child in node:
            if not isinstance(child.tag, str) or child in keep:
                continue
            if child in on_path:
                walk(child)
            elif child.tag not in _INVISIBLE_TAGS:
                ledger.drop(child, Reason.OUTSIDE)

    if body in keep:
        return
    walk(body)


def choose_block(root: HtmlElement, ledger: Ledger | None = None) -> HtmlElement:
    """The element holding the policy, on a page already stripped of chrome; what it leaves out
    goes into the ledger as `outside-block`."""
    block = _choose_block(root)
    block = _with_sibling_sections(block, ledger)
    if ledger is not None:
        record_outside(root, [block], ledger)
    return block


def _with_sibling_sections(block: HtmlElement, ledger: Ledger | None) -> HtmlElement:
    """A policy split over sibling sections built alike (`div.section` twice, the second holding
    "How to contact us") is one block: widen to their parent, dropping the other children."""
    node = block
    while node.getparent() is not None and node.tag != "body":
        cls = node.get("class")
        parent = node.getparent()
        if cls:
            alike = [s for s in parent if s is not node and s.tag == node.tag and s.get("class") == cls
                     and _is_prose_section(s)]
            if alike:
                keep = {node, *alike}
                for child in list(parent):
                    if isinstance(child.tag, str) and child not in keep:
                        if ledger is not None:
                            ledger.drop(child, Reason.OUTSIDE)
                        drop_element(child)
                return parent
        node = parent
    return block


def _is_prose_section(el: HtmlElement) -> bool:
    n = words(el)
    if n < 20 or link_words(el) >= 0.3 * n:
        return False
    return next(el.iter(*HEADING_TAGS, "p"), None) is not None


def _choose_block(root: HtmlElement) -> HtmlElement:
    """In order: the largest main/article/role=main holding at least half the page's words (widened
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


_BOLDISH = re.compile(r"(?:^|\s)(?:font-(?:bold|semibold|extrabold)|fw-bold|bold|title|heading)", re.IGNORECASE)


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
