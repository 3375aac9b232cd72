"""Terminal rendering with rich: a header, then each changed section with badges and inline
word changes (deleted red and struck through, inserted green). Policy text is never parsed as
rich markup. Without colours (not a terminal, NO_COLOR, or ``render_text``) changes are marked
wdiff-style: ``[-deleted-]`` and ``{+inserted+}``.
"""

from __future__ import annotations

import io
from typing import Any, Literal

from rich.console import Console, Group, RenderableType
from rich.text import Text

from ..diff import BlockChange, ChangeSet
from ..model import Level
from . import Header, badges, header, items, section_note, section_title, summary_line
from .summary import hidden_counts

_BADGE_STYLE = {"ADDED": "bold white on green", "REMOVED": "bold white on red",
                "MOVED": "bold white on blue", "RENAMED": "bold black on yellow",
                "CHANGED": "bold black on cyan"}
_LEVEL_STYLE = {"material": "bold red", "minor": "yellow", "none": "dim"}
DEL, INS = "red strike", "green"


def print_changeset(cs: ChangeSet, console: Console, context: int = 1, plain: bool | None = None,
                    **kw: Any) -> None:
    """Print to ``console``: coloured when it has colours, marked up in plain text otherwise (or when
    ``plain``, e.g. for a pager that cannot show colours)."""
    if plain is None:
        plain = console.color_system is None or getattr(console, "no_color", False)
    for r in renderables(cs, plain=plain, context=context, **kw):
        console.print(r, highlight=False)


def render_text(cs: ChangeSet, context: int = 1, width: int = 100, **kw: Any) -> str:
    """Plain text (no escape codes), for pipes, files and emails."""
    return _capture(cs, plain=True, color_system=None, width=width, context=context, **kw)


def render_ansi(cs: ChangeSet, context: int = 1, width: int = 100, **kw: Any) -> str:
    """Text with ANSI colours, as a terminal would show it."""
    return _capture(cs, plain=False, color_system="standard", width=width, context=context, **kw)


def _capture(cs: ChangeSet, plain: bool, color_system: Literal["standard"] | None, width: int, **kw: Any) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=color_system, force_terminal=not plain,
                      highlight=False, emoji=False, markup=False, soft_wrap=plain)
    for r in renderables(cs, plain=plain, **kw):
        console.print(r)
    return buf.getvalue()


def renderables(cs: ChangeSet, plain: bool = False, context: int = 1, **kw: Any) -> list[RenderableType]:
    h = header(cs, **kw)
    out: list[RenderableType] = [_header(h, plain)]
    for sc in cs.sections:
        title = Text()
        for b in badges(sc):
            title.append(f"[{b}]" if plain else f" {b} ", style=None if plain else _BADGE_STYLE[b])
            title.append(" ")
        title.append(section_title(sc), style=None if plain else "bold")
        if sc.level > Level.NONE:
            title.append(f"  ({sc.level})", style=None if plain else _LEVEL_STYLE.get(sc.level))
        lines: list[RenderableType] = [Text(""), title]
        note = section_note(sc)
        if note:
            lines.append(Text("  " + note, style="" if plain else "italic dim"))
        for item in items(sc, context):
            if item.kind == "gap":
                lines.append(Text("  ⋯", style="" if plain else "dim"))
            elif item.kind == "context":
                lines.append(_indent(Text(item.text, style="" if plain else "dim"), "  "))
            elif item.change is not None:
                lines.append(_block(item.change, plain))
        out.append(Group(*lines))
    return out


def _header(h: Header, plain: bool) -> Text:
    """Title, versions, the verdict in one line, then the findings grouped by category, material
    first. Every material finding is shown; minor and cosmetic ones beyond a few are counted."""
    t = Text()
    t.append(h.title, style=None if plain else "bold underline")
    t.append(f"\n{h.old_label} → {h.new_label}: {summary_line(h)}")
    if not h.changed:
        return t
    t.append("\nMateriality: ")
    t.append(h.level, style=None if plain else _LEVEL_STYLE.get(h.level, "bold"))
    if h.verdict:
        t.append(f" — {h.verdict}")
    shown = 0  # minor and cosmetic findings shown so far
    for g in h.groups:
        keep = g.findings if g.level is Level.MATERIAL else g.findings[: max(0, _MAX_LESSER - shown)]
        shown += len(keep) if g.level is not Level.MATERIAL else 0
        if not keep:
            continue
        t.append(f"\n  {g.label}", style=None if plain else _LEVEL_STYLE.get(g.level))
        for f in keep:
            t.append(f"\n    • {f.text}")
            t.append(_where(f.sections), style=None if plain else "dim")
    rest = hidden_counts(h, _MAX_LESSER)
    if rest:
        t.append(f"\n  … and {rest} more", style=None if plain else "dim")
    return t


def _where(sections: tuple[str, ...]) -> str:
    if not sections:
        return ""
    more = f" +{len(sections) - 1}" if len(sections) > 1 else ""
    return f"  [{sections[0].split(' > ')[-1]}{more}]"


_MAX_LESSER = 4  # minor and cosmetic findings shown under a verdict before they are counted


def _block(c: BlockChange, plain: bool) -> Text:
    mark = {"insert": "+ ", "delete": "- ", "replace": "~ "}[c.op]
    t = Text()
    t.append(mark, style=None if plain else {"insert": INS, "delete": "red", "replace": "cyan"}[c.op])
    for op, text in c.inline:
        if op == "equal":
            t.append(text)
        elif plain and c.op != "replace":  # the line mark already says it all
            t.append(text)
        elif plain:
            t.append(f"[-{text}-]" if op == "delete" else f"{{+{text}+}}")
        else:
            t.append(text, style=DEL if op == "delete" else INS)
    return _indent(t, "  ", first=False)


def _indent(t: Text, pad: str, first: bool = True) -> Text:
    """Indent continuation lines of multi-line blocks (styles kept)."""
    lines = t.split("\n", allow_blank=True)
    out = Text()
    for k, line in enumerate(lines):
        if k:
            out.append("\n")
        if k or first:
            out.append(pad)
        out.append_text(line)
    return out
