"""`tracker notify flush|test|list`: the outbox, by hand."""

from __future__ import annotations

import click

from tracker.cli.options import Context, format_option, pass_ctx, print_json, safe


@click.group()
def notify() -> None:
    """Notifications: drain the outbox, send a test message, list what is pending or failed."""


@notify.command()
@pass_ctx
def flush(ctx: Context) -> int:
    """Deliver every due message in the outbox now. Exits 1 if any delivery failed."""
    report = ctx.tracker.flush()
    click.echo(f"{report.sent} sent, {report.retried} to retry, {report.failed} failed")
    for error in dict.fromkeys(report.errors):
        click.echo(f"error: {safe(error)}", err=True)
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
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="outbox")
    for col in ("id", "kind", "policy", "version", "recipient", "state", "attempts", "next attempt", "error"):
        table.add_column(col)
    for r in outbox.messages:
        table.add_row(str(r["id"]), r["kind"], r["policy"], str(r["version"] or ""), escape(r["recipient"]),
                      r["state"], str(r["attempts"]), r["next_attempt_at"] or "", escape(safe(r["last_error"] or "")))
    ctx.console().print(table)
    if not outbox.messages:
        ctx.console().print("the outbox is empty" if not everything else "no messages yet")


COMMANDS = [notify]
