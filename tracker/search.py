"""What `tracker search` returns: sections of stored versions that match a full-text query.

The index (SQLite FTS5) is written with each version by the store; this module holds the typed
result and the checks on what the user typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from tracker.errors import UsageError
from tracker.store_search import MARK  # around each match in a snippet

if TYPE_CHECKING:
    from tracker.jsontypes import SearchHitJSON, SearchJSON


@dataclass(frozen=True)
class SearchHit:
    policy: str
    version: int
    created_at: str
    section: str  # the heading of the matching section ('' for the text before the first heading)
    snippet: str  # matches between MARK characters

    def parts(self) -> list[tuple[str, bool]]:
        """The snippet as (text, is_match) pieces, for a renderer that highlights."""
        return [(piece, i % 2 == 1) for i, piece in enumerate(self.snippet.split(MARK)) if piece]

    def to_json(self) -> SearchHitJSON:
        return {"policy": self.policy, "version": self.version, "created_at": self.created_at,
                "section": self.section, "snippet": self.snippet.replace(MARK, "**")}


@dataclass(frozen=True)
class SearchResult:
    """Hits best first (FTS5 rank); ``all_versions`` says whether every stored version was searched;
    ``total`` counts every hit, also those past the limit."""

    query: str
    hits: tuple[SearchHit, ...]
    all_versions: bool = False
    total: int = 0

    @property
    def more(self) -> int:
        """Hits that matched but were not returned (past the limit)."""
        return max(0, self.total - len(self.hits))

    def to_json(self) -> SearchJSON:
        return {"query": self.query, "hits": [h.to_json() for h in self.hits], "total": max(self.total, len(self.hits)),
                "truncated": self.more > 0}


def check_query(query: str) -> str:
    if not query.strip():
        raise UsageError("search: the query is empty")
    return query


def since_bound(value: str | None) -> str | None:
    """--since as the ISO 8601 prefix stored dates compare against (a date, or a date and time)."""
    if value is None:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value).isoformat(timespec="seconds")
    except ValueError:
        raise UsageError(f"--since must be a date (YYYY-MM-DD) or an ISO 8601 time, got {value!r}") from None
