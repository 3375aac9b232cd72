"""Which bodies are documents: HTML, XHTML, plain text, Markdown and PDF, by label and by sniffing.
Anything else (an image, random bytes, JSON) is never stored as a policy version."""

from __future__ import annotations

import json
import re

from tracker.errors import FetchError

DOCUMENT_TYPES = {"text/html": "text/html", "application/xhtml+xml": "text/html", "text/plain": "text/plain",
                  "text/markdown": "text/markdown", "text/x-markdown": "text/markdown",
                  "application/pdf": "application/pdf"}
UNLABELLED = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
_MAGIC = {b"\x89PNG": "a PNG image", b"GIF8": "a GIF image", b"\xff\xd8\xff": "a JPEG image",
          b"PK\x03\x04": "a ZIP archive (or an Office file)", b"\x1f\x8b": "gzip data", b"RIFF": "a RIFF file",
          b"\x7fELF": "a program", b"\x00asm": "WebAssembly", b"OggS": "audio or video", b"wOF": "a web font",
          b"BZh": "bzip2 data", b"\xfd7zXZ": "xz data", b"7z\xbc\xaf": "a 7-zip archive"}
_HTML_START = re.compile(rb"<\s*(?:!doctype|html|head|body|main|article|div|p|h[1-6]|title|section)\b", re.IGNORECASE)


def document_type(content_type: str, body: bytes) -> str:
    """text/html, text/plain, text/markdown or application/pdf, from the label and the bytes; any
    other body (an image, random bytes, JSON, a PDF label on something else) is not a policy."""
    declared = content_type.split(";")[0].strip().lower()
    if body.lstrip()[:5] == b"%PDF-":
        return "application/pdf"
    if declared in ("application/xml", "text/xml") and _HTML_START.search(body[:8192]):
        declared = "application/xhtml+xml"  # XHTML served as generic XML
    if declared not in DOCUMENT_TYPES and declared not in UNLABELLED:
        raise FetchError(f"the body is {declared}, not a document (HTML, XHTML, text, Markdown or PDF)",
                         kind="unsupported_type")
    what = _binary(body)
    if declared == "application/pdf":
        what = what or "not a PDF (no %PDF- header)"
    if what:
        raise FetchError(f"the body is {what}, not a document (labelled {declared or 'nothing'})",
                         kind="unsupported_type")
    if declared in UNLABELLED:
        return "text/html" if _HTML_START.search(body[:8192]) else "text/plain"
    return DOCUMENT_TYPES[declared]


def _binary(body: bytes) -> str | None:
    sample = body[:8192]
    for magic, what in _MAGIC.items():
        if sample.startswith(magic):
            return what
    if b"\0" in sample:
        return "binary data (NUL bytes)"
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if sample and controls / len(sample) > 0.05:
        return "binary data (control bytes)"
    head = sample.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            json.loads(body)
            return "JSON data"
        except ValueError:
            pass
    return None
