"""Headings that are not heading tags: numbered clauses ("1.2", "Section 4", "ARTICLE V"),
bold-only lines and ALL-CAPS lines, as many terms of service are written. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

DATE_LINE = re.compile(
    r"^(?:last\s+(?:updated|modified|revised|reviewed)|(?:date\s+)?(?:updated|revised|effective)"
    r"(?:\s+(?:date|as\s+of|on|from))?|effective\s+date|version)\b",
    re.I,
)
MD_START = re.compile(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\|)")


def escape_start(text: str) -> str:
    """A paragraph that happens to start like Markdown syntax must not parse back as structure."""
    return "\\" + text if MD_START.match(text) else text

_CLAUSE_WORD = re.compile(
    r"^(?:section|article|clause|part|chapter|schedule|appendix|annex|exhibit)\s+"
    r"(\d{1,3}(?:\.\d{1,3})*|[IVXLCDM]{1,7}|[A-Z])\b[.:]?\s*(?:[-–—:]\s*)?", re.I)
_CLAUSE_NUM = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})(\.?)\s+(?=\S)")
_CLAUSE_ROMAN = re.compile(r"^([IVXLC]{1,6})\.\s+(?=\S)")
MAX_HEADING_WORDS = 14
MAX_HEADING_CHARS = 120


@dataclass
class Candidate:
    """A block that reads as a heading; kept as one unless its neighbours say otherwise."""

    text: str
    kind: str  # "numbered", "bold" or "caps"
    depth: int  # clause depth ("1." 1, "1.2" 2); 0 for bold and caps
    level: int


def title_like(words: list[str]) -> bool:
    long = [w for w in words if len(w.strip("(),.;:'\"")) > 3]
    if not long:
        return True
    return sum(1 for w in long if w.strip("(\"'“‘")[:1].isupper()) >= 0.6 * len(long)


def short_enough(text: str) -> bool:
    return len(text) <= MAX_HEADING_CHARS and len(text.split()) <= MAX_HEADING_WORDS


def _sentence_like(rest: str) -> bool:
    """Ends like a sentence and does not read like a title: "You must be 18." not "Governing Law."."""
    if rest.endswith((",", ";")):
        return True
    return rest.endswith((".", "!", "?")) and not (title_like(rest.split()) and len(rest.split()) <= 8)


def clause_depth(text: str) -> int:
    """1 for "1. Scope", "Section 4", "ARTICLE V"; 2 for "1.2 Cookies"; 0 if not a numbered heading."""
    if not short_enough(text) or DATE_LINE.match(text):
        return 0
    m = _CLAUSE_WORD.match(text)
    if m:
        rest = text[m.end():]
        if rest and (not rest[0].isupper() and not rest[0].isdigit() or _sentence_like(rest)):
            return 0
        return m.group(1).count(".") + 1
    m = _CLAUSE_NUM.match(text)
    if m:
        number, dot = m.group(1), m.group(2)
        if "." not in number and not dot:
            return 0  # "12 months" is a paragraph, "12. Governing Law" a heading
        rest = text[m.end():]
        if (not (rest[:1].isupper() or rest[:1] in "\"“'‘") or _sentence_like(rest)
                or not re.search(r"[A-Za-z]{2}", rest)):
            return 0
        return number.count(".") + 1
    m = _CLAUSE_ROMAN.match(text)
    if m:
        rest = text[m.end():]
        if rest[:1].isupper() and not _sentence_like(rest):
            return 1
    return 0


def is_caps_heading(text: str) -> bool:
    if not short_enough(text) or text.upper() != text or DATE_LINE.match(text):
        return False
    if sum(1 for c in text if c.isalpha()) < 4:
        return False
    return not (text.endswith((".", "!", "?", ",", ";")) and len(text.split()) >= 5)


def is_bold_heading(text: str) -> bool:
    if not short_enough(text) or len(text.split()) > 12 or DATE_LINE.match(text):
        return False
    if not (text[:1].isupper() or text[:1].isdigit() or text[:1] in "\"“'‘"):
        return False
    return not _sentence_like(text)


def resolve(items: list) -> list[str]:
    """Turn heading candidates into headings, or back into text when their neighbours say so.

    A run of two or more candidates of one kind with nothing between them is not a run of empty
    sections but a list (numbered paragraphs) or lines of one block (an address in bold); a
    candidate at the very end, or right before a real heading, titles nothing.
    """
    out: list[str] = []
    n = len(items)
    i = 0
    # A page without an h1 often opens with its title set in bold or capitals, maybe under the
    # issuer's name: the last of those opening lines is the title, the lines before it are text.
    if n and isinstance(items[0], Candidate) and not any(isinstance(x, str) and x.startswith("# ") for x in items):
        while i < n and isinstance(items[i], Candidate) and items[i].kind != "numbered":
            i += 1
        if i and i < n and not (isinstance(items[i], str) and items[i].startswith("#")):
            out.extend(escape_start(c.text) for c in items[: i - 1])
            out.append("# " + items[i - 1].text)
        else:
            i = 0
    while i < n:
        item = items[i]
        if not isinstance(item, Candidate):
            out.append(item)
            i += 1
            continue
        j = i + 1
        while j < n and isinstance(items[j], Candidate) and items[j].kind == item.kind and items[j].depth == item.depth:
            j += 1
        run = items[i:j]
        after = items[j] if j < n else None
        titles_nothing = after is None or (isinstance(after, str) and after.startswith("#"))
        if len(run) == 1 and not titles_nothing:
            out.append("#" * item.level + " " + item.text)
        else:
            for c in run:
                out.append(c.text if c.kind == "numbered" and c.depth == 1 and _CLAUSE_NUM.match(c.text)
                           else escape_start(c.text))
        i = j
    return _number_runs(out)


_ESCAPED_NUMBER = re.compile(r"^\\(\d{1,2})\. ")


def _number_runs(blocks: list[str]) -> list[str]:
    """Paragraphs numbered 1., 2., 3. in a row are an ordered list typed by hand: make it one."""
    out = list(blocks)
    i = 0
    while i < len(out):
        m = _ESCAPED_NUMBER.match(out[i])
        if not m or m.group(1) != "1":
            i += 1
            continue
        j = i + 1
        while j < len(out) and (mj := _ESCAPED_NUMBER.match(out[j])) and int(mj.group(1)) == j - i + 1:
            j += 1
        if j - i >= 2:
            for k in range(i, j):
                out[k] = out[k][1:]
        i = j
    return out


def title_of(blocks: list[str]) -> str:
    return next((b[2:] for b in blocks if b.startswith("# ")), "")
