"""The one module that speaks HTTP: retries, conditional GET, size caps, redirect and scheme guards."""

from __future__ import annotations

import asyncio
import email.utils
import re
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

    @property
    def is_pdf(self) -> bool:
        return "pdf" in self.content_type or self.body[:5] == b"%PDF-"


def new_client(settings: FetchSettings) -> httpx.AsyncClient:
    """TLS verification stays on; redirects are followed by hand so every hop is checked."""
    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent, "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"},
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        follow_redirects=False,
        verify=True,
        http2=False,
    )


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
            result = await _get(client, url, settings, etag, last_modified)
        except FetchError as exc:
            retry_after = getattr(exc, "retry_after", None)
            if not getattr(exc, "retryable", False) or attempt > settings.retries:
                exc.attempts = attempt  # type: ignore[attr-defined]
                raise
            errors.append(f"{exc.kind}: {exc}")
            delay = settings.backoff * 2 ** (attempt - 1)
            if retry_after is not None:
                delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
            await asyncio.sleep(delay)
            continue
        return FetchResult(
            **{**result.__dict__, "attempts": attempt, "duration": time.monotonic() - started, "errors": tuple(errors)}
        )


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
                    current = urljoin(current, response.headers["location"])
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
            raise _retryable(f"{type(exc).__name__}: {exc or 'connection failed'}", "connection") from exc
        except httpx.DecodingError as exc:
            raise FetchError(f"cannot decode the response body: {exc}", kind="decoding") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}", kind="http") from exc
    raise FetchError(f"more than {settings.max_redirects} redirects", kind="too_many_redirects")


def _check_scheme(url: str, *, redirect: bool) -> None:
    scheme = urlsplit(url).scheme.lower()
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
    """Charset from the header, then the page's meta tag, then UTF-8 if it decodes, else cp1252."""
    for candidate in (declared, _meta_charset(body)):
        if candidate:
            try:
                "".encode(candidate)
            except LookupError:
                continue
            return candidate.lower()
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


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
        return read_local(source)

    async def run() -> FetchResult:
        async with new_client(settings) as client:
            return await fetch(client, source, settings)

    return asyncio.run(run())
