"""Text plumbing shared by the detectors: folding, sentences, clauses, alignment, excerpts."""

from __future__ import annotations

import functools
import html
import itertools
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from .. import textdiff
from .rules import Rules

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u200a": " ", "\u3000": " ",
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None, "\u00ad": None,
    "\u2026": "...", "\u2022": "-", "\u00b7": "-",
})
_QUOTE_CHARS = re.compile("[" + "".join(re.escape(chr(k)) for k in _QUOTES) + "]")


_MEMO_CHARS = 50_000   # longer texts are folded afresh: a cache of them would hold megabytes


def remember(memo: dict, key: Hashable, value: object, size: int) -> None:
    """Keep ``value`` in a bounded memo: a full memo starts over (cheaper than evicting one entry
    at a time, and the texts of the comparison at hand are stored again on their next use)."""
    if len(memo) >= size:
        memo.clear()
    memo[key] = value


def remembered(fn: Callable[[str], str]) -> Callable[[str], str]:
    """A text fold computed once per distinct text: the cosmetic gate folds the same section with
    each detector left out in turn, and the same unchanged text is folded for both versions.
    Bounded: at most 512 texts of up to 50,000 characters."""
    memo: dict[str, str] = {}

    @functools.wraps(fn)
    def fold(text: str) -> str:
        hit = memo.get(text)
        if hit is None:
            hit = fn(text)
            if len(text) <= _MEMO_CHARS:
                remember(memo, text, hit, 512)
        return hit

    fold.cache_clear = memo.clear  # type: ignore[attr-defined]
    return fold


def _quote(m: re.Match) -> str:
    return _QUOTES[ord(m.group(0))] or ""


# A footnote or annotation marker: an in-page link whose text is a number ("[40](#annotation-40)"),
# with the escaped brackets around it. Renumbering one changes no word of the policy.
_FOOTNOTE = re.compile(r"\\?\[?\[\d{1,4}\]\(#[^)\s]*\)\\?\]?|\\\[\d{1,4}\\\](?=\]\(#)")
# A table-of-contents line: nothing but in-page links (and a list marker).
_TOC_LINE = re.compile(r"(?m)^[ \t]*(?:[-*+]|\d{1,3}\\?[.)])?[ \t]*(?:\[[^\]\n]*\]\(#[^)\s]*\)[ \t,|]*)+$")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)")
_LIST_MARKER = re.compile(r"(?m)^[ \t]*(?:[-*+\u2022]|\(?\d{1,3}\\?[.)]|\(?[a-zA-Z][.)]"
                          r"|\([ivxIVX]{1,4}\)|[ivx]{1,4}\.)[ \t]+")
_ABBREV = ("inc", "ltd", "llc", "corp", "co", "e.g", "i.e", "etc", "u.s", "u.k", "no", "st", "mr",
           "mrs", "ms", "dr", "vs", "jr", "sr", "art", "sec", "para", "approx", "l.l.c", "s.a", "b.v",
           "n.v", "u.s.a", "pte", "pty", "cf", "al", "fig")
_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


@remembered
def fold_typography(text: str) -> str:
    """Curly quotes, dashes, NBSP and friends, HTML entities, compatibility forms -> plain ASCII-ish."""
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    if text.isascii():  # NFKC leaves ASCII alone; the backtick is the one ASCII character mapped
        if "`" in text:
            text = text.replace("`", "'")
    else:
        text = _QUOTE_CHARS.sub(_quote, unicodedata.normalize("NFKC", text))  # = .translate(_QUOTES)
    return re.sub(r"-{2,}", "-", text) if "--" in text else text


@remembered
def strip_link_targets(text: str) -> str:
    """Markdown links keep their anchor text only; footnote markers go."""
    if "](#" in text:
        text = _FOOTNOTE.sub("", text)
    return _LINK.sub(lambda m: m.group(1), text) if "](" in text else text


@remembered
def strip_list_markers(text: str) -> str:
    return _LIST_MARKER.sub("- ", text)


def squash(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------
# units: list items / paragraphs, then sentences
# --------------------------------------------------------------------------------------------

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def blocks(text: str) -> list[str]:
    """Paragraphs and list items (a list item starts a unit of its own), whitespace squashed."""
    out: list[str] = []
    for chunk in _BLANK_LINE.split(text):
        if "\n" not in chunk.strip() or not _LIST_MARKER.search(chunk, 1):
            # one line, or no list item after the first line: the chunk is one unit
            out.append(squash(chunk))
            continue
        current: list[str] = []
        for line in chunk.split("\n"):
            if not line.strip():
                continue
            if _LIST_MARKER.match(line) and current:
                out.append(squash(" ".join(current)))
                current = []
            current.append(line.strip())
        if current:
            out.append(squash(" ".join(current)))
    return [b for b in out if b]


def split_sentences(text: str) -> list[str]:
    return [s for block in blocks(text) for s in _block_sentences(block)]


_SENTENCES: dict[str, tuple[str, ...]] = {}
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")


def _block_sentences(block: str) -> tuple[str, ...]:
    """The sentences of one block, computed once per distinct block (both versions of a
    document share most of their paragraphs; at most 16,384 blocks kept)."""
    hit = _SENTENCES.get(block)
    if hit is not None:
        return hit
    out: list[str] = []
    start = 0
    for m in _SENT_END.finditer(block):
        before = block[start:m.start()].rstrip("\"')]")
        # the word before the stop: the trailing run of ASCII letters and dots, when it is
        # longer than the dot alone (what re.search(r"([A-Za-z.]+)\.$", before) finds, read
        # from the end instead of scanning the whole sentence)
        k = len(before)
        while k and before[k - 1] in _WORD_CHARS:
            k -= 1
        run = before[k:]
        if len(run) >= 2 and run[-1] == "." and (run[:-1].lower().rstrip(".") in _ABBREV or len(run) == 2):
            continue
        out.append(block[start:m.start()].strip())
        start = m.end()
    tail = block[start:].strip()
    if tail:
        out.append(tail)
    found = tuple(s for s in out if s)
    if len(block) <= 50_000:
        remember(_SENTENCES, block, found, 16_384)
    return found


# --------------------------------------------------------------------------------------------
# analysis form: what the signal detectors look at
# --------------------------------------------------------------------------------------------

_DATE = (r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
         r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}"
         r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}"
         r"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})")
DATE_LABEL = re.compile(
    r"(?i)\b((?:last\s+)?(?:updated|modified|revised|reviewed|published|posted)|effective(?:\s+date)?|"
    r"date\s+of\s+(?:last\s+)?(?:revision|update)|(?:last\s+)?(?:update|revision)\s+date)"
    r"(\s*(?:(?:on|as\s+of|from)\s*:?|:|-)?\s*)(?:\*\*|__)?" + _DATE + r"(?:\*\*|__)?")
DATE_LINE = re.compile(r"(?im)^[\s>#*_-]*(?:this\s+\w+(?:\s+\w+)?\s+(?:was|is|were)\s+)?"
                       + DATE_LABEL.pattern.replace("(?i)", "") + r"[\s.*_]*$")
VERSION = re.compile(r"(?i)\b(version|ver\.|rev\.|revision)\s*:?\s*v?\d+(?:\.\d+)*\b")
VERSION_LINE = re.compile(r"(?im)^[\s>#*_-]*(?:version|ver\.|v)\s*:?\s*\d+(?:\.\d+)*[\s.*_]*$")
COPYRIGHT = re.compile(r"(?i)(©|\(c\)|copyright)(\s*(?:©|\(c\))?\s*)\d{4}(?:\s*[-–,]\s*\d{4})?")


# Words one of which a match of the pattern must contain, lowercased: a pattern is skipped when
# none occurs in caseless(text).
_DATE_WORDS = ("date", "modified", "revised", "reviewed", "effective", "published", "posted")
_VERSION_WORDS = ("ver", "rev")
_COPYRIGHT_WORDS = ("\u00a9", "(c)", "copyright")


_CASE_TRAPS = ("\u0130", "\u0131", "\u017f")  # İ ı ſ: match i / s case-insensitively, lowercase otherwise


def caseless(text: str) -> str | None:
    """text.lower() when it is a sound stand-in for case-insensitive matching of ASCII words
    (a word found by a case-insensitive pattern then occurs in it), else None."""
    if text.isascii() or not any(c in text for c in _CASE_TRAPS):
        return text.lower()
    return None


def _absent(low: str | None, words: tuple[str, ...]) -> bool:
    return low is not None and not any(w in low for w in words)


def _case_sensitive(pattern: re.Pattern) -> re.Pattern:
    """The same pattern without IGNORECASE, for lowercased text (its literals are lowercase)."""
    return re.compile(pattern.pattern.replace("(?im)", "(?m)").replace("(?i)", ""))


_LOWER = {p: _case_sensitive(p) for p in (DATE_LINE, VERSION_LINE, DATE_LABEL, VERSION, COPYRIGHT)}
# Where a match can start: the first word of the label group of DATE_LABEL and VERSION (each
# begins the pattern, after \b). The pattern is tried at these places only, in order.
_STARTS = {DATE_LABEL: ("last", "updat", "modified", "revis", "reviewed", "effective", "date", "published",
                        "posted"),
           VERSION: ("ver", "rev")}


def _finditer(pattern: re.Pattern, low: str) -> Iterator[re.Match]:
    """``_LOWER[pattern].finditer(low)``; for a pattern in _STARTS, tried only where one of its
    first words occurs (no match can start elsewhere)."""
    twin = _LOWER[pattern]
    starts = _STARTS.get(pattern)
    if starts is None:
        yield from twin.finditer(low)
        return
    places: set[int] = set()
    for word in starts:
        i = low.find(word)
        while i >= 0:
            places.add(i)
            i = low.find(word, i + 1)
    at = 0
    for i in sorted(places):
        if i < at:
            continue
        m = twin.match(low, i)
        if m:
            yield m
            at = m.end()


def caseless_sub(pattern: re.Pattern, text: str, suffix: str | None = None) -> str:
    """``pattern.sub`` (a case-insensitive pattern with lowercase literals) replacing each match
    by "" (suffix None) or by its first group and ``suffix``. When :func:`caseless` is sound and
    lowercasing keeps every position, the case-sensitive twin runs on the lowercased text (the
    same matches, several times faster: no case folding per character tried) and the result is
    cut from the original text."""
    low = caseless(text)
    if low is None or len(low) != len(text):
        return pattern.sub((lambda m: m.group(1) + suffix) if suffix is not None else "", text)
    out: list[str] = []
    at = 0
    for m in _finditer(pattern, low):
        out.append(text[at:m.start()])
        if suffix is not None:
            out.append(text[m.start(1):m.end(1)] + suffix)
        at = m.end()
    if not at:
        return text
    out.append(text[at:])
    return "".join(out)


@remembered
def fold_dates(text: str) -> str:
    """Drop pure date/version lines; neutralise dates in 'last updated' phrases and copyright years."""
    low = caseless(text)
    if not _absent(low, _DATE_WORDS):
        text = caseless_sub(DATE_LINE, text)
    if not _absent(low, ("v",)):
        text = caseless_sub(VERSION_LINE, text)
    if not _absent(low, _DATE_WORDS):
        text = caseless_sub(DATE_LABEL, text, " <date>")
    if not _absent(low, _VERSION_WORDS):
        text = caseless_sub(VERSION, text, " <n>")
    if _absent(low, _COPYRIGHT_WORDS):
        return text
    return caseless_sub(COPYRIGHT, text, " <year>")


@functools.lru_cache(maxsize=8)
def _compiled(source: str, flags: int) -> re.Pattern:
    return re.compile(source, flags)


def _drop_boilerplate(source: str, text: str, low: str | None) -> str:
    """``re.sub(source, " ", text, flags=re.IGNORECASE)``. The rule terms are lowercase, so for
    ASCII terms and a sound :func:`caseless` text the case-sensitive pattern finds the same
    matches in the lowercased text, several times faster."""
    if low is None or len(low) != len(text) or not source.isascii():
        return _compiled(source, re.IGNORECASE).sub(" ", text)
    out: list[str] = []
    at = 0
    for m in _compiled(source, 0).finditer(low):
        out += (text[at:m.start()], " ")
        at = m.end()
    return "".join(out) + text[at:] if out else text


def analysis_text(text: str, rules: Rules) -> str:
    """The form signals are computed on: typography folded, labels tokenised, links reduced to
    their anchors, list markers and date stamps neutralised, boilerplate removed."""
    text = fold_typography(text)
    for label, token in rules.negation_labels:
        text = text.replace(label, token)
    if "](#" in text:
        text = _TOC_LINE.sub("", text)   # a table of contents is never the reason
    text = strip_link_targets(text)
    text = strip_list_markers(text)
    text = fold_dates(text)
    if rules.boilerplate is not None:
        low = caseless(text)
        if low is None or any(a in low for a in rules.boilerplate_anchors):
            text = _drop_boilerplate(rules.boilerplate.pattern, text, low)
    return text


# --------------------------------------------------------------------------------------------
# clauses and negation
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Clause:
    text: str        # original casing
    low: str         # lowercased, for term matching
    negated: bool
    sentence: int    # index of the sentence it came from
    user: bool = False   # a rule for the user ("you may not ..."), not a promise to them


def clauses_of(sentence: str, index: int, rules: Rules) -> list[Clause]:
    return [Clause(part, low, negated, index, user) for part, low, negated, user in _clause_parts(sentence, rules)]


_CLAUSES: dict[str, tuple[Rules, tuple[tuple[str, str, bool, bool], ...]]] = {}


def _clause_parts(sentence: str, rules: Rules) -> tuple[tuple[str, str, bool, bool], ...]:
    """(text, lowercased, negated, user) of each clause of a sentence, computed once per distinct
    sentence: the unchanged sentences of a changed section, and the section inside its whole
    document, are split once (at most 8,192 sentences kept, for the last rule set used)."""
    hit = _CLAUSES.get(sentence)
    if hit is not None and hit[0] is rules:
        return hit[1]
    low = sentence.lower()
    cuts = [0]
    for br in rules.clause_breaks:
        start = 0
        while True:
            i = low.find(br, start)
            if i < 0:
                break
            cuts.append(i + (1 if br.startswith(" ") or br.startswith(",") else len(br)))
            start = i + len(br)
    cuts = sorted(set(c for c in cuts if 0 <= c < len(low))) + [len(low)]
    out = []
    for a, b in itertools.pairwise(cuts):
        part = sentence[a:b].strip(" ,;:")
        if part:
            low_part = part.lower()
            negated = is_negated(low_part, rules) or bool(rules.local_only and rules.local_only.search(low_part))
            user = negated and bool(rules.user_prohibition and rules.user_prohibition.search(low_part))
            out.append((part, low_part, negated, user))
    parts = tuple(out)
    remember(_CLAUSES, sentence, (rules, parts), 8192)
    return parts


def is_negated(low: str, rules: Rules) -> bool:
    if rules.negation_exempt is not None:
        low = rules.negation_exempt.sub(" ", low)
    return bool(rules.negation.search(low))


# --------------------------------------------------------------------------------------------
# sentence alignment
# --------------------------------------------------------------------------------------------

_KEY_DROP = re.compile(r"[^\w\s$€£%]")


def sentence_key(sentence: str) -> str:
    return " ".join(_KEY_DROP.sub(" ", sentence.lower()).split())


_BAND = 12  # a replaced sentence is paired with new sentences at most this far from its place


def _extended(a: str, b: str, threshold: float) -> float:
    """A sentence kept whole inside a longer one ("We do not charge a fee." -> "We do not charge
    a fee ... unless it is excessive."): paired, just above the threshold."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 40 or len(long_) > 6 * len(short):
        return 0.0
    return threshold + 0.5 if fuzz.partial_ratio(short, long_, score_cutoff=92) else 0.0


def align(old: list[str], new: list[str], threshold: float = 55.0) -> list[tuple[int | None, int | None]]:
    """Pairs of sentence indices: (i, j) matched, (i, None) deleted, (None, j) inserted.

    Equal sentences (after folding) pair up in order through the project's bounded diff
    (textdiff); inside a replaced stretch a sentence pairs by best fuzzy ratio with the new
    sentences near its proportional place (a band), so the cost stays linear in the length."""
    ko = [sentence_key(s) for s in old]
    kn = [sentence_key(s) for s in new]
    pairs: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in textdiff.opcodes(ko, kn, deadline=0.5):
        if tag == "equal":
            pairs.extend(zip(range(i1, i2), range(j1, j2), strict=False))
            continue
        k, m = i2 - i1, j2 - j1
        cands = []
        for i in range(i1, i2):
            if not k or not m:
                break
            centre = j1 + (i - i1) * m // k
            for j in range(max(j1, centre - _BAND), min(j2, centre + _BAND + 1)):
                score = fuzz.ratio(ko[i], kn[j], score_cutoff=threshold) or _extended(ko[i], kn[j], threshold)
                if score:
                    cands.append((score, i, j))
        cands.sort(reverse=True)
        used_i: set[int] = set()
        used_j: set[int] = set()
        for _score, i, j in cands:
            if i in used_i or j in used_j:
                continue
            used_i.add(i)
            used_j.add(j)
            pairs.append((i, j))
        pairs.extend((i, None) for i in range(i1, i2) if i not in used_i)
        pairs.extend((None, j) for j in range(j1, j2) if j not in used_j)
    return pairs


def excerpt(text: str, span: tuple[int, int] | None = None, width: int = 140) -> str:
    """A short quote from text, centred on span when given, cut at whole words."""
    text = squash(text)
    if len(text) <= width:
        return text
    if span is None:
        cut = text.rfind(" ", 0, width)
        return text[: cut if cut > width // 2 else width - 1].rstrip(" ,;:") + "\u2026"
    a, b = span
    mid = (a + b) // 2
    start = max(0, min(mid - width // 2, len(text) - width))
    end = start + width
    if start > 0:
        sp = text.find(" ", start)
        start = sp + 1 if 0 <= sp < min(a, start + 20) else start
    if end < len(text):
        sp = text.rfind(" ", max(b, end - 20), end)
        end = sp if sp > 0 else end
    out = text[start:end].strip()
    return ("\u2026" if start > 0 else "") + out + ("\u2026" if end < len(text) else "")


_PIECE = re.compile(r"(?<=[.!?;:])\s+")


def similarity(a: str, b: str) -> float:
    """0..1, like ``fuzz.ratio``. Long texts are compared by sentence-sized pieces through the
    bounded diff (characters in equal runs), which stays linear where a character ratio would not."""
    a, b = squash(a), squash(b)
    if len(a) + len(b) <= 4000:
        return round(fuzz.ratio(a, b) / 100.0, 3)
    ta, tb = _PIECE.split(a), _PIECE.split(b)
    same = sum(sum(len(w) + 1 for w in ta[i1:i2])
               for tag, i1, i2, _, _ in textdiff.opcodes(ta, tb, deadline=0.25) if tag == "equal")
    return round(min(1.0, 2 * same / (len(a) + len(b) + 2)), 3)
