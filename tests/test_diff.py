"""Section diff and the bounded text diff: behaviour a reader of a policy diff relies on."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import textdiff
from tracker.diff import ChangeSet, diff_documents
from tracker.model import Document, build_document
from tracker.sectionmatch import match_sections, normalize_heading

BASE = """# Privacy Policy

Last updated: March 1, 2021

## Information We Collect

We collect your email address and name when you create an account.

- Email address
- Name

## How We Share Information

{SHARING}

## Cookies

We use cookies to remember your preferences. Cookies are small files stored on your device by your browser.

## Your Rights

You may access, correct and delete your data at any time by writing to us.

## Contact

Write to privacy@example.com or to our postal address.
""".replace("{SHARING}", "We will never sell your personal data to third parties. "
                      "We share data with service providers who process it on our behalf.")


def doc(text: str) -> Document:
    return Document.from_markdown(text)


def by_heading(cs: ChangeSet, heading: str):
    found = [s for s in cs.sections if heading in (s.new_heading, s.old_heading)]
    assert len(found) == 1, [(s.kind, s.old_heading, s.new_heading) for s in cs.sections]
    return found[0]


def apply_inline(inline, side: str) -> str:
    skip = "insert" if side == "old" else "delete"
    return "".join(text for op, text in inline if op != skip)


# --------------------------------------------------------------------------- sections


def test_identical_documents_have_no_changes():
    cs = diff_documents(doc(BASE), doc(BASE))
    assert cs.changed is False
    assert cs.sections == ()
    js = cs.to_json()
    assert js["changed"] is False and js["sections"] == []
    assert js["materiality"] == {"level": "none", "categories": [], "reasons": []}


def test_moved_section_is_moved_not_added_and_removed():
    old = doc(BASE)
    moved = BASE.replace(
        "## Your Rights\n\nYou may access, correct and delete your data at any time by writing to us.\n\n", ""
    ).replace("## Information We Collect", "## Your Rights\n\nYou may access, correct and delete your data "
              "at any time by writing to us.\n\n## Information We Collect")
    new = doc(moved)
    assert new.markdown != old.markdown
    cs = diff_documents(old, new)
    assert [s.kind for s in cs.sections] == ["changed"]
    s = cs.sections[0]
    assert s.new_heading == "Your Rights" and s.moved and not s.renamed and not s.text_changed
    assert s.blocks == ()
    # only the section that moved is flagged, not the ones it jumped over
    assert sum(s.moved for s in cs.sections) == 1


def test_section_moved_under_another_parent_is_matched():
    old = doc("# T\n\n## A\n\naaa aaa\n\n### Detail\n\nThe details of the thing.\n\n## B\n\nbbb bbb\n")
    new = doc("# T\n\n## B\n\nbbb bbb\n\n### Detail\n\nThe details of the thing.\n\n## A\n\naaa aaa\n")
    cs = diff_documents(old, new)
    kinds = {(s.kind, s.old_heading, s.new_heading) for s in cs.sections}
    assert all(k == "changed" for k, _, _ in kinds)
    detail = by_heading(cs, "Detail")
    assert detail.old_path == ("T", "A", "Detail") and detail.new_path == ("T", "B", "Detail")


def test_renamed_heading_is_renamed():
    cs = diff_documents(doc(BASE), doc(BASE.replace("## Cookies", "## Cookies and Similar Technologies")))
    assert len(cs.sections) == 1
    s = cs.sections[0]
    assert s.kind == "changed" and s.renamed and not s.moved and not s.text_changed
    assert (s.old_heading, s.new_heading) == ("Cookies", "Cookies and Similar Technologies")


def test_renumbered_headings_are_matched():
    old = doc("# T\n\n## 1. Scope\n\nThis covers the app.\n\n## 2. Data\n\nWe collect email.\n")
    new = doc("# T\n\n## 1. Definitions\n\nWords mean things here.\n\n## 2. Scope\n\nThis covers the app.\n\n"
              "## 3. Data\n\nWe collect email.\n")
    cs = diff_documents(old, new)
    scope = by_heading(cs, "2. Scope")
    assert scope.kind == "changed" and scope.old_heading == "1. Scope" and scope.renamed
    assert by_heading(cs, "1. Definitions").kind == "added"
    assert normalize_heading("3.2 Your Rights!") == "your rights"


def test_edits_inside_a_section_have_the_right_inline_words():
    new_text = BASE.replace("We will never sell your personal data to third parties.",
                            "We may sell your personal data to our partners.")
    cs = diff_documents(doc(BASE), doc(new_text))
    s = by_heading(cs, "How We Share Information")
    assert s.kind == "changed" and s.text_changed and not s.renamed and not s.moved
    assert len(s.blocks) == 1
    b = s.blocks[0]
    assert b.op == "replace"
    deleted = [t for op, t in b.inline if op == "delete"]
    inserted = [t for op, t in b.inline if op == "insert"]
    assert deleted == ["will never ", "third parties"]
    assert inserted == ["may ", "our partners"]
    assert apply_inline(b.inline, "old") == b.old
    assert apply_inline(b.inline, "new") == b.new


def test_added_list_item_and_removed_section():
    new_text = BASE.replace("- Name\n", "- Name\n- Precise geolocation\n").replace(
        "## Contact\n\nWrite to privacy@example.com or to our postal address.\n", "")
    cs = diff_documents(doc(BASE), doc(new_text))
    collect = by_heading(cs, "Information We Collect")
    assert [(b.op, b.new) for b in collect.blocks] == [("insert", "- Precise geolocation")]
    contact = by_heading(cs, "Contact")
    assert contact.kind == "removed" and contact.new_heading is None
    assert [(b.op, b.old) for b in contact.blocks] == [
        ("delete", "Write to privacy@example.com or to our postal address.")]


def test_removed_section_is_placed_near_its_old_neighbours():
    new_text = BASE.replace("## Cookies\n\nWe use cookies to remember your preferences. Cookies are small "
                            "files stored on your device by your browser.\n\n", "")
    new_text = new_text.replace("Write to privacy", "Please write to privacy")
    cs = diff_documents(doc(BASE), doc(new_text))
    assert [(s.kind, s.old_heading) for s in cs.sections] == [("removed", "Cookies"), ("changed", "Contact")]


def test_rewritten_body_under_same_heading_is_still_matched():
    new_text = BASE.replace(
        "You may access, correct and delete your data at any time by writing to us.",
        "Residents of some states can request a copy of their information. Requests are answered within 45 days.")
    cs = diff_documents(doc(BASE), doc(new_text))
    s = by_heading(cs, "Your Rights")
    assert s.kind == "changed" and s.text_changed and not s.renamed
    assert len(cs.sections) == 1


def test_rewritten_heading_with_similar_body_is_matched_by_content():
    new_text = BASE.replace("## How We Share Information", "## Disclosure to Others").replace(
        "service providers who process", "vendors who process")
    cs = diff_documents(doc(BASE), doc(new_text))
    assert len(cs.sections) == 1
    s = cs.sections[0]
    assert s.kind == "changed" and s.renamed
    assert (s.old_heading, s.new_heading) == ("How We Share Information", "Disclosure to Others")
    assert [b.op for b in s.blocks] == ["replace"]


def test_changed_paragraph_pairs_with_its_replacement_among_several():
    old = doc("# T\n\nAlpha paragraph about email addresses.\n\nBeta paragraph about cookies and pixels.\n")
    new = doc("# T\n\nCompletely unrelated words here now.\n\nAlpha paragraph about email and phone numbers.\n\n"
              "Beta paragraph about cookies, pixels and beacons.\n")
    s = diff_documents(old, new).sections[0]
    assert [b.op for b in s.blocks] == ["insert", "replace", "replace"]
    assert s.blocks[1].old.startswith("Alpha") and s.blocks[2].old.startswith("Beta")


def test_whitespace_only_change_is_still_a_change():
    old = doc("# T\n\nWe collect data.\n")
    new = Document(old.title, (old.sections[0].__class__("T", 1, ("T",), ("We  collect data.",)),))
    cs = diff_documents(old, new)
    assert cs.changed and len(cs.sections) == 1 and cs.sections[0].blocks[0].op == "replace"


def test_heading_level_change_is_reported():
    cs = diff_documents(doc("# T\n\n## A\n\ntext\n"), doc("# T\n\n### A\n\ntext\n"))
    assert cs.changed and len(cs.sections) == 1


def test_match_sections_accounts_for_every_section_once():
    new_text = BASE.replace("## Cookies", "## Tracking").replace("## Contact\n", "## Contact Us\n") + \
        "\n## Children\n\nWe do not knowingly collect data from children.\n"
    old, new = doc(BASE), doc(new_text)
    pairs = match_sections(old, new)
    assert sorted(id(o) for o, _ in pairs if o) == sorted(map(id, old.sections))
    assert [id(n) for _, n in pairs if n] == [id(s) for s in new.sections]
    assert (None, new.sections[-1]) in pairs


# --------------------------------------------------------------------------- JSON contract


def test_json_shape_is_exactly_the_contract():
    new_text = BASE.replace("third parties", "our partners").replace("## Cookies", "## Tracking") + \
        "\n## Children\n\nNo data from children.\n"
    new_text = new_text.replace("## Contact\n\nWrite to privacy@example.com or to our postal address.\n", "")
    cs = diff_documents(doc(BASE), doc(new_text))
    js = json.loads(json.dumps(cs.to_json()))
    assert set(js) == {"changed", "old", "new", "materiality", "sections"}
    assert set(js["old"]) == set(js["new"]) == {"title", "digest"}
    assert set(js["materiality"]) == {"level", "categories", "reasons"}
    kinds = set()
    for s in js["sections"]:
        assert set(s) == {"kind", "old_heading", "new_heading", "old_path", "new_path", "renamed", "moved",
                          "text_changed", "level", "blocks"}
        kinds.add(s["kind"])
        assert s["level"] in ("none", "minor", "material")
        assert all(isinstance(s[k], bool) for k in ("renamed", "moved", "text_changed"))
        for b in s["blocks"]:
            assert set(b) == {"op", "old", "new", "inline"}
            assert b["op"] in ("insert", "delete", "replace")
            assert all(isinstance(x, list) and len(x) == 2 and x[0] in ("equal", "insert", "delete")
                       for x in b["inline"])
    assert kinds == {"changed", "added", "removed"}
    added = next(s for s in js["sections"] if s["kind"] == "added")
    assert added["old_heading"] is None and added["old_path"] is None
    assert added["new_path"] == ["Privacy Policy", "Children"]


def test_judgement_is_attached_to_each_section_pair_as_typed_values():
    """changes.compare puts the classifier's Assessment on the ChangeSet and on each changed
    section; the JSON is built from those values and reads back to equal values."""
    from tracker.changes import compare
    from tracker.model import Assessment, Level, Reason

    old = Document.from_markdown("# P\n\n## Sharing\n\nWe never sell your personal data.\n\n"
                                 "## Contact\n\nWrite to us at privacy@example.org.\n")
    new = Document.from_markdown("# P\n\n## Sharing\n\nWe may sell your personal data to brokers.\n\n"
                                 "## Contact\n\nWrite to us at privacy@example.org.\n")
    cs = compare(old, new)
    assert isinstance(cs.assessment, Assessment) and cs.level is Level.MATERIAL
    (sharing,) = cs.sections
    assert sharing.assessment is not None and sharing.level is Level.MATERIAL
    assert all(isinstance(r, Reason) and r.section == "P > Sharing" for r in sharing.reasons)
    assert set(sharing.reasons) <= set(cs.assessment.reasons)
    js = cs.to_json()
    assert js["materiality"] == cs.assessment.to_json() and js["sections"][0]["level"] == "material"
    assert Assessment.from_json(json.loads(json.dumps(js["materiality"]))) == cs.assessment.__class__(
        cs.assessment.level, cs.assessment.categories, cs.assessment.reasons)
    assert compare(old, old).assessment.level is Level.NONE and compare(old, old).to_json()["materiality"] == {
        "level": "none", "categories": [], "reasons": []}


# --------------------------------------------------------------------------- big repetitive input


def repetitive(seed: int = 7, size: int = 2_000_000, edit_fraction: float = 0.01):
    """~2 MB of 20 lines repeated; ~1% of lines edited (substituted, inserted or deleted)."""
    rnd = random.Random(seed)
    base = [f"Clause {k}: we may share your personal information with partners for purpose {k}." for k in range(20)]
    lines, total = [], 0
    while total < size:
        lines.append(base[len(lines) % 20])
        total += len(lines[-1]) + 1
    new = list(lines)
    picks = sorted(rnd.sample(range(len(lines)), int(len(lines) * edit_fraction)), reverse=True)
    n_sub = n_ins = n_del = 0
    for c, i in enumerate(picks):
        kind = ("sub", "sub", "ins", "del")[c % 4]
        if kind == "sub":
            new[i] = new[i].replace("may share", "will sell") + f" (edit {i})"
            n_sub += 1
        elif kind == "ins":
            new.insert(i, f"Inserted clause {i}: we retain data forever.")
            n_ins += 1
        else:
            del new[i]
            n_del += 1
    edited_new = {j for j, line in enumerate(new) if line not in base}
    return lines, new, edited_new, n_sub + n_del


@pytest.mark.parametrize("deadline", [None, 1.0, 0.0])
def test_repetitive_2mb_reports_exactly_the_edited_lines(deadline):
    old, new, edited_new, removed = repetitive()
    assert len("\n".join(old)) >= 2_000_000
    codes = textdiff.opcodes(old, new, deadline)
    inserted = {j for tag, i1, i2, j1, j2 in codes if tag != "equal" for j in range(j1, j2)}
    deleted = sum(i2 - i1 for tag, i1, i2, j1, j2 in codes if tag != "equal")
    assert inserted == edited_new
    assert deleted == removed
    check_opcodes(old, new, codes)


def test_repetitive_2mb_document_diff_reports_exactly_the_edited_blocks():
    old, new, edited_new, removed = repetitive(seed=3)
    cs = diff_documents(doc("# Terms\n\n" + "\n\n".join(old)), doc("# Terms\n\n" + "\n\n".join(new)))
    (s,) = cs.sections
    assert sorted(b.new for b in s.blocks if b.new is not None) == sorted(new[j] for j in edited_new)
    assert sum(b.old is not None for b in s.blocks) == removed
    subs = [b for b in s.blocks if b.op == "replace"]
    assert subs and all(("delete", "may share") in b.inline and ("insert", "will sell") in b.inline for b in subs)


# --------------------------------------------------------------------------- textdiff


def check_opcodes(a, b, codes):
    i = j = 0
    for tag, i1, i2, j1, j2 in codes:
        assert (i1, j1) == (i, j)
        assert tag in ("equal", "insert", "delete", "replace")
        if tag == "equal":
            assert list(a[i1:i2]) == list(b[j1:j2])
        assert (tag != "insert" or i1 == i2) and (tag != "delete" or j1 == j2)
        i, j = i2, j2
    assert (i, j) == (len(a), len(b))


def lcs_length(a, b) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 4), max_size=40), st.lists(st.integers(0, 4), max_size=40))
def test_textdiff_small_inputs_are_valid_and_minimal(a, b):
    codes = textdiff.opcodes(a, b, None)
    check_opcodes(a, b, codes)
    assert sum(i2 - i1 for tag, i1, i2, _, _ in codes if tag == "equal") == lcs_length(a, b)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="ab ,.\nxy", max_size=200), st.text(alphabet="ab ,.\nxy", max_size=200))
def test_word_diff_spells_both_texts(a, b):
    segs = textdiff.diff_words(a, b)
    assert apply_inline(segs, "old") == a and apply_inline(segs, "new") == b
    assert all(op in ("equal", "insert", "delete") and text for op, text in segs)


def test_unified_diff_matches_difflib_on_a_simple_case():
    import difflib
    a = [f"line {k}\n" for k in range(30)]
    b = a[:5] + ["new line\n"] + a[5:20] + a[21:]
    assert list(textdiff.unified_diff(a, b, "a", "b")) == list(difflib.unified_diff(a, b, "a", "b"))


# --------------------------------------------------------------------------- properties

WORDS = ["data", "email", "share", "sell", "cookies", "never", "may", "rights", "delete", "partners"]
HEADINGS = ["Scope", "Data We Collect", "Sharing", "Cookies", "Rights", "Contact", "Children", "Security"]

blocks_st = st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join), max_size=4)
section_st = st.tuples(st.sampled_from(HEADINGS), st.integers(1, 3), blocks_st)


def build(preamble, sections) -> Document:
    flat = list(preamble)
    for heading, level, blocks in sections:
        flat.append("#" * level + " " + heading)
        flat.extend(blocks)
    return build_document(flat)


doc_st = st.builds(build, blocks_st, st.lists(section_st, max_size=7))


def mutate(draw_doc: Document, ops: list[tuple[int, int]]) -> Document:
    """Apply a few structural edits (move, drop, duplicate, edit a block) to a document's sections."""
    secs = [(s.heading, max(s.level, 1), list(s.blocks)) for s in draw_doc.sections if s.level]
    pre = [list(s.blocks) for s in draw_doc.sections if not s.level]
    for op, k in ops:
        if not secs:
            break
        k %= len(secs)
        if op == 0:
            secs.append(secs.pop(k))
        elif op == 1:
            secs.pop(k)
        elif op == 2:
            h, lv, bl = secs[k]
            secs[k] = (h, lv, bl + ["may sell data"])
        elif op == 3:
            h, lv, bl = secs[k]
            secs[k] = (h + " Policy", lv, bl[::-1])
    return build(pre[0] if pre else [], secs)


def assert_accounted(a: Document, b: Document) -> None:
    cs = diff_documents(a, b)
    pairs = match_sections(a, b)
    assert sorted(id(o) for o, _ in pairs if o) == sorted(map(id, a.sections))
    assert [id(n) for _, n in pairs if n] == [id(s) for s in b.sections]
    assert cs.changed == (a.markdown != b.markdown)
    assert bool(cs.sections) == cs.changed
    changes = {(id(c.old_section) if c.old_section else None, id(c.new_section) if c.new_section else None): c
               for c in cs.sections}
    assert len(changes) == len(cs.sections)
    order = []
    for o, n in pairs:
        key = (id(o) if o else None, id(n) if n else None)
        c = changes.get(key)
        if c is None:
            assert o is not None and n is not None and o.blocks == n.blocks and o.heading == n.heading
            continue
        order.append(c)
        old_blocks, new_blocks = (o.blocks if o else ()), (n.blocks if n else ())
        removed = {b.old_index for b in c.blocks if b.old is not None}
        added = {b.new_index for b in c.blocks if b.new is not None}
        assert len(removed) == sum(b.old is not None for b in c.blocks)
        assert len(added) == sum(b.new is not None for b in c.blocks)
        assert [old_blocks[k] for k in sorted(removed)] == [b.old for b in c.blocks if b.old is not None]
        assert [new_blocks[k] for k in sorted(added)] == [b.new for b in c.blocks if b.new is not None]
        kept_old = [x for k, x in enumerate(old_blocks) if k not in removed]
        kept_new = [x for k, x in enumerate(new_blocks) if k not in added]
        assert kept_old == kept_new  # everything else is equal, in order
        for b in c.blocks:
            assert apply_inline(b.inline, "old") == (b.old or "")
            assert apply_inline(b.inline, "new") == (b.new or "")
        assert c.kind == ("added" if o is None else "removed" if n is None else "changed")
    assert order == list(cs.sections)  # sections come in match order (new-document order)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc_st)
def test_diff_of_a_document_with_itself_reports_nothing(a):
    cs = diff_documents(a, a)
    assert cs.changed is False and cs.sections == ()
    b = Document.from_markdown(a.markdown)  # an equal copy built independently
    assert diff_documents(a, b).sections == ()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc_st, doc_st)
def test_every_block_of_two_unrelated_documents_is_accounted_for(a, b):
    assert_accounted(a, b)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc_st, st.lists(st.tuples(st.integers(0, 3), st.integers(0, 20)), max_size=4))
def test_every_block_of_an_edited_document_is_accounted_for(a, ops):
    assert_accounted(a, mutate(a, ops))


def test_moved_counter_counts_only_moved_sections():
    secs = [f"## S{k}\n\nBody of section number {k} with words.\n" for k in range(10)]
    old = doc("# T\n\n" + "\n".join(secs))
    new = doc("# T\n\n" + "\n".join(secs[:2] + secs[3:8] + [secs[2]] + secs[8:]))
    moved = [s.new_heading for s in diff_documents(old, new).sections if s.moved]
    assert moved == ["S2"]
    assert Counter(s.kind for s in diff_documents(old, new).sections) == {"changed": 1}


@pytest.mark.parametrize("deadline", [None, 0.0])
def test_textdiff_medium_inputs_are_valid_on_every_path(deadline):
    rnd = random.Random(11)
    for _ in range(60):
        alphabet = rnd.choice([2, 5, 50, 10_000])
        a = [rnd.randrange(alphabet) for _ in range(rnd.randint(300, 1500))]
        b = list(a)
        for _ in range(rnd.randint(0, 300)):
            p = rnd.randrange(len(b) + 1)
            r = rnd.random()
            if r < 0.33:
                b.insert(p, rnd.randrange(alphabet))
            elif p < len(b):
                if r < 0.66:
                    del b[p]
                else:
                    b[p] = rnd.randrange(alphabet)
        check_opcodes(a, b, textdiff.opcodes(a, b, deadline))


def test_empty_documents():
    empty = Document("", ())
    full = doc(BASE)
    assert diff_documents(empty, empty).sections == ()
    added = diff_documents(empty, full)
    assert [s.kind for s in added.sections] == ["added"] * len(full.sections)
    removed = diff_documents(full, empty)
    assert [s.kind for s in removed.sections] == ["removed"] * len(full.sections)
    assert [s.old_heading for s in removed.sections] == [s.heading for s in full.sections]


# ------------------------------------------------------------------------------------------------
# bounded section matching (issue 17 item 4)
# ------------------------------------------------------------------------------------------------

def test_section_matching_candidates_are_bounded_and_find_far_moves():
    from tracker import sectionmatch

    n = 600
    olds = list(range(n))
    news = list(range(n))
    oh = {i: f"heading number {i} about topic {i % 7}" for i in olds}
    nh = {j: f"renamed heading {j} on subject {j % 5}" for j in news}
    ot = {i: f"Body text of section {i}: we use your data for purpose {i}." for i in olds}
    nt = {j: f"Different body {j} text, unrelated to the old one at all {j}." for j in news}
    nt[590] = ot[3]  # section 3 moved to the far end, renamed, same opening text
    near = sectionmatch._near(olds, news, oh, nh, ot, nt)
    assert len(near) <= n * (2 * sectionmatch.WINDOW + 1) + 2 * n
    assert (3, 590) in near


def test_sections_renamed_and_moved_far_still_match_in_a_long_document():
    def doc(headings_bodies):
        md = "# T\n\n" + "\n\n".join(f"## {h}\n\n{b}" for h, b in headings_bodies)
        return Document.from_markdown(md)

    old = [(f"Part {k} heading", f"Section {k} says we keep record {k} for audits only.") for k in range(400)]
    new = [(f"Renamed part {k}", f"Section {k} says we keep record {k} for audits only, and more.") for k in range(400)]
    moved = new.pop(5)
    new.append((moved[0], old[5][1]))
    from tracker.sectionmatch import match_pairs

    pairs = {j: i for i, j in match_pairs(doc(old), doc(new))}
    assert pairs[len(new)] == 6   # the moved section (index 6 counting the title section)
    assert len(pairs) == 401


def test_weighted_stable_pairs_match_the_quadratic_reference():
    import itertools
    import random

    from tracker.sectionmatch import stable_pairs

    def reference(pairs, weights):
        pairs = sorted(pairs, key=lambda p: p[1])
        best = [0] * len(pairs)
        for t, (i, _) in enumerate(pairs):
            best[t] = weights.get(i, 1) + max((best[u] for u in range(t) if pairs[u][0] < i), default=0)
        return max(best, default=0)

    rnd = random.Random(4)
    for _ in range(200):
        n = rnd.randint(0, 30)
        olds = rnd.sample(range(40), n)
        pairs = list(zip(olds, range(n), strict=False))
        weights = {i: rnd.randint(1, 9) for i in olds}
        keep = stable_pairs(pairs, weights)
        kept = sorted(keep, key=lambda p: p[1])
        assert all(a[0] < b[0] for a, b in itertools.pairwise(kept))   # increasing in old index
        assert sum(weights.get(i, 1) for i, _ in keep) == reference(pairs, weights)
