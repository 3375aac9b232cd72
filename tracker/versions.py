"""Picking a version by what a user types: a number, a date, or -N counted from the latest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from tracker.errors import UsageError
from tracker.store import Version


def pick(versions: Sequence[Version], ref: str | None) -> Version:
    """`versions` oldest first. None is the latest; '3' is number 3; '-1' the latest, '-2' the one before;
    '2021-03-17' (or any ISO date/time) is the version that was current at that moment."""
    if not versions:
        raise UsageError("there are no versions")
    if ref is None or ref == "latest":
        return versions[-1]
    ref = ref.strip()
    if re.fullmatch(r"-\d+", ref):
        back = int(ref[1:])
        if back < 1 or back > len(versions):
            raise UsageError(f"version {ref} does not exist: there are {len(versions)} versions")
        return versions[-back]
    if ref.isdigit():
        for v in versions:
            if v.number == int(ref):
                return v
        raise UsageError(f"version {ref} does not exist: versions are 1 to {versions[-1].number}")
    try:
        when = datetime.fromisoformat(ref)
    except ValueError:
        raise UsageError(f"{ref!r} is not a version number, a date (YYYY-MM-DD) or -N") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if len(ref) == 10:  # a bare date means the end of that day
        when = when.replace(hour=23, minute=59, second=59)
    current = [v for v in versions if datetime.fromisoformat(v.created_at) <= when]
    if not current:
        raise UsageError(f"no version existed on {ref}: the first is from {versions[0].created_at}")
    return current[-1]
