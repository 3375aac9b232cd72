"""`tracker check` over 1,000 policies served by a local server (issue 9, target 4).

    .venv/bin/python bench/bench_check.py [--policies 1000] [--concurrency 16] [--keep DIR]

1,000 distinct pages (the 88 KB seed page, each with its own reference number) are served from
memory by tracker.testing on 127.0.0.1. Three runs of `python -m tracker --config X check
--format json`, each a fresh subprocess, timed by wall clock; peak memory is the child's
ru_maxrss (os.wait4 gives it per run; resource.getrusage(RUSAGE_CHILDREN) the maximum over all):

1. first run: every policy is new (1,000 first versions);
2. half changed: 500 pages edited since run 1 (a quarter of all pages with a substantive edit: a
   longer retention period and a new sale of data; a quarter with a new "Last Updated" date), the
   other 500 unchanged (answered 304 thanks to the ETag) -- the measured target: <= 20 s, <= 250 MB;
3. nothing changed: 1,000 conditional GETs answered 304.

per_host_delay = 0 in the bench config: the per-host politeness delay (default 1 s between two
requests to one host) exists for real sites; all 1,000 pages here share one host (127.0.0.1), so
with it on the run would measure 1,000 sleeps, not the tracker.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import result  # noqa: E402

from tracker.testing import PageServer  # noqa: E402

SEED = ROOT / "tracker" / "demo_pages" / "plex-privacy-policy-2021-03-17.html"
TARGET_S, TARGET_MB = 20.0, 250.0
ANCHOR = "<p>This Policy applies"
RETENTION = "We may retain your Personal Data for a period of time consistent"


def page(seed: str, i: int, edit: str | None = None) -> str:
    html = seed.replace(ANCHOR, f"<p>This Policy (reference P{i:05d}) applies", 1)
    if edit == "substantive":
        html = html.replace(RETENTION, "We may sell your Personal Data to data brokers. "
                                       "We may retain your Personal Data for ten years, consistent", 1)
    elif edit == "cosmetic":
        html = html.replace("Last Updated: March 17, 2021", "Last Updated: January 4, 2022")
    return html


def write_config(path: Path, base_url: str, n: int, concurrency: int) -> None:
    lines = [
        "[tracker]",
        f'database = "{path.parent / "tracker.db"}"',
        'user_agent = "tracker-bench/0.1 (+mailto:bench@example.org)"',
        f"concurrency = {concurrency}",
        "per_host_delay = 0   # all pages share one host (127.0.0.1): see the module docstring",
        "retries = 0",
        "",
        "[notify]",
        'backend = "file"',
        f'outbox_dir = "{path.parent / "outbox"}"',
        "",
    ]
    for i in range(n):
        lines += ["[[policy]]", f'name = "policy-{i:05d}"', f'url = "{base_url}/p/{i:05d}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def run_check(config: Path) -> tuple[float, float, dict[str, int], int]:
    """(wall seconds, peak RSS MB, outcome counts, exit code) of one `tracker check` subprocess."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--config", str(config), "check", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(config.parent))
    out, err = b"", b""
    # read the pipes while waiting (the JSON report is ~200 KB), then reap with wait4 for the rusage
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    counts: dict[str, int] = {}
    try:
        for r in json.loads(out)["results"]:
            key = r["outcome"] + (f" ({r['kind']}, {r['level']})" if r["outcome"] == "new_version" else "")
            counts[key] = counts.get(key, 0) + 1
    except (ValueError, KeyError):
        print(err.decode(errors="replace")[-2000:], file=sys.stderr)
    return wall, usage.ru_maxrss / 1024, counts, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--keep", help="keep the workspace (config, database) in this folder")
    args = ap.parse_args()
    n = args.policies
    seed = SEED.read_text(encoding="utf-8")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-check-"))
    work.mkdir(parents=True, exist_ok=True)
    config = work / "config.toml"
    ok = True
    with PageServer() as server:
        for i in range(n):
            server.put(f"/p/{i:05d}", page(seed, i))
        write_config(config, server.base_url, n, args.concurrency)
        print(f"{n} policies, {len(seed.encode()) / 1024:.0f} KB pages, concurrency {args.concurrency}, "
              f"per_host_delay 0; workspace {work}")

        wall, rss, counts, code = run_check(config)
        print(f"1. first run (all new):      {wall:6.1f} s  peak {rss:6.0f} MB  exit {code}  {counts}")
        result(f"check {n} policies, first run (all new)", "(reference)", f"{wall:.1f} s, {rss:.0f} MB", None)

        for i in range(0, n, 2):
            server.put(f"/p/{i:05d}", page(seed, i, "substantive" if i % 4 == 0 else "cosmetic"))
        wall, rss, counts, code = run_check(config)
        hit = wall <= TARGET_S and rss <= TARGET_MB
        ok &= hit
        print(f"2. half changed (target):    {wall:6.1f} s  peak {rss:6.0f} MB  exit {code}  {counts}  "
              f"target <= {TARGET_S:.0f} s, <= {TARGET_MB:.0f} MB: {'OK' if hit else 'MISS'}")
        result(f"check {n} policies, half changed: wall", f"<= {TARGET_S:.0f} s", f"{wall:.1f} s", wall <= TARGET_S)
        result(f"check {n} policies, half changed: peak RSS", f"<= {TARGET_MB:.0f} MB", f"{rss:.0f} MB",
               rss <= TARGET_MB)

        wall, rss, counts, code = run_check(config)
        print(f"3. nothing changed (304s):   {wall:6.1f} s  peak {rss:6.0f} MB  exit {code}  {counts}")
        result(f"check {n} policies, nothing changed", "(reference)", f"{wall:.1f} s, {rss:.0f} MB", None)
    print(f"max ru_maxrss over all children (RUSAGE_CHILDREN): "
          f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
    db = work / "tracker.db"
    print(f"database {db.stat().st_size / 1e6:.1f} MB")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
