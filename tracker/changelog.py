"""A policy's changelog: every stored change, newest first, as JSON, text, Markdown, HTML or Atom.

`build` is the only function that reads (through the Store); everything else turns the
Changelog value into text. Diffs are recomputed from the stored documents with the existing
renderers; the materiality shown is the stored verdict (what was judged when the change was seen).
All page text is escaped: jinja2 autoescaping for HTML and Atom, rich Text for the terminal.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from tracker.diff import ChangeSet
from tracker.model import Assessment, ChangeKind, Document, Level
from tracker.render.summary import Finding, findings, grouped, verdict_line

if TYPE_CHECKING:
    from tracker.jsontypes import ChangelogJSON

TEMPLATES = Path(__file__).resolve().parent / "templates"
KIND_LABELS = {ChangeKind.FIRST: "First version", ChangeKind.TECHNICAL: "Technical update",
               ChangeKind.REVERTED: "Reverted"}
LEVEL_LABELS = {Level.MATERIAL: "Material change", Level.MINOR: "Minor change"}

# Characters XML 1.0 forbids (C0 controls except tab/LF/CR, surrogates, U+FFFE/U+FFFF): page text
# may carry them, and one of them makes the whole feed unparseable for every subscriber.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Entry:
    """One stored change: the version it produced and, unless it is the first, the diff to it."""

    number: int
    created_at: str
    kind: ChangeKind
    level: Level | None
    summary: str
    from_version: int | None
    materiality: Assessment  # the stored verdict
    from_created_at: str | None = None
    changeset: ChangeSet | None = None
    document: Document | None = None  # the version's text, kept for first versions only
    effective_date: str | None = None  # the policy's own date ("YYYY-MM-DD"), see tracker.effective

    @property
    def date(self) -> str:
        return self.created_at[:10]

    @property
    def old_label(self) -> str:
        return f"version {self.from_version} ({(self.from_created_at or '')[:10]})"

    @property
    def new_label(self) -> str:
        return f"version {self.number} ({self.date})"


@dataclass(frozen=True)
class Changelog:
    policy: str
    title: str
    url: str
    entries: tuple[Entry, ...]  # newest first

    @property
    def updated(self) -> str | None:
        return self.entries[0].created_at if self.entries else None

    def to_json(self) -> ChangelogJSON:
        return {"policy": self.policy, "title": self.title, "url": self.url, "changes": [
            {"number": e.number, "created_at": e.created_at, "kind": e.kind, "level": e.level,
             "summary": e.summary, "from_version": e.from_version, "materiality": e.materiality.to_json(),
             "effective_date": e.effective_date}
            for e in self.entries]}


def build(store: Any, policy: Any, *, diffs: bool = True) -> Changelog:
    """Read a configured policy's versions and changes; with `diffs`, recompute each change's diff."""
    from tracker.changes import compare

    versions = store.versions(policy.name)
    by_id = {v.id: v for v in versions}
    entries = []
    for i, v in enumerate(versions):
        change = store.change(v.change_id) if v.change_id is not None else None
        old = None
        if change and change.get("from_version_id") is not None:
            old = by_id.get(change["from_version_id"]) or store.version_by_id(change["from_version_id"])
        elif change is None and i > 0:
            old = versions[i - 1]
        kind = v.kind or (ChangeKind.FIRST if old is None else ChangeKind.CHANGE)
        changeset = document = None
        if diffs and old is not None:
            changeset = compare(store.document(old), store.document(v))
        elif diffs:
            document = store.document(v)
        entries.append(Entry(
            number=v.number, created_at=v.created_at, kind=kind, level=v.level, summary=v.summary or "",
            from_version=old.number if old else None, from_created_at=old.created_at if old else None,
            materiality=change["assessment"] if change else Assessment(Level.NONE),
            changeset=changeset, document=document, effective_date=v.effective_date))
    return Changelog(policy=policy.name, title=policy.display_title, url=policy.url, entries=tuple(reversed(entries)))


def entry_title(log: Changelog, e: Entry) -> str:
    """"Material change: Plex Privacy Policy (version 3)" — a feed reader shows only this line."""
    label = KIND_LABELS.get(e.kind) or (LEVEL_LABELS.get(e.level, "Change") if e.level else "Change")
    return f"{label}: {log.title} (version {e.number})"


# --------------------------------------------------------------------------- JSON and text


def text_table(log: Changelog, reasons: int = 3):
    """A rich Table. Page text goes in as Text objects (never parsed as markup); the title is escaped."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"changelog of {escape(log.title)}", caption=escape(log.url), show_lines=True)
    for col in ("#", "date", "kind", "level", "summary"):
        table.add_column(col, overflow="fold")
    for e in log.entries:
        body = Text(e.summary)
        found = findings(e.materiality.reasons)
        # every material finding, then lesser ones up to `reasons` lines in all
        keep = [f for f in found if f.level is Level.MATERIAL]
        keep += [f for f in found if f.level is not Level.MATERIAL][: max(0, reasons - len(keep))]
        for f in keep:
            body.append("\n• ")
            body.append(_finding_line(f), style=_STYLES.get(f.level, ""))
        extra = len(found) - len(keep)
        if extra > 0:
            body.append(f"\n… {extra} more finding{'s' * (extra != 1)} (none material)", style="dim")
        table.add_row(str(e.number), e.date, e.kind, Text(e.level or "", style=_STYLES.get(e.level or "", "")), body)
    return table


_STYLES = {"material": "bold red", "minor": "yellow", "none": "dim"}


def render_text(log: Changelog, width: int = 100) -> str:
    """Plain text of the table (no colours), for pipes and tests."""
    import io

    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, highlight=False)
    console.print(text_table(log))
    if not log.entries:
        console.print("no versions yet: run `tracker check`")
    return out.getvalue()


def _finding_line(f: Finding) -> str:
    where = f" in {f.sections[0]}" + (f" (+{len(f.sections) - 1})" if len(f.sections) > 1 else "") \
        if f.sections else ""
    return f"{f.level} · {f.category or 'cosmetic'}{where}: {f.text}"


# --------------------------------------------------------------------------- Markdown

_MD = re.compile(r"([\\`*_~\[\]<])")
_MD_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)]))")


def md(text: str) -> str:
    """Backslash-escape what Markdown would read as markup (including raw HTML's `<`), and a
    line start that would make a heading, quote or list."""
    text = _MD.sub(r"\\\1", text)
    def escape_start(m: re.Match[str]) -> str:
        return m.group(1) + (f"\\{m.group(2)}" if m.group(2) else f"{m.group(3)}\\{m.group(4)}")

    return _MD_START.sub(escape_start, text)


def render_markdown(log: Changelog) -> str:
    from tracker.render.markdown import render_markdown as diff_markdown

    out = [f"# Changelog: {md(log.title)}", "", f"Policy: {md(log.url)}"]
    if not log.entries:
        out += ["", "Not checked yet."]
    for e in log.entries:
        out += ["", f"## {md(entry_title(log, e))}", "",
                f"*{e.created_at}* · {e.kind}" + (f" · **{e.level}**" if e.level else ""), "", md(e.summary)]
        if e.changeset is not None:
            out += ["", diff_markdown(e.changeset, heading_level=3, title=log.title,
                                      old_label=e.old_label, new_label=e.new_label).rstrip()]
        else:
            out += [""] + [f"- {md(_finding_line(f))}" for f in findings(e.materiality.reasons)]
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------- HTML


def _clean(value: Any) -> Any:
    """jinja2 finalize: drop characters XML forbids from every value printed by a template."""
    if value is None:
        return ""
    if isinstance(value, str):
        return type(value)(_NOT_XML.sub("", value)) if _NOT_XML.search(value) else value
    return value


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, finalize=_clean, keep_trailing_newline=True)
    env.globals.update(entry_title=entry_title, grouped=grouped, verdict_line=verdict_line)
    return env


def _between(page: str, start: str, end: str) -> str:
    i, j = page.find(start), page.rfind(end)
    if i < 0 or j < i:
        raise ValueError(f"diff page has no {start}…{end}")
    return page[i + len(start): j]


def diff_fragment(log: Changelog, e: Entry) -> Markup:
    """The <main> part of render_html's page. Safe to embed: that page is autoescaped, so page text
    cannot contain a literal </main> and everything between the tags is markup we wrote."""
    from tracker.render.html import render_html

    if e.changeset is None:
        return Markup("")
    page = render_html(e.changeset, title=log.title, old_label=e.old_label, new_label=e.new_label)
    return Markup(_between(page, "<main>", "</main>").strip())


@lru_cache(maxsize=1)
def diff_css() -> Markup:
    """The diff page's own stylesheet, so embedded diffs look as they do on their own page."""
    from tracker.render.html import render_html

    empty = Document(title="")
    return Markup(_between(render_html(ChangeSet(old=empty, new=empty)), "<style>", "</style>"))


def render_html(log: Changelog, *, diffs: bool = True, site: bool = False) -> str:
    """A standalone page. `site`: the export's page (entries link to vN.html, nav to the index)."""
    rows = [{"e": e, "diff": diff_fragment(log, e) if diffs else Markup("")} for e in log.entries]
    return environment().get_template("changelog.html.j2").render(
        log=log, rows=rows, site=site, css=diff_css())


# --------------------------------------------------------------------------- Atom


def rfc3339(iso: str) -> str:
    when = datetime.fromisoformat(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().strip(".")
    return re.sub(r"[^a-z0-9.-]", "-", host) or "tracker.invalid"


def feed_id(log: Changelog) -> str:
    """Stable for a policy name and URL: the feed id must not change while the feed lives."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"tracker:{log.policy}:{log.url}"))


def entry_id(log: Changelog, e: Entry) -> str:
    """RFC 4151 tag URI: host of the policy URL, the version's creation date, `policy/vN`.
    The same change gets the same id on every run; a rebuilt database gets new dates, so new ids."""
    return f"tag:{_host(log.url)},{e.date}:{log.policy}/v{e.number}"


def render_atom(log: Changelog, *, self_url: str | None = None, entry_link: Any = None,
                now: str | None = None) -> str:
    """An RFC 4287 feed. `entry_link(entry)` gives each entry's page (default: the policy URL);
    `now` is the feed's `updated` when it has no entries yet."""
    macros = environment().get_template("site_macros.html.j2").module
    entries = []
    for e in log.entries:
        content = macros.entry_body(log, e, diff_fragment(log, e))  # type: ignore[attr-defined]
        entries.append({"id": entry_id(log, e), "title": entry_title(log, e), "updated": rfc3339(e.created_at),
                        "summary": e.summary, "kind": e.kind, "level": e.level,
                        "link": entry_link(e) if entry_link else log.url,
                        "content": str(content).strip()})  # str: escaped once more into the XML
    updated = log.updated or now or datetime.now(UTC).isoformat(timespec="seconds")
    return environment().get_template("atom.xml.j2").render(
        log=log, id=feed_id(log), updated=rfc3339(updated), self_url=self_url, entries=entries)
