"""Draining the outbox: exactly one message per (change, recipient), retried until delivered.

The guarantee (docs/notifications.md): outbox rows are written in the same transaction as the
change, so a stored material change always has its rows. A row is claimed (`sending`) in one
transaction, delivered, then marked `sent` in another. If the process dies between the delivery
and the mark, the claim's lease expires and the row is delivered again with the same Message-ID:
the file backend sees its file and does not write it twice (exactly once); an SMTP server cannot be
asked, so a second copy with the same Message-ID is possible in that window (at least once).
Chat and webhook recipients (Apprise URLs, tracker/channels.py) follow the same state machine; like
SMTP, a receiver cannot be asked whether it already has a message, so the same window applies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial

from tracker import changes, channels, emails
from tracker.config import Config
from tracker.mail import DeliveryError, backend_for
from tracker.render.dates import version_dates
from tracker.store import Store, utcnow

log = logging.getLogger("tracker.notify")

LEASE = timedelta(minutes=10)  # a `sending` claim older than this belongs to a process that died
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def next_notify_time(config: Config, now: datetime | None = None) -> str | None:
    """In daily digest mode change rows wait for the next UTC midnight; otherwise they are due now."""
    if config.notify.digest != "day":
        return None
    now = now or datetime.now(UTC)
    return _iso((now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0))


def drain(config: Config, store: Store, *, backend=None, now: datetime | None = None,
          waiting_too: bool = False) -> DrainReport:
    """Send what is due; ``waiting_too`` also sends what waits for a retry time or the digest."""
    backend = backend or backend_for(config)
    now = now or datetime.now(UTC)
    rows = store.claim_due(_iso(now), _iso(now - LEASE), due_by="9999-12-31T23:59:59+00:00" if waiting_too else None)
    report = DrainReport()
    # one diff per change, however many recipients (and messages) tell it
    entry: Callable[[int], emails.ChangeEntry] = lru_cache(maxsize=None)(partial(change_entry, config, store))
    for group in _groups(config, rows):
        ids = [r["id"] for r in group]
        first = group[0]
        chat = channels.is_url(first["recipient"])
        try:
            message = _compose_chat(group, entry) if chat else _compose(config, store, group, entry)
        except Exception as exc:  # a message we cannot build must not block the others
            log.exception("cannot compose outbox rows %s", ids)
            _failed(store, group, f"cannot compose: {type(exc).__name__}: {exc}", report, permanent=True, now=now,
                    config=config)
            continue
        note = ""
        if isinstance(message, channels.ChatMessage):
            deliver = partial(channels.send, first["recipient"], message)
        else:
            note = f" ({message['Message-ID']})"
            store.set_message_id(ids, message["Message-ID"])
            if backend.already_delivered(message):
                store.finish(ids, "already_delivered")
                report.sent += len(ids)
                continue
            deliver = partial(backend.send, message)
        try:
            deliver()
        except DeliveryError as exc:
            _failed(store, group, str(exc), report, permanent=exc.permanent, now=now, config=config)
            continue
        store.finish(ids, "sent")
        report.sent += len(ids)
        log.info("sent %s to %s%s", first["kind"], channels.redact(first["recipient"]), note)
    return report


def _failed(store: Store, group: list[dict], error: str, report: DrainReport, *, permanent: bool,
            now: datetime, config: Config) -> None:
    ids = [r["id"] for r in group]
    attempts = max(r["attempts"] for r in group)
    report.errors.append(error)
    if permanent or attempts >= config.notify.max_attempts:
        store.finish(ids, "failed", error=error)
        report.failed += len(ids)
        log.error("giving up on outbox rows %s after %d attempts: %s", ids, attempts, error)
        return
    delay = min(timedelta(seconds=config.notify.retry_base * 2 ** (attempts - 1)), MAX_BACKOFF)
    store.finish(ids, "retry", error=error, retry_at=_iso(now + delay))
    report.retried += len(ids)
    log.warning("delivery failed (attempt %d), retrying in %s: %s", attempts, delay, error)


def _groups(config: Config, rows: list[dict]) -> list[list[dict]]:
    """One message per row, or in digest mode one per recipient for all their change rows."""
    if config.notify.digest == "off":
        return [[r] for r in rows]
    groups: dict[str, list[dict]] = {}
    singles: list[list[dict]] = []
    for r in rows:
        if r["kind"] == "change":
            groups.setdefault(r["recipient"], []).append(r)
        else:
            singles.append([r])
    return list(groups.values()) + singles


def _compose(config: Config, store: Store, group: list[dict], entry: Callable[[int], emails.ChangeEntry]):
    sender = config.notify.from_
    first = group[0]
    stored = {r.get("message_id") for r in group}
    msgid: str
    if len(stored) == 1 and None not in stored:  # a retry, or a resend after a crash: the same message
        msgid = str(stored.pop())
    else:
        ids = ",".join(str(r["id"]) for r in group)
        msgid = emails.message_id(f"{store.install_id()}:{first['kind']}:{ids}:{first['recipient']}", sender)
    if first["kind"] != "change":
        return emails.compose_notice(first["kind"], policy=first["policy"], payload=first["payload"],
                                     sender=sender, recipient=first["recipient"], msgid=msgid)
    entries = [entry(r["change_id"]) for r in group]
    return emails.compose_changes(entries, sender=sender, recipient=first["recipient"], msgid=msgid)


def _compose_chat(group: list[dict], entry: Callable[[int], emails.ChangeEntry]) -> channels.ChatMessage:
    first = group[0]
    if first["kind"] != "change":
        return emails.chat_notice(first["kind"], policy=first["policy"], payload=first["payload"])
    return emails.chat_changes([entry(r["change_id"]) for r in group])


def change_entry(config: Config, store: Store, change_id: int) -> emails.ChangeEntry:
    change = store.change(change_id)
    new = store.version_by_id(change["version_id"]) if change else None
    old = store.version_by_id(change["from_version_id"]) if change and change["from_version_id"] else None
    if change is None or new is None or old is None:  # a change row without its versions: cannot be told
        raise LookupError(f"change {change_id} or its versions are missing from the database")
    changeset = changes.compare(store.document(old), store.document(new), config.rules)
    try:
        policy = config.get(change["policy"])
        title, url = policy.display_title, policy.url
    except Exception:  # the policy left the config after the change was stored: still tell
        title, url = new.title or change["policy"], ""
    return emails.ChangeEntry(
        policy=change["policy"], title=title, url=url, kind=change["kind"], level=change["level"] or "none",
        summary=change["summary"], old_number=old.number, new_number=new.number,
        old_date=version_dates(old.created_at, old.effective_date),
        new_date=version_dates(new.created_at, new.effective_date), changeset=changeset,
        link=emails.page_link(config.notify.site_url, change["policy"], new.number),
    )


def operator_notices(config: Config, store: Store, policy: str, title: str, url: str) -> None:
    """After a fetch is recorded (same transaction): one alert when a policy reaches N failures in a
    row, one recovery notice when it works again — never one per failure."""
    admin = config.notify.admin
    state = store.policy_health(policy)
    if not admin or not state:
        return
    failures = state["consecutive_failures"]
    if failures >= config.notify.alert_after and not state.get("alerted_at"):
        store.queue_message("alert", policy, admin, {
            "title": title, "url": url, "failures": failures, "failing_since": state["failing_since"],
            "error": state["last_error"]})
        store.set_alerted(policy, state["failing_since"] or utcnow())
    elif failures == 0 and state.get("alerted_at"):
        since = state["alerted_at"]
        store.queue_message("recovery", policy, admin, {
            "title": title, "url": url, "failing_since": since, "failures": store.failures_since(policy, since)})
        store.set_alerted(policy, None)


def coverage_alert(config: Config, store: Store, policy: str, title: str, url: str, version: int, note: str) -> None:
    """One alert when a stored version kept a much smaller share of its page than the one before:
    the text may be right (a shorter policy) or a block may have been lost to a markup change."""
    if config.notify.admin:
        store.queue_message("alert", policy, config.notify.admin,
                            {"title": title, "url": url, "coverage": note, "version": version})
