"""The chosen block of a page as canonical Markdown blocks: headings (real and pseudo), paragraphs,
list items, tables; inline runs glued, block boundaries kept, text straight inside lists and tables
kept in reading order. Pure: an lxml element in, a list of strings out.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.etree import _Element as HtmlElement

from tracker import edges, extract, noise
from tracker.folding import fold
from tracker.headings import (
    DATE_LINE,
    Candidate,
    clause_depth,
    escape_start,
    is_bold_heading,
    is_caps_heading,
    resolve,
    short_enough,
)
from tracker.plaintext import BULLET, caps_text

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "html", "legend",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul", "caption", *HEADINGS,
}
BOLD_TAGS = {"b", "strong"}
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.IGNORECASE)
# Utility classes that set bold type (Tailwind, Bootstrap, site builders).
_BOLD_CLASS = re.compile(r"(?:^|\s)(?:font-(?:bold|semibold|extrabold|black)|fw-(?:bold|semibold|[6-9]00)|"
                         r"font-weight-bold|text-bold|bold|strong)(?:$|\s)")
_BR = "\n"  # a line break inside a block, until the block is flushed



class Converter:
    """Walks the chosen block and emits canonical Markdown blocks."""

    def __init__(self, *, links: bool = False, tracking_params: tuple[str, ...] = ()) -> None:
        self.items: list = []
        self.buf: list[str] = []
        self.link_flags: list[bool] = []  # per buffered text run: was it link text?
        self.unbold = False  # the buffer holds text that is not bold
        self.unlinked = False  # the buffer holds text outside links
        self.bold = 0
        self.in_link = 0
        self.level = 1  # the level of the last real (or numbered) heading: context for pseudo-headings
        self.links = links
        self.extra = tuple(p.lower() for p in tracking_params)

    def convert(self, el: HtmlElement) -> list[str]:
        self._walk(el)
        self._flush()
        return resolve(self.items)

    def _text(self, text: str) -> None:
        self._part(text, self.bold > 0 and not self.in_link, self.in_link > 0)

    def _part(self, text: str, bold: bool, link: bool) -> None:
        self.buf.append(text)
        self.link_flags.append(link)
        if text and not text.isspace():
            if not bold:
                self.unbold = True
            if not link:
                self.unlinked = True

    def _flush(self) -> None:
        if not self.buf:
            return
        raw = "".join(self.buf)
        bold_only, link_only = not self.unbold, not self.unlinked
        language_links = _language_lines(self.buf, self.link_flags) if _BR in raw and not link_only else ()
        self.buf.clear()
        self.link_flags.clear()
        self.unbold = self.unlinked = False
        if link_only and not self.items:
            return  # links before the title: "Edit this page", "Back to all articles", a breadcrumb
        if link_only and edges.is_language_link(fold(raw)):
            return  # "Version française": a link to the same policy in another language
        if _BR in raw:
            lines = [fold(x) for x in raw.split(_BR)]
            lines = [x for x in lines if x and x not in language_links]
            if len(lines) > 1:
                self._lines(lines)
                return
            raw = " ".join(lines)
        text = fold(raw)
        if text:
            self._block(text, bold_only)

    def _lines(self, lines: list[str]) -> None:
        """A block split by <br>: bulleted lines become list items, the rest stays one paragraph."""
        para: list[str] = []
        for line in lines:
            if BULLET.match(line):
                if para:
                    self._block(" ".join(para), False)
                    para = []
                self.items.append("- " + BULLET.sub("", line, count=1))
            else:
                para.append(line)
        if para:
            self._block(" ".join(para), False)

    def _block(self, text: str, bold_only: bool) -> None:
        if len(text) <= 80 and (noise.RELATIVE_TIME.match(text) or edges.is_control(text)):
            return  # "Updated 3 days ago" moves with the clock; "Print", "Back to top" are controls
        if BULLET.match(text):
            self.items.append("- " + BULLET.sub("", text, count=1))
            return
        if "](" not in text:
            depth = clause_depth(text)
            if depth:
                base = self.level if self.level >= 2 else 1
                level = min(6, base + depth)
                self.items.append(Candidate(text, "numbered", depth, level))
                return
            if (bold_only and is_bold_heading(text)) or is_caps_heading(text):
                self.items.append(Candidate(text.rstrip(":").strip() if bold_only else caps_text(text),
                                            "bold", 0, min(6, self.level + 1)))
                return
        self.items.append(escape_start(text))

    def _walk(self, el: HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in HEADINGS:
            self._flush()
            text = _heading_text(el)
            if text:
                is_date = DATE_LINE.match(text) and len(text.split()) <= 12
                if is_date:
                    self.items.append(escape_start(text))
                else:
                    self.items.append("#" * HEADINGS[tag] + " " + text)
                    self.level = HEADINGS[tag]
        elif tag in ("ul", "ol"):
            self._flush()
            self._list(el, 0)
        elif tag == "table" and not _is_layout_table(el):
            self._flush()
            self._table(el)
        elif tag == "br":
            self._part(_BR, False, False)
        elif tag == "summary":
            self._flush()
            text = flat_text(el)
            if text:  # a disclosure's title, as a reader sees it: a heading over what it opens
                self.items.append(Candidate(text, "bold", 0, min(6, self.level + 1)) if short_enough(text)
                                  else escape_start(text))
        else:
            block = tag in BLOCK_TAGS
            if block:
                self._flush()
            bold = tag in BOLD_TAGS or _styled_bold(el)
            link = self._link_target(el) if tag == "a" and self.links else ""
            if bold:
                self.bold += 1
            if tag == "a":
                self.in_link += 1
            if link:
                self._part("[", False, True)
            if el.text:
                self._text(el.text)
            for child in el:
                self._walk(child)
                if child.tail:
                    self._text(child.tail)
            if link:
                self._part(f"]({link})", False, True)
            if tag == "a":
                self.in_link -= 1
            if bold:
                self.bold -= 1
            if block:
                self._flush()

    def _link_target(self, el: HtmlElement) -> str:
        return link_target(el, self.extra)

    def _list(self, el: HtmlElement, depth: int, number: int | None = None) -> int:
        """A list's items; text written straight into the list (not in an <li>) stays in reading
        order as a paragraph, with its inline elements inline."""
        if number is None:
            number = _start(el) - 1
        loose: list[str] = []  # inline text between items, not yet written
        links = self.extra if self.links else None

        def flush_loose() -> None:
            if not loose:
                return
            text = "".join(loose)
            loose.clear()
            if not text.isspace():
                self.items.append(escape_start(fold(text)))

        if el.text:
            loose.append(el.text)
        for li in el:
            if not isinstance(li.tag, str):
                if li.tail:
                    loose.append(li.tail)
                continue
            if li.tag not in BLOCK_TAGS and li.tag != "li":  # <strong>, <a>, <span>: part of loose text
                loose.append(raw_text(li, links))
                if li.tail:
                    loose.append(li.tail)
                continue
            flush_loose()
            if li.tag in ("ul", "ol"):  # a list directly inside a list: invalid, common
                self._list(li, depth + 1)
            elif li.tag != "li" and next(li.iter("li"), None) is not None:
                number = self._list(li, depth, number)  # items wrapped in a <div>: the same list
            else:
                number = self._item(el, li, depth, number)
            if li.tail:
                loose.append(li.tail)
        flush_loose()
        return number

    def _item(self, el: HtmlElement, li: HtmlElement, depth: int, number: int) -> int:
        nested = [c for c in li.iter("ul", "ol") if c is not li]
        nested_top = [n for n in nested if not any(a in nested for a in n.iterancestors())]
        text = flat_text(li, skip=set(nested_top), links=self.extra if self.links else None)
        if text:
            number += 1
            if el.tag == "ol":
                marker = f"{number}."
                if text.startswith(str(number)):
                    text = re.sub(rf"^{number}[.)]\s+", "", text)  # a number typed into the item
            else:
                marker = "-"
                text = BULLET.sub("", text, count=1) or text
            self.items.append("  " * depth + f"{marker} {text}")
        for sub in nested_top:
            self._list(sub, depth + 1 if text else depth)
        return number

    def _table(self, table: HtmlElement) -> None:
        """Rows as a Markdown table; text written straight into the table, a row group or a row
        (not in a cell) is kept in reading order: a paragraph between rows, a cell within a row."""
        rows: list[str] = []
        links = self.extra if self.links else None
        caption = table.find("caption")
        if caption is not None and flat_text(caption):
            self.items.append(flat_text(caption))

        def paragraph(text: str | None) -> None:
            text = fold(text or "")
            if text:
                if rows:
                    self.items.append("\n".join(rows))
                    rows.clear()
                self.items.append(escape_start(text))

        def row(tr: HtmlElement) -> None:
            cells: list[str] = []
            if tr.text and tr.text.strip():
                cells.append(fold(tr.text))
            for c in tr:
                if isinstance(c.tag, str) and c.tag in ("td", "th"):
                    cells.append(flat_text(c, links=links))
                elif isinstance(c.tag, str):
                    cells.append(fold(raw_text(c, links)))
                if c.tail and c.tail.strip():
                    cells.append(fold(c.tail))
            cells = [c.replace("|", "\\|") for c in cells]
            if any(cells):
                rows.append("| " + " | ".join(cells) + " |")
                if len(rows) == 1:
                    rows.append("|" + " --- |" * len(cells))

        def group(node: HtmlElement) -> None:
            paragraph(node.text)
            for child in node:
                if not isinstance(child.tag, str):
                    pass  # a comment
                elif child.tag == "tr":
                    row(child)
                elif child.tag in ("thead", "tbody", "tfoot"):
                    group(child)
                elif child.tag != "caption":
                    paragraph(raw_text(child, links))
                paragraph(child.tail)

        group(table)
        if rows:
            self.items.append("\n".join(rows))


def _language_lines(parts: list[str], link_flags: list[bool]) -> set[str]:
    """Lines (between <br>s) that are only a link to the policy in another language."""
    found: set[str] = set()
    line: list[str] = []
    link_only = True
    for part, is_link in [*zip(parts, link_flags, strict=False), (_BR, False)]:
        if part is _BR or part == _BR:
            text = fold("".join(line))
            if text and link_only and edges.is_language_link(text):
                found.add(text)
            line, link_only = [], True
            continue
        line.append(part)
        if part.strip() and not is_link:
            link_only = False
    return found


def _styled_bold(el: HtmlElement) -> bool:
    style = el.get("style")
    if style and _BOLD_STYLE.search(style):
        return True
    cls = el.get("class")
    return bool(cls and _BOLD_CLASS.search(cls))


def _start(ol: HtmlElement) -> int:
    try:
        return max(1, int(ol.get("start") or 1)) if ol.tag == "ol" else 1
    except ValueError:
        return 1


def link_target(el: HtmlElement, extra: tuple[str, ...] = ()) -> str:
    """The cleaned target of a link, or "" when it has none worth writing (in-page, script)."""
    href = (el.get("href") or "").strip()
    if not href or href.startswith("#"):
        return ""
    return noise.clean_url(href, extra).replace(" ", "%20").replace(")", "%29")


_PERMALINK = re.compile(r"\s*[#¶🔗⚓]+$")


def _heading_text(el: HtmlElement) -> str:
    """A heading's words, without a permalink sign ("#", "¶") that some sites append."""
    return _PERMALINK.sub("", flat_text(el))


def flat_text(el: HtmlElement, skip: set | None = None, links: tuple[str, ...] | None = None) -> str:
    """Text of an element on one line: block boundaries become spaces, inline runs stay glued.

    With `links` (the extra tracking parameters to strip), links are written [text](url).
    """
    if links is None and not skip and next(el.iterdescendants(*_BREAKS), None) is None:
        # inline content only (most list items, cells, headings): libxml2 serialises it at C speed
        return fold(etree.tostring(el, method="text", encoding=str, with_tail=False))
    return fold(raw_text(el, links, skip))


_BREAKS = (*BLOCK_TAGS, "br")


def raw_text(el: HtmlElement, links: tuple[str, ...] | None = None, skip: set | None = None) -> str:
    """flat_text before folding: the spaces at its ends are kept, for text that flows around it."""
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        block = tag in BLOCK_TAGS or tag == "br"
        if block:
            parts.append(" ")
        target = link_target(node, links) if links is not None and tag == "a" else ""
        if target:
            parts.append("[")
        if node.text:
            parts.append(node.text)
        for child in node:
            if skip is None or child not in skip:
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if target:
            parts.append(f"]({target})")
        if block:
            parts.append(" ")

    walk(el)
    return "".join(parts)


def _is_layout_table(table: HtmlElement) -> bool:
    """Tables used to lay out a page (headings or long prose inside) are walked as blocks."""
    if next(table.iter(*HEADINGS), None) is not None:
        return True
    return any(extract.words(cell) > 150 for cell in table.iter("td"))


