"""Commands for whoever maintains the config: validate a new policy, re-extract after rule changes."""

from __future__ import annotations

import click

from tracker.cli.options import Context, format_option, pass_ctx, print_json, safe


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


COMMANDS = [reextract, validate]
