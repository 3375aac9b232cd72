"""The one module that speaks HTTP: retries, conditional GET, size caps, redirect and scheme guards."""

from __future__ import annotations

import asyncio
import codecs
import email.utils
import logging
import os
import re
import ssl
import stat
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import httpx

from tracker import waits
from tracker.addresses import refuse_private
from tracker.doctype import document_type
from tracker.errors import FetchError, UsageError
from tracker.inflate import decode, inflaters

log = logging.getLogger("tracker.fetch")

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 300.0
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = "tracker/0.1"
    timeout: float = 30.0
    connect_timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0  # first retry delay in seconds, doubled each time
    max_bytes: int = 10_000_000
    max_redirects: int = 10
    total_timeout: float | None = None  # whole request, redirects and body included; None: connect + read
    allow_private: bool = True  # False: refuse URLs and redirects to loopback, private and link-local addresses

    @property
    def deadline(self) -> float:
        return self.total_timeout if self.total_timeout is not None else self.timeout + self.connect_timeout


def settings_for(t) -> FetchSettings:
    """FetchSettings from the config's [tracker] table (a TrackerSettings)."""
    return FetchSettings(user_agent=t.user_agent, timeout=t.timeout, connect_timeout=t.connect_timeout,
                         retries=t.retries, backoff=t.retry_backoff, max_bytes=t.max_bytes,
                         max_redirects=t.max_redirects, allow_private=t.allow_private)


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    encoding: str = ""
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1
    duration: float = 0.0
    not_modified: bool = False
    errors: tuple[str, ...] = field(default_factory=tuple)  # failures retried before success
    via: str = "http"  # "browser" when the body is the DOM Chromium rendered (tracker/browser.py)
    via_reason: str = ""  # why that path was taken (tracker/scriptshell.py)

    @property
    def text(self) -> str:
        return self.body.decode(self.encoding or "utf-8", errors="replace")


def new_client() -> httpx.AsyncClient:
    """TLS verification stays on; redirects are followed by hand so every hop is checked. The
    settings (user agent, timeouts, caps) travel with each fetch(), not with the client: a daemon's
    one client serves the new values from the first request after a config reload."""
    return httpx.AsyncClient(
        # only the codings _Inflater decodes with a bound: br and zstd are not asked for
        headers={"Accept-Encoding": "gzip, deflate",
                 "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"},
        follow_redirects=False,
        verify=True,
        http2=False,
        event_hooks={"response": [_check_redirect]},
    )


async def _check_redirect(response: httpx.Response) -> None:
    """Runs before httpx parses a redirect's Location itself (which fails on "mailto:x" or
    "http://[::1" with a protocol error that looks like a network fault and would be retried)."""
    if response.has_redirect_location:
        target = _redirect_target(str(response.request.url), response.headers["location"])
        _check_scheme(target, redirect=True)
        try:
            httpx.URL(target)
        except httpx.InvalidURL as exc:
            raise FetchError(f"redirect to an invalid URL {target!r}: {exc}", kind="bad_url") from None


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    settings: FetchSettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    """GET with retries on connection errors, 5xx and 429 (honouring Retry-After)."""
    started = time.monotonic()
    errors: list[str] = []
    attempt = 0
    while True:
        attempt += 1
        try:
            result = await _get_within_deadline(client, url, settings, etag, last_modified)
        except FetchError as exc:
            retry_after = getattr(exc, "retry_after", None)
            too_long = retry_after is not None and retry_after > MAX_RETRY_AFTER
            if not getattr(exc, "retryable", False) or attempt > settings.retries or too_long:
                if too_long:
                    exc.args = (f"{exc} (the server asks to retry after {retry_after:.0f} s: left to the next check)",)
                exc.attempts = attempt  # type: ignore[attr-defined]
                raise
            errors.append(f"{exc.kind}: {exc}")
            delay = settings.backoff * 2 ** (attempt - 1)
            if retry_after is not None:
                delay = max(delay, retry_after)
            await waits.pause(delay, "a retry")
            continue
        return FetchResult(
            **{**result.__dict__, "attempts": attempt, "duration": time.monotonic() - started, "errors": tuple(errors)}
        )


async def _get_within_deadline(client, url, settings: FetchSettings, etag, last_modified) -> FetchResult:
    """httpx's read timeout is per read: a server trickling a byte every second never trips it.
    The whole attempt (every redirect hop and the body) must finish within the deadline."""
    try:
        async with asyncio.timeout(settings.deadline):
            return await _get(client, url, settings, etag, last_modified)
    except TimeoutError:
        raise _retryable(f"timed out: no complete response within {settings.deadline:g} s "
                         "(the server sends too slowly)", "timeout") from None


async def _get(client, url, settings, etag, last_modified) -> FetchResult:
    headers = {"User-Agent": settings.user_agent}
    timeout = httpx.Timeout(settings.timeout, connect=settings.connect_timeout)
    etag, last_modified = sendable(etag, "ETag"), sendable(last_modified, "Last-Modified")
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    for _hop in range(settings.max_redirects + 1):
        _check_scheme(current, redirect=current != url)
        if not settings.allow_private:
            await refuse_private(current, redirect=current != url)
        try:
            async with client.stream("GET", current, headers=headers, timeout=timeout) as response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308) and "location" in response.headers:
                    current = _redirect_target(current, response.headers["location"])
                    continue
                if status == 304 and (etag or last_modified):  # a 304 answers a conditional request only
                    return FetchResult(url, current, 304, etag=etag, last_modified=last_modified, not_modified=True)
                if status >= 400:
                    raise _status_error(response)
                if status != 200:  # 206 (a part), 204, 203, 300, a 3xx without Location, an unasked 304
                    raise FetchError(f"HTTP {status} {_reason(response)}: only a complete 200 response is a page",
                                     kind="http_status")
                body = await _read_capped(response, settings.max_bytes)
                return FetchResult(
                    url=url,
                    final_url=str(response.url),
                    status=status,
                    body=body,
                    content_type=document_type(response.headers.get("content-type", ""), body),
                    encoding=detect_encoding(body, response.charset_encoding),
                    etag=sendable(response.headers.get("etag"), "ETag"),
                    last_modified=sendable(response.headers.get("last-modified"), "Last-Modified"),
                )
        except httpx.TimeoutException as exc:
            raise _retryable(f"timed out ({type(exc).__name__})", "timeout") from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            if _http_kind(exc) == "tls":
                raise FetchError(f"TLS handshake failed (certificate not trusted?): {exc}", kind="tls") from exc
            if "complete message body" in str(exc):  # fewer bytes than Content-Length, then closed
                raise _retryable(f"the body was cut short: {exc}", "truncated") from exc
            raise _retryable(f"{type(exc).__name__}: {str(exc) or 'the connection was reset or closed'}",
                             "connection") from exc
        except httpx.DecodingError as exc:
            raise FetchError(f"cannot decode the response body: {exc}", kind="decoding") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}", kind=_http_kind(exc)) from exc
        except httpx.InvalidURL as exc:  # not an HTTPError: a redirect to "http://host:port-that-is-not/"
            raise FetchError(f"invalid URL {current!r}: {exc}", kind="bad_url") from exc
    raise FetchError(f"more than {settings.max_redirects} redirects", kind="too_many_redirects")


def sendable(value: str | None, what: str) -> str | None:
    """A validator we can send back as it came (visible ASCII, bounded); any other is dropped, and
    logged: a server's odd ETag must never make every later request fail before it is sent."""
    if value is None or (value.isascii() and value.isprintable() and len(value) <= 1024):
        return value
    log.warning("dropping the %s %r: it cannot be sent back in a request header", what, value[:80])
    return None


def _reason(response: httpx.Response) -> str:
    """The server's reason phrase, which it chooses: printable ASCII only, bounded."""
    return "".join(c for c in response.reason_phrase if c.isascii() and c.isprintable())[:80]


def _redirect_target(current: str, location: str) -> str:
    try:
        return urljoin(current, location.strip())
    except ValueError as exc:  # e.g. "http://[::1": urljoin raises
        raise FetchError(f"redirect to an invalid URL {location!r}: {exc}", kind="bad_url") from None


def _http_kind(exc: httpx.HTTPError) -> str:
    """TLS failures (a bad or self-signed certificate) get their own class: never retried, never ignored."""
    cause: BaseException | None = exc
    for _ in range(10):  # the chain is short; the bound guards against a cycle
        if cause is None:
            break
        if isinstance(cause, ssl.SSLError):
            return "tls"
        cause = cause.__cause__ or cause.__context__
    return "http"


def _check_scheme(url: str, *, redirect: bool) -> None:
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError as exc:  # "http://[::1"
        raise FetchError(f"invalid URL {url!r}: {exc}", kind="bad_url") from None
    if scheme not in ("http", "https"):
        where = "a redirect to" if redirect else "the URL"
        raise FetchError(f"refusing {where} {url!r}: only http and https are fetched", kind="bad_scheme")


def _retryable(message: str, kind: str, retry_after: float | None = None) -> FetchError:
    exc = FetchError(message, kind=kind)
    exc.retryable = True  # type: ignore[attr-defined]
    exc.retry_after = retry_after  # type: ignore[attr-defined]
    return exc


def _status_error(response: httpx.Response) -> FetchError:
    status = response.status_code
    message = f"HTTP {status} {_reason(response)}".strip()
    if status in RETRY_STATUSES:
        exc = _retryable(message, "http_status", parse_retry_after(response.headers.get("retry-after")))
    else:
        exc = FetchError(message, kind="http_status")
    exc.status = status  # type: ignore[attr-defined]
    return exc


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """Decode the raw bytes ourselves, every layer of Content-Encoding incrementally, and count what
    comes out: a few KB of stacked gzip must not reach gigabytes before the cap is checked."""
    layers = inflaters(response.headers.get("content-encoding", ""))
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes and not layers:
        raise FetchError(f"body of {declared} bytes is over the cap of {max_bytes}", kind="too_large")
    chunks: list[bytes] = []
    size = 0
    try:
        async for raw in response.aiter_raw():
            for piece in decode(layers, raw):
                size += len(piece)
                if size > max_bytes:
                    raise FetchError(f"body is over the cap of {max_bytes} bytes (after decompression)",
                                     kind="too_large")
                chunks.append(piece)
    except zlib.error as exc:
        raise FetchError(f"cannot decode the response body ({response.headers['content-encoding']}): {exc}",
                         kind="decoding") from None
    return b"".join(chunks)


def detect_encoding(body: bytes, declared: str | None) -> str:
    """A UTF-8 byte-order mark, then the header's charset, then the page's meta tag, then UTF-8 if
    it decodes, else cp1252. A label is not trusted blindly: a page that is valid UTF-8 with
    non-ASCII text is UTF-8 whatever it says (a latin-1 label would turn it into mojibake), and a
    "UTF-8" page without a single UTF-8 sequence in it is a mislabelled legacy page."""
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    utf8 = _utf8_kind(body)
    if utf8 == "valid":
        return "utf-8"
    for candidate in (declared, _meta_charset(body)):
        if not candidate:
            continue
        try:
            name = codecs.lookup(candidate).name
        except LookupError:
            continue
        if name == "utf-8" and utf8 == "none":
            continue
        if name in ("latin-1", "iso8859-1", "ascii"):  # as browsers read them (WHATWG): bytes 80-9F are
            return "cp1252"  # quotes and dashes, never C1 control characters
        return candidate.lower()
    return "utf-8" if utf8 in ("ascii", "damaged") else "cp1252"


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _utf8_kind(body: bytes) -> str:
    """ascii | valid (UTF-8 with non-ASCII text) | damaged (UTF-8 with a few broken bytes) | none."""
    if body.isascii():
        return "ascii"
    try:
        body.decode("utf-8")
        return "valid"
    except UnicodeDecodeError:
        return "damaged" if _UTF8_SEQUENCE.search(body) else "none"


def _meta_charset(body: bytes) -> str | None:
    m = _META_CHARSET.search(body[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


_SUFFIX_TYPES = {".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/markdown",
                 ".markdown": "text/markdown", ".html": "text/html", ".htm": "text/html", ".xhtml": "text/html"}


def read_local(source: str, max_bytes: int = 50_000_000) -> FetchResult:
    """A file path or file:// URL, for commands where the user named the file themselves. Only a
    regular file is read (a FIFO would hang, /dev/zero never ends), and never more than the cap:
    what a file says its size is does not count, what is read does."""
    path = Path(url2pathname(urlsplit(source).path)) if source.startswith("file:") else Path(source)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens without waiting for a writer
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise UsageError(f"{path}: is a directory, not a file")
        raise UsageError(f"{path}: not a regular file (a device, FIFO or socket): only files are read")
    with os.fdopen(fd, "rb") as fh:
        try:
            body = fh.read(max_bytes + 1)
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(body) > max_bytes:
        raise UsageError(f"{path}: over the cap of {max_bytes} bytes")
    if not body.strip():
        raise UsageError(f"{path}: the file is empty")
    try:
        content_type = document_type(_SUFFIX_TYPES.get(path.suffix.lower(), ""), body)
    except FetchError as exc:
        raise FetchError(f"{path}: {exc}", kind=exc.kind) from None
    return FetchResult(source, path.resolve().as_uri(), 200, body, content_type, detect_encoding(body, None))


def check_url(url: str) -> str:
    """An http(s) URL that will not fail later: a port in range, a well-formed IPv6 literal, a host."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for "99999", "abc" and friends
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL with a host")
    if port == 0:
        raise ValueError(f"{url!r} is not a valid URL: port 0")
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"{url!r} is not a valid URL: {exc}") from None
    return url


def fetch_one(source: str, settings: FetchSettings) -> FetchResult:
    """Fetch a URL or read a local file, synchronously (for one-shot commands)."""
    if not re.match(r"^https?://", source, re.IGNORECASE):
        if re.match(r"^[a-z][a-z0-9+.-]+:", source, re.IGNORECASE) and not source.lower().startswith("file:"):
            raise FetchError(f"refusing {source!r}: only http and https URLs, or a local file, can be read",
                             kind="bad_scheme")
        return read_local(source)
    try:
        check_url(source)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    async def run() -> FetchResult:
        async with new_client() as client:
            return await fetch(client, source, settings)

    return asyncio.run(run())
