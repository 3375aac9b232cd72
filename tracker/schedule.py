"""When a policy is due: one rule for `tracker status`, the daemon's first run and its triggers.

A policy has an interval (its own or the config's default) or a cron expression (UTC), which
wins. The daemon's triggers add jitter to intervals; `next_due` is the plain schedule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

    from tracker.config import Config, Policy

MAX_JITTER = 300.0  # seconds


def _when(value: str | datetime) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def next_due(policy: Policy, last_check: str | datetime | None, config: Config) -> datetime | None:
    """The next time `policy` should be checked after `last_check`; None when it never was (due now)."""
    if last_check is None:
        return None
    last = _when(last_check)
    if policy.cron:
        from apscheduler.triggers.cron import CronTrigger

        fire: datetime | None = CronTrigger.from_crontab(policy.cron, timezone="UTC").get_next_fire_time(None, last)
        if fire is not None and fire <= last:  # the trigger may give `last` itself back
            fire = CronTrigger.from_crontab(policy.cron, timezone="UTC").get_next_fire_time(
                None, last + timedelta(seconds=1))
        return fire
    return last + timedelta(seconds=config.interval_of(policy))


def trigger(policy: Policy, config: Config) -> BaseTrigger:
    """The daemon's APScheduler trigger: cron as written, or the interval with up to 10% jitter."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if policy.cron:
        return CronTrigger.from_crontab(policy.cron, timezone="UTC")
    seconds = config.interval_of(policy)
    return IntervalTrigger(seconds=seconds, jitter=min(seconds * 0.1, MAX_JITTER), timezone="UTC")
