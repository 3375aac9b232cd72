"""Browser rendering (issue 12 item 5): what a rendered page costs, and that ordinary pages pay nothing.

    .venv/bin/python bench/bench_render.py [--runs 5]

- Chromium render of a small JavaScript-built page from a loopback server (start-up included);
- the `auto` decision on the 88 KB seed page (the only extra work an ordinary page does);
- whole checks of the seed page over loopback with render = "http" and render = "auto", and how
  many browsers those checks started (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from common import median_ms, result

from tracker import browser
from tracker import config as config_mod
from tracker.pipeline import Checker
from tracker.scriptshell import choose
from tracker.store import Store
from tracker.testing import Page, PageServer

ROOT = Path(__file__).resolve().parent.parent

SEED = ROOT / "tests" / "pages" / "plex-privacy-policy-2021-03-17.html"
SHELL = ('<!doctype html><html><head><title>Privacy</title><script defer src="/app.js"></script></head>'
         '<body><div id="root"></div></body></html>')
APP = ("document.getElementById('root').innerHTML = '<h1>Privacy Policy</h1>' + "
       "Array(30).join('<p>We collect the data you give us and use it to run the service.</p>');")


def render_ms(url: str, runs: int) -> float:
    settings = browser.BrowserSettings()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        asyncio.run(browser.Browser(settings).render(url))
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def check_ms(url: str, render: str, runs: int) -> tuple[float, int]:
    """Median of whole checks (fetch, decide, normalize, store) and the number of browsers started."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = config_mod.parse({"tracker": {"database": f"{tmp}/t.db", "per_host_delay": 0},
                                "policy": [{"name": "seed", "url": url, "render": render}]})
        store = Store(cfg.database_path)
        checker = Checker(cfg, store)
        renders = 0
        real = checker.browser.render

        async def counting(page_url: str) -> bytes:
            nonlocal renders
            renders += 1
            return await real(page_url)

        checker.browser.render = counting  # type: ignore[method-assign]
        times = []
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            outcome = checker.run(cfg.policy)[0].outcome
            times.append((time.perf_counter() - t0) * 1000)
            assert outcome in ("new_version", "unchanged", "not_modified"), outcome
        store.close()
    return statistics.median(times[1:]), renders


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    seed_html = SEED.read_text(encoding="utf-8")
    with PageServer() as server:
        shell_url = server.put("/spa", SHELL)
        server.put("/app.js", Page(APP.encode(), headers={"Content-Type": "application/javascript"}))
        seed_url = server.put("/seed", Page(SEED.read_bytes(), etag=False))

        t_render = render_ms(shell_url, args.runs)
        print(f"Chromium render of a small JS page (median of {args.runs}): {t_render:.0f} ms")
        result("render a small JS page in Chromium (median)", "(figure)", f"{t_render:.0f} ms", None)

        t_choose = median_ms(lambda: choose("auto", seed_html), 50)
        print(f"auto decision on the 88 KB seed page: {t_choose:.2f} ms")
        result("  auto decision on the seed page (median)", "(figure)", f"{t_choose:.2f} ms", None)

        t_http, renders_http = check_ms(seed_url, "http", args.runs * 2)
        t_auto, renders_auto = check_ms(seed_url, "auto", args.runs * 2)
        print(f"check of the seed page: render=http {t_http:.1f} ms, render=auto {t_auto:.1f} ms; "
              f"browsers started: {renders_http} and {renders_auto}")
        result("  check seed page, render http / auto", "no browser",
               f"{t_http:.1f} / {t_auto:.1f} ms, {renders_http + renders_auto} browsers",
               renders_http + renders_auto == 0)


if __name__ == "__main__":
    main()
