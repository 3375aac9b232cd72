"""The checks config values go through: intervals, URLs, addresses, recipients (email or Apprise URL),
selectors; each raises ValueError saying what is wrong, which pydantic reports with the key."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from tracker.errors import ConfigError
from tracker.ranges import RangeSelector

if TYPE_CHECKING:
    from tracker.config_models import Config

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s<>,;\r\n]+@[^@\s<>,;\r\n]+\.[^@\s<>,;\r\n]+$")
MIN_INTERVAL = 1.0  # seconds: a policy checked more often than this is a mistake (and a nuisance to the site)
MAX_INTERVAL = 366 * 86400.0  # a year: beyond it the schedule's date arithmetic overflows


def parse_interval(value: str | int | float) -> float:
    """'90s', '15m', '6h', '1d', '2w' (or plain seconds) to seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        m = _INTERVAL.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not an interval like '90s', '15m', '6h', '1d' or '2w'")
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise ValueError(f"{value!r} is out of range: an interval is from 1 second to 366 days")
    return seconds


def check_url(value: str) -> str:
    """An http(s) URL tracker may fetch, or ValueError saying why not."""
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.I):
        raise ValueError(f"{value!r} is not an http(s) URL")
    from tracker.fetch import check_url as fetchable

    return fetchable(value)


def check_email(value: str) -> str:
    """An email address, or ValueError saying it is not one."""
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def check_recipient(value: str) -> str:
    """An email address or an Apprise URL (tracker/channels.py), or ValueError saying what is wrong
    without quoting a secret. A URL's deeper checks (Apprise can use it, its variables are set, no
    literal token) are check_channels', made by the commands that may send."""
    from tracker import channels

    if channels.is_url(value):
        return channels.check_syntax(value)
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address, nor an Apprise URL (scheme://…)")
    return value


def check_channels(config: Config) -> None:
    """ConfigError naming the file, policy and key of each chat or webhook URL that Apprise cannot
    use, whose {env:NAME} variable is not set, or that holds a literal credential. Run by `check`,
    `notify flush`/`test`, `add` and the daemon (at start and on SIGHUP): a mistake shows before a
    change is waiting to be told, not at 3 a.m."""
    from tracker import channels

    places = [("", "notify.admin", config.notify.admin or "")]
    places += [("", "notify.recipient_thresholds", r) for r in config.notify.recipient_thresholds]
    places += [(f"policy {p.name!r}, ", "recipients", r) for p in config.policy for r in p.recipients]
    errors = []
    for where, key, url in places:
        if channels.is_url(url):
            try:
                _checked_url(url, tuple(sorted((n, os.environ.get(n)) for n in channels.PLACEHOLDER.findall(url))))
            except ValueError as exc:
                errors.append(f"{config.path or '<config>'}: {where}key {key!r}: {exc}")
    if errors:
        raise ConfigError("\n".join(dict.fromkeys(errors)))


@lru_cache(maxsize=256)
def _checked_url(value: str, environ: tuple[tuple[str, str | None], ...]) -> str:
    """Cached per URL and the values of its variables: a daemon reloading its config asks Apprise once."""
    from tracker import channels

    return channels.check(value, environ={k: v for k, v in environ if v is not None})


def check_selectors(v: Any) -> Any:
    """Each item a CSS selector or a range selector (an inline table, OTA's object form)."""
    from tracker.extract import compile_selector

    items = [v] if isinstance(v, (str, dict, RangeSelector)) else v
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"{v!r} is not a CSS selector or a list of them")
    out: list[str | RangeSelector] = []
    for i, item in enumerate(items):
        where = f"item {i + 1}: " if len(items) > 1 else ""
        if isinstance(item, dict):
            try:
                item = RangeSelector.from_mapping(item)
            except ValueError as exc:
                raise ValueError(f"{where}{exc}") from None
        if isinstance(item, RangeSelector):
            css_list = [item.start, item.end]
        elif isinstance(item, str):
            css_list = [item]
        else:
            raise ValueError(f"{where}{item!r} is neither a CSS selector nor a range selector "
                             "({ startBefore = CSS, endBefore = CSS }, or startAfter / endAfter)")
        for css in css_list:
            try:
                compile_selector(css)
            except Exception as exc:
                raise ValueError(f"{where}{exc}") from None
        out.append(item)
    return tuple(out)
