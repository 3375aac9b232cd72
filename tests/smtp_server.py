"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the notification tests: it records what it
receives and can be told to refuse (4xx/5xx), to require authentication, or to speak TLS."""

from __future__ import annotations

import socket
import ssl
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    def __init__(self) -> None:
        self.messages: list = []
        self.reply: str | None = None  # e.g. "451 4.3.0 try later" or "550 5.1.1 no such user"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        if self.reply:
            return self.reply
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(msg)
        return "250 OK"


def authenticator(username: str, password: str):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == username \
            and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    return check


class SmtpServer:
    """Start/stop-able on a fixed port, so a test can take the server down and bring it back."""

    def __init__(self, *, port: int | None = None, auth: tuple[str, str] | None = None,
                 tls_context: ssl.SSLContext | None = None, implicit_tls: bool = False) -> None:
        self.port = port or free_port()
        self.recorder = Recorder()
        self.auth = auth
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.controller: Controller | None = None

    @property
    def messages(self):
        return self.recorder.messages

    def start(self) -> SmtpServer:
        kwargs: dict = {}
        if self.auth:
            kwargs.update(authenticator=authenticator(*self.auth), auth_require_tls=False)
        if self.tls_context and not self.implicit_tls:
            kwargs.update(tls_context=self.tls_context, require_starttls=True)
        if self.tls_context and self.implicit_tls:
            kwargs.update(ssl_context=self.tls_context)
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 'localhost' made with the openssl command (Debian ships it)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx
