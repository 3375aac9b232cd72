"""A static site of every configured policy's history, readable from a folder without a server.

Layout (these paths are stable: emails link to ``NAME/vN.html``):

- ``index.html``: every policy, its check status (ok, failing since, last error, next check) and
  its last change;
- ``NAME/index.html``: the policy's changelog, newest first;
- ``NAME/vN.html``: version N: its verdict and what changed, inline (a first version: its full text);
- ``NAME/vN-side.html``: the same change with the old and new text side by side;
- ``NAME/vN-text.html``: the full text of version N, an anchor per section (``#s-…``, from the
  section's headings, the same in every version);
- ``NAME/raw/vN.html.txt``: the page as fetched, byte for byte, with a ``.txt`` name so that no
  browser runs its scripts (a PDF keeps ``.pdf``);
- ``NAME/feed.atom``.

Links are relative; CSS is inline; there are no scripts, fonts or images, so the folder can be
zipped, mailed, opened from disk or printed. Page text is autoescaped everywhere (jinja2).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from markupsafe import Markup

from tracker import changelog as cl
from tracker.model import Document
from tracker.render.anchors import section_ids
from tracker.render.dates import human_date

ERROR_CHARS = 300  # of the last error shown on the index


class CheckState(StrEnum):
    OK = "ok"
    FAILING = "failing"
    UNCHECKED = "unchecked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class PolicyState:
    """What the index says about a policy's checks, as of the export."""

    state: CheckState
    last_check_at: str | None = None
    failing_since: str | None = None
    failures: int = 0
    last_error: str | None = None
    alerted_at: str | None = None  # when the operator was told it fails
    next_check: str | None = None  # ISO (UTC); None: due at once
    overdue: bool = False


def policy_state(policy: Any, health: dict[str, Any], config: Any, now: datetime) -> PolicyState:
    """From the store's policy_state row and the schedule (tracker.schedule.next_due, as `status`)."""
    from tracker.schedule import next_due

    last = health.get("last_check_at")
    due = next_due(policy, last, config) if policy.enabled else None
    error = health.get("last_error")
    if error and len(error) > ERROR_CHARS:
        error = error[: ERROR_CHARS - 1].rstrip() + "…"
    state = (CheckState.DISABLED if not policy.enabled else CheckState.UNCHECKED if last is None
             else CheckState.FAILING if health.get("failing_since") else CheckState.OK)
    return PolicyState(state, last, health.get("failing_since"), health.get("consecutive_failures") or 0,
                       error if health.get("failing_since") else None, health.get("alerted_at"),
                       due.isoformat(timespec="seconds") if due else None, bool(due and due <= now))


def export_site(config: Any, store: Any, out: Path, *, base_url: str | None = None,
                now: datetime | None = None) -> list[Path]:
    """Write the site into `out` (created if needed; files of an earlier export are overwritten).
    `base_url`, where the folder will be served from, only makes the feeds' links absolute."""
    out.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)
    base = base_url.rstrip("/") if base_url else None
    health = store.health()
    written: list[Path] = []
    rows = []
    for policy in config.policy:
        log = cl.build(store, policy, diffs=True)
        folder = out / policy.name
        has_side = {e.number: e.changeset is not None for e in log.entries}
        versions = {v.number: v for v in store.versions(policy.name)}
        written.append(_write(folder / "index.html", cl.render_html(log, diffs=False, site=True)))
        for e in log.entries:
            raw = _raw(store, versions[e.number]) if e.number in versions else None
            if raw is not None:
                written.append(_write(folder / raw.href, raw.body))
            for view in ("inline", "side", "text"):
                if view == "side" and e.changeset is None:
                    continue
                written.append(_write(folder / page_name(e.number, view), version_page(log, e, has_side, view, raw)))

        def link(e: cl.Entry, name: str = policy.name) -> str:
            return f"{base}/{name}/v{e.number}.html" if base else f"v{e.number}.html"

        feed = cl.render_atom(log, self_url=f"{base}/{policy.name}/feed.atom" if base else None, entry_link=link)
        written.append(_write(folder / "feed.atom", feed))
        rows.append({"policy": policy, "log": log, "last": log.entries[0] if log.entries else None,
                     "status": policy_state(policy, health.get(policy.name, {}), config, now)})
    page = cl.environment().get_template("site_index.html.j2").render(
        rows=rows, css=cl.diff_css(), generated=now.isoformat(timespec="seconds"))
    written.append(_write(out / "index.html", page))
    return written


def page_name(number: int, view: str = "inline") -> str:
    """The file of a version's page, relative to the policy's folder: ``v3.html`` (what changed,
    the page emails link to), ``v3-side.html``, ``v3-text.html``."""
    return f"v{number}.html" if view == "inline" else f"v{number}-{view}.html"


# --------------------------------------------------------------------------- raw snapshots


@dataclass(frozen=True)
class Raw:
    href: str  # relative to the policy's folder
    kind: str  # what the reader gets: "HTML source" ...
    body: bytes


def raw_name(number: int, content_type: str) -> tuple[str, str]:
    """Where a version's raw page goes, and what to call it. Never a name a browser would run:
    HTML (hostile scripts and all) is saved as text; a PDF stays a PDF for the browser's viewer."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/pdf":
        return f"raw/v{number}.pdf", "PDF"
    if "html" in media or "xml" in media:
        return f"raw/v{number}.html.txt", "HTML source, shown as plain text"
    return f"raw/v{number}.txt", "plain text"


def _raw(store: Any, version: Any) -> Raw | None:
    found = store.snapshot(version.snapshot) if version.snapshot else None
    if found is None:
        return None
    body, content_type, _encoding = found
    href, kind = raw_name(version.number, content_type)
    return Raw(href, kind, body)


# --------------------------------------------------------------------------- pages


def version_page(log: cl.Changelog, e: cl.Entry, has_side: dict[int, bool], view: str, raw: Raw | None) -> str:
    """One version's page: `inline` or `side` (its verdict and what changed; a first version has
    nothing to compare with and shows its text) or `text` (its full text, anchored by section).
    `has_side`: every version's number, and whether it has a side-by-side page."""
    if e.changeset is None and view != "text":
        view = "first"
    doc = e.document or Document(title="")
    text_ids = _by_path(doc)
    sections: list[dict[str, Any]] = []
    anchors: dict[str, str] = {}
    if e.changeset is not None and view in ("inline", "side"):
        from tracker.render.html import section_rows

        old_ids = _by_path(e.changeset.old)
        for s in section_rows(e.changeset):
            if s["new_path"] is not None and s["new_path"] in text_ids:
                s["href"] = f"{page_name(e.number, 'text')}#{text_ids[s['new_path']]}"
            elif s["old_path"] is not None and s["old_path"] in old_ids and e.from_version:
                s["href"] = f"{page_name(e.from_version, 'text')}#{old_ids[s['old_path']]}"
            sections.append(s)
            for path in (s["old_path"], s["new_path"]):
                if path:
                    anchors.setdefault(" > ".join(path), "#" + s["id"])
    text = [{"id": i, "section": s} for s, i in zip(doc.sections, _ids(doc), strict=True)]

    def neighbour(number: int) -> tuple[int, str] | None:  # the same view of another version, if it has it
        if number not in has_side:
            return None
        return number, page_name(number, view if view == "text" or (view == "side" and has_side[number]) else "inline")

    env = cl.environment()
    nav = env.get_template("site_nav.html.j2").render(
        log=log, prev=neighbour(e.number - 1), next=neighbour(e.number + 1))
    return env.get_template("site_version.html.j2").render(
        log=log, e=e, view=view, nav=Markup(nav), sections=sections, text=text, anchors=anchors, raw=raw,
        page_name=page_name, css=cl.diff_css(),
        old_label=f"version {e.from_version}, fetched {human_date(e.from_created_at)}",
        new_label=f"version {e.number}, fetched {human_date(e.created_at)}")


def _ids(doc: Document) -> list[str]:
    """The anchor of each section of the version's text page, in order."""
    return section_ids((s.path for s in doc.sections), doc.title)


def _by_path(doc: Document) -> dict[tuple[str, ...], str]:
    """Section path -> its anchor (the first section of a repeated path)."""
    ids: dict[tuple[str, ...], str] = {}
    for s, anchor in zip(doc.sections, _ids(doc), strict=True):
        ids.setdefault(tuple(s.path), anchor)
    return ids


def _write(path: Path, content: str | bytes) -> Path:
    """Write via a temporary file and rename: a reader (or a crash) never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
