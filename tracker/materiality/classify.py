"""The judgement: cosmetic gate, then signals, then minor/material (materiality.md, in that order)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import textdiff
from ..model import Document, Section
from ..sectionmatch import match_sections
from .additions import addition_signals
from .asserted import elsewhere
from .context import context_signals, quote_change
from .cosmetic import CosmeticFinding, cosmetic_findings
from .features import Side, categorize
from .rules import Rules, default_rules
from .signals import Signal, all_signals
from .text import (
    align,
    blocks,
    sentence_key,
    similarity,
)
from .verdict import LEVELS, Assessment, Level, Reason, max_level


def _categories(reasons: list[Reason], level: str) -> tuple[str, ...]:
    """The categories of the reasons at the verdict's level; a `none` verdict has none."""
    if level == "none":
        return ()
    return tuple(dict.fromkeys(r.category for r in reasons if r.level == level and r.category))


# How decisive a finding is, within its level: the first reason is the one a reader acts on.
_WEIGHT = {"negation_removed": 10, "prohibition_removed": 9, "right_negated": 9, "choice_negated": 9,
           "protection_negated": 9, "promise_softened": 9, "right_removed": 8, "choice_removed": 8,
           "protection_removed": 8, "new_data_kind": 7, "new_purpose": 8, "controller_changed": 7,
           "governing_law_changed": 7, "venue_changed": 7, "transfer_destination_changed": 7,
           "rights_channel_changed": 7,
           "scope_changed": 7, "age_limit_removed": 6, "new_recipient": 6, "recipient_added": 6,
           "permission_expanded": 6, "high_risk_term": 6, "quantity_adverse": 6, "period_fixed": 6,
           "period_extended": 5, "qualifier_removed": 5, "new_tracker": 5, "quantity_changed": 4,
           "new_practice": 4, "text_changed": -1,
           # round 3 (issue 13 item 3)
           "qualifier_negated": 9, "grant_narrowed": 7, "document_incorporated": 6, "shared_data_added": 6,
           "list_item_added": 5}


def _rank(r: Reason) -> tuple[int, int]:
    weight = _WEIGHT.get(r.signal, 0) + ("(sensitive)" in r.detail)
    return -LEVELS.index(r.level), -weight


def ranked(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    """Reasons by weight (material first, the decisive finding first), duplicates merged: the
    same finding in several sections is one reason that says how many more."""
    groups: dict[tuple[str, str, str], list[Reason]] = {}
    for r in reasons:
        groups.setdefault((r.level, r.signal, r.detail), []).append(r)
    out = []
    for same in groups.values():
        first = same[0]
        others = len({(r.section, r.old, r.new) for r in same}) - 1
        if others and first.signal != "text_changed":
            first = Reason(first.level, first.category, first.signal, first.section,
                           f"{first.detail} (and {others} more)", first.old, first.new)
        out.append(first)
        if first.signal == "text_changed":
            out += [r for r in same[1:] if (r.section, r.old, r.new) != (first.section, first.old, first.new)]
    return tuple(sorted(out, key=_rank))


def _reason(sig: Signal, level: Level, section: str) -> Reason:
    return Reason(level, sig.category, sig.signal, section, sig.detail, sig.old, sig.new)


_REGION_FROM = 20_000  # characters: a larger unit is judged on its changed sentences


def _changed(o: Side, n: Side, pairs: list[tuple[int | None, int | None]]) -> tuple[list[str], str, str]:
    """Changed sentences (both sides) and a representative old/new excerpt."""
    texts: list[str] = []
    first: tuple[str, str] | None = None
    for i, j in pairs:
        a = o.sentences[i] if i is not None else ""
        b = n.sentences[j] if j is not None else ""
        if sentence_key(a) == sentence_key(b):
            continue
        texts += [t for t in (a, b) if t]
        if first is None:
            first = (a, b)
    if first is None:
        first = (o.text, n.text)
        texts = [o.text, n.text]
    return texts, *quote_change(first[0], first[1])


def _assess(old: str, new: str, section: str, rules: Rules,
            doc_old: Side | None = None, doc_new: Side | None = None) -> Assessment:
    if old == new:
        return Assessment(Level.NONE, (), (Reason(Level.NONE, "", "identical", section, "no change", "", ""),),
                          False, 1.0)
    # The cosmetic gate looks at the changed paragraphs only (one either side for context).
    changed = _block_regions(old, new)
    # A large unit, or one whose change is a small part of it, is judged on the changed paragraphs.
    region = changed if (len(old) + len(new) > _REGION_FROM
                         or 3 * (len(changed[0]) + len(changed[1])) < len(old) + len(new)) else None
    if changed[0] or changed[1]:
        findings = cosmetic_findings(changed[0], changed[1], rules)
    else:  # the same paragraphs: only spacing differs
        findings = [CosmeticFinding("whitespace", "whitespace or line wraps only", "", "")]
    if findings is not None:
        # a cosmetic change has no category: no words of the policy changed
        reasons = [Reason(Level.NONE, "", f.detector, section, f.detail, f.old, f.new) for f in findings]
        if not reasons:  # pragma: no cover - identical texts are handled above
            reasons = [Reason(Level.NONE, "", "identical", section, "no change", "", "")]
        return Assessment(Level.NONE, (), tuple(reasons), False, similarity(old, new))

    sec_old = sec_new = None
    if region is not None:
        # Judge the changed paragraphs (with one either side); the whole section answers
        # "was this already here?", so the cost follows the change, not the section's length.
        sec_old, sec_new = Side.of(old, rules), Side.of(new, rules)
        doc_old, doc_new = doc_old or sec_old, doc_new or sec_new
        o, n = Side.of(region[0], rules), Side.of(region[1], rules)
        sim = region[2]
    else:
        o, n = Side.of(old, rules), Side.of(new, rules)
        sim = similarity(o.text, n.text)
    pairs = align(o.sentences, n.sentences)
    signals = all_signals(o, n, rules, section, doc_old, doc_new, pairs, sec_old, sec_new)
    signals = _restored(signals + context_signals(o, n, pairs, rules, section, doc_old, doc_new)
                        + addition_signals(o, n, pairs, rules, section, doc_old))
    adverse = [s for s in signals if s.adverse]
    favourable = [s for s in signals if not s.adverse]
    texts, ex_old, ex_new = _changed(o, n, pairs)
    if adverse:
        reasons = [_reason(s, Level.MATERIAL, section) for s in adverse]
        reasons += [_reason(s, Level.MINOR, section) for s in favourable]
        return Assessment(Level.MATERIAL, _categories(reasons, Level.MATERIAL), ranked(reasons), False, sim)
    good = [s for s in favourable if s.favourable]
    level = Level.MATERIAL if good and rules.escalate_favourable else Level.MINOR
    reasons = [_reason(s, level, section) for s in favourable]
    # the category of the changed words (the section heading only when they name none)
    category = (good or favourable)[0].category if favourable else categorize(texts, "", rules)
    if category == "other":
        category = categorize(texts, section, rules)
    detail = ("section removed, no adverse signal" if not new.strip() else
              "section added, no adverse signal" if not old.strip() else
              "moved, no adverse signal: each changed sentence stands word for word in the other version"
              if _moved(o, n, pairs, doc_old, doc_new)
              else f"reworded, no adverse signal (similarity {sim:.2f})")
    reasons.append(Reason(level, category, "text_changed", section, detail, ex_old, ex_new))
    return Assessment(level, _categories(reasons, level), ranked(reasons), bool(good), sim)


def _moved(o: Side, n: Side, pairs: list[tuple[int | None, int | None]],
           doc_old: Side | None, doc_new: Side | None) -> bool:
    """Whether every changed sentence stands, word for word, in the other version of the document:
    a heading moved over unchanged paragraphs, or paragraphs moved between sections."""
    if doc_old is None or doc_new is None or doc_old is doc_new:
        return False
    changed = [(i, j) for i, j in pairs
               if i is None or j is None or sentence_key(o.sentences[i]) != sentence_key(n.sentences[j])]
    return bool(changed) and all((i is None or elsewhere(o.sentences[i], doc_new))
                                 and (j is None or elsewhere(n.sentences[j], doc_old))
                                 for i, j in changed)


def _restored(signals: list[Signal]) -> list[Signal]:
    """A sentence that adds a protection is judged by it: the things it protects (a recipient, a
    data kind named in "we will not share X with Y") are not new practices. Restoring a
    protection is favourable."""
    protective = {s.new_sentence for s in signals if s.favourable and s.new_sentence is not None
                  and s.signal in ("prohibition_added", "protection_added", "right_added", "choice_added",
                                   "qualifier_added")}
    # an added list item already named as a new data kind (or recipient...) is one finding
    explained = {s.new_sentence for s in signals if s.adverse and s.signal != "list_item_added"}
    return [s for s in signals if not (s.adverse and s.new_sentence in protective
                                       and s.signal in ("new_data_kind", "new_recipient", "new_purpose",
                                                        "new_tracker", "new_practice", "list_item_added"))
            and not (s.signal == "list_item_added" and s.new_sentence in explained)]


def _block_regions(old: str, new: str) -> tuple[str, str, float]:
    """For a large unit: its changed paragraphs with one unchanged paragraph either side (old,
    new), and the share of characters in unchanged paragraphs. One bounded diff of paragraphs."""
    a, b = blocks(old), blocks(new)
    keep_a: set[int] = set()
    keep_b: set[int] = set()
    same = 0
    for tag, i1, i2, j1, j2 in textdiff.opcodes(a, b, deadline=0.5):
        if tag == "equal":
            same += sum(len(x) for x in a[i1:i2])
            continue
        keep_a.update(range(max(0, i1 - 1), min(len(a), i2 + 1)))
        keep_b.update(range(max(0, j1 - 1), min(len(b), j2 + 1)))
    total = sum(map(len, a)) + sum(map(len, b))
    return ("\n\n".join(a[k] for k in sorted(keep_a)), "\n\n".join(b[k] for k in sorted(keep_b)),
            round(2 * same / total, 3) if total else 1.0)


def assess_text(old: str, new: str, *, section: str = "", rules: Rules | None = None) -> Assessment:
    """Judge one change: two texts (a paragraph pair, a section, a whole document) in, verdict out."""
    return _assess(old or "", new or "", section, rules or default_rules())


def _section_name(a: Section | None, b: Section | None) -> str:
    s = b if b is not None else a
    if s is None:
        return ""
    return " > ".join(p for p in s.path if p) or s.heading


def assess_pairs(pairs: Sequence[tuple[Section | None, Section | None]],
                 rules: Rules | None = None) -> tuple[Assessment, list[Assessment]]:
    """Judge matched section pairs ((None, s) = added, (s, None) = removed).

    Returns the overall assessment (level = the highest, reasons concatenated) and one per pair.
    A data kind, recipient or right is judged against the whole old/new document, so text moved
    between sections is not reported as new; high-risk terms are judged per section."""
    rules = rules or default_rules()
    old_parts = [a.text for a, _ in pairs if a is not None]
    new_parts = [b.text for _, b in pairs if b is not None]
    changed = sum(1 for a, b in pairs if (a.text if a else None) != (b.text if b else None))
    doc_old = Side.of_parts(old_parts, rules) if len(pairs) > 1 and changed else None
    doc_new = Side.of_parts(new_parts, rules) if len(pairs) > 1 and changed else None
    each: list[Assessment] = []
    seen: dict[tuple[str, str, str], Assessment] = {}   # each distinct section analysed once
    for a, b in pairs:
        key = (a.text if a is not None else "", b.text if b is not None else "", _section_name(a, b))
        if key not in seen:
            seen[key] = _assess(*key[:2], key[2], rules, doc_old, doc_new)
        each.append(seen[key])
    level = max_level(a.level for a in each)
    reasons = [r for a in each for r in a.reasons if r.signal != "identical"]
    if not reasons:
        detail = "no change" if all((a is None) == (b is None) for a, b in pairs) else "empty sections only"
        reasons = [Reason(Level.NONE, "", "identical", "", detail, "", "")]
    categories = _categories(reasons, level)
    favourable = level == "minor" and any(a.favourable for a in each)
    # the document's similarity: the sections', weighted by length (no second pass over it all)
    sizes = [len(a.text if a else "") + len(b.text if b else "") for a, b in pairs]
    sim = round(sum(s * x.similarity for s, x in zip(sizes, each, strict=False)) / sum(sizes), 3) if sum(sizes) else 1.0
    return Assessment(level, categories, ranked(reasons), favourable, sim), each


def align_sections(old: Document, new: Document) -> list[tuple[Section | None, Section | None]]:
    """Every section of both documents once, paired as the diff engine pairs them
    (:func:`tracker.sectionmatch.match_sections`: heading path, then similar heading, then
    similar content, candidates bounded to a band around each section's place, so linear in
    the number of sections; the pairwise fuzzy scan this replaced was quadratic)."""
    return match_sections(old, new)


def assess_documents(old: Document, new: Document, rules: Rules | None = None) -> Assessment:
    """Convenience: align the two documents' sections, then :func:`assess_pairs`."""
    return assess_pairs(align_sections(old, new), rules)[0]
