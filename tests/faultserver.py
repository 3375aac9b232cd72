"""A fault-injecting HTTP server on 127.0.0.1, on raw sockets, for the fault matrix.

PageServer (tracker/testing.py) always answers well-formed HTTP. This one misbehaves on purpose:
it can hang after the request, trickle the body a byte at a time, reset the connection mid-body,
close before Content-Length bytes were sent, or send any status, headers and body verbatim. Every
connection is answered by its own thread and closed afterwards (`Connection: close`).

`blackhole()` is a listening socket whose accept queue is full, so a connect attempt to it hangs
until the client's connect timeout: the only way to get a connect timeout on the loopback address.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

REASONS = {200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
           403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}


def head(status: int, headers: dict[str, str] | None = None, length: int | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Whatever')}"]
    headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    if length is not None and not any(k.lower() == "content-length" for k in headers):
        headers["Content-Length"] = str(length)
    headers.setdefault("Connection", "close")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class Reply:
    """A verbatim answer: status, headers, body (Content-Length added unless given)."""

    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)

    def __call__(self, conn: socket.socket, server: FaultServer) -> None:
        body = self.body.encode("utf-8") if isinstance(self.body, str) else self.body
        conn.sendall(head(self.status, self.headers, len(body)) + body)


def hang(conn: socket.socket, server: FaultServer) -> None:
    """Read the request, then say nothing until the server stops: a read timeout."""
    server.stopping.wait()


def trickle(body: bytes = b"<p>" + b"slow " * 100_000, every: float = 0.05, chunk: int = 1) -> Callable:
    """Headers at once, then `chunk` bytes every `every` seconds: each read succeeds, the whole never ends."""

    def run(conn: socket.socket, server: FaultServer) -> None:
        conn.sendall(head(200, length=len(body)))
        for i in range(0, len(body), chunk):
            if server.stopping.wait(every):
                return
            conn.sendall(body[i:i + chunk])

    return run


def reset_mid_body(body: bytes, sent: int = 2000) -> Callable:
    """Part of the body, then a TCP reset (SO_LINGER 0)."""

    def run(conn: socket.socket, server: FaultServer) -> None:
        conn.sendall(head(200, length=len(body)) + body[:sent])
        time.sleep(0.05)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return run


def short_body(body: bytes, sent: int = 2000) -> Callable:
    """Content-Length says len(body); the server sends `sent` bytes and closes cleanly."""

    def run(conn: socket.socket, server: FaultServer) -> None:
        conn.sendall(head(200, length=len(body)) + body[:sent])

    return run


Route = Callable[[socket.socket, "FaultServer"], None]


class FaultServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.tls = tls
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.conns: set[socket.socket] = set()
        self.thread = threading.Thread(target=self._accept, name="faultserver", daemon=True)

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.sock.getsockname()[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def put(self, path: str, route: Route | bytes | str) -> str:
        if isinstance(route, (bytes, str)):
            route = Reply(route)
        with self.lock:
            self.routes[path] = route
        return self.url(path)

    def start(self) -> FaultServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        with contextlib.suppress(OSError):
            self.sock.close()
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            with contextlib.suppress(OSError):
                c.close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with self.lock:
            self.conns.add(conn)
        try:
            conn.settimeout(10)
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode("latin-1").split("?", 1)[0]
            with self.lock:
                self.hits[path] = self.hits.get(path, 0) + 1
                route = self.routes.get(path) or Reply(b"not found", 404, {"Content-Type": "text/plain"})
            route(conn, self)
        except (OSError, ssl.SSLError, IndexError):
            pass  # the client hung up, or refused our certificate: both are the point of some tests
        finally:
            with self.lock:
                self.conns.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()


@contextlib.contextmanager
def blackhole():
    """A URL on 127.0.0.1 where connecting hangs: a listener that never accepts, its backlog full."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            c.connect(("127.0.0.1", port))
        fillers.append(c)
    time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/privacy"
    finally:
        for c in fillers:
            c.close()
        listener.close()
