"""Section-level diff of two Documents: Document x Document -> ChangeSet. Pure, no I/O.

Sections are paired first (see ``sectionmatch``), then the blocks of each pair are aligned with
the bounded sequence diff, replaced blocks are paired by similarity, and each pair gets a word-level
inline diff. The JSON shape of ``ChangeSet.to_json`` is documented in docs/json.md.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .jsontypes import BlockJSON, ComparisonJSON, SectionChangeJSON

from rapidfuzz import fuzz

from . import textdiff
from .model import NOT_JUDGED, Assessment, Document, Level, Reason, Section
from .sectionmatch import match_pairs, match_sections, ordered_pairs, stable_pairs

__all__ = ["BlockChange", "ChangeSet", "SectionChange", "diff_blocks", "diff_documents", "judged",
           "match_sections"]

PAIR_ONE = 30  # similarity (0-100) above which a lone replaced block pairs with its replacement
PAIR_MANY = 45  # ... above which blocks pair inside a larger replaced stretch
_DP_LIMIT = 2500  # k*m above which replaced stretches are paired in order instead of optimally

Inline = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BlockChange:
    """One changed block. ``op`` is insert/delete/replace; ``inline`` is ``((op, text), ...)``
    with op equal/insert/delete (equal+delete spell ``old``, equal+insert spell ``new``).

    ``old_index``/``new_index`` locate the change in the old/new section's blocks (for an insert,
    ``old_index`` is where it goes in the old blocks; for a delete, ``new_index`` likewise).
    """

    op: Literal["insert", "delete", "replace"]
    old: str | None
    new: str | None
    inline: Inline = ()
    old_index: int | None = field(default=None, compare=False)
    new_index: int | None = field(default=None, compare=False)

    def to_json(self) -> BlockJSON:
        return {"op": self.op, "old": self.old, "new": self.new,
                "inline": [[op, text] for op, text in self.inline]}


@dataclass(frozen=True)
class SectionChange:
    kind: Literal["added", "removed", "changed"]
    old_heading: str | None
    new_heading: str | None
    old_path: tuple[str, ...] | None
    new_path: tuple[str, ...] | None
    renamed: bool = False
    moved: bool = False
    text_changed: bool = False
    blocks: tuple[BlockChange, ...] = ()
    # the judgement of this section pair, attached by changes.compare (None: not judged)
    assessment: Assessment | None = field(default=None, compare=False)
    old_section: Section | None = field(default=None, compare=False, repr=False)
    new_section: Section | None = field(default=None, compare=False, repr=False)

    @property
    def heading(self) -> str:
        return self.new_heading if self.new_heading is not None else (self.old_heading or "")

    @property
    def path(self) -> tuple[str, ...]:
        return self.new_path if self.new_path is not None else (self.old_path or ())

    @property
    def level(self) -> Level:
        return self.assessment.level if self.assessment else Level.NONE

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return self.assessment.reasons if self.assessment else ()

    def to_json(self) -> SectionChangeJSON:
        return {
            "kind": self.kind,
            "old_heading": self.old_heading,
            "new_heading": self.new_heading,
            "old_path": list(self.old_path) if self.old_path is not None else None,
            "new_path": list(self.new_path) if self.new_path is not None else None,
            "renamed": bool(self.renamed),
            "moved": bool(self.moved),
            "text_changed": bool(self.text_changed),
            "level": self.level,
            "blocks": [b.to_json() for b in self.blocks],
        }


@dataclass(frozen=True)
class ChangeSet:
    """Two documents, their changed sections and the judgement of the whole change: what
    ``tracker.compare`` returns (as ``Comparison``)."""

    old: Document
    new: Document
    sections: tuple[SectionChange, ...] = ()
    assessment: Assessment = field(default=NOT_JUDGED, compare=False)
    # Every section of both documents once, in new-document order, as matched (not in the JSON):
    # the materiality classifier judges a change against the whole document through these.
    pairs: tuple[tuple[Section | None, Section | None], ...] = field(default=(), compare=False, repr=False)

    @property
    def changed(self) -> bool:
        return self.old.markdown != self.new.markdown

    @property
    def level(self) -> Level:
        return self.assessment.level

    def to_json(self) -> ComparisonJSON:
        return {
            "changed": self.changed,
            "old": {"title": self.old.title, "digest": self.old.digest},
            "new": {"title": self.new.title, "digest": self.new.digest},
            "materiality": self.assessment.to_json(),
            "sections": [s.to_json() for s in self.sections],
        }


# --------------------------------------------------------------------------- diffing


def diff_documents(old: Document, new: Document, deadline: float = 1.0) -> ChangeSet:
    """Section-level diff. ``deadline`` (seconds) bounds the text diffs; past it they get coarser,
    never wrong. Identical Markdown gives no sections."""
    if old.markdown == new.markdown:
        return ChangeSet(old, new, ())
    deadline_at = time.monotonic() + deadline
    pairs = match_pairs(old, new)
    stable = stable_pairs(pairs, {i: 1 + len(s.blocks) for i, s in enumerate(old.sections)})
    changes: list[SectionChange] = []
    every: list[tuple[Section | None, Section | None]] = []
    for i, j in ordered_pairs(old, new, pairs, stable):
        o = old.sections[i] if i is not None else None
        n = new.sections[j] if j is not None else None
        every.append((o, n))
        change = diff_sections(o, n, moved=(i, j) not in stable, deadline_at=deadline_at)
        if change is not None:
            changes.append(change)
    return ChangeSet(old, new, tuple(changes), pairs=tuple(every))


def diff_sections(o: Section | None, n: Section | None, moved: bool = False,
                  deadline_at: float | None = None) -> SectionChange | None:
    """The change between two paired sections (either may be None), or None if unchanged."""
    if n is not None and o is None:
        blocks = tuple(BlockChange("insert", None, b, (("insert", b),), 0, k) for k, b in enumerate(n.blocks))
        return SectionChange("added", None, n.heading, None, n.path, text_changed=True,
                             blocks=blocks, new_section=n)
    if o is None:
        return None
    if n is None:
        blocks = tuple(BlockChange("delete", b, None, (("delete", b),), k, 0) for k, b in enumerate(o.blocks))
        return SectionChange("removed", o.heading, None, o.path, None, text_changed=True,
                             blocks=blocks, old_section=o)
    blocks = diff_blocks(o.blocks, n.blocks, deadline_at) if o.blocks != n.blocks else ()
    renamed = o.heading != n.heading
    if not (blocks or renamed or moved or o.level != n.level):
        return None
    return SectionChange("changed", o.heading, n.heading, o.path, n.path, renamed=renamed,
                         moved=moved, text_changed=bool(blocks), blocks=blocks,
                         old_section=o, new_section=n)


def diff_blocks(old: tuple[str, ...] | list[str], new: tuple[str, ...] | list[str],
                deadline_at: float | None = None) -> tuple[BlockChange, ...]:
    """Aligned block changes; similar replaced blocks become ``replace`` with inline words."""
    out: list[BlockChange] = []
    for tag, i1, i2, j1, j2 in textdiff.opcodes(old, new, deadline_at=deadline_at):
        if tag == "equal":
            continue
        ci: int = i1  # next old/new block of this stretch
        cj: int = j1
        for i, j in _pair_blocks(old[i1:i2], new[j1:j2]):
            if i is not None:
                ci = i1 + i + 1
            if j is not None:
                cj = j1 + j + 1
            if i is not None and j is not None:
                inline = tuple(textdiff.diff_words(old[i1 + i], new[j1 + j], deadline_at=deadline_at))
                out.append(BlockChange("replace", old[i1 + i], new[j1 + j], inline, i1 + i, j1 + j))
            elif i is not None:
                b = old[i1 + i]
                out.append(BlockChange("delete", b, None, (("delete", b),), i1 + i, cj))
            elif j is not None:
                b = new[j1 + j]
                out.append(BlockChange("insert", None, b, (("insert", b),), ci, j1 + j))
    return tuple(out)


def _pair_blocks(olds, news) -> list[tuple[int | None, int | None]]:
    """Monotone pairing of a replaced stretch: ``(i, j)`` pairs, ``(i, None)`` deletes and
    ``(None, j)`` inserts, in order, deletes before inserts between pairs."""
    k, m = len(olds), len(news)
    if not k or not m:
        return [(i, None) for i in range(k)] + [(None, j) for j in range(m)]
    if k == 1 and m == 1:
        ok = _similar(olds[0], news[0], PAIR_ONE)
        return [(0, 0)] if ok else [(0, None), (None, 0)]
    if k * m > _DP_LIMIT:  # huge stretch: pair in order where similar
        steps: list[tuple[int | None, int | None]] = []
        for t in range(max(k, m)):
            if t < k and t < m and _similar(olds[t], news[t], PAIR_MANY):
                steps.append((t, t))
            else:
                steps += [(t, None)] if t < k else []
                steps += [(None, t)] if t < m else []
        return _deletes_first(steps)
    sim = [[fuzz.ratio(o, n, score_cutoff=PAIR_MANY) for n in news] for o in olds]
    # best[i][j]: best total similarity pairing olds[i:] with news[j:]
    best = [[0.0] * (m + 1) for _ in range(k + 1)]
    for i in range(k - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = sim[i][j] + best[i + 1][j + 1] if sim[i][j] else 0.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    steps = []
    i = j = 0
    while i < k and j < m:
        if sim[i][j] and best[i][j] == sim[i][j] + best[i + 1][j + 1]:
            steps.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            steps.append((i, None))
            i += 1
        else:
            steps.append((None, j))
            j += 1
    steps += [(t, None) for t in range(i, k)] + [(None, t) for t in range(j, m)]
    return _deletes_first(steps)


def _deletes_first(steps):
    out, run = [], []
    for step in steps:
        if step[0] is not None and step[1] is not None:
            out += sorted(run, key=lambda s: s[0] is None)
            run = []
            out.append(step)
        else:
            run.append(step)
    return out + sorted(run, key=lambda s: s[0] is None)


def _similar(a: str, b: str, cutoff: float) -> bool:
    return fuzz.ratio(a, b, score_cutoff=cutoff) > 0 or (not a.strip() and not b.strip())


def judged(cs: ChangeSet, overall: Assessment,
           per_section: Sequence[Assessment | None] | None = None) -> ChangeSet:
    """A copy of ``cs`` carrying the judgement of the whole change and of each changed section
    (``per_section`` in the order of ``cs.sections``)."""
    sections = cs.sections
    if per_section is not None:
        sections = tuple(dataclasses.replace(s, assessment=a) for s, a in zip(sections, per_section, strict=True))
    return dataclasses.replace(cs, assessment=overall, sections=sections)
