"""The one module that runs a browser: headless Chromium (the operating system's package) renders a
page whose text is built by JavaScript, and its DOM after the scripts ran becomes the snapshot.

`chromium --headless --dump-dom` is enough: it loads the page, runs its scripts until the network
is idle or the virtual-time budget is spent, and prints the serialized DOM. No driver library, no
downloaded browser. The process is always reaped: it runs in a process group of its own that is
killed on every way out (done, timeout, size cap, cancellation on daemon shutdown), and it gets
SIGKILL from the kernel if tracker itself dies (PR_SET_PDEATHSIG), so a kill -9 leaves no browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tracker import waits
from tracker.errors import FetchError
from tracker.processes import pid_alive

INSTALL_HINT = "install it with `apt-get install chromium` (Debian/Ubuntu) or set [tracker] chromium to its path"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
VIRTUAL_TIME_BUDGET_MS = 10_000  # timers and animations fast-forward; pending network pauses this clock
STDERR_TAIL = 2000
PROFILE_PREFIX = "tracker-chromium-"  # + owner pid + "-": a fresh, empty profile per render
# The network-quiet flags matter: without them Chromium phones home at start, and on a closed
# network those connections are refused and slow every render.
FLAGS = ("--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-default-browser-check",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars",
         "--disable-features=Translate,MediaRouter,OptimizationHints")


class BrowserError(FetchError):
    kind = "render"


@dataclass(frozen=True)
class BrowserSettings:
    chromium: str = ""  # command or path; "" = $TRACKER_CHROMIUM, else the first of CANDIDATES on PATH
    user_agent: str = "tracker/0.1"
    deadline: float = 40.0  # wall-clock seconds for the whole render, start-up included
    max_bytes: int = 10_000_000  # of the rendered DOM


def settings_for(t) -> BrowserSettings:
    """BrowserSettings from the config's [tracker] table: the same User-Agent, deadline and size cap as HTTP."""
    return BrowserSettings(chromium=t.chromium, user_agent=t.user_agent, deadline=t.timeout + t.connect_timeout,
                           max_bytes=t.max_bytes)


def find_chromium(configured: str = "") -> str:
    """The Chromium executable, or a BrowserError that says how to install it."""
    wanted = configured or os.environ.get("TRACKER_CHROMIUM", "")
    names = (wanted,) if wanted else CANDIDATES
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    looked = f"{wanted!r}" if wanted else "chromium, chromium-browser or google-chrome on PATH"
    raise BrowserError(f"this page needs a browser but Chromium was not found (looked for {looked}): {INSTALL_HINT}",
                       kind="browser_missing")


def command(executable: str, url: str, settings: BrowserSettings, profile: str) -> list[str]:
    args = [executable, *FLAGS, f"--user-data-dir={profile}", f"--user-agent={_header_safe(settings.user_agent)}",
            f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}", "--dump-dom", url]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox on
    return args


class Browser:
    """Renders pages, at most `concurrency` Chromium processes at a time in this process."""

    def __init__(self, settings: BrowserSettings, concurrency: int = 1) -> None:
        self.settings = settings
        self.concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def reload(self, settings: BrowserSettings, concurrency: int) -> None:
        """New settings for the renders that start from now on (renders under way keep their slots)."""
        if concurrency != self.concurrency:
            self.concurrency, self._slots = concurrency, None
        self.settings = settings

    async def render(self, url: str) -> bytes:
        """The page's DOM after its scripts ran, as UTF-8 HTML."""
        executable = find_chromium(self.settings.chromium)  # before waiting for a slot: fail fast
        async with waits.waiting("a browser render"), self._slots_of_this_loop():
            return await render(executable, url, self.settings)

    def _slots_of_this_loop(self) -> asyncio.Semaphore:
        """A semaphore belongs to one event loop; a Checker may be run by several asyncio.run calls."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots, self._loop = asyncio.Semaphore(self.concurrency), loop
        return self._slots


async def render(executable: str, url: str, settings: BrowserSettings) -> bytes:
    if not url.lower().startswith(("http://", "https://")):
        raise BrowserError(f"refusing to render {url!r}: only http and https pages", kind="bad_scheme")
    started = time.monotonic()
    remove_stale_profiles()
    with tempfile.TemporaryDirectory(prefix=f"{PROFILE_PREFIX}{os.getpid()}-", ignore_cleanup_errors=True) as profile:
        log_path = Path(profile) / "stderr.log"
        with open(log_path, "wb") as log:  # noqa: ASYNC230 — creating an empty local file does not block
            try:
                proc = await asyncio.create_subprocess_exec(
                    *command(executable, url, settings, profile), stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE, stderr=log, start_new_session=True,
                    preexec_fn=functools.partial(_die_with_parent, os.getpid()))
            except OSError as exc:
                raise BrowserError(f"cannot start Chromium ({executable}): {exc.strerror or exc}; {INSTALL_HINT}",
                                   kind="browser_missing") from None
            try:
                async with asyncio.timeout(settings.deadline):
                    body = await _read_capped(proc, settings.max_bytes)
                    code = await proc.wait()
            except TimeoutError:
                raise BrowserError(f"timed out: the page did not finish rendering within {settings.deadline:g} s",
                                   kind="timeout") from None
            finally:
                await _reap(proc)
        if code != 0 or not body.strip():
            tail = log_path.read_bytes()[-STDERR_TAIL:].decode("utf-8", "replace").strip()
            raise BrowserError(f"Chromium exited with status {code} after {time.monotonic() - started:.1f} s "
                               f"without a page{': ' + _last_line(tail) if tail else ''}")
    return body


def remove_stale_profiles(root: str | None = None) -> list[Path]:
    """Profile folders of renders whose tracker was killed (kill -9 leaves no time to delete them):
    each carries its owner's pid, and a folder whose owner is gone is removed."""
    removed = []
    for path in Path(root or tempfile.gettempdir()).glob(f"{PROFILE_PREFIX}*-*"):
        owner = path.name[len(PROFILE_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and not pid_alive(int(owner)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


async def _read_capped(proc: asyncio.subprocess.Process, max_bytes: int) -> bytes:
    assert proc.stdout is not None
    chunks: list[bytes] = []
    size = 0
    while chunk := await proc.stdout.read(65536):
        size += len(chunk)
        if size > max_bytes:
            raise BrowserError(f"rendered page is over the cap of {max_bytes} bytes", kind="too_large")
        chunks.append(chunk)
    return b"".join(chunks)


async def _reap(proc: asyncio.subprocess.Process) -> None:
    """Kill the whole process group (browser, zygote, renderers) and collect the exit status.
    Shielded: a cancelled check (daemon shutdown) must still wait for its browser to die."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        # bounded: a leader whose exit status someone else collected must not hang the check
        await asyncio.wait_for(asyncio.shield(proc.wait()), GROUP_GONE_WAIT)
        # the helpers (zygote, renderers) die a moment after the leader: the slot is free only then
        await asyncio.shield(_group_gone(proc.pid))


GROUP_GONE_WAIT = 5.0  # seconds; SIGKILLed processes normally vanish within milliseconds


async def _group_gone(group: int) -> None:
    deadline = time.monotonic() + GROUP_GONE_WAIT
    while _group_members(group) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


def _group_members(group: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                state, _ppid, pgrp = f.read().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(pgrp) == group and state != "Z":
            members.append(int(entry.name))
    return members


_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Runs in the child between fork and exec: the kernel sends SIGKILL when tracker dies, even by kill -9
    (and if tracker died before this line ran, the child stops here). The signal follows the thread
    that forked: renders fork from the event loop's thread, which lives as long as the process."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _header_safe(value: str) -> str:
    return "".join(ch for ch in value if ch >= " " and ch != "\x7f")


def _last_line(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip() and "dbus" not in ln.lower()]
    return (lines[-1] if lines else text.splitlines()[-1])[:300]
