"""Run the labeled materiality set: confusion matrix, agreement, disagreements, timing.

    .venv/bin/python bench/bench_materiality.py [--verbose]
"""

from __future__ import annotations

import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.materiality import LEVELS, assess_text, load_rules  # noqa: E402

CASES = ROOT / "tests" / "materiality_cases.toml"


def load_cases() -> list[dict]:
    return tomllib.loads(CASES.read_text(encoding="utf-8"))["case"]


def expected_categories(case: dict) -> list[str]:
    cat = case.get("category")
    return [cat] if isinstance(cat, str) else list(cat or [])


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    rules = load_rules()
    cases = load_cases()
    matrix = {e: {p: 0 for p in LEVELS} for e in LEVELS}
    wrong, wrong_cat = [], []
    start = time.perf_counter()
    results = []
    for case in cases:
        a = assess_text(case["old"], case["new"], rules=rules)
        results.append((case, a))
    elapsed = time.perf_counter() - start
    for case, a in results:
        matrix[case["level"]][a.level] += 1
        if a.level != case["level"]:
            wrong.append((case, a))
        elif (case["level"] != "none" and expected_categories(case)
              and not set(expected_categories(case)) & set(a.categories)):
            wrong_cat.append((case, a))
    agree = sum(matrix[level][level] for level in LEVELS)
    print(f"materiality set: {len(cases)} cases, {elapsed * 1000 / len(cases):.2f} ms per case\n")
    print("expected \\ predicted " + "".join(f"{p:>10}" for p in LEVELS))
    for e in LEVELS:
        print(f"{e:<20} " + "".join(f"{matrix[e][p]:>10}" for p in LEVELS))
    print(f"\nagreement: {agree}/{len(cases)} = {agree / len(cases):.1%}")
    print(f"cosmetic judged material: {matrix['none']['material']}   "
          f"material judged none: {matrix['material']['none']}")
    cat_ok = sum(1 for c, a in results if c['level'] == a.level and c['level'] != 'none'
                 and set(expected_categories(c)) & set(a.categories))
    cat_n = sum(1 for c, a in results if c['level'] == a.level and c['level'] != 'none' and expected_categories(c))
    print(f"category agreement (where level agrees): {cat_ok}/{cat_n}")
    hold = [(c, a) for c, a in results if c.get("holdout")]
    if hold:
        ok = sum(1 for c, a in hold if c["level"] == a.level)
        print(f"holdout subset: {ok}/{len(hold)} (first run before rule changes: 13/17; see the cases file)")
    if wrong:
        print("\ndisagreements (level):")
        for case, a in wrong:
            print(f"  {case['id']}: expected {case['level']}, got {a.level}")
            for r in a.reasons[:3]:
                print(f"      [{r.level}/{r.category}/{r.signal}] {r.detail}")
    if wrong_cat:
        print("\ndisagreements (category only):")
        for case, a in wrong_cat:
            print(f"  {case['id']}: expected {expected_categories(case)}, got {list(a.categories)}")
    if verbose:
        print("\nall verdicts:")
        for case, a in results:
            print(f"  {case['id']}: {a.level} {list(a.categories)}")
            for r in a.reasons:
                print(f"      [{r.level}/{r.category}/{r.signal}] {r.detail} | {r.old!r} -> {r.new!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
