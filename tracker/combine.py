"""Documents made of several pages (`combine`, as in Open Terms Archive): one raw, one text.

A policy published over several pages (a privacy policy and its cookie annex, a terms page per
chapter) is fetched page by page, in order, and tracked as one document: the parts' texts are
joined in order before the sections are built, so a diff, a verdict and a notification cover the
whole. A change in any part is a change of the document; a failure of any part fails the check.

The raw pages are kept together as one snapshot: a MIME multipart/mixed body (RFC 2046) with one
part per page, each with its URL (Content-Location), its content type and its bytes unchanged (a
binary part: no base64, so the store's compression keeps working). The boundary is derived from
the parts, so the same pages give the same bytes and an unchanged document costs no new row.
Re-extraction (`tracker reextract`) reads the parts back and extracts each with its own selectors.
Pure: bytes in, bytes out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MEDIA_TYPE = "multipart/mixed"
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?')


@dataclass(frozen=True)
class Part:
    """One fetched page of a combined document."""

    url: str
    body: bytes
    content_type: str
    encoding: str = ""


def is_combined(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == MEDIA_TYPE


def pack(parts: list[Part]) -> tuple[bytes, str]:
    """The parts as one multipart/mixed body, and its content type (which names the boundary)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part.body).digest())
    boundary = "tracker-combine-" + digest.hexdigest()[:32]
    while any(boundary.encode() in part.body for part in parts):  # never in practice: a hash of the parts
        boundary += "-" + hashlib.sha256(boundary.encode()).hexdigest()[:8]
    out = bytearray()
    for part in parts:
        content_type = part.content_type or "application/octet-stream"
        if part.encoding and "charset" not in content_type:
            content_type += f"; charset={part.encoding}"
        out += (f"--{boundary}\r\nContent-Location: {_header(part.url)}\r\nContent-Type: {_header(content_type)}\r\n"
                "Content-Transfer-Encoding: binary\r\n\r\n").encode("ascii", "replace")
        out += part.body + b"\r\n"
    out += f"--{boundary}--\r\n".encode("ascii")
    return bytes(out), f'{MEDIA_TYPE}; boundary="{boundary}"'


def unpack(body: bytes, content_type: str) -> list[Part]:
    """The parts of a body written by ``pack``; ValueError if it is not one."""
    m = _BOUNDARY.search(content_type)
    if not m:
        raise ValueError("a combined snapshot without a boundary")
    delimiter = b"--" + m.group(1).encode("ascii", "replace")
    chunks = body.split(b"\r\n" + delimiter)
    first = chunks[0]
    if not first.startswith(delimiter):
        raise ValueError("a combined snapshot that does not start with its boundary")
    chunks[0] = first[len(delimiter):]
    parts: list[Part] = []
    for chunk in chunks:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, sep, payload = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("a combined snapshot part without headers")
        headers = {}
        for line in head.decode("ascii", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        media, _, params = headers.get("content-type", "").partition(";")
        charset = re.search(r'charset="?([^";\s]+)', params)
        parts.append(Part(headers.get("content-location", ""), payload, media.strip(),
                          charset.group(1) if charset else ""))
    if not parts:
        raise ValueError("a combined snapshot with no part")
    return parts


def _header(value: str) -> str:
    """A header value on one line (a URL or a content type from a server: no CR/LF smuggled in)."""
    return re.sub(r"[\r\n]+", " ", value)
