"""The pager for a coloured diff: `less` shows colours only with -R, which the LESS of a stock Debian or
Ubuntu lacks (it is unset), so raw escapes (`ESC[1;4m`) would fill the screen.

`less` runs with -R added to LESS (git's -FRX when LESS is unset); `cat` passes colours through; any
other $PAGER gets plain text, marked up wdiff-style, which every pager shows correctly.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from rich.pager import Pager

COLOUR_PAGERS = ("less", "cat")


@dataclass(frozen=True)
class PagerCommand:
    command: str
    env: dict[str, str]
    colours: bool  # does this pager show ANSI colours?


def pager_command(environ: Mapping[str, str]) -> PagerCommand:
    """$PAGER (default less), the environment it runs with, and whether colours survive it."""
    command = environ.get("PAGER", "").strip() or "less"
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    program = os.path.basename(words[0]) if words else ""
    env = dict(environ)
    if program == "less":
        env["LESS"] = f"{env['LESS']} -R" if env.get("LESS", "").strip() else "-FRX"
    return PagerCommand(command, env, program in COLOUR_PAGERS)


class SystemPager(Pager):
    """rich's pager protocol over `pager_command` (rich's own runs pydoc's pager with LESS as it is)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.command = pager_command(os.environ if environ is None else environ)

    @property
    def colours(self) -> bool:
        return self.command.colours

    def show(self, content: str) -> None:
        proc = subprocess.Popen(self.command.command, shell=True, stdin=subprocess.PIPE, env=self.command.env,
                                text=True, errors="backslashreplace")
        try:
            proc.communicate(content)  # a pager quit early (broken pipe) is not an error
        except KeyboardInterrupt:  # ^C reaches the pager too; it decides when to end
            pass
        while True:
            try:
                proc.wait()
                return
            except KeyboardInterrupt:
                continue
