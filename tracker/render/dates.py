"""Dates as readers write them ("1 June 2022"), from the ISO strings the store keeps.

Month names are English whatever the locale (the rest of the output is English); times are UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _parse(iso: str) -> date | datetime | None:
    try:
        if len(iso) == 10:
            return date.fromisoformat(iso)
        when = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def human_date(iso: str | None) -> str:
    """"2022-06-01" or "2022-06-01T08:30:00+00:00" -> "1 June 2022" (the UTC day); text that is
    not an ISO date comes back as it is, None as ""."""
    if not iso:
        return ""
    when = _parse(iso)
    if when is None:
        return iso
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"


def human_datetime(iso: str | None) -> str:
    """"2022-06-01T08:30:00+00:00" -> "1 June 2022, 08:30 UTC"; a bare date as human_date."""
    when = _parse(iso) if iso else None
    if not isinstance(when, datetime):
        return human_date(iso)
    return f"{human_date(iso)}, {when:%H:%M} UTC"


def version_dates(created_at: str, effective: str | None) -> str:
    """"fetched 1 December 2026, dated 4 January 2022": when tracker saw the version, and the
    date the policy gives itself (readers think in the latter)."""
    out = f"fetched {human_date(created_at)}"
    return out + (f", dated {human_date(effective)}" if effective else "")
