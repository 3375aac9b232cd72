"""HTML (or text) in, canonical Document out. Pure: no network, no clock.

The canonical form drops everything that is not policy text and every way of writing the same text
differently (whitespace, NBSP, zero-width characters, link targets, list markers), so that two
fetches of an unchanged policy give byte-identical Markdown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import lxml.html
from lxml.html import HtmlElement

from tracker import extract
from tracker.errors import ExtractionError
from tracker.model import Document, build_document

NORMALIZER_VERSION = "1"

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "html", "legend",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul", "caption", *HEADINGS,
}
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e]")
_DATE_LINE = re.compile(
    r"^(?:last\s+(?:updated|modified|revised|reviewed)|(?:date\s+)?(?:updated|revised|effective)"
    r"(?:\s+(?:date|as\s+of|on|from))?|effective\s+date|version)\b",
    re.I,
)


@dataclass(frozen=True)
class Options:
    select: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Fold the ways of writing the same words: Unicode form, invisible characters, white space."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def normalize_html(html: str | bytes, options: Options = Options()) -> Document:
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        raise ExtractionError("the page is empty", kind="empty")
    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ExtractionError(f"cannot parse HTML: {exc}", kind="unparseable") from exc
    page_title = fold(root.findtext(".//title") or "")
    block = extract.apply_selectors(root, options.select, options.remove)
    extract.strip_chrome(block if options.select else root)
    if not options.select:
        block = extract.choose_block(root)
    blocks = _Converter().convert(block)
    return build_document(blocks, title=_title(blocks) or page_title)


def normalize_source(body: bytes, content_type: str, encoding: str, options: Options = Options()) -> Document:
    """Dispatch on the kind of document: HTML, plain text or Markdown (PDF in its own module)."""
    if "pdf" in content_type or body[:5] == b"%PDF-":
        from tracker.pdf import normalize_pdf

        return normalize_pdf(body)
    text = body.decode(encoding or "utf-8", errors="replace")
    if content_type in ("text/plain", "text/markdown", "text/x-markdown"):
        if options.select:
            raise ExtractionError("CSS selectors apply to HTML pages only", kind="selector_miss")
        return normalize_text(text)
    return normalize_html(text, options)


def normalize_text(text: str) -> Document:
    """Plain text or Markdown: paragraphs by blank lines, '#' headings kept."""
    return Document.from_markdown(fold_lines(text))


def fold_lines(text: str) -> str:
    lines = [fold(line) if not line.lstrip().startswith(("-", "*", "+")) else _fold_item(line)
             for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines)


def _fold_item(line: str) -> str:
    indent = len(line) - len(line.lstrip(" "))
    return " " * (indent - indent % 2) + "- " + fold(line.lstrip()[1:])


def _title(blocks: list[str]) -> str:
    return next((b[2:] for b in blocks if b.startswith("# ")), "")


class _Converter:
    """Walks the chosen block and emits canonical Markdown blocks."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.buf: list[str] = []

    def convert(self, el: HtmlElement) -> list[str]:
        self._walk(el)
        self._flush()
        return self.blocks

    def _flush(self) -> None:
        text = fold("".join(self.buf))
        self.buf.clear()
        if text:
            self.blocks.append(_escape_start(text))

    def _walk(self, el: HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in HEADINGS:
            self._flush()
            text = flat_text(el)
            if text:
                is_date = _DATE_LINE.match(text) and len(text.split()) <= 12
                self.blocks.append(_escape_start(text) if is_date else "#" * HEADINGS[tag] + " " + text)
        elif tag in ("ul", "ol"):
            self._flush()
            self._list(el, 0)
        elif tag == "table" and not _is_layout_table(el):
            self._flush()
            self._table(el)
        elif tag == "br":
            self.buf.append(" ")
        else:
            block = tag in BLOCK_TAGS
            if block:
                self._flush()
            if el.text:
                self.buf.append(el.text)
            for child in el:
                self._walk(child)
                if child.tail:
                    self.buf.append(child.tail)
            if block:
                self._flush()

    def _list(self, el: HtmlElement, depth: int) -> None:
        number = 0
        for li in el:
            if not isinstance(li.tag, str):
                continue
            if li.tag in ("ul", "ol"):  # a list directly inside a list: invalid, common
                self._list(li, depth + 1)
                continue
            nested = [c for c in li.iter("ul", "ol") if c is not li]
            nested_top = [n for n in nested if not any(a in nested for a in n.iterancestors())]
            text = flat_text(li, skip=set(nested_top))
            if text:
                number += 1
                marker = f"{number}." if el.tag == "ol" else "-"
                self.blocks.append("  " * depth + f"{marker} {text}")
            for sub in nested_top:
                self._list(sub, depth + 1 if text else depth)

    def _table(self, table: HtmlElement) -> None:
        rows: list[str] = []
        for tr in table.iter("tr"):
            cells = [flat_text(c).replace("|", "\\|") for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
            if any(cells):
                rows.append("| " + " | ".join(cells) + " |")
                if len(rows) == 1:
                    rows.append("|" + " --- |" * len(cells))
        caption = table.find("caption")
        if caption is not None and flat_text(caption):
            self.blocks.append(flat_text(caption))
        if rows:
            self.blocks.append("\n".join(rows))


def flat_text(el: HtmlElement, skip: set | None = None) -> str:
    """Text of an element on one line: block boundaries become spaces, inline runs stay glued."""
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        block = tag in BLOCK_TAGS or tag == "br"
        if block:
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        for child in node:
            if skip is None or child not in skip:
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append(" ")

    walk(el)
    return fold("".join(parts))


def _is_layout_table(table: HtmlElement) -> bool:
    """Tables used to lay out a page (headings or long prose inside) are walked as blocks."""
    if next(table.iter(*HEADINGS), None) is not None:
        return True
    return any(extract.words(cell) > 150 for cell in table.iter("td"))


_MD_START = re.compile(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\|)")


def _escape_start(text: str) -> str:
    """A paragraph that happens to start like Markdown syntax must not parse back as structure."""
    return "\\" + text if _MD_START.match(text) else text
