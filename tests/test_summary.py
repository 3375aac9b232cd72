"""The verdict as a reader first sees it: one line, then findings grouped material-first.

Uses the real Plex revisions of the demo (2022-01-04 -> 2022-06-01 substantive edit)."""

from __future__ import annotations

import tracker
from tracker.demo import demo_page
from tracker.model import Assessment, Level, Reason
from tracker.render import render
from tracker.render.summary import clip_words, findings, grouped, hidden_counts, phrase, verdict_line


def _seed_change() -> Assessment:
    old = tracker.normalize(demo_page("plex-privacy-policy-v2-cosmetic.html"))
    new = tracker.normalize(demo_page("plex-privacy-policy-v3-substantive.html"))
    return tracker.compare(old, new).assessment


def test_the_seed_revision_reads_as_one_line_a_reader_can_forward():
    line = verdict_line(_seed_change())
    parts = line.split("; ")
    # the decisive finding first, then the others, each kind once
    assert parts[0].startswith("no longer rules out: ") and "sell" in parts[0]
    assert "new sensitive data: precise geolocation, biometric data" in parts
    assert any("thirty (30) days → ninety (90) days" in p for p in parts)
    assert any("ten years" in p for p in parts)
    assert "negation removed" not in line and "->" not in line
    # cosmetic and minor findings are not part of a material verdict's line
    assert "Last Updated" not in line and "Privacy Shield" not in line


def test_groups_come_material_first_and_each_finding_once():
    a = _seed_change()
    groups = grouped(a.reasons)
    levels = [g.level for g in groups]
    assert levels == sorted(levels, key=lambda lv: -lv.rank)
    assert groups[0].level is Level.MATERIAL and groups[0].category == "sharing"
    texts = [f.text for g in groups for f in g.findings]
    assert len(texts) == len(set(texts))
    # the "collect, marketing" flip of the same sentence is not a second finding
    sharing_quotes = [(f.old, f.new) for g in groups for f in g.findings if "no longer rules out" in f.text]
    assert len(sharing_quotes) == 1
    assert all(g.category == "" for g in groups if g.level is Level.NONE)


def _r(level: Level, category: str, detail: str, section: str = "", old: str = "", new: str = "") -> Reason:
    return Reason(level, category, "x", section, detail, old, new)


def test_the_same_words_found_twice_are_one_finding_naming_both_kinds():
    rs = [_r(Level.MATERIAL, "sharing", "negation removed: sell", "S", "we do not sell", "we may sell"),
          _r(Level.MATERIAL, "collection", "negation removed: collect", "S", "we do not sell", "we may sell"),
          _r(Level.MATERIAL, "collection", "high-risk term new in this section: sale", "S", "we do not sell",
             "we may sell")]
    (f,) = findings(rs)
    assert f.category == "sharing"
    assert f.text == "no longer rules out: sell, collect; high-risk term new in this section: sale"


def test_one_finding_in_several_sections_lists_every_section():
    rs = [_r(Level.MINOR, "rights", "contact changed", "A", "a", "b"),
          _r(Level.MINOR, "rights", "contact changed", "B", "c", "d")]
    (f,) = findings(rs)
    assert f.sections == ("A", "B")


def test_terminal_never_hides_a_material_finding_behind_a_count():
    reasons = tuple([_r(Level.MINOR, "other", f"minor thing {k}") for k in range(6)]
                    + [_r(Level.MATERIAL, "sharing", f"new named recipient: Partner {k}") for k in range(7)]
                    + [_r(Level.NONE, "", "typography only")])
    a = Assessment(Level.MATERIAL, ("sharing",), reasons)
    from tracker.diff import diff_documents
    from tracker.model import Document
    cs = diff_documents(Document.from_markdown("# T\n\nOne."), Document.from_markdown("# T\n\nTwo."))
    import dataclasses
    cs = dataclasses.replace(cs, assessment=a)
    out = render(cs, "text")
    for k in range(7):
        assert f"Partner {k}" in out
    assert out.index("sharing (material)") < out.index("other (minor)")
    assert "… and 2 minor, 1 cosmetic more" in out
    assert "minor thing 3" in out and "minor thing 4" not in out


def test_hidden_counts_say_what_is_left():
    class H:
        groups = tuple(grouped([_r(Level.MINOR, "a", f"m{k}") for k in range(3)]
                               + [_r(Level.NONE, "", f"n{k}") for k in range(2)]))
    assert hidden_counts(H(), 4) == "1 cosmetic"
    assert hidden_counts(H(), 1) == "2 minor, 2 cosmetic"
    assert hidden_counts(H(), 5) == ""


def test_phrases_read_as_words_not_detector_names():
    assert phrase(_r(Level.MATERIAL, "rights", "duration longer: response time: 30 days -> 90 days")) \
        == "response time: 30 days → 90 days"
    assert phrase(_r(Level.MATERIAL, "retention", "duration longer: 30 days -> 2 years")) \
        == "duration: 30 days → 2 years"
    assert phrase(_r(Level.MATERIAL, "sharing", "new named recipient: Acme (and 2 more)")) \
        == "new named recipient: Acme"


def test_clip_cuts_at_a_word_boundary():
    text = "We will respond to all legitimate requests within ninety days and will contact you"
    out = clip_words(text, 40)
    assert out.endswith("…") and len(out) <= 40
    assert text.startswith(out[:-1]) and text[len(out) - 1] == " "


def test_two_findings_of_one_kind_in_the_same_words_are_both_named():
    rs = [_r(Level.MATERIAL, "sharing", "new named recipient: advertisers", "S", "we share with", "we share with ads"),
          _r(Level.MATERIAL, "sharing", "new named recipient: partners", "S", "we share with", "we share with ads")]
    (f,) = findings(rs)
    assert f.text == "new named recipient: advertisers, partners"
    assert verdict_line(Assessment(Level.MATERIAL, ("sharing",), tuple(rs))) == f.text
