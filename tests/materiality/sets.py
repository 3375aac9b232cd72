"""The labeled materiality sets and how a classifier is scored on them.

Three sets: ``seed`` (tests/materiality_cases.toml, written with the classifier), ``tune`` and
``holdout`` (real Open Terms Archive paragraph pairs, labeled before any classifier run, split by
document). ``tune`` is two files: ``tune1`` (real_tune.toml, the half of the first split) and ``tune2``
(real_tune2.toml, round-3 cases from other documents, first scored before any rule change).
Shared by tests/test_materiality.py and scripts/eval_materiality.py so both count alike.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
FILES = {"seed": HERE.parent / "materiality_cases.toml",
         "tune1": HERE / "real_tune.toml",
         "tune2": HERE / "real_tune2.toml",
         "holdout": HERE / "real_holdout.toml"}
PARTS = {"tune": ("tune1", "tune2")}  # a split made of several files
LEVELS = ("none", "minor", "material")


def load(split: str) -> list[dict]:
    """The cases of one split, checked enough that a typo in a label fails loudly."""
    if split in PARTS:
        return [c for part in PARTS[split] for c in load(part)]
    path = FILES[split]
    cases = tomllib.loads(path.read_text("utf-8"))["case"]
    for c in cases:
        if c.get("level") not in LEVELS or not c.get("id") or "old" not in c or "new" not in c:
            raise ValueError(f"{path.name}: case {c.get('id')!r} needs id, old, new and a level in {LEVELS}")
    return cases


def categories(case: dict) -> set[str]:
    c = case.get("category")
    return {c} if isinstance(c, str) else set(c or [])


@dataclass
class Score:
    """Agreement of a classifier with the labels of one split."""

    n: int = 0
    agree: int = 0
    confusion: Counter = field(default_factory=Counter)  # (label, verdict) -> count
    cat_scored: int = 0
    cat_hits: int = 0
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # (id, label, verdict)

    @property
    def agreement(self) -> float:
        return self.agree / self.n if self.n else 0.0

    @property
    def category_agreement(self) -> float:
        return self.cat_hits / self.cat_scored if self.cat_scored else 0.0

    def count(self, label: str, verdict: str) -> int:
        return self.confusion[(label, verdict)]

    @property
    def none_material_swaps(self) -> int:
        """Cosmetic judged material plus material judged cosmetic: the errors a user feels most."""
        return self.count("none", "material") + self.count("material", "none")


def score(cases: Iterable[dict], judge: Callable[[str, str], Any]) -> Score:
    """Run ``judge(old, new)`` (returns an object with ``level`` and ``categories``) on every case."""
    s = Score()
    for c in cases:
        a = judge(c["old"], c["new"])
        level, cats = a.level, set(a.categories)
        s.n += 1
        s.confusion[(c["level"], level)] += 1
        if level == c["level"]:
            s.agree += 1
            if level != "none" and categories(c):
                s.cat_scored += 1
                s.cat_hits += bool(categories(c) & cats)
        else:
            s.wrong.append((c["id"], c["level"], level))
    return s
