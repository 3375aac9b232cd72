"""`tracker demo`: the whole idea, offline, in seconds, through the Python API the commands use.

The demo pages ship inside the package (tracker/demo_pages/), so an installed tracker runs the
demo from any directory.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from tracker.api import Tracker
from tracker.testing import PageServer

STEPS = [
    ("The policy as published on 2021-03-17: the first check records version 1.",
     "plex-privacy-policy-2021-03-17.html"),
    ("Same policy, new page noise (menu, nonce, cookie banner, tracking ids, footer year): nothing new.",
     "plex-privacy-policy-v1-noisy.html"),
    ("A new 'Last Updated' date, straight quotes, a changed link target: a version, judged cosmetic.",
     "plex-privacy-policy-v2-cosmetic.html"),
    ("Substantive edits: new data kinds, a sale, longer retention, sections moved, renamed and removed.",
     "plex-privacy-policy-v3-substantive.html"),
]


def demo_page(filename: str) -> bytes:
    """A page of the demo site (package data: real Plex policy revisions, see scripts/make_demo_pages.py)."""
    return resources.files("tracker").joinpath("demo_pages", filename).read_bytes()


def write_config(workspace: Path, url: str) -> Path:
    path = workspace / "config.toml"
    path.write_text(
        f'''[tracker]
database = "tracker.db"
user_agent = "tracker-demo/0.1"
interval = "1d"
per_host_delay = 0

[notify]
backend = "file"
from = "tracker@example.org"
admin = "ops@example.org"
outbox_dir = "outbox"

[[policy]]
name = "plex-privacy"
title = "Plex Privacy Policy"
url = "{url}"
recipients = ["legal@example.org"]
''',
        encoding="utf-8",
    )
    return path


def run_demo(keep: str | None = None) -> int:
    from rich.console import Console
    from rich.rule import Rule

    from tracker.render.tables import print_check, print_history
    from tracker.render.terminal import print_changeset

    console = Console(highlight=False)
    workspace = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="tracker-demo-"))
    workspace.mkdir(parents=True, exist_ok=True)

    def say(command: str, python: str) -> None:
        console.print(f"[bold cyan]$ tracker {command}[/]   [dim]# Python: {python}[/]", soft_wrap=True)

    try:
        with PageServer() as server:
            url = server.put("/privacy-policy", b"")
            with Tracker(write_config(workspace, url)) as t:
                console.print(Rule("tracker demo"))
                console.print(f"A local web server on {server.base_url} plays the policy's site; "
                              f"the workspace is {workspace}.\n")
                for n, (story, filename) in enumerate(STEPS, 1):
                    server.put("/privacy-policy", demo_page(filename))
                    console.print(Rule(f"step {n}"))
                    console.print(story)
                    say("check", "t.check()")
                    run = t.check()
                    print_check(run, console)
                    if not run.ok:
                        return 1
                console.print(Rule("what was recorded"))
                say("history plex-privacy", 't.history("plex-privacy")')
                print_history(t.history("plex-privacy"), console)
                console.print(Rule("what changed in the last version, section by section, and why it matters"))
                say("diff plex-privacy", 't.diff("plex-privacy")')
                d = t.diff("plex-privacy")
                print_changeset(d.comparison, console, title=d.title, old_label=d.old_label, new_label=d.new_label)
                console.print(Rule("the people watching this policy get one email"))
                say("notify flush", "t.flush()")
                report = t.flush()
                console.print(f"{report.sent} sent, {report.retried} to retry, {report.failed} failed")
                for eml in sorted((workspace / "outbox").glob("*.eml")):
                    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
                    console.print(f"{eml.name}\n  To: {message['To']}\n  Subject: {message['Subject']}",
                                  markup=False)
    finally:
        if not keep:
            shutil.rmtree(workspace, ignore_errors=True)
    console.print(Rule())
    console.print("Done. Try it on your own policies: `tracker init`, add a [[policy]], `tracker check`.", markup=False)
    return 0
