"""Compare two revisions of the seed page end to end, in-process (issue 9, target 2).

    .venv/bin/python bench/bench_compare.py [--runs 21] [--profile v2|v3]

For the seed page against its cosmetic (v2) and substantive (v3) revisions it prints medians of:
normalize both pages, the section diff alone, the materiality judgement (compare() = diff +
materiality), and the whole thing (normalize both + compare). Target: end to end <= 50 ms.
Baseline in the same run: difflib.unified_diff over the two pages' text lines (what a plain
line-diff tracker does; no sections, no materiality).
"""

from __future__ import annotations

import argparse
import cProfile
import difflib
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import median_ms, result  # noqa: E402

from tracker.changes import compare  # noqa: E402
from tracker.diff import diff_documents  # noqa: E402
from tracker.materiality import load_rules  # noqa: E402
from tracker.normalize import normalize_html  # noqa: E402

DEMO = ROOT / "tracker" / "demo_pages"
SEED = DEMO / "plex-privacy-policy-2021-03-17.html"
REVISIONS = {"v2": DEMO / "plex-privacy-policy-v2-cosmetic.html",
             "v3": DEMO / "plex-privacy-policy-v3-substantive.html"}
TARGET_MS = 50.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--profile", choices=sorted(REVISIONS), help="print a cProfile of compare() for one pair")
    args = ap.parse_args()
    rules = load_rules()
    seed_html = SEED.read_text(encoding="utf-8")
    print(f"seed {SEED.name} ({len(seed_html.encode()) / 1024:.0f} KB); {args.runs} runs, medians in ms")
    worst = 0.0
    for name, path in REVISIONS.items():
        html = path.read_text(encoding="utf-8")
        old, new = normalize_html(seed_html), normalize_html(html)
        changeset = compare(old, new, rules)
        # each lambda runs before the next iteration rebinds its names (B023 cannot see that): bind them anyway
        t_norm = median_ms(lambda html=html: (normalize_html(seed_html), normalize_html(html)), args.runs)
        t_diff = median_ms(lambda old=old, new=new: diff_documents(old, new), args.runs)
        t_cmp = median_ms(lambda old=old, new=new: compare(old, new, rules), args.runs)
        t_all = median_ms(lambda html=html: compare(normalize_html(seed_html), normalize_html(html), rules),
                          args.runs)
        lines_old, lines_new = old.markdown.splitlines(), new.markdown.splitlines()
        t_difflib = median_ms(lambda a=lines_old, b=lines_new: list(difflib.unified_diff(a, b, lineterm="")),
                              args.runs)
        worst = max(worst, t_all)
        print(f"seed -> {path.name}: {len(changeset.sections)} changed section(s), level {changeset.level}")
        print(f"  normalize both pages      {t_norm:7.1f}")
        print(f"  section diff only         {t_diff:7.1f}")
        print(f"  compare (diff+materiality){t_cmp:7.1f}   materiality share {t_cmp - t_diff:5.1f}")
        print(f"  end to end                {t_all:7.1f}   target <= {TARGET_MS:.0f}: "
              f"{'OK' if t_all <= TARGET_MS else 'MISS'}")
        print(f"  baseline difflib.unified_diff on the same text lines {t_difflib:5.1f}"
              f"  (reference only: no sections, no materiality)")
        result(f"compare seed vs {name} end to end (median)", f"<= {TARGET_MS:.0f} ms", f"{t_all:.1f} ms",
               t_all <= TARGET_MS)
        result(f"  of which compare() (diff + materiality) {name}", "", f"{t_cmp:.1f} ms", None)
    if args.profile:
        old, new = normalize_html(seed_html), normalize_html(REVISIONS[args.profile].read_text(encoding="utf-8"))
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(5):
            compare(old, new, rules)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
