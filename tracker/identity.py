"""Is this new text still the policy? Document identity against the policy's history.

Real histories (Open Terms Archive) show pages that are not the policy served at the policy's URL
for hours or days: a jurisdiction index, a help centre, a "not available in your location" stub, a
cookie or login wall, "We're all mixed up… Refresh this page". A second fetch agrees with the
first, so refetching alone cannot keep them out; compared with the real policy they come out
material with dozens of reasons. A genuine rewrite of the same policy keeps its vocabulary (the
same phrases: "personal information", "third parties", "your account"); these pages do not.

Pure: documents in, a verdict with its evidence out.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from tracker.model import Document

# Phrases that mark a page as something other than a policy. They count in the title and headings,
# or anywhere on a page that is short (a stub) — never in the body of a long page, where a policy
# may well say "you can manage your cookie preferences".
PATTERNS: dict[str, re.Pattern[str]] = {
    "geo_stub": re.compile(
        r"\b(?:is|are)n'?t (?:currently )?available in your (?:country|region|location|area)|"
        r"\bnot (?:currently )?available in your (?:country|region|location|area)|"
        r"\b(?:choose|select|pick) your (?:country|region|location|language)|"
        r"\bplease (?:choose|select) (?:a|your) (?:country|region|location)", re.IGNORECASE),
    "error_page": re.compile(
        r"\bwe'?re all mixed up|\brefresh (?:this|the) page|\btry reloading|\breload (?:this )?page|"
        r"\bpage (?:isn'?t|is not) available (?:right now|at the moment)|\bwe'?ll be right back|"
        r"\bcheck back (?:in a little while|later|soon)|\btemporarily (?:blocked|unavailable)|"
        r"\bsomething went wrong|\bwe can'?t find the page|\bpage (?:was )?not found|"
        r"\bif this page does not redirect|\bunexpected error", re.IGNORECASE),
    "consent_wall": re.compile(
        r"\b(?:accept|allow) (?:all )?cookies\b|\bonly allow essential cookies|"
        r"\b(?:accept|allow) (?:the use of )?cookies from .{1,40} on this browser|"
        r"\bbefore you continue to\b", re.IGNORECASE),
    "login_wall": re.compile(
        r"\byou must log ?in to continue|\b(?:log|sign) ?in to (?:continue|view|access)|"
        r"\bplease (?:log|sign) ?in\b|\bforgot(?:ten)? (?:your )?(?:account|password)\?", re.IGNORECASE),
    "help_page": re.compile(
        r"\bfaqs?\b|\bfrequently asked questions|\bhelp (?:center|centre)\b|\bprivacy (?:center|centre|hub)\b|"
        r"\bsupport (?:center|centre)\b|\bhow can we help\b", re.IGNORECASE),
}
SHORT_PAGE_WORDS = 300

_WORD = re.compile(r"[^\W\d_]{2,}")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")

# Thresholds, measured on real histories (tests/identity/README.md gives the figures).
RESEMBLES = 0.35   # this share of the old word pairs retained: the same text, whatever else
UNLIKE = 0.12      # less retained than this, and no title or headings shared: another document
FOREIGN = 0.3      # less of the new text's vocabulary known than this: another language or document
HUB_ITEMS = 5      # a hub page lists at least this many short items...
HUB_SHARE = 0.6    # ...which make up at least this share of its blocks


@dataclass(frozen=True)
class Figures:
    """How much of the policy's history the new text shares."""

    title_overlap: float    # Jaccard of the title words (0.0 when either has none)
    heading_overlap: float  # share of the smaller heading set found (fuzzily) in the other
    length_ratio: float     # new words / old words
    vocabulary: float       # share of the new text's words the old text uses too (low: another language)
    retained: float         # share of the old text's word pairs found in the new text (the decisive figure)

    def to_json(self) -> dict:
        return {k: round(v, 3) for k, v in self.__dict__.items()}

    def describe(self) -> str:
        return (f"title overlap {self.title_overlap:.2f}, heading overlap {self.heading_overlap:.2f}, "
                f"length ratio {self.length_ratio:.2f}, vocabulary {self.vocabulary:.2f}, "
                f"phrases retained {self.retained:.2f}")


@dataclass(frozen=True)
class Identity:
    """The verdict: is the new text the policy, and why (or why not)."""

    is_policy: bool
    signals: tuple[str, ...] = ()        # hub_page, help_page, geo_stub, consent_wall, login_wall, ...
    evidence: tuple[str, ...] = ()       # the words that matched, one per signal
    figures: Figures | None = None

    @property
    def reason(self) -> str:
        """One line for the fetch log, `tracker status` and the operator alert."""
        if self.is_policy:
            return "the text is still the policy"
        found = "; ".join(f"{s} ({e})" if e else s for s, e in zip(self.signals, self.evidence, strict=False))
        figures = f"; {self.figures.describe()}" if self.figures else ""
        return f"this is not the policy: {found}{figures}"

    def to_json(self) -> dict:
        return {"is_policy": self.is_policy, "signals": list(self.signals), "evidence": list(self.evidence),
                "figures": self.figures.to_json() if self.figures else None}


def _fold(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return text.lower()


def _words(text: str) -> list[str]:
    return _WORD.findall(_fold(text))


def _plain_blocks(doc: Document) -> list[str]:
    return [b for s in doc.sections for b in s.blocks]


def _headings(doc: Document) -> list[str]:
    return [_fold(s.heading).strip() for s in doc.sections if s.level and s.heading.strip()]


def _jaccard(a: set[str], b: set[str]) -> float:
    """0.0 when either side is empty: no title is no evidence of the same document."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _heading_overlap(old: list[str], new: list[str]) -> float:
    if not old or not new:
        return 1.0 if not old and not new else 0.0
    small, large = (old, new) if len(old) <= len(new) else (new, old)
    small_set, large_set = set(small), set(large)
    exact = small_set & large_set
    rest = list(large_set - exact)
    fuzzy = sum(1 for h in small_set - exact
                if rest and process.extractOne(h, rest, scorer=fuzz.token_set_ratio, score_cutoff=85))
    return (len(exact) + fuzzy) / len(small_set)


def figures(old: Document, new: Document) -> Figures:
    ow, nw = _words(old.markdown), _words(new.markdown)
    old_vocab = set(ow)
    vocabulary = sum(1 for w in nw if w in old_vocab) / len(nw) if nw else 0.0
    old_pairs = Counter(itertools.pairwise(ow))  # a multiset: "of the" counts as often as the new text has it
    retained = sum((old_pairs & Counter(itertools.pairwise(nw))).values()) / (len(ow) - 1) if len(ow) > 1 else 1.0
    return Figures(
        title_overlap=_jaccard(set(_words(old.title)), set(_words(new.title))),
        heading_overlap=_heading_overlap(_headings(old), _headings(new)),
        length_ratio=len(nw) / len(ow) if ow else 1.0,
        vocabulary=vocabulary,
        retained=retained,
    )


def _clip(text: str, width: int = 100) -> str:
    """Page words quoted as evidence: one line, printable, short."""
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _pattern_signals(doc: Document) -> list[tuple[str, str]]:
    """Known non-policy pages, by their words (title and headings; the whole text of a short page)."""
    head = "\n".join([doc.title] + [s.heading for s in doc.sections])
    short = doc.word_count < SHORT_PAGE_WORDS
    text = _fold(head + ("\n" + doc.markdown if short else ""))
    found = []
    for name, pattern in PATTERNS.items():
        m = pattern.search(text)
        if m:
            found.append((name, _clip(m.group(0))))
    found += _structure_signals(doc)
    return found


def _structure_signals(doc: Document) -> list[tuple[str, str]]:
    """A hub is a list of short items (a jurisdiction index, a legal hub, a language chooser)."""
    blocks = _plain_blocks(doc)
    short_items = [b for b in blocks if len(b.split()) <= 8 and not b.rstrip().endswith((".", ":", ";"))]
    prose = sum(len(b.split()) for b in blocks if len(b.split()) > 20)
    if len(short_items) >= HUB_ITEMS and len(short_items) >= HUB_SHARE * len(blocks) and prose < 150:
        sample = _clip(", ".join(_ITEM.sub("", b).strip() for b in short_items[:3]), 80)
        return [("hub_page", f"{len(short_items)} of {len(blocks)} blocks are short items: {sample}, …")]
    return []


def identify(new: Document, history: Sequence[Document]) -> Identity:
    """Judge `new` against the policy's stored versions (latest first; empty: nothing to judge by).

    Not the policy when the text keeps little of any stored version and either a known non-policy
    pattern is found that the policy did not have, or its words are mostly unknown to the policy
    (another language), or it shares neither phrases nor headings with it, and neither its title nor
    its size."""
    if not history:
        return Identity(True)
    best = max((figures(old, new) for old in history), key=lambda f: f.retained)
    if best.retained >= RESEMBLES:
        return Identity(True, figures=best)
    before = {name for old in history for name, _ in _pattern_signals(old)}
    patterns = [(name, words) for name, words in _pattern_signals(new) if name not in before]  # new ones only
    if patterns:
        names, words = zip(*patterns, strict=False)
        return Identity(False, tuple(names), tuple(words), best)
    if best.vocabulary < FOREIGN:
        return Identity(False, ("foreign_vocabulary",), ("most of its words never occur in the policy",), best)
    if best.retained < UNLIKE and best.heading_overlap < 0.5 and (best.title_overlap < 0.5 or best.length_ratio < 0.25):
        return Identity(False, ("unlike_history",), ("shares almost no phrases, title or headings",), best)
    return Identity(True, figures=best)
