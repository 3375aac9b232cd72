"""The verdict's shortcuts (issue 13 item 5) give exactly what the plain computations give.

Each fast path is checked against the straightforward form it replaces, on real policy text with
random edits (seeded): brackets and links that may run past a blank line, abbreviations, dates in
mixed case, and the characters whose case folding differs from lowercasing (İ ı ſ K).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from tracker.changes import _same_words, document_words
from tracker.materiality import load_rules
from tracker.materiality.features import Side
from tracker.materiality.lexindex import all_anchors
from tracker.materiality.text import (
    _ABBREV,
    _SENT_END,
    COPYRIGHT,
    DATE_LABEL,
    DATE_LINE,
    VERSION,
    VERSION_LINE,
    _drop_boilerplate,
    blocks,
    caseless,
    caseless_sub,
    split_sentences,
)
from tracker.normalize import normalize_html

DEMO = Path(__file__).resolve().parent.parent / "tracker" / "demo_pages"
PIECES = ["[", "]", "(", ")", "](", "](#a)", "[1](#n1)", '"', "\n\n", "\n", " ", "- ", "# ", "**", "&amp;", "&#91;",
          "\uff3b", "--", "`", "Inc. ", "e.g. ", "U.S. ", "A. ", "a.b.c. ", ". ", "? ", ".) ", "No. 5 ",
          "Last Updated: ", "EFFECTIVE DATE March 3, 2021", "Version 2.1", "(c) 2020", "Copyright 2019-2021",
          "\u0130", "\u0131", "\u017f", "\u212a", "\n\nVersion 2.1\n\n", "\nV. 3\n", "Including Without Limitation",
          "sale of substantially all", "posted on 1/2/2023"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [normalize_html(p.read_text("utf-8")).markdown for p in sorted(DEMO.glob("*.html"))]


def mutations(text: str, count: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        t = text
        for _ in range(rnd.randint(1, 6)):
            at = rnd.randrange(len(t) + 1)
            t = t[:at] + "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 4))) + t[at:]
        out.append(t)
    return out


def test_markup_only_check_agrees_with_comparing_whole_texts(texts):
    decided = 0
    for k, text in enumerate(texts):
        for other in mutations(text, 30, k):
            unbolded = "\n\n".join(u.replace("**", "") for u in other.split("\n\n"))
            for a, b in ((text, other), (other, unbolded), (other, other.replace("\n\n", "\n\n\n"))):
                assert _same_words(a, b) == (document_words(a) == document_words(b))
                decided += 1
    assert decided == 3 * 30 * len(texts)


def _reference_sentences(text: str) -> list[str]:
    out: list[str] = []
    for block in blocks(text):
        start = 0
        for m in _SENT_END.finditer(block):
            before = block[start:m.start()].rstrip("\"')]")
            word = re.search(r"([A-Za-z.]+)\.$", before)
            if word and (word.group(1).lower().rstrip(".") in _ABBREV or len(word.group(1)) == 1):
                continue
            out.append(block[start:m.start()].strip())
            start = m.end()
        tail = block[start:].strip()
        if tail:
            out.append(tail)
    return [s for s in out if s]


def test_sentences_are_those_of_the_plain_split(texts):
    for k, text in enumerate(texts):
        for other in mutations(text[:6000], 25, 100 + k):
            assert split_sentences(other) == _reference_sentences(other)


@pytest.mark.parametrize("pattern,suffix", [(DATE_LINE, None), (VERSION_LINE, None), (DATE_LABEL, " <date>"),
                                            (VERSION, " <n>"), (COPYRIGHT, " <year>")])
def test_date_folds_match_the_case_insensitive_patterns(texts, pattern, suffix):
    changed = 0
    for k, text in enumerate(texts):
        for other in mutations(text[:8000], 25, 200 + k):
            expected = pattern.sub((lambda m: m.group(1) + suffix) if suffix else "", other)
            assert caseless_sub(pattern, other, suffix) == expected
            changed += expected != other
    assert changed  # the edits did bring dates, versions and copyright lines in


def test_boilerplate_is_dropped_as_the_case_insensitive_pattern_drops_it(texts):
    rules = load_rules()
    assert rules.boilerplate is not None
    source = rules.boilerplate.pattern
    changed = 0
    for k, text in enumerate(texts):
        for other in mutations(text[:8000], 25, 300 + k):
            expected = re.sub(source, " ", other, flags=re.IGNORECASE)
            assert _drop_boilerplate(source, other, caseless(other)) == expected
            changed += expected != other
    assert changed


def test_anchors_present_are_those_a_substring_test_finds(texts):
    rules = load_rules()
    for k, text in enumerate(texts):
        for other in mutations(text[:5000], 10, 400 + k):
            side = Side(other, rules)
            assert side._anchors_present == frozenset(a for a in all_anchors(rules) if a in side.low)


def test_word_diff_cleanup_folds_as_the_first_foldable_from_the_left_rule():
    from tracker import textdiff

    rnd = random.Random(5)
    words = ["a", "the", "we", "share", "data", " ", ", ", "x", "personal information", "to", "\n"]
    folded = 0
    for _ in range(3000):
        a = [rnd.choice(words) for _ in range(rnd.randint(0, 40))]
        b = list(a)
        for _ in range(rnd.randint(0, 12)):
            at = rnd.randrange(len(b) + 1)
            if rnd.random() < 0.5 and at < len(b):
                b[at] = rnd.choice(words)
            else:
                b.insert(at, rnd.choice(words))
        raw = textdiff.diff_words(" ".join(a), " ".join(b), cleanup=False)
        clean = textdiff.cleanup_semantic(raw)
        assert clean == textdiff._cleanup_unmerged(raw)
        folded += clean != raw
    assert folded


def _forget() -> None:
    from tracker.materiality import cosmetic, features, lexindex

    for memo in (features._SIDES, features._DOCUMENTS, lexindex._ANALYSED, cosmetic._FOLDED):
        memo.clear()


def test_a_version_judged_again_gets_the_verdict_it_got_first(texts):
    """The sides and folds remembered from one comparison (the new version) serve the next (where it
    is the old one): every verdict and reason is the one a process judging the pair first gives."""
    from tracker.changes import compare
    from tracker.model import Document

    docs = [Document.from_markdown(t) for t in texts]
    pairs = [(a, b) for a in docs for b in docs if a is not b]
    _forget()
    first = []
    for a, b in pairs:
        first.append(compare(a, b).assessment)
        _forget()
    again = [compare(a, b).assessment for a, b in pairs]   # memos warm, shared across the pairs
    assert again == first
    assert {x.level for x in first} >= {"none", "material"}


def test_remembered_sides_belong_to_their_rules_and_stay_bounded():
    """Two rule sets judge the same text each with its own analysis, and the memos do not grow
    without bound in a long-running daemon."""
    from tracker.materiality import features

    base = load_rules()
    other = load_rules({"lexicons": {"data_kind": {"favourite colour": ["favourite colour*"]}}})
    text = "We collect your favourite colour and your email address."
    side = Side.of(text, base)
    assert Side.of(text, base) is side
    assert Side.of(text, other) is not side
    assert "favourite colour" in Side.of(text, other).mentions(other.data_kinds)[0]
    assert "favourite colour" not in side.mentions(base.data_kinds)[0]
    for k in range(3000):
        Side.of(f"sentence number {k} of many.", base)
    assert len(features._SIDES) <= 1024
