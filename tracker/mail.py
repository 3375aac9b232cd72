"""The one module that delivers mail: SMTP (STARTTLS or implicit TLS) and a folder of .eml files.

Backends form a small registry: each takes a finished EmailMessage and either delivers it or raises
DeliveryError saying whether trying again later can help.
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import ssl
import tempfile
import time
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

from tracker.config import Config, NotifySettings
from tracker.errors import DeliveryError

__all__ = ["DeliveryError", "FileBackend", "SmtpBackend", "backend_for", "clean_header"]

MAX_HEADER = 200


def clean_header(value: str, limit: int = MAX_HEADER) -> str:
    """Page text reaches subjects: no CR/LF (header injection), no C0/C1 or bidi controls, bounded."""
    value = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", value)
    value = re.sub(r"[\u202a-\u202e\u2066-\u2069]", "", value)  # bidi controls: no visually reversed subject
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


class FileBackend:
    """Writes each message to <outbox_dir>/<message-id>.eml, atomically. Exactly once: a message
    whose file exists is not written again."""

    name = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, message: EmailMessage) -> Path:
        msgid = str(message["Message-ID"])
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", msgid.strip("<>"))[:120]
        return self.folder / f"{stem}.{hashlib.sha256(msgid.encode()).hexdigest()[:8]}.eml"

    def already_delivered(self, message: EmailMessage) -> bool:
        """Proven by the message itself: a file of that name holding this Message-ID, not just a name."""
        return _message_id_in(self.path_for(message)) == str(message["Message-ID"])

    def send(self, message: EmailMessage) -> None:
        target = self.path_for(message)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if _message_id_in(target) == str(message["Message-ID"]):
                return
            self._remove_stale_parts()
            # not "*.eml": a process killed mid-write must not leave what looks like a message
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".part")
            with os.fdopen(fd, "wb") as fh:
                fh.write(message.as_bytes())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            raise DeliveryError(f"cannot write {target}: {exc.strerror or exc}") from exc


    def _remove_stale_parts(self, older_than: float = 3600.0) -> None:
        """Half-written files of processes killed mid-write (never ones another process may still
        be writing: those are seconds old)."""
        now = time.time()
        for part in self.folder.glob(".tmp-*.part"):
            try:
                if now - part.stat().st_mtime > older_than:
                    part.unlink()
            except OSError:
                pass


def _message_id_in(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            headers = BytesHeaderParser().parse(fh)
    except OSError:
        return None
    value = headers.get("Message-ID")
    return str(value).strip() if value else None


class SmtpBackend:
    name = "smtp"

    def __init__(self, settings: NotifySettings) -> None:
        self.smtp = settings.smtp

    def already_delivered(self, message: EmailMessage) -> bool:
        return False  # an SMTP server cannot be asked; see docs/notifications.md

    def send(self, message: EmailMessage) -> None:
        s = self.smtp
        context = ssl.create_default_context()  # certificate and host name verification stay on
        try:
            if s.tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                client.ehlo()
                if s.starttls and not s.tls:
                    client.starttls(context=context)
                    client.ehlo()
                if s.username:
                    password = s.password
                    if password is None:
                        raise DeliveryError(f"SMTP password: environment variable {s.password_env!r} is not set")
                    client.login(s.username, password)
                client.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP authentication failed: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise DeliveryError(f"recipient refused: {code} {_text(text)}", permanent=code >= 500) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}",
                                permanent=exc.smtp_code >= 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {type(exc).__name__}: {exc}") from exc


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def backend_for(config: Config) -> FileBackend | SmtpBackend:
    notify = config.notify
    if notify.backend == "smtp":
        return SmtpBackend(notify)
    return FileBackend(config.resolve(notify.outbox_dir))
