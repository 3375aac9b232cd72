"""The one module that speaks HTTP: retries, conditional GET, size caps, redirect and scheme guards."""

from __future__ import annotations

import asyncio
import codecs
import email.utils
import re
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import httpx

from tracker.errors import FetchError

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 300.0
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)


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

    @property
    def deadline(self) -> float:
        return self.total_timeout if self.total_timeout is not None else self.timeout + self.connect_timeout


def settings_for(t) -> FetchSettings:
    """FetchSettings from the config's [tracker] table (a TrackerSettings)."""
    return FetchSettings(user_agent=t.user_agent, timeout=t.timeout, connect_timeout=t.connect_timeout,
                         retries=t.retries, backoff=t.retry_backoff, max_bytes=t.max_bytes,
                         max_redirects=t.max_redirects)


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

    @property
    def text(self) -> str:
        return self.body.decode(self.encoding or "utf-8", errors="replace")


def new_client(settings: FetchSettings) -> httpx.AsyncClient:
    """TLS verification stays on; redirects are followed by hand so every hop is checked."""
    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent,
                 "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"},
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
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
            await asyncio.sleep(delay)
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
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    for _hop in range(settings.max_redirects + 1):
        _check_scheme(current, redirect=current != url)
        try:
            async with client.stream("GET", current, headers=headers) as response:
                if response.status_code in (301, 302, 303, 307, 308) and "location" in response.headers:
                    current = _redirect_target(current, response.headers["location"])
                    continue
                if response.status_code == 304:
                    return FetchResult(url, current, 304, etag=etag, last_modified=last_modified, not_modified=True)
                if response.status_code >= 400:
                    raise _status_error(response)
                body = await _read_capped(response, settings.max_bytes)
                content_type = response.headers.get("content-type", "")
                return FetchResult(
                    url=url,
                    final_url=str(response.url),
                    status=response.status_code,
                    body=body,
                    content_type=content_type.split(";")[0].strip().lower(),
                    encoding=detect_encoding(body, response.charset_encoding),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
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
    message = f"HTTP {status} {response.reason_phrase}".strip()
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
    """Count bytes after decompression: a small gzip bomb must not fill the memory."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes and "content-encoding" not in response.headers:
        raise FetchError(f"body of {declared} bytes is over the cap of {max_bytes}", kind="too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"body is over the cap of {max_bytes} bytes (after decompression)", kind="too_large")
        chunks.append(chunk)
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


def read_local(source: str, max_bytes: int = 50_000_000) -> FetchResult:
    """A file path or file:// URL, for commands where the user named the file themselves."""
    path = Path(url2pathname(urlsplit(source).path)) if source.startswith("file:") else Path(source)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FetchError(f"{path}: {size} bytes is over the cap of {max_bytes}", kind="too_large")
        body = path.read_bytes()
    except OSError as exc:
        raise FetchError(f"{path}: {exc.strerror or exc}", kind="file") from None
    suffix = path.suffix.lower()
    content_type = {".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/markdown"}.get(suffix, "text/html")
    return FetchResult(source, path.resolve().as_uri(), 200, body, content_type, detect_encoding(body, None))


def fetch_one(source: str, settings: FetchSettings) -> FetchResult:
    """Fetch a URL or read a local file, synchronously (for one-shot commands)."""
    if not re.match(r"^https?://", source, re.I):
        if re.match(r"^[a-z][a-z0-9+.-]+:", source, re.I) and not source.lower().startswith("file:"):
            raise FetchError(f"refusing {source!r}: only http and https URLs, or a local file, can be read",
                             kind="bad_scheme")
        return read_local(source)

    async def run() -> FetchResult:
        async with new_client(settings) as client:
            return await fetch(client, source, settings)

    return asyncio.run(run())
