"""Start-up of the `tracker` command (issue 9, target 2: `tracker --help` < 300 ms).

    .venv/bin/python bench/bench_startup.py [--runs 11]

Medians of fresh subprocesses: the bare interpreter (the floor), `import click`, `tracker --help`
(the installed console script when there is one, else `python -m tracker`), `tracker compare
--help`, and `tracker compare SEED V3 --format json` (a whole command: start-up, two normalizations,
compare, JSON). The heaviest imports of `tracker --help` are listed from `python -X importtime`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import result  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0
DEMO = ROOT / "tracker" / "demo_pages"


def tracker_cmd() -> list[str]:
    script = Path(sys.executable).parent / "tracker"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tracker"]


def median_ms(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(ROOT))  # warm the OS cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(ROOT), check=False)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def heaviest_imports(args: list[str], n: int = 10) -> list[tuple[int, str]]:
    """(cumulative microseconds, module as indented by -X importtime) of the heaviest imports."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "tracker", *args], capture_output=True,
                          text=True, cwd=str(ROOT))
    rows = []
    for line in proc.stderr.splitlines():
        parts = line[len("import time:"):].split("|") if line.startswith("import time:") else []
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return sorted(rows, reverse=True)[:n]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=11)
    args = ap.parse_args()
    cmd = tracker_cmd()
    floor = median_ms([sys.executable, "-c", "pass"], args.runs)
    click = median_ms([sys.executable, "-c", "import click"], args.runs)
    help_ms = median_ms(cmd + ["--help"], args.runs)
    sub_help = median_ms(cmd + ["compare", "--help"], args.runs)
    seed, v3 = DEMO / "plex-privacy-policy-2021-03-17.html", DEMO / "plex-privacy-policy-v3-substantive.html"
    compare_ms = median_ms(cmd + ["compare", str(seed), str(v3), "--format", "json"], max(3, args.runs // 2))
    print(f"{' '.join(Path(c).name for c in cmd)}; {args.runs} runs, medians")
    print(f"  python -c pass (floor)          {floor:6.0f} ms")
    print(f"  python -c 'import click'        {click:6.0f} ms")
    print(f"  tracker --help                  {help_ms:6.0f} ms   {help_ms / floor:4.1f}x floor   target < "
          f"{TARGET_MS:.0f} ms: {'OK' if help_ms < TARGET_MS else 'MISS'}")
    print(f"  tracker compare --help          {sub_help:6.0f} ms")
    print(f"  tracker compare seed v3 --format json  {compare_ms:6.0f} ms  (start-up + 2 normalizations + compare)")
    commands = (("--help", ["--help"]), ("compare seed v3", ["compare", str(seed), str(v3), "--format", "json"]))
    for label, cmd_args in commands:
        print(f"  heaviest imports of `tracker {label}` (cumulative, -X importtime; nesting shown by indent):")
        for us, name in heaviest_imports(cmd_args, 8 if label == "--help" else 12):
            print(f"    {us / 1000:6.1f} ms  {name}")
    result("tracker --help start-up (median)", f"< {TARGET_MS:.0f} ms", f"{help_ms:.0f} ms", help_ms < TARGET_MS)
    result("tracker compare seed v3 as a command", "(reference)", f"{compare_ms:.0f} ms", None)
    return 0 if help_ms < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
