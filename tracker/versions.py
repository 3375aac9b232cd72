"""Picking a version by what a user types: a number, a date, or -N counted from the latest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tracker.errors import UsageError
from tracker.store import Version


@dataclass(frozen=True)
class Choice:
    version: Version
    note: str | None = None  # how a date was read, for the user: the policy's own date or a fetch date


def choose(versions: Sequence[Version], ref: str | None) -> Choice:
    """`versions` oldest first. None is the latest; '3' is number 3; '-1' the latest, '-2' the one before;
    '2022-06-01' is the (latest) version whose own date ("Last updated", tracker.effective) it is, else,
    like any ISO date/time, the version fetched and current at that moment; the note says which."""
    if not versions:
        raise UsageError("there are no versions")
    if ref is None or ref == "latest":
        return Choice(versions[-1])
    ref = ref.strip()
    if re.fullmatch(r"-\d+", ref):
        back = int(ref[1:])
        if back < 1 or back > len(versions):
            raise UsageError(f"version {ref} does not exist: there are {len(versions)} versions")
        return Choice(versions[-back])
    if ref.isdigit():
        for v in versions:
            if v.number == int(ref):
                return Choice(v)
        raise UsageError(f"version {ref} does not exist: versions are 1 to {versions[-1].number}")
    dated = [v for v in versions if v.effective_date and v.effective_date == ref]
    if dated:
        v = dated[-1]
        return Choice(v, f"{ref} is the policy's own date of version {v.number}")
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
        raise UsageError(f"no version existed on {ref}: the first is from {versions[0].created_at}"
                         " (and no version states that date as its own)")
    v = current[-1]
    own = f"; its own date is {v.effective_date}" if v.effective_date else ""
    return Choice(v, f"{ref} matches no policy's own date: version {v.number}, fetched {v.created_at[:10]}, "
                     f"was current then{own}")
