"""A static site of every configured policy's history, readable from a folder without a server.

Layout: ``index.html`` (all policies, their last change), ``NAME/index.html`` (changelog),
``NAME/vN.html`` (one change: the diff page of render_html, or the text of a first version) and
``NAME/feed.atom``. Links between pages are relative; CSS is inline; there are no scripts, fonts
or images, so the folder can be zipped, mailed, opened from disk or printed. Page text is
autoescaped everywhere (jinja2), as in the diff renderer.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from tracker import changelog as cl


def export_site(config: Any, store: Any, out: Path, *, base_url: str | None = None) -> list[Path]:
    """Write the site into `out` (created if needed; files of an earlier export are overwritten).
    `base_url`, where the folder will be served from, only makes the feeds' links absolute."""
    out.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/") if base_url else None
    env = cl.environment()
    written: list[Path] = []
    rows = []
    for policy in config.policy:
        log = cl.build(store, policy, diffs=True)
        folder = out / policy.name
        numbers = {e.number for e in log.entries}
        written.append(_write(folder / "index.html", cl.render_html(log, diffs=False, site=True)))
        for e in log.entries:
            written.append(_write(folder / f"v{e.number}.html", change_page(log, e, numbers)))

        def link(e: cl.Entry, name: str = policy.name) -> str:
            return f"{base}/{name}/v{e.number}.html" if base else f"v{e.number}.html"

        feed = cl.render_atom(log, self_url=f"{base}/{policy.name}/feed.atom" if base else None, entry_link=link)
        written.append(_write(folder / "feed.atom", feed))
        rows.append({"policy": policy, "log": log, "last": log.entries[0] if log.entries else None})
    page = env.get_template("site_index.html.j2").render(rows=rows, css=cl.diff_css())
    written.append(_write(out / "index.html", page))
    return written


def change_page(log: cl.Changelog, e: cl.Entry, numbers: set[int]) -> str:
    """The page of one change: render_html's diff page with a navigation line added, or for a
    first version (nothing to compare with) its full text."""
    from tracker.render.html import render_html

    env = cl.environment()
    nav = env.get_template("site_nav.html.j2").render(
        log=log, prev=e.number - 1 if e.number - 1 in numbers else None,
        next=e.number + 1 if e.number + 1 in numbers else None).strip()
    if e.changeset is None:
        return env.get_template("site_version.html.j2").render(
            log=log, e=e, nav=_markup(nav), sections=e.document.sections if e.document else (), css=cl.diff_css())
    page = render_html(e.changeset, title=log.title, old_label=e.old_label, new_label=e.new_label)
    at = page.index("<body>") + len("<body>")  # our nav, autoescaped; the page's own text is untouched
    return page[:at] + "\n" + nav + page[at:]


def _markup(html: str):
    from markupsafe import Markup

    return Markup(html)  # rendered by our autoescaping environment


def _write(path: Path, text: str) -> Path:
    """Write via a temporary file and rename: a reader (or a crash) never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
