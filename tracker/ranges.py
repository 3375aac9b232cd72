"""Range selectors: the part of a page between a start point and an end point, in document order.

Open Terms Archive declares some documents as a range instead of an element:
`{"startBefore": CSS, "endBefore": CSS}` (or startAfter / endAfter), because the policy is a run
of siblings with no element of its own. The semantics are the DOM Range's that OTA's engine uses:
the first element matching each CSS selector gives the point (before or after it); `select`
keeps what lies between the points (partly covered ancestors keep their tags and only the covered
content), `remove` deletes it. A start or end selector that matches nothing, or an end that comes
before the start, is an error: never silently the whole page or nothing.

Pure: works on lxml trees. Boundaries are marked by inserting empty marker elements, which turns
"a point between two text nodes" into an element lxml can walk to.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml.etree import _Element as HtmlElement

from tracker.coverage import count_words
from tracker.errors import ExtractionError

KEYS = ("startBefore", "startAfter", "endBefore", "endAfter")
_MARK = "tracker-range-point"  # not an HTML tag: no page has one


@dataclass(frozen=True)
class RangeSelector:
    """From the first element matching ``start`` (before it, or after it) to the first matching
    ``end`` (before or after it)."""

    start: str
    end: str
    start_after: bool = False  # startAfter (else startBefore)
    end_before: bool = False  # endBefore (else endAfter)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RangeSelector:
        """OTA's object form; ValueError says what is wrong with it."""
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(map(repr, unknown))} in a range selector "
                             f"(use {', '.join(KEYS)})")
        starts = [k for k in ("startBefore", "startAfter") if k in data]
        ends = [k for k in ("endBefore", "endAfter") if k in data]
        if len(starts) != 1 or len(ends) != 1:
            raise ValueError("a range selector needs exactly one of startBefore/startAfter and exactly one of "
                             f"endBefore/endAfter, got {', '.join(data) or 'no keys'}")
        start, end = data[starts[0]], data[ends[0]]
        for key, value in ((starts[0], start), (ends[0], end)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{key}: {value!r} is not a CSS selector")
        return cls(start.strip(), end.strip(), start_after=starts[0] == "startAfter",
                   end_before=ends[0] == "endBefore")

    def to_json(self) -> dict[str, str]:
        """OTA's object form (also how the config and the stored selectors write it)."""
        return {"startAfter" if self.start_after else "startBefore": self.start,
                "endBefore" if self.end_before else "endAfter": self.end}

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}: {v!r}" for k, v in self.to_json().items()) + "}"


Selector = str | RangeSelector


def selector_json(selector: Selector) -> str | dict[str, str]:
    return selector.to_json() if isinstance(selector, RangeSelector) else selector


def _first(root: HtmlElement, css: str, which: str, rng: RangeSelector) -> HtmlElement:
    from tracker.extract import compile_selector

    for el in compile_selector(css)(root):
        return el
    raise ExtractionError(f"range selector {rng}: the {which} selector {css!r} matched nothing on the page",
                          kind="selector_miss")


def _mark_before(el: HtmlElement) -> HtmlElement:
    mark = etree.Element(_MARK)
    el.addprevious(mark)  # the text before el stays before the mark
    return mark


def _mark_after(el: HtmlElement) -> HtmlElement:
    mark = etree.Element(_MARK)
    mark.tail, el.tail = el.tail, None  # the text after el comes after the mark
    el.addnext(mark)
    return mark


def find(root: HtmlElement, rng: RangeSelector) -> tuple[HtmlElement, HtmlElement]:
    """The range's start and end elements (the first match of each), or an error naming the one
    that matched nothing."""
    start, end = _first(root, rng.start, "start", rng), _first(root, rng.end, "end", rng)
    if start is root or end is root:
        raise ExtractionError(f"range selector {rng}: a range point cannot be the whole document", kind="selector_miss")
    return start, end


def place(root: HtmlElement, found: list[tuple[RangeSelector, HtmlElement, HtmlElement]]
          ) -> list[tuple[HtmlElement, HtmlElement]]:
    """Marker elements at each range's start and end points. Every element is found before any
    mark goes in, so a mark never changes what a selector (`:first-child`...) matches."""
    marks = []
    for rng, start, end in found:
        first = _mark_after(start) if rng.start_after else _mark_before(start)
        last = _mark_before(end) if rng.end_before else _mark_after(end)
        marks.append((first, last))
    order = {el: i for i, el in enumerate(root.iter(_MARK))}
    for (rng, _, _), (first, last) in zip(found, marks, strict=True):
        if order[first] > order[last]:
            raise ExtractionError(f"range selector {rng}: the end point comes before the start point on the page",
                                  kind="selector_miss")
    return marks


def _branches(first: HtmlElement, last: HtmlElement) -> tuple[HtmlElement, list[HtmlElement], list[HtmlElement]]:
    """The deepest common ancestor, and the chains from each mark up to (not including) it."""
    up_last = [last, *last.iterancestors()]
    on_last = set(up_last)
    chain_first = [first]
    for a in first.iterancestors():
        if a in on_last:
            return a, chain_first, up_last[: up_last.index(a)]
        chain_first.append(a)
    raise ExtractionError("range points are in different trees", kind="unparseable")  # not reachable from one page


def _drop_all(els: list[HtmlElement]) -> None:
    for el in els:
        el.getparent().remove(el)


def cut_between(first: HtmlElement, last: HtmlElement) -> None:
    """Delete everything between two marks in place (DOM Range.deleteContents); the marks stay."""
    common, up_first, up_last = _branches(first, last)
    a1, a2 = up_first[-1], up_last[-1]
    for x in up_first[:-1]:  # inside the start's branch: what follows the mark
        x.tail = None
        _drop_all(list(x.itersiblings()))
    a1.tail = None
    _drop_all(list(a1.itersiblings())[: common.index(a2) - common.index(a1) - 1])
    for x in up_last[:-1]:  # inside the end's branch: what precedes the mark
        x.getparent().text = None
        _drop_all(list(x.itersiblings(preceding=True)))


def keep_between(first: HtmlElement, last: HtmlElement) -> HtmlElement:
    """What lies between two marks (DOM Range.cloneContents on a tree that is ours to consume), in
    a <div>: partly covered elements keep their tags and only their covered content."""
    from tracker.extract import drop_element

    common, up_first, up_last = _branches(first, last)
    a1, a2 = up_first[-1], up_last[-1]
    for x in up_first[:-1]:  # inside the start's branch: drop what precedes the mark
        x.getparent().text = None
        _drop_all(list(x.itersiblings(preceding=True)))
    for x in up_last[:-1]:  # inside the end's branch: drop what follows the mark
        x.tail = None
        _drop_all(list(x.itersiblings()))
    a2.tail = None
    common.text = None
    _drop_all(list(a1.itersiblings(preceding=True)))
    _drop_all(list(a2.itersiblings()))
    drop_element(first)
    drop_element(last)
    holder = etree.Element("div")
    holder.text = common.text
    for el in list(common):
        holder.append(el)
    return holder


def select_range(root: HtmlElement, rng: RangeSelector) -> HtmlElement:
    """The range's content in a <div>, cut from a copy of the page (the page stays as it was)."""
    page = copy.deepcopy(root)
    start, end = find(page, rng)
    [(first, last)] = place(page, [(rng, start, end)])
    return keep_between(first, last)


def hoist_marks(el: HtmlElement) -> None:
    """Before ``el`` is deleted: range points inside it move to where it stands (as a DOM Range's do)."""
    for mark in list(el.iter(_MARK)):
        mark.tail = None
        el.addprevious(mark)


def cut_ranges(root: HtmlElement, marks: list[tuple[HtmlElement, HtmlElement]]) -> int:
    """Delete each marked range in place, then the marks; the words deleted. A point of another
    range inside a deleted one moves to the deletion point."""
    from tracker.extract import drop_element

    before = count_words(root)
    for first, last in marks:
        inside = _marks_between(root, first, last)
        cut_between(first, last)
        for mark in reversed(inside):
            mark.tail = None
            first.addnext(mark)
    for first, last in marks:
        drop_element(first)
        drop_element(last)
    return before - count_words(root)


def _marks_between(root: HtmlElement, first: HtmlElement, last: HtmlElement) -> list[HtmlElement]:
    inside: list[HtmlElement] = []
    within = False
    for mark in root.iter(_MARK):
        if mark is first:
            within = True
        elif mark is last:
            break
        elif within:
            inside.append(mark)
    return inside


