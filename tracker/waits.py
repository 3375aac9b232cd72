"""Waits a stop may cut short: a retry backoff, the politeness delay between two pages of a host, a
suspect page's second look, a browser render.

A check inside one of them has nothing half-done (nothing is stored until the page is judged), so a
stopping daemon cancels it at once instead of granting it the grace that work in progress gets; a
check that reaches a wait after the stop began is cancelled on entry.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from weakref import WeakKeyDictionary

# per event loop: the tasks inside a wait (and why), and whether the loop's owner is stopping
_waiting: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[asyncio.Task[object], str]] = WeakKeyDictionary()
_stopping: WeakKeyDictionary[asyncio.AbstractEventLoop, bool] = WeakKeyDictionary()


@contextlib.asynccontextmanager
async def waiting(why: str) -> AsyncIterator[None]:
    """Mark the current task as waiting (for ``why``) for the duration of the block."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is None:  # not in a task (cannot happen under asyncio.run): nothing to mark
        yield
        return
    if _stopping.get(loop):
        task.cancel()
        await asyncio.sleep(0)  # the cancellation is delivered here
    tasks = _waiting.setdefault(loop, {})
    tasks[task] = why
    try:
        yield
    finally:
        tasks.pop(task, None)


async def pause(seconds: float, why: str) -> None:
    """asyncio.sleep that a stop cuts short."""
    async with waiting(why):
        await asyncio.sleep(seconds)


def stop_waiting() -> dict[str, int]:
    """Cancel every task of this loop inside a wait, and those entering one later. Returns how many were
    cancelled for each reason."""
    loop = asyncio.get_running_loop()
    _stopping[loop] = True
    cancelled: dict[str, int] = {}
    for task, why in list(_waiting.get(loop, {}).items()):
        if not task.done():
            task.cancel()
            cancelled[why] = cancelled.get(why, 0) + 1
    return cancelled
