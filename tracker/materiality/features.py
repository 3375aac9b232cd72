"""What one side of a change says: sentences, clauses, and which rule entries it mentions where.

A mention is positive (an assertion: "we collect X") or negative (inside a negated clause:
"we do not collect X"). Signals compare these between the old and the new side.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from .rules import Entry, Rules
from .text import Clause, analysis_text, clauses_of, sentence_key, split_sentences

_SEP = " ;\n; "
_COUNTY = re.compile(r"\b((?:[A-Z][a-z]+\s+){1,3})County\b")
_LEADING = {"the", "this", "these", "our", "your", "any", "each", "we", "if", "when", "a", "an",
            "all", "and", "or", "by", "of", "with", "from", "to", "at", "in", "contact", "is"}
_STOP = {"that", "this", "with", "from", "your", "have", "will", "which", "their", "there",
         "they", "them", "these", "those", "about", "into", "such", "other", "when", "where",
         "what", "also", "more", "than", "been", "were", "would", "could", "should", "shall",
         "our", "you", "may", "can", "for", "and", "the", "any", "all", "not", "are", "its"}


@dataclass(frozen=True)
class Mention:
    entry: Entry
    clause: Clause
    span: tuple[int, int]     # within clause.low


@dataclass
class Side:
    raw: str
    rules: Rules
    text: str = ""
    sentences: list[str] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.text = analysis_text(self.raw, self.rules)
        self.sentences = split_sentences(self.text)
        self.clauses = [c for i, s in enumerate(self.sentences) for c in clauses_of(s, i, self.rules)]

    @cached_property
    def low(self) -> str:
        return " ".join(self.sentences).lower()

    @cached_property
    def keys(self) -> set[str]:
        return {sentence_key(s) for s in self.sentences}

    @cached_property
    def stems(self) -> set[str]:
        return {w[:5] for w in re.findall(r"[a-z]{3,}", self.low)}

    # -- mentions ------------------------------------------------------------------------------
    def mentions(self, entries: tuple[Entry, ...]) -> tuple[dict[str, Mention], dict[str, Mention]]:
        """(positive, negative): entry name -> first mention in a plain / a negated clause."""
        cache = self.__dict__.setdefault("_mention_cache", {})
        if id(entries) in cache:
            return cache[id(entries)]
        pos: dict[str, Mention] = {}
        neg: dict[str, Mention] = {}
        joined, starts = self._clause_index
        for e in entries:
            if e.pattern is None:
                continue
            for m in e.pattern.finditer(joined):
                k = bisect_right(starts, m.start()) - 1
                clause = self.clauses[k]
                target = neg if clause.negated else pos
                if e.name not in target:
                    a = m.start() - starts[k]
                    target[e.name] = Mention(e, clause, (a, a + len(m.group(0))))
                if e.name in pos and e.name in neg:
                    break
        cache[id(entries)] = (pos, neg)
        return pos, neg

    @cached_property
    def _clause_index(self) -> tuple[str, list[int]]:
        """All clauses in one string (separated so no term spans two) and where each starts."""
        starts, parts, at = [], [], 0
        for c in self.clauses:
            starts.append(at)
            parts.append(c.low)
            at += len(c.low) + len(_SEP)
        return _SEP.join(parts), starts

    def governed(self, m: Mention) -> bool:
        """True when the mention is the object of a right or choice ("opt out of X", "delete X")."""
        for r in self.rules.rights:
            if r.kind in ("right", "choice"):
                hit = r.search(m.clause.low)
                if hit and hit.start() < m.span[0]:
                    return True
        return False

    def counterpart(self, sentence: str) -> str:
        """The sentence on this side most like the given one (for quoting), or ""."""
        from rapidfuzz import fuzz
        best = max(self.sentences, key=lambda s: fuzz.ratio(s, sentence), default="")
        return best if best and fuzz.ratio(best, sentence) >= 50 else ""

    def count(self, entry: Entry) -> int:
        return len(entry.pattern.findall(self.low)) if entry.pattern is not None else 0

    def first(self, entry: Entry) -> Mention | None:
        if entry.pattern is None:
            return None
        joined, starts = self._clause_index
        m = entry.pattern.search(joined)
        if not m:
            return None
        k = bisect_right(starts, m.start()) - 1
        a = m.start() - starts[k]
        return Mention(entry, self.clauses[k], (a, a + len(m.group(0))))

    # -- places and entities --------------------------------------------------------------------
    def places_in(self, context: str, unless: tuple[str, ...] = ()) -> dict[str, str]:
        """Place name -> the sentence naming it, for sentences matching the context words
        (and none of the ``unless`` contexts)."""
        ctx = self.rules.contexts.get(context)
        out: dict[str, str] = {}
        if ctx is None:
            return out
        others = [self.rules.contexts[u] for u in unless if u in self.rules.contexts]
        for s in self.sentences:
            low = s.lower()
            if not ctx.search(low) or any(u.search(low) for u in others):
                continue
            for name in _places_in_sentence(self.rules, s):
                out.setdefault(name, s)
            for m in _COUNTY.finditer(s):
                out.setdefault(m.group(0).strip(), s)
        return out

    @cached_property
    def _entity_re(self) -> re.Pattern:
        suffixes = sorted(self.rules.entity_suffixes, key=len, reverse=True)
        alt = "|".join(re.escape(s) for s in suffixes)
        return re.compile(r"((?:[A-Z][\w&'-]*,?\s+){1,5})(" + alt + r")(?![\w])")

    def entities_in(self, context: str | None) -> dict[str, str]:
        """Normalised corporate name -> as written, in sentences matching the context (None: all)."""
        ctx = self.rules.contexts.get(context) if context else None
        out: dict[str, str] = {}
        for s in self.sentences:
            if ctx is not None and not ctx.search(s.lower()):
                continue
            for m in self._entity_re.finditer(s):
                words = m.group(1).replace(",", " ").split()
                while words and words[0].lower() in _LEADING:
                    words.pop(0)
                if not words or all(w in self.rules.entity_suffixes for w in words):
                    continue
                written = " ".join(words + [m.group(2)])
                key = re.sub(r"[^\w\s]", "", written.lower())
                out.setdefault(" ".join(key.split()), written)
        return out


_PLACE_INDEX: dict[int, dict[str, list[Entry]]] = {}


def _places_in_sentence(rules: Rules, sentence: str) -> list[str]:
    """Names of the places a sentence mentions. An index by first word keeps this cheap."""
    key = id(rules.places)
    if key not in _PLACE_INDEX:
        index: dict[str, list[Entry]] = {}
        for p in rules.places:
            for alias in p.terms:
                first = re.findall(r"[a-z]+", alias.lower())
                if first and p not in index.setdefault(first[0], []):
                    index[first[0]].append(p)
        _PLACE_INDEX[key] = index
    index = _PLACE_INDEX[key]
    words = set(re.findall(r"[a-z]+", sentence.lower()))
    out = []
    for w in words:
        for p in index.get(w, ()):
            if p.name not in out and p.pattern is not None and p.pattern.search(sentence):
                out.append(p.name)
    order = {n: i for i, n in enumerate(p.name for p in rules.places)}
    return sorted(out, key=order.get)


def novelty(sentence: str, old: Side) -> float:
    """Share of a sentence's content words whose stem does not occur on the old side."""
    words = [w for w in re.findall(r"[a-z]{4,}", sentence.lower()) if w not in _STOP]
    if not words:
        return 0.0
    return sum(1 for w in words if w[:5] not in old.stems) / len(words)


def categorize(texts: list[str], section: str, rules: Rules) -> str:
    """The category whose words occur most in texts (the section heading weighs triple)."""
    best, best_score = "other", 0.0
    joined = " ".join(texts).lower()
    heading = section.lower()
    for name, entry in rules.categories.items():
        if entry.pattern is None:
            continue
        score = len(entry.pattern.findall(joined)) + 3 * len(entry.pattern.findall(heading))
        if score > best_score:
            best, best_score = name, score
    return best
