"""Content-Encoding decoded incrementally with a bound on every step: memory stays small for any
chain of gzip and deflate layers, whatever the compression ratio (fetch.py counts what comes out)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from tracker.errors import FetchError

_OUT = 1 << 16  # bytes out of one decoding step: what bounds memory, whatever the ratio
MAX_CODINGS = 4


class _Inflater:
    """One gzip or deflate layer, decoded as bytes arrive, never more than _OUT bytes per step."""

    def __init__(self, coding: str) -> None:
        self.gzip = coding in ("gzip", "x-gzip")
        self.obj = zlib.decompressobj(31) if self.gzip else None
        self.head = b""  # deflate: the first two bytes tell zlib-wrapped from raw

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.obj is None:
            data = self.head + data
            if len(data) < 2:
                self.head = data
                return
            zlib_wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self.obj = zlib.decompressobj(15 if zlib_wrapped else -15)
        while True:
            out = self.obj.decompress(data, _OUT)
            if self.obj.eof:
                data = self.obj.unused_data if self.gzip else b""
                if data.strip(b"\0"):  # another gzip member follows
                    self.obj = zlib.decompressobj(31)
                else:
                    data = b""
            else:
                data = self.obj.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < _OUT:  # all input used, and no output held back
                return


def inflaters(header: str) -> list[_Inflater]:
    """Decoders for a Content-Encoding chain, outermost first (the last coding listed was applied
    last). Codings we cannot bound (br, zstd, compress...) are refused."""
    codings = [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]
    unknown = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
    if unknown:
        raise FetchError(f"the body is encoded with {', '.join(unknown)}: only gzip and deflate are decoded",
                         kind="decoding")
    if len(codings) > MAX_CODINGS:
        raise FetchError(f"{len(codings)} stacked content encodings: at most {MAX_CODINGS} are decoded",
                         kind="decoding")
    return [_Inflater(c) for c in reversed(codings)]


def decode(layers: list[_Inflater], data: bytes) -> Iterator[bytes]:
    if not layers:
        if data:
            yield data
        return
    for out in layers[0].feed(data):
        yield from decode(layers[1:], out)
