"""Commands that read: history, show, normalize."""

from __future__ import annotations

import click

from tracker.cli import Context, cli, format_option, pass_ctx, print_json, selector_options


def resolve_version(ctx: Context, name: str, ref: str | None):
    """A version by number, by date (the one current then), or relative (-1 is the latest)."""
    from tracker.errors import UsageError
    from tracker.versions import pick

    ctx.policy(name)
    versions = ctx.store.versions(name)
    if not versions:
        raise UsageError(f"policy {name!r} has no stored versions yet: run `tracker check {name}`")
    return pick(versions, ref)


@cli.command()
@click.argument("name")
@format_option("text", "json")
@pass_ctx
def history(ctx: Context, name: str, fmt: str) -> None:
    """Versions of a policy with date, kind, materiality level and a one-line summary."""
    ctx.policy(name)
    versions = ctx.store.versions(name)
    if fmt == "json":
        print_json({"policy": name, "versions": [
            {"number": v.number, "created_at": v.created_at, "kind": v.kind, "level": v.level,
             "summary": v.summary, "digest": v.digest} for v in versions]})
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"history of {name}")
    for col in ("#", "date", "kind", "level", "summary"):
        table.add_column(col)
    colour = {"material": "red", "minor": "yellow", "none": "dim"}
    for v in versions:
        level = f"[{colour.get(v.level or '', '')}]{v.level}[/]" if v.level else ""
        table.add_row(str(v.number), v.created_at, v.kind or "", level, escape(v.summary))
    ctx.console().print(table)
    if not versions:
        ctx.console().print(f"no versions yet: run `tracker check {name}`")


@cli.command()
@click.argument("name")
@click.option("--version", "ref", help="Version number, date, or -N from the latest (default: latest).")
@format_option("markdown", "json", default="markdown")
@pass_ctx
def show(ctx: Context, name: str, ref: str | None, fmt: str) -> None:
    """Normalized text of a stored version."""
    version = resolve_version(ctx, name, ref)
    doc = ctx.store.document(version)
    if fmt == "json":
        print_json({"policy": name, "number": version.number, "created_at": version.created_at, **doc.to_json()})
    else:
        click.echo(doc.markdown, nl=False)


@cli.command()
@click.argument("source")
@format_option("markdown", "json", default="markdown")
@selector_options
@pass_ctx
def normalize(ctx: Context, source: str, fmt: str, select: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """Print a file or URL as normalized policy text."""
    doc = load_source(ctx, source, select, remove)
    if fmt == "json":
        print_json(doc.to_json())
    else:
        click.echo(doc.markdown, nl=False)


def load_source(ctx: Context, source: str, select=(), remove=()):
    """Fetch and normalize a file path or URL named on the command line (nothing is stored)."""
    from tracker import fetch
    from tracker.normalize import Options, normalize_source

    settings = fetch.FetchSettings()
    try:
        from tracker.pipeline import fetch_settings

        settings = fetch_settings(ctx.config)
    except Exception:
        pass  # no config needed to look at a page
    result = fetch.fetch_one(source, settings)
    return normalize_source(result.body, result.content_type, result.encoding, Options(tuple(select), tuple(remove)))
