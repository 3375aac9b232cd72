"""PDF in, canonical Document out: the text layer, without page furniture, re-flowed.

pypdf gives the text of each page with the position, size and font of each run. From that:
lines (runs on one baseline), page furniture removed (running headers and footers repeated across
pages, page numbers), paragraphs by vertical gaps, headings by size, weight and numbering, words
hyphenated at line ends joined. Pure: bytes in, Document out.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
from collections import Counter
from dataclasses import dataclass

from tracker.errors import ExtractionError
from tracker.folding import fold
from tracker.headings import Candidate, clause_depth, resolve
from tracker.model import Document, build_document
from tracker.plaintext import line_width, paragraph_items, text_blocks, vocabulary_of

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:page|p\.|seite|página|pagina)?\s*\d{1,4}(?:\s*(?:of|/|von|de|di)\s*\d{1,4})?(?:\s*[-–—])?$",
    re.I,
)
_ROMAN_PAGE = re.compile(r"^[ivxlc]{1,6}$", re.I)
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_BULLET_START = re.compile(r"^\s*[•◦▪▫●○■□‣⁃∙·➢►-]\s")


@dataclass
class PdfLine:
    text: str
    y: float
    x: float
    size: float
    bold: bool
    page: int


def normalize_pdf(body: bytes) -> Document:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - pypdf is a dependency
        raise ExtractionError("reading PDF needs the pypdf package", kind="unparseable") from exc
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(body))
        pages = [_page_lines(page, n) for n, page in enumerate(reader.pages)]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ExtractionError(f"cannot read PDF: {exc}", kind="unparseable") from exc
    lines = [ln for page in _drop_furniture(pages) for ln in page]
    if not lines:
        raise ExtractionError("the PDF has no text layer (a scan?)", kind="empty")
    blocks = _blocks(lines)
    return build_document(blocks, title=next((b[2:] for b in blocks if b.startswith("# ")), ""))


def _page_lines(page, number: int) -> list[PdfLine]:
    runs: list[tuple[float, float, float, bool, str]] = []

    def visit(text, cm, tm, font_dict, font_size) -> None:
        if not text or not text.strip("\n"):
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * ((cm[2] ** 2 + cm[3] ** 2) ** 0.5 or 1)
        size = round(float(font_size) * (scale or 1), 1)
        font = str(font_dict.get("/BaseFont", "")) if font_dict else ""
        for i, part in enumerate(text.split("\n")):
            if part.strip():
                runs.append((round(y, 0) - i * size * 1.2, x, size, bool(_BOLD_FONT.search(font)), part))

    text = page.extract_text(visitor_text=visit)
    if not runs:  # no positions from this producer: fall back to the plain text, line by line
        return [PdfLine(ln, -i * 12.0, 0, 10, False, number) for i, ln in enumerate((text or "").split("\n"))
                if ln.strip()]
    # Runs on one baseline form a line, read top to bottom, left to right.
    by_y: dict[float, list[tuple[float, float, bool, str]]] = {}
    for y, x, size, bold, part in runs:
        key = next((k for k in by_y if abs(k - y) <= 2), y)
        by_y.setdefault(key, []).append((x, size, bold, part))
    lines = []
    for y in sorted(by_y, reverse=True):
        parts = sorted(by_y[y], key=lambda r: r[0])
        text = ""
        end = None
        for x, size, _, part in parts:
            gap = end is not None and x - end > size * 0.15
            if text and gap and not text.endswith(" ") and not part.startswith(" "):
                text += " "
            text += part
            end = x + len(part) * size * 0.5
        text = fold(text)
        if text:
            lines.append(PdfLine(text, y, parts[0][0], max(p[1] for p in parts), all(p[2] for p in parts), number))
    return lines


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _drop_furniture(pages: list[list[PdfLine]], band: int = 2) -> list[list[PdfLine]]:
    """Remove page numbers and the lines repeated at the top or bottom of most pages."""
    counts: Counter[str] = Counter()
    for page in pages:
        edge = {_furniture_key(ln.text) for ln in page[:band] + page[-band:]}
        counts.update(edge)
    repeated = {k for k, c in counts.items() if len(pages) >= 2 and c >= max(2, 0.5 * len(pages))}
    out = []
    for page in pages:
        edge_ids = {id(ln) for ln in page[:band] + page[-band:]}
        kept = []
        for ln in page:
            if id(ln) in edge_ids and (
                _furniture_key(ln.text) in repeated or _PAGE_NUMBER.match(ln.text) or _ROMAN_PAGE.match(ln.text)
            ):
                continue
            kept.append(ln)
        out.append(kept)
    return out


def _blocks(lines: list[PdfLine]) -> list[str]:
    chars: Counter[float] = Counter()
    for ln in lines:
        chars[ln.size] += len(ln.text)
    body = chars.most_common(1)[0][0]
    # Vertical distance between consecutive lines of body text on one page: the line pitch.
    pitches = sorted(a.y - b.y for a, b in itertools.pairwise(lines)
                     if a.page == b.page and a.size == body and b.size == body and a.y > b.y)
    pitch = pitches[len(pitches) // 2] if pitches else body * 1.2
    large = [ln for ln in lines if ln.size >= body * 1.15 and _heading_shape(ln.text)]
    title = lines[0] if large and lines[0] is large[0] and lines[0].size == max(ln.size for ln in large) else None
    section_sizes = sorted({ln.size for ln in large if ln is not title}, reverse=True)

    lengths = sorted(len(ln.text) for ln in lines if ln.size == body)
    full = lengths[int(len(lengths) * 0.9)] if lengths else 80
    # Group lines into paragraphs; a heading line (larger, or bold and short) stands alone.
    groups: list[tuple[str, list[PdfLine]]] = []  # kind: "title", "size", "bold" or "" for text
    for i, ln in enumerate(lines):
        prev = lines[i - 1] if i else None
        if ln is title:
            kind = "title"
        elif ln.size >= body * 1.15 and _heading_shape(ln.text):
            kind = "size"
        elif (ln.bold and _heading_shape(ln.text) and not ln.text.endswith(".")
              and (ln.text[:1].isupper() or ln.text[:1].isdigit())):
            kind = "bold"
        else:
            kind = ""
        if kind:
            if groups and groups[-1][0] == kind and kind != "bold" and prev is not None and prev.size == ln.size \
                    and prev.page == ln.page and prev.y - ln.y <= ln.size * 1.5:
                groups[-1][1].append(ln)  # a heading wrapped over two lines
            else:
                groups.append((kind, [ln]))
            continue
        new_para = (
            prev is None
            or groups[-1][0] != ""
            or _BULLET_START.match(ln.text)
            or (prev.page == ln.page and prev.y - ln.y > pitch * 1.35)
            or (prev.page != ln.page and len(prev.text) < 0.8 * full)  # a short last line ends a paragraph
            or abs(prev.size - ln.size) > 0.5
        )
        if new_para:
            groups.append(("", [ln]))
        else:
            groups[-1][1].append(ln)

    paragraphs = [[ln.text for ln in g] for _, g in groups]
    if all(kind == "" for kind, _ in groups):
        return text_blocks(paragraphs)  # no typographic cues: headings from the words alone
    vocabulary = vocabulary_of(paragraphs)
    width = line_width(paragraphs)
    items: list = []
    state = {"level": 1}
    for (kind, group), raw in zip(groups, paragraphs, strict=False):
        text = fold(" ".join(raw))
        if kind == "title":
            items.append("# " + text)
        elif kind == "size":
            depth = clause_depth(text)
            level = min(6, 1 + depth) if depth else min(6, 2 + section_sizes.index(group[0].size))
            items.append("#" * level + " " + text)
            state["level"] = level
        elif kind == "bold":
            depth = clause_depth(text)
            if depth:
                state["level"] = min(6, 1 + depth)
                items.append(Candidate(text, "numbered", depth, state["level"]))
            else:
                items.append(Candidate(text.rstrip(":"), "bold", 0, min(6, state["level"] + 1)))
        else:
            items.extend(paragraph_items(raw, state, vocabulary, width))
    return resolve(items)


def _heading_shape(text: str) -> bool:
    return len(text) <= 120 and len(text.split()) <= 14 and not text.endswith((",", ";")) \
        and not _BULLET_START.match(text) and not _PAGE_NUMBER.match(text)
