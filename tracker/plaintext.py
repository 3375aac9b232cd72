"""Plain text and Markdown documents (and the text layer of PDFs): paragraphs, lists and
headings from lines. Pure."""

from __future__ import annotations

import re

from tracker.folding import fold
from tracker.headings import Candidate, clause_depth, escape_start, is_caps_heading, resolve, title_like, title_of
from tracker.model import Document, build_document

BULLET = re.compile(r"^\s*(?:[-*+•◦▪▫●○■□‣⁃∙·➢►–](?=\s)|[•◦▪▫●○■□‣⁃∙·➢►])\s*")
_ITEM_MARK = re.compile(r"^\s*(?:\(?[a-z]\)|\(?[ivx]{1,4}\)|\(\d{1,2}\))\s+")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")


def normalize_text(text: str) -> Document:
    """Plain text or Markdown. Markdown keeps its '#' headings; plain text gets its headings from
    numbered clauses, ALL-CAPS lines and underlines, and its paragraphs re-flowed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(_MD_HEADING.match(line) for line in text.split("\n")):
        return Document.from_markdown(fold_lines(text))
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    blocks = text_blocks(paragraphs)
    return build_document(blocks, title=title_of(blocks))


def text_blocks(paragraphs: list[list[str]]) -> list[str]:
    """Blocks from paragraphs of raw lines: headings, list items, re-flowed paragraphs."""
    vocabulary = vocabulary_of(paragraphs)
    width = line_width(paragraphs)
    items: list = []
    state = {"level": 1}
    for paragraph in paragraphs:
        lines = [ln for ln in paragraph if ln.strip()]
        if len(lines) == 1 and all(isinstance(x, Candidate) for x in items) and _title_line(lines[0]):
            items.append(Candidate(fold(lines[0]), "title", 0, 1))  # the opening lines: a title
            continue
        # A heading underlined with === or ---.
        if len(lines) == 2 and _SETEXT.match(lines[1]) and len(lines[0].strip()) < 100:
            level = 1 if lines[1].strip()[0] == "=" else 2
            items.append("#" * level + " " + fold(lines[0]))
            state["level"] = level
            continue
        items.extend(paragraph_items(lines, state, vocabulary, width))
    return resolve(items)


def line_width(paragraphs: list[list[str]]) -> int:
    """The width of a full line (90th percentile), to tell a short heading line from wrapped text."""
    widths = sorted(len(line.strip()) for p in paragraphs for line in p)
    return widths[int(len(widths) * 0.9)] if widths else 80


def paragraph_items(lines: list[str], state: dict, vocabulary: set[str], width: int) -> list:
    """One paragraph of raw lines: heading lines at its top (printed without a blank line before
    the text), then list items and re-flowed text."""
    items: list = []
    while lines:
        head = fold(lines[0])
        candidate = _line_heading(head, state)
        if candidate is None or (len(lines) > 1 and len(lines[0].strip()) > 0.7 * width):
            break
        items.append(candidate)
        lines = lines[1:]
    if lines:
        items.extend(_paragraph_blocks(lines, vocabulary))
    return items


def _title_line(line: str) -> bool:
    text = fold(line)
    return bool(text) and len(text.split()) <= 10 and not clause_depth(text) and (
        is_caps_heading(text) or title_like(text.split())) and not text.endswith((".", ",", ";", ":"))


def _line_heading(text: str, state: dict) -> Candidate | None:
    depth = clause_depth(text)
    if depth:
        level = min(6, 1 + depth)
        state["level"] = level
        return Candidate(text, "numbered", depth, level)
    if is_caps_heading(text):
        return Candidate(caps_text(text), "caps", 0, min(6, state["level"] + 1))
    return None


def caps_text(text: str) -> str:
    return text.rstrip(":").strip()


def vocabulary_of(paragraphs: list[list[str]]) -> set[str]:
    vocab: set[str] = set()
    for p in paragraphs:
        for line in p:
            vocab.update(w.strip(".,;:()\"'“”‘’").lower() for w in line.split())
    return vocab


# First halves of words that keep their hyphen ("third-party", "opt-out", "e-mail", "30-day").
_COMPOUND_FIRST = frozenset(
    "third first second opt self non co e cross well long short up sign log follow end real full part high low "
    "so anti multi built user one two three four five six seven eight nine ten twelve thirty sixty ninety "
    "day year month week age sub out double single".split()
)


def join_lines(lines: list[str], vocabulary: frozenset[str] | set[str] = frozenset()) -> str:
    """Re-flow wrapped lines into one paragraph, joining words hyphenated at a line end."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not out:
            out = line
            continue
        m = re.search(r"(\w+)-$", out)
        if m and line[:1].islower():
            first = m.group(1)
            second = re.match(r"[\w'’]+", line)
            joined = (first + (second.group(0) if second else "")).lower()
            hyphened = (first + "-" + (second.group(0) if second else "")).lower()
            if joined in vocabulary and hyphened not in vocabulary:
                out = out[:-1] + line
            elif hyphened in vocabulary or first.lower() in _COMPOUND_FIRST or first.isdigit():
                out += line  # "third-" + "party": the hyphen is the word's own
            else:
                out = out[:-1] + line
        else:
            out += " " + line
    return fold(out)


def _paragraph_blocks(lines: list[str], vocabulary: set[str]) -> list:
    """A paragraph's lines: list items (bulleted, (a), 1.) each a block, the rest re-flowed."""
    out: list = []
    chunk: list[str] = []
    kind = ""

    def flush() -> None:
        nonlocal chunk, kind
        if chunk:
            text = join_lines(chunk, vocabulary)
            if kind == "bullet":
                out.append("- " + BULLET.sub("", text, count=1))
            elif kind == "item":
                out.append("- " + text)
            elif text:
                out.append(escape_start(text))
        chunk, kind = [], ""

    numbered_items = sum(1 for ln in lines if re.match(r"^\s*\d{1,2}[.)]\s", ln)) >= 2
    for line in lines:
        if BULLET.match(line):
            flush()
            chunk, kind = [line], "bullet"
        elif _ITEM_MARK.match(line) or (numbered_items and re.match(r"^\s*\d{1,2}[.)]\s", line)):
            flush()
            chunk, kind = [line], "item"
        else:
            chunk.append(line)
    flush()
    return out


def fold_lines(text: str) -> str:
    lines = [fold(line) if not BULLET.match(line) else _fold_item(line)
             for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines)


def _fold_item(line: str) -> str:
    indent = len(line) - len(line.lstrip(" "))
    return " " * (indent - indent % 2) + "- " + fold(BULLET.sub("", line, count=1))
