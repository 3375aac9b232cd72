"""Judging a new version against the previous one: the section diff, its materiality, a summary.

The one place where the diff engine and the materiality classifier meet (both pure)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tracker.diff import ChangeSet, diff_documents, with_materiality
from tracker.materiality import Rules, assess_pairs
from tracker.model import Document


@dataclass(frozen=True)
class Verdict:
    level: str | None
    summary: str
    assessment: dict


def compare(old: Document, new: Document, rules: Rules | None = None) -> ChangeSet:
    """Section diff with a materiality verdict for the whole change and for each changed section."""
    changeset = diff_documents(old, new)
    if not changeset.sections:
        return changeset
    # Every pair, not only the changed ones: "a new kind of data" means new to the whole document.
    pairs = list(changeset.pairs)
    overall, per_pair = assess_pairs(pairs, rules=rules)
    by_pair = {(id(o), id(n)): a for (o, n), a in zip(pairs, per_pair)}
    found = [by_pair.get((id(s.old_section), id(s.new_section))) for s in changeset.sections]
    changeset = with_materiality(changeset, overall, {i: a.level for i, a in enumerate(found) if a})
    sections = tuple(dataclasses.replace(s, reasons=tuple(a.reasons) if a else ())
                     for s, a in zip(changeset.sections, found))
    return dataclasses.replace(changeset, sections=sections)


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
    reasons = changeset.to_json()["materiality"]["reasons"]
    order = {"material": 0, "minor": 1, "none": 2}
    if reasons:
        top = min(reasons, key=lambda r: order.get(r.get("level"), 3))
        detail = top.get("detail") or top.get("signal") or ""
        heading = (top.get("section") or "").split(" > ")[-1]
        label = "cosmetic" if top.get("level") == "none" else (top.get("category") or "other")
        line += f"; {label}: {detail}" + (f" ({heading})" if heading else "")
    return line if len(line) <= 300 else line[:299] + "…"


def judge(old: Document, new: Document, rules: Rules | None = None) -> Verdict:
    changeset = compare(old, new, rules)
    return Verdict(changeset.level, summarize(changeset), changeset.to_json()["materiality"])
