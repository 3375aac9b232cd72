"""A real HTTP receiver on 127.0.0.1 for the chat/webhook tests (what Apprise's json:// posts to):
it records every POST (path, headers, JSON body) and answers with the status codes it is told to."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status = self.server.next_status()
        self.server.posts.append({"path": self.path, "headers": dict(self.headers), "status": status,
                                  "json": json.loads(body or b"null")})
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args) -> None:
        pass


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.posts: list[dict] = []
        self.statuses: list[int] = []  # answers for the next POSTs, in order; then 200
        self._lock = threading.Lock()

    def next_status(self) -> int:
        with self._lock:
            return self.statuses.pop(0) if self.statuses else 200

    def url(self, path: str = "/hook", scheme: str = "json") -> str:
        return f"{scheme}://127.0.0.1:{self.server_address[1]}{path}"

    def answered(self, path: str = "/hook") -> list[dict]:
        """POSTs to ``path`` the receiver accepted (2xx)."""
        return [p for p in self.posts if p["path"].split("?")[0] == path and p["status"] < 300]

    def start(self) -> Receiver:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
