"""The cosmetic gate: is the change only one that no reader of the policy would care about?

Each detector is a fold applied to both texts. If the texts are equal after all folds, the change
is cosmetic, and we name the detectors that were needed (a minimal set: each one named is one
without which the texts would still differ).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from .. import textdiff
from .rules import Rules
from .text import (
    _LINK,
    COPYRIGHT,
    DATE_LABEL,
    DATE_LINE,
    VERSION,
    VERSION_LINE,
    blocks,
    excerpt,
    fold_dates,
    fold_typography,
    remember,
    split_sentences,
    squash,
    strip_link_targets,
    strip_list_markers,
)

DETECTORS = ("whitespace", "typography", "case", "punctuation", "date_lines", "link_targets",
             "list_markers", "reorder", "spelling")
# The broadest folds are tried for removal first, so the most specific detector gets the credit.
_REMOVAL_ORDER = ("spelling", "reorder", "punctuation", "case", "whitespace", "list_markers",
                  "date_lines", "link_targets", "typography")
_DETAIL = {
    "whitespace": "whitespace or line wraps only",
    "typography": "typography only (quotes, dashes, spaces, entities)",
    "case": "letter case only",
    "punctuation": "punctuation only",
    "date_lines": "date, version or copyright stamp only",
    "link_targets": "link target changed, same anchor text",
    "list_markers": "list numbering or bullet markers only",
    "reorder": "same items, reordered",
    "spelling": "spelling fix",
}
_US = re.compile(r"(?<![\w.])(?:U\.S\.A\.|U\.S\.|USA|US)(?![\w])")
_PUNCT = re.compile(r"(?<=[A-Za-z])[-'](?=[A-Za-z])|(?<!\d)[^\w\s$€£%]|[^\w\s$€£%](?!\d)")
_PREFIXES = ("un", "in", "im", "ir", "il", "non", "dis", "non-", "mis")
# A sentence run into the next with no space ("does not terminate this agreement.Our right to
# terminate"): the space, or the paragraph break a later version puts there, is whitespace.
_GLUED = re.compile(r"([a-z][.!?])(?=[A-Z][a-z])")


@dataclass(frozen=True)
class CosmeticFinding:
    detector: str
    detail: str
    old: str
    new: str


_FOLDED: dict[tuple[str, frozenset[str]], tuple[str, ...]] = {}


def _items(text: str, enabled: frozenset[str]) -> tuple[str, ...]:
    """The text under the enabled folds, as items; remembered per text and fold set (the gate
    tries up to ten fold sets on each side, and a text is the new side, then the old one)."""
    key = (text, enabled)
    hit = _FOLDED.get(key)
    if hit is None:
        hit = tuple(_fold_items(text, enabled))
        if len(text) <= 100_000:
            remember(_FOLDED, key, hit, 4096)
    return hit


def _fold_items(text: str, enabled: frozenset[str]) -> list[str]:
    t = text
    if "typography" in enabled:
        t = fold_typography(t)
    if "link_targets" in enabled:
        t = strip_link_targets(t)
    if "list_markers" in enabled:
        t = strip_list_markers(t)
    if "date_lines" in enabled:
        t = fold_dates(t)
    if "reorder" in enabled:
        parts = blocks(t)
        items = parts if len(parts) > 1 else split_sentences(t)
    else:
        items = [t]
    out = []
    for item in items:
        if "case" in enabled:
            item = _US.sub("united states", item).lower()
        if "punctuation" in enabled:
            item = _PUNCT.sub(lambda m: "" if m.group(0) in "-'" else " ", item)
            item = "\n".join(re.sub(r" {2,}", " ", ln).strip() for ln in item.split("\n"))
        if "whitespace" in enabled:
            item = squash(_GLUED.sub(r"\1 ", item))
        if item.strip():
            out.append(item)
    if "reorder" in enabled:
        out.sort()
    return out


def _join(items: tuple[str, ...], enabled: frozenset[str]) -> str:
    return (" " if "whitespace" in enabled else "\n\n").join(items)


def _items_unsorted(text: str) -> list[str]:
    t = strip_list_markers(strip_link_targets(fold_typography(text)))
    parts = blocks(t)
    return parts if len(parts) > 1 else split_sentences(t)


def _affixes(word: str) -> tuple[str, str, str]:
    """Leading punctuation, the word, trailing punctuation (re.S: a newline inside still matches)."""
    m = re.fullmatch(r"(\W*)(.*?)(\W*)", word, re.S)
    assert m is not None  # every group may be empty: the pattern matches any string
    return m.group(1), m.group(2), m.group(3)


# A legal form written out or abbreviated ("Meta Platforms Ireland Ltd." -> "... Limited") is the
# same entity in the same form; Inc. -> LLC is another form (places.py judges that).
_ABBREVIATIONS = {frozenset(p) for p in (("ltd", "limited"), ("inc", "incorporated"), ("corp", "corporation"),
                                         ("co", "company"))}


def is_spelling_fix(a: str, b: str, rules: Rules) -> bool:
    """A typo fix: long words, tiny edit distance, never digits, never two real words; or a
    legal form spelled out."""
    pa, wa, sa = _affixes(a.lower())
    pb, wb, sb = _affixes(b.lower())
    if frozenset((wa, wb)) in _ABBREVIATIONS and pa == pb and sa.lstrip(".") == sb.lstrip("."):
        return True
    if (pa, sa) != (pb, sb):
        return False  # surrounding punctuation differs too
    if wa == wb:
        return True
    if not (wa.isalpha() and wb.isalpha()):
        return False  # digits, or anything that is not a plain word
    if min(len(wa), len(wb)) < rules.spelling_min_length:
        return False
    if wa in rules.protected_words or wb in rules.protected_words:
        return False
    if wa in rules.vocabulary and wb in rules.vocabulary:
        return False  # two real words: a change of meaning, not a typo
    for p in _PREFIXES:
        if wa == p + wb or wb == p + wa:
            return False
    limit = 1 if max(len(wa), len(wb)) < 9 else 2
    return OSA.distance(wa, wb) <= limit


def _spelling_equal(a: str, b: str, rules: Rules) -> list[tuple[str, str]] | None:
    """The typo fixes that make a equal to b, or None. Words are replaced one for one (compared
    in place, no alignment needed), or only spaces moved ("useof" -> "use of")."""
    ta, tb = a.split(), b.split()
    if len(ta) != len(tb):
        if "".join(ta) != "".join(tb):
            return None
        return [(x, y) for tag, i1, i2, j1, j2 in textdiff.opcodes(ta, tb, deadline=0.1) if tag != "equal"
                for x, y in [(" ".join(ta[i1:i2]), " ".join(tb[j1:j2]))]]
    fixes: list[tuple[str, str]] = []
    for x, y in zip(ta, tb, strict=False):
        if x != y:
            if not is_spelling_fix(x, y, rules):
                return None
            fixes.append((x, y))
    return fixes


def _equal(old: str, new: str, enabled: frozenset[str], rules: Rules) -> bool:
    a, b = _join(_items(old, enabled), enabled), _join(_items(new, enabled), enabled)
    if a == b:
        return True
    if "spelling" in enabled:
        return _spelling_equal(a, b, rules) is not None
    return False


def _changed_words(old: str, new: str) -> tuple[str, str]:
    ta, tb = old.split(), new.split()
    ops = [op for op in textdiff.opcodes(ta, tb, deadline=0.5) if op[0] != "equal"]
    if not ops:
        return squash(old)[:80], squash(new)[:80]
    _, i1, i2, j1, j2 = ops[0]
    i1, i2, j1, j2 = max(0, i1 - 2), min(len(ta), i2 + 2), max(0, j1 - 2), min(len(tb), j2 + 2)
    return " ".join(ta[i1:i2])[:120], " ".join(tb[j1:j2])[:120]


def _finding(detector: str, old: str, new: str, rules: Rules) -> CosmeticFinding:
    detail = _DETAIL[detector]
    o, n = _changed_words(old, new)
    if detector == "link_targets":
        lo = [m.group(0) for m in _LINK.finditer(old)]
        ln = [m.group(0) for m in _LINK.finditer(new)]
        diff = [(x, y) for x, y in zip(lo, ln, strict=False) if x != y]
        if diff:
            o, n = diff[0]
            url_o = o[o.index("](") + 2:-1]
            url_n = n[n.index("](") + 2:-1]
            detail += f": {url_o} -> {url_n}"
    elif detector == "date_lines":
        pats = (DATE_LINE, VERSION_LINE, DATE_LABEL, VERSION, COPYRIGHT)
        so = [m.group(0).strip() for p in pats for m in p.finditer(fold_typography(old))]
        sn = [m.group(0).strip() for p in pats for m in p.finditer(fold_typography(new))]
        diff = [(x, y) for x, y in zip(so, sn, strict=False) if x != y]
        if diff:
            o, n = diff[0]
            detail += f": {o} -> {n}"
        elif so or sn:
            o, n = (so or [""])[0], (sn or [""])[0]
    elif detector == "reorder":
        enabled = frozenset(DETECTORS) - {"reorder", "spelling"}
        io, inn = _items_unsorted(old), _items_unsorted(new)
        moved = [(x, y) for x, y in zip(io, inn, strict=False) if x != y]
        if moved:
            o, n = excerpt(moved[0][0], None, 100), excerpt(moved[0][1], None, 100)
            detail += f" ({len(io)} items)"
    elif detector == "spelling":
        enabled = frozenset(DETECTORS) - {"spelling"}
        fixes = _spelling_equal(_join(_items(old, enabled), enabled), _join(_items(new, enabled), enabled), rules)
        fixes = [(x, y) for x, y in (fixes or []) if x != y]
        if fixes:
            detail += ": " + ", ".join(f"{x} -> {y}" for x, y in fixes[:4])
            o, n = " ".join(x for x, _ in fixes[:4]), " ".join(y for _, y in fixes[:4])
    return CosmeticFinding(detector, detail, o, n)


def cosmetic_findings(old: str, new: str, rules: Rules) -> list[CosmeticFinding] | None:
    """None when the change is not cosmetic; else the detectors that explain it (at least one)."""
    everything = frozenset(DETECTORS)
    # Reordering compares paragraphs as sorted items, so a paragraph split in two (the same words)
    # is equal only without it.
    for start in (everything, everything - {"reorder"}):
        if _equal(old, new, start, rules):
            break
    else:
        return None
    needed = set(start)
    for det in _REMOVAL_ORDER:
        trial = frozenset(needed - {det})
        if _equal(old, new, trial, rules):
            needed.discard(det)
    if not needed:  # equal without any fold: only possible for identical texts
        return []
    return [_finding(d, old, new, rules) for d in DETECTORS if d in needed]
