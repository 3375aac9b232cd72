"""Range selectors (OTA's {startBefore|startAfter, endBefore|endAfter}) in `select` and `remove`.

The Signal page and declaration are real (tests/ota/README.md: Open Terms Archive contributors,
ODC-BY 1.0); what each document must hold was written from OTA's own extracted versions
(contrib-versions Signal/*.md) before the code ran. The small pages below pin the DOM Range
semantics OTA's engine uses: a point is before or after the first match; partly covered elements
keep only what the range covers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from tracker import config
from tracker.errors import ConfigError, ExtractionError
from tracker.normalize import Options, extract_html, normalize_html, parse_html
from tracker.ranges import RangeSelector, select_range

SIGNAL_PAGE = (Path(__file__).parent / "ota" / "signal-legal.html").read_text("utf-8")
# OpenTermsArchive/contrib-declarations declarations/Signal.json, as published
SIGNAL_DECLARATION = json.loads((Path(__file__).parent / "ota" / "Signal.json").read_text("utf-8"))


def _policy(decl: dict) -> config.Policy:
    """The declaration's keys as a [[policy]] table, through the config's own validation."""
    table = {"name": "signal", "url": decl["fetch"], "select": decl.get("select", []), "remove": decl.get("remove", [])}
    return config.parse({"policy": [table]}).policy[0]


def _options(policy: config.Policy) -> Options:
    return Options(select=policy.select, remove=policy.remove)


def test_signal_terms_are_the_range_up_to_the_privacy_policy_plus_the_dates():
    policy = _policy(SIGNAL_DECLARATION["terms"]["Terms of Service"])
    doc = normalize_html(SIGNAL_PAGE, _options(policy))
    assert [s.heading for s in doc.sections] == ["Terms of Service", "About our services", "General"]
    text = doc.markdown
    assert text.startswith("## Terms of Service\n\nSignal Messenger LLC.")
    assert "Privacy of user data. Signal does not sell, rent or monetize" in text
    assert text.rstrip().endswith("Effective as of May 25, 2018\n\nUpdated May 25, 2018")
    for elsewhere in ("Signal Terms & Privacy Policy", "are available below", "Information you provide",
                      "Signal cannot decrypt", "Get Signal", "501c3"):
        assert elsewhere not in text


def test_signal_privacy_policy_runs_from_its_heading_to_the_end_of_the_document():
    policy = _policy(SIGNAL_DECLARATION["terms"]["Privacy Policy"])
    doc = normalize_html(SIGNAL_PAGE, _options(policy))
    assert [s.heading for s in doc.sections] == ["Privacy Policy", "Information you provide", "Updates",
                                                 "Contact Us"]
    assert doc.markdown.rstrip().endswith("Updated May 25, 2018")
    for elsewhere in ("About our services", "Minimum Age", "Organization", "501c3", "Get Signal"):
        assert elsewhere not in doc.markdown


def test_a_missing_start_or_end_element_is_an_error_not_the_whole_page():
    for rng, which in ((RangeSelector("#terms-of-service", "#cookie-policy"), "end selector '#cookie-policy'"),
                       (RangeSelector("#cookie-policy", "footer"), "start selector '#cookie-policy'")):
        with pytest.raises(ExtractionError) as err:
            normalize_html(SIGNAL_PAGE, Options(select=(rng,)))
        assert err.value.kind == "selector_miss" and which in str(err.value)
    with pytest.raises(ExtractionError) as err:  # in remove too: never silently nothing removed
        normalize_html(SIGNAL_PAGE, Options(remove=(RangeSelector("#cookie-policy", "footer"),)))
    assert "matched nothing" in str(err.value)


def test_an_end_before_the_start_is_an_error():
    with pytest.raises(ExtractionError, match="end point comes before the start point"):
        normalize_html(SIGNAL_PAGE, Options(select=(RangeSelector("#privacy-policy", "#terms-of-service",
                                                                  end_before=True),)))
    with pytest.raises(ExtractionError, match="end point comes before"):  # after h2 .. before the same h2
        normalize_html(SIGNAL_PAGE, Options(select=(RangeSelector("#privacy-policy", "#privacy-policy",
                                                                  start_after=True, end_before=True),)))


PAGE = ("<html><body><div id='page'>lead text<h1 id='t'>Title</h1>after title"
        "<div class='box'><p id='a'>alpha</p>between<p id='b'>beta <em>inner</em> tail</p>after b</div>"
        "<p id='c'>gamma</p>last words</div></body></html>")


def _cut(rng: RangeSelector) -> str:
    held = select_range(parse_html(PAGE), rng)
    return etree.tostring(held, encoding=str)


def test_points_before_and_after_an_element_take_or_leave_its_neighbouring_text():
    assert _cut(RangeSelector("#t", "#a")) == \
        '<div><h1 id="t">Title</h1>after title<div class="box"><p id="a">alpha</p></div></div>'
    assert _cut(RangeSelector("#t", "#a", start_after=True, end_before=True)) == \
        '<div>after title<div class="box"/></div>'
    # a range that ends inside an element keeps that element's tag and only the covered part
    assert _cut(RangeSelector("#a", "em", start_after=True)) == \
        '<div>between<p id="b">beta <em>inner</em></p></div>'
    # from inside one branch to after a later sibling of its ancestor
    assert _cut(RangeSelector("em", "#c", start_after=True)) == \
        '<div><div class="box"><p id="b"> tail</p>after b</div><p id="c">gamma</p></div>'


def test_selecting_a_range_leaves_the_page_as_it_was():
    root = parse_html(PAGE)
    before = etree.tostring(root)
    select_range(root, RangeSelector("#t", "#c"))
    assert etree.tostring(root) == before


def _body(html: str, remove: tuple) -> str:
    doc = extract_html(html, Options(select=("#page",), remove=remove)).document
    return " | ".join(b for s in doc.sections for b in ([s.heading] if s.heading else []) + list(s.blocks))


def test_remove_deletes_the_range_and_keeps_partly_covered_elements():
    # Wise's real declaration removes from before the selected element to before an anchor inside it
    # (contrib-declarations Wise.json: {"startBefore": ".markdown", "endBefore": "[name=\"chapter1\"]"})
    assert _body(PAGE, (RangeSelector("#page", "#b", end_before=True),)) == \
        "beta inner tail | after b | gamma | last words"
    assert _body(PAGE, (RangeSelector("#t", "em", start_after=True),)) == \
        "lead text | Title | tail | after b | gamma | last words"


def test_remove_ranges_are_found_on_the_page_as_it_came():
    # the CSS removal takes the range's start element away; the range still starts where it stood
    assert _body(PAGE, (".box", RangeSelector("#b", "#c", end_before=True))) == \
        "lead text | Title | after title | gamma | last words"
    # two overlapping ranges delete their union
    assert _body(PAGE, (RangeSelector("#t", "#b"), RangeSelector("#a", "#c", end_before=True))) == \
        "lead text | gamma | last words"


def test_the_config_takes_inline_tables_and_names_what_is_wrong():
    text = '''
[[policy]]
name = "signal-terms"
url = "https://signal.org/legal/"
select = [{ startBefore = "#terms-of-service", endBefore = "#privacy-policy" }, "#document p:nth-last-child(-n+2)"]
remove = { startAfter = "h1", endBefore = "#terms-of-service" }
'''
    import tomllib

    policy = config.parse(tomllib.loads(text)).policy[0]
    assert policy.select == (RangeSelector("#terms-of-service", "#privacy-policy", end_before=True),
                             "#document p:nth-last-child(-n+2)")
    assert policy.remove == (RangeSelector("h1", "#terms-of-service", start_after=True, end_before=True),)
    for bad, says in (({"startBefore": "h1"}, "exactly one of startBefore/startAfter and exactly one of endBefore"),
                      ({"startBefore": "h1", "startAfter": "h2", "endAfter": "p"}, "exactly one"),
                      ({"startBefore": "h1", "endAfter": "p", "end": "x"}, "unknown key(s) 'end'"),
                      ({"startBefore": "h1[", "endAfter": "p"}, "invalid CSS selector 'h1['"),
                      ({"startBefore": "", "endAfter": "p"}, "startBefore: '' is not a CSS selector"),
                      (7, "neither a CSS selector nor a range selector")):
        with pytest.raises(ConfigError) as err:
            config.parse({"policy": [{"name": "signal-terms", "url": "https://signal.org/legal/",
                                      "select": ["main", bad]}]})
        assert "policy 'signal-terms', key 'select': item 2: " in str(err.value) and says in str(err.value)


def test_a_range_point_does_not_change_what_the_other_selectors_match():
    # the range ends after #a, the first child of .box; `.box > p:nth-child(2)` is #b on the page as
    # it came (every selector is matched before any range point is marked), so #b goes too (and the
    # text on either side of it runs together, as in a browser: the page has no space there)
    assert _body(PAGE, (RangeSelector("#t", "#a"), ".box > p:nth-child(2)")) == \
        "lead text | betweenafter b | gamma | last words"
