"""The one module that talks to chat and webhook services, through Apprise (as mail.py owns SMTP).

A recipient is an email address or an Apprise URL (``slack://…``, ``msteams://…``, ``ntfys://…``,
``json://host/path``…). Secrets never live in the config file: a URL's credentials are written as
``{env:NAME}`` placeholders and expanded from the environment only when the URL is checked or used.
The config (and so the outbox and every listing) holds the placeholders; what is shown or logged
passes through ``redact``, and what Apprise itself logs is captured and masked before it is kept.

Apprise answers a notification with success or failure, not with the receiver's status code, so
a failed delivery is retried (up to [notify] max_attempts) rather than judged permanent.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from tracker.errors import DeliveryError

log = logging.getLogger("tracker.channels")
# Apprise's own records may quote URLs with their header values: they never reach tracker's logs;
# what a failure says is captured per delivery and masked (see send).
logging.getLogger("apprise").propagate = False
logging.getLogger("apprise").setLevel(logging.WARNING)

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.I)
PLACEHOLDER = re.compile(r"\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_ARG = re.compile(r"([?&](?:\+[^=&]*|[^=&]*(?:token|key|secret|pass|auth|sig)[^=&]*)=)([^&#]*)()", re.I)
MASK = "****"
TITLE_MAX = 160  # chat titles: one line in a notification banner
BODY_MAX = 700  # chat bodies: a few reasons and a link, not the diff


@dataclass(frozen=True)
class ChatMessage:
    title: str
    body: str


def is_url(recipient: str) -> bool:
    """An Apprise URL (scheme://…) rather than an email address."""
    return bool(_SCHEME.match(recipient))


def expand(url: str, environ: Mapping[str, str] | None = None) -> str:
    """``{env:NAME}`` placeholders replaced by the variables' values (inserted as they are)."""
    env = os.environ if environ is None else environ
    missing = [n for n in PLACEHOLDER.findall(url) if n not in env]
    if missing:
        raise KeyError(missing[0])
    return PLACEHOLDER.sub(lambda m: env[m.group(1)], url)


def redact(recipient: str) -> str:
    """What may be shown or logged of a recipient: placeholders stay (they name a variable, not a
    secret), literal passwords, tokens and header values become ****."""
    if not is_url(recipient):
        return recipient
    return _redact(recipient)


@lru_cache(maxsize=256)
def _redact(url: str) -> str:
    def hide(m: re.Match[str]) -> str:  # a placeholder names a variable: it stays readable
        return m.group(0) if PLACEHOLDER.fullmatch(m.group(2)) else m.group(1) + MASK + m.group(3)

    text = re.sub(r"^([^:/]+://[^/@:]*:)([^/@]*)(@)", hide, url)  # user:password@
    text = _SECRET_ARG.sub(hide, text)
    names = PLACEHOLDER.findall(url)  # each stands in as a harmless value while Apprise reads the URL
    plugin, _ = _instantiate(PLACEHOLDER.sub(lambda m: f"trackerenv{names.index(m.group(1))}x", url))
    if plugin is not None:
        return _mask_values(text, [v for v in _secrets(plugin) if not re.fullmatch(r"trackerenv\d+x", v)])
    if names:  # e.g. slack://{env:SLACK_HOOK}: its secret parts are the placeholders
        return text
    m = re.match(r"^([^:/]+://)(?:[^/@]*@)?([^/:?#]*)", url)  # cannot tell what is secret: scheme and host
    return f"{m.group(1)}{m.group(2)}/{MASK}" if m and m.group(2) else f"{url.split('://', 1)[0]}://{MASK}"


def check_syntax(url: str) -> str:
    """The checks that need neither Apprise nor the environment (every config load makes them):
    well-formed placeholders, no literal password before the host."""
    for placeholder in re.findall(r"\{env:[^}]*\}", url):
        if not PLACEHOLDER.fullmatch(placeholder):
            raise ValueError(f"{redact(url)}: {placeholder!r} is not a placeholder like {{env:NAME}}")
    userinfo = re.match(r"^[^:/]+://([^/@]*)@", url)
    if userinfo and ":" in userinfo.group(1) and not PLACEHOLDER.fullmatch(userinfo.group(1).split(":", 1)[1]):
        raise ValueError(f"{redact(url)}: a password is written in the config file; put it in an environment "
                         "variable and write {env:NAME} in its place")
    return url


def check(url: str, *, environ: Mapping[str, str] | None = None, literal_secrets: bool = False) -> str:
    """ValueError saying what is wrong with an Apprise URL (never quoting its secrets), else the URL.
    Loading Apprise's ~190 plugins takes about a second, so this runs where messages may be sent
    (tracker.config.check_channels), not on every config load.

    Every placeholder must name a set variable, Apprise must be able to parse the expanded URL, and
    (unless ``literal_secrets``, for a URL typed on the command line) each credential Apprise knows of
    -- passwords, tokens, keys, ``+header`` values -- must come from a placeholder."""
    if not literal_secrets:
        check_syntax(url)
    env = os.environ if environ is None else environ
    try:
        full = expand(url, env)
    except KeyError as exc:
        raise ValueError(f"{redact(url)}: environment variable {exc.args[0]} is not set") from None
    plugin, why = _instantiate(full)
    if plugin is None:  # what Apprise says may quote any part of the URL: only its host stays
        host = re.sub(r"^.*@", "", re.split(r"[/?#]", full.split("://", 1)[1])[0]).split(":")[0]
        parts = [p for p in re.split(r"[/@:?&=#]+", full.split("://", 1)[1]) if len(p) > 2 and p != host]
        shown = _mask_values(why.replace(full, redact(url)), [env[n] for n in PLACEHOLDER.findall(url)] + parts)
        raise ValueError(f"{redact(url)}: Apprise cannot use this URL ({shown or 'unknown service'})")
    if not literal_secrets:
        from_env = [env[n] for n in PLACEHOLDER.findall(url)]
        literal = [s for s in _secrets(plugin) if not any(s in v or unquote(s) in v for v in from_env)]
        if literal:
            raise ValueError(f"{redact(url)}: a credential is written in the config file; put it in an "
                             "environment variable and write {env:NAME} in its place")
    return url


def service(url: str) -> str:
    """The service's name ("Slack", "JSON"…) for messages to people."""
    plugin, _ = _instantiate(expand(url))
    return str(plugin.service_name) if plugin is not None else "Apprise"


def send(recipient: str, message: ChatMessage) -> None:
    """Deliver one message, or DeliveryError (retryable: see the module docstring) with a masked reason."""
    import apprise

    try:
        url = expand(recipient)
    except KeyError as exc:
        raise DeliveryError(f"{redact(recipient)}: environment variable {exc.args[0]} is not set") from None
    secrets = [os.environ[n] for n in PLACEHOLDER.findall(recipient)]
    notifier = apprise.Apprise()
    with apprise.LogCapture(level=logging.WARNING) as captured:
        try:
            ok = notifier.add(url) and bool(notifier.notify(title=_cap(message.title, TITLE_MAX),
                                                            body=_cap(message.body, BODY_MAX, lines=True),
                                                            body_format=apprise.NotifyFormat.TEXT))
        except Exception as exc:  # a plugin's bug must not leave the row claimed until the lease ends
            ok = False
            log.debug("Apprise raised %s", type(exc).__name__)
            logging.getLogger("apprise").error("%s: %s", type(exc).__name__, exc)
    if ok:
        return
    plugin, _ = _instantiate(url)
    lines = [_reason(line) for line in captured.getvalue().splitlines()]
    why = "; ".join(x for x in dict.fromkeys(lines) if x and not x.startswith("Loaded ")) or "no reason given"
    masked = _mask_values(why.replace(url, redact(recipient)), secrets + (_secrets(plugin) if plugin else []))
    name = plugin.service_name if plugin is not None else "Apprise"
    raise DeliveryError(f"{name}: {_cap(masked, 300)}")


def _instantiate(url: str) -> tuple[Any, str]:
    """The Apprise plugin for ``url`` (None if Apprise cannot use it) and what Apprise said."""
    import apprise

    with apprise.LogCapture(level=logging.WARNING) as captured:
        plugin = apprise.Apprise.instantiate(url)
    said = "; ".join(dict.fromkeys(_reason(x) for x in captured.getvalue().splitlines() if x.strip()))
    return plugin, said


def _secrets(plugin: Any) -> list[str]:
    """The values of the parts Apprise marks private (passwords, tokens, keys) and of HTTP headers."""
    values: list[str] = []
    for name, token in getattr(plugin, "template_tokens", {}).items():
        if token.get("private"):
            value = getattr(plugin, token.get("map_to", name), None)
            values += [str(v) for v in (value if isinstance(value, (list, tuple, set)) else [value]) if v]
    values += [str(v) for v in (getattr(plugin, "headers", None) or {}).values() if v]
    return [v for v in values if v.strip()]


def _mask_values(text: str, secrets: list[str]) -> str:
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in {secret, unquote(secret)}:
            text = text.replace(form, MASK)
    return text


def _reason(line: str) -> str:
    """A captured Apprise log line without its timestamp and level."""
    return re.sub(r"^\S+ \S+ - [A-Z]+ - ", "", line.strip())


def _cap(text: str, limit: int, lines: bool = False) -> str:
    """Bounded text; a title is one line (no CR/LF), a body keeps its lines."""
    if not lines:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
