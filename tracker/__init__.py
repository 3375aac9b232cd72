"""tracker: watch published policies and terms; store each version; show and judge what changed.

The public API (docs/python.md)::

    import tracker

    doc = tracker.normalize("old.html")                 # HTML str/bytes, a path or a URL -> Document
    comparison = tracker.compare("old.html", "new.html")
    comparison.assessment.level >= tracker.Level.MINOR

    with tracker.Tracker("config.toml") as t:           # a configured tracker: check, history, diff...
        run = t.check()

Importing ``tracker`` is cheap: every name is loaded on first use (``tracker --help`` stays
instant).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.api import (
        Addition,
        CheckRun,
        Comparison,
        History,
        NothingToCheck,
        Outbox,
        PolicyDiff,
        PolicyStatus,
        Reextraction,
        SectionPreview,
        Source,
        Status,
        StoredText,
        Tracker,
        Validation,
        compare,
        init,
    )
    from tracker.changelog import Changelog
    from tracker.errors import ConfigError, ExtractionError, FetchError, TrackerError, UsageError
    from tracker.mail import DeliveryError
    from tracker.model import Assessment, ChangeKind, Document, Level, Outcome, Reason, Section
    from tracker.pipeline import CheckResult
    from tracker.search import SearchHit, SearchResult
    from tracker.store import Version

__version__ = "0.1.0"

_LAZY = {
    "ConfigError": "tracker.errors", "ExtractionError": "tracker.errors", "FetchError": "tracker.errors",
    "TrackerError": "tracker.errors", "UsageError": "tracker.errors",
    "Assessment": "tracker.model", "ChangeKind": "tracker.model", "Document": "tracker.model", "Level": "tracker.model",
    "Outcome": "tracker.model", "Reason": "tracker.model", "Section": "tracker.model",
    "compare": "tracker.api", "Tracker": "tracker.api", "Comparison": "tracker.api", "Source": "tracker.api",
    "CheckRun": "tracker.api", "Reextraction": "tracker.api", "History": "tracker.api",
    "StoredText": "tracker.api", "PolicyDiff": "tracker.api", "Status": "tracker.api",
    "PolicyStatus": "tracker.api", "Validation": "tracker.api", "SectionPreview": "tracker.api",
    "Outbox": "tracker.api", "NothingToCheck": "tracker.api", "init": "tracker.api", "Addition": "tracker.api",
    "CheckResult": "tracker.pipeline", "Version": "tracker.store", "Changelog": "tracker.changelog",
    "DeliveryError": "tracker.mail", "SearchHit": "tracker.search", "SearchResult": "tracker.search",
}

__all__ = ["Addition", "Assessment", "ChangeKind", "Changelog", "CheckResult", "CheckRun", "Comparison", "ConfigError",
           "DeliveryError", "Document", "ExtractionError", "FetchError", "History", "Level", "NothingToCheck",
           "Outbox", "Outcome", "PolicyDiff", "PolicyStatus", "Reason", "Reextraction", "SearchHit",
           "SearchResult", "Section", "SectionPreview", "Source", "Status", "StoredText", "Tracker", "TrackerError",
           "UsageError", "Validation", "Version", "__version__", "compare", "init", "normalize"]


def _normalize(source: Source | Document, *, select: Sequence[str] = (), remove: Sequence[str] = (),
               links: bool = False) -> Document:
    """The policy text of a page as a Document (see tracker.api.normalize)."""
    from tracker.api import normalize

    return normalize(source, select=select, remove=remove, links=links)


_normalize.__name__ = _normalize.__qualname__ = "normalize"


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(types.ModuleType):
    """`tracker.normalize` is the API function even though a submodule has the same name:
    importing the submodule (``from tracker.normalize import ...``) binds it on the package, and
    this property keeps that from replacing the function (the submodule stays in sys.modules)."""

    @property
    def normalize(self) -> Any:
        return _normalize

    @normalize.setter
    def normalize(self, value: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package

if TYPE_CHECKING:
    normalize = _normalize
