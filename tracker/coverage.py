"""What normalization kept of a page, and what it dropped and why: every loss is visible.

Extraction drops menus, banners and hidden labels on purpose; when it drops policy text by
mistake, the only trace is a text that is shorter than it should be. The ledger records each
dropped block of some size with its reason, a short CSS path and a sample, so `normalize --explain`
and `validate` can show it and `check` can notice when the kept share of a page falls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from lxml import etree
from lxml.etree import _Element as HtmlElement

from tracker.errors import ExtractionError

if TYPE_CHECKING:
    from tracker.jsontypes import CoverageJSON, DroppedJSON
from tracker.folding import fold

MIN_BLOCK_WORDS = 20  # dropped blocks smaller than this are counted, not listed
MIN_KEPT_WORDS = 50  # fewer words than this is not a policy (the config's `min_words` default)
SAMPLE_WORDS = 14


class Reason(StrEnum):
    HIDDEN = "hidden"
    CHROME = "chrome"
    OUTSIDE = "outside-block"
    SELECTOR = "removed-by-selector"


@dataclass(frozen=True)
class Dropped:
    reason: Reason
    words: int
    path: str
    sample: str

    def to_json(self) -> DroppedJSON:
        return {"reason": self.reason.value, "words": self.words, "path": self.path, "sample": self.sample}


@dataclass(frozen=True)
class Coverage:
    kept_words: int
    page_words: int
    dropped: tuple[Dropped, ...] = ()

    @property
    def share(self) -> float:
        """Kept words over the words of the page body (1.0 for a page with no body text)."""
        return min(1.0, self.kept_words / self.page_words) if self.page_words else 1.0

    def to_json(self) -> CoverageJSON:
        return {"kept_words": self.kept_words, "page_words": self.page_words,
                "dropped": [d.to_json() for d in self.dropped]}

    def lines(self) -> list[str]:
        """For people: one line per dropped block, largest first."""
        out = [f"kept {self.kept_words} of {self.page_words} words ({self.share:.0%})"]
        for d in sorted(self.dropped, key=lambda d: -d.words):
            out.append(f"  dropped {d.words:>5} words  {d.reason.value:<19} {d.path}  “{d.sample}”")
        return out


@dataclass
class Ledger:
    """Collects the drops while a page is being reduced (mutable; lives for one normalization)."""

    page_words: int = 0
    dropped: list[Dropped] = field(default_factory=list)

    def drop(self, el: HtmlElement, reason: Reason, n: int | None = None) -> None:
        """Record `el` (call before removing it: its path needs its ancestors)."""
        if n is None:
            n = count_words(el)
        if n >= MIN_BLOCK_WORDS:
            self.dropped.append(Dropped(reason, n, css_path(el), sample(el)))

    def coverage(self, kept_words: int) -> Coverage:
        return Coverage(kept_words, max(self.page_words, kept_words), tuple(self.dropped))


def element_text(el: HtmlElement) -> str:
    """An element's text, serialised by libxml2 (much faster than joining itertext())."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def count_words(el: HtmlElement) -> int:
    return len(element_text(el).split())


def css_path(el: HtmlElement, depth: int = 3) -> str:
    """A short path a person can paste into a `remove` selector: up to `depth` steps, stopping at an id."""
    steps: list[str] = []
    node: HtmlElement | None = el
    while node is not None and len(steps) < depth and isinstance(node.tag, str):
        step = node.tag
        ident = node.get("id")
        if ident and " " not in ident:
            steps.append(f"{step}#{ident}")
            break
        classes = (node.get("class") or "").split()
        if classes:
            step += "." + classes[0]
        steps.append(step)
        if node.tag == "body":
            break
        node = node.getparent()
    return " > ".join(reversed(steps))


def sample(el: HtmlElement) -> str:
    text = fold(" ".join(etree.tostring(el, method="text", encoding=str, with_tail=False).split()[:SAMPLE_WORDS + 1]))
    parts = text.split()
    return " ".join(parts[:SAMPLE_WORDS]) + (" …" if len(parts) > SAMPLE_WORDS else "")


def require_text(doc_words: int, coverage: Coverage, min_words: int = MIN_KEPT_WORDS) -> None:
    """An empty or implausibly short extraction is an error, never an empty success."""
    if doc_words == 0:
        raise ExtractionError(f"extraction kept no text of a page of {coverage.page_words} words "
                              f"({_biggest(coverage)})",
                              kind="empty")
    if doc_words < min_words:
        raise ExtractionError(f"extracted text is implausibly short ({doc_words} words, minimum {min_words}; "
                              f"the page has {coverage.page_words}; {_biggest(coverage)})", kind="too_short")


def _biggest(coverage: Coverage) -> str:
    if not coverage.dropped:
        return "nothing large was dropped: check the selectors or whether the page needs a browser"
    d = max(coverage.dropped, key=lambda d: d.words)
    return f"largest drop: {d.words} words {d.reason.value} at {d.path}"


SHARE_FALL = 0.6  # the kept share fell below this fraction of the previous version's share...
KEPT_FALL = 0.8  # ...and the kept words below this fraction of the previous version's


def share_drop(previous: tuple[int, int] | None, now: Coverage) -> str | None:
    """A sharp fall in the share of the page kept, against the previous version: the site changed
    its markup and the chosen block shrank, or a part of the policy is newly hidden.

    `previous` is (kept_words, page_words) of the previous version, None when it was not recorded.
    """
    if previous is None:
        return None
    kept, page = previous
    if not page or kept < MIN_KEPT_WORDS:
        return None
    before = min(1.0, kept / page)
    if now.share < SHARE_FALL * before and now.kept_words < KEPT_FALL * kept:
        largest = max(now.dropped, key=lambda d: d.words, default=None)
        where = f"; largest drop: {largest.words} words {largest.reason.value} at {largest.path}" if largest else ""
        return (f"kept share of the page fell from {before:.0%} ({kept} of {page} words) to {now.share:.0%} "
                f"({now.kept_words} of {now.page_words}){where}")
    return None
