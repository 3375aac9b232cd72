"""Compare two revisions of the seed page end to end, in-process (issue 9 target 2, issue 13 item 5).

    .venv/bin/python bench/bench_compare.py [--runs 21] [--profile v2|v3]

For the seed page against its cosmetic (v2) and substantive (v3) revisions it prints the best CPU
time of interleaved runs (the cost of the code on a host shared with other work) of: normalize
both pages, the section diff alone, the materiality judgement (compare() = diff + materiality),
and the whole thing (normalize both + compare; target <= 50 ms). Each is printed beside the
lxml parse of both pages timed in the same runs (the floor: the host's speed drifts, ratios do
not), and difflib.unified_diff over the two texts' lines (what a plain line-diff tracker does).
"""

from __future__ import annotations

import argparse
import cProfile
import difflib
import pstats
import sys
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import interleaved, result  # noqa: E402

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
    print(f"seed {SEED.name} ({len(seed_html.encode()) / 1024:.0f} KB); best CPU ms of {args.runs} interleaved runs")
    worst = 0.0
    for name, path in REVISIONS.items():
        html = path.read_text(encoding="utf-8")
        old, new = normalize_html(seed_html), normalize_html(html)
        changeset = compare(old, new, rules)

        def floor(html: str = html) -> object:
            return lxml.html.document_fromstring(seed_html), lxml.html.document_fromstring(html)

        # each lambda runs before the next iteration rebinds its names (B023 cannot see that): bind them anyway
        figures = {
            "normalize both pages": interleaved(lambda html=html: (normalize_html(seed_html), normalize_html(html)),
                                                floor, args.runs),
            "section diff only": interleaved(lambda old=old, new=new: diff_documents(old, new), floor, args.runs),
            "compare (diff+materiality)": interleaved(lambda old=old, new=new: compare(old, new, rules), floor,
                                                      args.runs),
            "end to end": interleaved(lambda html=html: compare(normalize_html(seed_html), normalize_html(html),
                                                                rules), floor, args.runs),
        }
        lines_old, lines_new = old.markdown.splitlines(), new.markdown.splitlines()
        t_difflib = interleaved(lambda a=lines_old, b=lines_new: list(difflib.unified_diff(a, b, lineterm="")),
                                floor, args.runs)[0]
        t_all, t_floor, ratio = figures["end to end"]
        worst = max(worst, t_all)
        print(f"seed -> {path.name}: {len(changeset.sections)} changed section(s), level {changeset.level}")
        for label, (ours, _, r) in figures.items():
            print(f"  {label:<27}{ours:7.1f}  = {r:5.1f}x the lxml parse of both pages")
        print(f"  target end to end <= {TARGET_MS:.0f}: {'OK' if t_all <= TARGET_MS else 'MISS'}; lxml parse of both "
              f"{t_floor:.1f}; difflib.unified_diff on the same text lines {t_difflib:.1f} (no sections, no judgement)")
        result(f"compare seed vs {name} end to end (best CPU)", f"<= {TARGET_MS:.0f} ms",
               f"{t_all:.1f} ms ({ratio:.1f}x lxml parse)", t_all <= TARGET_MS)
        judged = figures["compare (diff+materiality)"][0]
        result(f"  of which compare() (diff + materiality) {name}", "", f"{judged:.1f} ms", None)
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
