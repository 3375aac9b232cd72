"""What one side of a change says: sentences, clauses, and which rule entries it mentions where.

A mention is positive (an assertion: "we collect X") or negative (inside a negated clause:
"we do not collect X"). Signals compare these between the old and the new side.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from .lexindex import (
    SEP,
    analysed,
    anchor_clauses,
    anchor_lists,
    entity_patterns,
    place_index,
    places_in_sentence,
    search_clauses,
)
from .rules import Entry, Rules
from .text import Clause, clauses_of, remember, sentence_key

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

    def __post_init__(self) -> None:
        if not self.sentences:
            self.text, self.sentences = analysed(self.raw, self.rules)

    @classmethod
    def of(cls, raw: str, rules: Rules) -> Side:
        """The side for a text, shared by every comparison that judges it: a version compared
        with the one before and then the one after is analysed once (its clauses, mentions,
        places), as is an unchanged section of a document compared again."""
        key = (id(rules), raw)
        side = _SIDES.get(key)
        if side is None:
            side = cls(raw, rules)
            if len(raw) <= 100_000:   # sections and regions, not whole large documents
                remember(_SIDES, key, side, 1024)
        return side

    @classmethod
    def of_parts(cls, parts: list[str], rules: Rules) -> Side:
        """A whole document from its sections' texts: each distinct section is analysed once
        (and shared with the other version when unchanged). The last few documents are kept:
        the old version of the next comparison is the new one of this one."""
        key = (id(rules), tuple(parts))
        side = _DOCUMENTS.get(key)
        if side is None:
            done = [analysed(p, rules) for p in parts]
            sentences = [s for _, ss in done for s in ss]
            side = cls("\n\n".join(parts), rules, "\n\n".join(t for t, _ in done), sentences)
            remember(_DOCUMENTS, key, side, 4)
        return side

    @cached_property
    def clauses(self) -> list[Clause]:
        """Every clause, in order (computed on first use: a whole document used only for
        lookups never needs them all)."""
        return [c for i in range(len(self.sentences)) for c in self.clauses_at(i)]

    def clauses_at(self, index: int) -> list[Clause]:
        cache = self.__dict__.setdefault("_clauses_at", {})
        if index not in cache:
            if "clauses" in self.__dict__:
                cache[index] = [c for c in self.clauses if c.sentence == index]
            else:
                cache[index] = clauses_of(self.sentences[index], index, self.rules)
        return cache[index]

    @cached_property
    def _sentence_starts(self) -> list[int]:
        starts, at = [], 0
        for s in self.sentences:
            starts.append(at)
            at += len(s.lower()) + 1   # lowering may change a length (İ)
        return starts

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
        key = id(entries)
        if key in cache:
            return cache[key]
        pos: dict[str, Mention] = {}
        neg: dict[str, Mention] = {}
        # Plain and negated clauses are searched apart: the first match in each is the first
        # plain / negated mention, with no need to walk every match of a frequent term. A match
        # never spans two clauses (clauses hold no ";", no term pattern crosses one), so the scan
        # can start at the clause holding the first occurrence of one of the entry's anchors.
        entries = self.candidates(entries)
        for (joined, starts, index), target in zip(self._polarity_index, (pos, neg), strict=False):
            if not joined:
                continue
            for e in entries:
                if e.name in target or e.pattern is None:
                    continue
                places = anchor_clauses(e, joined, starts)
                if not places:
                    continue
                m = search_clauses(e.pattern, joined, starts, places, 0)
                while m:
                    k = bisect_right(starts, m.start()) - 1
                    a = m.start() - starts[k]
                    mention = Mention(e, self.clauses[index[k]], (a, a + len(m.group(0))))
                    if target is neg or not denied(mention.clause.low, a):
                        target[e.name] = mention
                        break
                    neg.setdefault(e.name, mention)   # "without prior notice": the opposite
                    m = search_clauses(e.pattern, joined, starts, places, m.end())
        cache[key] = (pos, neg)
        return pos, neg

    def mentioned(self, entries: tuple[Entry, ...], name: str, negated: tuple[bool, ...] = (False,)) -> bool:
        """Whether ``name`` is a key of ``mentions(entries)[0]`` (with ``negated=(True,)``: of
        ``[1]``; with both: of either), computed for that one name and cached: a whole document
        is asked about the few entries the changed sections bring up, and only the sentences
        holding a match are split into clauses."""
        cache = self.__dict__.get("_mention_cache", {})
        if id(entries) in cache:
            return any(name in cache[id(entries)][neg] for neg in negated)
        found = self.__dict__.setdefault("_named_cache", {})
        key = (id(entries), name, negated)
        if key not in found:
            wanted = frozenset(negated)
            found[key] = any(self._polarities(e, wanted) for e in entries if e.name == name)
        return found[key]

    def _polarities(self, e: Entry, wanted: frozenset[bool]) -> bool:
        """Whether the entry matches in a clause of one of the wanted polarities (negated or
        not); the scan stops at the first such clause."""
        low = self.low
        if e.pattern is None or not e.may_occur(low):
            return False
        starts = self._sentence_starts
        at = e.first_anchor(low)
        k = bisect_right(starts, max(at, 0)) - 1
        while 0 <= k < len(starts):
            m = e.pattern.search(low, starts[k])
            if not m:
                break
            k = bisect_right(starts, m.start()) - 1
            for c in self.clauses_at(k):
                for hit in e.pattern.finditer(c.low):
                    if negated_at(c, hit.start()) in wanted:
                        return True
            k += 1
        return False

    def named(self, entries: tuple[Entry, ...], negated: tuple[bool, ...] = (False,)) -> MentionView:
        """A lazy ``name in view`` over :meth:`mentioned`."""
        return MentionView(self, entries, negated)

    def candidates(self, entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
        """The entries that may occur somewhere on this side (the others cannot match any clause)."""
        cache = self.__dict__.setdefault("_candidate_cache", {})
        if id(entries) not in cache:
            present = self._anchors_present
            cache[id(entries)] = tuple(e for e in entries if e.pattern is not None
                                       and (e.anchors is None or not present.isdisjoint(e.anchors)))
        return cache[id(entries)]

    def sentence_candidates(self, index: int, entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
        """The entries that may occur in one sentence (anchors tested on that sentence only)."""
        cache = self.__dict__.setdefault("_sentence_anchor_cache", {})
        present = cache.get(index)
        if present is None:
            low = self.sentences[index].lower()
            present = cache[index] = frozenset(a for a in self._anchors_present if a in low)
        return tuple(e for e in self.candidates(entries) if e.anchors is None or not present.isdisjoint(e.anchors))

    @cached_property
    def _anchors_present(self) -> frozenset[str]:
        """Which of all the rules' term anchors occur on this side: one membership test per
        distinct anchor, so a family's entries are ruled in or out without scanning per entry."""
        # An anchor holds no space (rules.term_anchor stops at one), so it occurs in the text
        # exactly when it occurs in one of its words: each distinct word is searched once.
        low = self.low
        words = " ".join(set(low.split(" ")))
        plain, spaced = anchor_lists(self.rules)
        return frozenset([a for a in plain if a in words] + [a for a in spaced if a in low])

    @cached_property
    def _clause_index(self) -> tuple[str, list[int]]:
        """All clauses in one string (separated so no term spans two) and where each starts."""
        return self._join(range(len(self.clauses)))[:2]

    @cached_property
    def _polarity_index(self) -> tuple[tuple[str, list[int], list[int]], ...]:
        """The plain clauses joined, then the negated ones: (string, starts, clause numbers)."""
        return tuple(self._join([k for k, c in enumerate(self.clauses) if c.negated == negated])
                     for negated in (False, True))

    def _join(self, index) -> tuple[str, list[int], list[int]]:
        starts, parts, at = [], [], 0
        for k in index:
            low = self.clauses[k].low
            starts.append(at)
            parts.append(low)
            at += len(low) + len(SEP)
        return SEP.join(parts), starts, list(index)

    def governed(self, m: Mention) -> bool:
        """True when the mention is the object of a right or choice ("opt out of X", "delete X")."""
        for r in self.rules.rights:
            if r.kind in ("right", "choice"):
                hit = r.search(m.clause.low)
                if hit and hit.start() < m.span[0]:
                    return True
        return False

    def counterpart(self, sentence: str) -> str:
        """The sentence on this side most like the given one (for quoting), or "".
        One C-level scan (rapidfuzz), after an exact lookup."""
        if sentence in self._sentence_set:
            return sentence
        hit = process.extractOne(sentence, self.sentences, scorer=fuzz.ratio, score_cutoff=50)
        return hit[0] if hit else ""

    @cached_property
    def _sentence_set(self) -> frozenset[str]:
        return frozenset(self.sentences)

    def lacks_anchors(self, entry: Entry) -> bool:
        """None of the entry's anchor words is on this side, so its pattern cannot match here."""
        return entry.anchors is not None and self._anchors_present.isdisjoint(entry.anchors)

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
        cache = self.__dict__.setdefault("_place_cache", {})
        if (context, unless) in cache:
            return cache[(context, unless)]
        ctx = self.rules.contexts.get(context)
        out: dict[str, str] = {}
        cache[(context, unless)] = out
        if ctx is None or not self._names_places:
            return out
        others = [self.rules.contexts[u] for u in unless if u in self.rules.contexts]
        for k in self._sentences_matching(ctx):
            s = self.sentences[k]
            low = s.lower()
            if any(u.may_occur(low) and u.search(low) for u in others):
                continue
            for name in places_in_sentence(self.rules, s):
                out.setdefault(name, s)
            for m in _COUNTY.finditer(s):
                out.setdefault(m.group(0).strip(), s)
        return out

    @cached_property
    def _names_places(self) -> bool:
        """Whether any sentence names a place (a rules place or a county): a place named in a
        sentence is found in the sentences joined by spaces too (its words and its word
        boundaries are the same there), so a side naming none needs no context scan."""
        joined = " ".join(self.sentences)
        if "County" in joined:
            return True
        index = place_index(self.rules)
        return any(p.pattern is not None and p.pattern.search(joined)
                   for w in set(re.findall(r"[a-z]+", joined.lower())) for p in index.get(w, ()))

    def places_in_sentence(self, sentence: str) -> list[str]:
        return places_in_sentence(self.rules, sentence)

    def _sentences_matching(self, entry: Entry) -> list[int]:
        """Indices of the sentences in which the entry's pattern matches: one scan of the text."""
        low = self.low
        if entry.pattern is None or not entry.may_occur(low):
            return []
        starts = self._sentence_starts
        out: list[int] = []
        for m in entry.pattern.finditer(low):
            k = bisect_right(starts, m.start()) - 1
            if (not out or out[-1] != k) and entry.pattern.search(self.sentences[k].lower()):
                out.append(k)
        return out

    @cached_property
    def _suffix_sentences(self) -> list[int]:
        """The sentences holding a legal-form suffix ("Inc.", "GmbH"): one scan of the side's
        sentences joined by newlines (no suffix holds one, and a newline is no word character, as
        the end of a sentence is not)."""
        starts = self._line_starts
        out: list[int] = []
        for m in entity_patterns(self.rules)[1].finditer("\n".join(self.sentences)):
            k = bisect_right(starts, m.start()) - 1
            if not out or out[-1] != k:
                out.append(k)
        return out

    @cached_property
    def _line_starts(self) -> list[int]:
        starts, at = [], 0
        for s in self.sentences:
            starts.append(at)
            at += len(s) + 1
        return starts

    def entities_in(self, context: str | None) -> dict[str, str]:
        """Normalised corporate name -> as written, in sentences matching the context (None: all)."""
        cache = self.__dict__.setdefault("_entity_cache", {})
        if context in cache:
            return cache[context]
        ctx = self.rules.contexts.get(context) if context else None
        out: dict[str, str] = {}
        cache[context] = out
        for k in self._suffix_sentences:
            s = self.sentences[k]
            if ctx is not None and not ctx.search(s.lower()):
                continue  # every entity ends in a suffix: no suffix, no entity
            for m in entity_patterns(self.rules)[0].finditer(s):
                words = m.group(1).replace(",", " ").split()
                while words and words[0].lower() in _LEADING:
                    words.pop(0)
                if not words or all(w in self.rules.entity_suffixes for w in words):
                    continue
                written = " ".join(words + [m.group(2)])
                key = re.sub(r"[^\w\s]", "", written.lower())
                out.setdefault(" ".join(key.split()), written)
        return out


_DENIED = re.compile(r"\b(?:without|no|lacking)(?:\s+(?:any|your|our|prior|giving\s+you|the))*\s+$")


def denied(low: str, start: int) -> bool:
    """True when the words just before ``start`` deny what follows ("without prior notice")."""
    return bool(_DENIED.search(low[max(0, start - 40):start]))


def negated_at(clause: Clause, start: int) -> bool:
    return clause.negated or denied(clause.low, start)


@dataclass(frozen=True)
class MentionView:
    side: Side
    entries: tuple[Entry, ...]
    negated: tuple[bool, ...]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.side.mentioned(self.entries, name, self.negated)


_SIDES: dict[tuple[int, str], Side] = {}
_DOCUMENTS: dict[tuple[int, tuple[str, ...]], Side] = {}


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
        score = ((len(entry.pattern.findall(joined)) if entry.may_occur(joined) else 0)
                 + (3 * len(entry.pattern.findall(heading)) if entry.may_occur(heading) else 0))
        if score > best_score:
            best, best_score = name, score
    return best
