"""Renderers: ChangeSet -> text for people (terminal, markdown, html, unified) or JSON.

``render(changeset, fmt, **kw)`` picks one. Common keyword arguments, all optional:
``title`` (policy title; default the new document's title), ``old_label`` / ``new_label``
(e.g. "v3 (2024-01-02)"), ``context`` (unchanged blocks shown around a change).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..diff import BlockChange, ChangeSet, SectionChange
from ..model import Level
from .summary import Group, clip_words, grouped, verdict_line

FORMATS = ("text", "markdown", "html", "json", "unified")


def render(changeset: ChangeSet, fmt: str = "text", **kw: Any) -> str:
    """Render a ChangeSet in one of FORMATS."""
    try:
        fn = _registry()[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}") from None
    return fn(changeset, **kw)


def render_json(changeset: ChangeSet, **_: Any) -> str:
    return json.dumps(changeset.to_json(), ensure_ascii=False, indent=2) + "\n"


def _registry() -> dict[str, Callable[..., str]]:
    from .html import render_html
    from .markdown import render_markdown
    from .terminal import render_text
    from .unified import render_unified

    return {"text": render_text, "markdown": render_markdown, "html": render_html,
            "json": render_json, "unified": render_unified}


# --------------------------------------------------------------------------- shared helpers


@dataclass(frozen=True)
class Header:
    title: str
    old_label: str
    new_label: str
    changed: bool
    level: Level
    counts: dict[str, int]
    verdict: str  # the verdict in one line (summary.verdict_line)
    groups: tuple[Group, ...]  # the reasons as a reader reads them (summary.grouped)


def header(cs: ChangeSet, title: str | None = None, old_label: str | None = None,
           new_label: str | None = None, **_: Any) -> Header:
    m = cs.assessment
    counts = {"added": 0, "removed": 0, "changed": 0, "moved": 0, "renamed": 0}
    for s in cs.sections:
        counts[s.kind] = counts.get(s.kind, 0) + 1
        counts["moved"] += bool(s.moved)
        counts["renamed"] += bool(s.renamed)
    return Header(
        title=title if title is not None else (cs.new.title or cs.old.title or "Policy"),
        old_label=old_label if old_label is not None else "old",
        new_label=new_label if new_label is not None else "new",
        changed=cs.changed, level=m.level, counts=counts, verdict=verdict_line(m), groups=tuple(grouped(m.reasons)),
    )


def summary_line(h: Header) -> str:
    if not h.changed:
        return "No changes."
    c = h.counts
    parts = [f"{c[k]} {k}" for k in ("changed", "added", "removed") if c.get(k)]
    parts += [f"{c[k]} {k}" for k in ("moved", "renamed") if c.get(k)]
    return ", ".join(parts) + " section" + ("s" if sum(c[k] for k in ("changed", "added", "removed")) != 1 else "")


def badges(sc: SectionChange) -> list[str]:
    out = []
    if sc.kind == "added":
        out.append("ADDED")
    elif sc.kind == "removed":
        out.append("REMOVED")
    if sc.renamed:
        out.append("RENAMED")
    if sc.moved:
        out.append("MOVED")
    if sc.kind == "changed" and sc.text_changed:
        out.append("CHANGED")
    return out


def section_title(sc: SectionChange) -> str:
    path = [p for p in sc.path if p]
    return " › ".join(path) if path else "(text before the first heading)"


def section_note(sc: SectionChange) -> str:
    """One line saying what happened to the section beyond its text."""
    notes = []
    if sc.renamed:
        notes.append(f"renamed from “{sc.old_heading}”")
    if sc.moved:
        notes.append("moved" + (f" (was under “{' › '.join(sc.old_path[:-1])}”)"
                                if sc.old_path and sc.new_path and sc.old_path[:-1] != sc.new_path[:-1]
                                and sc.old_path[:-1] else ""))
    if sc.kind == "changed" and sc.old_section and sc.new_section \
            and sc.old_section.level != sc.new_section.level:
        notes.append(f"heading level {sc.old_section.level} → {sc.new_section.level}")
    if sc.kind == "changed" and not sc.text_changed:
        notes.append("text unchanged")
    return "; ".join(notes)


def clip(text: str, limit: int = 240) -> str:
    return clip_words(text, limit)


@dataclass(frozen=True)
class Item:
    """One line of a section's rendering: kind is "context", "gap" or "change"."""

    kind: str
    text: str = ""
    change: BlockChange | None = None


def items(sc: SectionChange, context: int = 1) -> list[Item]:
    """Block changes of a section with up to ``context`` unchanged blocks around each run."""
    blocks = list(sc.blocks)
    new_blocks = sc.new_section.blocks if sc.new_section is not None else ()
    if sc.kind != "changed" or context <= 0 or not blocks or not new_blocks:
        return [Item("change", change=b) for b in blocks]
    out: list[Item] = []
    pos = 0  # next new block not yet shown or skipped
    first = True
    for b in blocks:
        start = b.new_index if b.new_index is not None else pos
        gap = list(range(pos, start))  # unchanged blocks before this change
        shown: list[int | None]  # None: a gap
        if first:
            shown = [None] if gap[:-context] else []
            shown += gap[-context:]
        elif len(gap) <= 2 * context:
            shown = list(gap)
        else:
            shown = [*gap[:context], None, *gap[-context:]]
        out += [Item("gap") if k is None else Item("context", clip(new_blocks[k])) for k in shown]
        out.append(Item("change", change=b))
        first = False
        if b.op in ("insert", "replace") and b.new_index is not None:
            pos = b.new_index + 1
        else:
            pos = max(pos, start)
    for k in range(pos, min(len(new_blocks), pos + context)):
        out.append(Item("context", clip(new_blocks[k])))
    if pos + context < len(new_blocks):
        out.append(Item("gap"))
    return out


def is_table(block: str | None) -> bool:
    return block is not None and block.lstrip().startswith("|") and "\n" in block.strip()
