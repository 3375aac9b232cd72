"""Commands that read: history, show, normalize."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli import Context, cli, format_option, pass_ctx, print_json, selector_options


def short_time(iso: str | None) -> str:
    """'2026-11-29T04:12:58+00:00' -> '2026-11-29 04:12' for tables (JSON keeps full ISO 8601)."""
    return iso[:16].replace("T", " ") if iso else ""


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
             "summary": v.summary, "digest": v.digest,
             "coverage": None if v.kept_words is None else
             {"kept_words": v.kept_words, "page_words": v.page_words, "note": v.coverage_note}}
            for v in versions]})
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"history of {name}")
    for col in ("#", "date", "kind", "level", "summary"):
        table.add_column(col)
    colour = {"material": "red", "minor": "yellow", "none": "dim"}
    for v in versions:
        level = f"[{colour.get(v.level or '', '')}]{v.level}[/]" if v.level else ""
        note = f" [red](less of the page kept: {escape(v.coverage_note)})[/]" if v.coverage_note else ""
        table.add_row(str(v.number), short_time(v.created_at), v.kind or "", level, escape(v.summary) + note)
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
@click.option("--explain", is_flag=True, help="Show what was kept and what was dropped, and why, instead of the text.")
@selector_options
@pass_ctx
def normalize(ctx: Context, source: str, fmt: str, explain: bool, select: tuple[str, ...],
              remove: tuple[str, ...]) -> None:
    """Print a file or URL as normalized policy text."""
    extraction = load_extraction(ctx, source, select, remove)
    doc, coverage = extraction.document, extraction.coverage
    if fmt == "json":
        print_json({**doc.to_json(), "coverage": coverage.to_json()})
    elif explain:
        click.echo(f"{doc.title or '(untitled)'}: {sum(1 for s in doc.sections if s.level)} headings")
        for line in coverage.lines():
            click.echo(line)
        if not coverage.dropped:
            click.echo("  no dropped block of 20 words or more")
    else:
        click.echo(doc.markdown, nl=False)


def optional_config(ctx: Context):
    """normalize and compare need no config, but use one (user agent, rules) when there is one;
    a config that exists but is broken is still an error."""
    from tracker import config as config_mod

    path = ctx.config_path or config_mod.default_path()
    return ctx.config if Path(path).exists() else None


def load_source(ctx: Context, source: str, select=(), remove=()):
    """Fetch and normalize a file path or URL named on the command line (nothing is stored)."""
    return load_extraction(ctx, source, select, remove).document


def load_extraction(ctx: Context, source: str, select=(), remove=()):
    """load_source with the coverage; an empty or implausibly short text is an error (exit 1)."""
    from tracker import fetch
    from tracker.coverage import MIN_KEPT_WORDS, require_text
    from tracker.errors import ExtractionError, UsageError
    from tracker.extract import compile_selector
    from tracker.normalize import Options, extract_source

    for css in (*select, *remove):
        try:
            compile_selector(css)
        except ExtractionError as exc:
            raise UsageError(str(exc)) from None

    config = optional_config(ctx)
    settings = fetch.settings_for(config.tracker) if config else fetch.FetchSettings()
    result = fetch.fetch_one(source, settings)
    extraction = extract_source(result.body, result.content_type, result.encoding,
                                Options(tuple(select), tuple(remove)))
    require_text(extraction.document.word_count, extraction.coverage,
                 config.tracker.min_words if config else MIN_KEPT_WORDS)
    return extraction


DIFF_FORMATS = ("text", "markdown", "html", "json", "unified")


def show_changeset(ctx: Context, changeset, fmt: str, **labels) -> None:
    """Print a ChangeSet: coloured and paged on a terminal, plain when piped, or in another format."""
    import sys

    from tracker.render import render

    if fmt != "text":
        click.echo(render(changeset, fmt, **labels), nl=False)
        return
    from tracker.render.terminal import print_changeset

    console = ctx.console()
    if sys.stdout.isatty() and len(changeset.sections) > 3:
        with console.pager(styles=True):
            print_changeset(changeset, console, **labels)
    else:
        print_changeset(changeset, console, **labels)


@cli.command()
@click.argument("name")
@click.argument("a", required=False)
@click.argument("b", required=False)
@format_option(*DIFF_FORMATS)
@pass_ctx
def diff(ctx: Context, name: str, a: str | None, b: str | None, fmt: str) -> None:
    """Section diff between two versions of a policy (default: the last two).

    A and B are version numbers, dates (the version current then) or -N from the latest;
    with only A, it is compared with the latest version.
    """
    from tracker.changes import compare
    from tracker.errors import UsageError

    if a is None:
        policy = ctx.policy(name)  # an unknown name is an error before the database is touched
        versions = ctx.store.versions(policy.name)
        if len(versions) < 2:
            raise UsageError(f"policy {name!r} has {len(versions)} version(s): nothing to compare yet")
        old, new = versions[-2], versions[-1]
    else:
        old, new = resolve_version(ctx, name, a), resolve_version(ctx, name, b)
    changeset = compare(ctx.store.document(old), ctx.store.document(new), ctx.config.rules)
    show_changeset(ctx, changeset, fmt, title=ctx.policy(name).display_title,
                   old_label=f"version {old.number} ({old.created_at[:10]})",
                   new_label=f"version {new.number} ({new.created_at[:10]})")


@cli.command()
@click.argument("old")
@click.argument("new")
@format_option(*DIFF_FORMATS)
@selector_options
@pass_ctx
def compare(ctx: Context, old: str, new: str, fmt: str, select: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """Compare two documents (files or URLs); nothing is stored."""
    from tracker.changes import compare as compare_documents

    config = optional_config(ctx)
    changeset = compare_documents(load_source(ctx, old, select, remove), load_source(ctx, new, select, remove),
                                  config.rules if config else None)
    show_changeset(ctx, changeset, fmt, old_label=old, new_label=new)
