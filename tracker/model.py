"""Domain values shared by every layer: the vocabulary (levels, outcomes, change kinds), a
normalized document and its sections, and the judgement of a change (Assessment, Reason).

A Document is what we compare and store. Its canonical Markdown is the single source of truth:
two pages are "the same policy text" exactly when their Markdown (and so their digest) is equal.

The enums are ``StrEnum``: a member *is* its string, so stored rows, JSON and printed values are
unchanged and ``level == "material"`` keeps working; ``Level`` adds the one order of levels.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, overload

if TYPE_CHECKING:
    from tracker.coverage import Coverage
    from tracker.jsontypes import DocumentJSON, MaterialityJSON, ReasonJSON, SectionJSON


class Level(StrEnum):
    """How much a change matters, in order: ``Level.NONE < Level.MINOR < Level.MATERIAL``.

    Compares with plain strings too (``Level.MINOR >= "minor"``); an unknown string is a ValueError.
    """

    NONE = "none"
    MINOR = "minor"
    MATERIAL = "material"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def highest(cls, levels: Iterable[str]) -> Level:
        """The weightiest of ``levels`` (NONE for none at all)."""
        return max((cls(level) for level in levels), key=_RANK.__getitem__, default=cls.NONE)

    def _other(self, other: object) -> int:
        if not isinstance(other, str):
            raise TypeError(f"cannot compare a Level with {type(other).__name__}")
        return _RANK[Level(other)]

    def __lt__(self, other: object) -> bool:
        return self.rank < self._other(other)

    def __le__(self, other: object) -> bool:
        return self.rank <= self._other(other)

    def __gt__(self, other: object) -> bool:
        return self.rank > self._other(other)

    def __ge__(self, other: object) -> bool:
        return self.rank >= self._other(other)


_RANK = {Level.NONE: 0, Level.MINOR: 1, Level.MATERIAL: 2}


class Outcome(StrEnum):
    """What one check (or re-extraction) of a policy came to; stored in ``fetches.outcome``."""

    NEW_VERSION = "new_version"
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"
    NO_VERSIONS = "no_versions"  # reextract: nothing stored to re-extract


class ChangeKind(StrEnum):
    """Why a version exists; stored in ``changes.kind``."""

    FIRST = "first"
    CHANGE = "change"
    TECHNICAL = "technical"  # re-extracted with new rules or selectors: never notified
    REVERTED = "reverted"  # back to an earlier text

_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class Section:
    """A heading and the blocks under it, up to the next heading of any level.

    ``blocks`` are canonical Markdown blocks: a paragraph, one list item ("- x", nested items
    indented by two spaces per level), or a whole table. The text before the first heading is a
    section with heading "" and level 0.
    """

    heading: str
    level: int
    path: tuple[str, ...]
    blocks: tuple[str, ...] = ()

    @cached_property
    def text(self) -> str:
        # frozen: computed once per section (the verdict, the diff and the renderers all ask)
        return "\n\n".join(self.blocks)

    def to_json(self) -> SectionJSON:
        return {"heading": self.heading, "level": self.level, "path": list(self.path), "text": self.text}


@dataclass(frozen=True)
class Document:
    title: str
    sections: tuple[Section, ...] = field(default_factory=tuple)
    # what the page held and what normalization dropped (set when made from a page, not from storage);
    # not part of the text, so not of equality or the digest
    coverage: Coverage | None = field(default=None, compare=False, repr=False)

    def with_coverage(self, coverage: Coverage) -> Document:
        return Document(self.title, self.sections, coverage)

    @cached_property
    def markdown(self) -> str:
        # frozen: built once per document (a check asks for it several times)
        parts: list[str] = []
        for section in self.sections:
            if section.level:
                parts.append("#" * section.level + " " + section.heading)
            parts.extend(section.blocks)
        return "\n\n".join(parts) + ("\n" if parts else "")

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.markdown.encode("utf-8")).hexdigest()

    @property
    def word_count(self) -> int:
        return len(self.markdown.split())

    def to_json(self) -> DocumentJSON:
        data: DocumentJSON = {
            "title": self.title,
            "digest": self.digest,
            "markdown": self.markdown,
            "sections": [s.to_json() for s in self.sections],
        }
        if self.coverage is not None:
            data["coverage"] = self.coverage.to_json()
        return data

    @classmethod
    def from_markdown(cls, text: str, title: str = "") -> Document:
        """Parse canonical Markdown (as produced by ``markdown``) back into a Document.

        Blocks are separated by blank lines; a line starting with 1-6 '#' and a space is a heading.
        Consecutive non-blank lines form one block (tables, wrapped paragraphs), except that each
        list item starts a block of its own. The title is the
        first level-1 heading unless given.
        """
        blocks: list[str] = []
        for chunk in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
            lines = [ln.rstrip() for ln in chunk.split("\n") if ln.strip()]
            current: list[str] = []
            for line in lines:
                if _HEADING.match(line.strip()):
                    if current:
                        blocks.append("\n".join(current))
                        current = []
                    blocks.append(line.strip())
                elif _LIST_ITEM.match(line):
                    if current:
                        blocks.append("\n".join(current))
                    current = [line]
                else:
                    current.append(line)
            if current:
                blocks.append("\n".join(current))
        return build_document(blocks, title=title)


def build_document(blocks: list[str], title: str = "") -> Document:
    """Group a flat list of blocks (headings as '#'-prefixed lines) into sections with paths."""
    sections: list[Section] = []
    heading, level = "", 0
    path: tuple[str, ...] = ()
    stack: list[tuple[int, str]] = []
    body: list[str] = []

    def flush() -> None:
        if level or body:
            sections.append(Section(heading, level, path, tuple(body)))

    for block in blocks:
        m = _HEADING.match(block) if "\n" not in block else None
        if not m:
            body.append(block)
            continue
        flush()
        level, heading = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading))
        path = tuple(h for _, h in stack)
        body = []
        if not title and level == 1:
            title = heading
    flush()
    return Document(title=title, sections=tuple(sections))


@dataclass(frozen=True)
class Reason:
    """One finding behind a verdict, quoting the words that changed."""

    level: Level
    category: str  # one of the rules' categories
    signal: str  # detector or signal name: "typography", "negation_removed", "text_changed" ...
    section: str  # section path ("Sharing > Partners"), "" for a bare text pair
    detail: str  # one line for people: "duration longer: 30 days -> six months"
    old: str  # short excerpt of the old text ("" when nothing was there)
    new: str  # short excerpt of the new text

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", Level(self.level))

    def to_json(self) -> ReasonJSON:
        return {"level": self.level, "category": self.category, "signal": self.signal,
                "section": self.section, "detail": self.detail, "old": self.old, "new": self.new}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reason:
        section = data.get("section") or ""
        if isinstance(section, (list, tuple)):
            section = " > ".join(map(str, section))
        return cls(Level(data.get("level") or Level.NONE), data.get("category", "other"),
                   data.get("signal") or "", section, data.get("detail") or "", data.get("old") or "",
                   data.get("new") or "")


@dataclass(frozen=True)
class Assessment:
    """The judgement of a change: its level, the categories at that level, and the reasons."""

    level: Level
    categories: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    favourable: bool = False
    similarity: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", Level(self.level))
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "reasons", tuple(self.reasons))

    @overload
    def to_json(self, extended: Literal[False] = False) -> MaterialityJSON: ...

    @overload
    def to_json(self, extended: Literal[True]) -> dict[str, Any]: ...

    def to_json(self, extended: bool = False) -> MaterialityJSON | dict[str, Any]:
        """The ``materiality`` object of the JSON output; ``extended`` adds favourable and similarity."""
        out: MaterialityJSON = {"level": self.level, "categories": list(self.categories),
                                "reasons": [r.to_json() for r in self.reasons]}
        if extended:
            return {**out, "favourable": self.favourable, "similarity": self.similarity}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Assessment:
        """Back from a stored ``changes.assessment`` column (JSON at the edge, typed inside)."""
        data = data or {}
        return cls(Level(data.get("level") or Level.NONE), tuple(str(c) for c in data.get("categories") or ()),
                   tuple(Reason.from_json(r) for r in data.get("reasons") or ()),
                   bool(data.get("favourable", False)), float(data.get("similarity", 1.0)))


NOT_JUDGED = Assessment(Level.NONE)  # what an unchanged (or not yet judged) comparison carries
