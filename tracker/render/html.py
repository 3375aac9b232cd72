"""Standalone HTML page of a ChangeSet (jinja2, autoescape on, inline CSS, no external assets).

Modes: ``inline`` (one column, deleted words struck, inserted underlined) and ``side`` (old and
new side by side; stacked, each cell labelled, on narrow screens). All page text goes through
autoescaping: nothing is marked safe. The sections part (templates/diff_sections.html.j2, fed by
`section_rows`) is shared with the static site's change pages.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..diff import ChangeSet
from . import badges, header, items, section_note, section_title, summary_line
from .anchors import section_ids

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MODES = ("inline", "side")


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def section_rows(cs: ChangeSet, context: int = 1) -> list[dict[str, Any]]:
    """What the sections template prints: per changed section its title, badges, note, level, an
    anchor id (from its path, unique in the page) and its rows (context, gap or a change with its
    inline, old-side and new-side word segments). ``href`` (a link for the title) is left None."""
    sections = []
    for sc, anchor in zip(cs.sections, section_ids((sc.path for sc in cs.sections), cs.new.title), strict=True):
        rows: list[dict[str, Any]] = []
        for item in items(sc, context):
            c = item.change
            if item.kind != "change" or c is None:
                rows.append({"kind": item.kind, "text": item.text})
                continue
            rows.append({
                "kind": "change", "op": c.op,
                "segments": [list(s) for s in c.inline],
                "old_segments": [list(s) for s in c.inline if s[0] != "insert"],
                "new_segments": [list(s) for s in c.inline if s[0] != "delete"],
            })
        sections.append({"title": section_title(sc), "badges": badges(sc), "note": section_note(sc),
                         "kind": sc.kind, "level": sc.level, "rows": rows, "id": anchor, "href": None,
                         "old_path": sc.old_path, "new_path": sc.new_path})
    return sections


def render_html(cs: ChangeSet, mode: str = "inline", context: int = 1, **kw: Any) -> str:
    if mode not in MODES:
        raise ValueError("mode must be 'inline' or 'side'")
    h = header(cs, **kw)
    return environment().get_template("diff.html.j2").render(
        h=h, summary=summary_line(h), sections=section_rows(cs, context), mode=mode,
        old_digest=cs.old.digest[:12], new_digest=cs.new.digest[:12])
