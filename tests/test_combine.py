"""`combine`: a policy published over several pages, fetched in order and tracked as one document.

The two pages are real: Substack's Copyright Dispute Policy and Repeat Infringer Policy, which Open
Terms Archive combines into Substack's "Copyright Claims Policy" (tests/ota/README.md; Open Terms
Archive contributors, ODC-BY 1.0), served by the loopback page server; the per-page range selector
is the one OTA's declaration uses. What the document must hold was written before the code ran.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker import combine
from tracker.testing import Page

PAGES = Path(__file__).parent / "ota"
DISPUTE = (PAGES / "substack-dispute.html").read_bytes()
REPEAT = (PAGES / "substack-repeat-infringer.html").read_bytes()
RANGE = {"startBefore": "h1", "endBefore": ".footer-wrap"}  # contrib-declarations Substack.json


def _setup(ws, server, repeat: bytes | Page = REPEAT):
    first = server.put("/dispute", DISPUTE)
    second = server.put("/repeat_infringer", repeat if isinstance(repeat, Page) else Page(repeat))
    ws.write_config([{"name": "substack-copyright-claims-policy", "title": "Substack Copyright Claims Policy",
                      "combine": [{"url": first, "select": [RANGE]}, {"url": second, "select": [RANGE]}]}])
    return first, second


def test_the_pages_are_fetched_in_order_and_stored_as_one_document(ws, server):
    first, second = _setup(ws, server)
    result = ws.json("check")["results"][0]
    assert result["outcome"] == "new_version" and result["version"] == 1
    assert [path for path, _ in server.requests] == ["/dispute", "/repeat_infringer"]
    doc = ws.json("show", "substack-copyright-claims-policy")
    headings = [s["heading"] for s in doc["sections"]]
    assert headings == ["Copyright Dispute Policy", "Caution Advised", "Disputing a Copyright Notice",
                        "Repeat Infringer Policy", "Background", "Our commitment to individualized consideration",
                        "When we will consider repeat infringer claims", "Remedial Action"]
    text = doc["markdown"]
    assert text.index("Last updated: February 19, 2025") < text.index("Caution Advised") \
        < text.index("Last updated: August 18th, 2020") < text.index("Account termination")
    for chrome in ("Documents", "Publisher Agreement", "Start publishing", "Substack is the home for great culture",
                   "© Substack Inc."):
        assert chrome not in text
    with ws.store() as store:
        version = store.latest_version("substack-copyright-claims-policy")
        body, content_type, _ = store.snapshot(version.snapshot)
    parts = combine.unpack(body, content_type)  # the raw pages, each as served
    assert [(p.url, p.body, p.content_type, p.encoding) for p in parts] == [
        (first, DISPUTE, "text/html", "utf-8"), (second, REPEAT, "text/html", "utf-8")]
    assert ws.json("check")["results"][0]["outcome"] == "unchanged"  # same pages: same raw, no version


def test_a_change_on_one_page_is_a_change_of_the_document(ws, server):
    _setup(ws, server)
    ws.cli("check")
    changed = REPEAT.replace(b"<li><p>Written warnings</p></li>", b"")
    server.put("/repeat_infringer", changed)
    result = ws.json("check")["results"][0]
    assert result["outcome"] == "new_version" and result["version"] == 2
    diff = ws.json("diff", "substack-copyright-claims-policy")
    assert [s["new_heading"] for s in diff["sections"]] == ["Remedial Action"]
    assert any("Written warnings" in (b["old"] or "") for s in diff["sections"] for b in s["blocks"])
    # re-extraction reads the stored pages back, each with its own selectors
    assert ws.json("reextract")["results"][0]["outcome"] == "unchanged"


@pytest.mark.parametrize("repeat, says", [
    (Page(b"gone", 404, {"Content-Type": "text/plain"}), "404"),
    (Page(REPEAT.replace(b"<h1>", b"<h2>").replace(b"</h1>", b"</h2>")), "start selector 'h1' matched nothing"),
])
def test_a_failure_of_any_page_fails_the_check_and_stores_nothing(ws, server, repeat, says):
    _setup(ws, server, repeat)
    out = ws.json("check", expect=1)["results"][0]
    assert out["outcome"] == "error" and "page 2 of 2" in out["error"] and says in out["error"]
    assert "/repeat_infringer" in out["error"]
    assert ws.json("history", "substack-copyright-claims-policy")["versions"] == []
    status = ws.json("status")
    [row] = [p for p in status["policies"] if p["policy"] == "substack-copyright-claims-policy"]
    assert row["last_outcome"] == "error"


def test_pack_and_unpack_keep_every_byte_and_are_deterministic():
    parts = [combine.Part("https://a.example/x", b"%PDF-1.7\r\n\x00\xff--not-a-boundary\r\n\r\n", "application/pdf"),
             combine.Part("https://a.example/y", "café\r\n".encode("latin-1"), "text/plain", "iso-8859-1")]
    body, content_type = combine.pack(parts)
    assert combine.is_combined(content_type) and combine.unpack(body, content_type) == parts
    assert combine.pack(parts) == (body, content_type)  # the same pages, the same snapshot
    assert combine.pack(parts[::-1])[0] != body
    evil = [combine.Part("https://a.example/z\r\nX-Injected: 1", b"<p>x</p>", "text/html")]
    body, content_type = combine.pack(evil)
    assert b"\r\nX-Injected" not in body and len(combine.unpack(body, content_type)) == 1
    with pytest.raises(ValueError):
        combine.unpack(b"no boundary here", content_type)
