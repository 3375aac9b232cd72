"""Domain values shared by every layer: a normalized document and its sections.

A Document is what we compare and store. Its canonical Markdown is the single source of truth:
two pages are "the same policy text" exactly when their Markdown (and so their digest) is equal.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

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

    @property
    def text(self) -> str:
        return "\n\n".join(self.blocks)

    def to_json(self) -> dict:
        return {"heading": self.heading, "level": self.level, "path": list(self.path), "text": self.text}


@dataclass(frozen=True)
class Document:
    title: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def markdown(self) -> str:
        parts: list[str] = []
        for section in self.sections:
            if section.level:
                parts.append("#" * section.level + " " + section.heading)
            parts.extend(section.blocks)
        return "\n\n".join(parts) + ("\n" if parts else "")

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.markdown.encode("utf-8")).hexdigest()

    @property
    def word_count(self) -> int:
        return len(self.markdown.split())

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "digest": self.digest,
            "markdown": self.markdown,
            "sections": [s.to_json() for s in self.sections],
        }

    @classmethod
    def from_markdown(cls, text: str, title: str = "") -> "Document":
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
    heading, level, path = "", 0, ()
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
