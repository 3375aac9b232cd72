"""The Python API under every command: `tracker.normalize`, `tracker.compare` and `tracker.Tracker`.

Each command of the CLI parses its arguments, calls one function or method here and prints the
value it gets back (``to_json()`` for ``--format json``). Everything is importable from
``tracker`` itself; docs/python.md shows it with examples, docs/cli.md next to each command.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.diff import ChangeSet
from tracker.errors import ConfigError, TrackerError, UsageError
from tracker.model import Document, Level, Outcome

if TYPE_CHECKING:
    from tracker.changelog import Changelog
    from tracker.config import Config, Policy
    from tracker.coverage import Coverage
    from tracker.fetch import FetchSettings
    from tracker.jsontypes import (
        AdditionJSON,
        CheckRunJSON,
        DaemonJSON,
        FailedMessageJSON,
        HistoryJSON,
        MessageJSON,
        OutboxJSON,
        PolicyDiffJSON,
        PolicyStatusJSON,
        ReextractionJSON,
        SectionPreviewJSON,
        StatusJSON,
        StoredTextJSON,
        ValidationJSON,
        VersionJSON,
        VersionRefJSON,
    )
    from tracker.materiality import Rules
    from tracker.notify import DrainReport
    from tracker.ota import OtaImport
    from tracker.pipeline import CheckResult
    from tracker.search import SearchResult
    from tracker.store import Store, Version
    from tracker.versions import Choice

Source = str | bytes | os.PathLike[str]
"""What `normalize` reads: HTML as str or bytes, a path (str or Path), or an http(s) URL."""

Comparison = ChangeSet
"""What `compare` returns: the section diff of two documents with its materiality assessment."""


class NothingToCheck(TrackerError):
    kind = "no_policies"

    @staticmethod
    def hint(config_path: object) -> str:
        return f"no policies configured: add a [[policy]] to {config_path}"


# --------------------------------------------------------------------------- documents


def normalize(source: Source | Document, *, select: Sequence[str] = (), remove: Sequence[str] = (),
              links: bool = False) -> Document:
    """The policy text of a page as a Document: its canonical Markdown, split into sections.

    ``source`` is HTML (a str starting with ``<``, or bytes), a file path (HTML, PDF, .txt, .md)
    or an http(s) URL. ``select``/``remove`` are CSS selectors; ``links`` keeps link targets.
    """
    return _load(source, select, remove, links)


def compare(old: Source | Document, new: Source | Document, *, select: Sequence[str] = (),
            remove: Sequence[str] = (), rules: Rules | None = None) -> Comparison:
    """The section diff of two documents (anything `normalize` takes) and how much it matters."""
    from tracker.changes import compare as judge_change

    return judge_change(_load(old, select, remove), _load(new, select, remove), rules)


def _load(source: Source | Document, select: Sequence[str] = (), remove: Sequence[str] = (),
          links: bool = False, settings: FetchSettings | None = None,
          tracking_params: tuple[str, ...] = ()) -> Document:
    """A Document with its coverage (what the page held and what was dropped, and why)."""
    if isinstance(source, Document):
        return source
    from tracker import fetch
    from tracker.errors import ExtractionError
    from tracker.extract import compile_selector
    from tracker.normalize import Options, extract_source

    for css in (*select, *remove):
        try:
            compile_selector(css)
        except ExtractionError as exc:
            raise UsageError(str(exc)) from None
    options = Options(tuple(select), tuple(remove), tracking_params=tracking_params, links=links)
    if isinstance(source, bytes):
        extraction = extract_source(source, "text/html", fetch.detect_encoding(source, None), options)
    elif isinstance(source, str) and source.lstrip("\ufeff \t\r\n").startswith("<"):
        extraction = extract_source(source.encode("utf-8"), "text/html", "utf-8", options)
    else:
        result = fetch.fetch_one(os.fspath(source), settings or fetch.FetchSettings())
        extraction = extract_source(result.body, result.content_type, result.encoding, options)
    return extraction.document.with_coverage(extraction.coverage)


# --------------------------------------------------------------------------- results of Tracker methods


def _version_json(v: Version) -> VersionJSON:
    return {"number": v.number, "created_at": v.created_at, "kind": v.kind, "level": v.level,
            "summary": v.summary, "digest": v.digest,
            "coverage": None if v.kept_words is None or v.page_words is None else
            {"kept_words": v.kept_words, "page_words": v.page_words, "note": v.coverage_note},
            "effective_date": v.effective_date}


def version_label(v: Version) -> str:
    """'version 3 (fetched 2026-11-29, dated 2022-06-01)', or 'version 3 (2026-11-29)' without a date."""
    if v.effective_date:
        return f"version {v.number} (fetched {v.created_at[:10]}, dated {v.effective_date})"
    return f"version {v.number} ({v.created_at[:10]})"


def _version_ref(v: Version) -> VersionRefJSON:
    return {"number": v.number, "created_at": v.created_at, "effective_date": v.effective_date}


@dataclass(frozen=True)
class CheckRun:
    """The results of checking some policies once, in the order asked."""

    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def new_versions(self) -> int:
        return sum(r.outcome == Outcome.NEW_VERSION for r in self.results)

    def to_json(self) -> CheckRunJSON:
        return {"results": [r.to_json() for r in self.results]}


@dataclass(frozen=True)
class Reextraction:
    """`reextract`: the stored raw pages normalized again (a new text is a technical change)."""

    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def to_json(self) -> ReextractionJSON:
        return {"results": [{"policy": r.policy, "outcome": r.outcome,
                             "version": r.version.number if r.version else None, "error": r.error}
                            for r in self.results]}


@dataclass(frozen=True)
class History:
    policy: str
    versions: tuple[Version, ...]  # oldest first

    def to_json(self) -> HistoryJSON:
        return {"policy": self.policy, "versions": [_version_json(v) for v in self.versions]}


@dataclass(frozen=True)
class StoredText:
    """One stored version of a policy and its text (`show`)."""

    policy: str
    version: Version
    document: Document
    note: str | None = None  # how a date given for the version was read (its own date, or a fetch date)

    def to_json(self) -> StoredTextJSON:
        return {"policy": self.policy, "number": self.version.number, "created_at": self.version.created_at,
                "effective_date": self.version.effective_date, **self.document.to_json()}


@dataclass(frozen=True)
class PolicyDiff:
    """Two stored versions of a policy compared (`diff`); ``to_json()`` is the comparison's."""

    policy: str
    title: str
    old: Version
    new: Version
    comparison: Comparison
    notes: tuple[str, ...] = ()  # how dates given for the versions were read

    @property
    def old_label(self) -> str:
        return version_label(self.old)

    @property
    def new_label(self) -> str:
        return version_label(self.new)

    def to_json(self) -> PolicyDiffJSON:
        return {**self.comparison.to_json(), "policy": self.policy,
                "old_version": _version_ref(self.old), "new_version": _version_ref(self.new)}


@dataclass(frozen=True)
class PolicyStatus:
    policy: str
    title: str
    url: str
    last_check_at: str | None
    last_outcome: Outcome | None
    last_error: str | None
    versions: int
    failing_since: str | None
    consecutive_failures: int
    next_due: str | None  # ISO 8601 (UTC), past when overdue; None: never checked, due at once
    due_now: bool  # overdue or never checked (the text says "now"; JSON keeps the timestamp)

    def to_json(self) -> PolicyStatusJSON:
        return {"policy": self.policy, "title": self.title, "url": self.url, "last_check_at": self.last_check_at,
                "last_outcome": self.last_outcome, "last_error": self.last_error, "versions": self.versions,
                "failing_since": self.failing_since, "consecutive_failures": self.consecutive_failures,
                "next_due": self.next_due}


OUTBOX_STATES = ("pending", "sending", "failed", "sent")


def _daemon_json(d: dict[str, Any]) -> DaemonJSON:
    return {"pid": d["pid"], "host": d["host"], "started_at": d["started_at"], "heartbeat_at": d["heartbeat_at"],
            "policies": d["policies"], "stale": d["stale"], "stale_reason": d["stale_reason"]}


def _shown(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Outbox rows as they may be shown: a chat URL's secrets masked (tracker.channels.redact)."""
    from tracker.channels import redact

    return tuple({**r, "recipient": redact(r["recipient"])} for r in rows)


def _failed_json(m: dict[str, Any]) -> FailedMessageJSON:
    return {"id": m["id"], "kind": m["kind"], "policy": m["policy"], "recipient": m["recipient"],
            "attempts": m["attempts"], "last_error": m["last_error"]}


def _message_json(m: dict[str, Any]) -> MessageJSON:
    return {"id": m["id"], "kind": m["kind"], "policy": m["policy"], "version": m.get("version"),
            "level": Level(m["level"]) if m.get("level") else None, "recipient": m["recipient"],
            "state": m["state"], "attempts": m["attempts"], "next_attempt_at": m["next_attempt_at"],
            "last_error": m.get("last_error"), "message_id": m.get("message_id"), "sent_at": m.get("sent_at")}


@dataclass(frozen=True)
class Status:
    policies: tuple[PolicyStatus, ...]
    outbox: dict[str, int]  # messages per state
    daemons: tuple[dict[str, Any], ...]  # heartbeats of running daemons
    failed_messages: tuple[dict[str, Any], ...]

    def to_json(self) -> StatusJSON:
        o = self.outbox
        return {"policies": [p.to_json() for p in self.policies],
                "outbox": {"pending": o.get("pending", 0), "sending": o.get("sending", 0), "sent": o.get("sent", 0),
                           "failed": o.get("failed", 0)},
                "daemons": [_daemon_json(d) for d in self.daemons],
                "failed_messages": [_failed_json(m) for m in self.failed_messages]}


@dataclass(frozen=True)
class SectionPreview:
    heading: str
    level: int
    first_line: str

    def to_json(self) -> SectionPreviewJSON:
        return {"heading": self.heading, "level": self.level, "first_line": self.first_line}


@dataclass(frozen=True)
class Validation:
    """`validate`: a policy fetched twice and extracted, judged fit to rely on or not."""

    policy: str
    url: str
    title: str
    words: int
    digest: str
    stable: bool
    would_store: str
    problems: tuple[str, ...]
    sections: tuple[SectionPreview, ...]
    coverage: Coverage
    render_path: str  # "http" or "browser"
    render_reason: str

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> ValidationJSON:
        return {"policy": self.policy, "url": self.url, "title": self.title, "words": self.words,
                "digest": self.digest, "stable": self.stable, "would_store": self.would_store,
                "render": {"path": "browser" if self.render_path == "browser" else "http",
                           "reason": self.render_reason},
                "problems": list(self.problems), "sections": [s.to_json() for s in self.sections],
                "coverage": self.coverage.to_json()}


@dataclass(frozen=True)
class Addition:
    """`add`: the new policy as validated, and whether it was written to the config file."""

    policy: str
    config: Path
    written: bool
    validation: Validation | None  # None when the page could not be fetched (written only with force)
    error: str | None = None  # why the page could not be fetched or extracted

    @property
    def ok(self) -> bool:
        return self.written and self.error is None and (self.validation is None or self.validation.ok)

    def to_json(self) -> AdditionJSON:
        return {"policy": self.policy, "config": str(self.config), "written": self.written,
                "validation": self.validation.to_json() if self.validation else None, "error": self.error}


@dataclass(frozen=True)
class Outbox:
    messages: tuple[dict[str, Any], ...]

    def to_json(self) -> OutboxJSON:
        return {"messages": [_message_json(m) for m in self.messages]}


# --------------------------------------------------------------------------- the tracker


class Tracker:
    """A configured tracker: its policies, database and notifications.

    ``Tracker()`` reads ./config.toml (or $TRACKER_CONFIG); the config is read on first use, so a
    broken config only fails what needs it. Use it as a context manager to close the database.
    """

    def __init__(self, config_path: str | os.PathLike[str] | None = None) -> None:
        self.config_path = Path(config_path) if config_path is not None else None

    @cached_property
    def config(self) -> Config:
        from tracker import config as config_mod

        return config_mod.load(self.config_path)

    @cached_property
    def store(self) -> Store:
        from tracker.store import Store

        return Store(self.config.database_path)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
            del self.__dict__["store"]

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def policy(self, name: str) -> Policy:
        """A configured policy (ConfigError naming the known ones if there is none by that name)."""
        return self.config.get(name)

    # -- documents, with this config's fetch settings and rules when there is a config -------------

    @property
    def optional_config(self) -> Config | None:
        """The config if its file exists (normalize and compare work without one); a config that
        exists but is broken is still an error."""
        from tracker import config as config_mod

        path = self.config_path or config_mod.default_path()
        return self.config if Path(path).exists() else None

    def normalize(self, source: Source | Document, *, select: Sequence[str] = (), remove: Sequence[str] = (),
                  links: bool = False) -> Document:
        from tracker import fetch
        from tracker.coverage import MIN_KEPT_WORDS, Coverage, require_text

        config = self.optional_config
        settings = fetch.settings_for(config.tracker) if config else None
        doc = _load(source, select, remove, links, settings, config.tracker.tracking_params if config else ())
        # an empty or implausibly short text is an error (exit 1 with the reason), never an empty success
        require_text(doc.word_count, doc.coverage or Coverage(doc.word_count, doc.word_count),
                     config.tracker.min_words if config else MIN_KEPT_WORDS)
        return doc

    def compare(self, old: Source | Document, new: Source | Document, *, select: Sequence[str] = (),
                remove: Sequence[str] = ()) -> Comparison:
        config = self.optional_config
        return compare(self.normalize(old, select=select, remove=remove),
                       self.normalize(new, select=select, remove=remove), rules=config.rules if config else None)

    # -- checking ------------------------------------------------------------------------------

    def _policies(self, names: Iterable[str] | None, *, enabled_only: bool = True) -> list[Policy]:
        names = list(names or ())
        if names:
            return [self.config.get(n) for n in names]
        return [p for p in self.config.policy if p.enabled or not enabled_only]

    def check(self, names: Iterable[str] | None = None, *,
              on_result: Callable[[CheckResult], None] | None = None) -> CheckRun:
        """Fetch policies now (all enabled ones, or ``names``), record new versions, queue mail."""
        from tracker.config import check_channels
        from tracker.pipeline import Checker

        policies = self._policies(names)
        if not policies:
            raise NothingToCheck(NothingToCheck.hint(self.config.path))
        check_channels(self.config)  # a chat URL that cannot work is said now, not when a change waits
        from tracker.errors import StorageError
        from tracker.pipeline import unrecorded

        try:
            return CheckRun(tuple(Checker(self.config, self.store, on_result=on_result).run(policies)))
        except StorageError as exc:  # the database cannot be opened or written at all (a full disk)
            return CheckRun(tuple(unrecorded(policies, exc)))

    def reextract(self, names: Iterable[str] | None = None) -> Reextraction:
        """Normalize stored raw pages again after a selector or normalizer change."""
        from tracker.pipeline import Checker

        checker = Checker(self.config, self.store)
        return Reextraction(tuple(checker.reextract(p) for p in self._policies(names, enabled_only=False)))

    def accept(self, name: str) -> CheckResult:
        """Store the page last rejected as not the policy (the site really replaced the policy),
        judged and notified like any change; TrackerError `nothing_to_accept` if there is none."""
        from tracker.pipeline import Checker

        return Checker(self.config, self.store).accept(self.policy(name))

    def validate(self, name: str) -> Validation:
        """Fetch a policy twice without storing anything: stable? plausible? what would be stored?"""
        return self._validate(self.policy(name))

    def _validate(self, policy: Policy) -> Validation:
        from tracker import guards
        from tracker.coverage import share_drop
        from tracker.pipeline import Checker

        name = policy.name
        checker = Checker(self.config, self.store)
        (first, extraction), (_, extraction2) = asyncio.run(checker.probe(policy))
        doc, doc2 = extraction.document, extraction2.document
        problems: list[str] = []
        if doc.digest != doc2.digest:
            problems.append("two fetches gave different texts: the page varies (A/B test, rotating content?); "
                            "add `remove` selectors for the varying parts")
        latest = self.store.latest_version(name)
        suspicion = guards.suspect(doc, first.text, self.store.document(latest) if latest else None)
        if suspicion:
            problems.append(suspicion.reason)
        cov = extraction.coverage
        lost = sum(d.words for d in cov.dropped if d.reason.value in ("hidden", "chrome"))
        if lost > cov.kept_words:
            problems.append(f"more words were dropped as hidden or chrome ({lost}) than kept ({cov.kept_words}): "
                            "check the dropped blocks, and add `select` or `remove` selectors if they are "
                            "policy text")
        if latest and latest.kept_words is not None and latest.page_words:
            drop = share_drop((latest.kept_words, latest.page_words), cov)
            if drop:
                problems.append(drop)
        sections = tuple(SectionPreview(s.heading, s.level, (s.blocks[0] if s.blocks else "")[:100])
                         for s in doc.sections)
        return Validation(name, first.final_url, doc.title, doc.word_count, doc.digest, doc.digest == doc2.digest,
                          checker.would_store(policy, doc), tuple(problems), sections, extraction.coverage,
                          first.via, first.via_reason)

    def add(self, name: str, url: str, *, title: str = "", select: Sequence[str] = (), remove: Sequence[str] = (),
            recipients: Sequence[str] = (), interval: str | None = None, force: bool = False) -> Addition:
        """Validate a new policy like `validate` (two fetches), then append it to the config file,
        keeping the file's comments and layout. A bad or duplicate value is a UsageError and nothing
        is written; a failed fetch or a problem with the page raises (or, with ``force``, the policy
        is written anyway and the Addition says what went wrong)."""
        from pydantic import ValidationError

        from tracker import config as config_mod
        from tracker.configedit import append_policies

        config = self.config
        if config.path is None:
            raise UsageError("no config file to add the policy to")
        if any(p.name == name for p in config.policy):
            raise UsageError(f"a policy named {name!r} is already in {config.path}")
        entry: dict[str, Any] = {"name": name, "title": title, "url": url, "select": tuple(select),
                                 "remove": tuple(remove), "interval": interval, "recipients": tuple(recipients)}
        try:
            policy = config_mod.Policy.model_validate({k: v for k, v in entry.items() if v not in (None, "", ())})
        except ValidationError as exc:
            raise UsageError("; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'policy'}: "
                                       f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())) from None
        from tracker import channels

        for recipient in policy.recipients:
            if channels.is_url(recipient):
                try:
                    channels.check(recipient)
                except ValueError as exc:
                    raise UsageError(f"--recipient: {exc}") from None
        validation: Validation | None = None
        error: str | None = None
        try:
            validation = self._validate(policy)
        except TrackerError as exc:
            if not force:
                raise
            error = f"{exc.kind}: {exc}"
        if validation is not None and validation.problems and not force:
            return Addition(name, config.path, False, validation, None)
        append_policies(config.path, [entry])
        self.__dict__.pop("config", None)  # the next use reads the file with the new policy
        return Addition(name, config.path, True, validation, error)

    def import_ota(self, paths: Iterable[str | os.PathLike[str]], *, write: bool = False) -> OtaImport:
        """Open Terms Archive declaration files (or folders of them) as policies; ``write`` appends
        them to the config file like `add` does. Names already configured are skipped."""
        from dataclasses import replace

        from tracker import ota
        from tracker.configedit import append_policies

        config = self.config if write else self.optional_config
        result = ota.read([Path(p) for p in paths], existing=[p.name for p in config.policy] if config else ())
        if not write or not result.policies:
            return result
        assert config is not None and config.path is not None
        sources = sorted({Path(str(p)).name for p in paths})
        append_policies(config.path, result.policies,
                        comments=[f"imported from Open Terms Archive declarations ({', '.join(sources)})"])
        self.__dict__.pop("config", None)
        return replace(result, written=True)

    # -- reading what was recorded ---------------------------------------------------------------

    def history(self, name: str) -> History:
        self.policy(name)  # an unknown name is an error before the database is touched
        return History(name, tuple(self.store.versions(name)))

    def version(self, name: str, ref: str | int | None = None) -> Version:
        """A version by number, by date (the one whose own date it is, else the one current then), or
        relative (-1 is the latest)."""
        return self._choose(name, ref).version

    def _choose(self, name: str, ref: str | int | None) -> Choice:
        from tracker.versions import choose

        self.policy(name)
        versions = self.store.versions(name)
        if not versions:
            raise UsageError(f"policy {name!r} has no stored versions yet: run `tracker check {name}`")
        return choose(versions, None if ref is None else str(ref))

    def show(self, name: str, version: str | int | None = None) -> StoredText:
        choice = self._choose(name, version)
        return StoredText(name, choice.version, self.store.document(choice.version), choice.note)

    def diff(self, name: str, a: str | int | None = None, b: str | int | None = None) -> PolicyDiff:
        """Two versions compared (default: the last two; with only ``a``, ``a`` against the latest)."""
        from tracker.changes import compare as judge_change

        policy = self.policy(name)
        if a is None:
            versions = self.store.versions(policy.name)
            if len(versions) < 2:
                raise UsageError(f"policy {name!r} has {len(versions)} version(s): nothing to compare yet")
            old, new = versions[-2], versions[-1]
            notes: tuple[str, ...] = ()
        else:
            first, second = self._choose(name, a), self._choose(name, b)
            old, new = first.version, second.version
            notes = tuple(c.note for c in (first, second) if c.note)
        comparison = judge_change(self.store.document(old), self.store.document(new), self.config.rules)
        return PolicyDiff(name, policy.display_title, old, new, comparison, notes)

    def changelog(self, name: str, *, diffs: bool = False) -> Changelog:
        """Every stored change, newest first; ``diffs`` recomputes each change's diff (for rendering)."""
        from tracker import changelog as cl

        policy = self.policy(name)  # an unknown name is an error before the database is touched
        return cl.build(self.store, policy, diffs=diffs)

    def search(self, query: str, *, policy: str | None = None, all_versions: bool = False,
               since: str | None = None, limit: int | None = 100) -> SearchResult:
        """Sections matching a full-text query (SQLite FTS5 syntax: words, "a phrase", prefix*,
        AND/OR/NOT, NEAR), best first; each policy's latest version unless ``all_versions``;
        ``since`` (a date) keeps versions stored on or after it. A malformed query is a UsageError."""
        from tracker.search import SearchHit, SearchResult, check_query, since_bound

        if policy is not None:
            self.policy(policy)
        try:
            rows, total = self.store.search(check_query(query), policy=policy, all_versions=all_versions,
                                            since=since_bound(since), limit=limit)
        except ValueError as exc:
            raise UsageError(f"search query {query!r}: {exc} (quote a phrase or a word with - or : in "
                             '"double quotes"; a prefix is word*)') from None
        return SearchResult(query, tuple(SearchHit(**r) for r in rows), all_versions, total=total)

    def status(self) -> Status:
        """Per policy: last check, outcome, versions, next due, failing since; the outbox; daemons."""
        from tracker.schedule import next_due

        health = self.store.health()
        now = datetime.now(UTC)
        rows = []
        for p in self.config.policy:
            h = health.get(p.name, {})
            due = next_due(p, h.get("last_check_at"), self.config)
            rows.append(PolicyStatus(
                p.name, p.display_title, p.url, h.get("last_check_at"),
                Outcome(h["last_outcome"]) if h.get("last_outcome") else None, h.get("last_error"),
                h.get("versions", 0), h.get("failing_since"), h.get("consecutive_failures", 0),
                None if due is None else due.isoformat(timespec="seconds"), due is None or due <= now))
        counts = {state: 0 for state in OUTBOX_STATES} | self.store.outbox_counts()
        from tracker.processes import with_liveness

        return Status(tuple(rows), counts, tuple(with_liveness(self.store.daemons())),
                      _shown(self.store.outbox(("failed",))))

    def export(self, directory: str | os.PathLike[str], *, base_url: str | None = None) -> list[Path]:
        """A static site of every policy's changelog (see tracker.export)."""
        from tracker.export import export_site

        return export_site(self.config, self.store, Path(directory), base_url=_absolute_url(base_url, "base_url"))

    # -- notifications -----------------------------------------------------------------------

    def outbox(self, *, everything: bool = False) -> Outbox:
        """Messages pending, being sent or failed (``everything``: sent ones too)."""
        return Outbox(_shown(self.store.outbox(OUTBOX_STATES if everything else OUTBOX_STATES[:3])))

    def flush(self, *, now: bool = False) -> DrainReport:
        """Deliver every due message in the outbox; ``now``: also those waiting for a retry time or the
        digest."""
        from tracker.notify import drain

        return drain(self.config, self.store, waiting_too=now)

    def send_test(self, to: str | None = None) -> str:
        """Send a test message through the configured backend, or to a chat or webhook URL; says
        where it went (never with the URL's secrets)."""
        from tracker import channels
        from tracker.config import check_email
        from tracker.emails import chat_test, compose_test
        from tracker.mail import backend_for

        config = self.config
        recipient = to or config.notify.admin
        if not recipient:
            raise UsageError("no recipient: pass --to ADDRESS or URL, or set [notify] admin")
        if channels.is_url(recipient):
            try:  # typed on the command line, a literal token is the user's own business
                channels.check(recipient, literal_secrets=True)
            except ValueError as exc:
                raise UsageError(f"--to: {exc}") from None
            shown = channels.redact(recipient)
            channels.send(recipient, chat_test(shown))
            return f"test message for {shown} delivered via Apprise ({channels.service(recipient)})"
        try:
            check_email(recipient)
        except ValueError as exc:
            raise UsageError(f"--to: {exc}") from None
        backend_for(config).send(compose_test(sender=config.notify.from_, recipient=recipient,
                                              backend=config.notify.backend))
        where = f"to {config.resolve(config.notify.outbox_dir)}" if config.notify.backend == "file" else "via SMTP"
        return f"test message for {recipient} delivered {where}"

    def run_daemon(self) -> int:
        """Every policy on its schedule until SIGTERM/SIGINT (SIGHUP reloads the config)."""
        from tracker.config import check_channels
        from tracker.daemon import run_daemon

        check_channels(self.config)
        return run_daemon(self.config.path, self.config)


def _absolute_url(value: str | None, option: str) -> str | None:
    if value is not None and not re.match(r"^https?://[^\s/?#]+[^\s]*$", value, re.I):
        raise UsageError(f"{option} must be an absolute http(s) URL, got {value!r}")
    return value


def init(config_path: str | os.PathLike[str] | None = None, *, force: bool = False) -> tuple[Path, bool, Path]:
    """Write a starter config (unless one exists and not ``force``) and create the database.
    Returns the config path, whether it was written, and the database path."""
    from tracker import config as config_mod
    from tracker.store import Store

    path = Path(config_path) if config_path is not None else config_mod.default_path()
    wrote = force or not path.exists()
    if wrote:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(STARTER_CONFIG, encoding="utf-8")
    config = config_mod.load(path)
    Store(config.database_path).close()
    return path, wrote, config.database_path


STARTER_CONFIG = '''# tracker configuration. Paths are relative to this file.
[tracker]
database = "data/tracker.db"
user_agent = "tracker/0.1 (+mailto:you@example.org)"   # say who you are: sites appreciate it
interval = "1d"                                       # default per policy: "90s", "15m", "6h", "1d", "2w"
concurrency = 8

[notify]
backend = "file"                 # "file" writes .eml files to outbox_dir; "smtp" sends mail
from = "tracker@example.org"
admin = "ops@example.org"
outbox_dir = "data/outbox"

# [notify.smtp]
# host = "smtp.example.org"
# port = 587
# starttls = true
# username = "tracker"
# password_env = "TRACKER_SMTP_PASSWORD"   # the password itself is read from this environment variable

# [[policy]]
# name = "example-privacy"
# title = "Example Privacy Policy"
# url = "https://www.example.com/privacy"
# select = ["main"]            # optional CSS selectors for the policy text
# remove = [".cookie-banner"]  # optional CSS selectors to drop
# interval = "12h"
# recipients = ["legal@example.org"]   # or chat/webhook URLs: "slack://{env:SLACK_HOOK}"
'''

__all__ = ["Addition", "CheckRun", "Comparison", "ConfigError", "History", "NothingToCheck", "Outbox", "PolicyDiff",
           "PolicyStatus", "Reextraction", "SectionPreview", "Source", "Status", "StoredText", "Tracker",
           "Validation", "compare", "init", "normalize", "Level"]
