"""config.toml, validated: a bad config names the file, the policy, the key and what is wrong. Loading
is here; the models are in config_models.py, the value checks in config_checks.py (all importable from here)."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from pydantic import ValidationError

from tracker.config_checks import (
    MAX_INTERVAL,
    MIN_INTERVAL,
    check_channels,
    check_email,
    check_recipient,
    check_selectors,
    check_url,
    parse_interval,
)
from tracker.config_models import (
    Config,
    NotifySettings,
    Policy,
    SmtpSettings,
    Source,
    TrackerSettings,
    rules_from_json,
)
from tracker.errors import ConfigError

__all__ = ["MAX_CONFIG", "MAX_INTERVAL", "MIN_INTERVAL", "Config", "NotifySettings", "Policy", "SmtpSettings",
           "Source", "TrackerSettings", "check_channels", "check_email", "check_recipient", "check_selectors",
           "check_url", "default_path", "load", "parse", "parse_interval", "rules_from_json"]

MAX_CONFIG = 5_000_000  # bytes: thousands of policies fit; /dev/zero does not


def default_path() -> Path:
    return Path(os.environ.get("TRACKER_CONFIG", "config.toml"))


def load(path: str | Path | None = None) -> Config:
    path = Path(path) if path else default_path()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not hang, /dev/zero must not fill memory
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ConfigError(f"{path}: not a regular file")
            raw = fh.read(MAX_CONFIG + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (create one with `tracker init`)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None
    if len(raw) > MAX_CONFIG:
        raise ConfigError(f"{path}: over {MAX_CONFIG} bytes: not a config file")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, path)


def parse(data: dict, path: Path | None = None) -> Config:
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, data, path)) from None
    config = config.model_copy(update={"path": path.resolve() if path else None})
    if config.database_path.is_dir():
        raise ConfigError(f"{path or '<config>'}: key 'tracker.database': {config.tracker.database!r} is a "
                          "directory; name the database file inside it (e.g. tracker.db)")
    return config


def _explain(exc: ValidationError, data: dict, path: Path | None) -> str:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = []
        if loc[:1] == ["policy"] and len(loc) > 1 and isinstance(loc[1], int):
            idx = loc[1]
            policies = data.get("policy") or []
            name = policies[idx].get("name") if idx < len(policies) and isinstance(policies[idx], dict) else None
            where.append(f"policy {name!r}" if name else f"policy #{idx + 1}")
            key = ".".join(str(x) for x in loc[2:])
        else:
            key = ".".join(str(x) for x in loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif err["type"] == "literal_error":
            msg = f"{err['input']!r} is not one of {err['ctx']['expected']}"
        where.append(f"key {key!r}" if key else "top level")
        lines.append(f"{path or '<config>'}: {', '.join(where)}: {msg}")
    return "\n".join(lines)
