"""How much of a real page's policy text the normalizer keeps, and which chrome leaks into it.

Each document in this folder is `<name>.html` (a real page, trimmed), `<name>.expected.md` (the
policy text a reader sees, from Open Terms Archive's own extraction of the same page and date) and
`<name>.toml` (provenance, the structure it exercises, the chrome phrases present in the page that
must not come out, and rarely a `select` when no default could find the block).

Recall is order-aware: the expected and kept texts are reduced to word lists (case-folded, Markdown
syntax and link targets dropped) and matched with difflib's longest-matching-blocks diff, so a
word counts only where it appears in the same order as in the expected text.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lxml import html as lxml_html

from tracker.errors import TrackerError
from tracker.normalize import Options, normalize_source

HERE = Path(__file__).parent
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SETEXT = re.compile(r"^[=-]{3,}\s*$", re.MULTILINE)
_MARKER = re.compile(r"^[ \t>]*(?:[-*+]|\d+[.)])[ \t]+", re.MULTILINE)  # list numbers are not page text
_WORD = re.compile(r"[^\W_]+")  # "_" is Markdown emphasis, not part of a word


def documents() -> list[Path]:
    """Every real page in the corpus (the `.html` files with a manifest beside them)."""
    return sorted(p for p in HERE.glob("*.html") if p.with_suffix(".toml").exists())


def manifest(page: Path) -> dict:
    return tomllib.loads(page.with_suffix(".toml").read_text(encoding="utf-8"))


def expected_text(page: Path) -> str:
    return page.with_name(page.stem + ".expected.md").read_text(encoding="utf-8")


def words(text: str, markdown: bool = True) -> list[str]:
    """Word tokens of Markdown (without images, link targets, heading underlines, list markers) or of plain text."""
    if markdown:
        text = _MARKER.sub("", _SETEXT.sub(" ", _LINK.sub(r"\1", _IMAGE.sub(" ", text))))
    return _WORD.findall(text.casefold())


def recall(expected: list[str], kept: list[str]) -> tuple[int, float]:
    """Expected words found in the kept text in the same order (count, share of expected)."""
    if not expected:
        return 0, 1.0
    matcher = difflib.SequenceMatcher(None, expected, kept, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return matched, matched / len(expected)


def contains_phrase(haystack: list[str], phrase: str) -> bool:
    """True when the phrase's words occur contiguously in the word list."""
    needle = words(phrase)
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def page_words(page: Path) -> list[str]:
    """Every word the page can show (with or without scripts): all text outside script/style/template."""
    root = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    for el in root.xpath("//script|//style|//template"):
        el.drop_tree()
    for el in root.xpath("//*[@data-cfemail]"):  # Cloudflare e-mail protection: the browser shows the address
        el.text, el[:] = _cf_decode(el.get("data-cfemail", "")), []
    return words(" ".join(root.itertext()), markdown=False)


def _cf_decode(hexstr: str) -> str:
    key = int(hexstr[:2], 16)
    return "".join(chr(int(hexstr[i:i + 2], 16) ^ key) for i in range(2, len(hexstr) - 1, 2))


@dataclass(frozen=True)
class Result:
    page: str
    expected_words: int
    kept_words: int
    matched: int
    recall: float
    leaks: tuple[str, ...]
    error: str = ""


def measure(page: Path) -> Result:
    """Normalize the page the way `tracker check` does (no per-page selector unless the manifest has one)."""
    meta = manifest(page)
    exp = words(expected_text(page))
    options = Options(select=tuple(meta.get("select", ())))
    try:
        doc = normalize_source(page.read_bytes(), "text/html", "utf-8", options)
    except TrackerError as exc:
        return Result(page.stem, len(exp), 0, 0, 0.0, (), f"{type(exc).__name__}: {exc}")
    kept = words(doc.markdown)
    matched, share = recall(exp, kept)
    leaks = tuple(phrase for phrase in meta["chrome"] if contains_phrase(kept, phrase))
    return Result(page.stem, len(exp), len(kept), matched, share, leaks)
