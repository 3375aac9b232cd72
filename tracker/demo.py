"""`tracker demo`: the whole idea, offline, in seconds, through the same commands a user runs."""

from __future__ import annotations

import email
import email.policy
import shutil
import tempfile
from pathlib import Path

import tracker
from tracker.pageserver import PageServer

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


def demo_dir() -> Path:
    """data/demo/ of the checkout (or of the working directory, for an installed copy run in a checkout)."""
    for base in (Path(tracker.__file__).resolve().parent.parent, Path.cwd()):
        candidate = base / "data" / "demo"
        if (candidate / STEPS[0][1]).exists():
            return candidate
    raise FileNotFoundError("data/demo/ with the demo pages was not found; run the demo from the tracker checkout")


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

    from tracker.cli import cli

    console = Console(highlight=False)
    pages = demo_dir()
    workspace = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="tracker-demo-"))
    workspace.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> int:
        console.print(f"[bold cyan]$ tracker {' '.join(args)}[/]")
        try:
            cli.main(["--config", str(config_path), *args], prog_name="tracker", standalone_mode=False)
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    try:
        with PageServer() as server:
            url = server.put("/privacy-policy", b"")
            config_path = write_config(workspace, url)
            console.print(Rule("tracker demo"))
            console.print(f"A local web server on {server.base_url} plays the policy's site; "
                          f"the workspace is {workspace}.\n")
            for n, (story, filename) in enumerate(STEPS, 1):
                server.put("/privacy-policy", (pages / filename).read_bytes())
                console.print(Rule(f"step {n}"))
                console.print(story)
                if run("check") != 0:
                    return 1
            console.print(Rule("what was recorded"))
            run("history", "plex-privacy")
            console.print(Rule("what changed in the last version, section by section, and why it matters"))
            run("diff", "plex-privacy")
            console.print(Rule("the people watching this policy get one email"))
            run("notify", "flush")
            for eml in sorted((workspace / "outbox").glob("*.eml")):
                message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
                console.print(f"{eml.name}\n  To: {message['To']}\n  Subject: {message['Subject']}", markup=False)
    finally:
        if not keep:
            shutil.rmtree(workspace, ignore_errors=True)
    console.print(Rule())
    console.print("Done. Try it on your own policies: `tracker init`, add a [[policy]], `tracker check`.", markup=False)
    return 0
