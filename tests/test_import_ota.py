"""`tracker import-ota`: real Open Terms Archive declaration files -> [[policy]] TOML.

The declarations below are copied from OpenTermsArchive/pga-declarations (declarations/Tumblr.json,
LinkedIn.json, and Facebook.json trimmed to five of its documents); data: Open Terms Archive
contributors, ODC-BY 1.0. What each document should become was written before the importer ran.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

import tracker
from tests.conftest import Workspace
from tracker.ota import slug
from tracker.pipeline import options_of
from tracker.ranges import RangeSelector

OTA = Path(__file__).parent / "ota"

TUMBLR = """{
  "name": "Tumblr",
  "importedFrom": "https://github.com/tosdr/tosback2/blob/f762cd4bbb2571272985fed009201a23300ba9b2/rules/tumblr.com.xml",
  "documents": {
    "Privacy Policy": {
      "fetch": "https://www.tumblr.com/privacy/en",
      "select": "div#left_column"
    },
    "Terms of Service": {
      "fetch": "https://www.tumblr.com/policy/en/terms-of-service",
      "select": "div#left_column"
    },
    "Community Guidelines": {
      "fetch": "https://www.tumblr.com/policy/en/community",
      "select": "div#left_column"
    }
  }
}
"""

LINKEDIN = """{
  "name": "LinkedIn",
  "documents": {
    "Privacy Policy": {
      "fetch": "https://www.linkedin.com/legal/privacy-policy",
      "select": [
        "#component-container"
      ],
      "remove": [
        ".callout > svg",
        ".expandable-section__header",
        ".banner__image-container "
      ]
    },
    "Brand Guidelines": {
      "fetch": "https://brand.linkedin.com/policies",
      "select": [
        "#content"
      ],
      "remove": [
        "#banner-content-container-banner_1202100886"
      ],
      "filter": [
        "removeDownloadedForUseLinkExtenstion"
      ]
    }
  }
}
"""

FACEBOOK = """{
  "name": "Facebook",
  "terms": {
    "Privacy Policy": {
      "fetch": "https://mbasic.facebook.com/privacy/policy/printable/",
      "select": [
        "#root"
      ],
      "remove": [
        ".k",
        "img[style=\\"display:none\\"]",
        "img"
      ],
      "filter": [
        "removeTrackingIDs",
        "cleanUrls",
        "removeHelpButtons"
      ],
      "executeClientScripts": true
    },
    "Developer Terms": {
      "fetch": "https://developers.facebook.com/policy",
      "filter": [
        "removeHelpButtons",
        "cleanUrls"
      ],
      "select": "._4bl9"
    },
    "User Consent Policy": {
      "select": [
        {
          "startBefore": "div[role=main]",
          "endBefore": "[role=\\"separator\\"]:first-child"
        }
      ],
      "executeClientScripts": true,
      "combine": [
        {
          "fetch": "https://www.facebook.com/legal/terms/dataprocessing"
        },
        {
          "fetch": "https://www.facebook.com/legal/EU_data_transfer_addendum"
        }
      ]
    },
    "Commercial Terms": {
      "fetch": "https://www.facebook.com/legal/commercial_terms",
      "select": [
        "div[role=main]"
      ],
      "remove": [
        {
          "startBefore": "[role=\\"separator\\"]:first-child",
          "endAfter": "[role=\\"contentinfo\\"]"
        }
      ],
      "filter": [
        "cleanUrls"
      ],
      "executeClientScripts": true
    },
    "Live Policy": {
      "fetch": "https://en-gb.facebook.com/policies/live",
      "select": [
        {
          "startBefore": "div[role=main]",
          "endBefore": "[role=\\"separator\\"]:first-child"
        }
      ],
      "filter": [
        "removeTrackingIDs"
      ],
      "executeClientScripts": true
    }
  }
}
"""

# labelled before running the importer: what each document must become
EXPECTED = {
    "tumblr-privacy-policy": {"title": "Tumblr Privacy Policy", "url": "https://www.tumblr.com/privacy/en",
                              "select": ["div#left_column"]},
    "tumblr-terms-of-service": {"title": "Tumblr Terms of Service",
                                "url": "https://www.tumblr.com/policy/en/terms-of-service",
                                "select": ["div#left_column"]},
    "tumblr-community-guidelines": {"title": "Tumblr Community Guidelines",
                                    "url": "https://www.tumblr.com/policy/en/community",
                                    "select": ["div#left_column"]},
    "linkedin-privacy-policy": {"title": "LinkedIn Privacy Policy",
                                "url": "https://www.linkedin.com/legal/privacy-policy",
                                "select": ["#component-container"],
                                "remove": [".callout > svg", ".expandable-section__header",
                                           ".banner__image-container"]},
    "linkedin-brand-guidelines": {"title": "LinkedIn Brand Guidelines", "url": "https://brand.linkedin.com/policies",
                                  "select": ["#content"], "remove": ["#banner-content-container-banner_1202100886"]},
    "facebook-privacy-policy": {"title": "Facebook Privacy Policy",
                                "url": "https://mbasic.facebook.com/privacy/policy/printable/",
                                "select": ["#root"], "remove": [".k", 'img[style="display:none"]', "img"],
                                "render": "browser"},
    "facebook-developer-terms": {"title": "Facebook Developer Terms", "url": "https://developers.facebook.com/policy",
                                 "select": ["._4bl9"]},
    # two pages joined in order; the document's select and executeClientScripts apply to both
    "facebook-user-consent-policy": {
        "title": "Facebook User Consent Policy", "url": "https://www.facebook.com/legal/terms/dataprocessing",
        "select": [{"startBefore": "div[role=main]", "endBefore": '[role="separator"]:first-child'}],
        "render": "browser",
        "combine": [{"url": "https://www.facebook.com/legal/terms/dataprocessing"},
                    {"url": "https://www.facebook.com/legal/EU_data_transfer_addendum"}]},
    "facebook-commercial-terms": {
        "title": "Facebook Commercial Terms", "url": "https://www.facebook.com/legal/commercial_terms",
        "select": ["div[role=main]"],
        "remove": [{"startBefore": '[role="separator"]:first-child', "endAfter": '[role="contentinfo"]'}],
        "render": "browser"},
    "facebook-live-policy": {
        "title": "Facebook Live Policy", "url": "https://en-gb.facebook.com/policies/live",
        "select": [{"startBefore": "div[role=main]", "endBefore": '[role="separator"]:first-child'}],
        "render": "browser"},
}
FILTER_NOTES = {"LinkedIn / Brand Guidelines": "removeDownloadedForUseLinkExtenstion",
                "Facebook / Privacy Policy": "removeTrackingIDs, cleanUrls, removeHelpButtons",
                "Facebook / Developer Terms": "removeHelpButtons, cleanUrls",
                "Facebook / Commercial Terms": "cleanUrls",
                "Facebook / Live Policy": "removeTrackingIDs"}


@pytest.fixture
def declarations(tmp_path) -> Path:
    folder = tmp_path / "declarations"
    folder.mkdir()
    (folder / "Tumblr.json").write_text(TUMBLR, encoding="utf-8")
    (folder / "LinkedIn.json").write_text(LINKEDIN, encoding="utf-8")
    (folder / "Facebook.json").write_text(FACEBOOK, encoding="utf-8")
    # a history file and a filters file sit beside the declarations in OTA repositories: not services
    (folder / "Facebook.history.json").write_text('{"Privacy Policy": [{"fetch": "https://old.example/p", '
                                                  '"validUntil": "2022-01-01T00:00:00Z"}]}', encoding="utf-8")
    (folder / "Facebook.filters.js").write_text("export function cleanUrls(document) {}\n", encoding="utf-8")
    return folder


@pytest.fixture
def ws(tmp_path) -> Workspace:
    ws = Workspace(tmp_path)
    example = Path(__file__).resolve().parent.parent / "config.toml"
    ws.config_path.write_text(example.read_text("utf-8"), encoding="utf-8")
    return ws


def _lines(stderr: str, prefix: str) -> dict[str, str]:
    out = {}
    for line in stderr.splitlines():
        if line.startswith(prefix):
            document, _, reason = line.removeprefix(prefix).partition(": ")
            out[document.split(" (")[0]] = reason
    return out


def test_a_folder_of_declarations_prints_policies_and_says_what_was_left_out(ws, declarations):
    result = ws.cli("import-ota", str(declarations))  # range selectors and combine are imported too
    printed = tomllib.loads(result.stdout)["policy"]
    assert {p["name"]: {k: v for k, v in p.items() if k != "name"} for p in printed} == EXPECTED
    assert _lines(result.stderr, "not imported: ") == {}
    notes = _lines(result.stderr, "note: ")
    assert notes == {d: f"filter {f} not imported (JavaScript functions)"
                                                for d, f in FILTER_NOTES.items()}
    assert "old.example" not in result.stdout


def test_one_file_that_imports_completely_is_exit_0(ws, declarations):
    result = ws.cli("import-ota", str(declarations / "Tumblr.json"))
    assert [p["name"] for p in tomllib.loads(result.stdout)["policy"]] == [
        "tumblr-privacy-policy", "tumblr-terms-of-service", "tumblr-community-guidelines"]
    assert result.stderr == ""


def test_write_appends_to_a_commented_config_that_still_loads(ws, declarations):
    before = ws.config_path.read_bytes()
    result = ws.cli("import-ota", str(declarations), "--write")
    assert f"added {len(EXPECTED)} policies" in result.stdout
    after = ws.config_path.read_bytes()
    assert after.startswith(before.rstrip(b"\n")) and b"# imported from Open Terms Archive declarations" in after
    with tracker.Tracker(ws.config_path) as t:
        names = [p.name for p in t.config.policy]
        assert names == ["plex-privacy", "example-terms",  # files in name order, documents as declared
                         "facebook-privacy-policy", "facebook-developer-terms", "facebook-user-consent-policy",
                         "facebook-commercial-terms", "facebook-live-policy", "linkedin-privacy-policy",
                         "linkedin-brand-guidelines", "tumblr-privacy-policy", "tumblr-terms-of-service",
                         "tumblr-community-guidelines"]
        assert t.policy("facebook-privacy-policy").render == "browser"
        assert t.policy("linkedin-privacy-policy").remove[-1] == ".banner__image-container"
        consent = t.policy("facebook-user-consent-policy")  # the written TOML reads back as declared
        assert [s.url for s in consent.combine] == ["https://www.facebook.com/legal/terms/dataprocessing",
                                                    "https://www.facebook.com/legal/EU_data_transfer_addendum"]
        assert consent.select == (RangeSelector("div[role=main]", '[role="separator"]:first-child', end_before=True),)
        assert t.policy("facebook-commercial-terms").remove == (
            RangeSelector('[role="separator"]:first-child', '[role="contentinfo"]'),)
    again = ws.cli("import-ota", str(declarations), "--write", expect=1)  # every name is taken now
    assert "already exists" in again.stderr and ws.config_path.read_bytes() == after


@pytest.mark.parametrize("content, says", [
    ("{not json", "not a JSON declaration file"),
    (json.dumps({"name": "X"}), "not an Open Terms Archive declaration"),
    (json.dumps([1, 2]), "not an Open Terms Archive declaration"),
])
def test_a_file_that_is_not_a_declaration_is_exit_2(ws, tmp_path, content, says):
    bad = tmp_path / "Bad.json"
    bad.write_text(content, encoding="utf-8")
    before = ws.config_path.read_bytes()
    result = ws.cli("import-ota", str(bad), "--write", expect=2)
    assert says in result.output and str(bad) in result.output
    assert ws.config_path.read_bytes() == before


def test_a_declared_selector_tracker_cannot_parse_or_a_bad_url_is_not_imported(ws, tmp_path):
    decl = tmp_path / "Acme.json"
    decl.write_text(json.dumps({"name": "Acme Café", "documents": {
        "Privacy Policy": {"fetch": "https://acme.example/privacy", "select": "main["},
        "Terms of Service": {"fetch": "javascript:alert(1)", "select": "main"},
        "Conditions Générales": {"fetch": "https://acme.example/cgu", "select": "main"}}}), encoding="utf-8")
    result = ws.cli("import-ota", str(decl), expect=1)
    assert [p["name"] for p in tomllib.loads(result.stdout)["policy"]] == ["acme-cafe-conditions-generales"]
    skipped = _lines(result.stderr, "not imported: ")
    assert "select" in skipped["Acme Café / Privacy Policy"] and "URL" in skipped["Acme Café / Terms of Service"]


def test_slugs():
    assert slug("Facebook Trackers Policy") == "facebook-trackers-policy"
    assert slug("  Le Monde — Conditions Générales d'Utilisation ") == "le-monde-conditions-generales-d-utilisation"




def test_range_and_combined_declarations_import_and_extract_as_ota_does(ws, tmp_path):
    folder = tmp_path / "more"
    folder.mkdir()
    for name in ("Signal.json", "Substack.json"):  # real declarations (tests/ota/README.md)
        (folder / name).write_bytes((OTA / name).read_bytes())
    ws.cli("import-ota", str(folder), "--write")
    with tracker.Tracker(ws.config_path) as t:
        terms = t.policy("signal-terms-of-service")
        assert terms.url == "https://www.signal.org/legal/"
        assert terms.select == (RangeSelector("#terms-of-service", "#privacy-policy", end_before=True),
                                "#document p:nth-last-child(-n+2)")
        claims = t.policy("substack-copyright-claims-policy")
        assert claims.url == "https://substack.com/dispute" and claims.select == ()
        rng = (RangeSelector("h1", ".footer-wrap", end_before=True),)
        assert [(s.url, s.select) for s in claims.combine] == [("https://substack.com/dispute", rng),
                                                               ("https://substack.com/repeat_infringer", rng)]
        # the imported policy reads the real page as OTA's version of it does
        from tracker.normalize import extract_source

        page = (OTA / "signal-legal.html").read_bytes()
        doc = extract_source(page, "text/html", "utf-8", options_of(terms, t.config)).document
        assert [s.heading for s in doc.sections] == ["Terms of Service", "About our services", "General"]
