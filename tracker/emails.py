"""Composing notifications (pure: data in, message out): emails (a plain-text part a person can read
and an autoescaped HTML part), and the short chat messages of Apprise recipients. Page text never
becomes markup; subjects and titles are cleaned of CR/LF and capped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import lru_cache
from textwrap import fill

from jinja2 import Environment, PackageLoader, select_autoescape

from tracker.channels import ChatMessage
from tracker.diff import ChangeSet
from tracker.mail import clean_header
from tracker.model import Assessment, Level
from tracker.render import badges, items, section_note, section_title
from tracker.render.summary import Finding, Group, clip_words, grouped, hidden_counts, verdict_line

LEVEL_COLOURS = {"material": "#b42318", "minor": "#b54708", "none": "#667085"}
SUBJECT_MAX = 150


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
    link: str = ""  # the version's page on the exported site ([notify] site_url), "" when not set

    @property
    def command(self) -> str:
        return f"tracker diff {self.policy} {self.old_number} {self.new_number}"

    @property
    def where(self) -> str:
        """Where to read the whole change: its page, or the command that shows it."""
        return self.link or f"run: {self.command}"


def page_link(site_url: str, policy: str, number: int) -> str:
    """The version's page as `tracker export` lays the site out (tracker/export.py: NAME/vN.html)."""
    return f"{site_url.rstrip('/')}/{policy}/v{number}.html" if site_url else ""


MAX_LESSER = 4  # minor and cosmetic findings listed under a verdict before they are counted (as the terminal)


@dataclass(frozen=True)
class Why:
    """The reasons as the email lists them: every material finding, a few lesser ones, the rest counted."""

    groups: tuple[Group, ...]
    rest: str  # "2 minor, 1 cosmetic", or ""


def why(assessment: Assessment) -> Why:
    groups = tuple(grouped(assessment.reasons))
    shown, kept = 0, []
    for g in groups:
        keep = g.findings if g.level is Level.MATERIAL else g.findings[: max(0, MAX_LESSER - shown)]
        shown += len(keep) if g.level is not Level.MATERIAL else 0
        if keep:
            kept.append(Group(g.level, g.category, keep))
    return Why(tuple(kept), hidden_counts(Why(groups, ""), MAX_LESSER))


def where(f: Finding) -> str:
    """"in Disclosure and Sharing" (the sections' own headings, not their whole paths)."""
    names = list(dict.fromkeys(s.split(" > ")[-1].strip() for s in f.sections if s.strip()))
    return f"in {', '.join(names)}" if names else ""


def top_reasons(assessment: Assessment, limit: int = 2) -> list[str]:
    """The few findings that say why a change matters, for subjects and chat messages: the
    verdict's one line (tracker.render.summary.verdict_line), split into its parts."""
    line = verdict_line(assessment, limit=99)
    parts = [p for p in line.split("; ") if p]
    return parts[:limit]


def headline(e: ChangeEntry) -> str:
    """"Material change to Plex Privacy Policy: no longer rules out: sell; new sensitive data: …"."""
    line = verdict_line(e.changeset.assessment, limit=2)
    return f"{e.level.capitalize()} change to {e.title}" + (f": {line}" if line else "")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("tracker", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(items=items, section_title=section_title, section_note=section_note, badges=badges,
                       colours=LEVEL_COLOURS, why=why, where=where,
                       verdict_line=verdict_line)
    env.filters["wrap"] = wrap
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
    """One line naming the policy and why it matters (a digest: how many, and which policies)."""
    if len(entries) == 1:
        text = "[tracker] " + headline(entries[0])
    else:
        material = sum(e.level == "material" for e in entries)
        titles = ", ".join(dict.fromkeys(e.title for e in entries))
        text = f"[tracker] {len(entries)} policy changes ({material} material): {titles}"
    return clip_words(clean_header(text, 10 * SUBJECT_MAX), SUBJECT_MAX)  # cut between words


def wrap(text: str, first: str, rest: str, width: int = 76) -> str:
    """Plain-text paragraphs for mail readers: each line of ``text`` filled and indented (table rows
    and other short lines stay as they are)."""
    lines = (text or "").strip("\n").split("\n") or [""]
    out = [((first if k == 0 else rest) + line).rstrip() if line.lstrip().startswith("|") else
           fill(line, width, initial_indent=first if k == 0 else rest, subsequent_indent=rest,
                break_long_words=False, break_on_hyphens=False) or (first if k == 0 else rest).rstrip()
           for k, line in enumerate(lines)]
    return "\n".join(out)


def compose_changes(entries: list[ChangeEntry], *, sender: str, recipient: str, msgid: str) -> EmailMessage:
    env = environment()
    subject = change_subject(entries)
    text = env.get_template("email_changes.txt.j2").render(entries=entries)
    html = env.get_template("email_changes.html.j2").render(entries=entries, subject=subject)
    return _message(sender, recipient, subject, msgid, text, html)


def chat_changes(entries: list[ChangeEntry]) -> ChatMessage:
    """A chat message: the verdict, the top reasons and where to read the change, a few hundred
    characters (the diff itself stays in the email and on the site)."""
    if len(entries) == 1:
        e = entries[0]
        lines = [f"{e.title}: version {e.old_number} ({e.old_date}) → version {e.new_number} ({e.new_date}), "
                 f"{e.level}"]
        everything = top_reasons(e.changeset.assessment, limit=99)
        lines += [f"- {clip_words(r, 140)}" for r in everything[:3]]
        if len(everything) > 3:
            lines.append(f"- and {len(everything) - 3} more")
        lines.append(e.where)
    else:
        lines = [f"- {e.title}: {e.level}" + (f" ({clip_words(top[0], 90)})" if (top := top_reasons(
            e.changeset.assessment, 1)) else "") + f" — {e.where}" for e in entries]
    return ChatMessage(change_subject(entries), "\n".join(lines))


def chat_notice(kind: str, *, policy: str, payload: dict) -> ChatMessage:
    subject, text = _notice(kind, policy, payload)
    body = text.split("\n-- \n")[0].strip()
    return ChatMessage(clean_header(subject, SUBJECT_MAX), body)


def chat_test(recipient_shown: str) -> ChatMessage:
    return ChatMessage("[tracker] Test message", f"This is a test message from tracker to {recipient_shown}. "
                       "If you can read this, notifications will reach this channel.")


def compose_notice(kind: str, *, policy: str, payload: dict, sender: str, recipient: str, msgid: str) -> EmailMessage:
    """Operator alert ('alert': a policy keeps failing) or recovery ('recovery': it works again)."""
    subject, text = _notice(kind, policy, payload)
    return _message(sender, recipient, subject, msgid, text, None)


def _notice(kind: str, policy: str, payload: dict) -> tuple[str, str]:
    title = payload.get("title") or policy
    if kind == "alert" and payload.get("coverage"):
        subject = f"[tracker] Less text kept: {title} — version {payload.get('version', '?')}"
    elif kind == "alert":
        n = payload.get("failures", "?")
        subject = f"[tracker] Failing: {title} — {n} check{'s' * (n != 1)} in a row"
    else:
        subject = f"[tracker] Recovered: {title}"
    text = environment().get_template("email_notice.txt.j2").render(kind=kind, policy=policy, title=title, p=payload)
    return subject, text


def compose_test(*, sender: str, recipient: str, backend: str) -> EmailMessage:
    text = (f"This is a test message from tracker.\n\nBackend: {backend}\nFrom: {sender}\nTo: {recipient}\n\n"
            "If you can read this, notifications will reach this address.\n")
    return _message(sender, recipient, "[tracker] Test message", make_msgid(domain="tracker.invalid"), text, None)
