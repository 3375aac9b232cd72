"""Judging a new version against the previous one: the diff, its materiality, a one-line summary."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.model import Document


@dataclass(frozen=True)
class Verdict:
    level: str | None
    summary: str
    assessment: dict


def first_summary(doc: Document) -> str:
    headings = sum(1 for s in doc.sections if s.level)
    return f"first version: {headings} sections, {doc.word_count} words"


def judge(old: Document, new: Document) -> Verdict:
    old_heads = {s.path for s in old.sections}
    new_heads = {s.path for s in new.sections}
    changed = [s.heading for s in new.sections if s.path in old_heads and s not in old.sections]
    parts = []
    if changed:
        parts.append(f"{len(changed)} changed")
    if new_heads - old_heads:
        parts.append(f"{len(new_heads - old_heads)} added")
    if old_heads - new_heads:
        parts.append(f"{len(old_heads - new_heads)} removed")
    return Verdict(None, "sections " + ", ".join(parts) if parts else "text changed", {})
