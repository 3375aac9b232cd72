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

from tracker import blockchoice, combine, edges, extract, noise
from tracker.controls import map_strings, strip_controls
from tracker.coverage import Coverage, Dropped, Ledger
from tracker.errors import ExtractionError
from tracker.folding import fold
from tracker.headings import title_of
from tracker.htmlblocks import Converter
from tracker.model import Document, build_document
from tracker.plaintext import normalize_text
from tracker.ranges import Selector

NORMALIZER_VERSION = "3"  # 3: hidden prose, loose text, chrome without tags (issue 12)

@dataclass(frozen=True)
class Options:
    select: tuple[Selector, ...] = ()  # CSS strings and range selectors (tracker.ranges)
    remove: tuple[Selector, ...] = ()
    # extra query parameter names to strip from link targets (on top of noise.TRACKING_PARAMS)
    tracking_params: tuple[str, ...] = ()
    # write link targets as [text](url) (cleaned of tracking parameters and per-fetch ids)
    links: bool = False
    # a combined document (tracker.combine): the options of each part, in order
    parts: tuple[Options, ...] = ()


@dataclass(frozen=True)
class Extraction:
    """A normalized document and the account of what the page held and what was dropped."""

    document: Document
    coverage: Coverage


def normalize_html(html: str | bytes, options: Options = Options()) -> Document:
    return extract_html(html, options).document


def extract_html(html: str | bytes, options: Options = Options()) -> Extraction:
    """HTML to Document, with coverage; a page that yields no text at all is an error."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        raise ExtractionError("the page is empty", kind="empty")
    root = parse_html(html)
    _check_depth(root)
    page_title = fold(root.findtext(".//title") or "")
    if "data-cfemail" in html or "email-protection" in html:  # a scan of the tree only when it can pay
        noise.decode_cloudflare_emails(root)
    ledger = Ledger()
    block = blockchoice.apply_selectors(root, options.select, options.remove, ledger)
    extract.strip_chrome(block if options.select else root, ledger)
    if not options.select:
        block = blockchoice.choose_block(root, ledger)
        edges.trim_edges(block, ledger)
        edges.drop_tables_of_contents(block, ledger)
    blocks = Converter(links=options.links, tracking_params=options.tracking_params).convert(block)
    doc = build_document(blocks, title=title_of(blocks) or page_title)
    coverage = ledger.coverage(extract.words(block))
    if not doc.sections:
        largest = max(coverage.dropped, key=lambda d: d.words, default=None)
        why = f"; the largest drop: {largest.words} words {largest.reason.value} at {largest.path}" if largest else ""
        raise ExtractionError(f"no text was extracted from a page of {coverage.page_words} words{why}", kind="empty")
    return Extraction(doc, coverage)


MAX_DEPTH = 400  # elements nested deeper than this are refused loudly (the walk is recursive)


def _check_depth(root: etree._Element) -> None:
    """A page nested deeper than the walk can follow fails loudly, never as a silently cut text."""
    if _TOO_DEEP(root):
        raise ExtractionError(f"the page is nested more than {MAX_DEPTH} elements deep: it cannot be read "
                              "safely", kind="unparseable")


# any element MAX_DEPTH + 1 levels below the root (libxml2 walks the levels in C: ~0.1 ms a page)
_TOO_DEEP = etree.XPath("/".join(["*"] * (MAX_DEPTH + 1)) + "[1]")


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
    # huge_tree: libxml2 otherwise drops everything nested 256 deep, and the rest of the page with it
    return etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False, huge_tree=True)


def normalize_source(body: bytes, content_type: str, encoding: str, options: Options = Options()) -> Document:
    return extract_source(body, content_type, encoding, options).document


def extract_source(body: bytes, content_type: str, encoding: str, options: Options = Options()) -> Extraction:
    """Dispatch on the kind of document: HTML, plain text or Markdown (PDF in its own module), or
    several of them combined into one (tracker.combine)."""
    if combine.is_combined(content_type):
        return _combined(body, content_type, options)
    if "pdf" in content_type or body[:5] == b"%PDF-":
        from tracker.pdf import normalize_pdf

        return _whole(map_strings(normalize_pdf(body), strip_controls))
    text = strip_controls(body.decode(encoding or "utf-8", errors="replace"))  # no terminal escapes, no bidi
    if content_type in ("text/plain", "text/markdown", "text/x-markdown"):
        if options.select:
            raise ExtractionError("CSS selectors apply to HTML pages only", kind="selector_miss")
        return _whole(normalize_text(text))
    return extract_html(text, options)


def _combined(body: bytes, content_type: str, options: Options) -> Extraction:
    """Each part extracted with its own options, the texts joined in order into one document."""
    try:
        parts = combine.unpack(body, content_type)
    except ValueError as exc:
        raise ExtractionError(f"cannot read the combined pages: {exc}", kind="unparseable") from None
    if options.parts and len(parts) != len(options.parts):
        raise ExtractionError(f"the stored pages are {len(parts)} but the policy combines {len(options.parts)}: "
                              "check the policy again to fetch them", kind="selector_miss")
    blocks: list[str] = []
    title = ""
    kept = page = 0
    dropped: list[Dropped] = []
    for i, part in enumerate(parts):
        try:
            extraction = extract_source(part.body, part.content_type, part.encoding,
                                        options.parts[i] if options.parts else options)
        except ExtractionError as exc:
            exc.args = (f"page {i + 1} of {len(parts)} ({part.url}): {exc}",)
            raise
        doc = extraction.document
        title = title or doc.title
        for section in doc.sections:
            blocks += ([f"{'#' * section.level} {section.heading}"] if section.level else []) + list(section.blocks)
        kept += extraction.coverage.kept_words
        page += extraction.coverage.page_words
        dropped += extraction.coverage.dropped
    return Extraction(build_document(blocks, title=title), Coverage(kept, page, tuple(dropped)))


def _whole(doc: Document) -> Extraction:
    """PDF and plain text keep every word they hold (apart from page furniture)."""
    return Extraction(doc, Coverage(doc.word_count, doc.word_count))
