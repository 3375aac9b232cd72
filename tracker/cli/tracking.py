"""Commands that fetch and record: init, check, status, demo."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from tracker.cli import Context, cli, format_option, pass_ctx, print_json
from tracker.cli.reading import short_time

STARTER_CONFIG = '''# tracker configuration. Paths are relative to this file.
[tracker]
database = "data/tracker.db"
user_agent = "tracker/0.1 (+mailto:you@example.org)"   # say who you are: sites appreciate it
interval = "1d"                                       # default per policy: "90s", "15m", "6h", "1d", "2w"
concurrency = 8

[notify]
backend = "file"                 # "file" writes .eml files to outbox_dir; "smtp" sends mail
from = "tracker@example.org"
admin = "ops@example.org"
outbox_dir = "data/outbox"

# [notify.smtp]
# host = "smtp.example.org"
# port = 587
# starttls = true
# username = "tracker"
# password_env = "TRACKER_SMTP_PASSWORD"   # the password itself is read from this environment variable

# [[policy]]
# name = "example-privacy"
# title = "Example Privacy Policy"
# url = "https://www.example.com/privacy"
# select = ["main"]            # optional CSS selectors for the policy text
# remove = [".cookie-banner"]  # optional CSS selectors to drop
# interval = "12h"
# recipients = ["legal@example.org"]
'''


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_context
def init(click_ctx: click.Context, force: bool) -> None:
    """Write a starter config and create the database."""
    from tracker import config as config_mod
    from tracker.store import Store

    ctx: Context = click_ctx.obj
    path = Path(ctx.config_path) if ctx.config_path else config_mod.default_path()
    if path.exists() and not force:
        click.echo(f"{path} exists; keeping it (use --force to overwrite)")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(STARTER_CONFIG, encoding="utf-8")
        click.echo(f"wrote {path}")
    config = config_mod.load(path)
    Store(config.database_path).close()
    click.echo(f"database ready at {config.database_path}")


@cli.command()
@click.argument("names", nargs=-1)
@format_option("text", "json")
@pass_ctx
def check(ctx: Context, names: tuple[str, ...], fmt: str) -> None:
    """Fetch policies now (all, or NAMES); record new versions; queue notifications.

    Exits 1 when any policy failed.
    """

    config = ctx.config
    policies = [config.get(n) for n in names] if names else [p for p in config.policy if p.enabled]
    if not policies:
        click.echo("no policies configured: add a [[policy]] to " + str(config.path), err=True)
        sys.exit(1)
    results = run_checks(ctx, policies, quiet=fmt == "json")
    if fmt == "json":
        print_json({"results": [_result_json(r) for r in results]})
    else:
        show_results(ctx, results)
    sys.exit(0 if all(r.ok for r in results) else 1)


def run_checks(ctx: Context, policies, *, quiet: bool = False):
    from rich.progress import Progress

    from tracker.pipeline import Checker

    if quiet or len(policies) < 5 or not sys.stderr.isatty():
        return Checker(ctx.config, ctx.store).run(policies)
    with Progress(console=ctx.console(stderr=True), transient=True) as progress:
        task = progress.add_task("checking", total=len(policies))
        checker = Checker(ctx.config, ctx.store, on_result=lambda r: progress.advance(task))
        return checker.run(policies)


def _result_json(r) -> dict:
    v = r.version
    return {"policy": r.policy, "outcome": r.outcome, "duration": round(r.duration, 3),
            "version": v.number if v else None, "kind": v.kind if v else None,
            "level": v.level if v else None, "summary": v.summary if v else None,
            "error_kind": r.error_kind, "error": r.error}


def show_results(ctx: Context, results) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="check")
    for col in ("policy", "outcome", "version", "level", "detail"):
        table.add_column(col)
    style = {"new_version": "green", "error": "red"}
    for r in results:
        v = r.version
        detail = r.error and f"{r.error_kind}: {r.error}" or (v.summary if v else "")
        table.add_row(r.policy, f"[{style.get(r.outcome, '')}]{r.outcome}[/]" if r.outcome in style else r.outcome,
                      str(v.number) if v else "", (v.level or v.kind) if v else "", escape(detail or ""))
    ctx.console().print(table)
    failed = sum(not r.ok for r in results)
    new = sum(r.outcome == "new_version" for r in results)
    ctx.console().print(f"{len(results)} checked, {new} new versions, {failed} failed")


@cli.command()
@click.argument("name")
@format_option("text", "json")
@pass_ctx
def accept(ctx: Context, name: str, fmt: str) -> None:
    """Accept the page last rejected as not the policy: the site really replaced the policy.

    It is stored as a version from the page kept at the rejection (judged and notified like any
    change), and later checks compare with it. Exits 1 when there is nothing to accept.
    """
    from tracker.pipeline import Checker

    result = Checker(ctx.config, ctx.store).accept(ctx.policy(name))
    if fmt == "json":
        print_json(_result_json(result))
    elif result.version is not None:
        v = result.version
        click.echo(f"{name}: stored version {v.number} ({v.level or v.kind}): {v.summary}")
    else:
        click.echo(f"{name}: the accepted page is the text already stored; nothing new")


@cli.command()
@format_option("text", "json")
@pass_ctx
def status(ctx: Context, fmt: str) -> None:
    """Per policy: last check, outcome, versions, next due, failing since."""
    rows = status_rows(ctx)
    outbox = {"pending": 0, "sending": 0, "sent": 0, "failed": 0, **ctx.store.outbox_counts()}
    failed = ctx.store.outbox(("failed",))
    if fmt == "json":
        print_json({"policies": rows, "outbox": outbox, "daemons": ctx.store.daemons(),
                    "failed_messages": [{k: m[k] for k in ("id", "kind", "policy", "recipient", "attempts", "last_error")}
                                        for m in failed]})
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="status")
    for col in ("policy", "last check", "outcome", "versions", "next due", "failing since"):
        table.add_column(col)
    for r in rows:
        outcome = r["last_outcome"] or "never checked"
        if r["last_outcome"] == "error":
            outcome = f"[red]error[/] {escape(r['last_error'] or '')}"
        table.add_row(r["policy"], short_time(r["last_check_at"]), outcome, str(r["versions"]),
                      short_time(r["next_due"]) if r["next_due"] != "now" else "now", short_time(r["failing_since"]))
    console = ctx.console()
    console.print(table)
    for d in ctx.store.daemons():
        console.print(f"daemon: pid {d['pid']} on {escape(d['host'])}, started {d['started_at']}, "
                      f"last heartbeat {d['heartbeat_at']}")
    console.print(f"outbox: {outbox['pending']} pending, {outbox['sent']} sent, {outbox['failed']} failed")
    for m in failed:
        console.print(f"[red]failed message[/] #{m['id']} {m['kind']} {escape(m['policy'])} → "
                      f"{escape(m['recipient'])} after {m['attempts']} attempts: {escape(m['last_error'] or '')}")


def status_rows(ctx: Context) -> list[dict]:
    config = ctx.config
    health = ctx.store.health()
    now = datetime.now(timezone.utc)
    rows = []
    for p in config.policy:
        h = health.get(p.name, {})
        last = h.get("last_check_at")
        due = now if not last else datetime.fromisoformat(last) + timedelta(seconds=config.interval_of(p))
        if p.cron and last:
            from apscheduler.triggers.cron import CronTrigger

            due = CronTrigger.from_crontab(p.cron, timezone="UTC").get_next_fire_time(None, datetime.fromisoformat(last))
        rows.append({
            "policy": p.name, "title": p.display_title, "url": p.url, "last_check_at": last,
            "last_outcome": h.get("last_outcome"), "last_error": h.get("last_error"),
            "versions": h.get("versions", 0), "failing_since": h.get("failing_since"),
            "consecutive_failures": h.get("consecutive_failures", 0),
            "next_due": "now" if due <= now else due.isoformat(timespec="seconds"),
        })
    return rows


@cli.command()
@click.option("--keep", type=click.Path(file_okay=False), help="Keep the demo workspace in this folder.")
def demo(keep: str | None) -> None:
    """Offline walk-through: a local server, three revisions of a real policy, what tracker records."""
    from tracker.demo import run_demo

    sys.exit(run_demo(keep))


@cli.command()
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True)
@pass_ctx
def daemon(ctx: Context, log_format: str, log_level: str) -> None:
    """Run every policy on its schedule until SIGTERM/SIGINT (SIGHUP reloads the config)."""
    from tracker.daemon import run_daemon, setup_logging

    config = ctx.config
    setup_logging(log_format, log_level)
    sys.exit(run_daemon(config.path, config))
