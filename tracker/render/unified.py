"""Unified line diff of the two documents' canonical Markdown (like ``diff -u``)."""

from __future__ import annotations

from typing import Any

from ..diff import ChangeSet
from ..textdiff import unified_diff


def render_unified(cs: ChangeSet, context: int = 3, old_label: str | None = None,
                   new_label: str | None = None, deadline: float | None = 1.0, **_: Any) -> str:
    """Empty string when the Markdown is identical."""
    a = cs.old.markdown.splitlines(True)
    b = cs.new.markdown.splitlines(True)
    return "".join(unified_diff(a, b, old_label or "old", new_label or "new", n=context,
                                deadline=deadline))
