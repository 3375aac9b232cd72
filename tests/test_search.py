"""Full-text search across stored versions (SQLite FTS5), on a real policy history.

The history is Tumblr's Privacy Policy as recorded by Open Terms Archive (tests/replay/tumblr-privacy,
Open Terms Archive contributors, ODC-BY 1.0). What each query should find is read from the stored
texts themselves (`tracker show`), never from the index.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import tracker
from tests.conftest import Workspace
from tests.test_api import valid
from tracker.store import NewChange, Store

HISTORY = Path(__file__).parent / "replay" / "tumblr-privacy"
STEPS = tomllib.loads((HISTORY / "steps.toml").read_text("utf-8"))["step"]


def _store_history(store: Store, policy: str, steps: int = len(STEPS)) -> None:
    for n, step in enumerate(STEPS[:steps], 1):
        [path] = HISTORY.glob(f"{n:02d}-{step['commit'][:7]}.html")
        doc = tracker.normalize(path.read_bytes())
        latest = store.latest_version(policy)
        if latest is not None and latest.digest == doc.digest:
            continue
        kind = tracker.ChangeKind.FIRST if latest is None else tracker.ChangeKind.CHANGE
        with store.write():
            store.add_version(policy, doc, snapshot=None, normalizer="test", selectors={},
                              change=NewChange(kind, None, "", None), created_at=f"{step['date']}T00:00:00+00:00")


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("search"))
    ws.write_config([{"name": "tumblr", "url": "https://www.tumblr.com/privacy"},
                     {"name": "tumblr-early", "url": "https://www.tumblr.com/privacy/early"}])
    with Store(ws.db_path) as store:
        _store_history(store, "tumblr")
        _store_history(store, "tumblr-early", steps=4)
    return ws


def _versions_holding(ws: Workspace, policy: str, pattern: str) -> set[int]:
    """Versions whose stored text matches a regex: the truth a search must agree with."""
    numbers = [v["number"] for v in ws.json("history", policy)["versions"]]
    return {n for n in numbers
            if re.search(pattern, ws.cli("show", policy, "--version", str(n)).stdout, re.I | re.S)}


def test_removed_words_are_found_where_they_lived_and_not_in_the_latest(ws):
    phrase = r"by\s+themselves"  # "Our cookies do not, by themselves, contain information..." (removed 2022-10)
    lived = _versions_holding(ws, "tumblr", phrase)
    assert lived and max(lived) < len(ws.json("history", "tumblr")["versions"])
    every = valid("search", ws.json("search", '"by themselves"', "--policy", "tumblr", "--all-versions"))
    assert {h["version"] for h in every["hits"]} == lived
    assert all(h["policy"] == "tumblr" and "**by themselves**" in h["snippet"] for h in every["hits"])
    assert every["hits"][0]["section"] == "What We Collect and How We Use It"
    latest = ws.json("search", '"by themselves"', "--policy", "tumblr")
    assert latest == {"query": '"by themselves"', "hits": [], "total": 0, "truncated": False}


def test_phrase_prefix_and_default_latest_version_of_each_policy(ws):
    latest = ws.json("search", "cookie*")["hits"]
    newest = {"tumblr": len(ws.json("history", "tumblr")["versions"]),
              "tumblr-early": len(ws.json("history", "tumblr-early")["versions"])}
    assert {(h["policy"], h["version"]) for h in latest} == set(newest.items())
    assert all(re.search(r"\*\*cookies?\*\*", h["snippet"], re.I) for h in latest)
    # a phrase is words in order, not the words anywhere in the section
    words = {(h["policy"], h["version"], h["section"]) for h in
             ws.json("search", "themselves by", "--all-versions")["hits"]}
    phrase = {(h["policy"], h["version"], h["section"]) for h in
              ws.json("search", '"themselves by"', "--all-versions")["hits"]}
    assert words and not phrase


def test_since_keeps_versions_stored_on_or_after_the_date(ws):
    hits = ws.json("search", '"personal information"', "--all-versions", "--since", "2024-01-01")["hits"]
    assert hits and all(h["created_at"] >= "2024-01-01" for h in hits)
    everything = ws.json("search", '"personal information"', "--all-versions", "--limit", "1000")["hits"]
    assert len(everything) > len(hits) and any(h["created_at"] < "2024" for h in everything)
    assert ws.json("search", '"personal information"', "--since", "2030-01-01")["hits"] == []


def test_text_output_names_policy_version_and_section(ws):
    out = ws.cli("search", '"by themselves"', "--all-versions").stdout
    assert re.search(r"^tumblr v1 \(2022-07-11\) \[What We Collect and How We Use It\] .*by themselves", out, re.M)
    assert "\x1f" not in out


@pytest.mark.parametrize("query", ['"unterminated', "opt-out", "AND cookies", "nosuchcolumn:cookies", "  "])
def test_a_malformed_query_is_a_usage_error(ws, query):
    result = ws.cli("search", query, expect=2)
    assert result.output.startswith("error: ") and ("search" in result.output)
    assert "Traceback" not in result.output


def test_an_unknown_policy_or_a_bad_date_is_a_usage_error(ws):
    assert "nope" in ws.cli("search", "cookies", "--policy", "nope", expect=2).output
    assert "--since" in ws.cli("search", "cookies", "--since", "last week", expect=2).output


def test_each_distinct_block_is_indexed_once_with_the_runs_of_versions_it_lived_in(ws):
    with Store(ws.db_path) as store:
        held: dict[tuple[str, str], dict[str, set[int]]] = {}  # block -> policy -> versions, from the texts
        occurrences = 0
        for policy in ("tumblr", "tumblr-early"):
            for v in store.versions(policy):
                doc = store.document(v)
                blocks = {(s.heading, b) for s in doc.sections
                          for b in (*((s.heading,) if s.heading else ()), *s.blocks)}
                occurrences += len(blocks)
                for block in blocks:
                    held.setdefault(block, {}).setdefault(policy, set()).add(v.number)
        rows = store.rows("SELECT b.section, b.body, r.policy, r.first, r.last FROM search_runs r"
                          " JOIN search_blocks b ON b.id = r.block_id")
        indexed: dict[tuple[str, str], dict[str, set[int]]] = {}
        for r in rows:
            indexed.setdefault((r["section"], r["body"]), {}).setdefault(r["policy"], set()).update(
                range(r["first"], r["last"] + 1))
        assert indexed == held
        texts = store.db.execute("SELECT COUNT(*) FROM search_blocks").fetchone()[0]
        assert texts == len(held) and texts < occurrences / 3 and len(rows) < occurrences / 3


def test_the_index_is_written_in_the_version_transaction(tmp_path):
    store = Store(tmp_path / "t.db")
    doc = tracker.normalize((HISTORY / f"01-{STEPS[0]['commit'][:7]}.html").read_bytes())
    with pytest.raises(RuntimeError), store.write():
        store.add_version("p", doc, snapshot=None, normalizer="t", selectors={},
                          change=NewChange(tracker.ChangeKind.FIRST, None, "", None))
        assert store.search("cookies")[0]
        raise RuntimeError("crash before commit")
    assert store.search("cookies") == ([], 0) and store.versions("p") == []
    assert store.db.execute("SELECT COUNT(*) FROM search_blocks").fetchone()[0] == 0


def test_the_migration_indexes_a_database_stored_before_search(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as store:
        _store_history(store, "tumblr", steps=6)
        before = store.search("cookie*", all_versions=True)
        # the database as an older tracker left it: no index, migration m008 not applied
        for table in ("search_blocks_fts", "search_runs", "search_blocks"):
            store.db.execute(f"DROP TABLE {table}")
        store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_search_index'")
    with Store(path) as store:
        after = store.search("cookie*", all_versions=True)
    assert before[0] and after == before


def _section_hits(ws: Workspace, policy: str, word: str, since: str = "") -> set[tuple[str, int, str]]:
    """(policy, version, section) of every stored version's section holding a word: read from the
    stored texts (`show --format json`), not from the index."""
    found = set()
    for v in ws.json("history", policy)["versions"]:
        if v["created_at"] < since:
            continue
        shown = ws.json("show", policy, "--version", str(v["number"]))
        for section in shown["sections"]:
            blocks = [section["heading"], section["text"]]
            if any(re.search(rf"\b{word}\b", b, re.I) for b in blocks):
                found.add((policy, v["number"], section["heading"]))
    return found


def test_a_limit_returns_the_best_hits_and_counts_the_rest_honestly(ws):
    truth = _section_hits(ws, "tumblr", "cookies") | _section_hits(ws, "tumblr-early", "cookies")
    everything = valid("search", ws.json("search", "cookies", "--all-versions", "--limit", "10000"))
    assert {(h["policy"], h["version"], h["section"]) for h in everything["hits"]} == truth
    assert everything["total"] == len(truth) and everything["truncated"] is False
    page = valid("search", ws.json("search", "cookies", "--all-versions", "--limit", "7"))
    assert page["hits"] == everything["hits"][:7]  # the same ranking, cut
    assert page["total"] == len(truth) and page["truncated"] is True
    out = ws.cli("search", "cookies", "--all-versions", "--limit", "7")
    assert f"{len(truth) - 7} more (of {len(truth)})" in out.stderr
    since = _section_hits(ws, "tumblr", "cookies", since="2024-01-01")
    dated = ws.json("search", "cookies", "--all-versions", "--policy", "tumblr", "--since", "2024-01-01",
                    "--limit", "2")
    assert dated["total"] == len(since) and len(dated["hits"]) == 2
    latest = ws.json("search", "cookies", "--limit", "1")
    assert latest["total"] == len({(p, s) for p, n, s in truth
                                   if n == len(ws.json("history", p)["versions"])})
