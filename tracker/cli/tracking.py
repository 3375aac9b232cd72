"""Commands that fetch and record: init, check, status, demo, daemon."""

from __future__ import annotations

import sys

import click

from tracker.cli.options import Context, format_option, pass_ctx, print_json, safe


@click.command()
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@pass_ctx
def init(ctx: Context, force: bool) -> None:
    """Write a starter config and create the database."""
    from tracker.api import init as init_workspace

    path, wrote, database = init_workspace(ctx.config_path, force=force)
    click.echo(f"wrote {path}" if wrote else f"{path} exists; keeping it (use --force to overwrite)")
    click.echo(f"database ready at {database}")


@click.command()
@click.argument("names", nargs=-1)
@format_option("text", "json")
@pass_ctx
def check(ctx: Context, names: tuple[str, ...], fmt: str) -> int:
    """Fetch policies now (all, or NAMES); record new versions; queue notifications.

    Exits 1 when any policy failed.
    """
    from tracker.api import NothingToCheck

    tracker = ctx.tracker
    if not names and not any(p.enabled for p in tracker.config.policy):
        if fmt == "json":
            print_json({"results": []})
        hint = NothingToCheck.hint(tracker.config.path)
        click.echo(hint, err=fmt == "json")
        return 0
    show_progress = fmt != "json" and sys.stderr.isatty() and (len(names) or len(tracker.config.policy)) >= 5
    if show_progress:
        from rich.progress import Progress

        with Progress(console=ctx.console(stderr=True), transient=True) as progress:
            task = progress.add_task("checking", total=len(names) or len(tracker.config.policy))
            run = tracker.check(names, on_result=lambda r: progress.advance(task))
    else:
        run = tracker.check(names)
    if fmt == "json":
        print_json(run.to_json())
    else:
        from tracker.render.tables import print_check

        print_check(run, ctx.console())
    return 0 if run.ok else 1


@click.command()
@format_option("text", "json")
@pass_ctx
def status(ctx: Context, fmt: str) -> None:
    """Per policy: last check, outcome, versions, next due, failing since."""
    result = ctx.tracker.status()
    if fmt == "json":
        print_json(result.to_json())
    else:
        from tracker.render.tables import print_status

        print_status(result, ctx.console())


@click.command()
@click.option("--keep", type=click.Path(file_okay=False), help="Keep the demo workspace in this folder.")
def demo(keep: str | None) -> int:
    """Offline walk-through: a local server, three revisions of a real policy, what tracker records."""
    from tracker.demo import run_demo

    return run_demo(keep)


@click.command()
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True)
@pass_ctx
def daemon(ctx: Context, log_format: str, log_level: str) -> int:
    """Run every policy on its schedule until SIGTERM/SIGINT (SIGHUP reloads the config)."""
    from tracker.daemon import setup_logging

    tracker = ctx.tracker
    tracker.config  # noqa: B018 — a config error is reported before logging is set up
    setup_logging(log_format, log_level)
    return tracker.run_daemon()


@click.command()
@click.argument("name")
@format_option("text", "json")
@pass_ctx
def accept(ctx: Context, name: str, fmt: str) -> None:
    """Accept the page last rejected as not the policy: the site really replaced the policy.

    It is stored as a version from the page kept at the rejection (judged and notified like any
    change), and later checks compare with it. Exits 1 when there is nothing to accept.
    """
    result = ctx.tracker.accept(name)
    if fmt == "json":
        print_json(result.to_json())
    elif result.version is not None:
        v = result.version
        click.echo(safe(f"{name}: stored version {v.number} ({v.level or v.kind}): {v.summary}"))
    else:
        click.echo(f"{name}: the accepted page is the text already stored; nothing new")


COMMANDS = [init, check, status, accept, demo, daemon]
