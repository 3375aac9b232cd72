"""HTML (or text) in, canonical Document out. Pure: no network, no clock.

The canonical form drops everything that is not policy text and every way of writing the same text
differently (whitespace, NBSP, zero-width characters, link targets, list markers), so that two
fetches of an unchanged policy give byte-identical Markdown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from functools import lru_cache

from lxml import etree
from lxml.etree import _Element as HtmlElement

from tracker import extract, noise
from tracker.errors import ExtractionError
from tracker.model import Document, build_document

NORMALIZER_VERSION = "2"

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "html", "legend",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul", "caption", *HEADINGS,
}
BOLD_TAGS = {"b", "strong"}
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u180e]")
_DATE_LINE = re.compile(
    r"^(?:last\s+(?:updated|modified|revised|reviewed)|(?:date\s+)?(?:updated|revised|effective)"
    r"(?:\s+(?:date|as\s+of|on|from))?|effective\s+date|version)\b",
    re.I,
)
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
    root = parse_html(html)
    page_title = fold(root.findtext(".//title") or "")
    noise.decode_cloudflare_emails(root)
    block = extract.apply_selectors(root, options.select, options.remove)
    extract.strip_chrome(block if options.select else root)
    if not options.select:
        block = extract.choose_block(root)
    blocks = _Converter(options).convert(block)
    return build_document(blocks, title=_title(blocks) or page_title)


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
# Headings that are not heading tags: numbered clauses, bold-only lines, ALL-CAPS lines.

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


def _title_like(words: list[str]) -> bool:
    long = [w for w in words if len(w.strip("(),.;:'\"")) > 3]
    if not long:
        return True
    return sum(1 for w in long if w.strip("(\"'“‘")[:1].isupper()) >= 0.6 * len(long)


def _short_enough(text: str) -> bool:
    return len(text) <= MAX_HEADING_CHARS and len(text.split()) <= MAX_HEADING_WORDS


def _sentence_like(rest: str) -> bool:
    """Ends like a sentence and does not read like a title: "You must be 18." not "Governing Law."."""
    if rest.endswith((",", ";")):
        return True
    return rest.endswith((".", "!", "?")) and not (_title_like(rest.split()) and len(rest.split()) <= 8)


def clause_depth(text: str) -> int:
    """1 for "1. Scope", "Section 4", "ARTICLE V"; 2 for "1.2 Cookies"; 0 if not a numbered heading."""
    if not _short_enough(text) or _DATE_LINE.match(text):
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
        if not (rest[:1].isupper() or rest[:1] in "\"“'‘") or _sentence_like(rest) or not re.search(r"[A-Za-z]{2}", rest):
            return 0
        return number.count(".") + 1
    m = _CLAUSE_ROMAN.match(text)
    if m:
        rest = text[m.end():]
        if rest[:1].isupper() and not _sentence_like(rest):
            return 1
    return 0


def is_caps_heading(text: str) -> bool:
    if not _short_enough(text) or text.upper() != text or _DATE_LINE.match(text):
        return False
    if sum(1 for c in text if c.isalpha()) < 4:
        return False
    return not (text.endswith((".", "!", "?", ",", ";")) and len(text.split()) >= 5)


def is_bold_heading(text: str) -> bool:
    if not _short_enough(text) or len(text.split()) > 12 or _DATE_LINE.match(text):
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
            out.extend(_escape_start(c.text) for c in items[: i - 1])
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
                           else _escape_start(c.text))
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


# --------------------------------------------------------------------------------------------
# Plain text (and the text layer of PDFs): paragraphs, lists and headings from lines.

_BULLET = re.compile(r"^\s*(?:[-*+•◦▪▫●○■□‣⁃∙·➢►–](?=\s)|[•◦▪▫●○■□‣⁃∙·➢►])\s*")
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
    return build_document(blocks, title=_title(blocks))


def text_blocks(paragraphs: list[list[str]]) -> list[str]:
    """Blocks from paragraphs of raw lines: headings, list items, re-flowed paragraphs."""
    vocabulary = vocabulary_of(paragraphs)
    width = line_width(paragraphs)
    items: list = []
    state = {"level": 1}
    for i, lines in enumerate(paragraphs):
        lines = [ln for ln in lines if ln.strip()]
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
        is_caps_heading(text) or _title_like(text.split())) and not text.endswith((".", ",", ";", ":"))


def _line_heading(text: str, state: dict) -> Candidate | None:
    depth = clause_depth(text)
    if depth:
        level = min(6, 1 + depth)
        state["level"] = level
        return Candidate(text, "numbered", depth, level)
    if is_caps_heading(text):
        return Candidate(_caps_text(text), "caps", 0, min(6, state["level"] + 1))
    return None


def _caps_text(text: str) -> str:
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


def join_lines(lines: list[str], vocabulary: set[str] = frozenset()) -> str:
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
                out.append("- " + _BULLET.sub("", text, count=1))
            elif kind == "item":
                out.append("- " + text)
            elif text:
                out.append(_escape_start(text))
        chunk, kind = [], ""

    numbered_items = sum(1 for ln in lines if re.match(r"^\s*\d{1,2}[.)]\s", ln)) >= 2
    for line in lines:
        if _BULLET.match(line):
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
    lines = [fold(line) if not _BULLET.match(line) else _fold_item(line)
             for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines)


def _fold_item(line: str) -> str:
    indent = len(line) - len(line.lstrip(" "))
    return " " * (indent - indent % 2) + "- " + fold(_BULLET.sub("", line, count=1))


def _title(blocks: list[str]) -> str:
    return next((b[2:] for b in blocks if b.startswith("# ")), "")


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
        bold_only = all(flag for part, flag in zip(self.buf, self.bold_flags) if part.strip())
        link_only = all(flag for part, flag in zip(self.buf, self.link_flags) if part.strip())
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
            if _BULLET.match(line):
                if para:
                    self._block(" ".join(para), False)
                    para = []
                self.items.append("- " + _BULLET.sub("", line, count=1))
            else:
                para.append(line)
        if para:
            self._block(" ".join(para), False)

    def _block(self, text: str, bold_only: bool) -> None:
        if noise.RELATIVE_TIME.match(text):
            return  # "Updated 3 days ago": moves with the clock
        if _BULLET.match(text):
            self.items.append("- " + _BULLET.sub("", text, count=1))
            return
        if "](" not in text:
            depth = clause_depth(text)
            if depth:
                base = self.level if self.level >= 2 else 1
                level = min(6, base + depth)
                self.items.append(Candidate(text, "numbered", depth, level))
                return
            if (bold_only and is_bold_heading(text)) or is_caps_heading(text):
                self.items.append(Candidate(text.rstrip(":").strip() if bold_only else _caps_text(text),
                                            "bold", 0, min(6, self.level + 1)))
                return
        self.items.append(_escape_start(text))

    def _walk(self, el: HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in HEADINGS:
            self._flush()
            text = _heading_text(el)
            if text:
                is_date = _DATE_LINE.match(text) and len(text.split()) <= 12
                if is_date:
                    self.items.append(_escape_start(text))
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
                self.items.append(Candidate(text, "bold", 0, min(6, self.level + 1)) if _short_enough(text)
                                  else _escape_start(text))
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
                    text = _BULLET.sub("", text, count=1) or text
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


_MD_START = re.compile(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\|)")


def _escape_start(text: str) -> str:
    """A paragraph that happens to start like Markdown syntax must not parse back as structure."""
    return "\\" + text if _MD_START.match(text) else text
