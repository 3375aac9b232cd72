"""tracker.testing: a tiny HTTP server on 127.0.0.1 serving pages from memory, for the demo and for
tests (yours too: it is how tracker is tested against real HTTP without the internet).

It serves only what was put into it (no file system access), so it cannot leak files, and it binds
the loopback address only.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    etag: bool = True  # answer If-None-Match with 304 when the body is unchanged


Route = Page | Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    server: PageServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.hits[path] = self.server.hits.get(path, 0) + 1
            self.server.requests.append((path, dict(self.headers)))
            route = self.server.routes.get(path)
        if route is None:
            self.send_page(Page(b"not found", 404, {"Content-Type": "text/plain"}))
        elif callable(route):
            route(self)
        else:
            self.send_page(route)

    def send_page(self, page: Page) -> None:
        headers = dict(page.headers)
        if page.etag and page.status == 200:
            tag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
            headers["ETag"] = tag
            if self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.send_header("ETag", tag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        self.send_response(page.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args) -> None:  # keep test and demo output clean
        pass


class PageServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def put(self, path: str, route: Route | bytes | str) -> str:
        """Serve `route` at `path` from now on; returns the full URL."""
        if isinstance(route, str):
            route = route.encode("utf-8")
        if isinstance(route, bytes):
            route = Page(route)
        with self.lock:
            self.routes[path] = route
        return self.url(path)

    def start(self) -> PageServer:
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), name="pageserver", daemon=True)
        self._thread.start()
        return self

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up mid-body (as the size cap does) is not news

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> PageServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
