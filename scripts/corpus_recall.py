"""Print, per real corpus page, how much of the expected policy text the normalizer keeps.

    .venv/bin/python scripts/corpus_recall.py            # Markdown table on stdout
    .venv/bin/python scripts/corpus_recall.py --failing  # only pages below the 0.99 bar or leaking

Columns: expected words, kept words (everything the normalizer output), matched expected words in
order, recall, chrome phrases that leaked. See tests/corpus/real/measure.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # PYTHONPATH may point at another tracker

import tracker
from tests.corpus.real.measure import documents, manifest, measure


def main(argv: list[str]) -> int:
    failing_only = "--failing" in argv
    rows = []
    for page in documents():
        r = measure(page)
        ok = r.recall >= 0.99 and not r.leaks and not r.error
        if failing_only and ok:
            continue
        leaks = "; ".join(r.leaks) or ("error: " + r.error if r.error else "")
        rows.append(f"| {r.page} | {', '.join(manifest(page)['structures'])} | {r.expected_words} | "
                    f"{r.kept_words} | {r.matched} | {r.recall:.3f} | {leaks} |")
    print(f"normalizer: {Path(tracker.__file__).parent}\n")
    print("| page | structures | expected words | kept words | matched | recall | chrome leaks |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
