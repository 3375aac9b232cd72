"""The values materiality returns: an Assessment with the Reasons behind it.

They are the domain's values (tracker.model), so the diff, the store and the renderers carry the
very objects the classifier built; this module keeps the names materiality has always exported.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.model import Assessment, Level, Reason

LEVELS = tuple(Level)  # in order: none, minor, material

__all__ = ["LEVELS", "Assessment", "Level", "Reason", "max_level"]


def max_level(levels: Iterable[str]) -> Level:
    return Level.highest(levels)
