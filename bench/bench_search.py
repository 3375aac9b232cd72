"""Full-text search: 1,000 policies x 50 versions of the seed page (issue 15).

    .venv/bin/python bench/bench_search.py [--policies 1000] [--versions 50] [--keep DIR [--reuse]]

Each policy is the seed page (Plex privacy policy, normalized) under its own company name, then 49
revisions with small edits (bench_storage.revise: the date line, one to three reworded sentences,
now and then a paragraph in or out), stored through Store.add_version, which also writes the
search index. Prints the index size against the text it indexes and the stored texts, then the
median latency of typical queries in-process (Tracker.search) for the latest versions and for
every version, with how many hits there are in all (the page is the best 100). Building takes
~20 min on 2 cores: `--keep DIR` keeps the database, `--reuse` measures it again without building.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_storage import revise  # noqa: E402
from common import result  # noqa: E402

import tracker  # noqa: E402
from tracker.model import Document  # noqa: E402
from tracker.store import NewChange, Store  # noqa: E402

SEED = ROOT / "tracker" / "demo_pages" / "plex-privacy-policy-2021-03-17.html"
QUERIES = ["information", "subcontractor", '"personal information"', "cookie*", "sell AND data", "revision",
           '"third-party" NEAR(share, 10)', "zzzznotaword"]  # common word, rare word, phrase, prefix, ...


def build(db_path: Path, policies: int, versions: int) -> float:
    seed = tracker.normalize(SEED.read_bytes()).markdown.split("\n\n")
    rnd = random.Random(15)
    t0 = time.perf_counter()
    store = Store(db_path)
    for i in range(policies):
        name = f"Company{i}"
        blocks = [f"# {name} Privacy Policy", "Last updated: March 17, 2021",
                  *(re.sub(r"\bPlex\b", name, b) for b in seed[1:])]
        with store.write():
            for n in range(versions):
                if n:
                    blocks = revise(blocks, n, rnd)
                store.add_version(f"policy-{i:05d}", Document.from_markdown("\n\n".join(blocks)), snapshot=None,
                                  normalizer="bench", selectors={},
                                  change=NewChange(tracker.ChangeKind.FIRST if n == 0 else tracker.ChangeKind.CHANGE,
                                                   None, "", None),
                                  created_at=f"{2021 + n // 12}-{1 + n % 12:02d}-01T00:00:00+00:00")
        if i % 100 == 99:
            print(f"  {i + 1} policies stored ({time.perf_counter() - t0:.0f} s)", flush=True)
    store.close()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--versions", type=int, default=50)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--keep", help="keep the workspace (config, database) in this folder")
    ap.add_argument("--reuse", action="store_true", help="measure the database kept in --keep DIR again")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.reuse and (work / "tracker.db").exists():
        seconds = 0.0
    else:
        for p in work.glob("tracker.db*"):
            p.unlink()
        seconds = build(work / "tracker.db", args.policies, args.versions)
    (work / "config.toml").write_text('[tracker]\ndatabase = "tracker.db"\n', encoding="utf-8")
    with Store(work / "tracker.db") as store:
        sizes = store.index_size()
        body = store.db.execute("SELECT SUM(LENGTH(CAST(body AS BLOB))) FROM search_blocks").fetchone()[0]
    mb = 1024 * 1024
    if seconds:
        print(f"{args.policies} policies x {args.versions} versions stored and indexed in {seconds:.0f} s")
    print(f"text of every version: {sizes['raw_text'] / mb:.1f} MB; stored texts (deltas): {sizes['texts'] / mb:.1f} MB"
          f" ({sizes['texts'] / sizes['raw_text']:.1%})")
    print(f"search index: {sizes['index'] / mb:.1f} MB ({sizes['index'] / sizes['raw_text']:.1%} of the text;"
          f" distinct block texts {body / mb:.1f} MB of it)")
    result("search index size", "fraction of the text", f"{sizes['index'] / sizes['raw_text']:.1%}",
           sizes["index"] < sizes["raw_text"] / 5)
    with tracker.Tracker(work / "config.toml") as t:
        print(f"{'query':32} {'latest: hits of total':>22} {'ms':>7} {'all versions: hits of total':>28} {'ms':>7}")
        worst = 0.0
        for q in QUERIES:
            row: list[str] = []
            for every in (False, True):
                times = []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    found = t.search(q, all_versions=every, limit=100)
                    times.append((time.perf_counter() - t0) * 1000)
                ms = statistics.median(times)
                worst = max(worst, ms)
                row += [f"{len(found.hits)} of {found.total:,}", f"{ms:.1f}"]
            print(f"{q:32} {row[0]:>22} {row[1]:>7} {row[2]:>28} {row[3]:>7}")
    result("search latency (worst query, 100 hits)", "<= 500 ms", f"{worst:.0f} ms", worst <= 500)
    if not args.keep:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
