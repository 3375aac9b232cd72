"""What every command shares: the context (a Tracker built on first use), options, output.

A module of its own so the command modules and the group import it, and not each other.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

    from tracker.api import Tracker

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """The --config of this invocation and the Tracker behind it: a bad config only fails the
    commands that read it."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path

    @cached_property
    def tracker(self) -> Tracker:
        from tracker.api import Tracker

        return Tracker(self.config_path)

    def console(self, stderr: bool = False) -> Console:
        from rich.console import Console

        return Console(stderr=stderr, highlight=False, soft_wrap=not sys.stdout.isatty())


pass_ctx = click.make_pass_decorator(Context)


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True,
                        help="Output format.")


def selector_options(func: F) -> F:
    func = click.option("--remove", multiple=True, metavar="CSS",
                        help="Drop elements matching CSS (repeatable).")(func)
    return click.option("--select", multiple=True, metavar="CSS",
                        help="Keep only elements matching CSS (repeatable).")(func)


def absolute_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Option callback: an absolute http(s) URL (a usage error, exit 2, otherwise)."""
    from tracker.api import _absolute_url

    return _absolute_url(value, "--" + (param.name or "url").replace("_", "-"))


def print_json(data: Any) -> None:
    from tracker.controls import json_safe

    click.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False)))


def safe(text: str) -> str:
    """Page or server text on its way to a terminal: control and bidi characters made visible."""
    from tracker.controls import escape_controls

    return escape_controls(text)
