"""The configuration reference (docs/config.md), generated from the models in tracker.config.

Keys, types, defaults and bounds come from the models themselves; the meanings are here, one per key.
tests/test_config_doc.py fails when a key has no meaning, a meaning names no key, or docs/config.md
is not what `scripts/config_doc.py` writes: the reference cannot go stale.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tracker.ranges import RangeSelector

MEANINGS: dict[str, str] = {
    # [tracker]
    "tracker.database": "SQLite file of versions, fetches and the outbox (relative to the config file).",
    "tracker.user_agent": "User-Agent of every request: say who you are and how to reach you.",
    "tracker.interval": 'Default time between checks of a policy: "90s", "15m", "6h", "1d", "2w".',
    "tracker.concurrency": "Policies fetched at once (never more than one request at a time per host).",
    "tracker.timeout": "Seconds for a whole response.",
    "tracker.connect_timeout": "Seconds to open a connection.",
    "tracker.retries": "Retries on connection errors, 5xx and 429 (Retry-After is honoured).",
    "tracker.retry_backoff": "Seconds before the first retry, doubled for each next one.",
    "tracker.max_bytes": "Body size cap, counted after decompression.",
    "tracker.max_redirects": "Redirects followed before the fetch fails.",
    "tracker.per_host_delay": "Seconds between two requests to the same host (politeness).",
    "tracker.min_words": "Less extracted text than this is an extraction error, never a version.",
    "tracker.suspect_delay": "Seconds before fetching again a page that looks wrong (an error page, a login "
                             "wall, a drastic cut) before anything is stored.",
    "tracker.tracking_params": "More link parameters to strip from kept links, beyond utm_*, gclid, fbclid and "
                               "the other known ones.",
    "tracker.allow_private": "false (shared deployments): refuse URLs and redirects to private or loopback "
                             "addresses.",
    "tracker.chromium": 'Chromium command or path for rendered pages; "" uses $TRACKER_CHROMIUM, else the '
                        "PATH.",
    "tracker.browser_concurrency": "Chromium processes at a time (each takes about 200 MB).",
    # [notify]
    "notify.backend": '"file" writes .eml files to outbox_dir (works offline); "smtp" sends mail.',
    "notify.from": "Sender address of every message.",
    "notify.admin": "Email address or Apprise URL (see policy.recipients) for operator alerts (a policy failing "
                    "repeatedly, and its recovery) and the default of `tracker notify test`.",
    "notify.outbox_dir": "Where the file backend writes .eml files (relative to the config file).",
    "notify.threshold": 'Lowest level that is sent: "material", or "minor" for every real text change.',
    "notify.digest": '"off": one message per change; "run": a recipient\'s changes sent together are one '
                     'message; "day": one message per recipient a day, at midnight UTC.',
    "notify.max_attempts": "Delivery attempts before a message is marked failed.",
    "notify.retry_base": "Seconds before the first delivery retry, doubled for each next one (at most 6 hours). "
                         "A chat or webhook delivery that fails is always retried (Apprise reports success or "
                         "failure, not why).",
    "notify.recipient_thresholds": "Per recipient (address or Apprise URL, as written in recipients), a "
                                   "threshold that overrides the policy's and [notify]'s, e.g. "
                                   '{ "cto@example.org" = "minor" }.',
    "notify.site_url": "Where the `tracker export` site is served, e.g. https://policies.example.org: messages "
                       "link to the change's page, SITE_URL/NAME/vN.html. Unset: they give the `tracker diff` "
                       "command instead.",
    "notify.alert_after": "Consecutive failed checks of a policy before the admin is alerted.",
    "notify.smtp": "The SMTP server, used when backend = \"smtp\" (keys below).",
    # [notify.smtp]
    "notify.smtp.host": "SMTP server.",
    "notify.smtp.port": "SMTP port (587 with STARTTLS, 465 with implicit TLS).",
    "notify.smtp.starttls": "Upgrade the connection with STARTTLS.",
    "notify.smtp.tls": "Implicit TLS from the first byte (port 465).",
    "notify.smtp.username": "Login, if the server needs one.",
    "notify.smtp.password_env": "Name of the environment variable that holds the password (never the password "
                                "itself).",
    "notify.smtp.timeout": "Seconds to wait for the SMTP server (connecting, and each reply).",
    # [[policy]]
    "policy.name": "Slug (lowercase letters, digits, dashes) used on the command line; unique.",
    "policy.url": "Address of the policy page (http or https); with combine, the first page's when unset.",
    "policy.title": "Name shown to people; the policy's name when empty.",
    "policy.select": "CSS selectors of the policy text (found automatically otherwise); an item may be a range "
                     "table, `{ startBefore = \"h1\", endBefore = \"footer\" }` (startBefore/startAfter, "
                     "endBefore/endAfter: the page from the first match of one to the first of the other, as Open "
                     "Terms Archive declares it; a point that matches nothing is an error).",
    "policy.remove": "CSS selectors (or range tables, as for select) of what to drop before extraction.",
    "policy.interval": "Time between checks of this policy; [tracker] interval when unset.",
    "policy.cron": 'Cron schedule in UTC, e.g. "0 6 * * 1"; overrides interval in the daemon.',
    "policy.recipients": "Who is told about this policy's changes: email addresses, or Apprise URLs for chat and "
                         "webhooks (slack://…, msteams://…, ntfys://…, json://host/path). Credentials in a URL "
                         "are written {env:NAME} and read from the environment; a literal password, token or "
                         "+header value is refused. See docs/notifications.md.",
    "policy.threshold": "This policy's threshold; [notify] threshold when unset.",
    "policy.links": "Keep link targets in the stored text ([text](url)), tracking ids stripped.",
    "policy.render": '"auto": render in headless Chromium when the page is a script shell; "http": never; '
                     '"browser": always.',
    "policy.combine": "Several pages tracked as one document (Open Terms Archive's `combine`): fetched in this "
                      "order, each with its own selectors, their texts joined; url defaults to the first page's. "
                      "Keys below.",
    "policy.enabled": "false: kept in the config and the database, but not checked.",
    # [[policy]] combine = [...]
    "policy.combine.url": "Address of this page (http or https).",
    "policy.combine.select": "This page's selectors (as policy.select); the policy's when unset.",
    "policy.combine.remove": "This page's remove selectors (as policy.remove); the policy's when unset.",
    "policy.combine.render": "This page's render mode (as policy.render); the policy's when unset.",
    # [materiality]
    "materiality": "Extensions of the shipped rules (tracker/rules/materiality.toml): extra terms, categories, "
                   "escalate_favourable = true.",
}

SECTIONS = (("[tracker]", "tracker"), ("[notify]", "notify"), ("[notify.smtp]", "notify.smtp"),
            ("[[policy]]", "policy"), ("[[policy]] combine = [{...}, ...]", "policy.combine"))


def models() -> dict[str, type[BaseModel]]:
    from tracker.config import NotifySettings, Policy, SmtpSettings, Source, TrackerSettings

    return {"tracker": TrackerSettings, "notify": NotifySettings, "notify.smtp": SmtpSettings, "policy": Policy,
            "policy.combine": Source}


def keys() -> list[str]:
    """Every documentable key, "section.key" (and "materiality", a free table)."""
    out = [f"{prefix}.{_name(n, f)}" for prefix, model in models().items() for n, f in model.model_fields.items()]
    return [*out, "materiality"]


def reference() -> str:
    lines = ["# Configuration reference", "",
             "Every key of `config.toml`, its type, default and meaning. Generated from `tracker/config.py` "
             "and `tracker/configdoc.py` by `scripts/config_doc.py`; a test fails when it is stale. Paths are "
             "relative to the config file. A working, commented example is the repository's `config.toml`.", ""]
    for heading, prefix in SECTIONS:
        model = models()[prefix]
        lines += [f"## `{heading}`", "", "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
        for name, field in model.model_fields.items():
            key = _name(name, field)
            meaning = MEANINGS[f"{prefix}.{key}"].replace("|", "\\|")
            lines.append(f"| `{key}` | {_type(field.annotation)}{_bounds(field)} | {_default(field)} | {meaning} |")
        lines.append("")
    lines += ["## `[materiality]`", "", MEANINGS["materiality"], ""]
    return "\n".join(lines)


def _name(name: str, field: FieldInfo) -> str:
    return field.alias or name


def _type(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(json.dumps(a) for a in args)
    if origin in (types.UnionType, typing.Union):
        optional = " (optional)" if type(None) in args else ""
        return " or ".join(_type(a) for a in args if a is not type(None)) + optional
    if origin is tuple:
        return f"list of {_type(args[0])}"
    if origin is dict:
        return f"table of {_type(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    if annotation is RangeSelector:
        return "range table"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(annotation, str(annotation))


def _bounds(field: FieldInfo) -> str:
    words = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    found = [f"{words[k]} {getattr(m, k)}" for m in field.metadata for k in words if hasattr(m, k)]
    return f" ({', '.join(found)})" if found else ""


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default()
    if isinstance(value, BaseModel):
        return "see below"
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (tuple, list)):
        return f"`{json.dumps(list(value))}`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{json.dumps(value)}`"
    return f"`{json.dumps(value)}`"
