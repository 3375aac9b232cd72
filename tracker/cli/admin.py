"""Commands for whoever maintains the config: add and validate a policy, re-extract after rule changes."""

from __future__ import annotations

import click

from tracker.cli.options import Context, format_option, pass_ctx, print_json, safe, selector_options


@click.command()
@click.argument("names", nargs=-1)
@format_option("text", "json")
@pass_ctx
def reextract(ctx: Context, names: tuple[str, ...], fmt: str) -> int:
    """Re-run normalization over stored raw pages after a selector or normalizer change.

    A different result is recorded as a `technical` change: it is never notified.
    """
    run = ctx.tracker.reextract(names)
    if fmt == "json":
        print_json(run.to_json())
    else:
        for r in run.results:
            detail = f"version {r.version.number}: {r.version.summary}" if r.version else (r.error or "")
            click.echo(safe(f"{r.policy}: {r.outcome} {detail}".rstrip()))
    return 0 if run.ok else 1


@click.command()
@click.argument("name")
@format_option("text", "json")
@pass_ctx
def validate(ctx: Context, name: str, fmt: str) -> int:
    """Try a policy before relying on it: fetch twice, compare the extractions, show the sections."""
    result = ctx.tracker.validate(name)
    if fmt == "json":
        print_json(result.to_json())
    else:
        from tracker.render.tables import print_validation

        print_validation(result, ctx.console())
    return 0 if result.ok else 1


@click.command()
@click.argument("name")
@click.argument("url")
@click.option("--title", default="", help="Display title (default: the name).")
@selector_options
@click.option("--recipient", "recipients", multiple=True, metavar="ADDRESS", help="Who hears of changes (repeatable).")
@click.option("--interval", help="How often to check: 90s, 15m, 6h, 1d, 2w (default: the config's).")
@click.option("--force", is_flag=True, help="Write the policy even if the page cannot be fetched or looks wrong.")
@format_option("text", "json")
@pass_ctx
def add(ctx: Context, name: str, url: str, title: str, select: tuple[str, ...], remove: tuple[str, ...],
        recipients: tuple[str, ...], interval: str | None, force: bool, fmt: str) -> int:
    """Add a policy to the config: fetched twice like `validate`, then appended (comments kept).

    A bad or duplicate value is exit 2; a page that cannot be fetched or looks wrong is exit 1,
    and nothing is written unless --force.
    """
    result = ctx.tracker.add(name, url, title=title, select=select, remove=remove, recipients=recipients,
                             interval=interval, force=force)
    if fmt == "json":
        print_json(result.to_json())
    else:
        from tracker.render.tables import print_validation

        if result.validation is not None:
            print_validation(result.validation, ctx.console())
        if result.error:
            click.echo(safe(f"error: {result.error}"), err=True)
        if result.written:
            click.echo(safe(f"added policy {name!r} to {result.config}"))
        else:
            click.echo(safe(f"nothing written to {result.config} (--force writes it anyway)"), err=True)
    return 0 if result.ok else 1


@click.command("import-ota")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--write", is_flag=True, help="Append the policies to the config file (comments kept).")
@pass_ctx
def import_ota(ctx: Context, paths: tuple[str, ...], write: bool) -> int:
    """Open Terms Archive declarations (files or folders) as [[policy]] TOML.

    Prints the policies, or appends them with --write. Range selectors and combined pages are
    imported as such. Documents that cannot be imported as declared (no URL, a selector or URL
    tracker refuses, a name already taken) are listed on stderr, and the exit status is 1.
    """
    result = ctx.tracker.import_ota(paths, write=write)
    for note in result.notes:
        click.echo(safe(f"note: {note.document} ({note.source}): {note.reason}"), err=True)
    for skipped in result.skipped:
        click.echo(safe(f"not imported: {skipped.document} ({skipped.source}): {skipped.reason}"), err=True)
    if result.written:
        click.echo(safe(f"added {len(result.policies)} policies to {ctx.tracker.config.path}"))
    else:
        click.echo(safe(result.toml()), nl=False)
    return 1 if result.skipped else 0


COMMANDS = [reextract, validate, add, import_ota]
