"""What a reader sees first: the verdict in one line, then the reasons, material first, grouped by
category, each finding once.

A reason's ``detail`` is written for one finding ("new data kind (sensitive): biometric data"). A
reader wants the whole change in a line they can forward ("new sensitive data: precise geolocation,
biometric data; response time thirty (30) days → ninety (90) days"), so findings of one kind are
merged and their wording shortened here, in one place that every renderer (terminal, email, chat,
site, history) uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..model import Assessment, Level, Reason

_MORE = re.compile(r" \(and \d+ more\)$")
_ARROW = re.compile(r"\s*->\s*")

# detail prefix -> the words a reader would use; "{}" is the rest of the detail
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), s) for p, s in (
    (r"^negation removed: (.+)$", "no longer rules out: {}"),
    (r"^new data kind \(sensitive\): (.+)$", "new sensitive data: {}"),
    (r"^new data kind: (.+)$", "new data collected: {}"),
    (r"^vague period replaced by a long fixed one: (.+)$", "retention now {} (was open-ended)"),
    (r"^limiting qualifier removed: (.+)$", "limit removed: {}"),
    (r"^qualifier inserted into a promise: (.+)$", "promise softened by {}"),
))


_QUANTITY = re.compile(r"^(duration|amount|age limit|percentage) (?:longer|shorter|higher|lower|changed)"
                       r"(?: \(direction unknown\))?: (.+)$")


def phrase(reason: Reason) -> str:
    """One finding in a reader's words, without the "(and N more)" count."""
    detail = _MORE.sub("", reason.detail or reason.signal.replace("_", " "))
    q = _QUANTITY.match(detail)
    if q:  # "duration longer: response time: 30 days -> 90 days" -> "response time: 30 days → 90 days"
        detail = q.group(2) if ": " in q.group(2) else f"{q.group(1)}: {q.group(2)}"
    for pattern, words in _PHRASES:
        m = pattern.match(detail)
        if m:
            detail = words.format(m.group(1))
            break
    return _ARROW.sub(" → ", detail)


def _head_tail(text: str) -> tuple[str, str]:
    """ "new sensitive data: biometric data" -> ("new sensitive data", "biometric data")."""
    head, sep, tail = text.partition(": ")
    return (head, tail) if sep and tail else (text, "")


def verdict_line(assessment: Assessment, limit: int = 4) -> str:
    """The verdict in one line: the findings at the verdict's level, decisive first, findings of
    one kind merged ("new sensitive data: precise geolocation, biometric data"). Empty for a
    verdict without reasons at its level."""
    merged: dict[str, list[str]] = {}
    for f in findings(assessment.reasons):
        if f.level != assessment.level:
            continue
        for part in f.text.split("; "):
            head, tail = _head_tail(part)
            items = merged.setdefault(head, [])
            if tail and tail not in items:
                items.append(tail)
    parts = [f"{head}: {', '.join(items)}" if items else head for head, items in merged.items()]
    line = "; ".join(parts[:limit])
    if len(parts) > limit:
        line += f"; and {len(parts) - limit} more"
    return line


class _HasGroups(Protocol):
    @property
    def groups(self) -> tuple[Group, ...]: ...


@dataclass(frozen=True)
class Finding:
    """One reason as a reader sees it: where it was found (all the sections), what it says, and
    the changed words quoted once."""

    level: Level
    category: str
    text: str
    sections: tuple[str, ...]
    old: str
    new: str


@dataclass(frozen=True)
class Group:
    level: Level
    category: str
    findings: tuple[Finding, ...]

    @property
    def label(self) -> str:
        return f"{self.category or 'cosmetic'} ({self.level})"


def findings(reasons: Iterable[Reason]) -> list[Finding]:
    """Reasons with duplicates merged: two findings quoting the same changed words at one level
    are one finding (the first, decisive one, naming what the other adds)."""
    out: list[Finding] = []
    by_quote: dict[tuple[Level, str, str, str], int] = {}
    for r in reasons:
        text = phrase(r)
        key = (r.level, r.section, r.old, r.new)
        k = by_quote.get(key) if (r.old or r.new) else None
        if k is not None:  # the same words: one finding, naming everything found in them
            f = out[k]
            out[k] = Finding(f.level, f.category, _merge(f.text, text), f.sections, f.old, f.new)
            continue
        same = next((i for i, f in enumerate(out) if f.level == r.level and f.text == text
                     and f.category == r.category), None)
        if same is not None:
            f = out[same]
            if r.section and r.section not in f.sections:
                out[same] = Finding(f.level, f.category, f.text, (*f.sections, r.section), f.old, f.new)
            continue
        by_quote[key] = len(out)
        out.append(Finding(r.level, r.category if r.level > Level.NONE else "", text,
                           (r.section,) if r.section else (), r.old, r.new))
    return out


def _merge(text: str, more: str) -> str:
    """ "new recipient: advertisers" + "new recipient: partners" -> "new recipient: advertisers,
    partners"; a finding of another kind is added after a semicolon; a repeat adds nothing."""
    parts = [list(_head_tail(p)) for p in text.split("; ")]
    head, tail = _head_tail(more)
    for part in parts:
        if part[0] == head:
            items = part[1].split(", ") if part[1] else []
            new = [t for t in (tail.split(", ") if tail else []) if t not in items]
            part[1] = ", ".join(items + new)
            break
    else:
        parts.append([head, tail])
    return "; ".join(f"{h}: {t}" if t else h for h, t in parts)


def grouped(reasons: Sequence[Reason]) -> list[Group]:
    """Findings grouped by category, material groups first (then minor, then cosmetic), each
    group in the order of its first finding (the reasons come ranked, decisive first)."""
    groups: dict[tuple[Level, str], list[Finding]] = {}
    for f in findings(reasons):
        groups.setdefault((f.level, f.category), []).append(f)
    order = sorted(groups, key=lambda k: -k[0].rank)  # stable: ranked order within a level
    return [Group(level, category, tuple(groups[(level, category)])) for level, category in order]


def clip_words(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit))
    return text[: cut if cut > limit // 2 else limit - 1].rstrip(" ,;:\n") + "\u2026"


def hidden_counts(h: _HasGroups, shown: int) -> str:
    """What is left unsaid when only ``shown`` minor and cosmetic findings are listed (every
    material one always is): "3 minor, 1 cosmetic" or ""."""
    counts: dict[Level, int] = {}
    for g in h.groups:
        if g.level is not Level.MATERIAL:
            counts[g.level] = counts.get(g.level, 0) + len(g.findings)
    left, out = shown, []
    for level in (Level.MINOR, Level.NONE):
        n = counts.get(level, 0)
        hidden = n - min(n, left)
        left = max(0, left - n)
        if hidden:
            out.append(f"{hidden} {'cosmetic' if level is Level.NONE else level}")
    return ", ".join(out)


def quotes(f: Finding) -> str:
    """The changed words as a reader quotes them: was “…” — now “…”, or only the side that exists."""
    if f.old and f.new:
        return f"was \u201c{f.old}\u201d \u2014 now \u201c{f.new}\u201d"
    if f.new:
        return f"added \u201c{f.new}\u201d"
    return f"removed \u201c{f.old}\u201d" if f.old else ""
