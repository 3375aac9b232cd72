"""Commands that read: history, show, diff, search, normalize, compare."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from tracker.cli.options import Context, format_option, pass_ctx, print_json, safe, selector_options

if TYPE_CHECKING:
    from tracker.api import Comparison

DIFF_FORMATS = ("text", "markdown", "html", "json", "unified")


@click.command()
@click.argument("name")
@format_option("text", "json")
@pass_ctx
def history(ctx: Context, name: str, fmt: str) -> None:
    """Versions of a policy with date, kind, materiality level and a one-line summary."""
    result = ctx.tracker.history(name)
    if fmt == "json":
        print_json(result.to_json())
    else:
        from tracker.render.tables import print_history

        print_history(result, ctx.console())


@click.command()
@click.argument("name")
@click.option("--version", "ref", help="Version number, date (the policy's own date, else the fetch date), "
              "or -N from the latest (default: latest).")
@format_option("markdown", "json", default="markdown")
@pass_ctx
def show(ctx: Context, name: str, ref: str | None, fmt: str) -> None:
    """Normalized text of a stored version."""
    text = ctx.tracker.show(name, ref)
    if text.note:
        click.echo(safe(text.note), err=True)
    if fmt == "json":
        print_json(text.to_json())
    else:
        click.echo(safe(text.document.markdown), nl=False)


@click.command()
@click.argument("source")
@format_option("markdown", "json", default="markdown")
@click.option("--explain", is_flag=True, help="Show what was kept and what was dropped, and why, instead of the text.")
@selector_options
@pass_ctx
def normalize(ctx: Context, source: str, fmt: str, explain: bool, select: tuple[str, ...],
              remove: tuple[str, ...]) -> None:
    """Print a file or URL as normalized policy text."""
    doc = ctx.tracker.normalize(source, select=select, remove=remove)
    coverage = doc.coverage
    assert coverage is not None  # a normalized page always accounts for what it dropped
    if fmt == "json":
        print_json(doc.to_json())
    elif explain:
        click.echo(safe(f"{doc.title or '(untitled)'}: {sum(1 for s in doc.sections if s.level)} headings"))
        for line in coverage.lines():
            click.echo(safe(line))
        if not coverage.dropped:
            click.echo("  no dropped block of 20 words or more")
    else:
        click.echo(safe(doc.markdown), nl=False)


def show_comparison(ctx: Context, comparison: Comparison, fmt: str, **labels: Any) -> None:
    """Print a comparison: coloured and paged on a terminal, plain when piped, or in another format."""
    from tracker.controls import escape_controls, map_strings
    from tracker.render import render

    # texts stored by an older tracker may hold terminal escapes: shown, never acted on
    comparison = map_strings(comparison, escape_controls)

    if fmt != "text":
        click.echo(render(comparison, fmt, **labels), nl=False)
        return
    from tracker.render.terminal import print_changeset

    console = ctx.console()
    if sys.stdout.isatty() and len(comparison.sections) > 3:
        from tracker.cli.pager import SystemPager

        pager = SystemPager()
        with console.pager(pager=pager, styles=pager.colours):
            print_changeset(comparison, console, plain=not pager.colours or None, **labels)
    else:
        print_changeset(comparison, console, **labels)


def relative_version(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Argument callback: `-1` is a version (the command reads unknown options as arguments so that
    `diff NAME 2 -1` works); any other dash word is still an unknown option."""
    if value is not None and value.startswith("-") and not value[1:].isdigit():
        raise click.NoSuchOption(value, ctx=ctx)
    return value


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("a", required=False, callback=relative_version)
@click.argument("b", required=False, callback=relative_version)
@format_option(*DIFF_FORMATS)
@pass_ctx
def diff(ctx: Context, name: str, a: str | None, b: str | None, fmt: str) -> None:
    """Section diff between two versions of a policy (default: the last two).

    A and B are version numbers, dates (the version whose own "Last updated" date it is, else the
    version fetched and current then; stderr says which) or -N from the latest; with only A, it is
    compared with the latest version.
    """
    result = ctx.tracker.diff(name, a, b)
    for note in result.notes:
        click.echo(safe(note), err=True)
    if fmt == "json":
        print_json(result.to_json())
        return
    show_comparison(ctx, result.comparison, fmt, title=result.title, old_label=result.old_label,
                    new_label=result.new_label)


@click.command()
@click.argument("old")
@click.argument("new")
@format_option(*DIFF_FORMATS)
@selector_options
@pass_ctx
def compare(ctx: Context, old: str, new: str, fmt: str, select: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """Compare two documents (files or URLs); nothing is stored."""
    comparison = ctx.tracker.compare(old, new, select=select, remove=remove)
    show_comparison(ctx, comparison, fmt, old_label=old, new_label=new)


@click.command()
@click.argument("query")
@click.option("--policy", "name", metavar="NAME", help="Only this policy.")
@click.option("--all-versions", is_flag=True, help="Search every stored version, not only the latest of each policy.")
@click.option("--since", metavar="DATE", help="Only versions stored on or after DATE (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="At most this many hits.")
@format_option("text", "json")
@pass_ctx
def search(ctx: Context, query: str, name: str | None, all_versions: bool, since: str | None, limit: int,
           fmt: str) -> None:
    """Full-text search of stored versions (SQLite FTS5): words, "a phrase", prefix*, AND/OR/NOT."""
    result = ctx.tracker.search(query, policy=name, all_versions=all_versions, since=since, limit=limit)
    if fmt == "json":
        print_json(result.to_json())
    else:
        from rich.text import Text

        console = ctx.console()
        for hit in result.hits:
            line = Text(safe(f"{hit.policy} v{hit.version} ({hit.created_at[:10]})"), style="bold")
            line.append(safe(f" [{hit.section or '(top)'}] "), style="cyan")
            for piece, match in hit.parts():
                line.append(safe(piece.replace("\n", " ")), style="bold yellow" if match else "")
            console.print(line)
        if not result.hits:
            click.echo("no match", err=True)
        elif result.more:
            click.echo(f"{result.more} more (of {result.total}); raise --limit to see them", err=True)


COMMANDS = [history, show, diff, search, normalize, compare]
