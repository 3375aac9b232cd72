"""Full-text search over every stored version (FTS5 blocks, each kept once with the runs of versions it
lived in; see schema.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from tracker.store_db import Connection

MARK = "\x1f"  # around each match in a search snippet (a control character no stored text holds)

# search: the first version of a policy stored on or after --since
_SINCE = "SELECT MIN(number) FROM versions WHERE policy = :policy AND created_at >= :since"
# a run can hold hits when it is of the policy asked for and, unless every version is searched, ends
# at its policy's latest version
_CANDIDATE = """(:policy IS NULL OR r.policy = :policy)
                AND (:all OR r.last = (SELECT MAX(number) FROM versions v WHERE v.policy = r.policy))"""
# matching blocks best first: FTS5 ranks them itself when every block can hit; for one policy only
# the blocks that can are scored (bm25 is what `rank` is)
_RANKED = "SELECT rowid FROM search_blocks_fts WHERE search_blocks_fts MATCH :q ORDER BY rank"
_RANKED_CANDIDATES = f"""SELECT rowid FROM search_blocks_fts WHERE search_blocks_fts MATCH :q
                         AND EXISTS (SELECT 1 FROM search_runs r WHERE r.block_id = search_blocks_fts.rowid
                                     AND {_CANDIDATE})
                         ORDER BY bm25(search_blocks_fts)"""
# the runs of matching blocks that end at their policy's latest version, each with its block's score
_LATEST_RUNS = f"""SELECT r.block_id, bm25(search_blocks_fts), r.policy, b.section, r.last FROM search_blocks_fts
                   JOIN search_runs r ON r.block_id = search_blocks_fts.rowid
                   JOIN search_blocks b ON b.id = search_blocks_fts.rowid
                   WHERE search_blocks_fts MATCH :q AND {_CANDIDATE}"""
# the runs of one block, by policy then version (how a block is spread over the versions it lived in)
_BLOCK_RUNS = """SELECT b.section, r.policy, r.first, r.last FROM search_runs r
                 JOIN search_blocks b ON b.id = r.block_id
                 WHERE r.block_id = :block AND (:policy IS NULL OR r.policy = :policy) ORDER BY r.policy, r.first"""
# every run of every matching block that can hold hits, by policy and section: what the total counts
_MATCHING_RUNS = f"""SELECT r.policy, b.section, r.first, r.last FROM search_blocks_fts
                     JOIN search_runs r ON r.block_id = search_blocks_fts.rowid
                     JOIN search_blocks b ON b.id = search_blocks_fts.rowid
                     WHERE search_blocks_fts MATCH :q AND {_CANDIDATE}
                     ORDER BY r.policy, b.section, r.first"""


class Search(Connection):
    def search(self, query: str, *, policy: str | None = None, all_versions: bool = False,
               since: str | None = None, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
        """Sections of versions with a block matching an FTS5 query, best first (one hit per version
        and section, with its best block's snippet), and how many hits there are in all; only each
        policy's latest version unless ``all_versions``. A malformed query raises ValueError.

        Every version: blocks are taken in FTS5 rank order and spread over the versions they lived
        in only until the page is full, so a common word costs one ranking, not a join of every
        version; the total is counted from the runs (first..last) without listing versions. The
        latest versions: one pass over the runs that end at them gives the page and the count."""
        params = {"q": query, "policy": policy, "since": since, "all": all_versions}
        try:
            cache: dict[str, int | None] = {}

            def since_number(p: str) -> int | None:
                """The first version of a policy stored on or after --since (None: none is)."""
                if since is None:
                    return 1
                if p not in cache:
                    cache[p] = self.db.execute(_SINCE, {"since": since, "policy": p}).fetchone()[0]
                return cache[p]

            if all_versions:
                total = self._search_total(params, since_number)
                page = self._search_page(params, since_number, total if limit is None else min(limit, total))
            else:
                page, total = self._search_latest(params, since_number, limit)
            blocks = list(dict.fromkeys(block for block, *_ in page))  # snippets of the page's blocks only
            snippets = dict(self.db.execute(
                f"SELECT rowid, snippet(search_blocks_fts, 0, '{MARK}', '{MARK}', '…', 24) FROM search_blocks_fts"
                f" WHERE search_blocks_fts MATCH ? AND rowid IN ({','.join('?' * len(blocks))})",
                (query, *blocks))) if blocks else {}
            stored = {(p, n): at for p in dict.fromkeys(p for _, p, _, _ in page) for n, at in self.db.execute(
                "SELECT number, created_at FROM versions WHERE policy = ?", (p,))}   # one read per policy
            hits = [{"policy": p, "version": n, "section": section, "snippet": snippets[block],
                     "created_at": stored[p, n]}
                    for block, p, n, section in page]
        except sqlite3.OperationalError as exc:
            message = str(exc)
            if message.startswith(("fts5:", "no such column", "unterminated string", "unknown special query")):
                raise ValueError(message.removeprefix("fts5: ")) from None
            raise self._storage_error(exc) from None
        return hits, total

    def _search_latest(self, params: dict[str, Any], since_number: Callable[[str], int | None],
                       limit: int | None) -> tuple[list[tuple[int, str, int, str]], int]:
        """The latest versions only: one hit per policy and section, so one pass over the runs of
        matching blocks that end at the latest version gives both the page and the count."""
        best: dict[tuple[str, str], tuple[float, int, int]] = {}
        for block, score, p, section, last in self.db.execute(_LATEST_RUNS, params):
            lo = since_number(p)
            if lo is None or lo > last:
                continue  # the latest version is older than --since
            if (p, section) not in best or score < best[(p, section)][0]:
                best[(p, section)] = (score, block, last)
        ranked = sorted(best.items(), key=lambda item: (item[1][0], item[0][0], item[1][1]))
        return [(block, p, n, section) for (p, section), (_, block, n) in ranked[:limit]], len(best)

    def _search_total(self, params: dict[str, Any], since_number: Callable[[str], int | None]) -> int:
        """Every hit in every version counted, none listed: per policy and section, the union of
        the runs of versions its matching blocks lived in (from --since on)."""
        total, group, reach = 0, None, 0
        for p, section, first, last in self.db.execute(_MATCHING_RUNS, params):
            lo = since_number(p)
            if lo is None or last < lo:
                continue
            first = max(first, lo)
            if (p, section) != group:
                group, reach = (p, section), first - 1
            if last > reach:
                total += last - max(first, reach + 1) + 1
                reach = last
        return total

    def _search_page(self, params: dict[str, Any], since_number: Callable[[str], int | None],
                     size: int) -> list[tuple[int, str, int, str]]:
        """(block, policy, version, section) of the best ``size`` hits in every version: blocks
        best first, each spread over its runs (by policy, then version); a version's section is
        hit once, by its best block."""
        page: list[tuple[int, str, int, str]] = []
        seen: set[tuple[str, int, str]] = set()
        if size <= 0:
            return page
        for (block,) in self.db.execute(_RANKED if params["policy"] is None else _RANKED_CANDIDATES, params):
            for section, p, first, last in self.db.execute(_BLOCK_RUNS, {"block": block, "policy": params["policy"]}):
                lo = since_number(p)
                for n in range(max(first, lo), last + 1) if lo is not None else ():
                    if (p, n, section) not in seen:
                        seen.add((p, n, section))
                        page.append((block, p, n, section))
                        if len(page) == size:
                            return page
        return page

    def index_size(self) -> dict[str, int]:
        """Bytes of the search index (block texts, FTS5 tables, runs), of the stored texts, and of the text of
        every version uncompressed (what the index is a fraction of)."""
        def size(prefix: str) -> int:
            return self.db.execute("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE ?",
                                   (prefix,)).fetchone()[0]
        return {"index": size("search_%") + size("sqlite_autoindex_search_%"), "texts": size("texts"),
                "raw_text": self.db.execute("SELECT COALESCE(SUM(t.size), 0) FROM versions v"
                                            " JOIN texts t ON t.digest = v.digest").fetchone()[0]}
