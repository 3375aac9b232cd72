"""Markdown rendering for emails and changelogs: ~~deleted~~ and **inserted** words.

Marked runs are escaped (``*``, ``~``, ``\\``) so the policy's own text cannot close a marker,
and whitespace stays outside the markers (``~~ x~~`` would not render as a strike).
Tables are shown as a ```diff block of their rows.
"""

from __future__ import annotations

import re
from typing import Any

from ..diff import BlockChange, ChangeSet
from ..model import Level
from ..textdiff import diff_lines
from . import badges, header, is_table, section_note, section_title, summary_line
from .summary import quotes

_ESC = re.compile(r"([\\*~_`<])")  # `<`: page text must never reach a converter as raw HTML


def render_markdown(cs: ChangeSet, heading_level: int = 2, **kw: Any) -> str:
    h = header(cs, **kw)
    hx = "#" * max(1, min(heading_level, 5))
    out = [f"{hx} Changes to {_plain(h.title)}", "",
           f"*{_plain(h.old_label)} → {_plain(h.new_label)}*: {summary_line(h)}"]
    if h.changed:
        line = f"**Materiality: {h.level}**"
        if h.verdict:
            line += f" — {_plain(h.verdict)}"
        out += ["", line]
        for g in h.groups:
            out += ["", f"*{g.label}*", ""]
            for f in g.findings:
                where = f" ({_plain(', '.join(s.split(' > ')[-1] for s in f.sections))})" if f.sections else ""
                out.append(f"- {_plain(f.text)}{where}")
                if f.old or f.new:
                    out.append(f"  - {_plain(quotes(f))}")
    for sc in cs.sections:
        tags = " ".join(f"`{b}`" for b in badges(sc))
        out += ["", f"{hx}# {_plain(section_title(sc))}", ""]
        meta = tags
        note = section_note(sc)
        if note:
            meta += f" — {_plain(note)}"
        if sc.level > Level.NONE:
            meta += f" — *{sc.level}*"
        out.append(meta)
        for c in sc.blocks:
            out += ["", _block(c)]
    return "\n".join(out).rstrip() + "\n"


def _plain(text: str) -> str:
    return _ESC.sub(r"\\\1", text)


def _mark(text: str, marker: str) -> str:
    """Wrap each line's non-blank core of ``text`` in ``marker``."""
    pieces = []
    for line in text.split("\n"):
        core = line.strip()
        if not core:
            pieces.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip())]
        trail = line[len(line.rstrip()):]
        pieces.append(f"{lead}{marker}{_plain(core)}{marker}{trail}")
    return "\n".join(pieces)


def _block(c: BlockChange) -> str:
    if is_table(c.old) or is_table(c.new):
        rows = ["```diff"]
        old, new = (c.old or ""), (c.new or "")
        a, b = old.splitlines(), new.splitlines()
        for tag, i1, i2, j1, j2 in diff_lines(old, new):
            if tag == "equal":
                rows += ["  " + r for r in a[i1:i2]]
            else:
                rows += ["- " + r for r in a[i1:i2]] + ["+ " + r for r in b[j1:j2]]
        return "\n".join(rows + ["```"])
    parts = []
    for op, text in c.inline:
        if op == "equal":
            parts.append(_plain(text))
        else:
            parts.append(_mark(text, "~~" if op == "delete" else "**"))
    return "".join(parts)
