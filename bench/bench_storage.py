"""Storage: 1,000 policies x 50 versions of ~40 KB text (issue 9, target 5).

    .venv/bin/python bench/bench_storage.py [--policies 1000] [--versions 50] [--keep DIR]

Each policy's text is ~40 KB of real policy prose (paragraphs drawn from the demo pages and the
test corpus, with the company's own name), then 49 revisions with small edits: a new "Last
updated" date, a reworded sentence, now and then an added or removed paragraph. The database is
built directly through Store.add_version (one transaction per policy; no fetching, no judging).

Prints: the database size against the raw text it holds (aim <= 10%), with zlib of each version
(what the store does) and zlib of all versions of a policy as one stream (what deduplication across
versions could reach) as baselines; then `history` and `diff` latency, in-process (Store.versions;
Store.document x2 + changes.compare) and as CLI commands (for reference: they include the
interpreter's start-up and the config's validation).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import result  # noqa: E402

from tracker import textdiff  # noqa: E402
from tracker.changes import compare  # noqa: E402
from tracker.materiality import load_rules  # noqa: E402
from tracker.model import Document  # noqa: E402
from tracker.store import NewChange, Store  # noqa: E402

TARGET_RATIO, TARGET_MS = 0.10, 20.0
MONTHS = "January February March April May June July August September October November December".split()


def paragraph_pool() -> list[list[str]]:
    """Sections (heading + paragraphs) of real policy text: the demo pages and the test corpus."""
    from tracker.normalize import normalize_html

    sections: list[list[str]] = []
    sources = (sorted((ROOT / "tracker" / "demo_pages").glob("*.html"))
               + sorted((ROOT / "tests" / "corpus").glob("*.html")))
    seen: set[str] = set()
    for path in sources:
        if ".noisy." in path.name or "-v1-" in path.name:
            continue
        try:
            doc = normalize_html(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - a corpus page the normalizer refuses is simply not used
            continue
        for s in doc.sections:
            blocks = [b for b in s.blocks if b not in seen and len(b) > 40]
            seen.update(blocks)
            if s.level and blocks:
                sections.append([s.heading] + blocks)
    return sections


def make_policy(pool: list[list[str]], i: int, size: int, rnd: random.Random) -> list[str]:
    """Blocks of one policy: '#'-headings and paragraphs, ~size bytes, with its own company name."""
    name = f"{rnd.choice(['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne'])} {i}"
    out = [f"# {name} Privacy Policy", f"Last updated: {MONTHS[rnd.randrange(12)]} {rnd.randint(1, 28)}, 2021"]
    total = 0
    for sec in rnd.sample(pool, len(pool)):
        if total >= size:
            break
        out.append(f"## {sec[0]}")
        for b in sec[1:]:
            b = re.sub(r"\b(Plex|Company|Example|Contoso)\b", name, b)
            out.append(b)
            total += len(b) + 2
    return out


def revise(blocks: list[str], version: int, rnd: random.Random) -> list[str]:
    """A small edit: the date line, one to three reworded sentences, sometimes a paragraph in or out."""
    new = list(blocks)
    new[1] = f"Last updated: {MONTHS[version % 12]} {1 + version % 28}, {2021 + version // 12}"
    body = [k for k, b in enumerate(new) if k > 1 and not b.startswith("#")]
    for k in rnd.sample(body, rnd.randint(1, 3)):
        words = new[k].split(" ")
        j = rnd.randrange(len(words))
        words[j] = rnd.choice(["may", "will", "shall", "can", "might", "personal", "third-party", "partners"])
        new[k] = " ".join(words)
    r = rnd.random()
    if r < 0.2:
        new.insert(rnd.choice(body), f"We may update this section from time to time (revision {version}).")
    elif r < 0.3 and len(body) > 10:
        del new[rnd.choice(body)]
    return new


def median_ms(fn, items) -> float:
    times = []
    for it in items:
        t0 = time.perf_counter()
        fn(it)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def cli_ms(config: Path, args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tracker", "--config", str(config), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(config.parent))
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--versions", type=int, default=50)
    ap.add_argument("--size", type=int, default=40_000, help="bytes of text per version (about)")
    ap.add_argument("--keep", help="keep the workspace (config, database) in this folder")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-storage-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "tracker.db"
    if db_path.exists():
        for p in work.glob("tracker.db*"):
            p.unlink()
    rnd = random.Random(9)
    pool = paragraph_pool()
    names = [f"policy-{i:05d}" for i in range(args.policies)]

    raw = per_version_zlib = per_policy_zlib = delta_zlib = 0
    t0 = time.perf_counter()
    store = Store(db_path)
    for i, name in enumerate(names):
        blocks = make_policy(pool, i, args.size, rnd)
        stream = zlib.compressobj(3) if i < 50 else None  # the "one stream per policy" baseline, sampled
        sampled = 0
        previous: list[str] | None = None
        with store.write():
            for v in range(args.versions):
                if v:
                    blocks = revise(blocks, v, rnd)
                doc = Document.from_markdown("\n\n".join(blocks))
                text = doc.markdown.encode("utf-8")
                raw += len(text)
                if stream is not None:
                    sampled += len(stream.compress(text))
                    per_version_zlib += len(zlib.compress(text, 3))
                    lines = doc.markdown.split("\n")
                    if previous is None:  # a key frame: the whole text
                        delta_zlib += len(zlib.compress(text, 3))
                    else:  # a line delta against the previous version: opcodes + the new lines only
                        ops = [(t, i1, i2, lines[j1:j2]) for t, i1, i2, j1, j2 in
                               textdiff.opcodes(previous, lines) if t != "equal"]
                        delta_zlib += len(zlib.compress(json.dumps(ops).encode(), 3))
                    previous = lines
                change = NewChange("first", None, "first version", {}) if v == 0 else \
                    NewChange("change", "minor", "1 changed section; rights: reworded, no adverse signal", {})
                store.add_version(name, doc, snapshot=None, normalizer="bench", selectors={}, change=change,
                                  created_at=f"{2021 + v // 12}-{1 + v % 12:02d}-01T00:00:00+00:00")
        if stream is not None:
            per_policy_zlib += sampled + len(stream.flush())
        if (i + 1) % 100 == 0:
            print(f"  built {i + 1} policies ({time.perf_counter() - t0:.0f} s)", flush=True)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    build_s = time.perf_counter() - t0
    size = db_path.stat().st_size
    texts = store.db.execute("SELECT COUNT(*), SUM(LENGTH(markdown)) FROM texts").fetchone()
    sampled_raw = raw * min(50, args.policies) / args.policies  # the baselines were taken on the first 50
    ratio = size / raw
    print(f"{args.policies} policies x {args.versions} versions, {raw / 1e6:.0f} MB of text "
          f"({raw / args.policies / args.versions / 1000:.1f} KB per version); built in {build_s:.0f} s")
    print(f"  database file       {size / 1e6:8.1f} MB = {100 * ratio:5.1f}% of the raw text  "
          f"target <= {100 * TARGET_RATIO:.0f}%: {'OK' if ratio <= TARGET_RATIO else 'MISS'}")
    print(f"  of which texts      {texts[1] / 1e6:8.1f} MB compressed in {texts[0]} rows "
          f"(distinct digests; zlib level 3 per version)")
    print(f"  baseline zlib -3 of each version     {100 * per_version_zlib / sampled_raw:5.1f}% of raw "
          f"(first 50 policies)")
    print(f"  baseline zlib -3, a policy's versions as one stream {100 * per_policy_zlib / sampled_raw:5.1f}% "
          f"(zlib's 32 KB window is shorter than one version: it cannot see the previous one)")
    print(f"  baseline line delta against the previous version, zlib -3 (first version whole) "
          f"{100 * delta_zlib / sampled_raw:5.1f}% (what delta storage would reach)")
    result(f"storage {args.policies}x{args.versions} x ~40 KB: db / raw text", f"<= {100 * TARGET_RATIO:.0f}%",
           f"{100 * ratio:.1f}% ({size / 1e6:.0f} MB / {raw / 1e6:.0f} MB)", ratio <= TARGET_RATIO)

    rules = load_rules()
    sample = rnd.sample(names, min(200, len(names)))
    store.close()
    store = Store(db_path)
    t_hist = median_ms(lambda n: store.versions(n), sample)

    def diff_last(n: str) -> None:
        versions = store.versions(n)
        compare(store.document(versions[-2]), store.document(versions[-1]), rules)

    def load_last(n: str) -> None:
        versions = store.versions(n)
        store.document(versions[-2]), store.document(versions[-1])

    t_load = median_ms(load_last, sample[:50])
    t_diff = median_ms(diff_last, sample[:50])
    print(f"  history in-process (Store.versions)                   {t_hist:6.2f} ms  target <= {TARGET_MS:.0f}: "
          f"{'OK' if t_hist <= TARGET_MS else 'MISS'}")
    print(f"  diff in-process (2 x Store.document + changes.compare) {t_diff:6.2f} ms  target <= {TARGET_MS:.0f}: "
          f"{'OK' if t_diff <= TARGET_MS else 'MISS'}  (loading the two texts: {t_load:.2f} ms)")
    result("history latency in-process", f"<= {TARGET_MS:.0f} ms", f"{t_hist:.2f} ms", t_hist <= TARGET_MS)
    result("diff latency in-process (load 2 versions + compare)", f"<= {TARGET_MS:.0f} ms", f"{t_diff:.1f} ms",
           t_diff <= TARGET_MS)
    store.close()

    config = work / "config.toml"
    lines = ["[tracker]", f'database = "{db_path}"', ""]
    for n in names:
        lines += ["[[policy]]", f'name = "{n}"', f'url = "https://example.org/{n}"', ""]
    config.write_text("\n".join(lines), encoding="utf-8")
    one = sample[0]
    c_help = cli_ms(config, ["--help"], 5)
    c_hist = cli_ms(config, ["history", one, "--format", "json"], 5)
    c_diff = cli_ms(config, ["diff", one, "--format", "json"], 5)
    print(f"  CLI (reference; {args.policies} policies in the config): --help {c_help:.0f} ms, "
          f"history {c_hist:.0f} ms, diff {c_diff:.0f} ms")
    result("CLI history / diff (reference, incl. start-up)", "(reference)",
           f"{c_hist:.0f} ms / {c_diff:.0f} ms", None)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ratio <= TARGET_RATIO and max(t_hist, t_diff) <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
