"""Commands that publish what was recorded: a policy's changelog, and a static site of all of them."""

from __future__ import annotations

import re

import click

from tracker.cli import Context, cli, format_option, pass_ctx, print_json


def _absolute_url(value: str | None, option: str) -> str | None:
    from tracker.errors import UsageError

    if value is not None and not re.match(r"^https?://[^\s/?#]+[^\s]*$", value, re.I):
        raise UsageError(f"{option} must be an absolute http(s) URL, got {value!r}")
    return value


@cli.command()
@click.argument("name")
@format_option("text", "markdown", "html", "json", "atom")
@click.option("--feed-url", metavar="URL", help="Where this Atom feed is published (its rel=self link).")
@pass_ctx
def changelog(ctx: Context, name: str, fmt: str, feed_url: str | None) -> None:
    """All changes of one policy, newest first, with their materiality and (markdown, html, atom) diffs."""
    from tracker import changelog as cl

    feed_url = _absolute_url(feed_url, "--feed-url")
    policy = ctx.policy(name)  # an unknown name is an error before the database is touched
    from tracker.controls import escape_controls, map_strings

    # texts stored by an older tracker may hold terminal escapes: shown, never acted on
    log = map_strings(cl.build(ctx.store, policy, diffs=fmt in ("markdown", "html", "atom")), escape_controls)
    if fmt == "json":
        print_json(cl.to_json(log))
    elif fmt == "markdown":
        click.echo(cl.render_markdown(log), nl=False)
    elif fmt == "html":
        click.echo(cl.render_html(log), nl=False)
    elif fmt == "atom":
        click.echo(cl.render_atom(log, self_url=feed_url), nl=False)
    else:
        console = ctx.console()
        console.print(cl.text_table(log))
        if not log.entries:
            console.print(f"no versions yet: run `tracker check {name}`")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--base-url", metavar="URL",
              help="Where the site will be published; makes feed links absolute (rel=self, entry links).")
@pass_ctx
def export(ctx: Context, directory: str, base_url: str | None) -> None:
    """Write a static HTML site (index, changelogs, diffs, Atom feeds) readable without a server."""
    from pathlib import Path

    from tracker.export import export_site

    base_url = _absolute_url(base_url, "--base-url")
    written = export_site(ctx.config, ctx.store, Path(directory), base_url=base_url)
    click.echo(f"wrote {len(written)} files to {directory} (open {Path(directory) / 'index.html'})")
