"""check(policy): fetch, normalize, guard, store a version only when the policy text changed.

A Checker is one checking session: it owns the HTTP client, the worker pool, the per-host slots
and the concurrency limit, for `tracker check` (one run) and the daemon (months) alike.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from tracker import browser, changes, combine, coverage, fetch, guards, notify, scriptshell, waits
from tracker.config import Config, Policy, rules_from_json
from tracker.errors import ExtractionError, NotThePolicy, StorageError, TrackerError
from tracker.model import ChangeKind, Document, Level, Outcome
from tracker.normalize import NORMALIZER_VERSION, Extraction, Options, extract_source
from tracker.ranges import selector_json
from tracker.store import NewChange, Store, Version, utcnow

if TYPE_CHECKING:
    from tracker.jsontypes import CheckResultJSON

log = logging.getLogger("tracker.pipeline")


@dataclass(frozen=True)
class CheckResult:
    policy: str
    outcome: Outcome
    duration: float = 0.0
    version: Version | None = None
    error_kind: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome != Outcome.ERROR

    def to_json(self) -> CheckResultJSON:
        v = self.version
        return {"policy": self.policy, "outcome": self.outcome, "duration": round(self.duration, 3),
                "version": v.number if v else None, "kind": v.kind if v else None,
                "level": v.level if v else None, "summary": v.summary if v else None,
                "error_kind": self.error_kind, "error": self.error}


def unrecorded(policies: Iterable[Policy], exc: TrackerError) -> list[CheckResult]:
    """Every policy failed with the same error that could not even be recorded (no usable database)."""
    return [CheckResult(p.name, Outcome.ERROR, error_kind=exc.kind, error=str(exc)) for p in policies]


def options_of(policy: Policy, config: Config) -> Options:
    parts = tuple(Options(select=select, remove=remove, links=policy.links,
                          tracking_params=config.tracker.tracking_params)
                  for _, select, remove, _ in policy.source_options())
    return Options(select=policy.select, remove=policy.remove, links=policy.links,
                   tracking_params=config.tracker.tracking_params, parts=parts)


def selectors_of(policy: Policy) -> dict[str, Any]:
    """What a version was extracted with (kept with it; a combined policy adds its pages)."""
    out: dict[str, Any] = {"select": [selector_json(s) for s in policy.select],
                           "remove": [selector_json(s) for s in policy.remove], "links": policy.links}
    if policy.combine:
        out["combine"] = [{"url": url, "select": [selector_json(s) for s in select],
                           "remove": [selector_json(s) for s in remove], "render": render}
                          for url, select, remove, render in policy.source_options()]
    return out


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
    """A checking session: bounded overall, one request at a time per host.

    ``run(policies)`` is one whole run; for a long-lived session (the daemon) enter it with
    ``async with Checker(config, store, jobs=n) as checker`` and ``await checker.check(policy)``;
    ``reload(config)`` swaps the config between checks.
    """

    def __init__(self, config: Config, store: Store, *, on_result: Callable[[CheckResult], None] | None = None,
                 jobs: int = 0, always_pool: bool = False) -> None:
        self.config = config
        self.store = store
        self.settings = fetch.settings_for(config.tracker)
        self.on_result = on_result
        self.jobs = jobs  # policies the session will check: decides whether worker processes pay off
        self.always_pool = always_pool  # the daemon: CPU work in processes even for a few policies
        self.executor: concurrent.futures.Executor | None = None  # CPU work (normalize, judge) goes here if set
        self.browser = browser.Browser(browser.settings_for(config.tracker), config.tracker.browser_concurrency)
        self.client: httpx.AsyncClient | None = None
        self._limit = asyncio.Semaphore(config.tracker.concurrency)
        self._stack: contextlib.AsyncExitStack | None = None
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._host_last: dict[str, float] = {}

    async def __aenter__(self) -> Checker:
        self._limit = asyncio.Semaphore(self.config.tracker.concurrency)  # bound to this event loop
        self._host_locks = {}
        async with contextlib.AsyncExitStack() as stack:
            self.executor = stack.enter_context(worker_pool(self.jobs, always=self.always_pool))
            self.client = await stack.enter_async_context(fetch.new_client())
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, *exc: object) -> None:
        stack, self._stack = self._stack, None
        try:
            if stack is not None:
                await stack.aclose()
        finally:
            self.client = self.executor = None

    def reload(self, config: Config) -> None:
        """A new config for the requests and checks that start from now on (the daemon's SIGHUP):
        HTTP settings, politeness delay, concurrency, browser. The open client stays: fetch() sends
        each request with the settings it is given."""
        if config.tracker.concurrency != self.config.tracker.concurrency:
            self._limit = asyncio.Semaphore(config.tracker.concurrency)
        self.config = config
        self.settings = fetch.settings_for(config.tracker)
        self.browser.reload(browser.settings_for(config.tracker), config.tracker.browser_concurrency)

    def run(self, policies: Iterable[Policy]) -> list[CheckResult]:
        """Check every policy once, concurrently; the session opens and closes around the run."""
        return asyncio.run(self._run(list(policies)))

    async def _run(self, policies: list[Policy]) -> list[CheckResult]:
        self.jobs = max(self.jobs, len(policies))
        async with self:
            return await self.check_all(policies)

    async def check_all(self, policies: list[Policy]) -> list[CheckResult]:
        return list(await asyncio.gather(*(self.check(p) for p in policies)))

    async def check(self, policy: Policy) -> CheckResult:
        """One check of one policy, within the session's limits."""
        if self.client is None:
            raise RuntimeError("Checker.check needs an open session: `async with Checker(...) as checker`")
        async with self._limit:
            result = await self._check(self.client, policy)
        if self.on_result:
            self.on_result(result)
        return result

    async def _check(self, client: httpx.AsyncClient, policy: Policy) -> CheckResult:
        started_at, t0 = utcnow(), time.monotonic()
        result: fetch.FetchResult | None = None
        try:
            latest = self.store.latest_version(policy.name)
            # a rendered page's shell can stay byte-identical while its scripts load a new text
            conditional = latest is not None and policy.render != "browser" and not policy.combine
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

    async def _fetch(self, client: httpx.AsyncClient, policy: Policy, etag: str | None = None,
                     last_modified: str | None = None) -> fetch.FetchResult:
        if policy.combine:
            return await self._fetch_combined(client, policy)
        async with self._host_slot(policy.url):
            result = await fetch.fetch(client, policy.url, self.settings, etag=etag, last_modified=last_modified)
            return await self._render(policy.render, result)

    async def _fetch_combined(self, client: httpx.AsyncClient, policy: Policy) -> fetch.FetchResult:
        """Every page of a combined policy, in order, each with the host's politeness; one failure
        fails the whole (no document is made of some of its pages)."""
        results: list[fetch.FetchResult] = []
        for i, (url, _, _, render) in enumerate(policy.source_options(), 1):
            try:
                async with self._host_slot(url):
                    results.append(await self._render(render, await fetch.fetch(client, url, self.settings)))
            except TrackerError as exc:
                exc.args = (f"page {i} of {len(policy.combine)} ({url}): {exc}",)
                raise
        body, content_type = combine.pack([combine.Part(r.final_url, r.body, r.content_type, r.encoding)
                                           for r in results])
        return fetch.FetchResult(policy.url, results[0].final_url, results[-1].status, body, content_type, "",
                                 attempts=sum(r.attempts for r in results), duration=sum(r.duration for r in results),
                                 errors=tuple(e for r in results for e in r.errors),
                                 via="browser" if any(r.via == "browser" for r in results) else "http",
                                 via_reason="; ".join(r.via_reason for r in results if r.via_reason))

    async def _render(self, render: str, result: fetch.FetchResult) -> fetch.FetchResult:
        """Over HTTP first (status, redirects and size checked as always); then, when the policy
        says so or the page is a script shell, the DOM Chromium renders from the final URL."""
        if result.not_modified:
            return result
        choice = scriptshell.choose(render, result.text, result.content_type)
        if choice.path == "http":
            return dataclasses.replace(result, via_reason=choice.reason)
        t0 = time.monotonic()
        try:
            body = await self.browser.render(result.final_url)
        except TrackerError as exc:
            exc.args = (f"{exc} (rendering because {choice.reason})",)
            raise
        return dataclasses.replace(result, body=body, content_type="text/html", encoding="utf-8", etag=None,
                                   last_modified=None, via="browser", via_reason=choice.reason,
                                   duration=result.duration + time.monotonic() - t0)

    def _extract_args(self, policy: Policy, result: fetch.FetchResult) -> tuple[Any, ...]:
        return (result.body, result.content_type, result.encoding, options_of(policy, self.config),
                self.config.tracker.min_words)

    def extract(self, policy: Policy, result: fetch.FetchResult) -> Extraction:
        return extract_document(*self._extract_args(policy, result))

    async def _cpu(self, func: Callable[..., Any], *args: Any) -> Any:
        """CPU-bound work never on the event loop: in the worker pool when there is one (2 cores: ~2x),
        else in a thread, so other policies' requests go on meanwhile."""
        if self.executor is None:
            return await asyncio.to_thread(func, *args)
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    async def _extract(self, policy: Policy, result: fetch.FetchResult) -> Extraction:
        extraction: Extraction = await self._cpu(extract_document, *self._extract_args(policy, result))
        return extraction

    async def _prejudge(self, policy: Policy, latest: Version | None, previous: Document | None,
                        doc: Document) -> NewChange:
        if latest is None or previous is None:
            return self._change(policy, None, doc, None)
        verdict = await self._cpu(judge_documents, previous, doc, json.dumps(self.config.materiality, sort_keys=True))
        return self._change(policy, latest, doc, verdict)

    async def _confirm(self, client: httpx.AsyncClient, policy: Policy, result: fetch.FetchResult,
                       extraction: Extraction, previous: Document | None,
                       latest: Version | None) -> tuple[fetch.FetchResult, Extraction]:
        """A suspect page (error, login wall, challenge, not the policy, drastic shrink, a sharp fall
        in the share of the page kept) is fetched again before anything is stored; a drastic cut is
        kept only when the second fetch agrees. A page that is still not the policy is kept as
        evidence, for `tracker accept`."""
        doc = extraction.document
        first = guards.suspect(doc, result.text, previous)
        if first is None and not _share_drop(latest, extraction):
            return result, extraction
        await waits.pause(self.config.tracker.suspect_delay, "a second look")
        again = await self._fetch(client, policy)
        extraction_again = await self._extract(policy, again)
        doc_again = extraction_again.document
        second = guards.suspect(doc_again, again.text, previous)
        if second is None:
            return again, extraction_again
        if (second.refetch_may_confirm and (first is None or first.refetch_may_confirm)
                and doc_again.digest == doc.digest):
            return again, extraction_again
        if second.identity is not None:
            raise NotThePolicy(f"{second.reason} (fetched twice; nothing stored; if the site really replaced the "
                               f"policy: tracker accept {policy.name})", evidence=second.identity.to_json(),
                               page=(again.body, again.content_type, again.encoding))
        raise ExtractionError(second.reason + " (fetched twice; nothing stored)", kind=second.kind)

    def _record(self, policy: Policy, result: fetch.FetchResult, extraction: Extraction | None,
                latest: Version | None, change: NewChange | None, started_at: str, t0: float) -> CheckResult:
        doc = extraction.document if extraction else None

        def fetched(outcome: Outcome, version_id: int | None = None) -> None:
            self.store.record_fetch(policy.name, outcome=outcome, started_at=started_at,
                                    duration=time.monotonic() - t0, url=result.final_url, status=result.status,
                                    etag=result.etag, last_modified=result.last_modified, attempts=result.attempts,
                                    size=len(result.body), version_id=version_id)

        with self.store.write():
            current = self.store.latest_version(policy.name)
            if doc is not None and (current and current.id) != (latest and latest.id):
                # another process (a second `check`, the daemon) stored a version since we looked:
                # judge against it, under the write lock, so no version is stored twice
                latest = current
                change = None if latest is None or latest.digest == doc.digest else self._judge(policy, latest, doc)
            if change is None or doc is None:
                outcome = Outcome.NOT_MODIFIED if doc is None else Outcome.UNCHANGED
                fetched(outcome)
                notify.operator_notices(self.config, self.store, policy.name, policy.display_title, policy.url)
                return CheckResult(policy.name, outcome, time.monotonic() - t0)
            assert extraction is not None
            note = _share_drop(latest, extraction)
            version = self.store_version(policy, extraction, result, change, note)
            fetched(Outcome.NEW_VERSION, version.id)
            notify.operator_notices(self.config, self.store, policy.name, policy.display_title, policy.url)
            if note:
                notify.coverage_alert(self.config, self.store, policy.name, policy.display_title, policy.url,
                                      version.number, note)
        return CheckResult(policy.name, Outcome.NEW_VERSION, time.monotonic() - t0, version=version)

    def store_version(self, policy: Policy, extraction: Extraction, result: fetch.FetchResult, change: NewChange,
                      coverage_note: str | None = None) -> Version:
        sha = self.store.put_snapshot(result.body, result.content_type, result.encoding)
        cov = extraction.coverage
        return self.store.add_version(
            policy.name, extraction.document, snapshot=sha, normalizer=NORMALIZER_VERSION,
            selectors=selectors_of(policy),
            change=change, coverage=(cov.kept_words, cov.page_words), coverage_note=coverage_note,
        )

    def reextract(self, policy: Policy) -> CheckResult:
        """Normalize the latest version's raw snapshot again with today's rules and selectors; a
        different text is recorded as a `technical` change, which is never notified."""
        t0 = time.monotonic()
        latest = self.store.latest_version(policy.name)
        stored = self.store.snapshot(latest.snapshot) if latest is not None and latest.snapshot else None
        if latest is None or stored is None:
            return CheckResult(policy.name, Outcome.NO_VERSIONS)
        body, content_type, encoding = stored
        result = fetch.FetchResult(policy.url, policy.url, 200, body, content_type, encoding)
        try:
            extraction = self.extract(policy, result)
        except TrackerError as exc:
            return CheckResult(policy.name, Outcome.ERROR, time.monotonic() - t0, error_kind=exc.kind, error=str(exc))
        doc = extraction.document
        if doc.digest == latest.digest:
            return CheckResult(policy.name, Outcome.UNCHANGED, time.monotonic() - t0)
        verdict = changes.technical(self.store.document(latest), doc, NORMALIZER_VERSION)
        with self.store.write():
            version = self.store_version(policy, extraction, result, NewChange(
                ChangeKind.TECHNICAL, verdict.level, verdict.summary, verdict.assessment))
        return CheckResult(policy.name, Outcome.NEW_VERSION, time.monotonic() - t0, version=version)

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
        extraction = self.extract(policy, result)
        doc = extraction.document
        signals = ", ".join(rejected["evidence"].get("signals") or ()) or "not the policy"
        with self.store.write():
            latest = self.store.latest_version(policy.name)
            version = None
            if latest is None or latest.digest != doc.digest:
                change = self._judge(policy, latest, doc)
                change = dataclasses.replace(
                    change, summary=f"accepted by the operator (had been rejected: {signals}); {change.summary}")
                version = self.store_version(policy, extraction, result, change)
            outcome = Outcome.NEW_VERSION if version else Outcome.UNCHANGED
            self.store.record_fetch(policy.name, outcome=outcome, started_at=started_at,
                                    duration=time.monotonic() - t0, url=url, status=result.status, size=len(body),
                                    version_id=version.id if version else None)
            notify.operator_notices(self.config, self.store, policy.name, policy.display_title, policy.url)
        return CheckResult(policy.name, outcome, time.monotonic() - t0, version=version)

    async def probe(self, policy: Policy, times: int = 2) -> list[tuple[fetch.FetchResult, Extraction]]:
        """Fetch and extract without storing anything (for `tracker validate`)."""
        async with fetch.new_client() as client:
            return [(r, self.extract(policy, r)) for r in [await self._fetch(client, policy) for _ in range(times)]]

    def would_store(self, policy: Policy, doc: Document) -> str:
        """What a check would record for this text now (nothing is written)."""
        latest = self.store.latest_version(policy.name)
        if latest is None:
            return "version 1 (first)"
        if latest.digest == doc.digest:
            return f"nothing: identical to version {latest.number}"
        return f"version {latest.number + 1} ({ChangeKind.CHANGE})"

    def _judge(self, policy: Policy, latest: Version | None, doc: Document) -> NewChange:
        verdict = changes.judge(self.store.document(latest), doc, self.config.rules) if latest else None
        return self._change(policy, latest, doc, verdict)

    def _change(self, policy: Policy, latest: Version | None, doc: Document,
                verdict: changes.Verdict | None) -> NewChange:
        """What a new text is: first, reverted to an earlier text, or a change (and who is told)."""
        if latest is None or verdict is None:
            return NewChange(ChangeKind.FIRST, None, changes.first_summary(doc), None)
        earlier = self.store.version_with_digest(policy.name, doc.digest)
        if earlier is not None:
            return NewChange(ChangeKind.REVERTED, verdict.level, f"reverted to version {earlier.number}",
                             verdict.assessment, reverted_to=earlier.id)
        default = policy.threshold or self.config.notify.threshold
        per_address = self.config.notify.recipient_thresholds
        wanted = tuple(r for r in policy.recipients if verdict.level >= Level(per_address.get(r, default)))
        return NewChange(ChangeKind.CHANGE, verdict.level, verdict.summary, verdict.assessment, recipients=wanted,
                         notify_at=notify.next_notify_time(self.config))

    def _failed(self, policy: Policy, exc: TrackerError, started_at: str, t0: float, *, attempts: int = 1,
                status: int | None = None, size: int | None = None) -> CheckResult:
        try:
            with self.store.write():
                page = getattr(exc, "page", None)
                snapshot = self.store.put_snapshot(*page) if page else None  # the evidence, for `tracker accept`
                self.store.record_fetch(policy.name, outcome=Outcome.ERROR, started_at=started_at,
                                        duration=time.monotonic() - t0, url=policy.url, status=status,
                                        error_kind=exc.kind, error=str(exc), size=size, attempts=attempts,
                                        snapshot=snapshot, evidence=getattr(exc, "evidence", None))
                notify.operator_notices(self.config, self.store, policy.name, policy.display_title, policy.url)
        except StorageError as storage:  # a full disk: the failure cannot be recorded, but is still told
            log.error("%s: %s (and the failure could not be recorded: %s)", policy.name, exc, storage)
            if not isinstance(exc, StorageError):
                exc = StorageError(f"{exc.kind}: {exc}; and it could not be recorded: {storage}")
        return CheckResult(policy.name, Outcome.ERROR, time.monotonic() - t0, error_kind=exc.kind, error=str(exc))

    @contextlib.asynccontextmanager
    async def _host_slot(self, url: str) -> AsyncIterator[None]:
        """Politeness: one request at a time per host, and a pause between them."""
        host = urlsplit(url).netloc.lower()
        lock = self._host_locks.setdefault(host, asyncio.Lock())
        async with waits.waiting("the politeness delay"):
            await lock.acquire()
        try:
            wait = self._host_last.get(host, 0.0) + self.config.tracker.per_host_delay - time.monotonic()
            if wait > 0:
                await waits.pause(wait, "the politeness delay")
            try:
                yield
            finally:
                self._host_last[host] = time.monotonic()
        finally:
            lock.release()


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
def worker_pool(jobs: int, *, always: bool = False) -> Iterator[concurrent.futures.Executor | None]:
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
