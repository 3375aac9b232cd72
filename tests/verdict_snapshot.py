"""Every verdict of the labeled sets and the corpus pairs, as one small text file: the check that a
speed change changed no judgement (issue 13 item 5).

    .venv/bin/python -m tests.verdict_snapshot            # compare with tests/verdicts.snapshot
    .venv/bin/python -m tests.verdict_snapshot --write    # record (after an intended rules change)

One line per case: ``id level [categories] signal/level/category, ...`` and a digest of the whole
reasons (details and quotes included), so a reworded quote shows up too; for a document pair also
each changed section's kind and level and a digest of the section diff itself. Holdout cases are recorded
as a digest only: the snapshot must not tell which of them the classifier gets right. Corpus pairs
are whole documents through ``changes.compare`` (the demo revisions, the replay history of
tests/test_replay.py step by step, the identity pairs, and the pages of tests/corpus each against
the next: unrelated texts).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.materiality.sets import load
from tracker.changes import compare
from tracker.materiality import assess_text, load_rules
from tracker.model import Assessment, Document
from tracker.normalize import normalize_html

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).parent / "verdicts.snapshot"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _line(a: Assessment) -> str:
    reasons = ",".join(f"{r.signal}/{r.level}/{r.category or '-'}" for r in a.reasons)
    full = repr([(r.level, r.category, r.signal, r.section, r.detail, r.old, r.new) for r in a.reasons])
    return f"{a.level} [{','.join(a.categories)}] {reasons} #{_digest(full)}"


def _documents() -> Iterator[tuple[str, Document, Document]]:
    demo = ROOT / "tracker" / "demo_pages"
    seed = normalize_html((demo / "plex-privacy-policy-2021-03-17.html").read_text("utf-8"))
    for name in ("v1-noisy", "v2-cosmetic", "v3-substantive"):
        yield f"demo:{name}", seed, normalize_html((demo / f"plex-privacy-policy-{name}.html").read_text("utf-8"))
    pages = sorted((ROOT / "tests" / "replay" / "tumblr-privacy").glob("[0-9][0-9]-*.html"))
    docs = [normalize_html(p.read_text("utf-8")) for p in pages]
    for k in range(1, len(docs)):
        yield f"replay:{pages[k].stem}", docs[k - 1], docs[k]
    for old in sorted((ROOT / "tests" / "identity").glob("*.old.md")):
        new = old.with_name(old.name.replace(".old.md", ".new.md"))
        yield (f"identity:{old.name[:-7]}", Document.from_markdown(old.read_text("utf-8")),
               Document.from_markdown(new.read_text("utf-8")))
    # unrelated documents in turn: every section added, removed or rewritten
    corpus = [p for p in sorted((ROOT / "tests" / "corpus").glob("*.html")) if ".noisy" not in p.name]
    texts = [normalize_html(p.read_text("utf-8")) for p in corpus]
    for k in range(1, len(texts)):
        yield f"corpus:{corpus[k - 1].stem}>{corpus[k].stem}", texts[k - 1], texts[k]


def snapshot() -> list[str]:
    """The current verdicts, one line each, in a fixed order."""
    rules = load_rules()
    out = []
    for split in ("seed", "tune", "holdout"):
        for case in load(split):
            line = _line(assess_text(case["old"], case["new"], rules=rules))
            out.append(f"{split}:{case['id']} " + (f"#{_digest(line)}" if split == "holdout" else line))
    for name, old, new in _documents():
        cs = compare(old, new, rules)
        sections = " ".join(f"{s.kind}{'/moved' * s.moved}{'/renamed' * s.renamed}:"
                            f"{s.assessment.level if s.assessment else '-'}" for s in cs.sections)
        diff = repr([(s.kind, s.old_heading, s.new_heading, s.old_path, s.new_path, s.moved, s.renamed,
                      s.text_changed, s.blocks) for s in cs.sections])
        out.append(f"{name} {_line(cs.assessment)} | {sections} | diff #{_digest(diff)}")
    return out


def differences(recorded: list[str], now: list[str]) -> list[str]:
    """What differs, by case name: changed, missing or new lines."""
    def by_name(lines: list[str]) -> dict[str, str]:
        return {ln.split(" ", 1)[0]: ln for ln in lines}
    a, b = by_name(recorded), by_name(now)
    out = [f"- {a[k]}\n+ {b[k]}" for k in a if k in b and a[k] != b[k]]
    out += [f"missing now: {k}" for k in a if k not in b] + [f"not recorded: {k}" for k in b if k not in a]
    return out


def main(argv: list[str]) -> int:
    now = snapshot()
    if "--write" in argv:
        SNAPSHOT.write_text("\n".join(now) + "\n", encoding="utf-8")
        print(f"wrote {len(now)} verdicts to {SNAPSHOT.relative_to(ROOT)}")
        return 0
    diff = differences(SNAPSHOT.read_text("utf-8").splitlines(), now)
    print("\n".join(diff) if diff else f"{len(now)} verdicts identical to {SNAPSHOT.relative_to(ROOT)}")
    return 1 if diff else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
