"""Score the materiality classifier against the labeled sets: level agreement, confusion matrix,
category agreement, per split.

    .venv/bin/python scripts/eval_materiality.py                 # seed, tune, and tune's two files
    .venv/bin/python scripts/eval_materiality.py --wrong         # ... and list the disagreements
    .venv/bin/python scripts/eval_materiality.py --holdout       # also the holdout (figures only)
    git archive 7b43791 tracker | tar -x -C /tmp/old && \
    .venv/bin/python scripts/eval_materiality.py --tracker /tmp/old   # an older classifier, same sets

The holdout split (tests/materiality/real_holdout.toml) is for the closing report of a round: do not
tune on it, and do not look at which holdout cases fail (``--wrong`` never lists them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.materiality.sets import LEVELS, Score, load, score


def render(name: str, s: Score, wrong: bool) -> str:
    head = (f"{name}: {s.n} cases, level agreement {s.agree}/{s.n} = {s.agreement:.1%}, "
            f"category agreement {s.cat_hits}/{s.cat_scored} = {s.category_agreement:.1%}, "
            f"none<->material swaps {s.none_material_swaps}")
    lines = [head,
             "  label \\ verdict " + "".join(f"{v:>10}" for v in LEVELS)]
    for label in LEVELS:
        lines.append(f"  {label:<16}" + "".join(f"{s.count(label, v):>10}" for v in LEVELS))
    if wrong:
        lines += [f"  wrong: {i}: {lab} -> {got}" for i, lab, got in s.wrong]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--holdout", action="store_true", help="also score the holdout split (figures only)")
    ap.add_argument("--wrong", action="store_true", help="list disagreements (never for the holdout)")
    ap.add_argument("--json", action="store_true", help="print figures as JSON")
    ap.add_argument("--tracker", type=Path,
                    help="directory holding the tracker package to score (default: this checkout)")
    args = ap.parse_args(argv)
    if args.tracker:
        if not (args.tracker / "tracker" / "materiality").is_dir():
            ap.error(f"--tracker {args.tracker}: no tracker/materiality package there")
        sys.path.insert(0, str(args.tracker.resolve()))
    from tracker.materiality import assess_text, load_rules

    rules = load_rules()

    def judge(old: str, new: str):
        return assess_text(old, new, rules=rules)

    splits = ["seed", "tune", "tune1", "tune2"] + (["holdout"] if args.holdout else [])
    scores = {name: score(load(name), judge) for name in splits}
    if args.json:
        print(json.dumps({name: {"n": s.n, "agree": s.agree, "agreement": round(s.agreement, 4),
                                 "category_agreement": round(s.category_agreement, 4),
                                 "none_material_swaps": s.none_material_swaps,
                                 "confusion": {f"{a}->{b}": s.count(a, b) for a in LEVELS for b in LEVELS}}
                          for name, s in scores.items()}, indent=2))
    else:
        print("\n\n".join(render(name, s, args.wrong and name != "holdout") for name, s in scores.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
