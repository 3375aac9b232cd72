"""The store: texts kept as line deltas read back exactly, and cost little per version."""

from __future__ import annotations

import random
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import delta
from tracker.model import Document
from tracker.store import MAX_CHAIN, NewChange, Store

WORDS = "we collect personal data retain share sell cookies partners rights delete access days months".split()


def text(rng: random.Random, paragraphs: int = 120) -> str:
    heads = [f"## Section {i}\n" for i in range(paragraphs // 10)]
    body = [" ".join(rng.choice(WORDS) for _ in range(40)) for _ in range(paragraphs)]
    labelled = zip(heads + [""] * paragraphs, body, strict=False)  # the first paragraphs get a heading
    return "# Privacy\n\n" + "\n\n".join(h + "\n" + p if h else p for h, p in labelled)


def edit(rng: random.Random, md: str) -> str:
    lines = md.split("\n")
    i = rng.randrange(len(lines))
    lines[i] = lines[i] + f" revised {rng.randrange(10**6)}"
    if rng.random() < 0.3:
        lines.insert(rng.randrange(len(lines)), "A new paragraph about " + rng.choice(WORDS))
    return "\n".join(lines)


def add(store: Store, policy: str, md: str, kind: str = "change"):
    doc = Document.from_markdown(md)
    with store.write():
        return store.add_version(policy, doc, snapshot=None, normalizer="t", selectors={},
                                 change=NewChange(kind, None, "", {}))


def test_fifty_versions_read_back_exactly_and_cost_little(tmp_path):
    rng = random.Random(7)
    store = Store(tmp_path / "t.db")
    md = text(rng)
    written = []
    for n in range(50):
        written.append(Document.from_markdown(md).markdown)
        add(store, "p", md, "first" if n == 0 else "change")
        md = edit(rng, md)
    store.close()
    store = Store(tmp_path / "t.db")  # a fresh process: no cache
    versions = store.versions("p")
    assert [store.markdown(v.digest) for v in versions] == written
    stored = store.db.execute("SELECT SUM(LENGTH(markdown)) FROM texts").fetchone()[0]
    raw = sum(len(t.encode()) for t in written)
    whole = sum(len(zlib.compress(t.encode(), 3)) for t in written)
    assert stored < whole / 5 and stored < raw / 10
    depths = [r[0] for r in store.db.execute("SELECT depth FROM texts")]
    assert max(depths) <= MAX_CHAIN and depths.count(0) >= 50 // (MAX_CHAIN + 1)


def test_a_reverted_text_is_stored_once(tmp_path):
    store = Store(tmp_path / "t.db")
    a, b = "# P\n\nalpha beta", "# P\n\nalpha gamma"
    add(store, "p", a, "first")
    add(store, "p", b)
    add(store, "p", a, "reverted")
    assert store.db.execute("SELECT COUNT(*) FROM texts").fetchone()[0] == 2
    assert [store.markdown(v.digest) for v in store.versions("p")] == [a + "\n", b + "\n", a + "\n"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=30), st.lists(st.text(max_size=30), max_size=30))
def test_delta_round_trip(old_lines, new_lines):
    old, new = "\n".join(old_lines), "\n".join(new_lines)
    assert delta.apply(old, delta.encode(old, new)) == new
