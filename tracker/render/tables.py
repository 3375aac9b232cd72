"""Terminal views (rich) of what the Tracker API returns: check runs, history, status, validation.

Shared by the CLI and the demo. Page text is always escaped or passed as Text, never as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape as _markup_escape
from rich.table import Table

from tracker.controls import escape_controls
from tracker.model import Level, Outcome

if TYPE_CHECKING:
    from tracker.api import CheckRun, History, Outbox, Status, Validation

LEVEL_COLOURS = {Level.MATERIAL: "red", Level.MINOR: "yellow", Level.NONE: "dim"}
OUTCOME_COLOURS = {Outcome.NEW_VERSION: "green", Outcome.ERROR: "red"}


def escape(text: str) -> str:
    """Page or server text for a rich table: markup escaped, control and bidi characters made visible."""
    return _markup_escape(escape_controls(text))


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 new version', '2 new versions'."""
    return f"{n} {word if n == 1 else words or word + 's'}"


def table(title: str, columns: tuple[str, ...], whole: dict[str, list[str]]) -> Table:
    """A table whose ``whole`` columns (policy names, recipients) are never cut or wrapped at 80
    columns: they get the width of their longest value, and the other columns wrap instead."""
    t = Table(title=title)
    for col in columns:
        if col in whole:
            t.add_column(col, no_wrap=True, min_width=max((len(v) for v in whole[col]), default=len(col)))
        else:
            t.add_column(col, overflow="fold")
    return t


def short_time(iso: str | None) -> str:
    """'2026-11-29T04:12:58+00:00' -> '2026-11-29 04:12' for tables (JSON keeps full ISO 8601)."""
    return iso[:16].replace("T", " ") if iso else ""


def print_check(run: CheckRun, console: Console) -> None:
    t = table("check", ("policy", "outcome", "version", "level", "detail"),
              {"policy": [r.policy for r in run.results]})
    for r in run.results:
        v = r.version
        detail = r.error and f"{r.error_kind}: {r.error}" or (v.summary if v else "")
        colour = OUTCOME_COLOURS.get(r.outcome)
        t.add_row(escape(r.policy), f"[{colour}]{r.outcome}[/]" if colour else str(r.outcome),
                  str(v.number) if v else "", str(v.level or v.kind or "") if v else "", escape(detail or ""))
    console.print(t)
    failed = sum(not r.ok for r in run.results)
    console.print(f"{len(run.results)} checked, {plural(run.new_versions, 'new version')}, {failed} failed")


def print_history(history: History, console: Console) -> None:
    table = Table(title=f"history of {history.policy}")
    for col in ("#", "fetched", "policy's date", "kind", "level", "summary"):
        table.add_column(col, no_wrap=col in ("fetched", "policy's date"))
    for v in history.versions:
        level = f"[{LEVEL_COLOURS[v.level]}]{v.level}[/]" if v.level else ""
        note = f" [red](less of the page kept: {escape(v.coverage_note)})[/]" if v.coverage_note else ""
        table.add_row(str(v.number), short_time(v.created_at), v.effective_date or "—", v.kind or "", level,
                      escape(v.summary) + note)
    console.print(table)
    if not history.versions:
        console.print(f"no versions yet: run `tracker check {history.policy}`")


def print_status(status: Status, console: Console) -> None:
    t = table("status", ("policy", "last check", "outcome", "versions", "next due", "failing since"),
              {"policy": [p.policy for p in status.policies]})
    for p in status.policies:
        outcome = str(p.last_outcome or "never checked")
        if p.last_outcome == Outcome.ERROR:
            outcome = f"[red]error[/] {escape(p.last_error or '')}"
        t.add_row(escape(p.policy), short_time(p.last_check_at), outcome, str(p.versions),
                  "now" if p.due_now else short_time(p.next_due), short_time(p.failing_since))
    console.print(t)
    for d in status.daemons:
        stale = f" [red]stale[/]: {escape(d['stale_reason'] or '')}" if d.get("stale") else ""
        console.print(f"daemon: pid {d['pid']} on {escape(d['host'])}, started {d['started_at']}, "
                      f"last heartbeat {d['heartbeat_at']}{stale}")
    o = status.outbox
    console.print(f"outbox: {o['pending']} pending, {o['sent']} sent, {o['failed']} failed")
    for m in status.failed_messages:
        console.print(f"[red]failed message[/] #{m['id']} {m['kind']} {escape(m['policy'])} → "
                      f"{escape(m['recipient'])} after {plural(m['attempts'], 'attempt')}: "
                      f"{escape(m['last_error'] or '')}")


def print_validation(v: Validation, console: Console) -> None:
    console.print(f"[bold]{escape(v.title)}[/] — {escape(v.url)}")
    console.print(f"fetched via {v.render_path}: {escape(v.render_reason)}")
    console.print(f"{v.words} words, {sum(1 for s in v.sections if s.level)} headings, digest {v.digest[:12]}")
    for s in v.sections:
        indent = "  " * max(0, s.level - 1)
        console.print(f"{indent}[cyan]{'#' * s.level} {escape(s.heading) or '(preamble)'}[/]  {escape(s.first_line)}")
    for line in v.coverage.lines():
        console.print(escape(line))
    console.print(f"would store: {v.would_store}")
    for p in v.problems:
        console.print(f"[red]problem:[/] {escape(p)}")
    if v.ok:
        console.print("[green]ok:[/] two fetches agree and the text looks like a policy")


URL_WHOLE = 40  # a chat or webhook URL longer than this folds in the outbox table instead of crowding it out


def print_outbox(outbox: Outbox, console: Console, everything: bool = False) -> None:
    """Policy and recipient stacked in one column, so both stay whole at 80 columns."""
    rows = outbox.messages
    names = [v for r in rows for v in (r["policy"], "→ " + r["recipient"]) if len(v) <= URL_WHOLE]
    t = table("outbox", ("id", "policy → recipient", "kind: state (attempts)", "version", "next attempt", "error"),
              {"policy → recipient": names})
    if any(len(r["recipient"]) + 2 > URL_WHOLE for r in rows):  # a long chat URL folds, the table stays readable
        t.columns[1].no_wrap, t.columns[1].overflow = False, "fold"
    for r in rows:
        t.add_row(str(r["id"]), f"{escape(r['policy'])}\n→ {escape(r['recipient'])}",
                  f"{r['kind']}: {r['state']} ({r['attempts']})", str(r["version"] or ""),
                  short_time(r["next_attempt_at"]), escape(r["last_error"] or ""))
    console.print(t)
    if not rows:
        console.print("the outbox is empty" if not everything else "no messages yet")


def waiting_lines(waiting: list[dict]) -> list[str]:
    """What `notify flush` left in the outbox because it is not due yet, and until when."""
    if not waiting:
        return []
    lines = [f"{plural(len(waiting), 'message')} waiting:"]
    for r in waiting:
        why = f"retry after {plural(r['attempts'], 'failed attempt')}" if r["attempts"] else "daily digest"
        lines.append(f"  #{r['id']} {r['kind']} {escape(r['policy'])} → {escape(r['recipient'])}: until "
                     f"{short_time(r['next_attempt_at'])} UTC ({why})")
    lines.append("`tracker notify flush --now` sends them now")
    return lines
