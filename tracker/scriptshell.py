"""Is a fetched page a script shell (its text built by JavaScript) that only a browser can read?

Pure: HTML in, a choice out. `render = "auto"` renders a page in Chromium only when this says so,
so an ordinary page pays one parse and never needs a browser. The signs, strongest first:

- a known policy-embed container that is still empty (Termly, iubenda, OneTrust notices,
  Termageddon, GetTerms, Cookiebot's cookie declaration): the policy text lives in the embed;
- a `<noscript>` "enable JavaScript" notice, or an empty single-page-app root (#root, #app,
  #__next, <app-root>...), on a page that has little text of its own;
- hardly any text at all on a page that runs scripts.

A `<noscript>` notice or an empty root alone is no proof: server-rendered React pages keep both
and carry the whole text, so those signs count only when the page's own text is short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import lxml.html
from lxml import etree

Path = Literal["http", "browser"]

LITTLE_TEXT = 120  # words: below this, a page that runs scripts is treated as a shell
SHORT_TEXT = 400  # words: below this, a noscript notice or an empty app root means a shell
EMPTY = 20  # words: a container holding fewer is empty

# (provider, XPath of the container the script fills)
EMBEDS: tuple[tuple[str, str], ...] = (
    ("Termly", "//*[@name='termly-embed' or @data-name='termly-embed']"),
    ("iubenda", "//*[contains(concat(' ', normalize-space(@class), ' '), ' iub-body-embed ')]"),
    ("OneTrust notice", ("//*[contains(concat(' ', normalize-space(@class), ' '), ' otnotice ')"
                        " or starts-with(@id, 'otnotice-')]")),
    ("Termageddon", "//*[@data-policy-key and (@id='policy' or contains(@class, 'policy_embed'))]"),
    ("GetTerms", "//*[contains(@class, 'getterms-document-embed')]"),
    ("Cookiebot declaration", "//script[@id='CookieDeclaration' and contains(@src, 'cookiebot')]"),
)
APP_ROOTS = ("root", "app", "__next", "__nuxt", "___gatsby", "svelte", "app-root", "main-app", "application",
             "react-root", "q-app")
_APP_ROOT_XPATH = ("//body//*[" + " or ".join(f"@id='{i}'" for i in APP_ROOTS)
                   + "] | //body//app-root")
_NOSCRIPT_NOTICE = re.compile(r"\b(enable|turn on|activate|allow)\b.{0,40}\bjava\s*script\b|"
                              r"\bjava\s*script\b.{0,60}\b(required|needed|disabled|enabled|must be|not available|"
                              r"turned off|to run this app)\b", re.IGNORECASE | re.DOTALL)
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "svg"})
_SCRIPT = re.compile(r"<[sS][cC][rR][iI][pP][tT]\b")  # no IGNORECASE: 10x faster
_EMBED_MARKERS = ("termly-embed", "iub-body-embed", "otnotice", "data-policy-key", "getterms-document-embed",
                  "CookieDeclaration")  # a plain substring test: an alternation regex costs 8 ms on 88 KB


@dataclass(frozen=True)
class Choice:
    """Which path a page takes and why (shown by `tracker validate`)."""

    path: Path
    reason: str


def choose(mode: str, body: str, content_type: str = "text/html") -> Choice:
    """The render path for a page fetched over HTTP, given the policy's `render` setting."""
    if mode == "http":
        return Choice("http", 'render = "http"')
    if content_type and "html" not in content_type:
        return Choice("http", f"{content_type} is not HTML: nothing for a browser to run")
    if mode == "browser":
        return Choice("browser", 'render = "browser"')
    return shell_signs(body)


def shell_signs(body: str) -> Choice:
    """The `auto` decision for an HTML page. An ordinary page costs one parse and a word count that
    stops at SHORT_TEXT words (about 2.5 ms on an 88 KB page); a page without scripts, nothing."""
    if not _SCRIPT.search(body):
        return Choice("http", "auto: the page runs no scripts")
    try:
        root = lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return Choice("http", "auto: no HTML to read")
    page = root.find("body") if root.find("body") is not None else root
    if any(marker in body for marker in _EMBED_MARKERS):
        for provider, xpath in EMBEDS:
            for element in root.xpath(xpath):
                if element.tag == "script" or _words(element, EMPTY) < EMPTY:
                    return Choice("browser", f"auto: {provider} policy embed ({_describe(element)}) "
                                             "is filled by a script")
    words = _words(page, SHORT_TEXT)
    if words >= SHORT_TEXT:
        return Choice("http", f"auto: {SHORT_TEXT}+ words of text in the HTML")
    for element in root.xpath(_APP_ROOT_XPATH):
        if _words(element, EMPTY) < EMPTY:
            return Choice("browser", f"auto: empty app root {_describe(element)} and {words} words of text")
    for element in root.iter("noscript"):
        if _NOSCRIPT_NOTICE.search(" ".join(element.itertext())):
            return Choice("browser", f"auto: <noscript> asks to enable JavaScript and the page has {words} words")
    if words < LITTLE_TEXT:
        return Choice("browser", f"auto: {words} words of text on a page that runs scripts")
    return Choice("http", f"auto: {words} words of text in the HTML, no script-shell signs")


def _words(element, limit: int) -> int:
    """Words a reader would see without scripts, counted up to `limit` (script, style, noscript,
    template and svg excluded)."""
    count = 0
    walker = etree.iterwalk(element, events=("start",))
    for _, node in walker:
        if node is not element and node.tail:
            count += len(node.tail.split())
        if not isinstance(node.tag, str) or node.tag in _INVISIBLE:
            walker.skip_subtree()
            continue
        if node.text:
            count += len(node.text.split())
        if count >= limit:
            break
    return count


def _describe(element) -> str:
    if element.get("id"):
        return f"{element.tag}#{element.get('id')}"
    if element.get("name"):
        return f"{element.tag}[name={element.get('name')}]"
    classes = (element.get("class") or "").split()
    return element.tag + "".join(f".{c}" for c in classes[:2])
