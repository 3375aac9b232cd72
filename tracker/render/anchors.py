"""Stable, safe anchors for sections: the same section path gives the same id in every version,
so a link to "…/v7-text.html#s-sharing" keeps working and the diff can point into the full text.
The document's title (the level-1 heading most policies put everything under) is left out of the
ids of the sections under it: shorter ids, and they survive a renamed title.

Ids hold only ``a-z 0-9 -`` (nothing of the page's own markup gets into an attribute); headings
with no Latin letters or digits, and very long paths, get a short hash of the path instead.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence

MAX_ID = 100
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """"Données & Cookies" -> "donnees-cookies"; "" for text with no Latin letter or digit."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")


def section_id(path: Sequence[str]) -> str:
    """``s-`` and the path's headings as slugs joined by ``--``; ``s-preamble`` for the text before
    the first heading."""
    path = [p for p in path if p.strip()]
    if not path:
        return "s-preamble"
    parts = [slug(p) for p in path]
    digest = hashlib.sha1("\x1f".join(path).encode("utf-8")).hexdigest()
    if not all(parts):
        return f"s-{digest[:10]}"
    body = "--".join(parts)
    if len(body) + 2 > MAX_ID:
        body = body[: MAX_ID - 10].rstrip("-") + "-" + digest[:6]
    return f"s-{body}"


def section_ids(paths: Iterable[Sequence[str]], title: str = "") -> list[str]:
    """One id per path, in order; a path seen again gets ``-2``, ``-3``… so ids stay unique.
    A leading `title` is dropped from the paths below it (not from the title's own section)."""
    seen: dict[str, int] = {}
    out = []
    for path in paths:
        if title and len(path) > 1 and path[0] == title:
            path = path[1:]
        base = section_id(path)
        n = seen.get(base, 0) + 1
        seen[base] = n
        out.append(base if n == 1 else f"{base}-{n}")
    return out
