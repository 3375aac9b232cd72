"""`tracker notify flush|test|list`: the outbox, by hand."""

from __future__ import annotations

import sys

import click

from tracker.cli import Context, cli, format_option, pass_ctx, print_json, safe


@cli.group()
def notify() -> None:
    """Notifications: drain the outbox, send a test message, list what is pending or failed."""


@notify.command()
@pass_ctx
def flush(ctx: Context) -> None:
    """Deliver every due message in the outbox now. Exits 1 if any delivery failed."""
    from tracker.notify import drain

    report = drain(ctx.config, ctx.store)
    click.echo(f"{report.sent} sent, {report.retried} to retry, {report.failed} failed")
    for error in dict.fromkeys(report.errors):
        click.echo(f"error: {safe(error)}", err=True)
    sys.exit(1 if report.errors else 0)


@notify.command()
@click.option("--to", "to", help="Recipient (default: the admin address).")
@pass_ctx
def test(ctx: Context, to: str | None) -> None:
    """Send a test message through the configured backend."""
    from tracker.config import check_email
    from tracker.emails import compose_test
    from tracker.errors import UsageError
    from tracker.mail import DeliveryError, backend_for

    config = ctx.config
    recipient = to or config.notify.admin
    if not recipient:
        raise UsageError("no recipient: pass --to ADDRESS or set [notify] admin")
    try:
        check_email(recipient)
    except ValueError as exc:
        raise UsageError(f"--to: {exc}") from None
    message = compose_test(sender=config.notify.from_, recipient=recipient, backend=config.notify.backend)
    try:
        backend_for(config).send(message)
    except DeliveryError as exc:
        click.echo(f"error: {safe(str(exc))}", err=True)
        sys.exit(1)
    where = f"to {config.resolve(config.notify.outbox_dir)}" if config.notify.backend == "file" else "via SMTP"
    click.echo(f"test message for {recipient} delivered {where}")


@notify.command(name="list")
@click.option("--all", "everything", is_flag=True, help="Include sent messages.")
@format_option("text", "json")
@pass_ctx
def list_(ctx: Context, everything: bool, fmt: str) -> None:
    """Messages pending, being sent, or failed."""
    states = ("pending", "sending", "failed", "sent") if everything else ("pending", "sending", "failed")
    rows = ctx.store.outbox(states)
    keys = ("id", "kind", "policy", "version", "level", "recipient", "state", "attempts", "next_attempt_at",
            "last_error", "message_id", "sent_at")
    if fmt == "json":
        print_json({"messages": [{k: r.get(k) for k in keys} for r in rows]})
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="outbox")
    for col in ("id", "kind", "policy", "version", "recipient", "state", "attempts", "next attempt", "error"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), r["kind"], r["policy"], str(r["version"] or ""), escape(r["recipient"]),
                      r["state"], str(r["attempts"]), r["next_attempt_at"] or "", escape(safe(r["last_error"] or "")))
    ctx.console().print(table)
    if not rows:
        ctx.console().print("the outbox is empty" if not everything else "no messages yet")
