"""Errors with a stable `kind`, recorded in the database as the error class of a failed check."""

from __future__ import annotations


class TrackerError(Exception):
    kind = "error"

    def __init__(self, message: str, *, kind: str | None = None) -> None:
        super().__init__(message)
        if kind:
            self.kind = kind

    def __reduce__(self):
        """Survive the trip back from a worker process with the message, kind and extra attributes."""
        return (self.__class__, (str(self),), self.__dict__)


class ConfigError(TrackerError):
    kind = "config"


class FetchError(TrackerError):
    kind = "fetch"


class ExtractionError(TrackerError):
    """The page was fetched but the policy text could not be trusted (selector miss, too short...)."""

    kind = "extraction"


class StorageError(TrackerError):
    """The database could not be written (disk full, I/O error, read-only): the transaction was
    rolled back, nothing is half-written, and the next run starts from a consistent state."""

    kind = "storage"
class NotThePolicy(ExtractionError):
    """The page is something else (a hub, a help page, a stub) served at the policy's URL: kept as
    evidence (`page`: body, content type, encoding) so the operator can accept it if it is the
    policy's real replacement."""

    kind = "not_the_policy"

    def __init__(self, message: str, *, evidence: dict | None = None,
                 page: tuple[bytes, str, str] | None = None) -> None:
        super().__init__(message)
        self.evidence = evidence or {}
        self.page = page


class DeliveryError(TrackerError):
    """A message (mail, chat, webhook) not delivered; ``permanent``: trying again cannot help."""

    kind = "delivery"

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class UsageError(TrackerError):
    kind = "usage"
