"""check(policy): fetch, normalize, guard, store a version only when the policy text changed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import urlsplit

import httpx

from tracker import changes, fetch
from tracker.config import Config, Policy
from tracker.errors import ExtractionError, FetchError, TrackerError
from tracker.normalize import NORMALIZER_VERSION, Options, normalize_source
from tracker.store import NewChange, Store, Version, utcnow

LEVELS = {"none": 0, "minor": 1, "material": 2}


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


def fetch_settings(config: Config, **overrides) -> fetch.FetchSettings:
    t = config.tracker
    values = dict(user_agent=t.user_agent, timeout=t.timeout, connect_timeout=t.connect_timeout,
                  retries=t.retries, backoff=t.retry_backoff, max_bytes=t.max_bytes, max_redirects=t.max_redirects)
    return fetch.FetchSettings(**{**values, **overrides})


def options_of(policy: Policy) -> Options:
    return Options(select=policy.select, remove=policy.remove)


class Checker:
    """Checks policies concurrently: bounded overall, one request at a time per host."""

    def __init__(self, config: Config, store: Store, *, settings: fetch.FetchSettings | None = None,
                 per_host_delay: float | None = None, on_result: Callable[[CheckResult], None] | None = None) -> None:
        self.config = config
        self.store = store
        self.settings = settings or fetch_settings(config)
        self.per_host_delay = config.tracker.per_host_delay if per_host_delay is None else per_host_delay
        self.on_result = on_result
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._host_last: dict[str, float] = {}

    def run(self, policies: Iterable[Policy]) -> list[CheckResult]:
        return asyncio.run(self.check_all(list(policies)))

    async def check_all(self, policies: list[Policy]) -> list[CheckResult]:
        limit = asyncio.Semaphore(self.config.tracker.concurrency)
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
        etag, last_modified = self.store.validators(policy.name)
        if self.store.latest_version(policy.name) is None:
            etag = last_modified = None  # nothing stored yet: a 304 would leave us with nothing
        try:
            async with self._host_slot(policy.url):
                result = await fetch.fetch(client, policy.url, self.settings, etag=etag, last_modified=last_modified)
        except FetchError as exc:
            return self._failed(policy, exc, started_at, t0, attempts=getattr(exc, "attempts", 1),
                                status=getattr(exc, "status", None))
        try:
            return self._process(policy, result, started_at, t0)
        except TrackerError as exc:
            return self._failed(policy, exc, started_at, t0, attempts=result.attempts, status=result.status,
                                size=len(result.body))

    def _process(self, policy: Policy, result: fetch.FetchResult, started_at: str, t0: float) -> CheckResult:
        common = dict(started_at=started_at, url=result.final_url, status=result.status, etag=result.etag,
                      last_modified=result.last_modified, attempts=result.attempts)
        if result.not_modified:
            with self.store.write():
                self.store.record_fetch(policy.name, outcome="not_modified", duration=time.monotonic() - t0, **common)
            return CheckResult(policy.name, "not_modified", time.monotonic() - t0)

        doc = normalize_source(result.body, result.content_type, result.encoding, options_of(policy))
        if doc.word_count < self.config.tracker.min_words:
            raise ExtractionError(
                f"extracted text is implausibly short ({doc.word_count} words, minimum {self.config.tracker.min_words})",
                kind="too_short",
            )
        latest = self.store.latest_version(policy.name)
        if latest is not None and latest.digest == doc.digest:
            with self.store.write():
                self.store.record_fetch(policy.name, outcome="unchanged", duration=time.monotonic() - t0,
                                        size=len(result.body), **common)
            return CheckResult(policy.name, "unchanged", time.monotonic() - t0)

        change = self._judge(policy, latest, doc)
        with self.store.write():
            sha = self.store.put_snapshot(result.body, result.content_type, result.encoding)
            version = self.store.add_version(
                policy.name, doc, snapshot=sha, normalizer=NORMALIZER_VERSION,
                selectors={"select": list(policy.select), "remove": list(policy.remove)}, change=change,
            )
            self.store.record_fetch(policy.name, outcome="new_version", duration=time.monotonic() - t0,
                                    size=len(result.body), version_id=version.id, **common)
        return CheckResult(policy.name, "new_version", time.monotonic() - t0, version=version)

    def _judge(self, policy: Policy, latest: Version | None, doc) -> NewChange:
        if latest is None:
            return NewChange("first", None, changes.first_summary(doc), {})
        earlier = self.store.version_with_digest(policy.name, doc.digest)
        old_doc = self.store.document(latest)
        verdict = changes.judge(old_doc, doc)
        if earlier is not None:
            return NewChange("reverted", verdict.level, f"reverted to version {earlier.number}",
                             verdict.assessment, reverted_to=earlier.id)
        threshold = policy.threshold or self.config.notify.threshold
        notify = LEVELS.get(verdict.level or "none", 0) >= LEVELS[threshold]
        return NewChange("change", verdict.level, verdict.summary, verdict.assessment,
                         recipients=policy.recipients if notify else ())

    def _failed(self, policy: Policy, exc: TrackerError, started_at: str, t0: float, *, attempts: int = 1,
                status: int | None = None, size: int | None = None) -> CheckResult:
        with self.store.write():
            self.store.record_fetch(policy.name, outcome="error", started_at=started_at,
                                    duration=time.monotonic() - t0, url=policy.url, status=status,
                                    error_kind=exc.kind, error=str(exc), size=size, attempts=attempts)
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
