"""The `tracker` command. Heavy modules are imported inside commands so `tracker --help` is instant."""

from __future__ import annotations

import sys
from functools import cached_property

import click



class Context:
    """What every command may need, built on first use: a bad config only fails commands that read it."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path

    @cached_property
    def config(self):
        from tracker import config as config_mod

        return config_mod.load(self.config_path)

    @cached_property
    def store(self):
        from tracker.store import Store

        return Store(self.config.database_path)

    def policy(self, name: str):
        return self.config.get(name)

    def console(self, stderr: bool = False):
        from rich.console import Console

        return Console(stderr=stderr, highlight=False, soft_wrap=not sys.stdout.isatty())


pass_ctx = click.make_pass_decorator(Context)


class TrackerGroup(click.Group):
    """Turns our errors into one clear line and the documented exit codes."""

    def invoke(self, ctx: click.Context):
        from tracker.errors import ConfigError, TrackerError, UsageError

        try:
            return super().invoke(ctx)
        except (ConfigError, UsageError) as exc:
            click.echo(f"error: {safe(str(exc))}", err=True)
            sys.exit(2)
        except TrackerError as exc:  # the command ran and met a problem (fetch, extraction, lock...)
            click.echo(f"error: {exc.kind}: {safe(str(exc))}", err=True)
            sys.exit(1)


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="TRACKER_CONFIG",
              help="Config file (default ./config.toml, or $TRACKER_CONFIG).")
@click.version_option(package_name="tracker")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Track published policies: versions, section diffs, materiality, notifications."""
    ctx.obj = Context(config_path)


def main() -> None:
    cli(prog_name="tracker")


def format_option(*choices: str, default: str = "text"):
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True,
                        help="Output format.")


def selector_options(func):
    func = click.option("--remove", multiple=True, metavar="CSS", help="Drop elements matching CSS (repeatable).")(func)
    func = click.option("--select", multiple=True, metavar="CSS", help="Keep only elements matching CSS (repeatable).")(func)
    return func


def print_json(data) -> None:
    import json

    from tracker.controls import json_safe

    click.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False)))


def safe(text: str) -> str:
    """Page or server text on its way to a terminal: control and bidi characters made visible."""
    from tracker.controls import escape_controls

    return escape_controls(text)


from tracker.cli import admin, notifying, publishing, reading, tracking  # noqa: E402,F401  (registers the commands)
