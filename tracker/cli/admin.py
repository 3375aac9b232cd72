"""Commands for whoever maintains the config: validate a new policy, re-extract after rule changes."""

from __future__ import annotations

import asyncio
import sys

import click

from tracker.cli import Context, cli, format_option, pass_ctx, print_json, safe


@cli.command()
@click.argument("names", nargs=-1)
@format_option("text", "json")
@pass_ctx
def reextract(ctx: Context, names: tuple[str, ...], fmt: str) -> None:
    """Re-run normalization over stored raw pages after a selector or normalizer change.

    A different result is recorded as a `technical` change: it is never notified.
    """
    from tracker.pipeline import Checker

    config = ctx.config
    policies = [config.get(n) for n in names] if names else list(config.policy)
    checker = Checker(config, ctx.store)
    results = [checker.reextract(p) for p in policies]
    if fmt == "json":
        print_json({"results": [{"policy": r.policy, "outcome": r.outcome,
                                 "version": r.version.number if r.version else None,
                                 "error": r.error} for r in results]})
    else:
        for r in results:
            detail = f"version {r.version.number}: {r.version.summary}" if r.version else (r.error or "")
            click.echo(safe(f"{r.policy}: {r.outcome} {detail}".rstrip()))
    sys.exit(0 if all(r.ok for r in results) else 1)


@cli.command()
@click.argument("name")
@format_option("text", "json")
@pass_ctx
def validate(ctx: Context, name: str, fmt: str) -> None:
    """Try a policy before relying on it: fetch twice, compare the extractions, show the sections."""
    from tracker import coverage, guards
    from tracker.errors import TrackerError
    from tracker.pipeline import Checker

    policy = ctx.policy(name)
    checker = Checker(ctx.config, ctx.store)
    problems: list[str] = []
    try:
        (first, extraction), (_, extraction2) = asyncio.run(checker.probe(policy))
    except TrackerError as exc:
        click.echo(f"error: {exc.kind}: {safe(str(exc))}", err=True)
        sys.exit(1)
    doc, doc2, cov = extraction.document, extraction2.document, extraction.coverage
    if doc.digest != doc2.digest:
        problems.append("two fetches gave different texts: the page varies (A/B test, rotating content?); "
                        "add `remove` selectors for the varying parts")
    latest = ctx.store.latest_version(name)
    previous = ctx.store.document(latest) if latest else None
    suspicion = guards.suspect(doc, first.text, previous)
    if suspicion:
        problems.append(suspicion.reason)
    lost = sum(d.words for d in cov.dropped if d.reason.value in ("hidden", "chrome"))
    if lost > cov.kept_words:
        problems.append(f"more words were dropped as hidden or chrome ({lost}) than kept ({cov.kept_words}): "
                        "check the dropped blocks below, and add `select` or `remove` selectors if they are policy text")
    drop = coverage.share_drop((latest.kept_words, latest.page_words), cov) \
        if latest and latest.kept_words is not None and latest.page_words else None
    if drop:
        problems.append(drop)
    if latest is None:
        would = "version 1 (first)"
    elif latest.digest == doc.digest:
        would = f"nothing: identical to version {latest.number}"
    else:
        would = f"version {latest.number + 1} (change)"
    sections = [{"heading": s.heading, "level": s.level, "first_line": (s.blocks[0] if s.blocks else "")[:100]}
                for s in doc.sections]
    if fmt == "json":
        print_json({"policy": name, "url": first.final_url, "title": doc.title, "words": doc.word_count,
                    "digest": doc.digest, "stable": doc.digest == doc2.digest, "would_store": would,
                    "render": {"path": first.via, "reason": first.via_reason},
                    "problems": problems, "sections": sections, "coverage": cov.to_json()})
    else:
        from rich.markup import escape

        console = ctx.console()
        console.print(f"[bold]{escape(safe(doc.title))}[/] — {escape(safe(first.final_url))}")
        console.print(f"fetched via {first.via}: {escape(safe(first.via_reason))}")
        console.print(f"{doc.word_count} words, {sum(1 for s in doc.sections if s.level)} headings, "
                      f"digest {doc.digest[:12]}")
        for s in sections:
            indent = "  " * max(0, s["level"] - 1)
            console.print(f"{indent}[cyan]{'#' * s['level']} {escape(safe(s['heading'])) or '(preamble)'}[/]  "
                          f"{escape(safe(s['first_line']))}")
        for line in cov.lines():
            console.print(escape(safe(line)))
        console.print(f"would store: {would}")
        for p in problems:
            console.print(f"[red]problem:[/] {escape(safe(p))}")
        if not problems:
            console.print("[green]ok:[/] two fetches agree and the text looks like a policy")
    sys.exit(1 if problems else 0)
