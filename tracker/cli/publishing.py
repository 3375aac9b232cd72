"""Commands that publish what was recorded: a policy's changelog, and a static site of all of them."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.options import Context, absolute_url, format_option, pass_ctx, print_json


@click.command()
@click.argument("name")
@format_option("text", "markdown", "html", "json", "atom")
@click.option("--feed-url", metavar="URL", callback=absolute_url,
              help="Where this Atom feed is published (its rel=self link).")
@pass_ctx
def changelog(ctx: Context, name: str, fmt: str, feed_url: str | None) -> None:
    """All changes of one policy, newest first, with their materiality and (markdown, html, atom) diffs."""
    from tracker import changelog as cl
    from tracker.controls import escape_controls, map_strings

    # texts stored by an older tracker may hold terminal escapes: shown, never acted on
    log = map_strings(ctx.tracker.changelog(name, diffs=fmt in ("markdown", "html", "atom")), escape_controls)
    if fmt == "json":
        print_json(log.to_json())
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


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--base-url", metavar="URL", callback=absolute_url,
              help="Where the site will be published; makes feed links absolute (rel=self, entry links).")
@pass_ctx
def export(ctx: Context, directory: str, base_url: str | None) -> None:
    """Write a static HTML site (index, changelogs, diffs, Atom feeds) readable without a server."""
    written = ctx.tracker.export(directory, base_url=base_url)
    click.echo(f"wrote {len(written)} files to {directory} (open {Path(directory) / 'index.html'})")


COMMANDS = [changelog, export]
