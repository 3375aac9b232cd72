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

from tracker import browser, changes, coverage, fetch, guards, notify, scriptshell
from tracker.config import Config, Policy, rules_from_json
from tracker.errors import ExtractionError, StorageError, TrackerError
from tracker.model import Document
from tracker.normalize import NORMALIZER_VERSION, Extraction, Options, extract_source
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


def unrecorded(policies: Iterable[Policy], exc: TrackerError) -> list[CheckResult]:
    """Every policy failed with the same error that could not even be recorded (no usable database)."""
    return [CheckResult(p.name, "error", error_kind=exc.kind, error=str(exc)) for p in policies]


def options_of(policy: Policy, config: Config) -> Options:
    return Options(select=policy.select, remove=policy.remove, links=policy.links,
                   tracking_params=config.tracker.tracking_params)


def extract_document(body: bytes, content_type: str, encoding: str, options: Options, min_words: int) -> Extraction:
    """Normalize a fetched page; implausibly little text is an extraction error, never a version.
    Module-level and pure, so it can run in a worker process."""
    extraction = extract_source(body, content_type, encoding, options)
    coverage.require_text(extraction.document.word_count, extraction.coverage, min_words)
    return extraction


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
        self.browser = browser.Browser(browser.settings_for(config.tracker), config.tracker.browser_concurrency)
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
        result: fetch.FetchResult | None = None
        try:
            latest = self.store.latest_version(policy.name)
            # a rendered page's shell can stay byte-identical while its scripts load a new text
            conditional = latest is not None and policy.render != "browser"
            etag, last_modified = self.store.validators(policy.name) if conditional else (None, None)
            result = await self._fetch(client, policy, etag, last_modified)
            if result.not_modified:
                return self._record(policy, result, None, latest, None, started_at, t0)
            extraction = await self._extract(policy, result)
            change = None
            if latest is None or latest.digest != extraction.document.digest:
                previous = self.store.document(latest) if latest else None  # read once: guards and judge
                result, extraction = await self._confirm(client, policy, result, extraction, previous, latest)
                doc = extraction.document
                if latest is None or latest.digest != doc.digest:  # the second fetch may be the old text again
                    change = await self._prejudge(policy, latest, previous, doc)
            return self._record(policy, result, extraction, latest, change, started_at, t0)
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
            result = await fetch.fetch(client, policy.url, self.settings, etag=etag, last_modified=last_modified)
            return await self._render(policy, result)

    async def _render(self, policy: Policy, result: fetch.FetchResult) -> fetch.FetchResult:
        """Over HTTP first (status, redirects and size checked as always); then, when the policy
        says so or the page is a script shell, the DOM Chromium renders from the final URL."""
        if result.not_modified:
            return result
        choice = scriptshell.choose(policy.render, result.text, result.content_type)
        if choice.path == "http":
            return dataclasses.replace(result, via_reason=choice.reason)
        t0 = time.monotonic()
        self.browser.settings = browser.settings_for(self.config.tracker)  # a reloaded config applies
        try:
            body = await self.browser.render(result.final_url)
        except TrackerError as exc:
            exc.args = (f"{exc} (rendering because {choice.reason})",)
            raise
        return dataclasses.replace(result, body=body, content_type="text/html", encoding="utf-8", etag=None,
                                   last_modified=None, via="browser", via_reason=choice.reason,
                                   duration=result.duration + time.monotonic() - t0)

    def _extract_args(self, policy: Policy, result: fetch.FetchResult) -> tuple:
        return (result.body, result.content_type, result.encoding, options_of(policy, self.config),
                self.config.tracker.min_words)

    def extract(self, policy: Policy, result: fetch.FetchResult) -> Extraction:
        return extract_document(*self._extract_args(policy, result))

    async def _cpu(self, func, *args):
        """CPU-bound work never on the event loop: in the worker pool when there is one (2 cores: ~2x),
        else in a thread, so other policies' requests go on meanwhile."""
        if self.executor is None:
            return await asyncio.to_thread(func, *args)
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    async def _extract(self, policy: Policy, result: fetch.FetchResult) -> Extraction:
        return await self._cpu(extract_document, *self._extract_args(policy, result))

    async def _prejudge(self, policy: Policy, latest: Version | None, previous: Document | None,
                        doc: Document) -> NewChange:
        if latest is None or previous is None:
            return self._change(policy, None, doc, None)
        verdict = await self._cpu(judge_documents, previous, doc, json.dumps(self.config.materiality, sort_keys=True))
        return self._change(policy, latest, doc, verdict)

    async def _confirm(self, client, policy: Policy, result: fetch.FetchResult, extraction: Extraction,
                       previous: Document | None, latest: Version | None) -> tuple[fetch.FetchResult, Extraction]:
        """A suspect page (error, login wall, challenge, drastic shrink, a sharp fall in the share
        of the page kept) is fetched again before anything is stored; a drastic cut is kept only
        when the second fetch agrees."""
        doc = extraction.document
        first = guards.suspect(doc, result.text, previous)
        if first is None and not _share_drop(latest, extraction):
            return result, extraction
        await asyncio.sleep(self.config.tracker.suspect_delay)
        again = await self._fetch(client, policy)
        extraction_again = await self._extract(policy, again)
        doc_again = extraction_again.document
        second = guards.suspect(doc_again, again.text, previous)
        if second is None:
            return again, extraction_again
        if (second.refetch_may_confirm and (first is None or first.refetch_may_confirm)
                and doc_again.digest == doc.digest):
            return again, extraction_again
        raise ExtractionError(second.reason + " (fetched twice; nothing stored)", kind=second.kind)

    def _record(self, policy: Policy, result: fetch.FetchResult, extraction: Extraction | None,
                latest: Version | None, change: NewChange | None, started_at: str, t0: float) -> CheckResult:
        doc = extraction.document if extraction else None
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
            assert extraction is not None
            note = _share_drop(latest, extraction)
            version = self.store_version(policy, extraction, result, change, note)
            self.store.record_fetch(policy.name, outcome="new_version", duration=time.monotonic() - t0,
                                    version_id=version.id, **common)
            notify.operator_notices(self.config, self.store, policy.name, policy.display_title, policy.url)
            if note:
                notify.coverage_alert(self.config, self.store, policy.name, policy.display_title, policy.url,
                                      version.number, note)
        return CheckResult(policy.name, "new_version", time.monotonic() - t0, version=version)

    def store_version(self, policy: Policy, extraction: Extraction, result: fetch.FetchResult, change: NewChange,
                      coverage_note: str | None = None) -> Version:
        sha = self.store.put_snapshot(result.body, result.content_type, result.encoding)
        cov = extraction.coverage
        return self.store.add_version(
            policy.name, extraction.document, snapshot=sha, normalizer=NORMALIZER_VERSION,
            selectors={"select": list(policy.select), "remove": list(policy.remove), "links": policy.links},
            change=change, coverage=(cov.kept_words, cov.page_words), coverage_note=coverage_note,
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
            extraction = self.extract(policy, result)
        except TrackerError as exc:
            return CheckResult(policy.name, "error", time.monotonic() - t0, error_kind=exc.kind, error=str(exc))
        doc = extraction.document
        if doc.digest == latest.digest:
            return CheckResult(policy.name, "unchanged", time.monotonic() - t0)
        verdict = changes.judge(self.store.document(latest), doc, self.config.rules)
        summary = f"technical: re-extracted (normalizer {NORMALIZER_VERSION}); {verdict.summary}"
        with self.store.write():
            version = self.store_version(policy, extraction, result, NewChange("technical", verdict.level, summary,
                                                                               verdict.assessment))
        return CheckResult(policy.name, "new_version", time.monotonic() - t0, version=version)

    async def probe(self, policy: Policy, times: int = 2) -> list[tuple[fetch.FetchResult, Extraction]]:
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
        try:
            with self.store.write():
                self.store.record_fetch(policy.name, outcome="error", started_at=started_at,
                                        duration=time.monotonic() - t0, url=policy.url, status=status,
                                        error_kind=exc.kind, error=str(exc), size=size, attempts=attempts)
                notify.operator_notices(self.config, self.store, policy.name, policy.display_title, policy.url)
        except StorageError as storage:  # a full disk: the failure cannot be recorded, but is still told
            log.error("%s: %s (and the failure could not be recorded: %s)", policy.name, exc, storage)
            if not isinstance(exc, StorageError):
                exc = StorageError(f"{exc.kind}: {exc}; and it could not be recorded: {storage}")
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


def _share_drop(latest: Version | None, extraction: Extraction) -> str | None:
    """The kept share of the page fell sharply against the previous version (see coverage.share_drop)."""
    if latest is None or latest.kept_words is None or latest.page_words is None:
        return None
    return coverage.share_drop((latest.kept_words, latest.page_words), extraction.coverage)


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
def worker_pool(jobs: int, *, always: bool = False):
    """Processes for normalizing and judging when a run is big enough; none for a few policies
    (unless `always`: the daemon, whose loop must stay free and whose SIGTERM must not wait for a
    long comparison). 'spawn', not fork: the parent has threads (and an open database) that a fork
    would copy."""
    workers = min(os.cpu_count() or 1, 4)
    if not always and (jobs < POOL_FROM or workers < 2):
        yield None
        return
    pool = concurrent.futures.ProcessPoolExecutor(max(1, min(workers, jobs)),
                                                  mp_context=multiprocessing.get_context("spawn"),
                                                  initializer=_exit_with_parent, initargs=(os.getpid(),))
    try:
        yield pool
    finally:
        _stop_pool(pool)


def _stop_pool(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Idle workers exit at once; one still busy (a comparison abandoned at shutdown) is terminated
    rather than waited for: its result would be thrown away anyway."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # gone after shutdown()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.join(timeout=2.0)
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=5.0)
