"""A tiny PDF writer for the test corpus: Type1 base fonts, wrapped text, running headers and footers.

No dependency: the bytes are written by hand, the way a report generator lays out a policy. Used by
`python -m tests.corpus.pdfgen` to (re)write the corpus PDFs, and by unit tests to build small PDFs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE_W, PAGE_H = 612, 792
MARGIN = 72
# Average Helvetica advance as a share of the font size: good enough to wrap like a real layout.
CHAR_W = 0.5


@dataclass
class Line:
    text: str
    size: float = 10
    bold: bool = False
    x: float = MARGIN


@dataclass
class Page:
    lines: list[tuple[Line, float]] = field(default_factory=list)  # (line, y)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def wrap(text: str, size: float, width: float = PAGE_W - 2 * MARGIN, hyphenate: bool = True) -> list[str]:
    """Greedy wrap; a long word that does not fit is split with a hyphen, as typesetters do."""
    per_line = int(width / (size * CHAR_W))
    lines: list[str] = []
    cur = ""
    for word in text.split():
        cand = f"{cur} {word}" if cur else word
        if len(cand) <= per_line:
            cur = cand
            continue
        room = per_line - len(cur) - 2 if cur else per_line - 1
        if hyphenate and word.isalpha() and len(word) >= 9 and room >= 4 and len(word) - room >= 3:
            lines.append(f"{cur} {word[:room]}-" if cur else f"{word[:room]}-")
            cur = word[room:]
        else:
            if cur:
                lines.append(cur)
            cur = word
    if cur:
        lines.append(cur)
    return lines


def layout(blocks: list[tuple[str, str]], header: str = "", footer: str = "") -> list[Page]:
    """Blocks are (kind, text) with kind in title, h2, h3, p, li. Footer may hold {page} and {pages}."""
    pages: list[Page] = [Page()]
    y = PAGE_H - MARGIN

    def put(line: Line, gap_before: float) -> None:
        nonlocal y
        y -= gap_before
        if y < MARGIN + 20:
            pages.append(Page())
            y = PAGE_H - MARGIN - line.size
        pages[-1].lines.append((line, y))

    for kind, text in blocks:
        if kind == "title":
            put(Line(text, 18, True), 18)
        elif kind in ("h2", "h3"):
            size = 14 if kind == "h2" else 11.5
            put(Line(text, size, True), size * 2.0)
        elif kind == "li":
            for i, part in enumerate(wrap(text, 10, PAGE_W - 2 * MARGIN - 18)):
                put(Line(("\u2022 " if i == 0 else "") + part, 10, False, MARGIN + (8 if i == 0 else 18)),
                    14 if i else 16)
        else:
            for i, part in enumerate(wrap(text, 10)):
                put(Line(part, 10), 13 if i else 22)
    total = len(pages)
    for n, page in enumerate(pages, 1):
        if header:
            page.lines.insert(0, (Line(header, 8), PAGE_H - 40))
        if footer:
            page.lines.append((Line(footer.format(page=n, pages=total), 8, False, PAGE_W / 2 - 30), 36))
    return pages


def pdf_bytes(pages: list[Page], info: dict[str, str] | None = None, doc_id: str = "0" * 32) -> bytes:
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    f1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    f2 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    kids = []
    for page in pages:
        ops = []
        for line, y in page.lines:
            font = "/F2" if line.bold else "/F1"
            ops.append(f"BT {font} {line.size:g} Tf {line.x:.2f} {y:.2f} Td ({_esc(line.text)}) Tj ET")
        stream = "\n".join(ops).encode("cp1252")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(
            f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 {f1} 0 R /F2 {f2} 0 R >> >> /Contents {content} 0 R >>".encode()
        ))
    objects[pages_obj - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    info_obj = add(("<< " + " ".join(f"/{k} ({_esc(v)})" for k, v in (info or {}).items()) + " >>").encode())

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info_obj} 0 R "
            f"/ID [<{doc_id}> <{doc_id}>] >>\nstartxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def build(blocks: list[tuple[str, str]], header: str = "", footer: str = "", **kw) -> bytes:
    return pdf_bytes(layout(blocks, header, footer), **kw)
