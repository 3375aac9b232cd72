"""The `tracker` command: every command parses, calls the Python API (tracker.api) and prints.

Heavy modules are imported inside commands so `tracker --help` is instant. Commands return an
exit code; only this group turns codes and errors into the process's exit status.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from tracker.cli import admin, notifying, publishing, reading, tracking
from tracker.cli.options import Context, safe


class TrackerGroup(click.Group):
    """Turns our errors into one clear line and the documented exit codes (0 ok, 1 a problem was
    found, 2 bad usage or config, 130 interrupted by ^C)."""

    def invoke(self, ctx: click.Context) -> Any:
        from tracker.errors import ConfigError, TrackerError, UsageError

        try:
            code = super().invoke(ctx)
        except (ConfigError, UsageError) as exc:
            click.echo(f"error: {safe(str(exc))}", err=True)
            sys.exit(2)
        except TrackerError as exc:  # the command ran and met a problem (fetch, extraction, lock...)
            click.echo(f"error: {exc.kind}: {safe(str(exc))}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:  # ^C during a wait (a retry backoff, a render): one line, no traceback
            click.echo("interrupted: nothing half-written (every database write is one transaction)", err=True)
            sys.exit(130)
        if isinstance(code, int) and not isinstance(code, bool) and code:
            sys.exit(code)
        return code


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="TRACKER_CONFIG",
              help="Config file (default ./config.toml, or $TRACKER_CONFIG).")
@click.version_option(package_name="tracker")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Track published policies: versions, section diffs, materiality, notifications."""
    ctx.obj = Context(config_path)


for module in (tracking, reading, admin, publishing, notifying):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="tracker")
