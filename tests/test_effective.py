"""The policy's own date, read from real policy lines (the repository's real-page corpus, the replay
history and the seed, all from public pages; the other languages from public privacy pages on GitHub,
source named beside each line). Labelled before the code was run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.effective import effective_date, parse_date

ROOT = Path(__file__).resolve().parent

REAL_LINES = [
    # (line as the normalized text holds it, expected, where it comes from)
    ("Last Updated: March 17, 2021", "2021-03-17", "tracker/demo_pages (Plex)"),
    ("Effective as of May 25, 2018", "2018-05-25", "corpus/real/custom-signal-legal"),
    ("Updated May 25, 2018", "2018-05-25", "corpus/real/custom-signal-legal"),
    ("Page last updated: August 8, 2019 ([view history](https://gitlab.com/tildes/tildes-static-sites/commits/master))",
     "2019-08-08", "corpus/real/docs-tildes-privacy"),
    ("**Effective Date: May 29, 2026**", "2026-05-29", "corpus/real/drupal-coolmath4kids-privacy"),
    ("**Last Updated:** May 22, 2018", "2018-05-22", "corpus/real/drupal5-123greetings-privacy"),
    ("Updated May 19, 2025", "2025-05-19", "corpus/real/intercom-disqus-privacy"),
    ("Last updated: July 10, 2025", "2025-07-10", "corpus/real/sveltekit-mullvad-privacy"),
    ("Last Modified: 5 May 2026", "2026-05-05", "corpus/real/tabs-overleaf-legal"),
    ("Last Modified: 7th January 2026", "2026-01-07", "corpus/real/tabs-overleaf-legal"),
    ("> Updated June 21st, 2020. [View previous versions.](https://github.com/Politiwatch/privacyspy/commits/master/)",
     "2020-06-21", "corpus/real/tailwind-privacyspy-terms"),
    ("**Last Updated: April 24, 2023**", "2023-04-24", "corpus/real/zendesk-bereal-community"),
    ("_Last Updated: May 30, 2024_", "2024-05-30", "identity/blockworks-other-page"),
    ("Updated: August 14, 2020", "2020-08-14", "identity/cnn-jurisdiction-index"),
    ("Last Modified: 2023-06-01", "2023-06-01", "replay/tumblr-privacy 08"),
    ("# Privacy PolicyLast Modified: 2022-02-09", "2022-02-09", "replay/tumblr-privacy 01 (title glued to it)"),
    ("Suite 120-223 Mountain View, CA 94041Effective as of May 25, 2018Updated May 25, 2018", "2018-05-25",
     "corpus/real/custom-signal-legal (raw page text)"),
    # other languages
    ("_Dernière mise à jour_: 04 Juin 2023", "2023-06-04", "github adrsimon/namaste-location privacy.md"),
    ("Dernière mise à jour : 25 août 2025", "2025-08-25", "a public French privacy page on GitHub"),
    ("Stand: 6. Oktober 2022", "2022-10-06", "github marcoklein/impromat datenschutz"),
    ("Stand: 2. Juli 2022", "2022-07-02", "github fraulyoner/kinderbuchvielfalt datenschutz.md"),
    ("Stand: 27. Juli 2025", "2025-07-27", "a public German Datenschutzerklärung on GitHub"),
    ("Zuletzt aktualisiert: 06.03.2023", "2023-03-06", "a public German page on GitHub"),
    ("Última actualización: 15 de mayo de 2024", "2024-05-15", "a public Spanish privacy page on GitHub"),
    ("Fecha de creación: 2024-11-17", None, "a creation date is not the policy's date"),
    ("Fecha de actualización: 2024-11-17", "2024-11-17", "a public Spanish file header on GitHub"),
    ("Ultimo aggiornamento: 14 settembre 2025", "2025-09-14", "a public Italian privacy page on GitHub"),
    ("Última atualização: 3 de março de 2024", "2024-03-03", "Portuguese form"),
    ("Laatst bijgewerkt op 12 januari 2024", "2024-01-12", "Dutch form"),
    # no day known, or not a date line: None, never a guess
    ("_Last updated: \\[October 2021\\].", None, "corpus/real/webflow-chayn-privacy (month only)"),
    ("_Dernière mise à jour: Octobre 2019_", None, "identity/yahoo-region-index (month only)"),
    ("### Última actualización: Marzo 2024", None, "github manuelnajera privacy-policy.md (month only)"),
    ("Last updated: 03/04/2021", None, "English numeric: month or day first is unknown"),
    ("Last updated: 13/04/2021", "2021-04-13", "English numeric, unambiguous"),
    ("The date that this policy was last updated is visible at the top of this page.", None,
     "corpus/real/docs-tildes-privacy (a sentence, no date)"),
    ("Changes to the Privacy Policy apply to your use of our Services after the “effective date.”", None,
     "identity/linkedin-privacy-rewrite"),
    ("We understand that on March 3, 2020 you may ask us", None, "'stand' inside a word is no label"),
    ("Last Updated: February 30, 2021", None, "no such day"),
]


@pytest.mark.parametrize("line,expected,source", REAL_LINES, ids=[f"{i}" for i in range(len(REAL_LINES))])
def test_real_policy_lines(line, expected, source):
    assert effective_date(line) == expected, source


def test_the_first_labelled_date_wins_and_long_sentences_are_not_date_lines():
    text = ("# Privacy Policy\n\nEffective Date: January 1, 2024\n\nLast updated: March 2, 2024\n\n"
            "Effective January 1, 2020, the California Consumer Privacy Act gives residents of California rights "
            "over their personal information, which we describe in the section below in more detail than here.")
    assert effective_date(text) == "2024-01-01"
    assert effective_date(text.split("\n\nEffective Date")[0] + "\n\n" + text.split("\n\n")[-1]) is None


@pytest.mark.parametrize("path,expected", [
    ("corpus/real/sveltekit-mullvad-privacy.expected.md", "2025-07-10"),
    ("corpus/real/drupal-coolmath4kids-privacy.expected.md", "2026-05-29"),
    ("corpus/real/docs-tildes-privacy.expected.md", "2019-08-08"),
    ("corpus/real/custom-signal-legal.expected.md", "2018-05-25"),
    ("corpus/real/webflow-chayn-privacy.expected.md", None),
    ("identity/yahoo-region-index.old.md", None),
])
def test_whole_normalized_documents(path, expected):
    assert effective_date((ROOT / path).read_text(encoding="utf-8")) == expected


def test_the_seed_revisions_and_the_replay_history():
    from tracker.normalize import normalize_html

    demo = ROOT.parent / "tracker" / "demo_pages"
    got = [effective_date(normalize_html((demo / f).read_text(encoding="utf-8")).markdown) for f in
           ("plex-privacy-policy-v1-noisy.html", "plex-privacy-policy-v2-cosmetic.html",
            "plex-privacy-policy-v3-substantive.html")]
    assert got == ["2021-03-17", "2022-01-04", "2022-06-01"]
    tumblr = sorted((ROOT / "replay" / "tumblr-privacy").glob("*.html"))
    dates = [effective_date(normalize_html(p.read_text(encoding="utf-8")).markdown) for p in tumblr]
    assert dates == ["2022-02-09", "2022-02-09", "2022-10-27", "2022-12-16", "2022-12-30", "2023-05-25",
                     "2023-06-01", "2023-06-01", "2024-01-24", "2024-05-07", "2024-05-07", "2024-05-07", "2024-12-20",
                     "2025-01-25", "2025-01-25", "2026-06-03"]


def test_parse_date_forms():
    assert str(parse_date("2022-06-01")) == "2022-06-01"
    assert str(parse_date("2023年4月5日")) == "2023-04-05"
    assert str(parse_date("05.04.2023")) == "2023-04-05"
    assert str(parse_date("04/05/2023", day_first=False)) == "2023-04-05"
    assert parse_date("04/05/2023", day_first=None) is None
    assert parse_date("sometime in 2023") is None
