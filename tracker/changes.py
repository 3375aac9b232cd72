"""Judging a new version against the previous one: the section diff, its materiality, a summary.

The one place where the diff engine and the materiality classifier meet (both pure): the
classifier's Assessment of each section pair is attached, as a value, to that pair's
SectionChange, and the overall Assessment to the ChangeSet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.diff import ChangeSet, diff_documents, judged
from tracker.materiality import Rules, assess_pairs
from tracker.materiality.text import (
    _FOOTNOTE,
    fold_typography,
    strip_link_targets,
    strip_list_markers,
)
from tracker.model import Assessment, Document, Level, Reason
from tracker.render.summary import clip_words, verdict_line


@dataclass(frozen=True)
class Verdict:
    """What is stored with a new version: the level, a one-line summary and the assessment."""

    level: Level
    summary: str
    assessment: Assessment


_HEADING_MARK = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]+")
_UNDERLINE = re.compile(r"(?m)^[ \t]*(?:=+|-{3,})[ \t]*$")
_LEADING_EMPHASIS = re.compile(r"(?m)^([ \t]*)(?:\*\*|__|\*|_)(?=\S)")
_WORD = re.compile(r"[^\W_]+(?:[.,'/@:-][^\W_]+)*")


def document_words(markdown: str) -> list[str]:
    """The words of a document in order, without its markup: heading marks and levels, setext
    underlines, emphasis, list bullets and numbers, link targets, table pipes, whitespace and
    typography. Two texts with the same words differ in presentation only."""
    text = strip_link_targets(fold_typography(markdown))
    text = _LEADING_EMPHASIS.sub(r"\1", _UNDERLINE.sub("", _HEADING_MARK.sub("", text)))
    return _WORD.findall(strip_list_markers(text))


# Where a Markdown link (text.py's _LINK) is still open at the end of a text: an unclosed "[...",
# an unclosed "(..." in its target, or the space or title after the target. Only such a link can
# run on past a blank line.
_OPEN_LINK = re.compile(r'\[[^\]]*(?:\]\((?:[^()\s]|\([^)]*\))*(?:\([^)]*|\s+(?:"[^"]*)?)?)?\Z')


def _same_words(old: str, new: str) -> bool:
    """``document_words(old) == document_words(new)``, computed by blank-line-separated unit: a
    unit both versions hold is read once. Every fold of document_words stays inside one unit
    (line-anchored patterns, words without newlines, typography folds that NFKC keeps apart at a
    newline) except a link, which may run on past a blank line; when one may (an open link at a
    unit's end) the whole texts are compared. Linear in the length of the two texts; the units
    of the last few versions compared are remembered (the old version was the new one last time)."""
    sides = []
    for text in (old, new):
        units = [_unit_words(u) for u in text.split("\n\n")]
        if any(u is None for u in units):
            return document_words(old) == document_words(new)
        sides.append(units)
    if sum(len(u or ()) for u in sides[0]) != sum(len(u or ()) for u in sides[1]):
        return False
    return [w for u in sides[0] if u for w in u] == [w for u in sides[1] if u for w in u]


_UNITS: dict[str, list[str] | None] = {}
_UNSEEN = object()


def _unit_words(unit: str) -> list[str] | None:
    """document_words of one unit, or None when a link may be open at its end."""
    hit = _UNITS.get(unit, _UNSEEN)
    if hit is not _UNSEEN:
        return hit  # type: ignore[return-value]
    folded = fold_typography(unit)
    links = _FOOTNOTE.sub("", folded) if "](#" in folded else folded
    words = None if "[" in links and _OPEN_LINK.search(links) else document_words(unit)
    if len(unit) <= 50_000:   # paragraphs, not a whole large text
        if len(_UNITS) >= 16_384:
            _UNITS.clear()
        _UNITS[unit] = words
    return words


def _markup_only(old: Document, new: Document) -> Assessment | None:
    """Cosmetic at the document level, before any section is aligned: when not one word of the
    document changed, the verdict is `none` whatever happened to its sections."""
    if not _same_words(old.markdown, new.markdown):
        return None
    what = []
    if len(old.sections) != len(new.sections):
        what.append(f"{len(old.sections)} sections -> {len(new.sections)}")
    elif [(s.level, s.heading) for s in old.sections] != [(s.level, s.heading) for s in new.sections]:
        what.append("headings")
    detail = "markup only: the document's words are unchanged" + (f" ({', '.join(what)})" if what else "")
    return Assessment(Level.NONE, (), (Reason(Level.NONE, "", "markup", "", detail, "", ""),), False, 1.0)


def compare(old: Document, new: Document, rules: Rules | None = None) -> ChangeSet:
    """Section diff with a materiality verdict for the whole change and for each changed section.

    Bounded, no quadratic step: sections are paired by sectionmatch (candidates within a band
    around each section's place), blocks, paragraphs and sentences aligned by textdiff's bounded
    diff (a deadline, then coarse windows), a replaced sentence paired only with the new ones
    within 12 places of its own; the markup-only check reads each blank-line unit once; each
    distinct section text is analysed once (and remembered for the next comparison); a term is
    searched only in the clauses holding one of its anchors. The cost grows with the length of
    the two texts plus the changed sections' analysis, not with the product of any two sizes."""
    changeset = diff_documents(old, new)
    if not changeset.sections:
        return changeset
    markup = _markup_only(old, new)
    if markup is not None:  # no section-level reason can raise it
        quiet = Assessment(Level.NONE, (), (), False, 1.0)
        return judged(changeset, markup, [quiet] * len(changeset.sections))
    # Every pair, not only the changed ones: "a new kind of data" means new to the whole document.
    pairs = list(changeset.pairs)
    overall, per_pair = assess_pairs(pairs, rules=rules)
    by_pair = {(_key(o), _key(n)): a for (o, n), a in zip(pairs, per_pair, strict=True)}
    return judged(changeset, overall,
                  [by_pair.get((_key(s.old_section), _key(s.new_section))) for s in changeset.sections])


def _key(section: object) -> int | None:
    """A section pair is the same objects in ``pairs`` and in the SectionChange (identity, not
    equality: two sections may be equal and still be different sections)."""
    return None if section is None else id(section)


def first_summary(doc: Document) -> str:
    headings = sum(1 for s in doc.sections if s.level)
    return f"first version: {headings} sections, {doc.word_count} words"


def summarize(changeset: ChangeSet) -> str:
    """One line for `history`: what moved in the document, and the weightiest reason."""
    counts: dict[str, int] = {}
    for s in changeset.sections:
        counts[s.kind] = counts.get(s.kind, 0) + 1
        if s.moved:
            counts["moved"] = counts.get("moved", 0) + 1
        if s.renamed:
            counts["renamed"] = counts.get("renamed", 0) + 1
    parts = [f"{counts[k]} {k}" for k in ("changed", "added", "removed", "moved", "renamed") if counts.get(k)]
    line = (", ".join(parts) + " section" + "s" * (len(changeset.sections) != 1)) if parts else "text changed"
    verdict = verdict_line(changeset.assessment, limit=3)
    if verdict:
        line += f"; {'cosmetic: ' if changeset.assessment.level is Level.NONE else ''}{verdict}"
    return clip_words(line, 300)


def technical(old: Document, new: Document, normalizer: str) -> Verdict:
    """A re-extraction: the page did not change, the text taken from it did. Never judged as a
    change of the policy: level `none`, no category."""
    changeset = diff_documents(old, new)
    counts = f"{len(changeset.sections)} section" + "s" * (len(changeset.sections) != 1) + " differ"
    detail = f"re-extracted from the stored page (normalizer {normalizer}); {counts}"
    reason = Reason(Level.NONE, "", "re_extracted", "", detail, "", "")
    return Verdict(Level.NONE, f"technical: {detail}", Assessment(Level.NONE, (), (reason,)))


def judge(old: Document, new: Document, rules: Rules | None = None) -> Verdict:
    changeset = compare(old, new, rules)
    return Verdict(changeset.level, summarize(changeset), changeset.assessment)
