"""Time-bounded sequence diff for lines, blocks and words.

``difflib.SequenceMatcher`` is quadratic on long repetitive inputs without autojunk, and wrong
(everything "changed") with it. This module computes an LCS-style alignment that stays fast:

1. common prefix and suffix are stripped (slice comparisons run in C);
2. items are interned to ints, so equal items are the same object and compare by identity;
3. small ranges get an exact Myers O(ND) diff;
4. large ranges are cut at unique common items (patience anchors, LIS);
5. large ranges without anchors run Myers with a bounded number of edits and commit the optimal
   path prefix it found, then continue from there: cost grows with the number of edits, not with
   the square of the length, and the result is still exact for sparse edits;
6. past the deadline, ranges are split at windows that match near the proportional position and
   only small leftovers are reported as replaced: coarser, never "everything changed".

Every result is a valid alignment: applying the opcodes turns ``a`` into ``b``.
The API mirrors difflib: opcodes ``(tag, i1, i2, j1, j2)`` with tags equal/insert/delete/replace.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence

from rapidfuzz.distance import Indel

Opcode = tuple[str, int, int, int, int]

MAX_D = 256  # edits explored by one bounded Myers run
SMALL = 320  # ranges with n + m up to this get an exact Myers diff
_NEG = -(1 << 60)


# --------------------------------------------------------------------------- public API


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable], deadline: float | None = 1.0,
            *, deadline_at: float | None = None) -> list[Opcode]:
    """Opcodes turning ``a`` into ``b``, like ``SequenceMatcher(None, a, b).get_opcodes()``.

    ``deadline`` is in seconds from now (None: no limit); ``deadline_at`` is an absolute
    ``time.monotonic()`` value and wins when given.
    """
    if deadline_at is None and deadline is not None:
        deadline_at = time.monotonic() + deadline
    ia, ib = _intern(a, b)
    runs = _align(ia, ib, deadline_at)
    return _runs_to_opcodes(runs, len(ia), len(ib))


def diff_lines(a: str, b: str, deadline: float | None = 1.0) -> list[Opcode]:
    """Opcodes over ``a.splitlines(keepends=True)`` and the same of ``b``."""
    return opcodes(a.splitlines(True), b.splitlines(True), deadline)


_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
_WORDY = re.compile(r"\w", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Words, runs of whitespace and single punctuation marks; ``"".join`` gives the text back."""
    return _TOKEN.findall(text)


def diff_words(a: str, b: str, deadline: float | None = 1.0, *, deadline_at: float | None = None,
               cleanup: bool = True) -> list[tuple[str, str]]:
    """Inline word diff: ``[(op, text)]`` with op equal/insert/delete.

    Joining the equal+delete texts gives ``a``; joining equal+insert gives ``b``. Deletions come
    before insertions inside a changed stretch; short equalities squeezed between large changes
    are folded into the change (``cleanup``), so a rewritten sentence reads as one replacement.
    """
    ta, tb = tokenize(a), tokenize(b)
    ops = opcodes(ta, tb, deadline, deadline_at=deadline_at)
    segs: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag in ("delete", "replace"):
            segs.append(("delete", "".join(ta[i1:i2])))
        if tag in ("insert", "replace"):
            segs.append(("insert", "".join(tb[j1:j2])))
        if tag == "equal":
            segs.append(("equal", "".join(ta[i1:i2])))
    segs = _merge(segs)
    if cleanup:
        segs = cleanup_semantic(segs)
    return segs


def cleanup_semantic(segs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Fold equalities no longer than the changes on both sides into those changes.

    The core rule of diff-match-patch's ``diff_cleanupSemantic`` (strictly shorter when the
    equality holds a word, so a kept word between two small edits stays visible): it never
    changes what the segments spell, only how readable the change is.

    One pass with a stack, linear in the number of segments: equalities are folded in the order
    "always the first foldable one from the left" would fold them. Folding an equality merges
    the changes either side of it, which can make only the equality just before them foldable
    (every earlier one still borders the same changes), so each fold looks back one step, as
    far as folds go on.
    """
    if _merge(segs) != segs:   # not in _merge's form (diff_words always gives it): fold as it goes
        return _cleanup_unmerged(segs)
    units: list[list[str]] = []   # ["equal", text] or ["change", deleted, inserted]
    for op, text in segs:
        if op == "equal":
            units.append(["equal", text])
        elif units and units[-1][0] == "change":
            units[-1][1 if op == "delete" else 2] += text
        else:
            units.append(["change", text, ""] if op == "delete" else ["change", "", text])

    def size(u: list[str]) -> int:
        return max(len(u[1]), len(u[2]))

    def foldable(text: str, before: int, after: int) -> bool:
        limit = min(before, after) + (0 if _WORDY.search(text) else 1)
        return bool(before and after) and len(text) < limit and len(text.strip()) <= 24

    stack: list[list[str]] = []
    k = 0
    while k < len(units):
        u = units[k]
        k += 1
        nxt = units[k] if k < len(units) else None
        if (u[0] == "equal" and nxt is not None and stack and stack[-1][0] == "change"
                and foldable(u[1], size(stack[-1]), size(nxt))):
            left = stack.pop()
            change = ["change", left[1] + u[1] + nxt[1], left[2] + u[1] + nxt[2]]
            k += 1
            # the equality before the merged change may fold now, and so on leftwards
            while (len(stack) >= 2 and stack[-1][0] == "equal" and stack[-2][0] == "change"
                   and foldable(stack[-1][1], size(stack[-2]), size(change))):
                eq = stack.pop()
                left = stack.pop()
                change = ["change", left[1] + eq[1] + change[1], left[2] + eq[1] + change[2]]
            stack.append(change)
            continue
        stack.append(u)
    out: list[tuple[str, str]] = []
    for u in stack:
        if u[0] == "equal":
            out.append(("equal", u[1]))
            continue
        if u[1]:
            out.append(("delete", u[1]))
        if u[2]:
            out.append(("insert", u[2]))
    return out


def _cleanup_unmerged(segs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """cleanup_semantic for segments not in _merge's form: fold the first foldable equality from
    the left, merge, start again."""
    changed = True
    while changed:
        changed = False
        for t, (op, text) in enumerate(segs):
            if op != "equal" or t == 0 or t == len(segs) - 1:
                continue
            before = _change_size(segs, t, -1)
            after = _change_size(segs, t, +1)
            limit = min(before, after) + (0 if _WORDY.search(text) else 1)
            if before and after and len(text) < limit and len(text.strip()) <= 24:
                segs = segs[:t] + [("delete", text), ("insert", text)] + segs[t + 1:]
                segs = _merge(segs)
                changed = True
                break
    return segs


def grouped_opcodes(codes: list[Opcode], n: int = 3) -> Iterator[list[Opcode]]:
    """Hunks with up to ``n`` lines of context, like ``SequenceMatcher.get_grouped_opcodes``."""
    codes = list(codes)
    if not codes:
        codes = [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    nn = n + n
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > nn:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def unified_diff(a: list[str], b: list[str], fromfile: str = "", tofile: str = "", n: int = 3,
                 deadline: float | None = 1.0) -> Iterator[str]:
    """``difflib.unified_diff`` over lines (with line ends), using the bounded diff."""

    def rng(start: int, stop: int) -> str:
        length = stop - start
        beginning = start + 1 if length else start
        return f"{beginning}" if length == 1 else f"{beginning},{length}"

    started = False
    for group in grouped_opcodes(opcodes(a, b, deadline), n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{rng(first[1], last[2])} +{rng(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    yield " " + _eol(line)
                continue
            for line in a[i1:i2]:
                yield "-" + _eol(line)
            for line in b[j1:j2]:
                yield "+" + _eol(line)


# --------------------------------------------------------------------------- internals


def _eol(line: str) -> str:
    return line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def _merge(segs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop empties, merge neighbours with the same op, order delete before insert in a run."""
    out: list[tuple[str, str]] = []
    run_del: list[str] = []
    run_ins: list[str] = []

    def flush() -> None:
        if run_del:
            out.append(("delete", "".join(run_del)))
            run_del.clear()
        if run_ins:
            out.append(("insert", "".join(run_ins)))
            run_ins.clear()

    for op, text in segs:
        if not text:
            continue
        if op == "delete":
            run_del.append(text)
        elif op == "insert":
            run_ins.append(text)
        else:
            flush()
            if out and out[-1][0] == "equal":
                out[-1] = ("equal", out[-1][1] + text)
            else:
                out.append(("equal", text))
    flush()
    return out


def _change_size(segs: list[tuple[str, str]], t: int, step: int) -> int:
    ins = dele = 0
    t += step
    while 0 <= t < len(segs) and segs[t][0] != "equal":
        if segs[t][0] == "insert":
            ins += len(segs[t][1])
        else:
            dele += len(segs[t][1])
        t += step
    return max(ins, dele)


def _intern(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[list[int], list[int]]:
    table: dict[Hashable, int] = {}
    ia = [table.setdefault(x, len(table)) for x in a]
    ib = [table.setdefault(x, len(table)) for x in b]
    return ia, ib


def _prefix(a: list[int], b: list[int], i: int, ilim: int, j: int, jlim: int) -> int:
    """Length of the common run starting at a[i], b[j] (galloping slice compares)."""
    lim = min(ilim - i, jlim - j)
    if lim <= 0 or a[i] != b[j]:
        return 0
    k, step = 1, 8
    while k < lim:
        s = min(step, lim - k)
        if a[i + k:i + k + s] == b[j + k:j + k + s]:
            k += s
            step <<= 1
            continue
        lo, hi = 0, s  # a[i+k : i+k+lo] matches, a[i+k : i+k+hi] does not
        while hi - lo > 1:
            mid = (lo + hi) >> 1
            if a[i + k:i + k + mid] == b[j + k:j + k + mid]:
                lo = mid
            else:
                hi = mid
        return k + lo
    return k


def _suffix(a: list[int], b: list[int], ilo: int, i: int, jlo: int, j: int) -> int:
    """Length of the common run ending just before a[i], b[j]."""
    lim = min(i - ilo, j - jlo)
    if lim <= 0 or a[i - 1] != b[j - 1]:
        return 0
    k, step = 1, 8
    while k < lim:
        s = min(step, lim - k)
        if a[i - k - s:i - k] == b[j - k - s:j - k]:
            k += s
            step <<= 1
            continue
        lo, hi = 0, s
        while hi - lo > 1:
            mid = (lo + hi) >> 1
            if a[i - k - mid:i - k] == b[j - k - mid:j - k]:
                lo = mid
            else:
                hi = mid
        return k + lo
    return k


def _align(a: list[int], b: list[int], deadline_at: float | None) -> list[tuple[int, int, int]]:
    runs: list[tuple[int, int, int]] = []
    stack = [(0, len(a), 0, len(b), True)]  # last item: worth looking for patience anchors
    while stack:
        alo, ahi, blo, bhi, patience = stack.pop()
        p = _prefix(a, b, alo, ahi, blo, bhi)
        if p:
            runs.append((alo, blo, p))
            alo += p
            blo += p
        s = _suffix(a, b, alo, ahi, blo, bhi)
        if s:
            runs.append((ahi - s, bhi - s, s))
            ahi -= s
            bhi -= s
        n, m = ahi - alo, bhi - blo
        if not n or not m:
            continue
        late = deadline_at is not None and time.monotonic() > deadline_at
        if late:
            _late(a, b, alo, ahi, blo, bhi, runs, stack)
            continue
        if n + m <= SMALL:
            # an exact shortest edit script (insertions and deletions), computed bit-parallel in C
            runs.extend((alo + r.a, blo + r.b, r.size)
                        for r in Indel.opcodes(a[alo:ahi], b[blo:bhi]).as_matching_blocks() if r.size)
            continue
        anchors = _anchors(a, b, alo, ahi, blo, bhi) if patience else None
        if anchors:
            pi, pj = alo, blo
            for i, j in anchors:
                runs.append((i, j, 1))
                stack.append((pi, i, pj, j, True))
                pi, pj = i + 1, j + 1
            stack.append((pi, ahi, pj, bhi, True))
            continue
        done, found, x, y = _myers(a, b, alo, ahi, blo, bhi, MAX_D)
        runs.extend(found)
        if not done:
            stack.append((alo + x, ahi, blo + y, bhi, False))
    return runs


def _anchors(a: list[int], b: list[int], alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int]]:
    """Patience anchors: items occurring once in each range, longest increasing subsequence."""
    ca = Counter(a[alo:ahi])
    cb = Counter(b[blo:bhi])
    pos_b = {x: j for j, x in enumerate(b[blo:bhi], blo) if cb[x] == 1 and ca.get(x) == 1}
    if not pos_b:
        return []
    pairs = [(i, pos_b[x]) for i, x in enumerate(a[alo:ahi], alo) if x in pos_b]
    return _lis(pairs)


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of ``pairs`` (sorted by first) increasing in the second item."""
    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(pairs)
    for t, (_, j) in enumerate(pairs):
        k = bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_idx.append(t)
        else:
            tails[k] = j
            tail_idx[k] = t
        prev[t] = tail_idx[k - 1] if k else -1
    out = []
    t = tail_idx[-1] if tail_idx else -1
    while t >= 0:
        out.append(pairs[t])
        t = prev[t]
    out.reverse()
    return out


def _myers(a: list[int], b: list[int], alo: int, ahi: int, blo: int, bhi: int, max_d: int):
    """Greedy forward Myers over a[alo:ahi] x b[blo:bhi] with at most ``max_d`` edits.

    Returns ``(done, runs, x, y)``. When done, ``runs`` align the whole range. Otherwise ``runs``
    align the prefix a[alo:alo+x] x b[blo:blo+y] optimally (the first half of the best path found)
    and the caller continues from there.
    """
    n, m = ahi - alo, bhi - blo
    off = max_d + 1
    v = [_NEG] * (2 * max_d + 3)
    v[off + 1] = 0
    trace: list[list[int]] = []
    end_k = None
    for d in range(max_d + 1):
        for k in range(-d, d + 1, 2):
            xd = v[off + k + 1]
            if xd != _NEG and xd - k > m:
                xd = _NEG
            xr = v[off + k - 1]
            xr = xr + 1 if xr != _NEG and xr < n else _NEG
            x = xd if xd >= xr else xr
            if x == _NEG:
                v[off + k] = _NEG
                continue
            y = x - k
            if x < n and y < m and a[alo + x] == b[blo + y]:
                x += _prefix(a, b, alo + x, ahi, blo + y, bhi)
            v[off + k] = x
            if x >= n and x - k >= m:
                end_k = k
                break
        trace.append(v[:])
        if end_k is not None:
            return (True, _backtrack(trace, off, n, m, end_k, alo, blo, 0)[0], n, m)
    # Not finished: follow the path that got furthest, commit its first half.
    best_k, best = 0, -1
    for k in range(-max_d, max_d + 1, 2):
        x = v[off + k]
        if x != _NEG and 2 * x - k > best:
            best, best_k = 2 * x - k, k
    runs, (x, y) = _backtrack(trace, off, n, m, best_k, alo, blo, max_d // 2)
    if x + y == 0:  # cannot happen with max_d >= 2, but never loop forever
        x, y = (1, 1) if n and m else (n, m)
    return (False, runs, x, y)


def _backtrack(trace, off, n, m, k, alo, blo, drop_last):
    """Matched runs along the path ending on diagonal k at the last traced step.

    The runs of the last ``drop_last`` steps are not returned (left for the caller to redo);
    also returns the relative point where the kept part of the path ends.
    """
    runs: list[tuple[int, int, int]] = []
    last = len(trace) - 1
    keep = last - drop_last
    point = (0, 0)
    for d in range(last, -1, -1):
        v = trace[d]
        x = v[off + k]
        if d == keep:
            point = (x, x - k)
        if d == 0:
            start_x, prev_k = 0, k
        else:
            pv = trace[d - 1]
            xd = pv[off + k + 1]
            if xd != _NEG and xd - k > m:
                xd = _NEG
            xr = pv[off + k - 1]
            xr = xr + 1 if xr != _NEG and xr < n else _NEG
            if xd >= xr:
                start_x, prev_k = xd, k + 1
            else:
                start_x, prev_k = xr, k - 1
        if x > start_x and d <= keep:
            runs.append((alo + start_x, blo + start_x - k, x - start_x))
        k = prev_k
    runs.reverse()
    return runs, point


def _late(a, b, alo, ahi, blo, bhi, runs, stack) -> None:
    """Past the deadline: cheap split at a matching window near the proportional position."""
    n, m = ahi - alo, bhi - blo
    if n + m <= 64:
        done, found, x, y = _myers(a, b, alo, ahi, blo, bhi, 16)
        if done:
            runs.extend(found)
        return  # otherwise leave the small range as replaced
    w = max(1, min(8, n // 4, m // 4))
    mid = alo + n // 2
    best = None  # (distance from the proportional position, i, j)
    for t in range(16):
        i = mid + ((t + 1) // 2) * w * (1 if t % 2 else -1)
        if not alo <= i <= ahi - w:
            continue
        expect = blo + (i - alo) * m // n
        j = _nearest_window(a, b, i, w, blo, bhi, expect)
        if j is not None and (best is None or abs(j - expect) < best[0]):
            best = (abs(j - expect), i, j)
            if best[0] <= 1:
                break
    if best is None:
        return  # nothing matches near the middle: genuinely different, leave it replaced
    _, i, j = best
    runs.append((i, j, w))
    stack.append((alo, i, blo, j, False))
    stack.append((i + w, ahi, j + w, bhi, False))


def _nearest_window(a, b, i, w, blo, bhi, expect):
    window = a[i:i + w]
    first = window[0]
    last_start = bhi - w

    def scan(start, stop):
        j = start
        while j <= min(stop, last_start):
            try:
                j = b.index(first, j, min(stop, last_start) + 1)
            except ValueError:
                return None
            if b[j:j + w] == window:
                return j
            j += 1
        return None

    after = scan(max(expect, blo), last_start)
    limit = (after - expect) if after is not None else bhi - blo
    lo = max(blo, expect - limit)
    best = None
    j = lo
    while True:  # the match before expect closest to it
        found = scan(j, min(expect, last_start))
        if found is None or found >= expect:
            break
        best = found
        j = found + 1
    if best is not None and (after is None or expect - best < after - expect):
        return best
    return after


def _runs_to_opcodes(runs: list[tuple[int, int, int]], n: int, m: int) -> list[Opcode]:
    runs = sorted(r for r in runs if r[2] > 0)
    merged: list[list[int]] = []
    for i, j, size in runs:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1][2] += size
        else:
            merged.append([i, j, size])
    codes: list[Opcode] = []
    i = j = 0
    for ai, bj, size in merged + [[n, m, 0]]:
        if i < ai and j < bj:
            codes.append(("replace", i, ai, j, bj))
        elif i < ai:
            codes.append(("delete", i, ai, j, bj))
        elif j < bj:
            codes.append(("insert", i, ai, j, bj))
        if size:
            codes.append(("equal", ai, ai + size, bj, bj + size))
        i, j = ai + size, bj + size
    return codes
