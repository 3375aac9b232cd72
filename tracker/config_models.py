"""The config's shape: one pydantic model per table, strict (an unknown key is an error), frozen."""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tracker.config_checks import (
    SLUG,
    check_email,
    check_recipient,
    check_selectors,
    check_url,
    parse_interval,
)
from tracker.errors import ConfigError
from tracker.ranges import RangeSelector


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class TrackerSettings(_Strict):
    database: str = "data/tracker.db"
    user_agent: str = "tracker/0.1 (+https://github.com/tracker/tracker)"
    interval: str = "1d"
    concurrency: int = Field(8, ge=1, le=256)
    timeout: float = Field(30.0, gt=0, le=600)
    connect_timeout: float = Field(10.0, gt=0, le=120)
    retries: int = Field(3, ge=0, le=10)
    retry_backoff: float = Field(2.0, ge=0, le=600)  # first retry delay in seconds, doubled each time
    max_bytes: int = Field(10_000_000, ge=1024)
    max_redirects: int = Field(10, ge=0, le=30)
    per_host_delay: float = Field(1.0, ge=0, le=600)
    min_words: int = Field(50, ge=0)
    suspect_delay: float = Field(30.0, ge=0, le=3600)  # wait before re-fetching a page that looks wrong
    tracking_params: tuple[str, ...] = ()  # more link parameters to strip, beyond utm_*, gclid, fbclid...
    allow_private: bool = True  # false (shared deployments): refuse URLs and redirects to private addresses
    chromium: str = ""  # Chromium command or path for rendered pages; "" = $TRACKER_CHROMIUM, else on PATH
    browser_concurrency: int = Field(1, ge=1, le=16)  # Chromium processes at a time (each takes ~200 MB)

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, v: str) -> str:
        if not (v.isascii() and v.isprintable()) or not v.strip():
            raise ValueError(f"{v!r} cannot be sent in a header: use printable ASCII, no line breaks")
        return v

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: str) -> str:
        parse_interval(v)
        return v


class SmtpSettings(_Strict):
    host: str = "localhost"
    port: int = Field(587, ge=1, le=65535)
    starttls: bool = True
    tls: bool = False  # implicit TLS (port 465)
    username: str | None = None
    password_env: str | None = None
    timeout: float = Field(30.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data):
        if isinstance(data, dict) and "password" in data:
            raise ValueError("a password does not belong in the config file: put it in an environment variable "
                             "and name that variable in password_env")
        return data

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


class NotifySettings(_Strict):
    backend: Literal["file", "smtp"] = "file"
    from_: str = Field("tracker@localhost", alias="from")
    admin: str | None = None
    outbox_dir: str = "data/outbox"
    threshold: Literal["minor", "material"] = "material"
    digest: Literal["off", "run", "day"] = "off"
    max_attempts: int = Field(8, ge=1, le=100)
    retry_base: float = Field(60.0, ge=0, le=86400)  # first retry delay in seconds, doubled each time
    recipient_thresholds: dict[str, Literal["minor", "material"]] = {}  # per address, over any policy's
    alert_after: int = Field(3, ge=1, le=100)
    site_url: str = ""  # where `tracker export` is served: messages link to <site_url>/<policy>/v<N>.html
    smtp: SmtpSettings = SmtpSettings()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("from_")
    @classmethod
    def _from(cls, v: str) -> str:
        return check_email(v)

    @field_validator("admin")
    @classmethod
    def _admin(cls, v: str | None) -> str | None:
        return check_recipient(v) if v else v

    @field_validator("site_url")
    @classmethod
    def _site_url(cls, v: str) -> str:
        if v and not re.match(r"^https?://[^\s/?#]+[^\s?#]*$", v, re.I):
            raise ValueError(f"{v!r} is not an absolute http(s) URL (where `tracker export` output is served)")
        return v.rstrip("/")

    @field_validator("recipient_thresholds")
    @classmethod
    def _addresses(cls, v: dict[str, str]) -> dict[str, str]:
        for address in v:
            check_recipient(address)
        return v


class Source(_Strict):
    """One page of a combined policy (`combine`); select/remove/render unset = the policy's."""

    url: str
    select: tuple[str | RangeSelector, ...] | None = None
    remove: tuple[str | RangeSelector, ...] | None = None
    render: Literal["auto", "http", "browser"] | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_url(v)

    @field_validator("select", "remove", mode="before")
    @classmethod
    def _selectors(cls, v: Any) -> Any:
        return None if v is None else check_selectors(v)


class Policy(_Strict):
    name: str
    url: str
    title: str = ""
    select: tuple[str | RangeSelector, ...] = ()  # CSS, or {startBefore|startAfter, endBefore|endAfter}
    remove: tuple[str | RangeSelector, ...] = ()
    interval: str | None = None
    cron: str | None = None  # e.g. "0 6 * * 1" (UTC); overrides interval in the daemon
    recipients: tuple[str, ...] = ()
    threshold: Literal["minor", "material"] | None = None
    links: bool = False  # keep link targets in the canonical text ([text](url)), tracking ids stripped
    render: Literal["auto", "http", "browser"] = "auto"  # browser: headless Chromium runs the page's scripts
    combine: tuple[Source, ...] = ()  # several pages tracked as one document, joined in this order
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError(f"{v!r} is not a slug (lowercase letters, digits and dashes)")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_url(v)

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: str | None) -> str | None:
        if v is not None:
            parse_interval(v)
        return v

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None:
            from tracker.schedule import crontab_trigger

            try:
                crontab_trigger(v)
            except ValueError as exc:
                raise ValueError(f"{v!r} is not a cron expression (minute hour day month weekday): {exc}") from None
        return v

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_recipient(r) for r in v)

    @field_validator("select", "remove", mode="before")
    @classmethod
    def _selectors(cls, v: Any) -> Any:
        return check_selectors(v)

    @model_validator(mode="before")
    @classmethod
    def _url_of_combined(cls, data: Any) -> Any:
        """A combined policy's url is its first page's, unless given (status, emails and links use it)."""
        if isinstance(data, dict) and "url" not in data and isinstance(data.get("combine"), list) and data["combine"]:
            first = data["combine"][0]
            if isinstance(first, dict) and isinstance(first.get("url"), str):
                return {**data, "url": first["url"]}
        return data

    @field_validator("combine")
    @classmethod
    def _two_pages(cls, v: tuple[Source, ...]) -> tuple[Source, ...]:
        if len(v) == 1:
            raise ValueError("combine joins two pages or more; for one page, use url (with select/remove)")
        return v

    def source_options(self) -> tuple[tuple[str, tuple[str | RangeSelector, ...], tuple[str | RangeSelector, ...],
                                            str], ...]:
        """Each page of a combined policy: (url, select, remove, render), the policy's own values
        where the page does not set them (OTA's rule: the document's keys apply to every source)."""
        return tuple((s.url, self.select if s.select is None else s.select,
                      self.remove if s.remove is None else s.remove, s.render or self.render) for s in self.combine)

    @property
    def display_title(self) -> str:
        return self.title or self.name


class Config(_Strict):
    tracker: TrackerSettings = TrackerSettings()
    notify: NotifySettings = NotifySettings()
    materiality: dict[str, Any] = {}  # extensions of the shipped rules (see tracker/materiality/rules.py)
    policy: tuple[Policy, ...] = ()
    path: Path | None = Field(None, exclude=True)

    @field_validator("materiality")
    @classmethod
    def _rules(cls, v: dict[str, Any]) -> dict[str, Any]:
        if v:
            rules_from_json(json.dumps(v, sort_keys=True))  # a mistake raises ValueError naming the key
        return v

    @property
    def rules(self):
        return rules_from_json(json.dumps(self.materiality, sort_keys=True))

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        seen: set[str] = set()
        for p in self.policy:
            if p.name in seen:
                raise ValueError(f"policy name {p.name!r} is used twice")
            seen.add(p.name)
        return self

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def resolve(self, value: str) -> Path:
        """Paths in the config are relative to the config file, not to the working directory."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def database_path(self) -> Path:
        return self.resolve(self.tracker.database)

    def interval_of(self, policy: Policy) -> float:
        return parse_interval(policy.interval or self.tracker.interval)

    def get(self, name: str) -> Policy:
        for p in self.policy:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.policy) or "none configured"
        raise ConfigError(f"no policy named {name!r} in {self.path} (known: {known})")


@lru_cache(maxsize=8)
def rules_from_json(key: str):
    """The materiality rules for a [materiality] table given as sorted JSON (hashable, picklable)."""
    from tracker.materiality import load_rules

    return load_rules(json.loads(key))
