"""Page chrome built from plain divs: headers, side menus and footers with no tag or class that
names them (site builders generate class names), and the small controls and widgets that sit
between the sections of a policy ("Print", "Back to top", "Did this answer your question?").

Chrome of this kind sits at the edges of the chosen block: the block is chosen for its prose, so
what is left of the page around the policy hangs on its first and last children. Trimming walks
in from each edge and stops at the first element that reads as text.
"""

from __future__ import annotations

import re

from lxml.etree import _Element as HtmlElement

from tracker import noise
from tracker.coverage import Ledger, Reason
from tracker.extract import drop_element, link_words, squashed, words

COPYRIGHT = re.compile(r"^(?:©|\(c\)\s|copyright\b|all rights reserved)", re.IGNORECASE)
# Whole blocks that are controls or widgets, never policy text.
CONTROL = re.compile(
    r"^(?:print(?: this page| page)?|download(?: as)? pdf|expand all|collapse all|expand all collapse all|"
    r"show all|hide all|back to top|top of page|return to top|scroll to top|skip to (?:main )?content|"
    r"share(?: this (?:page|article))?|(?:table of )?contents|on this page|in this article|jump to(?: section)?|"
    r"view summary|learn more|read more|show more|show less|see more|see less|"
    r"(?:was this (?:article|page|answer|information) helpful|did this answer your question|"
    r"how did this make you feel|is this page useful)\??(?: yes no| \W+)?|"
    r"related articles|related posts|still need help\??|contact support|submit a request|"
    # the same controls on help centres in other languages
    r"copy link|copier le lien|link kopieren|copiar (?:el )?enlace|copia link|copiar link|imprimer|drucken|imprimir|"
    r"retour en haut|nach oben|volver arriba|articles connexes|verwandte artikel|artículos relacionados|"
    r"articoli correlati|artigos relacionados)[.:]?$",
    re.IGNORECASE,
)
WIDGET = re.compile(r"^(?:did this answer your question|was this (?:article|page|answer) helpful|"
                    r"is this page useful|how did this make you feel|\d+ out of \d+ found this helpful|"
                    r"cela vous a-t-il aidé|cet article vous a-t-il été utile|cette réponse vous a-t-elle aidé|"
                    r"war (?:dieser artikel|diese antwort|das) hilfreich|¿(?:te )?(?:ha )?(?:resultó|sido|fue) útil|"
                    r"questo articolo (?:ti )?è stato utile|este artigo foi útil)", re.IGNORECASE)
BACK_TO = re.compile(r"^(?:back|return|go back|go)\s+to\b", re.IGNORECASE)
_LEAF_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "table", "dl", "blockquote", "pre", "tr", "td"}
MAX_CHROME_WORDS = 250


LANGUAGE = re.compile(
    r"(?:^|\W)(?:english|español|espanol|castellano|français|francais|deutsch|italiano|português|portugues|"
    r"nederlands|polski|svenska|dansk|norsk|suomi|türkçe|čeština|magyar|română|ελληνικά|русский|українська|"
    r"日本語|中文|简体中文|繁體中文|한국어|العربية|עברית|हिन्दी|bahasa indonesia)(?:$|\W)",
    re.IGNORECASE,
)


def is_language_link(text: str) -> bool:
    """The text of a link to the page in another language ("Nuestra política en Español")."""
    n = len(text.split())
    return 2 <= n <= 8 and bool(LANGUAGE.search(text))  # a bare "Deutsch" may be a list of translations


def is_control(text: str) -> bool:
    """A paragraph that is a control or a byline of a help centre, not text of the policy."""
    return 0 < len(text) <= 80 and bool(CONTROL.match(text) or noise.BYLINE.match(text))


def trim_edges(block: HtmlElement, ledger: Ledger | None = None) -> None:
    """Remove chrome hanging on the first and last children of the block, recursively."""
    for from_end in (False, True):
        node = block
        for _ in range(64):  # depth and count bound: a page is not a list of a thousand menus
            kids = [c for c in node if isinstance(c.tag, str)]
            if from_end:
                kids.reverse()
                if kids and kids[0].tail and kids[0].tail.strip():
                    break  # loose text at the very edge: the edge is text
            elif node.text and node.text.strip():
                break
            edge = None
            for kid in kids:
                n = _words_upto(kid, MAX_CHROME_WORDS)
                if not n:
                    continue
                if not from_end and n <= 30 and next(kid.iter("h1"), None) is not None:
                    continue  # the title (a hero box): a side menu may stand right after it
                edge = (kid, n)
                break
            if edge is None:
                break
            el, n = edge
            if _is_chrome(el, n):
                if ledger is not None:
                    ledger.drop(el, Reason.CHROME, n)
                drop_element(el)
                continue
            if el.tag in _LEAF_BLOCKS:
                break
            if not any(isinstance(c.tag, str) for c in el):
                break
            node = el


def drop_tables_of_contents(block: HtmlElement, ledger: Ledger | None = None) -> None:
    """A list of links to the page's own anchors repeats its headings: it is navigation."""
    for lst in list(block.iter("ul", "ol")):
        if lst.getparent() is None or any(a.tag in ("ul", "ol") for a in lst.iterancestors()):
            continue  # gone with an earlier list, or nested: judged with its top list
        links = 0
        for a in lst.iter("a"):
            if not (a.get("href") or "").startswith("#"):
                links = -1
                break
            links += 1
        if links < 3:
            continue
        n = words(lst)
        anchor_words = link_words(lst)
        if anchor_words < 0.8 * n:
            continue
        target = lst
        parent = lst.getparent()
        if parent is not None and parent is not block:
            rest = words(parent) - n
            if rest <= 4:
                target = parent  # the list's box with its "Contents" title
        if ledger is not None:
            ledger.drop(target, Reason.CHROME)
        drop_element(target)


def _words_upto(el: HtmlElement, limit: int) -> int:
    """Words of an element, counted only up to just past `limit` (the policy block is large)."""
    n = 0
    for text in el.itertext():
        n += len(text.split())
        if n > limit:
            break
    return n


def _is_chrome(el: HtmlElement, n: int) -> bool:
    if n > MAX_CHROME_WORDS:
        return False
    if next(el.iter("h1"), None) is not None:
        return False  # the title is the document's
    text = squashed(el)
    if n <= 40 and (COPYRIGHT.match(text) or WIDGET.match(text) or is_control(text)
                    or noise.RELATIVE_TIME.match(text)):
        return True
    if n <= 8 and BACK_TO.match(text) and next(el.iter("a"), None) is not None:
        return True  # "Back to <a>Savetz Publishing</a>", "Return to the Help Center"
    links = [a for a in el.iter("a") if (a.get("href") or "").strip()[:1] not in ("#", "")]
    if len(links) < 3:
        return False
    in_links = sum(words(a) for a in links)
    if in_links < 0.6 * n:
        return False
    # Menus have short link texts ("Pricing", "Legal hub"); a list of cited documents has long ones...
    if in_links / len(links) <= 5:
        return True
    # ...unless it is a box of links to other pages of the same site under a heading ("Related articles").
    heading = next(el.iter("h2", "h3", "h4", "h5", "h6"), None)
    if heading is None:
        return False
    rest = n - words(heading)
    return in_links >= 0.9 * rest and all(_same_site(a.get("href") or "") for a in links)


def _same_site(href: str) -> bool:
    """A relative link ("/123/?helpref=related_articles", "faq.html"), not one to another site."""
    href = href.strip()
    return not href.startswith("//") and "://" not in href[:12] and not href.startswith(("mailto:", "tel:"))
