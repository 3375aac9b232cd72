"""Open Terms Archive declarations as [[policy]] tables (`tracker import-ota`).

A declaration file names a service and its documents, each with `fetch`, `select`, `remove`,
`executeClientScripts` and `filter` (OTA's declaring guide). Mapped: fetch -> url, select/remove
(a CSS selector, a range selector {startBefore|startAfter, endBefore|endAfter}, or a list of them)
-> select/remove (a range as an inline table), executeClientScripts -> render = "browser", and
`combine` (several pages joined in order) -> combine = [{url, select, remove, render}, ...], the
document's own select/remove/executeClientScripts applying to every page that does not set them,
as in OTA. `filter`s are JavaScript functions: the document is imported without them and the
report says which were left out. Every imported policy passes the config's own validation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.errors import UsageError
from tracker.ranges import KEYS as RANGE_KEYS
from tracker.render.anchors import slug  # 'Trackers Policy' -> 'trackers-policy'

MAX_FILE = 2_000_000  # bytes: the largest real declaration is a few dozen KB
KNOWN_KEYS = {"fetch", "select", "remove", "filter", "executeClientScripts", "combine"}


@dataclass(frozen=True)
class Skipped:
    """A document (or a part of one) that was not imported, and why."""

    source: str  # the declaration file
    document: str  # "Service / Terms type"
    reason: str


@dataclass(frozen=True)
class OtaImport:
    policies: tuple[dict[str, Any], ...]
    skipped: tuple[Skipped, ...] = ()  # documents not imported
    notes: tuple[Skipped, ...] = ()  # documents imported without some of their declaration
    written: bool = False

    def toml(self) -> str:
        from tracker.configedit import policy_toml

        return policy_toml(self.policies) if self.policies else ""


def declaration_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and the service declarations in the folders named (not *.history.json)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.glob("*.json") if not p.name.endswith(".history.json"))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    return files


def load(path: Path) -> Mapping[str, Any]:
    try:
        raw = path.read_bytes()[: MAX_FILE + 1]
        if len(raw) > MAX_FILE:
            raise UsageError(f"{path}: over {MAX_FILE} bytes: not a declaration file")
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a JSON declaration file: {exc}") from None
    documents = data.get("documents", data.get("terms")) if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not isinstance(documents, dict):
        raise UsageError(f"{path}: not an Open Terms Archive declaration (needs \"name\" and \"documents\")")
    return data


def _selectors(value: Any, key: str) -> tuple[list[str | dict[str, str]], str | None]:
    """A select/remove value as CSS strings and range tables, or the reason it cannot be imported
    (the config's validation says what is wrong with a range or a selector)."""
    items = value if isinstance(value, list) else [value]
    out: list[str | dict[str, str]] = []
    for item in items:
        if isinstance(item, dict) and any(k in item for k in RANGE_KEYS):
            out.append(dict(item))
        elif isinstance(item, str) and item.strip():
            out.append(item.strip())
        else:
            return [], f"{key}: {item!r} is not a CSS selector"
    return out, None


def _render(decl: Mapping[str, Any]) -> str | None:
    flag = decl.get("executeClientScripts")
    return "browser" if flag is True else "http" if flag is False else None


def _filters(decl: Mapping[str, Any]) -> list[str]:
    filters = decl.get("filter") or []
    return [str(f) for f in (filters if isinstance(filters, list) else [filters])]


def _pages(decl: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str], str | None]:
    """`combine` as tracker pages (url, and select/remove/render where the page sets its own),
    the filters they name, or the reason it cannot be imported."""
    sources = decl["combine"]
    if not isinstance(sources, list) or not sources:
        return [], [], "combine is not a list of pages"
    pages: list[dict[str, Any]] = []
    filters: list[str] = []
    for i, source in enumerate(sources, 1):
        if not isinstance(source, dict) or not isinstance(source.get("fetch"), str):
            return [], [], f"combine page {i}: no fetch URL"
        page: dict[str, Any] = {"url": source["fetch"]}
        for key in ("select", "remove"):
            if key in source:
                page[key], why = _selectors(source[key], f"combine page {i} {key}")
                if why:
                    return [], [], why
        render = _render(source)
        if render is not None and render != (_render(decl) or "http"):
            page["render"] = render
        filters += _filters(source)
        pages.append(page)
    return pages, filters, None


def convert(data: Mapping[str, Any], source: str) -> tuple[list[dict[str, Any]], list[Skipped], list[Skipped]]:
    """One declaration's documents as policy tables; the documents skipped and the notes."""
    from pydantic import ValidationError

    from tracker.config import Policy

    service = data["name"]
    documents = data.get("documents", data.get("terms")) or {}
    policies: list[dict[str, Any]] = []
    skipped: list[Skipped] = []
    notes: list[Skipped] = []
    for terms_type, decl in documents.items():
        label = f"{service} / {terms_type}"

        def skip(reason: str, label: str = label) -> None:
            skipped.append(Skipped(source, label, reason))

        if not isinstance(decl, dict):
            skip("the declaration is not an object")
            continue
        pages: list[dict[str, Any]] = []
        filters = _filters(decl)
        if "combine" in decl:
            pages, page_filters, why = _pages(decl)
            if why:
                skip(why)
                continue
            filters += [f for f in page_filters if f not in filters]
        elif not isinstance(decl.get("fetch"), str):
            skip("no fetch URL")
            continue
        select, why = _selectors(decl.get("select", []), "select")
        remove, why_remove = _selectors(decl.get("remove", []), "remove")
        if why or why_remove:
            skip(str(why or why_remove))
            continue
        policy: dict[str, Any] = {"name": slug(f"{service} {terms_type}"), "title": f"{service} {terms_type}",
                                  "url": pages[0]["url"] if pages else decl["fetch"], "select": select,
                                  "remove": remove}
        if decl.get("executeClientScripts") is True:
            policy["render"] = "browser"
        if len(pages) == 1:  # one page "combined": a plain policy, the page's own keys winning
            policy.update({k: v for k, v in pages[0].items() if k != "url"})
        elif pages:
            policy["combine"] = pages
        try:
            Policy.model_validate({k: v for k, v in policy.items() if v not in ("", [])})
        except ValidationError as exc:
            skip("; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
                           for e in exc.errors()))
            continue
        if filters:
            notes.append(Skipped(source, label, f"filter {', '.join(filters)} not imported (JavaScript functions)"))
        unknown = sorted(set(decl) - KNOWN_KEYS)
        if unknown:
            notes.append(Skipped(source, label, f"not imported: {', '.join(unknown)}"))
        policies.append(policy)
    return policies, skipped, notes


def read(paths: Iterable[str | Path], existing: Iterable[str] = ()) -> OtaImport:
    """Every document of the declarations at ``paths``; names already in ``existing`` (or met
    twice) are skipped."""
    taken = set(existing)
    policies: list[dict[str, Any]] = []
    skipped: list[Skipped] = []
    notes: list[Skipped] = []
    files = declaration_files(paths)
    if not files:
        raise UsageError("no declaration files (*.json) found")
    for path in files:
        found, skip, note = convert(load(path), str(path))
        skipped += skip
        notes += note
        for policy in found:
            if policy["name"] in taken:
                skipped.append(Skipped(str(path), policy["title"], f"a policy named {policy['name']!r} already exists"))
                continue
            taken.add(policy["name"])
            policies.append(policy)
    return OtaImport(tuple(policies), tuple(skipped), tuple(notes))


__all__ = ["OtaImport", "Skipped", "read", "slug"]
