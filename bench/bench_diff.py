"""Diff benchmarks: run ``.venv/bin/python bench/bench_diff.py [--runs N]``.

Prints the median of N runs for:
- the bounded line diff on ~2 MB of repeated lines with ~1% edited (target <= 1.5 s), with the
  number of lines it reports against the number actually edited;
- difflib.SequenceMatcher with autojunk on the same input (the baseline: fast but wrong);
- the section diff of the same text as a document (one block per line);
- a ~36 KB policy-sized document pair (section diff and each renderer);
- 2 MB of unrelated lines (the deadline bounds it).
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import textdiff  # noqa: E402
from tracker.diff import diff_documents  # noqa: E402
from tracker.model import Document  # noqa: E402
from tracker.render import render  # noqa: E402


def timed(fn, runs: int):
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def repetitive(seed: int = 7, size: int = 2_000_000, fraction: float = 0.01, short: bool = False):
    rnd = random.Random(seed)
    base = [f"Clause {k}: we may share your personal information with partners for purpose {k}." for k in range(20)]
    if short:  # ~17-byte lines: 120k lines, so ~1,200 edits
        base = [f"{k} we may share" for k in range(7)]
    lines, total = [], 0
    while total < size:
        lines.append(base[len(lines) % len(base)])
        total += len(lines[-1]) + 1
    new = list(lines)
    picks = sorted(rnd.sample(range(len(lines)), int(len(lines) * fraction)), reverse=True)
    for c, i in enumerate(picks):
        kind = ("sub", "sub", "ins", "del")[c % 4]
        if kind == "sub":
            new[i] = new[i].replace("may share", "will sell") + f" (edit {i})"
        elif kind == "ins":
            new.insert(i, f"Inserted clause {i}: we retain data forever.")
        else:
            del new[i]
    return lines, new, len(picks), total


VOCAB = ("we you your data personal information collect use share process service services provider providers "
         "third parties partners advertising analytics cookies device location account email address name "
         "payment purposes legal rights access delete correct request law security retain retention period "
         "consent opt out sell disclose affiliates children transfer countries protect policy update notice "
         "contact us may will not only with without when where which that the a of to and or for in on by").split()


def policy(seed: int = 1, target: int = 36_000) -> list[str]:
    rnd = random.Random(seed)

    def sentence() -> str:
        words = [rnd.choice(VOCAB) for _ in range(rnd.randint(8, 22))]
        return " ".join(words).capitalize() + "."

    out = ["# Example Privacy Policy", "Last updated: March 17, 2021"]
    size, k = 0, 0
    while size < target:
        k += 1
        out.append(f"## {k}. {' '.join(rnd.choice(VOCAB) for _ in range(3)).title()}")
        for _ in range(rnd.randint(1, 4)):
            out.append(" ".join(sentence() for _ in range(rnd.randint(2, 5))))
        if rnd.random() < 0.4:
            out += [f"- {sentence()}" for _ in range(rnd.randint(2, 5))]
        size = len("\n\n".join(out))
    return out


def edit_policy(blocks: list[str], seed: int = 2) -> list[str]:
    rnd = random.Random(seed)
    new = list(blocks)
    body = [k for k, b in enumerate(new) if not b.startswith("#") and k > 1]
    for k in rnd.sample(body, 6):  # reword a few paragraphs
        words = new[k].split()
        for _ in range(3):
            words[rnd.randrange(len(words))] = rnd.choice(VOCAB)
        new[k] = " ".join(words)
    heads = [k for k, b in enumerate(new) if b.startswith("## ")]
    new[heads[3]] = "## 4. Renamed Heading About Sharing"
    s, e = heads[5], heads[6]  # move one section to the end
    new = new[:s] + new[e:] + new[s:e]
    new.insert(heads[8], "We may sell your personal information to data brokers.")
    new[1] = "Last updated: January 2, 2024"
    return new


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs

    for short in (False, True):
        bench_repetitive(runs, short)
    bench_rest(runs)


def bench_repetitive(runs: int, short: bool) -> None:
    old, new, edits, size = repetitive(short=short)
    print(f"repetitive input{' (short lines)' if short else ''}: {size / 1e6:.2f} MB, {len(old)} lines, "
          f"{edits} lines edited "
          f"(1/2 substituted, 1/4 inserted, 1/4 deleted)")
    t, codes = timed(lambda: textdiff.opcodes(old, new, 1.0), runs)
    rep_old = sum(i2 - i1 for tag, i1, i2, j1, j2 in codes if tag != "equal")
    rep_new = sum(j2 - j1 for tag, i1, i2, j1, j2 in codes if tag != "equal")
    subs, ins = edits - edits // 4 - edits // 4, edits // 4
    print(f"  textdiff.opcodes (deadline 1 s): {t:.3f} s  reported -{rep_old} +{rep_new} lines; "
          f"edited -{edits - ins} +{subs + ins}  [target <= 1.5 s]")
    t0, codes0 = timed(lambda: textdiff.opcodes(old, new, 0.0), runs)
    print(f"  textdiff.opcodes (deadline 0, coarse mode): {t0:.3f} s  reported "
          f"-{sum(i2 - i1 for tag, i1, i2, j1, j2 in codes0 if tag != 'equal')} "
          f"+{sum(j2 - j1 for tag, i1, i2, j1, j2 in codes0 if tag != 'equal')} lines")

    def sm():
        return difflib.SequenceMatcher(None, old, new, autojunk=True).get_opcodes()

    tb, bcodes = timed(sm, max(1, min(runs, 3)))
    b_old = sum(i2 - i1 for tag, i1, i2, j1, j2 in bcodes if tag != "equal")
    print(f"  difflib autojunk baseline: {tb:.3f} s  reported -{b_old} lines "
          f"({100 * b_old / len(old):.0f}% of the file; ratio time ours/difflib {t / tb:.1f}x)")

    if short:
        return
    doc_old = Document.from_markdown("# Terms\n\n" + "\n\n".join(old))
    doc_new = Document.from_markdown("# Terms\n\n" + "\n\n".join(new))
    td, cs = timed(lambda: diff_documents(doc_old, doc_new), max(1, min(runs, 3)))
    blocks = [b for s in cs.sections for b in s.blocks]
    print(f"  diff_documents (one block per line): {td:.3f} s  {len(blocks)} block changes "
          f"({sum(b.op == 'replace' for b in blocks)} replace with inline words)")



def bench_rest(runs: int) -> None:
    p_old = policy()
    p_new = edit_policy(p_old)
    a, b = Document.from_markdown("\n\n".join(p_old)), Document.from_markdown("\n\n".join(p_new))
    print(f"policy-size pair: {len(a.markdown) / 1e3:.1f} KB / {len(b.markdown) / 1e3:.1f} KB, "
          f"{len(a.sections)} sections")
    tp, cs = timed(lambda: diff_documents(a, b), runs * 4)
    kinds = ", ".join(f"{s.kind}{'/moved' if s.moved else ''}{'/renamed' if s.renamed else ''}" for s in cs.sections)
    print(f"  diff_documents: {tp * 1000:.1f} ms  sections: {kinds}")
    tl, _ = timed(lambda: textdiff.diff_lines(a.markdown, b.markdown), runs * 4)
    tdl, _ = timed(lambda: difflib.SequenceMatcher(None, a.markdown.splitlines(), b.markdown.splitlines())
                   .get_opcodes(), runs * 4)
    tw, _ = timed(lambda: textdiff.opcodes(textdiff.tokenize(a.markdown), textdiff.tokenize(b.markdown)), runs)
    tdw, _ = timed(lambda: difflib.SequenceMatcher(None, textdiff.tokenize(a.markdown), textdiff.tokenize(b.markdown),
                                                   autojunk=False).get_opcodes(), max(1, min(runs, 3)))
    print(f"  whole-text lines: ours {tl * 1000:.1f} ms, difflib {tdl * 1000:.1f} ms; "
          f"whole-text words: ours {tw * 1000:.1f} ms, difflib (no autojunk) {tdw * 1000:.1f} ms")
    for fmt in ("text", "markdown", "html", "json", "unified"):
        tr, out = timed(lambda fmt=fmt: render(cs, fmt), runs)
        print(f"  render {fmt:8s} {tr * 1000:6.1f} ms  {len(out) / 1e3:.1f} KB")

    rnd = random.Random(9)
    u_old = [f"{rnd.random()} unrelated line" for _ in range(40000)]
    u_new = [f"{rnd.random()} unrelated line" for _ in range(40000)]
    tu, ucodes = timed(lambda: textdiff.opcodes(u_old, u_new, 1.0), 1)
    print(f"unrelated 2 x {sum(map(len, u_old)) / 1e6:.1f} MB: {tu:.3f} s (deadline 1 s), "
          f"{len(ucodes)} opcode(s): {ucodes[0][0]}")


if __name__ == "__main__":
    main()
