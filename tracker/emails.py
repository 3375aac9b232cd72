"""Composing notification emails (pure: data in, EmailMessage out). jinja2 with autoescaping:
page text never becomes markup; header values are cleaned of CR/LF and capped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from tracker.diff import ChangeSet
from tracker.mail import clean_header
from tracker.render import items, section_title
from tracker.render.markdown import render_markdown

LEVEL_COLOURS = {"material": "#b42318", "minor": "#b54708", "none": "#667085"}


@dataclass(frozen=True)
class ChangeEntry:
    """One stored change, ready to be told: who, what, between which versions, and the diff."""

    policy: str
    title: str
    url: str
    kind: str
    level: str
    summary: str
    old_number: int
    new_number: int
    old_date: str
    new_date: str
    changeset: ChangeSet

    @property
    def command(self) -> str:
        return f"tracker diff {self.policy} {self.old_number} {self.new_number}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("tracker", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(items=items, section_title=section_title, colours=LEVEL_COLOURS)
    return env


def message_id(key: str, sender: str) -> str:
    """Stable for the same outbox row(s) of the same database (the key carries the database's random
    install id): a resend after a crash carries the same Message-ID, another install never does."""
    domain = sender.rsplit("@", 1)[-1] or "tracker.invalid"
    return f"<tracker.{hashlib.sha256(key.encode()).hexdigest()[:24]}@{clean_header(domain, 100)}>"


def _message(sender: str, recipient: str, subject: str, msgid: str, text: str, html: str | None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = clean_header(sender)
    msg["To"] = clean_header(recipient)
    msg["Subject"] = clean_header(subject)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = msgid or make_msgid()
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def change_subject(entries: list[ChangeEntry]) -> str:
    if len(entries) == 1:
        e = entries[0]
        n = len(e.changeset.sections)
        return f"[tracker] {e.level.capitalize()} change: {e.title} — {n} section{'s' * (n != 1)}"
    material = sum(e.level == "material" for e in entries)
    return f"[tracker] {len(entries)} policy changes ({material} material)"


def compose_changes(entries: list[ChangeEntry], *, sender: str, recipient: str, msgid: str) -> EmailMessage:
    env = environment()
    texts = [render_markdown(e.changeset, title=e.title, old_label=f"version {e.old_number} ({e.old_date})",
                             new_label=f"version {e.new_number} ({e.new_date})") for e in entries]
    text = env.get_template("email_changes.txt.j2").render(entries=list(zip(entries, texts, strict=True)))
    html = env.get_template("email_changes.html.j2").render(entries=entries, subject=change_subject(entries))
    return _message(sender, recipient, change_subject(entries), msgid, text, html)


def compose_notice(kind: str, *, policy: str, payload: dict, sender: str, recipient: str, msgid: str) -> EmailMessage:
    """Operator alert ('alert': a policy keeps failing) or recovery ('recovery': it works again)."""
    title = payload.get("title") or policy
    if kind == "alert" and payload.get("coverage"):
        subject = f"[tracker] Less text kept: {title} — version {payload.get('version', '?')}"
    elif kind == "alert":
        subject = f"[tracker] Failing: {title} — {payload.get('failures', '?')} checks in a row"
    else:
        subject = f"[tracker] Recovered: {title}"
    text = environment().get_template("email_notice.txt.j2").render(kind=kind, policy=policy, title=title, p=payload)
    return _message(sender, recipient, subject, msgid, text, None)


def compose_test(*, sender: str, recipient: str, backend: str) -> EmailMessage:
    text = (f"This is a test message from tracker.\n\nBackend: {backend}\nFrom: {sender}\nTo: {recipient}\n\n"
            "If you can read this, notifications will reach this address.\n")
    return _message(sender, recipient, "[tracker] Test message", make_msgid(domain="tracker.invalid"), text, None)
