"""Judging a new version against the previous one: the section diff, its materiality, a summary.

The one place where the diff engine and the materiality classifier meet (both pure): the
classifier's Assessment of each section pair is attached, as a value, to that pair's
SectionChange, and the overall Assessment to the ChangeSet.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.diff import ChangeSet, diff_documents, judged
from tracker.materiality import Rules, assess_pairs
from tracker.model import Assessment, Document, Level


@dataclass(frozen=True)
class Verdict:
    """What is stored with a new version: the level, a one-line summary and the assessment."""

    level: Level
    summary: str
    assessment: Assessment


def compare(old: Document, new: Document, rules: Rules | None = None) -> ChangeSet:
    """Section diff with a materiality verdict for the whole change and for each changed section."""
    changeset = diff_documents(old, new)
    if not changeset.sections:
        return changeset
    # Every pair, not only the changed ones: "a new kind of data" means new to the whole document.
    pairs = list(changeset.pairs)
    overall, per_pair = assess_pairs(pairs, rules=rules)
    by_pair = {(_key(o), _key(n)): a for (o, n), a in zip(pairs, per_pair, strict=True)}
    return judged(changeset, overall,
                  [by_pair.get((_key(s.old_section), _key(s.new_section))) for s in changeset.sections])


def _key(section: object) -> int | None:
    """A section pair is the same objects in ``pairs`` and in the SectionChange (identity, not
    equality: two sections may be equal and still be different sections)."""
    return None if section is None else id(section)


def first_summary(doc: Document) -> str:
    headings = sum(1 for s in doc.sections if s.level)
    return f"first version: {headings} sections, {doc.word_count} words"


def summarize(changeset: ChangeSet) -> str:
    """One line for `history`: what moved in the document, and the weightiest reason."""
    counts: dict[str, int] = {}
    for s in changeset.sections:
        counts[s.kind] = counts.get(s.kind, 0) + 1
        if s.moved:
            counts["moved"] = counts.get("moved", 0) + 1
        if s.renamed:
            counts["renamed"] = counts.get("renamed", 0) + 1
    parts = [f"{counts[k]} {k}" for k in ("changed", "added", "removed", "moved", "renamed") if counts.get(k)]
    line = (", ".join(parts) + " section" + "s" * (len(changeset.sections) != 1)) if parts else "text changed"
    reasons = changeset.assessment.reasons
    if reasons:
        top = max(reasons, key=lambda r: r.level.rank)  # the first of the weightiest
        detail = top.detail or top.signal
        heading = top.section.split(" > ")[-1]
        label = "cosmetic" if top.level is Level.NONE else (top.category or "other")
        line += f"; {label}: {detail}" + (f" ({heading})" if heading else "")
    return line if len(line) <= 300 else line[:299] + "…"


def judge(old: Document, new: Document, rules: Rules | None = None) -> Verdict:
    changeset = compare(old, new, rules)
    return Verdict(changeset.level, summarize(changeset), changeset.assessment)
