"""When a policy is due: one rule for `tracker status`, the daemon's first run and its triggers.

A policy has an interval (its own or the config's default) or a cron expression (UTC), which
wins. The daemon's triggers add jitter to intervals; `next_due` is the plain schedule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger
    from apscheduler.triggers.cron import CronTrigger

    from tracker.config import Config, Policy

MAX_JITTER = 300.0  # seconds


def _when(value: str | datetime) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def crontab_trigger(expr: str) -> CronTrigger:
    """A crontab line read as cron reads it. APScheduler's `from_crontab` takes the weekday field
    as its own numbering (0 = Monday), so `0 6 * * 1` would run on Tuesdays: numeric weekdays are
    turned into names first (cron: 0 and 7 = Sunday, 1 = Monday)."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    if len(fields) == 5:
        fields[4] = ",".join(_weekdays(part) for part in fields[4].split(","))
    return CronTrigger.from_crontab(" ".join(fields), timezone="UTC")


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekdays(part: str) -> str:
    """One comma-separated item of a cron weekday field, numbers as day names (ranges and steps
    expanded, since a range like 5-1 has no name form); names and `*` are left as they are."""
    spec, _, step = part.partition("/")
    if spec == "*" and not step:
        return part
    if spec == "*":
        spec = "0-6"
    low, _, high = spec.partition("-")
    if not (low.isdigit() and (not high or high.isdigit()) and (not step or step.isdigit())):
        return part  # names (mon-fri) or something APScheduler will judge
    first, last = int(low), int(high or (6 if step else low))
    if not (0 <= first <= 7 and 0 <= last <= 7) or first > last or (step and int(step) < 1):
        return part  # out of range: left for APScheduler's error
    return ",".join(dict.fromkeys(_DAYS[d] for d in range(first, last + 1, int(step or 1))))


def next_due(policy: Policy, last_check: str | datetime | None, config: Config) -> datetime | None:
    """The next time `policy` should be checked after `last_check`; None when it never was (due now)."""
    if last_check is None:
        return None
    last = _when(last_check)
    if policy.cron:
        cron = crontab_trigger(policy.cron)
        fire: datetime | None = cron.get_next_fire_time(None, last)
        if fire is not None and fire <= last:  # the trigger may give `last` itself back
            fire = cron.get_next_fire_time(None, last + timedelta(seconds=1))
        return fire
    return last + timedelta(seconds=config.interval_of(policy))


def trigger(policy: Policy, config: Config) -> BaseTrigger:
    """The daemon's APScheduler trigger: cron as written, or the interval with up to 10% jitter."""
    from apscheduler.triggers.interval import IntervalTrigger

    if policy.cron:
        return crontab_trigger(policy.cron)
    seconds = config.interval_of(policy)
    return IntervalTrigger(seconds=seconds, jitter=min(seconds * 0.1, MAX_JITTER), timezone="UTC")
