"""check(policy): fetch, normalize, guard, store a version only when the policy text changed."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import multiprocessing
import os
import threading
import logging
import time
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import urlsplit

import httpx

from tracker import changes, fetch, guards, notify
from tracker.config import Config, Policy, rules_from_json
from tracker.errors import ExtractionError, NotThePolicy, TrackerError
from tracker.model import Document
from tracker.normalize import NORMALIZER_VERSION, Options, normalize_source
from tracker.store import NewChange, Store, Version, utcnow

LEVELS = {"none": 0, "minor": 1, "material": 2}
log = logging.getLogger("tracker.pipeline")


@dataclass(frozen=True)
class CheckResult:
    policy: str
    outcome: str  # new_version | unchanged | not_modified | error
    duration: float = 0.0
    version: Version | None = None
    error_kind: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome != "error"


def options_of(policy: Policy, config: Config) -> Options:
    return Options(select=policy.select, remove=policy.remove, links=policy.links,
                   tracking_params=config.tracker.tracking_params)


def extract_document(body: bytes, content_type: str, encoding: str, options: Options, min_words: int) -> Document:
    """Normalize a fetched page; implausibly little text is an extraction error, never a version.
    Module-level and pure, so it can run in a worker process."""
    doc = normalize_source(body, content_type, encoding, options)
    if doc.word_count < min_words:
        raise ExtractionError(f"extracted text is implausibly short ({doc.word_count} words, minimum {min_words})",
                              kind="too_short")
    return doc


def judge_documents(old: Document, new: Document, materiality_json: str) -> changes.Verdict:
    """changes.judge with the rules named by the config's [materiality] table (for worker processes)."""
    return changes.judge(old, new, rules_from_json(materiality_json))


class Checker:
    """Checks policies concurrently: bounded overall, one request at a time per host."""

    def __init__(self, config: Config, store: Store, *, settings: fetch.FetchSettings | None = None,
                 per_host_delay: float | None = None, on_result: Callable[[CheckResult], None] | None = None) -> None:
        self.config = config
        self.store = store
        self.settings = settings or fetch.settings_for(config.tracker)
        self.per_host_delay = config.tracker.per_host_delay if per_host_delay is None else per_host_delay
        self.on_result = on_result
        self.executor: concurrent.futures.Executor | None = None  # CPU work (normalize, judge) goes here if set
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._host_last: dict[str, float] = {}

    def run(self, policies: Iterable[Policy]) -> list[CheckResult]:
        return asyncio.run(self.check_all(list(policies)))

    async def check_all(self, policies: list[Policy]) -> list[CheckResult]:
        limit = asyncio.Semaphore(self.config.tracker.concurrency)
        with worker_pool(len(policies)) as pool:
            self.executor = pool
            try:
                return await self._check_all(policies, limit)
            finally:
                self.executor = None

    async def _check_all(self, policies: list[Policy], limit: asyncio.Semaphore) -> list[CheckResult]:
        async with fetch.new_client(self.settings) as client:

            async def one(policy: Policy) -> CheckResult:
                async with limit:
                    result = await self.check(client, policy)
                if self.on_result:
                    self.on_result(result)
                return result

            return list(await asyncio.gather(*(one(p) for p in policies)))

    async def check(self, client: httpx.AsyncClient, policy: Policy) -> CheckResult:
        started_at, t0 = utcnow(), time.monotonic()
        latest = self.store.latest_version(policy.name)
        etag, last_modified = self.store.validators(policy.name) if latest else (None, None)
        result: fetch.FetchResult | None = None
        try:
            result = await self._fetch(client, policy, etag, last_modified)
            if result.not_modified:
                return self._record(policy, result, None, latest, None, started_at, t0)
            doc = await self._extract(policy, result)
            change = None
            if latest is None or latest.digest != doc.digest:
                previous = self.store.document(latest) if latest else None  # read once: guards and judge
                result, doc = await self._confirm(client, policy, result, doc, previous)
                if latest is None or latest.digest != doc.digest:  # the second fetch may be the old text again
                    change = await self._prejudge(policy, latest, previous, doc)
            return self._record(policy, result, doc, latest, change, started_at, t0)
        except Exception as exc:  # noqa: BLE001 — one page nobody foresaw must not take the others down
            if not isinstance(exc, TrackerError):
                log.exception("check of %s failed unexpectedly", policy.name)
                exc = TrackerError(f"unexpected {type(exc).__name__}: {exc}", kind="internal")
            attempts = result.attempts if result else getattr(exc, "attempts", 1)
            status = result.status if result else getattr(exc, "status", None)
            return self._failed(policy, exc, started_at, t0, attempts=attempts, status=status,
                                size=len(result.body) if result else None)

    async def _fetch(self, client, policy: Policy, etag=None, last_modified=None) -> fetch.FetchResult:
        async with self._host_slot(policy.url):
            return await fetch.fetch(client, policy.url, self.settings, etag=etag, last_modified=last_modified)

    def _extract_args(self, policy: Policy, result: fetch.FetchResult) -> tuple:
        return (result.body, result.content_type, result.encoding, options_of(policy, self.config),
                self.config.tracker.min_words)

    def extract(self, policy: Policy, result: fetch.FetchResult) -> Document:
        return extract_document(*self._extract_args(policy, result))

    async def _cpu(self, func, *args):
        """CPU-bound work off the event loop, in the worker pool when there is one (2 cores: ~2x)."""
        if self.executor is None:
            return func(*args)
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    async def _extract(self, policy: Policy, result: fetch.FetchResult) -> Document:
        return await self._cpu(extract_document, *self._extract_args(policy, result))

    async def _prejudge(self, policy: Policy, latest: Version | None, previous: Document | None,
                        doc: Document) -> NewChange:
        if latest is None or previous is None:
            return self._change(policy, None, doc, None)
        verdict = await self._cpu(judge_documents, previous, doc, json.dumps(self.config.materiality, sort_keys=True))
        return self._change(policy, latest, doc, verdict)

    async def _confirm(self, client, policy: Policy, result: fetch.FetchResult, doc: Document,
                       previous: Document | None) -> tuple[fetch.FetchResult, Document]:
        """A suspect page (error, login wall, challenge, not the policy, drastic shrink) is fetched
        again before anything is stored; a drastic cut is kept only when the second fetch agrees.
        A page that is still not the policy is kept as evidence, for `tracker accept`."""
        first = guards.suspect(doc, result.text, previous)
        if first is None:
            return result, doc
        await asyncio.sleep(self.config.tracker.suspect_delay)
        again = await self._fetch(client, policy)
        doc_again = await self._extract(policy, again)
        second = guards.suspect(doc_again, again.text, previous)
        if second is None:
            return again, doc_again
        if second.refetch_may_confirm and first.refetch_may_confirm and doc_again.digest == doc.digest:
            return again, doc_again
        if second.identity is not None:
            raise NotThePolicy(f"{second.reason} (fetched twice; nothing stored; if the site really replaced the "
                               f"policy: tracker accept {policy.name})", evidence=second.identity.to_json(),
                               page=(again.body, again.content_type, again.encoding))
        raise ExtractionError(second.reason + " (fetched twice; nothing stored)", kind=second.kind)

    def _record(self, policy: Policy, result: fetch.FetchResult, doc: Document | None, latest: Version | None,
                change: NewChange | None, started_at: str, t0: float) -> CheckResult:
        common = dict(started_at=started_at, url=result.final_url, status=result.status, etag=result.etag,
                      last_modified=result.last_modified, attempts=result.attempts, size=len(result.body))
        with self.store.write():
            current = self.store.latest_version(policy.name)
            if doc is not None and (current and current.id) != (latest and latest.id):
                # another process (a second `check`, the daemon) stored a version since we looked:
                # judge against it, under the write lock, so no version is stored twice
                latest = current
                change = None if latest.digest == doc.digest else self._judge(policy, latest, doc)
            if change is None:
                outcome = "not_modified" if doc is None else "unchanged"
                self.store.record_fetch(policy.name, outcome=outcome, duration=time.monotonic() - t0, **common)
                notify.operator_notices(self.config, self.store, policy.name, policy.display_title, policy.url)
                return CheckResult(policy.name, outcome, time.monotonic() - t0)
            version = self.store_version(policy, doc, result, change)
            self.store.record_fetch(policy.name, outcome="new_version", duration=time.monotonic() - t0,
                                    version_id=version.id, **common)
            notify.operator_notices(self.config, self.store, policy.name, policy.display_title, policy.url)
        return CheckResult(policy.name, "new_version", time.monotonic() - t0, version=version)

    def store_version(self, policy: Policy, doc: Document, result: fetch.FetchResult, change: NewChange) -> Version:
        sha = self.store.put_snapshot(result.body, result.content_type, result.encoding)
        return self.store.add_version(
            policy.name, doc, snapshot=sha, normalizer=NORMALIZER_VERSION,
            selectors={"select": list(policy.select), "remove": list(policy.remove), "links": policy.links},
            change=change,
        )

    def reextract(self, policy: Policy) -> CheckResult:
        """Normalize the latest version's raw snapshot again with today's rules and selectors; a
        different text is recorded as a `technical` change, which is never notified."""
        t0 = time.monotonic()
        latest = self.store.latest_version(policy.name)
        if latest is None or latest.snapshot is None:
            return CheckResult(policy.name, "no_versions")
        body, content_type, encoding = self.store.snapshot(latest.snapshot)
        result = fetch.FetchResult(policy.url, policy.url, 200, body, content_type, encoding)
        try:
            doc = self.extract(policy, result)
        except TrackerError as exc:
            return CheckResult(policy.name, "error", time.monotonic() - t0, error_kind=exc.kind, error=str(exc))
        if doc.digest == latest.digest:
            return CheckResult(policy.name, "unchanged", time.monotonic() - t0)
        verdict = changes.technical(self.store.document(latest), doc, NORMALIZER_VERSION)
        with self.store.write():
            version = self.store_version(policy, doc, result, NewChange("technical", verdict.level, verdict.summary,
                                                                        verdict.assessment))
        return CheckResult(policy.name, "new_version", time.monotonic() - t0, version=version)

    def accept(self, policy: Policy) -> CheckResult:
        """The operator says the page last rejected as not the policy is the policy now (the site
        really replaced it): store it from its kept snapshot, judged and notified like any change.
        Later checks compare with it, so the same page is no longer rejected."""
        t0, started_at = time.monotonic(), utcnow()
        rejected = self.store.last_rejection(policy.name)
        if rejected is None:
            raise TrackerError(f"nothing to accept for {policy.name}: no page was rejected as not the policy "
                               "since the last good check", kind="nothing_to_accept")
        page = self.store.snapshot(rejected["snapshot"])
        if page is None:
            raise TrackerError(f"the rejected page of {policy.name} is missing from the database", kind="internal")
        body, content_type, encoding = page
        url = rejected["url"] or policy.url
        result = fetch.FetchResult(url, url, rejected["status"] or 200, body, content_type, encoding)
        doc = self.extract(policy, result)
        signals = ", ".join(rejected["evidence"].get("signals") or ()) or "not the policy"
        with self.store.write():
            latest = self.store.latest_version(policy.name)
            version = None
            if latest is None or latest.digest != doc.digest:
                change = self._judge(policy, latest, doc)
                change = dataclasses.replace(
                    change, summary=f"accepted by the operator (had been rejected: {signals}); {change.summary}")
                version = self.store_version(policy, doc, result, change)
            self.store.record_fetch(policy.name, outcome="new_version" if version else "unchanged",
                                    started_at=started_at, duration=time.monotonic() - t0, url=url,
                                    status=result.status, size=len(body), version_id=version.id if version else None)
            notify.operator_notices(self.config, self.store, policy.name, policy.display_title, policy.url)
        return CheckResult(policy.name, "new_version" if version else "unchanged", time.monotonic() - t0,
                           version=version)

    async def probe(self, policy: Policy, times: int = 2) -> list[tuple[fetch.FetchResult, Document]]:
        """Fetch and extract without storing anything (for `tracker validate`)."""
        async with fetch.new_client(self.settings) as client:
            return [(r, self.extract(policy, r)) for r in [await self._fetch(client, policy) for _ in range(times)]]

    def _judge(self, policy: Policy, latest: Version | None, doc: Document) -> NewChange:
        verdict = changes.judge(self.store.document(latest), doc, self.config.rules) if latest else None
        return self._change(policy, latest, doc, verdict)

    def _change(self, policy: Policy, latest: Version | None, doc: Document,
                verdict: changes.Verdict | None) -> NewChange:
        """What a new text is: first, reverted to an earlier text, or a change (and who is told)."""
        if latest is None or verdict is None:
            return NewChange("first", None, changes.first_summary(doc), {})
        earlier = self.store.version_with_digest(policy.name, doc.digest)
        if earlier is not None:
            return NewChange("reverted", verdict.level, f"reverted to version {earlier.number}",
                             verdict.assessment, reverted_to=earlier.id)
        level = LEVELS.get(verdict.level or "none", 0)
        default = policy.threshold or self.config.notify.threshold
        per_address = self.config.notify.recipient_thresholds
        wanted = tuple(r for r in policy.recipients if level >= LEVELS[per_address.get(r, default)])
        return NewChange("change", verdict.level, verdict.summary, verdict.assessment, recipients=wanted,
                         notify_at=notify.next_notify_time(self.config))

    def _failed(self, policy: Policy, exc: TrackerError, started_at: str, t0: float, *, attempts: int = 1,
                status: int | None = None, size: int | None = None) -> CheckResult:
        with self.store.write():
            page = getattr(exc, "page", None)
            snapshot = self.store.put_snapshot(*page) if page else None  # the evidence, for `tracker accept`
            self.store.record_fetch(policy.name, outcome="error", started_at=started_at,
                                    duration=time.monotonic() - t0, url=policy.url, status=status,
                                    error_kind=exc.kind, error=str(exc), size=size, attempts=attempts,
                                    snapshot=snapshot, evidence=getattr(exc, "evidence", None))
            notify.operator_notices(self.config, self.store, policy.name, policy.display_title, policy.url)
        return CheckResult(policy.name, "error", time.monotonic() - t0, error_kind=exc.kind, error=str(exc))

    @contextlib.asynccontextmanager
    async def _host_slot(self, url: str):
        """Politeness: one request at a time per host, and a pause between them."""
        host = urlsplit(url).netloc.lower()
        async with self._host_locks.setdefault(host, asyncio.Lock()):
            wait = self._host_last.get(host, 0.0) + self.per_host_delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._host_last[host] = time.monotonic()


def _exit_with_parent(parent: int) -> None:
    """A worker whose parent was killed (kill -9 leaves no time to stop the pool) must not live on
    waiting for work: it would never get EOF, since it holds both ends of the task queue."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


POOL_FROM = 16  # policies in one run before worker processes pay for their start-up


@contextlib.contextmanager
def worker_pool(jobs: int):
    """Processes for normalizing and judging when a run is big enough; none for a few policies.
    'spawn', not fork: the parent has threads (and an open database) that a fork would copy."""
    workers = min(os.cpu_count() or 1, 4)
    if jobs < POOL_FROM or workers < 2:
        yield None
        return
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                  initializer=_exit_with_parent, initargs=(os.getpid(),))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
