"""HTML (or text) in, canonical Document out. Pure: no network, no clock.

The canonical form drops everything that is not policy text and every way of writing the same text
differently (whitespace, NBSP, zero-width characters, link targets, list markers), so that two
fetches of an unchanged policy give byte-identical Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from lxml.etree import _Element as HtmlElement

from tracker import extract, noise
from tracker.errors import ExtractionError
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
    title_of,
)
from tracker.model import Document, build_document
from tracker.plaintext import BULLET, caps_text, normalize_text

NORMALIZER_VERSION = "2"

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "html", "legend",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul", "caption", *HEADINGS,
}
BOLD_TAGS = {"b", "strong"}
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.I)
# Utility classes that set bold type (Tailwind, Bootstrap, site builders).
_BOLD_CLASS = re.compile(r"(?:^|\s)(?:font-(?:bold|semibold|extrabold|black)|fw-(?:bold|semibold|[6-9]00)|"
                         r"font-weight-bold|text-bold|bold|strong)(?:$|\s)")
_BR = "\n"  # a line break inside a block, until the block is flushed


@dataclass(frozen=True)
class Options:
    select: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    # extra query parameter names to strip from link targets (on top of noise.TRACKING_PARAMS)
    tracking_params: tuple[str, ...] = ()
    # write link targets as [text](url) (cleaned of tracking parameters and per-fetch ids)
    links: bool = False


def normalize_html(html: str | bytes, options: Options = Options()) -> Document:
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        raise ExtractionError("the page is empty", kind="empty")
    root = parse_html(html)
    page_title = fold(root.findtext(".//title") or "")
    noise.decode_cloudflare_emails(root)
    block = extract.apply_selectors(root, options.select, options.remove)
    extract.strip_chrome(block if options.select else root)
    if not options.select:
        block = extract.choose_block(root)
    blocks = _Converter(options).convert(block)
    return build_document(blocks, title=title_of(blocks) or page_title)


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_html(html: str) -> etree._Element:
    """Parse into plain lxml elements (several times faster to walk than lxml.html's classes)."""
    html = _XML_DECL.sub("", html, count=1)  # lxml refuses a str that declares an encoding
    try:
        root = etree.fromstring(html, _parser())
    except (ValueError, etree.ParserError, etree.XMLSyntaxError) as exc:
        raise ExtractionError(f"cannot parse HTML: {exc}", kind="unparseable") from exc
    if root is None:
        raise ExtractionError("cannot parse HTML: no document element", kind="unparseable")
    if root.tag != "html":  # a fragment: give it the document shape the rest expects
        html_el = etree.Element("html")
        body = etree.SubElement(html_el, "body")
        body.append(root)
        root = html_el
    return root


@lru_cache(maxsize=1)
def _parser() -> etree.HTMLParser:
    return etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)


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


# --------------------------------------------------------------------------------------------
# HTML


class _Converter:
    """Walks the chosen block and emits canonical Markdown blocks."""

    def __init__(self, options: Options = Options()) -> None:
        self.items: list = []
        self.buf: list[str] = []
        self.bold_flags: list[bool] = []  # per buffered text run: was it bold?
        self.link_flags: list[bool] = []  # per buffered text run: was it link text?
        self.bold = 0
        self.in_link = 0
        self.level = 1  # the level of the last real (or numbered) heading: context for pseudo-headings
        self.links = options.links
        self.extra = tuple(p.lower() for p in options.tracking_params)

    def convert(self, el: HtmlElement) -> list[str]:
        self._walk(el)
        self._flush()
        return resolve(self.items)

    def _text(self, text: str) -> None:
        self.buf.append(text)
        self.bold_flags.append(self.bold > 0 and not self.in_link)
        self.link_flags.append(self.in_link > 0)

    def _flush(self) -> None:
        if not self.buf:
            return
        raw = "".join(self.buf)
        bold_only = all(flag for part, flag in zip(self.buf, self.bold_flags, strict=True) if part.strip())
        link_only = all(flag for part, flag in zip(self.buf, self.link_flags, strict=True) if part.strip())
        self.buf.clear()
        self.bold_flags.clear()
        self.link_flags.clear()
        if link_only and not self.items:
            return  # links before the title: "Edit this page", "Back to all articles", a breadcrumb
        if _BR in raw:
            lines = [fold(x) for x in raw.split(_BR)]
            lines = [x for x in lines if x]
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
        if noise.RELATIVE_TIME.match(text):
            return  # "Updated 3 days ago": moves with the clock
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
            self.buf.append(_BR)
            self.bold_flags.append(False)
            self.link_flags.append(False)
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
                self.buf.append("[")
                self.bold_flags.append(False)
                self.link_flags.append(True)
            if el.text:
                self._text(el.text)
            for child in el:
                self._walk(child)
                if child.tail:
                    self._text(child.tail)
            if link:
                self.buf.append(f"]({link})")
                self.bold_flags.append(False)
                self.link_flags.append(True)
            if tag == "a":
                self.in_link -= 1
            if bold:
                self.bold -= 1
            if block:
                self._flush()

    def _link_target(self, el: HtmlElement) -> str:
        return link_target(el, self.extra)

    def _list(self, el: HtmlElement, depth: int) -> None:
        number = _start(el) - 1
        for li in el:
            if not isinstance(li.tag, str):
                continue
            if li.tag in ("ul", "ol"):  # a list directly inside a list: invalid, common
                self._list(li, depth + 1)
                continue
            nested = [c for c in li.iter("ul", "ol") if c is not li]
            nested_top = [n for n in nested if not any(a in nested for a in n.iterancestors())]
            text = flat_text(li, skip=set(nested_top), links=self.extra if self.links else None)
            if text:
                number += 1
                if el.tag == "ol":
                    marker = f"{number}."
                    text = re.sub(rf"^{number}[.)]\s+", "", text)  # a number typed into the item
                else:
                    marker = "-"
                    text = BULLET.sub("", text, count=1) or text
                self.items.append("  " * depth + f"{marker} {text}")
            for sub in nested_top:
                self._list(sub, depth + 1 if text else depth)

    def _table(self, table: HtmlElement) -> None:
        rows: list[str] = []
        links = self.extra if self.links else None
        for tr in table.iter("tr"):
            cells = [flat_text(c, links=links).replace("|", "\\|") for c in tr
                     if isinstance(c.tag, str) and c.tag in ("td", "th")]
            if any(cells):
                rows.append("| " + " | ".join(cells) + " |")
                if len(rows) == 1:
                    rows.append("|" + " --- |" * len(cells))
        caption = table.find("caption")
        if caption is not None and flat_text(caption):
            self.items.append(flat_text(caption))
        if rows:
            self.items.append("\n".join(rows))


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
    return fold("".join(parts))


def _is_layout_table(table: HtmlElement) -> bool:
    """Tables used to lay out a page (headings or long prose inside) are walked as blocks."""
    if next(table.iter(*HEADINGS), None) is not None:
        return True
    return any(extract.words(cell) > 150 for cell in table.iter("td"))


