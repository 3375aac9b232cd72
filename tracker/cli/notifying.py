"""`tracker notify flush|test|list`: the outbox, by hand."""

from __future__ import annotations

import click

from tracker.cli.options import Context, format_option, pass_ctx, print_json, safe


@click.group()
def notify() -> None:
    """Notifications: drain the outbox, send a test message, list what is pending or failed."""


@notify.command()
@click.option("--now", "now", is_flag=True, help="Also send messages waiting for a retry time or the digest.")
@pass_ctx
def flush(ctx: Context, now: bool) -> int:
    """Deliver every due message in the outbox (with --now, every waiting one). Exits 1 if any delivery
    failed."""
    from tracker.render.tables import waiting_lines

    report = ctx.tracker.flush(now=now)
    click.echo(f"{report.sent} sent, {report.retried} to retry, {report.failed} failed")
    for error in dict.fromkeys(report.errors):
        click.echo(f"error: {safe(error)}", err=True)
    waiting = [r for r in ctx.tracker.outbox().messages if r["state"] == "pending"]
    for line in waiting_lines(waiting):
        ctx.console().print(line, highlight=False)
    return 1 if report.errors else 0


@notify.command()
@click.option("--to", "to", help="Recipient (default: the admin address).")
@pass_ctx
def test(ctx: Context, to: str | None) -> None:
    """Send a test message through the configured backend."""
    click.echo(ctx.tracker.send_test(to))


@notify.command(name="list")
@click.option("--all", "everything", is_flag=True, help="Include sent messages.")
@format_option("text", "json")
@pass_ctx
def list_(ctx: Context, everything: bool, fmt: str) -> None:
    """Messages pending, being sent, or failed."""
    outbox = ctx.tracker.outbox(everything=everything)
    if fmt == "json":
        print_json(outbox.to_json())
        return
    from tracker.render.tables import print_outbox

    print_outbox(outbox, ctx.console(), everything)


COMMANDS = [notify]
