"""Where are sections matched? Here: pair the sections of two versions of a document.

Order of evidence, strongest first:
1. the same heading path (duplicates paired in order of appearance);
2. a similar heading (numbering, case and punctuation ignored), content breaking ties;
3. similar content, for sections whose heading was rewritten.

A matched section whose relative order changed is "moved": the moved ones are those outside a
heaviest increasing subsequence of the matched pairs, so one section moving never marks its
neighbours as moved. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict

from rapidfuzz import fuzz

from .model import Document, Section

HEADING_SAME = 90  # heading similarity (0-100) that matches on its own
HEADING_LIKE = 70  # ... that matches together with CONTENT_WITH_HEADING
CONTENT_WITH_HEADING = 50
CONTENT_ALONE = 60  # content similarity that matches a rewritten heading
_MIN_CONTENT = 20  # characters of body text needed before content can vouch for a match
_MAX_CONTENT = 4000  # characters compared per section (bounds the cost on huge sections)
WINDOW = 25  # with many unmatched sections, candidates are looked for this far from the expected place
_OPENING = 60  # characters of opening text that find a moved, renamed section anywhere

_NUMBERING = re.compile(
    r"^\s*(?:(?:section|article|part|chapter)\s+)?(?:\d+(?:\.\d+)*\.?|[ivxlcdm]+[.)]|[a-z][.)])\s+",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_heading(heading: str) -> str:
    """Heading reduced for comparison: numbering, case, punctuation and spacing ignored."""
    return _NON_WORD.sub(" ", _NUMBERING.sub("", heading).casefold()).strip()


def match_pairs(old: Document, new: Document) -> list[tuple[int, int]]:
    """Matched ``(old_index, new_index)`` pairs, sorted by new index."""
    olds, news = old.sections, new.sections
    free_old = set(range(len(olds)))
    free_new = set(range(len(news)))
    pairs: list[tuple[int, int]] = []

    def take(i: int, j: int) -> None:
        free_old.discard(i)
        free_new.discard(j)
        pairs.append((i, j))

    # 1. identical heading path
    by_path: dict[tuple, list[int]] = defaultdict(list)
    for j, s in enumerate(news):
        by_path[(s.path, s.level)].append(j)
    seen: dict[tuple, int] = defaultdict(int)
    for i, s in enumerate(olds):
        key = (s.path, s.level)
        k = seen[key]
        if k < len(by_path.get(key, ())):
            take(i, by_path[key][k])
            seen[key] += 1

    if free_old and free_new:
        _fuzzy(olds, news, free_old, free_new, take)
    pairs.sort(key=lambda p: p[1])
    return pairs


def _fuzzy(olds, news, free_old, free_new, take) -> None:
    oh = {i: normalize_heading(olds[i].heading) for i in free_old}
    nh = {j: normalize_heading(news[j].heading) for j in free_new}
    ot = {i: olds[i].text[:_MAX_CONTENT] for i in free_old}
    nt = {j: news[j].text[:_MAX_CONTENT] for j in free_new}
    n_old, n_new = max(len(olds), 1), max(len(news), 1)
    content_cache: dict[tuple[int, int], float] = {}

    def content(i: int, j: int, cutoff: float) -> float:
        if len(ot[i]) < _MIN_CONTENT or len(nt[j]) < _MIN_CONTENT:
            return 0.0
        if (i, j) not in content_cache:
            content_cache[(i, j)] = fuzz.ratio(ot[i], nt[j], score_cutoff=cutoff)
        return content_cache[(i, j)]

    def closeness(i: int, j: int) -> float:  # tie-break: similar relative position
        return -abs(i / n_old - j / n_new)

    near = _near(sorted(free_old), sorted(free_new), oh, nh, ot, nt)

    # 2. similar headings, content breaking ties
    cands = []
    for i, j in near:
        if not oh[i] or not nh[j]:
            continue
        h = fuzz.ratio(oh[i], nh[j], score_cutoff=HEADING_LIKE)
        if not h:
            continue
        c = content(i, j, 0)
        if h >= HEADING_SAME or c >= CONTENT_WITH_HEADING:
            cands.append((h >= HEADING_SAME, h + c / 2, closeness(i, j), i, j))
    _greedy(cands, free_old, free_new, take)

    # 3. similar content (the heading was rewritten)
    by_content: list[tuple[float, float, int, int]] = []
    for i, j in near:
        if i not in free_old or j not in free_new:
            continue
        c = content(i, j, CONTENT_ALONE)
        if c >= CONTENT_ALONE:
            h = fuzz.ratio(oh[i], nh[j]) if oh[i] and nh[j] else 0.0
            by_content.append((c + h / 10, closeness(i, j), i, j))
    _greedy(by_content, free_old, free_new, take)


def _near(olds: list[int], news: list[int], oh: dict, nh: dict, ot: dict, nt: dict) -> list[tuple[int, int]]:
    """Candidate pairs among the unmatched sections: every pair when there are few; otherwise
    each old section with the new ones near its relative place (a band of WINDOW either side)
    and with those of the same heading words or the same opening text, wherever they are. This
    keeps matching linear in the number of sections."""
    if len(olds) * len(news) <= WINDOW * WINDOW * 4:
        return [(i, j) for i in olds for j in news]
    by_heading: dict[str, list[int]] = defaultdict(list)
    by_opening: dict[str, list[int]] = defaultdict(list)
    for j in news:
        by_heading[" ".join(sorted(set(nh[j].split())))].append(j)
        by_opening[nt[j][:_OPENING]].append(j)
    out: dict[tuple[int, int], None] = {}
    for rank, i in enumerate(olds):
        centre = rank * len(news) // len(olds)
        for j in news[max(0, centre - WINDOW):centre + WINDOW + 1]:
            out[(i, j)] = None
        for j in by_heading.get(" ".join(sorted(set(oh[i].split()))), ())[:WINDOW]:
            out[(i, j)] = None
        if len(ot[i]) >= _MIN_CONTENT:
            for j in by_opening.get(ot[i][:_OPENING], ())[:WINDOW]:
                out[(i, j)] = None
    return list(out)


def _greedy(cands, free_old, free_new, take) -> None:
    for cand in sorted(cands, reverse=True):
        i, j = cand[-2], cand[-1]
        if i in free_old and j in free_new:
            take(i, j)


def stable_pairs(pairs: list[tuple[int, int]], weights: dict[int, int] | None = None) -> set[tuple[int, int]]:
    """Pairs (sorted by new index) kept in place: a heaviest subsequence increasing in old index.

    Weight of a pair is ``weights[old_index]`` (default 1), so when two sections swap, the
    smaller one is the one reported as moved. O(n log n): a Fenwick tree over old indices holds
    the best chain ending at or below each index.
    """
    pairs = sorted(pairs, key=lambda p: p[1])
    if not pairs:
        return set()
    weights = weights or {}
    size = max(i for i, _ in pairs) + 2
    tree_best = [0] * (size + 1)
    tree_at = [-1] * (size + 1)
    best = [0] * len(pairs)
    prev = [-1] * len(pairs)
    for t, (i, _) in enumerate(pairs):
        # best chain among pairs with old index < i
        k, top, at = i, 0, -1   # Fenwick positions are old index + 1
        while k > 0:
            if tree_best[k] > top:
                top, at = tree_best[k], tree_at[k]
            k -= k & -k
        best[t], prev[t] = top + weights.get(i, 1), at
        k = i + 1
        while k <= size:
            if best[t] > tree_best[k]:
                tree_best[k], tree_at[k] = best[t], t
            k += k & -k
    t = max(range(len(pairs)), key=lambda x: best[x])
    keep = set()
    while t >= 0:
        keep.add(pairs[t])
        t = prev[t]
    return keep


def ordered_pairs(old: Document, new: Document, pairs: list[tuple[int, int]],
                  stable: set[tuple[int, int]]) -> list[tuple[int | None, int | None]]:
    """All sections as index pairs in new-document order; a removed section is placed after the
    new position of its nearest preceding old neighbour that stayed in place."""
    old_to_new = {i: j for i, j in pairs if (i, j) in stable}
    matched_old = {i for i, _ in pairs}
    new_to_old = {j: i for i, j in pairs}
    items: list[tuple[tuple[int, int, int], tuple[int | None, int | None]]] = []
    for j in range(len(new.sections)):
        items.append(((j, 0, 0), (new_to_old.get(j), j)))
    anchor = -1
    for i in range(len(old.sections)):
        if i in old_to_new:
            anchor = old_to_new[i]
        elif i not in matched_old:
            items.append(((anchor, 1, i), (i, None)))
    items.sort(key=lambda it: it[0])
    return [pair for _, pair in items]


def match_sections(old: Document, new: Document) -> list[tuple[Section | None, Section | None]]:
    """Every section of both documents exactly once, as (old, new) pairs in new-document order.

    ``(s, None)`` is a removed section, ``(None, s)`` an added one.
    """
    pairs = match_pairs(old, new)
    stable = stable_pairs(pairs, {i: 1 + len(s.blocks) for i, s in enumerate(old.sections)})
    return [
        (old.sections[i] if i is not None else None, new.sections[j] if j is not None else None)
        for i, j in ordered_pairs(old, new, pairs, stable)
    ]
