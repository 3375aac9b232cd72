"""Indexes of the rules' words, built once per Rules (anchors, legal-form patterns, places by
first word), the clause scans that use them, and the analysed-text memo.

Each index is keyed by ``id(rules)`` and keeps its Rules alive, so an id is never reused for
another Rules while its entries stand (a daemon reloading its config builds new Rules).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .rules import Entry, Rules
from .text import analysis_text, remember, split_sentences

SEP = " ;\n; "   # between clauses joined into one string: no term pattern crosses it


def anchor_clauses(e: Entry, joined: str, starts: list[int]) -> list[int]:
    """The clauses of ``joined`` (numbers into ``starts``) holding one of the entry's anchors, in
    order; every clause when the entry has none."""
    if e.anchors is None:
        return list(range(len(starts)))
    found: set[int] = set()
    last = len(starts) - 1
    for a in e.anchors:
        i = joined.find(a)
        while i >= 0:
            k = bisect_right(starts, i) - 1
            found.add(k)
            if k == last:
                break
            i = joined.find(a, starts[k + 1])   # one occurrence per clause is enough
    return sorted(found)


def search_clauses(pattern: re.Pattern, joined: str, starts: list[int], places: list[int],
                    pos: int) -> re.Match | None:
    """``pattern.search(joined, pos)``, tried only inside the given clauses. A match never spans
    two clauses (the separator holds ";", which no term crosses) and holds an anchor, so the
    first match in the first anchored clause at or after ``pos`` is the first match; each search
    ends at its clause's end (the end of the text and the separator's space are alike to
    ``\b`` and lookaheads), so the cost is that of the anchored clauses, not of the whole text."""
    first = bisect_right(starts, pos) - 1
    for k in places[bisect_right(places, first - 1):]:
        end = starts[k + 1] - len(SEP) if k + 1 < len(starts) else len(joined)
        if end < pos:
            continue
        m = pattern.search(joined, max(pos, starts[k]), end)
        if m:
            return m
    return None


_ANCHORS: dict[int, tuple[Rules, frozenset[str]]] = {}   # the Rules kept alive: its id stays its own


def all_anchors(rules: Rules) -> frozenset[str]:
    if id(rules) not in _ANCHORS:
        groups = (rules.data_kinds, rules.purposes, rules.recipients, rules.trackers, rules.actions,
                  rules.rights, rules.qualifiers, rules.high_risk, rules.quantity_contexts,
                  tuple(rules.contexts.values()), tuple(rules.categories.values()))
        _ANCHORS[id(rules)] = (rules, frozenset(a for g in groups for e in g for a in (e.anchors or ())))
    return _ANCHORS[id(rules)][1]


_ENTITY_RES: dict[int, tuple[Rules, re.Pattern, re.Pattern]] = {}


def entity_patterns(rules: Rules) -> tuple[re.Pattern, re.Pattern]:
    """(a corporate name ending in a legal-form suffix, the suffix alone), compiled once per Rules."""
    if id(rules) not in _ENTITY_RES:
        alt = "|".join(re.escape(s) for s in sorted(rules.entity_suffixes, key=len, reverse=True))
        _ENTITY_RES[id(rules)] = (rules, re.compile(r"((?:[A-Z][\w&'-]*,?\s+){1,5})(" + alt + r")(?![\w])"),
                                  re.compile(r"(?:" + alt + r")(?![\w])"))
    _, name, suffix = _ENTITY_RES[id(rules)]
    return name, suffix


_ANCHOR_LISTS: dict[int, tuple[Rules, list[str], list[str]]] = {}


def anchor_lists(rules: Rules) -> tuple[list[str], list[str]]:
    """All anchors of the rules: those without a space, those with one (none, with term_anchor)."""
    if id(rules) not in _ANCHOR_LISTS:
        anchors = sorted(all_anchors(rules))
        _ANCHOR_LISTS[id(rules)] = (rules, [a for a in anchors if " " not in a], [a for a in anchors if " " in a])
    _, plain, spaced = _ANCHOR_LISTS[id(rules)]
    return plain, spaced


_PLACE_INDEX: dict[int, tuple[Rules, dict[str, list[Entry]]]] = {}


def place_index(rules: Rules) -> dict[str, list[Entry]]:
    """Places by the first word of each of their names."""
    key = id(rules)
    if key not in _PLACE_INDEX:
        index: dict[str, list[Entry]] = {}
        for p in rules.places:
            for alias in p.terms:
                first = re.findall(r"[a-z]+", alias.lower())
                if first and p not in index.setdefault(first[0], []):
                    index[first[0]].append(p)
        _PLACE_INDEX[key] = (rules, index)
    return _PLACE_INDEX[key][1]


def places_in_sentence(rules: Rules, sentence: str) -> list[str]:
    """Names of the places a sentence mentions. An index by first word keeps this cheap."""
    index = place_index(rules)
    words = set(re.findall(r"[a-z]+", sentence.lower()))
    out = []
    for w in words:
        for p in index.get(w, ()):
            if p.name not in out and p.pattern is not None and p.pattern.search(sentence):
                out.append(p.name)
    if len(out) < 2:
        return out
    order = {n: i for i, n in enumerate(p.name for p in rules.places)}
    return sorted(out, key=lambda name: order.get(name, len(order)))


_ANALYSED: dict[tuple[int, str], tuple[str, list[str]]] = {}


def analysed(raw: str, rules: Rules) -> tuple[str, list[str]]:
    """analysis_text and its sentences, remembered for the texts of one comparison or two."""
    key = (id(rules), raw)
    hit = _ANALYSED.get(key)
    if hit is None:
        text = analysis_text(raw, rules)
        hit = (text, split_sentences(text))
        if len(raw) <= 100_000:   # sections, not whole large documents
            remember(_ANALYSED, key, hit, 2048)
        all_anchors(rules)   # keeps this Rules alive, so its id is not reused while cached
    return hit
