"""Materiality: the labeled evaluation set, whole documents, and focused unit tests."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.materiality import sets as labeled
from tracker.materiality import (
    LEVELS,
    Assessment,
    Reason,
    align_sections,
    assess_documents,
    assess_pairs,
    assess_text,
    load_rules,
)
from tracker.materiality.cosmetic import DETECTORS, is_spelling_fix
from tracker.materiality.numbers import compare, extract, parse_number
from tracker.model import Document, Section

CASES = tomllib.loads((Path(__file__).parent / "materiality_cases.toml").read_text("utf-8"))["case"]
DESIGN_CATEGORIES = {"collection", "sharing", "choice", "rights", "retention", "security", "policy_change",
                     "tracking", "children", "international", "ai", "controller", "disputes", "liability",
                     "fees", "termination", "content_license", "other"}


def _cats(case: dict) -> set[str]:
    c = case.get("category")
    return {c} if isinstance(c, str) else set(c or [])


@pytest.fixture(scope="module")
def verdicts() -> list[tuple[dict, Assessment]]:
    rules = load_rules()
    return [(c, assess_text(c["old"], c["new"], rules=rules)) for c in CASES]


# ------------------------------------------------------------------------------------------------
# the labeled set
# ------------------------------------------------------------------------------------------------

def test_set_is_broad_enough():
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES)
    covered = set().union(*(_cats(c) for c in CASES))
    assert covered == DESIGN_CATEGORIES
    assert {c.get("detector") for c in CASES if c["level"] == "none"} == set(DETECTORS)
    for c in CASES:
        assert c["level"] in LEVELS
        if c["level"] != "none":
            assert _cats(c), c["id"]


def test_no_cosmetic_change_judged_material(verdicts):
    bad = [c["id"] for c, a in verdicts if c["level"] == "none" and a.level == "material"]
    assert not bad


def test_no_material_change_judged_none(verdicts):
    bad = [c["id"] for c, a in verdicts if c["level"] == "material" and a.level == "none"]
    assert not bad


def test_agreement_at_least_95_percent(verdicts):
    agree = sum(1 for c, a in verdicts if c["level"] == a.level)
    wrong = [(c["id"], c["level"], a.level) for c, a in verdicts if c["level"] != a.level]
    assert agree / len(verdicts) >= 0.95, wrong


def test_category_named_where_level_agrees(verdicts):
    scored = [(c, a) for c, a in verdicts if c["level"] == a.level and c["level"] != "none" and _cats(c)]
    hits = sum(1 for c, a in scored if _cats(c) & set(a.categories))
    assert hits / len(scored) >= 0.9


def test_cosmetic_cases_name_their_detector(verdicts):
    for c, a in verdicts:
        if c["level"] == "none" and a.level == "none":
            assert c["detector"] in {r.signal for r in a.reasons}, (c["id"], a.reasons)


def test_every_verdict_has_reasons_that_quote(verdicts):
    for c, a in verdicts:
        assert a.reasons, c["id"]
        for r in a.reasons:
            assert r.detail and r.signal
            # issue 13: a cosmetic finding has no category; every other reason has one
            assert (r.category == "") if r.level == "none" else (r.category in DESIGN_CATEGORIES)
            assert r.level in LEVELS and LEVELS.index(r.level) <= LEVELS.index(a.level)
            assert len(r.old) <= 200 and len(r.new) <= 200
        if a.level == "material":
            assert any(r.level == "material" and (r.old or r.new) for r in a.reasons), c["id"]
        assert set(a.categories) <= DESIGN_CATEGORIES
        assert a.level != "none" or a.categories == (), c["id"]


def test_traps():
    assert assess_text("We do not share your location.", "We do now share your location.").level == "material"
    assert assess_text("We keep logs for 12 months.", "We keep logs for one year.").level == "minor"
    # issue 13: a legal-form change of the same entity is minor; another entity is material
    inc = assess_text("Example Inc. is the controller of your data.", "Example LLC is the controller of your data.")
    assert inc.level == "minor" and inc.reasons[0].signal == "controller_legal_form_changed"
    other = assess_text("Example Inc. is the controller of your data.", "Acme LLC is the controller of your data.")
    assert other.level == "material" and "controller" in other.categories
    link = assess_text("See our [policy](https://a.example/p?utm_source=x).", "See our [policy](https://a.example/p).")
    assert link.level == "none" and link.reasons[0].signal == "link_targets"
    assert "https://a.example/p" in link.reasons[0].detail


# ------------------------------------------------------------------------------------------------
# real cases from Open Terms Archive histories (tests/materiality/real_*.toml), labeled before any
# classifier run and split by document. The floors come from scripts/eval_materiality.py runs:
# classifier at 7b43791: tune 60/90 = 66.7% level agreement, 33/46 = 71.7% category agreement, 2 none<->material
# swaps; at 26e2722 (context rules tuned on this split): 79/90 = 87.8%, 45/60 = 75.0%, 0 swaps.
# Round 3 added real_tune2.toml (97 cases from 20 other documents, labeled first): the classifier at
# 7cdbbf0, before any round-3 change, agreed on 58/97 = 59.8% (23 material judged minor, 15 minor judged
# material, 0 swaps; one label, t2-97, was corrected afterwards: 59/97 with it); tune (both files) was then
# 137/187 = 73.3%, 79/107 = 73.8%. After the round-3 rules: tune1 81/90 = 90.0%, 47/61 = 77.0%; tune2
# 90/97 = 92.8%, 52/78 = 66.7%; material judged minor on both: 4 (was 26 with the first labels). Floors are the latest
# figures rounded down. Raise a floor when the measured figure rises; never lower one to make a change pass.
# ------------------------------------------------------------------------------------------------

# per file of the tune split: (level agreement, category agreement) floors
TUNE_FLOORS = {"tune1": (0.90, 0.77), "tune2": (0.92, 0.66)}
TUNE_MAX_SWAPS = 0
TUNE_MAX_MISSED = 4   # material cases judged minor or none (a missed email), both files
HOLDOUT_MAX_SWAPS = 2  # the only thing asserted on the holdout; its cases are never listed here
ACCEPTANCE = {("Airbnb", "Privacy Policy"), ("ChatGPT Business", "Privacy Policy"), ("Claude.ai", "Privacy Policy"),
              ("Le Chat", "Terms of Service"), ("Reddit", "Terms of Service"), ("Snapchat", "Terms of Service"),
              ("Spotify", "Privacy Policy"), ("Telegram", "Terms of Service"), ("TikTok", "Privacy Policy"),
              ("WhatsApp", "Privacy Policy")}


def _judge(old: str, new: str) -> Assessment:
    return assess_text(old, new, rules=load_rules())


def test_real_sets_are_labeled_sourced_and_split_by_document():
    tune, holdout = labeled.load("tune"), labeled.load("holdout")
    real = tune + holdout
    assert len(real) >= 100 and len(real) + len(CASES) >= 250
    assert len({c["id"] for c in real + CASES}) == len(real) + len(CASES)
    for c in real:
        assert c["reason"].strip() and c["date"] and c["service"] and c["document"], c["id"]
        assert c["source"].startswith(("OpenTermsArchive/pga-versions@", "OpenTermsArchive/contrib-versions@")), c["id"]
        assert c["old"] != c["new"], c["id"]
        assert (c["service"], c["document"]) not in ACCEPTANCE and "genai" not in c["source"].lower(), c["id"]
        if c["level"] == "none":
            assert "category" not in c, c["id"]
        else:
            assert labeled.categories(c) and labeled.categories(c) <= DESIGN_CATEGORIES, c["id"]
    def docs(cases: list[dict]) -> set[tuple[str, str]]:
        return {(c["service"], c["document"]) for c in cases}

    assert not docs(tune) & docs(holdout)
    assert not docs(labeled.load("tune1")) & docs(labeled.load("tune2"))
    for level in LEVELS:  # the first split was stratified: each level split roughly in half
        t, h = (sum(c["level"] == level for c in cases) for cases in (labeled.load("tune1"), holdout))
        assert t and h and abs(t - h) <= 0.2 * (t + h), (level, t, h)
    covered = set().union(*(labeled.categories(c) for c in real))
    assert {"sharing", "retention", "rights", "ai", "disputes", "fees", "termination", "content_license",
            "children", "international", "controller", "tracking"} <= covered


@pytest.fixture(scope="module")
def tune_score() -> labeled.Score:
    return labeled.score(labeled.load("tune"), _judge)


@pytest.mark.parametrize("part", sorted(TUNE_FLOORS))
def test_tune_split_level_and_category_agreement_floors(part):
    s = labeled.score(labeled.load(part), _judge)
    level, category = TUNE_FLOORS[part]
    assert s.agreement >= level, (f"{s.agree}/{s.n}", s.wrong)
    assert s.cat_scored >= 20
    assert s.category_agreement >= category, f"{s.cat_hits}/{s.cat_scored}"


def test_tune_split_material_changes_missed_at_most_the_measured_count(tune_score):
    missed = [w for w in tune_score.wrong if w[1] == "material"]
    assert len(missed) <= TUNE_MAX_MISSED, missed


def test_tune_split_cosmetic_and_material_never_swapped_beyond_the_measured_count(tune_score):
    swaps = [w for w in tune_score.wrong if {w[1], w[2]} == {"none", "material"}]
    assert len(swaps) <= TUNE_MAX_SWAPS, swaps


def test_holdout_cosmetic_and_material_never_swapped_beyond_the_stated_count():
    s = labeled.score(labeled.load("holdout"), _judge)
    assert s.n >= 50
    assert s.none_material_swaps <= HOLDOUT_MAX_SWAPS, f"{s.none_material_swaps} none<->material swaps on the holdout"


def test_scoring_counts_what_it_is_given():
    """The scorer itself can fail: a judge that always says 'minor' agrees only with the minor labels."""
    cases = labeled.load("tune")
    s = labeled.score(cases, lambda old, new: _Fixed("minor"))
    assert s.agree == sum(c["level"] == "minor" for c in cases) and s.n == len(cases)
    assert s.none_material_swaps == 0 and s.count("none", "minor") == sum(c["level"] == "none" for c in cases)


class _Fixed:
    def __init__(self, level: str) -> None:
        self.level, self.categories = level, ()


# ------------------------------------------------------------------------------------------------
# whole documents
# ------------------------------------------------------------------------------------------------

POLICY = """# Example Privacy Policy

Last Updated: March 17, 2021

This Privacy Policy explains how Example Inc. ("we", "us") collects, uses and shares information
about you when you use our websites and apps (the "Services").

## Collection of Personal and Other Information

We collect information you provide directly to us, such as your name, email address and postal
address when you create an account or make a purchase.

We automatically collect log information, such as your IP address, browser type and the pages you
visit. See our [Cookie Policy](https://example.com/cookies?utm_source=footer) for details.

## Use of Information

We use the information we collect to provide, maintain and improve the Services, to process
transactions and to send you service messages.

## Disclosure and Sharing Your Information

We share information with service providers who process it on our behalf. We do not sell your
personal information.

## Retention of Information

We retain server logs for 30 days and account information for as long as your account is active.

## Children

Our Services are not directed to children under 13, and we do not knowingly collect personal
information from children under 13.

## Your Rights

You may access, correct or delete your personal information by contacting privacy@example.com.
"""


def _doc(md: str) -> Document:
    return Document.from_markdown(md)


def test_document_cosmetic_revision_is_none():
    new = (POLICY.replace("Last Updated: March 17, 2021", "Last Updated: February 2, 2022")
           .replace('("we", "us")', "(\u201cwe\u201d, \u201cus\u201d)")
           .replace("?utm_source=footer", "")
           .replace("browser type and the pages you\nvisit", "browser type and the pages you visit"))
    a = assess_documents(_doc(POLICY), _doc(new))
    assert a.level == "none", a.reasons
    signals = {r.signal for r in a.reasons}
    assert {"date_lines", "typography", "link_targets"} <= signals
    assert all(r.level == "none" for r in a.reasons)


def test_document_new_data_kind_and_sale_is_material():
    new = (POLICY.replace("name, email address and postal\naddress",
                          "name, email address, postal address\nand precise geolocation")
           .replace("We do not sell your\npersonal information.",
                    "We may sell your personal information to\nadvertising partners."))
    a = assess_documents(_doc(POLICY), _doc(new))
    assert a.level == "material"
    signals = {(r.signal, r.section) for r in a.reasons}
    assert ("new_data_kind", "Example Privacy Policy > Collection of Personal and Other Information") in signals
    assert any(s == "negation_removed" and "Disclosure" in sec for s, sec in signals)
    assert {"collection", "sharing"} <= set(a.categories)
    json.dumps(a.to_json())


def test_document_retention_and_children_changes():
    new = (POLICY.replace("server logs for 30 days", "server logs for two years")
           .replace("children under 13, and", "children under 16, and"))
    a = assess_documents(_doc(POLICY), _doc(new))
    assert a.level == "material"
    details = [r.detail for r in a.reasons if r.level == "material"]
    assert any("30 days -> two years" in d for d in details)
    # raising the age limit is favourable, not adverse
    assert not any("age limit" in d for d in details)


def test_document_moved_section_is_not_add_plus_delete():
    doc = _doc(POLICY)
    sections = list(doc.sections)
    sections[2], sections[4] = sections[4], sections[2]
    moved = Document(doc.title, tuple(sections))
    pairs = align_sections(doc, moved)
    assert all(a is not None and b is not None for a, b in pairs)
    assert assess_documents(doc, moved).level == "none"


def test_document_new_section_with_arbitration():
    new = POLICY + "\n## Disputes\n\nAny dispute will be resolved by binding individual arbitration.\n"
    a = assess_documents(_doc(POLICY), _doc(new))
    assert a.level == "material"
    assert any(r.signal == "high_risk_term" and r.section.endswith("Disputes") for r in a.reasons)


def test_document_sentence_moved_between_sections_is_not_new():
    old = "## A\n\nWe collect your phone number to verify your account.\n\n## B\n\nWe use cookies.\n"
    new = ("## A\n\nWe verify your account.\n\n## B\n\nWe use cookies.\n\n"
           "We collect your phone number to verify your account.\n")
    a = assess_documents(_doc(old), _doc(new))
    assert a.level != "material", a.reasons


# ------------------------------------------------------------------------------------------------
# assess_pairs
# ------------------------------------------------------------------------------------------------

def _s(heading: str, *blocks: str) -> Section:
    return Section(heading, 2, ("Policy", heading), tuple(blocks))


def test_assess_pairs_added_removed_and_overall():
    kept = _s("Security", "We encrypt your data in transit.")
    added = _s("Sale of Data", "We sell your browsing history to data brokers.")
    removed = _s("Opt-out", "You can opt out of personalized ads in Settings.")
    overall, each = assess_pairs([(kept, kept), (None, added), (removed, None)])
    assert [a.level for a in each] == ["none", "material", "material"]
    assert overall.level == "material"
    assert {r.section for r in overall.reasons} == {"Policy > Sale of Data", "Policy > Opt-out"}
    assert all(r.signal != "identical" for r in overall.reasons)


def test_assess_pairs_unchanged_has_a_reason():
    s = _s("Security", "We encrypt your data.")
    overall, each = assess_pairs([(s, s)])
    assert overall.level == "none" and overall.reasons and each[0].reasons


# ------------------------------------------------------------------------------------------------
# numbers
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [("30", 30), ("1,000", 1000), ("six", 6), ("twenty-four", 24),
                                        ("one hundred eighty", 180), ("a", 1), ("twelve", 12)])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("a,b,expected", [
    ("for 12 months", "for one year", "same"),
    ("for twelve (12) months", "for 1 year", "same"),
    ("for 90 days", "for 3 months", "same"),
    ("for 30 days", "for six months", "increase"),
    ("within 72 hours", "within 30 days", "increase"),
    ("within 10 business days", "within 10 days", "decrease"),
    ("two years", "18 months", "decrease"),
    ("$500", "$100", "decrease"),
    ("$9.99", "$12.99", "increase"),
    ("children under 16", "children under 13", "decrease"),
    ("$100", "100 euros", "incomparable"),
])
def test_quantity_compare(a, b, expected):
    qa, qb = extract(a), extract(b)
    assert len(qa) == 1 and len(qb) == 1
    assert compare(qa[0], qb[0]) == expected


def test_extract_kinds():
    kinds = [q.kind for q in extract("Users under 13 may not pay $5 per month; logs last 30 days; 100% secure.")]
    assert kinds == ["age", "money", "duration", "percent"]
    assert not extract("an exclusive license")


def test_duration_detail_reads_naturally():
    a = assess_text("We retain server logs for 30 days.", "We retain server logs for six months.")
    assert a.level == "material"
    assert a.reasons[0].detail == "duration longer: 30 days -> six months"
    assert a.reasons[0].old.endswith("30 days.") and "six months" in a.reasons[0].new


# ------------------------------------------------------------------------------------------------
# cosmetic detectors
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("old,new,detector", [
    ("We collect  data\nfrom you.", "We collect data from you.", "whitespace"),
    ("We don't sell \u2014 ever.", "We don\u2019t sell - ever.", "typography"),
    ("Terms &amp; Conditions", "Terms & Conditions", "typography"),
    ("WE COLLECT DATA.", "We collect data.", "case"),
    ("We collect name, email, and phone.", "We collect name, email and phone", "punctuation"),
    ("Effective date: May 1, 2020", "Effective date: June 3, 2023", "date_lines"),
    ("Copyright 2020 Example", "Copyright 2024 Example", "date_lines"),
    ("Read [this](https://x.example/a)", "Read [this](https://y.example/b)", "link_targets"),
    ("1. one\n2. two", "- one\n- two", "list_markers"),
    ("- alpha\n- beta\n- gamma", "- gamma\n- alpha\n- beta", "reorder"),
    ("We may recieve your informaton.", "We may receive your information.", "spelling"),
])
def test_each_cosmetic_detector(old, new, detector):
    a = assess_text(old, new)
    assert a.level == "none"
    assert detector in [r.signal for r in a.reasons]


@pytest.mark.parametrize("a,b", [("not", "now"), ("may", "will"), ("30", "3"), ("collect", "correct"),
                                 ("revocable", "irrevocable"), ("necessary", "unnecessary"),
                                 ("months", "minutes"), ("Inc.", "LLC")])
def test_spelling_never_changes_meaning(a, b):
    assert not is_spelling_fix(a, b, load_rules())


def test_not_cosmetic_when_a_digit_changes():
    assert assess_text("We keep logs for 30 days.", "We keep logs for 3 days.").level != "none"
    assert assess_text("Version 2 of our API", "Version 3 of our API").level == "none"  # version stamp


def test_reorder_with_an_added_item_is_not_cosmetic():
    a = assess_text("- name\n- email address", "- email address\n- name\n- phone number")
    assert a.level == "material" and a.reasons[0].signal == "new_data_kind"


# ------------------------------------------------------------------------------------------------
# signals
# ------------------------------------------------------------------------------------------------

def test_rewording_an_existing_arbitration_clause_does_not_fire():
    old = "Disputes will be settled by binding arbitration. You waive any class action."
    new = "We both agree to settle disputes through binding arbitration, and you give up class actions."
    a = assess_text(old, new)
    assert a.level == "minor"
    assert not any(r.signal == "high_risk_term" for r in a.reasons)


def test_favourable_change_is_minor_and_tagged():
    a = assess_text("We keep your order history for two years.", "We keep your order history for one year.")
    assert a.level == "minor" and a.favourable
    esc = assess_text("We keep your order history for two years.", "We keep your order history for one year.",
                      rules=load_rules({"escalate_favourable": True}))
    assert esc.level == "material" and esc.favourable


def test_do_not_sell_label_is_not_a_negation():
    a = assess_text('Use the "Do Not Sell My Personal Information" link to opt out.',
                    'Use the "Do Not Sell My Personal Information" link to opt out at any time.')
    assert a.level == "minor", a.reasons


def test_json_shape():
    a = assess_text("We retain logs for 30 days.", "We retain logs for 90 days.", section="Retention")
    j = a.to_json()
    assert set(j) == {"level", "categories", "reasons"}
    assert set(j["reasons"][0]) == {"level", "category", "signal", "section", "detail", "old", "new"}
    assert j["reasons"][0]["section"] == "Retention"
    assert set(a.to_json(extended=True)) == {"level", "categories", "reasons", "favourable", "similarity"}
    assert isinstance(a.reasons[0], Reason)
    json.dumps(j)


# ------------------------------------------------------------------------------------------------
# rules and extensions
# ------------------------------------------------------------------------------------------------

def test_rules_extension_new_terms_and_category():
    old, new = "We collect your name.", "We collect your name and your vehicle's VIN."
    assert assess_text(old, new).level == "minor"
    rules = load_rules({"categories": {"vehicles": ["vehicle*", "vin"]},
                        "lexicons": {"data_kind": {"vehicle data": {"terms": ["vin"], "category": "vehicles"}},
                                     "negation": ["nie"]}})
    a = assess_text(old, new, rules=rules)
    assert a.level == "material" and a.categories == ("vehicles",)
    assert "vehicles" in rules.category_names()


def test_rules_extension_extends_existing_entry():
    rules = load_rules({"lexicons": {"high_risk": {"arbitration": ["binding mediation"]}}})
    a = assess_text("Disputes go to court.", "Disputes go to binding mediation.", rules=rules)
    assert a.level == "material" and a.reasons[0].signal == "high_risk_term"


def test_shipped_rules_are_cached_and_immutable():
    assert load_rules() is load_rules()
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_rules().escalate_favourable = True  # type: ignore[misc]


@pytest.mark.parametrize("extra,key", [
    ({"colour": True}, "colour"),
    ({"escalate_favourable": "yes"}, "escalate_favourable"),
    ({"lexicons": {"nonsense": ["x"]}}, "lexicons.nonsense"),
    ({"lexicons": {"negation": "nie"}}, None),  # a single string is accepted
    ({"lexicons": {"negation": [""]}}, "lexicons.negation"),
    ({"lexicons": {"data_kind": {"x": {"terms": ["a"], "category": "nope"}}}}, "lexicons.data_kind.x.category"),
    ({"lexicons": {"data_kind": {"x": {"terms": ["a"], "sensitive": "very"}}}}, "lexicons.data_kind.x.sensitive"),
    ({"lexicons": {"data_kind": {"x": {"words": ["a"]}}}}, "lexicons.data_kind.x.words"),
    ({"lexicons": {"purpose": {"x": []}}}, "lexicons.purpose.x.terms"),
    ({"categories": {"Bad Name": ["x"]}}, "categories.Bad Name"),
    ({"categories": {"ok": [1]}}, "categories.ok"),
])
def test_bad_extension_names_the_key(extra, key):
    if key is None:
        load_rules(extra)
        return
    with pytest.raises(ValueError) as err:
        load_rules(extra)
    assert key in str(err.value)


# ------------------------------------------------------------------------------------------------
# properties
# ------------------------------------------------------------------------------------------------

_WORDS = ["we", "collect", "share", "your", "data", "not", "never", "only", "with", "consent", "30", "days",
          "cookies", "arbitration", "Example", "Inc.", "U.S.", "\u201cquoted\u201d", "-", "[link](http://x)",
          "\n", "\n\n", "1.", ",", "."]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=40).map(" ".join) | st.text(max_size=200))
def test_identical_texts_are_none(text):
    a = assess_text(text, text)
    assert a.level == "none" and a.reasons


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([w for w in _WORDS if w.strip() and w not in ("1.", "-")]), min_size=1, max_size=40))
def test_rewrapping_is_never_more_than_none(words):
    # (list markers are left out: a marker moved to the start of a line makes a list item)
    a = assess_text(" ".join(words), "\n".join(words).replace("\u201c", '"').replace("\u201d", '"'))
    assert a.level == "none", a.reasons
