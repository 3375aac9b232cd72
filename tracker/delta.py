"""Line deltas between versions of a text: how 50 versions of a 40 KB policy cost little more
than one. Pure: bytes and strings in, bytes and strings out."""

from __future__ import annotations

import json
import zlib

from tracker.textdiff import opcodes


def encode(base: str, new: str) -> bytes:
    """`new` as a compressed list of [i, j] (copy base lines i..j) and literal lines."""
    a, b = base.split("\n"), new.split("\n")
    ops: list = []
    for tag, i1, i2, j1, j2 in opcodes(a, b, deadline=2.0):
        if tag == "equal":
            ops.append([i1, i2])
        elif tag in ("insert", "replace"):
            ops.extend(b[j1:j2])
    return zlib.compress(json.dumps(ops, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def apply(base: str, delta: bytes) -> str:
    a = base.split("\n")
    out: list[str] = []
    for op in json.loads(zlib.decompress(delta)):
        if isinstance(op, list):
            out.extend(a[op[0]:op[1]])
        else:
            out.append(op)
    return "\n".join(out)
